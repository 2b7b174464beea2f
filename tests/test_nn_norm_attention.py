"""Issue 16 (nnmisc): group, instance and RMS normalization, channel and alpha dropout,
interpolation (F.interpolate, nn.Upsample), nn.Unflatten and scaled dot-product
attention: forward values against numpy references (and values pinned from PyTorch),
gradients against finite differences in float64 (hypothesis shapes with size-1 dims,
broadcasting where PyTorch broadcasts), second order, and the layers' train/eval
behaviour and running statistics."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
import nn
import nn.functional as F
from autograd_lite.testing import gradcheck, gradgradcheck
from autograd_lite.testing.strategies import broadcastable_shapes

few = settings(max_examples=min(settings().max_examples, 8), deadline=None)
fewer = settings(max_examples=min(settings().max_examples, 4), deadline=None)


def values(shape) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, shape, elements=st.floats(-2, 2))


def leaf(a: np.ndarray) -> ag.Tensor:
    return ag.tensor(a, requires_grad=True)


def check(fn, *inputs, second: bool = True) -> None:
    assert gradcheck(fn, inputs)
    if second:
        assert gradgradcheck(fn, inputs)


def np_normalize(x: np.ndarray, axes: tuple, eps: float) -> np.ndarray:
    mean = x.mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)


# ----------------------------------------------------------------------------------------
# Normalization

# (N, C, *spatial) with C = groups * per_group; size-1 dims included
GROUPED = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 2),
                    hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))


@few
@given(GROUPED, st.data())
def test_group_norm_matches_numpy_and_gradcheck(spec, data):
    n, groups, per, spatial = spec
    C = groups * per
    x = data.draw(values((n, C) + spatial))
    w, b = data.draw(values((C,))), data.draw(values((C,)))
    ref = np_normalize(x.reshape(n, groups, -1), (2,), 1e-5).reshape(x.shape)
    ref = ref * w.reshape((1, C) + (1,) * len(spatial)) + b.reshape((1, C) + (1,) * len(spatial))
    out = F.group_norm(ag.tensor(x), groups, ag.tensor(w), ag.tensor(b))
    np.testing.assert_allclose(out.data, ref, atol=1e-10)
    layer = nn.GroupNorm(groups, C).double()
    with ag.no_grad():
        layer.weight[...], layer.bias[...] = w, b
    np.testing.assert_allclose(layer(ag.tensor(x)).data, ref, atol=1e-10)
    check(lambda x, w, b: F.group_norm(x, groups, w, b, eps=0.1), leaf(x), leaf(w), leaf(b))


def test_group_norm_layer_defaults_and_options():
    layer = nn.GroupNorm(2, 4)
    assert layer.weight.data.tolist() == [1.0] * 4 and layer.bias.data.tolist() == [0.0] * 4
    assert list(layer.state_dict()) == ["weight", "bias"]
    assert nn.GroupNorm(2, 4, bias=False).bias is None
    assert list(nn.GroupNorm(2, 4, affine=False).parameters()) == []
    assert repr(layer) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"
    x = ag.randn(3, 4, 5)
    np.testing.assert_allclose(nn.GroupNorm(4, 4, affine=False)(x).data,
                               F.instance_norm(x).data, atol=1e-5)  # one channel a group
    np.testing.assert_allclose(nn.GroupNorm(1, 4, affine=False)(x).data,
                               F.layer_norm(x, (4, 5)).data, atol=1e-5)
    assert F.group_norm(ag.ones(0, 4, 3), 2).shape == (0, 4, 3)  # an empty batch, as PyTorch


INSTANCES = st.tuples(st.integers(1, 3), st.integers(1, 3),
                      hnp.array_shapes(min_dims=1, max_dims=2, max_side=3).filter(
                          lambda s: math.prod(s) > 1))


@few
@given(INSTANCES, st.data())
def test_instance_norm_matches_numpy_updates_running_stats_and_gradcheck(spec, data):
    n, C, spatial = spec
    x = data.draw(values((n, C) + spatial))
    w, b = data.draw(values((C,))), data.draw(values((C,)))
    rm, rv = data.draw(values((C,))), np.abs(data.draw(values((C,)))) + 0.5
    axes = tuple(range(2, x.ndim))
    shape = (1, C) + (1,) * len(spatial)
    ref = np_normalize(x, axes, 1e-5) * w.reshape(shape) + b.reshape(shape)
    running_mean, running_var = ag.tensor(rm.copy()), ag.tensor(rv.copy())
    out = F.instance_norm(ag.tensor(x), running_mean, running_var, ag.tensor(w), ag.tensor(b),
                          momentum=0.3)
    np.testing.assert_allclose(out.data, ref, atol=1e-10)
    k = math.prod(spatial)  # the batch's mean of the per-instance (unbiased) statistics
    np.testing.assert_allclose(running_mean.data, 0.7 * rm + 0.3 * x.mean(axis=axes).mean(0))
    np.testing.assert_allclose(running_var.data,
                               0.7 * rv + 0.3 * (x.var(axis=axes) * k / (k - 1)).mean(0))
    frozen = F.instance_norm(ag.tensor(x), running_mean, running_var, use_input_stats=False)
    np.testing.assert_allclose(
        frozen.data, (x - running_mean.data.reshape(shape))
        / np.sqrt(running_var.data.reshape(shape) + 1e-5), atol=1e-10)
    check(lambda x, w, b: F.instance_norm(x, weight=w, bias=b, eps=0.1), leaf(x), leaf(w),
          leaf(b))


def test_instance_norm_layers_train_eval_and_unbatched_input():
    layer = nn.InstanceNorm2d(3)
    assert (layer.affine, layer.track_running_stats) == (False, False)
    assert layer.running_mean is None and list(layer.parameters()) == []
    assert list(layer.state_dict()) == []
    x = ag.randn(2, 3, 4, 4, dtype=np.float64)
    layer.eval()  # no running statistics: instance statistics in eval mode too
    np.testing.assert_allclose(layer(x).data, np_normalize(x.data, (2, 3), 1e-5), atol=1e-10)
    np.testing.assert_allclose(layer(x[0]).data, layer(x).data[0], atol=1e-12)  # (C, H, W)
    tracked = nn.InstanceNorm1d(3, affine=True, track_running_stats=True).double()
    assert list(tracked.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                          "num_batches_tracked"]
    x1 = ag.randn(4, 3, 5, dtype=np.float64)
    tracked(x1)  # train: updates the running statistics (not num_batches_tracked: PyTorch)
    np.testing.assert_allclose(tracked.running_mean.data, 0.1 * x1.data.mean(axis=(0, 2)))
    assert tracked.num_batches_tracked.item() == 0
    tracked.eval()
    rm, rv = tracked.running_mean.data[:, None], tracked.running_var.data[:, None]
    np.testing.assert_allclose(tracked(x1[0]).data, (x1.data[0] - rm) / np.sqrt(rv + 1e-5))
    with pytest.warns(UserWarning, match="num_features"):  # unused without affine
        nn.InstanceNorm1d(4)(x1)
    with pytest.raises(ValueError, match="InstanceNorm1d"):
        nn.InstanceNorm1d(4, affine=True)(x1)
    frozen = nn.InstanceNorm2d(3, momentum=None, track_running_stats=True)
    frozen(ag.randn(2, 3, 2, 2))  # momentum=None leaves the statistics alone (PyTorch's 0.0)
    assert frozen.running_mean.data.tolist() == [0.0] * 3


NORMALIZED = st.tuples(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
                       hnp.array_shapes(min_dims=1, max_dims=2, max_side=3))


@few
@given(NORMALIZED, st.data())
def test_rms_norm_matches_numpy_and_gradcheck(spec, data):
    lead, shape = spec
    x = data.draw(values(lead + shape))
    w = data.draw(values(shape))
    axes = tuple(range(len(lead), x.ndim))
    unit = x / np.sqrt((x * x).mean(axis=axes, keepdims=True) + np.finfo(np.float64).eps)
    np.testing.assert_allclose(F.rms_norm(ag.tensor(x), shape, ag.tensor(w)).data, unit * w,
                               rtol=1e-10, atol=1e-10)
    layer = nn.RMSNorm(shape, elementwise_affine=False)
    assert layer.weight is None
    np.testing.assert_allclose(layer(ag.tensor(x)).data, unit, rtol=1e-10, atol=1e-10)
    check(lambda x, w: F.rms_norm(x, shape, w, eps=0.5), leaf(x), leaf(w))


def test_rms_norm_eps_default_is_the_dtypes_epsilon():
    x = np.full((2, 3), 1e-4, np.float32)
    out = F.rms_norm(ag.tensor(x), [3])
    expected = 1e-4 / np.sqrt(np.float32(1e-8) + np.finfo(np.float32).eps)
    np.testing.assert_allclose(out.data, expected, rtol=1e-5)
    assert out.dtype == np.float32
    layer = nn.RMSNorm(3)
    assert layer.eps is None and layer.weight.data.tolist() == [1.0, 1.0, 1.0]
    assert repr(layer) == "RMSNorm((3,), eps=None, elementwise_affine=True)"


def test_layer_norm_and_batch_norm2d_options_as_pytorch():
    x = ag.randn(2, 3, 4, dtype=np.float64)
    assert list(nn.LayerNorm(4, elementwise_affine=False).parameters()) == []
    layer = nn.LayerNorm(4, bias=False)
    assert layer.bias is None and list(layer.state_dict()) == ["weight"]
    np.testing.assert_allclose(layer.double()(x).data, np_normalize(x.data, (2,), 1e-5))
    bn = nn.BatchNorm2d(3).double()
    y = ag.randn(4, 3, 2, 2, dtype=np.float64)
    bn(y)
    np.testing.assert_allclose(bn.running_var.data,
                               0.9 + 0.1 * y.data.var(axis=(0, 2, 3), ddof=1))
    assert bn.num_batches_tracked.item() == 1


# ----------------------------------------------------------------------------------------
# Dropout


def test_dropout2d_drops_whole_channels_reproducibly():
    x = ag.randn(20, 30, 3, 3)
    ag.manual_seed(3)
    y = F.dropout2d(x, 0.4)
    keep = y.data != 0
    assert (keep == keep[:, :, :1, :1]).all()  # one draw per (example, channel)
    assert 0.45 < keep.mean() < 0.75
    np.testing.assert_allclose(y.data[keep], x.data[keep] / 0.6, rtol=1e-6)
    ag.manual_seed(3)
    np.testing.assert_array_equal(F.dropout2d(x, 0.4).data, y.data)
    assert F.dropout2d(x, 0.4, training=False) is x
    assert (F.dropout2d(x, 1.0).data == 0).all()
    layer = nn.Dropout2d(0.4)
    ag.manual_seed(3)
    np.testing.assert_array_equal(layer(x).data, y.data)
    assert layer.eval()(x) is x
    with pytest.warns(UserWarning, match="3D input"):  # PyTorch's: channels in dim 1
        z = F.dropout2d(ag.ones(4, 5, 6), 0.5)
    assert (z.data == z.data[:, :, :1]).all()


def test_alpha_dropout_keeps_mean_and_variance():
    p = 0.2
    x = ag.randn(200_000, dtype=np.float64)
    assert F.alpha_dropout(x, p) is x  # the functional form's training=False default
    ag.manual_seed(0)
    y = F.alpha_dropout(x, p, training=True).data
    alpha = 1.7580993408473766
    a = 1 / math.sqrt((alpha ** 2 * p + 1) * (1 - p))
    kept = np.isclose(y, a * x.data + alpha * a * p)
    np.testing.assert_allclose(y[~kept], -alpha * a + alpha * a * p)
    assert abs(kept.mean() - (1 - p)) < 0.01
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    layer = nn.AlphaDropout(p)
    ag.manual_seed(0)
    np.testing.assert_array_equal(layer(x).data, y)  # modules train by default
    assert layer.eval()(x) is x
    assert (F.alpha_dropout(x, 1.0, True).data == 0).all()


@fewer
@given(hnp.array_shapes(min_dims=4, max_dims=4, max_side=3), st.data())
def test_dropout_gradients(shape, data):
    x = data.draw(values(shape))

    def seeded(f):
        def fn(x):
            ag.manual_seed(7)  # the same mask at every evaluation
            return f(x).sin()
        return fn
    check(seeded(lambda x: F.dropout2d(x, 0.3)), leaf(x))
    check(seeded(lambda x: F.alpha_dropout(x, 0.3, True)), leaf(x))


# ----------------------------------------------------------------------------------------
# Interpolation


def np_nearest(n_in: int, n_out: int, scale: float | None, exact: bool) -> list[int]:
    s = np.float32(1 / scale) if scale else np.float32(n_in) / np.float32(n_out)
    return [min(int(math.floor(np.float32(j + (0.5 if exact else 0)) * s)), n_in - 1)
            for j in range(n_out)]


def np_linear_1d(x: np.ndarray, n_out: int, scale: float | None, corners: bool) -> np.ndarray:
    """Linear interpolation along the last axis, from PyTorch's documented rules."""
    n_in = x.shape[-1]
    if n_in == n_out:
        return x
    out = np.empty(x.shape[:-1] + (n_out,))
    for j in range(n_out):
        if corners:
            src = j * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        else:
            s = 1 / scale if scale else n_in / n_out
            src = max((j + 0.5) * s - 0.5, 0.0)
        i0 = min(int(math.floor(src)), n_in - 1)
        i1 = min(i0 + 1, n_in - 1)
        lam = src - i0
        out[..., j] = (1 - lam) * x[..., i0] + lam * x[..., i1]
    return out


RESIZE = st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 4), st.integers(1, 4),
                   st.integers(1, 6), st.integers(1, 6))


@few
@given(RESIZE, st.sampled_from(["nearest", "nearest-exact", "bilinear"]), st.booleans(),
       st.data())
def test_interpolate_2d_matches_numpy_and_gradcheck(spec, mode, corners, data):
    n, c, h, w, oh, ow = spec
    x = data.draw(values((n, c, h, w)))
    align = corners if mode == "bilinear" else None
    out = F.interpolate(ag.tensor(x), size=(oh, ow), mode=mode, align_corners=align)
    if mode == "bilinear":
        ref = np_linear_1d(np_linear_1d(x, ow, None, corners).swapaxes(-1, -2), oh, None,
                           corners).swapaxes(-1, -2)
    else:
        exact = mode == "nearest-exact"
        ref = x[:, :, np_nearest(h, oh, None, exact)][..., np_nearest(w, ow, None, exact)]
    np.testing.assert_allclose(out.data, ref, atol=1e-12)
    check(lambda x: F.interpolate(x, size=(oh, ow), mode=mode, align_corners=align).sin(),
          leaf(x))


@few
@given(st.integers(1, 6), st.sampled_from([0.5, 0.7, 1.1, 1.5, 2.0, 2.6, 3.0]),
       st.sampled_from(["nearest", "linear"]), st.data())
def test_interpolate_scale_factor_1d(n, scale, mode, data):
    if math.floor(n * scale) < 1:
        return
    x = data.draw(values((2, 1, n)))
    out = F.interpolate(ag.tensor(x), scale_factor=scale, mode=mode)
    n_out = math.floor(n * scale)
    ref = np_linear_1d(x, n_out, scale, False) if mode == "linear" else \
        x[..., np_nearest(n, n_out, scale, False)]
    np.testing.assert_allclose(out.data, ref, atol=1e-12)
    check(lambda x: F.interpolate(x, scale_factor=scale, mode=mode).sin(), leaf(x))


def test_interpolate_values_pinned_from_pytorch():
    x = ag.tensor(np.arange(6.0).reshape(1, 1, 2, 3) ** 2)
    expected = {
        ("bilinear", False): [[0.0, 0.625, 2.125, 4.0], [4.5, 7.0, 10.75, 14.5],
                              [9.0, 13.375, 19.375, 25.0]],
        ("bilinear", True): [[0.0, 2 / 3, 2.0, 4.0], [4.5, 43 / 6, 10.5, 14.5],
                             [9.0, 41 / 3, 19.0, 25.0]],
    }
    for (mode, corners), want in expected.items():
        got = F.interpolate(x, size=(3, 4), mode=mode, align_corners=corners)
        np.testing.assert_allclose(got.data[0, 0], want, atol=1e-12)
    np.testing.assert_array_equal(F.interpolate(x, scale_factor=1.7).data[0, 0],
                                  [[0, 0, 1, 1, 4], [0, 0, 1, 1, 4], [9, 9, 16, 16, 25]])
    np.testing.assert_array_equal(F.interpolate(x, scale_factor=1.7, mode="nearest-exact")
                                  .data[0, 0], [[0, 0, 1, 4, 4], [0, 0, 1, 4, 4],
                                                [9, 9, 16, 25, 25]])
    line = ag.tensor(np.arange(5.0).reshape(1, 1, 5) ** 2)
    got = F.interpolate(line, scale_factor=2.6, mode="linear").data[0, 0]
    np.testing.assert_allclose(got[:4], [0.0, 1 / 13, 6 / 13, 11 / 13], atol=1e-12)
    assert got.shape == (13,) and got[-1] == 16.0
    # equal sizes are a copy in PyTorch's linear kernels, whatever the scale factor
    np.testing.assert_array_equal(F.interpolate(line, scale_factor=1.1, mode="linear").data,
                                  line.data)


def test_interpolate_dtypes_modes_and_upsample():
    x = ag.randn(1, 2, 3, 4)
    for mode in ("nearest", "bilinear"):
        assert F.interpolate(x, scale_factor=2, mode=mode).dtype == np.float32
    assert F.interpolate(x, scale_factor=(2, 0.5)).shape == (1, 2, 6, 2)
    vol = ag.randn(1, 1, 2, 3, 4, dtype=np.float64)
    assert F.interpolate(vol, size=3, mode="trilinear").shape == (1, 1, 3, 3, 3)
    np.testing.assert_array_equal(F.interpolate(vol, scale_factor=2).data,
                                  vol.data.repeat(2, 2).repeat(2, 3).repeat(2, 4))
    up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
    assert repr(up) == "Upsample(scale_factor=2.0, mode='bilinear')"
    np.testing.assert_array_equal(up(x).data, F.interpolate(x, scale_factor=2.0,
                                                            mode="bilinear",
                                                            align_corners=True).data)
    assert nn.Upsample(size=(5, 5))(x).shape == (1, 2, 5, 5)
    recomputed = F.interpolate(x, scale_factor=1.5, recompute_scale_factor=True)
    assert recomputed.shape == (1, 2, 4, 6)


# ----------------------------------------------------------------------------------------
# Unflatten


@few
@given(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), st.data())
def test_unflatten_matches_reshape_and_gradcheck(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[dim]
    first = data.draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0]))
    sizes = data.draw(st.sampled_from([(first, n // first), (first, -1), (-1, 1, first)]))
    x = data.draw(values(shape))
    layer = nn.Unflatten(dim, sizes)
    d = dim % len(shape)
    expected = shape[:d] + tuple(n // first if s == -1 and i == 1 else
                                 (n // first if s == -1 else s)
                                 for i, s in enumerate(sizes)) + shape[d + 1:]
    out = layer(ag.tensor(x))
    np.testing.assert_array_equal(out.data, x.reshape(expected))
    check(lambda x: layer(x).sin(), leaf(x))
    assert repr(nn.Unflatten(1, [2, 3])) == "Unflatten(dim=1, unflattened_size=(2, 3))"


# ----------------------------------------------------------------------------------------
# Attention


def np_attention(q, k, v, allowed=None, bias=None, scale=None):
    s = q @ np.swapaxes(k, -1, -2) * (1 / math.sqrt(q.shape[-1]) if scale is None else scale)
    if bias is not None:
        s = s + bias
    if allowed is not None:
        s = np.where(allowed, s, -np.inf)
    empty = np.all(s == -np.inf, axis=-1, keepdims=True)
    s = np.where(empty, 0.0, s)
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    w = np.where(empty, 0.0, w / w.sum(axis=-1, keepdims=True))
    return w @ v


ATTENTION = st.tuples(broadcastable_shapes(num_shapes=4, min_dims=0, max_dims=2, max_side=2),
                      st.integers(1, 3), st.integers(1, 3), st.integers(1, 3),
                      st.integers(1, 3))


@few
@given(ATTENTION, st.sampled_from(["none", "bool", "float", "causal"]), st.data())
def test_attention_matches_numpy_and_gradcheck(spec, masking, data):
    (bq, bk, bv, bm), L, S, E, Ev = spec  # batch dims broadcast, the mask's too
    if masking in ("bool", "float"):  # a mask may not add batch dims (torch refuses too)
        assume(np.broadcast_shapes(bq, bk, bv, bm) == np.broadcast_shapes(bq, bk, bv))
    q, k, v = (data.draw(values(s)) for s in (bq + (L, E), bk + (S, E), bv + (S, Ev)))
    mask = None
    allowed = bias = None
    kw = {}
    if masking == "bool":
        allowed = data.draw(hnp.arrays(bool, bm + (L, S)))
        mask = ag.tensor(allowed)
    elif masking == "float":
        bias = data.draw(values(bm + (1, S)))
        mask = leaf(bias)
    elif masking == "causal":
        allowed, kw = np.tri(L, S, dtype=bool), {"is_causal": True}
    out = F.scaled_dot_product_attention(ag.tensor(q), ag.tensor(k), ag.tensor(v), mask, **kw)
    np.testing.assert_allclose(out.data, np_attention(q, k, v, allowed, bias), atol=1e-12)
    inputs = (leaf(q), leaf(k), leaf(v)) + ((mask,) if masking == "float" else ())
    check(lambda q, k, v, *m: F.scaled_dot_product_attention(
        q, k, v, m[0] if m else mask, **kw), *inputs)


def test_attention_options():
    q, k, v = (ag.randn(2, 4, 3, 5, dtype=np.float64) for _ in range(3))
    np.testing.assert_allclose(
        F.scaled_dot_product_attention(q, k, v, scale=0.3).data,
        np_attention(q.data, k.data, v.data, scale=0.3), atol=1e-12)
    kv = ag.randn(2, 2, 3, 5, dtype=np.float64)  # grouped-query: 4 query heads share 2
    got = F.scaled_dot_product_attention(q, kv, kv, enable_gqa=True)
    rep = kv.data.repeat(2, axis=1)
    np.testing.assert_allclose(got.data, np_attention(q.data, rep, rep), atol=1e-12)
    nothing = np.zeros((3, 3), bool)  # fully masked rows give zeros, and zero gradients
    qg = leaf(q.data)
    out = F.scaled_dot_product_attention(qg, k, v, ag.tensor(nothing))
    out.sum().backward()
    assert (out.data == 0).all() and (qg.grad.data == 0).all()
    with pytest.raises(RuntimeError, match="is_causal"):
        F.scaled_dot_product_attention(q, k, v, ag.tensor(nothing), is_causal=True)
    assert F.scaled_dot_product_attention(q.float(), k.float(), v.float()).dtype == np.float32


def test_attention_dropout_uses_the_library_generator():
    q, k, v = (ag.randn(2, 3, 4, dtype=np.float64) for _ in range(3))
    ag.manual_seed(5)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    ag.manual_seed(5)
    keep = ag.default_generator().random((2, 3, 3)) >= 0.5
    s = q.data @ k.data.swapaxes(-1, -2) / 2
    w = np.exp(s - s.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    np.testing.assert_allclose(out.data, (w * keep * 2) @ v.data, atol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.scaled_dot_product_attention(q, k, v)
