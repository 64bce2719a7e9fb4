"""Groups: from_torch(..., device="all" / a list) and rnnscan.group(models)
split each batch between OpenCL devices and give every sequence what one
device gives it (bit for bit), on PoCL listing two devices
(POCL_DEVICES="pthread pthread", in a child process: PoCL reads it once per
process); misuse is refused with a message."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import rnnscan
from torch_models import assert_same_outputs, make_module, torch_forward

TWO_DEVICES = textwrap.dedent("""
    import numpy as np, torch, rnnscan
    from torch_models import assert_same_outputs, make_module, torch_forward
    assert len(rnnscan.devices()) == 2, rnnscan.devices()
    for batch_first in (False, True):
        module = make_module("lstm", num_layers=2, bidirectional=True, batch_first=batch_first,
                             seed=3)
        rng = np.random.default_rng(5)
        T, B = 7, 23
        x = rng.standard_normal((B, T, 5) if batch_first else (T, B, 5)).astype(np.float32)
        h0 = rng.standard_normal((4, B, 6)).astype(np.float32)
        c0 = rng.standard_normal((4, B, 6)).astype(np.float32)
        lengths = rng.integers(1, T + 1, B)
        one = rnnscan.from_torch(module, device=0)
        want = one(x, (h0, c0), lengths=lengths)
        for device in ("all", [0, 1], "0,1"):
            group = rnnscan.from_torch(module, device=device)
            assert isinstance(group, rnnscan.Group) and len(group.models) == 2, group
            for call in range(3):  # equal shares twice, then by measured rates
                got = group(x, (h0, c0), lengths=lengths)
                for g, w in zip((got[0], got[1][0], got[1][1]), (want[0], want[1][0], want[1][1])):
                    assert np.array_equal(g.view(np.uint32), w.view(np.uint32)), (device, call)
                assert sum(group.shares) == B and min(group.shares) > 0, group.shares
            tensors = group(torch.from_numpy(x), (torch.from_numpy(h0), torch.from_numpy(c0)),
                            lengths=lengths)
            assert isinstance(tensors[0], torch.Tensor)
            assert_same_outputs(tensors, torch_forward(module, torch.from_numpy(x),
                                                       (torch.from_numpy(h0),
                                                        torch.from_numpy(c0)), lengths))
            group.close()
    print("two devices: ok")
""")


def test_two_pocl_devices_match_one_device():
    env = dict(os.environ, POCL_DEVICES="pthread pthread",
               PYTHONPATH=os.path.dirname(os.path.abspath(__file__)))
    r = subprocess.run([sys.executable, "-c", TWO_DEVICES], capture_output=True, text=True,
                       env=env, timeout=600)
    assert r.returncode == 0 and "two devices: ok" in r.stdout, r.stdout + r.stderr


def test_a_group_of_the_one_device_here_is_the_model():
    module = make_module("gru", seed=1)
    x = np.random.default_rng(2).standard_normal((6, 9, 5)).astype(np.float32)
    group = rnnscan.from_torch(module, device="all")
    assert len(group.models) == len(rnnscan.devices())
    want = rnnscan.from_torch(module, device=0)(x)
    got = group(x)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    assert group.shares[0] == 9 if len(group.models) == 1 else sum(group.shares) == 9
    assert "rnnscan.Group" in repr(group)


def test_misuse_is_refused_with_a_message():
    module = make_module("rnn_tanh")
    with pytest.raises(rnnscan.InvalidArgument, match="for the opencl backend, not cpu"):
        rnnscan.from_torch(module, backend="cpu", device="all")
    with pytest.raises(rnnscan.InvalidArgument, match="no device named"):
        rnnscan.from_torch(module, device=[])
    a = rnnscan.from_torch(module, backend="reference")
    b = rnnscan.from_torch(module, backend="reference")  # the same shared context
    with pytest.raises(rnnscan.InvalidArgument, match="share a context"):
        rnnscan.group([a, b])
    with pytest.raises(rnnscan.InvalidArgument, match="non-empty list of rnnscan.Model"):
        rnnscan.group([])
    other = rnnscan.from_torch(make_module("rnn_tanh", hidden_size=7), device=0)
    with pytest.raises(rnnscan.InvalidArgument, match="is not the network"):
        rnnscan.group([a, other])
    mine = rnnscan.from_torch(module, device=0)
    with pytest.raises(rnnscan.InvalidArgument, match="share a context"):
        rnnscan.group([mine, rnnscan.from_torch(module, device="0")])
    group = rnnscan.group([mine])
    mine.close()
    with pytest.raises(rnnscan.InvalidArgument, match="a model of the group is closed"):
        group(np.zeros((2, 1, 5), np.float32))
    group.close()
    group.close()
    with pytest.raises(rnnscan.InvalidArgument, match="the group is closed"):
        group.shares
