"""Your own op: an ``ag.Function`` with a hand-written backward, proved right by property tests.

    python examples/custom_op_gradcheck.py [--examples 100] [--out examples/out] [--smoke]

``Swish(x, β) = x·σ(βx)`` (the SiLU when β = 1) is written as a custom Function working on
numpy arrays, with its derivatives

    ∂/∂x = σ(βx) + βx·σ(βx)(1 − σ(βx))        ∂/∂β = Σ x²·σ(βx)(1 − σ(βx))

A hypothesis property test then checks, over random shapes and values, that the backward
agrees with central finite differences (``autograd_lite.testing.gradcheck``) and that the
op equals the same expression built from the library's ops. A deliberately wrong
backward is caught too. Writes ``custom_op_gradcheck.png`` (Swish and its derivative,
analytic vs numerical) and ``custom_op_gradcheck_graph.svg`` (a graph using the op).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from _common import parser, save_figure, save_graph, setup
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite.testing import GradcheckError, gradcheck, numerical_grad
from autograd_lite.testing.strategies import positive, shapes, tensors


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # stable for any z


class Swish(ag.Function):
    """x·σ(βx) for a tensor x and a scalar (0-d) β."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, beta: np.ndarray) -> np.ndarray:
        s = _sigmoid(beta * x)
        ctx.save_for_backward(x, beta, s)
        return x * s

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, beta, s = ctx.saved_tensors
        ds = s * (1 - s)                                   # σ'(βx)
        grad_x = grad * (s + beta * x * ds)
        grad_beta = np.sum(grad * x * x * ds).reshape(np.shape(beta))  # β is broadcast: sum
        return grad_x, grad_beta


class BuggySwish(Swish):
    """The classic slip: differentiating x·σ(βx) as if σ(βx) were a constant."""

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, beta, s = ctx.saved_tensors
        return grad * s, np.sum(grad * x * x * s * (1 - s)).reshape(np.shape(beta))


def swish_reference(x: ag.Tensor, beta: ag.Tensor) -> ag.Tensor:
    """The same function from built-in ops: its gradient comes from the engine."""
    return x * (beta * x).sigmoid()


XS = tensors(shape=shapes(min_dims=0, max_dims=3))
BETAS = tensors(shape=(), elements=positive(0.1, 3.0))


def property_tests(max_examples: int) -> list[str]:
    """Run the two hypothesis properties; return their names (raises on a failure)."""

    @settings(max_examples=max_examples, deadline=None, database=None)
    @given(x=XS, beta=BETAS)
    def swish_matches_finite_differences(x: ag.Tensor, beta: ag.Tensor) -> None:
        assert gradcheck(Swish.apply, (x, beta))

    @settings(max_examples=max_examples, deadline=None, database=None)
    @given(x=XS, beta=BETAS, scale=st.floats(-2.0, 2.0))
    def swish_matches_builtin_ops(x: ag.Tensor, beta: ag.Tensor, scale: float) -> None:
        ours, ref = Swish.apply(x, beta), swish_reference(x, beta)
        np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-12, atol=1e-12)
        g_ours = ag.grad((ours * scale).sum(), [x, beta])
        g_ref = ag.grad((ref * scale).sum(), [x, beta])
        for a, b in zip(g_ours, g_ref):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)

    tests = [swish_matches_finite_differences, swish_matches_builtin_ops]
    for test in tests:
        test()
    return [t.__name__ for t in tests]


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    p = parser(__doc__)
    p.add_argument("--examples", type=int, default=100, help="hypothesis examples per property")
    args = setup(p, argv)
    n_examples = 10 if args.smoke else args.examples

    x = ag.tensor(np.linspace(-3, 3, 7), requires_grad=True)
    beta = ag.tensor(1.5, requires_grad=True)
    y = Swish.apply(x, beta)
    print(f"Swish.apply(x, β=1.5) for x = {x.numpy()}:\n  {np.round(y.numpy(), 4)}")
    print(f"gradcheck(Swish.apply, (x, β)) -> {gradcheck(Swish.apply, (x, beta))}")

    try:
        gradcheck(BuggySwish.apply, (x, beta))
        caught = ""
    except GradcheckError as err:
        caught = str(err)
    print(f"gradcheck on BuggySwish (σ(βx) treated as a constant) fails:\n  {caught}")

    names = property_tests(n_examples)
    print(f"hypothesis: {', '.join(names)} passed on {n_examples} random examples each")

    # Figure: the op and its derivative, analytic (graph) vs numerical (finite differences).
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    grid = np.linspace(-5, 5, 201)
    coarse = np.linspace(-5, 5, 21)
    for b in (0.5, 1.0, 2.0):
        xs = ag.tensor(grid, requires_grad=True)
        bt = ag.tensor(b)
        y = Swish.apply(xs, bt)
        (dx,) = ag.grad(y.sum(), [xs])
        (num,) = numerical_grad(lambda t, bt=bt: Swish.apply(t, bt), ag.tensor(coarse))
        (line,) = axes[0].plot(grid, y.numpy(), label=f"β = {b}")
        axes[1].plot(grid, dx.numpy(), color=line.get_color(), label=f"analytic, β = {b}")
        axes[1].plot(coarse, num, "o", ms=4, color=line.get_color(), mfc="none")
    axes[0].set_title("Swish(x, β) = x·σ(βx)")
    axes[1].set_title("∂Swish/∂x: backward (lines) vs finite differences (circles)")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend()
        ax.set_xlabel("x")
    save_figure(fig, args.out, "custom_op_gradcheck")

    W = ag.randn(3, 2, requires_grad=True)
    xin = ag.randn(4, 3)
    loss = Swish.apply(xin @ W, beta).mean()
    loss.backward(retain_graph=True)
    save_graph(ag.draw_graph(loss, show_grad=True, params={"W": W, "beta": beta}), args.out,
               "custom_op_gradcheck_graph")
    return {"gradcheck": True, "buggy_caught": bool(caught), "hypothesis_examples": n_examples}


if __name__ == "__main__":
    main()
