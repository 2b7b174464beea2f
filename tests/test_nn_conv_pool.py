"""Convolution and pooling (issue 16): conv1d/conv_transpose1d/2d, PyTorch's pad, the 1-d
and adaptive pools, max_pool2d's indices and max_unpool2d. Forwards against slow numpy
loop references, gradients by gradcheck over hypothesis shapes (float64)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
import nn
import nn.functional as F
from autograd_lite.testing import gradcheck, gradgradcheck

few = settings(max_examples=min(settings.default.max_examples, 8), deadline=None)


def leaf(a: np.ndarray) -> ag.Tensor:
    return ag.tensor(a, requires_grad=True)


def unique(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Distinct values 0.1 apart: finite differences never cross a tie of a max."""
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1


# ----------------------------------------------------------------------------------------
# numpy references (loops over output positions: slow and obviously right)


def conv_ref(x, w, b, stride, pad, dil, groups):
    """N-d cross-correlation of a zero-padded x, one output element at a time."""
    nd = x.ndim - 2
    x = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in pad])
    N, C = x.shape[:2]
    O, Cg = w.shape[:2]
    k = w.shape[2:]
    size = [(x.shape[2 + a] - dil[a] * (k[a] - 1) - 1) // stride[a] + 1 for a in range(nd)]
    out = np.zeros([N, O] + size)
    for o in range(O):
        g = o // (O // groups)
        for pos in itertools.product(*map(range, size)):
            sl = tuple(slice(p * s, p * s + d * (kk - 1) + 1, d)
                       for p, s, d, kk in zip(pos, stride, dil, k))
            patch = x[(slice(None), slice(g * Cg, (g + 1) * Cg)) + sl]
            out[(slice(None), o) + pos] = (patch * w[o]).sum(axis=tuple(range(1, nd + 2)))
    return out + (0 if b is None else b.reshape((1, -1) + (1,) * nd))


def conv_transpose_ref(x, w, stride, pad, extra, dil, groups):
    """Scatter every input element times the kernel, then crop the padding."""
    nd = x.ndim - 2
    N, C = x.shape[:2]
    Og, k = w.shape[1], w.shape[2:]
    full = [(x.shape[2 + a] - 1) * stride[a] + dil[a] * (k[a] - 1) + 1 + extra[a]
            for a in range(nd)]
    out = np.zeros([N, Og * groups] + full)
    Cg = C // groups
    for c in range(C):
        g = c // Cg
        for pos in itertools.product(*map(range, x.shape[2:])):
            sl = tuple(slice(p * s, p * s + d * (kk - 1) + 1, d)
                       for p, s, d, kk in zip(pos, stride, dil, k))
            v = x[(slice(None), c) + pos].reshape((N, 1) + (1,) * nd)
            out[(slice(None), slice(g * Og, (g + 1) * Og)) + sl] += v * w[c]
    crop = tuple(slice(p, n - p) for p, n in zip(pad, full))
    return out[(slice(None), slice(None)) + crop]


def adaptive_ref(x, size, fn):
    nd = len(size)
    out = np.zeros(x.shape[:2] + tuple(size))
    for pos in itertools.product(*map(range, size)):
        sl = tuple(slice(i * n // o, -(-(i + 1) * n // o))
                   for i, n, o in zip(pos, x.shape[2:], size))
        out[(Ellipsis,) + pos] = fn(x[(Ellipsis,) + sl], axis=tuple(range(2, 2 + nd)))
    return out


# ----------------------------------------------------------------------------------------
# Strategies

CONV = st.fixed_dictionaries(dict(
    nd=st.sampled_from([1, 2]), batch=st.integers(1, 2), groups=st.sampled_from([1, 2]),
    cin=st.integers(1, 2), cout=st.integers(1, 2), k=st.integers(1, 3),
    stride=st.integers(1, 2), pad=st.integers(0, 2), dil=st.integers(1, 2),
    size=st.integers(3, 6), seed=st.integers(0, 99)))


def conv_case(c: dict, transposed: bool = False):
    rng = np.random.default_rng(c["seed"])
    nd, G = c["nd"], c["groups"]
    cin, cout = c["cin"] * G, c["cout"] * G
    x = rng.normal(size=(c["batch"], cin) + (c["size"],) * nd)
    shape = (cin, cout // G) if transposed else (cout, cin // G)
    w = rng.normal(size=shape + (c["k"],) * nd)
    b = rng.normal(size=cout)
    return x, w, b


# ----------------------------------------------------------------------------------------
# Convolutions


@few
@given(CONV)
def test_conv_matches_reference_and_gradcheck(c: dict) -> None:
    x, w, b = conv_case(c)
    nd = c["nd"]
    if c["size"] + 2 * c["pad"] < c["dil"] * (c["k"] - 1) + 1:
        return
    conv = F.conv1d if nd == 1 else F.conv2d
    kw = dict(stride=c["stride"], padding=c["pad"], dilation=c["dil"], groups=c["groups"])
    expected = conv_ref(x, w, b, (c["stride"],) * nd, (c["pad"],) * nd, (c["dil"],) * nd,
                        c["groups"])
    np.testing.assert_allclose(conv(ag.tensor(x), ag.tensor(w), ag.tensor(b), **kw).data,
                               expected, atol=1e-10)
    assert gradcheck(lambda x, w, b: conv(x, w, b, **kw), (leaf(x), leaf(w), leaf(b)))


@few
@given(CONV, st.integers(0, 1))
def test_conv_transpose_matches_reference_and_gradcheck(c: dict, extra: int) -> None:
    x, w, b = conv_case(c, transposed=True)
    nd = c["nd"]
    extra = min(extra, max(c["stride"], c["dil"]) - 1)
    full = (c["size"] - 1) * c["stride"] + c["dil"] * (c["k"] - 1) + 1
    if full - 2 * c["pad"] + extra < 1:
        return
    conv = F.conv_transpose1d if nd == 1 else F.conv_transpose2d
    kw = dict(stride=c["stride"], padding=c["pad"], output_padding=extra,
              dilation=c["dil"], groups=c["groups"])
    expected = conv_transpose_ref(x, w, (c["stride"],) * nd, (c["pad"],) * nd,
                                  (extra,) * nd, (c["dil"],) * nd, c["groups"])
    out = conv(ag.tensor(x), ag.tensor(w), None, **kw)
    np.testing.assert_allclose(out.data, expected, atol=1e-10)
    assert gradcheck(lambda x, w, b: conv(x, w, b, **kw), (leaf(x), leaf(w), leaf(b)))


def test_conv_transpose_is_the_gradient_of_conv() -> None:
    rng = np.random.default_rng(0)
    x, w = leaf(rng.normal(size=(2, 4, 7, 6))), rng.normal(size=(6, 2, 3, 2))
    out = F.conv2d(x, ag.tensor(w), stride=2, padding=1, dilation=(1, 2), groups=2)
    g = rng.normal(size=out.shape)
    out.backward(ag.tensor(g))
    back = F.conv_transpose2d(ag.tensor(g), ag.tensor(w), stride=2, padding=1,
                              output_padding=(0, 1), dilation=(1, 2), groups=2)
    np.testing.assert_allclose(back.data, x.grad.data, atol=1e-12)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("nd", [1, 2])
def test_conv_padding_modes(mode: str, nd: int) -> None:
    rng = np.random.default_rng(1)
    cls = nn.Conv1d if nd == 1 else nn.Conv2d
    conv = cls(2, 3, 3, padding=2, padding_mode=mode, dtype=np.float64)
    x = rng.normal(size=(2, 2) + (5,) * nd)
    np_mode = {"zeros": "constant", "replicate": "edge", "circular": "wrap"}.get(mode, mode)
    padded = np.pad(x, [(0, 0), (0, 0)] + [(2, 2)] * nd, mode=np_mode)
    expected = conv_ref(padded, conv.weight.data, conv.bias.data, (1,) * nd, (0,) * nd,
                        (1,) * nd, 1)
    np.testing.assert_allclose(conv(ag.tensor(x)).data, expected, atol=1e-10)
    assert gradcheck(lambda t: conv(t), (leaf(x),))
    assert ("padding_mode" in repr(conv)) == (mode != "zeros")


def test_conv_modules_shapes_and_init() -> None:
    ag.manual_seed(0)
    t = nn.ConvTranspose2d(4, 6, (3, 2), stride=2, groups=2, output_padding=1)
    assert t.weight.shape == (4, 3, 3, 2) and t.bias.shape == (6,)
    bound = 1 / np.sqrt(3 * 3 * 2)  # fan_in of the (in, out/groups, k) weight, as PyTorch
    assert np.abs(t.weight.data).max() <= bound and np.abs(t.bias.data).max() <= bound
    assert t(ag.ones(1, 4, 5, 5)).shape == (1, 6, 12, 11)
    assert t(ag.ones(1, 4, 5, 5), output_size=(11, 10)).shape == (1, 6, 11, 10)
    assert nn.ConvTranspose1d(2, 3, 4, stride=3)(ag.ones(2, 5)).shape == (3, 16)
    assert nn.Conv1d(2, 3, 3, padding="same")(ag.ones(1, 2, 7)).shape == (1, 3, 7)
    with pytest.raises(ValueError, match="ConvTranspose2d: padding_mode"):
        nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")


# ----------------------------------------------------------------------------------------
# pad


@few
@given(st.sampled_from(["constant", "reflect", "replicate", "circular"]),
       st.lists(st.integers(-1, 2), min_size=2, max_size=4).filter(lambda p: len(p) % 2 == 0),
       st.integers(0, 99))
def test_pad_matches_numpy_and_gradcheck(mode: str, widths: list, seed: int) -> None:
    x = np.random.default_rng(seed).normal(size=(2, 3, 4))
    out = F.pad(ag.tensor(x), tuple(widths), mode=mode)
    np_mode = {"replicate": "edge", "circular": "wrap"}.get(mode, mode)
    dims = {x.ndim - 1 - i: (widths[2 * i], widths[2 * i + 1]) for i in range(len(widths) // 2)}
    ref = x
    if mode != "reflect":  # crop first (reflect mirrors the whole dim, as PyTorch)
        ref = ref[tuple(slice(max(-dims[d][0], 0), ref.shape[d] - max(-dims[d][1], 0))
                        if d in dims else slice(None) for d in range(3))]
    grow = [(max(lo, 0), max(hi, 0)) for lo, hi in (dims.get(d, (0, 0)) for d in range(3))]
    ref = np.pad(ref, grow, mode=np_mode)
    if mode == "reflect":
        ref = ref[tuple(slice(max(-dims[d][0], 0), ref.shape[d] - max(-dims[d][1], 0))
                        if d in dims else slice(None) for d in range(3))]
    np.testing.assert_array_equal(out.data, ref)
    assert gradcheck(lambda t: F.pad(t, tuple(widths), mode=mode), (leaf(x),))


def test_pad_value_and_numpy_form_untouched() -> None:
    x = ag.ones(2, 3)
    np.testing.assert_array_equal(F.pad(x, (1, 0), value=7).data[:, 0], [7, 7])
    assert F.pad(x, (0, 0, 1, 1)).shape == (4, 3)
    assert ag.pad(x, ((1, 1), (0, 0))).shape == (4, 3)  # numpy's pad_width stays on ag.pad


# ----------------------------------------------------------------------------------------
# Pooling

POOL = st.fixed_dictionaries(dict(
    nd=st.sampled_from([1, 2]), k=st.integers(1, 3), stride=st.integers(1, 3),
    pad=st.integers(0, 1), ceil=st.booleans(), size=st.integers(3, 7),
    seed=st.integers(0, 99)))


def pool_ref(x, k, s, p, ceil, fn, fill):
    nd = x.ndim - 2
    sizes = [F._pool_size(n, k, s, p, 1, ceil) for n in x.shape[2:]]
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p + e) for _, e in sizes], constant_values=fill)
    out = np.zeros(x.shape[:2] + tuple(o for o, _ in sizes))
    for pos in itertools.product(*(range(o) for o, _ in sizes)):
        sl = tuple(slice(i * s, i * s + k) for i in pos)
        out[(Ellipsis,) + pos] = fn(xp[(Ellipsis,) + sl], axis=tuple(range(2, 2 + nd)))
    return out


@few
@given(POOL)
def test_max_pool_reference_indices_unpool_and_gradcheck(c: dict) -> None:
    nd, k = c["nd"], c["k"]
    pad = min(c["pad"], k // 2)
    x = unique(np.random.default_rng(c["seed"]), (2, 2) + (c["size"],) * nd)
    pool = F.max_pool1d if nd == 1 else F.max_pool2d
    kw = dict(kernel_size=k, stride=c["stride"], padding=pad, ceil_mode=c["ceil"])
    out, idx = pool(ag.tensor(x), **kw, return_indices=True)
    np.testing.assert_array_equal(
        out.data, pool_ref(x, k, c["stride"], pad, c["ceil"], np.max, -np.inf))
    flat = x.reshape(2, 2, -1)
    np.testing.assert_array_equal(
        np.take_along_axis(flat, idx.data.reshape(2, 2, -1), -1).reshape(out.shape), out.data)
    assert gradcheck(lambda t: pool(t, **kw), (leaf(x),))
    if nd == 2 and not c["ceil"] and k >= c["stride"]:
        back = F.max_unpool2d(out, idx, k, c["stride"], pad, output_size=x.shape)
        kept = np.zeros(flat.shape)
        np.put_along_axis(kept, idx.data.reshape(2, 2, -1), out.data.reshape(2, 2, -1), -1)
        np.testing.assert_array_equal(back.data, kept.reshape(x.shape))
        assert gradcheck(lambda t: F.max_unpool2d(t, idx, k, c["stride"], pad,
                                                  output_size=x.shape), (leaf(out.data),))


def test_max_pool_gradient_goes_to_the_first_maximum_as_pytorch() -> None:
    x = leaf(np.array([[[[1.0, 3.0], [3.0, 0.0]]]]))
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[[[0, 1], [0, 0]]]])
    assert idx.item() == 1 and idx.dtype == np.int64
    m = nn.MaxPool2d(2, return_indices=True)
    assert isinstance(m(x), tuple) and nn.MaxPool1d(2)(ag.ones(1, 4)).shape == (1, 2)


def avg_pool1d_ref(x, k, s, p, ceil, include):
    """Each window's sum over the cells it counts: the padded row (include) or the input;
    ceil_mode's extra cells past the padding never count."""
    n = x.shape[-1]
    out = np.zeros(x.shape[:-1] + (F._pool_size(n, k, s, p, 1, ceil)[0],))
    for i in range(out.shape[-1]):
        cells = [j for j in range(i * s - p, i * s - p + k)
                 if (-p <= j < n + p if include else 0 <= j < n)]
        out[..., i] = x[..., [j for j in cells if 0 <= j < n]].sum(-1) / len(cells)
    return out


@few
@given(POOL, st.booleans())
def test_avg_pool1d_reference_and_gradcheck(c: dict, include: bool) -> None:
    k, pad = c["k"], min(c["pad"], c["k"] // 2)
    x = np.random.default_rng(c["seed"]).normal(size=(2, 2, c["size"]))
    out = F.avg_pool1d(ag.tensor(x), k, c["stride"], pad, c["ceil"], include)
    np.testing.assert_allclose(out.data, avg_pool1d_ref(x, k, c["stride"], pad, c["ceil"],
                                                        include), atol=1e-12)
    assert gradcheck(lambda t: F.avg_pool1d(t, k, c["stride"], pad, c["ceil"], include),
                     (leaf(x),))
    layer = nn.AvgPool1d(k, c["stride"], pad, c["ceil"], include)
    np.testing.assert_array_equal(layer(ag.tensor(x)).data, out.data)


@few
@given(st.integers(1, 7), st.integers(1, 7), st.integers(3, 7), st.integers(0, 99))
def test_adaptive_pools_reference_and_gradcheck(oh: int, ow: int, size: int,
                                                seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = unique(rng, (2, 2, size, size + 1))
    avg = F.adaptive_avg_pool2d(ag.tensor(x), (oh, ow))
    np.testing.assert_allclose(avg.data, adaptive_ref(x, (oh, ow), np.mean), atol=1e-12)
    out, idx = F.adaptive_max_pool2d(ag.tensor(x), (oh, ow), return_indices=True)
    np.testing.assert_array_equal(out.data, adaptive_ref(x, (oh, ow), np.max))
    np.testing.assert_array_equal(
        np.take_along_axis(x.reshape(2, 2, -1), idx.data.reshape(2, 2, -1), -1).reshape(
            out.shape), out.data)
    x1 = x[..., 0]
    np.testing.assert_allclose(F.adaptive_avg_pool1d(ag.tensor(x1), oh).data,
                               adaptive_ref(x1, (oh,), np.mean), atol=1e-12)
    assert gradcheck(lambda t: F.adaptive_avg_pool2d(t, (oh, ow)), (leaf(x),))
    assert gradcheck(lambda t: F.adaptive_max_pool2d(t, (oh, ow)), (leaf(x),))
    assert gradcheck(lambda t: F.adaptive_avg_pool1d(t, oh), (leaf(x1),))
    assert nn.AdaptiveAvgPool2d((oh, None))(ag.tensor(x)).shape == (2, 2, oh, size + 1)
    assert nn.AdaptiveMaxPool2d(oh)(ag.tensor(x[0])).shape == (2, oh, oh)
    assert nn.AdaptiveAvgPool1d(oh)(ag.tensor(x1)).shape == (2, 2, oh)


def test_broadcast_size_one_dims() -> None:
    """Size-1 batch, channel and spatial dims (and unbatched input) all work."""
    x = leaf(np.random.default_rng(2).normal(size=(1, 1, 1, 5)))
    assert gradcheck(lambda t: F.conv2d(t, ag.ones(2, 1, 1, 3, dtype=np.float64)), (x,))
    assert gradcheck(lambda t: F.conv_transpose2d(t, ag.ones(1, 1, 1, 1, dtype=np.float64),
                                                  stride=2), (x,))
    assert F.max_pool2d(x, (1, 2)).shape == (1, 1, 1, 2)
    assert F.conv1d(ag.ones(1, 4), ag.ones(2, 1, 4)).shape == (2, 1)


def test_second_order_through_windows_col2im_and_max() -> None:
    """The new primitives' vjps are differentiable (windows <-> window_sum,
    take_first <-> put_first): double backward of conv, transposed conv and max pooling."""
    rng = np.random.default_rng(3)
    x, w = leaf(unique(rng, (1, 2, 5, 5))), leaf(rng.normal(size=(2, 2, 2, 2)))
    assert gradgradcheck(lambda x, w: F.conv2d(x, w, stride=2, dilation=(1, 2)) ** 2, (x, w))
    assert gradgradcheck(lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1) ** 2,
                         (x, w))
    assert gradgradcheck(lambda x: F.max_pool2d(x, 2, stride=1) ** 2, (x,))
