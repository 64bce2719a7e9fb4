"""numpy arrays and CPU torch tensors in, the same kind out.

Inputs become C-contiguous float32 numpy arrays: a C-contiguous float32 array
or tensor is used as it is (no copy; a tensor's numpy view shares its memory),
float64 and strided inputs are converted into a copy, anything else is refused.
torch is never imported here: a tensor can only exist if the caller did.
"""
import sys

import numpy as np

from .errors import InvalidArgument


def is_tensor(value):
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def _as_numpy(name, value):
    if is_tensor(value):
        if value.device.type != "cpu":
            raise InvalidArgument("%s is on %s; rnnscan takes CPU tensors (call .cpu())"
                                  % (name, value.device))
        value = value.detach()
        if value.is_floating_point() and value.element_size() not in (4, 8):
            raise InvalidArgument("%s has dtype %s; rnnscan takes float32 (float64 is "
                                  "converted)" % (name, value.dtype))
        return value.numpy()
    if isinstance(value, np.ndarray):
        return value
    raise InvalidArgument("%s must be a numpy array or a CPU torch tensor, not %s"
                          % (name, type(value).__name__))


def as_float32(name, value):
    """`value` as a C-contiguous float32 ndarray, without copying when it is one."""
    array = _as_numpy(name, value)
    if array.dtype.kind != "f" or array.dtype.itemsize not in (4, 8):
        raise InvalidArgument("%s has dtype %s; rnnscan takes float32 (float64 is converted)"
                              % (name, array.dtype))
    return np.ascontiguousarray(array, dtype=np.float32)


def as_lengths(value, batch):
    """Per-sequence lengths (list, ndarray or tensor of integers) as the C
    int array rnnscan_run.lengths takes; their range is the library's check."""
    if is_tensor(value):
        value = value.detach().cpu().numpy()
    array = np.asarray(value)
    if array.dtype.kind not in "iu":
        raise InvalidArgument("lengths must be integers, got dtype %s" % array.dtype)
    if array.shape != (batch,):
        raise InvalidArgument("lengths has shape %s; expected (%d,), one per sequence"
                              % (tuple(array.shape), batch))
    as_int = np.ascontiguousarray(array, dtype=np.intc)
    if not np.array_equal(as_int, array):
        raise InvalidArgument("lengths %s do not fit a C int" % array.tolist())
    return as_int


def check_shape(name, array, expected):
    if tuple(array.shape) != tuple(expected):
        raise InvalidArgument("%s has shape %s; expected %s" % (name, tuple(array.shape),
                                                                tuple(expected)))


def address(array):
    """The data pointer rnnscan_run takes, or None (NULL) for no array."""
    return None if array is None else array.ctypes.data


def like(array, as_tensor):
    """An output in the caller's kind: a tensor sharing the array's memory, or the array."""
    if as_tensor:
        return sys.modules["torch"].from_numpy(array)
    return array
