"""The Tensor API of DESIGN.md: attributes, conversions, dtype rules, factories, operators,
comparisons and indexing."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag


@pytest.fixture
def float64_default():
    """Switch the default dtype to float64 for one test, restoring it afterwards."""
    prev = ag.get_default_dtype()
    ag.set_default_dtype(np.float64)
    try:
        yield
    finally:
        ag.set_default_dtype(prev)


# ----------------------------------------------------------------------------------------
# Attributes and conversions


def test_attributes_of_a_leaf():
    x = ag.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert x.shape == (2, 3)
    assert x.ndim == 2
    assert x.size() == (2, 3) and x.numel() == 6
    assert x.dtype == np.float32
    assert x.requires_grad is True
    assert x.grad is None
    assert x.is_leaf is True
    assert x.grad_fn is None
    assert x.T.shape == (3, 2)
    np.testing.assert_array_equal(x.T.numpy(), x.numpy().T)


def test_attributes_of_an_op_result():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).exp()
    assert y.is_leaf is False
    assert y.requires_grad is True
    assert y.grad_fn is not None
    assert y.grad_fn.name == "exp"
    assert (x * 2).grad_fn.name == "mul"
    assert (x + 1).grad_fn.name == "add"
    assert x.sum().grad_fn.name == "sum"
    assert "exp" in repr(y.grad_fn)


def test_ops_on_tensors_without_grad_record_nothing():
    x = ag.tensor([1.0, 2.0])
    y = x * 3 + 1
    assert y.requires_grad is False
    assert y.grad_fn is None
    assert y.is_leaf is True


def test_Tensor_constructor_matches_tensor_factory():
    a = ag.Tensor([[1.0, 2.0]], requires_grad=True)
    assert isinstance(a, ag.Tensor)
    assert a.shape == (1, 2) and a.dtype == np.float32 and a.requires_grad


def test_numpy_asarray_item_tolist():
    x = ag.tensor([[1.5, 2.5]])
    arr = x.numpy()
    assert isinstance(arr, np.ndarray)
    np.testing.assert_array_equal(arr, [[1.5, 2.5]])
    np.testing.assert_array_equal(np.asarray(x), [[1.5, 2.5]])
    assert np.asarray(x).dtype == np.float32
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    assert x.tolist() == [[1.5, 2.5]]
    assert ag.tensor(3.5).item() == 3.5
    assert isinstance(ag.tensor(3.5).item(), float)
    assert ag.tensor([7]).item() == 7
    assert isinstance(ag.tensor(7).item(), int)
    with pytest.raises(ValueError, match="one-element"):
        x.item()


def test_tensor_copies_its_input_but_from_numpy_shares_it():
    a = np.array([1.0, 2.0])
    t = ag.tensor(a)
    a[0] = 100.0
    assert t.numpy()[0] == 1.0
    s = ag.from_numpy(a)
    a[1] = 200.0
    assert s.numpy()[1] == 200.0
    assert s.dtype == np.float64
    with pytest.raises(TypeError):
        ag.from_numpy([1.0, 2.0])


# ----------------------------------------------------------------------------------------
# dtype rules


def test_python_floats_become_float32_by_default():
    assert ag.get_default_dtype() == np.float32
    assert ag.tensor(1.5).dtype == np.float32
    assert ag.tensor([1.0, 2.0]).dtype == np.float32
    assert ag.tensor([[1, 2.5]]).dtype == np.float32  # mixed int/float list is float
    assert ag.zeros(2).dtype == np.float32
    assert ag.full((2,), 1.5).dtype == np.float32


def test_set_default_dtype_float64(float64_default):
    assert ag.get_default_dtype() == np.float64
    assert ag.tensor(1.5).dtype == np.float64
    assert ag.tensor([1.0]).dtype == np.float64
    assert ag.zeros(2).dtype == np.float64
    assert ag.ones(2).dtype == np.float64
    assert ag.rand(2).dtype == np.float64
    assert ag.randn(2).dtype == np.float64
    assert ag.eye(2).dtype == np.float64
    assert ag.arange(0.0, 1.0, 0.5).dtype == np.float64


def test_default_dtype_restored_and_only_floats_allowed():
    with pytest.raises(TypeError):
        ag.set_default_dtype(np.int64)
    assert ag.get_default_dtype() == np.float32


def test_ints_bools_and_numpy_arrays_keep_their_kind():
    assert ag.tensor(3).dtype == np.int64
    assert ag.tensor([1, 2, 3]).dtype == np.int64
    assert ag.tensor(True).dtype == np.bool_
    assert ag.tensor([True, False]).dtype == np.bool_
    assert ag.tensor(np.array([1.0, 2.0])).dtype == np.float64
    assert ag.tensor(np.array([1.0], dtype=np.float16)).dtype == np.float16
    assert ag.tensor(np.array([1, 2], dtype=np.int32)).dtype == np.int32
    assert ag.tensor(np.float64(2.0)).dtype == np.float64
    assert ag.tensor([1, 2], dtype=np.float64).dtype == np.float64


@pytest.mark.parametrize("make", [
    lambda: ag.tensor([1, 2], requires_grad=True),
    lambda: ag.tensor([True, False], requires_grad=True),
    lambda: ag.Tensor(np.array([1, 2], dtype=np.int32), requires_grad=True),
    lambda: ag.tensor([1, 2]).requires_grad_(),
    lambda: ag.tensor([True]).requires_grad_(True),
    lambda: ag.arange(5, requires_grad=True),
    lambda: ag.zeros(3, dtype=np.int64, requires_grad=True),
    lambda: ag.full((2,), 3, requires_grad=True),
])
def test_int_and_bool_tensors_refuse_requires_grad(make):
    with pytest.raises(TypeError, match="floating"):
        make()


def test_python_and_numpy_scalars_never_promote_float32():
    x = ag.tensor([1.0, 2.0])
    for y in (x + 1, 2 * x, x / 3.0, 1.5 - x, x ** 2, 2.0 ** x, x * np.float64(2.0),
              np.float64(2.0) * x, x / np.sqrt(2.0), x + np.float32(1.0), x * np.int64(3)):
        assert y.dtype == np.float32, y


def test_float32_and_float64_arrays_promote_like_numpy():
    x = ag.tensor([1.0, 2.0])
    assert (x + np.ones(2)).dtype == np.float64
    assert (x + np.ones(2, dtype=np.float32)).dtype == np.float32


def test_bad_data_is_a_clear_error():
    with pytest.raises(TypeError, match="tensor"):
        ag.tensor("abc")
    with pytest.raises(TypeError):
        ag.tensor(None)
    with pytest.raises(ValueError, match="rectangular"):
        ag.tensor([[1.0, 2.0], [3.0]])


# ----------------------------------------------------------------------------------------
# Factories


def test_zeros_ones_full():
    np.testing.assert_array_equal(ag.zeros(2, 3).numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(ag.zeros((2, 3)).numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(ag.ones(4).numpy(), np.ones(4))
    f = ag.full((2, 2), 7.0)
    np.testing.assert_array_equal(f.numpy(), np.full((2, 2), 7.0))
    assert ag.zeros(2, requires_grad=True).requires_grad
    assert ag.zeros(2, dtype=np.float64).dtype == np.float64
    with pytest.raises(ValueError):
        ag.zeros(-1)


def test_zeros_like_ones_like():
    x = ag.tensor(np.arange(6.0).reshape(2, 3))
    z = ag.zeros_like(x)
    o = ag.ones_like(x)
    assert z.shape == o.shape == (2, 3)
    assert z.dtype == o.dtype == np.float64
    np.testing.assert_array_equal(z.numpy(), 0)
    np.testing.assert_array_equal(o.numpy(), 1)
    assert ag.ones_like(x, requires_grad=True).requires_grad


def test_arange_eye():
    a = ag.arange(5)
    np.testing.assert_array_equal(a.numpy(), np.arange(5))
    assert a.dtype == np.int64
    b = ag.arange(1, 2, 0.25)
    np.testing.assert_allclose(b.numpy(), [1.0, 1.25, 1.5, 1.75])
    assert b.dtype == np.float32
    np.testing.assert_array_equal(ag.eye(3).numpy(), np.eye(3))
    np.testing.assert_array_equal(ag.eye(2, 3).numpy(), np.eye(2, 3))
    with pytest.raises(ValueError):
        ag.arange(0, 3, 0)


def test_rand_randn_shapes_and_ranges():
    ag.manual_seed(0)
    r = ag.rand(200, 3)
    assert r.shape == (200, 3) and r.dtype == np.float32
    assert 0.0 <= r.numpy().min() and r.numpy().max() < 1.0
    n = ag.randn(2000)
    assert n.dtype == np.float32
    assert abs(float(n.numpy().mean())) < 0.15
    assert 0.85 < float(n.numpy().std()) < 1.15
    assert ag.randn(2, 2, requires_grad=True).requires_grad


def test_manual_seed_reproducible():
    ag.manual_seed(123)
    a, b = ag.rand(5), ag.randn(3, 2)
    ag.manual_seed(123)
    c, d = ag.rand(5), ag.randn(3, 2)
    np.testing.assert_array_equal(a.numpy(), c.numpy())
    np.testing.assert_array_equal(b.numpy(), d.numpy())
    ag.manual_seed(124)
    assert not np.array_equal(ag.rand(5).numpy(), a.numpy())
    with pytest.raises(ValueError):
        ag.manual_seed(-1)


# ----------------------------------------------------------------------------------------
# Operators

BINARY = [
    (operator.add, np.add),
    (operator.sub, np.subtract),
    (operator.mul, np.multiply),
    (operator.truediv, np.true_divide),
    (operator.pow, np.power),
]


@pytest.mark.parametrize("op,npop", BINARY)
def test_binary_operators_with_numbers_and_arrays_both_sides(op, npop):
    a = np.array([[1.0, 2.0, 3.0], [0.5, 1.5, 2.5]])
    b = np.array([2.0, 0.5, 1.5])
    t = ag.tensor(a)
    for other in (2.0, 3, b, np.float64(1.5)):
        forward = op(t, other)
        reflected = op(other, t)
        assert isinstance(forward, ag.Tensor)
        assert isinstance(reflected, ag.Tensor), f"{op.__name__}({type(other)}, Tensor)"
        np.testing.assert_allclose(forward.numpy(), npop(a, other))
        np.testing.assert_allclose(reflected.numpy(), npop(other, a))
    both = op(t, ag.tensor(b))
    np.testing.assert_allclose(both.numpy(), npop(a, b))


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv])
def test_reflected_operator_with_ndarray_records_the_graph(op):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    a = np.array([3.0, 4.0], dtype=np.float32)
    y = op(a, x)
    assert isinstance(y, ag.Tensor) and y.requires_grad
    y.sum().backward()
    expected = {operator.add: [1, 1], operator.sub: [-1, -1], operator.mul: [3, 4],
                operator.truediv: -a / x.numpy() ** 2}[op]
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)


def test_matmul_operator_and_reflected():
    a = np.arange(6.0).reshape(2, 3)
    w = np.arange(12.0).reshape(3, 4)
    ta, tw = ag.tensor(a), ag.tensor(w)
    np.testing.assert_allclose((ta @ tw).numpy(), a @ w)
    r = a @ tw
    assert isinstance(r, ag.Tensor)
    np.testing.assert_allclose(r.numpy(), a @ w)
    np.testing.assert_allclose((ta @ w).numpy(), a @ w)


def test_unary_neg_pos_abs():
    x = ag.tensor([-2.0, 0.5, 3.0], requires_grad=True)
    np.testing.assert_array_equal((-x).numpy(), [2.0, -0.5, -3.0])
    np.testing.assert_array_equal((+x).numpy(), x.numpy())
    a = abs(x)
    assert isinstance(a, ag.Tensor) and a.grad_fn.name == "abs"
    np.testing.assert_array_equal(a.numpy(), [2.0, 0.5, 3.0])
    np.testing.assert_array_equal(x.abs().numpy(), [2.0, 0.5, 3.0])
    (abs(x) + (-x)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [-2.0, 0.0, 0.0])


CMP = [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]


@pytest.mark.parametrize("op", CMP)
def test_comparisons_are_bool_and_carry_no_grad(op):
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([2.0, 2.0, 2.0])
    x = ag.tensor(a, requires_grad=True)
    for other, expect in ((ag.tensor(b), op(a, b)), (b, op(a, b)), (2.0, op(a, 2.0))):
        r = op(x, other)
        assert isinstance(r, ag.Tensor)
        assert r.dtype == np.bool_
        assert r.requires_grad is False and r.grad_fn is None
        np.testing.assert_array_equal(r.numpy(), expect)
    reflected = op(b, x)  # ndarray on the left: numpy defers to the Tensor
    assert isinstance(reflected, ag.Tensor) and reflected.dtype == np.bool_
    np.testing.assert_array_equal(reflected.numpy(), op(b, a))


def test_comparison_result_usable_as_mask():
    x = ag.tensor([-1.0, 2.0, -3.0, 4.0], requires_grad=True)
    y = x[x > 0]
    np.testing.assert_array_equal(y.numpy(), [2.0, 4.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 1, 0, 1])


# ----------------------------------------------------------------------------------------
# Indexing


def test_basic_indexing_forward_and_gradient():
    base = np.arange(24.0).reshape(2, 3, 4)
    x = ag.tensor(base, requires_grad=True)
    for index in (0, -1, (1, 2), slice(None, None, 2), (Ellipsis, 1), (None, 0, slice(1, 3)),
                  (slice(None), slice(1, None, 2))):
        np.testing.assert_array_equal(x[index].numpy(), base[index])
    x[1, ::2, -1].sum().backward()
    expected = np.zeros_like(base)
    expected[1, ::2, -1] = 1
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_integer_array_indexing_accumulates_repeated_indices():
    x = ag.tensor([10.0, 20.0, 30.0], requires_grad=True)
    y = x[[0, 0, 1, 0]]
    np.testing.assert_array_equal(y.numpy(), [10, 10, 20, 10])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3, 1, 0])


def test_indexing_with_tensors_and_bool_masks():
    base = np.arange(12.0).reshape(3, 4)
    x = ag.tensor(base, requires_grad=True)
    idx = ag.tensor([2, 0])
    np.testing.assert_array_equal(x[idx].numpy(), base[[2, 0]])
    mask = np.array([True, False, True])
    np.testing.assert_array_equal(x[mask].numpy(), base[mask])
    (x[ag.tensor(mask)] * 2).sum().backward()
    expected = np.where(mask[:, None], 2.0, 0.0) * np.ones((3, 4))
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_bad_index_is_a_clear_error():
    x = ag.tensor([1.0, 2.0])
    with pytest.raises(IndexError, match=r"\(2,\)"):
        x[5]
    with pytest.raises(IndexError):
        x[1.0]


def test_len_iter_bool():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert len(x) == 2
    rows = list(x)
    assert [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0]]
    assert bool(ag.tensor(1.0)) is True
    with pytest.raises(ValueError, match="ambiguous"):
        bool(x)


# ----------------------------------------------------------------------------------------
# Property: operators agree with numpy in value and dtype


@settings(max_examples=15, deadline=None)
@given(
    st.sampled_from(BINARY[:4]),
    st.lists(st.floats(0.5, 4.0), min_size=1, max_size=5),
    st.floats(0.5, 4.0),
)
def test_operators_match_numpy_float32(pair, values, scalar):
    op, npop = pair
    a = np.array(values, dtype=np.float32)
    t = ag.tensor(a)
    out = op(t, scalar)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), npop(a, np.float32(scalar)), rtol=1e-6)
    rout = op(scalar, t)
    assert rout.dtype == np.float32
    np.testing.assert_allclose(rout.numpy(), npop(np.float32(scalar), a), rtol=1e-6)
