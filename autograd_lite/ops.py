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
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from . import engine
from .engine import ANOMALY_USERS, MODE, Node, _user_frame
from .tensor import Tensor, _alias, _as_array, _short, get_default_dtype
from .validation import DimError, ShapeError, dtype_arg, flag, integer, real

if TYPE_CHECKING:
    from .tensor import _MinMax, _ValuesIndices

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


def _keeps_graph_to(xp: Any, grad: Any, saved: Any, name: str) -> Any:
    """A vjp's ``grad`` for a piecewise-linear op (relu, leaky_relu, abs), tied under
    create_graph to the op's ``saved`` Tensor with derivative 0, as PyTorch's backward ops
    that take it (relu's threshold_backward takes the output): so the gradient requires
    grad, and differentiating it again gives zeros for the op's input, not an "unused
    input" error (a gradient penalty through a ReLU network). First order: ``grad``."""
    if xp is ARRAY_MATH or not (isinstance(saved, Tensor) and saved.requires_grad):
        return grad
    g = grad if isinstance(grad, Tensor) else Tensor._wrap(np.asarray(grad))
    return _record(f"{name}_backward", g.data, (g, saved), (g.data, saved.data),
                   (_grad_same, _grad_zero))  # (saved has the gradient's shape)


def _reads(name: str, *per_input: set) -> None:
    """Declare what op ``name``'s backward reads: per input, the saved values its vjp uses
    (input positions, "out"); the last set stands for any further inputs. A backward is
    refused only when a value it reads was changed in place (engine.READS); undeclared ops
    are taken to read everything."""
    engine.READS[name] = tuple(frozenset(r) for r in per_input)


def _check_finite(name: str, out: np.ndarray) -> None:
    if out.dtype.kind == "f" and not np.isfinite(out).all():
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
        except ValueError as e:
            try:
                np.broadcast_shapes(np.shape(va), np.shape(vb))
            except ValueError:
                raise ShapeError(f"{name}: shapes {np.shape(va)} and {np.shape(vb)} cannot be "
                                 "broadcast together") from None
            raise ValueError(f"{name}: {e} (dtypes {np.result_type(va)} and "
                             f"{np.result_type(vb)})") from None  # e.g. int ** -1
        except TypeError:  # numpy refuses e.g. bool - bool
            raise TypeError(f"{name}: not supported for dtypes {np.result_type(va)} and "
                            f"{np.result_type(vb)}") from None
        if type(out) is not _ndarray:
            out = np.asarray(out)
        if out.dtype is _FLOAT64:
            out = _float_result(out, va, vb)
        if ANOMALY_USERS[0] and MODE.anomaly:
            _check_finite(name, out)
        t = _new(Tensor)  # _wrap(out[, node]) written out: a call less per op
        t.data = out
        t._version = 0
        if grad and MODE.grad_enabled:
            node = _new(Node)  # Node(...) written out too (engine.Node.__init__)
            node.name = name
            node.inputs = (a, b)
            node.values = (va, vb)
            node.vjps = vjps
            node.versions = (a._version if isinstance(a, Tensor) else -1,
                             b._version if isinstance(b, Tensor) else -1)
            node.out_data = out
            node.args = None
            node.where = _user_frame() if ANOMALY_USERS[0] and MODE.anomaly else None
            node.out_version = 0
            node.owners = None
            t.requires_grad = True
            t.grad_fn = node
            return t
        t.requires_grad = False
        t.grad_fn = None
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
            if dt is _FLOAT16:  # numpy's float16 for uint8/int8 (sigmoid(uint8 7) was 0):
                out = fn(_as_real(v))  # again in float64, as ops wrapped in _real do
            out = _nonfloat_result(name, out, x)
        if ANOMALY_USERS[0] and MODE.anomaly:
            _check_finite(name, out)
        t = _new(Tensor)  # _wrap(out[, node]) written out: a call less per op
        t.data = out
        t._version = 0
        if x.requires_grad and MODE.grad_enabled:
            node = _new(Node)  # Node(...) written out too (engine.Node.__init__)
            node.name = name
            node.inputs = (x,)
            node.values = (v,)
            node.vjps = vjps
            node.versions = (x._version,)
            node.out_data = out
            node.args = None
            node.where = _user_frame() if ANOMALY_USERS[0] and MODE.anomaly else None
            node.out_version = 0
            node.owners = None
            t.requires_grad = True
            t.grad_fn = node
            return t
        t.requires_grad = False
        t.grad_fn = None
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

abs = _elementwise("abs", np.abs,  # noqa: A001
                   lambda xp, g, out, x: _keeps_graph_to(xp, g * np.sign(_data(x)), x, "abs"),
                   """|x|; the gradient at 0 is 0 (as PyTorch).""")

sin = _elementwise("sin", np.sin, lambda xp, g, out, x: g * xp.cos(x), """Sine.""")

cos = _elementwise("cos", np.cos, lambda xp, g, out, x: -g * xp.sin(x), """Cosine.""")

tanh = _elementwise("tanh", np.tanh, lambda xp, g, out, x: g * (1 - out * out),
                    """Hyperbolic tangent.""")
_saved: set  # (the loops that declare what a section's ops read)
for _name, _saved in (("exp", {"out"}), ("log", {0}), ("sqrt", {"out"}), ("abs", {0}),
                      ("sin", {0}), ("cos", {0}), ("tanh", {"out"})):
    _reads(_name, _saved)


def _np_sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e**-x) without overflow for any x."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


sigmoid = _elementwise("sigmoid", _np_sigmoid, lambda xp, g, out, x: g * out * (1 - out),
                       """Logistic function, stable for any x.""")


relu = _elementwise("relu", lambda v: np.maximum(v, 0),
                   lambda xp, g, out, x: _keeps_graph_to(xp, g * (_data(out) > 0), out, "relu"),
                   """max(x, 0); the gradient at 0 is 0 (as PyTorch).""")
_reads("sigmoid", {"out"})
_reads("relu", {"out"})  # as PyTorch: out > 0 exactly where x > 0


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope·x otherwise."""
    slope = real(negative_slope, "leaky_relu", "negative_slope")
    return _unary(
        "leaky_relu", np.where(x.data > 0, x.data, x.data * slope), x,
        lambda xp, g, out, x: _keeps_graph_to(xp, xp.where(_data(x) > 0, g, g * slope), x,
                                              "leaky_relu"),
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


def clip(x: Tensor, min: float | Tensor | None = None,  # noqa: A002
         max: float | Tensor | None = None) -> Tensor:  # noqa: A002
    """Clamp to [min, max] (either bound may be omitted; numbers, or Tensors that broadcast
    with x); gradient 1 inside, 0 outside. min > max sets every element to max with a zero
    gradient, as PyTorch:
    tensor([1., 5.]).clip(3, 2) -> tensor([2., 2.])."""
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _clip_to_tensors(x, min, max)
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


def _clip_to_tensors(x: Tensor, min: Any, max: Any) -> Tensor:  # noqa: A002
    """:func:`clip` with Tensor bounds (PyTorch's ``clamp(x, min=t)``), broadcast together:
    composed of ``where``, so the gradient goes to x inside [min, max] (bounds included, as
    PyTorch) and to the bound that wins outside; min > max gives max, as PyTorch."""
    out = _tensor(x, "clip")
    for what, bound, beyond in (("min", min, lt), ("max", max, gt)):
        if bound is None:
            continue
        if not isinstance(bound, Tensor):
            real(bound, "clip", what, finite=False)
        out = where(beyond(out, bound), bound, out)
    return out


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
    if dt.kind != "f" or source.kind != "f":  # no gradient to or from integers and bools
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
    args: dict[str, Any] = {"nan": real(nan, "nan_to_num", "nan", finite=False)}
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
        # PyTorch's dim=() (or []) reduces every dim (but none for any/all); numpy's
        # axis=() reduces none
        every = isinstance(dim, (tuple, list)) and not dim and op not in ("any", "all")
        axis = None if every else dim
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
    ``x.var(dim, unbiased, keepdim)``; numpy's ``ddof=0`` gives the population variance,
    and so do numpy's spellings ``axis=``/``keepdims=`` without a correction, as numpy.
    (2, 3).var(1) -> (2,). With no degrees of freedom (count - correction <= 0) the result
    is NaN or inf with a warning, as PyTorch. Composed from mean/sum, so its gradients come
    from theirs."""
    return _var("var", x, dim, unbiased, keepdim, axis, keepdims, ddof, correction)


def std(x: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        axis: Any = None, keepdims: bool = False, ddof: int | None = None,
        correction: int | None = None) -> Tensor:
    """Standard deviation, sqrt of :func:`var` (same arguments and defaults); where it is 0
    (a constant input) the gradient is 0, as PyTorch, not NaN. float32 values near 1e20
    (whose squares overflow float32) give their std, not inf."""
    return _std("std", x, dim, unbiased, keepdim, axis, keepdims, ddof, correction)


def _var(op: str, *args: Any) -> Tensor:
    """:func:`var` (errors naming ``op``)."""
    v, dtype = _variance(op, *args)
    with np.errstate(over="ignore"):  # a variance beyond float32 is inf, as PyTorch's
        return astype(v, dtype)


def _std(op: str, *args: Any) -> Tensor:
    """:func:`std` (errors naming ``op``)."""
    v, dtype = _variance(op, *args)
    with np.errstate(over="ignore"):
        return astype(_unary("std", np.sqrt(v.data), v, _grad_std), dtype)


def _variance(op: str, x: Tensor, dim: Any, unbiased: bool | None, keepdim: bool, axis: Any,
              keepdims: bool, ddof: int | None, correction: int | None
              ) -> tuple[Tensor, np.dtype]:
    """The variance for :func:`var` and :func:`std` (errors naming ``op``), computed in
    float64 as PyTorch accumulates it (squares of float32 values overflow from ~2e19), and
    the dtype of the result."""
    if isinstance(dim, (bool, np.bool_)) and unbiased is None:  # PyTorch's x.var(False)
        dim, unbiased = None, bool(dim)
    numpy_spelling = axis is not None or keepdims is True  # numpy's meaning then: ddof=0
    axis, keepdims = _reduce_args(op, axis, keepdims, dim, keepdim)
    given = [integer(v, op, name, low=0)
             for name, v in (("ddof", ddof), ("correction", correction)) if v is not None]
    if unbiased is not None:
        given.append(1 if flag(unbiased, op, "unbiased") else 0)
    if len(given) > 1:
        raise TypeError(f"{op}: give only one of ddof, correction, unbiased")
    correction = given[0] if given else (0 if numpy_spelling else 1)
    axes = _axes(x, axis, op)
    count = int(np.prod([x.shape[a] for a in axes]))
    if count - correction <= 0:
        warnings.warn(f"{op}: {count} element(s) along the reduced dims of shape {x.shape} "
                      f"with correction={correction} leave no degrees of freedom; the result "
                      "is NaN or inf (as PyTorch)", RuntimeWarning, stacklevel=4)
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
# Any: type checkers see these as tensor.py's _ValuesIndices and _MinMax
_VALUES_INDICES: dict[str, Any] = {
    name: namedtuple(name, ("values", "indices"), module="autograd_lite")
    for name in ("max", "min", "sort", "topk", "kthvalue", "median", "mode", "cummax", "cummin")}
_VALUES_INDICES["aminmax"] = namedtuple("aminmax", ("min", "max"), module="autograd_lite")


def _nonempty(name: str, x: Tensor, axes: tuple, whole: bool) -> None:
    """PyTorch's rule: an empty tensor reduces along its non-empty dims only."""
    for a in axes:
        if x.shape[a] == 0:
            if whole:
                raise ShapeError(f"{name}: cannot reduce an empty tensor of shape {x.shape} "
                                 "as a whole; give a dim whose size is not 0")
            raise DimError(f"{name}: cannot reduce dim {a} of size 0 (shape {x.shape})")


def _extreme_values(name: str, x: Tensor, axis: Any, keepdims: bool) -> Tensor:
    """The largest (``name`` max or amax) or smallest values over ``axis``; tied extremes
    share the gradient evenly (as PyTorch)."""
    axes = _axes(x, axis, name)
    _nonempty(name, x, axes, axis is None)
    npfn = np.max if name.endswith("max") else np.min
    return _reduction(name, x, axes, keepdims, npfn(x.data, axis=axes, keepdims=keepdims),
                      _tied_share(axes, nan_shares=not name.startswith("a")))


def _tied_share(axes: tuple, nan_shares: bool = True):
    """The vjp of a reduction to one of its elements: all the elements equal to the result
    share the gradient evenly (as PyTorch's max, amax and median). A NaN result is shared
    by the NaNs for max/min/median; amax/amin give NaN there, as PyTorch (0 of 0 equal)."""
    def vjp(xp, g, out, x):
        xv, ov = _data(x), _data(out)
        hit = xv == ov
        if nan_shares and ov.dtype.kind == "f" and np.isnan(ov).any():
            hit |= np.isnan(xv) & np.isnan(ov)
        return g * (hit / hit.sum(axis=axes, keepdims=True)).astype(xv.dtype)

    return vjp


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
        return _extreme_values(name, x, axis, keepdims)
    if axis is not None:
        raise TypeError(f"{name}: give axis or dim, not both")
    keepdim = flag(keepdim, name, "keepdim") or flag(keepdims, name, "keepdims")
    src, k = _along(x, dim, name)  # a 0-d tensor has dims 0 and -1, as a (1,) one
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
    out = np.asarray(npfn(x.data, axis=axes, keepdims=keepdims))
    return Tensor._wrap(out.astype(np.uint8) if x.dtype == np.uint8 else out)  # as PyTorch


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


def _max_kept(x: np.ndarray, axes: tuple) -> np.ndarray:
    """The max over ``axes`` (keepdims), subtracted before exp in the softmax family. An
    infinite max makes its row NaN there (inf − inf), PyTorch's softmax and log_softmax.
    An empty tensor has nothing to shift (and numpy's max of nothing is an error)."""
    if not x.size:
        return np.zeros(tuple(1 if i in axes else n for i, n in enumerate(x.shape)), x.dtype)
    if axes == (1,) and x.ndim == 2 and x.shape[0] >= 32 and x.shape[1] <= 32:
        # numpy reduces a short last axis row by row (~8 ns an element); over the first
        # axis of a transposed copy it is a few whole-row passes, 2-5x faster for logits
        return np.maximum.reduce(np.ascontiguousarray(x.T), axis=0)[:, None]
    return np.maximum.reduce(x, axis=axes, keepdims=True)


@functools.lru_cache(maxsize=64)
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    """A read-only vector of ``n`` ones: gradients sum rows or columns as a product with it
    (BLAS), 2-4x faster than numpy's reduction for the shapes of a batch (softmax over the
    classes of a (64, 10) batch, a bias gradient over (64, 128)). The sums agree with
    numpy's to float rounding, not bit for bit."""
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


def _blas_sums(v: Any) -> bool:
    """Whether ``v``'s row or column sums go through :func:`_ones`: a float32/float64
    array (BLAS has no float16; a Tensor, under create_graph, sums as an op)."""
    return isinstance(v, np.ndarray) and v.dtype.kind == "f" and v.itemsize >= 4


def _sum_kept(v: Any, axes: tuple) -> Any:
    """``v.sum(axis=axes, keepdims=True)`` (array or Tensor: a vjp's ``g``). A float
    array's sum over its last axis is a matrix-vector product (:func:`_ones`)."""
    if isinstance(v, np.ndarray):
        if axes == (v.ndim - 1,) and v.ndim > 1 and _blas_sums(v):
            return (v @ _ones(v.shape[-1], v.dtype))[..., None]
        return np.add.reduce(v, axis=axes, keepdims=True)
    return v.sum(axis=axes, keepdims=True)


def logsumexp(x: Tensor, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
              keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over ``axis`` without overflow; its gradient is the softmax.
    Over an empty axis (or all −inf) it is −inf, as PyTorch: zeros((0, 3)).logsumexp(0)
    -> (3,) of −inf."""
    axis, keepdims = _reduce_args("logsumexp", axis, keepdims, dim, keepdim)
    axes = _axes(x, axis, "logsumexp")
    _not_bool(x, "logsumexp")
    m = _max_kept(x.data, axes)
    inf = np.isinf(m)  # a row of +inf or all −inf has that logsumexp, as PyTorch: shift by 0
    if np.count_nonzero(inf):  # (NaN stays: its row is NaN either way)
        m = np.where(inf, 0, m)
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
    e = np.exp(x.data - _max_kept(x.data, axes))
    out = e / _sum_kept(e, axes)
    return _unary("softmax", out, x,
                  lambda xp, g, out, x: out * (g - _sum_kept(g * out, axes)),
                  {"axis": axes[0] if axes else None})


def log_softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """x − logsumexp(x) along ``axis``, stable for any logits: (N, C) -> (N, C)."""
    axes = _axes(x, axis if dim is None else dim, "log_softmax")
    _not_bool(x, "log_softmax")
    shifted = x.data - _max_kept(x.data, axes)
    if shifted.size:  # (an empty axis would take log(0) on the way to an empty result)
        out = shifted - np.log(_sum_kept(np.exp(shifted), axes))
    else:
        out = shifted
    return _unary("log_softmax", out, x,
                  lambda xp, g, out, x: g - xp.exp(out) * _sum_kept(g, axes),
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
# issue 16: more reductions and scans
#
# Ops that select elements (sort, topk, kthvalue, median, mode, cummax, cummin) compute
# int64 indices on the arrays and take the values with :func:`_take`, an advanced-index
# getitem: the gradient scatters back to the selected positions, with second order.
# Ties: sorting is stable (equal values keep their order, as PyTorch's CPU sort), and
# kthvalue/median take the k-th element of that stable order.


def _along(x: Tensor, dim: Any, op: str) -> tuple[Tensor, int]:
    """(x, dim as a non-negative int); a 0-d x as a (1,) tensor (it has dims 0 and -1)."""
    return (x if x.ndim else reshape(x, 1)), _dim(x.ndim, dim, op)


def _as_0d(x: Tensor, out: Tensor) -> Tensor:
    """``out``, computed on the (1,) form of a 0-d ``x``, back as 0-d."""
    return out if x.ndim else reshape(out, ())


def _take(x: Tensor, idx: np.ndarray, k: int) -> Tensor:
    """``take_along_axis(x, idx, k)``, differentiable: the gradient scatter-adds back."""
    index = tuple(idx if i == k else np.arange(n).reshape([-1 if j == i else 1
                                                           for j in range(idx.ndim)])
                  for i, n in enumerate(idx.shape))
    return getitem(x, index)


def _flip(a: Any, k: int) -> Any:
    """``a`` reversed along dim ``k`` (a basic slice: arrays and Tensors alike)."""
    return a[(slice(None),) * k + (slice(None, None, -1),)]


def _reverse_cumsum(a: Any, k: int) -> Any:
    """Σ_{i >= j} a_i along dim ``k``: the adjoint of cumsum."""
    return _flip(_flip(a, k).cumsum(k), k)


def _sort_order(v: np.ndarray, k: int, descending: bool) -> np.ndarray:
    """Stable int64 argsort along ``k``; descending keeps tied values in their order too."""
    if not descending:
        return np.argsort(v, axis=k, kind="stable")
    return v.shape[k] - 1 - _flip(np.argsort(_flip(v, k), axis=k, kind="stable"), k)


def _int_result(x: Tensor, dtype: Any, op: str) -> Tensor:
    """x in ``dtype`` if given, else integer/bool data widened to int64 (PyTorch's sum,
    prod and cumsum dtype rule)."""
    if dtype is not None:
        return astype(x, dtype_arg(dtype, op))
    return astype(x, np.int64) if x.dtype.kind in "biu" else x


def prod(x: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
         axis: Any = None, keepdims: bool = False) -> Tensor:
    """Product of all elements, or along one ``dim``: (2, 3).prod(1) -> (2,). Integer and
    bool data give int64 (as PyTorch). The gradient is the product of the other elements,
    also where x has zeros (one zero: only it gets a gradient; several: none does), and
    its second derivative too (as PyTorch; from n x n products that leave one out)."""
    axis, keepdim = _reduce_args("prod", axis, keepdims, dim, keepdim)
    x = _int_result(x, dtype, "prod")
    if axis is None:
        if keepdim:
            raise TypeError("prod: keepdim=True needs a dim (as PyTorch)")
        return prod(reshape(x, -1), 0)
    src, k = _along(x, axis, "prod")
    out = np.prod(src.data, axis=k, keepdims=True)
    kept = out.shape

    def vjp(xp, g, out, x):
        g, out = g.reshape(kept), out.reshape(kept)
        zero = _data(x) == 0
        if not zero.any():
            return g * out / x
        if not isinstance(g, np.ndarray):  # create_graph: n x n, exact at any order
            return g * _leave_one_out(xp, x, k).prod(axis=-1).swapaxes(k, -1)
        zeros = zero.sum(axis=k, keepdims=True)
        nonzero = xp.where(zero, 1.0, x)  # x with its zeros as ones
        rest = nonzero.prod(axis=k, keepdims=True)
        return g * xp.where(zero, rest * (zeros == 1), rest / nonzero * (zeros == 0))

    shape = _reduced_shape(x.shape, (k,), keepdim) if x.ndim else ()
    return _unary("prod", out.reshape(shape), src, vjp, {"dim": k, "keepdim": keepdim})


def _leave_one_out(xp, x: Any, k: int) -> Any:
    """e[..., j, i] = x_i along dim ``k`` (moved last), 1 where i == j: row j's products
    leave x_j out, exactly also where x has zeros (an n x n array or Tensor)."""
    n = x.shape[k]
    return xp.where(np.eye(n, dtype=bool), 1.0, x.swapaxes(k, -1)[..., None, :])


def cumsum(x: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sums along ``dim`` (required, as PyTorch): (2, 3).cumsum(1) -> (2, 3);
    integer and bool data give int64."""
    x = _int_result(x, dtype, "cumsum")
    src, k = _along(x, dim, "cumsum")
    out = np.cumsum(src.data, axis=k).reshape(x.shape)
    return _unary("cumsum", out, x,
                  lambda xp, g, out, x: _reverse_cumsum(g.reshape(src.shape), k).reshape(
                      x.shape), {"dim": k})


def cumprod(x: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running products along ``dim`` (required): (2, 3).cumprod(1) -> (2, 3). Where x has
    zeros the gradient is still exact (as PyTorch), computed from the n x n products that
    leave one element out (n the size of ``dim``)."""
    x = _int_result(x, dtype, "cumprod")
    src, k = _along(x, dim, "cumprod")
    out = np.cumprod(src.data, axis=k)

    def vjp(xp, g, out, x):
        if not (_data(x) == 0).any():
            return _reverse_cumsum(g * out, k) / x
        # d out_i / d x_j = Π_{l <= i, l != j} x_l for i >= j
        n = x.shape[k]
        upper = np.triu(np.ones((n, n), bool))  # i >= j
        total = (_leave_one_out(xp, x, k).cumprod(-1) * upper
                 * g.swapaxes(k, -1)[..., None, :]).sum(axis=-1)
        return total.swapaxes(k, -1)

    return _as_0d(x, _unary("cumprod", out, src, vjp, {"dim": k}))


def _cumulative(name: str, better, x: Tensor, dim: int) -> _ValuesIndices:
    """cummax or cummin (``better`` np.maximum or np.minimum) as (values, indices)."""
    src, k = _along(x, dim, name)
    v = src.data
    best = better.accumulate(v, axis=k)
    shape = [-1 if i == k else 1 for i in range(v.ndim)]
    # the last position holding the running extreme, ties included; a NaN is the extreme
    # from there on (as PyTorch)
    hit = (v == best) | (v != v)
    idx = np.maximum.accumulate(np.where(hit, np.arange(v.shape[k]).reshape(shape), 0),
                                axis=k).astype(np.int64)
    return _VALUES_INDICES[name](reshape(_take(src, idx, k), x.shape),
                                 Tensor._wrap(idx.reshape(x.shape)))


def cummax(x: Tensor, dim: int) -> _ValuesIndices:
    """Running maxima along ``dim``, a named pair (values, indices); a tie takes the later
    index, as PyTorch: [3, 1, 3] -> values [3, 3, 3], indices [0, 0, 2]. The gradient goes
    to the selected elements."""
    return _cumulative("cummax", np.maximum, x, dim)


def cummin(x: Tensor, dim: int) -> _ValuesIndices:
    """Running minima along ``dim`` as (values, indices); the same rules as cummax."""
    return _cumulative("cummin", np.minimum, x, dim)


def logcumsumexp(x: Tensor, dim: int) -> Tensor:
    """log(cumsum(exp(x))) along ``dim`` without overflow: [-1000, 0, 1000] -> [-1000, 0,
    1000]. Floating point input only (as PyTorch)."""
    if x.dtype.kind != "f":
        raise TypeError(f"logcumsumexp: expected a floating point tensor, got dtype {x.dtype}")
    src, k = _along(x, dim, "logcumsumexp")
    out = np.logaddexp.accumulate(src.data, axis=k)
    # d out_i / d x_j = exp(x_j - out_i) for i >= j
    c = out.max(axis=k, keepdims=True) if out.size else np.zeros(())
    c = np.where(np.isfinite(c), c, 0)

    def vjp(xp, g, out, x):
        if isinstance(g, np.ndarray):  # first order: in log space, stable for any x
            return _np_logcumsumexp_grad(g, x, out, k)
        # create_graph: split with c = max(out), so that exp(x_j - c) <= 1 (exp(c - out_i)
        # overflows only for a range of out beyond ~700 in float64)
        return xp.exp(x - c) * _reverse_cumsum(g * xp.exp(c - out), k)

    return _as_0d(x, _unary("logcumsumexp", out, src, vjp, {"dim": k}))


def _np_logcumsumexp_grad(g: np.ndarray, x: np.ndarray, out: np.ndarray,
                          k: int) -> np.ndarray:
    """Σ_{i >= j} g_i·exp(x_j - out_i) as exp(x_j + log Σ_{i >= j} exp(log|g_i| - out_i)),
    for the positive and the negative part of g (no overflow)."""
    total = np.zeros(np.broadcast_shapes(g.shape, x.shape), x.dtype)
    with np.errstate(divide="ignore"):
        for sign in (1, -1):
            part = np.log(np.maximum(g * sign, 0)) - out
            tail = _flip(np.logaddexp.accumulate(_flip(part, k), axis=k), k)
            total += sign * np.exp(x + tail)
    return total


def _all_dims(dim: Any) -> Any:
    """PyTorch's dim=() (or None) of amax, amin, norm and count_nonzero: every dim."""
    return None if dim is None or (isinstance(dim, (tuple, list)) and not dim) else dim


def amax(x: Tensor, dim: Any = (), keepdim: bool = False, *, axis: Any = None,
         keepdims: bool = False) -> Tensor:
    """The largest values over ``dim`` (an int or tuple; () = all, as PyTorch): (2, 3)
    .amax(1) -> (2,). Tied maxima share the gradient evenly."""
    axis, keepdims = _reduce_args("amax", axis, keepdims, _all_dims(dim), keepdim)
    return _extreme_values("amax", x, axis, keepdims)


def amin(x: Tensor, dim: Any = (), keepdim: bool = False, *, axis: Any = None,
         keepdims: bool = False) -> Tensor:
    """The smallest values over ``dim``; the same rules as :func:`amax`."""
    axis, keepdims = _reduce_args("amin", axis, keepdims, _all_dims(dim), keepdim)
    return _extreme_values("amin", x, axis, keepdims)


def aminmax(x: Tensor, *, dim: int | None = None, keepdim: bool = False) -> _MinMax:
    """A named pair (min, max) of :func:`amin` and :func:`amax`, over all elements or one
    ``dim``: (2, 3) with dim=1 -> two (2,)."""
    if dim is not None:
        dim = integer(dim, "aminmax", "dim")
    keepdim = flag(keepdim, "aminmax", "keepdim")
    return _VALUES_INDICES["aminmax"](amin(x, dim, keepdim), amax(x, dim, keepdim))


def sort(x: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False
         ) -> _ValuesIndices:
    """The values along ``dim`` in order, a named pair (values, indices): (2, 3).sort(1)
    -> two (2, 3). Always stable (equal values keep their order, as PyTorch's CPU sort,
    so ``stable`` changes nothing); the gradient goes back to each value's position."""
    src, k, idx = _sorting("sort", x, dim, descending, stable)
    return _VALUES_INDICES["sort"](reshape(_take(src, idx, k), x.shape),
                                   Tensor._wrap(idx.reshape(x.shape)))


def _sorting(op: str, x: Tensor, dim: Any, descending: Any, stable: Any) -> tuple:
    """(x as >= 1-d, the dim, the stable order along it) for sort and argsort."""
    descending = flag(descending, op, "descending")
    flag(stable, op, "stable")
    src, k = _along(x, dim, op)
    return src, k, _sort_order(src.data, k, descending)


def argsort(x: Tensor, dim: int = -1, descending: bool = False, *,
            stable: bool = False) -> Tensor:
    """The int64 indices that sort ``x`` along ``dim`` (``sort(...).indices``)."""
    return Tensor._wrap(_sorting("argsort", x, dim, descending, stable)[2].reshape(x.shape))


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
         ) -> _ValuesIndices:  # noqa: A002 (PyTorch's name)
    """The ``k`` largest (``largest=False``: smallest) values along ``dim`` in order, a
    named pair (values, indices): (2, 5).topk(3) -> two (2, 3). Tied values come in their
    order in x (PyTorch leaves the order of ties unspecified); the results are always
    sorted. The gradient goes to the selected elements."""
    largest = flag(largest, "topk", "largest")
    flag(sorted, "topk", "sorted")
    src, d = _along(x, dim, "topk")
    k = _count_arg("topk", k, src.shape[d], d, 0)
    idx = _sort_order(src.data, d, largest)[(slice(None),) * d + (slice(0, k),)]
    values, indices = _take(src, idx, d), idx
    if not x.ndim:
        values, indices = reshape(values, ()), indices.reshape(())
    return _VALUES_INDICES["topk"](values, Tensor._wrap(indices))


def _count_arg(op: str, k: Any, n: int, d: int, low: int) -> int:
    k = integer(k, op, "k")
    if not low <= k <= n:
        raise ValueError(f"{op}: k={k} is out of range for dim {d} of size {n} (expected "
                         f"{low} <= k <= {n})")
    return k


def _selected(name: str, x: Tensor, src: Tensor, idx: np.ndarray, d: int,
              keepdim: bool) -> _ValuesIndices:
    """The named (values, indices) of the elements ``idx`` (one per slice, dim ``d`` kept)
    of ``src``, which is ``x`` or the (1,) form of a 0-d ``x``."""
    values = _take(src, idx, d)
    if not (keepdim and x.ndim):
        shape = _reduced_shape(x.shape, (d,), False) if x.ndim else ()
        values, idx = reshape(values, shape), idx.reshape(shape)
    return _VALUES_INDICES[name](values, Tensor._wrap(idx))


def _kth(src: Tensor, k: int, d: int) -> np.ndarray:
    """Index of the k-th smallest (from 1) along ``d``, dim kept, in the stable order (of
    equal values the first in x counts first; PyTorch picks one of them, not always it)."""
    return _sort_order(src.data, d, False)[(slice(None),) * d + (slice(k - 1, k),)]


def _median_index(v: np.ndarray, d: int) -> np.ndarray:
    """Index of the lower median along ``d``, dim kept; of a slice with NaN its first NaN
    (as PyTorch; the stable order puts NaNs last, in their order)."""
    n = v.shape[d]
    nans = np.isnan(v).sum(axis=d, keepdims=True) if v.dtype.kind == "f" else 0
    at = np.where(nans > 0, n - nans, (n - 1) // 2)
    return np.take_along_axis(_sort_order(v, d, False), np.asarray(at, np.int64).reshape(
        _kept_shape(v.shape, (d,))), axis=d)


def kthvalue(x: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> _ValuesIndices:
    """The ``k``-th smallest value along ``dim`` (k from 1) and its index, a named pair:
    (2, 5).kthvalue(2) -> two (2,). The gradient goes to the selected element."""
    keepdim = flag(keepdim, "kthvalue", "keepdim")
    src, d = _along(x, dim, "kthvalue")
    k = _count_arg("kthvalue", k, src.shape[d], d, 1)
    return _selected("kthvalue", x, src, _kth(src, k, d), d, keepdim)


def median(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median (the ⌈n/2⌉-th smallest, as PyTorch; NaN where there is a NaN):
    ``x.median()`` of all elements (NaN for an empty tensor; the elements equal to it share
    the gradient), ``x.median(dim, keepdim)`` a named pair (values, indices), the gradient
    to the selected element: (2, 4).median(1) -> two (2,)."""
    keepdim = flag(keepdim, "median", "keepdim")
    if dim is None:
        if not x.numel():
            return Tensor._wrap(np.full((), np.nan, x.dtype if x.dtype.kind == "f"
                                        else get_default_dtype()))
        flat = x.data.reshape(-1)
        out = flat[_median_index(flat, 0)[0]]
        return _reduction("median", x, tuple(range(x.ndim)), False, out,
                          _tied_share(tuple(range(x.ndim))))
    src, d = _along(x, dim, "median")
    _nonempty("median", src, (d,), False)
    return _selected("median", x, src, _median_index(src.data, d), d, keepdim)


def _np_mode_index(v: np.ndarray) -> np.ndarray:
    """For each row of the 2-D ``v``: the index of the last occurrence of its most frequent
    value (of equally frequent values the smallest), PyTorch's mode."""
    rows = np.arange(len(v))
    order = np.argsort(v, axis=1, kind="stable")
    s = np.take_along_axis(v, order, axis=1)
    run = np.concatenate([np.zeros((len(v), 1), np.int64),
                          np.cumsum(s[:, 1:] != s[:, :-1], axis=1)], axis=1)
    counts = np.zeros(v.shape, np.int64)
    np.add.at(counts, (rows[:, None], run), 1)
    per = np.take_along_axis(counts, run, axis=1)  # each sorted element's count
    start = np.argmax(per, axis=1)  # the first run of the largest count: smallest value
    # a stable order keeps equal values in x's order: the run's end is the last occurrence
    return order[rows, start + per[rows, start] - 1]


def mode(x: Tensor, dim: int = -1, keepdim: bool = False) -> _ValuesIndices:
    """The most frequent value along ``dim`` and an index of it, a named pair: (2, 5)
    .mode() -> two (2,). As PyTorch: of equally frequent values the smallest, and the index
    of its last occurrence. The gradient goes to that element."""
    keepdim = flag(keepdim, "mode", "keepdim")
    src, d = _along(x, dim, "mode")
    _nonempty("mode", src, (d,), False)
    v = np.moveaxis(src.data, d, -1)
    idx = _np_mode_index(v.reshape(-1, v.shape[-1])).reshape(v.shape[:-1])
    return _selected("mode", x, src, np.expand_dims(idx, d).astype(np.int64), d, keepdim)


def norm(x: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
    """PyTorch's vector norm over ``dim`` (an int or a tuple; None or () = all elements):
    p = 'fro' or 2 (Euclidean), 1, inf (max |x|), -inf (min |x|), 0 (the count of nonzeros,
    no gradient), or any other real: (Σ|x|^p)^(1/p). (2, 3).norm(dim=1) -> (2,). Where the
    norm is 0 the gradient is 0 (the subgradient PyTorch takes); 'nuc' is not supported."""
    if x.dtype.kind != "f":
        raise TypeError(f"norm: expected a floating point tensor, got dtype {x.dtype}")
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(f"norm: p={p!r} is not supported (use 'fro' or a number; the "
                             "nuclear norm 'nuc' is not implemented)")
        p = 2.0
    p = real(p, "norm", "p", finite=False)
    keepdim = flag(keepdim, "norm", "keepdim")
    axes = _axes(x, _all_dims(dim), "norm")
    if p == math.inf or p == -math.inf:
        return (amax if p > 0 else amin)(builtins.abs(x), axes, keepdim)
    if p == 0:
        return astype(count_nonzero(x, axes), x.dtype).reshape(
            _reduced_shape(x.shape, axes, keepdim))
    if p == 1:
        return sum(builtins.abs(x), axis=axes, keepdims=keepdim)
    with np.errstate(divide="ignore", over="ignore"):
        out = (np.abs(x.data) ** p).sum(axis=axes, keepdims=keepdim) ** (1 / p)

    def vjp(xp, g, out, x):  # g·sign(x)·|x|^(p-1) / norm^(p-1), 0 where x or the norm is 0
        flat = _data(out) == 0
        scale = xp.where(flat, 0.0, g / xp.where(flat, 1.0, out) ** (p - 1))
        zero = _data(x) == 0
        return scale * builtins.abs(xp.where(zero, 1.0, x)) ** (p - 1) * np.sign(_data(x))

    return _reduction("norm", x, axes, keepdim, out, vjp)


def var_mean(x: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False,
             *, axis: Any = None, keepdims: bool = False, ddof: int | None = None,
             correction: int | None = None) -> tuple[Tensor, Tensor]:
    """``(var(x, ...), mean(x, ...))`` over the same dims, the arguments of :func:`var`
    (unbiased by default): (2, 3) with dim=1 -> two (2,)."""
    v = _var("var_mean", x, dim, unbiased, keepdim, axis, keepdims, ddof, correction)
    return v, _mean_as(x, v, dim, axis, keepdim, keepdims)


def std_mean(x: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False,
             *, axis: Any = None, keepdims: bool = False, ddof: int | None = None,
             correction: int | None = None) -> tuple[Tensor, Tensor]:
    """``(std(x, ...), mean(x, ...))``, as :func:`var_mean`."""
    s = _std("std_mean", x, dim, unbiased, keepdim, axis, keepdims, ddof, correction)
    return s, _mean_as(x, s, dim, axis, keepdim, keepdims)


def _mean_as(x: Tensor, like: Tensor, dim: Any, axis: Any, keepdim: bool,
             keepdims: bool) -> Tensor:
    """The mean over the dims var/std reduced (their arguments are checked already), in
    the dtype of their result."""
    if isinstance(dim, (bool, np.bool_)):  # PyTorch's var_mean(x, False): unbiased
        dim = None
    m = mean(x, axis if dim is None else dim, keepdims or keepdim)
    return m if m.dtype == like.dtype else astype(m, like.dtype)


def count_nonzero(x: Tensor, dim: Any = None) -> Tensor:
    """The number of nonzero elements over ``dim`` (an int or a tuple; None or () = all),
    an int64 tensor: (2, 3).count_nonzero(1) -> (2,)."""
    axes = _axes(x, _all_dims(dim), "count_nonzero")
    return Tensor._wrap(np.asarray(np.count_nonzero(x.data, axis=axes), dtype=np.int64))


def unique(x: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct values of ``x`` (or distinct slices along ``dim``), sorted (always, as
    PyTorch on CPU); with ``return_inverse`` the index of each element (slice) in them, with
    ``return_counts`` how often each occurs: a tensor or a tuple. No gradient."""
    for what, v in (("sorted", sorted), ("return_inverse", return_inverse),
                    ("return_counts", return_counts)):
        flag(v, "unique", what)
    if dim is not None:
        dim = integer(dim, "unique", "dim")
        if not x.ndim:
            raise DimError(f"unique: dim {dim} given for a 0-d tensor, which has no dims")
        (dim,) = _axes(x, dim, "unique")
    values, inverse, counts = np.unique(x.data, return_inverse=True, return_counts=True,
                                        axis=dim)
    inverse = inverse.reshape(x.shape if dim is None else (x.shape[dim],))
    out = [Tensor._wrap(values)]
    if return_inverse:
        out.append(Tensor._wrap(inverse.astype(np.int64)))
    if return_counts:
        out.append(Tensor._wrap(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


for _name, _saved in (("prod", {0, "out"}), ("cumsum", set()), ("cumprod", {0, "out"}),
                      ("logcumsumexp", {0, "out"}), ("amax", {0, "out"}),
                      ("amin", {0, "out"}), ("median", {0, "out"}),
                      ("norm", {0, "out"})):
    _reads(_name, _saved)
_METHODS += ("prod cumsum cumprod cummax cummin logcumsumexp amax amin aminmax median mode "
             "norm count_nonzero sort argsort topk kthvalue unique").split()
_FUNCTION_FORMS += ("prod cumsum cumprod cummax cummin logcumsumexp amax amin aminmax median "
                    "mode norm var_mean std_mean count_nonzero sort argsort topk kthvalue "
                    "unique").split()


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
        raise ShapeError(f"{op}: expects tensors of shapes {shapes}, got {a.shape} and "
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
    if _blas_sums(g):
        return _ones(g.shape[0], g.dtype) @ g  # the column sums, as BLAS does them (_ones)
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
# issue 16: more products

def _dim(ndim: int, dim: Any, op: str, what: str = "dim") -> int:
    """One dim of a tensor of ``ndim`` dims, as a non-negative int (a 0-d tensor has dims
    0 and -1, as PyTorch); out of range: :class:`DimError`."""
    d = integer(dim, op, what)
    n = builtins.max(ndim, 1)
    if not -n <= d < n:
        raise DimError(f"{op}: {what} {d} is out of range for a tensor of {ndim} dims "
                       f"(expected a dim in [{-n}, {n - 1}])")
    return d % n


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # sorted: implicit outputs


def _einsum_subscripts(equation: Any, shapes: list) -> tuple[list[str], str]:
    """The explicit subscripts of each operand and of the output: '...' becomes spare
    letters (the ellipsis dims, right-aligned as broadcasting), and without '->' the output
    is the ellipsis dims then the letters used once, in alphabetical order (as PyTorch)."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {_short(equation)}")
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    ins = lhs.split(",")
    stray = set(eq.replace("...", "").replace("->", "", 1)) - set(_LETTERS + ",")
    if stray or "," in rhs:
        raise ValueError(f"einsum: invalid subscripts {sorted(stray) or [',']} in {equation!r} "
                         "(use the letters a-z, A-Z, '...', ',' and one '->')")
    if len(ins) != len(shapes):
        raise ShapeError(f"einsum: equation {equation!r} has {len(ins)} operands, got "
                         f"{len(shapes)}")
    ell_dims = []
    for i, (s, shape) in enumerate(zip(ins, shapes)):
        k = len(shape) - len(s.replace("...", ""))
        if s.count("...") > 1 or (k != 0 and "..." not in s) or k < 0:
            raise ShapeError(f"einsum: subscripts {s!r} of operand {i} do not fit its shape "
                             f"{tuple(shape)}")
        ell_dims.append(k if "..." in s else 0)
    used = set(eq) & set(_LETTERS)
    ell = "".join([c for c in _LETTERS if c not in used][:builtins.max(ell_dims)])
    subs = [s.replace("...", ell[len(ell) - k:]) for s, k in zip(ins, ell_dims)]
    if arrow:
        out = rhs.replace("...", ell)
        if len(set(out)) != len(out) or not set(out) <= set("".join(subs)) or \
                rhs.count("...") > 1:
            raise ShapeError(f"einsum: output subscripts {rhs!r} of {equation!r} must be "
                             "distinct letters of the operands")
    else:
        out = ell + "".join(sorted(c for c in used if lhs.count(c) == 1))
    sizes: dict = {}  # a letter's size; size 1 broadcasts, except repeated in one operand
    for s, shape in zip(subs, shapes):
        own: dict = {}
        for c, n in zip(s, shape):
            if own.setdefault(c, n) != n or (n != 1 and sizes.setdefault(c, n) != n):
                raise ShapeError(f"einsum: subscript {c!r} has sizes that differ in "
                                 f"{equation!r} with shapes {[tuple(t) for t in shapes]}")
    return subs, out


def _einsum_vjp(i: int, subs: list[str], out: str, shape: tuple):
    """Operand i's gradient, an einsum of g and the other operands. A letter the operand
    repeats ('ii') becomes a spare letter tied to it by an identity matrix, and a letter
    only it has (summed there) is given by a vector of ones: constants the gradient
    einsum takes as operands."""
    target, others = subs[i], subs[:i] + subs[i + 1:]
    present = set(out).union(*others)
    spare = iter([c for c in _LETTERS if c not in present and c not in target])
    result, consts = [], []  # consts: (subscripts, size)
    for c, n in zip(target, shape):
        if c in result:
            result.append(next(spare))
            consts.append((c + result[-1], n))
        else:
            result.append(c)
            if c not in present:
                consts.append((c, n))
    eq = ",".join([out, *others, *(s for s, _ in consts)]) + "->" + "".join(result)

    def vjp(xp, g, o, *values):
        dt = _data(g).dtype
        extra = [np.eye(n, dtype=dt) if len(s) == 2 else np.ones(n, dt) for s, n in consts]
        return xp.einsum(eq, g, *values[:i], *values[i + 1:], *extra)

    return vjp


def _np_einsum(equation: str, *operands: np.ndarray) -> np.ndarray:
    return np.einsum(equation, *operands, optimize=len(operands) > 1)  # BLAS for products


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation as PyTorch's ``einsum(equation, *operands)`` (or one list of
    operands), with '...' and implicit outputs: einsum('bij,bjk->bik', (B, n, k), (B, k, m))
    -> (B, n, m). The gradient of each operand is an einsum too (so it has all orders)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ShapeError("einsum: needs at least one operand")
    ts = [_tensor(t, "einsum") for t in operands]
    subs, out = _einsum_subscripts(equation, [t.shape for t in ts])
    eq = ",".join(subs) + "->" + out
    values = tuple(t.data for t in ts)
    return _record("einsum", _np_einsum(eq, *values), tuple(ts), values,
                   tuple(_einsum_vjp(i, subs, out, t.shape) for i, t in enumerate(ts)),
                   {"equation": eq})


# operand i's gradient reads every other operand
_reads("einsum", *({j for j in range(64) if j != i} for i in range(64)))


def tensordot(a: Any, b: Any, dims: Any = 2) -> Tensor:
    """Contract the last ``dims`` dims of ``a`` with the first ``dims`` of ``b``, or the
    dims of a pair of lists ``([a's], [b's])`` (as PyTorch): (2, 3, 4) and (3, 4, 5) ->
    (2, 5); dims=([1], [0]) of (2, 3) and (3, 5) -> (2, 5). One einsum node."""
    a, b = _tensor(a, "tensordot"), _tensor(b, "tensordot")
    if _is_int(dims):
        n = int(dims)
        if n < 0 or n > builtins.min(a.ndim, b.ndim):
            raise ShapeError(f"tensordot: dims={n} must be in [0, {builtins.min(a.ndim, b.ndim)}]"
                             f" for shapes {a.shape} and {b.shape}")
        da, db = list(range(a.ndim - n, a.ndim)), list(range(n))
    elif isinstance(dims, (list, tuple)) and len(dims) == 2:
        da, db = ([d] if _is_int(d) else _int_list(d, "tensordot", "dims") for d in dims)
        da = [_dim(a.ndim, d, "tensordot") for d in da]
        db = [_dim(b.ndim, d, "tensordot") for d in db]
    else:
        raise TypeError(f"tensordot: dims must be an int or a pair of lists of dims, got "
                        f"{_short(dims)}")
    if len(da) != len(db) or len(set(da)) != len(da) or len(set(db)) != len(db) or any(
            a.shape[i] != b.shape[j] for i, j in zip(da, db)):
        raise ShapeError(f"tensordot: cannot contract dims {da} of shape {a.shape} with dims "
                         f"{db} of shape {b.shape}")
    sa = _LETTERS[:a.ndim]
    letters_b = [_LETTERS[a.ndim + j] for j in range(b.ndim)]
    for i, j in zip(da, db):
        letters_b[j] = sa[i]
    sb = "".join(letters_b)
    keep = "".join(c for i, c in enumerate(sa) if i not in da) + \
        "".join(c for j, c in enumerate(sb) if j not in db)
    return einsum(f"{sa},{sb}->{keep}", a, b)


def inner(a: Any, b: Any) -> Tensor:
    """Sum over the last dims of both (as PyTorch; a 0-d operand multiplies): (2, 3) and
    (4, 3) -> (2, 4)."""
    a, b = _tensor(a, "inner"), _tensor(b, "inner")
    if a.ndim == 0 or b.ndim == 0:
        return mul(a, b)
    if a.shape[-1] != b.shape[-1]:
        raise ShapeError(f"inner: the last dims of shapes {a.shape} and {b.shape} differ")
    return tensordot(a, b, ([-1], [-1]))


def outer(a: Any, b: Any) -> Tensor:
    """Outer product of two vectors: (n,) and (m,) -> (n, m)."""
    a, b = _tensor(a, "outer"), _tensor(b, "outer")
    if a.ndim != 1 or b.ndim != 1:
        raise ShapeError(f"outer: expects two 1-D tensors, got shapes {a.shape} and {b.shape}")
    return mul(reshape(a, -1, 1), b)


def kron(a: Any, b: Any) -> Tensor:
    """Kronecker product (the smaller rank padded with leading 1s, as PyTorch): (2, 3) and
    (4, 5) -> (8, 15); (2, 3) and (4,) -> (2, 12)."""
    a, b = _tensor(a, "kron"), _tensor(b, "kron")
    nd = builtins.max(a.ndim, b.ndim)
    sa, sb = (1,) * (nd - a.ndim) + a.shape, (1,) * (nd - b.ndim) + b.shape
    # a's dims at even positions, b's at odd ones: their product, then each pair merged
    wide = mul(reshape(a, tuple(v for s in sa for v in (s, 1))),
               reshape(b, tuple(v for s in sb for v in (1, s))))
    return reshape(wide, tuple(i * j for i, j in zip(sa, sb)))


def _np_cross(a: np.ndarray, b: np.ndarray, dim: int) -> np.ndarray:
    return np.cross(a, b, axis=dim)


def cross(a: Any, b: Any, dim: int | None = None) -> Tensor:
    """Cross product of 3-vectors along ``dim`` with broadcasting: (4, 3) x (4, 3) ->
    (4, 3). Without ``dim`` it is the first dim of size 3, with PyTorch's deprecation
    warning (torch.linalg.cross's default is -1)."""
    a, b = _tensor(a, "cross"), _tensor(b, "cross")
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ShapeError(f"cross: shapes {a.shape} and {b.shape} cannot be broadcast "
                         "together") from None
    if a.ndim != b.ndim:
        raise ShapeError(f"cross: expects tensors of the same number of dims, got shapes "
                         f"{a.shape} and {b.shape}")
    if dim is None:
        d = next((i for i, s in enumerate(shape) if s == 3), None)
        if d is None:
            raise ShapeError(f"cross: no dim of size 3 in shapes {a.shape} and {b.shape}")
        warnings.warn("cross: calling it without dim is deprecated (as in PyTorch); pass dim "
                      "explicitly", UserWarning, stacklevel=2)
    else:
        d = _dim(len(shape), dim, "cross")
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise ShapeError(f"cross: dim {d} of shapes {a.shape} and {b.shape} must have size 3")
    return _record("cross", _np_cross(a.data, b.data, d), (a, b), (a.data, b.data), (
        lambda xp, g, out, a, b: xp.cross(b, g, d),
        lambda xp, g, out, a, b: xp.cross(g, a, d),
    ), {"dim": d})


_reads("cross", {1}, {0})


_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                "donot_use_mm_for_euclid_dist")


def cdist(x1: Any, x2: Any, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """p-norm distances between the rows of ``x1`` (…, P, M) and ``x2`` (…, R, M), batch
    dims broadcasting: -> (…, P, R). The gradient is PyTorch's, 0 where a distance is 0.
    ``compute_mode`` is accepted as PyTorch's; the distances are always computed from the
    differences (exact, never the faster but cancelling matrix-product form)."""
    x1, x2 = _tensor(x1, "cdist"), _tensor(x2, "cdist")
    p = real(p, "cdist", "p", low=0.0, finite=False)
    if not isinstance(compute_mode, str) or compute_mode not in _CDIST_MODES:
        raise ValueError(f"cdist: compute_mode must be one of {_CDIST_MODES}, got "
                         f"{_short(compute_mode)}")
    for t in (x1, x2):
        if t.ndim < 2:
            raise ShapeError(f"cdist: expects tensors of at least 2 dims, got shapes "
                             f"{x1.shape} and {x2.shape}")
        if t.dtype.kind != "f":
            raise TypeError(f"cdist: expects floating point tensors, got {x1.dtype} and "
                            f"{x2.dtype}")
    if x1.shape[-1] != x2.shape[-1]:
        raise ShapeError(f"cdist: shapes {x1.shape} and {x2.shape} differ in the last dim")
    try:
        np.broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
    except ValueError:
        raise ShapeError(f"cdist: batch dims of shapes {x1.shape} and {x2.shape} cannot be "
                         "broadcast together") from None
    ad = np.abs(x1.data[..., :, None, :] - x2.data[..., None, :, :])
    if p == 0:
        out = (ad != 0).sum(axis=-1).astype(ad.dtype)
    elif p == math.inf:
        out = ad.max(axis=-1, initial=0.0)
    else:
        out = (ad ** p).sum(axis=-1) ** (1 / p)

    def grad_x1(xp, g, out, x1, x2):
        diff = x1[..., :, None, :] - x2[..., None, :, :]
        return (_cdist_slope(xp, diff, out, p) * g[..., None]).sum(axis=-2)

    def grad_x2(xp, g, out, x1, x2):
        diff = x1[..., :, None, :] - x2[..., None, :, :]
        return -(_cdist_slope(xp, diff, out, p) * g[..., None]).sum(axis=-3)

    return _record("cdist", out, (x1, x2), (x1.data, x2.data), (grad_x1, grad_x2), {"p": p})


def _cdist_slope(xp, diff, dist, p: float):
    """∂dist/∂diff, (…, P, R, M): sign(diff)·|diff|^(p-1) / dist^(p-1); 0 where dist (or,
    for p < 2, the diff) is 0, as PyTorch."""
    d = dist[..., None]
    if p == 0:
        return diff * 0.0
    positive, negative = xp.where(diff > 0, 1.0, 0.0), xp.where(diff < 0, 1.0, 0.0)
    sign = positive - negative
    if p == 1:
        return sign
    if p == math.inf:
        return xp.where(abs(diff) == d, sign, 0.0)
    safe = xp.where(d == 0, 1.0, d)
    if p == 2:
        return xp.where(d == 0, 0.0, diff / safe)
    ad = abs(diff)
    ratio = xp.where(ad == 0, 1.0, ad) / safe
    return xp.where(d == 0, 0.0, sign * ratio ** (p - 1))


_reads("cdist", {0, 1, "out"})


_METHODS += "inner outer kron cross".split()


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
        t._view_fn = lambda a: view_fn(outer(a))  # type: ignore[misc]  # (set with _base)
    return _alias(x, t)


def _positions(base: Tensor, view_fn) -> np.ndarray:
    """For each element of the view ``view_fn`` of ``base``: its flat index in ``base``."""
    return view_fn(np.arange(base.data.size).reshape(base.shape))


def _view_of(base: Tensor, view: Tensor, view_fn) -> engine.Node:
    """The history of ``view`` once an in-place op gave ``base`` a new one: its elements of
    the new base (the gradient scatter-adds back; expanded views repeat positions)."""
    pos, n, shape = _positions(base, view_fn), base.data.size, base.shape
    # (a Node: the base requires grad, so the op records)
    return _record("as_strided", view.data, (base,), (base.data,), (  # type: ignore[return-value]
        lambda xp, g, out, b: xp.index_add_at(g, (pos,), (n,)).reshape(shape),
    )).grad_fn


def _copy_slices(old_base: Tensor, value: Tensor, base: Tensor, view_fn) -> engine.Node:
    """The new history of ``base`` when an in-place op wrote ``value`` into its view
    ``view_fn``: ``old_base`` with that view's elements replaced by ``value``."""
    pos = _positions(base, view_fn)
    keep = np.ones(base.shape, base.dtype)
    keep.flat[pos] = 0
    return _record(  # type: ignore[return-value]  # (a Node: old_base requires grad)
        "copy_slices", base.data, (old_base, value), (old_base.data, value.data), (
        lambda xp, g, out, b, v: g * keep,
        lambda xp, g, out, b, v: g.reshape(-1)[pos],
    )).grad_fn


view = reshape


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims start_dim..end_dim (PyTorch semantics): (2, 3, 4).flatten(1) -> (2, 12)."""
    if x.ndim == 0:  # dims 0 and -1 are valid, as for a 1-d tensor
        _axes(x, start_dim, "flatten")
        _axes(x, end_dim, "flatten")
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
    """One dim of ``x`` for ops that refuse a 0-d tensor (split, chunk, gather, ...)."""
    if x.ndim == 0:
        raise ValueError(f"{op}: expects a tensor of at least 1 dim, got a 0-d tensor")
    return _dim(x.ndim, dim, op)


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


@overload
def where(cond: Any) -> tuple[Tensor, ...]: ...
@overload
def where(cond: Any, a: Any, b: Any) -> Tensor: ...
def where(cond: Any, a: Any = None, b: Any = None) -> Tensor | tuple[Tensor, ...]:
    """``a`` where ``cond`` else ``b``, broadcasting all three; no gradient to ``cond``.
    ``where(cond)`` alone is ``nonzero(cond, as_tuple=True)``, as PyTorch."""
    if a is None and b is None:
        return nonzero(_tensor(cond, "where"), as_tuple=True)
    if a is None or b is None:
        raise TypeError("where: give both a and b, or neither (where(cond) is nonzero)")
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
    return _masked("masked_fill", x, mask, value)


def _masked(op: str, x: Tensor, mask: Any, value: Any) -> Tensor:
    """masked_fill, its errors naming ``op`` (index_fill is a masked_fill too)."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise ValueError(f"{op}: value must be a number or a 0-d tensor, got a "
                             f"tensor of shape {value.shape}")
    elif not isinstance(value, (bool, int, float, np.generic)) or \
            np.asarray(value).dtype.kind not in "biuf":
        raise TypeError(f"{op}: value must be a number or a 0-d tensor, got "
                        f"{_short(value)}")
    m = _bool_mask(x, mask, op)
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
# issue 16: more shape ops


def _dims_arg(x: Tensor, dims: Any, op: str) -> tuple[int, ...]:
    """``f(0, 1)``, ``f((0, 1))``, ``f(0)``: distinct dims of ``x``, non-negative."""
    dims = _shape_arg(dims if isinstance(dims, tuple) else (dims,), op, "dims")
    out = tuple(_dim(x.ndim, d, op) for d in dims)
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: dims {dims} repeat a dim of shape {x.shape}")
    return out


def _dims_or_keyword(args: tuple, dims: Any, op: str) -> Any:
    """PyTorch's ``x.flip(0, 1)``, ``x.flip((0, 1))`` and ``flip(x, dims=(0, 1))``."""
    if dims is None:
        return args
    if args:
        raise TypeError(f"{op}: give the dims positionally or as dims=, not both")
    return dims


def flip(x: Tensor, *args: Any, dims: Any = None) -> Tensor:
    """A copy (as PyTorch, not a view) with the elements' order reversed along ``dims``:
    [[0, 1], [2, 3]].flip(0) -> [[2, 3], [0, 1]]."""
    axes = _dims_arg(x, _dims_or_keyword(args, dims, "flip"), "flip")
    rev = tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(x.ndim))
    return _unary("flip", x.data[rev].copy(), x, lambda xp, g, out, x: g[rev], {"dims": axes})


def roll(x: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Shift elements cyclically by ``shifts`` along ``dims`` (an int or a list of each),
    of the flattened tensor when ``dims`` is None: [0, 1, 2].roll(1) -> [2, 0, 1]."""
    shifts = [int(shifts)] if _is_int(shifts) else _int_list(shifts, "roll", "shifts")
    axes = None if dims is None else \
        [_dim(x.ndim, d, "roll") for d in ([dims] if _is_int(dims) else
                                           _int_list(dims, "roll", "dims"))]
    if len(shifts) != (1 if axes is None else len(axes)):
        raise ShapeError(f"roll: shifts {shifts} and dims {dims} must have the same length "
                         "(one shift without dims)")
    back = [-s for s in shifts]
    return _unary("roll", np.roll(x.data, shifts, axes), x,
                  lambda xp, g, out, x: xp.roll(g, back, axes),
                  {"shifts": shifts, "dims": axes})


def _repeat(x: Tensor, sizes: tuple) -> Tensor:
    """``x`` (padded with leading 1s to len(sizes) dims) repeated sizes[i] times along dim
    i; the gradient sums the copies (g viewed as (r0, s0, r1, s1, ...))."""
    if builtins.min(sizes, default=0) < 0:
        raise ShapeError(f"repeat: sizes must be >= 0, got {sizes}")
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    copies = tuple(v for r, s in zip(sizes, shape) for v in (r, s))
    axes, in_shape = tuple(range(0, 2 * len(sizes), 2)), x.shape
    return _unary("repeat", np.tile(x.data.reshape(shape), sizes), x,
                  lambda xp, g, out, x: g.reshape(copies).sum(axis=axes).reshape(in_shape),
                  {"sizes": sizes})


def repeat(x: Tensor, *sizes: Any) -> Tensor:
    """PyTorch's repeat (numpy's tile): x repeated sizes[i] times along dim i, with leading
    new dims when more sizes than dims are given: (2, 3).repeat(2, 1, 2) -> (2, 2, 6)."""
    sizes = _shape_arg(sizes, "repeat")
    if len(sizes) < x.ndim:
        raise ShapeError(f"repeat: {len(sizes)} sizes {sizes} given for a tensor of shape "
                         f"{x.shape} (at least one per dim)")
    return _repeat(x, sizes)


def tile(x: Tensor, *args: Any, dims: Any = None) -> Tensor:
    """:func:`repeat` with sizes for the last dims allowed (the others get 1, as
    PyTorch): (2, 3).tile(2) -> (2, 6)."""
    sizes = _shape_arg(_dims_or_keyword(args, dims, "tile"), "tile", "dims")
    return _repeat(x, (1,) * (x.ndim - len(sizes)) + sizes)


def repeat_interleave(x: Tensor, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Each element (of the flattened ``x`` without ``dim``) repeated ``repeats`` times in
    place, ``repeats`` an int or a 1-D integer tensor of one count per element:
    [1, 2].repeat_interleave(2) -> [1, 1, 2, 2]; with repeats=[1, 2] -> [1, 2, 2]. With
    one integer tensor alone it is ``arange(n).repeat_interleave(that)``, as PyTorch."""
    if repeats is None:
        if x.dtype.kind not in "iu" or x.ndim > 1:
            raise TypeError(f"repeat_interleave: without repeats, the input is the repeats: "
                            f"a 1-D integer tensor, got {x.dtype} of shape {x.shape}")
        x, repeats, dim = Tensor._wrap(np.arange(x.data.size)), x, 0
    if dim is None:
        x, d = reshape(x, -1), 0
    else:
        d = _piece_dim(x, dim, "repeat_interleave")
    n = x.shape[d]
    counts = np.asarray(int(repeats) if _is_int(repeats) else _data(repeats))
    if counts.dtype.kind not in "iu" or counts.ndim > 1 or counts.size not in (1, n) or (
            counts < 0).any():
        raise ShapeError(f"repeat_interleave: repeats must be an int >= 0 or a 1-D tensor of "
                         f"{n} (or 1) such ints, got {_short(repeats)}")
    index = np.repeat(np.arange(n), np.broadcast_to(counts.reshape(-1), (n,)))
    if output_size is not None and integer(output_size, "repeat_interleave",
                                           "output_size") != index.size:
        raise ShapeError(f"repeat_interleave: output_size={output_size} but the repeats "
                         f"give {index.size} elements")
    return getitem(x, (slice(None),) * d + (index,))


def _triangle(name: str, npfn, x: Tensor, diagonal: int) -> Tensor:
    """tril/triu: the last two dims' lower/upper triangle (from ``diagonal`` on), the
    rest zeros; batched over leading dims."""
    if x.ndim < 2:
        raise ShapeError(f"{name}: expects a tensor of at least 2 dims, got shape {x.shape}")
    k = integer(diagonal, name, "diagonal")
    keep = npfn(np.ones(x.shape[-2:], bool), k)
    return _unary(name, npfn(x.data, k), x, lambda xp, g, out, x: xp.where(keep, g, 0.0),
                  {"diagonal": k})


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    """Lower triangle of the last two dims (above ``diagonal`` zeroed): (B, n, m) ->
    (B, n, m)."""
    return _triangle("tril", np.tril, x, diagonal)


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    """Upper triangle of the last two dims (below ``diagonal`` zeroed): (B, n, m) ->
    (B, n, m)."""
    return _triangle("triu", np.triu, x, diagonal)


def unflatten(x: Tensor, dim: int, sizes: Any) -> Tensor:
    """A view with dim ``dim`` split into ``sizes`` (one may be -1): (2, 12).unflatten(1,
    (3, -1)) -> (2, 3, 4)."""
    d = _piece_dim(x, dim, "unflatten")
    sizes = tuple(_int_list(sizes, "unflatten", "sizes"))
    known = int(np.prod([s for s in sizes if s != -1]))
    n = x.shape[d]
    if not sizes or sizes.count(-1) > 1 or builtins.min(sizes) < -1 or (
            n != known if -1 not in sizes else (known == 0 or n % known)):
        raise ShapeError(f"unflatten: sizes {sizes} do not split dim {d} of size {n} "
                         f"(shape {x.shape})")
    return reshape(x, x.shape[:d] + sizes + x.shape[d + 1:])


def _np_diagonal(a: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
    """np.diagonal as a writeable view (numpy's is read-only): writes through PyTorch's
    diagonal views reach the base."""
    b = np.moveaxis(a, (dim1, dim2), (-2, -1))
    b = b[..., :, offset:] if offset >= 0 else b[..., -offset:, :]
    n = builtins.min(b.shape[-2], b.shape[-1])
    return np.lib.stride_tricks.as_strided(
        b, b.shape[:-2] + (n,), b.strides[:-2] + (b.strides[-2] + b.strides[-1],))


def _np_diag_place(g: np.ndarray, shape: tuple, offset: int, dim1: int,
                   dim2: int) -> np.ndarray:
    out = np.zeros(shape, g.dtype)
    _np_diagonal(out, offset, dim1, dim2)[...] = g
    return out


def diag_place(g: Tensor, shape: tuple, offset: int, dim1: int, dim2: int) -> Tensor:
    """Zeros of ``shape`` with ``g`` on the diagonal(offset, dim1, dim2): the adjoint of
    :func:`diagonal` (its gradient is diagonal)."""
    return _unary("diag_place", _np_diag_place(g.data, shape, offset, dim1, dim2), g,
                  lambda xp, g, out, src: xp.diagonal(g, offset, dim1, dim2))


def _two_dims(ndim: int, dim1: Any, dim2: Any, op: str) -> tuple[int, int]:
    d1, d2 = _dim(ndim, dim1, op, "dim1"), _dim(ndim, dim2, op, "dim2")
    if d1 == d2:
        raise ShapeError(f"{op}: dim1 and dim2 must differ, got {dim1} and {dim2} for "
                         f"{ndim} dims")
    return d1, d2


def diagonal(x: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A view of the diagonal of dims (dim1, dim2), shifted by ``offset`` (> 0 above),
    as the last dim: (2, 3, 4).diagonal(0, 1, 2) -> (2, 3)."""
    if x.ndim < 2:
        raise ShapeError(f"diagonal: expects a tensor of at least 2 dims, got shape {x.shape}")
    d1, d2 = _two_dims(x.ndim, dim1, dim2, "diagonal")
    return _diagonal(x, integer(offset, "diagonal", "offset"), d1, d2)


def _diagonal(x: Tensor, k: int, d1: int, d2: int) -> Tensor:
    shape = x.shape

    def view(a):
        return _np_diagonal(a, k, d1, d2)

    return _viewing(x, _unary("diagonal", view(x.data), x,
                              lambda xp, g, out, x: xp.diag_place(g, shape, k, d1, d2),
                              {"offset": k, "dim1": d1, "dim2": d2}), view)


def diag_embed(x: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The last dim of ``x`` put on the diagonal(offset, dim1, dim2) of new zeros, one dim
    more: (2, 3).diag_embed() -> (2, 3, 3)."""
    if x.ndim == 0:
        raise ShapeError("diag_embed: expects a tensor of at least 1 dim, got a 0-d tensor")
    d1, d2 = _two_dims(x.ndim + 1, dim1, dim2, "diag_embed")
    k = integer(offset, "diag_embed", "offset")
    shape = list(x.shape[:-1])
    for d in sorted((d1, d2)):
        shape.insert(d, x.shape[-1] + builtins.abs(k))
    return diag_place(x, tuple(shape), k, d1, d2)


def diag(x: Tensor, diagonal: int = 0) -> Tensor:
    """PyTorch's diag: a 1-D tensor becomes the ``diagonal`` of a square matrix, (3,) ->
    (3, 3); a matrix gives (a copy of) its diagonal, (3, 4) -> (3,)."""
    if x.ndim == 1:
        return diag_embed(x, diagonal, 0, 1)
    if x.ndim == 2:
        return clone(_diagonal(x, integer(diagonal, "diag", "diagonal"), 0, 1))
    raise ShapeError(f"diag: expects a 1-D or 2-D tensor, got shape {x.shape}")


def movedim(x: Tensor, source: Any, destination: Any) -> Tensor:
    """A view with dims ``source`` moved to positions ``destination`` (ints or lists), the
    others in their order: (2, 3, 4).movedim(0, -1) -> (3, 4, 2)."""
    src, dst = ([_dim(x.ndim, d, "movedim") for d in
                 ([v] if _is_int(v) else _int_list(v, "movedim", what))]
                for v, what in ((source, "source"), (destination, "destination")))
    if len(src) != len(dst) or len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ShapeError(f"movedim: source {source} and destination {destination} must be "
                         "distinct dims, as many of each")
    order = [i for i in range(x.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return _permuted(x, tuple(order))


moveaxis = movedim


def narrow(x: Tensor, dim: int, start: Any, length: int) -> Tensor:
    """A view of ``length`` elements from ``start`` (may be negative, or a 0-d integer
    tensor) along ``dim``: (5, 2).narrow(0, 1, 3) -> (3, 2)."""
    d = _piece_dim(x, dim, "narrow")
    if isinstance(start, Tensor) and start.ndim == 0:
        start = start.data[()]
    n = x.shape[d]
    s = integer(start, "narrow", "start")
    ln = integer(length, "narrow", "length", low=0)
    if not -n <= s <= n:
        raise DimError(f"narrow: start {s} is out of range for dim {d} of size {n}")
    s %= builtins.max(n, 1)
    if s + ln > n:
        raise ShapeError(f"narrow: start ({s}) + length ({ln}) exceeds the size {n} of dim "
                         f"{d} (shape {x.shape})")
    return getitem(x, (slice(None),) * d + (slice(s, s + ln),))


def select(x: Tensor, dim: int, index: int) -> Tensor:
    """A view of ``x`` at ``index`` of ``dim``, that dim removed: (2, 3).select(1, 0) ->
    (2,)."""
    d = _piece_dim(x, dim, "select")
    i, n = integer(index, "select", "index"), x.shape[d]
    if not -n <= i < n:
        raise IndexError(f"select: index {i} is out of range for dim {d} of size {n} "
                         f"(shape {x.shape})")
    return getitem(x, (slice(None),) * d + (i,))


def unbind(x: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The views ``x.select(dim, i)`` for every i, as a tuple: (3, 2).unbind() -> three
    (2,)."""
    d = _piece_dim(x, dim, "unbind")
    return tuple(select(x, d, i) for i in range(x.shape[d]))


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids of 1-D (or 0-d) tensors, as expanded views: with 'ij' output i
    varies along dim i, (2,), (3,) -> two (2, 3); 'xy' swaps the first two dims, -> two
    (3, 2). Without ``indexing`` it is 'ij' with PyTorch's warning."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    ts = _tensor_sequence(list(tensors), "meshgrid")
    if indexing is None:
        warnings.warn("meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument (as in PyTorch); using indexing='ij'", UserWarning,
                      stacklevel=2)
        indexing = "ij"
    if not isinstance(indexing, str) or indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {_short(indexing)}")
    if any(t.ndim > 1 for t in ts) or len({t.dtype for t in ts}) > 1:
        raise ShapeError(f"meshgrid: expects 0-d or 1-D tensors of one dtype, got shapes "
                         f"{[t.shape for t in ts]} and dtypes {[str(t.dtype) for t in ts]}")
    where_ = list(range(len(ts)))  # the dim along which tensor i varies
    if indexing == "xy" and len(ts) > 1:
        where_[0], where_[1] = 1, 0
    shape = [0] * len(ts)
    for t, d in zip(ts, where_):
        shape[d] = t.data.size
    return tuple(expand(reshape(t, tuple(shape[d] if j == d else 1 for j in range(len(ts)))),
                        tuple(shape)) for t, d in zip(ts, where_))


def _at_least(n: int, tensors: tuple, op: str) -> Any:
    """Each tensor viewed with leading (and for 3 dims, a trailing) size-1 dims up to
    ``n`` dims; one tensor gives a tensor, several (or one list) a tuple."""
    one = len(tensors) == 1 and not isinstance(tensors[0], (list, tuple))
    if len(tensors) == 1 and not one:
        tensors = tuple(tensors[0])
    out = []
    for t in (_tensor(v, op) for v in tensors):
        shape = {0: (1,) * n, 1: (1,) + t.shape + (1,) * (n - 2), 2: t.shape + (1,)}.get(
            t.ndim, t.shape) if t.ndim < n else t.shape
        out.append(t if shape == t.shape else reshape(t, shape))
    return out[0] if one else tuple(out)


def atleast_1d(*tensors: Any) -> Any:
    """``x`` with at least 1 dim: () -> (1,); several tensors (or a list) give a tuple."""
    return _at_least(1, tensors, "atleast_1d")


def atleast_2d(*tensors: Any) -> Any:
    """``x`` with at least 2 dims: () -> (1, 1), (n,) -> (1, n); several give a tuple."""
    return _at_least(2, tensors, "atleast_2d")


def atleast_3d(*tensors: Any) -> Any:
    """``x`` with at least 3 dims: () -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n,
    1); several tensors (or a list) give a tuple."""
    return _at_least(3, tensors, "atleast_3d")


for _name in ("flip", "roll", "repeat", "tril", "triu", "diagonal", "diag_place"):
    _reads(_name, set())
_SHAPE16 = ("flip roll repeat tile repeat_interleave tril triu unflatten diag diagonal "
            "diag_embed movedim moveaxis narrow select unbind").split()
_METHODS += _SHAPE16
_FUNCTION_FORMS += _SHAPE16


# ----------------------------------------------------------------------------------------
# Indexing


def _is_basic(index: tuple) -> bool:
    return all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice))
               for i in index)


def _sequence_is_tuple(index: Any) -> bool:
    """PyTorch reads x[[0, slice(None)]] or x[[[0, 1], [1, 0]]] as x[0, :] or
    x[[0, 1], [1, 0]]: a short list holding a sequence, tensor, slice, None or ... is a
    tuple (numpy: an array, or an error)."""
    return isinstance(index, list) and len(index) < 32 and builtins.any(
        i is None or i is Ellipsis or isinstance(i, (Tensor, np.ndarray, list, tuple, slice))
        for i in index)


def _index(index: Any, op: str = "getitem") -> tuple:
    """A normalised numpy index: Tensors and lists become arrays; always a tuple."""
    parts = index if isinstance(index, tuple) or _sequence_is_tuple(index) else (index,)
    out = []
    for i in parts:
        if isinstance(i, Tensor):
            i = i.data
            if i.ndim == 0 and i.dtype.kind in "iu":  # PyTorch: a 0-d int tensor is an int
                i = int(i)
        elif isinstance(i, slice) and i.step is not None and \
                isinstance(i.step, (int, np.integer)) and i.step == 0:
            raise ValueError(f"{op}: slice step cannot be zero")
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


def _torch_index(idx: tuple, shape: tuple) -> tuple:
    """``idx`` with PyTorch's result shape: integers select first and the array indices
    then index what is left, so x[:, 0, :, [0, 1]] of a (2, 3, 4, 5) tensor is (2, 4, 2)
    (numpy counts integers as arrays and moves the combined dims first: (2, 2, 4)). Such an
    index becomes one integer array per dim; any other is unchanged."""
    # 1: an integer (bool is not one), 2: an array index, 0: anything else
    kinds = [1 if type(i) is int or isinstance(i, np.integer) else
             2 if type(i) is _ndarray and i.ndim else 0 for i in idx]
    if 1 not in kinds or 2 not in kinds:
        return idx
    both = [k for k, kind in enumerate(kinds) if kind]
    if both[-1] - both[0] == len(both) - 1:
        return idx  # numpy agrees when the integers and arrays are side by side
    first = []  # the integers (and None/slices/...), arrays' dims kept whole
    for i, kind in zip(idx, kinds):
        first += [slice(None)] * (i.ndim if i.dtype == np.bool_ else 1) if kind == 2 else [i]
    then = tuple(slice(None) if i is None else i for i, kind in zip(idx, kinds) if kind != 1)
    pos = np.arange(math.prod(shape)).reshape(shape)[tuple(first)][then]
    return np.unravel_index(pos, shape)


def getitem(x: Tensor, index: Any) -> Tensor:
    """``x[index]`` with numpy's basic and advanced indexing; the gradient scatter-adds
    (repeated indices accumulate): x[[0, 0, 1]] gives x[0] a gradient of 2."""
    idx = _index(index)
    basic = _is_basic(idx)
    try:
        if not basic:
            idx = _torch_index(idx, x.shape)
        out = x.data[idx]
    except (IndexError, TypeError, ValueError) as e:
        raise IndexError(f"getitem: index {_short(index)} is invalid for shape {x.shape}: "
                         f"{e}") from None
    shape = x.shape
    if basic:  # a view of x
        return _viewing(x, _unary("getitem", out, x,
                                  lambda xp, g, out, x: xp.scatter_set(g, idx, shape)),
                        lambda a: a[idx])
    return _unary("getitem", out, x, lambda xp, g, out, x: xp.index_add_at(g, idx, shape))


def index_add_at(g: Tensor, index: Any, shape: tuple) -> Tensor:
    """Zeros of ``shape`` with ``g`` added at ``index`` (repeats accumulate): the adjoint of
    indexing, itself differentiable (its gradient is indexing). Not Tensor.scatter_add."""
    idx = _index(index)
    return _unary("index_add_at", _np_index_add_at(g.data, idx, shape), g,
                  lambda xp, g, out, src: g[idx])


def scatter_set(g: Tensor, index: Any, shape: tuple) -> Tensor:
    """:func:`index_add_at` for basic indices, which never repeat (a plain write)."""
    idx = _index(index)
    return _unary("scatter_set", _np_scatter_set(g.data, idx, shape), g,
                  lambda xp, g, out, src: g[idx])


def _np_index_add_at(g: np.ndarray, index: tuple, shape: tuple) -> np.ndarray:
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
        idx = _torch_index(idx, x.shape)
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
for _name in ("getitem", "reshape", "transpose", "broadcast_to", "index_add_at", "scatter_set",
              "index_put", "as_strided", "copy_slices", "pad", "sliding_window_view",
              "window_sum", "windows", "take_first", "put_first"):
    _reads(_name, set())


# ----------------------------------------------------------------------------------------
# issue 16: more indexing ops (PyTorch's gather/scatter/index_*/masked_*/nonzero/take)
#
# Each is an index tuple into x built from the dim and the index tensor, then an existing
# indexing op: gathers are getitem (backward: index_add_at, repeats accumulate), writes are
# index_put (backward: self where not overwritten, the source gathered), adds are
# add(x, index_add_at(...)). Only scatter_reduce is an op of its own.


def _index_tensor(index: Any, op: str, what: str = "index") -> np.ndarray:
    """An integer index tensor's array (PyTorch refuses float and bool indices here)."""
    i = _data(index)
    if not isinstance(i, np.ndarray) or i.dtype.kind not in "iu":
        got = i.dtype if isinstance(i, np.ndarray) else _short(index)
        raise TypeError(f"{op}: {what} must be an integer (int64) tensor, got {got}")
    return i


def _in_bounds(i: np.ndarray, size: int, op: str, dim: int) -> None:
    if i.size and (i.min() < 0 or i.max() >= size):
        bad = i.min() if i.min() < 0 else i.max()
        raise IndexError(f"{op}: index {bad} is out of bounds for dimension {dim} with size "
                         f"{size}")


def _same_dtype(x: Tensor, src: Tensor, op: str, what: str) -> None:
    if src.dtype != x.dtype:
        raise TypeError(f"{op}: expected {what} of the tensor's dtype {x.dtype}, got "
                        f"{src.dtype}")


def _index_along(x: Tensor, dim: Any, index: Any, op: str, check_dims: bool = True) -> tuple:
    """(dim, index tuple): element [i, j, k] of the result comes from x[i, index[i, j, k], k]
    for dim=1 (gather's rule; index has x's ndim, sizes <= x's except along dim)."""
    d = _piece_dim(x, dim, op)
    i = _index_tensor(index, op)
    if i.ndim != x.ndim:
        raise ShapeError(f"{op}: index of shape {i.shape} must have as many dimensions as "
                         f"the tensor's shape {x.shape}")
    if check_dims and builtins.any(n > s for a, (n, s) in enumerate(zip(i.shape, x.shape))
                                   if a != d):
        raise ShapeError(f"{op}: index of shape {i.shape} must be no larger than the "
                         f"tensor's shape {x.shape} apart from dimension {d}")
    _in_bounds(i, x.shape[d], op, d)
    grid = list(np.ix_(*(np.arange(n) for n in i.shape)))
    grid[d] = i.astype(np.intp, copy=False)
    return d, tuple(grid)


def _source(src: Any, x: Tensor, shape: tuple, op: str, what: str = "src") -> Tensor:
    """``src`` (of x's dtype, at least ``shape`` in every dim) cut to ``shape``."""
    if not isinstance(src, Tensor):
        raise TypeError(f"{op}: {what} must be a tensor, got {_short(src)}")
    _same_dtype(x, src, op, what)
    if src.ndim != len(shape) or builtins.any(a < b for a, b in zip(src.shape, shape)):
        raise ShapeError(f"{op}: {what} of shape {src.shape} must be at least the index's "
                         f"shape {shape} in every dimension")
    return src if src.shape == shape else src[tuple(slice(0, n) for n in shape)]


def gather(x: Tensor, dim: int, index: Any) -> Tensor:
    """out[i][j] = x[i][index[i][j]] for dim=1, as PyTorch: (2, 3) with a (2, 4) index ->
    (2, 4). The gradient scatter-adds back (repeated indices accumulate)."""
    return getitem(x, _index_along(x, dim, index, "gather")[1])


def take_along_dim(x: Tensor, indices: Any, dim: int | None = None) -> Tensor:
    """gather with broadcasting (numpy's take_along_axis); dim=None indexes the flattened
    tensor: (2, 3) with (2, 1) indices along dim 1 -> (2, 1)."""
    i = _index_tensor(indices, "take_along_dim", "indices")
    if dim is None:
        x = x.reshape(-1)
        return getitem(x, _index_along(x, 0, i.reshape(-1), "take_along_dim")[1])
    d = _piece_dim(x, dim, "take_along_dim")
    if i.ndim != x.ndim:
        raise ShapeError(f"take_along_dim: indices of shape {i.shape} must have as many "
                         f"dimensions as the tensor's shape {x.shape}")
    try:
        shape = np.broadcast_shapes(x.shape[:d] + (1,) + x.shape[d + 1:],
                                    i.shape[:d] + (1,) + i.shape[d + 1:])
    except ValueError:
        raise ShapeError(f"take_along_dim: indices of shape {i.shape} do not broadcast with "
                         f"the tensor's shape {x.shape} outside dim {d}") from None
    xs, js = (shape[:d] + (s[d],) + shape[d + 1:] for s in (x.shape, i.shape))
    x = broadcast_to(x, xs) if xs != x.shape else x
    return getitem(x, _index_along(x, d, np.broadcast_to(i, js), "take_along_dim")[1])


def take(x: Tensor, index: Any) -> Tensor:
    """x flattened, indexed by ``index`` (negative indices count from the end), as PyTorch:
    a (2, 3) tensor and a (2, 2) index -> (2, 2)."""
    i = _index_tensor(index, "take")
    n = x.data.size
    if i.size and (i.min() < -n or i.max() >= n):
        raise IndexError(f"take: index {i.min() if i.min() < -n else i.max()} is out of "
                         f"bounds for a tensor of {n} elements")
    return getitem(x.reshape(-1), (i,))


def index_select(x: Tensor, dim: int, index: Any) -> Tensor:
    """The entries ``index`` (1-D) of dim ``dim``: (2, 3) with index [2, 0, 2] along dim 1
    -> (2, 3)."""
    return getitem(x, _select(x, dim, index, "index_select")[1])


def _select(x: Tensor, dim: Any, index: Any, op: str) -> tuple:
    """(dim, index tuple) for the index_* family: ``index`` 1-D (or 0-d) along ``dim``."""
    d = _piece_dim(x, dim, op)
    i = _index_tensor(index, op)
    if i.ndim > 1:
        raise ShapeError(f"{op}: index must be 1-D (or 0-d), got shape {i.shape}")
    i = i.reshape(-1)
    _in_bounds(i, x.shape[d], op, d)
    return d, (slice(None),) * d + (i.astype(np.intp, copy=False),)


def _selected_shape(x: Tensor, d: int, idx: tuple) -> tuple:
    return x.shape[:d] + (len(idx[d]),) + x.shape[d + 1:]


def _source_of(x: Tensor, source: Any, shape: tuple, op: str) -> Tensor:
    """``source`` for index_add/index_copy: a tensor of x's dtype and exactly ``shape``."""
    if not isinstance(source, Tensor):
        raise TypeError(f"{op}: source must be a tensor, got {_short(source)}")
    _same_dtype(x, source, op, "source")
    if source.shape != shape:
        raise ShapeError(f"{op}: source of shape {source.shape} must have shape {shape} "
                         f"(the tensor's shape {x.shape} with the index's length along dim)")
    return source


def index_add(x: Tensor, dim: int, index: Any, source: Any, *, alpha: float = 1) -> Tensor:
    """x with ``alpha * source`` added at entries ``index`` of ``dim`` (repeats add up):
    (5, 3) with index [0, 4, 0] along dim 0 and a (3, 3) source -> (5, 3)."""
    d, idx = _select(x, dim, index, "index_add")
    source = _source_of(x, source, _selected_shape(x, d, idx), "index_add")
    if type(alpha) is not int or alpha != 1:
        source = _scaled("index_add", x, source, alpha)
    return add(x, index_add_at(source, idx, x.shape))


def index_copy(x: Tensor, dim: int, index: Any, source: Any) -> Tensor:
    """x with entries ``index`` of ``dim`` replaced by ``source``'s: (5, 3) with index [4, 0]
    along dim 0 and a (2, 3) source -> (5, 3)."""
    d, idx = _select(x, dim, index, "index_copy")
    return index_put(x, idx, _source_of(x, source, _selected_shape(x, d, idx), "index_copy"))


def index_fill(x: Tensor, dim: int, index: Any, value: Any) -> Tensor:
    """x with ``value`` (a number or a 0-d tensor, which gets the gradient) at entries
    ``index`` of ``dim``: (2, 3) with index [0, 2] along dim 1 -> (2, 3)."""
    mask = np.zeros(x.shape, bool)
    mask[_select(x, dim, index, "index_fill")[1]] = True
    return _masked("index_fill", x, mask, value)


def scatter(x: Tensor, dim: int, index: Any, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """x with x[i][index[i][j]] = src[i][j] for dim=1 (``src`` a tensor or a number, or
    ``value=``), as PyTorch; reduce='add'/'multiply' combine instead of writing (no
    gradient, as PyTorch): (3, 5) with a (2, 5) index and src -> (3, 5)."""
    if (src is None) == (value is None):
        raise TypeError("scatter: give exactly one of src (a tensor or a number) and value")
    src = value if src is None else src
    d, idx = _index_along(x, dim, index, "scatter")
    shape = idx[d].shape
    if not isinstance(src, Tensor):
        if not isinstance(src, (bool, int, float, np.generic)) or \
                np.asarray(src).dtype.kind not in "biuf":
            raise TypeError(f"scatter: src/value must be a tensor or a number, got "
                            f"{_short(src)}")
        src = Tensor._wrap(np.full(shape, src, dtype=x.dtype))
    src = _source(src, x, shape, "scatter")
    if reduce is None:
        return index_put(x, idx, src)
    if reduce not in ("add", "multiply"):
        raise ValueError(f"scatter: reduce must be None, 'add' or 'multiply', got "
                         f"{_short(reduce)}")
    if MODE.grad_enabled and (x.requires_grad or src.requires_grad):
        raise RuntimeError("scatter: the derivative of scatter with reduce= is not "
                           "implemented (as PyTorch); use scatter_reduce")
    return scatter_reduce(x, d, index, src, "sum" if reduce == "add" else "prod")


def scatter_add(x: Tensor, dim: int, index: Any, src: Any) -> Tensor:
    """x with src[i][j] added at x[i][index[i][j]] for dim=1 (repeats add up), as PyTorch:
    (3, 5) with a (2, 5) index and src -> (3, 5)."""
    d, idx = _index_along(x, dim, index, "scatter_add")
    return add(x, index_add_at(_source(src, x, idx[d].shape, "scatter_add"), idx, x.shape))


_REDUCE_START = {"sum": 0, "prod": 1, "amax": -np.inf, "amin": np.inf, "mean": 0}
_REDUCE_AT = {"sum": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum,
              "mean": np.add}


def scatter_reduce(x: Tensor, dim: int, index: Any, src: Any, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """x with every src[i][j] combined into x[i][index[i][j]] (dim=1) by ``reduce``
    ('sum', 'prod', 'mean', 'amax', 'amin'), x's own value included unless
    ``include_self=False``, as PyTorch (integer mean rounds down). Gradients as PyTorch:
    amax/amin split evenly among ties; prod handles zeros. (3,) with index [0, 0] -> (3,)."""
    op = "scatter_reduce"
    if not isinstance(reduce, str) or reduce not in _REDUCE_AT:
        raise ValueError(f"{op}: reduce must be one of 'sum', 'prod', 'mean', 'amax', "
                         f"'amin', got {_short(reduce)}")
    incl = flag(include_self, op, "include_self")
    d, idx = _index_along(x, dim, index, op)
    src = _source(src, x, idx[d].shape, op)
    xv, sv = x.data, src.data
    hit = np.zeros(x.shape, bool)
    hit[idx] = True
    start = _REDUCE_START[reduce]
    if xv.dtype.kind in "iub" and reduce in ("amax", "amin"):
        start = np.iinfo(xv.dtype).min if reduce == "amax" else np.iinfo(xv.dtype).max
    out = xv.copy() if incl else np.where(hit, np.asarray(start).astype(xv.dtype), xv)
    _REDUCE_AT[reduce].at(out, idx, sv)
    count = np.zeros(x.shape, np.int64)
    np.add.at(count, idx, 1)
    count += incl
    if reduce == "mean":
        c = np.maximum(count, 1)
        out = np.where(hit, out // c if xv.dtype.kind in "iu" else out / c, out).astype(xv.dtype)
    fdt = xv.dtype if xv.dtype.kind == "f" else np.dtype(np.float64)
    kept = (~hit | incl).astype(fdt)  # x's share of the gradient (before the reduction's)
    if reduce in ("sum", "mean"):
        w = kept / np.maximum(count, 1) if reduce == "mean" else kept
        ws = (1 / np.maximum(count, 1)).astype(fdt) if reduce == "mean" else None
        vjp_x = (lambda xp, g, out, a, s: g * w)
        vjp_s = (lambda xp, g, out, a, s: g[idx] if ws is None else (g * ws)[idx])
    elif reduce in ("amax", "amin"):
        # as PyTorch: the gradient of an output is shared evenly by the values equal to it
        # (x counts as a tie even when include_self=False, though it gets nothing: PyTorch's)
        wins_x = xv == out
        wins_s = sv == out[idx]
        ties = wins_x.astype(fdt)
        np.add.at(ties, idx, wins_s.astype(fdt))
        share = 1 / np.maximum(ties, 1)
        wx, ws = wins_x * kept * share, wins_s.astype(fdt)
        vjp_x = (lambda xp, g, out, a, s: g * wx)
        vjp_s = (lambda xp, g, out, a, s: (g * share)[idx] * ws)
    elif (xv != 0).all() and (sv != 0).all():  # prod: out / factor, differentiable again
        vjp_x = (lambda xp, g, out, a, s: g * out / a * kept)
        vjp_s = (lambda xp, g, out, a, s: (g * out)[idx] / s)
    else:  # prod with zeros: the product of the other factors (first order only)
        wx, ws = _prod_grad_factors(xv, sv, idx, hit, incl, fdt)
        vjp_x = (lambda xp, g, out, a, s: g * wx)
        vjp_s = (lambda xp, g, out, a, s: g[idx] * ws)
    return _record(op, out, (x, src), (xv, sv), (vjp_x, vjp_s),
                   {"dim": d, "reduce": reduce, "include_self": incl})


def _prod_grad_factors(xv: np.ndarray, sv: np.ndarray, idx: tuple, hit: np.ndarray,
                       incl: bool, fdt: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """For scatter_reduce(prod): d out / d x and d out[index] / d src, each the product of
    the other factors of its output (PyTorch's zero-safe formula)."""
    xs = np.where(xv == 0, 1, xv).astype(fdt)
    prod_xs = xs.copy() if incl else np.where(hit, 1, xs).astype(fdt)
    np.multiply.at(prod_xs, idx, sv)  # every src factor, x's zeros left out
    wx = np.where(hit & ~incl, 0, prod_xs / xs).astype(fdt)
    zeros = np.zeros(xv.shape, np.int64)
    np.add.at(zeros, idx, (sv == 0).astype(np.int64))
    zeros += (xv == 0) & incl
    ss = np.where(sv == 0, 1, sv).astype(fdt)
    prod_ss = np.where(hit & ~incl, 1, xv).astype(fdt)
    np.multiply.at(prod_ss, idx, ss)  # every factor, src's zeros left out
    ws = np.where((sv == 0) & (zeros[idx] == 1), prod_ss[idx],  # the only zero: the others
                  np.where(zeros[idx] > 0, 0, prod_ss[idx] / ss)).astype(fdt)
    return wx, ws


# its vjps read weights computed in the forward, and prod's x, src and out
_reads("scatter_reduce", {0, "out"}, {1, "out"})


def masked_select(x: Tensor, mask: Any) -> Tensor:
    """The entries of x where the bool ``mask`` is True (broadcasting), as a 1-D tensor:
    (2, 3) with a (3,) mask of two Trues -> (4,)."""
    m = _bool_mask(x, mask, "masked_select")
    shape = np.broadcast_shapes(x.shape, m.shape)
    return getitem(broadcast_to(x, shape) if shape != x.shape else x,
                   (np.broadcast_to(m, shape),))


def masked_scatter(x: Tensor, mask: Any, source: Any) -> Tensor:
    """x with its entries where ``mask`` (broadcast to x's shape) is True replaced, in
    order, by source's first values: (2, 3) with a mask of 4 Trues and a source of >= 4
    elements -> (2, 3)."""
    m = _bool_mask(x, mask, "masked_scatter")
    try:
        m = np.broadcast_to(m, x.shape)
    except ValueError:
        raise ShapeError(f"masked_scatter: mask of shape {m.shape} does not broadcast to the "
                         f"tensor's shape {x.shape}") from None
    if not isinstance(source, Tensor):
        raise TypeError(f"masked_scatter: source must be a tensor, got {_short(source)}")
    _same_dtype(x, source, "masked_scatter", "source")
    n = int(m.sum())
    if source.data.size < n:
        raise ShapeError(f"masked_scatter: the mask has {n} True entries but source of shape "
                         f"{source.shape} has only {source.data.size} elements")
    return index_put(x, (m,), source.reshape(-1)[:n])


def _bool_mask(x: Tensor, mask: Any, op: str) -> np.ndarray:
    m = _data(mask)
    if not isinstance(m, np.ndarray) or m.dtype != np.bool_:
        raise TypeError(f"{op}: mask must be a bool tensor, got "
                        f"{m.dtype if isinstance(m, np.ndarray) else _short(mask)}")
    try:
        np.broadcast_shapes(m.shape, x.shape)
    except ValueError:
        raise ShapeError(f"{op}: mask of shape {m.shape} does not broadcast with the "
                         f"tensor's shape {x.shape}") from None
    return m


def nonzero(x: Tensor, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
    """The indices of the non-zero entries, as PyTorch: an (N, ndim) int64 tensor, or with
    ``as_tuple=True`` one 1-D tensor per dim (a 0-d tensor counts as 1-D there)."""
    if flag(as_tuple, "nonzero", "as_tuple"):
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(x.data)))
    return Tensor._wrap(np.argwhere(x.data).astype(np.int64))


_METHODS += ("gather take_along_dim take index_select index_add index_copy index_fill "
             "scatter scatter_add scatter_reduce masked_select masked_scatter nonzero").split()
_FUNCTION_FORMS += ("gather take_along_dim take index_select index_add index_copy index_fill "
                    "scatter scatter_add scatter_reduce masked_select masked_scatter "
                    "nonzero").split()
_IN_PLACE += ("scatter scatter_add scatter_reduce index_add index_fill index_copy "
              "masked_scatter").split()


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


def _np_windows(a: np.ndarray, window: tuple, axes: tuple, stride: tuple,
                dilation: tuple, writeable: bool = False) -> np.ndarray:
    """A strided view of every window of ``a`` along ``axes`` (read-only unless
    ``writeable``): window offsets ``o * dilation``, window starts every ``stride``; the
    windows become trailing dims."""
    shape, strides = list(a.shape), list(a.strides)
    for ax, k, s, d in zip(axes, window, stride, dilation):
        shape[ax] = (a.shape[ax] - d * (k - 1) - 1) // s + 1
        strides[ax] *= s
    return np.lib.stride_tricks.as_strided(
        a, tuple(shape) + tuple(window),
        tuple(strides) + tuple(a.strides[ax] * d for ax, d in zip(axes, dilation)),
        writeable=writeable)


def windows(x: Tensor, window: tuple, axes: tuple, stride: tuple, dilation: tuple) -> Tensor:
    """im2col without a copy: the (strided, dilated) windows of ``x`` along ``axes`` as new
    trailing dims. (N, C, 7, 7), window (3, 3), stride (2, 2), dilation (1, 1) on axes
    (2, 3) -> (N, C, 3, 3, 3, 3). Arguments are tuples already checked by the caller."""
    shape = x.shape
    return _unary("windows", _np_windows(x.data, window, axes, stride, dilation), x,
                  lambda xp, g, out, x: xp.window_sum(g, window, axes, shape, stride, dilation))


def _np_window_sum(g: np.ndarray, window: tuple, axes: tuple, shape: tuple,
                   stride: tuple | None = None, dilation: tuple | None = None) -> np.ndarray:
    """col2im, the adjoint of :func:`windows` (and of sliding_window_view: stride and
    dilation 1): add every window back where it came from, one strided add per window
    offset, never a loop over pixels nor a scatter (np.add.at)."""
    ones = (1,) * len(axes)
    stride, dilation = stride or ones, dilation or ones
    out = np.zeros(shape, dtype=g.dtype)
    if all(s >= d * (k - 1) + 1 for k, s, d in zip(window, stride, dilation)):
        # disjoint windows (e.g. 2x2 pooling): no element gets two values, one write
        _np_windows(out, window, axes, stride, dilation, writeable=True)[...] = g
        return out
    lead = (slice(None),) * len(shape)
    for offset in np.ndindex(*window):
        dst = list(lead)
        for a, o, s, d in zip(axes, offset, stride, dilation):
            dst[a] = slice(o * d, o * d + s * (g.shape[a] - 1) + 1, s)
        out[tuple(dst)] += g[lead + offset]
    return out


def window_sum(g: Tensor, window: tuple, axes: tuple, shape: tuple,
               stride: tuple | None = None, dilation: tuple | None = None) -> Tensor:
    """The differentiable adjoint of :func:`windows` (stride and dilation default to 1: of
    :func:`sliding_window_view`); also the scatter of a transposed convolution. Windows
    (N, C, 3, 3, 2, 2) with stride (2, 2) into shape (N, C, 6, 6)."""
    ones = (1,) * len(axes)
    stride, dilation = stride or ones, dilation or ones
    return _unary("window_sum", _np_window_sum(g.data, window, axes, shape, stride, dilation),
                  g, lambda xp, g, out, src: xp.windows(g, window, axes, stride, dilation))


def take_first(x: Tensor, index: np.ndarray) -> Tensor:
    """One element of each column along the first dim: (K, ...) with int ``index`` (...)
    -> (...), out[j] = x[index[j], j], e.g. each pooling window's maximum. The gradient is
    put back at the index (one per column: a plain write, never a scatter-add)."""
    n = x.shape[0]
    return _unary("take_first", _np_take_first(x.data, index), x,
                  lambda xp, g, out, x: xp.put_first(g, index, n))


def _np_take_first(a: np.ndarray, index: np.ndarray) -> np.ndarray:
    # on a 2-d reshape: twice as fast as np.take_along_axis
    return a.reshape(len(a), -1)[index.ravel(), np.arange(index.size)].reshape(index.shape)


def _np_put_first(g: np.ndarray, index: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros((n, g.size), dtype=g.dtype)
    out[index.ravel(), np.arange(g.size)] = g.ravel()
    return out.reshape((n,) + g.shape)


def put_first(g: Tensor, index: np.ndarray, n: int) -> Tensor:
    """The differentiable adjoint of :func:`take_first`: zeros (n, ...) with ``g`` at
    ``index`` in each column."""
    return _unary("put_first", _np_put_first(g.data, index, n), g,
                  lambda xp, g, out, src: xp.take_first(g, index))


# ----------------------------------------------------------------------------------------
# issue 16: primitives for nn activations


def _np_logsigmoid(x: np.ndarray) -> np.ndarray:
    # min(x, 0) − log(1 + e**−|x|): no overflow, no log of an underflowed 0, and ~15x
    # faster than −np.logaddexp(0, −x)
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def logsigmoid(x: Tensor) -> Tensor:
    """log(sigmoid(x)) = −log(1 + e**−x), stable for any x; its gradient is sigmoid(−x):
    (N, C) -> (N, C)."""
    return _unary("logsigmoid", _np_logsigmoid(x.data), x,
                  lambda xp, g, out, x: g * xp.sigmoid(-x))


_reads("logsigmoid", {0})


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
    index_add_at = staticmethod(_np_index_add_at)
    scatter_set = staticmethod(_np_scatter_set)
    window_sum = staticmethod(_np_window_sum)
    windows = staticmethod(_np_windows)
    take_first = staticmethod(_np_take_first)
    put_first = staticmethod(_np_put_first)
    sliding_window_view = staticmethod(np.lib.stride_tricks.sliding_window_view)
    roll = staticmethod(np.roll)  # issue 16: shape ops and products
    einsum = staticmethod(_np_einsum)
    cross = staticmethod(_np_cross)
    diagonal = staticmethod(_np_diagonal)
    diag_place = staticmethod(_np_diag_place)

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
_UFUNC_OPS: dict[np.ufunc, Any] = {np.add: add, np.subtract: sub, np.multiply: mul,
                                   np.true_divide: div, np.power: pow, np.matmul: matmul}
_UFUNC_COMPARISONS: dict[np.ufunc, str] = {
    np.less: "lt", np.less_equal: "le", np.greater: "gt", np.greater_equal: "ge",
    np.equal: "eq", np.not_equal: "ne"}


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
    # Tables, not `T.add = ...`: type checkers read these from tensor.py's TYPE_CHECKING
    # block, and would refuse assigning to what it declares.
    for name, fn in (("add", _with_alpha("add", add)), ("sub", _with_alpha("sub", sub)),
                     ("div", _with_rounding_mode(div))):
        setattr(T, name, fn)
    for name in _IN_PLACE:
        setattr(T, name + "_", _in_place(name, getattr(T, name)))
    for dunder, fn in (("add", add), ("sub", sub), ("mul", mul), ("truediv", div),
                       ("pow", pow), ("matmul", matmul)):
        setattr(T, f"__{dunder}__", fn)
        setattr(T, f"__r{dunder}__", _reflected(fn))
    for name, fn in (
        ("any", _any), ("all", _all), ("__array_ufunc__", _array_ufunc),
        ("T", property(lambda self: transpose(self))), ("__neg__", neg),
        ("__pos__", lambda self: self), ("__abs__", abs), ("__getitem__", getitem),
        ("__setitem__", lambda self, index, value: self._inplace(
            "setitem", lambda t, v: index_put(t, index, v), value)),
        ("__invert__", bitwise_not),
    ):
        setattr(T, name, fn)
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
