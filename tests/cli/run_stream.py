#!/usr/bin/env python3
"""`rnnscan run` in chunks: with a --memory-limit that splits the batch into
several chunks, and with several devices, the output file holds exactly what
one unchunked run on one device writes (every array equal, bit for bit), for
PyTorch models (time-major and batch_first, layers, bidirectional, lengths,
h0 / c0) and ONNX nodes (layout 0 and 1); --progress and --quiet do what they
say; a limit too small for one sequence, a malformed size, and a device that
does not exist are errors that leave no file.

usage: run_stream.py RNNSCAN_BINARY BACKEND...
Exit 0 pass, 1 fail (numpy is required)."""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

binary, backends = sys.argv[1], sys.argv[2:] or ["reference"]
GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden", "onnx_cases")
failures = checks = 0


def report(ok, name, detail=""):
    global failures, checks
    checks += 1
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")


def run(args, env=None):
    e = dict(os.environ, **(env or {}))
    return subprocess.run([binary, "run"] + args, capture_output=True, text=True, env=e)


def chunks_of(stderr):
    m = re.search(r"in (\d+) chunks of up to (\d+)", stderr)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


# The cpu backend picks each product's kernel by the number of rows (OpenBLAS
# sgemv for one sequence, its own small kernel for 2 to 15, sgemm above), and
# they round differently, so a sequence's last bits depend on how many others
# run beside it: chunked and unchunked agree to rounding there (measured
# 1.8e-7 on values of O(1)), bit for bit on reference and opencl, whose sums
# run in one order whatever the batch.
CPU_ATOL = 1e-6


def same_files(a, b, atol=0.0):
    with np.load(a) as za, np.load(b) as zb:
        if za.files != zb.files:
            return f"members {za.files} vs {zb.files}"
        for k in za.files:
            if za[k].shape != zb[k].shape:
                return f"{k}: shapes {za[k].shape} vs {zb[k].shape}"
            same = (np.array_equal(za[k].view(np.uint32), zb[k].view(np.uint32)) if atol == 0
                    else np.max(np.abs(za[k] - zb[k]), initial=0) <= atol)
            if not same:
                return f"{k} differs (max |diff| {np.max(np.abs(za[k] - zb[k]))}, allowed {atol})"
    return ""


def compare_chunked(name, args, d, limit, env=None, extra=()):
    """Unchunked run vs one with `limit` (and `extra` options): same file."""
    full, part = os.path.join(d, name + ".full.npz"), os.path.join(d, name + ".part.npz")
    r1 = run(args + ["--out", full], env)
    r2 = run(args + ["--out", part, "--memory-limit", limit, "--progress"] + list(extra), env)
    if r1.returncode or r2.returncode:
        report(False, name, (r1.stderr + r2.stderr).strip())
        return
    n, size = chunks_of(r2.stderr)
    diff = same_files(full, part, CPU_ATOL if "--backend cpu" in " ".join(args) else 0.0)
    report(n > 1 and not diff, name, f"{n} chunks of up to {size}" + (f"; {diff}" if diff else ""))


def expect_failure(name, args, needle, d):
    outdir = os.path.join(d, "fail-" + name)
    os.mkdir(outdir)
    r = run(args + ["--out", os.path.join(outdir, "o.npz")])
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    ok = r.returncode != 0 and len(lines) == 1 and needle in lines[0] and not os.listdir(outdir)
    report(ok, name, r.stderr.strip() + ("" if ok else f"  <- want one line with {needle!r}, no files"))


with tempfile.TemporaryDirectory() as d:
    p = lambda n: os.path.join(d, n)  # noqa: E731
    rng = np.random.default_rng(11)
    T, B, X, H, L = 9, 700, 7, 20, 2
    k = 1 / np.sqrt(H)
    w = {}
    for layer in range(L):
        for sfx in ("", "_reverse"):
            inp = X if layer == 0 else 2 * H
            w[f"weight_ih_l{layer}{sfx}"] = rng.uniform(-k, k, (4 * H, inp))
            w[f"weight_hh_l{layer}{sfx}"] = rng.uniform(-k, k, (4 * H, H))
            w[f"bias_ih_l{layer}{sfx}"] = rng.uniform(-k, k, 4 * H)
            w[f"bias_hh_l{layer}{sfx}"] = rng.uniform(-k, k, 4 * H)
    np.savez(p("w.npz"), **{n: v.astype(np.float32) for n, v in w.items()})
    x = rng.standard_normal((T, B, X)).astype(np.float32)
    np.save(p("x.npy"), x)
    np.save(p("x_bf.npy"), np.ascontiguousarray(x.transpose(1, 0, 2)))
    np.save(p("x_f8_fortran.npy"), np.asfortranarray(x.astype(np.float64)))
    np.save(p("h0.npy"), rng.standard_normal((2 * L, B, H)).astype(np.float32))
    np.save(p("c0.npy"), rng.standard_normal((2 * L, B, H)).astype(np.float32))
    np.save(p("len.npy"), rng.integers(1, T + 1, B).astype(np.int64))
    lstm = ["--cell", "lstm", "--weights", p("w.npz"), "--layers", str(L), "--bidirectional",
            "--h0", p("h0.npy"), "--c0", p("c0.npy"), "--lengths", p("len.npy")]
    # ~31 KiB a sequence here; 32 MiB are kept for the libraries, so 33M makes chunks of about 20
    for backend in backends:
        be = ["--backend", backend]
        compare_chunked(f"{backend}_lstm_time_major", lstm + be + ["--input", p("x.npy")], d, "33M")
        compare_chunked(f"{backend}_lstm_batch_first",
                        lstm + be + ["--input", p("x_bf.npy"), "--batch-first"], d, "33M")
        # Fortran-order float64 input is read whole, then chunked the same way
        compare_chunked(f"{backend}_lstm_fortran_input", lstm + be + ["--input", p("x_f8_fortran.npy")],
                        d, "33M")
        compare_chunked(f"{backend}_lstm_verify", lstm + be + ["--input", p("x.npy"), "--verify"], d, "34M")
        for case, layout in [("onnx_gru_lbr0_bidir_T6_B4_X3_H4_len32_bias_h0", 0),
                             ("onnx_lstm_allvariants_bidir_layout1_T5_B3_X4_H4_len64_bias_h0_c0", 1)]:
            model = os.path.join(GOLDEN, case, "model.onnx")
            if not os.path.exists(model):
                report(False, case, "missing golden model")
                continue
            To, Bo = 6, 900
            xo = rng.standard_normal((Bo, To, 4) if layout else (To, Bo, 3)).astype(np.float32)
            np.save(p(case + "_x.npy"), xo)
            h0 = rng.standard_normal((Bo, 2, 4) if layout else (2, Bo, 4)).astype(np.float32)
            np.save(p(case + "_h0.npy"), h0)
            np.save(p(case + "_len.npy"), rng.integers(1, To + 1, Bo).astype(np.int32))
            args = ["--onnx", model, "--input", p(case + "_x.npy"), "--h0", p(case + "_h0.npy"),
                    "--lengths", p(case + "_len.npy")] + be
            if layout:
                np.save(p(case + "_c0.npy"), rng.standard_normal((Bo, 2, 4)).astype(np.float32))
                args += ["--c0", p(case + "_c0.npy")]
            compare_chunked(f"{backend}_{case}", args, d, "32.1M")

    # .npz inputs, chunked, give the unchunked .npy run's file: a stored member
    # (np.savez), a deflated one named among two (np.savez_compressed, time-major:
    # decompressed again for each chunk), a deflated batch-first one
    np.savez(p("x_stored.npz"), x=x)
    np.savez_compressed(p("x_deflated.npz"), x=x, other=x[:1])
    np.savez_compressed(p("x_bf_deflated.npz"), np.ascontiguousarray(x.transpose(1, 0, 2)))
    for backend in backends:
        be = lstm + ["--backend", backend]
        for name, npy_args, npz_args in [
                ("stored", ["--input", p("x.npy")], ["--input", p("x_stored.npz")]),
                ("deflated_member", ["--input", p("x.npy")],
                 ["--input", p("x_deflated.npz"), "--input-member", "x"]),
                ("deflated_batch_first", ["--input", p("x_bf.npy"), "--batch-first"],
                 ["--input", p("x_bf_deflated.npz"), "--batch-first"])]:
            whole, part = p(f"{backend}_{name}.npy_in.npz"), p(f"{backend}_{name}.npz_in.npz")
            r1 = run(be + npy_args + ["--out", whole])
            r2 = run(be + npz_args + ["--out", part, "--memory-limit", "33M", "--progress"])
            if r1.returncode or r2.returncode:
                report(False, f"{backend}_npz_input_{name}", (r1.stderr + r2.stderr).strip())
                continue
            n, size = chunks_of(r2.stderr)
            diff = same_files(whole, part, CPU_ATOL if backend == "cpu" else 0.0)
            report(n > 1 and not diff, f"{backend}_npz_input_{name}",
                   f"{n} chunks of up to {size}" + (f"; {diff}" if diff else ""))
    ref = lstm + ["--backend", "reference"]
    expect_failure("npz_input_several_members", ref + ["--input", p("x_deflated.npz")],
                   "holds 2 arrays (x, other): name the one to read with --input-member NAME", d)
    expect_failure("npz_input_member_missing",
                   ref + ["--input", p("x_deflated.npz"), "--input-member", "y"],
                   "npz member 'y' not found (members: x, other)", d)
    expect_failure("input_member_without_npz", ref + ["--input", p("x.npy"), "--input-member", "x"],
                   "--input-member goes with an .npz --input", d)

    if "opencl" in backends:  # two PoCL devices, the batch split between them
        two = {"POCL_DEVICES": "pthread pthread"}
        args = lstm + ["--backend", "opencl", "--input", p("x.npy")]
        single, multi = p("one_device.npz"), p("two_devices.npz")
        r1 = run(args + ["--out", single, "--device", "0"], two)
        r2 = run(args + ["--out", multi, "--device", "all", "--memory-limit", "40M", "--progress"], two)
        ran = [int(m) for m in re.findall(r"ran (\d+) of %d sequences" % B, r2.stderr)]
        diff = same_files(single, multi) if not (r1.returncode or r2.returncode) else r1.stderr + r2.stderr
        report(not diff and len(ran) == 2 and sum(ran) == B, "opencl_two_devices",
               f"shares {ran}" + (f"; {diff}" if diff else ""))
        # a deflated .npz input read by both devices' threads through one locked stream
        r4 = run(lstm + ["--backend", "opencl", "--input", p("x_deflated.npz"), "--input-member", "x",
                         "--out", p("two_deflated.npz"), "--device", "all", "--memory-limit", "40M"],
                 two)
        diff = same_files(single, p("two_deflated.npz")) if r4.returncode == 0 else r4.stderr
        report(not diff, "opencl_two_devices_deflated_input", diff)
        r3 = run(args + ["--out", p("list.npz"), "--device", "0,1", "--quiet"], two)
        diff = same_files(single, p("list.npz")) if r3.returncode == 0 else r3.stderr
        report(not diff and r3.stderr == "", "opencl_device_list_quiet", diff)
        expect_failure("device_missing_in_list", args + ["--device", "0,7"], "device 7", d)

    base = ["--cell", "lstm", "--weights", p("w.npz"), "--layers", str(L), "--bidirectional",
            "--input", p("x.npy"), "--backend", "reference"]
    expect_failure("memory_limit_too_small", base + ["--memory-limit", "64K"],
                   "--memory-limit: 65536 bytes is too small", d)
    expect_failure("memory_limit_not_a_size", base + ["--memory-limit", "lots"],
                   "--memory-limit: 'lots' is not a size", d)
    expect_failure("progress_and_quiet", base + ["--progress", "--quiet"], "contradict", d)
    r = run(base + ["--out", p("quiet.npz"), "--quiet", "--memory-limit", "33M"])
    report(r.returncode == 0 and r.stderr == "", "quiet_is_silent", r.stderr.strip())
    # SIGTERM in the middle of a run (the reference on 40x the batch takes seconds): the
    # temporary file goes with the process, and no output appears
    np.save(p("x_long.npy"), np.tile(x, (1, 40, 1)))
    outdir = os.path.join(d, "interrupted")
    os.mkdir(outdir)
    long_run = ["--cell", "lstm", "--weights", p("w.npz"), "--layers", str(L), "--bidirectional",
                "--input", p("x_long.npy"), "--backend", "reference"]
    proc = subprocess.Popen([binary, "run"] + long_run + ["--out", os.path.join(outdir, "o.npz"),
                            "--progress", "--memory-limit", "64M"], stderr=subprocess.PIPE, text=True)
    started = proc.stderr.readline()  # the chunk plan: the temporary file exists by now
    time.sleep(0.5)
    proc.terminate()
    proc.communicate()
    left = os.listdir(outdir)
    report(proc.returncode == -signal.SIGTERM and not left and "chunks" in started,
           "sigterm_leaves_nothing", f"exit {proc.returncode}, files {left}")

print(f"{checks - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
