"""What the model accepts and how it hands results back: copies avoided,
conversions made, the caller's kind of array returned."""
import numpy as np
import torch

import rnnscan
from rnnscan import _arrays
from torch_models import assert_same_outputs, make_module, torch_forward


def test_c_contiguous_float32_is_not_copied():
    array = np.zeros((4, 2, 3), np.float32)
    assert _arrays.as_float32("x", array) is array
    tensor = torch.zeros(4, 2, 3)
    assert np.shares_memory(_arrays.as_float32("x", tensor), tensor.numpy())


def test_float64_and_strided_inputs_are_copied_as_float32():
    converted = _arrays.as_float32("x", np.ones((4, 2, 3)))
    assert converted.dtype == np.float32 and converted.flags.c_contiguous
    strided = np.ones((3, 4, 2), np.float32).transpose(1, 2, 0)
    assert _arrays.as_float32("x", strided).flags.c_contiguous


def test_strided_and_grad_requiring_inputs(backend):
    module = make_module("gru")
    x = torch.randn(5, 3, 7)[:, :, 1:6]  # not contiguous
    h0 = torch.randn(1, 3, 6, requires_grad=True)
    got = rnnscan.from_torch(module, backend=backend)(x, h0)
    assert not got[0].requires_grad
    assert_same_outputs(got, torch_forward(module, x, h0))


def test_output_kind_follows_x(backend):
    module = make_module("lstm")
    model = rnnscan.from_torch(module, backend=backend)
    x = torch.randn(4, 2, 5)
    h0, c0 = torch.randn(1, 2, 6), torch.randn(1, 2, 6)
    out, (h_n, c_n) = model(x.numpy(), (h0, c0))  # numpy x, torch states: numpy out
    assert all(isinstance(a, np.ndarray) for a in (out, h_n, c_n))
    out, (h_n, c_n) = model(x, (h0.numpy(), None))  # torch x: torch out; c0 None = zeros
    assert all(isinstance(a, torch.Tensor) for a in (out, h_n, c_n))
    assert_same_outputs((out, (h_n, c_n)), torch_forward(module, x, (h0, torch.zeros(1, 2, 6))))


def test_lengths_as_list_int32_int64_and_tensor(backend):
    module = make_module("rnn_tanh", bidirectional=True)
    model = rnnscan.from_torch(module, backend=backend)
    x = torch.randn(6, 3, 5)
    expected = torch_forward(module, x, lengths=[2, 6, 4])
    for lengths in ([2, 6, 4], np.array([2, 6, 4], np.int32), np.array([2, 6, 4], np.uint64),
                    torch.tensor([2, 6, 4])):
        assert_same_outputs(model(x, lengths=lengths), expected)


def test_repeated_calls_give_the_same_answer(backend):
    module = make_module("gru", num_layers=2)
    model = rnnscan.from_torch(module, backend=backend, schedule="host")  # one kernel path
    x = np.random.default_rng(0).standard_normal((5, 3, 5), dtype=np.float32)
    first = model(x)
    for _ in range(3):
        again = model(x)
        np.testing.assert_array_equal(again[0], first[0])
        np.testing.assert_array_equal(again[1], first[1])
