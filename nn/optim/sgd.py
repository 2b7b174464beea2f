"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT


class SGD(Optimizer):
    """SGD as PyTorch documents it (μ momentum, τ dampening, λ weight decay, γ lr)::

        g ← ∇f(θ) + λθ
        b ← g  on the first step, else  b ← μ b + (1 − τ) g      (when μ ≠ 0)
        g ← g + μ b  if nesterov  else  b
        θ ← θ − γ g

    >>> w = ag.randn(4, 3, requires_grad=True)           # shape (4, 3)
    >>> opt = SGD([w], lr=0.1, momentum=0.9, nesterov=True)
    >>> (w ** 2).sum().backward(); opt.step()             # w keeps shape (4, 3), in place
    """

    _nonnegative = ("lr", "momentum", "weight_decay")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                "SGD: Nesterov momentum requires momentum > 0 and zero dampening, got "
                f"momentum={group['momentum']}, dampening={group['dampening']}"
            )

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        momentum = group["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:  # an array even where grad is a numpy scalar (0-d parameter)
                buf = state["momentum_buffer"] = np.array(grad)
            else:
                buf *= momentum
                dampening = group["dampening"]
                # (1 − 0)·g is g bit for bit: spare the multiply and its temporary array
                buf += grad if dampening == 0 else (1.0 - dampening) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        param -= group["lr"] * grad
