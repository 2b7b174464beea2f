"""Forward values of every op against numpy, and the dtype rules.

Values: each op on random (hypothesis) float64 inputs equals the numpy expression of its
definition. Dtypes: float32 stays float32 through every op, also with Python floats and
numpy float64 scalars (weak scalars, as PyTorch); the stable ops stay finite at logits of
±1e4; argmax/argmin and comparisons give integer/bool tensors without grad.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
from autograd_lite.testing.strategies import (
    arrays,
    axes,
    basic_indices,
    broadcastable_shapes,
    floats,
    positive,
    shapes,
)

_np_erf = np.vectorize(math.erf, otypes=[np.float64])


def close(t: ag.Tensor, expected, rtol: float = 1e-12, atol: float = 1e-12) -> None:
    assert isinstance(t, ag.Tensor)
    expected = np.asarray(expected)
    assert t.shape == expected.shape, (t.shape, expected.shape)
    np.testing.assert_allclose(t.numpy(), expected, rtol=rtol, atol=atol)


@st.composite
def axis_kwargs(draw, ndim: int):
    """(ag kwargs, numpy kwargs): axis None/int/tuple with keepdims, sometimes as dim/keepdim."""
    axis = draw(axes(ndim))
    keep = draw(st.booleans())
    ag_kw = {"dim": axis, "keepdim": keep} if draw(st.booleans()) else \
        {"axis": axis, "keepdims": keep}
    return ag_kw, {"axis": axis, "keepdims": keep}


# ----------------------------------------------------------------------------------------
# Elementwise


def _np_softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.log1p(np.exp(x * beta)) / beta)


UNARY = {
    "neg": (lambda t: -t, np.negative, floats()),
    "exp": (lambda t: t.exp(), np.exp, floats()),
    "log": (lambda t: t.log(), np.log, positive()),
    "sqrt": (lambda t: t.sqrt(), np.sqrt, positive(0.0)),
    "abs": (lambda t: t.abs(), np.abs, floats()),
    "sin": (lambda t: t.sin(), np.sin, floats()),
    "cos": (lambda t: t.cos(), np.cos, floats()),
    "tanh": (lambda t: t.tanh(), np.tanh, floats()),
    "sigmoid": (lambda t: t.sigmoid(), lambda x: 1 / (1 + np.exp(-x)), floats(-30, 30)),
    "relu": (lambda t: t.relu(), lambda x: np.maximum(x, 0), floats()),
    "leaky_relu": (lambda t: t.leaky_relu(), lambda x: np.where(x > 0, x, 0.01 * x), floats()),
    "leaky_relu_0.2": (lambda t: ag.leaky_relu(t, negative_slope=0.2),
                       lambda x: np.where(x > 0, x, 0.2 * x), floats()),
    "elu": (lambda t: t.elu(), lambda x: np.where(x > 0, x, np.exp(x) - 1), floats()),
    "elu_alpha": (lambda t: ag.elu(t, alpha=0.5),
                  lambda x: np.where(x > 0, x, 0.5 * (np.exp(x) - 1)), floats()),
    "gelu": (lambda t: t.gelu(), lambda x: x * 0.5 * (1 + _np_erf(x / np.sqrt(2))),
             floats(-6, 6)),
    "softplus": (lambda t: t.softplus(), _np_softplus, floats(-30, 30)),
    "softplus_beta": (lambda t: t.softplus(beta=2.0, threshold=3.0),
                      lambda x: _np_softplus(x, 2.0, 3.0), floats()),
    "clip": (lambda t: t.clip(-1.0, 0.5), lambda x: np.clip(x, -1.0, 0.5), floats()),
    "clamp_min": (lambda t: t.clamp(min=0.25), lambda x: np.maximum(x, 0.25), floats()),
    "clamp_max": (lambda t: ag.clamp(t, max=0.25), lambda x: np.minimum(x, 0.25), floats()),
    "pow_int": (lambda t: t ** 3, lambda x: x ** 3, floats()),
    "pow_float": (lambda t: t ** 0.5, np.sqrt, positive(0.0)),
    "rsub": (lambda t: 2 - t, lambda x: 2 - x, floats()),
    "rdiv": (lambda t: 2 / t, lambda x: 2 / x, positive()),
    "rpow": (lambda t: 2 ** t, lambda x: 2.0 ** x, floats()),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_elementwise_forward(name, data):
    fn, ref, elements = UNARY[name]
    x = data.draw(arrays(elements=elements))
    close(fn(ag.tensor(x)), ref(x), rtol=1e-10)


BINARY = {
    "add": (lambda a, b: a + b, np.add, floats()),
    "sub": (lambda a, b: a - b, np.subtract, floats()),
    "mul": (lambda a, b: a * b, np.multiply, floats()),
    "div": (lambda a, b: a / b, np.divide, positive()),
    "pow": (lambda a, b: a ** b, np.power, positive()),
    "maximum": (ag.maximum, np.maximum, floats()),
    "minimum": (ag.minimum, np.minimum, floats()),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_forward_broadcasting(name, data):
    fn, ref, elements = BINARY[name]
    sa, sb = data.draw(broadcastable_shapes(2))
    a, b = data.draw(arrays(sa, elements=elements)), data.draw(arrays(sb, elements=elements))
    close(fn(ag.tensor(a), ag.tensor(b)), ref(a, b))
    close(fn(ag.tensor(a), b), ref(a, b))  # numpy array operand
    close(fn(a, ag.tensor(b)), ref(a, b))  # reflected with a numpy array


@given(arrays())
def test_operators_with_python_numbers(x):
    t = ag.tensor(x)
    close(t + 2, x + 2)
    close(2 + t, 2 + x)
    close(t - 1.5, x - 1.5)
    close(1.5 - t, 1.5 - x)
    close(t * 3, x * 3)
    close(3 * t, 3 * x)
    close(t / 4, x / 4)
    close(t ** 2, x ** 2)
    close(+t, x)


@given(st.data())
def test_where_forward(data):
    sc, sa, sb = data.draw(broadcastable_shapes(3))
    c = data.draw(hnp.arrays(np.bool_, sc))
    a, b = data.draw(arrays(sa)), data.draw(arrays(sb))
    close(ag.where(c, ag.tensor(a), ag.tensor(b)), np.where(c, a, b))
    close(ag.where(ag.tensor(c), ag.tensor(a), 0.5), np.where(c, a, 0.5))


# ----------------------------------------------------------------------------------------
# Reductions


def _np_logsumexp(x, axis, keepdims):
    m = np.max(x, axis=axis, keepdims=True)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(x - m), axis=axis)) \
        if not keepdims else m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))


def _numpy_spelling(kw: dict) -> dict:
    return {"axis": kw.get("axis", kw.get("dim")), "keepdims": kw.get("keepdims",
                                                                      kw.get("keepdim"))}


REDUCTIONS = {
    "sum": (lambda t, **k: t.sum(**k), np.sum),
    "mean": (lambda t, **k: t.mean(**k), np.mean),
    "var": (lambda t, **k: t.var(**k, ddof=0), np.var),  # (the default is unbiased)
    "std": (lambda t, **k: t.std(**k, ddof=0), np.std),
    "max": (lambda t, **k: t.max(**_numpy_spelling(k)), np.max),  # (a dim gives indices too)
    "min": (lambda t, **k: t.min(**_numpy_spelling(k)), np.min),
    "logsumexp": (lambda t, **k: t.logsumexp(**k), _np_logsumexp),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(data=st.data())
def test_reduction_forward(name, data):
    fn, ref = REDUCTIONS[name]
    x = data.draw(arrays())
    ag_kw, np_kw = data.draw(axis_kwargs(x.ndim))
    if name == "logsumexp":
        axis = np_kw["axis"]
        axis = tuple(range(x.ndim)) if axis is None else axis
        close(fn(ag.tensor(x), **ag_kw), ref(x, axis, np_kw["keepdims"]), rtol=1e-10)
    else:
        close(fn(ag.tensor(x), **ag_kw), ref(x, **np_kw), rtol=1e-10, atol=1e-12)


@given(arrays(shape=shapes(min_dims=1).filter(lambda s: s[-1] > 1)))
def test_var_std_correction_forward(x):
    t = ag.tensor(x)
    for kw in ({"ddof": 1}, {"correction": 1}, {"unbiased": True}):
        close(t.var(axis=-1, **kw), np.var(x, axis=-1, ddof=1), rtol=1e-10)
        close(t.std(axis=-1, **kw), np.std(x, axis=-1, ddof=1), rtol=1e-10)
    close(t.var(unbiased=False), np.var(x), rtol=1e-10)
    close(t.std(ddof=0, keepdims=True), np.std(x, keepdims=True), rtol=1e-10)


@given(st.data())
def test_softmax_log_softmax_forward(data):
    x = data.draw(arrays(elements=floats(-50, 50)))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1) if x.ndim else st.just(-1))
    if x.ndim == 0:
        close(ag.tensor(x).softmax(), np.ones(()))
        close(ag.tensor(x).log_softmax(), np.zeros(()))
        return
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    expected = e / e.sum(axis=axis, keepdims=True)
    close(ag.tensor(x).softmax(axis=axis), expected, rtol=1e-10)
    close(ag.softmax(ag.tensor(x), dim=axis), expected, rtol=1e-10)
    close(ag.tensor(x).log_softmax(axis), np.log(expected), rtol=1e-10, atol=1e-10)
    close(ag.log_softmax(ag.tensor(x), dim=axis), np.log(expected), rtol=1e-10, atol=1e-10)


@given(st.data())
def test_argmax_argmin_forward(data):
    x = data.draw(arrays(shape=shapes(min_dims=1)))
    t = ag.tensor(x, requires_grad=True)
    for name in ("argmax", "argmin"):
        ref = getattr(np, name)
        r = getattr(t, name)()
        assert r.dtype == np.int64 and not r.requires_grad and r.grad_fn is None
        close(r, ref(x))
        axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
        close(getattr(t, name)(axis=axis), ref(x, axis=axis))
        close(getattr(ag, name)(t, dim=axis, keepdim=True), ref(x, axis=axis, keepdims=True))


def test_argmax_ties_pick_first():
    t = ag.tensor([[1.0, 3.0, 3.0], [0.0, 0.0, -1.0]])
    assert t.argmax(axis=1).tolist() == [1, 0]
    assert t.argmin(axis=1).tolist() == [0, 2]
    assert t.argmax().item() == 1


# ----------------------------------------------------------------------------------------
# Linear algebra


@given(st.data())
def test_matmul_forward(data):
    n, k, m = (data.draw(st.integers(1, 4)) for _ in range(3))
    ba, bb = data.draw(broadcastable_shapes(2, max_dims=2, max_side=3))
    for sa, sb in [((k,), (k,)), ((k,), (k, m)), ((n, k), (k,)), ((n, k), (k, m)),
                   (ba + (n, k), bb + (k, m)), ((k,), bb + (k, m)), (ba + (n, k), (k,))]:
        a, b = data.draw(arrays(sa)), data.draw(arrays(sb))
        close(ag.tensor(a) @ ag.tensor(b), np.matmul(a, b), rtol=1e-10, atol=1e-12)
        close(ag.matmul(a, ag.tensor(b)), np.matmul(a, b), rtol=1e-10, atol=1e-12)


def test_matmul_shape_mismatch_names_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 5\)"):
        ag.ones(2, 3) @ ag.ones(4, 5)


# ----------------------------------------------------------------------------------------
# Shape ops


@given(st.data())
def test_shape_ops_forward(data):
    x = data.draw(arrays(shape=shapes(min_dims=1)))
    t = ag.tensor(x)
    nd = x.ndim
    close(t.reshape(-1), x.reshape(-1))
    close(t.view(x.size, 1), x.reshape(x.size, 1))
    perm = tuple(data.draw(st.permutations(range(nd))))
    close(t.transpose(*perm), x.T if nd == 2 else x.transpose(perm))  # two dims: swapped
    close(t.permute(perm), x.transpose(perm))
    close(t.transpose(), x.T)
    close(t.T, x.T)
    a, b = data.draw(st.integers(-nd, nd - 1)), data.draw(st.integers(-nd, nd - 1))
    close(t.swapaxes(a, b), np.swapaxes(x, a, b))
    start = data.draw(st.integers(0, nd - 1))
    close(t.flatten(), x.reshape(-1))
    close(t.flatten(start), x.reshape(x.shape[:start] + (-1,)))
    close(t.squeeze(), np.squeeze(x))
    ones = [i for i, s in enumerate(x.shape) if s == 1]
    if ones:
        close(t.squeeze(ones[0]), np.squeeze(x, axis=ones[0]))
    close(t.squeeze(dim=0), x if x.shape[0] != 1 else x[0])  # PyTorch: non-1 dims stay
    ax = data.draw(st.integers(-nd - 1, nd))
    close(t.unsqueeze(ax), np.expand_dims(x, ax))
    target = (2,) + tuple(3 if s == 1 else s for s in x.shape)
    close(t.broadcast_to(target), np.broadcast_to(x, target))
    close(t.expand(2, *(-1 for _ in x.shape)), np.broadcast_to(x, (2,) + x.shape))


def test_flatten_0d_and_reshape_errors():
    close(ag.tensor(3.0).flatten(), np.array([3.0], dtype=np.float32))
    close(ag.ones(2, 3, 4).flatten(1, 2), np.ones((2, 12)))
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        ag.ones(2, 3).reshape(4, 2)


@given(st.data())
def test_concatenate_stack_split_forward(data):
    base = data.draw(shapes(min_dims=1, max_dims=3))
    axis = data.draw(st.integers(-len(base), len(base) - 1))
    parts = []
    for _ in range(data.draw(st.integers(1, 3))):
        shape = list(base)
        shape[axis] = data.draw(st.integers(0, 3))
        parts.append(data.draw(arrays(tuple(shape))))
    close(ag.concatenate([ag.tensor(p) for p in parts], axis=axis),
          np.concatenate(parts, axis=axis))
    close(ag.cat([ag.tensor(p) for p in parts], dim=axis), np.concatenate(parts, axis=axis))
    same = [data.draw(arrays(base)) for _ in range(3)]
    sax = data.draw(st.integers(-len(base) - 1, len(base)))
    close(ag.stack([ag.tensor(p) for p in same], axis=sax), np.stack(same, axis=sax))
    x = data.draw(arrays(shape=shapes(min_dims=1, max_side=6)))
    sp_axis = data.draw(st.integers(0, x.ndim - 1))
    n = x.shape[sp_axis]
    k = data.draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0]))
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
    for arg in (k, cuts):
        got, want = ag.split(ag.tensor(x), arg, axis=sp_axis), np.split(x, arg, axis=sp_axis)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            close(g, w)


@given(st.data())
def test_pad_forward(data):
    x = data.draw(arrays(shape=shapes(min_dims=1, max_dims=3)))
    width = tuple((data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2)))
                  for _ in range(x.ndim))
    value = data.draw(floats())
    close(ag.pad(ag.tensor(x), width), np.pad(x, width))
    close(ag.pad(ag.tensor(x), width, value=value), np.pad(x, width, constant_values=value))
    close(ag.pad(ag.tensor(x), 1), np.pad(x, 1))


@given(st.data())
def test_sliding_window_view_forward(data):
    x = data.draw(arrays(shape=shapes(min_dims=1, max_dims=3, max_side=5)))
    axes = tuple(data.draw(st.lists(st.integers(0, x.ndim - 1), min_size=1, unique=True)))
    window = tuple(data.draw(st.integers(1, x.shape[a])) for a in axes)
    close(ag.sliding_window_view(ag.tensor(x), window, axis=axes),
          np.lib.stride_tricks.sliding_window_view(x, window, axes))


# ----------------------------------------------------------------------------------------
# Indexing


@given(st.data())
def test_getitem_forward(data):
    x = data.draw(arrays(shape=shapes(min_dims=1, max_side=5)))
    t = ag.tensor(x)
    basic = data.draw(basic_indices(x.shape, min_dims=0, allow_newaxis=True,
                                        allow_ellipsis=True))
    close(t[basic], x[basic])
    ints = data.draw(hnp.integer_array_indices(x.shape))
    close(t[ints], x[ints])
    mask = data.draw(hnp.arrays(np.bool_, x.shape[:data.draw(st.integers(1, x.ndim))]))
    close(t[mask], x[mask])
    close(t[ag.tensor(mask)], x[mask])
    picks = data.draw(st.lists(st.integers(-x.shape[-1], x.shape[-1] - 1), min_size=1))
    close(t[..., picks], x[..., picks])
    close(t[..., ag.tensor(picks)], x[..., picks])


@given(st.data())
def test_setitem_forward(data):
    x = data.draw(arrays(shape=shapes(min_dims=1, max_side=4)))
    idx = data.draw(basic_indices(x.shape, min_dims=0, allow_ellipsis=True))
    v = data.draw(arrays(x[idx].shape))
    t = ag.tensor(x)
    t[idx] = ag.tensor(v)
    expected = x.copy()
    expected[idx] = v
    close(t, expected)
    t[idx] = 0.5
    expected[idx] = 0.5
    close(t, expected)


# ----------------------------------------------------------------------------------------
# Comparisons


@given(st.data())
def test_comparisons_give_bool_without_grad(data):
    sa, sb = data.draw(broadcastable_shapes(2))
    a, b = data.draw(arrays(sa)), data.draw(arrays(sb))
    ta, tb = ag.tensor(a, requires_grad=True), ag.tensor(b, requires_grad=True)
    pairs = [(ta < tb, a < b), (ta <= tb, a <= b), (ta > tb, a > b), (ta >= tb, a >= b),
             (ta == tb, a == b), (ta != tb, a != b), (ta > 0.5, a > 0.5), (ta == b, a == b),
             (ta <= np.float64(0.0), a <= 0.0), (0.5 < ta, 0.5 < a)]
    for got, want in pairs:
        assert isinstance(got, ag.Tensor)
        assert got.dtype == np.bool_
        assert not got.requires_grad and got.grad_fn is None
        np.testing.assert_array_equal(got.numpy(), want)


# ----------------------------------------------------------------------------------------
# dtype rules


F32_OPS = {
    "add_float": lambda x: x + 2.5,
    "radd_float": lambda x: 2.5 + x,
    "sub_np64": lambda x: x - np.float64(0.5),
    "rsub_np64": lambda x: np.float64(0.5) - x,
    "mul_np64": lambda x: np.float64(2.0) * x,
    "mul_np64_right": lambda x: x * np.float64(2.0),
    "div_float": lambda x: x / 3.0,
    "rdiv_np64": lambda x: np.float64(3.0) / (x.abs() + 1),
    "pow_float": lambda x: x.abs() ** 1.5,
    "pow_np64": lambda x: x.abs() ** np.float64(0.5),
    "rpow_float": lambda x: 2.0 ** x,
    "rpow_np64": lambda x: np.float64(2.0) ** x,
    "pow_tensor": lambda x: (x.abs() + 1) ** x,
    "neg": lambda x: -x,
    "exp": lambda x: x.exp(),
    "log": lambda x: (x.abs() + 1).log(),
    "sqrt": lambda x: (x.abs() + 1).sqrt(),
    "abs": lambda x: x.abs(),
    "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "leaky_relu": lambda x: x.leaky_relu(0.2),
    "elu": lambda x: x.elu(),
    "gelu": lambda x: x.gelu(),
    "softplus": lambda x: x.softplus(beta=2.0),
    "clip": lambda x: x.clip(-0.5, 0.5),
    "clamp_np64": lambda x: x.clamp(np.float64(-0.5), np.float64(0.5)),
    "maximum_float": lambda x: ag.maximum(x, 0.25),
    "maximum_np64": lambda x: ag.maximum(x, np.float64(0.25)),
    "minimum_float": lambda x: ag.minimum(x, 0.25),
    "sum": lambda x: x.sum(axis=0),
    "mean": lambda x: x.mean(),
    "var": lambda x: x.var(axis=1, ddof=1),
    "std": lambda x: x.std(),
    "max": lambda x: x.max(axis=1),
    "min": lambda x: x.min(),
    "logsumexp": lambda x: x.logsumexp(axis=1),
    "softmax": lambda x: x.softmax(),
    "log_softmax": lambda x: x.log_softmax(axis=0),
    "matmul": lambda x: x @ x.T,
    "matmul_vec": lambda x: x @ ag.ones(3),
    "reshape": lambda x: x.reshape(3, 2),
    "transpose": lambda x: x.transpose(),
    "T": lambda x: x.T,
    "flatten": lambda x: x.flatten(),
    "permute": lambda x: x.permute(1, 0),
    "swapaxes": lambda x: x.swapaxes(0, 1),
    "squeeze": lambda x: x.unsqueeze(0).squeeze(),
    "expand": lambda x: x.unsqueeze(0).expand(2, -1, -1),
    "broadcast_to": lambda x: x.broadcast_to((4, 2, 3)),
    "concatenate": lambda x: ag.concatenate([x, x * 2.0]),
    "stack": lambda x: ag.stack([x, x + 1.0], axis=1),
    "split": lambda x: ag.split(x, 3, axis=1)[1],
    "where_float": lambda x: ag.where(x.data > 0, x, 0.5),
    "where_np64": lambda x: ag.where(x.data > 0, np.float64(0.5), x),
    "pad": lambda x: ag.pad(x, 1, value=1.5),
    "getitem": lambda x: x[1:, [0, 0, 2]],
    "getitem_mask": lambda x: x[x.data > 0],
    "sliding_window_view": lambda x: ag.sliding_window_view(x, (2, 2)),
}


@pytest.mark.parametrize("name", sorted(F32_OPS))
def test_float32_stays_float32(name):
    """Forward result and the gradient of a float32 input are float32."""
    x = ag.tensor([[0.5, -1.0, 2.0], [-0.25, 1.5, 0.75]], requires_grad=True)
    assert x.dtype == np.float32
    out = F32_OPS[name](x)
    assert out.dtype == np.float32, f"{name} gave {out.dtype}"
    out.sum().backward()
    assert x.grad.dtype == np.float32


def test_float32_setitem_and_inplace_stay_float32():
    x = ag.tensor([1.0, 2.0, 3.0])
    x[0] = np.float64(5.0)
    x[1:] = 0.5
    x *= np.float64(2.0)
    x += 1.5
    assert x.dtype == np.float32
    assert x.tolist() == [11.5, 2.5, 2.5]


def test_dtype_rules_of_factories_and_literals():
    assert ag.tensor([1.0, 2.0]).dtype == np.float32
    assert ag.tensor(np.array([1.0, 2.0])).dtype == np.float64
    assert ag.tensor([1, 2]).dtype == np.int64
    assert ag.tensor([True, False]).dtype == np.bool_
    assert (ag.tensor(np.array([1.0])) * 2.0).dtype == np.float64
    assert (ag.tensor([1.0]) + ag.tensor(np.array([1.0]))).dtype == np.float64
    assert (ag.tensor([1, 2]) + 1).dtype == np.int64
    assert ag.tensor([1, 2]).sum().dtype == np.int64
    assert ag.tensor([True, False]).sum().dtype == np.int64


def test_integer_data_gives_pytorch_float_dtypes():
    """Where numpy would make float64 from integers, the result is the float input's
    dtype, or the default dtype (as PyTorch)."""
    i = ag.tensor([1, 2, 3])
    f = ag.tensor([0.5, 1.0, 2.0])
    for out in (i / i, i / 2, i * 0.5, i + 1.5, i ** 0.5, 2.0 ** i, i.sqrt(), i.exp(),
                i.mean(), i.var(), f * i, i - f, ag.where(i > 1, i, 0.5), ag.cat([f, i]),
                ag.tensor([True, False]) * 1.5):
        assert out.dtype == np.float32
    close(i / 2, np.array([0.5, 1.0, 1.5]))
    close(i.mean(), np.array(2.0))
    assert (ag.tensor(np.ones(3)) + i).dtype == np.float64
    ag.set_default_dtype(np.float64)
    try:
        assert (i / 2).dtype == np.float64
    finally:
        ag.set_default_dtype(np.float32)
    with pytest.raises(TypeError):
        ag.tensor([1, 2], requires_grad=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_ops_finite_at_huge_logits(dtype):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=dtype)
    x = ag.tensor(logits, requires_grad=True)
    for name, out in [
        ("softmax", x.softmax(axis=1)),
        ("log_softmax", x.log_softmax(axis=1)),
        ("logsumexp", x.logsumexp(axis=1)),
        ("sigmoid", x.sigmoid()),
        ("softplus", x.softplus()),
    ]:
        assert out.dtype == dtype
        assert np.isfinite(out.numpy()).all(), name
        x.zero_grad()
        out.sum().backward()
        assert np.isfinite(x.grad.numpy()).all(), name
    close(x.softmax(axis=1), [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)
    close(x.log_softmax(axis=1), [[0, -2e4, -1e4], [-np.log(3)] * 3], rtol=1e-6)
    close(x.logsumexp(axis=1), [1e4, -1e4 + np.log(3)], rtol=1e-6)
    close(x.sigmoid(), [[1, 0, 0.5], [0, 0, 0]])
    close(x.softplus(), [[1e4, 0, np.log(2)], [0, 0, 0]], rtol=1e-6)
