"""One artificial neuron (logistic regression): A = sigmoid(X·W + b), log-loss, gradient descent.

    python examples/artificial_neuron.py [--steps 300] [--lr 0.5] [--out examples/out] [--quiet]

The model of the course, written with Tensor ops only:

    Z = X·W + b            A = σ(Z)
    L = −1/m Σ [y log A + (1 − y) log(1 − A)]
    W ← W − α ∂L/∂W        b ← b − α ∂L/∂b        (∂L/∂W = 1/m Xᵀ(A − y), ∂L/∂b = 1/m Σ(A − y))

The graph computes ∂L/∂W and ∂L/∂b; the script checks them once against the formulas.
Writes ``artificial_neuron.png`` (loss, accuracy, decision boundary) and
``artificial_neuron_graph.svg`` (the neuron's computation graph).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from _common import (
    parser,
    plot_curves,
    plot_decision_regions,
    progress,
    save_figure,
    save_graph,
    setup,
)
from sklearn.datasets import make_blobs

import autograd_lite as ag

EPS = 1e-7  # keeps log(0) away when a prediction saturates


def forward(X: ag.Tensor, W: ag.Tensor, b: ag.Tensor) -> ag.Tensor:
    """The neuron's activation A = σ(X·W + b), shape (m, 1)."""
    return (X @ W + b).sigmoid()


def log_loss(A: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
    """L = −1/m Σ [y log A + (1 − y) log(1 − A)]."""
    return -(y * (A + EPS).log() + (1 - y) * (1 - A + EPS).log()).mean()


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    p = parser(__doc__)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--lr", type=float, default=0.5)
    args = setup(p, argv)
    steps = 10 if args.smoke else args.steps

    X_np, y_np = make_blobs(n_samples=200, n_features=2, centers=2, random_state=args.seed)
    X = ag.tensor(X_np.astype(np.float32))              # (m, 2)
    y = ag.tensor(y_np.astype(np.float32)[:, None])     # (m, 1)
    W = ag.randn(2, 1, requires_grad=True)
    b = ag.randn(1, requires_grad=True)
    print(f"one neuron on {len(X_np)} points in 2-D: {steps} steps of gradient descent, "
          f"learning rate {args.lr}")

    # The graph's gradients are the course's formulas.
    loss = log_loss(forward(X, W, b), y)
    loss.backward()
    with ag.no_grad():
        A = forward(X, W, b)
        dW = X.T @ (A - y) / len(X_np)
        db = (A - y).mean(axis=0)
    diff = max(np.abs(W.grad.numpy() - dW.numpy()).max(), np.abs(b.grad.numpy() - db.numpy()).max())
    print(f"autograd vs formulas 1/m Xᵀ(A − y), 1/m Σ(A − y): max abs difference {diff:.2e}")
    W.grad = b.grad = None

    history: dict[str, list[float]] = {"log-loss": [], "accuracy": []}
    for _ in progress(range(steps), args.quiet, "gradient descent"):
        A = forward(X, W, b)
        loss = log_loss(A, y)
        loss.backward()
        with ag.no_grad():
            W -= args.lr * W.grad
            b -= args.lr * b.grad
        W.grad = b.grad = None
        history["log-loss"].append(loss.item())
        history["accuracy"].append(float(((A.numpy() >= 0.5) == (y_np[:, None] > 0.5)).mean()))

    with ag.no_grad():
        accuracy = float(((forward(X, W, b).numpy() >= 0.5) == (y_np[:, None] > 0.5)).mean())
        new_point = np.array([[2.0, 1.0]], dtype=np.float32)
        p_new = forward(ag.tensor(new_point), W, b).item()
    print(f"final loss {history['log-loss'][-1]:.4f}, training accuracy {accuracy:.2%}")
    print(f"W = {np.round(W.numpy().ravel(), 3)}, b = {np.round(b.numpy(), 3)}")
    print(f"new point {new_point[0].tolist()}: P(class 1) = {p_new:.3f} "
          f"-> class {int(p_new >= 0.5)}")

    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    plot_curves(axes[0], {"train": history["log-loss"]}, "step", "log-loss")
    plot_curves(axes[1], {"train": history["accuracy"]}, "step", "accuracy")

    def predict(points: np.ndarray) -> np.ndarray:
        with ag.no_grad():
            return forward(ag.tensor(points), W, b).numpy().ravel()

    plot_decision_regions(axes[2], predict, X_np, y_np, "decision boundary σ(X·W + b) = 0.5")
    axes[2].scatter(*new_point[0], marker="*", s=250, c="gold", edgecolors="k", label="new point")
    axes[2].legend(loc="lower right")
    save_figure(fig, args.out, "artificial_neuron")

    loss = log_loss(forward(X, W, b), y)
    loss.backward(retain_graph=True)  # keep the graph to draw it with its gradients
    save_graph(ag.draw_graph(loss, show_grad=True, params={"W": W, "b": b}), args.out,
               "artificial_neuron_graph")
    return {"accuracy": accuracy, "loss": history["log-loss"][-1], "grad_max_abs_diff": diff,
            "p_new_point": p_new}


if __name__ == "__main__":
    main()
