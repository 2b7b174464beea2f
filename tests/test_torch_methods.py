"""Tensor methods a PyTorch user types without thinking (issue 14): size()/Size, numel,
dim, stride, t(), the dtype casts, the *_as methods, contiguous, comparisons as methods and
functions, add/sub with alpha, mm/bmm/mv/dot, the in-place form of every elementwise op,
copy_, masked_fill, split (PyTorch's meaning; numpy's with axis=), chunk and new_*.

Forward values are checked against numpy, gradients with gradcheck (float64), in-place
ops also inside a graph (``y = x * 1; y.exp_(); y.sum().backward()``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import ops
from autograd_lite.testing import gradcheck
from autograd_lite.testing.strategies import (
    arrays,
    away_from,
    floats,
    positive,
    shapes,
    tensors,
)


def close(t: ag.Tensor, want) -> None:
    np.testing.assert_allclose(t.data, want, rtol=1e-6, atol=1e-12)


# ----------------------------------------------------------------------------------------
# size(), Size and the other introspection methods


@given(arrays(shape=shapes(min_dims=0)))
def test_size_numel_dim_match_numpy(a):
    x = ag.tensor(a)
    size = x.size()
    assert isinstance(size, ag.Size) and isinstance(size, tuple)
    assert size == a.shape and x.shape == a.shape and hash(size) == hash(a.shape)
    assert size.numel() == x.numel() == x.nelement() == a.size
    assert x.dim() == x.ndimension() == a.ndim
    for d in range(-a.ndim, a.ndim):
        assert x.size(d) == a.shape[d] and type(x.size(d)) is int


def test_size_is_a_tuple_with_torchs_extras():
    s = ag.zeros(2, 3, 4).size()
    assert repr(s) == "Size([2, 3, 4])"
    assert s[1:] == (3, 4) and isinstance(s[1:], ag.Size)
    assert s[0] == 2 and type(s[0]) is int
    assert s + (5,) == (2, 3, 4, 5) and isinstance(s + (5,), ag.Size)
    assert ag.Size([]).numel() == 1 and ag.Size((2, 0)).numel() == 0
    assert ag.Size([np.int64(2), ag.tensor(3)]) == (2, 3)
    assert ag.zeros(s).shape == (2, 3, 4)  # a Size is a shape argument


@pytest.mark.parametrize("bad", [3, None, "ab", [1.5], [2, None]])
def test_size_refuses_non_integers(bad):
    with pytest.raises(TypeError, match="Size"):
        ag.Size(bad)


@pytest.mark.parametrize("method", ["size", "stride"])
def test_size_and_stride_of_a_dim_out_of_range_is_an_index_error(method):
    x = ag.zeros(2, 3)
    for d in (2, -3, 10):
        with pytest.raises(IndexError, match=rf"{method}: dim {d} .*\(2, 3\)"):
            getattr(x, method)(d)
    with pytest.raises(IndexError, match="0-d"):
        getattr(ag.tensor(1.0), method)(0)
    with pytest.raises(TypeError, match=method):
        getattr(x, method)(1.0)


def test_stride_is_in_elements_like_torch():
    x = ag.zeros(2, 3, 4)
    assert x.stride() == (12, 4, 1) and x.stride(-1) == 1 and x.stride(0) == 12
    assert x.swapaxes(0, 2).stride() == (1, 4, 12)
    assert ag.zeros(1, 3).expand(4, 3).stride() == (0, 1)
    assert ag.zeros(2, 3, dtype=np.float64).T.stride() == (1, 3)
    assert ag.zeros(4, 6)[:, ::2].stride() == (6, 2)


def test_contiguity_element_size_floating_point():
    x = ag.zeros(2, 3)
    assert x.is_contiguous() and not x.T.is_contiguous()
    assert x.contiguous() is x
    c = x.T.contiguous()
    assert c.is_contiguous() and c.shape == (3, 2) and c.stride() == (2, 1)
    assert x.element_size() == 4 and ag.zeros(2, dtype=np.float64).element_size() == 8
    assert ag.tensor([1, 2]).element_size() == 8 and ag.tensor([True]).element_size() == 1
    assert x.is_floating_point() and not ag.tensor([1]).is_floating_point()


@given(tensors(shape=shapes(min_dims=2, max_dims=3)))
def test_contiguous_copy_is_in_the_graph(x):
    y = x.swapaxes(0, 1).contiguous()
    np.testing.assert_array_equal(y.data, np.swapaxes(x.data, 0, 1))
    assert y.is_contiguous()
    assert gradcheck(lambda t: t.swapaxes(0, 1).contiguous() * np.arange(t.numel()).reshape(
        np.swapaxes(t.data, 0, 1).shape), (x,))


def test_clone_item_tolist_requires_grad_exist_as_torch():
    x = ag.tensor([[1.5, 2.0]])
    assert x.clone().tolist() == [[1.5, 2.0]] and x[0, 1].item() == 2.0
    assert x.requires_grad_() is x and x.requires_grad


# ----------------------------------------------------------------------------------------
# t(), casts and the *_as methods


@given(tensors(shape=shapes(min_dims=0, max_dims=2)))
def test_t_transposes_2d_and_returns_lower_ranks_as_they_are(x):
    if x.ndim < 2:
        assert x.t() is x and ag.t(x) is x
    else:
        np.testing.assert_array_equal(x.t().data, x.data.T)
        assert gradcheck(lambda v: v.t() * np.arange(v.numel()).reshape(v.data.T.shape), (x,))


def test_t_of_more_than_two_dims_is_an_error():
    with pytest.raises(ValueError, match=r"t: .*\(2, 3, 4\)"):
        ag.zeros(2, 3, 4).t()


@pytest.mark.parametrize("name, dtype", [("float", np.float32), ("double", np.float64),
                                         ("half", np.float16), ("long", np.int64),
                                         ("int", np.int32), ("bool", np.bool_)])
def test_casts(name, dtype):
    x = ag.tensor([-1.5, 0.0, 2.7], dtype=np.float64)
    y = getattr(x, name)()
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.data, x.data.astype(dtype))
    assert getattr(y, name)() is y  # already that dtype


def test_float_casts_pass_the_gradient_back_in_the_source_dtype():
    x = ag.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    (x.float() * 3).sum().backward()
    assert x.grad.dtype == np.float64 and x.grad.tolist() == [3.0, 3.0]
    assert not x.long().requires_grad


def test_type_as():
    x = ag.tensor([1.7, -2.2])
    assert x.type_as(ag.tensor([1])).tolist() == [1, -2]
    assert x.type_as(ag.zeros(1, dtype=np.float64)).dtype == np.float64
    with pytest.raises(TypeError, match="type_as"):
        x.type_as(np.float64)


@given(tensors(shape=(2, 3)))
def test_view_reshape_expand_as(x):
    assert x.view_as(ag.zeros(3, 2)).shape == (3, 2)
    assert x.reshape_as(ag.zeros(6)).shape == (6,)
    assert x[0].expand_as(ag.zeros(4, 3)).shape == (4, 3)
    assert gradcheck(lambda t: t.view_as(ag.zeros(6)) * np.arange(6.0), (x,))
    assert gradcheck(lambda t: t[:, :1].expand_as(ag.zeros(2, 3)) * np.arange(6.0).reshape(2, 3),
                     (x,))
    for method in ("view_as", "reshape_as", "expand_as"):
        with pytest.raises(TypeError, match=method):
            getattr(x, method)((3, 2))
    with pytest.raises(ValueError, match="expand"):
        x.expand_as(ag.zeros(4))


# ----------------------------------------------------------------------------------------
# Comparisons, arithmetic methods with PyTorch's keywords, matrix products

COMPARISONS = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
               "gt": np.greater, "ge": np.greater_equal}


@pytest.mark.parametrize("name", COMPARISONS)
@given(a=arrays(shape=(2, 3), elements=st.sampled_from([-1.0, 0.0, 1.0])),
       b=arrays(shape=(3,), elements=st.sampled_from([-1.0, 0.0, 1.0])))
def test_comparisons_as_methods_and_functions(name, a, b):
    x = ag.tensor(a, requires_grad=True)
    want = COMPARISONS[name](a, b)
    for got in (getattr(x, name)(ag.tensor(b)), getattr(ag, name)(x, b),
                getattr(ag, name)(a, ag.tensor(b)), getattr(x, f"__{name}__")(b)):
        assert got.dtype == np.bool_ and not got.requires_grad
        np.testing.assert_array_equal(got.data, want)
    np.testing.assert_array_equal(getattr(x, name)(0.0).data, COMPARISONS[name](a, 0.0))
    with pytest.raises(ValueError, match=name):
        getattr(x, name)(ag.zeros(4))


@given(tensors(shape=(2, 3)), tensors(shape=(3,)), st.sampled_from([1, 2, -0.5, 3.0]))
def test_add_and_sub_with_alpha(x, y, alpha):
    close(x.add(y, alpha=alpha), x.data + alpha * y.data)
    close(x.sub(y, alpha=alpha), x.data - alpha * y.data)
    close(ag.add(x, y, alpha=alpha), x.data + alpha * y.data)
    close(ag.sub(x, 2.0, alpha=alpha), x.data - alpha * 2.0)
    assert gradcheck(lambda a, b: a.add(b, alpha=alpha), (x, y))
    assert gradcheck(lambda a, b: a.sub(b, alpha=alpha), (x, y))


def test_alpha_keeps_dtypes_and_refuses_a_float_alpha_for_integers():
    i = ag.tensor([1, 2])
    assert i.add(i, alpha=3).tolist() == [4, 8] and i.add(i, alpha=3).dtype == np.int64
    h = ag.ones(2, dtype=np.float16)
    assert h.add(2.0, alpha=2).dtype == np.float16 and h.sub(h, alpha=2).tolist() == [-1, -1]
    with pytest.raises(TypeError, match="add: alpha"):
        i.add(i, alpha=0.5)
    with pytest.raises(TypeError, match="sub: alpha"):
        ag.ones(2).sub(1.0, alpha="2")
    with pytest.raises(TypeError):
        ag.ones(2).add(1.0, 2)  # alpha is keyword-only, as PyTorch


def test_div_rounding_mode():
    x = ag.tensor([3.0, -3.0])
    assert x.div(2, rounding_mode=None).tolist() == [1.5, -1.5] == ag.div(x, 2).tolist()
    assert x.div(2, rounding_mode="floor").tolist() == [1.0, -2.0]  # issue 16: implemented
    assert x.div(2, rounding_mode="trunc").tolist() == [1.0, -1.0]
    with pytest.raises(ValueError, match="div: rounding_mode"):
        x.div(2, rounding_mode="round")


@given(tensors(shape=(2, 3)), tensors(shape=(2, 3)))
def test_mul_neg_pow_methods(x, y):
    close(x.mul(y), x.data * y.data)
    close(x.neg(), -x.data)
    close(x.abs().pow(1.5), np.abs(x.data) ** 1.5)
    close(x.matmul(y.T), x.data @ y.data.T)


PRODUCTS = {"mm": ((2, 3), (3, 4)), "bmm": ((2, 2, 3), (2, 3, 4)), "mv": ((2, 3), (3,)),
            "dot": ((3,), (3,))}


@pytest.mark.parametrize("op", PRODUCTS)
@given(data=st.data())
def test_fixed_rank_products(op, data):
    sa, sb = PRODUCTS[op]
    a, b = data.draw(tensors(shape=sa)), data.draw(tensors(shape=sb))
    out = getattr(a, op)(b)
    close(out, a.data @ b.data)
    close(getattr(ag, op)(a.data, b), a.data @ b.data)
    assert gradcheck(lambda u, v: getattr(ag, op)(u, v), (a, b))


@pytest.mark.parametrize("op, a, b", [
    ("mm", (2, 3), (3,)), ("mm", (2, 3), (4, 2)), ("mm", (2, 2, 3), (3, 2)),
    ("bmm", (2, 2, 3), (3, 3, 2)), ("bmm", (2, 2, 3), (2, 4, 2)), ("bmm", (2, 3), (3, 2)),
    ("mv", (2, 3), (4,)), ("mv", (2, 3), (3, 1)), ("dot", (3,), (4,)), ("dot", (3,), (1, 3)),
])
def test_fixed_rank_products_refuse_other_shapes(op, a, b):
    with pytest.raises(ValueError, match=rf"{op}: .*{a}.*{b}".replace("(", r"\(").replace(
            ")", r"\)")):
        getattr(ag, op)(ag.ones(a), ag.ones(b))


# ----------------------------------------------------------------------------------------
# In-place forms of every elementwise op

IN_PLACE = {  # op -> (arguments, values of x kept in the op's domain and away from kinks)
    "neg": ((), None), "exp": ((), None), "log": ((), positive()), "sqrt": ((), positive()),
    "abs": ((), away_from(0.0)), "sin": ((), None), "cos": ((), None), "tanh": ((), None),
    "sigmoid": ((), None), "relu": ((), away_from(0.0)),
    "leaky_relu": ((0.2,), away_from(0.0)), "elu": ((0.5,), away_from(0.0)),
    "gelu": ((), None), "softplus": ((), None),
    "clip": ((-1.0, 1.0), away_from(-1.0, 1.0)), "clamp": ((-1.0, None), away_from(-1.0)),
    "add": ((2.5,), None), "sub": ((np.arange(3.0),), None), "mul": ((-2.0,), None),
    "div": ((np.arange(1.0, 4.0),), None), "pow": ((2.0,), positive()),
    "maximum": ((0.5,), away_from(0.5)), "minimum": ((np.arange(3.0) - 1,), away_from(-1, 0, 1)),
    "masked_fill": ((np.array([True, False, True]), 7.0), None),
    # issue 16: the scatter/index family
    "scatter": ((1, np.array([[0, 2], [1, 1]]), np.arange(4.0).reshape(2, 2)), None),
    "scatter_add": ((1, np.array([[0, 2], [1, 1]]), np.arange(4.0).reshape(2, 2)), None),
    "scatter_reduce": ((1, np.array([[0, 2], [1, 1]]), np.arange(1.0, 5.0).reshape(2, 2),
                        "prod"), None),
    "index_add": ((0, np.array([1, 1]), np.ones((2, 3))), None),
    "index_fill": ((1, np.array([0, 2]), -1.0), None),
    "index_copy": ((1, np.array([2, 0]), np.arange(4.0).reshape(2, 2)), None),
    "masked_scatter": ((np.array([True, False, True]), np.arange(6.0)), None),
}
# issue 16: more elementwise ops (the bitwise ones, on integers, are checked below)
_UNIT, _ARANGE1 = floats(-0.9, 0.9), np.arange(1.0, 4.0)
_OFF_STEPS = away_from(*np.arange(-3.0, 3.5, 0.5), margin=0.05)  # jumps of floor, round, //
IN_PLACE.update({
    "tan": ((), floats(-1.2, 1.2)), "asin": ((), _UNIT), "acos": ((), _UNIT),
    "atan": ((), None), "sinh": ((), None), "cosh": ((), None), "asinh": ((), None),
    "acosh": ((), positive(1.1, 4.0)), "atanh": ((), _UNIT), "log2": ((), positive()),
    "log10": ((), positive()), "log1p": ((), positive()), "exp2": ((), None),
    "expm1": ((), None), "rsqrt": ((), positive()), "reciprocal": ((), positive()),
    "square": ((), None), "sign": ((), _OFF_STEPS), "sgn": ((), _OFF_STEPS),
    "floor": ((), _OFF_STEPS), "ceil": ((), _OFF_STEPS), "round": ((), _OFF_STEPS),
    "trunc": ((), _OFF_STEPS), "frac": ((), _OFF_STEPS),
    "erf": ((), None), "erfc": ((), None), "nan_to_num": ((), None),
    "atan2": ((_ARANGE1,), None), "hypot": ((_ARANGE1,), None), "xlogy": ((_ARANGE1,), None),
    "lerp": ((np.arange(3.0), 0.25), None), "fmod": ((1.5,), _OFF_STEPS),
    "remainder": ((_ARANGE1,), _OFF_STEPS),
    "floor_divide": ((2.0,), _OFF_STEPS),
})
IN_PLACE_INTEGER = {"bitwise_and": (6,), "bitwise_or": (np.arange(3),),
                    "bitwise_xor": (np.arange(3),), "bitwise_not": ()}


def test_every_elementwise_op_has_an_in_place_form():
    assert set(IN_PLACE) | set(IN_PLACE_INTEGER) == set(ops._IN_PLACE)
    for name in IN_PLACE:
        assert callable(getattr(ag.Tensor, name + "_"))
    assert callable(ag.Tensor.clip_) and callable(ag.Tensor.copy_)


@pytest.mark.parametrize("name", IN_PLACE_INTEGER)
def test_in_place_bitwise_on_integers(name):
    args = IN_PLACE_INTEGER[name]
    x = ag.tensor(np.array([[5, -3, 0], [7, 2, -8]]))
    want = getattr(x, name)(*_args(args))
    assert getattr(x, name + "_")(*_args(args)) is x
    np.testing.assert_array_equal(x.data, want.data)


def _args(args):
    return tuple(ag.tensor(a) if isinstance(a, np.ndarray) else a for a in args)


@pytest.mark.parametrize("name", IN_PLACE)
@given(data=st.data())
def test_in_place_equals_out_of_place_and_returns_self(name, data):
    args, elements = IN_PLACE[name]
    a = data.draw(arrays(shape=(2, 3), elements=elements))
    want = getattr(ag.tensor(a), name)(*_args(args))
    x = ag.tensor(a)
    view = x[0]  # a view of x: written through, versions bumped together
    v0, view_v0 = x._version, view._version
    assert getattr(x, name + "_")(*_args(args)) is x
    np.testing.assert_array_equal(x.data, want.data)
    np.testing.assert_array_equal(view.data, want.data[0])
    assert x._version > v0 and view._version > view_v0


@pytest.mark.parametrize("name", IN_PLACE)
@given(data=st.data())
def test_in_place_inside_a_graph_has_the_out_of_place_gradient(name, data):
    args, elements = IN_PLACE[name]
    x = data.draw(tensors(shape=(2, 3), elements=elements))
    weights = np.arange(6.0).reshape(2, 3)

    def in_place(t):
        y = t * 1
        out = getattr(y, name + "_")(*_args(args))
        assert out is y
        return y * weights

    assert gradcheck(in_place, (x,))
    x.grad = None
    in_place(x).sum().backward()
    got = x.grad.data
    x.grad = None
    (getattr(x, name)(*_args(args)) * weights).sum().backward()
    np.testing.assert_allclose(got, x.grad.data)


def test_in_place_sample_from_the_issue():
    x = ag.tensor([0.5, 1.0], dtype=np.float64, requires_grad=True)
    y = x * 1
    y.exp_()
    y.sum().backward()
    close(x.grad, np.exp([0.5, 1.0]))


@pytest.mark.parametrize("name", ["exp", "add", "clamp", "masked_fill"])
def test_in_place_respects_the_leaf_and_view_checks(name):
    args = {"exp": (), "add": (1.0,), "clamp": (0.0,),
            "masked_fill": (ag.tensor([True, False]), 0.0)}[name]
    leaf = ag.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=f"{name}_: a leaf tensor"):
        getattr(leaf, name + "_")(*args)
    view = ag.ones(3, 2, requires_grad=True)[0]
    with pytest.raises(RuntimeError, match=f"{name}_: a view"):
        getattr(view, name + "_")(*args)
    with ag.no_grad():  # allowed there, as PyTorch
        getattr(leaf, name + "_")(*args)
    assert leaf._version == 1


def test_in_place_keyword_arguments_and_dtype_rules():
    x = ag.tensor([-2.0, 0.5, 3.0])
    assert x.clamp_(min=-1.0, max=1.0).tolist() == [-1.0, 0.5, 1.0]
    assert x.add_(ag.ones(3), alpha=2).tolist() == [1.0, 2.5, 3.0]
    i = ag.tensor([1, 2])
    with pytest.raises(TypeError, match="in-place"):
        i.exp_()
    with pytest.raises(ValueError, match="in-place"):
        ag.ones(3).add_(ag.ones(2, 3))
    assert i.tolist() == [1, 2] and i._version == 0


# ----------------------------------------------------------------------------------------
# copy_ and masked_fill


def test_copy_broadcasts_and_casts_into_self():
    x = ag.zeros(2, 3)
    assert x.copy_(ag.arange(3)) is x
    assert x.tolist() == [[0, 1, 2], [0, 1, 2]] and x.dtype == np.float32
    i = ag.zeros(3, dtype=np.int64)
    assert i.copy_(ag.tensor([1.7, 2.2, -1.5])).tolist() == [1, 2, -1]
    assert ag.zeros(2).copy_([3.0, 4.0]).tolist() == [3.0, 4.0]
    with pytest.raises(ValueError, match=r"copy_: .*\(2, 3\).*\(3,\)"):
        ag.zeros(3).copy_(ag.zeros(2, 3))


@given(tensors(shape=(3,)), tensors(shape=(2, 3)))
def test_copy_sends_the_gradient_to_the_source_and_none_to_the_old_value(src, x):
    weights = np.arange(6.0).reshape(2, 3)

    def fn(s, t):
        y = t * 2
        y.copy_(s)
        return y * weights

    assert gradcheck(fn, (src, x))
    fn(src, x).sum().backward()
    np.testing.assert_array_equal(src.grad.data, weights.sum(axis=0))
    np.testing.assert_array_equal(x.grad.data, np.zeros((2, 3)))


def test_copy_into_a_leaf_under_no_grad_and_into_a_plain_buffer():
    w = ag.zeros(2, requires_grad=True)
    with ag.no_grad():
        w.copy_(ag.tensor([1.0, 2.0]))
    assert w.tolist() == [1.0, 2.0] and w.is_leaf and w._version == 1
    src = ag.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    buf = ag.zeros(2, 2)
    buf.copy_(src)
    assert buf.requires_grad and buf.dtype == np.float32
    buf.sum().backward()
    assert src.grad.dtype == np.float64 and src.grad.tolist() == [2.0, 2.0]


@given(tensors(shape=(2, 3)), arrays(shape=(3,), dtype=np.bool_, elements=st.booleans()))
def test_masked_fill(x, mask):
    m = ag.tensor(mask)
    close(x.masked_fill(m, -1.0), np.where(mask, -1.0, x.data))
    close(ag.masked_fill(x, mask, 2.0), np.where(mask, 2.0, x.data))
    assert gradcheck(lambda t: t.masked_fill(m, 0.5) * np.arange(6.0).reshape(2, 3), (x,))
    value = ag.tensor(1.5, dtype=np.float64, requires_grad=True)
    assert gradcheck(lambda t, v: t.masked_fill(m, v), (x, value))


def test_masked_fill_dtype_broadcasting_and_errors():
    mask = ag.tensor([True, False, True])
    assert ag.zeros(3, dtype=np.int64).masked_fill(mask, 2.7).tolist() == [2, 0, 2]
    assert ag.zeros(3).masked_fill(ag.ones(2, 3).bool(), 1.0).shape == (2, 3)  # as PyTorch
    assert ag.zeros(2, 3).masked_fill_(mask, 5.0).tolist() == [[5, 0, 5], [5, 0, 5]]
    nan = ag.zeros(3).masked_fill(mask, float("nan")).data
    assert np.isnan(nan[0]) and nan[1] == 0
    with pytest.raises(TypeError, match="masked_fill: mask must be a bool"):
        ag.zeros(3).masked_fill(ag.tensor([1, 0, 1]), 1.0)
    with pytest.raises(ValueError, match="masked_fill: value"):
        ag.zeros(3).masked_fill(mask, ag.ones(3))
    with pytest.raises(ValueError, match=r"masked_fill: mask of shape \(2,\)"):
        ag.zeros(3).masked_fill(ag.tensor([True, False]), 1.0)
    with pytest.raises(ValueError, match="in-place"):
        ag.zeros(3).masked_fill_(ag.ones(2, 3).bool(), 1.0)


# ----------------------------------------------------------------------------------------
# split (PyTorch's meaning, numpy's with axis=) and chunk


def _torch_split_shapes(shape, size_or_sizes, dim):
    """What torch.split returns, from its documentation."""
    n = shape[dim]
    if isinstance(size_or_sizes, int):
        sizes = [size_or_sizes] * (n // size_or_sizes) + (
            [n % size_or_sizes] if n % size_or_sizes else []) if n else [0]
    else:
        sizes = size_or_sizes
    return [shape[:dim] + (s,) + shape[dim + 1:] for s in sizes]


@given(data=st.data())
def test_split_with_pytorchs_meaning(data):
    x = data.draw(tensors(shape=shapes(min_dims=1, max_dims=3, max_side=6)))
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[dim]
    if data.draw(st.booleans()):
        arg = data.draw(st.integers(1, 7))
    else:
        cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
        arg = np.diff([0] + cuts + [n]).tolist()
    for pieces in (x.split(arg, dim), ag.split(x, arg, dim=dim), ag.split(x.data, arg, dim)):
        assert isinstance(pieces, tuple)
        assert [p.shape for p in pieces] == _torch_split_shapes(x.shape, arg, dim % x.ndim)
        np.testing.assert_array_equal(np.concatenate([p.data for p in pieces], axis=dim),
                                      x.data)
    assert all(np.shares_memory(p.data, x.data) for p in x.split(arg, dim) if p.numel())
    weights = [np.arange(p.numel()).reshape(p.shape) for p in x.split(arg, dim)]
    assert gradcheck(lambda t: [p * w for p, w in zip(t.split(arg, dim), weights)], (x,))


def test_split_examples_and_errors():
    x = ag.arange(5)
    assert [p.tolist() for p in x.split(2)] == [[0, 1], [2, 3], [4]]
    assert [p.tolist() for p in x.split([2, 0, 3])] == [[0, 1], [], [2, 3, 4]]
    assert [p.shape for p in x.split(10)] == [(5,)]
    assert [p.shape for p in ag.zeros(0).split(2)] == [(0,)]
    for bad, match in ((0, "split_size"), (-1, "split_size"), ([2, 2], "sum to 5"),
                       ([6, -1], ">= 0")):
        with pytest.raises(ValueError, match=f"split: .*{match}"):
            x.split(bad)
    with pytest.raises(TypeError, match="split"):
        x.split(2.0)
    with pytest.raises(ValueError, match="split: .*0-d"):
        ag.tensor(1.0).split(1)
    with pytest.raises(TypeError, match="dim .* or axis"):
        x.split(1, 0, axis=0)


@given(arrays(shape=(6, 4)), st.sampled_from([1, 2, 3, [1, 4], [0, 2, 6]]))
def test_split_with_numpys_axis_keyword_keeps_numpys_meaning(a, arg):
    for axis in (0, -2):
        got = ag.split(ag.tensor(a), arg, axis=axis)
        want = np.split(a, arg, axis=axis)
        assert isinstance(got, list) and len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g.data, w)
    with pytest.raises(ValueError, match="split: .*4 equal sections"):
        ag.tensor(a).split(4, axis=0)


@given(data=st.data())
def test_chunk_as_pytorch(data):
    x = data.draw(tensors(shape=shapes(min_dims=1, max_dims=3, max_side=7)))
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    k = data.draw(st.integers(1, 8))
    n = x.shape[dim]
    size = math.ceil(n / k)
    want = _torch_split_shapes(x.shape, size, dim % x.ndim) if n else [x.shape] * k
    for pieces in (x.chunk(k, dim), ag.chunk(x, k, dim=dim)):
        assert isinstance(pieces, tuple) and len(pieces) <= k
        assert [p.shape for p in pieces] == want
    assert gradcheck(lambda t: [p * (i + 1) for i, p in enumerate(t.chunk(k, dim))], (x,))


def test_chunk_examples_and_errors():
    assert [p.tolist() for p in ag.arange(5).chunk(3)] == [[0, 1], [2, 3], [4]]
    assert [p.shape for p in ag.arange(6).chunk(4)] == [(2,), (2,), (2,)]  # fewer, as torch
    assert [p.shape for p in ag.zeros(0).chunk(3)] == [(0,)] * 3
    with pytest.raises(ValueError, match="chunk: chunks must be an int >= 1"):
        ag.arange(5).chunk(0)
    with pytest.raises(TypeError, match="chunk"):
        ag.arange(5).chunk(2.0)
    with pytest.raises(ValueError, match="chunk: .*0-d"):
        ag.tensor(1.0).chunk(1)


# ----------------------------------------------------------------------------------------
# new_* factories


@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.float16])
def test_new_factories_take_selfs_dtype(dtype):
    x = ag.zeros(2, dtype=dtype)
    for t, shape, value in ((x.new_zeros(2, 3), (2, 3), 0), (x.new_ones((3,)), (3,), 1),
                            (x.new_full((2, 2), 7), (2, 2), 7), (x.new_empty(4), (4,), None),
                            (x.new_tensor([[1, 2]]), (1, 2), None)):
        assert t.dtype == dtype and t.shape == shape and not t.requires_grad and t.is_leaf
        if value is not None:
            assert (t.data == value).all()
    assert x.new_tensor([1, 2]).tolist() == [1, 2]
    assert x.new_zeros(2, dtype=np.int32).dtype == np.int32
    assert x.new_full((2,), 1, dtype=np.float32).dtype == np.float32


def test_new_factories_requires_grad_copy_and_errors():
    x = ag.zeros(2)
    g = x.new_ones(2, requires_grad=True)
    assert g.requires_grad and g.is_leaf
    assert ag.tensor([1, 2]).new_full((2,), 2.5).tolist() == [2, 2]
    src = np.array([1.0, 2.0], np.float32)
    copy = x.new_tensor(src)
    src[0] = 9
    assert copy.tolist() == [1.0, 2.0]
    with pytest.raises(TypeError, match="new_zeros"):
        ag.tensor([1]).new_zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="new_ones"):
        x.new_ones(-1)
    with pytest.raises(ValueError, match="new_full"):
        x.new_full((2,), [1.0, 2.0])
    with pytest.raises(TypeError, match="new_tensor"):
        x.new_tensor("ab")
