"""from_torch: a Model with the weights of an nn.RNN, nn.LSTM or nn.GRU."""
import numpy as np

from . import _context, _native, _structs
from ._native import lib
from ._devices import devices
from .errors import InvalidArgument, NoDevice, NotSupported
from .group import Group
from .model import Model

# nn.RNNBase.mode -> rnnscan's cell name
_CELLS = {"RNN_TANH": "rnn_tanh", "RNN_RELU": "rnn_relu", "LSTM": "lstm", "GRU": "gru"}


def from_torch(module, backend="opencl", device=None, schedule="auto", weight_type="f32"):
    """A Model computing what `module` (nn.RNN with tanh or relu, nn.LSTM with
    or without proj_size, nn.GRU; any num_layers, bidirectional, batch_first,
    bias) computes in eval mode: dropout between layers is not applied.  The
    weights are copied at this call; later changes to the module do not
    reach the model.

    backend: "opencl", "cpu" or "reference"; device: an OpenCL device (see
    rnnscan.context), or several - "all", a list such as [0, 1], or "0,1" -
    for a Group that splits each batch between them; schedule: "auto",
    "host" or "persistent" (OpenCL); weight_type: "f32", "f16" or "bf16"
    (weights rounded once, math in float32).
    """
    import torch

    several = _device_list(backend, device)
    if several is not None:
        return Group([from_torch(module, backend, d, schedule, weight_type) for d in several])

    if not isinstance(module, torch.nn.RNNBase):
        raise InvalidArgument("from_torch takes an nn.RNN, nn.LSTM or nn.GRU, not %s"
                              % type(module).__name__)
    cell = _CELLS.get(module.mode)
    if cell is None:
        raise NotSupported("from_torch: module mode %r is not supported" % module.mode)
    desc = _structs.ModelDesc(
        cell=_structs.CELLS.index(cell),
        input_size=module.input_size,
        hidden_size=module.hidden_size,
        num_layers=module.num_layers,
        bidirectional=int(module.bidirectional),
        batch_first=int(module.batch_first),
        weight_type=_native.parse_name(lib.rnnscan_weight_type_parse, weight_type,
                                       "weight_type"),
        proj_size=getattr(module, "proj_size", 0))
    keep_alive = []  # the float32 copies the weight structs point to
    weights = (_structs.Weights * (module.num_layers * (2 if module.bidirectional else 1)))()
    for index, (layer, suffix) in enumerate(_layer_directions(module)):
        shapes = _parameter_shapes(module, cell, layer)
        arrays = {}
        for name, shape in shapes.items():
            array = _parameter(module, name + suffix, shape)
            keep_alive.append(array)
            arrays[name] = None if array is None else array.ctypes.data
        weights[index] = _structs.Weights(
            w_ih=arrays["weight_ih"], w_hh=arrays["weight_hh"], b_ih=arrays["bias_ih"],
            b_hh=arrays["bias_hh"], w_hr=arrays["weight_hr"])
    shared = _context.context(backend, device)
    return Model(shared, lambda ctx, out: lib.rnnscan_model_create(ctx, desc, weights, out),
                 schedule)


def _device_list(backend, device):
    """The devices of "all", [0, 1] or "0,1"; None for one device."""
    if isinstance(device, (list, tuple)):
        several = list(device)
    elif isinstance(device, str) and (device == "all" or "," in device):
        several = ([d.index for d in devices()] if device == "all"
                   else [part.strip() for part in device.split(",") if part.strip()])
        if not several:
            raise NoDevice("device=%r: no OpenCL device found" % device)
    else:
        return None
    if backend != "opencl":
        raise InvalidArgument("device=%r: a list of devices is for the opencl backend, not %s"
                              % (device, backend))
    if not several:
        raise InvalidArgument("device=[]: no device named")
    return several


def _layer_directions(module):
    """(layer, parameter name suffix) in rnnscan's order, index layer * D + direction."""
    for layer in range(module.num_layers):
        yield layer, "_l%d" % layer
        if module.bidirectional:
            yield layer, "_l%d_reverse" % layer


def _parameter_shapes(module, cell, layer):
    """The shape each parameter must have (None: absent), so that the library,
    which takes bare pointers, never reads past one."""
    hidden = module.hidden_size
    proj = getattr(module, "proj_size", 0)
    state = proj or hidden
    directions = 2 if module.bidirectional else 1
    rows = _structs.CELL_GATES[cell] * hidden
    width = module.input_size if layer == 0 else directions * state
    return {
        "weight_ih": (rows, width),
        "weight_hh": (rows, state),
        "bias_ih": (rows,) if module.bias else None,
        "bias_hh": (rows,) if module.bias else None,
        "weight_hr": (proj, hidden) if proj else None,
    }


def _parameter(module, name, shape):
    """The parameter as a C-contiguous float32 numpy copy, checked against `shape`."""
    if shape is None:
        return None
    tensor = getattr(module, name, None)
    if tensor is None:
        raise InvalidArgument("the module has no parameter %s" % name)
    array = np.ascontiguousarray(tensor.detach().float().cpu().numpy())
    if array.shape != shape:
        raise InvalidArgument("%s has shape %s; expected %s" % (name, array.shape, shape))
    return array
