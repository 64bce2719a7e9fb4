#!/usr/bin/python3
"""Writes the golden cross-check cases for `rnnscan run`.

    /usr/bin/python3 tests/golden/generate.py [--out DIR] [--only NAME]...

Two kinds of case (see README.md beside this file):

  * "numpy-notebook": the course notebook's own functions (notebook.py,
    scan_V_RNN / scan_LSTM) in float64, with the notebook's weights mapped to
    a PyTorch state_dict;
  * "torch": torch.nn.RNN / LSTM / GRU with PyTorch's default init.

Each case is one entry of CASES (issue 3: one layer, one direction,
[T][B][X], full lengths, written to tests/golden/cases/), CASES4 (issue 4:
layers, bidirectional, batch_first, per-sequence lengths, written to
tests/golden/cases4/) or CASES12 (issue 12: nn.LSTM(proj_size=P), LSTM with
projections, with any of the issue-4 features, written to
tests/golden/cases12/).  Adding a case is adding an entry.

Every weight, input and initial state is a float32 value; the expected
outputs are computed in float64 from those same float32 values and then
stored as float32, so they are exact up to the final rounding to float32.

Besides writing the files, the script checks itself: every case is also
run through an independent float64 NumPy implementation of PyTorch's
equations (reference_forward below) and, for notebook cases, through
torch in float64 with the mapped weights; the generator stops if either
disagrees by more than 1e-10.  It then measures how far float32
arithmetic lands from the float64 answer and records it in case.json.
"""

import argparse
import copy
import json
import os
import sys
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import notebook  # noqa: E402  (the course notebook's functions)

try:
    import torch
except ImportError:  # pragma: no cover
    sys.exit("generate.py needs PyTorch: apt-get install python3-torch python3-numpy, "
             "then run it with /usr/bin/python3")

GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}
DEFAULT_ATOL = 1e-5
# Tolerance rule: DEFAULT_ATOL unless ten times the measured float32-vs-float64
# difference exceeds it; then ten times the measurement, rounded up to 1-2-5.
SAFETY = 10.0
SELF_CHECK = 1e-10


# ---------------------------------------------------------------------------
# Case descriptions


@dataclass
class Case:
    name: str
    cell: str                   # rnn_tanh | rnn_relu | lstm | gru
    source: str                 # torch | numpy-notebook
    T: int
    B: int
    X: int
    H: int
    seed: int
    why: str
    bias: bool = True
    h0: bool = False
    c0: bool = False
    # issue 4
    layers: int = 1
    bidirectional: bool = False
    batch_first: bool = False
    lengths: Optional[List[int]] = None   # per sequence, any order; None = all T
    # issue 12: nn.LSTM(proj_size=P), 0 = no projection.  h_t = W_hr (o * tanh(c_t))
    # is P wide (output, h0, h_n); c_t stays H wide.
    proj: int = 0

    @property
    def is_issue4(self):
        return (self.layers != 1 or self.bidirectional or self.batch_first
                or self.lengths is not None)

    @property
    def out_size(self):
        """The width of h_t, output and h0/h_n: P with a projection, else H."""
        return self.proj if self.proj else self.H

    @property
    def subset(self):
        """The folder the case belongs in."""
        if self.proj:
            return "cases12"
        return "cases4" if self.is_issue4 else "cases"


def T_(cell, T, B, X, H, seed, why, **kw):
    """A torch case named from its fields."""
    parts = [cell, f"T{T}", f"B{B}", f"X{X}", f"H{H}"]
    if kw.get("proj"):
        parts.append(f"P{kw['proj']}")
    if kw.get("layers", 1) != 1:
        parts.append(f"L{kw['layers']}")
    if kw.get("bidirectional"):
        parts.append("bidir")
    if kw.get("batch_first"):
        parts.append("bf")
    if kw.get("lengths") is not None:
        parts.append("len")
    parts.append("bias" if kw.get("bias", True) else "nobias")
    if kw.get("h0"):
        parts.append("h0")
    if kw.get("c0"):
        parts.append("c0")
    return Case(name="torch_" + "_".join(parts), cell=cell, source="torch",
                T=T, B=B, X=X, H=H, seed=seed, why=why, **kw)


def NB(cell, T, B, X, H, seed, why, **kw):
    """A numpy-notebook case named from its fields."""
    parts = [cell, f"T{T}", f"B{B}", f"X{X}", f"H{H}",
             "bias" if kw.get("bias", True) else "nobias"]
    if kw.get("h0"):
        parts.append("h0")
    if kw.get("c0"):
        parts.append("c0")
    return Case(name="nb_" + "_".join(parts), cell=cell, source="numpy-notebook",
                T=T, B=B, X=X, H=H, seed=seed, why=why, **kw)


CASES = [
    # --- the notebook's own functions -------------------------------------
    NB("rnn_tanh", 16, 1, 12, 7, 101, bias=True,
       why="notebook scan_V_RNN, its vanilla shapes (T=256, emb=128, h=16) scaled down; "
           "h_0 = zeros as in the notebook (no h0 file); b_h -> bias_ih_l0, bias_hh_l0 = 0"),
    NB("rnn_tanh", 16, 1, 12, 7, 102, bias=False,
       why="notebook scan_V_RNN with b_h = 0: both biases omitted from weights.npz"),
    NB("rnn_tanh", 9, 4, 5, 3, 103, bias=True, h0=True,
       why="notebook scan_V_RNN run on 4 sequences one at a time, stacked into a batch; "
           "random h_0 per sequence"),
    NB("lstm", 5, 1, 10, 20, 104, bias=False,
       why="notebook scan_LSTM with its own shapes (input 10, hidden 20, 5 steps), "
           "h_0 = C_0 = zeros; gates mapped to PyTorch order i,f,g,o"),
    NB("lstm", 11, 3, 7, 5, 105, bias=False, h0=True, c0=True,
       why="notebook scan_LSTM on 3 sequences one at a time, stacked; random h_0 and C_0"),
    NB("lstm", 6, 2, 3, 2, 106, bias=False, c0=True,
       why="notebook single-cell shapes (nh=2, nx=3); C_0 given, h_0 = zeros (no h0 file)"),

    # --- torch, every cell ------------------------------------------------
    *[c for cell in ("rnn_tanh", "rnn_relu", "lstm", "gru") for c in (
        T_(cell, 7, 3, 5, 11, 200, "odd sizes, default init, zero initial state"),
        T_(cell, 7, 3, 5, 11, 201, "odd sizes, bias=False, given initial state",
           bias=False, h0=True, c0=(cell == "lstm")),
        T_(cell, 1, 1, 1, 1, 202, "smallest shape: one step, one sequence, one unit",
           h0=True, c0=(cell == "lstm")),
        T_(cell, 13, 5, 17, 9, 203, "larger odd sizes, given initial state",
           h0=True, c0=(cell == "lstm")),
        T_(cell, 13, 5, 17, 9, 204, "larger odd sizes, bias=False, zero initial state",
           bias=False),
    )],
    T_("lstm", 7, 3, 5, 11, 205, "h0 given, c0 = zeros (no c0 file)", h0=True),
    T_("lstm", 7, 3, 5, 11, 206, "c0 given, h0 = zeros (no h0 file)", c0=True),
    T_("rnn_tanh", 5, 2, 3, 33, 207, "H = 33, one more than a 32-wide work-group", h0=True),
    T_("gru", 4, 2, 3, 33, 208, "H = 33, one more than a 32-wide work-group", h0=True),
]

CASES4 = [
    T_("lstm", 6, 3, 4, 5, 400, "two layers: layer 1 reads layer 0's output",
       layers=2, h0=True, c0=True),
    T_("rnn_tanh", 5, 3, 4, 3, 401, "two layers, no bias", layers=2, bias=False),
    T_("gru", 5, 2, 3, 4, 402, "bidirectional: output is [forward | reverse] on the last axis",
       bidirectional=True, h0=True),
    T_("rnn_relu", 5, 3, 4, 3, 403, "two bidirectional layers; layer 1 reads 2*H inputs",
       layers=2, bidirectional=True, h0=True),
    T_("gru", 4, 3, 5, 6, 404, "batch_first: input (B,T,X), output (B,T,H); h0 stays (L*D,B,H)",
       batch_first=True, h0=True),
    T_("lstm", 6, 4, 3, 4, 405, "per-sequence lengths in no order (pack_padded_sequence, "
       "enforce_sorted=False): output 0 past each length, h_n/c_n at each sequence's last step",
       lengths=[3, 6, 1, 5], h0=True, c0=True),
    T_("rnn_tanh", 5, 3, 2, 3, 406, "lengths with a reverse direction: the reverse pass of "
       "each sequence starts at its own last step", bidirectional=True, lengths=[2, 5, 4]),
    T_("rnn_relu", 5, 2, 3, 4, 407, "all lengths shorter than T: trailing steps are all 0 "
       "(pad_packed_sequence total_length=T)", lengths=[2, 3]),
    T_("lstm", 5, 3, 3, 4, 408, "everything at once: 2 layers, bidirectional, batch_first, "
       "lengths, h0 and c0", layers=2, bidirectional=True, batch_first=True,
       lengths=[2, 5, 4], h0=True, c0=True),
    T_("gru", 6, 3, 2, 3, 409, "two layers, batch_first and lengths, zero initial state",
       layers=2, batch_first=True, lengths=[6, 1, 4]),
    T_("lstm", 5, 3, 4, 5, 410, "three stacked layers, h0 and c0 per layer",
       layers=3, h0=True, c0=True),
    T_("gru", 7, 4, 3, 5, 411, "three bidirectional layers with lengths in no order",
       layers=3, bidirectional=True, lengths=[4, 7, 1, 6], h0=True),
    T_("gru", 5, 3, 6, 4, 412, "batch-first GRU with lengths and bias=False",
       batch_first=True, lengths=[5, 2, 3], bias=False),
]

# Issue 12: LSTM with projections, nn.LSTM(proj_size=P), 0 < P < H (PyTorch
# refuses P >= H).  weight_hh is [4H][P], weight_hr [P][H]; layers above the
# first read D*P inputs; output and h0/h_n are P wide, c0/c_n H wide.  X, H
# and P differ in most cases so that a loader mixing up two of them fails on
# shapes as well as on values.
CASES12 = [
    T_("lstm", 7, 3, 5, 6, 1200, "P = 1, the narrowest projection; h0 (L*D,B,P) and "
       "c0 (L*D,B,H) given", proj=1, h0=True, c0=True),
    T_("lstm", 6, 2, 4, 5, 1201, "P = H - 1, the widest projection PyTorch allows; bias=False "
       "(weight_hr has no bias in any case), zero initial state", proj=4, bias=False),
    T_("lstm", 6, 3, 4, 7, 1202, "two layers: layer 1 reads layer 0's P-wide output "
       "(weight_ih_l1 is [4H][P])", layers=2, proj=3, h0=True, c0=True),
    T_("lstm", 5, 2, 3, 5, 1203, "bidirectional: output is [forward | reverse], 2*P wide; "
       "weight_hr_l0_reverse; h0 given, c0 = zeros (no c0 file)",
       bidirectional=True, proj=2, h0=True),
    T_("lstm", 5, 3, 4, 6, 1204, "two bidirectional layers without bias: layer 1 reads 2*P "
       "inputs; c0 given, h0 = zeros (no h0 file)",
       layers=2, bidirectional=True, proj=2, bias=False, c0=True),
    T_("lstm", 6, 4, 3, 5, 1205, "per-sequence lengths in no order (pack_padded_sequence, "
       "enforce_sorted=False): output 0 past each length, h_n (P wide) and c_n (H wide) at "
       "each sequence's last step", lengths=[3, 6, 1, 5], proj=2, h0=True, c0=True),
    T_("lstm", 5, 3, 4, 5, 1206, "batch_first: input (B,T,X), output (B,T,P); h0/c0 stay "
       "(L*D,B,P) and (L*D,B,H); P = H - 1", batch_first=True, proj=4, h0=True, c0=True),
    T_("lstm", 5, 3, 3, 7, 1207, "everything at once: 2 layers, bidirectional, batch_first, "
       "lengths, h0 and c0, P = 3", layers=2, bidirectional=True, batch_first=True,
       lengths=[2, 5, 4], proj=3, h0=True, c0=True),
    T_("lstm", 13, 5, 9, 16, 1208, "the largest: H = 16, P = H - 1 = 15, X = 9, 13 steps, "
       "bidirectional with lengths", bidirectional=True, lengths=[13, 4, 9, 1, 11], proj=15,
       h0=True, c0=True),
    T_("lstm", 9, 2, 6, 16, 1209, "two layers, H = 16 with P = 1: layer 1 reads one input "
       "per step; gate dots of X + 1 terms (layer 0) and 1 + 1 (layer 1), projection dots of 16",
       proj=1, layers=2, h0=True, c0=True),
]


# ---------------------------------------------------------------------------
# An independent NumPy statement of PyTorch's equations, any dtype.  Used to
# check the generated expectations (float64) and to measure float32 rounding.


def _matvec(v, w, dtype, mode):
    """v [B][K] times w[N][K]^T in `dtype`.  mode 'blas': numpy matmul;
    'sequential': one float add per k, in order (a naive kernel's loop)."""
    v = v.astype(dtype)
    w = w.astype(dtype)
    if mode == "blas":
        return v @ w.T
    acc = np.zeros((v.shape[0], w.shape[0]), dtype)
    for k in range(v.shape[1]):
        acc += v[:, k:k + 1] * w[:, k]
    return acc


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def reference_forward(case, sd, x, h0, c0, dtype=np.float64, mode="blas"):
    """Returns output, h_n, c_n (c_n None unless lstm) as PyTorch's module
    returns them, computed in `dtype`."""
    L, D, H, P = case.layers, (2 if case.bidirectional else 1), case.H, case.out_size
    xs = np.asarray(x, dtype)
    if case.batch_first:
        xs = xs.transpose(1, 0, 2)
    T, B = xs.shape[0], xs.shape[1]
    lengths = np.full(B, T) if case.lengths is None else np.asarray(case.lengths)
    # h is P wide with a projection (P = H without); c is always H wide.
    zeros_h, zeros_c = np.zeros((L * D, B, P), dtype), np.zeros((L * D, B, H), dtype)
    h0 = zeros_h if h0 is None else np.asarray(h0, dtype)
    c0 = zeros_c if c0 is None else np.asarray(c0, dtype)
    h_n, c_n = np.zeros_like(zeros_h), np.zeros_like(zeros_c)
    layer_in = xs
    for layer in range(L):
        outs = []
        for d in range(D):
            sfx = f"l{layer}" + ("_reverse" if d else "")
            w_ih, w_hh = sd["weight_ih_" + sfx], sd["weight_hh_" + sfx]
            w_hr = sd.get("weight_hr_" + sfx)      # [P][H], projections only
            assert (w_hr is None) == (case.proj == 0)
            g = w_ih.shape[0]
            b_ih = sd.get("bias_ih_" + sfx, np.zeros(g)).astype(dtype)
            b_hh = sd.get("bias_hh_" + sfx, np.zeros(g)).astype(dtype)
            h, c = h0[layer * D + d].copy(), c0[layer * D + d].copy()
            out = np.zeros((T, B, P), dtype)
            steps = range(T - 1, -1, -1) if d else range(T)
            for t in steps:
                active = (t < lengths)[:, None]
                gi = _matvec(layer_in[t], w_ih, dtype, mode) + b_ih
                gh = _matvec(h, w_hh, dtype, mode) + b_hh
                if case.cell == "rnn_tanh":
                    hn, cn = np.tanh(gi + gh), c
                elif case.cell == "rnn_relu":
                    hn, cn = np.maximum(gi + gh, 0), c
                elif case.cell == "lstm":
                    a = gi + gh
                    i, f = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H])
                    gg, o = np.tanh(a[:, 2 * H:3 * H]), _sigmoid(a[:, 3 * H:])
                    cn = f * c + i * gg
                    hn = o * np.tanh(cn)
                    if w_hr is not None:            # h_t = W_hr (o * tanh(c_t))
                        hn = _matvec(hn, w_hr, dtype, mode)
                else:  # gru, PyTorch's form: r multiplies (W_hn h + b_hn)
                    r = _sigmoid(gi[:, :H] + gh[:, :H])
                    z = _sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
                    n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
                    hn, cn = (1 - z) * n + z * h, c
                h = np.where(active, hn, h)
                c = np.where(active, cn, c)
                out[t] = np.where(active, hn, 0)
            h_n[layer * D + d], c_n[layer * D + d] = h, c
            outs.append(out)
        layer_in = np.concatenate(outs, axis=2)
    output = layer_in.transpose(1, 0, 2) if case.batch_first else layer_in
    return output, h_n, (c_n if case.cell == "lstm" else None)


# ---------------------------------------------------------------------------
# Building each kind of case


def _torch_module(case):
    kw = dict(input_size=case.X, hidden_size=case.H, num_layers=case.layers,
              bias=case.bias, batch_first=case.batch_first,
              bidirectional=case.bidirectional)
    if case.proj:
        kw["proj_size"] = case.proj
    if case.cell == "lstm":
        return torch.nn.LSTM(**kw)
    if case.cell == "gru":
        return torch.nn.GRU(**kw)
    return torch.nn.RNN(nonlinearity=case.cell[4:], **kw)


def _torch_run(case, module, x, h0, c0):
    """Runs `module` as its dtype; x, h0, c0 are numpy arrays or None."""
    dt = next(module.parameters()).dtype
    xt = torch.from_numpy(x).to(dt)
    L, D = case.layers, (2 if case.bidirectional else 1)
    h_shape, c_shape = (L * D, case.B, case.out_size), (L * D, case.B, case.H)
    ht = None if h0 is None else torch.from_numpy(h0).to(dt)
    ct = None if c0 is None else torch.from_numpy(c0).to(dt)
    if case.cell == "lstm":
        hx = None if ht is None and ct is None else (
            ht if ht is not None else torch.zeros(h_shape, dtype=dt),
            ct if ct is not None else torch.zeros(c_shape, dtype=dt))
    else:
        hx = ht
    with torch.no_grad():
        if case.lengths is not None:
            lens = torch.tensor(case.lengths, dtype=torch.int64)
            packed = torch.nn.utils.rnn.pack_padded_sequence(
                xt, lens, batch_first=case.batch_first, enforce_sorted=False)
            out, state = module(packed, hx)
            out, _ = torch.nn.utils.rnn.pad_packed_sequence(
                out, batch_first=case.batch_first, total_length=case.T)
        else:
            out, state = module(xt, hx)
    if case.cell == "lstm":
        h_n, c_n = state
        return out.numpy(), h_n.numpy(), c_n.numpy()
    return out.numpy(), state.numpy(), None


def _initial_states(case, draw):
    L, D = case.layers, (2 if case.bidirectional else 1)
    h0 = draw((L * D, case.B, case.out_size)) if case.h0 else None
    c0 = draw((L * D, case.B, case.H)) if case.c0 else None
    return h0, c0


def build_torch(case):
    torch.manual_seed(case.seed)
    module = _torch_module(case)          # float32, PyTorch's default init
    sd = {k: v.numpy() for k, v in module.state_dict().items()}
    xshape = (case.B, case.T, case.X) if case.batch_first else (case.T, case.B, case.X)
    x = torch.randn(xshape, dtype=torch.float32).numpy()
    h0, c0 = _initial_states(case, lambda s: torch.randn(s, dtype=torch.float32).numpy())
    m64 = copy.deepcopy(module).double()  # the same float32 values, widened exactly
    expected = _torch_run(case, m64, x.astype(np.float64),
                          None if h0 is None else h0.astype(np.float64),
                          None if c0 is None else c0.astype(np.float64))
    f32 = {"torch_float32": _torch_run(case, module, x, h0, c0)}
    return sd, x, h0, c0, expected, f32


def _notebook_vanilla(sd, x, h0):
    """The notebook's scan_V_RNN, one sequence at a time (column vectors)."""
    w_xh, w_hh = sd["weight_ih_l0"].astype(np.float64), sd["weight_hh_l0"].astype(np.float64)
    H = w_hh.shape[0]
    b_h = sd.get("bias_ih_l0", np.zeros(H)).astype(np.float64)[:, None]
    T, B, _ = x.shape
    out, h_n = np.zeros((T, B, H)), np.zeros((1, B, H))
    for b in range(B):
        elems = [x[t, b].astype(np.float64)[:, None] for t in range(T)]
        h_0 = np.zeros((H, 1)) if h0 is None else h0[0, b].astype(np.float64)[:, None]
        h, h_T = notebook.scan_V_RNN(elems, [w_hh, w_xh, b_h], h_0)
        out[:, b] = np.stack([v[:, 0] for v in h])
        h_n[0, b] = h_T[:, 0]
    return out, h_n, None


def _notebook_lstm(sd, x, h0, c0):
    """The notebook's scan_LSTM, one sequence at a time.  PyTorch's rows are
    gate blocks i, f, g, o; the notebook's U/W (no letter) is the g block."""
    w_ih, w_hh = sd["weight_ih_l0"].astype(np.float64), sd["weight_hh_l0"].astype(np.float64)
    H = w_hh.shape[1]
    Ui, Uf, U, Uo = (w_ih[k * H:(k + 1) * H] for k in range(4))
    Wi, Wf, W, Wo = (w_hh[k * H:(k + 1) * H] for k in range(4))
    weights = [Ui, Wi, Uf, Wf, Uo, Wo, U, W]
    T, B, _ = x.shape
    out, h_n, c_n = np.zeros((T, B, H)), np.zeros((1, B, H)), np.zeros((1, B, H))
    for b in range(B):
        elems = [x[t, b].astype(np.float64)[:, None] for t in range(T)]
        h_0 = np.zeros((H, 1)) if h0 is None else h0[0, b].astype(np.float64)[:, None]
        C_0 = np.zeros((H, 1)) if c0 is None else c0[0, b].astype(np.float64)[:, None]
        h, (h_T, C_T) = notebook.scan_LSTM(elems, weights, h_0, C_0)
        out[:, b] = np.stack([v[:, 0] for v in h])
        h_n[0, b], c_n[0, b] = h_T[:, 0], C_T[:, 0]
    return out, h_n, c_n


def build_notebook(case):
    """Notebook-style weights, but drawn like PyTorch's init
    U(-1/sqrt(H), 1/sqrt(H)) instead of the notebook's N(0,1), which
    saturates tanh/sigmoid; rounded to float32 before any arithmetic."""
    assert case.cell in ("rnn_tanh", "lstm") and not case.is_issue4 and not case.proj
    rng = np.random.RandomState(case.seed)
    k = 1 / np.sqrt(case.H)

    def uni(*shape):
        return rng.uniform(-k, k, shape).astype(np.float32)

    H, X = case.H, case.X
    if case.cell == "rnn_tanh":
        w_hh, w_xh = uni(H, H), uni(H, X)      # the notebook's (w_hh, w_xh, b_h)
        sd = {"weight_ih_l0": w_xh, "weight_hh_l0": w_hh}
        if case.bias:
            sd["bias_ih_l0"] = uni(H)            # b_h [H][1], flattened
            sd["bias_hh_l0"] = np.zeros(H, np.float32)
    else:
        Ui, Wi, Uf, Wf, Uo, Wo, U, W = (uni(H, X) if j % 2 == 0 else uni(H, H)
                                        for j in range(8))
        sd = {"weight_ih_l0": np.vstack([Ui, Uf, U, Uo]),
              "weight_hh_l0": np.vstack([Wi, Wf, W, Wo])}
        assert not case.bias, "the notebook's LSTM has no bias"
    x = rng.standard_normal((case.T, case.B, case.X)).astype(np.float32)
    h0, c0 = _initial_states(case, lambda s: rng.standard_normal(s).astype(np.float32))
    if case.cell == "rnn_tanh":
        expected = _notebook_vanilla(sd, x, h0)
    else:
        expected = _notebook_lstm(sd, x, h0, c0)
    # Cross-check the mapping with PyTorch itself (float64).
    module = _torch_module(case).double()
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(torch.from_numpy(sd[name].astype(np.float64)) if name in sd
                    else torch.zeros_like(p))
    via_torch = _torch_run(case, module, x.astype(np.float64),
                           None if h0 is None else h0.astype(np.float64),
                           None if c0 is None else c0.astype(np.float64))
    _agree(case, "torch float64 with mapped weights", expected, via_torch)
    return sd, x, h0, c0, expected, {}


# ---------------------------------------------------------------------------
# Checks, measurements, files


def _max_diff(a, b):
    return max(float(np.max(np.abs(np.asarray(p, np.float64) - np.asarray(q, np.float64))))
               for p, q in zip(a, b) if p is not None)


def _agree(case, what, a, b):
    for p, q, n in zip(a, b, ("output", "h_n", "c_n")):
        if (p is None) != (q is None) or (p is not None and p.shape != q.shape):
            sys.exit(f"{case.name}: {what}: {n} shapes differ")
    d = _max_diff(a, b)
    if not d <= SELF_CHECK:
        sys.exit(f"{case.name}: {what} disagrees with the expected outputs by {d:.3g}")


def _round_up_125(v):
    e = np.floor(np.log10(v))
    for m in (1, 2, 5, 10):
        if m * 10 ** e >= v:
            return float(f"{m * 10 ** e:.0e}")
    raise AssertionError


def write_case(case, root):
    sd, x, h0, c0, expected, f32 = (build_torch if case.source == "torch"
                                    else build_notebook)(case)
    # Independent check of the expectations (same equations, plain NumPy).
    _agree(case, "reference_forward float64", expected,
           reference_forward(case, sd, x, h0, c0, np.float64))
    # How far does float32 arithmetic land from the float64 answer?
    for mode in ("blas", "sequential"):
        f32[f"numpy_float32_{mode}"] = reference_forward(case, sd, x, h0, c0, np.float32, mode)
    measured = {k: float(f"{_max_diff(v, expected):.3g}") for k, v in f32.items()}
    worst = max(measured.values())
    tol = DEFAULT_ATOL if worst * SAFETY <= DEFAULT_ATOL else _round_up_125(worst * SAFETY)

    d = os.path.join(root, case.name)
    os.makedirs(d, exist_ok=True)
    for stale in ("h0.npy", "c0.npy", "lengths.npy"):
        if os.path.exists(os.path.join(d, stale)):
            os.remove(os.path.join(d, stale))
    np.savez(os.path.join(d, "weights.npz"), **sd)  # as np.savez(p, **state_dict)
    np.save(os.path.join(d, "input.npy"), x)
    if h0 is not None:
        np.save(os.path.join(d, "h0.npy"), h0)
    if c0 is not None:
        np.save(os.path.join(d, "c0.npy"), c0)
    if case.lengths is not None:
        np.save(os.path.join(d, "lengths.npy"), np.asarray(case.lengths, np.int64))
    out = {"output": expected[0], "h_n": expected[1]}
    if case.cell == "lstm":
        out["c_n"] = expected[2]
    np.savez(os.path.join(d, "expected.npz"), **{k: v.astype(np.float32) for k, v in out.items()})

    if case.source == "torch":
        how = ("torch.manual_seed(%d); module built in float32 with PyTorch's default init "
               "U(-1/sqrt(H), 1/sqrt(H)); weights.npz is its float32 state_dict; input and "
               "initial states torch.randn float32; expected = a float64 copy of the same "
               "module (module.double(): the float32 weights widened exactly) run on the "
               "float32 inputs widened to float64, stored as float32" % case.seed)
        if case.proj:
            how += ("; proj_size=%d: h_t = weight_hr (o * tanh(c_t)), weight_hr [P][H] drawn by "
                    "the same init, weight_hh [4H][P], h0/h_n/output P wide, c0/c_n H wide"
                    % case.proj)
        if case.lengths is not None:
            how += ("; lengths via pack_padded_sequence(enforce_sorted=False) and "
                    "pad_packed_sequence(total_length=T)")
    else:
        how = ("np.random.RandomState(%d); notebook weights drawn U(-1/sqrt(H), 1/sqrt(H)) "
               "(PyTorch's init scale, not the notebook's N(0,1), which saturates), rounded to "
               "float32; inputs and initial states N(0,1) float32; expected = the notebook's "
               "own functions (notebook.py) in float64 on those float32 values, stored as "
               "float32; mapping: W_ih = w_xh, W_hh = w_hh, b_ih = b_h, b_hh = 0 (vanilla); "
               "weight_ih = vstack[Ui, Uf, U, Uo], weight_hh = vstack[Wi, Wf, W, Wo], no bias "
               "(LSTM, PyTorch gate order i,f,g,o); also checked against torch in float64"
               % case.seed)
    if case.proj:
        terms = (f"K = X + P = {case.X + case.proj} terms per gate dot in layer 0 and "
                 f"H = {case.H} per projection dot")
    else:
        terms = f"K = X + H = {case.X + case.H} terms per dot in layer 0"
    tol_why = (f"atol {tol:g}: expected is float64-exact for the float32 data; an implementation "
               f"in float32 differs by rounding only (measured up to {worst:.3g} here, "
               f"{terms}, {case.T} steps)")
    tol_why += (", the default 1e-5 is over ten times that" if tol == DEFAULT_ATOL
                else f", tolerance set to {SAFETY:g}x the measurement")
    meta = {
        "cell": case.cell, "source": case.source,
        "T": case.T, "B": case.B, "X": case.X, "H": case.H,
        "bias": case.bias, "h0": case.h0, "c0": case.c0,
        "tolerance": tol,
        "why": f"{case.why}. {how}. {tol_why}.",
        "float32_vs_float64_measured": worst,
        "float32_vs_float64_by_method": measured,
        "seed": case.seed,
    }
    if case.is_issue4 or case.proj:
        meta.update({"layers": case.layers, "bidirectional": case.bidirectional,
                     "batch_first": case.batch_first, "lengths": case.lengths is not None})
        if case.lengths is not None:
            meta["lengths_values"] = list(case.lengths)
    if case.proj:
        meta["proj_size"] = case.proj
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    return meta


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=HERE,
                    help="folder that receives cases/, cases4/ and cases12/ "
                         "(default: beside this script)")
    ap.add_argument("--only", action="append", default=[],
                    help="write only the named case (repeatable)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    every = [c.name for c in CASES + CASES4 + CASES12]
    assert len(set(every)) == len(every), "duplicate case names"
    for sub, cases in (("cases", CASES), ("cases4", CASES4), ("cases12", CASES12)):
        assert all(c.subset == sub for c in cases), "case in the wrong list"
        assert all(c.proj == 0 or (c.cell == "lstm" and c.source == "torch"
                                   and 0 < c.proj < c.H) for c in cases), "bad proj"
        root = os.path.join(args.out, sub)
        os.makedirs(root, exist_ok=True)
        for case in cases:
            if args.only and case.name not in args.only:
                continue
            m = write_case(case, root)
            print(f"{sub}/{case.name}: tolerance {m['tolerance']:g}, "
                  f"float32 vs float64 {m['float32_vs_float64_measured']:.3g}")


if __name__ == "__main__":
    main()
