"""A deep network with as many hidden layers as you like, built with ``nn``.

    python examples/deep_network.py [--hidden 32,32,32] [--activation relu|tanh|sigmoid]
                                    [--dataset circles|moons] [--steps 500] [--lr 0.01]
                                    [--out examples/out] [--quiet] [--smoke]

The two-layer network of ``two_layer_network.py`` generalised to C layers: for each
width n_c in ``--hidden`` one ``nn.Linear`` and one activation, then a single output
logit; ``nn.BCEWithLogitsLoss`` is the log-loss of σ(logit). Trained full-batch with Adam
on the same data. Writes ``deep_network.png`` (curves and decision regions) and
``deep_network_graph.svg`` (the graph of the model on a few points, with its gradients).
"""

from __future__ import annotations

import time
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
import nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


def make_model(n_in: int, hidden: Sequence[int], activation: str) -> nn.Sequential:
    """Linear(n_in, n_1), act, Linear(n_1, n_2), act, …, Linear(n_C, 1)."""
    layers: list[nn.Module] = []
    for n_out in hidden:
        layers += [nn.Linear(n_in, n_out), ACTIVATIONS[activation]()]
        n_in = n_out
    layers.append(nn.Linear(n_in, 1))
    return nn.Sequential(*layers)


def accuracy(logits: ag.Tensor, y: np.ndarray) -> float:
    """Fraction with (σ(logit) ≥ 0.5) == y."""
    return float(((logits.numpy().ravel() >= 0) == (y > 0.5)).mean())


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    p = parser(__doc__)
    p.add_argument("--hidden", default="32,32,32", help="widths of the hidden layers")
    p.add_argument("--activation", choices=sorted(ACTIVATIONS), default="relu")
    p.add_argument("--dataset", choices=["circles", "moons"], default="circles")
    p.add_argument("--steps", type=int, default=500)
    p.add_argument("--lr", type=float, default=0.01)
    args = setup(p, argv)
    hidden = [int(w) for w in args.hidden.split(",") if w.strip()]
    steps = 10 if args.smoke else args.steps

    X, y = make_2d_dataset(args.dataset, 1000, args.seed, noise=0.1)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=args.seed)
    Xtr, ytr, Xte = ag.tensor(X_tr), ag.tensor(y_tr[:, None]), ag.tensor(X_te)
    model = make_model(2, hidden, args.activation)
    loss_fn = nn.BCEWithLogitsLoss()
    opt = nn.optim.Adam(model.parameters(), lr=args.lr)
    print(f"{args.dataset}: {len(X_tr)} training and {len(X_te)} test points")
    print(f"{len(hidden) + 1} layers, {sum(p.numel() for p in model.parameters()):,} parameters:"
          f"\n{model}")

    start = time.perf_counter()
    history: dict[str, list[float]] = {"loss": [], "train": [], "test": []}
    for _ in progress(range(steps), args.quiet, "Adam"):
        opt.zero_grad()
        logits = model(Xtr)
        loss = loss_fn(logits, ytr)
        loss.backward()
        opt.step()
        history["loss"].append(loss.item())
        history["train"].append(accuracy(logits, y_tr))
        with ag.no_grad():
            history["test"].append(accuracy(model(Xte), y_te))
    seconds = time.perf_counter() - start
    with ag.no_grad():
        train_acc, test_acc = accuracy(model(Xtr), y_tr), accuracy(model(Xte), y_te)
    print(f"{steps} full-batch Adam steps in {seconds:.1f} s: loss {history['loss'][-1]:.4f}, "
          f"train accuracy {train_acc:.2%}, test accuracy {test_acc:.2%}")

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    plot_curves(axes[0], {"train": history["loss"]}, "step", "log-loss", logy=True)
    plot_curves(axes[1], {"train": history["train"], "test": history["test"]}, "step",
                "accuracy")

    def predict(points: np.ndarray) -> np.ndarray:
        with ag.no_grad():
            return model(ag.tensor(points)).sigmoid().numpy().ravel()

    plot_decision_regions(axes[2], predict, X_te, y_te,
                          f"hidden {hidden}, {args.activation}: test {test_acc:.1%}")
    save_figure(fig, args.out, "deep_network")

    loss = loss_fn(model(Xtr[:8]), ytr[:8])
    loss.backward(retain_graph=True)
    save_graph(ag.draw_graph(loss, show_grad=True, params=model), args.out, "deep_network_graph")
    return {"train_accuracy": train_acc, "test_accuracy": test_acc,
            "loss": history["loss"][-1], "layers": len(hidden) + 1}


if __name__ == "__main__":
    main()
