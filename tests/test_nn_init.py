"""nn.init: empirical statistics of large weights against the formulas, gains, fans."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lite as ag
import nn
from nn import init


def weight(*shape: int) -> nn.Parameter:
    return nn.Parameter(np.zeros(shape))


@pytest.mark.parametrize("nonlinearity, param, gain", [
    ("linear", None, 1.0), ("conv2d", None, 1.0), ("sigmoid", None, 1.0),
    ("tanh", None, 5 / 3), ("relu", None, math.sqrt(2)), ("selu", None, 0.75),
    ("leaky_relu", None, math.sqrt(2 / (1 + 0.01**2))),
    ("leaky_relu", 0.2, math.sqrt(2 / 1.04)), ("leaky_relu", math.sqrt(5), math.sqrt(1 / 3)),
])
def test_calculate_gain(nonlinearity: str, param, gain: float) -> None:
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(gain)


def test_calculate_gain_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


# (initializer, kwargs, shape, expected std) with fan_in = shape[1]·receptive field
CASES = [
    (init.kaiming_normal_, dict(nonlinearity="relu"), (400, 300), math.sqrt(2 / 300)),
    (init.kaiming_normal_, dict(nonlinearity="relu", mode="fan_out"), (400, 300),
     math.sqrt(2 / 400)),
    (init.kaiming_uniform_, dict(nonlinearity="relu"), (400, 300), math.sqrt(2 / 300)),
    (init.kaiming_normal_, dict(a=0.2), (64, 16, 3, 3), math.sqrt(2 / 1.04 / (16 * 9))),
    (init.xavier_normal_, {}, (400, 300), math.sqrt(2 / 700)),
    (init.xavier_uniform_, dict(gain=5 / 3), (400, 300), 5 / 3 * math.sqrt(2 / 700)),
    (init.lecun_normal_, {}, (400, 300), math.sqrt(1 / 300)),
    (init.normal_, dict(mean=0.0, std=0.3), (400, 300), 0.3),
    (init.uniform_, dict(a=-0.5, b=0.5), (400, 300), 1 / math.sqrt(12)),
]


@pytest.mark.parametrize("fn, kw, shape, std", CASES, ids=[c[0].__name__ for c in CASES])
def test_empirical_std_matches_formula(fn, kw: dict, shape: tuple, std: float) -> None:
    ag.manual_seed(0)
    w = fn(weight(*shape), **kw)
    assert abs(w.data.std() - std) < 0.02 * std
    assert abs(w.data.mean()) < 0.02 * std


def test_uniform_initializers_respect_their_bounds() -> None:
    w = init.kaiming_uniform_(weight(200, 50), a=math.sqrt(5))  # Linear's default
    assert np.abs(w.data).max() <= 1 / math.sqrt(50)
    w = init.xavier_uniform_(weight(200, 50))
    assert np.abs(w.data).max() <= math.sqrt(6 / 250)


def test_constant_fills_and_reproducibility() -> None:
    w = weight(3, 4)
    assert np.all(init.ones_(w).data == 1) and np.all(init.zeros_(w).data == 0)
    assert np.all(init.constant_(w, 0.5).data == 0.5)
    ag.manual_seed(7)
    a = init.normal_(weight(5, 5)).data.copy()
    ag.manual_seed(7)
    np.testing.assert_array_equal(init.normal_(weight(5, 5)).data, a)


def test_init_is_in_place_outside_the_graph() -> None:
    w = weight(3, 2)
    version = w._version
    same = init.kaiming_normal_(w)
    assert same is w and w.is_leaf and w.grad_fn is None and w.requires_grad
    assert w._version > version  # a graph that saved w before would refuse to backward
    assert w.dtype == np.float64


def test_fans_need_two_dims_and_modes_are_checked() -> None:
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_normal_(weight(5))
    with pytest.raises(ValueError, match="mode 'fan'"):
        init.kaiming_normal_(weight(3, 3), mode="fan")
