"""One property test per op: the analytic gradient against central finite differences.

Every test draws random inputs with hypothesis (float64, shapes 0-d to 4-d where the op
allows, broadcasting pairs for binary ops, several axis/keepdims combinations for
reductions) and calls :func:`autograd_lite.testing.gradcheck`, which compares vᵀJ of every
input with central differences for a fixed random v. Values are kept away from kinks and
domain edges (relu/abs at 0, clip bounds, log/sqrt at 0, ties of max/min) so the finite
differences are valid. Where the behaviour at a kink is a documented choice (ties of
max/min/maximum, repeated indices) it is asserted directly.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
from autograd_lite.testing import gradcheck
from autograd_lite.testing.strategies import (
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

# ----------------------------------------------------------------------------------------
# Helpers


def check(fn, *inputs) -> None:
    """gradcheck raises a GradcheckError naming input and index on mismatch."""
    assert gradcheck(fn, inputs)


def _tensor(draw, shape, elements=None, unique=False) -> ag.Tensor:
    return draw(tensors(shape=shape, elements=elements, unique=unique))


@st.composite
def axis_kwargs(draw, ndim: int, alias: bool = True) -> dict:
    """Reduction arguments: axis None, an int (maybe negative) or a tuple of ints, with
    keepdims; sometimes spelt with PyTorch's dim/keepdim instead."""
    axis = draw(axes(ndim))
    keep = draw(st.booleans())
    if alias and draw(st.booleans()):
        return {"dim": axis, "keepdim": keep}
    return {"axis": axis, "keepdims": keep}


def reduced_count(shape: tuple, kwargs: dict) -> int:
    axis = kwargs.get("axis", kwargs.get("dim"))
    if axis is None:
        return int(np.prod(shape))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return int(np.prod([shape[a] for a in axes]))


nonzero = away_from(0.0, margin=0.3)


@st.composite
def broadcast_pair(draw, a_elements=None, b_elements=None, max_dims=4, unique=False):
    sa, sb = draw(broadcastable_shapes(2, max_dims=max_dims))
    return _tensor(draw, sa, a_elements, unique), _tensor(draw, sb, b_elements, unique)


# ----------------------------------------------------------------------------------------
# Arithmetic (broadcasting pairs)


@given(broadcast_pair())
def test_add_grad(pair):
    check(lambda a, b: a + b, *pair)


@given(broadcast_pair())
def test_sub_grad(pair):
    check(lambda a, b: a - b, *pair)


@given(broadcast_pair())
def test_mul_grad(pair):
    check(lambda a, b: a * b, *pair)


@given(broadcast_pair(b_elements=nonzero))
def test_div_grad(pair):
    check(lambda a, b: a / b, *pair)


@given(broadcast_pair(a_elements=positive(0.2, 3.0), b_elements=floats(-2.0, 2.0)))
def test_pow_grad(pair):
    """Tensor ** Tensor: gradients to the (positive) base and to the exponent."""
    check(lambda a, b: a ** b, *pair)
    check(lambda a, b: ag.pow(a, b), *pair)


@given(st.data())
def test_pow_number_exponent_grad(data):
    """Tensor ** number: integer exponents on any base, real exponents on positive ones."""
    x = data.draw(tensors(elements=nonzero))
    k = data.draw(st.sampled_from([0, 1, 2, 3, -1, -2]))
    check(lambda t: t ** k, x)
    p = data.draw(st.sampled_from([0.5, 1.5, -0.5, 2.5]))
    y = data.draw(tensors(elements=positive()))
    check(lambda t: t ** p, y)
    check(lambda t: t.pow(p), y)


@given(tensors())
def test_neg_grad(x):
    check(lambda t: -t, x)
    check(lambda t: ag.neg(t), x)


@given(tensors(elements=nonzero))
def test_reflected_ops_grad(x):
    """Python number on the left: 2 + x, 2 - x, 2 * x, 2 / x, 2 ** x."""
    check(lambda t: 2 + t, x)
    check(lambda t: 2 - t, x)
    check(lambda t: 2.5 * t, x)
    check(lambda t: 2 / t, x)
    check(lambda t: 2 ** t, x)
    check(lambda t: 0.5 ** t, x)
    check(lambda t: np.full(t.shape, 3.0) - t, x)


@given(broadcast_pair(a_elements=distinct(), b_elements=distinct().map(lambda v: v + 0.005)))
def test_maximum_grad(pair):
    """Values on interleaved grids: a and b never tie."""
    check(lambda a, b: ag.maximum(a, b), *pair)
    check(lambda a, b: a.maximum(b), *pair)


@given(broadcast_pair(a_elements=distinct(), b_elements=distinct().map(lambda v: v + 0.005)))
def test_minimum_grad(pair):
    check(lambda a, b: ag.minimum(a, b), *pair)
    check(lambda a, b: a.minimum(b), *pair)


def test_maximum_minimum_ties_split_gradient():
    a = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = ag.tensor([1.0, 5.0, 0.0], requires_grad=True)
    ag.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 1.0, 0.0])
    a.zero_grad()
    b.zero_grad()
    ag.minimum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 0.0, 1.0])


# ----------------------------------------------------------------------------------------
# Elementwise functions


@given(tensors())
def test_exp_grad(x):
    check(lambda t: t.exp(), x)


@given(tensors(elements=positive()))
def test_log_grad(x):
    check(lambda t: t.log(), x)


@given(tensors(elements=positive()))
def test_sqrt_grad(x):
    check(lambda t: t.sqrt(), x)


@given(tensors(elements=away_from(0.0)))
def test_abs_grad(x):
    check(lambda t: t.abs(), x)
    check(lambda t: abs(t), x)


@given(tensors())
def test_sin_grad(x):
    check(lambda t: t.sin(), x)


@given(tensors())
def test_cos_grad(x):
    check(lambda t: t.cos(), x)


@given(tensors())
def test_tanh_grad(x):
    check(lambda t: t.tanh(), x)


@given(tensors(elements=floats(-8.0, 8.0)))
def test_sigmoid_grad(x):
    check(lambda t: t.sigmoid(), x)


@given(tensors(elements=away_from(0.0)))
def test_relu_grad(x):
    check(lambda t: t.relu(), x)


@given(tensors(elements=away_from(0.0)), st.sampled_from([0.01, 0.2, 1.5]))
def test_leaky_relu_grad(x, slope):
    check(lambda t: t.leaky_relu(), x)
    check(lambda t: t.leaky_relu(negative_slope=slope), x)


@given(tensors(elements=away_from(0.0)), st.sampled_from([1.0, 0.5, 2.0]))
def test_elu_grad(x, alpha):
    check(lambda t: t.elu(), x)
    check(lambda t: ag.elu(t, alpha=alpha), x)


@given(tensors(elements=floats(-5.0, 5.0)))
def test_gelu_grad(x):
    check(lambda t: t.gelu(), x)


@given(st.data())
def test_softplus_grad(data):
    beta = data.draw(st.sampled_from([1.0, 0.5, 2.0]))
    threshold = data.draw(st.sampled_from([20.0, 1.0, 3.0]))
    # Away from the switch to the linear branch at beta·x = threshold.
    x = data.draw(tensors(elements=floats(-6.0, 6.0).filter(
        lambda v: builtins_abs(v * beta - threshold) > 0.05)))
    check(lambda t: t.softplus(), x)
    check(lambda t: t.softplus(beta=beta, threshold=threshold), x)


def builtins_abs(v: float) -> float:
    return v if v >= 0 else -v


@given(st.data())
def test_clip_grad(data):
    lo = data.draw(st.one_of(st.none(), floats(-2.0, 0.0)))
    hi = data.draw(st.one_of(st.none(), floats(0.5, 2.0)) if lo is not None
                   else floats(-1.0, 2.0))
    bounds = [b for b in (lo, hi) if b is not None]
    x = data.draw(tensors(elements=away_from(*bounds)))
    check(lambda t: t.clip(lo, hi), x)
    check(lambda t: t.clamp(min=lo, max=hi), x)


def test_kink_gradients_follow_pytorch():
    """At the kink itself: relu'(0) = 0, |x|'(0) = 0, clip passes gradient at its bounds."""
    x = ag.tensor([0.0, -1.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 1.0])
    x.zero_grad()
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, -1.0, 1.0])
    x.zero_grad()
    x.clip(-1.0, 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, 1.0])
    x.zero_grad()
    x.clip(-0.5, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 0.0])


# ----------------------------------------------------------------------------------------
# Reductions


@given(st.data())
def test_sum_grad(data):
    x = data.draw(tensors())
    kw = data.draw(axis_kwargs(x.ndim))
    check(lambda t: t.sum(**kw), x)
    check(lambda t: ag.sum(t, **kw), x)


@given(st.data())
def test_mean_grad(data):
    x = data.draw(tensors())
    kw = data.draw(axis_kwargs(x.ndim))
    check(lambda t: t.mean(**kw), x)


@given(st.data())
def test_var_grad(data):
    x = data.draw(tensors())
    kw = data.draw(axis_kwargs(x.ndim))
    n = reduced_count(x.shape, kw)
    corrected = [{}, {"ddof": 1}, {"correction": 1}, {"unbiased": True}] if n > 1 else []
    ddof_kw = data.draw(st.sampled_from([{"ddof": 0}, *corrected]))  # {}: unbiased
    check(lambda t: t.var(**kw, **ddof_kw), x)


@given(st.data())
def test_std_grad(data):
    """Distinct values and at least two of them per reduction: std stays away from 0,
    where its derivative is infinite."""
    shape = data.draw(shapes(min_dims=1).filter(lambda s: np.prod(s) >= 2))
    kw = data.draw(axis_kwargs(len(shape)))
    if reduced_count(shape, kw) < 2:
        kw = {"axis": None}
    x = data.draw(tensors(shape=shape, elements=distinct(spacing=0.1), unique=True))
    ddof_kw = data.draw(st.sampled_from([{}, {"ddof": 1}, {"correction": 1}, {"unbiased": False}]))
    check(lambda t: t.std(**kw, **ddof_kw), x)


@given(st.data())
def test_max_grad(data):
    """Unique values on a grid: no ties, so finite differences see one maximum."""
    x = data.draw(tensors(elements=distinct(), unique=True))
    kw = data.draw(axis_kwargs(x.ndim, alias=False))  # (a dim: tests/test_torch_semantics.py)
    check(lambda t: t.max(**kw), x)
    check(lambda t: ag.max(t, **kw), x)


@given(st.data())
def test_min_grad(data):
    x = data.draw(tensors(elements=distinct(), unique=True))
    kw = data.draw(axis_kwargs(x.ndim, alias=False))
    check(lambda t: t.min(**kw), x)


def test_max_min_ties_split_gradient_evenly():
    x = ag.tensor([[3.0, 1.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.5, 0, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    x.zero_grad()
    x.min(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 1, 0], [1 / 3, 1 / 3, 1 / 3]])
    x.zero_grad()
    x.max().backward()  # global max 3.0 appears twice
    np.testing.assert_allclose(x.grad.numpy(), [[0.5, 0, 0.5], [0, 0, 0]])


@given(st.data())
def test_logsumexp_grad(data):
    x = data.draw(tensors(elements=floats(-10.0, 10.0)))
    kw = data.draw(axis_kwargs(x.ndim))
    check(lambda t: t.logsumexp(**kw), x)


@given(st.data())
def test_softmax_grad(data):
    x = data.draw(tensors(elements=floats(-5.0, 5.0)))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1) if x.ndim else st.just(-1))
    check(lambda t: t.softmax(axis=axis), x)
    check(lambda t: ag.softmax(t, dim=axis), x)


@given(st.data())
def test_log_softmax_grad(data):
    x = data.draw(tensors(elements=floats(-5.0, 5.0)))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1) if x.ndim else st.just(-1))
    check(lambda t: t.log_softmax(axis=axis), x)
    check(lambda t: ag.log_softmax(t, dim=axis), x)


# ----------------------------------------------------------------------------------------
# Linear algebra


@st.composite
def matmul_operands(draw):
    """(a, b) for every numpy matmul case, batch dims broadcasting against each other."""
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    case = draw(st.sampled_from(["1x1", "1x2", "2x1", "2x2", "batched", "1xB", "Bx1"]))
    ba, bb = draw(broadcastable_shapes(2, min_dims=0, max_dims=2, max_side=3))
    shape_a = {"1x1": (k,), "1x2": (k,), "2x1": (n, k), "2x2": (n, k), "batched": ba + (n, k),
               "1xB": (k,), "Bx1": ba + (n, k)}[case]
    shape_b = {"1x1": (k,), "1x2": (k, m), "2x1": (k,), "2x2": (k, m), "batched": bb + (k, m),
               "1xB": bb + (k, m), "Bx1": (k,)}[case]
    return _tensor(draw, shape_a), _tensor(draw, shape_b)


@given(matmul_operands())
def test_matmul_grad(pair):
    check(lambda a, b: a @ b, *pair)
    check(lambda a, b: ag.matmul(a, b), *pair)


@given(tensors(shape=(3, 2)))
def test_matmul_with_constant_array_grad(x):
    w = np.arange(8.0).reshape(2, 4) / 8
    check(lambda t: t @ w, x)
    check(lambda t: w.T @ t.T, x)


# ----------------------------------------------------------------------------------------
# Shape ops


@st.composite
def reshape_target(draw, shape: tuple) -> tuple:
    """Another shape with the same number of elements, perhaps with one -1."""
    sides = [s for s in shape if s != 1]
    sides = draw(st.permutations(sides)) if sides else []
    target: list[int] = []
    for s in sides:  # merge neighbours at random
        if target and draw(st.booleans()):
            target[-1] *= s
        else:
            target.append(s)
    for _ in range(draw(st.integers(0, 2))):
        target.insert(draw(st.integers(0, len(target))), 1)
    if target and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return tuple(target)


@given(st.data())
def test_reshape_grad(data):
    x = data.draw(tensors())
    target = data.draw(reshape_target(x.shape))
    check(lambda t: t.reshape(target) * 1.5, x)
    check(lambda t: t.reshape(*target).sin() if target else t.reshape(()).sin(), x)
    check(lambda t: t.view(target), x)


@given(st.data())
def test_transpose_grad(data):
    x = data.draw(tensors())
    perm = tuple(data.draw(st.permutations(range(x.ndim))))
    perm = tuple(p - x.ndim if data.draw(st.booleans()) else p for p in perm)
    check(lambda t: t.transpose(*perm), x)
    check(lambda t: t.transpose(), x)
    check(lambda t: ag.transpose(t, perm) if perm else ag.transpose(t), x)


@given(tensors())
def test_T_grad(x):
    check(lambda t: t.T * np.arange(t.numel()).reshape(t.T.shape), x)


@given(st.data())
def test_permute_grad(data):
    x = data.draw(tensors())
    perm = tuple(data.draw(st.permutations(range(x.ndim))))
    check(lambda t: t.permute(*perm), x)
    check(lambda t: ag.permute(t, perm), x)


@given(st.data())
def test_swapaxes_grad(data):
    x = data.draw(tensors(shape=shapes(min_dims=1)))
    a, b = (data.draw(st.integers(-x.ndim, x.ndim - 1)) for _ in range(2))
    check(lambda t: t.swapaxes(a, b), x)


@given(st.data())
def test_flatten_grad(data):
    x = data.draw(tensors())
    nd = max(x.ndim, 1)
    start = data.draw(st.integers(-nd, nd - 1))
    end = data.draw(st.integers(start % nd, nd - 1))
    check(lambda t: t.flatten(), x)
    check(lambda t: t.flatten(start, end) if t.ndim else t.flatten(), x)


@given(st.data())
def test_squeeze_grad(data):
    x = data.draw(tensors(shape=shapes(min_side=1, max_side=2)))
    check(lambda t: t.squeeze(), x)
    if x.ndim:
        axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
        check(lambda t: t.squeeze(axis), x)
        check(lambda t: ag.squeeze(t, dim=axis), x)


@given(st.data())
def test_unsqueeze_grad(data):
    x = data.draw(tensors())
    axis = data.draw(st.integers(-x.ndim - 1, x.ndim))
    check(lambda t: t.unsqueeze(axis), x)
    check(lambda t: ag.unsqueeze(t, dim=axis), x)


@st.composite
def expand_target(draw, shape: tuple) -> tuple:
    lead = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    body = tuple(draw(st.integers(1, 3)) if s == 1 else s for s in shape)
    return lead + body


@given(st.data())
def test_expand_grad(data):
    x = data.draw(tensors(shape=shapes(max_dims=3, max_side=3)))
    target = data.draw(expand_target(x.shape))
    lead = len(target) - x.ndim
    with_minus = tuple(-1 if i >= lead and s == x.shape[i - lead] and data.draw(st.booleans())
                       else s for i, s in enumerate(target))
    check(lambda t: t.expand(*with_minus), x)
    check(lambda t: t.expand(target), x)


@given(st.data())
def test_broadcast_to_grad(data):
    x = data.draw(tensors(shape=shapes(max_dims=3, max_side=3)))
    target = data.draw(expand_target(x.shape))
    check(lambda t: t.broadcast_to(target), x)
    check(lambda t: ag.broadcast_to(t, *target), x)


@given(st.data())
def test_concatenate_grad(data):
    base = data.draw(shapes(min_dims=1, max_dims=3, max_side=3))
    axis = data.draw(st.integers(-len(base), len(base) - 1))
    count = data.draw(st.integers(1, 3))
    parts = []
    for _ in range(count):
        shape = list(base)
        shape[axis] = data.draw(st.integers(1, 3))
        parts.append(data.draw(tensors(shape=tuple(shape))))
    check(lambda *ts: ag.concatenate(ts, axis=axis), *parts)
    check(lambda *ts: ag.cat(list(ts), dim=axis), *parts)


@given(st.data())
def test_stack_grad(data):
    shape = data.draw(shapes(max_dims=3, max_side=3))
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    parts = [data.draw(tensors(shape=shape)) for _ in range(data.draw(st.integers(1, 3)))]
    check(lambda *ts: ag.stack(ts, axis=axis), *parts)
    check(lambda *ts: ag.stack(list(ts), dim=axis), *parts)


@given(st.data())
def test_split_grad(data):
    x = data.draw(tensors(shape=shapes(min_dims=1, max_side=6)))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[axis]
    sections = data.draw(st.sampled_from([k for k in range(1, n + 1) if n % k == 0]))
    check(lambda t: ag.split(t, sections, axis=axis), x)
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
    check(lambda t: ag.split(t, cuts, axis=axis), x)


@given(st.data())
def test_where_grad(data):
    sc, sa, sb = data.draw(broadcastable_shapes(3))
    cond = data.draw(hnp.arrays(np.bool_, sc))
    a = data.draw(tensors(shape=sa))
    b = data.draw(tensors(shape=sb))
    check(lambda a, b: ag.where(cond, a, b), a, b)
    check(lambda a: ag.where(ag.tensor(cond), a, 0.0), a)
    check(lambda b: ag.where(cond, 1.5, b), b)


@st.composite
def pad_widths(draw, ndim: int):
    kind = draw(st.sampled_from(["int", "pair", "per_axis"]))
    if kind == "int":
        return draw(st.integers(0, 2))
    if kind == "pair":
        return (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    return tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(ndim))


@given(st.data())
def test_pad_grad(data):
    x = data.draw(tensors(shape=shapes(min_dims=1, max_dims=3)))
    width = data.draw(pad_widths(x.ndim))
    value = data.draw(floats())
    check(lambda t: ag.pad(t, width), x)
    check(lambda t: ag.pad(t, width, value=value).sin(), x)


@st.composite
def window_args(draw):
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=5))
    axes = draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape),
                         unique=True))
    window = tuple(draw(st.integers(1, shape[a])) for a in axes)
    return shape, window, tuple(axes)


@given(st.data())
def test_sliding_window_view_grad(data):
    """Overlapping windows: every input element feeds several outputs (the adjoint sums)."""
    shape, window, axes = data.draw(window_args())
    x = data.draw(tensors(shape=shape))
    check(lambda t: ag.sliding_window_view(t, window, axis=axes), x)
    if axes == tuple(range(len(shape))):
        check(lambda t: ag.sliding_window_view(t, window), x)


# ----------------------------------------------------------------------------------------
# Indexing


@given(st.data())
def test_getitem_basic_grad(data):
    """Slices with steps (also negative), negative integers, None and Ellipsis."""
    x = data.draw(tensors(shape=shapes(max_side=5)))
    idx = data.draw(basic_indices(x.shape, min_dims=0, allow_newaxis=True,
                                      allow_ellipsis=True))
    check(lambda t: t[idx], x)
    check(lambda t: ag.getitem(t, idx) * 2.0, x)


@given(st.data())
def test_getitem_integer_array_grad(data):
    """Integer arrays (with repeats and negative entries) on all axes, on one axis among
    slices, as lists and as int Tensors."""
    x = data.draw(tensors(shape=shapes(min_dims=1, max_side=4)))
    idx = data.draw(hnp.integer_array_indices(
        x.shape, result_shape=hnp.array_shapes(min_dims=0, max_dims=2, max_side=4)))
    check(lambda t: t[idx], x)
    axis = data.draw(st.integers(0, x.ndim - 1))
    n = x.shape[axis]
    picks = data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=5))
    lead = (slice(None),) * axis
    check(lambda t: t[lead + (picks,)], x)
    check(lambda t: t[lead + (ag.tensor(picks),)], x)


@given(st.data())
def test_getitem_boolean_mask_grad(data):
    x = data.draw(tensors(shape=shapes(min_dims=1, max_side=4)))
    k = data.draw(st.integers(1, x.ndim))
    mask = data.draw(hnp.arrays(np.bool_, x.shape[:k]))
    check(lambda t: t[mask], x)
    check(lambda t: t[ag.tensor(mask)], x)
    positive_mask = x.data > 0  # fixed before the finite differences move x
    check(lambda t: t[positive_mask], x)


def test_getitem_repeated_indices_accumulate():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 1]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 1.0, 0.0])
    m = ag.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    (m[[2, 0, 2, 2]] * ag.tensor([[1.0], [2.0], [3.0], [4.0]])).sum().backward()
    np.testing.assert_array_equal(m.grad.numpy(), [[2.0, 2.0], [0.0, 0.0], [8.0, 8.0]])


@st.composite
def setitem_args(draw):
    """(x, index, v): a basic index, or unique integer picks on one axis (repeated
    assignment has no defined order), and a value of the selection's shape or one
    broadcasting to it."""
    x = draw(tensors(shape=shapes(min_dims=1, max_side=4)))
    if draw(st.booleans()):
        idx = draw(basic_indices(x.shape, min_dims=0, allow_ellipsis=True))
    else:
        axis = draw(st.integers(0, x.ndim - 1))
        n = x.shape[axis]
        picks = draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=n,
                              unique_by=lambda i: i % n))
        idx = (slice(None),) * axis + (np.array(picks),)
    target = x.data[idx].shape
    drop = draw(st.integers(0, len(target)))
    v = draw(hnp.arrays(np.float64, target[drop:], elements=floats()))
    return x, idx, ag.tensor(v, requires_grad=True)


@given(setitem_args())
def test_setitem_grad(args):
    """t[idx] = v on a non-leaf records a graph: gradient to the old values outside idx
    and to v (summed over any broadcasting)."""
    x, idx, v = args

    def f(x, v):
        t = x * 1.0
        t[idx] = v
        return t.sin()

    check(f, x, v)


def test_setitem_records_graph_directly():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = ag.tensor(5.0, requires_grad=True)
    t = x * 2.0
    t[1] = v
    assert t.grad_fn is not None
    (t * ag.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 0.0, 200.0])
    assert v.grad.item() == 10.0
    np.testing.assert_array_equal(t.numpy(), [2.0, 5.0, 6.0])


def test_edge_gradients_are_finite_as_pytorch():
    """Where the textbook formula gives 0 * inf: std of a constant input and a zero base
    with a zero exponent have gradient 0 (as PyTorch), never NaN."""
    x = ag.tensor(np.ones((2, 3)), requires_grad=True)
    x.std(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 3)))
    a = ag.tensor(np.array([0.0, 0.0, 2.0]), requires_grad=True)
    b = ag.tensor(np.array([0.0, 2.0, 0.0]), requires_grad=True)
    (a ** b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.0, 0.0])
    np.testing.assert_allclose(b.grad.numpy(), [0.0, 0.0, np.log(2.0)])
