"""Shared fixtures.  Run against the installed package (pip install .), from
the repository root: /path/to/venv/bin/python -m pytest tests/python"""
import os

import pytest

# AUTO keeps its measured schedule costs in each context only, not in
# ~/.cache/rnnscan (set before rnnscan opens a context).
os.environ["RNNSCAN_CACHE_DIR"] = ""

# Every backend, OpenCL included: with no OpenCL device its tests fail (they
# are never skipped); CI runs them on PoCL.
BACKENDS = ["reference", "cpu", "opencl"]


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param
