"""In-place safety: version counters, refused in-place ops on leaves, and a clear error
(never a silently wrong gradient) when a saved value was modified."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag

# ----------------------------------------------------------------------------------------
# Version counter


def _inplace_ops():
    def iadd(t):
        t += 1.0

    def isub(t):
        t -= 1.0

    def imul(t):
        t *= 2.0

    def idiv(t):
        t /= 2.0

    def setitem(t):
        t[0] = 5.0

    def setitem_slice(t):
        t[1:] = ag.tensor([7.0, 8.0])

    return [iadd, isub, imul, idiv, setitem, setitem_slice,
            lambda t: t.zero_(), lambda t: t.fill_(3.0)]


@pytest.mark.parametrize("op", _inplace_ops())
def test_inplace_ops_bump_the_version_and_keep_identity(op):
    t = ag.tensor([1.0, 2.0, 3.0])
    before = t.numpy().copy()
    ref = t
    v0 = t._version
    op(t)
    assert t is ref
    assert t._version == v0 + 1
    assert not np.array_equal(t.numpy(), before)


def test_inplace_values():
    t = ag.tensor([1.0, 2.0, 3.0])
    t += 1
    np.testing.assert_array_equal(t.numpy(), [2, 3, 4])
    t -= ag.tensor([1.0, 1.0, 1.0])
    np.testing.assert_array_equal(t.numpy(), [1, 2, 3])
    t *= 3
    np.testing.assert_array_equal(t.numpy(), [3, 6, 9])
    t /= 3
    np.testing.assert_array_equal(t.numpy(), [1, 2, 3])
    t[[0, 2]] = 0.0
    np.testing.assert_array_equal(t.numpy(), [0, 2, 0])
    t[t > 1] = -1.0
    np.testing.assert_array_equal(t.numpy(), [0, -1, 0])
    t.fill_(4.0)
    np.testing.assert_array_equal(t.numpy(), [4, 4, 4])
    t.zero_()
    np.testing.assert_array_equal(t.numpy(), [0, 0, 0])
    assert t._version == 8
    assert t.dtype == np.float32


def test_inplace_on_a_non_leaf_bumps_its_version():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    v = h._version
    h += 1
    h[0] = 0.0
    h.zero_()
    assert h._version == v + 3


def test_out_of_place_ops_do_not_bump_versions():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    _ = (x + 1) * x
    _ = x[0]
    _ = x.exp().sum()
    assert x._version == 0


def test_inplace_int_to_float_is_refused():
    t = ag.tensor([1, 2, 3])
    with pytest.raises(TypeError, match="int64"):
        t /= 2
    np.testing.assert_array_equal(t.numpy(), [1, 2, 3])


def test_inplace_keeps_dtype_even_when_recording_a_graph():
    t = ag.zeros(2)  # float32
    x = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)  # float64
    t += x
    assert t.dtype == np.float32 and t.grad_fn is not None
    (t * t).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    i = ag.tensor([1, 2])
    with pytest.raises(TypeError, match="int64"):
        i += ag.tensor([0.5, 0.5], requires_grad=True)
    assert i.dtype == np.int64 and i.grad_fn is None and i._version == 0


@pytest.mark.parametrize("grad", [False, True])
def test_inplace_broadcasting_to_a_bigger_shape_is_refused(grad):
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    t = x * 1 if grad else ag.zeros(3)
    before = (t.grad_fn, t._version, t.numpy().copy())
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3,\)"):
        t += ag.ones((2, 3))
    assert (t.grad_fn, t._version) == before[:2] and t.shape == (3,)
    np.testing.assert_array_equal(t.numpy(), before[2])


# ----------------------------------------------------------------------------------------
# Leaves that require grad


@pytest.mark.parametrize("op", _inplace_ops())
def test_inplace_on_a_leaf_requiring_grad_is_refused(op):
    w = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf.*no_grad"):
        op(w)
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0, 3.0])
    assert w._version == 0


@pytest.mark.parametrize("op", _inplace_ops())
def test_inplace_on_a_leaf_is_allowed_under_no_grad(op):
    w = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with ag.no_grad():
        op(w)
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    assert w._version == 1
    assert not np.array_equal(w.numpy(), [1.0, 2.0, 3.0])


def test_sgd_step_under_no_grad_then_train_again():
    w = ag.tensor([1.0, -1.0], requires_grad=True)
    x = ag.tensor([2.0, 3.0])
    for _ in range(3):
        loss = ((w * x).sum() - 1.0) ** 2
        loss.backward()
        with ag.no_grad():
            w -= 0.01 * w.grad
        w.zero_grad()
    assert w.is_leaf and w.requires_grad
    # same three steps by hand
    wv = np.array([1.0, -1.0])
    for _ in range(3):
        wv = wv - 0.01 * 2 * ((wv * [2, 3]).sum() - 1) * np.array([2.0, 3.0])
    np.testing.assert_allclose(w.numpy(), wv, rtol=1e-5)


# ----------------------------------------------------------------------------------------
# Modified after being saved: a clear RuntimeError


def test_modifying_a_saved_non_leaf_in_the_graph_raises():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = y * x  # mul saves y for x's gradient
    y += 1
    with pytest.raises(RuntimeError, match="'mul'.*in-place"):
        z.sum().backward()


def test_modifying_a_saved_value_under_no_grad_raises():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    z = (y * y).sum()
    with ag.no_grad():
        y *= 2
    with pytest.raises(RuntimeError, match="modified by an in-place"):
        z.backward()


def test_weight_modified_under_no_grad_after_matmul_raises():
    w = ag.tensor(np.ones((3, 2)), requires_grad=True)
    x = ag.tensor(np.ones((4, 3)), requires_grad=True)
    loss = (x @ w).sum()
    with ag.no_grad():
        w -= 0.5  # e.g. an optimizer step before backward
    with pytest.raises(RuntimeError, match=r"'matmul'.*input 1.*\(3, 2\)"):
        loss.backward()


def test_setitem_on_a_saved_constant_raises():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    c = ag.tensor([3.0, 4.0])
    loss = (x * c).sum()  # dL/dx needs c
    c[0] = 100.0
    with pytest.raises(RuntimeError, match="'mul'"):
        loss.backward()


def test_output_saved_by_its_own_op_modified_under_no_grad_raises():
    # exp's backward reads its output: changing it would give a wrong gradient
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    with ag.no_grad():
        y *= 2
    with pytest.raises(RuntimeError, match="'exp'.*in-place"):
        y.sum().backward()


def test_output_modified_by_fill_under_no_grad_raises():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.tanh()
    with ag.no_grad():
        y.fill_(0.5)
    with pytest.raises(RuntimeError, match="'tanh'"):
        (y * 1).sum().backward()


def test_zero_grad_of_unrelated_tensors_is_not_an_error():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([1.0, 2.0])
    loss = (w * 2).sum()
    with ag.no_grad():
        b += 1  # not part of the graph
    loss.backward()
    np.testing.assert_allclose(w.grad.numpy(), [2.0, 2.0])


# ----------------------------------------------------------------------------------------
# In-place on non-leaves that are then used: correct gradients


def _compare_with_out_of_place(inplace_fn, outplace_fn, *values):
    xs = [ag.tensor(v, requires_grad=True) for v in values]
    inplace_fn(*xs).sum().backward()
    ys = [ag.tensor(v, requires_grad=True) for v in values]
    outplace_fn(*ys).sum().backward()
    for a, b in zip(xs, ys):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12)
    return xs


def test_inplace_arithmetic_on_non_leaf_gives_correct_gradient():
    def inplace(x, w):
        h = x * 2
        h += w
        h *= x
        h -= 1.0
        h /= w
        return h.exp()

    def outplace(x, w):
        return ((((x * 2) + w) * x - 1.0) / w).exp()

    _compare_with_out_of_place(inplace, outplace, np.array([0.3, -0.2, 0.5]),
                               np.array([1.5, 2.0, 0.7]))


def test_setitem_on_non_leaf_gives_correct_gradient():
    def inplace(x, v):
        h = x * 3
        h[1] = v[0] * 2
        h[::2] = x[::2] * x[::2]
        return h * h

    def outplace(x, v):
        h = x * 3
        h = ag.stack([h[0], v[0] * 2, h[2]])
        h = ag.stack([x[0] * x[0], h[1], x[2] * x[2]])
        return h * h

    xs = _compare_with_out_of_place(inplace, outplace, np.array([1.0, 2.0, 3.0]),
                                    np.array([4.0, 5.0]))
    np.testing.assert_allclose(xs[1].grad.numpy(), [2 * 8.0 * 2, 0.0])


def test_inplace_with_the_tensor_itself_as_operand():
    # `h += h`: add saves nothing, so it is the out-of-place sum
    _compare_with_out_of_place(lambda x: _self_op(x, "add"), lambda x: (x * 2) + (x * 2),
                               np.array([1.0, -2.0]))
    # `h *= h`: mul saved h (the second operand), which the write changes (as PyTorch)
    x = ag.tensor([1.0, -2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="'mul'.*modified by an in-place"):
        _self_op(x, "mul").sum().backward()


def _self_op(x, kind):
    h = x * 2
    if kind == "mul":
        h *= h
    else:
        h += h
    return h


def test_inplace_value_computed_from_the_same_tensor_uses_its_old_value():
    # As PyTorch: `h += h * 2` reads the old h (no cycle); the gradient is 3 per element
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 1
    h += h * 2
    h.sum().backward()
    np.testing.assert_allclose(h.data, [3.0, 6.0, 9.0])
    np.testing.assert_allclose(x.grad.data, [3.0, 3.0, 3.0])


def test_setitem_of_a_value_that_saved_the_overwritten_elements_raises():
    # h[::2] * x[::2]: mul saved the view h[::2] for x's gradient; the write changes it
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 1
    h[::2] = h[::2] * x[::2]
    with pytest.raises(RuntimeError, match="'mul'.*in-place"):
        h.sum().backward()


def test_writing_grad_values_into_a_plain_buffer():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    buf = ag.zeros(4, dtype=np.float64)
    buf[1:3] = x * x
    assert buf.requires_grad and not buf.is_leaf
    (buf * ag.tensor([1.0, 2.0, 3.0, 4.0], dtype=np.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 * 1 * 2.0, 3 * 2 * 2.0])


def test_zero_and_fill_on_non_leaf_give_zero_gradient():
    for op in (lambda t: t.zero_(), lambda t: t.fill_(2.0)):
        x = ag.tensor([1.0, 2.0], requires_grad=True)
        h = x * 3
        op(h)
        (h * x).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), h.numpy())  # only the direct x path


def test_inplace_on_non_leaf_makes_no_reference_cycle():
    gc.collect()
    gc.disable()
    try:
        x = ag.tensor([1.0, 2.0], requires_grad=True)
        h = x * 2
        h += 1
        h[0] = 0.0
        h.fill_(1.0)
        ref = weakref.ref(h)
        node_ref = weakref.ref(h.grad_fn) if hasattr(h.grad_fn, "__weakref__") else None
        del h
        assert ref() is None
        assert node_ref is None or node_ref() is None
    finally:
        gc.enable()


def test_inplace_then_retain_graph_backward_twice():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x.sin()  # sin saves its input, not its output (which `*=` overwrites)
    h *= 2
    loss = h.sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * np.cos(x.numpy()), rtol=1e-6)


_STEPS = st.lists(st.tuples(st.sampled_from(["add", "sub", "mul", "div", "set"]),
                            st.floats(0.5, 2.0)), min_size=1, max_size=6)


@settings(max_examples=20, deadline=None)
@given(_STEPS)
def test_random_inplace_sequences_match_out_of_place(steps):
    def run(x, w, inplace):
        h = x * w
        for kind, c in steps:
            if kind == "set":
                if inplace:
                    h[0] = w[1] * c
                else:
                    h = ag.concatenate([(w[1] * c).reshape(1), h[1:]])
                continue
            rhs = w * c
            if inplace:
                if kind == "add":
                    h += rhs
                elif kind == "sub":
                    h -= rhs
                elif kind == "mul":
                    h *= rhs
                else:
                    h /= rhs
            else:
                h = {"add": h + rhs, "sub": h - rhs, "mul": h * rhs, "div": h / rhs}[kind]
        return (h * x).sum()

    vals = (np.array([0.7, -1.1, 1.3]), np.array([1.2, 0.9, 1.6]))
    a = [ag.tensor(v, requires_grad=True) for v in vals]
    b = [ag.tensor(v, requires_grad=True) for v in vals]
    la, lb = run(*a, inplace=True), run(*b, inplace=False)
    np.testing.assert_allclose(la.item(), lb.item(), rtol=1e-12)
    la.backward()
    lb.backward()
    for p, q in zip(a, b):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_in_place_write_through_a_detached_alias_is_caught() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    z = (y * y).sum()
    alias = y.detach()  # shares y's memory, and so its version counter
    alias += 1
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.backward()


@pytest.mark.parametrize("make_view", [
    lambda w: w[0:1],
    lambda w: w.reshape(4),
    lambda w: w.T,
    lambda w: w.detach()[1],
])
def test_in_place_write_through_a_view_is_caught(make_view) -> None:
    w = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    loss = (w * w).sum()
    with ag.no_grad():
        view = make_view(w)
        view += 10
    assert w.data.max() > 10  # the write went through to w's memory
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


def test_views_that_copy_do_not_alias() -> None:
    w = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    loss = (w * w).sum()
    with ag.no_grad():
        picked = w[[0, 1], [1, 0]]  # advanced indexing copies
        picked += 10
    loss.backward()
    np.testing.assert_allclose(w.grad.data, 2 * w.data)


def test_in_place_on_a_read_only_view_is_a_clear_error() -> None:
    expanded = ag.ones(3).expand(2, 3)
    with pytest.raises(RuntimeError, match="read-only view"), ag.no_grad():
        expanded += 1


@pytest.mark.parametrize("make_view", [
    lambda w: w[0:2], lambda w: w.reshape(2, 2), lambda w: w.reshape(2, 2).T[0],
    lambda w: w[None][0][1:],
], ids=["slice", "reshape", "transpose-then-index", "chained"])
@pytest.mark.parametrize("op", _inplace_ops() + [lambda t: t.__setitem__(0, 5.0),
                                                 lambda t: t.fill_(1.0)])
def test_inplace_on_a_view_of_a_leaf_requiring_grad_is_refused(make_view, op):
    """As PyTorch: in grad mode such a change could not reach the leaf's graph, so it is an
    error, raised before anything changes (not a change to the view alone)."""
    w = ag.tensor(np.arange(4.0), requires_grad=True)
    view = make_view(w)
    before = view.data.copy()
    with pytest.raises(RuntimeError, match="view .* of a leaf tensor that requires grad"):
        op(view)
    np.testing.assert_array_equal(view.data, before)
    np.testing.assert_array_equal(w.data, np.arange(4.0))


def test_inplace_on_views_that_pytorch_allows_still_works():
    w = ag.tensor(np.arange(4.0), requires_grad=True)
    with ag.no_grad():  # an optimizer-style update through a slice writes into the leaf
        part = w[0:2]
        part += 10.0
    np.testing.assert_array_equal(w.data, [10.0, 11.0, 2.0, 3.0])
    copy = w[[0, 1]]  # advanced indexing copies: no view, so no error
    copy += 1.0
    d = (w * 1.0).detach().requires_grad_()  # a leaf sharing a non-leaf's memory
    h2 = d.detach() * 1.0
    h2 += 1.0  # not a view of d: allowed
