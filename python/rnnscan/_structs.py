"""ctypes mirrors of the structs in include/rnnscan.h.

Each class lists the C struct's fields in the same order with the same types,
so ctypes lays it out as the C compiler does; C enums are ints.  Pointers to
arrays are c_void_p: numpy hands over addresses (ndarray.ctypes.data).
tests/python/test_abi.py compiles a C program against the header and compares
every size and offset with these classes.
"""
import ctypes
from ctypes import c_char, c_float, c_int, c_size_t, c_void_p

c_enum = c_int

# The enums' values, from the header (they are part of the ABI).
CELLS = ("rnn_tanh", "rnn_relu", "lstm", "gru")         # rnnscan_cell
CELL_GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}
BACKENDS = ("reference", "cpu", "opencl")                # rnnscan_backend
WEIGHT_TYPES = ("f32", "f16", "bf16")                    # rnnscan_weight_type
SCHEDULES = ("auto", "host", "persistent")               # rnnscan_schedule


class DeviceInfo(ctypes.Structure):  # rnnscan_device_info
    _fields_ = [
        ("index", c_int),
        ("platform_index", c_int),
        ("is_gpu", c_int),
        ("platform_name", c_char * 128),
        ("device_name", c_char * 128),
        ("version", c_char * 128),
        ("max_alloc_bytes", c_size_t),
        ("global_mem_bytes", c_size_t),
        ("compute_units", c_int),
    ]


class OpenclTuning(ctypes.Structure):  # rnnscan_opencl_tuning
    _fields_ = [
        ("tile_rows", c_int),
        ("step_rows", c_int),
        ("scan_units", c_int),
        ("w_layout", c_int),
        ("proj_layout", c_int),
        ("step_layout", c_int),
    ]


class ContextOptions(ctypes.Structure):  # rnnscan_context_options
    _fields_ = [
        ("backend", c_enum),
        ("device", ctypes.c_char_p),
        ("max_alloc_bytes", c_size_t),
        ("tuning", ctypes.POINTER(OpenclTuning)),
    ]


class Activation(ctypes.Structure):  # rnnscan_activation
    _fields_ = [
        ("kind", c_enum),
        ("alpha", c_float),
        ("beta", c_float),
    ]


class ModelDesc(ctypes.Structure):  # rnnscan_model_desc
    _fields_ = [
        ("cell", c_enum),
        ("input_size", c_int),
        ("hidden_size", c_int),
        ("num_layers", c_int),
        ("bidirectional", c_int),
        ("batch_first", c_int),
        ("weight_type", c_enum),
        ("proj_size", c_int),
        ("reverse", c_int),
        # ONNX's cell variants: Python leaves them zero (PyTorch's cells).
        ("gru_reset_before", c_int),
        ("peepholes", c_int),
        ("input_forget", c_int),
        ("clip", c_float),
        ("activations", Activation * 3),
    ]


class Weights(ctypes.Structure):  # rnnscan_weights, one per layer and direction
    _fields_ = [
        ("w_ih", c_void_p),
        ("w_hh", c_void_p),
        ("b_ih", c_void_p),
        ("b_hh", c_void_p),
        ("w_hr", c_void_p),
        ("w_peep", c_void_p),
    ]


class Run(ctypes.Structure):  # rnnscan_run
    _fields_ = [
        ("seq_len", c_int),
        ("batch", c_int),
        ("x", c_void_p),
        ("h0", c_void_p),
        ("c0", c_void_p),
        ("lengths", c_void_p),
        ("y", c_void_p),
        ("h_n", c_void_p),
        ("c_n", c_void_p),
        ("schedule", c_enum),
    ]


# Every struct above, by its C name (for test_abi.py).
BY_C_NAME = {
    "rnnscan_device_info": DeviceInfo,
    "rnnscan_opencl_tuning": OpenclTuning,
    "rnnscan_context_options": ContextOptions,
    "rnnscan_activation": Activation,
    "rnnscan_model_desc": ModelDesc,
    "rnnscan_weights": Weights,
    "rnnscan_run": Run,
}
