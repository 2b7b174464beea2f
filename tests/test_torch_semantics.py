"""Same spelling, same meaning: where a call is valid in numpy and in PyTorch and they
disagree, autograd-lite does what PyTorch does (the expected values below are PyTorch
2.13's results, written out); numpy-only spellings (axis=, keepdims=, ddof=) keep numpy's.

The traps: ``x.transpose(0, 1)``, ``values, idx = x.max(dim=1)`` (with 2 rows a tuple of
values would unpack silently too), ``x.var()``, ``x.any()`` and ``p.data += -lr * p.grad``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd_lite as ag
import nn
from autograd_lite.testing import gradcheck
from autograd_lite.testing.strategies import distinct, shapes, tensors

# ----------------------------------------------------------------------------------------
# max / min with a dim: (values, indices)

TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [5.0, 1.0, 5.0, 5.0]])


@pytest.mark.parametrize("rows", [2, 8])
def test_max_dim_unpacks_into_values_and_indices(rows):
    x = ag.tensor(np.arange(rows * 3, dtype=np.float32).reshape(rows, 3) % 5)
    values, idx = x.max(dim=1)  # with 2 rows, iterating a values tensor would unpack too
    assert values.shape == idx.shape == (rows,)
    np.testing.assert_array_equal(values.data, x.data.max(axis=1))
    np.testing.assert_array_equal(idx.data, x.data.argmax(axis=1))
    assert idx.dtype == np.int64
    r = x.min(1)
    assert r.values.shape == (rows,) and r.indices.dtype == np.int64
    np.testing.assert_array_equal(r.indices.data, x.data.argmin(axis=1))


def test_max_forms():
    x = ag.tensor(TIES)
    r = x.max(1, keepdim=True)
    assert r.values.shape == r.indices.shape == (3, 1)
    assert type(r).__name__ == "max" and r._fields == ("values", "indices")
    v, i = ag.max(x, 1)
    np.testing.assert_array_equal(v.data, [3, 2, 5])
    np.testing.assert_array_equal(i.data, [1, 0, 0])  # PyTorch: the first of tied values
    v, i = ag.min(x, dim=1)
    np.testing.assert_array_equal(i.data, [3, 0, 1])
    # no dim, or numpy's axis=: the values alone
    assert isinstance(x.max(), ag.Tensor) and x.max().shape == ()
    assert isinstance(x.max(axis=1), ag.Tensor) and x.max(axis=1).shape == (3,)
    assert x.min(axis=0, keepdims=True).shape == (1, 4)
    # a tensor second argument: elementwise, as torch.max(a, b)
    other = ag.tensor(np.full((3, 4), 2.5))
    np.testing.assert_array_equal(x.max(other).data, np.maximum(TIES, 2.5))
    np.testing.assert_array_equal(ag.min(x, other).data, np.minimum(TIES, 2.5))
    # 0-d: dims 0 and -1
    v, i = ag.tensor(3.0).max(0)
    assert v.shape == () and v.item() == 3.0 and i.item() == 0
    with pytest.raises(TypeError, match="max"):
        x.max(dim=(0, 1))
    with pytest.raises(TypeError, match="max"):
        x.max(other, keepdim=True)


def test_max_nan_is_selected_first():
    v, i = ag.tensor([1.0, np.nan, 3.0]).max(0)
    assert np.isnan(v.item()) and i.item() == 1


def test_max_dim_gradient_goes_to_the_selected_index():
    x = ag.tensor(TIES, requires_grad=True)
    x.max(dim=1).values.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 1, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0]])
    x.grad = None
    x.min(1).values.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0]])
    x.grad = None  # the whole-tensor max splits among ties, as PyTorch's
    x.max().backward()
    np.testing.assert_allclose(x.grad.data, np.where(TIES == 5, 1 / 3, 0))


@given(x=tensors(shapes(min_dims=1, max_dims=3), elements=distinct(), unique=True),
       data=st.data())
def test_max_min_dim_gradcheck(x, data):
    d = data.draw(st.integers(-x.ndim, x.ndim - 1))
    keep = data.draw(st.booleans())
    for op in (ag.max, ag.min):
        assert gradcheck(lambda t, op=op: op(t, d, keepdim=keep).values, (x,))


def test_max_of_empty_tensors_as_torch():
    v, i = ag.zeros(0, 3).max(dim=1)
    assert v.shape == i.shape == (0,) and i.dtype == np.int64
    assert ag.zeros(0, 3).min(axis=1).shape == (0,)
    assert ag.zeros(0, 3).argmax(1).shape == (0,)
    for call in (lambda: ag.zeros(0, 3).max(dim=0), lambda: ag.zeros(0, 3).argmin(0)):
        with pytest.raises(IndexError, match="size 0"):
            call()
    with pytest.raises(RuntimeError, match="empty"):
        ag.zeros(0, 3).max()


# ----------------------------------------------------------------------------------------
# transpose swaps two dims; permute reorders all


def test_transpose_two_dims_swaps():
    x = ag.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.transpose(0, 1).data, x.data.T)
    np.testing.assert_array_equal(x.transpose(1, 0).data, x.data.T)
    np.testing.assert_array_equal(ag.transpose(x, 0, 1).data, x.data.T)
    y = ag.zeros(2, 3, 4)
    assert y.transpose(0, 2).shape == (4, 3, 2)
    assert y.transpose(-1, 1).shape == (2, 4, 3)
    assert ag.zeros(2, 3, 4, 5).transpose(1, 2).shape == (2, 4, 3, 5)
    assert ag.zeros(3).transpose(0, 0).shape == (3,)
    # other argument counts: numpy's meaning
    assert y.transpose().shape == y.T.shape == (4, 3, 2)
    assert y.transpose(2, 0, 1).shape == (4, 2, 3)
    assert y.transpose((2, 0, 1)).shape == (4, 2, 3)
    assert y.permute(2, 0, 1).shape == ag.permute(y, (2, 0, 1)).shape == (4, 2, 3)
    with pytest.raises(RuntimeError, match="permute"):
        y.permute(1, 0)  # permute needs every dim
    with pytest.raises(IndexError, match="transpose"):
        y.transpose(0, 3)


@given(x=tensors(shapes(min_dims=1, max_dims=4)), data=st.data())
def test_transpose_two_dims_gradcheck(x, data):
    a, b = (data.draw(st.integers(-x.ndim, x.ndim - 1)) for _ in range(2))
    np.testing.assert_array_equal(x.transpose(a, b).data, np.swapaxes(x.data, a, b))
    assert gradcheck(lambda t: t.transpose(a, b), (x,))


def test_positional_dims_of_every_reduction():
    x = ag.tensor(np.arange(1.0, 7.0).reshape(2, 3))
    for name in ("sum", "mean", "logsumexp"):
        assert getattr(x, name)(0).shape == (3,)
        assert getattr(x, name)(1, True).shape == (2, 1)
    assert x.var(1).shape == (2,) and x.std(0).shape == (3,)
    np.testing.assert_array_equal(x.argmax(1).data, [2, 2])
    np.testing.assert_array_equal(x.argmin(0, True).data, [[0, 0, 0]])
    np.testing.assert_allclose(x.var(1, False).data, np.var(x.data, axis=1))  # unbiased=False
    assert x.var(1, True, True).shape == (2, 1)  # (dim, unbiased, keepdim)


# ----------------------------------------------------------------------------------------
# var / std: unbiased by default


def test_var_std_default_is_unbiased():
    data = np.array([[1.0, 2.0, 4.0, 7.0], [0.0, 3.0, 3.0, 9.0]], np.float32)
    x = ag.tensor(data)
    np.testing.assert_allclose(x.var().item(), np.var(data, ddof=1), rtol=1e-6)
    np.testing.assert_allclose(x.std(1).data, np.std(data, axis=1, ddof=1), rtol=1e-6)
    np.testing.assert_allclose(x.var(ddof=0).item(), np.var(data), rtol=1e-6)  # numpy's ddof
    np.testing.assert_allclose(x.var(correction=0).item(), np.var(data), rtol=1e-6)
    np.testing.assert_allclose(x.std(axis=0, unbiased=False).data, np.std(data, axis=0))
    np.testing.assert_allclose(x.var(False).item(), np.var(data), rtol=1e-6)  # x.var(unbiased)
    assert x.var().dtype == np.float32 and x.std(1).dtype == np.float32
    # 1.6667 and x.grad as PyTorch for [1, 2, 3, 4]
    t = ag.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = t.var()
    v.backward()
    np.testing.assert_allclose(v.item(), 5 / 3, rtol=1e-6)
    np.testing.assert_allclose(t.grad.data, [-1, -1 / 3, 1 / 3, 1], rtol=1e-6)


@given(x=tensors(shapes(min_dims=1, max_dims=3, min_side=2)))
def test_var_std_default_gradcheck(x):
    assume(float(np.ptp(x.data, axis=0).min()) > 1e-3)  # std is not differentiable at 0
    assert gradcheck(lambda t: t.var(0), (x,))
    assert gradcheck(lambda t: t.std(), (x,))


def test_no_degrees_of_freedom_is_nan_with_a_warning():
    with pytest.warns(RuntimeWarning, match="degrees of freedom"):
        assert np.isnan(ag.tensor([1.0]).var().item())
    with pytest.warns(RuntimeWarning, match="degrees of freedom"):
        assert np.isnan(ag.tensor([1.0]).std().item())
    with pytest.warns(RuntimeWarning):
        assert np.isinf(ag.tensor([1.0, 2.0]).var(correction=3).item())
    with pytest.warns(RuntimeWarning):
        assert np.isnan(ag.zeros(0, 3).var(0).data).all()


def test_mean_over_an_empty_axis_is_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = ag.zeros(0, 3).mean(0)
    assert out.shape == (3,) and np.isnan(out.data).all() and out.dtype == np.float32
    assert np.isnan(ag.zeros(0).mean().item())
    assert ag.zeros(0, 3).sum(0).shape == (3,)


def test_std_of_large_float32_does_not_overflow():
    x = ag.tensor(np.array([1e20, 2e20, 3e20], np.float32), requires_grad=True)
    s = x.std()
    np.testing.assert_allclose(s.item(), 1e20, rtol=1e-6)  # PyTorch: 1.0000e+20
    assert s.dtype == np.float32
    s.backward()
    assert np.isfinite(x.grad.data).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isinf(x.var().item())  # 1e40 is beyond float32, as PyTorch's inf


# ----------------------------------------------------------------------------------------
# any / all


def test_any_all_are_bool_tensors():
    x = ag.tensor([[1.0, 0.0], [0.0, 0.0]])
    a = x.any()
    assert isinstance(a, ag.Tensor) and a.shape == () and a.dtype == np.bool_ and bool(a)
    assert not bool(x.all())
    np.testing.assert_array_equal(x.any(dim=1).data, [True, False])
    np.testing.assert_array_equal(x.any(1).data, [True, False])
    np.testing.assert_array_equal(x.all(0, keepdim=True).data, [[False, False]])
    np.testing.assert_array_equal(x.any(axis=0, keepdims=True).data, [[True, False]])
    np.testing.assert_array_equal(ag.any(x, 0).data, [True, False])
    assert bool(ag.all([1, 2])) and not bool(ag.any([0, 0]))
    assert bool(np.any(x)) and not bool(np.all(x))
    np.testing.assert_array_equal(np.asarray(np.all(x, axis=1)), [False, False])
    with pytest.raises(IndexError, match="any"):
        x.any(2)


# ----------------------------------------------------------------------------------------
# .data updates stay in place; numpy conversions


def _step_with_data_update(update):
    ag.manual_seed(0)
    model = nn.Linear(3, 2)
    x, y = ag.randn(4, 3), ag.randn(4, 2)
    weight = model.weight.data
    for _ in range(3):  # three steps: each backward after an update must still work
        model.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        for p in model.parameters():
            update(p, 0.1)
    assert model.weight.data is weight and type(model.weight.data) is np.ndarray
    return model


def test_p_data_update_in_place_trains():
    def plus(p, lr):
        p.data += -lr * p.grad

    def minus(p, lr):
        p.data -= lr * p.grad

    def reference(p, lr):
        p.data[...] = p.data - lr * p.grad.data

    expected = _step_with_data_update(reference)
    for update in (plus, minus):
        got = _step_with_data_update(update)
        for a, b in zip(got.parameters(), expected.parameters()):
            np.testing.assert_allclose(a.data, b.data, rtol=1e-6)
    # and an optimizer step after such an update
    model = _step_with_data_update(minus)
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    opt.zero_grad()
    model(ag.randn(2, 3)).sum().backward()
    opt.step()
    assert type(model.weight.data) is np.ndarray


def test_ndarray_operators_with_tensors():
    t = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = np.array([2.0, 2.0, 2.0], np.float32)
    for y in (a * t, t * a, a + t, a - t, a / t, a ** t):
        assert isinstance(y, ag.Tensor) and y.requires_grad
    assert isinstance(a @ t, ag.Tensor) and (a @ t).item() == 12.0
    lt = a < t
    assert isinstance(lt, ag.Tensor) and lt.dtype == np.bool_
    np.testing.assert_array_equal(lt.data, [False, False, True])
    e = np.exp(t)
    assert type(e) is np.ndarray  # other ufuncs: arrays, as before
    b = a.copy()
    b += t
    assert type(b) is np.ndarray
    np.testing.assert_array_equal(b, [3, 4, 5])
    (a * t).sum().backward()
    np.testing.assert_array_equal(t.grad.data, a)
    # a ufunc writing into a Tensor is an in-place op on it: counted, refused on a leaf
    u = ag.tensor([1.0, 2.0])
    assert np.add(np.ones(2), 1.0, out=u) is u and u._version == 1
    np.testing.assert_array_equal(u.data, [2, 2])
    with pytest.raises(RuntimeError, match="leaf"):
        np.add(np.ones(3), 1.0, out=t)


def test_numpy_conversions_copy_or_share():
    t = ag.tensor([1.0, 2.0])
    c = np.array(t)
    c[0] = 9.0
    assert t.data[0] == 1.0  # np.array copies, as for a torch tensor
    assert np.shares_memory(np.asarray(t), t.data) and t.numpy() is t.data
    assert np.array(t, dtype=np.float64).dtype == np.float64


# ----------------------------------------------------------------------------------------
# Error types: IndexError for dims, RuntimeError for shapes (ValueError too)


@pytest.mark.parametrize("call, kind", [
    (lambda: ag.zeros(2, 3).sum(2), IndexError),
    (lambda: ag.zeros(2, 3).mean(dim=-3), IndexError),
    (lambda: ag.zeros(2, 3).softmax(5), IndexError),
    (lambda: ag.zeros(2, 3).unsqueeze(4), IndexError),
    (lambda: ag.zeros(2, 3).max(dim=2), IndexError),
    (lambda: ag.zeros(2, 3).transpose(0, 2), IndexError),
    (lambda: ag.zeros(2, 3) + ag.zeros(4), RuntimeError),
    (lambda: ag.zeros(2, 3) @ ag.zeros(4), RuntimeError),
    (lambda: ag.cat([ag.zeros(2, 3), ag.zeros(2, 4)]), RuntimeError),
    (lambda: ag.stack([ag.zeros(2, 3), ag.zeros(2, 4)]), RuntimeError),
    (lambda: ag.zeros(2, 3).reshape(4), RuntimeError),
    (lambda: ag.where(ag.zeros(2, 3) > 0, ag.zeros(4), 0.0), RuntimeError),
    (lambda: ag.zeros(3, 2).expand(4, 3), RuntimeError),
    (lambda: ag.zeros(2, 3) < ag.zeros(4), RuntimeError),
])
def test_error_types_as_pytorch(call, kind):
    with pytest.raises(kind) as info:
        call()
    assert isinstance(info.value, ValueError)  # code that caught ValueError still does
    assert isinstance(info.value, ag.DimError if kind is IndexError else ag.ShapeError)


# ----------------------------------------------------------------------------------------
# Session 6's sweep against PyTorch 2.13: each of these disagreed before


def test_grad_of_an_input_listed_twice_is_given_at_both_places():
    x = ag.tensor([0.5, -1.5], requires_grad=True)
    y = ag.tensor([2.0], requires_grad=True)
    gy1, gx, gy2 = ag.grad((x * x).sum() + (x * y).sum(), [y, x, y])
    np.testing.assert_allclose(gx.data, 2 * x.data + 2.0)
    for gy in (gy1, gy2):
        np.testing.assert_allclose(gy.data, [x.data.sum()])
    a, b = ag.grad((x * x).sum(), [x, x], create_graph=True)
    assert a.requires_grad and b.requires_grad
    np.testing.assert_allclose(b.data, 2 * x.data)


def test_float_functions_of_small_integer_dtypes_compute_in_the_default_dtype():
    # numpy computes uint8/int8 in float16: sigmoid(uint8 7) came out as 0, exp(1) as 2.71875
    u = ag.tensor(np.array([7, 3, 0, 2], np.uint8))
    expected = 1 / (1 + np.exp(-np.array([7, 3, 0, 2], np.float64)))
    assert u.sigmoid().dtype == np.float32
    np.testing.assert_allclose(u.sigmoid().data, expected, rtol=1e-6)
    np.testing.assert_allclose(ag.tensor(np.array([1, 2], np.int8)).exp().data,
                               np.exp([1.0, 2.0]), rtol=1e-6)
    assert ag.tensor([1, 2]).double().dtype == np.float64  # was float32
    assert ag.tensor([True]).double().dtype == np.float64


def test_var_std_with_numpys_spellings_keep_numpys_ddof_0():
    data = np.array([[1.0, 2.0], [3.0, 5.0]])
    x = ag.tensor(data)
    np.testing.assert_allclose(x.var(axis=0).data, np.var(data, axis=0))
    np.testing.assert_allclose(x.std(keepdims=True).data, np.std(data, keepdims=True))
    np.testing.assert_allclose(ag.var_mean(x, axis=1)[0].data, np.var(data, axis=1))
    np.testing.assert_allclose(x.var(0).data, np.var(data, axis=0, ddof=1))  # PyTorch's
    np.testing.assert_allclose(x.var(dim=0).data, np.var(data, axis=0, ddof=1))
    np.testing.assert_allclose(x.var(axis=0, ddof=1).data, np.var(data, axis=0, ddof=1))


def test_an_empty_dim_reduces_every_dim_as_pytorch():
    x = ag.ones(2, 3)
    for reduced in (x.sum(dim=()), x.mean(dim=[]), x.var(dim=()), x.amax(dim=())):
        assert reduced.shape == ()
    assert x.sum(dim=()).item() == 6
    assert x.sum(axis=()).shape == (2, 3)  # numpy's axis=(): none
    assert x.bool().any(dim=()).shape == (2, 3)  # PyTorch's any/all: none


def test_max_of_a_tensor_with_nan_sends_the_gradient_to_the_nan():
    x = ag.tensor([1.0, np.nan, 2.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 0.0])
    m = ag.tensor([np.nan, 0.0, np.nan], requires_grad=True)
    m.min().backward()
    np.testing.assert_array_equal(m.grad.data, [0.5, 0.0, 0.5])


def test_integer_to_negative_integer_power_is_a_clear_error_not_a_shape_error():
    with pytest.raises(ValueError, match="pow: Integers to negative integer powers") as info:
        ag.tensor([2, 3]) ** ag.tensor([1, -1])
    assert "broadcast" not in str(info.value)


def test_clamp_with_tensor_bounds_routes_the_gradient_as_pytorch():
    x = ag.tensor([-2.0, 0.5, 1.0, 3.0, 5.0], requires_grad=True)
    lo = ag.tensor([0.0, 0.0, 1.0, 0.0, 6.0], requires_grad=True)
    hi = ag.tensor([1.0, 1.0, 2.0, 2.0, 4.0], requires_grad=True)
    out = x.clamp(min=lo, max=hi)
    np.testing.assert_array_equal(out.data, [0.0, 0.5, 1.0, 2.0, 4.0])  # min > max: max
    (out * ag.tensor([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 2, 3, 0, 0])  # inside, bounds included
    np.testing.assert_array_equal(lo.grad.data, [1, 0, 0, 0, 0])
    np.testing.assert_array_equal(hi.grad.data, [0, 0, 0, 4, 5])
    row = ag.clip(ag.zeros(2, 3), min=ag.tensor([-1.0, 0.5, 2.0]))  # broadcast
    np.testing.assert_array_equal(row.data, [[0.0, 0.5, 2.0]] * 2)
