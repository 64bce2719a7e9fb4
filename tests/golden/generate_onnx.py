#!/usr/bin/python3
"""Writes the ONNX golden cases for `rnnscan run --onnx`.

    /usr/bin/python3 tests/golden/generate_onnx.py [--out DIR] [--only NAME]...

Writes, beside this script (or under --out):

  * onnx_cases/<name>/: a single-node opset-14 ONNX model (RNN, GRU or LSTM,
    with the cell variants of issue 12 section 2: GRU linear_before_reset=0,
    clip, LSTM peepholes and input_forget, the 11 activation functions with
    activation_alpha / activation_beta) that rnnscan supports, its inputs and
    the expected outputs (see README.md, "ONNX cases");
  * onnx_refused/<name>/: a valid ONNX model that rnnscan must refuse, with
    the substring its one-line error message must contain.

The script needs onnx and onnxruntime, which Debian 12 does not package.  It
keeps its own virtual environment (VENV below, made with --system-site-packages
so that Debian's numpy and torch are used), pip-installs the pinned versions
there the first time, and re-executes itself inside it.

Every weight, input and initial state is a float32 value.  ONNX Runtime runs
these operators in float32 only (double is "not supported yet" for LSTM and
GRU, and has no kernel for RNN, in 1.18 and still in 1.32), so the stored
expectation is computed in float64 by a plain NumPy statement of the ONNX
equations, as ONNX Runtime 1.18 computes them (onnx_forward below), from
exactly those float32 values.  The generator stops unless
  * torch in float64, with the weights converted to PyTorch's gate order and
    pack_padded_sequence for sequence_lens, agrees with it within 1e-10
    (not for the cell variants, which PyTorch lacks);
  * onnx's own reference evaluator in float64 agrees within 1e-10, where it
    applies (it ignores direction="reverse", sequence_lens, clip,
    input_forget and the GRU's and LSTM's activations, and only does one
    direction; see reference_evaluator_skips);
  * ONNX Runtime in float32 (CPUExecutionProvider) on the model agrees within
    the case's tolerance, with the float64 expectation and with torch float64;
  * for the cell variants: each feature bites (clip changes some but not all
    pre-activations; each mistake of mistakes() moves the outputs by more
    than 10x the tolerance).
For layout=1 models (which ONNX Runtime refuses) ONNX Runtime runs the same
model with layout=0 on the transposed inputs, and its outputs are transposed
back.
"""

import argparse
import json
import os
import subprocess
import shutil
import sys

# --------------------------------------------------------------------------
# The virtual environment: made once, reused after.

HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.environ.get("RNNSCAN_ONNX_VENV", "/tmp/rnnscan-onnx-venv")
# Versions that install on Debian 12 (Python 3.11) and work with its numpy
# 1.24: onnxruntime 1.18.1 is the last release built against numpy 1.x, onnx
# 1.16.2 is the onnx of that time, protobuf pinned so a rerun parses and
# writes the same way.
PINS = {"onnx": "1.16.2", "onnxruntime": "1.18.1", "protobuf": "4.25.3"}
_REEXEC = "RNNSCAN_ONNX_VENV_ACTIVE"


def _venv_python():
    return os.path.join(VENV, "bin", "python")


def _venv_has_pins(py):
    code = ("import importlib.metadata as m, sys\n"
            "want = %r\n"
            "sys.exit(0 if all(m.version(k) == v for k, v in want.items()) else 1)\n" % PINS)
    try:
        return subprocess.run([py, "-c", code], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0
    except OSError:
        return False


def ensure_venv():
    """Re-executes this script in VENV (made and filled if needed); returns
    only when already running there."""
    if os.environ.get(_REEXEC) == "1":
        return
    py = _venv_python()
    if not os.path.exists(py):
        print(f"generate_onnx.py: making {VENV}", file=sys.stderr)
        subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", VENV],
                       check=True)
    if not _venv_has_pins(py):
        print(f"generate_onnx.py: pip install {PINS} into {VENV}", file=sys.stderr)
        subprocess.run([py, "-m", "pip", "install", "--disable-pip-version-check", "--quiet"]
                       + [f"{k}=={v}" for k, v in PINS.items()], check=True)
    env = dict(os.environ, **{_REEXEC: "1"})
    os.execve(py, [py, os.path.abspath(__file__)] + sys.argv[1:], env)


if __name__ == "__main__":
    ensure_venv()

import numpy as np  # noqa: E402

try:
    import onnx  # noqa: E402
    import onnxruntime as ort  # noqa: E402
    import torch  # noqa: E402
    from onnx import TensorProto, helper, numpy_helper  # noqa: E402
    from onnx.reference import ReferenceEvaluator  # noqa: E402
except ImportError as e:  # pragma: no cover
    sys.exit(f"generate_onnx.py: {e}; run it with /usr/bin/python3 (it makes its own venv "
             f"for onnx and onnxruntime; torch and numpy come from Debian: "
             f"apt-get install python3-torch python3-numpy)")

OPSET = 14
IR_VERSION = 7          # the IR version of ONNX 1.9, the release that introduced opset 14
GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
DEFAULT_ATOL = 1e-5     # the conventions of generate.py and README.md
SAFETY = 10.0
SELF_CHECK = 1e-10
ORT_LAYOUT1_REFUSAL = "Batchwise recurrent operations (layout == 1) are not supported"

# The activations attribute's default per operator, per direction: RNN f;
# GRU f (z and r), g (h); LSTM f (i, f, o), g (cell input), h (cell output).
DEFAULT_ACTS = {"RNN": ["Tanh"], "GRU": ["Sigmoid", "Tanh"], "LSTM": ["Sigmoid", "Tanh", "Tanh"]}
ACT_POSITIONS = {"RNN": ["f"], "GRU": ["f (z, r)", "g (n)"],
                 "LSTM": ["f (i, f, o)", "g (cell input)", "h (cell output)"]}
# Which of the 11 activation functions take alpha and beta (ONNX Runtime's
# NameToArgUsageMap, rnn_helpers.cc; the others take neither) ...
TAKES_ALPHA_BETA = {"Affine": (True, True), "LeakyRelu": (True, False),
                    "ThresholdedRelu": (True, False), "ScaledTanh": (True, True),
                    "HardSigmoid": (True, True), "Elu": (True, False)}
# ... and the defaults ONNX Runtime's GRU and LSTM use when the list runs out
# (NameToArgDefaultsMap; the same values as the standalone ONNX operators).
# Affine, ThresholdedRelu and ScaledTanh get 0.0 there, where the standalone
# operators say ThresholdedRelu alpha=1.0, Affine alpha=1.0 beta=0.0: no
# case lets them default.  ONNX Runtime's RNN kernel does not use this table at
# all: it reads activation_alpha[direction] / activation_beta[direction], and
# 0.0 when the attribute is absent (rnn.h/rnn.cc); cases are made only where
# that gives the same values (resolve_activations checks it).
ALPHA_BETA_DEFAULTS = {"LeakyRelu": (0.01, None), "HardSigmoid": (0.2, 0.5), "Elu": (1.0, None)}


# --------------------------------------------------------------------------
# Case descriptions


class Case:
    """One supported model.  lengths: None, or (values, npy dtype)."""

    def __init__(self, op, T, B, X, H, seed, why, direction="forward", layout=0,
                 bias=True, h0=False, c0=False, lengths=None, lengths_dtype="int32",
                 activations=None, storage="raw_data", dtype="float32", node=None,
                 symbolic=False, name=None, linear_before_reset=None, clip=None,
                 peephole=False, input_forget=False, alpha=None, beta=None):
        self.op, self.T, self.B, self.X, self.H = op, T, B, X, H
        self.seed, self.why = seed, why
        self.direction, self.layout, self.bias = direction, layout, bias
        self.h0, self.c0 = h0, c0
        self.lengths, self.lengths_dtype = lengths, lengths_dtype
        self.activations = activations          # None: the attribute is left out
        self.storage = storage                  # raw_data | typed (float_data / double_data)
        self.dtype = dtype                      # the initializers' (and so the model's) type
        self.node = node                        # two-node graph, run with --node NAME
        self.symbolic = symbolic                # graph inputs/outputs with dim_param
        #                                         "seq" and "batch", as exporters write
        # Issue 12 section 2, the cell variants (none of them in PyTorch):
        # the GRU's linear_before_reset (1 unless given: PyTorch's GRU; 0 is
        # ONNX's default, written out as 0 in odd-seeded cases and left out in
        # even-seeded ones), clip, LSTM peepholes (the P input) and
        # input_forget, activation_alpha / activation_beta (lists, as written).
        self.lbr = (1 if linear_before_reset is None else linear_before_reset) \
            if op == "GRU" else None
        self.clip, self.peephole, self.input_forget = clip, peephole, input_forget
        self.alpha, self.beta = alpha, beta
        assert not c0 or op == "LSTM"
        assert not (peephole or input_forget) or op == "LSTM"
        assert linear_before_reset is None or op == "GRU"
        assert lengths is None or (len(lengths) == B and all(1 <= v <= T for v in lengths))
        assert T <= 7 and B <= 4 and X <= 9 and H <= 9
        if self.variant:
            assert T <= 7 and B <= 4 and H <= 6 and dtype == "float32" and not node
        self.name = name or self._name()

    @property
    def acts_variant(self):
        """Activations PyTorch lacks, or activation_alpha / activation_beta."""
        return bool(self.alpha is not None or self.beta is not None
                    or (self.activations is not None
                        and self.activations != DEFAULT_ACTS[self.op] * self.D
                        and not (self.op == "RNN" and set(self.activations) <= {"Tanh", "Relu"})))

    @property
    def variant(self):
        """Uses a feature PyTorch lacks (so torch cannot witness it)."""
        return bool(self.lbr == 0 or self.clip is not None or self.peephole
                    or self.input_forget or self.acts_variant)

    @property
    def D(self):
        return 2 if self.direction == "bidirectional" else 1

    def _name(self):
        dirs = {"forward": "fwd", "reverse": "rev", "bidirectional": "bidir"}
        op = self.op.lower()
        if self.op == "RNN":
            acts = self.activations or ["Tanh"]
            op += "_" + acts[0].lower()
        parts = [op]
        # the variants' tokens (absent from the names of the cases before them)
        if self.lbr == 0:
            parts.append("lbr0")
        if self.op != "RNN" and self.activations is not None:
            parts += [a.lower() for a in self.activations[:len(DEFAULT_ACTS[self.op])]]
        if self.alpha is not None or self.beta is not None:
            parts.append("ab")
        if self.peephole:
            parts.append("peephole")
        if self.input_forget:
            parts.append("inputforget")
        if self.clip is not None:
            parts.append("clip" + f"{self.clip:g}".replace(".", "p"))
        parts.append(dirs[self.direction])
        if self.layout:
            parts.append("layout1")
        parts += [f"T{self.T}", f"B{self.B}", f"X{self.X}", f"H{self.H}"]
        if self.lengths is not None:
            parts.append("len" + self.lengths_dtype[3:])
        parts.append("bias" if self.bias else "nobias")
        if self.h0:
            parts.append("h0")
        if self.c0:
            parts.append("c0")
        if self.storage == "typed":
            parts.append("floatdata" if self.dtype == "float32" else "doubledata")
        if self.dtype == "float64":
            parts.append("f64init")
        if self.node:
            parts.append("node")
        return "onnx_" + "_".join(parts)


CASES = [
    # --- LSTM ---------------------------------------------------------------
    Case("LSTM", 5, 3, 4, 6, 1400, "LSTM forward with B, initial_h and initial_c; W, R, B "
         "stored as raw_data (what exporters write)", bias=True, h0=True, c0=True),
    Case("LSTM", 4, 2, 3, 5, 1401, "LSTM forward without B, initial_h or initial_c (zeros); "
         "W and R stored in the typed float_data field instead of raw_data",
         bias=False, storage="typed"),
    Case("LSTM", 6, 3, 4, 5, 1402, "LSTM reverse with unequal sequence_lens (int32 file): "
         "each sequence's reverse pass starts at its own last step, Y is 0 past its length, "
         "Y_h/Y_c are the state after step 0; graph inputs and outputs declare T and B as "
         "dim_param \"seq\" and \"batch\"", direction="reverse", lengths=[4, 6, 2],
         lengths_dtype="int32", h0=True, c0=True, symbolic=True),
    Case("LSTM", 7, 4, 3, 4, 1403, "LSTM bidirectional with unequal sequence_lens (int64 file), "
         "one of length 1; initial_h given, initial_c left out (zeros)",
         direction="bidirectional", lengths=[7, 3, 5, 1], lengths_dtype="int64", h0=True),
    Case("LSTM", 5, 3, 4, 3, 1404, "LSTM bidirectional with layout=1: X [B][T][X], initial_h/c "
         "[B][D][H], Y [B][T][D][H], Y_h/Y_c [B][D][H]; sequence_lens (int64 file)",
         direction="bidirectional", layout=1, lengths=[2, 5, 4], lengths_dtype="int64",
         h0=True, c0=True),
    Case("LSTM", 5, 2, 3, 4, 1405, "LSTM whose initializers are float64 (W and B as raw_data, "
         "R in the typed double_data field); ONNX requires X, initial_h, initial_c and the "
         "outputs to have the same type, so the whole model is double; input.npy, h0.npy and "
         "c0.npy are float32 files holding the same values (all are float32 values widened)",
         h0=True, c0=True, dtype="float64", storage="mixed"),
    Case("LSTM", 4, 2, 3, 3, 1406, "a graph with two LSTM nodes reading the same X, run with "
         "--node lstm_second: the outputs are the second node's (its output tensors are "
         "named Y_second, Y_h_second, Y_c_second; OUT.npz uses the operator's output names "
         "Y, Y_h, Y_c)", node="lstm_second", h0=True),
    # --- GRU (linear_before_reset=1, PyTorch's GRU) -------------------------
    Case("GRU", 6, 3, 5, 4, 1410, "GRU linear_before_reset=1 forward with B and initial_h",
         h0=True),
    Case("GRU", 5, 2, 3, 6, 1411, "GRU linear_before_reset=1 reverse, no B, no initial_h; "
         "T and B declared as dim_param \"seq\" and \"batch\"", direction="reverse",
         bias=False, symbolic=True),
    Case("GRU", 6, 4, 3, 5, 1412, "GRU bidirectional with sequence_lens (int32 file) all "
         "shorter than T: Y's trailing steps are all 0", direction="bidirectional",
         lengths=[2, 5, 4, 3], lengths_dtype="int32", h0=True),
    Case("GRU", 5, 3, 4, 4, 1413, "GRU forward with layout=1 and sequence_lens (int64 file), "
         "no B", layout=1, lengths=[5, 2, 3], lengths_dtype="int64", bias=False, h0=True),
    # --- RNN ----------------------------------------------------------------
    Case("RNN", 7, 3, 5, 6, 1420, "RNN with no activations attribute (ONNX's default Tanh), "
         "B and initial_h", h0=True),
    Case("RNN", 5, 3, 4, 5, 1421, "RNN activations=[\"Relu\"] forward with sequence_lens "
         "(int32 file)", activations=["Relu"], lengths=[3, 5, 1], lengths_dtype="int32"),
    Case("RNN", 5, 2, 3, 4, 1422, "RNN bidirectional with activations=[\"Relu\", \"Relu\"] "
         "(one per direction) and initial_h", direction="bidirectional",
         activations=["Relu", "Relu"], h0=True),
    Case("RNN", 4, 2, 9, 9, 1423, "RNN reverse with activations=[\"Tanh\"] given explicitly, "
         "no B; the largest sizes, X = H = 9", direction="reverse", activations=["Tanh"],
         bias=False, h0=True),
    Case("RNN", 6, 3, 2, 3, 1424, "RNN (default Tanh) bidirectional with layout=1 and "
         "sequence_lens (int64 file), zero initial state; T and B declared as dim_param "
         "\"seq\" and \"batch\"", direction="bidirectional", layout=1, lengths=[6, 2, 4],
         lengths_dtype="int64", symbolic=True),
    # --- issue 12 section 2: the cell variants (none of them in PyTorch) ----
    # GRU with linear_before_reset = 0, ONNX's default (left out in even seeds)
    Case("GRU", 6, 3, 4, 5, 1430, "GRU with linear_before_reset=0 (ONNX's default: the "
         "attribute is left out, as in the model onnx_refused/gru_linear_before_reset_0 "
         "was): n = tanh(X Wh^T + (r * H) Rh^T + Rbh + Wbh), r applied to H before R_h; "
         "forward, B and initial_h", linear_before_reset=0, h0=True),
    Case("GRU", 5, 2, 3, 6, 1431, "GRU linear_before_reset=0 (written out) reverse, B, no "
         "initial_h", direction="reverse", linear_before_reset=0),
    Case("GRU", 6, 4, 3, 4, 1432, "GRU linear_before_reset=0 bidirectional with "
         "sequence_lens (int32 file) and initial_h", direction="bidirectional",
         linear_before_reset=0, lengths=[6, 2, 5, 3], lengths_dtype="int32", h0=True),
    Case("GRU", 5, 3, 4, 4, 1433, "GRU linear_before_reset=0 (written out) with layout=1, "
         "sequence_lens (int64 file) and initial_h", layout=1, linear_before_reset=0,
         lengths=[3, 5, 2], lengths_dtype="int64", h0=True),
    # LSTM peepholes and input_forget
    Case("LSTM", 5, 3, 4, 4, 1434, "LSTM with peepholes, the input P [1][3H] as an "
         "initializer (ONNX order i, o, f: i = f(... + Pi * C_{t-1}), f = f(... + Pf * "
         "C_{t-1}), o = f(... + Po * C_t)); forward, B, initial_h, initial_c",
         peephole=True, h0=True, c0=True),
    Case("LSTM", 6, 3, 3, 5, 1435, "LSTM with peepholes bidirectional (P [2][3H], the "
         "reverse direction's in row 1) with sequence_lens (int64 file), initial_h and "
         "initial_c", direction="bidirectional", peephole=True, lengths=[6, 3, 4],
         lengths_dtype="int64", h0=True, c0=True),
    Case("LSTM", 5, 2, 3, 3, 1436, "LSTM with peepholes, reverse, layout=1, sequence_lens "
         "(int32 file), initial_c given and initial_h left out", direction="reverse",
         layout=1, peephole=True, lengths=[3, 5], c0=True),
    Case("LSTM", 5, 3, 3, 4, 1437, "LSTM with input_forget=1: f = 1 - i (the forget "
         "gate's rows of W, R and B are there but unused); forward, B, initial_h and "
         "initial_c", input_forget=True, h0=True, c0=True),
    Case("LSTM", 5, 2, 4, 4, 1438, "LSTM with input_forget=1 and peepholes, bidirectional "
         "with sequence_lens (int32 file): f = 1 - i where i sees Pi * C_{t-1}; Pf is "
         "unused, o still sees Po * C_t", direction="bidirectional", input_forget=True,
         peephole=True, lengths=[5, 3], h0=True, c0=True),
    # clip
    Case("RNN", 6, 3, 5, 5, 1439, "RNN (Tanh) with clip: H = tanh(clip(X W^T + H R^T + Wb "
         "+ Rb)), the biases added before clipping; B and initial_h", clip=0.5, h0=True),
    Case("GRU", 5, 2, 4, 4, 1440, "GRU linear_before_reset=0 with clip, bidirectional with "
         "sequence_lens (int64 file) and initial_h: z, r and n pre-activations clipped "
         "after their biases are added", linear_before_reset=0, clip=0.5,
         direction="bidirectional", lengths=[5, 3], lengths_dtype="int64", h0=True),
    Case("GRU", 5, 3, 3, 5, 1441, "GRU linear_before_reset=1 with clip, reverse: the whole "
         "n pre-activation X Wh^T + r * (H Rh^T + Rbh) + Wbh is clipped",
         clip=0.6, direction="reverse"),
    Case("LSTM", 5, 3, 4, 6, 1442, "LSTM with clip (the model onnx_refused/lstm_clip had "
         "clip=5.0, which never bites at this scale): i, o, f, c pre-activations clipped "
         "after the biases; C_t itself is not clipped before h; forward, B, initial_h, "
         "initial_c", clip=0.6, h0=True, c0=True),
    Case("LSTM", 5, 3, 4, 4, 1443, "LSTM with everything at once: bidirectional, layout=1, "
         "sequence_lens (int64 file), initial_h, initial_c, peepholes (clipped with the "
         "rest: the peephole term is added before clip), clip, activations [HardSigmoid, "
         "Softsign, ScaledTanh] for both directions with activation_alpha [0.25, 1.2, 0.25, "
         "1.2] and activation_beta [0.5, 0.7, 0.5, 0.7] (HardSigmoid takes 0.25/0.5, "
         "ScaledTanh 1.2/0.7, Softsign none, in each direction)",
         direction="bidirectional", layout=1, lengths=[5, 2, 4], lengths_dtype="int64",
         h0=True, c0=True, peephole=True, clip=0.8,
         activations=["HardSigmoid", "Softsign", "ScaledTanh"] * 2,
         alpha=[0.25, 1.2, 0.25, 1.2], beta=[0.5, 0.7, 0.5, 0.7],
         name="onnx_lstm_allvariants_bidir_layout1_T5_B3_X4_H4_len64_bias_h0_c0"),
    # activations, one RNN per function (Tanh and Relu: the cases above)
    Case("RNN", 5, 2, 3, 4, 1444, "RNN activations=[\"Sigmoid\"], initial_h",
         activations=["Sigmoid"], h0=True),
    Case("RNN", 4, 3, 4, 4, 1445, "RNN activations=[\"Affine\"] alpha [0.8] beta [0.1]: "
         "H = 0.8 * (X W^T + H R^T + Wb + Rb) + 0.1 (a witness for onnx's "
         "ReferenceEvaluator, whose RNN knows Affine)", activations=["Affine"], alpha=[0.8],
         beta=[0.1]),
    Case("RNN", 4, 2, 3, 4, 1446, "RNN activations=[\"LeakyRelu\"] alpha [0.1], reverse "
         "with sequence_lens (int32 file)", activations=["LeakyRelu"], alpha=[0.1],
         direction="reverse", lengths=[4, 2]),
    Case("RNN", 4, 3, 4, 5, 1447, "RNN activations=[\"ThresholdedRelu\"] alpha [0.2]: "
         "x if x > 0.2 else 0 (no input within 1e-3 of 0.2, so float32 rounding cannot "
         "flip a comparison); initial_h", activations=["ThresholdedRelu"], alpha=[0.2],
         h0=True),
    Case("RNN", 5, 2, 3, 4, 1448, "RNN bidirectional activations=[\"ScaledTanh\", "
         "\"ScaledTanh\"], alpha [1.5, 1.5], beta [0.7, 0.7] (one per direction): 1.5 * "
         "tanh(0.7 * x); initial_h", direction="bidirectional",
         activations=["ScaledTanh"] * 2, alpha=[1.5, 1.5], beta=[0.7, 0.7], h0=True),
    Case("RNN", 5, 3, 4, 4, 1449, "RNN activations=[\"HardSigmoid\"] with explicit alpha "
         "[0.5] and beta [0.6], steep enough that some inputs clamp to 0 or 1 (the model "
         "onnx_refused/rnn_activation_hardsigmoid was had none: ONNX Runtime's RNN then "
         "uses alpha = beta = 0, not 0.2 / 0.5, and outputs 0); initial_h",
         activations=["HardSigmoid"], alpha=[0.5], beta=[0.6], h0=True),
    Case("RNN", 4, 2, 4, 4, 1450, "RNN activations=[\"Elu\"] alpha [0.9]; initial_h",
         activations=["Elu"], alpha=[0.9], h0=True),
    Case("RNN", 6, 3, 3, 5, 1451, "RNN activations=[\"Softsign\"], layout=1",
         activations=["Softsign"], layout=1),
    Case("RNN", 3, 2, 3, 4, 1452, "RNN activations=[\"Softplus\"] (unbounded above: a "
         "short sequence); initial_h", activations=["Softplus"], h0=True),
    # activations of LSTM and GRU, and how activation_alpha/beta are consumed
    Case("LSTM", 5, 3, 4, 4, 1453, "LSTM activations [HardSigmoid, Tanh, Tanh] with "
         "activation_alpha [0.25], activation_beta [0.45]: f (i, f and o gates) = "
         "min(max(0.25 x + 0.45, 0), 1); initial_h, initial_c",
         activations=["HardSigmoid", "Tanh", "Tanh"], alpha=[0.25], beta=[0.45],
         h0=True, c0=True),
    Case("LSTM", 5, 2, 3, 5, 1454, "LSTM activations [HardSigmoid, Tanh, Tanh] without "
         "activation_alpha/beta: HardSigmoid's defaults 0.2 and 0.5; initial_h, initial_c",
         activations=["HardSigmoid", "Tanh", "Tanh"], h0=True, c0=True),
    Case("LSTM", 4, 3, 3, 4, 1455, "LSTM activations [Sigmoid, LeakyRelu, Elu] with "
         "activation_alpha [0.3]: the list is consumed only by functions that take an "
         "alpha, so LeakyRelu (g) takes 0.3 (Sigmoid takes none) and Elu (h) finds it used "
         "up and takes its default 1.0; initial_h, initial_c",
         activations=["Sigmoid", "LeakyRelu", "Elu"], alpha=[0.3], h0=True, c0=True),
    Case("GRU", 4, 3, 4, 4, 1456, "GRU linear_before_reset=1 with activations [HardSigmoid, "
         "Relu] (f for z and r, g for n), activation_alpha [0.25], activation_beta [0.55]; "
         "initial_h", activations=["HardSigmoid", "Relu"], alpha=[0.25], beta=[0.55],
         h0=True),
    Case("GRU", 5, 2, 3, 5, 1457, "GRU linear_before_reset=0, bidirectional, activations "
         "[Sigmoid, ScaledTanh] for both directions with activation_alpha [1.3, 1.3], "
         "activation_beta [0.6, 0.6] (ScaledTanh takes one of each per direction), "
         "sequence_lens (int32 file), initial_h", linear_before_reset=0,
         direction="bidirectional", activations=["Sigmoid", "ScaledTanh"] * 2,
         alpha=[1.3, 1.3], beta=[0.6, 0.6], lengths=[5, 3], h0=True),
]


class Refused:
    def __init__(self, name, op, expect, why, seed, T=4, B=2, X=3, H=3, **kw):
        self.name, self.op, self.expect, self.why, self.seed = name, op, expect, why, seed
        self.T, self.B, self.X, self.H = T, B, X, H
        self.kw = kw


REFUSED = [
    # gru_linear_before_reset_0, lstm_clip, lstm_input_forget, lstm_peephole and
    # rnn_activation_hardsigmoid (seeds 1500-1504) were here until issue 12
    # section 2 made them supported: see the cases above.
    Refused("two_lstm_nodes", "LSTM", "node", "a graph with two LSTM nodes and no --node "
            "option: which node to run is ambiguous", 1505, two_nodes=True),
    Refused("lstm_w_graph_input", "LSTM", "initializer", "LSTM whose W is a graph input fed "
            "at run time instead of an initializer: the weights are not in the file", 1506,
            w_input=True),
    Refused("rnn_bidir_activations_differ", "RNN", "different activations per direction",
            "bidirectional RNN with activations=[\"Tanh\", \"Relu\"]: the forward direction "
            "uses Tanh, the reverse Relu; rnnscan runs one set of activations for both "
            "directions", 1507, attrs={"direction": "bidirectional",
                                       "activations": ["Tanh", "Relu"]}),
    Refused("lstm_bidir_activations_differ", "LSTM", "different activations per direction",
            "bidirectional LSTM with activations=[\"Sigmoid\", \"Tanh\", \"Tanh\", "
            "\"Sigmoid\", \"Tanh\", \"Softsign\"]: only h (the cell output's function) of "
            "the reverse direction differs; rnnscan runs one set of activations for both "
            "directions", 1508,
            attrs={"direction": "bidirectional",
                   "activations": ["Sigmoid", "Tanh", "Tanh", "Sigmoid", "Tanh", "Softsign"]}),
]


# --------------------------------------------------------------------------
# The ONNX equations in plain NumPy, any dtype, layout 0 arrays.


# the same float32 / float64 products and sigmoid as the PyTorch cases (generate.py)
from generate import _matvec, _round_up_125, _sigmoid  # noqa: E402


def _f32(v):
    """An ONNX FLOAT attribute's value (alpha, beta, clip are float32 there)."""
    return None if v is None else float(np.float32(v))


# The 11 functions, as ONNX defines them and ONNX Runtime 1.18 computes them
# (rnn_activation_functors.h; ThresholdedRelu is x > alpha there, strictly);
# x an array, a and b alpha and beta in x's dtype.
ACTS = {
    "Relu": lambda x, a, b: np.maximum(x, 0),
    "Tanh": lambda x, a, b: np.tanh(x),
    "Sigmoid": lambda x, a, b: _sigmoid(x),
    "Affine": lambda x, a, b: a * x + b,
    "LeakyRelu": lambda x, a, b: np.where(x >= 0, x, a * x),
    "ThresholdedRelu": lambda x, a, b: np.where(x > a, x, 0 * x),
    "ScaledTanh": lambda x, a, b: a * np.tanh(b * x),
    "HardSigmoid": lambda x, a, b: np.minimum(np.maximum(a * x + b, 0 * x), 0 * x + 1),
    "Elu": lambda x, a, b: np.where(x >= 0, x, a * (np.exp(np.minimum(x, 0)) - 1)),
    "Softsign": lambda x, a, b: x / (1 + np.abs(x)),
    "Softplus": lambda x, a, b: np.log1p(np.exp(x)),
}


def resolve_activations(op, D, activations=None, alpha=None, beta=None, by_position=False):
    """The activation functions of each direction with the alpha and beta
    each one gets: [[(name, alpha, beta), ...] per gate position] per
    direction (alpha/beta None where the function takes none).

    The rule (ONNX Runtime's ActivationFuncs, rnn_helpers.cc, for GRU and
    LSTM): the activations list holds num_directions groups (RNN 1, GRU 2,
    LSTM 3 names), forward first; activation_alpha and activation_beta are
    consumed in that order, each only by the functions that take it (alpha:
    Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu; beta:
    Affine, ScaledTanh, HardSigmoid); a function that finds its list used up
    gets its default (LeakyRelu 0.01, HardSigmoid 0.2 / 0.5, Elu 1.0).
    Raises ValueError where the answer is not agreed on: a default for
    Affine, ThresholdedRelu or ScaledTanh, values left over, or an RNN where
    ONNX Runtime's per-direction reading (alpha[d], 0.0 when absent)
    differs.  by_position (a mistake, to measure): the k-th function takes
    alpha[k] / beta[k]."""
    n = len(DEFAULT_ACTS[op])
    names = list(activations) if activations is not None else DEFAULT_ACTS[op] * D
    if len(names) != n * D:
        raise ValueError(f"{op} with {D} direction(s) needs {n * D} activations, got {names}")
    al, be = list(alpha or []), list(beta or [])
    out = []
    for k, nm in enumerate(names):
        takes_a, takes_b = TAKES_ALPHA_BETA.get(nm, (False, False))
        def_a, def_b = ALPHA_BETA_DEFAULTS.get(nm, (None, None))
        if by_position:   # with ONNX Runtime's 0.0 where no default is agreed on
            a = (alpha[k] if alpha and k < len(alpha) else def_a or 0.0) if takes_a else None
            b = (beta[k] if beta and k < len(beta) else def_b or 0.0) if takes_b else None
        else:
            a = (al.pop(0) if al else def_a) if takes_a else None
            b = (be.pop(0) if be else def_b) if takes_b else None
        if (takes_a and a is None) or (takes_b and b is None):
            raise ValueError(f"{nm} would take a default alpha/beta that is not agreed on")
        out.append((nm, _f32(a), _f32(b)))
    if not by_position and (al or be):
        raise ValueError(f"activation_alpha/beta values left over: {al} {be}")
    per_dir = [out[d * n:(d + 1) * n] for d in range(D)]
    if op == "RNN" and not by_position:
        for d, ((nm, a, b),) in enumerate(per_dir):
            takes_a, takes_b = TAKES_ALPHA_BETA.get(nm, (False, False))
            ort_a = _f32(alpha[d]) if alpha else 0.0
            ort_b = _f32(beta[d]) if beta else 0.0
            if (takes_a and ort_a != a) or (takes_b and ort_b != b):
                raise ValueError(f"ONNX Runtime's RNN would give {nm} alpha {ort_a} beta "
                                 f"{ort_b}, not {a} {b}")
    return per_dir


def onnx_forward(op, direction, W, R, B, X, lens, h0, c0, activations=None,
                 dtype=np.float64, mode="blas", alpha=None, beta=None, clip=None, P=None,
                 input_forget=False, linear_before_reset=1, stats=None, mistake=None):
    """ONNX RNN / GRU / LSTM, layout 0.  X [T][B][X]; W [D][G*H][X];
    R [D][G*H][H]; B [D][2*G*H] or None; lens [B] or None; h0/c0 [D][B][H]
    or None; P [D][3*H] or None (LSTM peepholes, i, o, f).  Returns
    Y [T][D][B][H], Y_h [D][B][H], Y_c [D][B][H] (None unless LSTM).

    sequence_lens as PyTorch's packed sequences: the forward pass runs steps
    0..len-1, the reverse pass steps len-1..0, Y is 0 at steps >= len, Y_h and
    Y_c are each sequence's state after its last step.

    The cell variants, as ONNX Runtime 1.18 computes them (rnn.cc,
    deep_cpu_gru.cc, uni_directional_lstm.cc), with clip(v) = min(max(v,
    -clip), clip) when clip is given:
      RNN   H = f(clip(X W^T + H R^T + Wb + Rb))
      GRU   z = f(clip(X Wz^T + H Rz^T + Wbz + Rbz)), r likewise,
            lbr=1: n = g(clip(X Wh^T + r * (H Rh^T + Rbh) + Wbh))
            lbr=0: n = g(clip(X Wh^T + (r * H) Rh^T + Rbh + Wbh)),
            H' = (1 - z) * n + z * H
      LSTM  i = f(clip(X Wi^T + H Ri^T + Pi * C + Wbi + Rbi)),
            f = 1 - i if input_forget (Pf, Wf, Rf, Wbf, Rbf unused) else
                f(clip(X Wf^T + H Rf^T + Pf * C + Wbf + Rbf)),
            g = g(clip(X Wc^T + H Rc^T + Wbc + Rbc)), C' = f * C + i * g,
            o = f(clip(X Wo^T + H Ro^T + Po * C' + Wbo + Rbo)) (o sees C'),
            H' = o * h(C') (C' itself is not clipped)
    with the activations and alpha/beta of resolve_activations.

    stats (a dict, optional) receives the number of pre-activations clip
    changed and of those it saw ("clipped", "clip_seen"), and the smallest
    |x - alpha| a ThresholdedRelu saw ("threshold_margin"), over the steps
    that count (t < len).  mistake: a deliberate error, to measure how far it
    moves the outputs: "clip_before_bias", "clip_cell" (C' clipped before
    h), "clip_n_parts" (the GRU's X Wh^T + Wbh and its recurrent part clipped
    apart), "o_peephole_prev" (o sees C, not C'), "alpha_by_position"."""
    D, GH, _ = W.shape
    H = R.shape[2]
    T, Bn = X.shape[0], X.shape[1]
    lens = np.full(Bn, T) if lens is None else np.asarray(lens)
    Y = np.zeros((T, D, Bn, H), dtype)
    Y_h = np.zeros((D, Bn, H), dtype)
    Y_c = np.zeros((D, Bn, H), dtype)
    acts = resolve_activations(op, D, activations, alpha, beta,
                               by_position=mistake == "alpha_by_position")
    stats = {} if stats is None else stats
    stats.setdefault("clipped", 0)
    stats.setdefault("clip_seen", 0)
    cl = None if clip is None else dtype(_f32(clip))
    for d in range(D):
        wb = np.zeros(GH, dtype) if B is None else B[d, :GH].astype(dtype)
        rb = np.zeros(GH, dtype) if B is None else B[d, GH:].astype(dtype)
        h = np.zeros((Bn, H), dtype) if h0 is None else h0[d].astype(dtype)
        c = np.zeros((Bn, H), dtype) if c0 is None else c0[d].astype(dtype)
        p = None if P is None else P[d].astype(dtype)
        reverse = d == 1 or direction == "reverse"
        steps = range(T - 1, -1, -1) if reverse else range(T)
        for t in steps:
            active = (t < lens)[:, None]

            def act(k, v):
                nm, a, b = acts[d][k]
                a = None if a is None else dtype(a)
                b = None if b is None else dtype(b)
                seen = v[active[:, 0]]
                if nm == "ThresholdedRelu":
                    m = float(np.min(np.abs(seen - a)))
                    stats["threshold_margin"] = min(stats.get("threshold_margin", m), m)
                side = {"Relu": lambda u: u < 0, "LeakyRelu": lambda u: u < 0,
                        "Elu": lambda u: u < 0, "ThresholdedRelu": lambda u: u <= a,
                        "HardSigmoid": lambda u: (a * u + b < 0) | (a * u + b > 1)}.get(nm)
                if side is not None:   # how many inputs on the other side of the kink
                    key = f"{nm} as {ACT_POSITIONS[op][k]}"
                    n_side, n_all = stats.setdefault("regions", {}).get(key, (0, 0))
                    stats["regions"][key] = (n_side + int(np.sum(side(seen))),
                                             n_all + seen.size)
                return ACTS[nm](v, a, b)

            def clipped(v, bias=None):
                """clip(v + bias); bias None: v already holds it."""
                if cl is None:
                    return v if bias is None else v + bias
                if mistake == "clip_before_bias" and bias is not None:
                    v = np.minimum(np.maximum(v, -cl), cl)
                    return v + bias
                if bias is not None:
                    v = v + bias
                seen = v[active[:, 0]]
                stats["clipped"] += int(np.sum(np.abs(seen) > cl))
                stats["clip_seen"] += seen.size
                return np.minimum(np.maximum(v, -cl), cl)

            if mistake == "clip_before_bias":   # keep the biases apart
                assert op != "GRU"
                gx = _matvec(X[t], W[d], dtype, mode)
                gh = _matvec(h, R[d], dtype, mode)
                bias = wb + rb
            else:
                gx = _matvec(X[t], W[d], dtype, mode) + wb
                gh = _matvec(h, R[d], dtype, mode) + rb
                bias = None

            def blk(v, k):
                return None if v is None else v[..., k * H:(k + 1) * H]

            if op == "RNN":
                hn, cn = act(0, clipped(gx + gh, bias)), c
            elif op == "GRU":   # gate blocks z, r, h
                z = act(0, clipped(gx[:, :H] + gh[:, :H], blk(bias, 0)))
                r = act(0, clipped(gx[:, H:2 * H] + gh[:, H:2 * H], blk(bias, 1)))
                if linear_before_reset:
                    n_x, n_h = gx[:, 2 * H:], r * gh[:, 2 * H:]
                else:
                    n_x = gx[:, 2 * H:]
                    n_h = _matvec(r * h, R[d, 2 * H:], dtype, mode) + rb[2 * H:]
                if mistake == "clip_n_parts":
                    n = act(1, clipped(n_x) + clipped(n_h))
                else:
                    n = act(1, clipped(n_x + n_h))
                hn, cn = (1 - z) * n + z * h, c
            else:               # LSTM, gate blocks i, o, f, c
                a = gx + gh
                ai, ao, af, ac = (a[:, k * H:(k + 1) * H] for k in range(4))
                if p is not None:
                    ai = ai + p[:H] * c
                i = act(0, clipped(ai, blk(bias, 0)))
                if input_forget:
                    f = 1 - i
                else:
                    if p is not None:
                        af = af + p[2 * H:] * c
                    f = act(0, clipped(af, blk(bias, 2)))
                g = act(1, clipped(ac, blk(bias, 3)))
                cn = f * c + i * g
                if p is not None:
                    ao = ao + p[H:2 * H] * (c if mistake == "o_peephole_prev" else cn)
                o = act(0, clipped(ao, blk(bias, 1)))
                hn = o * act(2, clipped(cn) if mistake == "clip_cell" else cn)
            h = np.where(active, hn, h)
            c = np.where(active, cn, c)
            Y[t, d] = np.where(active, hn, 0)
        Y_h[d], Y_c[d] = h, c
    return Y, Y_h, (Y_c if op == "LSTM" else None)


def reference(case, w, x, lens, h0, c0, dtype=np.float64, mode="blas", stats=None,
              mistake=None, **override):
    """onnx_forward on the case's arrays in the case's layout.  override:
    onnx_forward arguments to use instead of the case's (to measure
    mistakes)."""
    X, h0_, c0_ = x, h0, c0
    if case.layout == 1:
        X = x.transpose(1, 0, 2)
        h0_ = None if h0 is None else h0.transpose(1, 0, 2)
        c0_ = None if c0 is None else c0.transpose(1, 0, 2)
    kw = dict(activations=case.activations, alpha=case.alpha, beta=case.beta, clip=case.clip,
              P=w.get("P"), input_forget=case.input_forget,
              linear_before_reset=case.lbr if case.op == "GRU" else 1)
    kw.update(override)
    out = onnx_forward(case.op, case.direction, w["W"], w["R"], w.get("B"), X, lens, h0_, c0_,
                       dtype=dtype, mode=mode, stats=stats, mistake=mistake, **kw)
    return to_layout(case, out)


def to_layout(case, out):
    """Layout-0 outputs (Y [T][D][B][H], Y_h/Y_c [D][B][H]) in the case's layout."""
    Y, Y_h, Y_c = out
    if case.layout == 1:
        Y = Y.transpose(2, 0, 1, 3)
        Y_h = Y_h.transpose(1, 0, 2)
        Y_c = None if Y_c is None else Y_c.transpose(1, 0, 2)
    return Y, Y_h, Y_c


# --------------------------------------------------------------------------
# Drawing the data, building the models.


def draw(case):
    rng = np.random.RandomState(case.seed)
    k = 1 / np.sqrt(case.H)
    G, D, H, X = GATES[case.op], case.D, case.H, case.X

    def uni(*shape):
        return rng.uniform(-k, k, shape).astype(np.float32)

    w = {"W": uni(D, G * H, X), "R": uni(D, G * H, H)}
    if case.bias:
        w["B"] = uni(D, 2 * G * H)
    xshape = (case.B, case.T, X) if case.layout else (case.T, case.B, X)
    x = rng.standard_normal(xshape).astype(np.float32)
    sshape = (case.B, D, H) if case.layout else (D, case.B, H)
    h0 = rng.standard_normal(sshape).astype(np.float32) if case.h0 else None
    c0 = rng.standard_normal(sshape).astype(np.float32) if case.c0 else None
    lens = None if case.lengths is None else np.asarray(case.lengths, np.int32)
    if case.peephole:   # drawn last: the cases without P draw what they always drew
        w["P"] = uni(D, 3 * H)
    return w, x, lens, h0, c0


def _tensor(name, arr, storage):
    """An initializer holding arr: 'raw_data' or the typed field
    (float_data for float32, double_data for float64)."""
    if storage == "raw_data":
        t = numpy_helper.from_array(arr, name)
        assert t.HasField("raw_data")
    else:
        elem = TensorProto.FLOAT if arr.dtype == np.float32 else TensorProto.DOUBLE
        t = helper.make_tensor(name, elem, list(arr.shape), arr.ravel().tolist(), raw=False)
        field = t.float_data if elem == TensorProto.FLOAT else t.double_data
        assert len(field) == arr.size and not t.HasField("raw_data")
    assert np.array_equal(numpy_helper.to_array(t), arr)
    return t


def _elem(dtype):
    return TensorProto.DOUBLE if dtype == "float64" else TensorProto.FLOAT


def _storage_of(case, name):
    if case.storage == "mixed":
        return "typed" if name == "R" else "raw_data"
    return case.storage


def node_for(case, layout, suffix="", prefix="", node_name=None):
    """The RNN/GRU/LSTM node; tensor names get prefix (weights) / suffix (outputs)."""
    ins = ["X", prefix + "W", prefix + "R", prefix + "B" if case.bias else "",
           "sequence_lens" if case.lengths is not None else "",
           "initial_h" if case.h0 else ""]
    if case.op == "LSTM":
        ins.append("initial_c" if case.c0 else "")
        ins.append(prefix + "P" if case.peephole else "")
    while ins and ins[-1] == "":
        ins.pop()
    outs = [n + suffix for n in ("Y", "Y_h", "Y_c")[:3 if case.op == "LSTM" else 2]]
    attrs = {"hidden_size": case.H, "direction": case.direction, "layout": layout}
    # Attributes at their defaults (direction "forward", layout 0) are written
    # out in odd-seeded cases and left out in even-seeded ones, as exporters do.
    if case.seed % 2 == 0:
        if case.direction == "forward":
            del attrs["direction"]
        if layout == 0:
            del attrs["layout"]
    if case.op == "GRU" and (case.lbr == 1 or case.seed % 2 == 1):
        attrs["linear_before_reset"] = case.lbr   # 0, ONNX's default, left out when even
    if case.activations is not None:
        attrs["activations"] = list(case.activations)
    if case.alpha is not None:
        attrs["activation_alpha"] = list(case.alpha)
    if case.beta is not None:
        attrs["activation_beta"] = list(case.beta)
    if case.clip is not None:
        attrs["clip"] = case.clip
    if case.input_forget:
        attrs["input_forget"] = 1
    node = helper.make_node(case.op, ins, outs, name=node_name or case.op.lower() + "0", **attrs)
    return node, outs


def _dims(case):
    """T and B as the graph's inputs and outputs declare them."""
    return ("seq", "batch") if case.symbolic else (case.T, case.B)


def graph_inputs(case, elem, layout):
    (T, B), X, D, H = _dims(case), case.X, case.D, case.H
    xs = [helper.make_tensor_value_info("X", elem, [B, T, X] if layout else [T, B, X])]
    if case.lengths is not None:
        xs.append(helper.make_tensor_value_info("sequence_lens", TensorProto.INT32, [B]))
    for flag, nm in ((case.h0, "initial_h"), (case.c0, "initial_c")):
        if flag:
            xs.append(helper.make_tensor_value_info(nm, elem, [B, D, H] if layout else [D, B, H]))
    return xs


def output_infos(case, outs, elem, layout):
    (T, B), D, H = _dims(case), case.D, case.H
    shapes = [[B, T, D, H] if layout else [T, D, B, H]] + [[B, D, H] if layout else [D, B, H]] * 2
    per_node = 3 if case.op == "LSTM" else 2
    return [helper.make_tensor_value_info(n, elem, shapes[i % per_node])
            for i, n in enumerate(outs)]


def finish(graph):
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                          producer_name="rnnscan tests/golden/generate_onnx.py")
    m.ir_version = IR_VERSION
    onnx.checker.check_model(m, full_check=True)
    return m


def build_model(case, w, layout=None, dtype=None, storage=None, other=None):
    """The case's model.  layout/dtype/storage override the case's (for the
    twins ONNX Runtime runs).  other: the second node's weights, for --node."""
    layout = case.layout if layout is None else layout
    dtype = dtype or case.dtype
    elem = _elem(dtype)
    npdt = np.float64 if dtype == "float64" else np.float32
    inits = []

    def add(prefix, weights):
        for nm in ("W", "R", "B", "P"):
            if nm in weights:
                st = storage or _storage_of(case, nm)
                inits.append(_tensor(prefix + nm, weights[nm].astype(npdt), st))

    if case.node:
        first, first_outs = node_for(case, layout, prefix="first_", node_name="lstm_first")
        second, outs = node_for(case, layout, suffix="_second", node_name=case.node)
        add("first_", other)
        add("", w)
        nodes, all_outs = [first, second], first_outs + outs
    else:
        node, outs = node_for(case, layout)
        add("", w)
        nodes, all_outs = [node], outs
    g = helper.make_graph(nodes, case.name, graph_inputs(case, elem, layout),
                          output_infos(case, all_outs, elem, layout), inits)
    return finish(g), outs


def ort_session(model):
    ort.set_default_logger_severity(4)   # the expected layout=1 refusal logs an error
    so = ort.SessionOptions()
    so.log_severity_level = 4
    so.intra_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), so,
                                providers=["CPUExecutionProvider"])


def run_ort(case, w, x, lens, h0, c0, other=None):
    """ONNX Runtime, float32, on the float32 twin of the model; layout=1 via the
    layout=0 twin on transposed inputs.  Returns (outputs in the case's layout,
    note on how)."""
    note = "ONNX Runtime ran the model itself (float32)"
    if case.layout == 1:
        model, outs = build_model(case, w, layout=0, dtype="float32", storage="raw_data",
                                  other=other)
        x, h0, c0 = (None if a is None else a.transpose(1, 0, 2) for a in (x, h0, c0))
        note = ("ONNX Runtime refuses layout=1 for this operator ('%s'); expected outputs "
                "were checked against ONNX Runtime (float32) running the same model with "
                "layout=0 on X and initial states transposed to [T][B][X] and [D][B][H], its "
                "Y [T][D][B][H] and Y_h/Y_c [D][B][H] transposed back to [B][T][D][H] and "
                "[B][D][H]" % ORT_LAYOUT1_REFUSAL)
    elif case.dtype != "float32":
        model, outs = build_model(case, w, dtype="float32", storage="raw_data", other=other)
        note = ("ONNX Runtime has no double kernel for this operator: checked against "
                "ONNX Runtime (float32) running the float32 twin of the model (same values)")
    else:
        model, outs = build_model(case, w, other=other)
    feeds = {"X": x}
    if lens is not None:
        feeds["sequence_lens"] = lens
    if h0 is not None:
        feeds["initial_h"] = h0
    if c0 is not None:
        feeds["initial_c"] = c0
    res = dict(zip(outs, ort_session(model).run(outs, feeds)))
    got = [res[n] for n in outs] + [None] * (3 - len(outs))
    if case.layout == 1:
        got = list(to_layout(case, got))
    return got, note


def check_ort_refuses_layout1(case, w, other):
    model, _ = build_model(case, w, dtype="float32", other=other)
    try:
        ort_session(model)
    except Exception as e:  # noqa: BLE001
        if ORT_LAYOUT1_REFUSAL not in str(e):
            sys.exit(f"{case.name}: ONNX Runtime failed on layout=1 in an unexpected way: {e}")
        return
    sys.exit(f"{case.name}: ONNX Runtime now accepts layout=1: compare with it directly")


# --------------------------------------------------------------------------
# torch, with the weights converted to PyTorch's gate order.

# Blocks of ONNX's gate order, listed in PyTorch's order.
TORCH_ORDER = {"LSTM": [0, 2, 3, 1],   # ONNX i, o, f, c -> PyTorch i, f, g(=c), o
               "GRU": [1, 0, 2],       # ONNX z, r, h    -> PyTorch r, z, n(=h)
               "RNN": [0]}


def _reorder(a, op, H):
    return np.concatenate([a[k * H:(k + 1) * H] for k in TORCH_ORDER[op]], axis=0)


def run_torch(case, w, x, lens, h0, c0, dtype):
    H, D, G = case.H, case.D, GATES[case.op]
    kw = dict(input_size=case.X, hidden_size=H, bias=case.bias, batch_first=bool(case.layout),
              bidirectional=case.D == 2)
    if case.op == "LSTM":
        m = torch.nn.LSTM(**kw)
    elif case.op == "GRU":
        m = torch.nn.GRU(**kw)
    else:
        acts = set(case.activations or ["Tanh"])
        assert len(acts) == 1
        m = torch.nn.RNN(nonlinearity=acts.pop().lower(), **kw)
    m = m.to(dtype)
    sd = {}
    for d in range(D):
        sfx = "_l0" + ("_reverse" if d else "")
        sd["weight_ih" + sfx] = _reorder(w["W"][d], case.op, H)
        sd["weight_hh" + sfx] = _reorder(w["R"][d], case.op, H)
        if case.bias:
            sd["bias_ih" + sfx] = _reorder(w["B"][d, :G * H], case.op, H)
            sd["bias_hh" + sfx] = _reorder(w["B"][d, G * H:], case.op, H)
    m.load_state_dict({k: torch.from_numpy(v.astype(np.float64)).to(dtype)
                       for k, v in sd.items()})
    # A single-direction reverse ONNX node is PyTorch's reverse direction alone:
    # run it by reversing each sequence within its own length.
    rev = case.direction == "reverse"
    xt = torch.from_numpy(x.astype(np.float64)).to(dtype)
    bf = bool(case.layout)
    B, T = case.B, case.T
    L = np.full(B, T) if lens is None else np.asarray(lens)
    if rev:
        xt = _flip_within(xt, L, bf)

    def state(a):
        if a is None:
            return torch.zeros((D, B, H), dtype=dtype)
        a = torch.from_numpy(a.astype(np.float64)).to(dtype)
        return a.transpose(0, 1).contiguous() if bf else a   # torch: (D, B, H) always

    hx = (state(h0), state(c0)) if case.op == "LSTM" else state(h0)
    with torch.no_grad():
        packed = torch.nn.utils.rnn.pack_padded_sequence(
            xt, torch.tensor(L, dtype=torch.int64), batch_first=bf, enforce_sorted=False)
        out, st = m(packed, hx)
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=bf, total_length=T)
    if rev:
        out = _flip_within(out, L, bf)
    out = out.numpy().astype(np.float64)
    h_n, c_n = (st[0], st[1]) if case.op == "LSTM" else (st, None)
    h_n = h_n.numpy().astype(np.float64)
    c_n = None if c_n is None else c_n.numpy().astype(np.float64)
    # output (T, B, D*H) or (B, T, D*H) -> ONNX Y; h_n (D, B, H) -> Y_h
    if bf:
        Y = out.reshape(B, T, D, H)
        Y_h = h_n.transpose(1, 0, 2)
        Y_c = None if c_n is None else c_n.transpose(1, 0, 2)
    else:
        Y = out.reshape(T, B, D, H).transpose(0, 2, 1, 3)
        Y_h, Y_c = h_n, c_n
    return Y, Y_h, Y_c


def _flip_within(a, lens, batch_first):
    """Reverses each sequence's first len steps; the padding stays put."""
    a = a.clone()
    for b, n in enumerate(lens):
        n = int(n)
        if batch_first:
            a[b, :n] = a[b, :n].flip(0)
        else:
            a[:n, b] = a[:n, b].flip(0)
    return a


def reference_evaluator_skips(case):
    """Why onnx 1.16's ReferenceEvaluator cannot witness the case (None if it
    can).  Besides direction, sequence_lens and layout (see run_onnx_reference)
    it ignores clip, input_forget and the activations attribute of GRU and
    LSTM (always sigmoid / tanh), and its RNN knows only Tanh and Affine (with
    one alpha and beta per direction); it does implement the GRU's
    linear_before_reset = 0 and 1 and the LSTM's peepholes."""
    if (case.direction != "forward" or case.lengths is not None or case.node
            or case.layout != 0):
        return "it only runs forward, layout 0, no sequence_lens, single-node cases"
    if case.clip is not None:
        return "it ignores clip"
    if case.input_forget:
        return "it ignores input_forget"
    if case.op == "RNN":
        if not set(case.activations or ["Tanh"]) <= {"Tanh", "Affine"}:
            return "its RNN knows only the Tanh and Affine activations"
    elif (case.activations not in (None, DEFAULT_ACTS[case.op] * case.D)
          or case.alpha is not None or case.beta is not None):
        return f"it ignores the {case.op}'s activations attribute (always sigmoid / tanh)"
    return None


def run_onnx_reference(case, w, x, h0, c0):
    """onnx's own reference evaluator on the float64 twin, where it applies:
    it handles one direction only, ignores direction="reverse" and
    sequence_lens, mishandles layout=1 and has no Y_c for LSTM; so
    forward, layout 0, no sequence_lens, and Y, Y_h only."""
    if reference_evaluator_skips(case):
        return None
    model, outs = build_model(case, w, dtype="float64")
    feeds = {"X": x.astype(np.float64)}
    if h0 is not None:
        feeds["initial_h"] = h0.astype(np.float64)
    if c0 is not None:
        feeds["initial_c"] = c0.astype(np.float64)
    return list(ReferenceEvaluator(model).run(outs[:2], feeds))


# --------------------------------------------------------------------------
# Checks, measurements, files


def _max_diff(a, b):
    return max(float(np.max(np.abs(np.asarray(p, np.float64) - np.asarray(q, np.float64))))
               for p, q in zip(a, b) if p is not None)


def _shapes_agree(case, what, a, b):
    for p, q, n in zip(a, b, ("Y", "Y_h", "Y_c")):
        if (p is None) != (q is None) or (p is not None and p.shape != q.shape):
            sys.exit(f"{case.name}: {what}: {n} shapes differ: "
                     f"{None if p is None else p.shape} vs {None if q is None else q.shape}")


def _agree(case, what, a, b, limit):
    _shapes_agree(case, what, a, b)
    d = _max_diff(a, b)
    if not d <= limit:
        sys.exit(f"{case.name}: {what} disagrees by {d:.3g} (limit {limit:g})")
    return d


def _clean(d, names):
    for n in names:
        p = os.path.join(d, n)
        if os.path.exists(p):
            os.remove(p)


def _other_weights(case):
    """The first node's weights in a two-node graph (not the one run)."""
    rng = np.random.RandomState(case.seed + 50)
    k = 1 / np.sqrt(case.H)
    G, D, H, X = GATES[case.op], case.D, case.H, case.X
    o = {"W": rng.uniform(-k, k, (D, G * H, X)).astype(np.float32),
         "R": rng.uniform(-k, k, (D, G * H, H)).astype(np.float32)}
    if case.bias:
        o["B"] = rng.uniform(-k, k, (D, 2 * G * H)).astype(np.float32)
    return o


def write_case(case, root):
    w, x, lens, h0, c0 = draw(case)
    other = _other_weights(case) if case.node else None
    stats = {}
    expected = reference(case, w, x, lens, h0, c0, np.float64, stats=stats)
    T, B, D, H = case.T, case.B, case.D, case.H
    want_y = (B, T, D, H) if case.layout else (T, D, B, H)
    want_s = (B, D, H) if case.layout else (D, B, H)
    assert expected[0].shape == want_y and expected[1].shape == want_s
    assert all(np.all(np.isfinite(a)) for a in expected if a is not None)

    # Witnesses of the float64 expectation.
    checks, torch64 = {}, None
    if not case.variant:
        torch64 = run_torch(case, w, x, lens, h0, c0, torch.float64)
        checks["torch_float64"] = _agree(case, "torch float64", expected, torch64, SELF_CHECK)
    ref = run_onnx_reference(case, w, x, h0, c0)
    if ref is not None:
        checks["onnx_reference_float64"] = _agree(case, "onnx ReferenceEvaluator float64 "
                                                  "(Y, Y_h)", expected[:2], ref, SELF_CHECK)
    if case.layout == 1:
        check_ort_refuses_layout1(case, w, other)

    # How far float32 arithmetic lands from the float64 answer.
    ort32, ort_note = run_ort(case, w, x, lens, h0, c0, other)
    _shapes_agree(case, "onnxruntime float32", expected, ort32)
    f32 = {"onnxruntime_float32": ort32}
    if not case.variant:
        f32["torch_float32"] = run_torch(case, w, x, lens, h0, c0, torch.float32)
    f32["numpy_float32_blas"] = reference(case, w, x, lens, h0, c0, np.float32, "blas")
    f32["numpy_float32_sequential"] = reference(case, w, x, lens, h0, c0, np.float32,
                                                "sequential")
    measured = {k: float(f"{_max_diff(v, expected):.3g}") for k, v in f32.items()}
    worst = max(measured.values())
    tol = DEFAULT_ATOL if worst * SAFETY <= DEFAULT_ATOL else _round_up_125(worst * SAFETY)
    # ONNX Runtime must agree with the float64 answer and with torch.
    _agree(case, "onnxruntime float32 vs the float64 expectation", expected, ort32, tol)
    if torch64 is not None:
        _agree(case, "onnxruntime float32 vs torch float64", torch64, ort32, tol)
    variant_meta = check_variant(case, w, x, lens, h0, c0, expected, stats, tol) \
        if case.variant else {}
    # Outputs past a sequence's length must be exactly 0 in every witness.
    if lens is not None:
        for nm, y in [("expected", expected[0]), ("onnxruntime", ort32[0])]:
            for b, n in enumerate(lens):
                pad = y[b, n:] if case.layout else y[n:, :, b]
                if np.any(pad != 0):
                    sys.exit(f"{case.name}: {nm} Y is not 0 past sequence {b}'s length {n}")

    model, _ = build_model(case, w, other=other)
    attributes = {a.name: helper.get_attribute_value(a) for a in model.graph.node[-1].attribute}
    attributes = {k: (v.decode() if isinstance(v, bytes) else
                      [x.decode() if isinstance(x, bytes) else x for x in v]
                      if isinstance(v, list) else v)
                  for k, v in sorted(attributes.items())}
    d = os.path.join(root, case.name)
    os.makedirs(d, exist_ok=True)
    _clean(d, ("h0.npy", "c0.npy", "lengths.npy"))
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    np.save(os.path.join(d, "input.npy"), x)
    if h0 is not None:
        np.save(os.path.join(d, "h0.npy"), h0)
    if c0 is not None:
        np.save(os.path.join(d, "c0.npy"), c0)
    if lens is not None:
        np.save(os.path.join(d, "lengths.npy"), lens.astype(case.lengths_dtype))
    out = {"Y": expected[0], "Y_h": expected[1]}
    if case.op == "LSTM":
        out["Y_c"] = expected[2]
    np.savez(os.path.join(d, "expected.npz"), **{k: v.astype(np.float32) for k, v in out.items()})

    node_inputs = {"X": True, "W": True, "R": True, "B": case.bias,
                   "sequence_lens": case.lengths is not None, "initial_h": case.h0}
    if case.op == "LSTM":
        node_inputs.update({"initial_c": case.c0, "P": case.peephole})
    storage = {nm: (("float_data" if case.dtype == "float32" else "double_data")
                    if _storage_of(case, nm) == "typed" else "raw_data")
               for nm in ("W", "R", "B", "P") if nm in w}
    how = (f"np.random.RandomState({case.seed}); W, R, B drawn U(-1/sqrt(H), 1/sqrt(H)) as "
           f"float32 (PyTorch's init scale); X and initial states N(0,1) float32; expected = "
           f"a NumPy float64 statement of the ONNX equations on those float32 values, stored "
           f"as float32; checked against torch float64 (weights reordered to PyTorch's gate "
           f"order, sequence_lens via pack_padded_sequence"
           f"{', reverse as a flip within each length' if case.direction == 'reverse' else ''})"
           f" within {SELF_CHECK:g}"
           f"{' and onnx ReferenceEvaluator float64' if ref is not None else ''}; "
           f"{ort_note}, within the tolerance")
    if case.variant:
        how = (f"np.random.RandomState({case.seed}); W, R, B{', P' if case.peephole else ''} "
               f"drawn U(-1/sqrt(H), 1/sqrt(H)) as float32 (PyTorch's init scale); X and "
               f"initial states N(0,1) float32; expected = a NumPy float64 statement of the "
               f"ONNX equations as ONNX Runtime 1.18 computes them (onnx_forward) on those "
               f"float32 values (alpha, beta and clip: their float32 attribute values), "
               f"stored as float32; not checked against torch: {variant_meta['torch_note']}; "
               + (f"checked against onnx ReferenceEvaluator float64 within {SELF_CHECK:g}; "
                  if ref is not None else
                  f"not against onnx's ReferenceEvaluator: "
                  f"{variant_meta['onnx_reference_note']}; ")
               + f"{ort_note}, within the tolerance")
    terms = f"K = X + H = {case.X + case.H} terms per dot"
    tol_why = (f"atol {tol:g}: expected is float64-exact for the float32 data; float32 "
               f"arithmetic differs by rounding only (measured up to {worst:.3g} here, "
               f"ONNX Runtime float32 {measured['onnxruntime_float32']:.3g}; {terms}, "
               f"{case.T} steps)")
    tol_why += (", the default 1e-5 is over ten times that" if tol == DEFAULT_ATOL
                else f", tolerance set to {SAFETY:g}x the measurement")
    meta = {
        "format": "onnx", "op": case.op, "opset": OPSET,
        "hidden_size": H, "direction": case.direction, "layout": case.layout,
        "T": case.T, "B": case.B, "X": case.X, "D": D,
        "node_inputs": node_inputs, "node_attributes": attributes,
        "initializer_type": case.dtype, "initializer_storage": storage,
        "symbolic_dims": case.symbolic,
        "h0": case.h0, "c0": case.c0, "lengths": case.lengths is not None,
        "tolerance": tol,
        "why": f"{case.why}. {how}. {tol_why}.",
        "float32_vs_float64_measured": worst,
        "float32_vs_float64_by_method": measured,
        "witnesses_float64": {k: float(f"{v:.3g}") for k, v in checks.items()},
        "seed": case.seed,
    }
    if case.op == "GRU":
        meta["linear_before_reset"] = case.lbr
    if case.op == "RNN":
        meta["activations"] = case.activations or ["Tanh"] * D
        meta["activations_attribute"] = case.activations is not None
    meta.update(variant_meta)
    if case.lengths is not None:
        meta["lengths_values"] = list(case.lengths)
        meta["lengths_dtype"] = case.lengths_dtype
    if case.layout == 1:
        meta["layout1_note"] = ort_note
    if case.dtype != "float32":
        meta["dtype_note"] = ort_note
    if case.node:
        meta["node"] = case.node
        meta["graph_nodes"] = ["lstm_first", case.node]
    meta["expected_outputs"] = {k: list(v.shape) for k, v in out.items()}
    meta["generated_with"] = {"onnx": onnx.__version__, "onnxruntime": ort.__version__,
                              "numpy": np.__version__, "torch": torch.__version__}
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    return meta


def check_variant(case, w, x, lens, h0, c0, expected, stats, tol):
    """The checks and notes of a case with a feature PyTorch lacks: that each
    feature bites (clip changes some pre-activations but not all; every
    mistake listed in mistakes() moves the outputs by over 10x the
    tolerance), that no ThresholdedRelu input sits within float32 rounding of
    its threshold.  Returns the keys it adds to case.json."""
    meta = {}
    feats = []
    if case.lbr == 0:
        feats.append("linear_before_reset=0")
    if case.peephole:
        feats.append("peepholes")
    if case.input_forget:
        feats.append("input_forget")
    if case.clip is not None:
        feats.append("clip")
    if case.acts_variant:
        feats.append("activation functions other than sigmoid / tanh (relu for RNN), nor "
                     "activation_alpha / activation_beta")
    meta["torch_note"] = ("PyTorch's nn.RNN/GRU/LSTM have no " + ", no ".join(feats)
                          + ", so torch is not a witness here (torch_float32 is left out of "
                          "the measurements too)")
    why_not = reference_evaluator_skips(case)
    if why_not:
        meta["onnx_reference_note"] = why_not
    if case.activations is not None or case.alpha is not None or case.beta is not None:
        meta["activations"] = list(case.activations or DEFAULT_ACTS[case.op] * case.D)
        if case.alpha is not None:
            meta["activation_alpha"] = list(case.alpha)
        if case.beta is not None:
            meta["activation_beta"] = list(case.beta)
        meta["activations_resolved"] = [
            [{"function": nm, **({"alpha": a} if a is not None else {}),
              **({"beta": b} if b is not None else {})} for nm, a, b in per_dir]
            for per_dir in resolve_activations(case.op, case.D, case.activations,
                                               case.alpha, case.beta)]
    if case.clip is not None:
        frac = stats["clipped"] / stats["clip_seen"]
        if not 0 < frac < 1:
            sys.exit(f"{case.name}: clip {case.clip} changes {frac:.3g} of the pre-activations")
        meta["clip"] = case.clip
        meta["clip_fraction"] = float(f"{frac:.3g}")
        meta["clip_note"] = (f"clip changed {stats['clipped']} of the {stats['clip_seen']} "
                             f"pre-activations computed at steps within the sequences' lengths")
    if case.input_forget:
        meta["input_forget"] = 1
    if "threshold_margin" in stats:
        m = stats["threshold_margin"]
        if not m > 1e-3:
            sys.exit(f"{case.name}: a ThresholdedRelu input lies {m:.3g} from alpha")
        meta["threshold_margin"] = float(f"{m:.3g}")
    if "regions" in stats:
        meta["activation_regions"] = {
            k: f"{n}/{t} inputs " + ("at or below alpha" if k.startswith("Thresholded") else
                                     "clamped to 0 or 1" if k.startswith("HardSigmoid") else
                                     "negative")
            for k, (n, t) in sorted(stats["regions"].items())}
        for k, (n, t) in stats["regions"].items():
            if k.startswith("Thresholded") and not 0 < n < t:
                sys.exit(f"{case.name}: {k}: {n} of {t} inputs at or below alpha")
    moved = {}
    for what, kw in mistakes(case, w):
        try:
            wrong = reference(case, w, x, lens, h0, c0, np.float64, **kw)
        except ValueError:
            continue
        moved[what] = float(f"{_max_diff(wrong, expected):.3g}")
        if not moved[what] > 10 * tol:
            sys.exit(f"{case.name}: the mistake '{what}' moves the outputs by only "
                     f"{moved[what]:.3g}")
    meta["mistakes_move_outputs_by"] = moved
    return meta


def mistakes(case, w):
    """(description, reference() arguments) of errors an implementation could
    make, for the case's features."""
    out = []
    if case.lbr == 0:
        out.append(("linear_before_reset=1 instead of 0", {"linear_before_reset": 1}))
    if case.clip is not None:
        out.append(("no clip", {"clip": None}))
        if case.bias and case.op != "GRU":
            out.append(("clip before the biases are added", {"mistake": "clip_before_bias"}))
        if case.op == "LSTM":
            out.append(("C_t clipped before h (ONNX Runtime does not)",
                        {"mistake": "clip_cell"}))
        if case.op == "GRU":
            out.append(("n's input part X Wh^T + Wbh and recurrent part clipped apart",
                        {"mistake": "clip_n_parts"}))
    if case.peephole:
        P = w["P"]
        H = case.H
        out.append(("no peepholes", {"P": None}))
        out.append(("P read in the order i, f, o",
                    {"P": np.concatenate([P[:, :H], P[:, 2 * H:], P[:, H:2 * H]], axis=1)}))
        out.append(("o's peephole on C_{t-1} instead of C_t", {"mistake": "o_peephole_prev"}))
    if case.input_forget:
        out.append(("input_forget ignored", {"input_forget": False}))
    if case.activations is not None or case.alpha is not None or case.beta is not None:
        out.append(("activations attribute ignored (defaults)",
                    {"activations": None, "alpha": None, "beta": None}))
        if case.alpha is not None or case.beta is not None:
            out.append(("activation_alpha/beta ignored (each function's default)",
                        {"alpha": None, "beta": None}))
            mine = resolve_activations(case.op, case.D, case.activations, case.alpha, case.beta)
            pos = resolve_activations(case.op, case.D, case.activations, case.alpha, case.beta,
                                      by_position=True)
            if mine != pos:
                out.append(("alpha/beta taken by function position, not consumed in order",
                            {"mistake": "alpha_by_position"}))
    return out


def write_refused(r, root):
    """A valid model (ONNX Runtime runs it) that rnnscan must refuse."""
    rng = np.random.RandomState(r.seed)
    T, B, X, H = r.T, r.B, r.X, r.H
    G = GATES[r.op]
    D = 2 if r.kw.get("attrs", {}).get("direction") == "bidirectional" else 1
    k = 1 / np.sqrt(H)
    W = rng.uniform(-k, k, (D, G * H, X)).astype(np.float32)
    R = rng.uniform(-k, k, (D, G * H, H)).astype(np.float32)
    Bv = rng.uniform(-k, k, (D, 2 * G * H)).astype(np.float32)
    x = rng.standard_normal((T, B, X)).astype(np.float32)
    outs = ["Y", "Y_h"] + (["Y_c"] if r.op == "LSTM" else [])
    attrs = {"hidden_size": H}
    attrs.update(r.kw.get("attrs", {}))   # the GRU's linear_before_reset is left out: 0
    ins = ["X", "W", "R", "B"]
    inits = [numpy_helper.from_array(W, "W"), numpy_helper.from_array(R, "R"),
             numpy_helper.from_array(Bv, "B")]
    graph_in = [helper.make_tensor_value_info("X", TensorProto.FLOAT, [T, B, X])]
    feeds = {"X": x}
    if r.kw.get("w_input"):
        inits = inits[1:]
        graph_in.append(helper.make_tensor_value_info("W", TensorProto.FLOAT, [1, G * H, X]))
        feeds["W"] = W
    nodes = [helper.make_node(r.op, ins, outs, name=r.op.lower() + "0", **attrs)]
    shapes = [[T, D, B, H], [D, B, H], [D, B, H]]
    outputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, s)
               for n, s in zip(outs, shapes)]
    if r.kw.get("two_nodes"):
        W2 = rng.uniform(-k, k, W.shape).astype(np.float32)
        R2 = rng.uniform(-k, k, R.shape).astype(np.float32)
        inits += [numpy_helper.from_array(W2, "W2"), numpy_helper.from_array(R2, "R2")]
        outs2 = [n + "_2" for n in outs]
        nodes.append(helper.make_node("LSTM", ["X", "W2", "R2"], outs2, name="lstm1",
                                      hidden_size=H))
        outputs += [helper.make_tensor_value_info(n, TensorProto.FLOAT, s)
                    for n, s in zip(outs2, shapes)]
    model = finish(helper.make_graph(nodes, r.name, graph_in, outputs, inits))
    # Valid: ONNX Runtime runs it.
    res = ort_session(model).run(None, feeds)
    assert all(np.all(np.isfinite(a)) for a in res)

    d = os.path.join(root, r.name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    np.save(os.path.join(d, "input.npy"), x)
    meta = {"format": "onnx", "op": r.op, "opset": OPSET, "expect_error": r.expect,
            "why": r.why + ". The model is valid ONNX (onnx.checker full_check passes and "
                   "ONNX Runtime runs it); input.npy is an X [T][B][X] float32 that fits it, "
                   "so the only thing wrong is the unsupported feature",
            "T": T, "B": B, "X": X, "hidden_size": H, "seed": r.seed}
    with open(os.path.join(d, "refused.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=HERE,
                    help="folder that receives onnx_cases/ and onnx_refused/ "
                         "(default: beside this script)")
    ap.add_argument("--only", action="append", default=[],
                    help="write only the named case or refused model (repeatable)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    names = [c.name for c in CASES] + [r.name for r in REFUSED]
    assert len(set(names)) == len(names), "duplicate case names"
    for sub in ("onnx_cases", "onnx_refused"):
        os.makedirs(os.path.join(args.out, sub), exist_ok=True)
    for case in CASES:
        if args.only and case.name not in args.only:
            continue
        m = write_case(case, os.path.join(args.out, "onnx_cases"))
        print(f"onnx_cases/{case.name}: tolerance {m['tolerance']:g}, float32 vs float64 "
              f"{m['float32_vs_float64_measured']:.3g} (onnxruntime "
              f"{m['float32_vs_float64_by_method']['onnxruntime_float32']:.3g})")
    for r in REFUSED:
        if args.only and r.name not in args.only:
            continue
        write_refused(r, os.path.join(args.out, "onnx_refused"))
        print(f"onnx_refused/{r.name}: expects an error containing {r.expect!r}")
    if not args.only or EXTERNAL_FROM + "_external" in args.only:
        write_external_copy(os.path.join(args.out, "onnx_cases"))


# One case again with every initializer in an external file (weights.bin
# beside model.onnx): the loader must find it in the model's directory.
EXTERNAL_FROM = "onnx_lstm_fwd_T5_B3_X4_H6_bias_h0_c0"


def write_external_copy(root):
    src = os.path.join(root, EXTERNAL_FROM)
    dst = src + "_external"
    os.makedirs(dst, exist_ok=True)
    if os.path.exists(os.path.join(dst, "weights.bin")):  # onnx appends to an existing one
        os.remove(os.path.join(dst, "weights.bin"))
    for name in ("input.npy", "h0.npy", "c0.npy", "expected.npz"):
        shutil.copyfile(os.path.join(src, name), os.path.join(dst, name))
    onnx.save_model(onnx.load(os.path.join(src, "model.onnx")), os.path.join(dst, "model.onnx"),
                    save_as_external_data=True, all_tensors_to_one_file=True,
                    location="weights.bin", size_threshold=0)
    with open(os.path.join(src, "case.json")) as f:
        meta = json.load(f)
    meta["why"] = meta.get("why", "") + (
        f" Same model as {EXTERNAL_FROM} with every initializer stored as external data "
        "(weights.bin beside model.onnx, onnx.save_model(save_as_external_data=True, "
        "size_threshold=0)): the loader reads them from the model's directory.")
    meta["external_data"] = True
    with open(os.path.join(dst, "case.json"), "w") as f:
        json.dump(meta, f, indent=2)
    print(f"onnx_cases/{os.path.basename(dst)}: {EXTERNAL_FROM} with external data")


if __name__ == "__main__":
    main()
