#!/usr/bin/python3
"""Times the same RNN cases with every tool at hand, in one run, and prints one
table (median ms) with ratios:

  - the notebook's numpy loop ("RNN a pie", the project's seed), one sequence
    at a time as written, and with the batch as matrix columns;
  - PyTorch CPU nn.RNN / nn.LSTM / nn.GRU (float32, 2 threads, inference_mode);
  - oneDNN's RNN primitive (bench/onednn_rnn.c, built here with cc when
    Debian's libdnnl-dev is installed);
  - rnnscan's backends, through `rnnscan bench --csv` on the same cases; the
    OpenCL backend with both schedules ("opencl": host loop, the default;
    "opencl-persistent": one launch per layer).

With --bf16, also bf16 weights: rnnscan's backends with `--weight-type bf16`
("rnnscan/cpu-bf16", ...) and oneDNN's bf16 RNN ("onednn-bf16": bf16 inputs,
outputs and weights), where oneDNN has one on this CPU (n/a, with oneDNN's
answer, where not).

Run with Debian's python3 (numpy, python3-torch, python3-matplotlib):
  /usr/bin/python3 bench/compare.py [--cases notebook,batched] [--runs 7] [--bf16] [--plot out.png]
"""
import argparse
import csv
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The notebook's own functions, transcribed once, for the golden cases and for this benchmark.
sys.path.insert(0, os.path.join(ROOT, "tests", "golden"))
from notebook import scan_LSTM, scan_V_RNN  # noqa: E402  tests/golden/notebook.py


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- cases and timing -----------------------------------------------------


class Case:
    def __init__(self, spec):
        cell, *dims = spec.split(":")
        self.spec, self.cell = spec, cell
        self.T, self.B, self.X, self.H = map(int, dims)


class Timing:
    """median / min / max in ms over n timed runs, or a note why there are none."""

    def __init__(self, median=None, lo=None, hi=None, n=0, note=""):
        self.median, self.min, self.max, self.n, self.note = median, lo, hi, n, note

    @classmethod
    def of(cls, times, note=""):
        return cls(statistics.median(times), min(times), max(times), len(times), note)

    @property
    def ok(self):
        return self.median is not None

    def cell(self):
        if not self.ok:
            return "n/a"
        return f"{self.median:.3f}" + ("*" if self.note else "")


def time_it(fn, runs, warmup, budget_s):
    """Warm-up, then up to `runs` timed calls; fewer (at least 3) when the
    calls would overrun budget_s.  Returns a Timing in ms."""
    for _ in range(warmup):
        fn()
    times, start = [], time.perf_counter()
    for i in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
        if i >= 2 and time.perf_counter() - start > budget_s:
            break
    note = "" if len(times) == runs else f"{len(times)} of {runs} runs (budget {budget_s:g} s)"
    return Timing.of(times, note)


# ---- tools ----------------------------------------------------------------


def torch_module(case):
    import torch

    if case.cell in ("rnn_tanh", "rnn_relu"):
        return torch.nn.RNN(case.X, case.H, nonlinearity=case.cell[4:])
    return {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[case.cell](case.X, case.H)


def notebook_weights(module, case):
    """The torch module's weights in the notebook's form (float64, as the
    notebook draws them).  The notebook's LSTM has no bias: the module's
    biases are zeroed so that both compute the same function."""
    import torch

    w_ih = module.weight_ih_l0.detach().double().numpy()
    w_hh = module.weight_hh_l0.detach().double().numpy()
    if case.cell == "rnn_tanh":
        b = (module.bias_ih_l0 + module.bias_hh_l0).detach().double().numpy()[:, None]
        return [w_hh, w_ih, b]
    with torch.no_grad():
        module.bias_ih_l0.zero_()
        module.bias_hh_l0.zero_()
    H = case.H
    Ui, Uf, U, Uo = (w_ih[k * H:(k + 1) * H] for k in range(4))  # PyTorch order i, f, g, o
    Wi, Wf, W, Wo = (w_hh[k * H:(k + 1) * H] for k in range(4))
    return [Ui, Wi, Uf, Wf, Uo, Wo, U, W]


def notebook_runs(case, module, x, args):
    """Both notebook variants on one case: (per_sequence, columns, max |notebook - torch|)."""
    import torch

    if case.cell not in ("rnn_tanh", "lstm"):
        na = Timing(note="the notebook has no " + case.cell)
        return na, na, None
    weights = notebook_weights(module, case)
    xd = x.double().numpy()  # [T][B][X]
    H, B = case.H, case.B

    def scan(elems, batch, steps=None):
        elems = elems if steps is None else elems[:steps]
        h0 = np.zeros((H, batch))
        if case.cell == "rnn_tanh":
            return scan_V_RNN(elems, weights, h0)[1]
        return scan_LSTM(elems, weights, h0, np.zeros((H, batch)))[1][0]

    # one sequence at a time, each an array [T][X][1] like the notebook's X
    seqs = [np.ascontiguousarray(xd[:, b, :, None]) for b in range(B)]
    cols = np.ascontiguousarray(xd.transpose(0, 2, 1))  # [T][X][B]: the batch as columns
    variants = (
        ("per-sequence", lambda steps=None: [scan(s, 1, steps) for s in seqs], B),
        ("columns", lambda steps=None: scan(cols, B, steps), 1),
    )
    out = []
    for name, fn, copies in variants:
        # Decide from a short prefix (8 steps, one sequence) whether the whole
        # loop fits the budget; the estimate is never reported as a time.
        prefix = min(case.T, 8)
        t0 = time.perf_counter()
        scan(seqs[0] if copies > 1 else cols, 1 if copies > 1 else B, prefix)
        seconds = (time.perf_counter() - t0) * (case.T / prefix) * copies
        if 4 * seconds > args.loop_budget:  # the warm-up and 3 runs would not fit
            out.append(Timing(note=f"skipped: about {seconds:.2g} s per run (estimated from "
                                   f"{prefix} steps), > --loop-budget/4"))
            continue
        log(f"  notebook {name} loop ...")
        out.append(time_it(fn, args.runs, 1, args.loop_budget))
    if not out[1].ok:  # the columns loop was too slow to run once more
        return out[0], out[1], None
    with torch.inference_mode():
        state = module(x)[1]
        h_n = (state[0] if case.cell == "lstm" else state)[0].double().numpy().T  # [H][B]
    diff = float(np.max(np.abs(scan(cols, B) - h_n)))
    return out[0], out[1], diff


def torch_run(case, module, x, args):
    import torch

    with torch.inference_mode():
        return time_it(lambda: module(x), args.runs, 1, args.budget)


def build_onednn(tmp):
    """Compiles bench/onednn_rnn.c; returns (path, None) or (None, reason)."""
    if not os.path.exists("/usr/include/oneapi/dnnl/dnnl.h"):
        return None, "oneDNN headers absent (apt-get install libdnnl-dev)"
    cc = shutil.which("cc")
    if not cc:
        return None, "no C compiler"
    exe = os.path.join(tmp, "onednn_rnn")
    src = os.path.join(ROOT, "bench", "onednn_rnn.c")
    r = subprocess.run([cc, "-O2", "-std=c11", "-D_POSIX_C_SOURCE=200809L", src, "-o", exe,
                        "-ldnnl", "-lm"], capture_output=True, text=True)
    if r.returncode != 0:
        return None, "build failed: " + r.stderr.strip().splitlines()[-1]
    return exe, None


def onednn_run(exe, case, args, bf16=False):
    """oneDNN on one case (bf16: its bf16 RNN), in its own process (one
    failure costs one case)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    spec = case.spec + (":bf16" if bf16 else "")
    r = subprocess.run([exe, "--runs", str(args.runs), "--warmup", "1", spec],
                       capture_output=True, text=True, env=env)
    if r.returncode != 0 or not r.stdout.strip():
        return Timing(note="onednn_rnn failed: " + r.stderr.strip()[-200:])
    fields = r.stdout.split()
    if fields[1] == "unsupported:":
        return Timing(note=r.stdout.strip().split(" ", 2)[2])
    med, lo, hi = map(float, fields[1:4])
    return Timing(med, lo, hi, args.runs)


def rnnscan_run(case, args):
    """{backend: Timing} for one case from `rnnscan bench --csv`; the OpenCL
    backend's persistent schedule as "opencl-persistent", bf16 weights
    (--bf16) as "cpu-bf16" and so on."""
    cmd = [args.rnnscan, "bench", "--csv", "--runs", str(max(args.runs, 5)), "--cases", case.spec,
           "--schedule", "host,persistent"]
    if args.bf16:
        cmd += ["--weight-type", "f32,bf16"]
    log("  " + " ".join(cmd))
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode not in (0, 1) or not r.stdout:
        sys.exit(f"compare.py: `{' '.join(cmd)}` failed (exit {r.returncode}): {r.stderr.strip()}")
    out = {}
    for row in csv.DictReader(io.StringIO(r.stdout)):
        name = row["backend"] + ("-persistent" if row["schedule"] == "persistent" else "")
        name += "-bf16" if row["weight_type"] == "bf16" else ""
        if row["status"] == "ran":
            out[name] = Timing(float(row["median_ms"]), float(row["min_ms"]),
                                         float(row["max_ms"]), int(row["runs"]))
        else:
            out[name] = Timing(note=row["note"] or row["status"])
    return out


# ---- report ---------------------------------------------------------------


def print_tables(cases, tools, diffs, best):
    names = list(tools)
    w = max(24, max(len(c.spec) for c in cases) + 2)
    cw = max(19, max(len(n) for n in names) + 2)  # column width
    print("median ms per forward pass (* = fewer runs, see notes; n/a = not run, see notes)")
    print(f"{'case':<{w}}" + "".join(f"{n:>{cw}}" for n in names) + f"{'max|nb-torch|':>15}")
    for c in cases:
        d = diffs.get(c.spec)
        print(f"{c.spec:<{w}}" + "".join(f"{tools[n][c.spec].cell():>{cw}}" for n in names)
              + f"{'-' if d is None else f'{d:.1e}':>15}")

    def ratio_table(title, ref_of, invert):
        print("\n" + title)
        print(f"{'case':<{w}}" + "".join(f"{n:>{cw}}" for n in names))
        for c in cases:
            ref, cells = ref_of(c), []
            for n in names:
                t = tools[n][c.spec]
                if ref is None or not t.ok:
                    cells.append("-")
                else:
                    v = ref / t.median if invert else t.median / ref
                    cells.append(f"{v:.2f}")
            print(f"{c.spec:<{w}}" + "".join(f"{x:>{cw}}" for x in cells))

    nb = "notebook/seq"
    ratio_table("speedup over the notebook loop as written (notebook/seq ms / tool ms; > 1 = faster)",
                lambda c: tools[nb][c.spec].median if tools[nb][c.spec].ok else None, True)
    ratio_table("time relative to rnnscan's best backend (tool ms / best rnnscan ms; > 1 = slower "
                "than rnnscan)", lambda c: best[c.spec][1] if best[c.spec] else None, False)
    print("\nrnnscan's best backend per case: " + ", ".join(
        f"{c.spec} {best[c.spec][0] if best[c.spec] else 'none'}" for c in cases))
    notes = {}  # the same note for several cases is printed once
    for n in names:
        for c in cases:
            if tools[n][c.spec].note:
                notes.setdefault((n, tools[n][c.spec].note), []).append(c.spec)
    if notes:
        print("\nnotes:")
        for (n, note), specs in notes.items():
            where = "all cases" if len(specs) == len(cases) else ", ".join(specs)
            print(f"  {n} ({where}): {note}")


def plot(path, cases, tools):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("compare.py: matplotlib not importable, no plot")
        return
    names = list(tools)
    fig, ax = plt.subplots(figsize=(max(8, 1.6 * len(cases)), 5))
    width = 0.8 / len(names)
    for i, n in enumerate(names):
        ys = [tools[n][c.spec].median or 0 for c in cases]
        ax.bar([k + i * width for k in range(len(cases))], ys, width, label=n)
    ax.set_yscale("log")
    ax.set_ylabel("median ms per forward pass (log)")
    ax.set_xticks([k + 0.4 - width / 2 for k in range(len(cases))])
    ax.set_xticklabels([c.spec for c in cases], rotation=20, ha="right", fontsize=8)
    ax.legend(fontsize=8)
    ax.set_title("RNN forward pass: notebook loop, PyTorch, oneDNN, rnnscan (missing bar = n/a)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    log(f"compare.py: plot written to {path}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", help="as `rnnscan bench --cases` (default: notebook,batched)")
    p.add_argument("--runs", type=int, default=7,
                   help="timed runs per tool and case (default 7; rnnscan bench takes at least 5)")
    p.add_argument("--quick", action="store_true",
                   help="the quick set (unless --cases) and 5 runs")
    p.add_argument("--plot", help="write a PNG of the times here")
    p.add_argument("--bf16", action="store_true",
                   help="also bf16 weights: rnnscan --weight-type bf16 and oneDNN's bf16 RNN")
    p.add_argument("--rnnscan", default=os.path.join(ROOT, "build", "rnnscan"),
                   help="the rnnscan binary (default build/rnnscan)")
    p.add_argument("--threads", type=int, default=2, help="PyTorch / oneDNN threads (default 2)")
    p.add_argument("--budget", type=float, default=60,
                   help="seconds of timed runs per tool and case before stopping at >= 3 runs")
    p.add_argument("--loop-budget", type=float, default=60,
                   help="the notebook loops are skipped where they would take longer")
    args = p.parse_args()
    if args.quick:
        args.runs = 5
    if args.runs < 3:
        p.error("--runs must be >= 3")
    if not os.access(args.rnnscan, os.X_OK):
        p.error(f"{args.rnnscan} is not built (meson setup build && ninja -C build)")
    spec = args.cases or ("quick" if args.quick else "notebook,batched")
    r = subprocess.run([args.rnnscan, "bench", "--list", "--cases", spec],
                       capture_output=True, text=True)
    if r.returncode != 0:
        p.error(r.stderr.strip())
    cases = [Case(s) for s in r.stdout.split()]
    load_start = os.getloadavg()

    try:
        import torch
    except ImportError:
        torch = None
    if torch:
        torch.set_num_threads(args.threads)
        torch.manual_seed(0)
    tools = {n: {} for n in ("notebook/seq", "notebook/columns", "pytorch", "onednn")}
    if args.bf16:
        tools["onednn-bf16"] = {}
    diffs = {}
    tmp = tempfile.TemporaryDirectory()
    onednn, onednn_why = build_onednn(tmp.name)
    if not onednn:
        log(f"oneDNN: n/a: {onednn_why}")
    # Every tool on one case before the next case: on a shared machine the load
    # drifts, and the ratios within a case are what this table is for.
    for c in cases:
        log(f"case {c.spec}")
        if torch:
            module = torch_module(c).eval()
            x = torch.randn(c.T, c.B, c.X)
            seq, cols, diffs[c.spec] = notebook_runs(c, module, x, args)
            tools["notebook/seq"][c.spec], tools["notebook/columns"][c.spec] = seq, cols
            log("  pytorch ...")
            tools["pytorch"][c.spec] = torch_run(c, module, x, args)
        else:
            na = Timing(note="torch not importable (apt-get install python3-torch)")
            for n in ("notebook/seq", "notebook/columns", "pytorch"):
                tools[n][c.spec] = na
        log("  onednn ...")
        tools["onednn"][c.spec] = onednn_run(onednn, c, args) if onednn else Timing(note=onednn_why)
        if args.bf16:
            tools["onednn-bf16"][c.spec] = (onednn_run(onednn, c, args, bf16=True) if onednn
                                            else Timing(note=onednn_why))
        for backend, t in rnnscan_run(c, args).items():
            tools.setdefault("rnnscan/" + backend, {})[c.spec] = t
    tmp.cleanup()
    best = {}
    for c in cases:
        ran = [(n, t[c.spec].median) for n, t in tools.items()  # float32 weights only
               if n.startswith("rnnscan/") and not n.endswith("-bf16") and t[c.spec].ok]
        best[c.spec] = min(ran, key=lambda v: v[1]) if ran else None

    print(f"compare.py: {len(cases)} cases, {args.runs} timed runs after 1 warm-up per tool, "
          f"{args.threads} threads for PyTorch and oneDNN")
    print("load average (1, 5, 15 min) at the start: %.2f %.2f %.2f, at the end: %.2f %.2f %.2f"
          % (load_start + os.getloadavg()))
    print("notebook loops: numpy float64 as the notebook writes them; all others float32"
          + (" (the -bf16 columns: bf16 weights)" if args.bf16 else "") + "\n")
    print_tables(cases, tools, diffs, best)
    if args.plot:
        plot(args.plot, cases, tools)


if __name__ == "__main__":
    main()
