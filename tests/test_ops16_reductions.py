"""Issue 16, reductions and scans: prod cumsum cumprod cummax cummin logcumsumexp amax amin
aminmax median mode norm var_mean std_mean count_nonzero sort argsort topk kthvalue unique.

Forward values against numpy, gradients against finite differences (float64, hypothesis
shapes and dims, values on a grid so that no two tie), second order where it exists, the
zero cases of prod/cumprod and the index conventions on ties (pinned from torch 2.13, CPU).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite.testing import gradcheck, gradgradcheck
from autograd_lite.testing.strategies import distinct, positive, shapes, tensors


@st.composite
def tensor_and_dim(draw, min_dims=0, elements=None, max_dims=3):
    """A float64 tensor with distinct values (no ties) and one of its dims (maybe negative;
    0 or -1 for a 0-d tensor)."""
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims, max_side=3 if max_dims < 3
                        else 4))
    x = draw(tensors(shape=shape, elements=distinct() if elements is None else elements,
                     unique=True))
    nd = max(len(shape), 1)
    return x, draw(st.integers(-nd, nd - 1))


def moved(a: np.ndarray, d: int) -> np.ndarray:
    return np.moveaxis(a, d, -1) if a.ndim else a.reshape(1)


# ----------------------------------------------------------------------------------------
# Forward against numpy


@given(tensor_and_dim(), st.booleans())
def test_forward_against_numpy(xd, keep):
    x, d = xd
    a = x.data
    ad = a if a.ndim else a.reshape(1)
    np.testing.assert_allclose(x.prod().numpy(), np.prod(a))
    np.testing.assert_allclose(x.prod(d, keep).numpy(),
                               np.prod(ad, axis=d, keepdims=keep).reshape(
                                   x.prod(d, keep).shape))
    np.testing.assert_allclose(x.cumsum(d).numpy(), np.cumsum(ad, axis=d).reshape(a.shape))
    np.testing.assert_allclose(x.cumprod(d).numpy(), np.cumprod(ad, axis=d).reshape(a.shape))
    np.testing.assert_allclose(x.logcumsumexp(d).numpy(),
                               np.log(np.cumsum(np.exp(ad), axis=d)).reshape(a.shape))
    np.testing.assert_allclose(x.cummax(d).values.numpy(),
                               np.maximum.accumulate(ad, axis=d).reshape(a.shape))
    np.testing.assert_allclose(x.cummin(d).values.numpy(),
                               np.minimum.accumulate(ad, axis=d).reshape(a.shape))
    assert x.amax().item() == a.max() and x.amin(d, keep).shape == np.amin(
        ad, axis=d, keepdims=keep).reshape(x.amin(d, keep).shape).shape
    lo, hi = ag.aminmax(x)
    assert (lo.item(), hi.item()) == (a.min(), a.max())
    s = x.sort(d, descending=True)
    np.testing.assert_array_equal(s.values.numpy(),
                                  np.flip(np.sort(ad, axis=d), axis=d).reshape(a.shape))
    np.testing.assert_array_equal(np.take_along_axis(ad, s.indices.numpy().reshape(ad.shape),
                                                     d).reshape(a.shape), s.values.numpy())
    np.testing.assert_array_equal(x.argsort(d).numpy(),
                                  np.argsort(ad, axis=d, kind="stable").reshape(a.shape))
    n = ad.shape[d]
    k = (n + 1) // 2
    srt = np.sort(ad, axis=d)
    kth = np.take(srt, k - 1, axis=d)
    np.testing.assert_array_equal(x.kthvalue(k, d).values.numpy(), kth.reshape(
        x.kthvalue(k, d).values.shape))
    np.testing.assert_array_equal(x.median(d).values.numpy(), kth.reshape(
        x.median(d).values.shape))
    assert x.median().item() == np.sort(a.ravel())[(a.size - 1) // 2]
    top = x.topk(k, d)
    np.testing.assert_array_equal(top.values.numpy(), np.flip(
        np.take(srt, range(n - k, n), axis=d), d).reshape(top.values.shape))
    np.testing.assert_array_equal(x.count_nonzero().numpy(), np.count_nonzero(a))
    np.testing.assert_array_equal(ag.unique(x).numpy(), np.unique(a))


@given(tensor_and_dim(min_dims=1), st.sampled_from([2, 1, 3, 0.5, float("inf"), -float("inf"),
                                                      0, "fro"]), st.booleans())
def test_norm_against_numpy(xd, p, keep):
    x, d = xd
    a = moved(x.data, d)
    order = {"fro": 2, 0: 0}.get(p, p)
    if order in (2, 1, float("inf"), -float("inf"), 0):
        want = np.linalg.norm(a, ord=order, axis=-1)
    else:
        want = (np.abs(a) ** order).sum(-1) ** (1 / order)
    got = x.norm(p, d, keep)
    np.testing.assert_allclose(got.numpy().reshape(want.shape), want, rtol=1e-12)
    assert got.ndim == x.ndim - (not keep)
    np.testing.assert_allclose(ag.norm(x).item(), np.linalg.norm(x.data.ravel()))


@pytest.mark.filterwarnings("ignore:.*degrees of freedom")
@given(tensor_and_dim(min_dims=1), st.sampled_from([0, 1]), st.booleans())
def test_var_mean_and_std_mean(xd, correction, keep):
    x, d = xd
    v, m = ag.var_mean(x, d, correction=correction, keepdim=keep)
    s, m2 = ag.std_mean(x, d, correction=correction, keepdim=keep)
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(v.numpy(), np.var(x.data, axis=d, ddof=correction,
                                                     keepdims=keep))
        np.testing.assert_allclose(s.numpy(), np.std(x.data, axis=d, ddof=correction,
                                                     keepdims=keep))
    np.testing.assert_allclose(m.numpy(), x.data.mean(axis=d, keepdims=keep))
    np.testing.assert_array_equal(m.numpy(), m2.numpy())
    v, m = ag.var_mean(ag.tensor([1.0, 2.0, 3.0, 4.0]))  # unbiased by default
    assert (v.item(), m.item()) == pytest.approx((5 / 3, 2.5))


def test_dtypes_and_shapes_as_torch():
    i = ag.tensor([[1, 2], [3, 4]])
    assert i.prod().dtype == np.int64 and i.prod().item() == 24
    assert ag.tensor([True, True]).prod().dtype == np.int64
    assert ag.tensor([True, False]).cumsum(0).dtype == np.int64
    assert i.prod(dtype=np.float32).dtype == np.float32
    assert i.count_nonzero(dim=(0, 1)).dtype == np.int64
    assert ag.tensor(5.0).cumsum(0).shape == () and ag.tensor(5.0).prod(0).shape == ()
    assert ag.ones((2, 3)).amax(dim=()).shape == () and ag.ones((2, 3)).amax((0, 1)).shape == ()
    assert ag.ones((2, 3)).count_nonzero(dim=()).item() == 6  # () is every dim, as torch
    assert ag.ones((2, 3)).norm(dim=()).shape == ()
    assert ag.ones((2, 3)).any(dim=()).shape == (2, 3)  # but reduces none for any, as torch
    assert ag.ones((2, 0)).sort(1).values.shape == (2, 0)
    np.testing.assert_array_equal(ag.ones((2, 0)).prod(1).numpy(), [1.0, 1.0])
    assert np.isnan(ag.ones(0).median().item())
    assert ag.ones((2, 3)).topk(2, dim=0).values.shape == (2, 3)
    assert ag.ones(3).kthvalue(2, 0, True).values.shape == (1,)
    assert type(ag.ones(3).sort()).__name__ == "sort" and ag.ones(3).sort()._fields == (
        "values", "indices")
    assert ag.aminmax(ag.ones((2, 3)), dim=1)._fields == ("min", "max")
    u = ag.tensor(np.array([0, 2], np.uint8))
    assert u.any().dtype == np.uint8 and ag.all(u).dtype == np.uint8  # as PyTorch
    assert ag.ones((2, 3)).any(dim=(0, 1)).dtype == np.bool_


def test_unique_outputs():
    vals, inv, counts = ag.unique(ag.tensor([3, 1, 3, 2]), sorted=False, return_inverse=True,
                                  return_counts=True)
    assert vals.tolist() == [1, 2, 3] and inv.tolist() == [2, 0, 2, 1]
    assert counts.tolist() == [1, 1, 2] and inv.dtype == np.int64
    rows, inv = ag.unique(ag.tensor([[1, 2], [1, 2], [0, 5]]), dim=0, return_inverse=True)
    assert rows.tolist() == [[0, 5], [1, 2]] and inv.tolist() == [1, 1, 0]
    assert ag.unique(ag.tensor([[2.0, 1.0]], requires_grad=True)).requires_grad is False


# ----------------------------------------------------------------------------------------
# Index conventions on ties (torch 2.13, CPU)


def test_ties_follow_torch():
    x = ag.tensor([3.0, 1.0, 3.0, 1.0, 2.0, 3.0])
    assert x.sort().indices.tolist() == [1, 3, 4, 0, 2, 5]
    assert x.sort(descending=True).indices.tolist() == [0, 2, 5, 4, 1, 3]
    assert x.argsort(descending=True, stable=True).tolist() == [0, 2, 5, 4, 1, 3]
    assert x.cummax(0).indices.tolist() == [0, 0, 2, 2, 2, 5]  # a tie takes the later index
    assert x.cummin(0).indices.tolist() == [0, 1, 1, 3, 3, 3]
    m = x.mode()
    assert (m.values.item(), m.indices.item()) == (3.0, 5)  # the last occurrence
    m = ag.tensor([2.0, 1.0, 1.0, 2.0, 5.0]).mode()
    assert (m.values.item(), m.indices.item()) == (1.0, 2)  # equally frequent: the smallest
    m = ag.tensor([[1.0, 2.0], [2.0, 1.0]]).mode(0)
    assert m.values.tolist() == [1.0, 1.0] and m.indices.tolist() == [0, 1]
    assert x.topk(3, largest=False).indices.tolist() == [1, 3, 4]
    assert x.kthvalue(1).indices.item() == 1 and x.kthvalue(6).indices.item() == 5
    assert ag.tensor([1.0, 2.0, 3.0, 4.0]).median(0).indices.item() == 1  # the lower median


def test_nan_follows_torch():
    nan = float("nan")
    x = ag.tensor([1.0, nan, 0.0, 2.0])
    assert np.isnan(x.median().item())
    m = ag.tensor([[1.0, nan], [2.0, 3.0]]).median(1)
    assert np.isnan(m.values[0].item()) and m.values[1].item() == 2.0
    assert m.indices.tolist() == [1, 0]
    c = x.cummin(0)
    assert np.isnan(c.values.numpy()[1:]).all() and c.indices.tolist() == [0, 1, 1, 1]
    assert x.sort(descending=True).indices.tolist() == [1, 3, 0, 2]
    assert x.topk(2).indices.tolist() == [1, 3]


def test_tie_gradients_follow_torch():
    x = ag.tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.amax().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5]
    x = ag.tensor([1.0, 2.0, 2.0, 5.0], requires_grad=True)
    x.median().backward()  # the whole-tensor median shares among equal elements, as torch
    assert x.grad.tolist() == [0.0, 0.5, 0.5, 0.0]
    x = ag.tensor([3.0, 1.0, 3.0, 5.0], requires_grad=True)
    x.cummax(0).values.backward(ag.ones(4))
    assert x.grad.tolist() == [2.0, 0.0, 1.0, 1.0]


# ----------------------------------------------------------------------------------------
# Gradients


def check(fn, x):
    assert gradcheck(fn, (x,))


@given(tensor_and_dim(), st.booleans())
def test_gradients_of_reductions(xd, keep):
    x, d = xd
    check(lambda t: t.prod(), x)
    check(lambda t: ag.prod(t, d, keep), x)
    check(lambda t: t.amax(d, keep), x)
    check(lambda t: ag.amin(t), x)
    check(lambda t: ag.aminmax(t, dim=d).max, x)
    check(lambda t: t.median(), x)
    check(lambda t: t.median(d, keep).values, x)
    check(lambda t: t.mode(d, keep).values, x)
    check(lambda t: t.kthvalue(1, d, keep).values, x)
    check(lambda t: ag.var_mean(t, d, keepdim=keep, correction=0)[1], x)
    check(lambda t: ag.std_mean(t, d, correction=0)[0], x)


@given(tensor_and_dim())
def test_gradients_of_scans_and_selections(xd):
    x, d = xd
    check(lambda t: t.cumsum(d), x)
    check(lambda t: ag.cumprod(t, d), x)
    check(lambda t: t.logcumsumexp(d), x)
    check(lambda t: t.cummax(d).values, x)
    check(lambda t: ag.cummin(t, d).values, x)
    check(lambda t: t.sort(d, descending=True).values, x)
    check(lambda t: ag.topk(t, 1, d, largest=False).values, x)


@given(tensor_and_dim(), st.sampled_from([2, "fro", 1, 3, 1.5, float("inf"), -float("inf")]),
       st.booleans())
def test_gradients_of_norm(xd, p, keep):
    x, d = xd
    # |x| away from 0 and from ties of |x|: distinct positive values, random signs
    x = ag.tensor(np.abs(x.data) + 0.1, requires_grad=True)
    check(lambda t: t.norm(p, d, keep), x)


@given(tensor_and_dim(elements=positive(0.5, 2.0), max_dims=2))
def test_second_order(xd):
    x, d = xd
    for fn in (lambda t: t.prod(), lambda t: t.prod(d), lambda t: t.cumsum(d) ** 2,
               lambda t: t.cumprod(d), lambda t: t.logcumsumexp(d),
               lambda t: t.norm(), lambda t: t.norm(3, d), lambda t: t.sort(d).values ** 2,
               lambda t: t.cummax(d).values ** 2):
        assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize("values, grad", [
    ([2.0, 0.0, 3.0], [0.0, 6.0, 0.0]),  # one zero: only it gets the product of the others
    ([2.0, 0.0, 0.0], [0.0, 0.0, 0.0]),  # several zeros: no element does
    ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0]),
])
def test_prod_gradient_with_zeros(values, grad):
    x = ag.tensor(values, requires_grad=True)
    x.prod().backward()
    assert x.grad.tolist() == grad
    x = ag.tensor([values, [1.0, 2.0, 3.0]], requires_grad=True)
    x.prod(1).sum().backward()
    assert x.grad.tolist() == [grad, [6.0, 3.0, 2.0]]


@given(st.lists(st.sampled_from([0.0, -1.5, 0.7, 2.0]), min_size=1, max_size=5))
def test_prod_second_order_with_zeros(values):
    x = ag.tensor(values, requires_grad=True)  # a polynomial: finite differences are exact
    assert gradgradcheck(lambda t: t.prod(), (x,))
    assert gradgradcheck(lambda t: (t * ag.tensor([[1.0], [2.0]])).prod(1), (x,))
    x = ag.tensor([0.0, 0.0, 3.0], requires_grad=True)
    (g,) = ag.grad(x.prod(), x, create_graph=True)
    assert ag.grad(g[0], x)[0].tolist() == [0.0, 3.0, 0.0]  # torch's values


@given(st.lists(st.sampled_from([0.0, -1.5, 0.7, 2.0]), min_size=1, max_size=6))
def test_cumprod_gradient_with_zeros(values):
    x = ag.tensor(values, requires_grad=True)
    assert gradcheck(lambda t: t.cumprod(0), (x,))  # cumprod is a polynomial: exact
    assert gradgradcheck(lambda t: t.cumprod(0), (x,))
    x = ag.tensor([2.0, 0.0, 3.0, 0.0], requires_grad=True)
    x.cumprod(0).backward(ag.ones(4))
    assert x.grad.tolist() == [1.0, 8.0, 0.0, 0.0]  # torch's values


@pytest.mark.parametrize("p", [2, "fro", 1, 3, 0.5, float("inf")])
def test_norm_gradient_at_zero_is_zero(p):
    x = ag.zeros(3, requires_grad=True)
    x.norm(p).backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    x = ag.tensor([0.0, 1.0, -2.0], requires_grad=True)
    x.norm(p).backward()
    assert x.grad[0].item() == 0.0


def test_logcumsumexp_is_stable():
    x = ag.tensor([-1000.0, 0.0, 1000.0], requires_grad=True)
    out = x.logcumsumexp(0)
    assert out.tolist() == [-1000.0, 0.0, 1000.0]
    out.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
