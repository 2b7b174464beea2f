"""Edge cases where PyTorch returns a value (issue 15, item 9): the values, gradients and
errors below are PyTorch 2.13's, checked against it."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lite as ag
import nn
import nn.functional as F

INF = math.inf


def t64(a, requires_grad: bool = False) -> ag.Tensor:
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


@pytest.mark.parametrize("delta", [1.0, 0.5])
def test_huber_gradient_at_an_infinite_residual_is_plus_minus_delta(delta: float) -> None:
    x = t64([INF, -INF, 0.25, 3.0], requires_grad=True)
    loss = F.huber_loss(x, ag.zeros(4, dtype=np.float64), reduction="none", delta=delta)
    np.testing.assert_array_equal(loss.data, [INF, INF, 0.25**2 / 2, delta * (3 - delta / 2)])
    loss.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [delta, -delta, 0.25, delta])
    # an infinite target, and the mean: same rule
    y = t64([1.0], requires_grad=True)
    F.huber_loss(y, t64([INF]), delta=delta).backward()
    np.testing.assert_array_equal(y.grad.data, [-delta])


def test_huber_with_an_infinite_delta_is_half_the_square() -> None:
    # PyTorch: inf·(inf − inf/2) = NaN at the infinite residual, gradient inf there
    x = t64([INF, 2.0], requires_grad=True)
    with np.errstate(invalid="ignore"):
        loss = F.huber_loss(x, ag.zeros(2, dtype=np.float64), reduction="none", delta=INF)
        loss.sum().backward()
    np.testing.assert_array_equal(loss.data, [math.nan, 2.0])
    np.testing.assert_array_equal(x.grad.data, [INF, 2.0])


def test_max_pool_window_over_padding_alone_is_minus_inf() -> None:
    # kernel 2 with dilation 3 over the padded row [pad, x0, x1, pad] touches only padding
    x = t64(np.arange(4.0).reshape(1, 1, 2, 2), requires_grad=True)
    out = F.max_pool2d(x, 2, stride=1, padding=1, dilation=3)
    np.testing.assert_array_equal(out.data, [[[[-INF]]]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros((1, 1, 2, 2)))
    # windows that reach the input are unchanged by the −inf fill
    y = t64(np.arange(16.0).reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(F.max_pool2d(y, 3, stride=2, padding=1).data,
                                  [[[[5, 7], [13, 15]]]])
    # PyTorch's 2-d rule bounds the padding by half the kernel, not the dilated one
    with pytest.raises(ValueError, match="max_pool2d: pad should be at most half of kernel "
                                         "size, but got pad=2 and kernel_size=3"):
        F.max_pool2d(y, 3, padding=2, dilation=2)


@pytest.mark.parametrize("op", ["softmax", "log_softmax", "logsumexp"])
@pytest.mark.parametrize("shape, dim", [((0, 3), 0), ((0, 3), 1), ((3, 0), 1), ((0,), 0),
                                        ((2, 0, 3), 1)])
def test_softmax_family_along_an_empty_axis(op: str, shape: tuple, dim: int) -> None:
    x = ag.zeros(shape, dtype=np.float64, requires_grad=True)
    with np.errstate(all="raise"):  # no warning on the way
        out = getattr(x, op)(dim)
    if op == "logsumexp":  # the log of an empty sum: −inf wherever a row remains
        expected = shape[:dim] + shape[dim + 1:]
        np.testing.assert_array_equal(out.data, np.full(expected, -INF))
        np.testing.assert_array_equal(x.logsumexp(dim, keepdim=True).data,
                                      np.full(shape[:dim] + (1,) + shape[dim + 1:], -INF))
    else:
        assert out.shape == shape and out.numel() == 0
    out.sum().backward()
    assert x.grad.shape == shape
    fn = getattr(F, op, None)
    if fn is not None:
        assert fn(ag.zeros(shape), dim=dim).shape == shape


@pytest.mark.parametrize("shape", [(0, 3), (0, 3, 4), (2, 3, 0)])
def test_batch_norm_training_on_an_empty_batch(shape: tuple) -> None:
    bn = nn.BatchNorm1d(3)
    with ag.no_grad():
        bn.running_mean[...] = 0.5
    x = ag.zeros(shape, requires_grad=True)
    out = bn(x)
    assert out.shape == shape
    out.sum().backward()
    np.testing.assert_array_equal(bn.weight.grad.data, np.zeros(3))
    np.testing.assert_array_equal(bn.bias.grad.data, np.zeros(3))
    # the statistics of nothing are not mixed in; the batch still counts, as PyTorch
    np.testing.assert_array_equal(bn.running_mean.data, np.full(3, 0.5))
    np.testing.assert_array_equal(bn.running_var.data, np.ones(3))
    assert int(bn.num_batches_tracked.item()) == 1
    assert F.batch_norm(ag.zeros((4, 0)), None, None, training=True).shape == (4, 0)
    # one value per channel is still PyTorch's error
    for one in [(1, 3), (1, 3, 1), (1, 0)]:
        with pytest.raises(ValueError, match="more than 1 value per channel"):
            F.batch_norm(ag.zeros(one), None, None, training=True)


EMPTY_LOSSES = {
    "mse_loss": lambda x, r: F.mse_loss(x, ag.zeros((0, 3)), reduction=r),
    "l1_loss": lambda x, r: F.l1_loss(x, ag.zeros((0, 3)), reduction=r),
    "huber_loss": lambda x, r: F.huber_loss(x, ag.zeros((0, 3)), reduction=r),
    "binary_cross_entropy": lambda x, r: F.binary_cross_entropy(
        x, ag.zeros((0, 3)), ag.ones(3), reduction=r),
    "binary_cross_entropy_with_logits": lambda x, r: F.binary_cross_entropy_with_logits(
        x, ag.zeros((0, 3)), reduction=r, pos_weight=ag.ones(3)),
    "cross_entropy": lambda x, r: F.cross_entropy(x, ag.zeros(0, dtype=np.int64), reduction=r),
    "cross_entropy (probabilities)": lambda x, r: F.cross_entropy(x, ag.zeros((0, 3)),
                                                                  reduction=r),
    "nll_loss": lambda x, r: F.nll_loss(x, ag.zeros(0, dtype=np.int64), reduction=r),
}


@pytest.mark.parametrize("name", sorted(EMPTY_LOSSES))
def test_mean_loss_of_an_empty_batch_is_nan(name: str, monkeypatch) -> None:
    def no_mean(*args, **kwargs):
        raise AssertionError("the losses must not depend on how mean treats nothing")

    monkeypatch.setattr(ag.Tensor, "mean", no_mean)
    x = ag.zeros((0, 3), requires_grad=True)
    mean = EMPTY_LOSSES[name](x, "mean")
    assert mean.shape == () and math.isnan(mean.item())
    mean.backward()
    assert x.grad.shape == (0, 3)
    assert EMPTY_LOSSES[name](x, "sum").item() == 0
    assert EMPTY_LOSSES[name](x, "none").numel() == 0


def test_clip_with_min_above_max_gives_max_everywhere() -> None:
    x = t64([-1.0, 0.5, 1.0, 2.0, 3.0], requires_grad=True)
    out = x.clip(2, 1)
    np.testing.assert_array_equal(out.data, np.ones(5))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros(5))  # PyTorch: no element inside
    np.testing.assert_array_equal(ag.clamp(ag.tensor([1, 5, 9]), min=6, max=3).data, [3, 3, 3])


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int8, np.uint8])
def test_max_pool2d_of_an_integer_tensor(dtype) -> None:
    x = ag.tensor(np.arange(16).reshape(1, 1, 4, 4).astype(dtype))
    for kw in ({}, {"stride": 2, "padding": 1}):
        out = F.max_pool2d(x, 2 if not kw else 3, **kw)
        assert out.dtype == dtype
        np.testing.assert_array_equal(out.data, [[[[5, 7], [13, 15]]]])
    assert nn.MaxPool2d(2)(x).dtype == dtype
    # padding alone: the dtype's lowest value, as PyTorch
    padded = F.max_pool2d(ag.ones((1, 1, 2, 2), dtype=dtype), 2, stride=1, padding=1,
                          dilation=3)
    np.testing.assert_array_equal(padded.data, [[[[np.iinfo(dtype).min]]]])
    with pytest.raises(TypeError, match="max_pool2d: input must be a floating point or "
                                        "integer tensor, got dtype bool"):
        F.max_pool2d(ag.ones((1, 1, 2, 2), dtype=np.bool_), 2)
