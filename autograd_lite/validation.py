"""Argument checks shared by autograd_lite and nn.

Each returns the cleaned value or raises a one-line ``TypeError`` (wrong kind of value) or
``ValueError`` (right kind, out of range) that names the op, the argument, what was given
and what is accepted:

>>> real(-1.0, "Adam", "lr", low=0)
Traceback (most recent call last):
ValueError: Adam: lr must be a finite real number >= 0, got -1.0

The ops raise :class:`DimError` for a dim out of range and :class:`ShapeError` for shapes
that do not fit, PyTorch's IndexError and RuntimeError that are ValueErrors too.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np


class DimError(IndexError, ValueError):
    """A dim (axis) out of range for a tensor, or one that cannot be reduced: an
    ``IndexError`` as in PyTorch, and a ``ValueError`` for code written before."""


class ShapeError(RuntimeError, ValueError):
    """Shapes that do not fit an op (broadcasting, matmul, cat, reshape...): a
    ``RuntimeError`` as in PyTorch, and a ``ValueError`` for code written before."""


def show(value: Any, limit: int = 60) -> str:
    """``repr(value)`` on one line, cut to ``limit`` characters, for error messages."""
    text = re.sub(r"\s+", " ", repr(value))
    return text if len(text) <= limit else text[:limit - 3] + "..."


_KINDS = {"b": "bool", "i": "integer", "u": "unsigned integer", "f": "floating"}


def dtype_arg(dtype: Any, op: str, kinds: str = "biuf", what: str = "dtype") -> np.dtype:
    """``dtype`` as a numpy dtype of one of ``kinds`` ('f' floating, 'i'/'u' integer,
    'b' bool): np.float32, 'float64', np.int64, ... Values (1.5, None, arrays) are refused."""
    accepted = " or ".join(dict.fromkeys(_KINDS[k] for k in kinds if k != "u"))
    if dtype is None or isinstance(dtype, (bool, int, float, complex, np.generic, np.ndarray)):
        raise TypeError(f"{op}: {what} must be a {accepted} data type such as np.float32, "
                        f"got {show(dtype)}")
    try:
        dt = np.dtype(dtype)
    except Exception:  # numpy raises TypeError, ValueError or worse for garbage
        raise TypeError(f"{op}: {what} {show(dtype)} is not a data type; expected a {accepted} "
                        "data type such as np.float32") from None
    if dt.kind not in kinds:
        raise TypeError(f"{op}: unsupported {what} {dt}; expected a {accepted} data type")
    return dt


def _describe(low: Any, high: Any, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high}"
    return ""


def real(value: Any, op: str, what: str, *, low: float | None = None,
         high: float | None = None, low_open: bool = False, high_open: bool = False,
         finite: bool = True) -> float:
    """A real number (Python or numpy int/float, not bool) as a float, optionally within
    [low, high] (open ends with ``low_open``/``high_open``); NaN is always refused and
    infinities unless ``finite=False``."""
    # Losses and optimizers check on every call: type() answers for Python floats and ints
    # faster than isinstance, and the message is built only on failure.
    if type(value) in (float, int) or (isinstance(value, (int, float, np.integer, np.floating))
                                       and not isinstance(value, (bool, np.bool_))):
        v = float(value)
        if not (math.isnan(v) or (finite and math.isinf(v))
                or (low is not None and (v <= low if low_open else v < low))
                or (high is not None and (v >= high if high_open else v > high))):
            return v
        error: type[Exception] = ValueError
    else:
        error = TypeError
    kind = "finite real number" if finite else "real number"
    raise error(f"{op}: {what} must be a {kind}{_describe(low, high, low_open, high_open)}, "
                f"got {show(value)}")


def integer(value: Any, op: str, what: str, *, low: int | None = None) -> int:
    """A Python or numpy integer (not bool) as an int, optionally >= ``low``."""
    if type(value) is int or (isinstance(value, (int, np.integer))
                              and not isinstance(value, (bool, np.bool_))):
        if low is None or value >= low:
            return int(value)
        error: type[Exception] = ValueError
    else:
        error = TypeError
    bound = "" if low is None else f" >= {low}"
    raise error(f"{op}: {what} must be an int{bound}, got {show(value)}")


def flag(value: Any, op: str, what: str) -> bool:
    """A bool (Python or numpy)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{op}: {what} must be True or False, got {show(value)}")
    return bool(value)


def function(value: Any, op: str, what: str) -> Any:
    """A callable."""
    if not callable(value):
        raise TypeError(f"{op}: {what} must be callable, got {show(value)}")
    return value
