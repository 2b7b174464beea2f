"""Activation functions as modules (``nn.ReLU()`` etc.): any shape -> the same shape.
Each is a thin wrapper over the function of the same name in :mod:`nn.functional`.

>>> nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.LogSoftmax(dim=1))
"""

from __future__ import annotations

import autograd_lite as ag
from autograd_lite.validation import flag, integer, real

from . import functional as F
from .modules import Module

__all__ = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "ELU", "Softplus", "Softmax",
           "LogSoftmax"]


class ReLU(Module):
    """max(x, 0)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = flag(inplace, "ReLU", "inplace")

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.relu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x for x > 0, negative_slope·x otherwise."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        real(negative_slope, "LeakyReLU", "negative_slope")
        self.negative_slope = negative_slope
        self.inplace = flag(inplace, "LeakyReLU", "inplace")

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + \
            (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """1 / (1 + e**−x)."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.tanh(input)


class GELU(Module):
    """x·Φ(x); ``approximate='tanh'`` for the tanh approximation."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class ELU(Module):
    """x for x > 0, alpha·(e**x − 1) otherwise."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        real(alpha, "ELU", "alpha")
        self.alpha, self.inplace = alpha, flag(inplace, "ELU", "inplace")

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Softplus(Module):
    """log(1 + e**(beta·x)) / beta, linear above threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        real(beta, "Softplus", "beta", low=0, low_open=True)
        real(threshold, "Softplus", "threshold", finite=False)
        self.beta, self.threshold = beta, threshold

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """Softmax along ``dim`` (give it: the implicit choice is deprecated, as PyTorch)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = None if dim is None else integer(dim, type(self).__name__, "dim")

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along ``dim``, computed stably."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.log_softmax(input, self.dim)
