"""Issue 16's activations, distances and losses: forward values against numpy references,
gradients against finite differences in float64 over hypothesis shapes (size-1 dims and
broadcasting included), second order for the smooth ones, module forms equal to the
functional forms, in-place forms, reductions, and the random ones (rrelu, gumbel_softmax)
drawn from the library's generator."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
import nn
import nn.functional as F
from autograd_lite.testing import gradcheck, gradgradcheck
from autograd_lite.testing.strategies import away_from, broadcastable_shapes, floats, shapes

few = settings(max_examples=min(settings.default.max_examples, 10), deadline=None)
CLOSE = dict(rtol=1e-10, atol=1e-12)
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def t64(a, requires_grad: bool = True) -> ag.Tensor:
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def arrays(shape, elements=None) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, shape, elements=floats() if elements is None else elements)


def small_shapes(min_dims: int = 0) -> st.SearchStrategy[tuple]:
    return shapes(min_dims=min_dims, max_dims=3, max_side=3)


def np_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


# ----------------------------------------------------------------------------------------
# Elementwise activations: name -> (call, numpy reference, kinks, smooth)

ACTIVATIONS = {
    "silu": (F.silu, lambda x: x * np_sigmoid(x), (), True),
    "selu": (F.selu, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
             (0.0,), True),
    "celu": (lambda x: F.celu(x, 1.5),
             lambda x: np.where(x > 0, x, 1.5 * np.expm1(x / 1.5)), (0.0,), True),
    "celu_negative_alpha": (lambda x: F.celu(x, -2.0),
                            lambda x: np.where(x > 0, x, -2.0 * np.expm1(x / -2.0)), (0.0,),
                            True),
    "hardtanh": (lambda x: F.hardtanh(x, -0.5, 2.0), lambda x: np.clip(x, -0.5, 2.0),
                 (-0.5, 2.0), False),
    "relu6": (F.relu6, lambda x: np.clip(x, 0, 6), (0.0, 6.0), False),
    "hardswish": (F.hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6, (-3.0, 3.0), False),
    "hardsigmoid": (F.hardsigmoid, lambda x: np.clip(x + 3, 0, 6) / 6, (-3.0, 3.0), False),
    "mish": (F.mish, lambda x: x * np.tanh(np.log1p(np.exp(x))), (), True),
    "softsign": (F.softsign, lambda x: x / (1 + np.abs(x)), (0.0,), True),
    "logsigmoid": (F.logsigmoid, lambda x: -np.log1p(np.exp(-x)), (), True),
    "tanhshrink": (F.tanhshrink, lambda x: x - np.tanh(x), (), True),
    "softshrink": (lambda x: F.softshrink(x, 0.7),
                   lambda x: np.where(x > 0.7, x - 0.7, np.where(x < -0.7, x + 0.7, 0)),
                   (-0.7, 0.7), False),
    "hardshrink": (F.hardshrink, lambda x: np.where(np.abs(x) > 0.5, x, 0), (-0.5, 0.5), False),
    "threshold": (lambda x: F.threshold(x, 0.3, -2.0), lambda x: np.where(x > 0.3, x, -2.0),
                  (0.3,), False),
    "rrelu_eval": (F.rrelu, lambda x: np.where(x > 0, x, x * (1 / 8 + 1 / 3) / 2), (0.0,),
                   False),
    "softmin": (lambda x: F.softmin(x, dim=-1), lambda x: np_softmax(-x, -1) if x.ndim else
                np.ones_like(x), (), True),
}


def activation_inputs(kinks: tuple) -> st.SearchStrategy[np.ndarray]:
    return arrays(small_shapes(), away_from(*kinks, min_value=-5.0, max_value=5.0))


@pytest.mark.parametrize("name", ACTIVATIONS)
@few
@given(data=st.data())
def test_activation_forward_matches_numpy(name, data):
    fn, ref, kinks, _ = ACTIVATIONS[name]
    x = data.draw(arrays(small_shapes(), floats(-8, 8)))
    out = fn(t64(x, False))
    assert out.shape == x.shape and out.dtype == np.float64
    np.testing.assert_allclose(out.data, ref(x), **CLOSE)


@pytest.mark.parametrize("name", ACTIVATIONS)
@few
@given(data=st.data())
def test_activation_gradient(name, data):
    fn, _, kinks, smooth = ACTIVATIONS[name]
    x = t64(data.draw(activation_inputs(kinks)))
    assert gradcheck(fn, [x])
    if smooth:
        assert gradgradcheck(fn, [x])


def test_gradients_at_the_kinks_are_pytorchs():
    """Where the one-sided slopes differ PyTorch picks one; these are its choices (checked
    against torch 2.13): hardtanh/relu6/hardsigmoid 0 at their bounds, hardswish 0 at −3
    and 1 at 3, the shrinks 0 at ±lambd, threshold 0 at the threshold, ..."""
    cases = {
        "hardtanh": (F.hardtanh, [-1.0, 1.0], [0.0, 0.0]),
        "relu6": (F.relu6, [0.0, 6.0], [0.0, 0.0]),
        "hardsigmoid": (F.hardsigmoid, [-3.0, 3.0], [0.0, 0.0]),
        "hardswish": (F.hardswish, [-3.0, 3.0], [0.0, 1.0]),
        "softshrink": (F.softshrink, [-0.5, 0.5], [0.0, 0.0]),
        "hardshrink": (F.hardshrink, [-0.5, 0.5], [0.0, 0.0]),
        "threshold": (lambda x: F.threshold(x, 1.0, 5.0), [1.0], [0.0]),
        "celu": (lambda x: F.celu(x, 2.0), [0.0], [1.0]),
        "prelu": (lambda x: F.prelu(x, ag.tensor([0.25], dtype=np.float64)), [0.0], [0.25]),
        "rrelu": (F.rrelu, [0.0], [(1 / 8 + 1 / 3) / 2]),
        # the hinge losses: clamp_min's 1 at 0, except multi_margin's 0 (z > 0 only)
        "margin_ranking_loss": (lambda x: F.margin_ranking_loss(x, t64([2.0], False),
                                                                t64([-1.0], False)),
                                [2.0], [1.0]),
        "hinge_embedding_loss": (lambda x: F.hinge_embedding_loss(x, t64([-1.0], False)),
                                 [1.0], [-1.0]),
        "multi_margin_loss": (lambda x: F.multi_margin_loss(x.reshape(1, 2), ag.tensor([1])),
                              [0.0, 1.0], [0.0, 0.0]),
    }
    for name, (fn, at, slope) in cases.items():
        x = t64(at)
        fn(x).sum().backward()
        np.testing.assert_allclose(x.grad.data, slope, err_msg=name)


def test_logsigmoid_is_stable_for_any_input():
    x = t64([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    y = F.logsigmoid(x)
    np.testing.assert_allclose(y.data, [-1000.0, -50.0, -math.log(2), -np.exp(-50.0), 0.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.0, 1.0, 0.5, np.exp(-50.0), 0.0])


MODULES = {  # module -> the functional form it equals
    "SiLU": (nn.SiLU(), F.silu), "SELU": (nn.SELU(), F.selu),
    "CELU": (nn.CELU(0.7), lambda x: F.celu(x, 0.7)),
    "Hardtanh": (nn.Hardtanh(-2.0, 0.5), lambda x: F.hardtanh(x, -2.0, 0.5)),
    "ReLU6": (nn.ReLU6(), F.relu6), "Hardswish": (nn.Hardswish(), F.hardswish),
    "Hardsigmoid": (nn.Hardsigmoid(), F.hardsigmoid), "Mish": (nn.Mish(), F.mish),
    "Softsign": (nn.Softsign(), F.softsign), "LogSigmoid": (nn.LogSigmoid(), F.logsigmoid),
    "GLU": (nn.GLU(0), lambda x: F.glu(x, 0)), "Tanhshrink": (nn.Tanhshrink(), F.tanhshrink),
    "Softshrink": (nn.Softshrink(0.3), lambda x: F.softshrink(x, 0.3)),
    "Hardshrink": (nn.Hardshrink(0.3), lambda x: F.hardshrink(x, 0.3)),
    "Threshold": (nn.Threshold(0.1, 20.0), lambda x: F.threshold(x, 0.1, 20.0)),
    "RReLU": (nn.RReLU(0.1, 0.3).eval(), lambda x: F.rrelu(x, 0.1, 0.3)),
    "Softmin": (nn.Softmin(1), lambda x: F.softmin(x, 1)),
}


@pytest.mark.parametrize("name", MODULES)
def test_module_equals_functional(name):
    module, fn = MODULES[name]
    x = np.random.default_rng(0).uniform(-4, 4, (4, 3))
    np.testing.assert_array_equal(module(t64(x, False)).data, fn(t64(x, False)).data)


IN_PLACE = ["silu", "selu", "celu", "hardtanh", "relu6", "hardswish", "hardsigmoid", "mish",
            "threshold", "rrelu"]


@pytest.mark.parametrize("name", IN_PLACE)
def test_inplace_writes_into_the_input_and_keeps_the_gradient(name):
    fn = getattr(F, name)
    args = (0.5, -1.0) if name == "threshold" else ()
    x = np.random.default_rng(1).uniform(-4, 4, (3, 4))
    w, w2 = t64(x), t64(x)
    h = w * 1.0
    out = fn(h, *args, inplace=True)
    assert out is h and h._version == 1
    expected = fn(w2 * 1.0, *args)
    np.testing.assert_array_equal(h.data, expected.data)
    h.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(w.grad.data, w2.grad.data)
    with pytest.raises(RuntimeError, match=name):  # a leaf that requires grad, as PyTorch
        fn(t64(x), *args, inplace=True)


@few
@given(data=st.data())
def test_glu(data):
    shape = list(data.draw(small_shapes(min_dims=1)))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    shape[dim] *= 2
    x = data.draw(arrays(tuple(shape)))
    a, b = np.split(x, 2, axis=dim)
    np.testing.assert_allclose(F.glu(t64(x, False), dim).data, a * np_sigmoid(b), **CLOSE)
    assert gradcheck(lambda t: F.glu(t, dim), [t64(x)])
    assert gradgradcheck(lambda t: F.glu(t, dim), [t64(x)])


@few
@given(data=st.data())
def test_prelu(data):
    shape = data.draw(small_shapes())
    channels = shape[1] if len(shape) >= 2 else 1
    n = data.draw(st.sampled_from([1, channels]))
    x = data.draw(arrays(shape, away_from(0.0)))
    w = data.draw(arrays((n,), floats(-1, 1)))
    wb = w.reshape((channels,) + (1,) * (len(shape) - 2)) if n > 1 else w.reshape(())
    np.testing.assert_allclose(F.prelu(t64(x, False), t64(w, False)).data,
                               np.where(x > 0, x, wb * x), **CLOSE)
    assert gradcheck(F.prelu, [t64(x), t64(w)])
    module = nn.PReLU(n, init=0.1, dtype=np.float64)
    assert module.weight.shape == (n,) and np.all(module.weight.data == 0.1)
    np.testing.assert_array_equal(module(t64(x, False)).data,
                                  F.prelu(t64(x, False), module.weight).data)


def test_rrelu_training_draws_slopes_from_the_library_generator():
    x = t64(np.concatenate([np.full(2000, -2.0), np.full(10, 3.0)]))
    ag.manual_seed(5)
    y = F.rrelu(x, 0.1, 0.4, training=True)
    slopes = y.data[:2000] / -2.0
    assert 0.1 <= slopes.min() and slopes.max() < 0.4 and len(np.unique(slopes)) == 2000
    assert abs(slopes.mean() - 0.25) < 0.01
    np.testing.assert_array_equal(y.data[2000:], 3.0)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data[:2000], slopes)  # the gradient is the slope
    ag.manual_seed(5)
    np.testing.assert_array_equal(F.rrelu(x, 0.1, 0.4, training=True).data, y.data)
    module = nn.RReLU(0.1, 0.4)
    ag.manual_seed(5)
    np.testing.assert_array_equal(module(x).data, y.data)  # training mode by default
    np.testing.assert_array_equal(module.eval()(x).data, F.rrelu(x, 0.1, 0.4).data)


def test_gumbel_softmax():
    logits = t64(np.log([[0.1, 0.6, 0.3]]) * np.ones((4000, 1)))
    ag.manual_seed(3)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.data.sum(axis=1), 1.0)
    ag.manual_seed(3)
    hard = F.gumbel_softmax(logits, tau=0.5, hard=True)
    assert set(np.unique(hard.data)) == {0.0, 1.0} and np.all(hard.data.sum(axis=1) == 1)
    np.testing.assert_array_equal(hard.data.argmax(axis=1), soft.data.argmax(axis=1))
    # argmax of Gumbel-perturbed logits samples the softmax distribution
    np.testing.assert_allclose(hard.data.mean(axis=0), [0.1, 0.6, 0.3], atol=0.03)
    # straight-through: the hard sample's gradient is the soft sample's
    w = np.random.default_rng(0).standard_normal(hard.shape)
    g_hard = ag.grad([(hard * w).sum()], [logits])[0]
    g_soft = ag.grad([(soft * w).sum()], [logits])[0]
    np.testing.assert_allclose(g_hard.data, g_soft.data, **CLOSE)
    ag.manual_seed(3)
    np.testing.assert_array_equal(F.gumbel_softmax(logits, tau=0.5, dim=1).data, soft.data)
    with pytest.warns(UserWarning, match="eps"):
        F.gumbel_softmax(logits, eps=1e-3)


@few
@given(x=arrays(small_shapes(min_dims=1)))
def test_gumbel_softmax_gradient(x):
    def fn(t):
        ag.manual_seed(0)  # the same noise at every finite-difference step
        return F.gumbel_softmax(t, tau=0.7)
    assert gradcheck(fn, [t64(x)])


# ----------------------------------------------------------------------------------------
# Distances


def np_norm(x: np.ndarray, p: float, axis: int) -> np.ndarray:
    a = np.abs(x)
    if p == math.inf:
        return a.max(axis=axis, keepdims=True)
    return (a ** p).sum(axis=axis, keepdims=True) ** (1 / p)


NONZERO = away_from(0.0, margin=0.1)


@few
@given(data=st.data())
def test_normalize(data):
    shape = data.draw(small_shapes(min_dims=1))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    p = data.draw(st.sampled_from([1.0, 2.0, 3.0, math.inf]))
    x = data.draw(arrays(shape, NONZERO) if p != math.inf else
                  hnp.arrays(np.float64, shape, elements=st.integers(-300, 300).map(
                      lambda i: i / 100 + 0.005), unique=True))
    out = F.normalize(t64(x, False), p, dim)
    np.testing.assert_allclose(out.data, x / np.maximum(np_norm(x, p, dim), 1e-12), **CLOSE)
    assert gradcheck(lambda t: F.normalize(t, p, dim), [t64(x)])


def test_normalize_and_cosine_similarity_of_a_zero_vector():
    x = t64([[0.0, 0.0], [3.0, 4.0]])
    out = F.normalize(x)
    np.testing.assert_allclose(out.data, [[0, 0], [0.6, 0.8]])
    out.sum().backward()
    assert np.all(np.isfinite(x.grad.data))
    np.testing.assert_allclose(x.grad.data[0], 1e12)  # x / eps below eps, as PyTorch
    y = t64([[0.0, 0.0], [1.0, 1.0]])
    cos = F.cosine_similarity(y, t64([[1.0, 2.0], [1.0, 0.0]]))
    np.testing.assert_allclose(cos.data, [0.0, math.sqrt(0.5)])
    cos.sum().backward()
    assert np.all(np.isfinite(y.grad.data))


@few
@given(data=st.data())
def test_cosine_similarity_broadcasts(data):
    sa, sb = data.draw(broadcastable_shapes(min_dims=1, max_dims=3, max_side=3))
    shape = np.broadcast_shapes(sa, sb)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    a, b = data.draw(arrays(sa, NONZERO)), data.draw(arrays(sb, NONZERO))
    A, B = np.broadcast_to(a, shape), np.broadcast_to(b, shape)
    expected = (A * B).sum(axis=dim) / (np.linalg.norm(A, axis=dim) * np.linalg.norm(B, axis=dim))
    out = F.cosine_similarity(t64(a, False), t64(b, False), dim)
    np.testing.assert_allclose(out.data, expected, **CLOSE)
    np.testing.assert_array_equal(nn.CosineSimilarity(dim)(t64(a), t64(b)).data, out.data)

    def fn(x, y):
        return F.cosine_similarity(x, y, dim)
    assert gradcheck(fn, [t64(a), t64(b)])
    assert gradgradcheck(fn, [t64(a), t64(b)])


@few
@given(data=st.data())
def test_pairwise_distance_broadcasts(data):
    sa, sb = data.draw(broadcastable_shapes(min_dims=0, max_dims=3, max_side=3))
    p = data.draw(st.sampled_from([1.0, 2.0, 3.0]))
    keepdim = data.draw(st.booleans())
    a = data.draw(arrays(sa))
    b = a + data.draw(arrays(sb, NONZERO))  # the difference away from 0 (the norm's kink)
    d = np.broadcast_to(a - b + 1e-6, np.broadcast_shapes(sa, sb))
    expected = (np.abs(d) ** p).sum(axis=-1, keepdims=keepdim) ** (1 / p) if d.ndim else \
        np.abs(d)
    out = F.pairwise_distance(t64(a, False), t64(b, False), p, keepdim=keepdim)
    np.testing.assert_allclose(out.data, expected, **CLOSE)
    np.testing.assert_array_equal(
        nn.PairwiseDistance(p, keepdim=keepdim)(t64(a), t64(b)).data, out.data)

    def fn(x, y):
        return F.pairwise_distance(x, y, p, keepdim=keepdim)
    assert gradcheck(fn, [t64(a), t64(b)])
    if p == 2.0:
        assert gradgradcheck(fn, [t64(a), t64(b)])


# ----------------------------------------------------------------------------------------
# Losses: name -> (strategy of (arrays, kwargs), numpy per-element reference, the
# differentiable positions, its module, smooth). The reference is the reduction='none'
# value; 'sum' and 'mean' are checked from it.

LABELS = st.sampled_from([1.0, -1.0])
GRID = st.integers(-300, 300).map(lambda i: i / 100)  # with margins off the grid: no kinks


@st.composite
def pair(draw, target=None, broadcast=False, min_dims=0):
    if broadcast:
        sx, sy = draw(broadcastable_shapes(min_dims=min_dims, max_dims=3, max_side=3))
    else:
        sx = sy = draw(small_shapes(min_dims=min_dims))
    return draw(arrays(sx)), draw(arrays(sy, target))


def np_kl(x, y, log_target=False):
    if log_target:
        return np.exp(y) * (y - x)
    return np.where(y == 0, 0.0, y * np.log(np.where(y == 0, 1.0, y))) - y * x


def np_smooth_l1(x, y, beta):
    d = np.abs(x - y)
    return np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta) if beta else d


def np_multilabel(x, y, weight=None):
    loss = -(y * np.log(np_sigmoid(x)) + (1 - y) * np.log(np_sigmoid(-x)))
    return (loss if weight is None else loss * weight).sum(axis=x.ndim - 1) / x.shape[-1]


def np_cos_embedding(a, b, t, margin):
    cos = (a * b).sum(-1) / np.sqrt(((a * a).sum(-1) + 1e-12) * ((b * b).sum(-1) + 1e-12))
    return np.where(t == 1, 1 - cos, 0) + np.where(t == -1, np.maximum(cos - margin, 0), 0)


def np_triplet(a, p, n, margin, norm, swap):
    def dist(u, v):
        return (np.abs(u - v + 1e-6) ** norm).sum(-1) ** (1 / norm)
    d_neg = np.minimum(dist(a, n), dist(p, n)) if swap else dist(a, n)
    return np.maximum(dist(a, p) - d_neg + margin, 0)


def np_gaussian(x, y, v, full):
    v = np.maximum(v, 1e-6)
    return 0.5 * (np.log(v) + (x - y) ** 2 / v) + (0.5 * math.log(2 * math.pi) if full else 0)


def np_poisson(x, y, log_input, full):
    loss = np.exp(x) - y * x if log_input else x - y * np.log(x + 1e-8)
    if full:
        ys = np.where(y > 1, y, 2.0)
        loss = loss + np.where(y > 1, ys * np.log(ys) - ys + 0.5 * np.log(2 * math.pi * ys), 0)
    return loss


def np_multi_margin(x, y, p, margin, w):
    x2 = x.reshape(-1, x.shape[-1])
    n, c = x2.shape
    z = np.maximum(margin - x2[np.arange(n), y.reshape(n)][:, None] + x2, 0) ** p
    z[np.arange(n), y.reshape(n)] = 0
    if w is not None:
        z = z * w[y.reshape(n)][:, None]
    loss = z.sum(axis=1) / c
    return loss.reshape(()) if x.ndim == 1 else loss


@st.composite
def embedding_problem(draw):
    n, d = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    one = draw(st.booleans())  # (D,) inputs with a 0-d target
    shape = (d,) if one else (n, d)
    a, b = draw(arrays(shape, NONZERO)), draw(arrays(shape, NONZERO))
    t = draw(hnp.arrays(np.float64, () if one else (n,), elements=st.sampled_from([1., -1., 0.])))
    return (a, b, t), {"margin": draw(st.sampled_from([0.0, 0.5]))}


@st.composite
def ranking_problem(draw):
    shape = draw(small_shapes())
    a = draw(arrays(shape, GRID))
    b = draw(arrays(shape, GRID))
    t = draw(hnp.arrays(np.float64, shape, elements=LABELS))
    return (a, b, t), {"margin": draw(st.sampled_from([0.005, 0.505]))}


@st.composite
def triplet_problem(draw):
    shape = draw(shapes(min_dims=1, max_dims=2, max_side=3))
    a, p, n = (draw(arrays(shape)) for _ in range(3))
    return (a, p + draw(arrays(shape, NONZERO)), n + draw(arrays(shape, NONZERO))), {
        "margin": draw(st.sampled_from([0.5, 1.0])), "p": draw(st.sampled_from([1.0, 2.0]))}


@st.composite
def gaussian_problem(draw):
    shape = draw(small_shapes(min_dims=1))
    x, y = draw(arrays(shape)), draw(arrays(shape))
    kind = draw(st.sampled_from(["same", "one fewer", "size 1"]))
    vshape = {"same": shape, "one fewer": shape[:-1],
              "size 1": shape[:-1] + (1,)}[kind]
    v = draw(arrays(vshape, floats(0.1, 3)))
    return (x, y, v), {"full": draw(st.booleans())}


@st.composite
def poisson_problem(draw):
    x, y = draw(pair(broadcast=True))
    log_input = draw(st.booleans())
    counts = np.round(np.abs(y) * 2)
    return (x if log_input else np.abs(x) + 0.1, counts), {
        "log_input": log_input, "full": draw(st.booleans())}


@st.composite
def multi_margin_problem(draw):
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    one = draw(st.booleans())
    x = draw(arrays((c,) if one else (n, c), GRID))
    y = draw(hnp.arrays(np.int64, () if one else (n,), elements=st.integers(0, c - 1)))
    w = draw(st.none() | arrays((c,), floats(0.1, 2)))
    return (x, y), {"p": draw(st.sampled_from([1, 2])), "margin": 1.005, "weight": w}


LOSSES = {
    "kl_div": (pair(floats(0.1, 1), broadcast=True).map(lambda xy: (xy, {})),
               np_kl, (0, 1), nn.KLDivLoss, True),
    "kl_div_log_target": (pair(broadcast=True).map(lambda xy: (xy, {"log_target": True})),
                          np_kl, (0, 1), nn.KLDivLoss, True),
    "smooth_l1_loss": (st.tuples(pair(), st.sampled_from([0.5, 1.0, 2.0])).map(
        lambda xb: (xb[0], {"beta": xb[1]})), np_smooth_l1, (0, 1), nn.SmoothL1Loss, False),
    "soft_margin_loss": (pair(LABELS).map(lambda xy: (xy, {})),
                         lambda x, y: np.log1p(np.exp(-y * x)), (0,), nn.SoftMarginLoss, True),
    "multilabel_soft_margin_loss": (
        st.tuples(pair(st.sampled_from([0.0, 1.0]), broadcast=True, min_dims=1),
                  st.booleans()).map(lambda xyw: (xyw[0], {"weight": np.linspace(
                      0.5, 2, np.broadcast_shapes(xyw[0][0].shape, xyw[0][1].shape)[-1])
                      if xyw[1] else None})),
        np_multilabel, (0,), nn.MultiLabelSoftMarginLoss, True),
    "cosine_embedding_loss": (embedding_problem(), np_cos_embedding, (0, 1),
                              nn.CosineEmbeddingLoss, False),
    "margin_ranking_loss": (ranking_problem(),
                            lambda a, b, t, margin: np.maximum(-t * (a - b) + margin, 0),
                            (0, 1), nn.MarginRankingLoss, False),
    "triplet_margin_loss": (triplet_problem(),
                            lambda a, p, n, margin, p_: np_triplet(a, p, n, margin, p_, False),
                            (0, 1, 2), nn.TripletMarginLoss, False),
    "gaussian_nll_loss": (gaussian_problem(),
                          lambda x, y, v, full: np_gaussian(
                              x, y, v if v.shape == x.shape or v.ndim == x.ndim else v[..., None],
                              full), (0, 1, 2), nn.GaussianNLLLoss, True),
    "poisson_nll_loss": (poisson_problem(), np_poisson, (0,), nn.PoissonNLLLoss, True),
    "hinge_embedding_loss": (pair(LABELS, broadcast=True).filter(
        lambda xy: np.all(np.abs(xy[0] - 1.0) > 1e-2)).map(lambda xy: (xy, {})),
        lambda x, t: np.where(t == 1, x, np.maximum(1 - x, 0)), (0,), nn.HingeEmbeddingLoss,
        False),
    "multi_margin_loss": (multi_margin_problem(),
                          lambda x, y, p, margin, weight: np_multi_margin(x, y, p, margin,
                                                                          weight),
                          (0,), nn.MultiMarginLoss, False),
}


def loss_call(name: str):
    return getattr(F, name.replace("_log_target", ""))


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")  # kl_div's, as PyTorch
@pytest.mark.parametrize("name", LOSSES)
@few
@given(data=st.data())
def test_loss_forward_reductions_and_module(name, data):
    problem, ref, _, _, _ = LOSSES[name]
    arrays_, kw = data.draw(problem)
    ins = [t64(a, False) if a.dtype.kind == "f" else ag.tensor(a) for a in arrays_]
    fn = loss_call(name)
    ref_kw = {"margin": kw["margin"], "p_": kw["p"]} if name == "triplet_margin_loss" else kw
    expected = ref(*arrays_, **ref_kw)
    none = fn(*ins, **kw, reduction="none")
    np.testing.assert_allclose(none.data, expected, **CLOSE)
    np.testing.assert_allclose(fn(*ins, **kw, reduction="sum").data, expected.sum(), **CLOSE)
    np.testing.assert_allclose(fn(*ins, **kw).data, expected.mean(), **CLOSE)
    module = LOSSES[name][3](**kw, reduction="none")
    np.testing.assert_array_equal(module(*ins).data, none.data)


@pytest.mark.parametrize("name", LOSSES)
@few
@given(data=st.data())
def test_loss_gradient(name, data):
    problem, _, wrt, _, smooth = LOSSES[name]
    arrays_, kw = data.draw(problem)
    fn = loss_call(name)
    ins = [t64(a, i in wrt) if a.dtype.kind == "f" else ag.tensor(a)
           for i, a in enumerate(arrays_)]
    for reduction in ("sum", "none"):
        assert gradcheck(lambda *t, r=reduction: fn(*t, **kw, reduction=r), ins)
    if smooth:
        assert gradgradcheck(lambda *t: fn(*t, **kw, reduction="sum"), ins)


def test_kl_div_batchmean_and_its_mean_warning():
    x = t64(np.log([[0.2, 0.8], [0.5, 0.5], [0.9, 0.1]]))
    y = t64([[0.0, 1.0], [0.5, 0.5], [0.3, 0.7]], False)
    per = np_kl(x.data, y.data)
    np.testing.assert_allclose(F.kl_div(x, y, reduction="batchmean").data, per.sum() / 3)
    np.testing.assert_allclose(nn.KLDivLoss(reduction="batchmean")(x, y).data, per.sum() / 3)
    with pytest.warns(UserWarning, match="batchmean"):
        np.testing.assert_allclose(F.kl_div(x, y).data, per.mean())


def test_smooth_l1_with_beta_0_is_l1():
    x, y = t64([[1.0, -2.0, 0.25]]), t64([[0.0, 0.0, 0.0]], False)
    np.testing.assert_allclose(F.smooth_l1_loss(x, y, beta=0.0).data,
                               F.l1_loss(x, y).data)


def test_gaussian_nll_var_is_clamped_without_changing_its_gradient():
    x, y = t64([1.0, 2.0]), t64([0.0, 0.0], False)
    var = t64([1e-9, 1.0])
    loss = F.gaussian_nll_loss(x, y, var, reduction="sum")
    np.testing.assert_allclose(loss.data, np_gaussian(x.data, y.data, var.data, False).sum())
    loss.backward()
    # d/dv of ½(log v + d²/v) at the clamped value 1e-6, passed straight to var
    np.testing.assert_allclose(var.grad.data, [0.5 / 1e-6 - 0.5 / 1e-12, 0.5 - 2.0])
    np.testing.assert_allclose(F.gaussian_nll_loss(x, y, 0.5).data,
                               np_gaussian(x.data, y.data, np.full(2, 0.5), False).mean())


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("name, args", [
    ("kl_div", lambda: (ag.zeros(0, 3), ag.zeros(0, 3))),
    ("smooth_l1_loss", lambda: (ag.zeros(0), ag.zeros(0))),
    ("soft_margin_loss", lambda: (ag.zeros(0), ag.zeros(0))),
    ("multilabel_soft_margin_loss", lambda: (ag.zeros(0, 3), ag.zeros(0, 3))),
    ("cosine_embedding_loss", lambda: (ag.zeros(0, 3), ag.zeros(0, 3), ag.zeros(0))),
    ("margin_ranking_loss", lambda: (ag.zeros(0), ag.zeros(0), ag.zeros(0))),
    ("triplet_margin_loss", lambda: (ag.zeros(0, 3), ag.zeros(0, 3), ag.zeros(0, 3))),
    ("gaussian_nll_loss", lambda: (ag.zeros(0), ag.zeros(0), ag.ones(0))),
    ("poisson_nll_loss", lambda: (ag.zeros(0), ag.zeros(0))),
    ("hinge_embedding_loss", lambda: (ag.zeros(0), ag.zeros(0))),
    ("multi_margin_loss", lambda: (ag.zeros(0, 3), ag.tensor(np.zeros(0, np.int64)))),
])
def test_mean_of_an_empty_batch_is_nan(name, args):
    x, *rest = args()
    x.requires_grad_()
    loss = getattr(F, name)(x, *rest)
    assert loss.shape == () and math.isnan(loss.item())
    loss.backward()
    assert x.grad.shape == x.shape
    assert getattr(F, name)(x.detach(), *rest, reduction="sum").item() == 0.0


def test_float32_stays_float32():
    x = ag.tensor(np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4))
    y = ag.tensor(np.full((3, 4), 0.5, np.float32))
    for fn in (F.silu, F.selu, F.celu, F.hardtanh, F.relu6, F.hardswish, F.hardsigmoid,
               F.mish, F.softsign, F.logsigmoid, F.glu, F.tanhshrink, F.softshrink,
               F.hardshrink, F.rrelu, lambda t: F.softmin(t, 1), F.normalize,
               lambda t: F.threshold(t, 0.0, 1.0), lambda t: F.gumbel_softmax(t)):
        assert fn(x).dtype == np.float32
    for loss in (F.kl_div, F.smooth_l1_loss, F.soft_margin_loss, F.multilabel_soft_margin_loss,
                 F.poisson_nll_loss, F.hinge_embedding_loss):
        assert loss(x, y, reduction="sum").dtype == np.float32
    assert F.cosine_similarity(x, y).dtype == np.float32
    assert F.pairwise_distance(x, y).dtype == np.float32
    assert F.gaussian_nll_loss(x, y, y).dtype == np.float32
    assert F.multi_margin_loss(x, ag.tensor([0, 1, 3])).dtype == np.float32


def test_module_state_and_repr():
    assert repr(nn.Hardtanh(-2.0, 2.0)) == "Hardtanh(min_val=-2.0, max_val=2.0)"
    assert repr(nn.Softshrink()) == "Softshrink(0.5)"
    assert repr(nn.Threshold(0.1, 20.0)) == "Threshold(threshold=0.1, value=20.0)"
    assert repr(nn.SiLU(inplace=True)) == "SiLU(inplace=True)"
    assert repr(nn.PReLU(3)) == "PReLU(num_parameters=3)"
    assert list(nn.PReLU(3).state_dict()) == ["weight"]
    assert list(nn.MultiLabelSoftMarginLoss(ag.ones(3)).state_dict()) == ["weight"]
    assert list(nn.MultiMarginLoss(weight=ag.ones(3)).state_dict()) == ["weight"]
    p = nn.PReLU(2)
    assert [n for n, _ in p.named_parameters()] == ["weight"]
