"""load_npz (state_dicts saved with np.savez) and load_onnx (one node of an
ONNX file) on every backend, and their failures."""
import json
import pathlib

import numpy as np
import pytest
import torch

import rnnscan
from torch_models import assert_close, assert_same_outputs, make_module, torch_forward

ONNX_CASES = pathlib.Path(__file__).resolve().parents[1] / "golden" / "onnx_cases"
ONNX_REFUSED = pathlib.Path(__file__).resolve().parents[1] / "golden" / "onnx_refused"


def save_state_dict(module, path):
    np.savez(path, **{k: v.numpy() for k, v in module.state_dict().items()})
    return path


@pytest.mark.parametrize("cell,options", [
    ("gru", dict(num_layers=2, bidirectional=True, batch_first=True)),
    ("lstm", dict(num_layers=2, bidirectional=True, proj_size=3)),
    ("rnn_relu", dict(bias=False)),
], ids=["gru", "lstm_proj", "rnn_relu_nobias"])
def test_load_npz(backend, tmp_path, cell, options):
    module = make_module(cell, **options)
    path = save_state_dict(module, tmp_path / "weights.npz")
    model = rnnscan.load_npz(str(path), cell=cell, num_layers=module.num_layers,
                             bidirectional=module.bidirectional,
                             batch_first=module.batch_first, backend=backend)
    assert model.proj_size == options.get("proj_size", 0)
    x = torch.randn((3, 6, 5) if module.batch_first else (6, 3, 5))
    assert_same_outputs(model(x, lengths=[6, 2, 4]), torch_forward(module, x, lengths=[6, 2, 4]))


def test_load_npz_failures(tmp_path):
    path = save_state_dict(make_module("gru", num_layers=2), tmp_path / "weights.npz")
    with pytest.raises(rnnscan.FormatError, match="weight_ih_l2"):  # a third layer is absent
        rnnscan.load_npz(path, cell="gru", num_layers=3, backend="reference")
    with pytest.raises(rnnscan.FormatError):  # GRU arrays read as an LSTM's: misshapen
        rnnscan.load_npz(path, cell="lstm", num_layers=2, backend="reference")
    with pytest.raises(rnnscan.InvalidArgument, match="unknown cell 'transformer'"):
        rnnscan.load_npz(path, cell="transformer", backend="reference")
    with pytest.raises(rnnscan.InvalidArgument, match="num_layers"):
        rnnscan.load_npz(path, cell="gru", num_layers=0, backend="reference")
    with pytest.raises(rnnscan.FileError):
        rnnscan.load_npz(tmp_path / "missing.npz", cell="gru", backend="reference")
    (tmp_path / "garbage.npz").write_bytes(b"not a zip archive")
    with pytest.raises(rnnscan.FormatError):
        rnnscan.load_npz(tmp_path / "garbage.npz", cell="gru", backend="reference")


def onnx_case(name):
    """(model path, inputs, ONNX's expected outputs in rnnscan's shapes, case.json)."""
    folder = ONNX_CASES / name
    case = json.loads((folder / "case.json").read_text())
    inputs = {f.stem: np.load(f) for f in folder.glob("*.npy")}
    expected = dict(np.load(folder / "expected.npz"))
    steps, batch = case["T"], case["B"]
    # ONNX's Y (T, D, B, H) is rnnscan's out (T, B, D*H), the same data reordered.
    expected["Y"] = expected["Y"].transpose(0, 2, 1, 3).reshape(steps, batch, -1)
    return folder / "model.onnx", inputs, expected, case


@pytest.mark.parametrize("name", ["onnx_lstm_bidir_T7_B4_X3_H4_len64_bias_h0",
                                  "onnx_gru_fwd_T6_B3_X5_H4_bias_h0",
                                  "onnx_lstm_fwd_T4_B2_X3_H3_bias_h0_node"])
def test_load_onnx(backend, name):
    path, inputs, expected, case = onnx_case(name)
    model = rnnscan.load_onnx(path, node=case.get("node"), backend=backend)
    h0 = inputs.get("h0")
    hx = (h0, inputs.get("c0")) if case["op"] == "LSTM" else h0
    out, state = model(inputs["input"], hx, lengths=inputs.get("lengths"))
    assert_close(out, expected["Y"], "Y")
    if case["op"] == "LSTM":
        assert_close(state[0], expected["Y_h"], "Y_h")
        assert_close(state[1], expected["Y_c"], "Y_c")
    else:
        assert_close(state, expected["Y_h"], "Y_h")


def test_load_onnx_failures(tmp_path):
    two_nodes = ONNX_REFUSED / "two_lstm_nodes" / "model.onnx"
    with pytest.raises(rnnscan.InvalidArgument):  # which of the two nodes?
        rnnscan.load_onnx(two_nodes, backend="reference")
    with pytest.raises(rnnscan.InvalidArgument, match="no_such_node"):
        rnnscan.load_onnx(two_nodes, node="no_such_node", backend="reference")
    with pytest.raises(rnnscan.FileError):
        rnnscan.load_onnx(tmp_path / "missing.onnx", backend="reference")
    (tmp_path / "garbage.onnx").write_bytes(b"\xff" * 64)
    with pytest.raises(rnnscan.FormatError):
        rnnscan.load_onnx(tmp_path / "garbage.onnx", backend="reference")
