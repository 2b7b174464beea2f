"""Logistic regression on two Gaussian blobs, with nothing but Tensor ops.

    python examples/logistic_regression.py [--steps 200] [--quiet]

Prints the loss while it trains and the final training accuracy.
"""

from __future__ import annotations

import argparse

import numpy as np

import autograd_lite as ag


def make_blobs(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two separable blobs in 2-D: X (n, 2) float32, y (n, 1) in {0, 1}."""
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(-2, 1, (n // 2, 2)), rng.normal(2, 1, (n - n // 2, 2))])
    y = np.concatenate([np.zeros(n // 2), np.ones(n - n // 2)])[:, None]
    return X.astype(np.float32), y.astype(np.float32)


def train(steps: int = 200, lr: float = 0.5, quiet: bool = False) -> float:
    ag.manual_seed(0)
    X, y = make_blobs()
    Xt, yt = ag.tensor(X), ag.tensor(y)
    W = ag.randn(2, 1, requires_grad=True)
    b = ag.zeros(1, requires_grad=True)
    for step in range(steps + 1):
        A = (Xt @ W + b).sigmoid().clip(1e-7, 1 - 1e-7)
        loss = -(yt * A.log() + (1 - yt) * (1 - A).log()).mean()  # log-loss
        W.grad = b.grad = None
        loss.backward()
        with ag.no_grad():
            W -= lr * W.grad
            b -= lr * b.grad
        if not quiet and step % 50 == 0:
            print(f"step {step:4d}  loss {loss.item():.4f}")
    accuracy = float(((A.data > 0.5) == (y > 0.5)).mean())
    print(f"training accuracy {accuracy:.3f}  W {W.data.ravel()}  b {b.data}")
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    train(args.steps, quiet=args.quiet)
