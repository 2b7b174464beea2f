"""RMSprop: steps scaled by a running RMS of the gradient (optionally centered, with momentum)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT


class RMSprop(Optimizer):
    """RMSprop as PyTorch documents it (α alpha, μ momentum, λ weight decay, γ lr)::

        g ← ∇f(θ) + λθ
        v ← α v + (1 − α) g²
        ṽ ← v − ḡ²  with  ḡ ← α ḡ + (1 − α) g    if centered, else ṽ ← v
        b ← μ b + g / (√ṽ + ε);  θ ← θ − γ b        if μ > 0
        θ ← θ − γ g / (√ṽ + ε)                       otherwise

    >>> w = ag.randn(3, requires_grad=True)               # shape (3,)
    >>> opt = RMSprop([w], lr=1e-2, centered=True, momentum=0.9)
    """

    _nonnegative = ("lr", "alpha", "eps", "weight_decay", "momentum")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        if not group["alpha"] <= 1.0:
            raise ValueError(f"RMSprop: invalid alpha {group['alpha']!r} (must be in [0, 1])")

    def _init_state(self, param: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        state: dict[str, Any] = {"step": 0, "square_avg": np.zeros_like(param)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = np.zeros_like(param)
        if group["centered"]:
            state["grad_avg"] = np.zeros_like(param)
        return state

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        alpha = group["alpha"]
        state["step"] += 1
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1.0 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state.setdefault("grad_avg", np.zeros_like(param))
            grad_avg += (1.0 - alpha) * (grad - grad_avg)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += group["eps"]
        if group["momentum"] > 0:
            buf = state.setdefault("momentum_buffer", np.zeros_like(param))
            buf *= group["momentum"]
            buf += grad / avg
            param -= group["lr"] * buf
        else:
            param -= group["lr"] * (grad / avg)
