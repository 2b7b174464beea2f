"""Rosenblatt's perceptron: W <- W + alpha (y_true - y) x, one example at a time.

    python examples/perceptron.py [--epochs 20] [--out examples/out] [--quiet] [--smoke]

Learns a line that separates two Gaussian blobs, then tries XOR, which no line separates:
the rule never settles and at most 3 of the 4 points come out right. Writes
``perceptron.png`` (both decision lines). No gradients here: the step function has none,
which is exactly why the next story (``artificial_neuron.py``) swaps it for a sigmoid.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from _common import parser, progress, save_figure, setup

import autograd_lite as ag


def train_perceptron(
    X: np.ndarray, y: np.ndarray, epochs: int, lr: float = 0.1, quiet: bool = True
) -> tuple[ag.Tensor, ag.Tensor, list[float]]:
    """Rosenblatt's rule on (X (m, 2), y (m,) in {0, 1}); returns W (2,), b (), and the
    accuracy after each epoch. Stops early after an epoch without mistakes."""
    W = ag.zeros(X.shape[1])
    b = ag.zeros(())
    history = []
    for _ in progress(range(epochs), quiet, "perceptron"):
        errors = 0  # mistakes made during this epoch
        for i in ag.default_generator().permutation(len(X)):
            x = ag.tensor(X[i])
            y_hat = float((x @ W + b).item() >= 0)      # the step function
            update = lr * (float(y[i]) - y_hat)         # alpha (y_true - y)
            W = W + update * x
            b = b + update
            errors += update != 0
        history.append(accuracy(W, b, X, y))
        if errors == 0:
            break
    return W, b, history


def accuracy(W: ag.Tensor, b: ag.Tensor, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of points on the right side of the line W·x + b = 0."""
    y_hat = (ag.tensor(X) @ W + b >= 0).numpy()
    return float((y_hat == (y > 0.5)).mean())


def draw(ax: plt.Axes, W: ag.Tensor, b: ag.Tensor, X: np.ndarray, y: np.ndarray,
         title: str) -> None:
    """Scatter X coloured by y and draw the line w0 x0 + w1 x1 + b = 0."""
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=40, zorder=3)
    w0, w1 = W.tolist()
    xs = np.linspace(X[:, 0].min() - 1, X[:, 0].max() + 1, 2)
    if abs(w1) > 1e-12:
        ax.plot(xs, -(w0 * xs + b.item()) / w1, "k-", label="decision line")
    elif abs(w0) > 1e-12:
        ax.axvline(-b.item() / w0, color="k", label="decision line")
    pad = 0.5
    ax.set_xlim(X[:, 0].min() - pad, X[:, 0].max() + pad)
    ax.set_ylim(X[:, 1].min() - pad, X[:, 1].max() + pad)
    ax.set_title(title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left", framealpha=0.9)


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    p = parser(__doc__)
    p.add_argument("--epochs", type=int, default=20)
    args = setup(p, argv)
    epochs = 3 if args.smoke else args.epochs

    rng = np.random.default_rng(args.seed)
    X = np.concatenate([rng.normal((0, 4), 0.7, (50, 2)), rng.normal((4, 1), 0.7, (50, 2))])
    y = np.repeat([0.0, 1.0], 50)
    W, b, history = train_perceptron(X, y, epochs, quiet=args.quiet)
    acc = history[-1]
    print(f"blobs: {len(history)} epoch(s), accuracy after each: {history}")
    print(f"blobs: W = {np.round(W.numpy(), 3)}, b = {b.item():.3f}, accuracy {acc:.0%}")

    X_xor = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y_xor = np.array([0.0, 1.0, 1.0, 0.0])
    Wx, bx, history_xor = train_perceptron(X_xor, y_xor, 5 * epochs, quiet=args.quiet)
    acc_xor = max(history_xor)
    print(f"XOR: {len(history_xor)} epochs without converging, best accuracy {acc_xor:.0%} "
          "- no line separates XOR")

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    draw(axes[0], W, b, X, y, f"two blobs: accuracy {acc:.0%}")
    draw(axes[1], Wx, bx, X_xor, y_xor, f"XOR: best accuracy {acc_xor:.0%}, never 100%")
    save_figure(fig, args.out, "perceptron")
    return {"accuracy": acc, "epochs": len(history), "xor_best_accuracy": acc_xor}


if __name__ == "__main__":
    main()
