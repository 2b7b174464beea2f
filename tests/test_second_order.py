"""Second-order gradients (create_graph=True) for every op family.

``gradgradcheck`` differentiates the analytic first derivative (built as a graph) and
compares with finite differences of that first derivative. Linear ops (shape ops,
indexing, sums) have a zero second derivative of their own, so they are checked inside
a nonlinear function (``op(x).sin()``): the first derivative then depends on x and runs
through the op's vjp recorded as Tensor ops, and the second backward through that vjp's
own vjp. Then closed forms of d²/dx² and a Hessian-vector product of a small MLP.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
import nn
from autograd_lite.testing import gradgradcheck
from autograd_lite.testing.strategies import (
    arrays,
    away_from,
    axes,
    basic_indices,
    broadcastable_shapes,
    distinct,
    floats,
    positive,
    shapes,
    tensors,
)

SMALL = shapes(max_dims=3, max_side=3)
SMALL_ND = shapes(min_dims=1, max_dims=3, max_side=3)
# Second-order checks cost more per example: half the profile's examples.
few = settings(max_examples=max(settings().max_examples // 2, 5))


def check2(fn, *inputs) -> None:
    assert gradgradcheck(fn, inputs)


def small(elements=None, shape=SMALL, unique=False):
    return tensors(shape=shape, elements=elements, unique=unique)


@st.composite
def small_pair(draw, a_elements=None, b_elements=None):
    sa, sb = draw(broadcastable_shapes(2, max_dims=3, max_side=3))
    return draw(small(a_elements, sa)), draw(small(b_elements, sb))


@st.composite
def axis_kwargs(draw, ndim: int) -> dict:
    return {"axis": draw(axes(ndim)), "keepdims": draw(st.booleans())}


# ----------------------------------------------------------------------------------------
# Elementwise


@few
@given(small_pair(b_elements=away_from(0.0, margin=0.3)))
def test_arithmetic_gradgrad(pair):
    check2(lambda a, b: (a + b).sin(), *pair)
    check2(lambda a, b: (a - b).sin(), *pair)
    check2(lambda a, b: a * b, *pair)
    check2(lambda a, b: a / b, *pair)
    check2(lambda a, b: (-a) * a, *pair)


@few
@given(small_pair(a_elements=positive(0.3, 2.0), b_elements=floats(-2.0, 2.0)))
def test_pow_gradgrad(pair):
    check2(lambda a, b: a ** b, *pair)
    check2(lambda a: a ** 3, pair[0])
    check2(lambda a: a ** -1.5, pair[0])
    check2(lambda b: 2.0 ** b, pair[1])


UNARY = {
    "exp": (lambda t: t.exp(), floats()),
    "log": (lambda t: t.log(), positive()),
    "sqrt": (lambda t: t.sqrt(), positive()),
    "abs": (lambda t: t.abs() * t, away_from(0.0)),
    "sin": (lambda t: t.sin(), floats()),
    "cos": (lambda t: t.cos(), floats()),
    "tanh": (lambda t: t.tanh(), floats()),
    "sigmoid": (lambda t: t.sigmoid(), floats()),
    "relu": (lambda t: t.relu() * t, away_from(0.0)),
    "leaky_relu": (lambda t: t.leaky_relu(0.2) * t, away_from(0.0)),
    "elu": (lambda t: t.elu(alpha=0.7), away_from(0.0)),
    "gelu": (lambda t: t.gelu(), floats()),
    "softplus": (lambda t: t.softplus(), floats()),
    "softplus_beta": (lambda t: t.softplus(beta=2.0, threshold=3.0), away_from(1.5)),
    "clip": (lambda t: t.clip(-1.0, 1.0) * t, away_from(-1.0, 1.0)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@few
@given(data=st.data())
def test_elementwise_gradgrad(name, data):
    fn, elements = UNARY[name]
    check2(fn, data.draw(small(elements)))


@few
@given(small_pair(a_elements=distinct(), b_elements=distinct().map(lambda v: v + 0.005)))
def test_maximum_minimum_gradgrad(pair):
    check2(lambda a, b: ag.maximum(a, b) * a, *pair)
    check2(lambda a, b: ag.minimum(a, b) * b, *pair)


# ----------------------------------------------------------------------------------------
# Reductions and softmax


@few
@given(st.data())
def test_reductions_gradgrad(data):
    x = data.draw(small())
    kw = data.draw(axis_kwargs(x.ndim))
    check2(lambda t: (t * t).sum(**kw), x)
    check2(lambda t: t.sin().mean(**kw), x)
    check2(lambda t: t.var(**kw, ddof=0), x)
    check2(lambda t: t.logsumexp(**kw), x)


@few
@given(st.data())
def test_std_gradgrad(data):
    x = data.draw(small(distinct(spacing=0.1), shape=SMALL_ND.filter(lambda s: np.prod(s) > 1),
                        unique=True))
    check2(lambda t: t.std(), x)
    check2(lambda t: t.std(axis=None, ddof=1, keepdims=True), x)


@few
@given(st.data())
def test_max_min_gradgrad(data):
    x = data.draw(small(distinct(), unique=True))
    kw = data.draw(axis_kwargs(x.ndim))
    check2(lambda t: t.max(**kw) ** 2, x)
    check2(lambda t: t.min(**kw).sin(), x)


@few
@given(st.data())
def test_softmax_log_softmax_gradgrad(data):
    x = data.draw(small(floats(-4.0, 4.0)))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1) if x.ndim else st.just(-1))
    check2(lambda t: t.softmax(axis=axis), x)
    check2(lambda t: t.log_softmax(axis=axis), x)


# ----------------------------------------------------------------------------------------
# matmul


@few
@given(st.data())
def test_matmul_gradgrad(data):
    n, k, m = (data.draw(st.integers(1, 3)) for _ in range(3))
    ba, bb = data.draw(broadcastable_shapes(2, max_dims=1, max_side=2))
    case = data.draw(st.sampled_from([((k,), (k,)), ((k,), (k, m)), ((n, k), (k,)),
                                      ((n, k), (k, m)), (ba + (n, k), bb + (k, m)),
                                      ((k,), bb + (k, m)), (ba + (n, k), (k,))]))
    a, b = data.draw(small(shape=case[0])), data.draw(small(shape=case[1]))
    check2(lambda a, b: a @ b, a, b)
    check2(lambda a, b: (a @ b).tanh(), a, b)


# ----------------------------------------------------------------------------------------
# Shape and indexing ops (inside a nonlinearity)


@few
@given(st.data())
def test_shape_ops_gradgrad(data):
    x = data.draw(small(shape=SMALL_ND))
    nd = x.ndim
    perm = tuple(data.draw(st.permutations(range(nd))))
    ax = data.draw(st.integers(-nd, nd - 1))
    check2(lambda t: t.reshape(-1).sin(), x)
    check2(lambda t: t.transpose(*perm).sin(), x)
    check2(lambda t: t.T.sin(), x)
    check2(lambda t: t.swapaxes(0, ax).sin(), x)
    check2(lambda t: t.flatten().sin(), x)
    check2(lambda t: t.unsqueeze(ax).squeeze().sin(), x)
    check2(lambda t: t.unsqueeze(0).expand(2, *t.shape).sin(), x)
    check2(lambda t: t.broadcast_to((2,) + t.shape).sin(), x)
    check2(lambda t: ag.concatenate([t, t * t], axis=ax).sin(), x)
    check2(lambda t: ag.stack([t, t * t], axis=ax).sin(), x)
    check2(lambda t: [p * p for p in ag.split(t, [1], axis=ax)], x)
    check2(lambda t: ag.pad(t, 1, value=0.5).sin(), x)
    check2(lambda t: ag.sliding_window_view(t, (1,) * (nd - 1) + (min(2, t.shape[-1]),))
           .sin(), x)


@few
@given(st.data())
def test_where_gradgrad(data):
    sc, sa, sb = data.draw(broadcastable_shapes(3, max_dims=3, max_side=3))
    cond = data.draw(hnp.arrays(np.bool_, sc))
    a, b = data.draw(small(shape=sa)), data.draw(small(shape=sb))
    check2(lambda a, b: ag.where(cond, a * b, b.sin()), a, b)


@few
@given(st.data())
def test_indexing_gradgrad(data):
    x = data.draw(small(shape=SMALL_ND))
    basic = data.draw(basic_indices(x.shape, min_dims=0, allow_newaxis=True,
                                        allow_ellipsis=True))
    ints = data.draw(hnp.integer_array_indices(
        x.shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=3)))
    mask = data.draw(hnp.arrays(np.bool_, x.shape))
    check2(lambda t: t[basic].sin(), x)
    check2(lambda t: t[ints].sin(), x)  # repeats scatter-add, also in the double backward
    check2(lambda t: t[mask].sin(), x)
    check2(lambda t: t[[0, 0, -1]] * t[0], x)


@few
@given(st.data())
def test_setitem_gradgrad(data):
    x = data.draw(small(shape=SMALL_ND))
    idx = data.draw(basic_indices(x.shape, min_dims=0))
    v = data.draw(tensors(shape=x.data[idx].shape))

    def f(x, v):
        t = x * x
        t[idx] = v.sin()
        return t * x

    check2(f, x, v)


# ----------------------------------------------------------------------------------------
# Closed forms


def _second_derivative(fn, x):
    (g1,) = ag.grad(fn(x).sum(), x, create_graph=True)
    (g2,) = ag.grad(g1.sum(), x, create_graph=True)
    return g1, g2


CLOSED_FORMS = {
    "cube": (lambda t: t ** 3, lambda x: 3 * x ** 2, lambda x: 6 * x),
    "sin": (lambda t: t.sin(), np.cos, lambda x: -np.sin(x)),
    "tanh": (lambda t: t.tanh(), lambda x: 1 - np.tanh(x) ** 2,
             lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2)),
    "sigmoid": (lambda t: t.sigmoid(), lambda x: _s(x) * (1 - _s(x)),
                lambda x: _s(x) * (1 - _s(x)) * (1 - 2 * _s(x))),
}


def _s(x):
    return 1 / (1 + np.exp(-x))


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
@given(x=arrays(elements=floats(-4.0, 4.0)))
def test_second_derivative_closed_forms(name, x):
    fn, d1, d2 = CLOSED_FORMS[name]
    t = ag.tensor(x, requires_grad=True)
    g1, g2 = _second_derivative(fn, t)
    np.testing.assert_allclose(g1.numpy(), d1(x), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g2.numpy(), d2(x), rtol=1e-10, atol=1e-12)


def test_third_derivative_of_cube_and_backward_create_graph():
    x = ag.tensor(np.array([-1.5, 0.0, 2.0]), requires_grad=True)
    g1, g2 = _second_derivative(lambda t: t ** 3, x)
    (g3,) = ag.grad(g2.sum(), x)
    np.testing.assert_allclose(g3.numpy(), [6.0, 6.0, 6.0])
    # The same through backward(create_graph=True): x.grad is itself differentiable.
    y = ag.tensor(np.array([0.3, -0.7]), requires_grad=True)
    y.sin().sum().backward(create_graph=True)
    assert y.grad.requires_grad
    (h,) = ag.grad(y.grad.sum(), y)
    np.testing.assert_allclose(h.numpy(), -np.sin([0.3, -0.7]), rtol=1e-12)


# ----------------------------------------------------------------------------------------
# Hessian-vector product of a small MLP


def _mlp_loss(params, x, labels):
    w1, b1, w2, b2 = params
    hidden = (x @ w1 + b1).tanh()
    logp = (hidden @ w2 + b2).log_softmax(axis=1)
    return -logp[ag.arange(len(labels)), labels].mean()


def test_mlp_hessian_vector_product_matches_finite_differences():
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.normal(size=(6, 4)))
    labels = ag.tensor(rng.integers(0, 3, size=6))
    values = [rng.normal(size=s) * 0.7 for s in [(4, 5), (5,), (5, 3), (3,)]]
    params = [ag.tensor(v, requires_grad=True) for v in values]
    vs = [rng.normal(size=v.shape) for v in values]

    grads = ag.grad(_mlp_loss(params, x, labels), params, create_graph=True)
    gv = sum((g * ag.tensor(v)).sum() for g, v in zip(grads, vs))
    hvp = [h.numpy() for h in ag.grad(gv, params)]

    def grad_at(shift):
        ps = [ag.tensor(p + shift * v, requires_grad=True) for p, v in zip(values, vs)]
        return [g.numpy() for g in ag.grad(_mlp_loss(ps, x, labels), ps)]

    eps = 1e-5
    plus, minus = grad_at(eps), grad_at(-eps)
    for h, gp, gm in zip(hvp, plus, minus):
        np.testing.assert_allclose(h, (gp - gm) / (2 * eps), rtol=1e-6, atol=1e-8)
    assert any(np.abs(h).max() > 1e-3 for h in hvp)  # a real, non-trivial curvature


@pytest.mark.parametrize("op", [lambda t: t.relu(), lambda t: t.abs(),
                                lambda t: nn.functional.leaky_relu(t, 0.1)])
def test_piecewise_linear_gradients_stay_differentiable_with_zero_derivative(op):
    """As PyTorch: the gradient of relu/abs/leaky_relu under create_graph requires grad,
    and its own gradient w.r.t. the input is 0 (not an 'unused input' error)."""
    x = ag.tensor([-1.3, 0.6, 2.0], requires_grad=True)
    g, = ag.grad((op(x) * ag.tensor([1.0, 2.0, 3.0])).sum(), x, create_graph=True)
    assert g.requires_grad
    hx, = ag.grad(g.sum(), x)
    np.testing.assert_array_equal(hx.data, np.zeros(3))


def test_gradient_penalty_through_a_relu_layer_as_pytorch():
    """WGAN-GP's pattern: the penalty on d(critic)/dx, differentiated w.r.t. the weights and
    the input. gx = relu'(x·w) ⊙ 1 · wᵀ, so d|gx|²/dw is 2·gx picked by the active units
    and d/dx is 0 (the ReLU mask is locally constant)."""
    w = ag.tensor([[1.0, -2.0], [0.5, 1.0]], requires_grad=True)
    x = ag.tensor([[0.3, 0.2]], requires_grad=True)
    gx, = ag.grad(nn.functional.relu(x @ w).sum(), x, create_graph=True)
    active = (x.data @ w.data > 0).astype(float)  # (1, 2): only the first unit
    np.testing.assert_allclose(gx.data, active @ w.data.T)
    gw, gxx = ag.grad((gx ** 2).sum(), [w, x])
    np.testing.assert_allclose(gw.data, 2 * gx.data.T @ active)
    np.testing.assert_array_equal(gxx.data, np.zeros((1, 2)))
