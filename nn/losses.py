"""Loss modules: settings held by a Module, math in :mod:`nn.functional`.

>>> loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
>>> loss = loss_fn(logits, y)          # logits (N, C), y (N,) int64 -> scalar Tensor

``reduction`` is "mean" (default), "sum" or "none" everywhere. Class weights and
``pos_weight`` are buffers, so they appear in ``state_dict`` as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import autograd_lite as ag
from autograd_lite.validation import integer, real

from . import functional as F
from .modules import Module

__all__ = ["MSELoss", "L1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss",
           "CrossEntropyLoss", "NLLLoss"]


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        F._check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def _buffer(self, name: str, value: Any) -> None:
        """Register an optional weight buffer (numpy arrays are accepted)."""
        t = None if value is None else F._float_tensor(value, type(self).__name__, name)
        self.register_buffer(name, t)

    def _class_weight(self, weight: Any) -> None:
        """The optional per-class ``weight`` buffer, shape (C,)."""
        self._buffer("weight", weight)
        if self.weight is not None and self.weight.ndim != 1:
            raise ValueError(f"{type(self).__name__}: weight must be 1-D, one entry per class, "
                             f"got shape {self.weight.shape}")


class MSELoss(_Loss):
    """Mean squared error: input and target of the same shape -> scalar (or per element
    with reduction='none')."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction)

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: input and target of the same shape -> scalar."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction)

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """Quadratic for |x − y| < delta, linear beyond: same-shape input and target."""

    def __init__(self, *, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        real(delta, "HuberLoss", "delta", low=0, low_open=True, finite=False)
        self.delta = delta

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities in [0, 1] (logs clamped to >= −100):
    input (N, *) and target (N, *) -> scalar."""

    def __init__(self, weight: Any = None, *, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self._buffer("weight", weight)

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy, stable for any logit; ``pos_weight`` (e.g. (C,))
    weighs positive examples."""

    def __init__(self, weight: Any = None, *, reduction: str = "mean",
                 pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self._buffer("weight", weight)
        self._buffer("pos_weight", pos_weight)

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy from logits (N, C) with int64 labels (N,) or probability
    targets (N, C); class ``weight`` (C,), ``ignore_index``, ``label_smoothing``."""

    def __init__(self, weight: Any = None, *, ignore_index: int = -100,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        real(label_smoothing, "CrossEntropyLoss", "label_smoothing", low=0, high=1)
        integer(ignore_index, "CrossEntropyLoss", "ignore_index")
        self._class_weight(weight)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (N, C) with int64 labels (N,)."""

    def __init__(self, weight: Any = None, *, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        integer(ignore_index, "NLLLoss", "ignore_index")
        self._class_weight(weight)
        self.ignore_index = ignore_index

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)
