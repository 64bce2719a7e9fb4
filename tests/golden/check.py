#!/usr/bin/env python3
"""Runs `rnnscan run` on every golden case and compares with expected.npz.

    check.py RNNSCAN_BINARY CASES_DIR [--backend reference|cpu|opencl]...
             [--only SUBSTRING]... [--timeout SECONDS] [--weight-type f16|bf16]

CASES_DIR is a folder of case folders (tests/golden/cases) or one case
folder.  For each case and each backend (default: reference) it runs

    RNNSCAN_BINARY run --cell C --weights weights.npz --input input.npy
        [--h0 h0.npy] [--c0 c0.npy] [--lengths lengths.npy] [--layers L]
        [--bidirectional] [--batch-first] --backend B --out TMP/out.npz

(the bracketed options as case.json says; an LSTM with projections, cases12,
needs none more: the binary takes proj_size from weight_hr in weights.npz)
and checks that out.npz holds output, h_n (and c_n for lstm) as float32
with exactly the expected shapes, all finite, and max |out - expected| <=
the case's tolerance (case.json).  One line per case and backend.

--weight-type f16|bf16 measures instead of checking: the weights are rounded
(`rnnscan run --weight-type`) while expected.npz holds float32 weights'
results, so each line reports max |out - expected|, the accuracy given up by
rounding, and only a failed run, a wrong shape or dtype or a non-finite value
fails.

Exit status: 0 all passed; 1 any failure (wrong values, shapes or dtype, a
missing array, the binary exiting non-zero or timing out, no cases found);
77 (skip) when numpy cannot be imported, unless the environment variable
CI is set (then 1), and when every run was skipped.  A run is skipped, not
failed, when the binary exits 77 (its "cannot run here", e.g. no OpenCL
device), except under CI, where every run must happen.

ONNX cases (tests/golden/onnx_cases, made by generate_onnx.py): a case
folder whose case.json says "format": "onnx" is run as

    RNNSCAN_BINARY run --onnx model.onnx [--node NAME] --input input.npy
        [--lengths lengths.npy] [--h0 h0.npy] [--c0 c0.npy]
        --out TMP/out.npz --backend B

and out.npz must hold Y, Y_h (and Y_c for LSTM) as float32, in the ONNX
shapes of expected.npz, all finite, within the tolerance.  (--weight-type is
passed only when it is not f32.)

--refused checks models that must be refused (tests/golden/onnx_refused):
each folder with a refused.json is run as

    RNNSCAN_BINARY run --onnx model.onnx --input input.npy
        --out TMP/out.npz --backend B

and passes when the binary exits non-zero (not by a signal), writes exactly
one line to stderr, that line contains refused.json's "expect_error"
(compared without regard to case), and no TMP/out.npz exists afterwards.

Needs only the standard library and numpy (not torch).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

SKIP = 77


def _no_numpy(err):
    if os.environ.get("CI"):
        print(f"check.py: numpy is required (CI is set, so this fails): {err}", file=sys.stderr)
        sys.exit(1)
    print(f"check.py: SKIP, numpy not importable: {err}", file=sys.stderr)
    sys.exit(SKIP)


try:
    import numpy as np
except ImportError as e:  # pragma: no cover
    _no_numpy(e)


def find_cases(root, marker="case.json"):
    if os.path.isfile(os.path.join(root, marker)):
        return [root]
    if not os.path.isdir(root):
        return []
    return [os.path.join(root, n) for n in sorted(os.listdir(root))
            if os.path.isfile(os.path.join(root, n, marker))]


def is_onnx(meta):
    return meta.get("format") == "onnx"


def output_names(meta):
    """The arrays out.npz must hold."""
    if is_onnx(meta):
        return ["Y", "Y_h"] + (["Y_c"] if meta["op"] == "LSTM" else [])
    return ["output", "h_n"] + (["c_n"] if meta["cell"] == "lstm" else [])


def run_command(binary, case_dir, meta, backend, out, weight_type):
    """The `rnnscan run` command line for one case and backend."""
    if is_onnx(meta):
        cmd = [binary, "run", "--onnx", os.path.join(case_dir, "model.onnx")]
        if meta.get("node"):
            cmd += ["--node", meta["node"]]
        cmd += ["--input", os.path.join(case_dir, "input.npy")]
        for opt in ("lengths", "h0", "c0"):
            if meta.get(opt):
                cmd += [f"--{opt}", os.path.join(case_dir, f"{opt}.npy")]
        cmd += ["--out", out, "--backend", backend]
        if weight_type != "f32":
            cmd += ["--weight-type", weight_type]
        return cmd
    cmd = [binary, "run", "--cell", meta["cell"],
           "--weights", os.path.join(case_dir, "weights.npz"),
           "--input", os.path.join(case_dir, "input.npy")]
    for opt in ("h0", "c0", "lengths"):
        if meta.get(opt):
            cmd += [f"--{opt}", os.path.join(case_dir, f"{opt}.npy")]
    cmd += feature_options(meta)
    cmd += ["--backend", backend, "--out", out, "--weight-type", weight_type]
    return cmd


def feature_options(meta):
    """The `rnnscan run` options for a case's layers, directions, layout and lengths."""
    out = []
    if meta.get("layers", 1) != 1:
        out += ["--layers", str(meta["layers"])]
    if meta.get("bidirectional"):
        out.append("--bidirectional")
    if meta.get("batch_first"):
        out.append("--batch-first")
    return out


def compare(out_path, expected_path, names, tol):
    """Returns (ok, max_abs_diff or None, detail); names: the arrays to check."""
    try:
        with np.load(out_path, allow_pickle=False) as z:
            got = {k: z[k] for k in z.files}
    except Exception as e:  # noqa: BLE001 (any unreadable file is a failure)
        return False, None, f"cannot read {os.path.basename(out_path)}: {e}"
    with np.load(expected_path, allow_pickle=False) as z:
        want = {k: z[k] for k in z.files}
    problems, worst, parts = [], 0.0, []
    for n in names:
        if n not in got:
            problems.append(f"{n} missing (has {sorted(got)})")
            continue
        g, w = got[n], want[n]
        if g.shape != w.shape:
            problems.append(f"{n} shape {g.shape} != expected {w.shape}")
            continue
        if g.dtype != np.float32:
            problems.append(f"{n} dtype {g.dtype} != float32")
            continue
        if not np.all(np.isfinite(g)):
            problems.append(f"{n} has {int(np.size(g) - np.isfinite(g).sum())} non-finite values")
            continue
        diff = np.abs(g.astype(np.float64) - w.astype(np.float64))
        d = float(diff.max()) if diff.size else 0.0
        worst = max(worst, d)
        parts.append(f"{n} {d:.3g}")
        if not d <= tol:
            idx = np.unravel_index(int(diff.argmax()), diff.shape)
            problems.append(f"{n} max|diff| {d:.3g} > {tol:g} at {tuple(int(i) for i in idx)} "
                            f"(got {float(g[idx]):.9g}, expected {float(w[idx]):.9g})")
    if problems:
        return False, (worst if parts else None), "; ".join(problems)
    return True, worst, ", ".join(parts)


def _run(cmd, timeout):
    """subprocess.run, or a str saying why the binary could not run."""
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout:g} s"
    except OSError as e:
        return f"cannot run the binary: {e}"


def check_refusal(r, out, expect):
    """(ok, detail) for a run that must be refused."""
    lines = (r.stderr or "").splitlines()
    problems = []
    if r.returncode == 0:
        problems.append("exited 0")
    elif r.returncode < 0:
        problems.append(f"killed by signal {-r.returncode}")
    if len(lines) != 1 or not lines[0].strip():
        problems.append(f"{len(lines)} lines on stderr, not exactly one")
    if expect.lower() not in (r.stderr or "").lower():
        problems.append(f"stderr lacks {expect!r}")
    if os.path.lexists(out):
        problems.append(f"left an output file {os.path.basename(out)}")
    shown = " | ".join(l.strip() for l in lines[:3]) + (" | ..." if len(lines) > 3 else "")
    if problems:
        return False, f"{'; '.join(problems)} (exit {r.returncode}; stderr: {shown!r})"
    return True, f"exit {r.returncode}: {shown}"


def main_refused(args, binary, backends):
    """--refused: every folder with a refused.json must be refused."""
    cases = find_cases(args.cases, "refused.json")
    if args.only:
        cases = [c for c in cases if any(s in os.path.basename(c) for s in args.only)]
    if not cases:
        print(f"check.py: FAIL, no refused-model folders (with refused.json) under {args.cases}",
              file=sys.stderr)
        return 1
    passed = failed = skipped = 0
    with tempfile.TemporaryDirectory(prefix="rnnscan-refused-") as tmp:
        for case_dir in cases:
            name = os.path.basename(os.path.normpath(case_dir))
            with open(os.path.join(case_dir, "refused.json")) as f:
                expect = json.load(f)["expect_error"]
            for backend in backends:
                tag = f"{backend:9s} {name}"
                out = os.path.join(tmp, f"{name}.{backend}.out.npz")
                cmd = [binary, "run", "--onnx", os.path.join(case_dir, "model.onnx"),
                       "--input", os.path.join(case_dir, "input.npy"),
                       "--out", out, "--backend", backend]
                r = _run(cmd, args.timeout)
                if isinstance(r, str):
                    print(f"FAIL {tag}: {r}\n  {' '.join(cmd)}")
                    failed += 1
                    continue
                if r.returncode == SKIP and not os.environ.get("CI"):
                    why = (r.stderr.strip().splitlines() or ["(no message)"])[-1]
                    print(f"SKIP {tag}: binary exited 77: {why}")
                    skipped += 1
                    continue
                ok, detail = check_refusal(r, out, expect)
                if ok:
                    print(f"PASS {tag}: refused ({detail})")
                    passed += 1
                else:
                    print(f"FAIL {tag}: expected a refusal mentioning {expect!r}: {detail}\n"
                          f"  {' '.join(cmd)}")
                    failed += 1
    print(f"check.py: {passed} passed, {failed} failed, {skipped} skipped")
    if failed:
        return 1
    if passed == 0:
        return SKIP
    return 0


def main():
    ap = argparse.ArgumentParser(
        description="Checks `rnnscan run` against the golden cases.",
        epilog="Exit 0 pass, 1 fail, 77 skip (see the module docstring).")
    ap.add_argument("binary", help="the rnnscan executable")
    ap.add_argument("cases", help="a folder of case folders, or one case folder")
    ap.add_argument("--backend", action="append", choices=("reference", "cpu", "opencl"),
                    help="backend to run (repeatable; default: reference)")
    ap.add_argument("--only", action="append", default=[],
                    help="run only cases whose name contains this (repeatable)")
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="seconds allowed per run (default 300)")
    ap.add_argument("--weight-type", choices=("f32", "f16", "bf16"), default="f32",
                    help="store the weights as this type; f16/bf16 report max|diff| against "
                         "the float32 expected results instead of checking the tolerance")
    ap.add_argument("--refused", action="store_true",
                    help="CASES_DIR holds models the binary must refuse (folders with "
                         "refused.json, tests/golden/onnx_refused)")
    args = ap.parse_args()
    measuring = args.weight_type != "f32"
    backends = args.backend or ["reference"]

    binary = args.binary
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        print(f"check.py: FAIL, {binary} is not an executable file", file=sys.stderr)
        return 1
    if args.refused:
        return main_refused(args, binary, backends)
    cases = find_cases(args.cases)
    if args.only:
        cases = [c for c in cases if any(s in os.path.basename(c) for s in args.only)]
    if not cases:
        hint = (" (models that must be refused: add --refused)"
                if find_cases(args.cases, "refused.json") else "")
        print(f"check.py: FAIL, no case folders (with case.json) under {args.cases}{hint}",
              file=sys.stderr)
        return 1

    passed = failed = skipped = 0
    with tempfile.TemporaryDirectory(prefix="rnnscan-golden-") as tmp:
        for case_dir in cases:
            name = os.path.basename(os.path.normpath(case_dir))
            with open(os.path.join(case_dir, "case.json")) as f:
                meta = json.load(f)
            tol = float("inf") if measuring else float(meta["tolerance"])
            for backend in backends:
                tag = f"{backend:9s} {name}"
                out = os.path.join(tmp, f"{name}.{backend}.out.npz")
                if os.path.exists(out):
                    os.remove(out)
                cmd = run_command(binary, case_dir, meta, backend, out, args.weight_type)
                try:
                    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True, errors="replace", timeout=args.timeout)
                except subprocess.TimeoutExpired:
                    print(f"FAIL {tag}: timed out after {args.timeout:g} s\n  {' '.join(cmd)}")
                    failed += 1
                    continue
                except OSError as e:
                    print(f"FAIL {tag}: cannot run the binary: {e}")
                    failed += 1
                    continue
                if r.returncode == SKIP and not os.environ.get("CI"):
                    why = (r.stderr.strip().splitlines() or ["(no message)"])[-1]
                    print(f"SKIP {tag}: binary exited 77: {why}")
                    skipped += 1
                    continue
                if r.returncode != 0:
                    tail = "\n  ".join((r.stderr or r.stdout).strip().splitlines()[-5:])
                    print(f"FAIL {tag}: binary exited {r.returncode}\n  {' '.join(cmd)}\n  {tail}")
                    failed += 1
                    continue
                ok, worst, detail = compare(out, os.path.join(case_dir, "expected.npz"),
                                            output_names(meta), tol)
                shown = "n/a" if worst is None else f"{worst:.3g}"
                print(f"{'PASS' if ok else 'FAIL'} {tag}: max|diff| {shown} (tol {tol:g}; {detail})")
                if ok:
                    passed += 1
                else:
                    failed += 1

    print(f"check.py: {passed} passed, {failed} failed, {skipped} skipped")
    if failed:
        return 1
    if passed == 0:
        return SKIP
    return 0


if __name__ == "__main__":
    sys.exit(main())
