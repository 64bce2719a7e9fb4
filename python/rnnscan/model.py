"""Model: a network on a backend, called like the PyTorch module it came from.

    out, h_n = model(x)                                # RNN, GRU
    out, (h_n, c_n) = model(x, (h0, c0), lengths=lengths)   # LSTM

Shapes are PyTorch's (L layers, D directions, S = proj_size or hidden_size):
x (T, B, X) or (B, T, X) when batch_first, or (T, X) unbatched; h0 / h_n
(L*D, B, S); c0 / c_n (L*D, B, H); out (T, B, D*S) or (B, T, D*S).
"""
import weakref
from ctypes import byref, c_void_p

import numpy as np

from . import _arrays, _native, _structs
from ._handle import Handle
from ._native import lib, text
from .errors import InvalidArgument, check


def _free_model(context, handle):
    # Holding the context here keeps it alive until its model is freed.
    with context.lock:
        lib.rnnscan_model_free(handle)


class Model(Handle):
    """Made by rnnscan.from_torch, load_npz or load_onnx; close() frees it
    (so does garbage collection, and leaving a `with` block)."""

    def __init__(self, context, create, schedule="auto"):
        """create(context_handle, out_pointer) -> rnnscan_status makes the model."""
        self.schedule = schedule
        handle = c_void_p()
        with context.lock:
            check(create(context.handle, byref(handle)), _native.last_error)
            desc = lib.rnnscan_model_describe(handle)
        self._context = context
        self._handle = handle.value
        self._free = weakref.finalize(self, _free_model, context, handle.value)
        context.adopt(self)
        self.cell = _structs.CELLS[desc.cell]
        self.input_size = desc.input_size
        self.hidden_size = desc.hidden_size
        self.proj_size = desc.proj_size
        self.num_layers = max(1, desc.num_layers)
        self.bidirectional = bool(desc.bidirectional)
        self.batch_first = bool(desc.batch_first)
        self.weight_type = _structs.WEIGHT_TYPES[desc.weight_type]
        self._directions = 2 if desc.bidirectional else 1
        self._state_width = desc.proj_size or desc.hidden_size

    # ---- what it is ------------------------------------------------------
    @property
    def backend(self):
        return self._context.backend

    @property
    def device(self):
        """"platform / device" for OpenCL, the backend otherwise."""
        return self._context.device

    @property
    def context(self):
        return self._context

    @property
    def schedule(self):
        """How an OpenCL scan runs its time loop: "auto", "host" or "persistent"."""
        return self._schedule

    @schedule.setter
    def schedule(self, name):
        if name not in _structs.SCHEDULES:
            raise InvalidArgument("unknown schedule %r (expected auto, host or persistent)"
                                  % (name,))
        self._schedule = name

    @property
    def last_schedule(self):
        """The schedule the last scan ran ("host" or "persistent"); "auto"
        before any scan and on backends without schedules."""
        with self._context.lock:
            return _structs.SCHEDULES[lib.rnnscan_model_last_schedule(self._live_handle())]

    @property
    def build_ms(self):
        """Milliseconds spent building OpenCL programs for this model."""
        with self._context.lock:
            return lib.rnnscan_model_build_ms(self._live_handle())

    def __repr__(self):
        shape = "%s(%d, %d" % (self.cell, self.input_size, self.hidden_size)
        if self.proj_size:
            shape += ", proj_size=%d" % self.proj_size
        if self.num_layers > 1:
            shape += ", num_layers=%d" % self.num_layers
        if self.bidirectional:
            shape += ", bidirectional=True"
        if self.batch_first:
            shape += ", batch_first=True"
        state = ", closed" if self.closed else ""
        return "<rnnscan.Model %s) on %s %r%s>" % (shape, self.backend, self.device, state)

    # ---- the handle (close, with: _handle.Handle) ------------------------
    def _live_handle(self):
        if self.closed or self._context.closed:
            raise InvalidArgument("the model is closed")
        return self._handle

    # ---- running ---------------------------------------------------------
    def __call__(self, x, hx=None, lengths=None):
        """Runs the whole sequence batch, like the PyTorch module's forward.
        hx: h0 for RNN and GRU, (h0, c0) for LSTM (either may be None: zeros).
        lengths: one per sequence, any order (PyTorch's packed sequences with
        enforce_sorted=False): outputs past a length are 0, and h_n / c_n are
        each sequence's state at its own last step.  numpy in, numpy out;
        torch in, torch out (CPU tensors; no autograd)."""
        return self._forward(x, hx, lengths, self._scan)

    def _scan(self, run):
        with self._context.lock:
            handle = self._live_handle()
            check(lib.rnnscan_model_scan(handle, byref(run)),
                  lambda: text(lib.rnnscan_model_error(handle)))

    def _forward(self, x, hx, lengths, scan):
        """__call__'s work around scan(run), which runs the rnnscan_run
        (this model's scan, or a group's)."""
        as_tensor = _arrays.is_tensor(x)
        x = _arrays.as_float32("x", x)
        unbatched = x.ndim == 2
        if unbatched:  # (T, X): one sequence, as PyTorch takes it
            x = x.reshape((1,) + x.shape if self.batch_first else (x.shape[0], 1, x.shape[1]))
        if x.ndim != 3:
            raise InvalidArgument("x has shape %s; expected 3 dimensions, %s, or 2 for one "
                                  "sequence" % (tuple(x.shape), self._x_layout()))
        if x.shape[2] != self.input_size:
            raise InvalidArgument("x is %d wide (shape %s); the model takes input_size = %d"
                                  % (x.shape[2], tuple(x.shape), self.input_size))
        steps, batch = (x.shape[1], x.shape[0]) if self.batch_first else x.shape[:2]
        h0, c0 = self._initial_states(hx, batch, unbatched)
        if lengths is not None:
            lengths = _arrays.as_lengths(lengths, batch)

        y = np.empty(x.shape[:2] + (self._directions * self._state_width,), np.float32)
        h_n = np.empty(self._state_shape(batch, self._state_width), np.float32)
        c_n = (np.empty(self._state_shape(batch, self.hidden_size), np.float32)
               if self.cell == "lstm" else None)
        run = _structs.Run(
            seq_len=steps, batch=batch, x=x.ctypes.data, h0=_arrays.address(h0),
            c0=_arrays.address(c0), lengths=_arrays.address(lengths), y=y.ctypes.data,
            h_n=h_n.ctypes.data, c_n=_arrays.address(c_n),
            schedule=_structs.SCHEDULES.index(self._schedule))
        scan(run)

        if unbatched:
            y, h_n = y.reshape(y.shape[0] * y.shape[1], -1), h_n[:, 0]
            c_n = None if c_n is None else c_n[:, 0]
        y, h_n = _arrays.like(y, as_tensor), _arrays.like(h_n, as_tensor)
        if c_n is None:
            return y, h_n
        return y, (h_n, _arrays.like(c_n, as_tensor))

    def _x_layout(self):
        return "(B, T, X)" if self.batch_first else "(T, B, X)"

    def _state_shape(self, batch, width):
        return (self.num_layers * self._directions, batch, width)

    def _initial_states(self, hx, batch, unbatched):
        """(h0, c0) as C-contiguous float32 arrays or None, shapes checked."""
        if self.cell == "lstm":
            if hx is None:
                hx = (None, None)
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise InvalidArgument("an LSTM takes hx = (h0, c0), not %s" % type(hx).__name__)
            h0, c0 = hx
        else:
            if isinstance(hx, (tuple, list)):
                raise InvalidArgument("a %s takes hx = h0, one array, not a %s"
                                      % (self.cell, type(hx).__name__))
            h0, c0 = hx, None
        return (self._state("h0", h0, batch, self._state_width, unbatched),
                self._state("c0", c0, batch, self.hidden_size, unbatched))

    def _state(self, name, value, batch, width, unbatched):
        if value is None:
            return None
        array = _arrays.as_float32(name, value)
        expected = self._state_shape(batch, width)
        if unbatched:  # (L*D, S) for one sequence
            _arrays.check_shape(name, array, expected[:1] + expected[2:])
            return array.reshape(expected)
        _arrays.check_shape(name, array, expected)
        return array
