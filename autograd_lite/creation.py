"""Factories: ``tensor``, ``zeros``, ``ones``, ``full``, ``arange``, ``eye``, ``rand``, …"""

from __future__ import annotations

from typing import Any

import numpy as np

from .random import default_generator
from .tensor import Tensor, _as_array, get_default_dtype


def _sizes(shape: tuple, op: str) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"{op}: sizes must be non-negative integers, got {shape!r}")
    return tuple(int(s) for s in shape)


def _make(arr: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(arr)
    return t.requires_grad_(True) if requires_grad else t


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor owning a copy of ``data``: ag.tensor([[1.0, 2.0]]) -> shape (1, 2),
    float32. Python floats become the default dtype, ints int64, bools bool."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (its dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy ndarray, got {type(array).__name__}")
    return Tensor._wrap(_as_array(array, op="from_numpy"))


def _float_dtype(dtype: Any) -> np.dtype:
    return get_default_dtype() if dtype is None else np.dtype(dtype)


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``shape``: ag.zeros(2, 3) or ag.zeros((2, 3))."""
    return _make(np.zeros(_sizes(shape, "zeros"), _float_dtype(dtype)), requires_grad)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``shape``."""
    return _make(np.ones(_sizes(shape, "ones"), _float_dtype(dtype)), requires_grad)


def full(shape: Any, fill_value: float, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere; its dtype follows the value (float -> default dtype)."""
    value = _as_array(fill_value, dtype, op="full")
    return _make(np.full(_sizes((shape,), "full"), value, dtype=value.dtype), requires_grad)


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.zeros_like(np.asarray(t), dtype=dtype), requires_grad)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.ones_like(np.asarray(t), dtype=dtype), requires_grad)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, stop): ints give int64, floats the default dtype."""
    if step == 0:
        raise ValueError("arange: step must not be zero")
    if stop is None:
        start, stop = 0, start
    is_int = all(isinstance(v, (int, np.integer)) for v in (start, stop, step))
    dt = np.dtype(dtype) if dtype is not None else (np.int64 if is_int else get_default_dtype())
    return _make(np.arange(start, stop, step).astype(dt), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Identity matrix (n, m)."""
    sizes = _sizes((n,) if m is None else (n, m), "eye")
    return _make(np.eye(*sizes, dtype=_float_dtype(dtype)), requires_grad)


def rand(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) draws from the library's generator (see ``manual_seed``)."""
    arr = default_generator().random(_sizes(shape, "rand"))
    return _make(arr.astype(_float_dtype(dtype)), requires_grad)


def randn(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal draws from the library's generator."""
    arr = default_generator().standard_normal(_sizes(shape, "randn"))
    return _make(arr.astype(_float_dtype(dtype)), requires_grad)
