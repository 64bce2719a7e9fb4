"""Contexts: one per (backend, device) for the whole process, shared by models.

An OpenCL context builds each kernel variant once for all of its models, so
models made one after another reuse each other's builds.  The library lets a
context and its models be used by one thread at a time; each Context holds a
lock that every call on it or on its models takes.
"""
import threading
import weakref
from ctypes import byref, c_void_p

from . import _native, _structs
from ._handle import Handle
from ._native import lib, text
from .errors import InvalidArgument, check


class Context(Handle):
    """An open backend on one device.  Get the shared one with
    rnnscan.context(backend, device); close() frees it and its models."""

    def __init__(self, backend="opencl", device=None):
        backend_id = _native.parse_name(lib.rnnscan_backend_parse, backend, "backend")
        options = _structs.ContextOptions(backend=backend_id)
        if device is not None:
            options.device = str(device).encode()
        handle = c_void_p()
        check(lib.rnnscan_context_create(byref(options), byref(handle)), _native.last_error)
        self._handle = handle.value
        # Reentrant: a model's finalizer may run (garbage collection) in a
        # thread that holds the lock between two library calls.
        self.lock = threading.RLock()
        self._models = weakref.WeakSet()
        self.backend = _structs.BACKENDS[backend_id]
        self.device = text(lib.rnnscan_context_device_name(self._handle))
        self._free = weakref.finalize(self, lib.rnnscan_context_free, self._handle)

    @property
    def handle(self):
        """The rnnscan_context pointer; call with self.lock held."""
        if self.closed:
            raise InvalidArgument("the %s context is closed" % self.backend)
        return self._handle

    @property
    def build_ms(self):
        """Milliseconds spent building OpenCL programs for this context's models."""
        with self.lock:
            return lib.rnnscan_context_build_ms(self.handle)

    def adopt(self, model):
        """Registers a model, so that close() closes it first."""
        self._models.add(model)

    def close(self):
        """Closes the context's models, then frees it.  Idempotent."""
        with self.lock:
            for model in list(self._models):
                model.close()
            self._free()

    def __repr__(self):
        state = "closed" if self.closed else "open"
        return "<rnnscan.Context %s on %r, %s>" % (self.backend, self.device, state)


_shared = {}
_shared_lock = threading.Lock()


def context(backend="opencl", device=None):
    """The process's context for (backend, device), created on first use.
    device: an OpenCL device index or a case-insensitive substring of
    "platform / device" (see rnnscan.devices()); None means $RNNSCAN_DEVICE,
    else the first GPU, else the first device.  CPU backends ignore it."""
    backend_id = _native.parse_name(lib.rnnscan_backend_parse, backend, "backend")
    if _structs.BACKENDS[backend_id] != "opencl":
        device = None
    key = (backend_id, None if device is None else str(device))
    with _shared_lock:
        shared = _shared.get(key)
        if shared is None or shared.closed:
            shared = Context(backend, device)
            _shared[key] = shared
        return shared
