"""Gradient clipping, the cure for exploding gradients, and the gradient-health monitor
(``nn.utils``).

>>> loss.backward()
>>> total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)   # 0-d Tensor
>>> opt.step()
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

import autograd_lite as ag
from autograd_lite.validation import real

from .monitor import GradientMonitor, Thresholds

__all__ = ["clip_grad_norm_", "clip_grad_value_", "GradientMonitor", "Thresholds"]


def _grads(parameters: Any, op: str) -> list[np.ndarray]:
    """The gradient arrays of ``parameters`` (one Tensor or an iterable), skipping None."""
    if not isinstance(parameters, (ag.Tensor, Iterable)):
        raise TypeError(f"{op}: parameters must be a Tensor or an iterable of Tensors, got "
                        f"{type(parameters).__name__}")
    params = [parameters] if isinstance(parameters, ag.Tensor) else list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, ag.Tensor):
            raise TypeError(f"{op}: parameter {i} is a {type(p).__name__}, expected a Tensor")
    return [p.grad.data for p in params if p.grad is not None]


def clip_grad_norm_(
    parameters: ag.Tensor | Iterable[ag.Tensor],
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
) -> ag.Tensor:
    """Rescale the gradients in place so that their joint ``norm_type``-norm is at most
    ``max_norm``; return the joint norm *before* clipping, as a 0-d Tensor.

    The joint norm is the norm of the vector of every gradient entry. When it exceeds
    ``max_norm`` every gradient is multiplied by ``max_norm / (total + 1e-6)`` (as PyTorch).
    ``norm_type`` may be ``inf`` (``float("inf")`` or ``"inf"``) for the largest entry.

    >>> w.grad                                            # shape (2,), values [3., 4.]
    >>> nn.utils.clip_grad_norm_([w], max_norm=1.0)       # tensor(5.); w.grad ≈ [0.6, 0.8]
    """
    op = "clip_grad_norm_"
    max_norm = real(max_norm, op, "max_norm", low=0, finite=False)
    if isinstance(norm_type, str) and norm_type in ("inf", "-inf"):
        norm_type = float(norm_type)
    norm_type = real(norm_type, op, "norm_type (a number, inf or 'inf')", finite=False)
    grads = _grads(parameters, op)
    if not grads:
        return ag.tensor(0.0)
    norms = np.array([_vector_norm(g, norm_type) for g in grads], dtype=np.float64)
    total = _vector_norm(norms, norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"{op}: the total norm of order {norm_type} of the gradients is {total}, so they "
            "cannot be clipped; pass error_if_nonfinite=False to scale them anyway"
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for g in grads:
            g *= coef
    return ag.tensor(np.asarray(total, dtype=np.result_type(*grads)))


def _vector_norm(x: np.ndarray, ord: float) -> float:
    """The ``ord``-norm of all entries of ``x`` (torch.linalg.vector_norm's definition)."""
    x = np.abs(np.asarray(x, dtype=np.float64)).ravel()
    if x.size == 0:
        return 0.0
    if ord == math.inf:
        return float(x.max())
    if ord == -math.inf:
        return float(x.min())
    if ord == 0:
        return float(np.count_nonzero(x))
    return float(np.sum(x**ord) ** (1.0 / ord))


def clip_grad_value_(parameters: ag.Tensor | Iterable[ag.Tensor], clip_value: float) -> None:
    """Clamp every gradient entry into ``[-clip_value, clip_value]``, in place.

    >>> w.grad                                            # shape (3,), values [-5., 0.5, 2.]
    >>> nn.utils.clip_grad_value_([w], 1.0)               # w.grad -> [-1., 0.5, 1.]
    """
    op = "clip_grad_value_"
    clip_value = real(clip_value, op, "clip_value", low=0, finite=False)
    for g in _grads(parameters, op):
        np.clip(g, -clip_value, clip_value, out=g)
