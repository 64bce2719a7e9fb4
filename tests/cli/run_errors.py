#!/usr/bin/env python3
"""`rnnscan run` on bad input: each failure exits non-zero with one line on
stderr naming the problem, and leaves no file (not even a temporary one) in
the output directory.  Also checks --verify's success line.

usage: run_errors.py RNNSCAN_BINARY
Exit 0 pass, 1 fail, 77 skip when numpy is missing (1 under CI)."""
import os
import resource
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("numpy not importable")
    sys.exit(1 if os.environ.get("CI") else 77)

binary = sys.argv[1]
failures = checks = 0


def expect_failure(name, args, needle, workdir, address_space=None):
    """Runs `rnnscan run args`; wants exit != 0, one stderr line containing needle, no files.
    address_space: a limit (bytes) on the process's virtual memory, so a large
    allocation fails however much memory the machine has."""
    global failures, checks
    checks += 1
    outdir = os.path.join(workdir, "out-" + name)
    os.mkdir(outdir)
    limit = None
    if address_space:
        def limit():
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    r = subprocess.run([binary, "run"] + args + ["--out", os.path.join(outdir, "o.npz")],
                       capture_output=True, text=True, preexec_fn=limit)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    problems = []
    if r.returncode == 0:
        problems.append("exit status 0")
    if len(lines) != 1:
        problems.append(f"{len(lines)} stderr lines")
    if not any(needle in l for l in lines):
        problems.append(f"stderr lacks {needle!r}")
    if os.listdir(outdir):
        problems.append(f"left files {os.listdir(outdir)}")
    print(f"{'FAIL' if problems else 'ok  '} {name}: {r.stderr.strip()!r}"
          + (f"  <- {', '.join(problems)}" if problems else ""))
    failures += bool(problems)


with tempfile.TemporaryDirectory() as d:
    rng = np.random.default_rng(5)
    T, B, X, H = 4, 3, 5, 6
    k = 1 / np.sqrt(H)
    w = {"weight_ih_l0": rng.uniform(-k, k, (4 * H, X)), "weight_hh_l0": rng.uniform(-k, k, (4 * H, H)),
         "bias_ih_l0": rng.uniform(-k, k, 4 * H), "bias_hh_l0": rng.uniform(-k, k, 4 * H)}
    np.savez(os.path.join(d, "w.npz"), **{n: v.astype(np.float32) for n, v in w.items()})
    np.save(os.path.join(d, "x.npy"), rng.standard_normal((T, B, X)).astype(np.float32))
    np.save(os.path.join(d, "x_wrong.npy"), rng.standard_normal((T, B, X + 1)).astype(np.float32))
    np.save(os.path.join(d, "h0_wrong.npy"), np.zeros((1, B + 1, H), np.float32))
    np.save(os.path.join(d, "len0.npy"), np.array([4, 0, 2], np.int64))
    # an LSTM with proj_size P = 2: h0 must be P wide, and weight_hr is LSTM only
    P = 2
    wp = dict(w, weight_hh_l0=rng.uniform(-k, k, (4 * H, P)), weight_hr_l0=rng.uniform(-k, k, (P, H)))
    np.savez(os.path.join(d, "w_proj.npz"), **{n: v.astype(np.float32) for n, v in wp.items()})
    np.save(os.path.join(d, "h0_unprojected.npy"), np.zeros((1, B, H), np.float32))
    np.save(os.path.join(d, "len_i16.npy"), np.array([4, 1, 2], np.int16))
    with open(os.path.join(d, "notzip.npz"), "wb") as f:
        f.write(b"this is not a zip archive")
    p = lambda n: os.path.join(d, n)  # noqa: E731
    base = ["--cell", "lstm", "--weights", p("w.npz"), "--input", p("x.npy"), "--backend", "reference"]

    expect_failure("missing_weights", ["--cell", "lstm", "--input", p("x.npy")], "--weights", d)
    expect_failure("unknown_cell", ["--cell", "lstmm"] + base[2:], "lstmm", d)
    expect_failure("unknown_option", base + ["--frobnicate"], "--frobnicate", d)
    expect_failure("gru_weights_for_lstm", ["--cell", "gru"] + base[2:],
                   "weight_hh_l0: expected shape (18, 6), found (24, 6)", d)
    expect_failure("input_width", base[:4] + ["--input", p("x_wrong.npy")] + base[6:],
                   "expected shape (T, B, X) with X = 5, found (4, 3, 6)", d)
    expect_failure("h0_shape", base + ["--h0", p("h0_wrong.npy")], "expected shape (1, 3, 6), found (1, 4, 6)", d)
    proj = ["--cell", "lstm", "--weights", p("w_proj.npz")] + base[4:]
    expect_failure("h0_projection_width", proj + ["--h0", p("h0_unprojected.npy")],
                   "expected shape (1, 3, 2), found (1, 3, 6)", d)
    expect_failure("projection_not_lstm", ["--cell", "gru", "--weights", p("w_proj.npz")] + base[4:],
                   "unexpected array 'weight_hr_l0': projections (weight_hr, PyTorch's proj_size) are lstm only", d)
    expect_failure("length_zero", base + ["--lengths", p("len0.npy")], "lengths[1] = 0", d)
    expect_failure("length_dtype", base + ["--lengths", p("len_i16.npy")], "<i2", d)
    expect_failure("not_a_zip", ["--cell", "lstm", "--weights", p("notzip.npz"), "--input", p("x.npy")],
                   "notzip.npz", d)
    expect_failure("missing_input", base[:4] + ["--input", p("nope.npy")] + base[6:], "nope.npy", d)
    expect_failure("c0_for_gru", ["--cell", "gru", "--weights", p("w.npz"), "--input", p("x.npy"),
                                  "--c0", p("h0_wrong.npy")], "--c0 is for lstm only", d)
    expect_failure("two_layers_missing", base + ["--layers", "2"], "weight_ih_l1", d)
    expect_failure("layers_zero", base + ["--layers", "0"], "--layers needs a positive integer", d)
    # L*D above INT_MAX: refused by name (the first missing array), no overflow
    expect_failure("layers_huge_bidirectional", base + ["--layers", "2147483647", "--bidirectional"],
                   "missing array 'weight_ih_l0_reverse'", d)
    expect_failure("unknown_schedule", base + ["--schedule", "later"],
                   "--schedule: unknown schedule 'later' (auto, host, persistent)", d)
    # output (T, B, H) = 4 GiB under a 1 GiB address space and the default
    # memory limit (half the machine's available memory): the chunk's buffers
    # cannot be allocated, and the message says what to lower.  (T*B*D*H*4
    # overflowing size_t is not reachable: it takes terabytes of input.)
    Hbig, Tbig = 1024, 1024
    np.savez(p("w_big.npz"), weight_ih_l0=np.zeros((Hbig, 1), np.float32),
             weight_hh_l0=np.zeros((Hbig, Hbig), np.float32))
    np.save(p("x_big.npy"), np.zeros((Tbig, Tbig, 1), np.float32))
    expect_failure("outputs_out_of_memory",
                   ["--cell", "rnn_tanh", "--weights", p("w_big.npz"), "--input", p("x_big.npy"),
                    "--backend", "reference"],
                   "(T = 1024); a lower --memory-limit makes smaller chunks", d,
                   address_space=1 << 30)

    out = p("good.npz")
    r = subprocess.run([binary, "run"] + base + ["--verify", "--out", out], capture_output=True, text=True)
    ok = r.returncode == 0 and "verify:" in r.stdout and ": ok" in r.stdout and os.path.exists(out)
    if ok:
        with np.load(out) as z:
            ok = z["output"].shape == (T, B, H) and z["h_n"].shape == (1, B, H) and z["c_n"].dtype == np.float32
    checks += 1
    print(f"{'ok  ' if ok else 'FAIL'} verify: {r.stdout.strip()!r} {r.stderr.strip()!r}")
    failures += not ok

print(f"{checks - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
