"""Weight initializers (``nn.init``), PyTorch's formulas and names.

Each ``*_`` function fills a Tensor in place (without recording a graph) from the
library's generator (or ``generator=`` for ``uniform_``/``normal_``), so
``ag.manual_seed`` makes it reproducible, and returns it.

>>> w = nn.Parameter(np.empty((256, 128)))          # (fan_out, fan_in)
>>> nn.init.kaiming_normal_(w, nonlinearity="relu")  # std = sqrt(2 / 128)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_lite as ag
from autograd_lite.validation import real

__all__ = [
    "calculate_gain",
    "uniform_",
    "normal_",
    "constant_",
    "zeros_",
    "ones_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "lecun_normal_",
]

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table): 1 for linear/conv/sigmoid,
    5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope**2)) for leaky_relu (slope
    ``param``, default 0.01), 3/4 for selu."""
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _target(tensor: Any, op: str, floating: bool = True) -> ag.Tensor:
    """The Tensor an initializer fills (random fills need a floating one)."""
    if not isinstance(tensor, ag.Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(tensor).__name__}")
    if floating and tensor.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point Tensor, got dtype {tensor.dtype}")
    return tensor


def _fans(tensor: ag.Tensor, op: str) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight laid out as PyTorch's: (out, in, *kernel)."""
    _target(tensor, op)
    if tensor.ndim < 2:
        raise ValueError(f"{op}: fan in and fan out can not be computed for a tensor with "
                         f"fewer than 2 dimensions (shape {tensor.shape})")
    receptive = int(np.prod(tensor.shape[2:]))
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fill(tensor: ag.Tensor, values: Any, op: str) -> ag.Tensor:
    """Write ``values`` into ``tensor`` in place, outside the graph."""
    if not isinstance(tensor, ag.Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(tensor).__name__}")
    with ag.no_grad():
        tensor[...] = values
    return tensor


def uniform_(tensor: ag.Tensor, a: float = 0.0, b: float = 1.0,
             generator: ag.Generator | None = None) -> ag.Tensor:
    """Fill with U(a, b) (drawn from ``generator``, the library's by default)."""
    _target(tensor, "uniform_")
    with ag.no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: ag.Tensor, mean: float = 0.0, std: float = 1.0,
            generator: ag.Generator | None = None) -> ag.Tensor:
    """Fill with N(mean, std²) (drawn from ``generator``, the library's by default)."""
    _target(tensor, "normal_")
    with ag.no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor: ag.Tensor, val: float) -> ag.Tensor:
    """Fill with ``val``."""
    _target(tensor, "constant_", floating=False)
    if not isinstance(val, (bool, np.bool_)):
        real(val, "constant_", "val", finite=False)
    return _fill(tensor, val, "constant_")


def zeros_(tensor: ag.Tensor) -> ag.Tensor:
    return _fill(_target(tensor, "zeros_", floating=False), 0, "zeros_")


def ones_(tensor: ag.Tensor) -> ag.Tensor:
    return _fill(_target(tensor, "ones_", floating=False), 1, "ones_")


def xavier_uniform_(tensor: ag.Tensor, gain: float = 1.0) -> ag.Tensor:
    """Glorot uniform: U(−a, a) with a = gain·sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor, "xavier_uniform_")
    gain = real(gain, "xavier_uniform_", "gain", low=0)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: ag.Tensor, gain: float = 1.0) -> ag.Tensor:
    """Glorot normal: N(0, std²) with std = gain·sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor, "xavier_normal_")
    gain = real(gain, "xavier_normal_", "gain", low=0)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def _kaiming_std(tensor: ag.Tensor, a: float, mode: str, nonlinearity: str, op: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{op}: mode {mode!r} is not supported, use 'fan_in' or 'fan_out'")
    real(a, op, "a (the negative slope)")
    fan_in, fan_out = _fans(tensor, op)
    fan = fan_in if mode == "fan_in" else fan_out
    try:
        gain = calculate_gain(nonlinearity, a)
    except ValueError as e:
        raise ValueError(f"{op}: {e}") from None
    return gain / math.sqrt(fan) if fan else 0.0  # a zero-element tensor: nothing to fill


def kaiming_uniform_(tensor: ag.Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> ag.Tensor:
    """He uniform: U(−b, b) with b = gain·sqrt(3 / fan), gain from
    :func:`calculate_gain` (``a`` is leaky_relu's negative slope). PyTorch's Linear default
    is ``a=sqrt(5)``, i.e. b = 1/sqrt(fan_in)."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_uniform_")
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: ag.Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> ag.Tensor:
    """He normal: N(0, std²) with std = gain / sqrt(fan)."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_"))


def lecun_normal_(tensor: ag.Tensor) -> ag.Tensor:
    """LeCun normal: N(0, 1 / fan_in) (untruncated), the init for SELU/tanh networks."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, 0.0, "fan_in", "linear", "lecun_normal_"))
