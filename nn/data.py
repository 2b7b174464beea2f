"""Datasets, mini-batch loading and preprocessing (``nn.data``).

>>> ds = TensorDataset(X, y)                      # X: (N, D), y: (N,)
>>> for xb, yb in DataLoader(ds, batch_size=64, shuffle=True):
...     ...                                       # xb: (64, D), yb: (64,); last batch smaller
>>> train, test = random_split(ds, [0.8, 0.2])

``batch_size=len(ds)`` is batch gradient descent, ``1`` stochastic gradient descent,
anything between mini-batch. Shuffling draws from ``ag.default_generator()``, so
``ag.manual_seed(s)`` makes the order of every epoch repeat exactly (or from the
``generator=`` given, an ``ag.Generator``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

import autograd_lite as ag
from autograd_lite.random import generator_arg
from autograd_lite.validation import function, integer

__all__ = [
    "Dataset",
    "TensorDataset",
    "Subset",
    "DataLoader",
    "default_collate",
    "random_split",
    "minmax_scale",
    "standardize",
]


class Dataset:
    """A map-style dataset: subclasses implement ``__getitem__(i)`` and ``__len__()``.

    >>> class Squares(Dataset):
    ...     def __len__(self): return 10
    ...     def __getitem__(self, i): return ag.tensor([float(i)]), ag.tensor(float(i * i))
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError


class TensorDataset(Dataset):
    """Examples are rows of tensors that share their first dimension.

    >>> ds = TensorDataset(ag.randn(100, 3), ag.arange(100))
    >>> x, y = ds[7]                                  # x: (3,), y: () ; len(ds) == 100
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        self.tensors = tuple(_as_tensor(t, f"TensorDataset: tensor {i}")
                             for i, t in enumerate(tensors))
        for i, t in enumerate(self.tensors):
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {i} is 0-d; examples are rows along dim 0")
        lengths = [t.shape[0] for t in self.tensors]
        if len(set(lengths)) != 1:
            shapes = ", ".join(str(tuple(t.shape)) for t in self.tensors)
            raise ValueError(
                f"TensorDataset: all tensors must have the same size in dim 0, got shapes {shapes}"
            )

    def __getitem__(self, index: int) -> tuple[ag.Tensor, ...]:
        _check_index(index, len(self), "TensorDataset")
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def _batch(self, indices: np.ndarray) -> tuple[ag.Tensor, ...]:
        """All examples at ``indices`` at once (one gather per tensor, no stacking)."""
        return tuple(t[indices] for t in self.tensors)


def _as_tensor(value: Any, what: str) -> ag.Tensor:
    """``value`` as a Tensor; what ag.tensor refuses is re-raised naming ``what``."""
    if isinstance(value, ag.Tensor):
        return value
    try:
        return ag.tensor(value)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{what}: {str(e).split(': ', 1)[-1]}") from None


def _check_dataset(dataset: Any, op: str) -> None:
    if isinstance(dataset, (str, bytes)) or not hasattr(dataset, "__getitem__") \
            or not hasattr(dataset, "__len__"):
        raise TypeError(f"{op}: dataset must have __getitem__ and __len__, got "
                        f"{type(dataset).__name__}")


def _check_index(index: Any, n: int, op: str) -> None:
    """An example index (int in [-n, n)); slices and index arrays pass to the tensors."""
    if isinstance(index, (bool, np.bool_)) or not isinstance(
            index, (int, np.integer, slice, list, np.ndarray, ag.Tensor)):
        raise TypeError(f"{op}: index must be an int (or a slice/index array), got {index!r}")
    if isinstance(index, (int, np.integer)) and not -n <= index < n:
        raise IndexError(f"{op}: index {index} is out of range for {n} examples")


class Subset(Dataset):
    """The examples of ``dataset`` at ``indices`` (what :func:`random_split` returns).

    >>> sub = Subset(ds, [0, 2, 4])                   # len(sub) == 3; sub[1] is ds[2]
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int] | np.ndarray) -> None:
        _check_dataset(dataset, "Subset")
        idx = _as_tensor(indices, "Subset: indices").data.reshape(-1)
        if idx.dtype.kind not in "iu" and idx.size:
            raise TypeError(f"Subset: indices must be integers, got dtype {idx.dtype}")
        n = len(dataset)
        bad = (idx < -n) | (idx >= n)
        if bad.any():
            raise IndexError(f"Subset: index {idx[bad][0]} is out of range for a dataset of "
                             f"{n} examples")
        self.dataset = dataset
        self.indices = idx.astype(np.int64) % max(n, 1)

    def __getitem__(self, index: int) -> Any:
        _check_index(index, len(self), "Subset")
        return self.dataset[int(self.indices[index])]

    def __len__(self) -> int:
        return len(self.indices)

    def _batch(self, indices: np.ndarray) -> Any:
        if hasattr(self.dataset, "_batch"):
            return self.dataset._batch(  # pyright: ignore[reportAttributeAccessIssue]
                self.indices[indices])  # (hasattr above, which pyright does not narrow on)
        return default_collate([self.dataset[int(i)] for i in self.indices[indices]])


def default_collate(samples: list[Any]) -> Any:
    """Stack a list of examples into a batch, recursing into tuples, lists and dicts.

    Tensors of shape ``s`` become one Tensor of shape ``(len(samples), *s)``; numpy arrays
    and Python numbers become Tensors too.

    >>> default_collate([(ag.ones(3), 0), (ag.zeros(3), 1)])   # (Tensor (2, 3), Tensor (2,))
    """
    if not isinstance(samples, (list, tuple)) or not samples:
        raise ValueError(f"default_collate: expected a non-empty list of examples, got "
                         f"{samples!r:.60}")
    first = samples[0]
    if isinstance(first, ag.Tensor):
        return ag.stack(samples)
    if isinstance(first, (tuple, list)):
        if any(not isinstance(s, (tuple, list)) or len(s) != len(first) for s in samples):
            raise ValueError(f"default_collate: every example must have {len(first)} parts, "
                             "like the first")
        return type(first)(default_collate(list(parts)) for parts in zip(*samples, strict=True))
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    if isinstance(first, (np.ndarray, np.generic, int, float, bool)):
        return ag.tensor(np.stack([np.asarray(s) for s in samples]))
    raise TypeError(f"default_collate: don't know how to batch a {type(first).__name__}")


class DataLoader:
    """Iterate over a dataset in batches, optionally shuffled each epoch.

    Each epoch visits every example exactly once (``drop_last=True`` skips the final
    incomplete batch). ``len(loader)`` is the number of batches.

    >>> loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)  # X: (100, 4)
    >>> [xb.shape for xb, _ in loader]                # [(32, 4), (32, 4), (32, 4), (4, 4)]
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        *,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        generator: ag.Generator | None = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(f"DataLoader: batch_size must be an int, got {batch_size!r}")
        if batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size}")
        _check_dataset(dataset, "DataLoader")
        if collate_fn is not None:
            function(collate_fn, "DataLoader", "collate_fn")
        for name, flag in (("shuffle", shuffle), ("drop_last", drop_last)):
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"DataLoader: {name} must be a bool, got {flag!r}")
        generator_arg(generator, "DataLoader")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.generator = generator

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        if self.shuffle:
            order = generator_arg(self.generator, "DataLoader").permutation(n)
        else:
            order = np.arange(n)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield self._fetch(order[start : start + self.batch_size])

    def _fetch(self, indices: np.ndarray) -> Any:
        if self.collate_fn is None and hasattr(self.dataset, "_batch"):
            return self.dataset._batch(indices)  # pyright: ignore[reportAttributeAccessIssue]
        collate = self.collate_fn or default_collate
        return collate([self.dataset[int(i)] for i in indices])


def random_split(
    dataset: Dataset,
    lengths: Sequence[int | float],
    generator: ag.Generator | None = None,
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random :class:`Subset` s.

    ``lengths`` are sizes summing to ``len(dataset)``, or fractions summing to 1 (sizes are
    floored and the remainder handed out one by one, as PyTorch).

    >>> train, val = random_split(ds, [80, 20])      # ds has 100 examples
    >>> train, val = random_split(ds, [0.8, 0.2])    # the same sizes
    """
    _check_dataset(dataset, "random_split")
    rng = generator_arg(generator, "random_split")
    n = len(dataset)
    if not isinstance(lengths, (list, tuple, np.ndarray)):
        raise TypeError(f"random_split: lengths must be a list of sizes or fractions, got "
                        f"{lengths!r}")
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths is empty")
    if any(isinstance(x, bool) or not isinstance(x, (int, float, np.number)) for x in lengths):
        raise TypeError(f"random_split: lengths must be numbers, got {lengths!r}")
    if any(x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative, got {lengths}")
    if all(isinstance(x, (int, np.integer)) for x in lengths):
        sizes = [int(x) for x in lengths]
    elif math.isclose(sum(lengths), 1.0) and all(x <= 1 for x in lengths):
        sizes = [int(math.floor(n * x)) for x in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
    else:
        raise ValueError(
            f"random_split: lengths {lengths} are neither integer sizes nor fractions summing to 1"
        )
    if sum(sizes) != n:
        raise ValueError(
            f"random_split: the lengths sum to {sum(sizes)}, the dataset has {n} examples"
        )
    order = rng.permutation(n)
    bounds = np.cumsum([0, *sizes])
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


# -- preprocessing --------------------------------------------------------------------------
def _like_input(x: Any, values: np.ndarray) -> Any:
    return ag.tensor(values) if isinstance(x, ag.Tensor) else values


def _fit_or_use(
    arr: np.ndarray, stats: Any, axis: int, fit: Callable[..., tuple], op: str
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The statistics (fitted along ``axis`` unless given) and their broadcastable forms."""
    axis = integer(axis, op, "axis")
    if not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"{op}: axis {axis} is out of range for data of shape {arr.shape}")
    if stats is None:
        stats = fit(arr, axis)
    if not isinstance(stats, (tuple, list)) or len(stats) != 2:
        raise ValueError(f"{op}: stats must be a pair of arrays (as returned with the fitted "
                         f"data), got {stats!r:.60}")
    lo, hi = (_float_array(s, op, "stats", min_ndim=0).astype(arr.dtype) for s in stats)
    pair = lo, hi
    wide = tuple(np.expand_dims(s, axis) if s.ndim == arr.ndim - 1 else s for s in pair)
    for s in wide:
        try:
            ok = np.broadcast_shapes(s.shape, arr.shape) == arr.shape
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"{op}: stats of shape {s.shape} do not fit data of shape "
                             f"{arr.shape} along axis {axis}")
    return pair, (wide[0], wide[1])


def _float_array(x: Any, op: str, what: str = "data", min_ndim: int = 1) -> np.ndarray:
    try:
        arr = np.asarray(x.data if isinstance(x, ag.Tensor) else x)
    except ValueError:  # ragged
        arr = np.asarray(None)
    if arr.dtype.kind not in "fiu" or arr.ndim < min_ndim:
        raise TypeError(
            f"{op}: {what} must be a numeric array of at least {min_ndim} dimension(s), got "
            f"{arr.dtype} {arr.shape}"
        )
    return arr if arr.dtype.kind == "f" else arr.astype(ag.get_default_dtype())


def minmax_scale(
    x: Any,
    feature_range: tuple[float, float] = (0.0, 1.0),
    *,
    stats: tuple[np.ndarray, np.ndarray] | None = None,
    axis: int = 0,
) -> tuple[Any, tuple[np.ndarray, np.ndarray]]:
    """Scale each feature linearly to ``feature_range``; return ``(scaled, (min, max))``.

    Fit on the training set, then pass its statistics to scale the test set the same way.
    A constant feature maps to the low end of the range (no division by zero).

    >>> Xtr_s, stats = minmax_scale(Xtr)               # Xtr: (N, D); stats: two (D,) arrays
    >>> Xte_s, _ = minmax_scale(Xte, stats=stats)      # Xte: (M, D)
    """
    arr = _float_array(x, "minmax_scale")
    lo_out, hi_out = (float(v) for v in feature_range)
    if not lo_out < hi_out:
        raise ValueError(
            f"minmax_scale: feature_range must be (low, high) with low < high, got {feature_range}"
        )
    fit = lambda a, ax: (a.min(axis=ax), a.max(axis=ax))
    pair, (lo, hi) = _fit_or_use(arr, stats, axis, fit, "minmax_scale")
    span = np.where(hi - lo == 0, 1, hi - lo)
    scaled = ((arr - lo) / span * (hi_out - lo_out) + lo_out).astype(arr.dtype)
    return _like_input(x, scaled), pair


def standardize(
    x: Any,
    *,
    stats: tuple[np.ndarray, np.ndarray] | None = None,
    axis: int = 0,
) -> tuple[Any, tuple[np.ndarray, np.ndarray]]:
    """Give each feature zero mean and unit variance; return ``(scaled, (mean, std))``.

    ``std`` is the population standard deviation (ddof=0); a constant feature keeps std 1.
    Fit on the training set, then pass its statistics to transform the test set.

    >>> Xtr_s, stats = standardize(Xtr)                # Xtr: (N, D); stats: two (D,) arrays
    >>> Xte_s, _ = standardize(Xte, stats=stats)
    """
    arr = _float_array(x, "standardize")
    fit = lambda a, ax: (a.mean(axis=ax), _nonzero(a.std(axis=ax)))
    pair, (mean, std) = _fit_or_use(arr, stats, axis, fit, "standardize")
    scaled = ((arr - mean) / _nonzero(std)).astype(arr.dtype)
    return _like_input(x, scaled), pair


def _nonzero(std: np.ndarray) -> np.ndarray:
    return np.where(std == 0, 1, std).astype(std.dtype)
