#!/usr/bin/env python3
"""One table for bench/gpu-check.sh: `rnnscan bench --csv` results beside
PyTorch's CUDA nn.RNN / nn.LSTM / nn.GRU (cuDNN, float32, TF32 off) on the
same cases, when torch with CUDA is importable.

  python3 bench/gpu_table.py --csv bench.csv [--runs 7]

PyTorch is timed twice: with x already on the GPU and y, h_n left there
("resident"), and with the host copies included (x up, y and h_n down), which
is what rnnscan_model_scan does (host arrays in and out).  Median of the runs
after one warm-up, torch.cuda.synchronize() around each.
"""
import argparse
import csv
import os
import statistics
import sys
import time


def read_bench(path):
    """{case spec: {backend: row}} in the CSV's order; {} when absent or empty."""
    cases = {}
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return cases
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            spec = ":".join(row[k] for k in ("cell", "T", "B", "X", "H"))
            cases.setdefault(spec, {})[row["backend"]] = row
    return cases


def torch_cuda():
    """(torch, None) when CUDA works, else (None, why)."""
    try:
        import torch
    except ImportError:
        return None, "torch not importable"
    if not torch.cuda.is_available():
        return None, f"torch {torch.__version__} sees no CUDA device"
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return torch, None


def time_torch(torch, spec, runs):
    """(resident_ms, with_copies_ms) medians for one case."""
    cell, T, B, X, H = spec.split(":")
    T, B, X, H = int(T), int(B), int(X), int(H)
    if cell.startswith("rnn_"):
        m = torch.nn.RNN(X, H, nonlinearity=cell[4:])
    else:
        m = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](X, H)
    m = m.cuda().eval()
    x_host = torch.randn(T, B, X)
    x_dev = x_host.cuda()

    def resident():
        m(x_dev)

    def with_copies():
        y, state = m(x_host.cuda())
        y.cpu()
        (state[0] if isinstance(state, tuple) else state).cpu()

    out = []
    with torch.inference_mode():
        for fn in (resident, with_copies):
            fn()  # warm-up: cuDNN handles and plans
            torch.cuda.synchronize()
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                fn()
                torch.cuda.synchronize()
                times.append((time.perf_counter() - t0) * 1e3)
            out.append(statistics.median(times))
    return out


def fmt(v, spec="{:.3f}"):
    return "-" if v is None else spec.format(v)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--csv", required=True, help="output of rnnscan bench --csv")
    p.add_argument("--runs", type=int, default=7)
    args = p.parse_args()
    bench = read_bench(args.csv)
    if not bench:
        print(f"gpu_table: no rnnscan results in {args.csv} (see the bench step's log)")
    torch, why = torch_cuda()
    gpu = torch.cuda.get_device_name(0) if torch else None
    if torch:
        print(f"PyTorch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}, {gpu}, "
              "float32, TF32 off")
    else:
        print(f"PyTorch CUDA: n/a ({why})")
    devices = {r["device"] for rows in bench.values() for r in rows.values()
               if r["backend"] == "opencl" and r["device"]}
    if devices:
        print("rnnscan opencl device: " + ", ".join(sorted(devices)))
    cols = ["case", "ref_ms", "opencl_ms", "min", "max", "GFLOP/s", "max|d-ref|", "build_ms",
            "torch_ms", "torch_copy_ms", "cl/torch_copy"]
    print(f"{cols[0]:<24}" + "".join(f"{c:>15}" for c in cols[1:]))
    status = 0
    for spec, rows in bench.items():
        ref, cl = rows.get("reference", {}), rows.get("opencl", {})
        ran = cl.get("status") == "ran"
        t_res = t_copy = None
        if torch:
            try:
                t_res, t_copy = time_torch(torch, spec, args.runs)
            except Exception as e:  # one case failing (e.g. memory) keeps the table
                print(f"gpu_table: torch on {spec}: {e}", file=sys.stderr)
                status = 1
        num = lambda r, k: float(r[k]) if r.get(k) else None  # noqa: E731
        cl_ms = num(cl, "median_ms") if ran else None
        cells = [fmt(num(ref, "median_ms") if ref.get("status") == "ran" else None),
                 fmt(cl_ms) if ran else cl.get("status", "-"),
                 fmt(num(cl, "min_ms")), fmt(num(cl, "max_ms")), fmt(num(cl, "gflops"), "{:.1f}"),
                 cl.get("max_abs_diff") or "-", fmt(num(cl, "build_ms"), "{:.0f}"),
                 fmt(t_res), fmt(t_copy),
                 fmt(cl_ms / t_copy if cl_ms and t_copy else None, "{:.2f}")]
        print(f"{spec:<24}" + "".join(f"{c:>15}" for c in cells))
    print("times: median ms of the timed runs.  torch_ms: x and outputs stay on the GPU;"
          " torch_copy_ms: with x up and y, h_n down, as rnnscan works (host arrays).\n"
          "cl/torch_copy > 1: PyTorch CUDA is faster.  build_ms: OpenCL program build, once,"
          " not in the times.")
    sys.exit(status)


if __name__ == "__main__":
    main()
