"""Issue 16, shape ops and products: forward against numpy, gradients against finite
differences (float64, hypothesis shapes with size-1 dims), second order for the products,
and in-place writes through the view ops reaching their base (as PyTorch)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite.testing import gradcheck, gradgradcheck
from autograd_lite.testing.strategies import away_from, floats, shapes, tensors

FEW = settings(max_examples=6)  # parametrized checks of second order: fewer examples each
SHAPES = shapes(min_dims=1, max_dims=3, max_side=3)  # sizes 1..3: size-1 dims included


def check(fn, *inputs) -> None:
    assert gradcheck(fn, inputs)


def check2(fn, *inputs) -> None:
    assert gradcheck(fn, inputs) and gradgradcheck(fn, inputs)


@st.composite
def tensor_and_dim(draw, min_dims=1):
    x = draw(tensors(shape=shapes(min_dims=min_dims, max_dims=3, max_side=3)))
    return x, draw(st.integers(-x.ndim, x.ndim - 1))


# ----------------------------------------------------------------------------------------
# Shape ops: forward against numpy, then the gradient


@given(tensor_and_dim(), st.booleans())
def test_flip(xd, both):
    x, d = xd
    dims = (d, (d + 1) % x.ndim) if both and x.ndim > 1 else (d,)
    out = x.flip(*dims)
    np.testing.assert_array_equal(out.data, np.flip(x.data, dims))
    assert not np.may_share_memory(out.data, x.data)  # a copy, as PyTorch
    np.testing.assert_array_equal(ag.flip(x, dims=dims).data, out.data)
    check(lambda t: t.flip(dims), x)


@given(tensor_and_dim(), st.integers(-4, 4), st.booleans())
def test_roll(xd, shift, flat):
    x, d = xd
    out = x.roll(shift) if flat else ag.roll(x, (shift,), (d,))
    np.testing.assert_array_equal(out.data, np.roll(x.data, shift, None if flat else d))
    check(lambda t: t.roll(shift) if flat else t.roll([shift, 1], [d, 0]), x)


@given(tensors(shape=SHAPES), st.lists(st.integers(0, 3), min_size=3, max_size=4))
def test_repeat_and_tile(x, sizes):
    np.testing.assert_array_equal(x.repeat(*sizes).data, np.tile(x.data, sizes))
    np.testing.assert_array_equal(ag.tile(x, sizes[:1]).data, np.tile(x.data, sizes[:1]))
    check(lambda t: t.repeat(sizes), x)
    check(lambda t: t.tile(sizes[-1:]), x)


def test_repeat_needs_a_size_per_dim():
    with pytest.raises(ValueError, match="repeat"):
        ag.ones(2, 3).repeat(2)


@given(tensor_and_dim(), st.data())
def test_repeat_interleave(xd, data):
    x, d = xd
    n = x.shape[d]
    reps = data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    out = x.repeat_interleave(ag.tensor(reps), dim=d)
    np.testing.assert_array_equal(out.data, np.repeat(x.data, reps, axis=d))
    np.testing.assert_array_equal(ag.repeat_interleave(x, 2).data, np.repeat(x.data, 2))
    check(lambda t: t.repeat_interleave(ag.tensor(reps), d), x)
    check(lambda t: t.repeat_interleave(2), x)


def test_repeat_interleave_of_repeats_alone_and_output_size():
    np.testing.assert_array_equal(ag.repeat_interleave(ag.tensor([1, 2, 0, 3])).data,
                                  [0, 1, 1, 3, 3, 3])
    assert ag.ones(2).repeat_interleave(3, output_size=6).shape == (6,)
    with pytest.raises(ValueError, match="output_size"):
        ag.ones(2).repeat_interleave(3, output_size=5)


@given(tensors(shape=shapes(min_dims=2, max_dims=4, max_side=3)), st.integers(-3, 3))
def test_tril_triu(x, k):
    np.testing.assert_array_equal(x.tril(k).data, np.tril(x.data, k))
    np.testing.assert_array_equal(ag.triu(x, k).data, np.triu(x.data, k))
    check(lambda t: t.tril(k), x)
    check(lambda t: t.triu(diagonal=k), x)


@given(tensor_and_dim(), st.integers(1, 3), st.booleans())
def test_unflatten(xd, k, infer):
    x, d = xd
    x = x.repeat_interleave(k, d).detach().requires_grad_()
    n = x.shape[d]
    sizes = (k, -1) if infer else (k, n // k)
    out = x.unflatten(d, sizes)
    assert out.shape == x.shape[:d % x.ndim] + (k, n // k) + x.shape[d % x.ndim + 1:]
    check(lambda t: t.unflatten(d, sizes), x)


@given(tensors(shape=shapes(min_dims=1, max_dims=2, max_side=4)), st.integers(-3, 3))
def test_diag(x, k):
    np.testing.assert_array_equal(x.diag(k).data, np.diag(x.data, k))
    check(lambda t: ag.diag(t, k), x)


@st.composite
def diagonal_args(draw):
    x = draw(tensors(shape=shapes(min_dims=2, max_dims=4, max_side=3)))
    d1, d2 = draw(st.lists(st.integers(0, x.ndim - 1), min_size=2, max_size=2, unique=True))
    sign1, sign2 = draw(st.booleans()), draw(st.booleans())
    return x, draw(st.integers(-3, 3)), d1 - x.ndim * sign1, d2 - x.ndim * sign2


@given(diagonal_args())
def test_diagonal(args):
    x, k, d1, d2 = args
    out = x.diagonal(k, d1, d2)
    np.testing.assert_array_equal(out.data, np.diagonal(x.data, k, d1, d2))
    check(lambda t: t.diagonal(offset=k, dim1=d1, dim2=d2), x)


@given(diagonal_args())
def test_diag_embed(args):
    x, k, d1, d2 = args
    x = x.sum(-1).detach().requires_grad_()  # one dim fewer: the result has x.ndim + 1
    out = x.diag_embed(k, d1, d2)
    np.testing.assert_array_equal(np.diagonal(out.data, k, d1, d2), x.data)
    assert out.data.sum() == pytest.approx(x.data.sum())  # zeros elsewhere
    check(lambda t: ag.diag_embed(t, k, d1, d2), x)


@given(tensors(shape=shapes(min_dims=1, max_dims=4, max_side=3)), st.data())
def test_movedim(x, data):
    src = data.draw(st.lists(st.integers(0, x.ndim - 1), min_size=1, max_size=x.ndim,
                             unique=True))
    dst = data.draw(st.lists(st.integers(0, x.ndim - 1), min_size=len(src),
                             max_size=len(src), unique=True))
    out = x.movedim(src, dst)
    np.testing.assert_array_equal(out.data, np.moveaxis(x.data, src, dst))
    np.testing.assert_array_equal(ag.moveaxis(x, src[0], dst[0]).data,
                                  np.moveaxis(x.data, src[0], dst[0]))
    check(lambda t: t.movedim(src, dst), x)


@given(tensor_and_dim(), st.data())
def test_narrow_select_unbind(xd, data):
    x, d = xd
    n = x.shape[d]
    start = data.draw(st.integers(-n, n - 1))
    length = data.draw(st.integers(0, n - start % n))
    i = data.draw(st.integers(-n, n - 1))
    lead = (slice(None),) * (d % x.ndim)
    s = start % n
    np.testing.assert_array_equal(x.narrow(d, start, length).data,
                                  x.data[lead + (slice(s, s + length),)])
    np.testing.assert_array_equal(x.select(d, i).data, x.data[lead + (i,)])
    pieces = x.unbind(d)
    assert isinstance(pieces, tuple) and len(pieces) == n
    check(lambda t: t.narrow(d, start, length), x)
    check(lambda t: ag.select(t, d, i), x)
    check(lambda t: ag.stack(t.unbind(d)[::-1]), x)


@given(st.lists(tensors(shape=shapes(min_dims=1, max_dims=1, max_side=3)), min_size=1,
                max_size=3), st.sampled_from(["ij", "xy"]))
def test_meshgrid(ts, indexing):
    grids = ag.meshgrid(*ts, indexing=indexing)
    for g, e in zip(grids, np.meshgrid(*(t.data for t in ts), indexing=indexing)):
        np.testing.assert_array_equal(g.data, e)
    check(lambda *xs: ag.stack(ag.meshgrid(list(xs), indexing=indexing)), *ts)


def test_meshgrid_warns_without_indexing_as_torch():
    with pytest.warns(UserWarning, match="indexing"):
        a, b = ag.meshgrid(ag.arange(2), ag.arange(3))
    assert a.shape == b.shape == (2, 3)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_atleast_nd(n):
    fn = getattr(ag, f"atleast_{n}d")
    expected = getattr(np, f"atleast_{n}d")
    xs = [ag.tensor(1.0), ag.ones(3), ag.ones(2, 3), ag.ones(2, 1, 3)]
    for x in xs:
        assert fn(x).shape == expected(x.data).shape
    assert fn(xs[3]) is xs[3]
    assert [t.shape for t in fn(*xs)] == [t.shape for t in fn(xs)] == \
        [a.shape for a in expected(*(x.data for x in xs))]
    x = ag.tensor(2.0, requires_grad=True)
    fn(x).sum().backward()
    assert x.grad.item() == 1.0


def test_existing_shape_ops_match_torch():
    x = ag.ones(2, 3, 4)
    assert x.flatten(1, -1).shape == (2, 12) and ag.flatten(ag.tensor(1.0)).shape == (1,)
    assert [p.shape for p in ag.chunk(ag.ones(6), 4)] == [(2,), (2,), (2,)]
    with pytest.raises(RuntimeError, match="mm"):  # torch raises RuntimeError here
        ag.mm(ag.ones(2, 3), ag.ones(2, 3))


# ----------------------------------------------------------------------------------------
# In place through the view ops: the write reaches the base and its gradient (PyTorch)

VIEWS = {  # op on a (3, 4, 2) tensor -> the same elements as a numpy index
    "narrow": (lambda b: b.narrow(1, 1, 2), (slice(None), slice(1, 3))),
    "select": (lambda b: b.select(2, 1), (slice(None), slice(None), 1)),
    "diagonal": (lambda b: b.diagonal(0, 0, 1), (np.arange(3), np.arange(3))),
    "diagonal offset": (lambda b: b.diagonal(-1, 1, 0), (np.arange(3), np.arange(1, 4))),
    "movedim": (lambda b: b.movedim(0, 2), (slice(None),)),
    "unflatten": (lambda b: b.unflatten(1, (2, 2)), (slice(None),)),
    "unbind": (lambda b: b.unbind(1)[2], (slice(None), 2)),
    "chained": (lambda b: b.movedim(2, 0).diagonal(1, 1, 2),
                (np.arange(3), np.arange(1, 4))),
}


@pytest.mark.parametrize("name", VIEWS)
def test_in_place_through_view_reaches_base(name):
    view, index = VIEWS[name]
    x0 = np.arange(24.0).reshape(3, 4, 2) / 10
    w = ag.tensor(x0, requires_grad=True)
    b = w * 1.0
    v = view(b)
    assert np.may_share_memory(v.data, b.data)
    v.mul_(2.0)
    expected = x0.copy()
    expected[index] *= 2
    np.testing.assert_allclose(b.data, expected)
    c = np.cos(np.arange(24.0)).reshape(3, 4, 2)
    (b * ag.tensor(c)).sum().backward()
    scale = np.ones_like(x0)
    scale[index] = 2
    np.testing.assert_allclose(w.grad.data, c * scale)


def test_view_ops_share_memory_and_flip_copies():
    x = ag.ones(3, 3)
    x.diagonal()[...] = 5.0
    assert x.data.trace() == 15.0
    x.select(0, 0)[0] = 7.0
    x.narrow(1, 2, 1)[...] = -1.0
    assert x.data[0, 0] == 7.0 and (x.data[:, 2] == -1).all()
    assert x.flip(0)._base is None


# ----------------------------------------------------------------------------------------
# Products: forward against numpy, gradients of first and second order

EINSUMS = [  # equation, operand shapes (size-1 dims broadcast)
    ("ij,jk->ik", [(2, 3), (3, 1)]), ("bij,bjk->bik", [(2, 1, 3), (1, 3, 2)]),
    ("i,i", [(3,), (1,)]), ("ii->i", [(3, 3)]), ("ii", [(2, 2)]), ("ij->", [(2, 3)]),
    ("ij,k->ik", [(2, 3), (2,)]), ("...ij,...jk", [(2, 2, 3), (3, 1)]),
    ("i...->...", [(2, 3, 1)]), ("ba,b", [(2, 3), (2,)]), ("iij,jk->ki", [(2, 2, 3), (3, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]), ("i,j->ij", [(3,), (2,)]),
]


@FEW
@pytest.mark.parametrize("equation, shapes_", EINSUMS, ids=[e for e, _ in EINSUMS])
@given(data=st.data())
def test_einsum(equation, shapes_, data):
    ops = [data.draw(tensors(shape=s)) for s in shapes_]
    out = ag.einsum(equation, *ops)
    np.testing.assert_allclose(out.data, np.einsum(equation, *(t.data for t in ops)))
    np.testing.assert_allclose(ag.einsum(equation, ops).data, out.data)
    check2(lambda *ts: ag.einsum(equation, *ts), *ops)


TENSORDOTS = [((2, 3, 2), (3, 2, 4), 2), ((2, 3), (3, 1), 1), ((2, 1), (3,), 0),
              ((2, 3, 2), (2, 1, 2), ([0, 2], [2, 0])), ((2, 3), (3, 2), [[1], [0]])]


@FEW
@pytest.mark.parametrize("sa, sb, dims", TENSORDOTS, ids=[str(d) for *_, d in TENSORDOTS])
@given(data=st.data())
def test_tensordot(sa, sb, dims, data):
    a, b = data.draw(tensors(shape=sa)), data.draw(tensors(shape=sb))
    np.testing.assert_allclose(ag.tensordot(a, b, dims).data,
                               np.tensordot(a.data, b.data, dims))
    check2(lambda s, t: ag.tensordot(s, t, dims=dims), a, b)


@FEW
@given(tensors(shape=shapes(min_dims=0, max_dims=3, max_side=3)), st.data())
def test_inner(a, data):
    shape = data.draw(shapes(min_dims=0, max_dims=2, max_side=3))
    if a.ndim and shape:
        shape = shape[:-1] + a.shape[-1:]
    b = data.draw(tensors(shape=shape))
    np.testing.assert_allclose(ag.inner(a, b).data, np.inner(a.data, b.data))
    check2(lambda s, t: s.inner(t), a, b)


@FEW
@given(tensors(shape=shapes(min_dims=1, max_dims=1)), tensors(shape=shapes(min_dims=1,
                                                                           max_dims=1)))
def test_outer(a, b):
    np.testing.assert_allclose(a.outer(b).data, np.outer(a.data, b.data))
    check2(ag.outer, a, b)


@FEW
@given(tensors(shape=shapes(min_dims=0, max_dims=3, max_side=3)),
       tensors(shape=shapes(min_dims=0, max_dims=2, max_side=3)))
def test_kron(a, b):
    np.testing.assert_allclose(ag.kron(a, b).data, np.kron(a.data, b.data))
    check2(lambda s, t: s.kron(t), a, b)


@FEW
@given(st.data())
def test_cross(data):
    sa, sb = data.draw(st.sampled_from([((3,), (3,)), ((2, 3), (1, 3)), ((3, 1, 2), (3, 4, 1)),
                                        ((1, 3), (4, 3))]))
    a, b = data.draw(tensors(shape=sa)), data.draw(tensors(shape=sb))
    d = 0 if sa[0] == 3 and len(sa) > 1 and sa != (3,) else -1
    np.testing.assert_allclose(ag.cross(a, b, dim=d).data, np.cross(a.data, b.data, axis=d))
    check2(lambda s, t: s.cross(t, dim=d), a, b)


def test_cross_without_dim_takes_the_first_size_3_dim_with_torchs_warning():
    a, b = ag.tensor(np.eye(3)[:, :2].T.copy()).reshape(2, 3), ag.ones(2, 3)
    with pytest.warns(UserWarning, match="dim"):
        out = ag.cross(a, b)
    np.testing.assert_allclose(out.data, np.cross(a.data, b.data, axis=1))


def _np_cdist(a, b, p):
    diff = np.abs(a[..., :, None, :] - b[..., None, :, :])
    if p == 0:
        return (diff != 0).sum(-1)
    if p == np.inf:
        return diff.max(-1)
    return (diff ** p).sum(-1) ** (1 / p)


@FEW
@pytest.mark.parametrize("p", [0.5, 1.0, 1.5, 2.0, 3.0, np.inf])
@given(data=st.data())
def test_cdist(p, data):
    m = data.draw(st.integers(1, 3))
    sa = data.draw(shapes(min_dims=1, max_dims=2, max_side=3)) + (m,)
    sb = data.draw(st.sampled_from([sa[:-3], sa[-3:-2]])) + (data.draw(st.integers(1, 3)), m)
    a = data.draw(tensors(shape=sa, unique=True, elements=away_from(0.0, margin=0.05)))
    b = data.draw(tensors(shape=sb, unique=True, elements=floats(3.2, 6.0)))  # no ties
    np.testing.assert_allclose(ag.cdist(a, b, p).data, _np_cdist(a.data, b.data, p))
    if p in (1.0, np.inf):  # piecewise linear: no second derivative to check
        check(lambda s, t: ag.cdist(s, t, p), a, b)
    else:
        check2(lambda s, t: ag.cdist(s, t, p=p), a, b)


def test_cdist_gradient_is_zero_where_a_distance_is_zero_as_torch():
    x = ag.tensor([[0.0, 0.0], [1.0, 1.0]], requires_grad=True)
    ag.cdist(x, x).sum().backward()  # torch: [[-1.4142, -1.4142], [1.4142, 1.4142]]
    np.testing.assert_allclose(x.grad.data, np.sqrt(2) * np.array([[-1, -1], [1, 1]]))
    for p, expected in ((1.0, 2.0), (0.5, 4.0), (0.0, 0.0)):
        x.grad = None
        ag.cdist(x, x, p).sum().backward()
        np.testing.assert_allclose(x.grad.data, expected * np.array([[-1, -1], [1, 1]]))
