"""Every op: its forward and its gradient side by side.

An op computes its forward on numpy arrays and records one vector-Jacobian product per
input, ``vjp(xp, g, out, *inputs)`` (see :mod:`autograd_lite.engine`). Written with ``xp``
and operators, the same vjp runs on arrays (first-order backward) and on Tensors
(``create_graph=True``), which is why every op here has a second derivative.
The gradient of a broadcast input is reduced to its shape by the engine, so vjps may
return the broadcast shape.
"""

from __future__ import annotations

import builtins  # this module defines sum, max, min, abs and pow as ops
import functools
import math
import sys
import warnings
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import engine
from .engine import ANOMALY_USERS, MODE, Node
from .tensor import Tensor, _alias, _as_array, _short, get_default_dtype
from .validation import DimError, ShapeError, dtype_arg, flag, integer, real

# ----------------------------------------------------------------------------------------
# Recording

# Each section registers its public ops where it defines them: _METHODS become Tensor
# methods (_install), _FUNCTION_FORMS get the ag.<name>(x) form that takes anything
# ag.tensor takes as its first argument (_tensor_first), and _IN_PLACE ops (elementwise)
# get an in-place method <name>_ (_in_place).
_METHODS: list[str] = []
_FUNCTION_FORMS: list[str] = []
_IN_PLACE: list[str] = []

_wrap = Tensor._wrap  # the fast constructor, as a plain function (it is called per op)
_new = object.__new__
_ndarray = np.ndarray  # a global, not np's attribute: one lookup less per op


def _data(v: Any) -> Any:
    """The numpy value of a Tensor; anything else unchanged (vjps read masks with it)."""
    return v.data if isinstance(v, Tensor) else v


def _reads(name: str, *per_input: set) -> None:
    """Declare what op ``name``'s backward reads: per input, the saved values its vjp uses
    (input positions, "out"); the last set stands for any further inputs. A backward is
    refused only when a value it reads was changed in place (engine.READS); undeclared ops
    are taken to read everything."""
    engine.READS[name] = tuple(frozenset(r) for r in per_input)


def _check_finite(name: str, out: np.ndarray) -> None:
    if out.dtype.kind == "f" and not np.isfinite(out).all():
        from .engine import _user_frame

        raise RuntimeError(
            f"anomaly detected: forward of '{name}' produced NaN or Inf "
            f"(output shape {out.shape}) at {_user_frame()}"
        )


_FLOAT64 = np.dtype(np.float64)
_FLOAT16 = np.dtype(np.float16)

# Ops that compute on real numbers: a bool tensor given to them is a mistake, not data.
_NO_BOOL = frozenset(
    "exp log sqrt sin cos tanh sigmoid gelu softplus elu leaky_relu neg softmax log_softmax "
    "logsumexp".split()
)


def _not_bool(x: Tensor, op: str) -> None:
    if x.data.dtype.kind == "b":
        raise TypeError(f"{op}: expected a floating point (or integer) tensor, got dtype bool; "
                        "convert it first, e.g. x.float()") from None


def _nonfloat_result(name: str, out: np.ndarray, x: Tensor) -> np.ndarray:
    """The float result of an op on integer/bool data: bool input to a float op is refused;
    integer input gets PyTorch's dtype (numpy gives float64, or float16 for int8)."""
    if name in _NO_BOOL:
        _not_bool(x, name)
    return _float_result(out.astype(_FLOAT64) if out.dtype is _FLOAT16 else out)


def _float_result(out: np.ndarray, *values: Any) -> np.ndarray:
    """A float64 result that numpy made from integer/bool data (int / int, int * 0.5,
    exp(int), float32 * int64) gets PyTorch's dtype instead: the widest float input's,
    or the default dtype when no input is a float array."""
    best = None
    for v in values:
        dt = getattr(v, "dtype", None)
        if dt is not None and dt.kind == "f":
            if dt == _FLOAT64:
                return out
            if best is None or dt.itemsize > best.itemsize:
                best = dt
    dt = best or get_default_dtype()
    return out if dt == _FLOAT64 else out.astype(dt)


def _record(name: str, out: Any, inputs: tuple, values: tuple, vjps: tuple,
            args: dict | None = None) -> Tensor:
    """Wrap ``out``; record a graph node when grad mode is on and an input requires grad."""
    if type(out) is not _ndarray:
        out = np.asarray(out)
    if out.dtype is _FLOAT64:
        out = _float_result(out, *values)
    if ANOMALY_USERS[0] and MODE.anomaly:
        _check_finite(name, out)
    if MODE.grad_enabled:
        for t in inputs:
            if isinstance(t, Tensor) and t.requires_grad:
                versions = []  # a loop: half the cost of a generator for 2-3 inputs
                for v in inputs:
                    versions.append(v._version if isinstance(v, Tensor) else -1)
                return _wrap(out, Node(name, inputs, values, vjps, tuple(versions), out, args))
    return _wrap(out)


def _unary(name: str, out: Any, x: Tensor, vjp, args: dict | None = None) -> Tensor:
    """`_record` for one Tensor input (the hot path of elementwise ops)."""
    if type(out) is not _ndarray:
        out = np.asarray(out)
    dt = out.dtype
    if (dt is _FLOAT64 or dt is _FLOAT16) and x.data.dtype.kind != "f":
        out = _nonfloat_result(name, out, x)
    if ANOMALY_USERS[0] and MODE.anomaly:
        _check_finite(name, out)
    if x.requires_grad and MODE.grad_enabled:
        return _wrap(out, Node(name, (x,), (x.data,), (vjp,), (x._version,), out, args))
    return _wrap(out)


def _operand(v: Any, op: str) -> tuple[Any, Any]:
    """(input, value): Tensors as they are; Python (and numpy) scalars stay weakly typed so
    they never promote float32; anything else becomes a constant array."""
    if isinstance(v, Tensor):
        return v, v.data
    if isinstance(v, np.generic) and v.dtype.kind in "biuf":  # before float: np.float64
        return v.item(), v.item()                                # is a float subclass
    if isinstance(v, (bool, int, float)):
        return v, v
    arr = _as_array(v, op=op)
    return arr, arr


def _tensor(x: Any, op: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    return Tensor._wrap(_as_array(x, op=op))


# numpy spends ~0.2 µs on every call turning a Python number into a weakly typed operand
# (NEP 50). With a float array that operand is the number cast to the array's dtype, so
# binary ops keep such 0-d arrays and reuse them: the same bits, half the numpy time.
_SCALAR_ARRAYS: dict = {np.dtype(t): {} for t in (np.float16, np.float32, np.float64)}


def _scalar_array(cache: dict, value: float, dtype: np.dtype) -> Any:
    """``value`` as a read-only 0-d array of ``dtype``, kept in ``cache``. Zeros (0.0 and
    -0.0 are equal keys), NaN (never an equal key) and values that overflow ``dtype`` (numpy
    warns about those on every use) stay Python numbers, as everything does once the cache
    is full (code that multiplies by ever-new numbers, e.g. a decaying learning rate)."""
    if value and builtins.abs(value) <= float(np.finfo(dtype).max) and len(cache) < 1024:
        arr = np.asarray(value, dtype)
        arr.flags.writeable = False
        cache[value] = arr
        return arr
    return value


def _binary_op(name: str, fn, vjps: tuple, doc: str, cache_scalars: bool = True):
    """The elementwise op ``name``: ``fn`` on the two values, ``vjps`` their gradients.
    Its body is written out (no helper calls) because the Tensor operators are the hot
    path of every model: ``x * 2.0`` costs one Python frame besides numpy's work.
    A Python number operand is recorded as given (what ``create_graph`` vjps and graph
    drawings see); its value for numpy may be a cached 0-d array (:func:`_scalar_array`)."""
    cache_for = _SCALAR_ARRAYS.get if cache_scalars else {}.get  # {}: no cache for any dtype

    def op(a: Any, b: Any) -> Tensor:
        if isinstance(a, Tensor):
            va, grad = a.data, a.requires_grad
        else:
            (a, va), grad = _operand(a, name), False
        tb = type(b)
        if tb is float or tb is int:
            vb = b
            try:
                cache = cache_for(va.dtype)
            except AttributeError:  # a is a number too
                cache = None
            if cache is not None:
                vb = cache.get(b)
                if vb is None:
                    vb = _scalar_array(cache, b, va.dtype)
        elif isinstance(b, Tensor):
            vb, grad = b.data, grad or b.requires_grad
        else:
            b, vb = _operand(b, name)
        try:
            out = fn(va, vb)
        except ValueError:
            raise ShapeError(
                f"{name}: shapes {np.shape(va)} and {np.shape(vb)} cannot be broadcast together"
            ) from None
        except TypeError:  # numpy refuses e.g. bool - bool
            raise TypeError(f"{name}: not supported for dtypes {np.result_type(va)} and "
                            f"{np.result_type(vb)}") from None
        if type(out) is not _ndarray:
            out = np.asarray(out)
        if out.dtype is _FLOAT64:
            out = _float_result(out, va, vb)
        if ANOMALY_USERS[0] and MODE.anomaly:
            _check_finite(name, out)
        if grad and MODE.grad_enabled:
            versions = (a._version if isinstance(a, Tensor) else -1,
                        b._version if isinstance(b, Tensor) else -1)
            return _wrap(out, Node(name, (a, b), (va, vb), vjps, versions, out, None))
        t = _new(Tensor)  # _wrap(out) written out: a call less per op
        t.data = out
        t.requires_grad = False
        t.grad_fn = None
        t._version = 0
        return t

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


def _elementwise(name: str, fn, vjp, doc: str):
    """The one-input elementwise op ``name``: ``fn`` on the array, ``vjp`` its gradient;
    :func:`_unary` written out in one frame for the same reason as :func:`_binary_op`."""
    vjps = (vjp,)

    def op(x: Tensor) -> Tensor:
        v = x.data
        try:
            out = fn(v)
        except TypeError:  # numpy has e.g. no negative of bool
            _not_bool(x, name)
            raise
        if type(out) is not _ndarray:
            out = np.asarray(out)
        dt = out.dtype
        if (dt is _FLOAT64 or dt is _FLOAT16) and v.dtype.kind != "f":
            out = _nonfloat_result(name, out, x)
        if ANOMALY_USERS[0] and MODE.anomaly:
            _check_finite(name, out)
        if x.requires_grad and MODE.grad_enabled:
            return _wrap(out, Node(name, (x,), (v,), vjps, (x._version,), out, None))
        t = _new(Tensor)  # _wrap(out) written out: a call less per op
        t.data = out
        t.requires_grad = False
        t.grad_fn = None
        t._version = 0
        return t

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


# ----------------------------------------------------------------------------------------
# Arithmetic


def _grad_same(xp, g, out, a, b):
    return g


def _grad_neg(xp, g, out, *inputs):
    return -g


add = _binary_op("add", np.add, (_grad_same, _grad_same),
                 """Elementwise ``a + b`` with numpy broadcasting: (3, 1) + (4,) -> (3, 4).""")

sub = _binary_op("sub", np.subtract, (_grad_same, _grad_neg), """Elementwise ``a - b``.""")
_reads("add", set())
_reads("sub", set())

mul = _binary_op("mul", np.multiply,
                 (lambda xp, g, out, a, b: g * b, lambda xp, g, out, a, b: g * a),
                 """Elementwise ``a * b``.""")

div = _binary_op("div", np.true_divide,
                 (lambda xp, g, out, a, b: g / b, lambda xp, g, out, a, b: -g * (a / b) / b),
                 """Elementwise ``a / b``.""")
_reads("mul", {1}, {0})
_reads("div", {1}, {0, 1})  # as PyTorch: not the output, which `h /= w` overwrites


def _pow_grad_base(xp, g, out, a, b):
    if isinstance(b, (int, float)):
        return g * 0 if b == 0 else g * b * a ** (b - 1)
    zero = (_data(b) == 0) & (_data(a) == 0)  # d(a**0)/da = 0 at a = 0 too, not 0 * inf
    if not zero.any():
        return g * b * a ** (b - 1)
    return xp.where(zero, 0.0, g * b * a ** xp.where(zero, 1.0, b - 1))


def _pow_grad_exponent(xp, g, out, a, b):
    # d(0**b)/db = 0**b·log 0: 0 for b >= 0 (as PyTorch, never 0·-inf); -inf for b < 0
    zero = (_data(a) == 0) & (_data(b) >= 0)
    with np.errstate(divide="ignore"):
        return xp.where(zero, 0.0, g * out * xp.log(xp.where(zero, 1.0, a)))


# A number exponent stays a Python number: its gradient has a shortcut for it.
pow = _binary_op("pow", np.power, (_pow_grad_base, _pow_grad_exponent),  # noqa: A001
                 """Elementwise ``a ** b`` (tensor or number exponent).""", cache_scalars=False)
_reads("pow", {0, 1}, {0, 1, "out"})

neg = _elementwise("neg", np.negative, _grad_neg, """``-x``.""")
_reads("neg", set())


def _tie_weight(a, b):
    """Share of the gradient that goes to ``a`` in maximum(a, b): 1, 0, or ½ on ties."""
    a, b = _data(a), _data(b)
    dtype = np.result_type(a, b) if np.result_type(a, b).kind == "f" else np.float64
    return (a > b).astype(dtype) + (a == b).astype(dtype) * 0.5


maximum = _binary_op("maximum", np.maximum, (
    lambda xp, g, out, a, b: g * _tie_weight(a, b),
    lambda xp, g, out, a, b: g * _tie_weight(b, a),
), """Elementwise maximum; on ties each side gets half the gradient (as PyTorch).""")

minimum = _binary_op("minimum", np.minimum, (
    lambda xp, g, out, a, b: g * _tie_weight(b, a),
    lambda xp, g, out, a, b: g * _tie_weight(a, b),
), """Elementwise minimum; on ties each side gets half the gradient (as PyTorch).""")
_reads("maximum", {0, 1})
_reads("minimum", {0, 1})


# ----------------------------------------------------------------------------------------
# Elementwise functions


exp = _elementwise("exp", np.exp, lambda xp, g, out, x: g * out, """Elementwise e**x.""")

log = _elementwise("log", np.log, lambda xp, g, out, x: g / x, """Natural logarithm.""")

sqrt = _elementwise("sqrt", np.sqrt, lambda xp, g, out, x: g / (out * 2), """Square root.""")

abs = _elementwise("abs", np.abs, lambda xp, g, out, x: g * np.sign(_data(x)),  # noqa: A001
                   """|x|; the gradient at 0 is 0 (as PyTorch).""")

sin = _elementwise("sin", np.sin, lambda xp, g, out, x: g * xp.cos(x), """Sine.""")

cos = _elementwise("cos", np.cos, lambda xp, g, out, x: -g * xp.sin(x), """Cosine.""")

tanh = _elementwise("tanh", np.tanh, lambda xp, g, out, x: g * (1 - out * out),
                    """Hyperbolic tangent.""")
for _name, _saved in (("exp", "out"), ("log", 0), ("sqrt", "out"), ("abs", 0), ("sin", 0),
                      ("cos", 0), ("tanh", "out")):
    _reads(_name, {_saved})


def _np_sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e**-x) without overflow for any x."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


sigmoid = _elementwise("sigmoid", _np_sigmoid, lambda xp, g, out, x: g * out * (1 - out),
                       """Logistic function, stable for any x.""")


relu = _elementwise("relu", lambda v: np.maximum(v, 0),
                   lambda xp, g, out, x: g * (_data(out) > 0),
                   """max(x, 0); the gradient at 0 is 0 (as PyTorch).""")
_reads("sigmoid", {"out"})
_reads("relu", {"out"})  # as PyTorch: out > 0 exactly where x > 0


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope·x otherwise."""
    slope = real(negative_slope, "leaky_relu", "negative_slope")
    return _unary(
        "leaky_relu", np.where(x.data > 0, x.data, x.data * slope), x,
        lambda xp, g, out, x: xp.where(_data(x) > 0, g, g * slope),
        {"negative_slope": slope},
    )


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha·(e**x − 1) otherwise."""
    alpha = real(alpha, "elu", "alpha")
    return _unary(
        "elu", np.where(x.data > 0, x.data, alpha * np.expm1(np.minimum(x.data, 0))), x,
        lambda xp, g, out, x: xp.where(_data(x) > 0, g, g * (out + alpha)),
        {"alpha": alpha},
    )


_erf = np.frompyfunc(math.erf, 1, 1)  # exact erf; numpy has none
_INV_SQRT_2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def _np_normal_cdf(x: np.ndarray) -> np.ndarray:
    # np.asarray: on a 0-d x the object ufunc returns a Python float, not an array.
    return np.asarray(0.5 * (1 + _erf(x * _INV_SQRT_2)), dtype=x.dtype)


def gelu(x: Tensor) -> Tensor:
    """x·Φ(x) with the exact (erf) normal CDF Φ, as PyTorch's default gelu."""
    v = x.data
    if v.dtype.kind != "f":  # integer data: computed in the default float dtype
        _not_bool(x, "gelu")
        v = v.astype(get_default_dtype())
    return _unary("gelu", v * _np_normal_cdf(v), x, lambda xp, g, out, x: g * xp.gelu_slope(x))


def _np_gelu_slope(x: np.ndarray) -> np.ndarray:
    return _np_normal_cdf(x) + x * np.exp(-0.5 * x * x) * _INV_SQRT_2PI


def gelu_slope(x: Tensor) -> Tensor:
    """d gelu / dx = Φ(x) + x·φ(x); its own op so that gelu has higher derivatives."""
    return _unary(
        "gelu_slope", _np_gelu_slope(x.data), x,
        lambda xp, g, out, x: g * xp.exp(x * x * -0.5) * (2 - x * x) * _INV_SQRT_2PI,
    )


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e**(beta·x)) / beta, linear where beta·x > threshold (as PyTorch)."""
    beta = real(beta, "softplus", "beta", low=0, low_open=True)
    threshold = real(threshold, "softplus", "threshold", finite=False)
    bx = x.data * beta
    out = np.where(bx > threshold, x.data, np.logaddexp(0, bx) / beta)
    return _unary(
        "softplus", out, x,
        lambda xp, g, out, x: xp.where(_data(x) * beta > threshold, g,
                                       g * xp.sigmoid(x * beta)),
        {"beta": beta, "threshold": threshold} if (beta, threshold) != (1.0, 20.0) else None,
    )


def clip(x: Tensor, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    """Clamp to [min, max] (either bound may be omitted); gradient 1 inside, 0 outside.
    min > max sets every element to max with a zero gradient, as PyTorch:
    tensor([1., 5.]).clip(3, 2) -> tensor([2., 2.])."""
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    for what, bound in (("min", min), ("max", max)):
        if bound is not None:
            real(bound, "clip", what, finite=False)
    # numpy scalar bounds are weak, like Python numbers: float32 stays float32.
    min, max = (v.item() if isinstance(v, np.generic) else v for v in (min, max))  # noqa: A001
    lo = -np.inf if min is None else min
    hi = np.inf if max is None else max
    return _unary(
        "clip", np.clip(x.data, min, max), x,
        lambda xp, g, out, x: g * ((_data(x) >= lo) & (_data(x) <= hi)),
        {"min": min, "max": max},
    )


_reads("clip", {0})


clamp = clip


def clone(x: Tensor) -> Tensor:
    """A copy inside the graph."""
    return _unary("clone", x.data.copy(), x, lambda xp, g, out, x: g)


_reads("clone", set())


def astype(x: Tensor, dtype: Any) -> Tensor:
    """A copy converted to ``dtype``; floating casts pass the gradient back in x's dtype."""
    dt = dtype_arg(dtype, "astype")
    if dt == x.dtype:
        return x
    source = x.dtype
    if dt.kind != "f":  # integer and bool results carry no gradient
        return Tensor._wrap(x.data.astype(dt))
    return _unary("astype", x.data.astype(dt), x,
                  lambda xp, g, out, x: xp.astype(g, source), {"dtype": dt.name})


# PyTorch's conversion methods: x.float() is astype(x, np.float32), and so on.
_CASTS = {"float": np.float32, "double": np.float64, "half": np.float16, "long": np.int64,
          "int": np.int32, "bool": np.bool_}


def _cast_method(name: str):
    dtype = np.dtype(_CASTS[name])

    def method(x: Tensor) -> Tensor:
        return astype(x, dtype)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"""``x.{name}()``: a copy as {dtype} (x itself when it already is)."""
    return method


def type_as(x: Tensor, other: Tensor) -> Tensor:
    """``x`` converted to ``other``'s dtype: ``astype(x, other.dtype)``."""
    return astype(x, _other(other, "type_as").dtype)


def _other(other: Any, op: str) -> Tensor:
    """The tensor argument of the ``*_as`` methods (PyTorch takes only a Tensor)."""
    if not isinstance(other, Tensor):
        raise TypeError(f"{op}: other must be a Tensor, got {_short(other)}")
    return other


_reads("astype", set())
for _name, _saved in (("leaky_relu", {0}), ("elu", {0, "out"}), ("gelu", {0}),
                      ("gelu_slope", {0}), ("softplus", {0})):
    _reads(_name, _saved)


# ----------------------------------------------------------------------------------------
# issue 16: more elementwise ops

_LN2, _LN10 = math.log(2), math.log(10)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_erfc = np.frompyfunc(math.erfc, 1, 1)  # erfc directly: 1 - erf(x) loses all digits for big x


def _exact(fn, v: np.ndarray) -> np.ndarray:
    """An object ufunc over math.erf/erfc as an array of v's float dtype: exact to the last
    bit (numpy has no erf, and a rational approximation is not) but a Python call an element
    (~0.7 µs, some 30x np.exp)."""
    return np.asarray(fn(v), dtype=v.dtype if v.dtype.kind == "f" else _FLOAT64)


def _real(fn):
    """``fn`` computed in float64 on integer/bool data (numpy would use float16 for bool and
    int8, losing digits); the result then gets PyTorch's dtype (:func:`_nonfloat_result`)."""
    def on(v: np.ndarray) -> np.ndarray:
        return fn(_as_real(v))
    return on


def _grad_zero(xp, g, out, *inputs):
    return g * 0  # piecewise constant: zero gradient everywhere (as PyTorch)


def _same_kind(fn):
    """``fn`` where integers give integers (floor, ceil and trunc of an int tensor are the
    tensor itself as PyTorch, not numpy's float64); bool is refused (by _elementwise)."""
    def on(v: np.ndarray) -> np.ndarray:
        if v.dtype.kind == "f":
            return fn(v)
        if v.dtype.kind == "b":
            raise TypeError("expected a floating point or integer tensor, got dtype bool")
        return v.copy()
    return on


def _np_sign(v: np.ndarray) -> np.ndarray:
    if v.dtype.kind == "b":
        return v.copy()  # the sign of a bool is the bool (as PyTorch)
    out = np.sign(v)
    return np.nan_to_num(out, nan=0.0) if v.dtype.kind == "f" else out  # as PyTorch


tan = _elementwise("tan", _real(np.tan), lambda xp, g, out, x: g * (out * out + 1), """Tangent.""")
asin = _elementwise("asin", _real(np.arcsin), lambda xp, g, out, x: g * (1 - x * x) ** -0.5,
                    """Arcsine (NaN outside [-1, 1]).""")
acos = _elementwise("acos", _real(np.arccos), lambda xp, g, out, x: -g * (1 - x * x) ** -0.5,
                    """Arccosine (NaN outside [-1, 1]).""")
atan = _elementwise("atan", _real(np.arctan), lambda xp, g, out, x: g / (x * x + 1),
                    """Arctangent.""")
sinh = _elementwise("sinh", _real(np.sinh),
                    lambda xp, g, out, x: g * (xp.exp(x) + xp.exp(-x)) * 0.5,
                    """Hyperbolic sine.""")
cosh = _elementwise("cosh", _real(np.cosh),
                    lambda xp, g, out, x: g * (xp.exp(x) - xp.exp(-x)) * 0.5,
                    """Hyperbolic cosine.""")
asinh = _elementwise("asinh", _real(np.arcsinh), lambda xp, g, out, x: g * (x * x + 1) ** -0.5,
                     """Inverse hyperbolic sine.""")
acosh = _elementwise("acosh", _real(np.arccosh), lambda xp, g, out, x: g * (x * x - 1) ** -0.5,
                     """Inverse hyperbolic cosine (NaN below 1).""")
atanh = _elementwise("atanh", _real(np.arctanh), lambda xp, g, out, x: g / (1 - x * x),
                     """Inverse hyperbolic tangent (NaN outside [-1, 1]).""")
log2 = _elementwise("log2", _real(np.log2), lambda xp, g, out, x: g / (x * _LN2),
                    """Base-2 logarithm.""")
log10 = _elementwise("log10", _real(np.log10), lambda xp, g, out, x: g / (x * _LN10),
                     """Base-10 logarithm.""")
log1p = _elementwise("log1p", _real(np.log1p), lambda xp, g, out, x: g / (x + 1),
                     """log(1 + x), accurate for small x.""")
exp2 = _elementwise("exp2", _real(np.exp2), lambda xp, g, out, x: g * out * _LN2, """2**x.""")
expm1 = _elementwise("expm1", _real(np.expm1), lambda xp, g, out, x: g * (out + 1),
                     """e**x - 1, accurate for small x.""")
rsqrt = _elementwise("rsqrt", _real(lambda v: 1 / np.sqrt(v)),
                     lambda xp, g, out, x: g * out * out * out * -0.5, """1 / sqrt(x).""")
reciprocal = _elementwise("reciprocal", lambda v: 1 / v,
                          lambda xp, g, out, x: -g * out * out,
                          """1 / x (integers give floats, as PyTorch).""")
square = _elementwise("square", lambda v: np.square(v.astype(np.int64) if v.dtype.kind == "b"
                                                    else v),
                      lambda xp, g, out, x: g * x * 2, """x * x (bool gives int64, as PyTorch).""")
sign = _elementwise("sign", _np_sign, _grad_zero, """-1, 0 or 1 by the sign of x; zero gradient.""")
sgn = _elementwise("sgn", _np_sign, _grad_zero, """The sign of x (:func:`sign` for real data).""")
floor = _elementwise("floor", _same_kind(np.floor), _grad_zero,
                     """The largest integer <= x; zero gradient (as PyTorch).""")
ceil = _elementwise("ceil", _same_kind(np.ceil), _grad_zero,
                    """The smallest integer >= x; zero gradient.""")
trunc = _elementwise("trunc", _same_kind(np.trunc), _grad_zero,
                     """x rounded toward zero; zero gradient.""")
frac = _elementwise("frac", lambda v: v - np.trunc(v) if v.dtype.kind == "f" else
                    _not_float("frac", v), lambda xp, g, out, x: g,
                    """x - trunc(x), with x's sign: frac(-2.5) = -0.5; gradient 1.""")
erf = _elementwise("erf", lambda v: _exact(_erf, v),
                   lambda xp, g, out, x: g * xp.exp(-x * x) * _TWO_OVER_SQRT_PI,
                   """The error function, exact (math.erf per element).""")
erfc = _elementwise("erfc", lambda v: _exact(_erfc, v),
                    lambda xp, g, out, x: g * xp.exp(-x * x) * -_TWO_OVER_SQRT_PI,
                    """1 - erf(x), exact also where it is tiny (math.erfc per element).""")


def _not_float(op: str, v: np.ndarray):
    raise TypeError(f"{op}: expected a floating point tensor, got dtype {v.dtype}")


def round(x: Tensor, decimals: int = 0) -> Tensor:  # noqa: A001
    """Round half to even (as PyTorch) to ``decimals`` places (negative: tens, hundreds);
    zero gradient: tensor([0.5, 1.5, 2.25]).round(decimals=1) -> [0.5, 1.5, 2.2]."""
    d = integer(decimals, "round", "decimals")
    v = x.data
    if v.dtype.kind != "f":
        if v.dtype.kind == "b" or d:
            raise TypeError(f"round: dtype {v.dtype} is not supported"
                            + (f" with decimals={d}" if d else ""))
        return _unary("round", v.copy(), x, _grad_zero)
    return _unary("round", np.round(v, d), x, _grad_zero, {"decimals": d} if d else None)


def nan_to_num(x: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """NaN -> ``nan``, +inf -> ``posinf``, -inf -> ``neginf`` (default: the dtype's largest
    and smallest finite values, as PyTorch); the gradient passes where x is finite."""
    args = {"nan": real(nan, "nan_to_num", "nan", finite=False)}
    for what, v in (("posinf", posinf), ("neginf", neginf)):
        args[what] = None if v is None else real(v, "nan_to_num", what, finite=False)
    out = np.nan_to_num(x.data, copy=True, **args)
    return _unary("nan_to_num", out, x,
                  lambda xp, g, out, x: g * np.isfinite(_data(x)), args)


def _predicate(name: str, fn, doc: str):
    def op(x: Tensor) -> Tensor:
        return Tensor._wrap(np.asarray(fn(x.data)))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


isnan = _predicate("isnan", np.isnan, """Where x is NaN: a bool tensor of x's shape.""")
isinf = _predicate("isinf", np.isinf, """Where x is +inf or -inf: a bool tensor.""")
isfinite = _predicate("isfinite", np.isfinite, """Where x is neither NaN nor infinite.""")
logical_not = _predicate("logical_not", np.logical_not, """Where x is zero: a bool tensor.""")


def _on_floats(fn):
    """A float-valued binary ufunc computed in float64 on integer/bool arrays (numpy would
    use float16 for bool and int8); the result gets PyTorch's dtype (:func:`_float_result`)."""
    def on(a: Any, b: Any) -> np.ndarray:
        return fn(_as_real(a), _as_real(b))
    return on


def _as_real(v: Any) -> Any:
    return v.astype(_FLOAT64) if getattr(v, "dtype", _FLOAT64).kind in "biu" else v


def _hypot_grad(which: int):
    def vjp(xp, g, out, a, b):
        return g * (a, b)[which] / out
    return vjp


def _logaddexp_grad(which: int, scale: float):
    """d/da log(e**a + e**b) = sigmoid(a - b) (base 2: with a, b scaled by ln 2); stable,
    and reads only the inputs, as PyTorch."""
    def vjp(xp, g, out, a, b):
        return g * xp.sigmoid((a - b) * scale if which == 0 else (b - a) * scale)
    return vjp


atan2 = _binary_op("atan2", _on_floats(np.arctan2), (
    lambda xp, g, out, a, b: g * b / (a * a + b * b),
    lambda xp, g, out, a, b: -g * a / (a * a + b * b),
), """The angle of the point (b, a) (``atan2(a, b)``, a the y), in [-pi, pi], broadcast:
(3, 1) and (4,) -> (3, 4).""")
hypot = _binary_op("hypot", _on_floats(np.hypot), (_hypot_grad(0), _hypot_grad(1)),
                   """sqrt(a**2 + b**2) without overflow, broadcast.""")
logaddexp = _binary_op("logaddexp", _on_floats(np.logaddexp),
                       (_logaddexp_grad(0, 1.0), _logaddexp_grad(1, 1.0)),
                       """log(e**a + e**b) without overflow, broadcast.""")
logaddexp2 = _binary_op("logaddexp2", _on_floats(np.logaddexp2),
                        (_logaddexp_grad(0, _LN2), _logaddexp_grad(1, _LN2)),
                        """log2(2**a + 2**b) without overflow, broadcast.""")


def _np_xlogy(x: Any, y: Any) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.multiply(x, np.log(y))
    # 0 where x == 0, whatever y is except NaN (as PyTorch): 0·log 0 = 0
    return np.where((np.asarray(x) == 0) & ~np.isnan(y), 0, out).astype(out.dtype, copy=False)


def _xlogy_grad_x(xp, g, out, x, y):
    bad = (_data(x) == 0) & (_data(y) <= 0)  # as PyTorch: 0 there, not g·log(y) = -inf
    if not np.any(bad):
        return g * xp.log(y)
    return xp.where(bad, 0.0, g * xp.log(xp.where(bad, 1.0, y)))


xlogy = _binary_op("xlogy", _on_floats(_np_xlogy),
                   (_xlogy_grad_x, lambda xp, g, out, x, y: g * x / y),
                   """x * log(y), 0 where x == 0 (as PyTorch), broadcast: (3, 1) and (4,) ->
                   (3, 4).""")


def _integer_division(name: str, fn):
    """``fn`` with PyTorch's integer rules: bool operands refused, integer division by
    zero an error (numpy would give 0 with a warning)."""
    def on(a: Any, b: Any) -> np.ndarray:
        kind = np.result_type(a, b).kind
        if kind == "b":
            raise TypeError(f"{name}: not supported for bool tensors")
        if kind in "iu" and not np.all(b):
            raise RuntimeError(f"{name}: integer division by zero")
        return fn(a, b)
    return on


def _np_div_trunc(a: Any, b: Any) -> np.ndarray:
    if np.result_type(a, b).kind == "f":
        return np.trunc(np.true_divide(a, b))
    q, r = np.divmod(a, b)  # floor division, then one up where it floored a negative
    return q + ((r != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0)))


fmod = _binary_op("fmod", _integer_division("fmod", np.fmod), (
    _grad_same, lambda xp, g, out, a, b: g * -np.trunc(_data(a) / _data(b)),
), """The remainder of a / b with a's sign (C's fmod): fmod(-5, 3) = -2; broadcast.""")
remainder = _binary_op("remainder", _integer_division("remainder", np.remainder), (
    _grad_same, lambda xp, g, out, a, b: g * -np.floor(_data(a) / _data(b)),
), """The remainder of a / b with b's sign (Python's %): remainder(-5, 3) = 1.""")
floor_divide = _binary_op("floor_divide", _integer_division("floor_divide", np.floor_divide),
                          (_grad_zero, _grad_zero),
                          """floor(a / b) (``a // b``); zero gradient, as div's rounding
                          modes.""")
_div_trunc = _binary_op("div_trunc", _integer_division("div", _np_div_trunc),
                        (_grad_zero, _grad_zero), """trunc(a / b); zero gradient.""")


def lerp(x: Tensor, end: Any, weight: Any) -> Tensor:
    """x + weight·(end - x), ``end`` a tensor and ``weight`` a tensor or a number, all
    broadcast: (3, 1), (4,) and () -> (3, 4)."""
    if not isinstance(end, Tensor):
        raise TypeError(f"lerp: end must be a Tensor, got {_short(end)}")
    for t in (x, end) + ((weight,) if isinstance(weight, Tensor) else ()):
        if t.dtype.kind != "f":
            raise TypeError(f"lerp: expected floating point tensors, got dtype {t.dtype}")
    w = weight if isinstance(weight, Tensor) else real(weight, "lerp", "weight", finite=False)
    try:
        np.broadcast_shapes(x.shape, end.shape, np.shape(_data(w)))
    except ValueError:
        raise ShapeError(f"lerp: shapes {x.shape}, {end.shape} and {np.shape(_data(w))} "
                         "cannot be broadcast together") from None
    if not isinstance(w, Tensor):
        return add(x, mul(sub(end, x), w))
    out = x.data + w.data * (end.data - x.data)
    return _record("lerp", out, (x, end, w), (x.data, end.data, w.data), (
        lambda xp, g, out, x, e, w: g * (1 - w),
        lambda xp, g, out, x, e, w: g * w,
        lambda xp, g, out, x, e, w: g * (e - x),
    ))


def _bitwise(name: str, fn, symbol: str):
    """``a <symbol> b`` on bool and integer tensors (a TypeError on floats, as PyTorch)."""
    return _binary_op(name, fn, (None, None),
                      f"""Elementwise ``a {symbol} b`` for bool/integer tensors (logical on
                      bool), broadcast.""")


bitwise_and = _bitwise("bitwise_and", np.bitwise_and, "&")
bitwise_or = _bitwise("bitwise_or", np.bitwise_or, "|")
bitwise_xor = _bitwise("bitwise_xor", np.bitwise_xor, "^")


def bitwise_not(x: Tensor) -> Tensor:
    """``~x``: logical not on bool, bitwise not on integers; floats are refused."""
    if x.data.dtype.kind not in "biu":
        raise TypeError(f"bitwise_not: ~ is only for integer and bool tensors, got dtype "
                        f"{x.data.dtype}")
    return Tensor._wrap(np.invert(x.data))


def _logical(name: str, fn):
    def op(a: Any, b: Any) -> Tensor:
        return _compare(name, fn, a, b)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"""Elementwise {name[8:]} of the truth values (nonzero) of a and b: a
    bool tensor, broadcast, no gradient."""
    return op


logical_and = _logical("logical_and", np.logical_and)
logical_or = _logical("logical_or", np.logical_or)
logical_xor = _logical("logical_xor", np.logical_xor)


for _name, _saved in (("tan", {"out"}), ("asin", {0}), ("acos", {0}), ("atan", {0}),
                      ("sinh", {0}), ("cosh", {0}), ("asinh", {0}), ("acosh", {0}),
                      ("atanh", {0}), ("log2", {0}), ("log10", {0}), ("log1p", {0}),
                      ("exp2", {"out"}), ("expm1", {"out"}), ("rsqrt", {"out"}),
                      ("reciprocal", {"out"}), ("square", {0}), ("erf", {0}), ("erfc", {0}),
                      ("nan_to_num", {0})):
    _reads(_name, _saved)
for _name in "sign sgn floor ceil trunc frac round floor_divide div_trunc".split():
    _reads(_name, set())
_reads("atan2", {0, 1})
_reads("hypot", {0, 1, "out"})
_reads("logaddexp", {0, 1})
_reads("logaddexp2", {0, 1})
_reads("xlogy", {0, 1})
_reads("fmod", set(), {0, 1})
_reads("remainder", set(), {0, 1})
_reads("lerp", {2}, {2}, {0, 1})

_ELEMENTWISE16 = (
    "tan asin acos atan sinh cosh asinh acosh atanh log2 log10 log1p exp2 expm1 rsqrt "
    "reciprocal square sign sgn floor ceil round trunc frac erf erfc nan_to_num atan2 hypot "
    "lerp xlogy fmod remainder floor_divide bitwise_and bitwise_or bitwise_xor bitwise_not"
).split()
_LOGICAL16 = "logical_and logical_or logical_xor logical_not".split()
# (no logical_and_ etc.: a value without a graph written into a tensor in one has no rule)
_IN_PLACE += _ELEMENTWISE16
_METHODS += _ELEMENTWISE16 + _LOGICAL16 + "logaddexp logaddexp2 isnan isinf isfinite".split()
_FUNCTION_FORMS += ("tan asin acos atan sinh cosh asinh acosh atanh log2 log10 log1p exp2 "
                    "expm1 rsqrt reciprocal square sign sgn floor ceil round trunc frac erf "
                    "erfc nan_to_num lerp isnan isinf isfinite bitwise_not logical_not logical_and "
                    "logical_or logical_xor").split()


# ----------------------------------------------------------------------------------------
# Reductions


def _axes(x: Tensor, axis: Any, op: str) -> tuple[int, ...]:
    """``axis`` (None, int or tuple) as a sorted tuple of non-negative axes, validated
    (out of range: :class:`DimError`, an IndexError as in PyTorch)."""
    nd = x.ndim
    if type(axis) is int and -nd <= axis < nd:  # the common case, checked at once
        return (axis % nd,)
    if axis is None:
        return tuple(range(nd))
    raw = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    out = []
    for a in raw:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
        n = builtins.max(nd, 1)
        if not -n <= a < n:
            raise DimError(f"{op}: axis {a} is out of range for a tensor of shape {x.shape} "
                           f"(expected a dim in [{-n}, {n - 1}])")
        out.append(int(a) % n)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    return tuple(sorted(out)) if nd else ()


def _reduce_args(op: str, axis, keepdims, dim, keepdim) -> tuple[Any, bool]:
    """Accept PyTorch's ``dim``/``keepdim`` as aliases of numpy's ``axis``/``keepdims``."""
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}: give axis or dim, not both")
        axis = dim
    return axis, flag(keepdims, op, "keepdims") or flag(keepdim, op, "keepdim")


def _kept_shape(shape: tuple, axes: tuple) -> tuple:
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _reduced_shape(shape: tuple, axes: tuple, keepdims: bool) -> tuple:
    return _kept_shape(shape, axes) if keepdims else \
        tuple(s for i, s in enumerate(shape) if i not in axes)


def _reduction(name: str, x: Tensor, axes: tuple, keepdims: bool, out: Any, vjp) -> Tensor:
    """Record a reduction; ``vjp`` gets the gradient already reshaped to keepdims form."""
    kshape = _kept_shape(x.shape, axes)
    return _unary(
        name, out, x,
        lambda xp, g, out, x: vjp(xp, g.reshape(kshape), out.reshape(kshape), x),
        {"axis": axes if len(axes) != 1 else axes[0], "keepdims": keepdims}
        if len(axes) != x.ndim or keepdims else None,
    )


def sum(x: Tensor, axis: Any = None, keepdims: bool = False, *, dim: Any = None,  # noqa: A001
        keepdim: bool = False) -> Tensor:
    """Sum over ``axis`` (all by default; positional as PyTorch's ``x.sum(dim, keepdim)``):
    (2, 3).sum(1) -> (2,)."""
    axis, keepdims = _reduce_args("sum", axis, keepdims, dim, keepdim)
    axes = _axes(x, axis, "sum")
    shape = x.shape
    return _reduction("sum", x, axes, keepdims, x.data.sum(axis=axes, keepdims=keepdims),
                      lambda xp, g, out, x: xp.broadcast_to(g, shape))


def mean(x: Tensor, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
         keepdim: bool = False) -> Tensor:
    """Mean over ``axis``: (2, 3).mean(0) -> (3,). Over an empty axis it is NaN (as
    PyTorch)."""
    axis, keepdims = _reduce_args("mean", axis, keepdims, dim, keepdim)
    axes = _axes(x, axis, "mean")
    shape = x.shape
    count = int(np.prod([shape[a] for a in axes]))
    if count:
        out = x.data.mean(axis=axes, keepdims=keepdims)
    else:  # numpy would warn "mean of empty slice" on the way to the same NaN
        out = np.full(_reduced_shape(shape, axes, keepdims), np.nan,
                      x.dtype if x.dtype.kind == "f" else get_default_dtype())
    return _reduction("mean", x, axes, keepdims, out,  # (count 0: x is empty, so is g's image)
                      lambda xp, g, out, x: xp.broadcast_to(g / (count or 1), shape))


_reads("sum", set())
_reads("mean", set())


def var(x: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        axis: Any = None, keepdims: bool = False, ddof: int | None = None,
        correction: int | None = None) -> Tensor:
    """Variance as PyTorch: unbiased (``correction=1``) by default, positional
    ``x.var(dim, unbiased, keepdim)``; numpy's ``ddof=0`` gives the population variance.
    (2, 3).var(1) -> (2,). With no degrees of freedom (count - correction <= 0) the result
    is NaN or inf with a warning, as PyTorch. Composed from mean/sum, so its gradients come
    from theirs."""
    v, dtype = _variance("var", x, dim, unbiased, keepdim, axis, keepdims, ddof, correction)
    with np.errstate(over="ignore"):  # a variance beyond float32 is inf, as PyTorch's
        return astype(v, dtype)


def std(x: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        axis: Any = None, keepdims: bool = False, ddof: int | None = None,
        correction: int | None = None) -> Tensor:
    """Standard deviation, sqrt of :func:`var` (same arguments and defaults); where it is 0
    (a constant input) the gradient is 0, as PyTorch, not NaN. float32 values near 1e20
    (whose squares overflow float32) give their std, not inf."""
    v, dtype = _variance("std", x, dim, unbiased, keepdim, axis, keepdims, ddof, correction)
    with np.errstate(over="ignore"):
        return astype(_unary("std", np.sqrt(v.data), v, _grad_std), dtype)


def _variance(op: str, x: Tensor, dim: Any, unbiased: bool | None, keepdim: bool, axis: Any,
              keepdims: bool, ddof: int | None, correction: int | None
              ) -> tuple[Tensor, np.dtype]:
    """The variance for :func:`var` and :func:`std` (errors naming ``op``), computed in
    float64 as PyTorch accumulates it (squares of float32 values overflow from ~2e19), and
    the dtype of the result."""
    if isinstance(dim, (bool, np.bool_)) and unbiased is None:  # PyTorch's x.var(False)
        dim, unbiased = None, dim
    axis, keepdims = _reduce_args(op, axis, keepdims, dim, keepdim)
    given = [integer(v, op, name, low=0)
             for name, v in (("ddof", ddof), ("correction", correction)) if v is not None]
    if unbiased is not None:
        given.append(1 if flag(unbiased, op, "unbiased") else 0)
    if len(given) > 1:
        raise TypeError(f"{op}: give only one of ddof, correction, unbiased")
    correction = given[0] if given else 1
    axes = _axes(x, axis, op)
    count = int(np.prod([x.shape[a] for a in axes]))
    if count - correction <= 0:
        warnings.warn(f"{op}: {count} element(s) along the reduced dims of shape {x.shape} "
                      f"with correction={correction} leave no degrees of freedom; the result "
                      "is NaN or inf (as PyTorch)", RuntimeWarning, stacklevel=3)
    dtype = x.dtype if x.dtype.kind == "f" else get_default_dtype()
    wide = x if x.dtype == _FLOAT64 else astype(x, np.float64)
    centered = wide - mean(wide, axis=axes, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):  # warned above
        v = sum(centered * centered, axis=axes, keepdims=keepdims) \
            / builtins.max(count - correction, 0)
    return v, dtype


def _grad_std(xp, g, out, v):
    zero = _data(out) == 0  # sqrt'(0) is infinite, and 0 * inf would be NaN
    if not zero.any():
        return g / (out * 2)
    return xp.where(zero, 0.0, g / xp.where(zero, 1.0, out * 2))


# What x.max(dim) returns, as torch.return_types.max: a pair with names.
_VALUES_INDICES = {name: namedtuple(name, ("values", "indices"), module="autograd_lite")
                   for name in ("max", "min")}


def _nonempty(name: str, x: Tensor, axes: tuple, whole: bool) -> None:
    """PyTorch's rule: an empty tensor reduces along its non-empty dims only."""
    for a in axes:
        if x.shape[a] == 0:
            if whole:
                raise ShapeError(f"{name}: cannot reduce an empty tensor of shape {x.shape} "
                                 "as a whole; give a dim whose size is not 0")
            raise DimError(f"{name}: cannot reduce dim {a} of size 0 (shape {x.shape})")


def _extremum(name: str, x: Tensor, dim: Any, keepdim: bool, axis: Any,
              keepdims: bool) -> Any:
    """:func:`max` or :func:`min`: elementwise, (values, indices) or values."""
    if isinstance(dim, Tensor):  # torch.max(a, b)
        if axis is not None or keepdim or keepdims:
            raise TypeError(f"{name}: with a tensor as second argument it is the elementwise "
                            f"{name}imum and takes no axis or keepdim")
        return (maximum if name == "max" else minimum)(x, dim)
    if dim is None:  # x.max() or numpy's x.max(axis=...): the values
        axis, keepdims = _reduce_args(name, axis, keepdims, None, keepdim)
        axes = _axes(x, axis, name)
        _nonempty(name, x, axes, axis is None)

        def vjp(xp, g, out, x):
            hit = _data(x) == _data(out)  # ties share the gradient evenly (as PyTorch)
            return g * (hit / hit.sum(axis=axes, keepdims=True)).astype(_data(x).dtype)

        npfn = np.max if name == "max" else np.min
        return _reduction(name, x, axes, keepdims,
                          npfn(x.data, axis=axes, keepdims=keepdims), vjp)
    if axis is not None:
        raise TypeError(f"{name}: give axis or dim, not both")
    keepdim = flag(keepdim, name, "keepdim") or flag(keepdims, name, "keepdims")
    src = x if x.ndim else reshape(x, 1)  # a 0-d tensor has dims 0 and -1, as a (1,) one
    (k,) = _axes(src, integer(dim, name, "dim"), name)
    _nonempty(name, src, (k,), False)
    idx = (np.argmax if name == "max" else np.argmin)(src.data, axis=k, keepdims=True)
    idx = idx.astype(np.int64, copy=False)  # the first of tied values, as PyTorch
    values = np.take_along_axis(src.data, idx, axis=k)
    n, kshape = src.shape[k], idx.shape

    def select(xp, g, out, x):  # the gradient goes to the selected element only (PyTorch)
        at = np.arange(n).reshape([n if i == k else 1 for i in range(len(kshape))]) == idx
        return g.reshape(kshape) * at

    keep = keepdim and x.ndim > 0
    out = _unary(name, values if keep else values.squeeze(k), src, select,
                 {"dim": k, "keepdim": keep})
    return _VALUES_INDICES[name](out, Tensor._wrap(idx if keep else idx.squeeze(k)))


def max(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,  # noqa: A001
        keepdims: bool = False) -> Any:
    """As PyTorch: ``x.max()`` is the largest value (tied maxima split the gradient evenly);
    ``x.max(dim, keepdim=False)`` is a named pair ``(values, indices)`` (int64 indices of
    the first maximum; the gradient goes to that element): (2, 3).max(1) -> two (2,);
    ``x.max(other_tensor)`` is the elementwise :func:`maximum`. numpy's ``axis=``/
    ``keepdims=`` give the values alone, as ``x.max()``."""
    return _extremum("max", x, dim, keepdim, axis, keepdims)


def min(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,  # noqa: A001
        keepdims: bool = False) -> Any:
    """The smallest values; the same forms as :func:`max`."""
    return _extremum("min", x, dim, keepdim, axis, keepdims)


def _truth(name: str, npfn, x: Tensor, dim, keepdim, axis, keepdims, out) -> Tensor:
    if out is not None:  # np.any(t) passes out=None
        raise TypeError(f"{name}: out= is not supported, got {_short(out)}")
    axis, keepdims = _reduce_args(name, axis, keepdims, dim, keepdim)
    axes = _axes(x, axis, name)
    return Tensor._wrap(np.asarray(npfn(x.data, axis=axes, keepdims=keepdims)))


# Named _any/_all here (ag.any and Tensor.any outside): this module calls the builtins.
def _any(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
         keepdims: bool = False, out: None = None) -> Tensor:
    """Whether any element (along ``dim``) is nonzero, a bool tensor as PyTorch (0-d for
    the whole tensor): (2, 3).any(1) -> (2,) bool. ``bool(x.any())`` and ``np.any(x)``
    work."""
    return _truth("any", np.any, x, dim, keepdim, axis, keepdims, out)


def _all(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
         keepdims: bool = False, out: None = None) -> Tensor:
    """Whether every element (along ``dim``) is nonzero; the same forms as ``any``."""
    return _truth("all", np.all, x, dim, keepdim, axis, keepdims, out)


_any.__name__ = _any.__qualname__ = "any"
_all.__name__ = _all.__qualname__ = "all"


_reads("max", {0, "out"})
_reads("min", {0, "out"})


def _stable_shift(x: np.ndarray, axes: tuple) -> np.ndarray:
    """The max over ``axes`` (keepdims), 0 where it is infinite: subtracted before exp.
    An empty tensor has nothing to shift (and numpy's max of nothing is an error)."""
    if not x.size:
        return np.zeros(tuple(1 if i in axes else n for i, n in enumerate(x.shape)), x.dtype)
    if axes == (1,) and x.ndim == 2 and x.shape[0] >= 32 and x.shape[1] <= 32:
        # numpy reduces a short last axis row by row (~8 ns an element); over the first
        # axis of a transposed copy it is a few whole-row passes, 2-5x faster for logits
        m = np.maximum.reduce(np.ascontiguousarray(x.T), axis=0)[:, None]
    else:
        m = np.maximum.reduce(x, axis=axes, keepdims=True)
    inf = np.isinf(m)  # (NaN stays: its row is NaN either way)
    return np.where(inf, 0, m) if np.count_nonzero(inf) else m  # count: cheaper than any()


def logsumexp(x: Tensor, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
              keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over ``axis`` without overflow; its gradient is the softmax.
    Over an empty axis (or all −inf) it is −inf, as PyTorch: zeros((0, 3)).logsumexp(0)
    -> (3,) of −inf."""
    axis, keepdims = _reduce_args("logsumexp", axis, keepdims, dim, keepdim)
    axes = _axes(x, axis, "logsumexp")
    _not_bool(x, "logsumexp")
    m = _stable_shift(x.data, axes)
    with np.errstate(divide="ignore"):  # log(0) = −inf is the answer, not a mistake
        out = np.log(np.add.reduce(np.exp(x.data - m), axis=axes, keepdims=True)) + m
    if not keepdims:
        out = out.reshape(tuple(s for i, s in enumerate(x.shape) if i not in axes))
    return _reduction("logsumexp", x, axes, keepdims, out,
                      lambda xp, g, out, x: g * xp.exp(x - out))


_reads("logsumexp", {0, "out"})


def softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``axis``, stable for any logits: (N, C) -> (N, C)."""
    axes = _axes(x, axis if dim is None else dim, "softmax")
    _not_bool(x, "softmax")
    e = np.exp(x.data - _stable_shift(x.data, axes))
    out = e / np.add.reduce(e, axis=axes, keepdims=True)
    return _unary("softmax", out, x,
                  lambda xp, g, out, x: out * (g - (g * out).sum(axis=axes, keepdims=True)),
                  {"axis": axes[0] if axes else None})


def log_softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """x − logsumexp(x) along ``axis``, stable for any logits: (N, C) -> (N, C)."""
    axes = _axes(x, axis if dim is None else dim, "log_softmax")
    _not_bool(x, "log_softmax")
    shifted = x.data - _stable_shift(x.data, axes)
    if shifted.size:  # (an empty axis would take log(0) on the way to an empty result)
        out = shifted - np.log(np.add.reduce(np.exp(shifted), axis=axes, keepdims=True))
    else:
        out = shifted
    return _unary("log_softmax", out, x,
                  lambda xp, g, out, x: g - xp.exp(out) * g.sum(axis=axes, keepdims=True),
                  {"axis": axes[0] if axes else None})


_reads("softmax", {"out"})
_reads("log_softmax", {"out"})
_reads("std", {"out"})


def _arg_extremum(name: str, npfn, x: Tensor, axis, keepdims, dim, keepdim) -> Tensor:
    axis, keepdims = _reduce_args(name, axis, keepdims, dim, keepdim)
    if axis is not None:
        (axis,) = _axes(x, axis, name) or (0,)
    _nonempty(name, x, tuple(range(x.ndim)) if axis is None else (axis,), axis is None)
    return Tensor._wrap(np.asarray(npfn(x.data, axis=axis, keepdims=keepdims), dtype=np.int64))


def argmax(x: Tensor, axis: int | None = None, keepdims: bool = False, *,
           dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest value (flat index when ``axis`` is None); no gradient."""
    return _arg_extremum("argmax", np.argmax, x, axis, keepdims, dim, keepdim)


def argmin(x: Tensor, axis: int | None = None, keepdims: bool = False, *,
           dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest value (flat index when ``axis`` is None); no gradient."""
    return _arg_extremum("argmin", np.argmin, x, axis, keepdims, dim, keepdim)


# ----------------------------------------------------------------------------------------
# Linear algebra


def _matmul_grad_a(xp, g, out, a, b):
    if b.ndim == 1:
        return (g.reshape(g.shape + (1,)) @ b.reshape((1, -1))) if a.ndim > 1 else g * b
    if a.ndim == 1:
        g = g.reshape(g.shape[:-1] + (1, g.shape[-1]))  # (..., 1, m); engine sums batches
    return g @ b.swapaxes(-1, -2)


def _matmul_grad_b(xp, g, out, a, b):
    if a.ndim == 1:
        if b.ndim == 1:
            return g * a
        return a.reshape((-1, 1)) @ g.reshape(g.shape[:-1] + (1, g.shape[-1]))
    if b.ndim == 1:
        col = a.swapaxes(-1, -2) @ g.reshape(g.shape + (1,))  # (..., n, 1)
        return col.reshape(col.shape[:-1])
    if a.ndim == 2 == b.ndim and type(b) is np.ndarray and b.T.flags.c_contiguous \
            and not b.flags.c_contiguous:
        # b is a transposed view (x @ w.T): its gradient in that layout makes w.grad C-order
        return (g.T @ a).T
    return a.swapaxes(-1, -2) @ g


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product with numpy semantics: 1-D·1-D, 1-D·2-D, 2-D·2-D and batched with
    broadcast batch dims: (B, n, k) @ (k, m) -> (B, n, m)."""
    a, b = _tensor(a, "matmul"), _tensor(b, "matmul")
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"matmul: both operands need at least 1 dimension, got shapes "
                         f"{a.shape} and {b.shape} (use * for scalars)")
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise ShapeError(f"matmul: shapes {a.shape} and {b.shape} are not aligned: "
                         f"{k_a} (last dim of the first) != {k_b} (the second's "
                         f"{'only' if b.ndim == 1 else 'second-to-last'} dim)")
    try:
        out = np.matmul(a.data, b.data)
    except ValueError:
        raise ShapeError(f"matmul: batch dimensions of shapes {a.shape} and {b.shape} "
                         "cannot be broadcast together") from None
    return _record("matmul", out, (a, b), (a.data, b.data), (_matmul_grad_a, _matmul_grad_b))


_reads("matmul", {1}, {0})


def vdot(a: Any, b: Any) -> Tensor:
    """Σ a·b over all elements of two same-shape tensors (numpy's vdot for real data): a
    0-d tensor. One node where ``(a * b).sum()`` records two, and its gradient needs no
    broadcast: g·b and g·a."""
    a, b = _tensor(a, "vdot"), _tensor(b, "vdot")
    if a.shape != b.shape:
        raise ShapeError(f"vdot: shapes {a.shape} and {b.shape} differ")
    return _record("vdot", np.vdot(a.data, b.data), (a, b), (a.data, b.data),
                   (lambda xp, g, out, a, b: g * b, lambda xp, g, out, a, b: g * a))


_reads("vdot", {1}, {0})


# PyTorch's fixed-rank products: (ndim of a, ndim of b, the shapes they multiply)
_PRODUCTS = {"mm": (2, 2, "(n, k) and (k, m)"), "bmm": (3, 3, "(B, n, k) and (B, k, m)"),
             "mv": (2, 1, "(n, k) and (k,)"), "dot": (1, 1, "(n,) and (n,)")}


def _product(op: str, a: Any, b: Any) -> Tensor:
    """:func:`matmul` (and its gradients) after checking the ranks and sizes ``op`` takes."""
    a, b = _tensor(a, op), _tensor(b, op)
    na, nb, shapes = _PRODUCTS[op]
    if a.ndim != na or b.ndim != nb or a.shape[-1] != b.shape[-2 if nb > 1 else 0] or (
            op == "bmm" and a.shape[0] != b.shape[0]):
        raise ValueError(f"{op}: expects tensors of shapes {shapes}, got {a.shape} and "
                         f"{b.shape}")
    return matmul(a, b)


def mm(a: Any, b: Any) -> Tensor:
    """Product of two matrices: (n, k) @ (k, m) -> (n, m); other ranks are an error."""
    return _product("mm", a, b)


def bmm(a: Any, b: Any) -> Tensor:
    """Batched matrix product, equal batches: (B, n, k) @ (B, k, m) -> (B, n, m)."""
    return _product("bmm", a, b)


def mv(a: Any, b: Any) -> Tensor:
    """Matrix times vector: (n, k) @ (k,) -> (n,)."""
    return _product("mv", a, b)


def dot(a: Any, b: Any) -> Tensor:
    """Inner product of two vectors of the same length: (n,) · (n,) -> ()."""
    return _product("dot", a, b)


def _linear_grad_weight(xp, g, out, x, w, *bias):
    if g.ndim != 2:  # Σ over every leading dim of gᵀ·x, as one (out, in) product
        g, x = g.reshape((-1, g.shape[-1])), x.reshape((-1, x.shape[-1]))
    return g.T @ x  # C-contiguous, like w


def _linear_grad_bias(xp, g, out, x, w, b):
    if g.ndim != 2:
        g = g.reshape((-1, g.shape[-1]))
    return g.sum(axis=0)  # already b's shape: no unbroadcast


_LINEAR_VJPS = (lambda xp, g, out, x, w, *b: g @ w, _linear_grad_weight, _linear_grad_bias)


def linear(x: Any, w: Any, b: Any = None) -> Tensor:
    """``x @ w.T + b`` with weight ``w`` (out, in) and bias ``b`` (out,): (N, *, in) ->
    (N, *, out). What nn.Linear computes, recorded as one graph node instead of three
    (transpose, matmul, add), as PyTorch's addmm: the layer of every model costs one op."""
    if not isinstance(x, Tensor) or not isinstance(w, Tensor):  # every layer: no calls
        x, w = _tensor(x, "linear"), _tensor(w, "linear")
    xv, wv = x.data, w.data
    if wv.ndim != 2:
        raise ShapeError(f"linear: weight must be 2-D (out_features, in_features), got shape "
                         f"{wv.shape}")
    if xv.ndim == 0 or xv.shape[-1] != wv.shape[1]:
        raise ShapeError(
            f"linear: input of shape {xv.shape} has {xv.shape[-1] if xv.ndim else 0} features "
            f"in its last dimension, but the weight of shape {wv.shape} expects in_features="
            f"{wv.shape[1]}")
    out = xv @ wv.T
    if b is None:
        return _record("linear", out, (x, w), (xv, wv), _LINEAR_VJPS[:2])
    if not isinstance(b, Tensor):
        b = _tensor(b, "linear")
    bv = b.data
    if bv.shape != wv.shape[:1]:
        raise ShapeError(f"linear: bias must have shape ({wv.shape[0]},), got {bv.shape}")
    if out.dtype is bv.dtype or out.dtype == bv.dtype:
        out += bv  # in place: no second (N, out) array
    else:
        out = out + bv
    return _record("linear", out, (x, w, b), (xv, wv, bv), _LINEAR_VJPS)


_reads("linear", {1}, {0}, set())


# ----------------------------------------------------------------------------------------
# Shape


def _shape_arg(shape: tuple, op: str, what: str = "sizes") -> tuple:
    """``f(2, 3)`` and ``f((2, 3))`` both mean the shape (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"{op}: {what} must be integers, got {shape!r}")
    return tuple(int(s) for s in shape)


def reshape(x: Tensor, *shape: Any) -> Tensor:
    """Same data, new shape (one size may be -1): (2, 6).reshape(3, -1) -> (3, 4)."""
    shape = _shape_arg(shape, "reshape")
    try:
        out = x.data.reshape(shape)
    except ValueError:
        raise ShapeError(f"reshape: cannot reshape a tensor of shape {x.shape} "
                         f"({x.data.size} elements) into shape {shape}") from None
    in_shape = x.shape
    return _viewing(x, _unary("reshape", out, x, lambda xp, g, out, x: g.reshape(in_shape),
                              {"shape": out.shape}), lambda a: a.reshape(shape))


def _viewing(x: Tensor, t: Tensor, view_fn) -> Tensor:
    """``t`` made from ``x`` by a view op, ``view_fn`` on numpy arrays: when its data shares
    ``x``'s memory, an in-place write to either must count against both (see
    Tensor._bump_version), ``t._base`` is the tensor that owns that memory and
    ``t._view_fn`` maps an array shaped like the base to ``t``'s view of it (the elements
    an in-place write through ``t`` changes, Tensor._rebase)."""
    if not np.may_share_memory(t.data, x.data):
        return t
    if x._base is None:
        t._base, t._view_fn = x, view_fn
    else:
        t._base, outer = x._base, x._view_fn
        t._view_fn = lambda a: view_fn(outer(a))
    return _alias(x, t)


def _positions(base: Tensor, view_fn) -> np.ndarray:
    """For each element of the view ``view_fn`` of ``base``: its flat index in ``base``."""
    return view_fn(np.arange(base.data.size).reshape(base.shape))


def _view_of(base: Tensor, view: Tensor, view_fn) -> engine.Node:
    """The history of ``view`` once an in-place op gave ``base`` a new one: its elements of
    the new base (the gradient scatter-adds back; expanded views repeat positions)."""
    pos, n, shape = _positions(base, view_fn), base.data.size, base.shape
    return _record("as_strided", view.data, (base,), (base.data,), (
        lambda xp, g, out, b: xp.scatter_add(g, (pos,), (n,)).reshape(shape),
    )).grad_fn


def _copy_slices(old_base: Tensor, value: Tensor, base: Tensor, view_fn) -> engine.Node:
    """The new history of ``base`` when an in-place op wrote ``value`` into its view
    ``view_fn``: ``old_base`` with that view's elements replaced by ``value``."""
    pos = _positions(base, view_fn)
    keep = np.ones(base.shape, base.dtype)
    keep.flat[pos] = 0
    return _record("copy_slices", base.data, (old_base, value), (old_base.data, value.data), (
        lambda xp, g, out, b, v: g * keep,
        lambda xp, g, out, b, v: g.reshape(-1)[pos],
    )).grad_fn


view = reshape


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims start_dim..end_dim (PyTorch semantics): (2, 3, 4).flatten(1) -> (2, 12)."""
    if x.ndim == 0:  # dims 0 and -1 are valid, as for a 1-d tensor
        _axes(x, start_dim, "flatten"), _axes(x, end_dim, "flatten")
        return reshape(x, 1)
    start, end = (_axes(x, d, "flatten")[0] for d in (start_dim, end_dim))
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    s = x.shape
    return reshape(x, s[:start] + (int(np.prod(s[start:end + 1])),) + s[end + 1:])


def squeeze(x: Tensor, axis: Any = None, *, dim: Any = None) -> Tensor:
    """Drop size-1 dims (only those in ``axis`` if given; others are left, as PyTorch)."""
    axes = _axes(x, axis if dim is None else dim, "squeeze")
    return reshape(x, tuple(s for i, s in enumerate(x.shape) if not (i in axes and s == 1)))


def unsqueeze(x: Tensor, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Insert a size-1 dim at ``axis`` (-1 appends): (3,).unsqueeze(0) -> (1, 3)."""
    axis = axis if dim is None else dim
    if axis is None:
        raise TypeError("unsqueeze: missing the axis")
    axis = integer(axis, "unsqueeze", "axis")
    nd = x.ndim + 1
    if not -nd <= axis < nd:
        raise DimError(f"unsqueeze: axis {axis} is out of range for a result of {nd} dims")
    axis %= nd
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


def transpose(x: Tensor, *dims: Any) -> Tensor:
    """PyTorch's transpose: two dims are swapped, in any ndim (a 2-D ``x.transpose(0, 1)``
    is ``x.T``): (2, 3, 4).transpose(0, 2) -> (4, 3, 2). Other argument counts keep numpy's
    meaning: none reverses the dims, a full permutation (or one tuple of it) is
    :func:`permute`."""
    if len(dims) == 2 and not isinstance(dims[0], (tuple, list)):
        return _swap(x, *dims, "transpose")
    if not dims:
        return _permuted(x, tuple(range(x.ndim))[::-1])
    return _permute(x, dims, "transpose")


def permute(x: Tensor, *dims: Any) -> Tensor:
    """Reorder all dims: (2, 3, 4).permute(2, 0, 1) -> (4, 2, 3) (``permute((2, 0, 1))``
    too)."""
    return _permute(x, dims, "permute")


def swapaxes(x: Tensor, axis1: int, axis2: int) -> Tensor:
    """Swap two dims (numpy's name for PyTorch's ``transpose(a, b)``):
    (2, 3, 4).swapaxes(0, 2) -> (4, 3, 2)."""
    return _swap(x, axis1, axis2, "swapaxes")


def _swap(x: Tensor, a: Any, b: Any, op: str) -> Tensor:
    a, b = ((_axes(x, integer(d, op, "dim"), op) or (0,))[0] for d in (a, b))
    perm = list(range(x.ndim))
    if perm:  # a 0-d tensor has dims 0 and -1, both itself
        perm[a], perm[b] = perm[b], perm[a]
    return _permuted(x, tuple(perm))


def _permute(x: Tensor, dims: tuple, op: str) -> Tensor:
    dims = _shape_arg(dims, op, "dims")
    if len(dims) != x.ndim:
        raise ShapeError(f"{op}: dims {dims} are not a permutation of the {x.ndim} dims of "
                         f"shape {x.shape} (to swap two dims use transpose(a, b))")
    dims = tuple(_axes(x, d, op)[0] for d in dims)
    if len(set(dims)) != len(dims):
        raise ShapeError(f"{op}: dims {dims} repeat a dim of shape {x.shape}")
    return _permuted(x, dims)


def _permuted(x: Tensor, axes: tuple) -> Tensor:
    """The view of ``x`` with its dims in the order ``axes`` (validated)."""
    inverse = tuple(np.argsort(axes).tolist())
    return _viewing(x, _unary("transpose", x.data.transpose(axes), x,
                              lambda xp, g, out, x: g.transpose(inverse), {"axes": axes}),
                    lambda a: a.transpose(axes))


def broadcast_to(x: Tensor, *shape: Any) -> Tensor:
    """Broadcast to ``shape`` (numpy rules): (3, 1) -> (2, 3, 4)."""
    shape = _shape_arg(shape, "broadcast_to")
    try:
        out = np.broadcast_to(x.data, shape)
    except ValueError:
        raise ShapeError(f"broadcast_to: shape {x.shape} cannot be broadcast to {shape}") \
            from None
    # The engine sums the gradient back over the broadcast axes.
    return _viewing(x, _unary("broadcast_to", out, x, lambda xp, g, out, x: g, {"shape": shape}),
                    lambda a: np.broadcast_to(a, shape))


def expand(x: Tensor, *sizes: Any) -> Tensor:
    """PyTorch's expand: like broadcast_to, and -1 keeps a dim's size."""
    sizes = _shape_arg(sizes, "expand")
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ShapeError(f"expand: {len(sizes)} sizes given for a tensor of shape {x.shape}")
    shape = tuple(x.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    if any(s < 0 for s in shape) or any(
            s != d and d != 1 for s, d in zip(shape[lead:], x.shape)):
        raise ShapeError(f"expand: a tensor of shape {x.shape} cannot be expanded to {sizes} "
                         "(only size-1 dims grow; -1 keeps a dim)")
    return broadcast_to(x, shape)


def t(x: Tensor) -> Tensor:
    """PyTorch's ``t()``: a 2-D tensor transposed, (2, 3) -> (3, 2); 0-D and 1-D returned
    as they are."""
    if x.ndim > 2:
        raise ValueError(f"t: expects a tensor of at most 2 dims, got shape {x.shape} (use "
                         "swapaxes or transpose)")
    return transpose(x) if x.ndim == 2 else x


def view_as(x: Tensor, other: Tensor) -> Tensor:
    """``x.view(other.shape)``."""
    return reshape(x, _other(other, "view_as").shape)


def reshape_as(x: Tensor, other: Tensor) -> Tensor:
    """``x.reshape(other.shape)``."""
    return reshape(x, _other(other, "reshape_as").shape)


def expand_as(x: Tensor, other: Tensor) -> Tensor:
    """``x.expand(other.shape)``: (3,) as (2, 3) -> (2, 3)."""
    return expand(x, _other(other, "expand_as").shape)


def contiguous(x: Tensor) -> Tensor:
    """``x`` when its elements are in row-major order already, else a row-major copy
    (in the graph): x.T.contiguous().is_contiguous() is True."""
    return x if x.data.flags.c_contiguous else clone(x)


def _tensor_sequence(tensors: Any, op: str) -> list[Tensor]:
    """The tensors of a non-empty list or tuple (anything ``ag.tensor`` takes)."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expected a list or tuple of tensors, got "
                        f"{type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{op}: needs at least one tensor")
    return [_tensor(t, op) for t in tensors]


def concatenate(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join along an existing axis: [(2, 3), (4, 3)] -> (6, 3)."""
    ts = _tensor_sequence(tensors, "concatenate")
    axis = integer(axis if dim is None else dim, "concatenate", "axis")
    if ts[0].ndim == 0:
        raise ShapeError("concatenate: zero-dimensional tensors cannot be concatenated "
                         "(use stack)")
    (axis,) = _axes(ts[0], axis, "concatenate")
    for t in ts:
        if t.ndim != ts[0].ndim or any(
            s != s0 for i, (s, s0) in enumerate(zip(t.shape, ts[0].shape)) if i != axis
        ):
            raise ShapeError(f"concatenate: shapes {[t.shape for t in ts]} differ outside "
                             f"axis {axis}")
    out = np.concatenate([t.data for t in ts], axis=axis)
    bounds = np.cumsum([0] + [t.shape[axis] for t in ts]).tolist()
    lead = (slice(None),) * axis

    def piece(i):
        index = lead + (slice(bounds[i], bounds[i + 1]),)
        return lambda xp, g, out, *xs: g[index]

    return _record("concatenate", out, tuple(ts), tuple(t.data for t in ts),
                   tuple(piece(i) for i in range(len(ts))), {"axis": axis})


_reads("concatenate", set())


cat = concatenate


def stack(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join along a new axis: three (2, 3) -> (3, 2, 3) with axis=0."""
    ts = _tensor_sequence(tensors, "stack")
    if any(t.shape != ts[0].shape for t in ts):
        raise ShapeError(f"stack: all tensors need the same shape, got {[t.shape for t in ts]}")
    axis = integer(axis if dim is None else dim, "stack", "axis")
    if not -ts[0].ndim - 1 <= axis <= ts[0].ndim:
        raise DimError(f"stack: axis {axis} is out of range for stacking tensors of shape "
                         f"{ts[0].shape}")
    return concatenate([unsqueeze(t, axis) for t in ts], axis=axis)


def split(x: Tensor, split_size_or_sections: Any, dim: int | None = None, *,
          axis: int | None = None) -> tuple[Tensor, ...] | list[Tensor]:
    """Views of consecutive pieces of ``x`` along ``dim``, with PyTorch's meaning: an int
    is the size of every piece (the last may be smaller), a list gives the pieces' sizes,
    which sum to the dim's size; returns a tuple. (5, 2) split 2 -> (2, 2), (2, 2), (1, 2);
    split [1, 4] -> (1, 2), (4, 2).

    With numpy's keyword ``axis=`` it is numpy's split instead, returning a list: an int
    N gives N equal parts, a list the indices to cut at. (6, 2) split 3, axis=0 -> three
    (2, 2); split [1, 4], axis=0 -> (1, 2), (3, 2), (2, 2).
    """
    if axis is not None:
        if dim is not None:
            raise TypeError("split: give dim (PyTorch's meaning) or axis (numpy's), not both")
        return _numpy_split(x, split_size_or_sections, axis)
    d = _piece_dim(x, 0 if dim is None else dim, "split")
    n = x.shape[d]
    arg = split_size_or_sections
    if _is_int(arg):
        size = int(arg)
        if size < 0 or (size == 0 and n):
            raise ValueError(f"split: split_size must be > 0 (0 only for an empty dim), got "
                             f"{size} for dim {d} of shape {x.shape}")
        sizes = _even_sizes(n, size) if n else [0]
    else:
        sizes = _int_list(arg, "split", "split_size_or_sections")
        if builtins.min(sizes, default=0) < 0 or builtins.sum(sizes) != n:
            raise ValueError(f"split: section sizes {sizes} must be >= 0 and sum to {n}, the "
                             f"size of dim {d} of shape {x.shape}")
    return _pieces(x, d, sizes)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Views of at most ``chunks`` pieces of ``x`` along ``dim``, each of size
    ceil(n / chunks) but the last (as PyTorch): (5,) in 3 -> (2,), (2,), (1,); (6,) in 4
    -> three (2,)."""
    k = integer(chunks, "chunk", "chunks", low=1)
    d = _piece_dim(x, dim, "chunk")
    n = x.shape[d]
    return _pieces(x, d, _even_sizes(n, -(-n // k)) if n else [0] * k)


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _int_list(v: Any, op: str, what: str) -> list[int]:
    if isinstance(v, (Tensor, np.ndarray)):
        v = _data(v).tolist()
    if not isinstance(v, (list, tuple)) or not builtins.all(_is_int(i) for i in v):
        raise TypeError(f"{op}: {what} must be an int or a list of ints, got {_short(v)}")
    return [int(i) for i in v]


def _piece_dim(x: Tensor, dim: Any, op: str) -> int:
    if x.ndim == 0:
        raise ValueError(f"{op}: expects a tensor of at least 1 dim, got a 0-d tensor")
    return _axes(x, integer(dim, op, "dim"), op)[0]


def _even_sizes(n: int, size: int) -> list[int]:
    """Pieces of ``size`` covering ``n``, the last smaller: (5, 2) -> [2, 2, 1]."""
    return [size] * (n // size) + ([n % size] if n % size else [])


def _pieces(x: Tensor, axis: int, sizes: list[int]) -> tuple[Tensor, ...]:
    """Consecutive pieces of ``sizes`` along ``axis``."""
    return tuple(_slices(x, axis, np.cumsum([0] + sizes).tolist()))


def _slices(x: Tensor, axis: int, cuts: list[int]) -> list[Tensor]:
    """``x[cuts[i]:cuts[i + 1]]`` along ``axis``, for each i (views, via getitem)."""
    lead = (slice(None),) * axis
    return [getitem(x, lead + (slice(lo, hi),)) for lo, hi in zip(cuts[:-1], cuts[1:])]


def _numpy_split(x: Tensor, indices_or_sections: Any, axis: Any) -> list[Tensor]:
    """numpy's split: an int N gives N equal parts, a list gives the cut points."""
    (axis,) = _axes(x, integer(axis, "split", "axis"), "split")
    n = x.shape[axis]
    if _is_int(indices_or_sections):
        k = int(indices_or_sections)
        if k <= 0 or n % k:
            raise ValueError(f"split: axis {axis} of size {n} cannot be split into {k} "
                             "equal sections")
        cuts = list(range(0, n + 1, n // k)) if n else [0] * (k + 1)
    else:
        cuts = [0] + _int_list(indices_or_sections, "split", "indices_or_sections") + [n]
    return _slices(x, axis, cuts)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``cond`` else ``b``, broadcasting all three; no gradient to ``cond``."""
    c = np.asarray(_data(cond))
    if c.dtype != np.bool_:
        raise TypeError(f"where: the condition must be boolean, got dtype {c.dtype}")
    a, va = _operand(a, "where")
    b, vb = _operand(b, "where")
    try:
        out = np.where(c, va, vb)
    except ValueError:
        raise ShapeError(f"where: shapes {c.shape}, {np.shape(va)} and {np.shape(vb)} cannot "
                         "be broadcast together") from None
    return _record("where", out, (a, b), (va, vb), (
        lambda xp, g, out, a, b: xp.where(c, g, 0.0),
        lambda xp, g, out, a, b: xp.where(c, 0.0, g),
    ))


_reads("where", set())


def masked_fill(x: Tensor, mask: Any, value: Any) -> Tensor:
    """``x`` with ``value`` where the bool ``mask`` (broadcasting with x) is True, in x's
    dtype: (2, 3) with a (3,) mask -> (2, 3). The gradient flows to x where the mask is
    False, and to ``value`` when it is a (0-d) tensor."""
    m = _data(mask)
    if not isinstance(m, np.ndarray) or m.dtype != np.bool_:
        raise TypeError(f"masked_fill: mask must be a bool tensor, got "
                        f"{_short(mask) if not isinstance(m, np.ndarray) else m.dtype}")
    if isinstance(value, Tensor):
        if value.ndim:
            raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got a "
                             f"tensor of shape {value.shape}")
    elif not isinstance(value, (bool, int, float, np.generic)) or \
            np.asarray(value).dtype.kind not in "biuf":
        raise TypeError(f"masked_fill: value must be a number or a 0-d tensor, got "
                        f"{_short(value)}")
    try:
        np.broadcast_shapes(m.shape, x.shape)
    except ValueError:
        raise ValueError(f"masked_fill: mask of shape {m.shape} does not broadcast with the "
                         f"tensor's shape {x.shape}") from None
    out = where(m, value, x)
    return out if out.dtype == x.dtype else astype(out, x.dtype)


def _pad_width(x: Tensor, pad_width: Any) -> tuple:
    try:
        w = np.asarray(pad_width)
    except ValueError:  # ragged
        w = np.asarray(None)
    if w.dtype.kind not in "iu" or (w < 0).any():
        raise ValueError(f"pad: pad_width must be non-negative integers, got {pad_width!r}")
    try:
        w = np.broadcast_to(w, (x.ndim, 2))
    except ValueError:
        raise ValueError(f"pad: pad_width {pad_width!r} does not fit a tensor of shape "
                         f"{x.shape}") from None
    return tuple((int(lo), int(hi)) for lo, hi in w)


def pad(x: Tensor, pad_width: Any, value: float = 0.0) -> Tensor:
    """Constant padding with numpy's ``pad_width``: pad((2, 3), ((1, 1), (0, 2))) -> (4, 5)."""
    width = _pad_width(x, pad_width)
    value = real(value, "pad", "value", finite=False)
    if np.prod([lo + s + hi for (lo, hi), s in zip(width, x.shape)], dtype=float) > 2**31:
        raise ValueError(f"pad: padding shape {x.shape} by {pad_width!r} gives too large a "
                         "tensor")
    crop = tuple(slice(lo, lo + s) for (lo, _), s in zip(width, x.shape))
    return _unary("pad", np.pad(x.data, width, constant_values=value), x,
                  lambda xp, g, out, x: g[crop], {"pad_width": width})


# ----------------------------------------------------------------------------------------
# Indexing


def _is_basic(index: tuple) -> bool:
    return all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice))
               for i in index)


def _index(index: Any, op: str = "getitem") -> tuple:
    """A normalised numpy index: Tensors and lists become arrays; always a tuple."""
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    for i in parts:
        if isinstance(i, Tensor):
            i = i.data
        elif isinstance(i, list):
            try:
                i = np.asarray(i)
            except ValueError:
                raise IndexError(f"{op}: index lists must be rectangular, got {_short(i)}") \
                    from None
        if isinstance(i, np.ndarray) and i.dtype.kind not in "biu":
            raise IndexError(f"{op}: index arrays must be integer or boolean, got {i.dtype}")
        if not (i is None or i is Ellipsis or isinstance(i, (int, np.integer, np.bool_, slice,
                                                             np.ndarray))):
            raise IndexError(f"{op}: invalid index {_short(i)}; use integers, slices, None, "
                             "..., or integer/boolean arrays")
        out.append(i)
    return tuple(out)


def getitem(x: Tensor, index: Any) -> Tensor:
    """``x[index]`` with numpy's basic and advanced indexing; the gradient scatter-adds
    (repeated indices accumulate): x[[0, 0, 1]] gives x[0] a gradient of 2."""
    idx = _index(index)
    try:
        out = x.data[idx]
    except (IndexError, TypeError, ValueError) as e:
        raise IndexError(f"getitem: index {_short(index)} is invalid for shape {x.shape}: "
                         f"{e}") from None
    shape = x.shape
    if _is_basic(idx):  # a view of x
        return _viewing(x, _unary("getitem", out, x,
                                  lambda xp, g, out, x: xp.scatter_set(g, idx, shape)),
                        lambda a: a[idx])
    return _unary("getitem", out, x, lambda xp, g, out, x: xp.scatter_add(g, idx, shape))


def scatter_add(g: Tensor, index: Any, shape: tuple) -> Tensor:
    """Zeros of ``shape`` with ``g`` added at ``index`` (repeats accumulate): the adjoint of
    indexing, itself differentiable (its gradient is indexing)."""
    idx = _index(index)
    return _unary("scatter_add", _np_scatter_add(g.data, idx, shape), g,
                  lambda xp, g, out, src: g[idx])


def scatter_set(g: Tensor, index: Any, shape: tuple) -> Tensor:
    """:func:`scatter_add` for basic indices, which never repeat (a plain write)."""
    idx = _index(index)
    return _unary("scatter_set", _np_scatter_set(g.data, idx, shape), g,
                  lambda xp, g, out, src: g[idx])


def _np_scatter_add(g: np.ndarray, index: tuple, shape: tuple) -> np.ndarray:
    out = np.zeros(shape, dtype=g.dtype)
    np.add.at(out, index, g)
    return out


def _np_scatter_set(g: np.ndarray, index: tuple, shape: tuple) -> np.ndarray:
    out = np.zeros(shape, dtype=g.dtype)
    out[index] = g
    return out


def index_put(x: Tensor, index: Any, value: Any) -> Tensor:
    """A copy of ``x`` with ``x[index] = value`` (what ``t[index] = value`` records)."""
    idx = _index(index, "setitem")
    v, vv = _operand(value, "setitem")
    out = x.data.copy()
    try:
        out[idx] = vv
    except (IndexError, TypeError, ValueError) as e:
        kind = ShapeError if isinstance(e, ValueError) and np.shape(vv) else IndexError
        raise kind(f"setitem: cannot assign a value of shape {np.shape(vv)} to index "
                   f"{_short(index)} of a tensor of shape {x.shape}: {e}") from None
    keep = np.ones(x.shape, dtype=x.dtype if x.dtype.kind == "f" else np.float64)
    keep[idx] = 0
    return _record("index_put", out, (x, v), (x.data, vv), (
        lambda xp, g, out, x, v: g * keep,
        lambda xp, g, out, x, v: g[idx],
    ))


# View ops and scatters move gradients without reading any value.
for _name in ("getitem", "reshape", "transpose", "broadcast_to", "scatter_add", "scatter_set",
              "index_put", "as_strided", "copy_slices", "pad", "sliding_window_view",
              "window_sum"):
    _reads(_name, set())


# ----------------------------------------------------------------------------------------
# Sliding windows (for convolution and pooling)


def sliding_window_view(x: Tensor, window_shape: Any, axis: Any = None) -> Tensor:
    """numpy's sliding_window_view, differentiable: windows become new trailing dims.
    (N, C, 5, 5) with window (3, 3) on axes (2, 3) -> (N, C, 3, 3, 3, 3)."""
    op = "sliding_window_view"
    window = _shape_arg((window_shape,) if np.isscalar(window_shape) else (window_shape,), op,
                        "window_shape sizes")
    axes = tuple(range(x.ndim)) if axis is None else _shape_arg(
        (axis,) if np.isscalar(axis) else (axis,), op, "axes")
    if len(window) != len(axes) or any(w < 1 for w in window):
        raise ValueError(f"{op}: window_shape {window_shape!r} must give one size >= 1 per "
                         f"axis in {axes}")
    if x.ndim == 0:
        raise ValueError(f"{op}: a 0-d tensor has no axes to slide a window along")
    axes = tuple(_axes(x, a, op)[0] for a in axes)
    try:
        out = np.lib.stride_tricks.sliding_window_view(x.data, window, axes)
    except ValueError as e:
        raise ValueError(f"sliding_window_view: window {window} on axes {axes} does not fit "
                         f"shape {x.shape}: {e}") from None
    axes = tuple(a % x.ndim for a in axes)
    shape = x.shape
    return _unary("sliding_window_view", out, x,
                  lambda xp, g, out, x: xp.window_sum(g, window, axes, shape),
                  {"window_shape": window, "axis": axes})


def _window_positions(window: tuple, axes: tuple, ndim: int, out_shape: tuple):
    """For each window offset: (index into the windowed gradient, slice of the input)."""
    for offset in np.ndindex(*window):
        src = [slice(None)] * ndim + list(offset)
        dst = [slice(None)] * ndim
        for a, o in zip(axes, offset):
            dst[a] = slice(o, o + out_shape[a])
        yield tuple(src), tuple(dst)


def _np_window_sum(g: np.ndarray, window: tuple, axes: tuple, shape: tuple) -> np.ndarray:
    """Adjoint of sliding_window_view: add every window back where it came from
    (a loop over window offsets, never over pixels)."""
    out = np.zeros(shape, dtype=g.dtype)
    for src, dst in _window_positions(window, axes, len(shape), g.shape):
        out[dst] += g[src]
    return out


def window_sum(g: Tensor, window: tuple, axes: tuple, shape: tuple) -> Tensor:
    """The differentiable adjoint of :func:`sliding_window_view`."""
    return _unary("window_sum", _np_window_sum(g.data, window, axes, shape), g,
                  lambda xp, g, out, src: xp.sliding_window_view(g, window, axes))


# ----------------------------------------------------------------------------------------
# Comparisons (no gradient) and factories used by the ops


def _compare(name: str, fn, a: Any, b: Any) -> Tensor:
    vb = _data(_operand(b, name)[1])
    try:
        return Tensor._wrap(np.asarray(fn(_data(a), vb)))
    except ValueError:
        raise ShapeError(f"{name}: shapes {np.shape(_data(a))} and {np.shape(vb)} "
                         "cannot be broadcast together") from None


def _comparison(name: str, fn):
    def op(a: Any, b: Any) -> Tensor:
        return _compare(name, fn, a, b)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"""Elementwise ``a {_SYMBOLS[name]} b`` with broadcasting: a bool tensor, no
    gradient."""
    return op


_SYMBOLS = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
eq = _comparison("eq", np.equal)
ne = _comparison("ne", np.not_equal)
lt = _comparison("lt", np.less)
le = _comparison("le", np.less_equal)
gt = _comparison("gt", np.greater)
ge = _comparison("ge", np.greater_equal)


# ----------------------------------------------------------------------------------------
# The array namespace of first-order vjps (same names as the Tensor ops above)


class _ArrayMath:
    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    where = staticmethod(np.where)
    broadcast_to = staticmethod(np.broadcast_to)
    sigmoid = staticmethod(_np_sigmoid)
    gelu_slope = staticmethod(_np_gelu_slope)
    scatter_add = staticmethod(_np_scatter_add)
    scatter_set = staticmethod(_np_scatter_set)
    window_sum = staticmethod(_np_window_sum)
    sliding_window_view = staticmethod(np.lib.stride_tricks.sliding_window_view)

    @staticmethod
    def astype(g: np.ndarray, dtype: Any) -> np.ndarray:
        return g.astype(dtype)


ARRAY_MATH = _ArrayMath()


# ----------------------------------------------------------------------------------------
# PyTorch's forms of the arithmetic ops (functions and methods; the operators use the ops)


def _with_alpha(name: str, op):
    """PyTorch's ``add``/``sub``: ``op(input, alpha * other)``."""

    def fn(input: Any, other: Any, *, alpha: float = 1) -> Tensor:
        if type(alpha) is not int or alpha != 1:
            other = _scaled(name, input, other, alpha)
        return op(input, other)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"""Elementwise ``input {'+' if name == 'add' else '-'} alpha * other``
    (alpha=1 by default, as PyTorch) with broadcasting: (3, 1) and (4,) -> (3, 4)."""
    return fn


def _scaled(op: str, input: Any, other: Any, alpha: Any) -> Any:
    """``alpha * other``; a non-integer alpha is refused for integer data, as PyTorch."""
    real(alpha, op, "alpha", finite=False)
    other, value = _operand(other, op)
    if not _is_int(alpha) and np.result_type(_operand(input, op)[1], value).kind in "biu":
        raise TypeError(f"{op}: alpha={alpha!r} must be an integer for integer tensors")
    if isinstance(other, (bool, int, float)):
        return other * alpha  # stays a weakly typed Python number
    return mul(other, alpha)


def _with_rounding_mode(op):
    """PyTorch's ``div(input, other, rounding_mode=None)``."""

    def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """Elementwise ``input / other`` with broadcasting: true division, or rounded
        toward zero (``rounding_mode='trunc'``) or down (``'floor'``, as ``//``)."""
        if rounding_mode is not None:
            if isinstance(rounding_mode, str) and rounding_mode == "trunc":
                return _div_trunc(input, other)
            if isinstance(rounding_mode, str) and rounding_mode == "floor":
                return floor_divide(input, other)
            raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got "
                             f"{_short(rounding_mode)}")
        return op(input, other)

    return div


# ----------------------------------------------------------------------------------------
# In-place methods: x.exp_() is x = x.exp() written into x (see Tensor._inplace)

# every elementwise op gets its in-place form
_IN_PLACE += ("neg exp log sqrt abs sin cos tanh sigmoid relu leaky_relu elu gelu softplus "
              "clip clamp add sub mul div pow maximum minimum masked_fill").split()


def _in_place(name: str, fn):
    """The method ``name_``: ``fn(self, *args, **kwargs)`` written into self."""
    op = name + "_"

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return self._inplace(op, (lambda t, *a: fn(t, *a, **kwargs)) if kwargs else fn, *args)

    method.__name__ = method.__qualname__ = op
    method.__doc__ = f"""In-place ``{name}``: ``x.{op}(...)`` gives x the value of
    ``x.{name}(...)`` (in x's dtype and shape) and returns x."""
    return method


def copy_(x: Tensor, src: Any) -> Tensor:
    """Write ``src`` (broadcast to x's shape, cast to x's dtype) into ``x``; returns x. The
    gradient flows to ``src``; x's old value gets none: (2, 3).copy_((3,)) -> (2, 3)."""
    return x._inplace("copy_", _copy, src)


def _copy(x: Tensor, src: Any) -> Tensor:
    src = _tensor(src, "copy_")
    try:
        out = np.array(np.broadcast_to(src.data, x.shape), dtype=x.data.dtype)
    except ValueError:
        raise ValueError(f"copy_: a source of shape {src.shape} cannot be broadcast to the "
                         f"tensor's shape {x.shape}") from None
    return _record("copy_", out, (x, src), (x.data, src.data),
                   (lambda xp, g, out, x, s: g * 0, lambda xp, g, out, x, s: g))


# ----------------------------------------------------------------------------------------
# Tensor methods and operators


# `ndarray op Tensor` reaches numpy first, which calls the ufunc; these record the op as
# `Tensor op ndarray` does (comparisons: no graph, a bool result).
_UFUNC_OPS = {np.add: add, np.subtract: sub, np.multiply: mul, np.true_divide: div,
              np.power: pow, np.matmul: matmul}
_UFUNC_COMPARISONS = {np.less: "lt", np.less_equal: "le", np.greater: "gt",
                      np.greater_equal: "ge", np.equal: "eq", np.not_equal: "ne"}


def _array_ufunc(self: Tensor, ufunc: np.ufunc, method: str, *inputs: Any, out: Any = None,
                 **kwargs: Any) -> Any:
    """numpy's hook for a ufunc with a Tensor operand. With ``out`` (``p.data += -lr *
    p.grad``: numpy calls ``np.add(p.data, t, out=(p.data,))``) it computes on the arrays
    into ``out`` and returns it, so ``p.data`` stays the parameter's array, updated in
    place. Other ufuncs compute on the arrays and give an array (``np.exp(t)``)."""
    if out is None:
        if method == "__call__" and not kwargs and len(inputs) == 2:
            op = _UFUNC_OPS.get(ufunc)
            if op is not None:
                return op(*inputs)
            name = _UFUNC_COMPARISONS.get(ufunc)
            if name is not None:
                return _compare(name, ufunc, *inputs)
        return getattr(ufunc, method)(*(_data(v) for v in inputs), **kwargs)
    for o in out:
        if isinstance(o, Tensor):  # np.add(a, b, out=t): an in-place write to t
            o._check_inplace(ufunc.__name__)
    getattr(ufunc, method)(*(_data(v) for v in inputs), out=tuple(_data(o) for o in out),
                           **kwargs)
    for o in out:
        if isinstance(o, Tensor):
            o._bump_version()
    return out[0] if len(out) == 1 else out



_METHODS += (
    "exp log sqrt abs sin cos tanh sigmoid relu leaky_relu elu gelu softplus clip clamp "
    "sum mean var std max min logsumexp softmax log_softmax argmax argmin matmul "
    "reshape view flatten squeeze unsqueeze transpose permute swapaxes broadcast_to "
    "expand maximum minimum pow astype neg mul mm bmm mv dot t type_as view_as "
    "reshape_as expand_as contiguous split chunk masked_fill copy_ eq ne lt le gt ge"
).split()


def _install() -> None:
    from . import creation

    T = Tensor
    for name in _METHODS:
        setattr(T, name, globals()[name])
    for name in "new_zeros new_ones new_full new_empty new_tensor".split():
        setattr(T, name, getattr(creation, name))
    for name in _CASTS:
        setattr(T, name, _cast_method(name))
    T.add, T.sub = _with_alpha("add", add), _with_alpha("sub", sub)
    T.div = _with_rounding_mode(div)
    for name in _IN_PLACE:
        setattr(T, name + "_", _in_place(name, getattr(T, name)))
    T.any, T.all = _any, _all
    T.__array_ufunc__ = _array_ufunc
    T.T = property(lambda self: transpose(self))
    T.__add__ = add
    T.__radd__ = _reflected(add)
    T.__sub__ = sub
    T.__rsub__ = _reflected(sub)
    T.__mul__ = mul
    T.__rmul__ = _reflected(mul)
    T.__truediv__ = div
    T.__rtruediv__ = _reflected(div)
    T.__pow__ = pow
    T.__rpow__ = _reflected(pow)
    T.__matmul__ = matmul
    T.__rmatmul__ = _reflected(matmul)
    T.__neg__ = neg
    T.__pos__ = lambda self: self
    T.__abs__ = abs
    T.__getitem__ = getitem
    T.__setitem__ = lambda self, index, value: self._inplace(
        "setitem", lambda t, v: index_put(t, index, v), value)
    # No __imatmul__: PyTorch has none, so `a @= b` rebinds a to a @ b (as there).
    for dunder, fn in (("__iadd__", add), ("__isub__", sub), ("__imul__", mul),
                       ("__itruediv__", div), ("__ipow__", pow)):
        setattr(T, dunder, (lambda f, n: lambda self, other: self._inplace(n, f, other))(
            fn, dunder))
    for name in _SYMBOLS:
        setattr(T, f"__{name}__", globals()[name])
    # issue 16: % and // (remainder, floor division), & | ^ ~ (bitwise; logical on bool)
    for dunder, fn in (("mod", remainder), ("floordiv", floor_divide), ("and", bitwise_and),
                       ("or", bitwise_or), ("xor", bitwise_xor)):
        setattr(T, f"__{dunder}__", fn)
        setattr(T, f"__r{dunder}__", _reflected(fn))
        setattr(T, f"__i{dunder}__", (lambda f, n: lambda self, other: self._inplace(
            n, f, other))(fn, f"__i{dunder}__"))
    T.__invert__ = bitwise_not


def _reflected(op):
    """``other op self`` (the op is bound here: the module's add/sub/div become PyTorch's
    forms below)."""
    return lambda self, other: op(other, self)


_install()
engine.ops = sys.modules[__name__]


# ----------------------------------------------------------------------------------------
# Function forms: ag.exp(x) etc. take anything ag.tensor takes as their first argument
# (the Tensor methods above skip this: their self is always a Tensor).


def _tensor_first(fn):
    name = fn.__name__

    @functools.wraps(fn)
    def op(x, *args, **kwargs):
        if not isinstance(x, Tensor):
            x = Tensor._wrap(_as_array(x, op=name))
        return fn(x, *args, **kwargs)

    return op


_FUNCTION_FORMS += (
    "neg exp log sqrt abs sin cos tanh sigmoid relu leaky_relu elu gelu softplus clip clone "
    "astype sum mean var std max min logsumexp softmax log_softmax argmax argmin reshape "
    "flatten squeeze unsqueeze transpose permute swapaxes broadcast_to expand split pad "
    "getitem sliding_window_view t chunk masked_fill eq ne lt le gt ge"
).split()
for _name in _FUNCTION_FORMS:
    globals()[_name] = _tensor_first(globals()[_name])
any_, all_ = _tensor_first(_any), _tensor_first(_all)  # ag.any and ag.all (see _any)
clamp, view = clip, reshape
add, sub, div = Tensor.add, Tensor.sub, Tensor.div  # with alpha= and rounding_mode=
del _name, _saved
