"""Vanishing and exploding gradients: what activations and initialization do to deep nets.

    python examples/vanishing_gradients.py [--depth 10] [--width 64] [--out examples/out]
                                           [--quiet] [--smoke]

1. Vanishing: the gradient norm of each layer's weights, at initialization, in a deep
   network on the circles. With sigmoids it shrinks layer after layer towards the input
   (σ' ≤ 1/4); ReLU and Leaky ReLU with He initialization keep it level; ReLU with a
   naive tiny N(0, 0.01²) init kills the signal altogether.
2. Saturated sigmoids: with N(0, 1) weights the pre-activations are large, and many units
   sit where σ'(z) ≈ 0 (output < 0.01 or > 0.99); Xavier initialization keeps them in range.
3. Dead ReLUs: after training with too large a learning rate, many ReLU units output 0 for
   every input, so their gradient is exactly 0 and they never recover; Leaky ReLU units in
   the same spot still get a gradient and the network still learns.
4. Exploding: with weights 1.5× He's scale the gradient norm is in the hundreds and one
   SGD step overshoots until the loss is NaN; ``nn.utils.clip_grad_norm_`` caps each step
   and the same network trains.

Writes ``vanishing_gradients.png`` and ``exploding_gradients.png``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from _common import make_2d_dataset, parser, progress, save_figure, setup

import autograd_lite as ag
import nn

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "sigmoid": nn.Sigmoid, "relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.01),
}
INITS: dict[str, Callable[[ag.Tensor], object]] = {
    "default": lambda w: w,                                  # PyTorch's U(±1/√fan_in)
    "N(0, 0.01²)": lambda w: nn.init.normal_(w, 0.0, 0.01),
    "N(0, 1)": lambda w: nn.init.normal_(w, 0.0, 1.0),
    "Xavier": nn.init.xavier_normal_,
    "He": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
    "1.5×He": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu").data.__imul__(1.5),
}


def make_model(activation: str, init: str, depth: int, width: int) -> nn.Sequential:
    """``depth`` hidden layers of ``width`` units, one output logit; biases zero."""
    layers: list[nn.Module] = []
    n_in = 2
    for _ in range(depth):
        layers += [nn.Linear(n_in, width), ACTIVATIONS[activation]()]
        n_in = width
    layers.append(nn.Linear(n_in, 1))
    model = nn.Sequential(*layers)
    for layer in linear_layers(model):
        INITS[init](layer.weight)
        nn.init.zeros_(layer.bias)
    return model


def linear_layers(model: nn.Sequential) -> list[nn.Linear]:
    return [m for m in model if isinstance(m, nn.Linear)]


def layer_grad_norms(model: nn.Sequential, X: ag.Tensor, y: ag.Tensor) -> np.ndarray:
    """‖∂L/∂W‖ of each Linear layer, input side first, after one backward."""
    model.zero_grad()
    nn.BCEWithLogitsLoss()(model(X), y).backward()
    return np.array([np.linalg.norm(m.weight.grad.numpy()) for m in linear_layers(model)])


def hidden_activations(model: nn.Sequential, X: ag.Tensor) -> list[np.ndarray]:
    """The output of each activation module, (N, width) arrays."""
    outs, h = [], X
    with ag.no_grad():
        for m in model:
            h = m(h)
            if not isinstance(m, nn.Linear):
                outs.append(h.numpy())
    return outs


def train_sgd(model: nn.Module, X: ag.Tensor, y: ag.Tensor, lr: float, steps: int,
              max_norm: float = math.inf, quiet: bool = True,
              desc: str = "SGD") -> tuple[list[float], list[float]]:
    """Full-batch SGD; returns the loss and the gradient norm (before clipping) of each step,
    stopping early if the loss stops being finite."""
    opt = nn.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    losses, norms = [], []
    with np.errstate(over="ignore", invalid="ignore"):  # the unclipped run overflows
        for _ in progress(range(steps), quiet, desc):
            opt.zero_grad()
            loss = loss_fn(model(X), y)
            loss.backward()
            norms.append(nn.utils.clip_grad_norm_(model.parameters(), max_norm).item())
            opt.step()
            losses.append(loss.item())
            if not math.isfinite(losses[-1]):
                break
    return losses, norms


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    p = parser(__doc__)
    p.add_argument("--depth", type=int, default=10, help="hidden layers")
    p.add_argument("--width", type=int, default=64)
    args = setup(p, argv)
    steps = 5 if args.smoke else 200
    X_np, y_np = make_2d_dataset("circles", 512, args.seed)
    X, y = ag.tensor(X_np), ag.tensor(y_np[:, None])
    D, W = args.depth, args.width
    metrics: dict[str, float] = {}
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.8))

    print(f"1. gradient norm of each layer's weights at init ({D} hidden layers of {W}):")
    for act, init in [("sigmoid", "default"), ("sigmoid", "Xavier"), ("relu", "N(0, 0.01²)"),
                      ("relu", "He"), ("leaky_relu", "He")]:
        ag.manual_seed(args.seed)
        norms = layer_grad_norms(make_model(act, init, D, W), X, y)
        ratio = norms[0] / norms[-1]
        metrics[f"{act} {init}: first/last layer gradient"] = float(ratio)
        print(f"   {act:10s} {init:12s} layer 1: {norms[0]:8.1e}   layer {D + 1}: "
              f"{norms[-1]:8.1e}   ratio {ratio:8.1e}")
        style = "s--" if act == "leaky_relu" else "o-"  # dashed: it lies on ReLU's line
        axes[0].semilogy(range(1, D + 2), norms, style, label=f"{act}, {init} init")
    axes[0].set(xlabel="layer (1 = next to the input)", ylabel="‖∂L/∂W‖ at initialization",
                title="vanishing gradients")
    axes[0].legend(fontsize=8)

    print("2. saturated sigmoid units (output < 0.01 or > 0.99, so σ' < 0.01):")
    for i, init in enumerate(["N(0, 1)", "Xavier"]):
        ag.manual_seed(args.seed)
        acts = hidden_activations(make_model("sigmoid", init, D, W), X)
        saturated = [float(((a < 0.01) | (a > 0.99)).mean()) for a in acts]
        metrics[f"saturated sigmoids, {init} init"] = float(np.mean(saturated))
        print(f"   {init:8s} init: {np.mean(saturated):6.1%} of the units (per layer "
              f"{np.round(saturated, 2).tolist()})")
        axes[1].bar(np.arange(1, D + 1) + (i - 0.5) * 0.4, saturated, width=0.4,
                    label=f"{init} init")
    axes[1].set(xlabel="hidden layer", ylabel="fraction of saturated units",
                title="saturated sigmoids", ylim=(0, 1))
    axes[1].legend()

    print("3. dead units after full-batch SGD with a too-large learning rate (lr 1.0):")
    for i, act in enumerate(["relu", "leaky_relu"]):
        ag.manual_seed(args.seed)
        model = make_model(act, "He", 6, W)
        losses, _ = train_sgd(model, X, y, lr=1.0, steps=steps // 2, quiet=args.quiet, desc=act)
        dead = [float((a.max(axis=0) <= 0).mean()) for a in hidden_activations(model, X)]
        layer_grad_norms(model, X, y)
        no_grad = np.mean([np.all(m.weight.grad.numpy() == 0, axis=1).mean()
                           for m in linear_layers(model)[:-1]])
        metrics[f"{act}: negative-for-every-input units"] = float(np.mean(dead))
        metrics[f"{act}: loss after lr 1.0"] = losses[-1]
        print(f"   {act:10s}: {np.mean(dead):5.1%} of units negative for every input, "
              f"{no_grad:5.1%} with an all-zero gradient; loss {losses[-1]:.4f}")
        axes[2].bar(np.arange(1, 7) + (i - 0.5) * 0.4, dead, width=0.4,
                    label=f"{act} ({no_grad:.0%} zero gradient, loss {losses[-1]:.3f})")
    axes[2].set(xlabel="hidden layer", ylabel="fraction of units < 0 for every input",
                title="dead ReLUs after SGD with lr = 1.0", ylim=(0, 1))
    axes[2].legend(fontsize=8)
    save_figure(fig, args.out, "vanishing_gradients")

    print("4. exploding gradients: ReLU net with 1.5×He init, SGD lr 0.05:")
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for label, max_norm in [("no clipping", math.inf), ("clip_grad_norm_(max_norm=5)", 5.0)]:
        ag.manual_seed(args.seed)
        model = make_model("relu", "1.5×He", D, W)
        losses, norms = train_sgd(model, X, y, 0.05, steps, max_norm, args.quiet, label)
        finite = math.isfinite(losses[-1])
        outcome = f"final loss {losses[-1]:.4f}" if finite else f"NaN at step {len(losses)}"
        metrics[f"exploding, {label}: final loss"] = losses[-1]
        print(f"   {label:28s} {len(losses):4d} steps, largest gradient norm "
              f"{max(norms):.3g}, {outcome}")
        axes[0].semilogy(losses, label=f"{label}: {outcome}")
        axes[1].semilogy(norms, label=label)
    axes[0].set(xlabel="step", ylabel="training loss", title="loss")
    axes[1].set(xlabel="step", ylabel="‖gradient‖ before clipping", title="gradient norm")
    for ax in axes:
        ax.legend()
        ax.grid(alpha=0.3)
    save_figure(fig, args.out, "exploding_gradients")
    return metrics


if __name__ == "__main__":
    main()
