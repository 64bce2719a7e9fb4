#!/usr/bin/env python3
"""`rnnscan bench --device all` on PoCL listing two devices
(POCL_DEVICES="pthread pthread"): a row per device and one for both at once,
each checked against the reference (bench poisons outputs with NaN, so a
sequence the split loses shows up), the shares covering the batch, and a
device list naming a missing device refused.

usage: bench_devices.py RNNSCAN
"""
import csv
import io
import os
import re
import subprocess
import sys

binary = sys.argv[1]
env = dict(os.environ, POCL_DEVICES="pthread pthread")
failures = checks = 0
# outputs are O(1) (tanh / sigmoid products); float32 sums over In + H <= 32
# terms differ from the reference's double ones by ~1e-7: 2e-5 is the test
# suite's absolute tolerance
ATOL = 2e-5


def report(ok, name, detail=""):
    global failures, checks
    checks += 1
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")


def bench(args):
    return subprocess.run([binary, "bench", "--runs", "5", "--csv", "--backends", "reference,opencl"]
                          + args, capture_output=True, text=True, env=env)


def check_rows(name, args, cases):
    r = bench(args)
    if r.returncode != 0:
        report(False, name, r.stderr.strip())
        return
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    for cell, B in cases:
        mine = [row for row in rows if row["cell"] == cell and row["B"] == str(B)]
        for schedule in ("host", "persistent"):
            got = {row["backend"]: row for row in mine if row["schedule"] == schedule}
            for backend in ("opencl@0", "opencl@1", "opencl@all"):
                row = got.get(backend)
                label = f"{name}_{cell}_{backend}_{schedule}"
                if row is None:
                    report(False, label, f"no row (backends: {sorted(got)})")
                    continue
                diff = float(row["max_abs_diff"] or "nan")
                ok = row["status"] == "ran" and diff <= ATOL
                detail = f"max|d-ref| {row['max_abs_diff']}, {row['note']}"
                if backend == "opencl@all":
                    shares = [int(v) for v in re.findall(r"\d+", row["note"])]
                    ok = ok and len(shares) == 2 and sum(shares) == B and min(shares) > 0
                report(ok, label, detail if ok else f"{detail}; status {row['status']}")


check_rows("plain", ["--device", "all", "--schedule", "host,persistent",
                     "--cases", "gru:8:50:16:16,lstm:6:33:8:12"], [("gru", 50), ("lstm", 33)])
# two layers, both directions, uneven lengths: the states and lengths split too
check_rows("deep", ["--device", "0,1", "--schedule", "host,persistent", "--layers", "2",
                    "--bidirectional", "--lengths", "uniform", "--cases", "lstm:7:41:8:12"],
           [("lstm", 41)])
r = bench(["--device", "0,7", "--cases", "gru:8:50:16:16"])
lines = [line for line in r.stderr.splitlines() if line.strip()]
report(r.returncode == 2 and len(lines) == 1 and "--device '7'" in lines[0], "missing_device",
       r.stderr.strip())
print(f"{checks - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
