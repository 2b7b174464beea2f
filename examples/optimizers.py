"""Seven optimizers on one problem, and batch vs mini-batch vs stochastic gradient descent.

    python examples/optimizers.py [--epochs 40] [--out examples/out] [--quiet] [--smoke]

1. The same MLP (same initial weights, same mini-batch order) trained on the two moons by
   SGD, Momentum, Nesterov (NAG), Adagrad, Adadelta, RMSprop and Adam: training loss per
   epoch on one plot; and each optimizer's path on an elongated 2-D valley, where
   momentum and per-parameter step sizes show what they are for.
2. Plain SGD with ``DataLoader(batch_size=len(data))`` (batch GD, one step per epoch),
   ``batch_size=32`` (mini-batch) and ``batch_size=1`` (stochastic): loss per epoch and
   per update.

Writes ``optimizers.png`` and ``gradient_descent_variants.png``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from _common import make_2d_dataset, parser, plot_curves, progress, save_figure, setup

import autograd_lite as ag
import nn

# name -> (optimizer class, keyword arguments, learning rate on the MLP, on the valley)
OPTIMIZERS: dict[str, tuple[type, dict[str, Any], float, float]] = {
    "SGD": (nn.optim.SGD, {}, 0.1, 0.1),
    "Momentum": (nn.optim.SGD, {"momentum": 0.9}, 0.05, 0.1),
    "NAG": (nn.optim.SGD, {"momentum": 0.9, "nesterov": True}, 0.05, 0.1),
    "Adagrad": (nn.optim.Adagrad, {}, 0.05, 0.5),
    "Adadelta": (nn.optim.Adadelta, {}, 1.0, 1.0),
    "RMSprop": (nn.optim.RMSprop, {}, 0.003, 0.05),
    "Adam": (nn.optim.Adam, {}, 0.003, 0.1),
}


def make_model() -> nn.Module:
    """2 -> 32 -> 32 -> 1 logit, tanh hidden units."""
    return nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(),
                         nn.Linear(32, 1))


def train(
    make_opt: Callable[[Any], nn.optim.Optimizer], X: ag.Tensor, y: ag.Tensor, epochs: int,
    batch_size: int, seed: int, quiet: bool, desc: str,
) -> tuple[list[float], list[float]]:
    """Train a freshly seeded model; return the full-data loss before and after each epoch,
    and the mini-batch loss of every update."""
    ag.manual_seed(seed)  # same initial weights and same batch order for every run
    model = make_model()
    opt = make_opt(model.parameters())
    loss_fn = nn.BCEWithLogitsLoss()
    loader = nn.data.DataLoader(nn.data.TensorDataset(X, y), batch_size=batch_size, shuffle=True)

    def full_loss() -> float:
        with ag.no_grad():
            return loss_fn(model(X), y).item()

    per_epoch, per_update = [full_loss()], []
    for _ in progress(range(epochs), quiet, desc):
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            per_update.append(loss.item())
        per_epoch.append(full_loss())
    return per_epoch, per_update


def valley_paths(steps: int) -> dict[str, np.ndarray]:
    """Each optimizer's path minimizing f(u, v) = u²/20 + v² (an elongated valley)
    from (−4, 1.5): arrays of shape (steps + 1, 2)."""
    paths = {}
    for name, (cls, kw, _, lr) in OPTIMIZERS.items():
        w = ag.tensor([-4.0, 1.5], requires_grad=True)
        opt = cls([w], lr=lr, **kw)
        path = [w.numpy().copy()]
        for _ in range(steps):
            opt.zero_grad()
            (w[0] ** 2 / 20 + w[1] ** 2).backward()
            opt.step()
            path.append(w.numpy().copy())
        paths[name] = np.array(path)
    return paths


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    p = parser(__doc__)
    p.add_argument("--epochs", type=int, default=40)
    args = setup(p, argv)
    epochs = 2 if args.smoke else args.epochs

    X_np, y_np = make_2d_dataset("moons", 400, args.seed, noise=0.2)
    X, y = ag.tensor(X_np), ag.tensor(y_np[:, None])
    print(f"moons: {len(X_np)} points; MLP 2-32-32-1 (tanh); {epochs} epochs of mini-batches "
          "of 32; same initial weights and batch order for every optimizer")

    final: dict[str, float] = {}
    curves: dict[str, list[float]] = {}
    for name, (cls, kw, lr, _) in OPTIMIZERS.items():
        make = lambda ps, cls=cls, kw=kw, lr=lr: cls(ps, lr=lr, **kw)
        per_epoch, _ = train(make, X, y, epochs, 32, args.seed, args.quiet, name)
        curves[f"{name} (lr {lr})"] = per_epoch
        final[name] = per_epoch[-1]
        print(f"  {name:9s} lr {lr:<6} {str(kw):40s} final loss {per_epoch[-1]:.4f}")

    fig, axes = plt.subplots(1, 2, figsize=(14, 5))
    plot_curves(axes[0], curves, "epoch", "training loss (BCE)", logy=True)
    axes[0].set_title("the same MLP on the moons, seven optimizers")
    paths = valley_paths(8 if args.smoke else 100)
    u, v = np.meshgrid(np.linspace(-4.5, 1.5, 200), np.linspace(-2, 2, 200))
    axes[1].contour(u, v, u**2 / 20 + v**2, levels=20, cmap="Greys", linewidths=0.6)
    for name, path in paths.items():
        axes[1].plot(path[:, 0], path[:, 1], ".-", ms=3, lw=1, label=name)
    axes[1].plot(0, 0, "k*", ms=12)
    axes[1].set(title="paths on f(u, v) = u²/20 + v² from (−4, 1.5)", xlabel="u", ylabel="v")
    axes[1].legend(fontsize=8)
    save_figure(fig, args.out, "optimizers")

    print("plain SGD (lr 0.1) with three batch sizes:")
    sgd = lambda ps: nn.optim.SGD(ps, lr=0.1)
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    for label, batch_size in [("batch GD", len(X_np)), ("mini-batch (32)", 32),
                              ("stochastic (1)", 1)]:
        start = time.perf_counter()
        per_epoch, per_update = train(sgd, X, y, epochs, batch_size, args.seed, args.quiet,
                                      label)
        seconds = time.perf_counter() - start
        final[label] = per_epoch[-1]
        print(f"  {label:16s} {len(per_update):6d} updates in {seconds:5.2f} s, "
              f"final loss {per_epoch[-1]:.4f}")
        updates = np.arange(len(per_epoch)) * (len(per_update) // epochs)
        axes[0].plot(per_epoch, label=f"{label}: {len(per_update)} updates")
        axes[1].plot(np.maximum(updates, 1), per_epoch, ".-", label=label)
    axes[0].set(xlabel="epoch", ylabel="training loss (full data)", yscale="log",
                title="per epoch: smaller batches make more progress")
    axes[1].set(xlabel="updates (log scale)", ylabel="training loss (full data)", xscale="log",
                yscale="log", title="per update: larger batches take better steps")
    for ax in axes:
        ax.legend()
        ax.grid(alpha=0.3)
    save_figure(fig, args.out, "gradient_descent_variants")
    return final


if __name__ == "__main__":
    main()
