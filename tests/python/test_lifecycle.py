"""Contexts shared per (backend, device), closing, finalizers, threads, and
where the library is loaded from."""
import ctypes
import gc
import os
import pathlib
import threading
import weakref

import numpy as np
import pytest
import torch

import rnnscan
from rnnscan import _native
from torch_models import assert_same_outputs, make_module, torch_forward

REPO = pathlib.Path(__file__).resolve().parents[2]


def test_the_library_is_the_installed_package_s_own():
    """pip install . puts librnnscan.so inside the package; nothing else
    (LD_LIBRARY_PATH, the source tree) is needed or used."""
    assert rnnscan.__version__.count(".") == 2
    if os.environ.get(_native.LIBRARY_ENV):  # a developer testing a build tree
        assert _native.library_path == os.environ[_native.LIBRARY_ENV]
        return
    package = pathlib.Path(rnnscan.__file__).resolve().parent
    assert REPO / "python" not in package.parents, "testing the source tree, not the install"
    assert pathlib.Path(_native.library_path).resolve() == package / "librnnscan.so"


def test_calls_release_the_gil():
    """ctypes.CDLL releases the GIL around every foreign call; PyDLL would not."""
    assert not isinstance(_native.lib, ctypes.PyDLL)
    assert _native.lib._func_flags_ & ctypes._FUNCFLAG_PYTHONAPI == 0


def test_devices_lists_an_opencl_device():
    found = rnnscan.devices()
    assert found, "no OpenCL device: install one (CI: pocl-opencl-icd)"
    assert [d.index for d in found] == list(range(len(found)))
    assert all(d.name and d.platform and d.compute_units > 0 for d in found)


def test_models_of_a_backend_share_one_context(backend):
    first = rnnscan.from_torch(make_module("gru"), backend=backend)
    second = rnnscan.from_torch(make_module("lstm"), backend=backend)
    assert first.context is second.context is rnnscan.context(backend)
    assert first.backend == backend and first.device == first.context.device


def test_opencl_contexts_by_device_spec():
    by_index = rnnscan.context("opencl", device=0)
    assert rnnscan.context("opencl", device="0") is by_index
    assert by_index.device == rnnscan.devices()[0].platform + " / " + rnnscan.devices()[0].name


def test_closing_a_context_closes_its_models():
    context = rnnscan.context("reference")
    model = rnnscan.from_torch(make_module("gru"), backend="reference")
    context.close()
    assert context.closed and model.closed
    with pytest.raises(rnnscan.InvalidArgument, match="closed"):
        model(np.zeros((3, 1, 5), np.float32))
    fresh = rnnscan.context("reference")  # the next use opens a new one
    assert fresh is not context and not fresh.closed
    assert rnnscan.from_torch(make_module("gru"), backend="reference").context is fresh


def test_dropped_models_are_freed(backend):
    module = make_module("lstm")
    x = torch.randn(3, 2, 5)
    refs = []
    for _ in range(20):
        model = rnnscan.from_torch(module, backend=backend)
        model(x)
        refs.append(weakref.ref(model))
        del model
    gc.collect()
    assert all(ref() is None for ref in refs)
    assert_same_outputs(rnnscan.from_torch(module, backend=backend)(x), torch_forward(module, x))


def test_threads_share_models_and_backends():
    """Models of one context are used by one thread at a time (the context's
    lock); different contexts run side by side."""
    module = make_module("gru", num_layers=2, bidirectional=True)
    models = [rnnscan.from_torch(module, backend=b) for b in ("reference", "cpu", "opencl")]
    inputs = [torch.randn(6, 3, 5, generator=torch.Generator().manual_seed(i)) for i in range(4)]
    expected = [torch_forward(module, x) for x in inputs]
    failures = []

    def work(model):
        try:
            for _ in range(5):
                for x, answer in zip(inputs, expected):
                    assert_same_outputs(model(x), answer)
        except Exception as error:  # reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=work, args=(m,)) for m in models + models]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
