"""Loads the shared library and declares the C functions the package calls.

Where the library comes from, first match wins:
1. $RNNSCAN_LIBRARY, a path (to test a build tree: build/librnnscan.so);
2. librnnscan.so beside this file, where `pip install .` puts it;
3. the system's librnnscan (a `meson install` into /usr/local, say).

ctypes.CDLL, not PyDLL: every call releases the GIL, so other Python threads
run while a scan does.
"""
import ctypes
import ctypes.util
import os
import pathlib
from ctypes import POINTER, byref, c_char_p, c_double, c_int, c_void_p

from . import _structs as s
from .errors import InvalidArgument, check

LIBRARY_ENV = "RNNSCAN_LIBRARY"


def _find_library():
    override = os.environ.get(LIBRARY_ENV)
    if override:
        return override
    beside = pathlib.Path(__file__).with_name("librnnscan.so")
    if beside.exists():
        return str(beside)
    found = ctypes.util.find_library("rnnscan")
    if found:
        return found
    raise ImportError(
        "rnnscan: librnnscan.so not found beside the package (%s), through $%s or on the "
        "system; install the package with `pip install .` from the repository"
        % (beside.parent, LIBRARY_ENV))


library_path = _find_library()
lib = ctypes.CDLL(library_path)

# name: (result type, argument types)
_PROTOTYPES = {
    "rnnscan_version_string": (c_char_p, []),
    "rnnscan_status_name": (c_char_p, [c_int]),
    "rnnscan_status_string": (c_char_p, [c_int]),
    "rnnscan_last_error": (c_char_p, []),
    "rnnscan_cell_parse": (c_int, [c_char_p, POINTER(c_int)]),
    "rnnscan_backend_parse": (c_int, [c_char_p, POINTER(c_int)]),
    "rnnscan_weight_type_parse": (c_int, [c_char_p, POINTER(c_int)]),
    "rnnscan_list_devices": (c_int, [POINTER(s.DeviceInfo), c_int, POINTER(c_int)]),
    "rnnscan_context_create": (c_int, [POINTER(s.ContextOptions), POINTER(c_void_p)]),
    "rnnscan_context_free": (None, [c_void_p]),
    "rnnscan_context_error": (c_char_p, [c_void_p]),
    "rnnscan_context_device_name": (c_char_p, [c_void_p]),
    "rnnscan_context_build_ms": (c_double, [c_void_p]),
    "rnnscan_model_create": (c_int, [c_void_p, POINTER(s.ModelDesc), POINTER(s.Weights),
                                     POINTER(c_void_p)]),
    "rnnscan_model_free": (None, [c_void_p]),
    "rnnscan_model_error": (c_char_p, [c_void_p]),
    "rnnscan_model_build_ms": (c_double, [c_void_p]),
    "rnnscan_model_last_schedule": (c_int, [c_void_p]),
    "rnnscan_model_describe": (s.ModelDesc, [c_void_p]),
    "rnnscan_model_scan": (c_int, [c_void_p, POINTER(s.Run)]),
    "rnnscan_model_load_npz": (c_int, [c_void_p, c_char_p, POINTER(s.ModelDesc),
                                       POINTER(c_void_p)]),
    "rnnscan_model_load_onnx": (c_int, [c_void_p, c_char_p, c_char_p, POINTER(c_void_p)]),
    "rnnscan_group_create": (c_int, [POINTER(c_void_p), c_int, POINTER(c_void_p)]),
    "rnnscan_group_scan": (c_int, [c_void_p, POINTER(s.Run)]),
    "rnnscan_group_shares": (c_int, [c_void_p, POINTER(c_int), c_int]),
    "rnnscan_group_free": (None, [c_void_p]),
}
for _name, (_restype, _argtypes) in _PROTOTYPES.items():
    _function = getattr(lib, _name)
    _function.restype = _restype
    _function.argtypes = _argtypes


def text(value):
    """A char * result as str ("" for NULL)."""
    return value.decode("utf-8", "replace") if value else ""


def last_error():
    """rnnscan_last_error(): the detail of this thread's last failed call."""
    return text(lib.rnnscan_last_error())


def parse_name(function, name, kind):
    """rnnscan_<kind>_parse: the enum value for a name, or InvalidArgument with
    the library's message listing the names it knows."""
    if not isinstance(name, str):
        raise InvalidArgument("%s must be a string, not %s" % (kind, type(name).__name__))
    value = c_int()
    check(function(name.encode(), byref(value)), last_error)
    return value.value
