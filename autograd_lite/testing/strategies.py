"""Hypothesis strategies for gradient property tests, built on ``hypothesis.extra.numpy``.

>>> from hypothesis import given
>>> from autograd_lite.testing import gradcheck
>>> from autograd_lite.testing.strategies import tensors
>>> @given(tensors(elements=away_from(0.0)))
... def test_abs(x):
...     assert gradcheck(lambda t: t.abs(), (x,))
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ModuleNotFoundError as e:  # an optional dependency: say which extra brings it
    raise ModuleNotFoundError(
        "autograd_lite.testing.strategies needs hypothesis, which the `testing` extra "
        "installs: pip install 'autograd-lite[testing]'", name=e.name) from e

from ..tensor import Tensor


def shapes(min_dims: int = 0, max_dims: int = 4, min_side: int = 1,
           max_side: int = 4) -> st.SearchStrategy[tuple]:
    """Array shapes, 0-d to 4-d by default: (), (3,), (2, 1, 4), …"""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(num_shapes: int = 2, min_dims: int = 0, max_dims: int = 4,
                         min_side: int = 1, max_side: int = 4) -> st.SearchStrategy[tuple]:
    """Tuples of shapes that broadcast together, e.g. ((3, 1), (4,)) — including size-1
    axes, the trap where a bias of shape (n, 1) meets (n,)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side,
        max_side=max_side,
    ).map(lambda r: r.input_shapes)


def floats(min_value: float = -3.0, max_value: float = 3.0) -> st.SearchStrategy[float]:
    """Finite floats in [min_value, max_value]."""
    return st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)


def away_from(*kinks: float, margin: float = 1e-2, min_value: float = -3.0,
              max_value: float = 3.0) -> st.SearchStrategy[float]:
    """Floats in [min_value, max_value] at least ``margin`` from every kink, so finite
    differences never straddle one (relu and abs at 0, clip at its bounds)."""
    return floats(min_value, max_value).filter(
        lambda v: all(np.abs(v - k) >= margin for k in kinks))


def positive(min_value: float = 0.1, max_value: float = 3.0) -> st.SearchStrategy[float]:
    """Floats in a positive range (domain of log, sqrt, pow with a real exponent)."""
    return floats(min_value, max_value)


def distinct(min_value: float = -3.0, max_value: float = 3.0,
             spacing: float = 1e-2) -> st.SearchStrategy[float]:
    """Floats on a grid of ``spacing``; with ``unique=True`` no two are closer than it
    (max/min never tie, nor swap under a finite-difference step)."""
    lo, hi = int(np.ceil(min_value / spacing)), int(np.floor(max_value / spacing))
    return st.integers(lo, hi).map(lambda i: i * spacing)


def axes(ndim: int) -> st.SearchStrategy[Any]:
    """A reduction's ``axis`` for an ``ndim``-d tensor: None, an int (maybe negative) or a
    tuple of distinct axes (each maybe negative), e.g. None, -1, (0, -2)."""
    if ndim == 0:
        return st.none()
    one = st.integers(-ndim, ndim - 1)
    several = st.lists(one, min_size=1, max_size=ndim, unique_by=lambda a: a % ndim).map(tuple)
    return st.one_of(st.none(), one, several)


def arrays(shape: Any = None, dtype: Any = np.float64, elements: Any = None,
           unique: bool = False) -> st.SearchStrategy[np.ndarray]:
    """numpy arrays (``shape`` a tuple or a strategy of shapes; default :func:`shapes`)."""
    return hnp.arrays(dtype=np.dtype(dtype), shape=shapes() if shape is None else shape,
                      elements=floats() if elements is None else elements, unique=unique)


def tensors(shape: Any = None, dtype: Any = np.float64, elements: Any = None,
            requires_grad: bool = True, unique: bool = False) -> st.SearchStrategy[Tensor]:
    """Tensors for property tests: float64 by default, requiring grad.

    ``shape``: a tuple or a strategy of shapes; ``elements``: a strategy of values
    (e.g. :func:`away_from`, :func:`positive`); ``unique=True`` avoids ties.
    """
    def make(a: np.ndarray) -> Tensor:
        t = Tensor(a)
        return t.requires_grad_(True) if requires_grad and t.dtype.kind == "f" else t

    return arrays(shape, dtype, elements, unique).map(make)


__all__ = ["shapes", "broadcastable_shapes", "floats", "away_from", "positive", "distinct",
           "axes", "arrays", "tensors"]


def basic_indices(shape: tuple, **kwargs: Any) -> st.SearchStrategy[Any]:
    """``hypothesis.extra.numpy.basic_indices`` (same arguments) without the negative slice
    steps PyTorch refuses: for (3, 4), e.g. ``(slice(1, None), 2)`` or ``(..., None)``."""
    def positive_steps(index: Any) -> bool:
        parts = index if isinstance(index, tuple) else (index,)
        return all(not isinstance(i, slice) or i.step is None or i.step > 0 for i in parts)

    return hnp.basic_indices(shape, **kwargs).filter(positive_steps)
