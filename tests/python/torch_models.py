"""PyTorch modules with PyTorch's own random init, the answers they give, and
the tolerance rnnscan's answers must meet.

Tolerance: |rnnscan - torch| <= ATOL + RTOL |torch|, with ATOL = RTOL = 2e-5
(the library's own --verify tolerance).  Both sides compute in float32 from
the same float32 weights, so they differ only by rounding in a different
summation order (the reference backend sums in double): each pre-activation
is a sum of X + S <= 30 products of O(1) terms, with PyTorch's init
U(-1/sqrt(H), 1/sqrt(H)) and N(0, 1) inputs keeping the gates out of
saturation, over T <= 7 steps and 2 layers.  Measured on these cases: at most
about 5e-7 on every backend, so the bound is over 30 times that.
"""
import numpy as np
import torch

ATOL = 2e-5
RTOL = 2e-5

MODULES = {"rnn_tanh": torch.nn.RNN, "rnn_relu": torch.nn.RNN, "lstm": torch.nn.LSTM,
           "gru": torch.nn.GRU}


def make_module(cell, input_size=5, hidden_size=6, num_layers=1, bidirectional=False,
                batch_first=False, bias=True, proj_size=0, seed=0):
    torch.manual_seed(seed)
    kwargs = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first,
                  bias=bias)
    if cell.startswith("rnn_"):
        kwargs["nonlinearity"] = cell[4:]
    if proj_size:
        kwargs["proj_size"] = proj_size
    return MODULES[cell](input_size, hidden_size, **kwargs).eval()


def state_shapes(module, batch):
    """(h0 shape, c0 shape) as the module takes them."""
    layers = module.num_layers * (2 if module.bidirectional else 1)
    width = getattr(module, "proj_size", 0) or module.hidden_size
    return (layers, batch, width), (layers, batch, module.hidden_size)


def torch_forward(module, x, hx=None, lengths=None):
    """What the module returns; with lengths, through pack_padded_sequence
    (enforce_sorted=False) and pad_packed_sequence, so padding is zero."""
    with torch.no_grad():
        if lengths is None:
            return module(x, hx)
        packed = torch.nn.utils.rnn.pack_padded_sequence(
            x, torch.as_tensor(lengths, dtype=torch.int64), batch_first=module.batch_first,
            enforce_sorted=False)
        out, state = module(packed, hx)
        steps = x.shape[1] if module.batch_first else x.shape[0]
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=module.batch_first,
                                                        total_length=steps)
        return out, state


def assert_close(actual, expected, what):
    actual = actual.numpy() if isinstance(actual, torch.Tensor) else actual
    expected = expected.numpy() if isinstance(expected, torch.Tensor) else expected
    assert actual.shape == expected.shape, (what, actual.shape, expected.shape)
    assert actual.dtype == np.float32, (what, actual.dtype)
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL, err_msg=what)


def assert_same_outputs(actual, expected):
    """(out, h_n) or (out, (h_n, c_n)), rnnscan's against torch's."""
    assert_close(actual[0], expected[0], "out")
    if isinstance(expected[1], tuple):
        assert_close(actual[1][0], expected[1][0], "h_n")
        assert_close(actual[1][1], expected[1][1], "c_n")
    else:
        assert_close(actual[1], expected[1], "h_n")
