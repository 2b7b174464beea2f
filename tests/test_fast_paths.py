"""The performance shortcuts keep the semantics: a leaf may take a gradient array without a
copy only when nothing else can see it; anomaly mode is still noticed in every thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import engine


def _leaf(values):
    return ag.tensor(np.asarray(values, dtype=np.float32), requires_grad=True)


def test_two_leaves_fed_the_same_gradient_get_separate_arrays():
    x, z = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    ((x + z) * 3.0).sum().backward()  # add hands one array to both inputs
    assert not np.shares_memory(x.grad.data, z.grad.data)
    x.grad.data[0] = 100.0
    np.testing.assert_array_equal(z.grad.data, [3.0, 3.0])


def test_a_user_gradient_array_is_never_taken_as_a_grad():
    x = _leaf([1.0, 2.0])
    seed = np.ones(2, np.float32)
    (x + 0.0).backward(seed)
    assert not np.shares_memory(x.grad.data, seed)
    (x + 0.0).backward(seed)  # accumulates in place into x.grad
    np.testing.assert_array_equal(seed, [1.0, 1.0])
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_a_gradient_kept_by_a_hook_is_not_changed_by_later_accumulation():
    x = _leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g))
    (x * 3.0).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(seen[0].data, [3.0, 3.0])
    np.testing.assert_array_equal(x.grad.data, [6.0, 6.0])


def test_retained_grad_of_a_non_leaf_and_its_leaf_do_not_share_memory():
    x = _leaf([1.0, 2.0])
    h = x + 0.0
    h.retain_grad()
    (h * 2.0).sum().backward()
    assert not np.shares_memory(h.grad.data, x.grad.data)
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_weight_used_transposed_gets_a_c_contiguous_exact_gradient(dtype):
    rng = np.random.default_rng(0)
    xv = rng.standard_normal((5, 4)).astype(dtype)
    wv = rng.standard_normal((3, 4)).astype(dtype)
    gv = rng.standard_normal((5, 3)).astype(dtype)
    w = ag.tensor(wv, requires_grad=True)
    (ag.tensor(xv) @ w.T).backward(gv)
    assert w.grad.data.flags.c_contiguous and w.grad.dtype == dtype
    np.testing.assert_allclose(w.grad.data, gv.T @ xv, rtol=1e-6)


def test_anomaly_mode_is_seen_by_ops_in_its_thread_only_and_counted_back_to_zero():
    assert engine.ANOMALY_USERS[0] == 0
    started, release, errors = threading.Event(), threading.Event(), []

    def worker():
        with ag.detect_anomaly():
            started.set()
            release.wait(5)
            try:
                with np.errstate(invalid="ignore"):
                    ag.tensor([-1.0]).log()
            except RuntimeError as e:
                errors.append(e)

    th = threading.Thread(target=worker)
    th.start()
    started.wait(5)
    try:
        assert engine.ANOMALY_USERS[0] == 1
        with np.errstate(invalid="ignore"):  # this thread is not in anomaly mode
            assert np.isnan(ag.tensor([-1.0]).log().item())
    finally:
        release.set()
        th.join()
    assert len(errors) == 1 and "anomaly detected" in str(errors[0])
    with ag.detect_anomaly(), ag.detect_anomaly():  # nested: counted once
        assert engine.ANOMALY_USERS[0] == 1
    assert engine.ANOMALY_USERS[0] == 0


def test_ops_that_build_their_result_inline_set_every_slot_as_wrap_does():
    from autograd_lite.tensor import Tensor

    ref = Tensor._wrap(np.ones(2, np.float32))
    slots = [s for s in Tensor.__slots__ if s not in ("data", "__dict__", "__weakref__")]
    x = ag.tensor([1.0, 2.0])
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()  # the engine takes the fresh gradient array as w.grad inline
    for t in (x * 2.0, x + x, 3.0 - x, x.tanh(), -x, w.grad):
        assert [getattr(t, s) for s in slots] == [getattr(ref, s) for s in slots]
        assert t.__dict__ == ref.__dict__ == {}  # the rest: class defaults until set


def test_ops_that_build_their_graph_node_inline_set_every_slot_as_node_does():
    from autograd_lite.engine import Node

    x = ag.tensor([1.0, 2.0], requires_grad=True)
    for t in (x * 2.0, x + x, 3.0 - x, x.tanh(), -x):
        node = t.grad_fn
        assert t.requires_grad and t._version == 0 and t.data is node.out_data
        ref = Node(node.name, node.inputs, node.values, node.vjps, node.versions,
                   node.out_data, node.args)
        for s in Node.__slots__:
            assert hasattr(node, s) == hasattr(ref, s), s
            if hasattr(ref, s):
                assert getattr(node, s) is getattr(ref, s) or getattr(node, s) == getattr(ref, s)


@pytest.mark.parametrize("x_shape", [(4,), (5, 4), (2, 3, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_op_matches_its_composition_with_first_and_second_derivatives(x_shape, bias):
    from autograd_lite.ops import linear
    from autograd_lite.testing import gradcheck, gradgradcheck

    rng = np.random.default_rng(1)
    x = ag.tensor(rng.standard_normal(x_shape), requires_grad=True)
    w = ag.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b = ag.tensor(rng.standard_normal(3), requires_grad=True) if bias else None
    args = (x, w, b) if bias else (x, w)
    composed = x @ w.T + b if bias else x @ w.T
    np.testing.assert_allclose(linear(*args).data, composed.data, rtol=1e-12)
    assert linear(*args).grad_fn.name == "linear"
    assert gradcheck(lambda *t: linear(*t), args)
    assert gradgradcheck(lambda *t: linear(*t), args)


def test_linear_op_keeps_the_dtype_rules_of_its_composition():
    from autograd_lite.ops import linear

    x = ag.tensor(np.ones((2, 3), np.float32))
    w = ag.tensor(np.ones((4, 3), np.float32), requires_grad=True)
    b = ag.tensor(np.ones(4, np.float64), requires_grad=True)
    out = linear(x, w, b)
    assert out.dtype == (x @ w.T + b).dtype == np.float64
    out.sum().backward()
    assert w.grad.dtype == np.float32 and b.grad.dtype == np.float64


def test_vdot_is_the_sum_of_products_with_first_and_second_derivatives():
    from autograd_lite.ops import vdot
    from autograd_lite.testing import gradcheck, gradgradcheck

    rng = np.random.default_rng(2)
    a = ag.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b = ag.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    out = vdot(a, b)
    assert out.shape == () and np.isclose(out.item(), (a.data * b.data).sum())
    assert gradcheck(vdot, (a, b)) and gradgradcheck(vdot, (a, b))
    with pytest.raises(ValueError, match="vdot"):
        vdot(a, b.T)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum", "minimum"])
def test_number_operands_give_numpys_exact_result(dtype, op):
    """Python numbers may reach numpy as cached 0-d arrays of the tensor's dtype: the
    bits, the dtype and numpy's warnings stay those of numpy with the Python number."""
    import warnings

    from autograd_lite import ops

    fn = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide,
          "maximum": np.maximum, "minimum": np.minimum}[op]
    values = np.array([0.0, -0.0, 1.5, -3.25, 1e-3, 6e4, np.inf, -np.inf, np.nan], dtype)
    x = ag.tensor(values)
    for number in (1.0001, 0.001, -0.0, 0.0, 2, -7, 1e-50, 1e5, 7e4, 1e40, 10**20,
                   float("inf"), float("nan"), 1 / 3):
        for _ in range(2):  # the second time from the cache
            with warnings.catch_warnings(record=True) as ours:
                warnings.simplefilter("always")
                got = getattr(ops, op)(x, number).data
            with warnings.catch_warnings(record=True) as theirs:
                warnings.simplefilter("always")
                want = fn(values, number)
            assert got.dtype == want.dtype == dtype
            np.testing.assert_array_equal(got, want)
            np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
            assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]


def test_number_operand_cache_is_bounded_and_read_only_and_graphs_keep_the_number():
    from autograd_lite import ops

    x = ag.tensor(np.ones(3, np.float32), requires_grad=True)
    for i in range(3000):
        x * (1.0 + i / 7)
    cache = ops._SCALAR_ARRAYS[np.dtype(np.float32)]
    assert 0 < len(cache) <= 1024
    assert not any(a.flags.writeable for a in cache.values())
    y = x * 2.5
    assert y.grad_fn.inputs[1] == 2.5 and type(y.grad_fn.inputs[1]) is float
    (g,) = ag.grad(y.sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.data, [2.5, 2.5, 2.5])
    assert g.dtype == np.float32


@pytest.mark.parametrize("shape", [(32, 1), (64, 10), (100, 32), (40, 7)])
@pytest.mark.parametrize("op", ["softmax", "log_softmax", "logsumexp"])
def test_softmax_family_on_tall_logits_matches_the_general_path_bit_for_bit(shape, op):
    """(N >= 32, C <= 32) logits take their max over a transposed copy; the result, infinite
    and NaN rows included, is exactly that of the general reduction (here via a 3-D view)."""
    rng = np.random.default_rng(0)
    values = rng.standard_normal(shape) * 30
    values[0, 0], values[1, :] = np.inf, -np.inf
    values[2, -1], values[3, 0] = np.nan, -np.inf
    for dtype, order in ((np.float32, "C"), (np.float64, "C"), (np.float64, "F")):
        x = ag.tensor(np.array(values, dtype=dtype, order=order), requires_grad=True)
        with np.errstate(all="ignore"):  # the -inf row: log(0), both ways
            fast = getattr(x, op)(axis=1)
            general = getattr(x.unsqueeze(0), op)(axis=2)[0]
        np.testing.assert_array_equal(fast.data, general.data)
        assert fast.dtype == dtype
