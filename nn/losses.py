"""Loss modules: settings held by a Module, math in :mod:`nn.functional`.

>>> loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
>>> loss = loss_fn(logits, y)          # logits (N, C), y (N,) int64 -> scalar Tensor

``reduction`` is "mean" (default), "sum" or "none" everywhere. Class weights and
``pos_weight`` are buffers, so they appear in ``state_dict`` as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import autograd_lite as ag
from autograd_lite.validation import flag, integer, real

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
        # the buffer itself, not self.weight: Module.__getattr__ costs ~0.5 µs a lookup
        return F.cross_entropy(input, target, self._buffers["weight"],
                               ignore_index=self.ignore_index,
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
        return F.nll_loss(input, target, self._buffers["weight"], ignore_index=self.ignore_index,
                          reduction=self.reduction)


# ----------------------------------------------------------------------------------------
# Issue 16: more losses

__all__ += ["KLDivLoss", "SmoothL1Loss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
            "CosineEmbeddingLoss", "MarginRankingLoss", "TripletMarginLoss", "GaussianNLLLoss",
            "PoissonNLLLoss", "HingeEmbeddingLoss", "MultiMarginLoss"]


class KLDivLoss(_Loss):
    """KL divergence of log-probabilities from a target distribution (log-probabilities
    with ``log_target``); reduction may also be 'batchmean' (the true KL divergence)."""

    def __init__(self, *, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__("sum" if reduction == "batchmean" else reduction)  # checks the rest
        self.reduction = reduction
        self.log_target = flag(log_target, "KLDivLoss", "log_target")

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class SmoothL1Loss(_Loss):
    """Quadratic (divided by beta) for |x − y| < beta, linear beyond: same-shape input and
    target."""

    def __init__(self, *, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        real(beta, "SmoothL1Loss", "beta", low=0, finite=False)
        self.beta = beta

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class SoftMarginLoss(_Loss):
    """log(1 + e**(−y·x)) for labels ±1."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction)

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_Loss):
    """Per-class sigmoid cross-entropy against 0/1 targets (N, C), averaged over the
    classes; ``weight`` (C,) weighs classes."""

    def __init__(self, weight: Any = None, *, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self._buffer("weight", weight)

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.multilabel_soft_margin_loss(input, target, self.weight,
                                             reduction=self.reduction)


class _MarginLoss(_Loss):
    """A loss with PyTorch's ``margin`` setting."""

    def __init__(self, margin: float, reduction: str) -> None:
        super().__init__(reduction)
        real(margin, type(self).__name__, "margin")
        self.margin = margin


class CosineEmbeddingLoss(_MarginLoss):
    """1 − cos(x1, x2) for target 1, max(0, cos − margin) for target −1: (N, D), (N, D),
    (N,)."""

    def __init__(self, margin: float = 0.0, *, reduction: str = "mean") -> None:
        super().__init__(margin, reduction)

    def forward(self, input1: ag.Tensor, input2: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.cosine_embedding_loss(input1, input2, target, self.margin,
                                       reduction=self.reduction)


class MarginRankingLoss(_MarginLoss):
    """max(0, −y·(x1 − x2) + margin) for labels y = ±1."""

    def __init__(self, margin: float = 0.0, *, reduction: str = "mean") -> None:
        super().__init__(margin, reduction)

    def forward(self, input1: ag.Tensor, input2: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.margin_ranking_loss(input1, input2, target, self.margin,
                                     reduction=self.reduction)


class HingeEmbeddingLoss(_MarginLoss):
    """x for target 1, max(0, margin − x) for target −1."""

    def __init__(self, margin: float = 1.0, *, reduction: str = "mean") -> None:
        super().__init__(margin, reduction)

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)


class TripletMarginLoss(_MarginLoss):
    """max(d(a, p) − d(a, n) + margin, 0) with the p-norm pairwise distance d."""

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, *, reduction: str = "mean") -> None:
        super().__init__(margin, reduction)
        self.p = real(p, "TripletMarginLoss", "p", finite=False)
        self.eps = real(eps, "TripletMarginLoss", "eps", finite=False)
        self.swap = flag(swap, "TripletMarginLoss", "swap")

    def forward(self, anchor: ag.Tensor, positive: ag.Tensor,
                negative: ag.Tensor) -> ag.Tensor:
        return F.triplet_margin_loss(anchor, positive, negative, self.margin, self.p,
                                     self.eps, self.swap, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood of targets given means and variances:
    ``loss_fn(input, target, var)``."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.full = flag(full, "GaussianNLLLoss", "full")
        self.eps = real(eps, "GaussianNLLLoss", "eps", low=0)

    def forward(self, input: ag.Tensor, target: ag.Tensor, var: Any) -> ag.Tensor:
        return F.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood of counts given (log-)rates."""

    def __init__(self, log_input: bool = True, full: bool = False, *, eps: float = 1e-8,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.log_input = flag(log_input, "PoissonNLLLoss", "log_input")
        self.full = flag(full, "PoissonNLLLoss", "full")
        self.eps = real(eps, "PoissonNLLLoss", "eps", finite=False)

    def forward(self, log_input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.poisson_nll_loss(log_input, target, self.log_input, self.full, eps=self.eps,
                                  reduction=self.reduction)


class MultiMarginLoss(_Loss):
    """Multi-class hinge loss of scores (N, C) and int64 labels (N,); p 1 or 2, class
    ``weight`` (C,)."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Any = None, *,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        if integer(p, "MultiMarginLoss", "p") not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p == 1 and p == 2 supported, got p={p}")
        real(margin, "MultiMarginLoss", "margin")
        self.p, self.margin = p, margin
        self._class_weight(weight)

    def forward(self, input: ag.Tensor, target: ag.Tensor) -> ag.Tensor:
        return F.multi_margin_loss(input, target, self.p, self.margin, self.weight,
                                   reduction=self.reduction)
