"""from_torch against the module itself: every cell, layers, directions,
batch_first, bias, lengths, initial states, proj_size, numpy and torch
inputs, on every backend (tolerance: torch_models.py)."""
import numpy as np
import pytest
import torch

import rnnscan
from torch_models import assert_same_outputs, make_module, state_shapes, torch_forward

CELLS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]

# name: module options, and what the call adds (initial states, lengths).
# T = 7, B = 4; lengths in no particular order, one of them 1, one T.
LENGTHS = [3, 7, 1, 5]
CONFIGS = {
    "plain": dict(),
    "stacked_bidirectional_h0": dict(num_layers=2, bidirectional=True, h0=True),
    "batch_first_lengths": dict(batch_first=True, lengths=True),
    "nobias_bidirectional_lengths_h0": dict(bias=False, bidirectional=True, lengths=True,
                                            h0=True),
    "everything": dict(num_layers=2, bidirectional=True, batch_first=True, lengths=True,
                       h0=True),
}
PROJECTION_CONFIGS = {
    "proj": dict(proj_size=3),
    "proj_everything": dict(proj_size=2, num_layers=2, bidirectional=True, batch_first=True,
                            lengths=True, h0=True),
}
CASES = ([(cell, name, options) for cell in CELLS for name, options in CONFIGS.items()]
         + [("lstm", name, options) for name, options in PROJECTION_CONFIGS.items()])


def make_case(cell, options, steps=7, batch=4, seed=0):
    """(module, x, hx, lengths) for one case, as torch tensors."""
    options = dict(options)
    want_h0, want_lengths = options.pop("h0", False), options.pop("lengths", False)
    module = make_module(cell, seed=seed, **options)
    generator = torch.Generator().manual_seed(seed + 1)
    shape = (batch, steps, 5) if module.batch_first else (steps, batch, 5)
    x = torch.randn(shape, generator=generator)
    hx = None
    if want_h0:
        h_shape, c_shape = state_shapes(module, batch)
        h0 = torch.randn(h_shape, generator=generator)
        hx = (h0, torch.randn(c_shape, generator=generator)) if cell == "lstm" else h0
    lengths = LENGTHS[:batch] if want_lengths else None
    return module, x, hx, lengths


def as_numpy(hx):
    if hx is None:
        return None
    if isinstance(hx, tuple):
        return tuple(t.numpy() for t in hx)
    return hx.numpy()


@pytest.mark.parametrize("cell,name,options", CASES, ids=[c + "-" + n for c, n, _ in CASES])
def test_numpy_in_numpy_out(backend, cell, name, options):
    module, x, hx, lengths = make_case(cell, options)
    model = rnnscan.from_torch(module, backend=backend)
    got = model(x.numpy(), as_numpy(hx), lengths=None if lengths is None else np.array(lengths))
    assert isinstance(got[0], np.ndarray)
    assert_same_outputs(got, torch_forward(module, x, hx, lengths))


@pytest.mark.parametrize("cell,name,options", CASES, ids=[c + "-" + n for c, n, _ in CASES])
def test_torch_in_torch_out(backend, cell, name, options):
    module, x, hx, lengths = make_case(cell, options, seed=7)
    model = rnnscan.from_torch(module, backend=backend)
    got = model(x, hx, lengths=None if lengths is None else torch.tensor(lengths))
    assert isinstance(got[0], torch.Tensor) and got[0].dtype == torch.float32
    assert_same_outputs(got, torch_forward(module, x, hx, lengths))


@pytest.mark.parametrize("schedule", ["host", "persistent"])
@pytest.mark.parametrize("cell", CELLS)
def test_opencl_schedules(cell, schedule):
    module, x, hx, lengths = make_case(cell, CONFIGS["everything"], seed=3)
    model = rnnscan.from_torch(module, backend="opencl", schedule=schedule)
    assert_same_outputs(model(x, hx, lengths), torch_forward(module, x, hx, lengths))
    assert model.last_schedule == schedule


@pytest.mark.parametrize("weight_type,rounded", [("f16", torch.float16),
                                                 ("bf16", torch.bfloat16)])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_weight_types_match_torch_with_rounded_weights(backend, cell, weight_type, rounded):
    """f16 / bf16 round the weights once (to nearest, ties to even) and compute
    in float32, as torch does with the same rounded weights in float32."""
    module, x, hx, lengths = make_case(cell, CONFIGS["everything"], seed=11)
    model = rnnscan.from_torch(module, backend=backend, weight_type=weight_type)
    assert model.weight_type == weight_type
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.copy_(parameter.to(rounded).float())
    assert_same_outputs(model(x, hx, lengths), torch_forward(module, x, hx, lengths))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_unbatched_input(backend, cell, batch_first):
    """(T, X) with (L*D, S) states, as PyTorch takes one sequence."""
    module = make_module(cell, num_layers=2, bidirectional=True, batch_first=batch_first)
    x = torch.randn(6, 5)
    h_shape, c_shape = state_shapes(module, 1)
    h0 = torch.randn(h_shape[0], h_shape[2])
    hx = (h0, torch.randn(c_shape[0], c_shape[2])) if cell == "lstm" else h0
    got = rnnscan.from_torch(module, backend=backend)(x, hx)
    assert got[0].shape == (6, 12)
    assert_same_outputs(got, torch_forward(module, x, hx))


def test_weights_are_copied_at_creation(backend):
    module, x, _, _ = make_case("gru", CONFIGS["plain"])
    expected = torch_forward(module, x)
    model = rnnscan.from_torch(module, backend=backend)
    with torch.no_grad():
        module.weight_hh_l0.zero_()
    assert_same_outputs(model(x), expected)


def test_float64_module_and_inputs_are_converted(backend):
    module, x, hx, lengths = make_case("lstm", CONFIGS["everything"], seed=5)
    expected = torch_forward(module, x, hx, lengths)
    model = rnnscan.from_torch(module.double(), backend=backend)
    got = model(x.double().numpy(), as_numpy((hx[0].double(), hx[1].double())), lengths)
    assert got[0].dtype == np.float32
    assert_same_outputs(got, expected)


def test_model_describes_the_module():
    module = make_module("lstm", num_layers=2, bidirectional=True, batch_first=True,
                         proj_size=2)
    model = rnnscan.from_torch(module, backend="reference")
    assert (model.cell, model.input_size, model.hidden_size, model.proj_size) == ("lstm", 5, 6, 2)
    assert (model.num_layers, model.bidirectional, model.batch_first) == (2, True, True)
    assert (model.backend, model.weight_type, model.schedule) == ("reference", "f32", "auto")
    assert "lstm(5, 6, proj_size=2" in repr(model)
