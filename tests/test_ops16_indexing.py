"""Issue 16, indexing and factories: gather/scatter/index_*/masked_*/nonzero/take against
loop-by-loop numpy references, their gradients (gradcheck in float64 over hypothesis shapes
and indices; repeated indices accumulate), PyTorch's tie and zero rules of scatter_reduce,
PyTorch's advanced-indexing result shapes where numpy's differ, and the new factories'
dtypes, shapes and reproducibility per seed. Expected values marked "torch" were computed
with PyTorch 2.13."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite.testing import gradcheck, gradgradcheck
from autograd_lite.testing.strategies import positive, shapes, tensors

# ----------------------------------------------------------------------------------------
# Helpers: an index along a dim, drawn with hypothesis; numpy references written as loops


@st.composite
def along(draw, unique: bool = False, min_dims: int = 1):
    """(x shape, dim, index): index has x's ndim, sizes <= x's except along dim (any size,
    values in range, repeats unless ``unique``: then distinct along dim)."""
    shape = draw(shapes(min_dims=min_dims, max_dims=3))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    d = dim % len(shape)
    n = shape[d]
    sizes = [draw(st.integers(1, s)) for s in shape]
    sizes[d] = draw(st.integers(1, n if unique else 5))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    if unique:
        index = np.argsort(rng.random(sizes[:d] + [n] + sizes[d + 1:]), axis=d)
        index = np.take(index, np.arange(sizes[d]), axis=d)
    else:
        index = rng.integers(0, n, sizes)
    return tuple(shape), dim, index


def _src_pos(pos: tuple, dim: int, index: np.ndarray) -> tuple:
    p = list(pos)
    p[dim] = index[pos]
    return tuple(p)


def ref_gather(x: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
    out = np.empty(index.shape, x.dtype)
    for pos in np.ndindex(*index.shape):
        out[pos] = x[_src_pos(pos, dim, index)]
    return out


def ref_scatter_reduce(x, dim, index, src, reduce, include_self=True):
    groups: dict = {}
    for pos in np.ndindex(*index.shape):
        groups.setdefault(_src_pos(pos, dim, index), []).append(src[pos])
    fns = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}
    out = x.copy()
    for p, vals in groups.items():
        vals = ([x[p]] if include_self else []) + vals
        out[p] = fns[reduce](vals)
        if reduce == "mean" and x.dtype.kind in "iu":
            out[p] = np.floor_divide(np.sum(vals), len(vals))
    return out


def check(fn, *inputs) -> None:
    assert gradcheck(fn, inputs)


# ----------------------------------------------------------------------------------------
# gather, take, take_along_dim, index_select


@given(case=along(), data=st.data())
def test_gather_forward_and_gradient(case, data):
    shape, dim, index = case
    x = data.draw(tensors(shape=shape))
    out = x.gather(dim, ag.tensor(index))
    np.testing.assert_array_equal(out.data, ref_gather(x.data, dim % len(shape), index))
    assert ag.gather(x.data, dim, ag.tensor(index)).shape == index.shape  # function form
    check(lambda t: t.gather(dim, ag.tensor(index)), x)


def test_gather_repeated_indices_accumulate():
    x = ag.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    x.gather(1, ag.tensor([[0, 0, 2, 0]])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[3, 0, 1]])


@given(data=st.data())
def test_take_and_take_along_dim(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3))
    x = data.draw(tensors(shape=shape))
    n = x.data.size
    index = data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=6))
    i = np.array(index).reshape(-1, 1) if len(index) % 2 else np.array(index)
    np.testing.assert_array_equal(x.take(ag.tensor(i)).data, np.take(x.data, i))
    check(lambda t: ag.take(t, ag.tensor(i)), x)
    # take_along_dim: broadcasting outside dim, and dim=None (flattened)
    d = data.draw(st.integers(0, len(shape) - 1))
    isz = [data.draw(st.sampled_from([1, s])) for s in shape]
    isz[d] = data.draw(st.integers(1, 4))
    j = np.random.default_rng(len(index)).integers(0, shape[d], isz)
    outside = np.broadcast_shapes(*(s[:d] + (1,) + s[d + 1:] for s in (shape, j.shape)))
    want = np.take_along_axis(
        np.broadcast_to(x.data, outside[:d] + (shape[d],) + outside[d + 1:]),
        np.broadcast_to(j, outside[:d] + (isz[d],) + outside[d + 1:]), d)
    np.testing.assert_array_equal(x.take_along_dim(ag.tensor(j), d).data, want)
    check(lambda t: t.take_along_dim(ag.tensor(j), d), x)
    flat = np.abs(np.array(index)) % n
    np.testing.assert_array_equal(x.take_along_dim(ag.tensor(flat)).data, x.data.reshape(-1)[flat])


@given(data=st.data())
def test_index_select_forward_and_gradient(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3))
    x = data.draw(tensors(shape=shape))
    d = data.draw(st.integers(-len(shape), len(shape) - 1))
    index = np.array(data.draw(st.lists(st.integers(0, shape[d] - 1), min_size=1, max_size=5)))
    out = x.index_select(d, ag.tensor(index))
    np.testing.assert_array_equal(out.data, np.take(x.data, index, axis=d))
    check(lambda t: t.index_select(d, ag.tensor(index)), x)


# ----------------------------------------------------------------------------------------
# scatter, scatter_add, scatter_reduce


@given(case=along(unique=True), data=st.data())
def test_scatter_forward_and_gradients(case, data):
    shape, dim, index = case
    x = data.draw(tensors(shape=shape))
    src = data.draw(tensors(shape=index.shape))
    want = x.data.copy()
    for pos in np.ndindex(*index.shape):
        want[_src_pos(pos, dim % len(shape), index)] = src.data[pos]
    np.testing.assert_array_equal(x.scatter(dim, ag.tensor(index), src).data, want)
    check(lambda a, s: a.scatter(dim, ag.tensor(index), s), x, src)  # x: where not written
    filled = x.scatter(dim, ag.tensor(index), value=2.5)
    assert (ref_gather(filled.data, dim % len(shape), index) == 2.5).all()
    check(lambda a: a.scatter(dim, ag.tensor(index), 2.5), x)


@given(case=along(), data=st.data())
def test_scatter_add_accumulates_repeats(case, data):
    shape, dim, index = case
    x = data.draw(tensors(shape=shape))
    src = data.draw(tensors(shape=index.shape))
    want = ref_scatter_reduce(x.data, dim % len(shape), index, src.data, "sum")
    np.testing.assert_allclose(x.scatter_add(dim, ag.tensor(index), src).data, want)
    check(lambda a, s: a.scatter_add(dim, ag.tensor(index), s), x, src)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@given(case=along(), include_self=st.booleans(), data=st.data())
def test_scatter_reduce_forward_and_gradients(reduce, case, include_self, data):
    shape, dim, index = case
    # distinct values: no ties for amax/amin; positive for prod (the zero rule is below)
    elements = positive(0.5, 1.5) if reduce == "prod" else None
    x = data.draw(tensors(shape=shape, elements=elements, unique=True))
    src = data.draw(tensors(shape=index.shape, elements=elements, unique=True))
    if reduce in ("amax", "amin"):  # well apart from each other and from x's values
        order = np.random.default_rng(index.size).permutation(index.size)
        src = ag.tensor(4.0 + 0.25 * order.reshape(index.shape), requires_grad=True)
    want = ref_scatter_reduce(x.data, dim % len(shape), index, src.data, reduce, include_self)
    out = x.scatter_reduce(dim, ag.tensor(index), src, reduce, include_self=include_self)
    np.testing.assert_allclose(out.data, want)
    check(lambda a, s: a.scatter_reduce(dim, ag.tensor(index), s, reduce,
                                        include_self=include_self), x, src)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_integers(reduce):
    x = np.array([-3, 4, 7, 0])
    src = np.array([-2, 0, 5, 5, -1])
    index = np.array([0, 0, 1, 1, 3])
    for incl in (True, False):
        out = ag.tensor(x).scatter_reduce(0, ag.tensor(index), ag.tensor(src), reduce,
                                          include_self=incl)
        assert out.dtype == np.int64
        np.testing.assert_array_equal(out.data, ref_scatter_reduce(x, 0, index, src, reduce,
                                                                   incl))


# torch: x = [1, 3, 0, 2], src = [3, 3, 0, 5, 0, 2] at [0, 1, 2, 2, 3, 3], grad [1, 2, 3, 4]
TIES_AND_ZEROS = {
    ("amax", True): ([3, 3, 5, 2], [0, 1, 0, 2], [1, 1, 0, 3, 0, 2]),
    ("amax", False): ([3, 3, 5, 2], [0, 0, 0, 0], [1, 1, 0, 3, 0, 2]),
    ("amin", True): ([1, 3, 0, 0], [1, 1, 1.5, 0], [0, 1, 1.5, 0, 4, 0]),
    ("amin", False): ([3, 3, 0, 0], [0, 0, 0, 0], [1, 1, 1.5, 0, 4, 0]),
    ("prod", True): ([3, 9, 0, 0], [3, 6, 0, 0], [1, 6, 0, 0, 16, 0]),
    ("prod", False): ([3, 3, 0, 0], [0, 0, 0, 0], [1, 2, 15, 0, 8, 0]),
}


@pytest.mark.parametrize("reduce, include_self", TIES_AND_ZEROS)
def test_scatter_reduce_ties_and_zeros_as_torch(reduce, include_self):
    """amax/amin share an output's gradient evenly among the values equal to it (x counts
    even when not included, as PyTorch); prod's gradient is the product of the other
    factors, also where a factor is 0."""
    x = ag.tensor([1.0, 3.0, 0.0, 2.0], dtype=np.float64, requires_grad=True)
    src = ag.tensor([3.0, 3.0, 0.0, 5.0, 0.0, 2.0], dtype=np.float64, requires_grad=True)
    out = x.scatter_reduce(0, ag.tensor([0, 1, 2, 2, 3, 3]), src, reduce,
                           include_self=include_self)
    out.backward(ag.tensor([1.0, 2.0, 3.0, 4.0], dtype=np.float64))
    want_out, want_x, want_src = TIES_AND_ZEROS[reduce, include_self]
    np.testing.assert_array_equal(out.data, want_out)
    np.testing.assert_array_equal(x.grad.data, want_x)
    np.testing.assert_array_equal(src.grad.data, want_src)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax"])
def test_second_order(reduce):
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.uniform(0.5, 1.5, (2, 3)), requires_grad=True)
    src = ag.tensor(rng.uniform(2.0, 3.0, (2, 3)), requires_grad=True)
    i = ag.tensor([[0, 0, 2], [1, 1, 1]])
    assert gradgradcheck(lambda a, s: a.scatter_reduce(1, i, s, reduce) ** 2, (x, src))
    assert gradgradcheck(lambda a, s: (a.gather(1, i) * s).exp(), (x, src))
    assert gradgradcheck(lambda a, s: a.index_add(0, ag.tensor([1, 1]), s) ** 2, (x, src))


def test_scatter_reduce_argument_forms():
    x = ag.zeros(3)
    out = x.scatter(0, ag.tensor([0, 0]), ag.tensor([2.0, 3.0]), reduce="add")
    np.testing.assert_array_equal(out.data, [5, 0, 0])
    out = ag.ones(3).scatter(0, ag.tensor([1]), 4.0, reduce="multiply")
    np.testing.assert_array_equal(out.data, [1, 4, 1])
    with pytest.raises(RuntimeError, match="scatter"):  # as torch: no derivative
        ag.ones(3, requires_grad=True).scatter(0, ag.tensor([1]), 4.0, reduce="add")
    big = ag.arange(10.0).reshape(2, 5)  # src may be larger than index
    np.testing.assert_array_equal(ag.zeros(2, 2).scatter(1, ag.tensor([[1], [0]]), big).data,
                                  [[0, 0], [5, 0]])


# ----------------------------------------------------------------------------------------
# index_add, index_copy, index_fill


@given(data=st.data())
def test_index_family_forward_and_gradients(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3))
    x = data.draw(tensors(shape=shape))
    d = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[d]
    index = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=5)))
    sshape = shape[:d % len(shape)] + (len(index),) + shape[d % len(shape) + 1:]
    source = data.draw(tensors(shape=sshape))
    alpha = data.draw(st.sampled_from([1, 2.5, -1]))
    want = np.moveaxis(x.data.copy(), d, 0)
    np.add.at(want, index, alpha * np.moveaxis(source.data, d, 0))
    got = x.index_add(d, ag.tensor(index), source, alpha=alpha)
    np.testing.assert_allclose(got.data, np.moveaxis(want, 0, d))
    check(lambda a, s: a.index_add(d, ag.tensor(index), s, alpha=alpha), x, source)
    # index_fill: value a number or a 0-d tensor (which gets the gradient)
    want = x.data.copy()
    np.moveaxis(want, d, 0)[index] = -1.0
    np.testing.assert_array_equal(x.index_fill(d, ag.tensor(index), -1.0).data, want)
    value = ag.tensor(0.5, dtype=np.float64, requires_grad=True)
    check(lambda a, v: a.index_fill(d, ag.tensor(index), v), x, value)
    # index_copy: distinct indices (repeats make the written value unspecified)
    unique = np.unique(index)
    cshape = sshape[:d % len(shape)] + (len(unique),) + sshape[d % len(shape) + 1:]
    source = data.draw(tensors(shape=cshape))
    want = x.data.copy()
    np.moveaxis(want, d, 0)[unique] = np.moveaxis(source.data, d, 0)
    np.testing.assert_array_equal(x.index_copy(d, ag.tensor(unique), source).data, want)
    check(lambda a, s: a.index_copy(d, ag.tensor(unique), s), x, source)


# ----------------------------------------------------------------------------------------
# masked_select, masked_scatter, nonzero, where(cond)


@given(data=st.data())
def test_masked_select_and_masked_scatter_broadcast(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3))
    x = data.draw(tensors(shape=shape))
    mshape = tuple(data.draw(st.sampled_from([1, s])) for s in shape)[data.draw(
        st.integers(0, len(shape) - 1)):]
    mask = np.random.default_rng(len(mshape)).random(mshape) > 0.5
    full = np.broadcast_to(mask, shape)
    out = x.masked_select(ag.tensor(mask))
    np.testing.assert_array_equal(out.data, x.data[full])
    assert out.ndim == 1
    check(lambda t: t.masked_select(ag.tensor(mask)), x)
    source = data.draw(tensors(shape=(int(full.sum()) + 2,)))
    want = x.data.copy()
    want[full] = source.data[:full.sum()]
    np.testing.assert_array_equal(x.masked_scatter(ag.tensor(mask), source).data, want)
    check(lambda t, s: t.masked_scatter(ag.tensor(mask), s), x, source)


def test_masked_select_broadcasts_the_tensor_too():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    out = x.masked_select(ag.tensor([[True, False], [True, True]]))
    np.testing.assert_array_equal(out.data, [1, 1, 2])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2, 1])


@given(x=tensors(shape=shapes(min_dims=0, max_dims=3), elements=st.sampled_from([0.0, 1.5])))
def test_nonzero_and_one_argument_where(x):
    out = x.nonzero()
    assert out.dtype == np.int64 and out.shape == (int((x.data != 0).sum()), x.ndim)
    np.testing.assert_array_equal(out.data, np.argwhere(x.data))
    parts = ag.nonzero(x, as_tuple=True)
    assert parts == () or all(p.dtype == np.int64 for p in parts)
    want = np.nonzero(np.atleast_1d(x.data))
    assert len(parts) == len(want)
    for p, w in zip(parts, want):
        np.testing.assert_array_equal(p.data, w)
    for p, w in zip(ag.where(x != 0), want):
        np.testing.assert_array_equal(p.data, w)


def test_nonzero_of_a_0d_tensor_as_torch():
    assert ag.tensor(3.0).nonzero().shape == (1, 0)
    (i,) = ag.nonzero(ag.tensor(3.0), as_tuple=True)
    np.testing.assert_array_equal(i.data, [0])


def test_in_place_forms_write_into_the_tensor():
    x = ag.zeros(2, 3)
    assert x.scatter_(1, ag.tensor([[2], [0]]), 1.0) is x
    assert x.index_fill_(1, ag.tensor([1]), 5.0) is x
    assert x.scatter_add_(0, ag.tensor([[1, 1, 1]]), ag.ones(1, 3)) is x
    assert x.index_add_(0, ag.tensor([0]), ag.ones(1, 3), alpha=2) is x
    assert x.masked_scatter_(ag.tensor([True, False, False]), ag.tensor([9.0, 8.0])) is x
    np.testing.assert_array_equal(x.data, [[9, 7, 3], [8, 6, 1]])
    x.scatter_reduce_(1, ag.tensor([[0, 0]]), ag.tensor([[2.0, 3.0]]), "amax",
                      include_self=False)
    x.index_copy_(1, ag.tensor([1]), ag.tensor([[0.0], [0.0]]))
    np.testing.assert_array_equal(x.data, [[3, 0, 3], [8, 0, 1]])


# ----------------------------------------------------------------------------------------
# Advanced indexing: PyTorch's result shapes where numpy's differ (expected: torch 2.13)

X = np.arange(120.0).reshape(2, 3, 4, 5)
TORCH_SHAPES = [
    # a short list holding sequences/slices is read as a tuple (numpy: an array or an error)
    ("list of lists", lambda t: [[0, 1], [1, 0]], (2, 4, 5)),
    ("list of one list", lambda t: [[0, 1]], (2, 3, 4, 5)),
    ("list with a slice", lambda t: [0, slice(None)], (3, 4, 5)),
    ("list of tensors", lambda t: [t([0, 1]), t([1, 2])], (2, 4, 5)),
    # integers select first; the arrays then index what is left (numpy moves dims first)
    ("int between slices and an array", lambda t: (slice(None), 0, slice(None), [0, 1]),
     (2, 4, 2)),
    ("int, slice, array", lambda t: (0, slice(None), [0, 1]), (3, 2, 5)),
    ("0-d int tensor", lambda t: (t(1), slice(None), [0, 1]), (3, 2, 5)),
    ("int, None, array", lambda t: (0, None, [0, 1]), (1, 2, 4, 5)),
    ("None twice", lambda t: (None, 1, None, [0, 1], slice(None), [1, 2]), (2, 1, 1, 4)),
    ("mask then an int", lambda t: (t([True, False]), slice(None), 1), (1, 3, 5)),
    ("int then a 2-d mask", lambda t: (1, slice(None), t(np.ones((4, 5), bool))), (3, 20)),
    # the same in both (integers side by side with the arrays)
    ("slice, int, array", lambda t: (slice(None), 0, [0, 1]), (2, 2, 5)),
    ("array, int, array", lambda t: ([0, 1], 0, [0, 1]), (2, 5)),
    ("bool scalar", lambda t: True, (1, 2, 3, 4, 5)),
    ("ellipsis, int, array", lambda t: (Ellipsis, 1, [0, 2]), (2, 3, 2)),
    ("0-d int tensor alone", lambda t: t(1), (3, 4, 5)),
]


@pytest.mark.parametrize("make, shape", [c[1:] for c in TORCH_SHAPES],
                         ids=[c[0] for c in TORCH_SHAPES])
def test_advanced_indexing_result_shapes_as_torch(make, shape):
    x = ag.tensor(X, requires_grad=True)
    index = make(ag.tensor)
    out = x[index]
    assert out.shape == shape
    # same elements as the two steps PyTorch takes: ints (and None) first, arrays after
    out.backward(ag.ones(*shape, dtype=np.float64))
    assert x.grad.data.sum() == out.data.size
    y = ag.tensor(X)
    y[index] = ag.tensor(np.arange(float(out.data.size)).reshape(shape))
    np.testing.assert_array_equal(y[index].data, np.arange(float(out.data.size)).reshape(shape))


def test_int_first_rule_reads_the_right_elements():
    x = ag.tensor(X)
    np.testing.assert_array_equal(x[:, 0, :, [0, 1]].data, X[:, 0][:, :, [0, 1]])
    np.testing.assert_array_equal(x[ag.tensor(1), :, [0, 1]].data, X[1][:, [0, 1]])


def test_a_0d_int_tensor_index_is_a_view_as_torch():
    x = ag.arange(6.0).reshape(2, 3)
    row = x[ag.tensor(1)]
    row += 1.0
    np.testing.assert_array_equal(x.data[1], [4, 5, 6])


@pytest.mark.parametrize("index", [slice(None, None, -1), (0, slice(3, 0, -2))])
def test_negative_slice_steps_keep_numpys_meaning(index):
    # PyTorch refuses negative steps; a spelling only numpy accepts keeps numpy's meaning
    x = ag.arange(6.0, requires_grad=True)
    y = x.reshape(2, 3) * 1
    np.testing.assert_array_equal(y[index].data, np.arange(6.0).reshape(2, 3)[index])
    (y[index] * 2).sum().backward()
    expected = np.zeros((2, 3))
    expected[index] = 2
    np.testing.assert_array_equal(x.grad.data, expected.ravel())
    with pytest.raises(ValueError, match="step cannot be zero"):
        y[::0]


# ----------------------------------------------------------------------------------------
# Factories


def test_like_factories_dtypes_and_shapes():
    i, f = ag.tensor([[1, 2, 3]]), ag.zeros(2, 3, dtype=np.float64)
    assert ag.full_like(i, 2.7).dtype == np.int64 and (ag.full_like(i, 2.7).data == 2).all()
    assert ag.full_like(f, 3).dtype == np.float64 and ag.full_like(f, 3).shape == (2, 3)
    assert ag.full_like(i, 1.5, dtype=np.float32).dtype == np.float32
    assert ag.full_like(f, 1.0, requires_grad=True).requires_grad
    for fn in (ag.rand_like, ag.randn_like):
        assert fn(f).dtype == np.float64 and fn(f).shape == (2, 3)
        assert fn(i, dtype=np.float32).dtype == np.float32
        with pytest.raises(TypeError, match=fn.__name__):
            fn(i)  # torch: no uniform/normal draws for integer dtypes
    r = ag.randint_like(i, 5, 8)
    assert r.dtype == np.int64 and r.shape == (1, 3) and ((5 <= r.data) & (r.data < 8)).all()
    assert ag.randint_like(f, 3).dtype == np.float64
    assert (ag.rand_like(f).data < 1).all() and (ag.rand_like(f).data >= 0).all()


RANDOM = {
    "rand_like": lambda g: ag.rand_like(ag.zeros(3, 4), generator=g),
    "randn_like": lambda g: ag.randn_like(ag.zeros(3, 4), generator=g),
    "randint_like": lambda g: ag.randint_like(ag.zeros(3, 4), 0, 100, generator=g),
    "bernoulli": lambda g: ag.bernoulli(ag.full((3, 4), 0.5), generator=g),
    "bernoulli_": lambda g: ag.zeros(3, 4).bernoulli_(0.5, generator=g),
    "normal": lambda g: ag.normal(0.0, 2.0, (3, 4), generator=g),
    "normal(tensors)": lambda g: ag.normal(ag.zeros(3, 1), ag.ones(4), generator=g),
    "poisson": lambda g: ag.poisson(ag.full((3, 4), 3.0), generator=g),
}


@pytest.mark.parametrize("draw", RANDOM.values(), ids=RANDOM)
def test_random_factories_reproducible_per_seed(draw):
    a = draw(ag.Generator().manual_seed(3)).data
    b = draw(ag.Generator().manual_seed(3)).data
    c = draw(ag.Generator().manual_seed(4)).data
    assert a.shape == (3, 4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    ag.manual_seed(7)
    first = draw(None).data
    ag.manual_seed(7)
    np.testing.assert_array_equal(draw(None).data, first)


def test_bernoulli_values_and_dtypes():
    p = ag.tensor([0.0, 1.0, 0.0, 1.0], dtype=np.float64)
    out = ag.bernoulli(p)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out.data, [0, 1, 0, 1])
    np.testing.assert_array_equal(p.bernoulli().data, [0, 1, 0, 1])
    np.testing.assert_array_equal(ag.bernoulli(ag.ones(3), 0.0).data, [0, 0, 0])
    x = ag.tensor([5, 5, 5])
    assert x.bernoulli_(1.0) is x and x.dtype == np.int64
    np.testing.assert_array_equal(x.data, [1, 1, 1])
    np.testing.assert_array_equal(ag.zeros(2, 2).bernoulli_(ag.tensor([0.0, 1.0])).data,
                                  [[0, 1], [0, 1]])


def test_normal_overloads():
    assert ag.normal(ag.zeros(2, dtype=np.float64), 1.0).dtype == np.float64
    assert ag.normal(0.0, ag.ones(2)).dtype == np.float32
    assert ag.normal(0.0, 1.0, (2, 3)).shape == (2, 3)
    assert ag.normal(0.0, 1.0, (2,), dtype=np.float64).dtype == np.float64
    assert ag.normal(ag.zeros(2, 1), ag.ones(3)).shape == (2, 3)
    np.testing.assert_array_equal(ag.normal(ag.tensor([1.0, 5.0]), 0.0).data, [1, 5])
    z = ag.normal(0.0, 1.0, (4000,), generator=ag.Generator().manual_seed(0)).data
    assert abs(z.mean()) < 0.1 and abs(z.std() - 1) < 0.1


def test_poisson_values():
    out = ag.poisson(ag.tensor([0.0, 0.0, 2.0]))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data[:2], [0, 0])
    assert (out.data >= 0).all() and (out.data == np.round(out.data)).all()


@given(row=st.integers(0, 6), col=st.integers(0, 6), offset=st.integers(-7, 7))
def test_tril_triu_indices_as_numpy(row, col, offset):
    for fn, ref in ((ag.tril_indices, np.tril_indices), (ag.triu_indices, np.triu_indices)):
        out = fn(row, col, offset)
        assert out.dtype == np.int64 and out.ndim == 2 and out.shape[0] == 2
        np.testing.assert_array_equal(out.data, np.stack(ref(row, offset, col)).reshape(2, -1))
    assert ag.tril_indices(row, col, offset, dtype=np.int32).dtype == np.int32


def test_tril_indices_as_torch():
    np.testing.assert_array_equal(ag.tril_indices(3, 4, 1).data,
                                  [[0, 0, 1, 1, 1, 2, 2, 2, 2], [0, 1, 0, 1, 2, 0, 1, 2, 3]])
    np.testing.assert_array_equal(ag.triu_indices(3, 3, -1).data,
                                  [[0, 0, 0, 1, 1, 1, 2, 2], [0, 1, 2, 0, 1, 2, 1, 2]])


@pytest.mark.parametrize("args, n", [((0, 1, 0.1), 10), ((0, 0.3, 0.1), 3), ((1, 0, -0.25), 4),
                                     ((-1.0, 1.0, 0.2), 10), ((0.5, 2), 2), ((0, 1, 1 / 3), 3)])
def test_arange_float_step_counts_as_torch(args, n):
    out = ag.arange(*args)
    assert out.shape == (n,) and out.dtype == np.float32


def test_zeros_ones_take_a_size_tuple_or_varargs():
    for fn in (ag.zeros, ag.ones, ag.empty):
        assert fn(2, 3).shape == fn((2, 3)).shape == fn([2, 3]).shape == (2, 3)
        assert fn(ag.Size([2])).shape == (2,) and fn(()).shape == ()
    assert ag.eye(2, 3).shape == (2, 3)
