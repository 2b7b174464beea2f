"""Activation functions as modules (``nn.ReLU()`` etc.): any shape -> the same shape.
Each is a thin wrapper over the function of the same name in :mod:`nn.functional`.

>>> nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.LogSoftmax(dim=1))
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_lite as ag
from autograd_lite.validation import dtype_arg, flag, integer, real

from . import functional as F
from .modules import Module, Parameter

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


# ----------------------------------------------------------------------------------------
# Issue 16: more activations and the distance modules (math in nn.functional)

__all__ += ["SiLU", "SELU", "CELU", "Hardtanh", "ReLU6", "Hardswish", "Hardsigmoid", "Mish",
            "Softsign", "LogSigmoid", "GLU", "Tanhshrink", "Softshrink", "Hardshrink",
            "Threshold", "PReLU", "RReLU", "Softmin", "CosineSimilarity", "PairwiseDistance"]


class _InPlaceActivation(Module):
    """An activation whose one setting is PyTorch's ``inplace``: ``_fn(input, inplace)``."""

    _fn: Any

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = flag(inplace, type(self).__name__, "inplace")

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return self._fn(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class SiLU(_InPlaceActivation):
    """x·sigmoid(x)."""

    _fn = staticmethod(F.silu)


class SELU(_InPlaceActivation):
    """scale·elu(x, alpha) with the self-normalizing constants."""

    _fn = staticmethod(F.selu)


class ReLU6(_InPlaceActivation):
    """min(max(x, 0), 6)."""

    _fn = staticmethod(F.relu6)


class Hardswish(_InPlaceActivation):
    """x·hardsigmoid(x)."""

    _fn = staticmethod(F.hardswish)


class Hardsigmoid(_InPlaceActivation):
    """min(max(x + 3, 0), 6) / 6."""

    _fn = staticmethod(F.hardsigmoid)


class Mish(_InPlaceActivation):
    """x·tanh(softplus(x))."""

    _fn = staticmethod(F.mish)


class Softsign(Module):
    """x / (1 + |x|)."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.softsign(input)


class LogSigmoid(Module):
    """log(sigmoid(x)), stable for any x."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.logsigmoid(input)


class Tanhshrink(Module):
    """x − tanh(x)."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.tanhshrink(input)


class CELU(Module):
    """x for x > 0, alpha·(e**(x/alpha) − 1) otherwise."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        real(alpha, "CELU", "alpha")
        if alpha == 0:
            raise ValueError("CELU: alpha cannot be 0")
        self.alpha, self.inplace = alpha, flag(inplace, "CELU", "inplace")

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Hardtanh(Module):
    """x clamped to [min_val, max_val]."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0,
                 inplace: bool = False) -> None:
        super().__init__()
        low = real(min_val, "Hardtanh", "min_val", finite=False)
        if low > real(max_val, "Hardtanh", "max_val", finite=False):
            raise ValueError(f"Hardtanh: min_val cannot be greater than max_val, got "
                             f"min_val={min_val} and max_val={max_val}")
        self.min_val, self.max_val = min_val, max_val
        self.inplace = flag(inplace, "Hardtanh", "inplace")

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + \
            (", inplace=True" if self.inplace else "")


class GLU(Module):
    """a·sigmoid(b) for the halves a, b of ``dim``: (N, 2k) -> (N, k)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = integer(dim, "GLU", "dim")

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softshrink(Module):
    """x ∓ lambd outside [−lambd, lambd], 0 inside."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd
        real(lambd, type(self).__name__, "lambd", low=0 if type(self) is Softshrink else None,
             finite=False)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Softshrink):
    """x where |x| > lambd, else 0."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.hardshrink(input, self.lambd)


class Threshold(Module):
    """x where x > threshold, else ``value``."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        real(threshold, "Threshold", "threshold", finite=False)
        real(value, "Threshold", "value", finite=False)
        self.threshold, self.value = threshold, value
        self.inplace = flag(inplace, "Threshold", "inplace")

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + \
            (", inplace=True" if self.inplace else "")


class PReLU(Module):
    """x for x > 0, weight·x otherwise, with a learned weight: one slope, or one per
    channel (dim 1) with ``num_parameters=C``; every slope starts at ``init``."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters = integer(num_parameters, "PReLU", "num_parameters", low=1)
        self.init = real(init, "PReLU", "init")
        dtype = ag.get_default_dtype() if dtype is None else dtype_arg(dtype, "PReLU", "f")
        self.weight = Parameter(np.full(self.num_parameters, self.init, dtype))

    def reset_parameters(self) -> None:
        with ag.no_grad():
            self.weight.fill_(self.init)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomized leaky ReLU: random slopes in [lower, upper) for x <= 0 in training, their
    mean in eval mode."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        super().__init__()
        if real(lower, "RReLU", "lower") > real(upper, "RReLU", "upper"):
            raise ValueError(f"RReLU: lower bound should be less than or equal to the upper "
                             f"bound, got lower={lower} and upper={upper}")
        self.lower, self.upper = lower, upper
        self.inplace = flag(inplace, "RReLU", "inplace")

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + \
            (", inplace=True" if self.inplace else "")


class Softmin(Softmax):
    """softmax(−x) along ``dim``."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.softmin(input, self.dim)


class CosineSimilarity(Module):
    """Cosine similarity of x1 and x2 along ``dim``: (N, D) and (N, D) -> (N,)."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = integer(dim, "CosineSimilarity", "dim")
        self.eps = real(eps, "CosineSimilarity", "eps", low=0)

    def forward(self, x1: ag.Tensor, x2: ag.Tensor) -> ag.Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """‖x1 − x2 + eps‖_p over the last dim: (N, D) and (N, D) -> (N,)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = real(p, "PairwiseDistance", "p", finite=False)
        self.eps = real(eps, "PairwiseDistance", "eps", finite=False)
        self.keepdim = flag(keepdim, "PairwiseDistance", "keepdim")

    def forward(self, x1: ag.Tensor, x2: ag.Tensor) -> ag.Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
