"""A two-layer neural network on a non-linear dataset, and its gradients derived by hand.

    python examples/two_layer_network.py [--dataset circles|moons] [--hidden 16] [--steps 3000]
                                         [--lr 1.0] [--out examples/out] [--quiet] [--smoke]

The course's notation, one column per example (X is (n0, m), y is (1, m)):

    Z1 = W1·X + b1     A1 = σ(Z1)          W1 (n1, n0), b1 (n1, 1)
    Z2 = W2·A1 + b2    A2 = σ(Z2)          W2 (1, n1),  b2 (1, 1)
    L  = −1/m Σ [y log A2 + (1 − y) log(1 − A2)]

Back-propagation by hand gives

    dZ2 = A2 − y       dW2 = 1/m dZ2·A1ᵀ   db2 = 1/m Σ dZ2
    dZ1 = W2ᵀ·dZ2 ∗ A1(1 − A1)
                       dW1 = 1/m dZ1·Xᵀ    db1 = 1/m Σ dZ1

The script checks that the graph's gradients are these, then trains with plain gradient
descent to ≥ 95 % test accuracy. Writes ``two_layer_network.png`` (curves, decision regions)
and ``two_layer_network_graph.svg``.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from _common import (
    make_2d_dataset,
    parser,
    plot_curves,
    plot_decision_regions,
    progress,
    save_figure,
    save_graph,
    setup,
)
from sklearn.model_selection import train_test_split

import autograd_lite as ag

Params = dict[str, ag.Tensor]


def init_params(n0: int, n1: int) -> Params:
    """W1 (n1, n0), b1 (n1, 1), W2 (1, n1), b2 (1, 1): weights N(0, 1), biases zero."""
    return {
        "W1": ag.randn(n1, n0, requires_grad=True), "b1": ag.zeros((n1, 1), requires_grad=True),
        "W2": ag.randn(1, n1, requires_grad=True), "b2": ag.zeros((1, 1), requires_grad=True),
    }


def forward(X: ag.Tensor, p: Params) -> tuple[ag.Tensor, ag.Tensor]:
    """A1 = σ(W1·X + b1) and the output logits Z2 = W2·A1 + b2 (A2 = σ(Z2))."""
    A1 = (p["W1"] @ X + p["b1"]).sigmoid()
    return A1, p["W2"] @ A1 + p["b2"]


def log_loss(Z2: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
    """The log-loss of A2 = σ(Z2), written stably: −[y log σ(z) + (1−y) log(1−σ(z))]
    equals softplus(z) − y·z exactly, and never takes log(0)."""
    return (Z2.softplus() - y * Z2).mean()


def hand_gradients(X: np.ndarray, y: np.ndarray, p: Params) -> dict[str, np.ndarray]:
    """The course's back-propagation formulas, in numpy."""
    m = X.shape[1]
    W1, b1, W2, b2 = (p[k].numpy() for k in ("W1", "b1", "W2", "b2"))
    sigmoid = lambda z: 1 / (1 + np.exp(-z))
    A1 = sigmoid(W1 @ X + b1)
    A2 = sigmoid(W2 @ A1 + b2)
    dZ2 = A2 - y
    dZ1 = W2.T @ dZ2 * A1 * (1 - A1)
    return {
        "W2": dZ2 @ A1.T / m, "b2": dZ2.sum(axis=1, keepdims=True) / m,
        "W1": dZ1 @ X.T / m, "b1": dZ1.sum(axis=1, keepdims=True) / m,
    }


def check_gradients(X: np.ndarray, y: np.ndarray, p: Params) -> dict[str, float]:
    """Max |graph gradient − hand formula| for each parameter, computed in float64."""
    p64 = {k: ag.tensor(v.numpy().astype(np.float64), requires_grad=True) for k, v in p.items()}
    X64, y64 = X.astype(np.float64), y.astype(np.float64)
    log_loss(forward(ag.tensor(X64), p64)[1], ag.tensor(y64)).backward()
    hand = hand_gradients(X64, y64, p64)
    return {k: float(np.abs(p64[k].grad.numpy() - hand[k]).max()) for k in hand}


def accuracy(Z2: ag.Tensor, y: np.ndarray) -> float:
    """Fraction of examples with (A2 ≥ 0.5) == y, i.e. (Z2 ≥ 0) == y."""
    return float(((Z2.numpy() >= 0) == (y > 0.5)).mean())


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    p = parser(__doc__)
    p.add_argument("--dataset", choices=["circles", "moons"], default="circles")
    p.add_argument("--hidden", type=int, default=16, help="n1, the hidden layer's width")
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--lr", type=float, default=1.0)
    args = setup(p, argv)
    steps = 20 if args.smoke else args.steps

    X, y = make_2d_dataset(args.dataset, 1000, args.seed, noise=0.1)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=args.seed)
    # Columns are examples, as in the course: X (n0, m), y (1, m).
    Xtr, ytr = ag.tensor(X_tr.T), ag.tensor(y_tr[None])
    Xte = ag.tensor(X_te.T)
    params = init_params(2, args.hidden)
    print(f"{args.dataset}: {len(X_tr)} training and {len(X_te)} test points; network "
          f"2 -> {args.hidden} (sigmoid) -> 1 (sigmoid); {steps} steps, learning rate {args.lr}")

    diffs = check_gradients(X_tr.T, y_tr[None], params)
    print("graph gradients vs hand-derived formulas (max abs difference, float64):")
    for name, formula in [("W2", "1/m dZ2·A1ᵀ"), ("b2", "1/m Σ dZ2"),
                          ("W1", "1/m dZ1·Xᵀ, dZ1 = W2ᵀ·dZ2 ∗ A1(1 − A1)"), ("b1", "1/m Σ dZ1")]:
        print(f"  d{name} = {formula:40s} {diffs[name]:.2e}")

    history: dict[str, list[float]] = {"log-loss": [], "train accuracy": [], "test accuracy": []}
    for _ in progress(range(steps), args.quiet, "gradient descent"):
        _, Z2 = forward(Xtr, params)
        loss = log_loss(Z2, ytr)
        loss.backward()
        with ag.no_grad():
            for t in params.values():
                t -= args.lr * t.grad
                t.grad = None
            history["log-loss"].append(loss.item())
            history["train accuracy"].append(accuracy(Z2, y_tr))
            history["test accuracy"].append(accuracy(forward(Xte, params)[1], y_te))

    with ag.no_grad():
        train_acc = accuracy(forward(Xtr, params)[1], y_tr)
        test_acc = accuracy(forward(Xte, params)[1], y_te)
    print(f"final log-loss {history['log-loss'][-1]:.4f}; "
          f"train accuracy {train_acc:.2%}, test accuracy {test_acc:.2%}")

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    plot_curves(axes[0], {"train": history["log-loss"]}, "step", "log-loss")
    plot_curves(axes[1], {k: history[f"{k} accuracy"] for k in ("train", "test")}, "step",
                "accuracy")

    def predict(points: np.ndarray) -> np.ndarray:
        with ag.no_grad():
            return forward(ag.tensor(points.T), params)[1].sigmoid().numpy().ravel()

    plot_decision_regions(axes[2], predict, X_te, y_te, f"test set: {test_acc:.1%} correct")
    save_figure(fig, args.out, "two_layer_network")

    loss = log_loss(forward(Xtr, params)[1], ytr)
    loss.backward(retain_graph=True)
    save_graph(ag.draw_graph(loss, show_grad=True, params=params), args.out,
               "two_layer_network_graph")
    return {"train_accuracy": train_acc, "test_accuracy": test_acc,
            "loss": history["log-loss"][-1], "grad_max_abs_diff": max(diffs.values())}


if __name__ == "__main__":
    main()
