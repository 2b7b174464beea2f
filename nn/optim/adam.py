"""Adam (with the AMSGrad variant) and AdamW (decoupled weight decay)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT


class Adam(Optimizer):
    """Adam as PyTorch documents it (β₁, β₂ betas, λ weight decay, γ lr, t the step)::

        θ ← θ (1 − γλ)  if decoupled_weight_decay  else  g ← ∇f(θ) + λθ
        m ← β₁ m + (1 − β₁) g
        v ← β₂ v + (1 − β₂) g²
        v ← max(v_max, v) kept as v_max      if amsgrad
        θ ← θ − γ/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)

    >>> w = ag.randn(8, 2, requires_grad=True)            # shape (8, 2)
    >>> opt = Adam([w], lr=1e-3, amsgrad=True)            # exp_avg, exp_avg_sq: (8, 2)
    """

    _nonnegative = ("lr", "eps", "weight_decay")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        name = type(self).__name__
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            if not isinstance(beta, (int, float, np.number)) or isinstance(beta, bool):
                raise TypeError(f"{name}: beta{i + 1} must be a number, got {beta!r}")
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"{name}: invalid beta{i + 1} {beta!r} (must be in [0, 1))")
        group["betas"] = tuple(betas)

    def _init_state(self, param: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        state = {"step": 0, "exp_avg": np.zeros_like(param), "exp_avg_sq": np.zeros_like(param)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(param)
        return state

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, (beta1, beta2), weight_decay = group["lr"], group["betas"], group["weight_decay"]
        state["step"] += 1
        step = state["step"]
        if group["decoupled_weight_decay"] and weight_decay != 0:  # else step() added λθ to grad
            param *= 1.0 - lr * weight_decay
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg += (1.0 - beta1) * (grad - exp_avg)
        exp_avg_sq *= beta2
        exp_avg_sq += (1.0 - beta2) * grad * grad
        if group["amsgrad"]:
            second = state.setdefault("max_exp_avg_sq", np.zeros_like(param))
            np.maximum(second, exp_avg_sq, out=second)
        else:
            second = exp_avg_sq
        step_size = lr / (1.0 - beta1**step)
        denom = np.sqrt(second) / (1.0 - beta2**step) ** 0.5 + group["eps"]
        param -= step_size * (exp_avg / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): ``θ ← θ(1 − γλ)`` before the
    Adam step, instead of adding ``λθ`` to the gradient. Default ``weight_decay=1e-2``.

    >>> w = ag.randn(8, 2, requires_grad=True)            # shape (8, 2)
    >>> opt = AdamW([w], lr=1e-3)                         # weight_decay=0.01
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )
