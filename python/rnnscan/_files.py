"""Models from files: PyTorch state_dicts saved with np.savez, and ONNX nodes."""
import os

from . import _context, _native, _structs
from ._native import lib
from .errors import InvalidArgument
from .model import Model


def load_npz(path, cell, num_layers=1, bidirectional=False, batch_first=False,
             backend="opencl", device=None, schedule="auto", weight_type="f32"):
    """A Model from a state_dict saved with
    np.savez(path, **{k: v.numpy() for k, v in module.state_dict().items()}),
    as `rnnscan run --weights` reads it: cell "rnn_tanh", "rnn_relu", "lstm"
    or "gru"; input, hidden and projection sizes come from the arrays.  A
    missing, extra or misshapen array raises rnnscan.FormatError naming it."""
    if not isinstance(num_layers, int) or num_layers < 1:
        raise InvalidArgument("num_layers must be a whole number >= 1, not %r" % (num_layers,))
    desc = _structs.ModelDesc(
        cell=_native.parse_name(lib.rnnscan_cell_parse, cell, "cell"),
        num_layers=num_layers,
        bidirectional=int(bool(bidirectional)),
        batch_first=int(bool(batch_first)),
        weight_type=_native.parse_name(lib.rnnscan_weight_type_parse, weight_type,
                                       "weight_type"))
    encoded = os.fsencode(path)
    shared = _context.context(backend, device)
    return Model(shared, lambda ctx, out: lib.rnnscan_model_load_npz(ctx, encoded, desc, out),
                 schedule)


def load_onnx(path, node=None, backend="opencl", device=None, schedule="auto"):
    """A Model from one RNN, GRU or LSTM node of an ONNX file (`node` names
    it; None: the graph's only one).  It is called like from_torch's models
    and answers in rnnscan's shapes, not ONNX's: out (T, B, D*H) where ONNX's
    Y is (T, D, B, H); h_n and c_n are ONNX's Y_h and Y_c.  Variants the
    library does not run raise rnnscan.NotSupported naming them."""
    encoded = os.fsencode(path)
    node_name = None if node is None else node.encode()
    shared = _context.context(backend, device)
    return Model(shared,
                 lambda ctx, out: lib.rnnscan_model_load_onnx(ctx, encoded, node_name, out),
                 schedule)
