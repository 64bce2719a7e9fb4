"""Group: models of one network on several devices, called as one model.

    group = rnnscan.from_torch(lstm, device="all")        # every OpenCL device
    out, (h_n, c_n) = group(x, (h0, c0), lengths=lengths)

Each call is one rnnscan_group_scan: the batch is cut into contiguous ranges
of sequences, one per device, in proportion to the rates the group measured
on its previous calls (equal on the first two), each run by its device on its
own thread; every sequence gets exactly what its device gives it alone.
"""
import weakref
from ctypes import byref, c_int, c_void_p

from . import _native
from ._handle import Handle
from ._native import lib
from .errors import InvalidArgument, check
from .model import Model


class Group(Handle):
    """Made by rnnscan.group(models) or from_torch(..., device="all" or a
    list); close() frees it (its models stay open until closed themselves or
    collected with it)."""

    def __init__(self, models):
        models = list(models)
        if not models or not all(isinstance(m, Model) for m in models):
            raise InvalidArgument("a group takes a non-empty list of rnnscan.Model")
        handles = (c_void_p * len(models))(*[m._live_handle() for m in models])
        handle = c_void_p()
        check(lib.rnnscan_group_create(handles, len(models), byref(handle)), _native.last_error)
        self._models = models
        self._handle = handle.value
        self._free = weakref.finalize(self, lib.rnnscan_group_free, handle.value)

    @property
    def models(self):
        return list(self._models)

    @property
    def devices(self):
        return [m.device for m in self._models]

    @property
    def shares(self):
        """Sequences each model ran in the last call (all 0 before one)."""
        counts = (c_int * len(self._models))()
        lib.rnnscan_group_shares(self._live_handle(), counts, len(self._models))
        return list(counts)

    def __repr__(self):
        state = ", closed" if self.closed else ""
        return "<rnnscan.Group of %d models on %r%s>" % (len(self._models), self.devices, state)

    def _live_handle(self):
        if self.closed:
            raise InvalidArgument("the group is closed")
        if any(m.closed or m.context.closed for m in self._models):
            raise InvalidArgument("a model of the group is closed")
        return self._handle

    def __call__(self, x, hx=None, lengths=None):
        """As Model.__call__, the batch split between the group's devices."""
        return self._models[0]._forward(x, hx, lengths, self._scan)

    def _scan(self, run):
        # every model's context lock, in one order, so two groups sharing
        # contexts cannot deadlock
        locks = sorted({id(m.context): m.context.lock for m in self._models}.items())
        for _, lock in locks:
            lock.acquire()
        try:
            check(lib.rnnscan_group_scan(self._live_handle(), byref(run)), _native.last_error)
        finally:
            for _, lock in reversed(locks):
                lock.release()


def group(models):
    """A Group over `models` (rnnscan.Model of one network, each on its own
    context, e.g. from_torch(module, device=k) for each device k)."""
    return Group(models)
