"""rnnscan: PyTorch's nn.RNN / nn.LSTM / nn.GRU forward passes on OpenCL
devices and the CPU, from numpy arrays or CPU torch tensors.

    import rnnscan
    model = rnnscan.from_torch(lstm, backend="opencl")   # or "cpu", "reference"
    out, (h_n, c_n) = model(x, (h0, c0), lengths=lengths)

Pure Python over the C library (ctypes); see the README's "Python" section.
"""
from ._context import Context, context
from ._devices import Device, devices
from ._files import load_npz, load_onnx
from ._native import lib as _lib, text as _text
from ._torch import from_torch
from .errors import (BuildFailed, DeviceNotFound, Error, FileError, FormatError,
                     InvalidArgument, NoDevice, NotSupported, OpenCLError, OutOfMemory,
                     TooLarge)
from .group import Group, group
from .model import Model

__version__ = _text(_lib.rnnscan_version_string())

__all__ = [
    "from_torch", "load_npz", "load_onnx", "devices", "context", "group", "Model", "Group",
    "Context", "Device",
    "Error", "InvalidArgument", "NotSupported", "OutOfMemory", "TooLarge", "NoDevice",
    "DeviceNotFound", "OpenCLError", "BuildFailed", "FileError", "FormatError",
]
