"""Factories: ``tensor``, ``zeros``, ``ones``, ``full``, ``arange``, ``eye``, ``rand``, …"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .random import default_generator
from .tensor import Tensor, _as_array, get_default_dtype
from .validation import dtype_arg, flag, integer


def _sizes(shape: tuple, op: str) -> tuple:
    """``f(2, 3)`` and ``f((2, 3))`` both mean the shape (2, 3); sizes are ints >= 0."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"{op}: sizes must be integers, got {shape!r}")
        if s < 0:
            raise ValueError(f"{op}: sizes must be non-negative, got {shape!r}")
    return tuple(int(s) for s in shape)


def _make(arr: np.ndarray, requires_grad: bool, op: str) -> Tensor:
    t = Tensor._wrap(arr)
    if not flag(requires_grad, op, "requires_grad"):
        return t
    if arr.dtype.kind != "f":
        raise TypeError(f"{op}: only floating point tensors can require gradients, got "
                        f"dtype {arr.dtype}")
    return t.requires_grad_(True)


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor owning a copy of ``data``: ag.tensor([[1.0, 2.0]]) -> shape (1, 2),
    float32. Python floats become the default dtype, ints int64, bools bool."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (its dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy ndarray, got {type(array).__name__}")
    return Tensor._wrap(_as_array(array, op="from_numpy"))


def _float_dtype(dtype: Any, op: str, kinds: str = "biuf") -> np.dtype:
    """``dtype`` (the default dtype when None), validated."""
    return get_default_dtype() if dtype is None else dtype_arg(dtype, op, kinds)


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``shape``: ag.zeros(2, 3) or ag.zeros((2, 3))."""
    return _make(np.zeros(_sizes(shape, "zeros"), _float_dtype(dtype, "zeros")), requires_grad,
                 "zeros")


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``shape``."""
    return _make(np.ones(_sizes(shape, "ones"), _float_dtype(dtype, "ones")), requires_grad,
                 "ones")


def full(shape: Any, fill_value: float, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere; its dtype follows the value (float -> default dtype)."""
    return _full(shape, fill_value, dtype, requires_grad, "full")


def _full(shape: Any, fill_value: Any, dtype: Any, requires_grad: bool, op: str) -> Tensor:
    value = _as_array(fill_value, dtype, op=op)
    if value.ndim:
        raise ValueError(f"{op}: fill_value must be a single number, got shape {value.shape}")
    sizes = _sizes(shape if isinstance(shape, (tuple, list)) else (shape,), op)
    return _make(np.full(sizes, value, dtype=value.dtype), requires_grad, op)


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and, unless given, the dtype) of ``t``."""
    like = _as_array(t, op="zeros_like")
    dt = like.dtype if dtype is None else dtype_arg(dtype, "zeros_like")
    return _make(np.zeros(like.shape, dt), requires_grad, "zeros_like")


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and, unless given, the dtype) of ``t``."""
    like = _as_array(t, op="ones_like")
    dt = like.dtype if dtype is None else dtype_arg(dtype, "ones_like")
    return _make(np.ones(like.shape, dt), requires_grad, "ones_like")


# PyTorch's x.new_*: factories whose dtype is x's unless dtype= is given.


def _new_factory(name: str, fill: Any):
    def method(self: Tensor, *size: Any, dtype: Any = None,
               requires_grad: bool = False) -> Tensor:
        dt = self.data.dtype if dtype is None else dtype_arg(dtype, name)
        return _make(fill(_sizes(size, name), dt), requires_grad, name)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"""``x.{name}(2, 3)`` or ``x.{name}((2, 3))``: a new tensor of that
    shape made by np.{fill.__name__}, in x's dtype unless ``dtype`` is given."""
    return method


new_zeros = _new_factory("new_zeros", np.zeros)
new_ones = _new_factory("new_ones", np.ones)
new_empty = _new_factory("new_empty", np.empty)  # uninitialised, as PyTorch's


def new_full(self: Tensor, size: Any, fill_value: float, dtype: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``x.new_full((2, 3), 7)``: ``fill_value`` everywhere, in x's dtype unless given."""
    return _full(size, fill_value, self.data.dtype if dtype is None else dtype,
                 requires_grad, "new_full")


def new_tensor(self: Tensor, data: Any, dtype: Any = None,
               requires_grad: bool = False) -> Tensor:
    """``x.new_tensor([1, 2])``: a copy of ``data`` in x's dtype unless ``dtype`` is given."""
    arr = _as_array(data, self.data.dtype if dtype is None else dtype, op="new_tensor")
    return _make(np.array(arr), requires_grad, "new_tensor")


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, stop): ints give int64, floats the default dtype."""
    if stop is None:
        start, stop = 0, start
    for what, v in (("start", start), ("stop", stop), ("step", step)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(
                v, (int, float, np.integer, np.floating)) or not np.isfinite(v):
            raise TypeError(f"arange: {what} must be a finite real number, got {v!r}")
    if step == 0:
        raise ValueError("arange: step must not be zero")
    n = math.ceil((stop - start) / step)
    if n > 2**31:
        raise ValueError(f"arange: [{start}, {stop}) with step {step} would have {n} "
                         "elements; that is too many")
    is_int = all(isinstance(v, (int, np.integer)) for v in (start, stop, step))
    dt = dtype_arg(dtype, "arange") if dtype is not None else (
        np.int64 if is_int else get_default_dtype())
    return _make(np.arange(start, stop, step).astype(dt), requires_grad, "arange")


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Identity matrix (n, m); m defaults to n."""
    # single ints, as PyTorch: _sizes would unpack eye([2]) as a shape
    rows = integer(n, "eye", "n", low=0)
    cols = rows if m is None else integer(m, "eye", "m", low=0)
    return _make(np.eye(rows, cols, dtype=_float_dtype(dtype, "eye")), requires_grad, "eye")


def rand(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) draws from the library's generator (see ``manual_seed``)."""
    sizes, dt = _sizes(shape, "rand"), _float_dtype(dtype, "rand", "f")
    flag(requires_grad, "rand", "requires_grad")  # checked before the generator moves
    return _make(default_generator().random(sizes).astype(dt), requires_grad, "rand")


def randn(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal draws from the library's generator."""
    sizes, dt = _sizes(shape, "randn"), _float_dtype(dtype, "randn", "f")
    flag(requires_grad, "randn", "requires_grad")  # checked before the generator moves
    return _make(default_generator().standard_normal(sizes).astype(dt), requires_grad, "randn")
