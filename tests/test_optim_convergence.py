"""nn.optim end to end: every optimizer solves logistic regression on separable blobs, and
Adam trains a two-layer MLP on concentric circles (mini-batches from nn.data)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag
from nn import optim
from nn.data import DataLoader, TensorDataset


def bce_with_logits(z, y):
    """Mean binary cross-entropy from logits, log(1 + e^z) - y z, built from Tensor ops."""
    return (ag.softplus(z) - y * z).mean()


def blobs(seed, n=100):
    """Two Gaussian blobs away from the origin (the bias matters), linearly separable."""
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal([1, 1], 0.5, (n, 2)), rng.normal([3, 4], 0.5, (n, 2))])
    y = np.repeat([0.0, 1.0], n)
    return X.astype(np.float32), y.astype(np.float32)


def circles(seed, n=200):
    """Two noisy concentric rings (radius 1 and 2.5): not linearly separable."""
    rng = np.random.default_rng(seed)
    r = np.concatenate([rng.normal(1.0, 0.15, n), rng.normal(2.5, 0.15, n)])
    angle = rng.uniform(0, 2 * np.pi, 2 * n)
    X = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
    return X.astype(np.float32), np.repeat([0.0, 1.0], n).astype(np.float32)


SETTINGS = {
    "SGD": dict(lr=0.5, momentum=0.9),
    "Adagrad": dict(lr=0.5),
    "Adadelta": dict(),  # lr=1.0, its default
    "RMSprop": dict(lr=0.05),
    "Adam": dict(lr=0.1),
    "AdamW": dict(lr=0.1),
}


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_logistic_regression_on_blobs(name, seed):
    X, y = blobs(seed)
    Xt, yt = ag.tensor(X), ag.tensor(y)
    w = ag.zeros(2, requires_grad=True)
    b = ag.zeros(1, requires_grad=True)
    opt = getattr(optim, name)([w, b], **SETTINGS[name])
    losses = []
    for _ in range(300):  # full-batch gradient descent
        opt.zero_grad()
        loss = bce_with_logits(Xt @ w + b, yt)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    accuracy = np.mean(((X @ w.data + b.data) > 0) == y)
    assert accuracy >= 0.99, f"{name}: accuracy {accuracy}"
    assert losses[-1] < 0.5 * losses[0]
    assert w.data.dtype == np.float32


def test_sgd_mini_batch_logistic_regression():
    ag.manual_seed(3)
    X, y = blobs(3)
    w = ag.zeros(2, requires_grad=True)
    b = ag.zeros(1, requires_grad=True)
    opt = optim.SGD([w, b], lr=0.1)
    for _ in range(20):
        for xb, yb in DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True):
            opt.zero_grad()
            bce_with_logits(xb @ w + b, yb).backward()
            opt.step()
    assert np.mean(((X @ w.data + b.data) > 0) == y) >= 0.99


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_adam_trains_mlp_on_concentric_circles(seed):
    ag.manual_seed(seed)
    gen = ag.default_generator()
    X, y = circles(seed)
    hidden = 16
    W1 = ag.tensor(gen.normal(0, 2**-0.5, (2, hidden)).astype(np.float32), requires_grad=True)
    b1 = ag.zeros(hidden, requires_grad=True)
    W2 = ag.tensor(gen.normal(0, hidden**-0.5, (hidden, 1)).astype(np.float32), requires_grad=True)
    b2 = ag.zeros(1, requires_grad=True)

    def logits(x):
        return ((x @ W1 + b1).tanh() @ W2 + b2).reshape(-1)

    opt = optim.Adam([W1, b1, W2, b2], lr=0.03)
    loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True)
    for _ in range(40):
        for xb, yb in loader:
            opt.zero_grad()
            bce_with_logits(logits(xb), yb).backward()
            opt.step()
    with ag.no_grad():
        accuracy = np.mean((logits(ag.tensor(X)).data > 0) == y)
    assert accuracy >= 0.95, f"accuracy {accuracy}"
