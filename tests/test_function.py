"""Custom ops: subclasses of ag.Function with numpy forward/backward."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

import autograd_lite as ag
from autograd_lite.testing import GradcheckError, gradcheck
from autograd_lite.testing import strategies as ats


class Cube(ag.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * grad


class WrongCube(ag.Function):
    """A deliberately wrong backward: 2x² instead of 3x²."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x ** 2 * grad


class MulAdd(ag.Function):
    """a * b + c, gradient only for a and b (c is treated as a constant)."""

    @staticmethod
    def forward(ctx, a, b, c):
        ctx.save_for_backward(a, b)
        return a * b + c

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b, grad * a, None


class Scale(ag.Function):
    """x * k with a Python number k."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return x * k

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.k, None


def test_cube_forward_records_a_graph_node():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x)
    assert isinstance(y, ag.Tensor)
    np.testing.assert_allclose(y.numpy(), [1.0, 8.0])
    assert y.grad_fn is not None and y.grad_fn.name == "Cube"
    assert y.dtype == np.float32
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])


def test_cube_passes_gradcheck():
    x = ag.tensor(np.random.default_rng(0).normal(size=(3, 4)), requires_grad=True)
    assert gradcheck(lambda t: Cube.apply(t), (x,))
    assert gradcheck(lambda t: Cube.apply(t.sin()) * 2, (x,))


@settings(max_examples=10, deadline=None)
@given(ats.tensors(shape=ats.shapes(max_dims=3)))
def test_cube_passes_gradcheck_property(x):
    assert gradcheck(lambda t: Cube.apply(t), (x,))


def test_wrong_backward_is_caught_naming_input_and_worst_element():
    data = np.array([[0.1, -0.2, 0.3], [0.5, 3.0, -0.4]])  # worst error at (1, 1)
    x = ag.tensor(data, requires_grad=True)
    assert gradcheck(lambda t: Cube.apply(t), (x,))
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: WrongCube.apply(t), (x,))
    msg = str(info.value)
    assert "input 0" in msg
    assert "(1, 1)" in msg
    assert gradcheck(lambda t: WrongCube.apply(t), (x,), raise_exception=False) is False


def test_wrong_backward_on_second_input_is_named():
    class BadMul(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            return grad * b, grad * a * 1.5  # wrong for b

    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([3.0, -4.0], requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 1 .*\(1,\)"):
        gradcheck(lambda p, q: BadMul.apply(p, q), (a, b))


def test_create_graph_through_a_function_is_a_clear_error():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x).sum()
    with pytest.raises(RuntimeError, match="Cube.*first-order"):
        y.backward(create_graph=True)
    x2 = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="first-order"):
        ag.grad(Cube.apply(x2).sum(), x2, create_graph=True)


def test_multiple_inputs_with_none_gradients():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([3.0, 4.0], requires_grad=True)
    c = ag.tensor([10.0, 20.0], requires_grad=True)
    out = MulAdd.apply(a, b, c)
    np.testing.assert_allclose(out.numpy(), [13.0, 28.0])
    out.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 2.0])
    assert c.grad is None


def test_inputs_that_do_not_require_grad_and_python_constants():
    x = ag.tensor([1.0, -2.0], requires_grad=True)
    y = Scale.apply(x, 2.5)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.5, 2.5])
    const = ag.tensor([1.0, 1.0])
    a = ag.tensor([2.0, 3.0], requires_grad=True)
    MulAdd.apply(a, const, const).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [1.0, 1.0])
    assert const.grad is None


def test_function_under_no_grad_records_nothing():
    x = ag.tensor([1.0], requires_grad=True)
    with ag.no_grad():
        y = Cube.apply(x)
    assert y.grad_fn is None and not y.requires_grad


def test_save_for_backward_and_saved_tensors():
    seen = {}

    class Probe(ag.Function):
        @staticmethod
        def forward(ctx, x, w):
            ctx.save_for_backward(x, w)
            seen["forward_types"] = (type(x), type(w))
            return x @ w

        @staticmethod
        def backward(ctx, grad):
            x, w = ctx.saved_tensors
            seen["saved"] = (x.copy(), w.copy())
            seen["grad_type"] = type(grad)
            return grad @ w.T, x.T @ grad

    xv = np.arange(6.0).reshape(2, 3)
    wv = np.arange(12.0).reshape(3, 4) / 10
    x = ag.tensor(xv, requires_grad=True)
    w = ag.tensor(wv, requires_grad=True)
    Probe.apply(x, w).sum().backward()
    assert seen["forward_types"] == (np.ndarray, np.ndarray)
    assert seen["grad_type"] is np.ndarray
    np.testing.assert_array_equal(seen["saved"][0], xv)
    np.testing.assert_array_equal(seen["saved"][1], wv)
    np.testing.assert_allclose(x.grad.numpy(), np.ones((2, 4)) @ wv.T)
    np.testing.assert_allclose(w.grad.numpy(), xv.T @ np.ones((2, 4)))
    assert gradcheck(lambda a, b: Probe.apply(a, b), (x, w))


def test_backward_called_once_per_backward_pass_for_all_inputs():
    calls = []

    class Counted(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            calls.append(1)
            return grad, grad

    a = ag.tensor([1.0], requires_grad=True)
    b = ag.tensor([2.0], requires_grad=True)
    loss = Counted.apply(a, b).sum()
    loss.backward(retain_graph=True)
    assert len(calls) == 1
    loss.backward()
    assert len(calls) == 2
    np.testing.assert_allclose(a.grad.numpy(), [2.0])
    np.testing.assert_allclose(b.grad.numpy(), [2.0])


def test_wrong_number_of_gradients_is_a_clear_error():
    class TooFew(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad

    a = ag.tensor([1.0], requires_grad=True)
    b = ag.tensor([2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"TooFew.*1 gradient.*2 input"):
        TooFew.apply(a, b).sum().backward()


def test_wrong_gradient_shape_is_a_clear_error():
    class BadShape(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return np.ones((5, 7))

    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"BadShape.*\(5, 7\).*\(3,\)"):
        BadShape.apply(x).sum().backward()


def test_function_broadcast_gradient_is_reduced_to_input_shape():
    class AddBias(ag.Function):
        @staticmethod
        def forward(ctx, x, b):
            return x + b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad  # b's gradient still has x's (broadcast) shape

    x = ag.tensor(np.ones((4, 3)), requires_grad=True)
    b = ag.tensor(np.zeros(3), requires_grad=True)
    AddBias.apply(x, b).sum().backward()
    assert b.grad.shape == (3,)
    np.testing.assert_allclose(b.grad.numpy(), [4.0, 4.0, 4.0])


def test_function_composes_with_library_ops_and_gradcheck():
    x = ag.tensor(np.linspace(-1, 1, 5), requires_grad=True)
    w = ag.tensor(np.linspace(0.5, 1.5, 5), requires_grad=True)
    assert gradcheck(lambda a, b: (Cube.apply(a * b).exp() + MulAdd.apply(a, b, 1.0)).sum(),
                     (x, w))
