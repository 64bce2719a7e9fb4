"""Every way a call can fail raises an rnnscan.Error subclass with a message
that says what is wrong; the model stays usable after a failed call."""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import rnnscan
from rnnscan import _native, errors
from torch_models import assert_same_outputs, make_module, torch_forward


@pytest.fixture
def gru(backend):
    """A one-layer GRU, X = 5, H = 6, on the backend."""
    return rnnscan.from_torch(make_module("gru"), backend=backend)


@pytest.fixture
def lstm(backend):
    return rnnscan.from_torch(make_module("lstm"), backend=backend)


def x_of(steps=4, batch=2, width=5, dtype=np.float32):
    return np.ones((steps, batch, width), dtype)


def test_every_status_has_its_class():
    for status, cls in errors.BY_STATUS.items():
        assert _native.text(_native.lib.rnnscan_status_name(status)) == cls.status_name
        assert issubclass(cls, rnnscan.Error) and getattr(rnnscan, cls.__name__) is cls
    assert set(errors.BY_STATUS) == set(range(1, len(errors.BY_STATUS) + 1))
    unknown = len(errors.BY_STATUS) + 1  # the header has no status beyond the classes
    assert _native.text(_native.lib.rnnscan_status_name(unknown)) == "RNNSCAN_UNKNOWN_STATUS"
    assert issubclass(rnnscan.InvalidArgument, ValueError)


def test_wrong_input_width(gru):
    with pytest.raises(rnnscan.InvalidArgument, match=r"x is 4 wide .* input_size = 5"):
        gru(x_of(width=4))


@pytest.mark.parametrize("shape", [(5,), (1, 4, 2, 5)])
def test_wrong_input_rank(gru, shape):
    with pytest.raises(rnnscan.InvalidArgument, match="expected 3 dimensions"):
        gru(np.ones(shape, np.float32))


@pytest.mark.parametrize("x", [np.ones((4, 2, 5), np.int64), np.ones((4, 2, 5), np.float16),
                               torch.ones(4, 2, 5, dtype=torch.bfloat16),
                               torch.ones(4, 2, 5, dtype=torch.int32)],
                         ids=["int64", "float16", "torch_bfloat16", "torch_int32"])
def test_wrong_input_dtype(gru, x):
    with pytest.raises(rnnscan.InvalidArgument, match="dtype"):
        gru(x)


def test_input_that_is_not_an_array(gru):
    with pytest.raises(rnnscan.InvalidArgument, match="numpy array or a CPU torch tensor"):
        gru([[[0.0] * 5]])


def test_empty_sequence_is_refused_by_the_library(gru):
    with pytest.raises(rnnscan.InvalidArgument) as caught:
        gru(x_of(steps=0))
    assert caught.value.detail  # the library's own message


def test_wrong_h0_shape_and_dtype(gru):
    with pytest.raises(rnnscan.InvalidArgument, match=r"h0 has shape \(1, 3, 6\); expected "
                                                      r"\(1, 2, 6\)"):
        gru(x_of(), np.zeros((1, 3, 6), np.float32))
    with pytest.raises(rnnscan.InvalidArgument, match="h0 has dtype int32"):
        gru(x_of(), np.zeros((1, 2, 6), np.int32))


def test_lstm_states(lstm):
    with pytest.raises(rnnscan.InvalidArgument, match=r"hx = \(h0, c0\)"):
        lstm(x_of(), np.zeros((1, 2, 6), np.float32))
    with pytest.raises(rnnscan.InvalidArgument, match="c0 has shape"):
        lstm(x_of(), (None, np.zeros((2, 2, 6), np.float32)))


def test_gru_takes_one_state(gru):
    with pytest.raises(rnnscan.InvalidArgument, match="one array"):
        gru(x_of(), (np.zeros((1, 2, 6), np.float32),) * 2)


def test_wrong_lengths(gru):
    with pytest.raises(rnnscan.InvalidArgument, match=r"lengths has shape \(3,\)"):
        gru(x_of(), lengths=[1, 2, 3])
    with pytest.raises(rnnscan.InvalidArgument, match="lengths must be integers"):
        gru(x_of(), lengths=[1.0, 2.0])
    with pytest.raises(rnnscan.InvalidArgument, match=r"lengths\[1\] = 9 is outside 1..T"):
        gru(x_of(), lengths=[1, 9])  # the library's check and message
    with pytest.raises(rnnscan.InvalidArgument, match="do not fit a C int"):
        gru(x_of(), lengths=[1, 2**32 + 2])


def test_a_failed_call_leaves_the_model_usable(gru):
    with pytest.raises(rnnscan.InvalidArgument):
        gru(x_of(), lengths=[0, 1])
    module = make_module("gru")
    x = torch.randn(4, 2, 5)
    assert_same_outputs(gru(x), torch_forward(module, x))


def test_closed_model(backend):
    model = rnnscan.from_torch(make_module("rnn_tanh"), backend=backend)
    model.close()
    model.close()  # idempotent
    assert model.closed
    with pytest.raises(rnnscan.InvalidArgument, match="closed"):
        model(x_of())
    with rnnscan.from_torch(make_module("rnn_tanh"), backend=backend) as model:
        model(x_of())
    with pytest.raises(rnnscan.InvalidArgument, match="closed"):
        model(x_of())


def test_bad_backend():
    with pytest.raises(rnnscan.InvalidArgument, match="unknown backend 'cuda'"):
        rnnscan.from_torch(make_module("gru"), backend="cuda")


def test_bad_device():
    with pytest.raises(rnnscan.DeviceNotFound) as caught:
        rnnscan.from_torch(make_module("gru"), backend="opencl", device="no such device")
    assert "no such device" in str(caught.value)
    with pytest.raises(rnnscan.DeviceNotFound):
        rnnscan.context("opencl", device=99)


def test_bad_schedule_and_weight_type():
    with pytest.raises(rnnscan.InvalidArgument, match="unknown schedule 'fast'"):
        rnnscan.from_torch(make_module("gru"), backend="reference", schedule="fast")
    with pytest.raises(rnnscan.InvalidArgument, match="unknown weight type 'f8'"):
        rnnscan.from_torch(make_module("gru"), backend="reference", weight_type="f8")


def test_not_an_rnn_module():
    with pytest.raises(rnnscan.InvalidArgument, match="not Linear"):
        rnnscan.from_torch(torch.nn.Linear(3, 4), backend="reference")


def test_f16_weight_out_of_range(backend):
    module = make_module("gru")
    with torch.no_grad():
        module.weight_hh_l0[0, 0] = 1e6
    with pytest.raises(rnnscan.InvalidArgument, match="outside the range of f16 weights"):
        rnnscan.from_torch(module, backend=backend, weight_type="f16")


def test_persistent_schedule_refuses_projections():
    model = rnnscan.from_torch(make_module("lstm", proj_size=2), backend="opencl",
                               schedule="persistent")
    with pytest.raises(rnnscan.NotSupported) as caught:
        model(x_of())
    assert caught.value.status_name == "RNNSCAN_NOT_SUPPORTED" and caught.value.detail
    model.schedule = "host"
    model(x_of())


# Failures only a process's environment brings about, each in a fresh
# process: no OpenCL driver, a kernel build refused, an allocation limit
# below the weights.  (name, environment, expected class, words of its detail)
ENVIRONMENTS = [
    ("no_driver", {"OCL_ICD_VENDORS": "{tmp}"}, "NoDevice", "no OpenCL platform"),
    ("bad_build_option", {"RNNSCAN_BUILD_OPTIONS": "-cl-no-such-option"}, "BuildFailed",
     "-cl-no-such-option"),
    ("tiny_allocations", {"RNNSCAN_MAX_ALLOC": "16"}, "TooLarge", "RNNSCAN_MAX_ALLOC"),
]


@pytest.mark.parametrize("name,environment,expected,words", ENVIRONMENTS,
                         ids=[e[0] for e in ENVIRONMENTS])
def test_failures_from_the_environment(tmp_path, name, environment, expected, words):
    weights = tmp_path / "gru.npz"
    np.savez(weights, **{k: v.numpy() for k, v in make_module("gru").state_dict().items()})
    script = "\n".join([
        "import rnnscan",
        "try:",
        "    rnnscan.load_npz(%r, cell='gru', backend='opencl')" % str(weights),
        "except rnnscan.Error as error:",
        "    print(type(error).__name__, error.status_name, error)",
    ])
    env = dict(os.environ, **{k: v.format(tmp=tmp_path) for k, v in environment.items()})
    printed = subprocess.run([sys.executable, "-c", script], env=env, check=True,
                             capture_output=True, text=True).stdout
    assert printed.split()[0] == expected, printed
    assert words in printed
