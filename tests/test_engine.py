"""The autograd engine: iterative backward, accumulation, retain_graph, grad modes, hooks,
retain_grad, ag.grad, broadcasting gradients and the errors a user meets first."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite.testing import strategies as ats

# ----------------------------------------------------------------------------------------
# Deep graphs: the backward pass is iterative


def test_chain_of_100k_ops_backpropagates():
    x = ag.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y = y + x  # x feeds the chain's far end too
    y.backward()
    assert x.grad.item() == pytest.approx(2.0)


def test_chain_of_100k_ops_with_retain_graph_runs_twice_and_frees_cleanly():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(50_000):
        y = (y + 1.0) - 1.0
    loss = y.sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])
    del loss, y  # dropping a 100k-node graph must not overflow the C stack


def test_deep_graph_dropped_without_backward():
    x = ag.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 0.0
    assert y.grad_fn.name == "add"
    del y


def test_chain_through_ag_grad_deep():
    x = ag.tensor(2.0, requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0
    (g,) = ag.grad(y, x)
    assert g.item() == pytest.approx(1.0)
    assert x.grad is None


def test_diamond_graph_sums_both_paths():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = x * 2
    b = a.exp()
    c = a * 3
    (b + c).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(2 * x.numpy()) + 6, rtol=1e-6)


def test_same_tensor_used_twice_in_one_op():
    x = ag.tensor([3.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0])


# ----------------------------------------------------------------------------------------
# Accumulation and retain_graph


def test_gradients_accumulate_over_two_backward_calls():
    x = ag.tensor([1.0, -2.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -4.0])
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, -1.0])
    assert x.grad.shape == x.shape and x.grad.dtype == x.dtype


def test_zero_grad_resets():
    x = ag.tensor([1.0], requires_grad=True)
    (x * 2).sum().backward()
    x.zero_grad()
    assert x.grad is None
    (x * 5).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0])


def test_second_backward_without_retain_graph_is_a_clear_error():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    loss = (x.exp() * 2).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        loss.backward()


def test_retain_graph_allows_a_second_backward_and_grads_accumulate():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    loss = (x.exp() * 2).sum()
    loss.backward(retain_graph=True)
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * np.exp(x.numpy()), rtol=1e-6)
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


def test_shared_subgraph_freed_by_first_backward():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    a = h.sum()
    b = (h * 2).sum()
    a.backward()
    with pytest.raises(RuntimeError, match="second time"):
        b.backward()


def test_grad_dtype_and_shape_follow_the_leaf():
    x = ag.tensor([1.0, 2.0], requires_grad=True)  # float32
    (x * np.array([1.0, 2.0])).sum().backward()  # float64 constant promotes the output
    assert x.grad.dtype == np.float32
    assert x.grad.shape == (2,)
    w = ag.tensor(np.ones((2, 3)), requires_grad=True)  # float64
    w.sum().backward()
    assert w.grad.dtype == np.float64


# ----------------------------------------------------------------------------------------
# Roots and gradient= arguments


def test_backward_on_a_non_scalar_without_gradient_is_a_clear_error():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"scalar.*\(3,\).*gradient"):
        y.backward()


def test_backward_with_gradient_argument():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    y.backward(gradient=ag.tensor([1.0, 0.5, -1.0]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0, -6.0])
    z = x * 2
    z.backward(gradient=[1.0, 1.0, 1.0])  # lists are accepted too
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0, -4.0])


def test_backward_with_a_wrong_gradient_shape_is_an_error():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\(2,\).*\(3,\)"):
        (x * 2).backward(gradient=ag.tensor([1.0, 1.0]))


def test_one_element_non_scalar_root_needs_no_gradient():
    x = ag.tensor([[2.0]], requires_grad=True)
    (x * x).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[4.0]])


def test_backward_on_tensor_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.tensor(1.0).backward()


def test_matmul_mismatch_names_both_shapes():
    a = ag.tensor(np.ones((2, 3)), requires_grad=True)
    b = ag.tensor(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 5\)"):
        a @ b
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        ag.tensor([1.0, 2.0, 3.0]) @ ag.tensor([1.0, 2.0])


def test_broadcast_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4,\)"):
        ag.tensor(np.ones((2, 3))) + ag.tensor(np.ones(4))


# ----------------------------------------------------------------------------------------
# Broadcasting gradients


def test_bias_of_shape_n1_vs_n_gradients_keep_their_shapes():
    n = 4
    x = ag.tensor(np.arange(float(n)), requires_grad=True)  # (n,)
    b_col = ag.tensor(np.ones((n, 1)), requires_grad=True)  # (n, 1)
    y = x + b_col  # (n, n): the classic trap
    assert y.shape == (n, n)
    y.sum().backward()
    assert x.grad.shape == (n,)
    assert b_col.grad.shape == (n, 1)
    np.testing.assert_allclose(x.grad.numpy(), np.full(n, n))
    np.testing.assert_allclose(b_col.grad.numpy(), np.full((n, 1), n))


def test_linear_layer_bias_gradient_sums_over_batch():
    rng = np.random.default_rng(0)
    X = ag.tensor(rng.normal(size=(5, 3)))
    W = ag.tensor(rng.normal(size=(3, 2)), requires_grad=True)
    b = ag.tensor(np.zeros(2), requires_grad=True)
    out = X @ W + b
    out.backward(gradient=np.ones((5, 2)))
    np.testing.assert_allclose(b.grad.numpy(), [5.0, 5.0])
    np.testing.assert_allclose(W.grad.numpy(), X.numpy().sum(0)[:, None] * np.ones((3, 2)))


@settings(max_examples=15, deadline=None)
@given(ats.broadcastable_shapes(num_shapes=2, max_dims=3), st.sampled_from(["add", "mul",
                                                                             "sub", "div"]))
def test_binary_op_gradients_have_input_shapes(shapes, op):
    sa, sb = shapes
    rng = np.random.default_rng(1)
    a = ag.tensor(rng.uniform(1, 2, sa), requires_grad=True)
    b = ag.tensor(rng.uniform(1, 2, sb), requires_grad=True)
    out = {"add": a + b, "mul": a * b, "sub": a - b, "div": a / b}[op]
    out.sum().backward()
    assert a.grad.shape == sa and b.grad.shape == sb
    ones = np.ones(np.broadcast_shapes(sa, sb))
    expect_a = {"add": ones, "mul": ones * b.numpy(), "sub": ones, "div": ones / b.numpy()}[op]
    expect_b = {"add": ones, "mul": ones * a.numpy(), "sub": -ones,
                "div": -a.numpy() / b.numpy() ** 2 * ones}[op]
    lead_a = tuple(range(len(ones.shape) - len(sa)))
    lead_b = tuple(range(len(ones.shape) - len(sb)))
    np.testing.assert_allclose(
        a.grad.numpy(),
        expect_a.sum(axis=lead_a).sum(
            axis=tuple(i for i, s in enumerate(sa) if s == 1), keepdims=True
        ).reshape(sa), rtol=1e-10)
    np.testing.assert_allclose(
        b.grad.numpy(),
        expect_b.sum(axis=lead_b).sum(
            axis=tuple(i for i, s in enumerate(sb) if s == 1), keepdims=True
        ).reshape(sb), rtol=1e-10)


# ----------------------------------------------------------------------------------------
# Grad mode


def test_no_grad_builds_no_graph():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with ag.no_grad():
        assert ag.is_grad_enabled() is False
        y = (x * 2).exp().sum()
    assert ag.is_grad_enabled() is True
    assert y.grad_fn is None and y.requires_grad is False
    with pytest.raises(RuntimeError):
        y.backward()


def test_no_grad_as_a_decorator_with_and_without_parentheses():
    x = ag.tensor([1.0], requires_grad=True)

    @ag.no_grad()
    def f(t):
        return t * 2, ag.is_grad_enabled()

    @ag.no_grad
    def g(t):
        return t * 3, ag.is_grad_enabled()

    for fn in (f, g):
        y, enabled = fn(x)
        assert enabled is False
        assert y.grad_fn is None and not y.requires_grad
        assert ag.is_grad_enabled() is True
    assert f.__name__ == "f"


def test_enable_grad_inside_no_grad():
    x = ag.tensor([1.0], requires_grad=True)
    with ag.no_grad():
        with ag.enable_grad():
            assert ag.is_grad_enabled()
            y = x * 2
        assert not ag.is_grad_enabled()
        z = x * 2

        @ag.enable_grad()
        def h():
            return x * 4

        w = h()
    assert y.grad_fn is not None and z.grad_fn is None and w.grad_fn is not None
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0])


def test_grad_mode_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with ag.no_grad():
            raise ZeroDivisionError
    assert ag.is_grad_enabled()


def test_set_grad_enabled():
    with ag.set_grad_enabled(False):
        assert not ag.is_grad_enabled()
        with ag.set_grad_enabled(True):
            assert ag.is_grad_enabled()
    assert ag.is_grad_enabled()


def test_grad_mode_is_thread_local():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    inside = threading.Event()
    release = threading.Event()
    seen = {}

    def worker():
        with ag.no_grad():
            seen["worker_enabled"] = ag.is_grad_enabled()
            seen["worker_graph"] = (x * 2).grad_fn
            inside.set()
            release.wait(10)

    th = threading.Thread(target=worker)
    th.start()
    assert inside.wait(10)
    try:
        # the worker sits inside no_grad right now; this thread is unaffected
        assert ag.is_grad_enabled()
        y = (x * 3).sum()
        assert y.grad_fn is not None
    finally:
        release.set()
        th.join(10)
    assert seen["worker_enabled"] is False and seen["worker_graph"] is None
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_new_thread_starts_with_grad_enabled_even_under_no_grad():
    seen = {}
    with ag.no_grad():
        th = threading.Thread(target=lambda: seen.setdefault("enabled", ag.is_grad_enabled()))
        th.start()
        th.join(10)
    assert seen["enabled"] is True


# ----------------------------------------------------------------------------------------
# detach, requires_grad_, retain_grad, hooks


def test_detach_cuts_the_graph_and_shares_data():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert d.grad_fn is None and d.requires_grad is False and d.is_leaf
    np.testing.assert_array_equal(d.numpy(), y.numpy())
    (y * d).sum().backward()  # d is a constant: dy/dx * d
    np.testing.assert_allclose(x.grad.numpy(), 2 * d.numpy())


def test_requires_grad_():
    x = ag.tensor([1.0, 2.0])
    assert x.requires_grad_() is x
    assert x.requires_grad
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    x.requires_grad_(False)
    assert (x * 2).grad_fn is None
    y = ag.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


def test_retain_grad_keeps_non_leaf_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    out = (h * h).sum()
    out.backward()
    np.testing.assert_allclose(h.grad.numpy(), 2 * h.numpy())
    np.testing.assert_allclose(x.grad.numpy(), 6 * h.numpy())


def test_non_leaf_grad_is_none_without_retain_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    (h * h).sum().backward()
    assert h.grad is None


def test_retain_grad_accumulates_across_backwards():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    loss = h.sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(h.grad.numpy(), [2.0, 2.0])


def test_retain_grad_on_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError):
        ag.tensor([1.0]).retain_grad()


def test_register_hook_can_replace_the_gradient_and_be_removed():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    calls = []

    def hook(g):
        calls.append(g.numpy().copy())
        return g * 10

    handle = h.register_hook(hook)
    (h * h).sum().backward()
    np.testing.assert_allclose(calls[0], 2 * h.numpy())  # hook sees dL/dh
    np.testing.assert_allclose(x.grad.numpy(), 10 * 2 * h.numpy() * 2)

    x.zero_grad()
    handle.remove()
    h2 = x * 2
    (h2 * h2).sum().backward()  # no hook on h2
    np.testing.assert_allclose(x.grad.numpy(), 2 * h2.numpy() * 2)
    assert len(calls) == 1


def test_hook_removed_from_the_same_tensor_stops_firing():
    x = ag.tensor([1.0], requires_grad=True)
    h = x * 1
    calls = []
    handle = h.register_hook(lambda g: calls.append(1))
    loss = h.sum()
    loss.backward(retain_graph=True)
    handle.remove()
    loss.backward()
    assert calls == [1]
    np.testing.assert_allclose(x.grad.numpy(), [2.0])


def test_hook_returning_none_keeps_gradient_and_leaf_hooks_change_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    x.register_hook(lambda g: g + 1)
    (x * 3).sum().backward()
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0])


def test_register_hook_on_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError):
        ag.tensor([1.0]).register_hook(lambda g: g)


# ----------------------------------------------------------------------------------------
# ag.grad


def test_ag_grad_does_not_touch_dot_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    w = ag.tensor([3.0, 4.0], requires_grad=True)
    gx, gw = ag.grad((x * w).sum(), [x, w])
    np.testing.assert_allclose(gx.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(gw.numpy(), [1.0, 2.0])
    assert x.grad is None and w.grad is None
    assert gx.requires_grad is False and gx.grad_fn is None


def test_ag_grad_returns_writable_owned_arrays():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (gx,) = ag.grad(x.sum(), x)  # the vjp of sum is a read-only broadcast view
    gx += 1
    np.testing.assert_allclose(gx.numpy(), [2.0, 2.0, 2.0])
    v = ag.tensor([5.0, 6.0, 7.0])
    (gy,) = ag.grad(x + 0.0, x, grad_outputs=v)
    gy.numpy()[0] = -1.0
    assert v.numpy()[0] == 5.0  # no aliasing of grad_outputs


def test_ag_grad_with_non_leaf_inputs_and_grad_outputs():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    y = h * 3
    (gh,) = ag.grad(y, h, grad_outputs=ag.tensor([1.0, 2.0]))
    np.testing.assert_allclose(gh.numpy(), [3.0, 6.0])
    assert h.grad is None and x.grad is None


def test_ag_grad_allow_unused():
    x = ag.tensor([1.0], requires_grad=True)
    unused = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused"):
        ag.grad((x * 2).sum(), [x, unused])
    gx, gu = ag.grad((x * 2).sum(), [x, unused], allow_unused=True)
    np.testing.assert_allclose(gx.numpy(), [2.0])
    assert gu is None


def test_ag_grad_frees_the_graph_unless_retained():
    x = ag.tensor([1.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    ag.grad(y, x, retain_graph=True)
    ag.grad(y, x)
    with pytest.raises(RuntimeError, match="second time"):
        ag.grad(y, x)


def test_ag_grad_create_graph_second_derivative():
    x = ag.tensor([0.5, -1.0, 2.0], requires_grad=True)
    (g,) = ag.grad((x ** 3).sum(), x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    np.testing.assert_allclose(g.numpy(), 3 * x.numpy() ** 2, rtol=1e-6)
    (gg,) = ag.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 6 * x.numpy(), rtol=1e-6)
    assert x.grad is None


def test_backward_create_graph_gives_differentiable_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x.sin() * x).sum().backward(create_graph=True)
    g = x.grad
    assert g.grad_fn is not None
    xv = x.numpy().astype(np.float64)
    np.testing.assert_allclose(g.numpy(), np.cos(xv) * xv + np.sin(xv), rtol=1e-5)
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), -np.sin(xv) * xv + 2 * np.cos(xv), rtol=1e-5)


def test_ag_grad_of_input_not_requiring_grad_is_an_error():
    x = ag.tensor([1.0], requires_grad=True)
    c = ag.tensor([1.0])
    with pytest.raises(RuntimeError, match="requires grad"):
        ag.grad((x * c).sum(), c)


def test_ag_grad_multiple_outputs():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ag.grad([(x * 2).sum(), (x * x).sum()], x)
    np.testing.assert_allclose(g.numpy(), 2 + 2 * x.numpy())


# ----------------------------------------------------------------------------------------
# Property: accumulation is additive


@settings(max_examples=10, deadline=None)
@given(ats.tensors(shape=ats.shapes(max_dims=3)), st.integers(2, 4))
def test_k_backward_calls_accumulate_k_times_the_gradient(x, k):
    loss = (x.sin() * 2 + x * x).sum()
    loss.backward(retain_graph=True)
    once = x.grad.numpy().copy()
    for _ in range(k - 1):
        loss.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.numpy(), k * once, rtol=1e-12)
    np.testing.assert_allclose(once, 2 * np.cos(x.numpy()) + 2 * x.numpy(), rtol=1e-12)


def test_no_grad_decorates_a_generator_step_by_step() -> None:
    @ag.no_grad()
    def steps(x):
        for _ in range(2):
            yield ag.is_grad_enabled(), (x * 2).requires_grad

    x = ag.tensor([1.0], requires_grad=True)
    gen = steps(x)
    assert next(gen) == (False, False)
    assert ag.is_grad_enabled()  # the caller's mode while the generator is paused
    assert next(gen) == (False, False)
    with pytest.raises(StopIteration):
        next(gen)


def test_ag_grad_materialize_grads_gives_zeros_for_unused_inputs_as_pytorch():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    unused = ag.tensor([[3.0]], requires_grad=True)
    gx, gu = ag.grad((x * 2).sum(), [x, unused], materialize_grads=True)
    np.testing.assert_array_equal(gx.data, [2.0, 2.0])
    assert gu.shape == (1, 1) and gu.dtype == unused.dtype
    np.testing.assert_array_equal(gu.data, [[0.0]])
    with pytest.raises(ValueError, match="materialize_grads"):
        ag.grad((x * 2).sum(), [x, unused], materialize_grads=True, allow_unused=False)
