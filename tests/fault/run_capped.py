#!/usr/bin/env python3
"""`rnnscan run --verify` on a job larger than the allocation cap, audited.

  run_capped.py RNNSCAN_BINARY SHIM

An LSTM with 2 layers, bidirectional, per-sequence lengths and h0 / c0,
T*B = 120*40 = 4800 (its whole-run input projection is 4800 x 2 x 64 floats,
2.4 MB, above the 1 MiB cap), run through the command-line tool with
RNNSCAN_MAX_ALLOC=1048576 and RNNSCAN_MAX_GROUPS=64 on both tunings and both
schedules, under the OpenCL shim (cl_shim.c) auditing the same caps.  Each
run must exit 0 with --verify (the tool compares with the reference backend
and fails above |d| <= 2e-5 + 2e-5 |ref|), write its output, create no buffer
above the cap, launch no kernel with more than 64 work-groups in a dimension,
and leak no OpenCL object.  Weights like PyTorch's init, U(-1/sqrt(H),
1/sqrt(H)); inputs N(0, 1).  Exit 77 without an OpenCL device unless
RNNSCAN_REQUIRE_OPENCL is set; 1 on any failure.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_fault import read_report  # noqa: E402  (the shim's report format, one reader)

CAP, GROUPS = 1048576, 64
T, B, X, H, L = 120, 40, 10, 16, 2


def make_inputs(d):
    rng = np.random.default_rng(2026)
    k = 1 / np.sqrt(H)
    weights = {}
    for layer in range(L):
        inp = X if layer == 0 else 2 * H
        for sfx in ("", "_reverse"):
            u = lambda *shape: rng.uniform(-k, k, shape).astype(np.float32)
            weights["weight_ih_l%d%s" % (layer, sfx)] = u(4 * H, inp)
            weights["weight_hh_l%d%s" % (layer, sfx)] = u(4 * H, H)
            weights["bias_ih_l%d%s" % (layer, sfx)] = u(4 * H)
            weights["bias_hh_l%d%s" % (layer, sfx)] = u(4 * H)
    np.savez(os.path.join(d, "w.npz"), **weights)
    np.save(os.path.join(d, "x.npy"), rng.standard_normal((T, B, X)).astype(np.float32))
    np.save(os.path.join(d, "h0.npy"), rng.standard_normal((2 * L, B, H)).astype(np.float32))
    np.save(os.path.join(d, "c0.npy"), rng.standard_normal((2 * L, B, H)).astype(np.float32))
    lengths = rng.integers(1, T + 1, B).astype(np.int64)
    lengths[B // 2] = T
    np.save(os.path.join(d, "len.npy"), lengths)


def main():
    binary, shim = sys.argv[1], sys.argv[2]
    status = 0
    with tempfile.TemporaryDirectory() as d:
        make_inputs(d)
        for tuning in ("cpu", "gpu"):
            for schedule in ("host", "persistent"):
                label = "tuning %s, schedule %s" % (tuning, schedule)
                out, report_path = os.path.join(d, "out.npz"), os.path.join(d, "report.txt")
                for path in (out, report_path):
                    if os.path.exists(path):
                        os.remove(path)
                env = dict(os.environ, RNNSCAN_TUNING=tuning, RNNSCAN_MAX_ALLOC=str(CAP),
                           RNNSCAN_MAX_GROUPS=str(GROUPS), RNNSCAN_AUDIT_MAX_BUFFER=str(CAP),
                           RNNSCAN_AUDIT_MAX_GROUPS=str(GROUPS), RNNSCAN_FAULT_REPORT=report_path,
                           LD_PRELOAD=shim)
                env.pop("RNNSCAN_DEVICE", None)
                cmd = [binary, "run", "--cell", "lstm", "--layers", str(L), "--bidirectional",
                       "--weights", os.path.join(d, "w.npz"), "--input", os.path.join(d, "x.npy"),
                       "--h0", os.path.join(d, "h0.npy"), "--c0", os.path.join(d, "c0.npy"),
                       "--lengths", os.path.join(d, "len.npy"), "--backend", "opencl",
                       "--schedule", schedule, "--verify", "--out", out]
                p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
                text = (p.stdout + p.stderr).strip()
                if p.returncode != 0 and "no OpenCL platform" in text and \
                        not os.environ.get("RNNSCAN_REQUIRE_OPENCL"):
                    print("run_capped: no OpenCL device, skipped")
                    return 77
                problems = []
                if p.returncode != 0:
                    problems.append("exit status %d: %s" % (p.returncode, text))
                if not os.path.exists(out):
                    problems.append("no output file")
                if not os.path.exists(report_path):
                    problems.append("no audit report (was the shim loaded?)")
                else:
                    report = read_report(report_path)
                    violations = report["violation_list"]
                    if report.get("violations") != "0":
                        problems.append("%s audit violations: %s" % (report.get("violations"),
                                                                     "; ".join(violations[:4])))
                    if report.get("live_total") != "0":
                        problems.append("%s OpenCL objects leaked" % report.get("live_total"))
                    print("%s: largest buffer %s bytes, most groups per dimension %s, %s launches"
                          % (label, report.get("max_buffer"), report.get("max_groups"),
                             report.get("launches")))
                print("  " + text.replace("\n", "\n  "))
                if problems:
                    status = 1
                    print("FAIL %s: %s" % (label, "; ".join(problems)))
                else:
                    print("ok   %s" % label)
    return status


if __name__ == "__main__":
    sys.exit(main())
