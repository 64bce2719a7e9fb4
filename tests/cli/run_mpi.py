#!/usr/bin/env python3
"""`mpirun -n 2 rnnscan run`: the file two ranks write together holds exactly
what one process writes (bit for bit on the reference and opencl backends),
each rank ran only its own slice of the batch (the slices partition it), and
a rank that fails (a device that does not exist) makes every rank exit
non-zero and leaves no file.

usage: run_mpi.py MPIRUN RNNSCAN_BINARY BACKEND...
Exit 0 pass, 1 fail."""
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

mpirun, binary, backends = sys.argv[1], sys.argv[2], sys.argv[3:] or ["reference"]
MPI = [mpirun, "--allow-run-as-root", "--oversubscribe", "-n", "2"]
failures = checks = 0


def report(ok, name, detail=""):
    global failures, checks
    checks += 1
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")


with tempfile.TemporaryDirectory() as d:
    p = lambda n: os.path.join(d, n)  # noqa: E731
    rng = np.random.default_rng(3)
    T, B, X, H = 8, 501, 6, 12
    k = 1 / np.sqrt(H)
    w = {}
    for sfx in ("", "_reverse"):
        w["weight_ih_l0" + sfx] = rng.uniform(-k, k, (3 * H, X))
        w["weight_hh_l0" + sfx] = rng.uniform(-k, k, (3 * H, H))
        w["bias_ih_l0" + sfx] = rng.uniform(-k, k, 3 * H)
        w["bias_hh_l0" + sfx] = rng.uniform(-k, k, 3 * H)
    np.savez(p("w.npz"), **{n: v.astype(np.float32) for n, v in w.items()})
    np.save(p("x.npy"), rng.standard_normal((T, B, X)).astype(np.float32))
    np.save(p("len.npy"), rng.integers(1, T + 1, B).astype(np.int32))
    args = ["run", "--cell", "gru", "--weights", p("w.npz"), "--bidirectional", "--input", p("x.npy"),
            "--lengths", p("len.npy")]
    for backend in backends:
        one, two = p(backend + "_one.npz"), p(backend + "_two.npz")
        r1 = subprocess.run([binary] + args + ["--backend", backend, "--out", one],
                            capture_output=True, text=True)
        r2 = subprocess.run(MPI + [binary] + args + ["--backend", backend, "--out", two, "--progress",
                                                     "--memory-limit", "33M"],
                            capture_output=True, text=True)
        if r1.returncode or r2.returncode:
            report(False, backend, (r1.stderr + r2.stderr).strip())
            continue
        shares = sorted((int(a), int(b), int(n)) for r, n, a, b in re.findall(
            r"rank (\d): .* ran (\d+) sequences of this rank's \[(\d+), (\d+)\)", r2.stderr))
        partition = (len(shares) == 2 and shares[0][0] == 0 and shares[0][1] == shares[1][0]
                     and shares[1][1] == B and all(b - a == n for a, b, n in shares))
        diffs = []
        with np.load(one) as a, np.load(two) as b:
            for name in a.files:
                if backend == "cpu":  # kernels chosen by batch size round differently (run_stream.py)
                    same = np.max(np.abs(a[name] - b[name])) <= 1e-6
                else:
                    same = np.array_equal(a[name].view(np.uint32), b[name].view(np.uint32))
                if not same:
                    diffs.append(f"{name} max |diff| {np.max(np.abs(a[name] - b[name]))}")
        report(partition and not diffs, f"{backend}_two_ranks",
               f"shares {shares}" + (f"; {diffs}" if diffs else ""))
    if "opencl" in backends:
        out = p("failed.npz")
        r = subprocess.run(MPI + [binary] + args + ["--backend", "opencl", "--device", "0,9",
                                                    "--out", out], capture_output=True, text=True)
        said = "rank 1: backend opencl, device 9" in r.stderr
        left = [f for f in os.listdir(d) if f.startswith("failed.npz")]
        report(r.returncode != 0 and said and not left, "rank_with_missing_device",
               f"exit {r.returncode}, files {left}, stderr {r.stderr.strip()[:200]!r}")

print(f"{checks - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
