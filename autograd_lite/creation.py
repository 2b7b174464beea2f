"""Factories: ``tensor``, ``zeros``, ``ones``, ``full``, ``arange``, ``eye``, ``rand``, …

Each takes PyTorch's ``device=`` keyword (the CPU, the one device there is); the random ones
take ``generator=`` (an ``ag.Generator``; the library's generator by default)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .devices import device_arg
from .random import generator_arg
from .tensor import Tensor, _as_array, get_default_dtype
from .validation import dtype_arg, flag, integer, real, show


def _sizes(shape: tuple | list, op: str) -> tuple:
    """``f(2, 3)`` and ``f((2, 3))`` both mean the shape (2, 3); sizes are ints >= 0."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"{op}: sizes must be integers, got {shape!r}")
        if s < 0:
            raise ValueError(f"{op}: sizes must be non-negative, got {shape!r}")
    return tuple(int(s) for s in shape)


def _requires_grad(requires_grad: bool, dtype: np.dtype, op: str) -> bool:
    if not flag(requires_grad, op, "requires_grad"):
        return False
    if dtype.kind != "f":
        raise TypeError(f"{op}: only floating point tensors can require gradients, got "
                        f"dtype {dtype}")
    return True


def _make(arr: np.ndarray, requires_grad: bool, op: str) -> Tensor:
    t = Tensor._wrap(arr)
    return t.requires_grad_(True) if _requires_grad(requires_grad, arr.dtype, op) else t


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, *,
           device: Any = None) -> Tensor:
    """A new tensor owning a copy of ``data``: ag.tensor([[1.0, 2.0]]) -> shape (1, 2),
    float32. Python floats become the default dtype, ints int64, bools bool."""
    device_arg(device, "tensor")
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (its dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy ndarray, got {type(array).__name__}")
    return Tensor._wrap(_as_array(array, op="from_numpy"))


def _float_dtype(dtype: Any, op: str, kinds: str = "biuf") -> np.dtype:
    """``dtype`` (the default dtype when None), validated."""
    return get_default_dtype() if dtype is None else dtype_arg(dtype, op, kinds)


def _filled(make: Any, op: str, shape: tuple, dtype: Any, requires_grad: bool,
            device: Any) -> Tensor:
    device_arg(device, op)
    return _make(make(_sizes(shape, op), _float_dtype(dtype, op)), requires_grad, op)


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False,
          device: Any = None) -> Tensor:
    """Zeros of ``shape``: ag.zeros(2, 3) or ag.zeros((2, 3))."""
    return _filled(np.zeros, "zeros", shape, dtype, requires_grad, device)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False,
         device: Any = None) -> Tensor:
    """Ones of ``shape``."""
    return _filled(np.ones, "ones", shape, dtype, requires_grad, device)


def empty(*shape: Any, dtype: Any = None, requires_grad: bool = False,
          device: Any = None) -> Tensor:
    """Uninitialised values of ``shape``, to be filled: ag.empty(3, 2).uniform_(-1, 1)."""
    return _filled(np.empty, "empty", shape, dtype, requires_grad, device)


def full(shape: Any, fill_value: float, dtype: Any = None,
         requires_grad: bool = False, *, device: Any = None) -> Tensor:
    """``fill_value`` everywhere; its dtype follows the value (float -> default dtype)."""
    device_arg(device, "full")
    return _full(shape, fill_value, dtype, requires_grad, "full")


def _full(shape: Any, fill_value: Any, dtype: Any, requires_grad: bool, op: str) -> Tensor:
    value = _as_array(fill_value, dtype, op=op)
    if value.ndim:
        raise ValueError(f"{op}: fill_value must be a single number, got shape {value.shape}")
    sizes = _sizes(shape if isinstance(shape, (tuple, list)) else (shape,), op)
    return _make(np.full(sizes, value, dtype=value.dtype), requires_grad, op)


def _filled_like(make: Any, op: str, t: Any, dtype: Any, requires_grad: bool,
                 device: Any) -> Tensor:
    device_arg(device, op)
    like = _as_array(t, op=op)
    dt = like.dtype if dtype is None else dtype_arg(dtype, op)
    return _make(make(like.shape, dt), requires_grad, op)


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False, *,
               device: Any = None) -> Tensor:
    """Zeros with the shape (and, unless given, the dtype) of ``t``."""
    return _filled_like(np.zeros, "zeros_like", t, dtype, requires_grad, device)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False, *,
              device: Any = None) -> Tensor:
    """Ones with the shape (and, unless given, the dtype) of ``t``."""
    return _filled_like(np.ones, "ones_like", t, dtype, requires_grad, device)


def empty_like(t: Any, dtype: Any = None, requires_grad: bool = False, *,
               device: Any = None) -> Tensor:
    """Uninitialised values with the shape (and, unless given, the dtype) of ``t``."""
    return _filled_like(np.empty, "empty_like", t, dtype, requires_grad, device)


# PyTorch's x.new_*: factories whose dtype is x's unless dtype= is given.


def _new_factory(name: str, fill: Any):
    def method(self: Tensor, *size: Any, dtype: Any = None, requires_grad: bool = False,
               device: Any = None) -> Tensor:
        device_arg(device, name)
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
             requires_grad: bool = False, *, device: Any = None) -> Tensor:
    """``x.new_full((2, 3), 7)``: ``fill_value`` everywhere, in x's dtype unless given."""
    device_arg(device, "new_full")
    return _full(size, fill_value, self.data.dtype if dtype is None else dtype,
                 requires_grad, "new_full")


def new_tensor(self: Tensor, data: Any, dtype: Any = None,
               requires_grad: bool = False, *, device: Any = None) -> Tensor:
    """``x.new_tensor([1, 2])``: a copy of ``data`` in x's dtype unless ``dtype`` is given."""
    device_arg(device, "new_tensor")
    arr = _as_array(data, self.data.dtype if dtype is None else dtype, op="new_tensor")
    return _make(np.array(arr), requires_grad, "new_tensor")


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False, *, device: Any = None) -> Tensor:
    """Evenly spaced values in [start, stop): ints give int64, floats the default dtype."""
    device_arg(device, "arange")
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


def linspace(start: float, end: float, steps: int, *, dtype: Any = None,
             requires_grad: bool = False, device: Any = None) -> Tensor:
    """``steps`` evenly spaced values from start to end, both included, as PyTorch
    (default dtype): ``ag.linspace(0, 1, 5)`` -> [0, .25, .5, .75, 1]."""
    return _spaced("linspace", start, end, steps, None, dtype, requires_grad, device)


def logspace(start: float, end: float, steps: int, base: float = 10.0, *,
             dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """``base ** linspace(start, end, steps)``, as PyTorch: ``ag.logspace(0, 2, 3)`` ->
    [1, 10, 100]."""
    return _spaced("logspace", start, end, steps, base, dtype, requires_grad, device)


def _real_scalar(v: Any, op: str, what: str) -> float:
    """A finite real number (a one-element tensor counts, as in PyTorch)."""
    if isinstance(v, Tensor) and v.data.size == 1:
        v = v.item()
    if isinstance(v, (bool, np.bool_)) or not isinstance(
            v, (int, float, np.integer, np.floating)) or not np.isfinite(v):
        raise TypeError(f"{op}: {what} must be a finite real number, got {show(v, 60)}")
    return float(v)


def _spaced(op: str, start: Any, end: Any, steps: Any, base: Any, dtype: Any,
            requires_grad: bool, device: Any) -> Tensor:
    device_arg(device, op)
    start, end = (_real_scalar(v, op, what) for what, v in (("start", start), ("end", end)))
    if base is not None:
        base = _real_scalar(base, op, "base")
    steps = integer(steps, op, "steps", low=0)
    dt = _float_dtype(dtype, op) if dtype is not None else get_default_dtype()
    work = dt if dt.kind == "f" else np.dtype(np.float64)
    # PyTorch's formula: from start up to the middle, from end down after it (so both
    # ends are exact), in the result's precision.
    i = np.arange(steps)
    step = (work.type(end) - work.type(start)) / work.type(max(steps - 1, 1))
    out = np.where((i < steps // 2) | (steps == 1), work.type(start) + step * i.astype(work),
                   work.type(end) - step * (steps - 1 - i).astype(work))
    if base is not None:
        out = np.power(work.type(base), out)
    return _make(out.astype(dt), requires_grad, op)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False, *,
        device: Any = None) -> Tensor:
    """Identity matrix (n, m); m defaults to n."""
    device_arg(device, "eye")
    # single ints, as PyTorch: _sizes would unpack eye([2]) as a shape
    rows = integer(n, "eye", "n", low=0)
    cols = rows if m is None else integer(m, "eye", "m", low=0)
    return _make(np.eye(rows, cols, dtype=_float_dtype(dtype, "eye")), requires_grad, "eye")


def _draw_setup(op: str, dtype: np.dtype, requires_grad: bool, device: Any,
                generator: Any) -> Any:
    """Check the arguments every random factory has, before the generator moves; returns
    the generator to draw from."""
    _requires_grad(requires_grad, dtype, op)
    device_arg(device, op)
    return generator_arg(generator, op)


def rand(*size: Any, generator: Any = None, dtype: Any = None, requires_grad: bool = False,
         device: Any = None) -> Tensor:
    """Uniform [0, 1) draws: ag.rand(2, 3) -> shape (2, 3), from ``generator`` (the
    library's generator, see ``manual_seed``, by default)."""
    sizes, dt = _sizes(size, "rand"), _float_dtype(dtype, "rand", "f")
    rng = _draw_setup("rand", dt, requires_grad, device, generator)
    return _make(rng.random(sizes).astype(dt), requires_grad, "rand")


def randn(*size: Any, generator: Any = None, dtype: Any = None, requires_grad: bool = False,
          device: Any = None) -> Tensor:
    """Standard normal draws: ag.randn(2, 3) -> shape (2, 3)."""
    sizes, dt = _sizes(size, "randn"), _float_dtype(dtype, "randn", "f")
    rng = _draw_setup("randn", dt, requires_grad, device, generator)
    return _make(rng.standard_normal(sizes).astype(dt), requires_grad, "randn")


def randint(low: int = 0, high: Any = None, size: Any = None, *, generator: Any = None,
            dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """Integers drawn uniformly from [low, high), int64 unless ``dtype`` says otherwise, with
    PyTorch's signature: ag.randint(10, (2, 3)) or ag.randint(5, 10, (2, 3)) -> shape (2, 3)."""
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    low, high = integer(low, "randint", "low"), integer(high, "randint", "high")
    if low >= high:
        raise ValueError(f"randint: low ({low}) must be less than high ({high})")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint: size must be a tuple of ints such as (2, 3), got "
                        f"{show(size)}")
    sizes = _sizes(tuple(size), "randint")
    dt = np.dtype(np.int64) if dtype is None else dtype_arg(dtype, "randint", "iuf")
    rng = _draw_setup("randint", dt, requires_grad, device, generator)
    return _make(rng.integers(low, high, sizes).astype(dt), requires_grad, "randint")


def randperm(n: int, *, generator: Any = None, dtype: Any = None,
             requires_grad: bool = False, device: Any = None) -> Tensor:
    """A random permutation of 0 .. n-1: ag.randperm(4) -> e.g. tensor([2, 0, 3, 1])."""
    n = integer(n, "randperm", "n", low=0)
    dt = np.dtype(np.int64) if dtype is None else dtype_arg(dtype, "randperm", "iuf")
    rng = _draw_setup("randperm", dt, requires_grad, device, generator)
    return _make(rng.permutation(n).astype(dt), requires_grad, "randperm")


def multinomial(input: Any, num_samples: int, replacement: bool = False, *,
                generator: Any = None) -> Tensor:
    """Category indices drawn with probabilities proportional to the weights in the last
    dimension of ``input``: (k,) -> (num_samples,), (n, k) -> (n, num_samples), int64.
    Without ``replacement`` a category is drawn at most once per row."""
    w = _as_array(input, op="multinomial")
    if w.dtype.kind != "f" or w.ndim not in (1, 2):
        raise TypeError(f"multinomial: input must be a 1-D or 2-D floating point tensor of "
                        f"weights, got dtype {w.dtype} and shape {w.shape}")
    if w.shape[-1] == 0:
        raise ValueError(f"multinomial: input of shape {w.shape} has no categories")
    num_samples = integer(num_samples, "multinomial", "num_samples", low=1)
    flag(replacement, "multinomial", "replacement")
    rows = w.reshape(-1, w.shape[-1]).astype(np.float64)
    if not np.isfinite(rows).all() or (rows < 0).any() or (rows.sum(axis=1) <= 0).any():
        raise ValueError("multinomial: the weights must be finite and non-negative, with a "
                         f"positive sum in every row, got {show(w)}")
    fewest = (rows > 0).sum(axis=1).min(initial=w.shape[-1])
    if not replacement and num_samples > fewest:
        raise ValueError(f"multinomial: cannot draw {num_samples} samples without "
                         f"replacement from a row with only {fewest} categories of non-zero "
                         "weight")
    rng = generator_arg(generator, "multinomial")
    out = np.array([rng.choice(len(p), num_samples, replace=replacement, p=p / p.sum())
                    for p in rows], dtype=np.int64)
    return Tensor._wrap(out.reshape(w.shape[:-1] + (num_samples,)))


# ----------------------------------------------------------------------------------------
# issue 16: more factories (PyTorch's *_like, bernoulli, normal, poisson, tril/triu_indices)


def full_like(input: Any, fill_value: float, *, dtype: Any = None, requires_grad: bool = False,
              device: Any = None) -> Tensor:
    """``fill_value`` with the shape and (unless given) the dtype of ``input``, as PyTorch:
    ag.full_like(ag.tensor([1, 2]), 2.7) -> tensor([2, 2])."""
    device_arg(device, "full_like")
    like = _as_array(input, op="full_like")
    dt = like.dtype if dtype is None else dtype_arg(dtype, "full_like")
    return _full(like.shape, _fill_value(fill_value, "full_like"), dt, requires_grad,
                 "full_like")


def _fill_value(value: Any, op: str) -> Any:
    if isinstance(value, Tensor) and value.data.size == 1:
        value = value.item()
    if isinstance(value, (bool, int, float, np.generic)) and \
            np.asarray(value).dtype.kind in "biuf":
        return value
    raise TypeError(f"{op}: fill_value must be a number, got {show(value)}")


def _like(input: Any, dtype: Any, op: str, kinds: str) -> tuple[tuple, np.dtype]:
    """(shape, dtype) of a random *_like: input's dtype unless given, one of ``kinds``."""
    like = _as_array(input, op=op)
    dt = like.dtype if dtype is None else dtype_arg(dtype, op, kinds)
    if dt.kind not in kinds:
        raise TypeError(f"{op}: expected a floating point tensor (or dtype=), got dtype {dt}")
    return like.shape, dt


def rand_like(input: Any, *, dtype: Any = None, requires_grad: bool = False, device: Any = None,
              generator: Any = None) -> Tensor:
    """Uniform [0, 1) draws shaped like ``input`` (its float dtype unless given)."""
    shape, dt = _like(input, dtype, "rand_like", "f")
    rng = _draw_setup("rand_like", dt, requires_grad, device, generator)
    return _make(rng.random(shape).astype(dt), requires_grad, "rand_like")


def randn_like(input: Any, *, dtype: Any = None, requires_grad: bool = False,
               device: Any = None, generator: Any = None) -> Tensor:
    """Standard normal draws shaped like ``input`` (its float dtype unless given)."""
    shape, dt = _like(input, dtype, "randn_like", "f")
    rng = _draw_setup("randn_like", dt, requires_grad, device, generator)
    return _make(rng.standard_normal(shape).astype(dt), requires_grad, "randn_like")


def randint_like(input: Any, low: int = 0, high: Any = None, *, dtype: Any = None,
                 requires_grad: bool = False, device: Any = None,
                 generator: Any = None) -> Tensor:
    """Integers from [low, high) shaped like ``input``, in its dtype unless given, with
    PyTorch's signature: ag.randint_like(x, 10) or ag.randint_like(x, 5, 10)."""
    if high is None:
        low, high = 0, low
    low, high = integer(low, "randint_like", "low"), integer(high, "randint_like", "high")
    if low >= high:
        raise ValueError(f"randint_like: low ({low}) must be less than high ({high})")
    shape, dt = _like(input, dtype, "randint_like", "iuf")
    rng = _draw_setup("randint_like", dt, requires_grad, device, generator)
    return _make(rng.integers(low, high, shape).astype(dt), requires_grad, "randint_like")


def _probabilities(p: Any, op: str, what: str = "input") -> np.ndarray:
    """Floating point probabilities, each in [0, 1]."""
    arr = _as_array(p, op=op)
    if arr.dtype.kind != "f":
        raise TypeError(f"{op}: {what} must be floating point probabilities, got dtype "
                        f"{arr.dtype}")
    if not ((arr >= 0) & (arr <= 1)).all():
        raise ValueError(f"{op}: {what} must hold probabilities in [0, 1], got {show(arr)}")
    return arr


def bernoulli(input: Any, p: float | None = None, *, generator: Any = None) -> Tensor:
    """0/1 draws, 1 with probability ``input`` (or with ``p`` everywhere, shaped like
    input), in input's dtype, as PyTorch: ag.bernoulli(ag.tensor([0.0, 1.0])) -> [0., 1.]."""
    if p is None:
        probs = _probabilities(input, "bernoulli")
        shape, dt = probs.shape, probs.dtype
    else:
        shape, dt = _like(input, None, "bernoulli", "f")
        probs = np.float64(real(p, "bernoulli", "p", low=0, high=1))
    rng = generator_arg(generator, "bernoulli")
    return Tensor._wrap((rng.random(shape) < probs).astype(dt))


def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """Fill with 0/1 draws, 1 with probability ``p`` (a number, or a tensor broadcasting to
    the tensor's shape), in place: ag.zeros(3).bernoulli_(0.5)."""
    probs = _probabilities(p, "bernoulli_", "p") if isinstance(p, Tensor) else np.float64(
        real(p, "bernoulli_", "p", low=0, high=1))
    try:
        np.broadcast_to(probs, self.shape)
    except ValueError:
        raise ValueError(f"bernoulli_: p of shape {probs.shape} does not broadcast to the "
                         f"tensor's shape {self.shape}") from None
    rng = generator_arg(generator, "bernoulli_")
    return self._overwrite("bernoulli_", lambda: rng.random(self.shape) < probs)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Any = None,
           dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """N(mean, std²) draws, as torch.normal's overloads: tensor mean and/or std (shapes
    broadcast, their float dtype), or numbers with ``size``: ag.normal(0.0, 1.0, (2, 3)).
    (No gradient flows to mean or std: PyTorch's is zero.)"""
    device_arg(device, "normal")
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal: with a number mean and std, give size=, e.g. "
                            "ag.normal(0.0, 1.0, (2, 3))")
        shape = _sizes(tuple(size) if isinstance(size, (tuple, list)) else (size,), "normal")
        dt = _float_dtype(dtype, "normal", "f")
        m, s = real(mean, "normal", "mean"), real(std, "normal", "std")
    else:
        if size is not None or dtype is not None:
            raise TypeError("normal: size= and dtype= go with a number mean and std only "
                            "(a tensor mean or std gives the shape and dtype)")
        m, s = (v.data if isinstance(v, Tensor) else real(v, "normal", what)  # type: ignore[assignment]
                for what, v in (("mean", mean), ("std", std)))
        for what, v in (("mean", m), ("std", s)):
            if np.asarray(v).dtype.kind != "f":
                raise TypeError(f"normal: {what} must be a floating point tensor, got dtype "
                                f"{np.asarray(v).dtype}")
        try:
            shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        except ValueError:
            raise ValueError(f"normal: mean of shape {np.shape(m)} and std of shape "
                             f"{np.shape(s)} do not broadcast together") from None
        dt = np.result_type(*(t.data for t in tensors))
    if (np.asarray(s) < 0).any():
        raise ValueError(f"normal: std must be >= 0, got {show(s)}")
    rng = _draw_setup("normal", dt, requires_grad, None, generator)
    out = m + s * rng.standard_normal(shape)
    return _make(np.asarray(out).astype(dt), requires_grad, "normal")


def poisson(input: Any, generator: Any = None) -> Tensor:
    """Poisson draws with the rates ``input`` (floating point, >= 0), in its dtype:
    ag.poisson(ag.tensor([1.0, 4.0])) -> e.g. tensor([0., 5.])."""
    rates = _as_array(input, op="poisson")
    if rates.dtype.kind != "f":
        raise TypeError(f"poisson: rates must be a floating point tensor, got dtype "
                        f"{rates.dtype}")
    if not (rates >= 0).all():
        raise ValueError(f"poisson: rates must be non-negative, got {show(rates)}")
    rng = generator_arg(generator, "poisson")
    return Tensor._wrap(rng.poisson(rates).astype(rates.dtype))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """The (2, N) int64 coordinates of the lower triangle of a row x col matrix (diagonal
    ``offset``), row by row, as PyTorch: ag.tril_indices(3, 3) -> shape (2, 6)."""
    return _triangle("tril_indices", np.tril_indices, row, col, offset, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """The (2, N) int64 coordinates of the upper triangle (diagonal ``offset``), row by
    row: ag.triu_indices(3, 3, 1) -> tensor([[0, 0, 1], [1, 2, 2]])."""
    return _triangle("triu_indices", np.triu_indices, row, col, offset, dtype, device)


def _triangle(op: str, fn: Any, row: Any, col: Any, offset: Any, dtype: Any,
              device: Any) -> Tensor:
    device_arg(device, op)
    row, col = integer(row, op, "row", low=0), integer(col, op, "col", low=0)
    offset = integer(offset, op, "offset")
    dt = np.dtype(np.int64) if dtype is None else dtype_arg(dtype, op, "iu")
    return Tensor._wrap(np.stack(fn(row, offset, col)).astype(dt).reshape(2, -1))


# Tensor.bernoulli and bernoulli_ (as PyTorch's methods)
for _name, _method in (("bernoulli", bernoulli), ("bernoulli_", bernoulli_)):
    setattr(Tensor, _name, _method)  # (declared for type checkers in tensor.py)
del _name, _method
