"""Bad input, property-based: every public op, factory, layer, loss, optimizer, scheduler
and data utility refuses wrong shapes, wrong dtypes, out-of-range axes and garbage
arguments with a clear error, before any state changes.

For each public name, ``BAD[name]`` is a hypothesis strategy of :class:`Bad` cases (a call
with one thing wrong). :func:`check` asserts that the call raises a TypeError, ValueError,
IndexError or RuntimeError

* raised by our code: the traceback's last frame is in autograd_lite/ or nn/, never in
  numpy, the exception is a builtin one, and no numpy exception is chained before it;
* naming the op, layer or loss (its message mentions one of the case's names), in one line;
* leaving every watched object as it was: tensors' data, version, grad and graph, module
  parameters, grads and buffers (BatchNorm's running statistics), optimizer state and
  param groups, scheduler state, the library's random generator, default dtype, grad mode.

Distinct cases (public name + a description of the bad arguments) are counted in
``CASES``; the count is printed in pytest's terminal summary (see conftest.py).
"""

from __future__ import annotations

import math
import operator
import os
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
import nn
import nn.functional as F
from nn import data as D
from nn import init, optim
from nn import utils as U
from nn.optim import lr_scheduler as S

ACCEPTED = (TypeError, ValueError, IndexError, RuntimeError)
CASES: set[str] = set()  # distinct bad-input cases generated in this run
EXAMPLES = [0]  # bad-input examples checked in this run (with repeats)


@dataclass
class Bad:
    """One call with something wrong. ``names``: the message must mention one of them."""

    label: str
    call: Callable[[], Any]
    names: tuple[str, ...]
    watch: tuple = ()
    multiline: bool = False


# ----------------------------------------------------------------------------------------
# The check


def _canon(v: Any) -> Any:
    """A comparable snapshot of ``v`` (arrays by bytes, so NaNs compare equal)."""
    if isinstance(v, ag.Tensor):
        return ("tensor", id(v), _canon(v.data), v._version, v.requires_grad, id(v.grad_fn),
                None if v.grad is None else _canon(v.grad.data))
    if isinstance(v, np.ndarray):
        return ("array", v.dtype.str, v.shape, np.ascontiguousarray(v).tobytes())
    if isinstance(v, dict):
        return tuple(sorted(((str(k), _canon(x)) for k, x in v.items()), key=lambda kv: kv[0]))
    if isinstance(v, (list, tuple)):
        return tuple(_canon(x) for x in v)
    if isinstance(v, (int, float, str, bool, type(None), np.generic)):
        return v if not (isinstance(v, float) and math.isnan(v)) else "nan"
    return id(v)


def _state(obj: Any) -> Any:
    if isinstance(obj, ag.Tensor):
        return _canon(obj)
    if isinstance(obj, nn.Module):
        return (tuple((n, _canon(t)) for n, t in obj.named_parameters()),
                tuple((n, _canon(t)) for n, t in obj.named_buffers()),
                tuple(m.training for m in obj.modules()), _canon(dict(obj.__dict__)))
    if isinstance(obj, optim.Optimizer):
        return (_canon(obj.state_dict()), tuple(id(p) for g in obj.param_groups
                                                for p in g["params"]),
                tuple(_canon(p) for g in obj.param_groups for p in g["params"]))
    if isinstance(obj, (S.LRScheduler, S.ReduceLROnPlateau)):
        return (_canon(obj.state_dict() if isinstance(obj, S.LRScheduler) else vars(obj)),
                _state(obj.optimizer))
    return _canon(vars(obj))


def _globals() -> tuple:
    return (repr(ag.default_generator().bit_generator.state), ag.get_default_dtype(),
            ag.is_grad_enabled(), ag.is_anomaly_enabled())


def check(name: str, case: Bad) -> None:
    """``case.call()`` fails clearly, from our code, naming the op, changing nothing."""
    CASES.add(f"{name} | {case.label}")
    EXAMPLES[0] += 1
    before = [_state(o) for o in case.watch], _globals()
    with pytest.raises(ACCEPTED) as info:
        case.call()
    e = info.value
    where = f"{name} with {case.label}: {type(e).__name__}: {e}"
    assert type(e).__module__ == "builtins" or type(e) in (ag.DimError, ag.ShapeError), where
    last = traceback.extract_tb(e.__traceback__)[-1].filename.replace("\\", "/")
    assert "/numpy/" not in last, where
    assert "/autograd_lite/" in last or "/nn/" in last, f"raised in {last}: {where}"
    assert e.__cause__ is None and (e.__context__ is None or e.__suppress_context__), \
        f"another exception is shown first: {e.__context__!r}; {where}"
    message = str(e.args[0]) if e.args else ""
    assert any(n.lower() in message.lower() for n in case.names), \
        f"the message names none of {case.names}: {where}"
    assert case.multiline or "\n" not in message, where
    after = [_state(o) for o in case.watch], _globals()
    assert after == before, f"state changed: {where}"


BAD: dict[str, Callable[[str], st.SearchStrategy[Bad]]] = {}


def bad(*names: str):
    """Register a function ``name -> strategy of Bad`` for the public ``names``."""
    def register(fn):
        for n in names:
            BAD[n] = fn
        return fn
    return register


# ----------------------------------------------------------------------------------------
# Building blocks


def desc(v: Any) -> str:
    """What a bad argument is, for counting distinct cases (not its random values)."""
    if isinstance(v, ag.Tensor):
        return f"Tensor{v.shape}:{v.dtype}" + ("+grad" if v.requires_grad else "")
    if isinstance(v, np.ndarray):
        return f"ndarray{v.shape}:{v.dtype}"
    if isinstance(v, (list, tuple)):
        inner = ", ".join(desc(x) for x in v)
        return f"[{inner}]" if isinstance(v, list) else f"({inner})"
    if callable(v):
        return "<function>"
    if type(v) is object:
        return "<object>"
    return repr(v)


def ones(shape: tuple, dtype: Any = np.float32, grad: bool = False) -> ag.Tensor:
    """A tensor of distinct values (a watched leaf gets a grad, so a change would show)."""
    size = int(np.prod(shape))
    t = ag.tensor((np.arange(size, dtype=np.float64).reshape(shape) / (size + 1) + 0.1)
                  .astype(dtype))
    if grad:
        t.requires_grad_()
        t.grad = ag.tensor(np.full(shape, 0.5, dtype=dtype))
    return t


def shapes(min_dims: int = 1, max_dims: int = 3, min_side: int = 1,
           max_side: int = 4) -> st.SearchStrategy[tuple]:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


GARBAGE_DATA = st.sampled_from([
    None, "abc", b"xy", 1 + 2j, object(), {"a": 1}, {1, 2}, [1, [2, 3]], [[1.0], [2.0, 3.0]],
    [1.0, None], [1.0, "a"], np.array([1, "a"], dtype=object), np.array(["a", "b"]),
    np.array([1 + 1j]), np.datetime64("2020-01-01"), np.array([np.timedelta64(1, "s")]),
    print, [object()],
])
RAGGED = st.lists(st.lists(st.floats(-5, 5), min_size=1, max_size=3), min_size=2, max_size=4
                  ).filter(lambda rows: len({len(r) for r in rows}) > 1)
MIXED = st.lists(st.one_of(st.floats(-5, 5), st.none(), st.text(max_size=2),
                           st.complex_numbers(max_magnitude=5)), min_size=1, max_size=4
                 ).filter(lambda xs: any(not isinstance(x, float) for x in xs))
BAD_DATA = st.one_of(GARBAGE_DATA, RAGGED, MIXED, st.complex_numbers(max_magnitude=1e3))

NOT_DTYPES = st.sampled_from([
    str, "U3", object, complex, np.complex64, "datetime64[s]", "bogus", 1.5, [1, 2],
    {"a": 1}, np.float64(1.0), np.array([1.0]), b"xx", "S2",
])
NON_FLOAT_DTYPES = st.one_of(NOT_DTYPES, st.sampled_from([np.int64, np.int32, bool, "uint8"]))

# a real number argument: garbage of the wrong kind, or not finite
NOT_REALS = st.sampled_from([None, "1.0", 1 + 1j, [1.0], (1.0,), np.ones(2), object(),
                             float("nan"), True])
NON_FINITE = st.sampled_from([float("nan"), float("inf"), -float("inf")])
NOT_FLAGS = st.one_of(st.sampled_from([None, "yes", "", 1, 0, 2.5, [True], np.ones(2)]))
NOT_INTS = st.one_of(st.floats(allow_nan=True).filter(lambda f: not float(f).is_integer()),
                     st.sampled_from([None, "2", 2.0, True, 1 + 1j, [2], object()]))
NEGATIVE_INTS = st.integers(-10**6, -1)


def _not_one_element_list(v) -> bool:
    """For 1-d ops a one-element list ([2]) is a valid size, as in PyTorch."""
    return not (isinstance(v, list) and len(v) == 1)


def real_args(low: float | None = None, low_open: bool = False,
              high: float | None = None, high_open: bool = False) -> st.SearchStrategy:
    """Bad values for a real-number argument with the given range."""
    outs = [NOT_REALS, NON_FINITE]
    if low is not None:
        below = st.floats(max_value=low, allow_nan=False, allow_infinity=False,
                          exclude_max=not low_open, min_value=low - 1e6)
        outs.append(below)
    if high is not None:
        above = st.floats(min_value=high, allow_nan=False, allow_infinity=False,
                          exclude_min=not high_open, max_value=high + 1e6)
        outs.append(above)
    return st.one_of(outs)


def size_args(low: int = 0) -> st.SearchStrategy:
    """Bad values for an int argument >= low."""
    return st.one_of(NOT_INTS, st.integers(low - 10**6, low - 1))


def incompatible_pair(min_dims: int = 1) -> st.SearchStrategy[tuple[tuple, tuple]]:
    """Two shapes that do not broadcast together: one axis differs, both sizes > 1
    (leading axes of one of them may be missing)."""
    @st.composite
    def pair(draw):
        a = draw(shapes(min_dims=min_dims, min_side=2))
        i = draw(st.integers(0, len(a) - 1))
        other = draw(st.integers(2, 6).filter(lambda n: n != a[i]))
        b = (a[:i] + (other,) + a[i + 1:])[draw(st.integers(0, i)):]
        return (a, b) if draw(st.booleans()) else (b, a)
    return pair()


def _broadcast_fails(a: tuple, b: tuple) -> bool:
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return True
    return False


def out_of_range_axes(ndim: int) -> st.SearchStrategy[int]:
    n = max(ndim, 1)
    return st.one_of(st.integers(n, n + 5), st.integers(-n - 5, -n - 1))


def function_form(name: str) -> Callable:
    return getattr(ag, name.split(".")[-1])


# ----------------------------------------------------------------------------------------
# Factories and constructors


@bad("ag.tensor", "ag.Tensor", "nn.Parameter()")
def _constructors(name):
    make = {"ag.tensor": ag.tensor, "ag.Tensor": ag.Tensor, "nn.Parameter()": nn.Parameter}[name]
    names = ("tensor", "Parameter")
    values = BAD_DATA.filter(lambda v: v is not None) if name == "nn.Parameter()" else BAD_DATA
    data = st.builds(lambda v: Bad(f"data={desc(v)}", lambda: make(v), names), values)
    dtype = st.builds(lambda d: Bad(f"dtype={desc(d)}", lambda: make([1.0, 2.0], dtype=d),
                                    names + ("dtype",)), NOT_DTYPES)
    flags = st.builds(lambda f: Bad(f"requires_grad={desc(f)}",
                                    lambda: make([1.0], requires_grad=f), names), NOT_FLAGS)
    int_grad = st.builds(
        lambda v: Bad(f"requires_grad on {desc(np.asarray(v))}",
                      lambda: make(v, requires_grad=True), names),
        st.one_of(st.lists(st.integers(-9, 9), min_size=1, max_size=3),
                  st.lists(st.booleans(), min_size=1, max_size=3), st.integers(-9, 9)))
    if name == "nn.Parameter()":
        return st.one_of(data, flags, int_grad)
    return st.one_of(data, dtype, flags, int_grad)


@bad("ag.from_numpy")
def _from_numpy(name):
    return st.builds(lambda v: Bad(f"from_numpy({desc(v)})", lambda: ag.from_numpy(v),
                                   ("from_numpy",)),
                     st.one_of(BAD_DATA, st.lists(st.floats(-1, 1), max_size=3),
                               st.just(ag.ones(2))))


def _sizes_bad():
    """Shape arguments with one bad size in them."""
    @st.composite
    def sizes(draw):
        good = draw(st.lists(st.integers(0, 3), max_size=2))
        wrong = draw(st.one_of(NOT_INTS.filter(lambda v: not isinstance(v, list)),
                               NEGATIVE_INTS))
        k = draw(st.integers(0, len(good)))
        return tuple(good[:k] + [wrong] + good[k:])
    return sizes()


@bad("ag.zeros", "ag.ones", "ag.rand", "ag.randn")
def _sized(name):
    fn = function_form(name)
    op = name.split(".")[1]
    dtypes = NON_FLOAT_DTYPES if op in ("rand", "randn") else NOT_DTYPES
    return st.one_of(
        st.builds(lambda s: Bad(f"sizes {desc(s)}", lambda: fn(*s), (op,)), _sizes_bad()),
        st.builds(lambda s: Bad(f"size tuple {desc(s)}", lambda: fn(s), (op,)), _sizes_bad()),
        st.builds(lambda d: Bad(f"dtype={desc(d)}", lambda: fn(2, 3, dtype=d), (op,)), dtypes),
        st.builds(lambda f: Bad(f"requires_grad={desc(f)}", lambda: fn(2, requires_grad=f),
                                (op,)), NOT_FLAGS),
    )


@bad("ag.full")
def _full(name):
    return st.one_of(
        st.builds(lambda s: Bad(f"shape {desc(s)}", lambda: ag.full(s, 1.0), ("full",)),
                  _sizes_bad()),
        st.builds(lambda v: Bad(f"fill_value={desc(v)}", lambda: ag.full((2, 2), v), ("full",)),
                  st.one_of(BAD_DATA, st.lists(st.floats(-1, 1), min_size=2, max_size=3))),
        st.builds(lambda d: Bad(f"dtype={desc(d)}", lambda: ag.full(2, 1.0, dtype=d),
                                ("full", "dtype")), NOT_DTYPES),
        st.just(Bad("int with requires_grad", lambda: ag.full(2, 3, requires_grad=True),
                    ("full",))),
    )


@bad("ag.zeros_like", "ag.ones_like")
def _like(name):
    fn = function_form(name)
    op = name.split(".")[1]
    return st.one_of(
        st.builds(lambda v: Bad(f"like {desc(v)}", lambda: fn(v), (op,)), BAD_DATA),
        st.builds(lambda d: Bad(f"dtype={desc(d)}", lambda: fn(ag.ones(2), dtype=d), (op,)),
                  NOT_DTYPES),
        st.just(Bad("int with requires_grad",
                    lambda: fn(ag.tensor([1, 2]), requires_grad=True), (op,))),
    )


@bad("ag.arange")
def _arange(name):
    wrong = st.one_of(NOT_REALS.filter(lambda v: v is not None), NON_FINITE)
    return st.one_of(
        st.builds(lambda v, k: Bad(f"arange with {('start', 'stop', 'step')[k]}={desc(v)}",
                                   lambda: ag.arange(*[v if i == k else (0, 5, 1)[i]
                                                       for i in range(3)]), ("arange",)),
                  wrong, st.integers(0, 2)),
        st.builds(lambda a, b: Bad("step 0", lambda: ag.arange(a, b, 0), ("arange",)),
                  st.integers(-3, 3), st.integers(-3, 3)),
        st.builds(lambda d: Bad(f"dtype={desc(d)}", lambda: ag.arange(3, dtype=d),
                                ("arange", "dtype")), NOT_DTYPES),
        st.just(Bad("too many elements", lambda: ag.arange(0, 1e30, 1e-30), ("arange",))),
    )


@bad("ag.linspace", "ag.logspace")
def _spaced(name):
    op = name.split(".")[1]
    fn = getattr(ag, op)
    wrong = st.one_of(NOT_REALS.filter(lambda v: v is not None), NON_FINITE)
    return st.one_of(
        st.builds(lambda v, k: Bad(f"{op} with {('start', 'end')[k]}={desc(v)}",
                                   lambda: fn(*[v if i == k else (0, 5)[i] for i in range(2)],
                                              4), (op,)),
                  wrong, st.integers(0, 1)),
        st.builds(lambda n: Bad(f"steps={desc(n)}", lambda: fn(0, 1, n), (op,)),
                  st.one_of(st.integers(-5, -1), st.just(2.5), st.just(None), st.just("3"))),
        st.builds(lambda d: Bad(f"dtype={desc(d)}", lambda: fn(0, 1, 3, dtype=d),
                                (op, "dtype")), NOT_DTYPES),
        st.builds(lambda d: Bad(f"device={desc(d)}", lambda: fn(0, 1, 3, device=d), (op,)),
                  NOT_DEVICES),
    )


@bad("ag.eye")
def _eye(name):
    return st.one_of(
        st.builds(lambda n: Bad(f"n={desc(n)}", lambda: ag.eye(n), ("eye",)), size_args()),
        st.builds(lambda m: Bad(f"m={desc(m)}", lambda: ag.eye(2, m), ("eye",)),
                  size_args().filter(lambda v: v is not None)),
        st.builds(lambda d: Bad(f"dtype={desc(d)}", lambda: ag.eye(2, dtype=d), ("eye",)),
                  NOT_DTYPES),
    )


@bad("ag.manual_seed")
def _manual_seed(name):
    return st.builds(lambda v: Bad(f"seed={desc(v)}", lambda: ag.manual_seed(v),
                                   ("manual_seed",)), size_args())


@bad("ag.set_default_dtype")
def _set_default_dtype(name):
    return st.builds(lambda d: Bad(f"dtype={desc(d)}", lambda: ag.set_default_dtype(d),
                                   ("set_default_dtype",)),
                     st.one_of(NON_FLOAT_DTYPES, st.just(None)))


# ----------------------------------------------------------------------------------------
# Elementwise ops

UNARY = "exp log sqrt abs sin cos tanh sigmoid relu leaky_relu elu gelu softplus neg clone".split()
NO_BOOL = set("exp log sqrt sin cos tanh sigmoid gelu softplus elu leaky_relu neg".split())
OP_PARAMS = {  # op -> (keyword, bad values)
    "leaky_relu": ("negative_slope", real_args()),
    "elu": ("alpha", real_args()),
    "softplus": ("beta", real_args(low=0, low_open=False)),
}


@bad(*(f"ag.{n}" for n in UNARY))
def _unary_function(name):
    op = name.split(".")[1]
    fn = function_form(name)
    cases = [st.builds(lambda v: Bad(f"input {desc(v)}", lambda: fn(v), (op,)), BAD_DATA)]
    if op in NO_BOOL:
        cases.append(st.builds(
            lambda s: Bad(f"bool input {s}", lambda: fn(ag.tensor(np.ones(s, bool))), (op,)),
            shapes(min_dims=0)))
    if op in OP_PARAMS:
        key, values = OP_PARAMS[op]
        cases.append(st.builds(
            lambda v, s: Bad(f"{key}={desc(v)}", lambda: fn(ones(s, grad=True), **{key: v}),
                             (op,)), values, shapes()))
    if op == "softplus":
        cases.append(st.builds(
            lambda v: Bad(f"threshold={desc(v)}", lambda: fn(ones((2,)), threshold=v), (op,)),
            st.one_of(NOT_REALS, st.just(float("nan")))))
    return st.one_of(cases)


@bad("Tensor.__neg__", "Tensor.sigmoid", "Tensor.exp", "Tensor.log", "Tensor.sqrt",
     "Tensor.sin", "Tensor.cos", "Tensor.tanh", "Tensor.gelu", "Tensor.softplus",
     "Tensor.elu", "Tensor.leaky_relu")
def _unary_method(name):
    op = {"__neg__": "neg"}.get(name.split(".")[1], name.split(".")[1])
    cases = [st.builds(lambda s: Bad(f"bool tensor {s}",
                                     lambda: getattr(ag.tensor(np.ones(s, bool)),
                                                     name.split(".")[1])(), (op,)),
                       shapes(min_dims=0))]
    if op in OP_PARAMS:
        key, values = OP_PARAMS[op]
        cases.append(st.builds(lambda v: Bad(f"{key}={desc(v)}",
                                             lambda: getattr(ones((3,)), op)(**{key: v}),
                                             (op,)), values))
    return st.one_of(cases)


@bad("ag.clip", "ag.clamp", "Tensor.clip", "Tensor.clamp")
def _clip(name):
    def call(lo, hi, t=None):
        t = ones((2, 3), grad=True) if t is None else t
        return (lambda: t.clip(lo, hi)) if name.startswith("Tensor") else \
            (lambda: function_form(name)(t, lo, hi))
    bounds = st.one_of(NOT_REALS.filter(lambda v: v is not None), st.just(float("nan")))
    return st.one_of(
        st.builds(lambda v, lo: Bad(f"{'min' if lo else 'max'}={desc(v)}",
                                    call(v, 1.0) if lo else call(0.0, v), ("clip",)),
                  bounds, st.booleans()),
        st.just(Bad("no bounds", call(None, None), ("clip",))),
    )


@bad("ag.astype", "Tensor.astype")
def _astype(name):
    fn = (lambda t, d: t.astype(d)) if name.startswith("Tensor") else ag.astype
    return st.builds(lambda d: Bad(f"dtype={desc(d)}", lambda: fn(ones((2,)), d),
                                   ("astype", "dtype")), st.one_of(NOT_DTYPES, st.just(None)))


# ----------------------------------------------------------------------------------------
# Binary ops and operators

BINARY = {"add": "__add__", "sub": "__sub__", "mul": "__mul__", "div": "__truediv__",
          "pow": "__pow__", "maximum": None, "minimum": None}


@bad(*(f"ag.{n}" for n in BINARY), *(f"Tensor.{m}" for m in BINARY.values() if m),
     "Tensor.maximum", "Tensor.minimum")
def _binary(name):
    method = name.startswith("Tensor.")
    attr = name.split(".")[1]
    op = {v: k for k, v in BINARY.items() if v}.get(attr, attr)

    def call(label, a, b):
        fn = (lambda: getattr(a, attr)(b)) if method else (lambda: getattr(ag, op)(a, b))
        return Bad(label, fn, (op,), watch=tuple(v for v in (a, b) if isinstance(v, ag.Tensor)))

    cases = [
        st.builds(lambda ab, g: call(f"shapes {ab[0]} and {ab[1]}", ones(ab[0], grad=g),
                                     ones(ab[1], np.float64)), incompatible_pair(), st.booleans()),
        st.builds(lambda v: call(f"operand {desc(v)}", ones((2,), grad=True), v), BAD_DATA),
    ]
    if not method:
        cases.append(st.builds(lambda v: call(f"left operand {desc(v)}", v,
                                              ones((2,), grad=True)), BAD_DATA))
    if op == "sub":
        cases.append(st.builds(lambda s: call(f"bool - bool {s}", ag.tensor(np.ones(s, bool)),
                                              ag.tensor(np.zeros(s, bool))), shapes()))
    return st.one_of(cases)


@bad("Tensor.__radd__", "Tensor.__rsub__", "Tensor.__rmul__", "Tensor.__rtruediv__",
     "Tensor.__rpow__", "Tensor.__rmatmul__")
def _reflected(name):
    attr = name.split(".")[1]
    op = {"__radd__": "add", "__rsub__": "sub", "__rmul__": "mul", "__rtruediv__": "div",
          "__rpow__": "pow", "__rmatmul__": "matmul"}[attr]
    python_op = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
                 "div": operator.truediv, "pow": operator.pow, "matmul": operator.matmul}[op]
    # ndarray (op) Tensor: numpy defers to the Tensor's reflected operator
    if op == "matmul":
        pairs = st.builds(lambda k, j: ((3, k), (j, 2)), st.integers(1, 4), st.integers(1, 4)
                          ).filter(lambda p: p[0][1] != p[1][0])
    else:
        pairs = incompatible_pair()
    def run(a_shape, t_shape):
        t = ones(t_shape, grad=True)
        return Bad(f"ndarray{a_shape} {op} Tensor{t_shape}",
                   lambda: python_op(np.ones(a_shape), t), (op,), watch=(t,))
    return st.builds(lambda ab: run(*ab), pairs)


@bad("Tensor.__iadd__", "Tensor.__isub__", "Tensor.__imul__", "Tensor.__itruediv__")
def _inplace(name):
    attr = name.split(".")[1]
    op = {"__iadd__": "add", "__isub__": "sub", "__imul__": "mul", "__itruediv__": "div"}[attr]
    names = (op, "in-place")

    def grown(a_b):  # b broadcasts with a but the result is bigger than a
        a, _ = a_b
        return a, (2,) + a

    def run(t, v):
        def go():
            getattr(t, attr)(v)
        return Bad(f"{desc(t)} {attr} {desc(v)}", go, names, watch=(t,))

    return st.one_of(
        st.builds(lambda ab: run(ones(ab[0]), ones(ab[1])), incompatible_pair()),
        st.builds(lambda ab: run(ones(ab[0]), ones(ab[1])), incompatible_pair().map(grown)),
        st.builds(lambda v: run(ones((2, 3)), v), BAD_DATA),
        st.builds(lambda s: run(ones(s, grad=True), 1.0), shapes()),  # a leaf requiring grad
        st.builds(lambda s: run(ag.tensor(np.ones(s, np.int64)), ones(s)), shapes()),
    )


@bad("Tensor.__lt__", "Tensor.__le__", "Tensor.__gt__", "Tensor.__ge__")
def _comparisons(name):
    attr = name.split(".")[1]
    op = attr.strip("_")
    return st.one_of(
        st.builds(lambda ab: Bad(f"shapes {ab[0]} {op} {ab[1]}",
                                 lambda: getattr(ones(ab[0]), attr)(ones(ab[1])), (op,)),
                  incompatible_pair()),
        st.builds(lambda v: Bad(f"{op} {desc(v)}", lambda: getattr(ones((2,)), attr)(v), (op,)),
                  BAD_DATA.filter(lambda v: v is not None)),
    )


@bad("ag.matmul", "Tensor.__matmul__", "Tensor.matmul")
def _matmul(name):
    def call(a, b):
        fn = (lambda: ag.matmul(a, b)) if name == "ag.matmul" else (lambda: a @ b)
        return Bad(f"{desc(a)} @ {desc(b)}", fn, ("matmul",),
                   watch=tuple(v for v in (a, b) if isinstance(v, ag.Tensor)))

    @st.composite
    def misaligned(draw):
        k = draw(st.integers(1, 5))
        j = draw(st.integers(1, 5).filter(lambda j: j != k))
        batch = draw(st.lists(st.integers(1, 3), max_size=2).map(tuple))
        a = batch + ((draw(st.integers(1, 3)), k) if draw(st.booleans()) else (k,))
        b = (j,) if draw(st.booleans()) else (j, draw(st.integers(1, 3)))
        return a, b

    @st.composite
    def batch_mismatch(draw):
        ab = draw(incompatible_pair())
        return ab[0] + (2, 3), ab[1] + (3, 2)

    cases = [
        st.builds(lambda ab: call(ones(ab[0], grad=True), ones(ab[1])),
                  st.one_of(misaligned(), batch_mismatch())),
        st.builds(lambda s, left: call(ag.tensor(2.0), ones(s)) if left
                  else call(ones(s), ag.tensor(2.0)), shapes(), st.booleans()),
    ]
    if name == "ag.matmul":
        cases.append(st.builds(lambda v: call(ones((2, 2)), v), BAD_DATA))
    return st.one_of(cases)


# ----------------------------------------------------------------------------------------
# Reductions

REDUCTIONS = "sum mean var std max min logsumexp argmax argmin softmax log_softmax".split()
BAD_AXES = st.one_of(st.floats(-3, 3).filter(lambda f: not f.is_integer()),
                     st.sampled_from(["0", True, 1 + 1j, [[0]], (0, 1.0), object()]))


def _reducer(name: str) -> tuple[str, Callable]:
    op = name.split(".")[1]
    if name.startswith("Tensor."):
        return op, lambda t, *a, **k: getattr(t, op)(*a, **k)
    return op, function_form(name)


@bad(*(f"ag.{n}" for n in REDUCTIONS), *(f"Tensor.{n}" for n in REDUCTIONS))
def _reductions(name):
    op, fn = _reducer(name)
    names = (op,)
    single = op in ("softmax", "log_softmax", "argmax", "argmin")

    @st.composite
    def out_of_range(draw):
        s = draw(shapes(min_dims=0))
        a = draw(out_of_range_axes(len(s)))
        if not single and draw(st.booleans()):
            a = (0, a) if len(s) else (a,)
        return s, a

    cases = [
        st.builds(lambda sa, kw: Bad(f"axis {sa[1]} of {sa[0]}",
                                     lambda: fn(ones(sa[0], grad=True), **{kw: sa[1]}), names),
                  out_of_range(), st.sampled_from(["axis"] if single else ["axis", "dim"])),
        st.builds(lambda a: Bad(f"axis={desc(a)}", lambda: fn(ones((2, 3)), axis=a), names),
                  BAD_AXES),
        st.builds(lambda v: Bad(f"input {desc(v)}", lambda: fn(v), names), BAD_DATA)
        if name.startswith("ag.") else st.nothing(),
    ]
    if not single:
        cases.append(st.builds(lambda a, s: Bad(f"repeated axis {a} of {s}",
                                                lambda: fn(ones(s), axis=(a, a)), names),
                               st.integers(-1, 0), shapes(min_dims=1)))
    if op not in ("softmax", "log_softmax"):
        cases.append(st.builds(lambda k: Bad(f"keepdims={desc(k)}",
                                             lambda: fn(ones((2, 2)), keepdims=k), names),
                               NOT_FLAGS.filter(lambda v: not isinstance(v, bool))))
    if op in ("var", "std"):
        cases += [
            st.builds(lambda d, kw: Bad(f"{kw}={desc(d)}",
                                        lambda: fn(ones((3, 2)), **{kw: d}), names),
                      size_args().filter(lambda v: v is not None),
                      st.sampled_from(["ddof", "correction"])),
            st.builds(lambda u: Bad(f"unbiased={desc(u)}",
                                    lambda: fn(ones((3,)), unbiased=u), names),
                      NOT_FLAGS.filter(lambda v: not isinstance(v, bool) and v is not None)),
            st.just(Bad("ddof and correction", lambda: fn(ones((3,)), ddof=1, correction=1),
                        names)),
        ]
    if op in ("max", "min", "argmax", "argmin"):  # (the mean of nothing is NaN)
        cases.append(st.builds(lambda s: Bad(f"empty {s}", lambda: fn(ones(s)), names),
                               shapes(min_dims=1, min_side=0).filter(lambda s: 0 in s)))
    if op in ("softmax", "log_softmax", "logsumexp"):
        cases.append(st.builds(lambda s: Bad(f"bool {s}",
                                             lambda: fn(ag.tensor(np.ones(s, bool))), names),
                               shapes()))
    if op in ("sum", "mean", "max", "min"):
        cases.append(st.just(Bad("axis and dim", lambda: fn(ones((2, 2)), axis=0, dim=0),
                                 names)))
    return st.one_of(cases)


# torch semantics (issue 14): any/all reduce to bool tensors, with dim/keepdim or axis/keepdims
@bad("ag.any", "ag.all")
def _any_all(name):
    op = name.split(".")[1]
    fn = function_form(name)
    return st.one_of(
        st.builds(lambda s, a, kw: Bad(f"{kw} {a} of {s}", lambda: fn(ones(s), **{kw: a}),
                                       (op,)),
                  shapes(max_dims=2), st.integers(3, 9) | st.integers(-9, -3),
                  st.sampled_from(["dim", "axis"])),
        st.builds(lambda a: Bad(f"axis={desc(a)}", lambda: fn(ones((2, 3)), axis=a), (op,)),
                  BAD_AXES),
        st.builds(lambda k: Bad(f"keepdim={desc(k)}", lambda: fn(ones((2, 2)), 0, k), (op,)),
                  NOT_FLAGS.filter(lambda v: not isinstance(v, bool))),
        st.just(Bad("out=array", lambda: fn(ones((2,)), out=np.zeros((), bool)), (op,))),
        st.just(Bad("axis and dim", lambda: fn(ones((2, 2)), axis=0, dim=0), (op,))),
        st.builds(lambda v: Bad(f"input {desc(v)}", lambda: fn(v), (op,)), BAD_DATA),
    )


# issue 16: more reductions and scans
_DIM_OPS16 = ("prod cumsum cumprod cummax cummin logcumsumexp amax amin median mode norm "
              "count_nonzero sort argsort topk kthvalue unique var_mean std_mean").split()
_OPS16 = _DIM_OPS16 + ["aminmax"]
_OPS16_ARGS = {"topk": (1,), "kthvalue": (1,)}  # the positional arguments before dim
_OPS16_KEEPDIM = "prod amax amin median mode norm kthvalue var_mean std_mean".split()


@bad(*(f"ag.{n}" for n in _OPS16),
     *(f"Tensor.{n}" for n in _OPS16 if n not in ("var_mean", "std_mean")))
def _ops16(name):
    op, fn = _reducer(name)
    names = (op, "amin", "amax") if op == "aminmax" else (op,)  # aminmax is amin and amax
    pre = _OPS16_ARGS.get(op, ())

    def call(*args, x=None, **kwargs):
        t = ones((2, 3), grad=True) if x is None else x
        return lambda: fn(t, *args, **kwargs)

    cases = [
        st.builds(lambda sd: Bad(f"dim {sd[1]} of {sd[0]}",
                                 call(*pre, dim=sd[1], x=ones(sd[0], grad=True)), names),
                  shapes(min_dims=0, max_dims=3).flatmap(
                      lambda s: st.tuples(st.just(s), out_of_range_axes(len(s))))),
        st.builds(lambda d: Bad(f"dim={desc(d)}", call(*pre, dim=d), names),
                  st.sampled_from([1.5, "0", 1 + 1j, [[0]], object()])),
    ]
    if name.startswith("ag."):
        cases.append(st.builds(lambda v: Bad(f"input {desc(v)}", lambda: fn(v), names),
                               BAD_DATA))
    if op in _OPS16_KEEPDIM or op == "aminmax":
        cases.append(st.builds(lambda k: Bad(f"keepdim={desc(k)}", call(*pre, dim=0, keepdim=k),
                                             names),
                               NOT_FLAGS.filter(lambda v: not isinstance(v, bool))))
    if op in ("topk", "kthvalue"):
        cases.append(st.builds(lambda k: Bad(f"k={k}", lambda: fn(ones((2, 3)), k), names),
                               st.integers(4, 9) | st.integers(-5, -1 if op == "topk" else 0)))
        cases.append(st.builds(lambda k: Bad(f"k={desc(k)}", lambda: fn(ones((2, 3)), k),
                                             names), NOT_INTS))
    if op in ("sort", "argsort", "topk"):
        kw = "largest" if op == "topk" else "descending"
        cases.append(st.builds(lambda f: Bad(f"{kw}={desc(f)}",
                                             call(*pre, **{kw: f}), names),
                               NOT_FLAGS.filter(lambda v: not isinstance(v, bool))))
    if op == "unique":
        cases.append(st.builds(lambda f, kw: Bad(f"{kw}={desc(f)}", call(**{kw: f}), names),
                               NOT_FLAGS.filter(lambda v: not isinstance(v, bool)),
                               st.sampled_from(["sorted", "return_inverse", "return_counts"])))
    if op in ("median", "mode"):
        cases.append(st.just(Bad("empty dim", call(dim=1, x=ones((2, 0))), names)))
    if op in ("norm", "logcumsumexp"):
        cases.append(st.builds(lambda dt: Bad(f"dtype {dt}", lambda: fn(
            ag.tensor(np.ones((2, 3), dt)), *(() if op == "norm" else (0,))), names),
            st.sampled_from([np.int64, np.int32, bool])))
    if op == "norm":
        cases.append(st.builds(lambda p: Bad(f"p={desc(p)}", call(p), names),
                               st.sampled_from(["nuc", "abc", None, [2], float("nan")])))
    if op in ("prod", "cumsum", "cumprod"):
        cases.append(st.builds(lambda dt: Bad(f"dtype={desc(dt)}",
                                              call(*(() if op == "prod" else (0,)), dtype=dt),
                                              names), NOT_DTYPES))
    if op in ("var_mean", "std_mean"):
        cases.append(st.builds(lambda c: Bad(f"correction={desc(c)}", call(correction=c),
                                             names), NEGATIVE_INTS))
    if op == "prod":
        cases.append(st.just(Bad("keepdim without dim", call(keepdim=True), names)))
    if op == "unique":
        cases.append(st.just(Bad("dim of a 0-d tensor", call(dim=0, x=ones(())), names)))
    return st.one_of(cases)


# ----------------------------------------------------------------------------------------
# Shape ops

SHAPE_OPS = "reshape view flatten squeeze unsqueeze transpose permute swapaxes expand " \
    "broadcast_to".split()
ALIAS = {"view": "reshape", "permute": "transpose", "clamp": "clip", "cat": "concatenate"}


@bad(*(f"ag.{n}" for n in SHAPE_OPS), *(f"Tensor.{n}" for n in SHAPE_OPS))
def _shape_ops(name):
    op = name.split(".")[1]
    names = (op, ALIAS.get(op, op))
    fn = (lambda t, *a: getattr(t, op)(*a)) if name.startswith("Tensor.") else function_form(name)
    cases = []
    if name.startswith("ag."):
        cases.append(st.builds(lambda v: Bad(f"input {desc(v)}", lambda: fn(v, 1), names),
                               BAD_DATA))

    def call(s, *args):
        return Bad(f"{s} with {desc(args)}", lambda: fn(ones(s, grad=True), *args), names)

    if op in ("reshape", "view"):
        @st.composite
        def wrong_size(draw):
            s = draw(shapes())
            t = draw(shapes(min_dims=1).filter(lambda t: np.prod(t) != np.prod(s)))
            return s, t
        cases += [st.builds(lambda st_: call(st_[0], *st_[1]), wrong_size()),
                  st.builds(lambda v: call((2, 3), v, 3), NOT_INTS),
                  st.builds(lambda n: call((2, 3), n, -1), st.integers(-9, -2)),
                  st.just(call((2, 3), -1, -1))]
    elif op == "flatten":
        cases += [st.builds(lambda s, a: call(s, a), shapes(), BAD_AXES),
                  st.builds(lambda s, d: call(s, 0, d), shapes(min_dims=1, max_dims=2),
                            st.integers(3, 9)),
                  st.builds(lambda s: call(s, len(s) - 1, 0), shapes(min_dims=2))]
    elif op == "squeeze":
        cases += [st.builds(lambda s, a: call(s, a), shapes(),
                            st.integers(4, 9) | st.integers(-9, -4)),
                  st.builds(lambda a: call((1, 2), a), BAD_AXES)]
    elif op == "unsqueeze":
        cases += [st.builds(lambda s, a: call(s, a if a > 0 else a - len(s) - 2),
                            shapes(max_dims=2), st.integers(3, 9) | st.integers(-9, -1)),
                  st.builds(lambda a: call((2,), a), BAD_AXES),
                  st.just(call((2,)))]
    elif op in ("transpose", "permute"):
        @st.composite
        def not_permutation(draw):
            s = draw(shapes(min_dims=1))
            axes = draw(st.lists(st.integers(-len(s) - 2, len(s) + 1), min_size=1,
                                 max_size=len(s) + 1))
            in_range = all(-len(s) <= a < len(s) for a in axes)
            if len(axes) == len(s) and sorted(a % len(s) for a in axes) == list(range(len(s))) \
                    and in_range:
                axes = axes + [0]
            if op == "transpose" and len(axes) == 2 and in_range:  # two dims: swapped
                axes[1] = len(s) + 1
            return s, tuple(axes)
        cases += [st.builds(lambda sa: call(sa[0], *sa[1]), not_permutation()),
                  st.builds(lambda a: call((2, 3), a, 0), BAD_AXES)]
    elif op == "swapaxes":
        cases += [st.builds(lambda s, a: call(s, 0, a), shapes(),
                            st.integers(4, 9) | st.integers(-9, -4)),
                  st.builds(lambda a: call((2, 3), a, 0), BAD_AXES | st.just(None))]
    elif op in ("expand", "broadcast_to"):
        cases += [st.builds(lambda ab: call(ab[0], ab[1]),
                            incompatible_pair().filter(lambda ab: len(ab[1]) >= len(ab[0]))),
                  st.builds(lambda s: call(s, s[1:]), shapes(min_dims=2, min_side=2)),
                  st.builds(lambda v: call((2,), (3, v)), NOT_INTS),
                  st.builds(lambda n: call((1,), (n,)), st.integers(-9, -2))]
    return st.one_of(cases)


# ----------------------------------------------------------------------------------------
# Joining, splitting, selecting


@bad("ag.concatenate", "ag.cat", "ag.stack")
def _join(name):
    op = name.split(".")[1]
    fn = function_form(name)
    names = (op, ALIAS.get(op, op))

    @st.composite
    def mismatched(draw):
        a = draw(shapes(min_dims=1))
        axis = draw(st.integers(0, len(a) - 1))
        others = [i for i in range(len(a)) if i != axis] if op != "stack" else range(len(a))
        if not others:
            b = a + (2,)
        else:
            i = draw(st.sampled_from(list(others)))
            b = a[:i] + (a[i] + 1,) + a[i + 1:]
        return a, b, axis

    return st.one_of(
        st.builds(lambda abx: Bad(f"shapes {abx[0]}, {abx[1]} on axis {abx[2]}",
                                  lambda: fn([ones(abx[0], grad=True), ones(abx[1])],
                                             axis=abx[2]), names), mismatched()),
        st.builds(lambda s, a: Bad(f"axis {a} for {s}",
                                   lambda: fn([ones(s), ones(s)], axis=a), names),
                  shapes(), st.integers(4, 9) | st.integers(-9, -5)),
        st.builds(lambda a: Bad(f"axis={desc(a)}", lambda: fn([ones((2,)), ones((2,))], axis=a),
                                names), BAD_AXES | st.just(None)),
        st.builds(lambda v: Bad(f"tensors={desc(v)}", lambda: fn(v), names),
                  st.sampled_from([[], (), None, "ab", 5, ag.ones(2, 2), np.ones((2, 2)),
                                   (x for x in [ag.ones(2)])])),
        st.builds(lambda v: Bad(f"element {desc(v)}", lambda: fn([ones((2,)), v]), names),
                  BAD_DATA),
        st.just(Bad("0-d tensors", lambda: ag.concatenate([ag.tensor(1.0), ag.tensor(2.0)]),
                    ("concatenate",))) if op != "stack" else st.nothing(),
    )


@bad("ag.split")
def _split(name):
    sections = st.one_of(NOT_INTS.filter(lambda v: not isinstance(v, list)),
                         st.lists(st.floats(0.5, 3).filter(lambda f: not f.is_integer()),
                                  min_size=1, max_size=2),
                         st.just([[1]]), st.just(["a"]))
    return st.one_of(
        # PyTorch's meaning: an int is the size of the pieces, a list their sizes
        st.builds(lambda n, k: Bad(f"{n} in pieces of {k}",
                                   lambda: ag.split(ones((n, 2)), k), ("split",)),
                  st.integers(1, 9), st.integers(-3, 0)),
        st.builds(lambda nk: Bad(f"{nk[0]} in pieces {nk[1]}",
                                 lambda: ag.split(ones((nk[0], 2)), nk[1]), ("split",)),
                  st.tuples(st.integers(0, 9), st.lists(st.integers(-2, 5), max_size=3)).filter(
                      lambda nk: min(nk[1], default=0) < 0 or sum(nk[1]) != nk[0])),
        st.builds(lambda v: Bad(f"split sizes {desc(v)}", lambda: ag.split(ones((4,)), v),
                                ("split",)), sections),
        st.builds(lambda d: Bad(f"dim {desc(d)}", lambda: ag.split(ones((4,)), 2, d),
                                ("split",)), st.integers(1, 9) | BAD_AXES),
        st.just(Bad("0-d", lambda: ag.split(ag.tensor(1.0), 1), ("split",))),
        st.just(Bad("dim and axis", lambda: ag.split(ones((4,)), 2, 0, axis=0), ("split",))),
        # numpy's meaning (axis=): an int is the number of sections, a list the cut points
        st.builds(lambda nk: Bad(f"{nk[0]} into {nk[1]}",
                                 lambda: ag.split(ones((nk[0], 2)), nk[1], axis=0), ("split",)),
                  st.tuples(st.integers(1, 9), st.integers(-3, 9)).filter(
                      lambda nk: nk[1] <= 0 or nk[0] % nk[1])),
        st.builds(lambda v: Bad(f"sections {desc(v)}", lambda: ag.split(ones((4,)), v, axis=0),
                                ("split",)), sections),
        st.builds(lambda a: Bad(f"axis {desc(a)}", lambda: ag.split(ones((4,)), 2, axis=a),
                                ("split",)), st.integers(1, 9) | BAD_AXES),
    )


@bad("ag.where")
def _where(name):
    return st.one_of(
        st.builds(lambda s, dt: Bad(f"condition dtype {np.dtype(dt)}",
                                    lambda: ag.where(ag.tensor(np.ones(s, dt)), ones(s), ones(s)),
                                    ("where",)),
                  shapes(), st.sampled_from([np.float32, np.int64, np.float64])),
        st.builds(lambda ab, k: Bad(f"shapes {ab} (position {k})",
                                    lambda: ag.where(*[
                                        ag.tensor(np.ones(ab[k == 0], bool)) if i == 0
                                        else ones(ab[k == i], grad=True) for i in range(3)]),
                                    ("where",)),
                  incompatible_pair(), st.integers(0, 2)),
        st.builds(lambda v: Bad(f"branch {desc(v)}",
                                lambda: ag.where(ag.tensor([True, False]), ones((2,)), v),
                                ("where",)), BAD_DATA),
        st.builds(lambda v: Bad(f"condition {desc(v)}",
                                lambda: ag.where(v, ones((2,)), ones((2,))), ("where",)),
                  st.sampled_from([None, "ab", [1.0, 0.0], 1 + 1j, object()])),
    )


@bad("ag.pad")
def _pad(name):
    return st.one_of(
        st.builds(lambda w: Bad(f"pad_width {desc(w)}", lambda: ag.pad(ones((2, 3)), w), ("pad",)),
                  st.one_of(NEGATIVE_INTS, st.floats(0.5, 3).filter(lambda f: not f.is_integer()),
                            st.sampled_from([None, "1", ((1, 1),) * 3, ((1, 1, 1), (1, 1)),
                                             [[-1, 0], [0, 0]], [[1], [1, 2]], 1 + 1j]))),
        st.builds(lambda v: Bad(f"value {desc(v)}", lambda: ag.pad(ones((2,)), 1, value=v),
                                ("pad",)), st.one_of(NOT_REALS, st.just(float("nan")))),
        st.just(Bad("huge", lambda: ag.pad(ones((2,)), 2**40), ("pad",))),
    )


@bad("ag.sliding_window_view")
def _windows(name):
    fn = ag.sliding_window_view
    return st.one_of(
        st.builds(lambda s, extra: Bad(f"window beyond {s}",
                                       lambda: fn(ones(s), tuple(n + extra for n in s)),
                                       ("sliding_window_view",)), shapes(), st.integers(1, 3)),
        st.builds(lambda w: Bad(f"window {desc(w)}", lambda: fn(ones((3, 3)), w),
                                ("sliding_window_view",)),
                  st.sampled_from([0, -1, 1.5, "a", None, (2, 2, 2), (2,), (0, 1), [[2]]])),
        st.builds(lambda a: Bad(f"axis {desc(a)}", lambda: fn(ones((3, 3)), 2, a),
                                ("sliding_window_view",)),
                  st.integers(2, 9) | BAD_AXES.filter(lambda v: not isinstance(v, tuple))),
        st.just(Bad("0-d", lambda: fn(ag.tensor(1.0), ()), ("sliding_window_view",))),
    )


def _bad_indices(shape: tuple) -> st.SearchStrategy:
    nd = len(shape)
    return st.one_of(
        st.integers(0, nd - 1).flatmap(lambda i: st.integers(shape[i], shape[i] + 5).map(
            lambda v: (0,) * i + (v,))),
        st.integers(-shape[0] - 5, -shape[0] - 1),
        st.floats(-3, 3).filter(lambda f: not f.is_integer()),
        st.just((0,) * (nd + 1)),
        st.sampled_from(["a", {}, object(), 1 + 1j, [[0, 1], [2]], np.array([0.5]),
                         ag.tensor([1.0]), slice("a", None), slice(0, 2, 0),
                         np.array([True] * (shape[0] + 1)), [0, shape[0] + 3]]),
    )


@bad("ag.getitem", "Tensor.__getitem__")
def _getitem(name):
    fn = ag.getitem if name == "ag.getitem" else (lambda t, i: t[i])
    return shapes().flatmap(lambda s: _bad_indices(s).map(
        lambda i: Bad(f"index {desc(i)} of {s}", lambda: fn(ones(s, grad=True), i),
                      ("getitem",))))


@bad("Tensor.__setitem__")
def _setitem(name):
    def run(s, i, v):
        t = ones(s)

        def go():
            t[i] = v
        return Bad(f"[{desc(i)}] = {desc(v)} of {s}", go, ("setitem",), watch=(t,))

    return st.one_of(
        shapes().flatmap(lambda s: _bad_indices(s).map(lambda i: run(s, i, 1.0))),
        shapes(min_side=2).flatmap(lambda s: st.builds(lambda v: run(s, 0, v), st.one_of(
            BAD_DATA, st.just(np.ones(7)), st.just(ones((9,)))))),
    )


# ----------------------------------------------------------------------------------------
# Autograd entry points and the rest of the Tensor API


def _graph(shape: tuple = (2, 3)) -> tuple[ag.Tensor, ag.Tensor]:
    """A leaf (with a grad already) and a non-scalar output computed from it."""
    x = ones(shape, grad=True)
    return x, (x * 2.0).tanh()


@bad("Tensor.backward")
def _backward(name):
    def wrong_gradient(s, g):
        x, y = _graph(s)
        return Bad(f"gradient {desc(g)} for {s}", lambda: y.backward(g), ("backward",),
                   watch=(x,))

    def twice(s):
        x, y = _graph(s)
        z = y.sum()
        z.backward()
        x.grad = ag.tensor(np.full(s, 0.5, np.float32))
        return Bad(f"second backward through freed graph {s}", lambda: z.backward(),
                   ("backward", "second time"), watch=(x,))

    def flags(v, which):
        x, y = _graph((2,))
        return Bad(f"{which}={desc(v)}", lambda: y.sum().backward(**{which: v}),
                   ("backward",), watch=(x,))

    return st.one_of(
        st.builds(lambda s: Bad(f"non-scalar {s} without gradient",
                                lambda: _graph(s)[1].backward(), ("backward", "scalar")),
                  shapes(min_side=2)),
        shapes().flatmap(lambda s: st.one_of(
            st.builds(lambda t: wrong_gradient(s, ones(t)),
                      shapes().filter(lambda t: t != s)),
            # no gradient is fine for a one-element output, as in PyTorch
            st.builds(lambda g: wrong_gradient(s, g), BAD_DATA.filter(
                lambda g: g is not None or math.prod(s) > 1)))),
        st.builds(lambda s: Bad("no grad", lambda: ones(s).sum().backward(), ("backward",)),
                  shapes()),
        st.builds(twice, shapes()),
        st.builds(flags, NOT_FLAGS.filter(lambda v: not isinstance(v, bool) and v is not None),
                  st.sampled_from(["retain_graph", "create_graph"])),
    )


@bad("ag.grad")
def _grad(name):
    def run(label, make, names=("grad",)):
        x, y = _graph((3,))
        out, inp, kw = make(x, y)
        return Bad(label, lambda: ag.grad(out, inp, **kw), names, watch=(x,))

    garbage = st.sampled_from([None, "x", 3.0, [], (), [None], ["a"], np.ones(2), {}])
    return st.one_of(
        st.builds(lambda g: run(f"outputs={desc(g)}", lambda x, y: (g, x, {})), garbage),
        st.builds(lambda g: run(f"inputs={desc(g)}", lambda x, y: (y.sum(), g, {})), garbage),
        st.just(run("input not requiring grad", lambda x, y: (y.sum(), ag.ones(3), {}))),
        st.just(run("unused input", lambda x, y: (y.sum(), ag.ones(2, requires_grad=True), {}))),
        st.just(run("output not requiring grad", lambda x, y: (ag.ones(2).sum(), x, {}))),
        st.just(run("non-scalar output", lambda x, y: (y, x, {}))),
        st.builds(lambda g: run(f"grad_outputs={desc(g)}",
                                lambda x, y: (y, x, {"grad_outputs": g})),
                  st.one_of(BAD_DATA.filter(lambda v: v is not None),
                            st.just([ag.ones(3), ag.ones(3)]), st.just(ag.ones(4)))),
        st.builds(lambda v, k: run(f"{k}={desc(v)}", lambda x, y: (y.sum(), x, {k: v})),
                  NOT_FLAGS.filter(lambda v: not isinstance(v, bool) and v is not None),
                  st.sampled_from(["retain_graph", "create_graph", "allow_unused",
                                   "materialize_grads"])),
        st.builds(lambda v: run(f"materialize_grads={desc(v)}",
                                lambda x, y: (y.sum(), x, {"materialize_grads": v})),
                  st.just(None)),
        st.just(run("materialize_grads without allow_unused",
                    lambda x, y: (y.sum(), x, {"materialize_grads": True,
                                               "allow_unused": False}))),
    )


@bad("Tensor.requires_grad_")
def _requires_grad_(name):
    def non_leaf(s):
        x, y = _graph(s)
        return Bad(f"non-leaf {s}", lambda: y.requires_grad_(False), ("requires_grad",),
                   watch=(x, y))

    def integer(s, dt):
        t = ag.tensor(np.ones(s, dt))
        return Bad(f"{np.dtype(dt)} {s}", lambda: t.requires_grad_(), ("requires_grad",),
                   watch=(t,))

    def garbage(v):
        t = ones((2,))
        return Bad(f"flag {desc(v)}", lambda: t.requires_grad_(v), ("requires_grad",),
                   watch=(t,))

    return st.one_of(st.builds(non_leaf, shapes()),
                     st.builds(integer, shapes(), st.sampled_from([np.int64, bool, np.int8])),
                     st.builds(garbage, NOT_FLAGS))


@bad("Tensor.register_hook")
def _register_hook(name):
    def run(hook, needs_grad):
        t = ones((2,), grad=needs_grad)
        return Bad(f"hook {desc(hook)} grad={needs_grad}", lambda: t.register_hook(hook),
                   ("register_hook",), watch=(t,))
    return st.one_of(st.builds(run, st.sampled_from([None, 1, "f", [print]]), st.just(True)),
                     st.builds(run, st.just(print), st.just(False)))


@bad("Tensor.retain_grad")
def _retain_grad(name):
    return st.builds(lambda s: Bad(f"no grad {s}", lambda: ones(s).retain_grad(),
                                   ("retain_grad",)), shapes())


@bad("Tensor.item", "Tensor.__float__", "Tensor.__int__", "Tensor.__bool__")
def _scalar_conversions(name):
    attr = name.split(".")[1]
    names = {"__bool__": ("truth value",)}.get(attr, ("item",))
    return st.builds(lambda s: Bad(f"{attr} of {s}", lambda: getattr(ones(s), attr)(), names),
                     shapes(min_side=2))


@bad("Tensor.__index__")
def _index_dunder(name):
    return st.builds(lambda v: Bad(f"index with {v}", lambda: [1, 2, 3][ag.tensor(v)],
                                   ("index",)), st.floats(0, 2) | st.just(True))


@bad("Tensor.__len__", "Tensor.__iter__")
def _len_iter(name):
    attr = name.split(".")[1]
    return st.builds(lambda v: Bad(f"{attr} of 0-d", lambda: getattr(ag.tensor(v), attr)(),
                                   ("0-d",)), st.floats(-9, 9))


@bad("Tensor.fill_", "Tensor.zero_")
def _fill(name):
    attr = name.split(".")[1]

    def leaf(s):
        t = ones(s, grad=True)
        return Bad(f"{attr} on a leaf requiring grad {s}",
                   lambda: t.fill_(1.0) if attr == "fill_" else t.zero_(), ("fill_",),
                   watch=(t,))

    def garbage(v):
        t = ones((2, 2))
        return Bad(f"fill_({desc(v)})", lambda: t.fill_(v), ("fill_",), watch=(t,))

    cases = [st.builds(leaf, shapes())]
    if attr == "fill_":
        cases.append(st.builds(garbage, st.one_of(BAD_DATA, st.just(np.ones(3)),
                                                  st.just(ones((3,))))))
    return st.one_of(cases)


@bad("ag.no_grad", "ag.enable_grad", "ag.detect_anomaly", "ag.set_grad_enabled")
def _modes(name):
    op = name.split(".")[1]
    fn = getattr(ag, op)
    values = NOT_FLAGS.filter(lambda v: not isinstance(v, bool) and not callable(v)) \
        if op == "set_grad_enabled" else st.sampled_from([1, "x", None, 0.5, False])
    return st.builds(lambda v: Bad(f"{op}({desc(v)})", lambda: fn(v), (op,)), values)


class _Double(ag.Function):
    @staticmethod
    def forward(ctx, a):
        return a * 2

    @staticmethod
    def backward(ctx, g):
        return g[..., :1] if g.ndim else np.ones(5)


class _Strings(ag.Function):
    @staticmethod
    def forward(ctx, a):
        return np.array(["x"] * a.size)

    @staticmethod
    def backward(ctx, g):  # pragma: no cover - never reached
        return g


@bad("ag.Function")
def _function(name):
    def wrong_grad(s):
        x = ones(s, grad=True)
        return Bad(f"backward returns a wrong shape for {s}",
                   lambda: _Double.apply(x).sum().backward(), ("_Double",), watch=(x,))
    return st.one_of(
        st.builds(wrong_grad, shapes(min_side=2)),
        st.builds(lambda v: Bad(f"apply({desc(v)})", lambda: _Double.apply(v), ("_Double",)),
                  BAD_DATA),
        st.just(Bad("forward returns strings", lambda: _Strings.apply(ones((2,))),
                    ("_Strings",))),
    )


@bad("ag.draw_graph", "ag.to_dot")
def _draw(name):
    fn = getattr(ag, name.split(".")[1])
    names = ("draw_graph", "to_dot")
    root = (ones((2,), grad=True) * 2).sum()
    return st.one_of(
        st.builds(lambda v: Bad(f"root {desc(v)}", lambda: fn(v), names),
                  st.sampled_from([None, "x", 3, [], [None], np.ones(2), {}])),
        st.builds(lambda v: Bad(f"rankdir {desc(v)}", lambda: fn(root, rankdir=v), names),
                  st.sampled_from(["XY", "", 1, "lr"])),
        st.builds(lambda v: Bad(f"params {desc(v)}", lambda: fn(root, params=v), names),
                  st.sampled_from([3, "w", [1, 2], object()])),
        st.builds(lambda v: Bad(f"max_nodes {desc(v)}", lambda: fn(root, max_nodes=v), names),
                  st.integers(-5, 2)),
    )


# -- Tensor methods a PyTorch user types (issue 14): size/stride, t, *_as, comparisons,
# -- alpha/rounding_mode, mm/bmm/mv/dot, chunk, masked_fill, copy_, in-place forms, new_*


@bad("ag.Size")
def _size_class(name):
    return st.builds(lambda v: Bad(f"Size({desc(v)})", lambda: ag.Size(v), ("Size",)),
                     st.sampled_from([3, None, "ab", [1.5], [2, None], [np.float64(2)],
                                      [ag.tensor(1.0)], object()]))


@bad("Tensor.size", "Tensor.stride")
def _size_dim(name):
    op = name.split(".")[1]
    return st.one_of(
        shapes(min_dims=0).flatmap(lambda s: out_of_range_axes(len(s)).map(
            lambda d: Bad(f"dim {d} of {s}", lambda: getattr(ones(s), op)(d), (op,)))),
        st.builds(lambda d: Bad(f"dim {desc(d)}", lambda: getattr(ones((2, 3)), op)(d), (op,)),
                  BAD_AXES.filter(lambda v: not isinstance(v, tuple))),
    )


@bad("ag.t")
def _t(name):
    return st.one_of(
        st.builds(lambda s: Bad(f"t of {s}", lambda: ag.t(ones(s, grad=True)), ("t:",)),
                  shapes(min_dims=3, max_dims=4)),
        st.builds(lambda v: Bad(f"input {desc(v)}", lambda: ag.t(v), ("t",)), BAD_DATA),
    )


@bad("Tensor.type_as", "Tensor.view_as", "Tensor.reshape_as", "Tensor.expand_as")
def _as_methods(name):
    op = name.split(".")[1]
    names = (op, {"view_as": "reshape", "reshape_as": "reshape"}.get(op, "expand"))
    cases = [st.builds(lambda v: Bad(f"other {desc(v)}", lambda: getattr(ones((2, 3)), op)(v),
                                     names),
                       st.sampled_from([None, (2, 3), [2, 3], np.ones((2, 3)), "x", 3.0]))]
    if op != "type_as":
        cases.append(st.builds(lambda ab: Bad(f"{ab[0]} as {ab[1]}",
                                              lambda: getattr(ones(ab[0]), op)(ones(ab[1])),
                                              names),
                               st.tuples(shapes(min_side=2), shapes(min_side=2)).filter(
                                   lambda ab: (math.prod(ab[0]) != math.prod(ab[1]))
                                   if op != "expand_as" else _broadcast_fails(*ab)
                                   or len(ab[0]) > len(ab[1]))))
    return st.one_of(cases)


@bad("ag.eq", "ag.ne", "ag.lt", "ag.le", "ag.gt", "ag.ge")
def _comparison_functions(name):
    op = name.split(".")[1]
    fn = function_form(name)
    return st.one_of(
        st.builds(lambda ab: Bad(f"shapes {ab[0]} {op} {ab[1]}",
                                 lambda: fn(ones(ab[0]), ones(ab[1])), (op,)),
                  incompatible_pair()),
        st.builds(lambda v, left: Bad(f"{'left' if left else 'right'} operand {desc(v)}",
                                      lambda: fn(v, ones((2,))) if left else fn(ones((2,)), v),
                                      (op,)),
                  BAD_DATA.filter(lambda v: v is not None), st.booleans()),
    )


@bad("Tensor.add", "Tensor.sub")
def _alpha(name):
    op = name.split(".")[1]

    def run(t, alpha):
        return Bad(f"{desc(t)} alpha={desc(alpha)}",
                   lambda: getattr(t, op)(ones(t.shape, t.dtype), alpha=alpha), (op,),
                   watch=(t,))

    return st.one_of(
        st.builds(lambda a: run(ones((2,), grad=True), a),
                  st.sampled_from([None, "2", 1 + 1j, [2], np.ones(2), True, object()])),
        st.builds(lambda a: run(ag.tensor([1, 2]), a), st.floats(-3, 3)),
    )


@bad("Tensor.div")
def _rounding_mode(name):
    return st.builds(lambda m: Bad(f"rounding_mode={desc(m)}",
                                   lambda: ones((2,)).div(2.0, rounding_mode=m), ("div",)),
                     st.sampled_from(["bogus", "", 1, ["floor"], np.ones(2), "Floor",
                                      "trunc "]))  # "floor" and "trunc" work (issue 16)


@bad("ag.mm", "ag.bmm", "ag.mv", "ag.dot")
def _products(name):
    op = name.split(".")[1]
    fn = function_form(name)
    rank = {"mm": (2, 2), "bmm": (3, 3), "mv": (2, 1), "dot": (1, 1)}[op]

    def call(a, b):
        return Bad(f"{desc(a)} {op} {desc(b)}", lambda: fn(a, b), (op,),
                   watch=tuple(v for v in (a, b) if isinstance(v, ag.Tensor)))

    @st.composite
    def wrong_rank(draw):
        ra = draw(st.integers(1, 4))
        rb = draw(st.integers(1, 4))
        if (ra, rb) == rank:
            ra = rank[0] % 4 + 1
        return (2,) * ra, (2,) * rb

    @st.composite
    def misfit(draw):  # the right ranks, an inner (or batch) size that differs
        k, j = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        batch = draw(st.integers(1, 3))
        bad_batch = op == "bmm" and draw(st.booleans())
        if not bad_batch and j == k:
            j = k + 1
        a = ((batch,) if op == "bmm" else ()) + ((3,) if rank[0] > 1 else ()) + (k,)
        b = ((batch + bad_batch,) if op == "bmm" else ()) + ((j if not bad_batch else k,)
                                                              + ((2,) if rank[1] > 1 else ()))
        return a, b

    return st.one_of(
        st.builds(lambda ab: call(ones(ab[0], grad=True), ones(ab[1])),
                  st.one_of(wrong_rank(), misfit())),
        st.builds(lambda v: call(ones((2, 2)), v), BAD_DATA),
        st.builds(lambda v: call(v, ones((2, 2))), BAD_DATA),
    )


@bad("ag.chunk")
def _chunk(name):
    return st.one_of(
        st.builds(lambda k: Bad(f"chunks={desc(k)}", lambda: ag.chunk(ones((4, 2)), k),
                                ("chunk",)), size_args(low=1)),
        st.builds(lambda d: Bad(f"dim {desc(d)}", lambda: ag.chunk(ones((4,)), 2, d),
                                ("chunk",)), st.integers(1, 9) | BAD_AXES),
        st.just(Bad("0-d", lambda: ag.chunk(ag.tensor(1.0), 1), ("chunk",))),
        st.builds(lambda v: Bad(f"input {desc(v)}", lambda: ag.chunk(v, 2), ("chunk",)),
                  BAD_DATA),
    )


@bad("ag.masked_fill")
def _masked_fill(name):
    def run(label, t, mask, value):
        return Bad(label, lambda: ag.masked_fill(t, mask, value), ("masked_fill",),
                   watch=(t,))

    return st.one_of(
        st.builds(lambda m: run(f"mask {desc(m)}", ones((3,), grad=True), m, 0.0),
                  st.sampled_from([None, [True, False, True], ag.ones(3), ag.tensor([1, 0, 1]),
                                   np.ones(3), "x", True])),
        st.builds(lambda v: run(f"value {desc(v)}", ones((3,), grad=True),
                                ag.tensor([True, False, True]), v),
                  st.sampled_from([None, "1", 1 + 1j, [1.0], np.ones(2), ag.ones(2),
                                   object()])),
        st.builds(lambda ab: run(f"mask {ab[1]} for {ab[0]}", ones(ab[0], grad=True),
                                 ag.tensor(np.ones(ab[1], bool)), 1.0), incompatible_pair()),
        st.builds(lambda v: Bad(f"input {desc(v)}",
                                lambda: ag.masked_fill(v, ag.tensor([True]), 0.0),
                                ("masked_fill",)), BAD_DATA),
    )


@bad("Tensor.copy_")
def _copy_(name):
    def run(label, t, src):
        return Bad(label, lambda: t.copy_(src), ("copy_",), watch=(t,))

    return st.one_of(
        st.builds(lambda ab: run(f"{ab[1]} into {ab[0]}", ones(ab[0]), ones(ab[1])),
                  st.one_of(incompatible_pair(), shapes().map(lambda s: (s, (2,) + s)))),
        st.builds(lambda v: run(f"src {desc(v)}", ones((2,)), v), BAD_DATA),
        st.builds(lambda s: run(f"leaf requiring grad {s}", ones(s, grad=True), ones(s)),
                  shapes()),
    )


_FLOAT_RESULT = set("exp log sqrt sin cos tanh sigmoid gelu softplus elu".split())


@bad(*(f"Tensor.{n}_" for n in
       "neg exp log sqrt abs sin cos tanh sigmoid relu leaky_relu elu gelu softplus clip clamp "
       "add sub mul div pow maximum minimum masked_fill".split()))
def _in_place_methods(name):
    method = name.split(".")[1]
    op = method[:-1]
    names = (method, op, "in-place") + (("clip",) if op == "clamp" else ())
    binary = op in ("add", "sub", "mul", "div", "pow", "maximum", "minimum")

    def run(label, t, *args, **kwargs):
        return Bad(label, lambda: getattr(t, method)(*args, **kwargs), names, watch=(t,))

    def good_args(t):
        if binary:
            return (ones(t.shape),)
        if op in ("clip", "clamp"):
            return (0.0, 1.0)
        return (ag.tensor(np.ones(t.shape, bool)), 0.0) if op == "masked_fill" else ()

    cases = [st.builds(lambda s: (lambda t: run(f"leaf requiring grad {s}", t,
                                                *good_args(t)))(ones(s, grad=True)), shapes())]
    if op in _FLOAT_RESULT or op == "div":
        cases.append(st.builds(lambda s: (lambda t: run(f"int64 tensor {s}", t,
                                                        *good_args(t)))(
            ag.tensor(np.ones(s, np.int64))), shapes()))
    if binary:
        cases += [
            st.builds(lambda ab: run(f"{ab[1]} into {ab[0]}", ones(ab[0]), ones(ab[1])),
                      st.one_of(incompatible_pair(), shapes().map(lambda s: (s, (2,) + s)))),
            st.builds(lambda v: run(f"operand {desc(v)}", ones((2, 3)), v), BAD_DATA),
        ]
    if op in ("clip", "clamp"):
        cases += [st.just(run("no bounds", ones((2,))))]  # min > max is valid (as PyTorch)
    if op == "masked_fill":
        cases += [st.builds(lambda s: run(f"mask {(2,) + s} for {s}", ones(s),
                                          ag.tensor(np.ones((2,) + s, bool)), 0.0), shapes()),
                  st.just(run("float mask", ones((2,)), ag.ones(2), 0.0))]
    if op in OP_PARAMS:
        key, values = OP_PARAMS[op]
        cases.append(st.builds(lambda v: run(f"{key}={desc(v)}", ones((3,)), **{key: v}),
                               values))
    return st.one_of(cases)


@bad("Tensor.new_zeros", "Tensor.new_ones", "Tensor.new_empty")
def _new_sized(name):
    op = name.split(".")[1]
    return st.one_of(
        st.builds(lambda s: Bad(f"sizes {desc(s)}", lambda: getattr(ones((2,)), op)(*s), (op,)),
                  _sizes_bad()),
        st.builds(lambda d: Bad(f"dtype={desc(d)}", lambda: getattr(ones((2,)), op)(2, dtype=d),
                                (op,)), NOT_DTYPES),
        st.builds(lambda f: Bad(f"requires_grad={desc(f)}",
                                lambda: getattr(ones((2,)), op)(2, requires_grad=f), (op,)),
                  NOT_FLAGS),
        st.just(Bad("int with requires_grad",
                    lambda: getattr(ag.tensor([1, 2]), op)(2, requires_grad=True), (op,))),
    )


@bad("Tensor.new_full", "Tensor.new_tensor")
def _new_data(name):
    op = name.split(".")[1]
    fn = (lambda v, **k: ones((2,)).new_full((2,), v, **k)) if op == "new_full" else \
        (lambda v, **k: ones((2,)).new_tensor(v, **k))
    cases = [
        st.builds(lambda v: Bad(f"value {desc(v)}", lambda: fn(v), (op,)), BAD_DATA),
        st.builds(lambda d: Bad(f"dtype={desc(d)}", lambda: fn(1.0, dtype=d), (op, "dtype")),
                  NOT_DTYPES),
        st.just(Bad("int with requires_grad",
                    lambda: fn(1, dtype=np.int64, requires_grad=True), (op,))),
    ]
    if op == "new_full":
        cases += [st.builds(lambda s: Bad(f"size {desc(s)}",
                                          lambda: ones((2,)).new_full(s, 1.0), (op,)),
                            _sizes_bad()),
                  st.just(Bad("value of shape (2,)",
                              lambda: ones((2,)).new_full((2,), [1.0, 2.0]), (op,)))]
    return st.one_of(cases)


# ----------------------------------------------------------------------------------------
# nn: layer constructors

COUNTS = size_args()  # bad values for a size (int >= 0)
POSITIVE = size_args(low=1)


def _ctor(cls: type, good: dict, bad_args: dict[str, st.SearchStrategy]) -> Callable:
    """Strategy: ``cls(**good)`` with one argument replaced by a bad value."""
    def make(name):
        return st.sampled_from(sorted(bad_args)).flatmap(lambda arg: bad_args[arg].map(
            lambda v: Bad(f"{arg}={desc(v)}", lambda: cls(**{**good, arg: v}),
                          (cls.__name__,))))
    return make


FLAG_VALUES = NOT_FLAGS.filter(lambda v: not isinstance(v, bool))
EPS = real_args(low=0, low_open=False)  # eps must be > 0: 0 and below are refused
PROBABILITY = real_args(low=0, high=1)
NAN = st.just(float("nan"))
MAX_NORM = st.one_of(NOT_REALS.filter(lambda v: v is not None), NAN,
                     st.floats(-1e6, 0, exclude_max=True))  # (None: no renorm; inf: valid)
NORM_TYPE = st.one_of(NOT_REALS, NAN, st.floats(-1e6, 0))  # a p-norm: p > 0, inf valid
KERNEL = st.one_of(size_args(low=1), st.sampled_from([(2,), (2, 2, 2), (2, "a"), [0, 2],
                                                      (2.0, 2)]))
POOL_STRIDE = KERNEL.filter(lambda v: v is not None)  # None means kernel_size (PyTorch)

CONSTRUCTORS = {
    "nn.Linear": (nn.Linear, dict(in_features=3, out_features=2),
                  dict(in_features=COUNTS, out_features=COUNTS, bias=FLAG_VALUES,
                       dtype=NON_FLOAT_DTYPES)),
    "nn.Conv2d": (nn.Conv2d, dict(in_channels=2, out_channels=4, kernel_size=3),
                  dict(in_channels=COUNTS, out_channels=COUNTS, kernel_size=KERNEL,
                       stride=KERNEL, dilation=KERNEL, groups=st.one_of(POSITIVE, st.just(3)),
                       padding=st.one_of(size_args(), st.sampled_from(["full", "SAME", None,
                                                                       (1, -1)])),
                       padding_mode=st.sampled_from(["Reflect", "zero", None]),
                       bias=FLAG_VALUES, dtype=NON_FLOAT_DTYPES)),
    "nn.MaxPool2d": (nn.MaxPool2d, dict(kernel_size=2),
                     dict(kernel_size=KERNEL, stride=POOL_STRIDE, padding=size_args(),
                          dilation=KERNEL, ceil_mode=FLAG_VALUES)),
    "nn.AvgPool2d": (nn.AvgPool2d, dict(kernel_size=2),
                     dict(kernel_size=KERNEL, stride=POOL_STRIDE, padding=size_args(),
                          ceil_mode=FLAG_VALUES, count_include_pad=FLAG_VALUES,
                          divisor_override=size_args(low=1).filter(lambda v: v is not None))),
    "nn.BatchNorm1d": (nn.BatchNorm1d, dict(num_features=3),
                       dict(num_features=COUNTS, eps=EPS, momentum=PROBABILITY.filter(
                           lambda v: v is not None), affine=FLAG_VALUES,
                           track_running_stats=FLAG_VALUES, dtype=NON_FLOAT_DTYPES)),
    "nn.BatchNorm2d": (nn.BatchNorm2d, dict(num_features=3),
                       dict(num_features=COUNTS, eps=EPS, momentum=PROBABILITY.filter(
                           lambda v: v is not None), affine=FLAG_VALUES, dtype=NON_FLOAT_DTYPES)),
    "nn.LayerNorm": (nn.LayerNorm, dict(normalized_shape=(3,)),
                     dict(normalized_shape=st.one_of(
                         size_args(low=1).filter(lambda v: not isinstance(v, list)),
                         st.sampled_from([(3, 0), (2.0,), ("a",), [3, None]])), eps=EPS,
                          elementwise_affine=FLAG_VALUES, bias=FLAG_VALUES,
                          dtype=NON_FLOAT_DTYPES)),
    "nn.Embedding": (nn.Embedding, dict(num_embeddings=5, embedding_dim=3),
                     dict(num_embeddings=COUNTS, embedding_dim=COUNTS,
                          padding_idx=st.one_of(st.integers(5, 99), st.integers(-99, -6),
                                                NOT_INTS.filter(lambda v: v is not None)),
                          max_norm=MAX_NORM, norm_type=NORM_TYPE,
                          scale_grad_by_freq=FLAG_VALUES, sparse=FLAG_VALUES,
                          dtype=NON_FLOAT_DTYPES)),
    "nn.Dropout": (nn.Dropout, dict(p=0.5), dict(p=PROBABILITY, inplace=FLAG_VALUES)),
    "nn.Flatten": (nn.Flatten, dict(), dict(start_dim=BAD_AXES, end_dim=BAD_AXES)),
    "nn.ReLU": (nn.ReLU, dict(), dict(inplace=FLAG_VALUES)),
    "nn.LeakyReLU": (nn.LeakyReLU, dict(), dict(negative_slope=real_args(),
                                                inplace=FLAG_VALUES)),
    "nn.ELU": (nn.ELU, dict(), dict(alpha=real_args(), inplace=FLAG_VALUES)),
    "nn.Softplus": (nn.Softplus, dict(), dict(beta=real_args(low=0),
                                              threshold=NOT_REALS | st.just(float("nan")))),
    "nn.Softmax": (nn.Softmax, dict(dim=1), dict(dim=BAD_AXES)),
    "nn.LogSoftmax": (nn.LogSoftmax, dict(dim=1), dict(dim=BAD_AXES)),
    "nn.GELU": (nn.GELU, dict(), dict(approximate=st.sampled_from(["exact", None, "TANH", 1]))),
}
REDUCTION = st.sampled_from(["avg", "Mean", "", None, 1, ["mean"]])
LOSS_WEIGHT = st.sampled_from(["w", [1.0, 2.0], 3.0, np.array(["a"]), np.ones(3, np.int64),
                               ag.tensor([1, 2, 3])])
CONSTRUCTORS.update({
    "nn.MSELoss": (nn.MSELoss, dict(), dict(reduction=REDUCTION)),
    "nn.L1Loss": (nn.L1Loss, dict(), dict(reduction=REDUCTION)),
    "nn.HuberLoss": (nn.HuberLoss, dict(), dict(reduction=REDUCTION,
                                                delta=st.one_of(NOT_REALS, st.floats(-9, 0),
                                                                st.just(float("nan"))))),
    "nn.BCELoss": (nn.BCELoss, dict(), dict(reduction=REDUCTION, weight=LOSS_WEIGHT)),
    "nn.BCEWithLogitsLoss": (nn.BCEWithLogitsLoss, dict(),
                             dict(reduction=REDUCTION, weight=LOSS_WEIGHT,
                                  pos_weight=LOSS_WEIGHT)),
    "nn.CrossEntropyLoss": (nn.CrossEntropyLoss, dict(),
                            dict(reduction=REDUCTION, label_smoothing=PROBABILITY,
                                 ignore_index=NOT_INTS,
                                 weight=LOSS_WEIGHT | st.just(ag.ones(2, 3)))),
    "nn.NLLLoss": (nn.NLLLoss, dict(), dict(reduction=REDUCTION, ignore_index=NOT_INTS,
                                            weight=LOSS_WEIGHT | st.just(ag.ones(2, 3)))),
})
# task "convolution and pooling" (issue 16)
def _sizes_1d(low: int) -> st.SearchStrategy:
    """size_args for a 1-d size: [2] is a valid one."""
    return size_args(low=low).filter(lambda v: not (
        isinstance(v, (list, tuple)) and len(v) == 1 and type(v[0]) is int and v[0] >= low))


KERNEL_1D = st.one_of(_sizes_1d(1), st.sampled_from([(2, 2), (2.0,), ("a",), [0]]))
_CONV_1D = dict(in_channels=COUNTS, out_channels=COUNTS, kernel_size=KERNEL_1D,
                stride=KERNEL_1D, dilation=KERNEL_1D, groups=st.one_of(POSITIVE, st.just(3)),
                padding=st.one_of(_sizes_1d(0), st.sampled_from(["full", (1, 1), None])),
                padding_mode=st.sampled_from(["Reflect", "zero", None]), bias=FLAG_VALUES,
                dtype=NON_FLOAT_DTYPES)
_CONV_T = dict(padding_mode=st.sampled_from(["reflect", "circular", None]),
               padding=st.one_of(_sizes_1d(0), st.just("same")))
CONSTRUCTORS.update({
    "nn.Conv1d": (nn.Conv1d, dict(in_channels=2, out_channels=4, kernel_size=3), _CONV_1D),
    "nn.ConvTranspose1d": (nn.ConvTranspose1d, dict(in_channels=2, out_channels=4,
                                                    kernel_size=3, stride=2),
                           {**_CONV_1D, **_CONV_T, "output_padding": st.one_of(
                               size_args(), st.integers(2, 5))}),
    "nn.ConvTranspose2d": (nn.ConvTranspose2d, dict(in_channels=2, out_channels=4,
                                                    kernel_size=3, stride=2),
                           {**CONSTRUCTORS["nn.Conv2d"][2], **_CONV_T,
                            "output_padding": st.one_of(size_args(), st.integers(2, 5))}),
    "nn.MaxPool1d": (nn.MaxPool1d, dict(kernel_size=2),
                     dict(kernel_size=KERNEL_1D, stride=KERNEL_1D.filter(lambda v: v is not None),
                          padding=size_args().filter(_not_one_element_list), dilation=KERNEL_1D,
                          ceil_mode=FLAG_VALUES,
                          return_indices=FLAG_VALUES)),
    "nn.AvgPool1d": (nn.AvgPool1d, dict(kernel_size=2),
                     dict(kernel_size=KERNEL_1D, stride=KERNEL_1D.filter(lambda v: v is not None),
                          padding=size_args().filter(_not_one_element_list), ceil_mode=FLAG_VALUES,
                          count_include_pad=FLAG_VALUES)),
    "nn.AdaptiveAvgPool1d": (nn.AdaptiveAvgPool1d, dict(output_size=2),
                             dict(output_size=st.one_of(_sizes_1d(0), st.just((2, 2))))),
    "nn.AdaptiveAvgPool2d": (nn.AdaptiveAvgPool2d, dict(output_size=2),
                             dict(output_size=st.one_of(size_args().filter(
                                 lambda v: v is not None), st.sampled_from(
                                     [(2,), (2, 2, 2), (2, -1), (2.0, None)])))),
    "nn.AdaptiveMaxPool2d": (nn.AdaptiveMaxPool2d, dict(output_size=2),
                             dict(output_size=st.one_of(size_args().filter(
                                 lambda v: v is not None), st.sampled_from([(2,), (2, -1)])),
                                  return_indices=FLAG_VALUES)),
    "nn.MaxUnpool2d": (nn.MaxUnpool2d, dict(kernel_size=2),
                       dict(kernel_size=KERNEL, stride=POOL_STRIDE, padding=size_args())),
})
for _name, (_cls, _good, _bad_args) in CONSTRUCTORS.items():
    BAD[f"{_name}()"] = _ctor(_cls, _good, _bad_args)


@bad("nn.Sequential()", "nn.ModuleList()")
def _containers(name):
    cls = nn.Sequential if name.startswith("nn.Sequential") else nn.ModuleList
    garbage = st.sampled_from(["relu", 3, 1.5, print, ag.ones(2), np.ones(2), [nn.ReLU(), 5]])
    if cls is nn.Sequential:
        return st.builds(lambda v: Bad(f"Sequential(ReLU(), {desc(v)})",
                                       lambda: nn.Sequential(nn.ReLU(), v), ("Sequential",)),
                         garbage)
    return st.builds(lambda v: Bad(f"ModuleList({desc(v)})", lambda: nn.ModuleList(v),
                                   ("ModuleList",)),
                     garbage.map(lambda v: v if isinstance(v, list) or not callable(v) else 3))


@bad("nn.Embedding.from_pretrained")
def _from_pretrained(name):
    return st.builds(lambda v: Bad(f"embeddings {desc(v)}",
                                   lambda: nn.Embedding.from_pretrained(v), ("Embedding",)),
                     st.sampled_from([np.ones(3), np.ones((2, 2, 2)), np.ones((2, 2), np.int64),
                                      "abc", 3.0, ag.ones(4)]))


# ----------------------------------------------------------------------------------------
# nn: calling layers with bad input


def _prime(module: nn.Module) -> nn.Module:
    """Give every parameter a gradient, so an unwanted change would show."""
    for p in module.parameters():
        p.grad = ag.tensor(np.full(p.shape, 0.25, p.dtype))
    return module


def _forward_case(layer_factory: Callable[[], nn.Module], bad_inputs: st.SearchStrategy,
                  nested: bool = True) -> st.SearchStrategy[Bad]:
    def make(x, where):
        layer = _prime(layer_factory())
        cls = type(layer).__name__
        if where == "alone" or not nested:
            model, names = layer, (cls,)
        elif where == "sequential":
            model, names = _prime(nn.Sequential(nn.Identity(), layer)), (f"layer '1' {cls}",)
        else:
            model = _prime(_Encoder(layer))
            names = (f"layer 'encoder.1' {cls}",)
        watch = (model, x) if isinstance(x, ag.Tensor) else (model,)
        return Bad(f"{cls} on {desc(x)} ({where})", lambda: model(x), names, watch=watch)
    return st.builds(make, bad_inputs, st.sampled_from(["alone", "sequential", "nested"]))


class _Encoder(nn.Module):
    def __init__(self, layer: nn.Module) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Identity(), layer)

    def forward(self, x):
        return self.encoder(x)


def _inputs(good_shape_ok: Callable[[tuple], bool], min_dims: int = 0, max_dims: int = 4,
            bad_dtype: type | None = np.int64) -> st.SearchStrategy:
    """Inputs a layer must refuse: wrong shapes (per ``good_shape_ok``), tensors of
    ``bad_dtype`` (integer, bool for layers taking integers), garbage."""
    wrong_shapes = shapes(min_dims=min_dims, max_dims=max_dims).filter(
        lambda s: not good_shape_ok(s)).map(lambda s: ones(s, grad=True))
    cases = [wrong_shapes, GARBAGE_DATA.filter(lambda v: not isinstance(v, np.ndarray))]
    if bad_dtype is not None:
        cases.append(shapes(min_dims=2, max_dims=4).map(
            lambda s: ag.tensor(np.ones(s, bad_dtype))))
    return st.one_of(cases)


def _conv_ok(s: tuple) -> bool:
    return (len(s) in (3, 4) and s[-3] == 2 and s[-1] >= 3 and s[-2] >= 3)


LAYER_FORWARD = {
    "nn.Linear": (lambda: nn.Linear(3, 2), _inputs(lambda s: len(s) >= 1 and s[-1] == 3)),
    "nn.Conv2d": (lambda: nn.Conv2d(2, 4, 3), _inputs(_conv_ok)),
    "nn.MaxPool2d": (lambda: nn.MaxPool2d(3), _inputs(
        lambda s: len(s) in (3, 4) and s[-1] >= 3 and s[-2] >= 3, bad_dtype=np.bool_)),
    "nn.AvgPool2d": (lambda: nn.AvgPool2d(3), _inputs(
        lambda s: len(s) in (3, 4) and s[-1] >= 3 and s[-2] >= 3)),
    "nn.BatchNorm1d": (lambda: nn.BatchNorm1d(3), _inputs(
        lambda s: len(s) in (2, 3) and s[1] == 3 and np.prod(s) != 3)),
    "nn.BatchNorm2d": (lambda: nn.BatchNorm2d(3), _inputs(
        lambda s: len(s) == 4 and s[1] == 3 and np.prod(s) != 3)),
    "nn.LayerNorm": (lambda: nn.LayerNorm((2, 3)), _inputs(lambda s: s[-2:] == (2, 3))),
    "nn.Embedding": (lambda: nn.Embedding(4, 3), st.one_of(
        shapes().map(lambda s: ones(s)),
        shapes().map(lambda s: ag.tensor(np.full(s, 4))),
        shapes().map(lambda s: ag.tensor(np.full(s, -1))),
        GARBAGE_DATA.filter(lambda v: not isinstance(v, np.ndarray)))),
    "nn.Dropout": (lambda: nn.Dropout(0.5), _inputs(lambda s: True)),
    "nn.Flatten": (lambda: nn.Flatten(2, 3), _inputs(lambda s: len(s) >= 4, bad_dtype=None)),
    "nn.Softmax": (lambda: nn.Softmax(dim=2), _inputs(lambda s: len(s) >= 3)),
    "nn.LogSoftmax": (lambda: nn.LogSoftmax(dim=-3), _inputs(lambda s: len(s) >= 3)),
}
for _act in ("ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "ELU", "Softplus"):
    LAYER_FORWARD[f"nn.{_act}"] = ((lambda a: lambda: getattr(nn, a)())(_act),
                                   _inputs(lambda s: True))
LAYER_FORWARD.update({  # task "convolution and pooling" (issue 16)
    "nn.Conv1d": (lambda: nn.Conv1d(2, 4, 3, padding=1, padding_mode="reflect"),
                  _inputs(lambda s: len(s) in (2, 3) and s[-2] == 2 and s[-1] >= 2)),
    "nn.ConvTranspose1d": (lambda: nn.ConvTranspose1d(2, 4, 3),
                           _inputs(lambda s: len(s) in (2, 3) and s[-2] == 2 and s[-1] >= 1)),
    "nn.ConvTranspose2d": (lambda: nn.ConvTranspose2d(2, 4, 3), _inputs(
        lambda s: len(s) in (3, 4) and s[-3] == 2 and s[-1] >= 1 and s[-2] >= 1)),
    "nn.MaxPool1d": (lambda: nn.MaxPool1d(3), _inputs(
        lambda s: len(s) in (2, 3) and s[-1] >= 3, bad_dtype=np.bool_)),
    "nn.AvgPool1d": (lambda: nn.AvgPool1d(3), _inputs(lambda s: len(s) in (2, 3) and s[-1] >= 3)),
    "nn.AdaptiveAvgPool1d": (lambda: nn.AdaptiveAvgPool1d(2), _inputs(
        lambda s: len(s) in (2, 3))),
    "nn.AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d(2), _inputs(
        lambda s: len(s) in (3, 4))),
    "nn.AdaptiveMaxPool2d": (lambda: nn.AdaptiveMaxPool2d(2), _inputs(
        lambda s: len(s) in (3, 4))),
})
for _name, (_factory, _inputs_) in LAYER_FORWARD.items():
    BAD[f"{_name}.forward"] = (lambda f, i: lambda name: _forward_case(f, i))(_factory, _inputs_)


@bad("nn.BatchNorm1d.forward(training, 1 value per channel)")
def _batchnorm_one_value(name):
    return st.builds(lambda s: _forward_case(lambda: nn.BatchNorm1d(s[1]),
                                             st.just(ones(s)), nested=False),
                     st.sampled_from([(1, 2), (1, 3, 1), (1, 1)])).flatmap(lambda c: c)


# ----------------------------------------------------------------------------------------
# nn: losses (modules and functional forms)

LOSSES = {  # module class -> functional form
    "MSELoss": F.mse_loss, "L1Loss": F.l1_loss, "HuberLoss": F.huber_loss,
    "BCELoss": F.binary_cross_entropy, "BCEWithLogitsLoss": F.binary_cross_entropy_with_logits,
    "CrossEntropyLoss": F.cross_entropy, "NLLLoss": F.nll_loss,
}
CLASS_LOSSES = ("CrossEntropyLoss", "NLLLoss")


def _loss_cases(cls: str, module: bool) -> st.SearchStrategy[Bad]:
    fn_name = LOSSES[cls].__name__
    names = (cls, fn_name)

    def call(x, y, **kw):
        def go():
            return getattr(nn, cls)(**kw)(x, y) if module else LOSSES[cls](x, y, **kw)
        watch = tuple(v for v in (x, y) if isinstance(v, ag.Tensor))
        return Bad(f"{desc(x)} vs {desc(y)} {kw}", go, names, watch=watch)

    def prob(s):
        return ag.tensor(np.full(s, 0.5, np.float32), requires_grad=True)

    cases = [st.builds(lambda v, first: call(v, ones((2, 3))) if first else call(
        prob((2, 3)), v), GARBAGE_DATA.filter(lambda v: not isinstance(v, np.ndarray)),
        st.booleans())]
    if module:
        cases.append(st.builds(lambda r: Bad(f"reduction={desc(r)}",
                                             lambda: getattr(nn, cls)(reduction=r), names),
                               REDUCTION))
    else:
        cases.append(st.builds(lambda r: call(prob((2, 3)), ones((2, 3)) if cls not in
                                              CLASS_LOSSES else ag.tensor([0, 1]),
                                              reduction=r), REDUCTION))
    if cls in CLASS_LOSSES:
        @st.composite
        def labels(draw):
            n, c = draw(st.integers(1, 4)), draw(st.integers(2, 5))
            kind = draw(st.sampled_from(["float", "shape", "range", "bool"]))
            if kind == "float":
                y = ag.tensor(np.zeros(n, np.float32)) if cls == "NLLLoss" else \
                    ag.tensor(np.zeros(n + 1, np.float32))
            elif kind == "shape":
                y = ag.tensor(np.zeros(draw(st.integers(1, 5).filter(lambda m: m != n)),
                                       np.int64))
            elif kind == "range":
                y = ag.tensor(np.full(n, draw(st.sampled_from([c, c + 3, -1, -7]))))
            else:
                y = ag.tensor(np.zeros(n, bool))
            return ones((n, c), grad=True), y
        cases += [
            st.builds(lambda xy: call(*xy), labels()),
            st.builds(lambda w: call(ones((2, 3), grad=True), ag.tensor([0, 1]),
                                     weight=w), st.sampled_from([ag.ones(4), ag.ones(2),
                                                                 ag.ones(1, 3)])),
            st.just(call(ag.tensor(1.0, requires_grad=True), ag.tensor(0))),
            st.builds(lambda v: call(ones((2, 3), grad=True), ag.tensor([0, 1]),
                                     ignore_index=v), NOT_INTS),
        ]
        if cls == "CrossEntropyLoss":
            cases.append(st.builds(lambda v: call(ones((2, 3), grad=True), ag.tensor([0, 1]),
                                                  label_smoothing=v), PROBABILITY))
    else:
        cases.append(st.builds(lambda ab: call(prob(ab[0]), ones(ab[1])),
                               shapes().flatmap(lambda a: shapes().filter(
                                   lambda b: b != a).map(lambda b: (a, b)))))
        cases.append(st.builds(lambda s: call(ag.tensor(np.ones(s, np.int64)), ones(s)),
                               shapes()))
    if cls in ("BCELoss", "BCEWithLogitsLoss"):
        outside = st.one_of(st.floats(1.001, 1e6), st.floats(-1e6, -0.001),
                            st.just(float("nan")))
        cases.append(st.builds(lambda v, s: call(prob(s), ag.tensor(np.full(s, v, np.float32))),
                               outside, shapes()))
        cases.append(st.builds(lambda w: call(prob((2, 3)), ones((2, 3)), weight=w),
                               st.sampled_from([ag.ones(4), ag.ones(3, 2), ag.ones(2, 3, 1)])))
    if cls == "BCELoss":
        cases.append(st.builds(lambda v, s: call(ag.tensor(np.full(s, v, np.float32),
                                                           requires_grad=True), ones(s)),
                               st.one_of(st.floats(1.001, 1e6), st.floats(-1e6, -0.001)),
                               shapes()))
    if cls == "HuberLoss":
        cases.append(st.builds(lambda d: call(prob((2,)), ones((2,)), delta=d),
                               st.one_of(st.floats(-9, 0), NOT_REALS)))
    return st.one_of(cases)


for _cls in LOSSES:
    BAD[f"nn.{_cls}.forward"] = (lambda c: lambda name: _loss_cases(c, True))(_cls)
    BAD[f"F.{LOSSES[_cls].__name__}"] = (lambda c: lambda name: _loss_cases(c, False))(_cls)


# ----------------------------------------------------------------------------------------
# nn.functional (the rest)


def _f(name: str, cases: list[st.SearchStrategy]) -> None:
    BAD[f"F.{name}"] = lambda n: st.one_of(cases)


def _fcall(op: str, fn: Callable, *args: Any, watch: tuple = (), **kw: Any) -> Bad:
    return Bad(f"{op}{desc(args)} {sorted(kw)} {desc(list(kw.values()))}",
               lambda: fn(*args, **kw), (op,), watch=watch)


NON_TENSORS = GARBAGE_DATA.filter(lambda v: not isinstance(v, np.ndarray))
INT_TENSORS = shapes().map(lambda s: ag.tensor(np.ones(s, np.int64)))
for _op in ("relu", "leaky_relu", "sigmoid", "tanh", "gelu", "elu", "softplus", "softmax",
            "log_softmax", "dropout"):
    _fn = getattr(F, _op)
    _cases = [st.builds((lambda o, f: lambda v: _fcall(o, f, v))(_op, _fn),
                        st.one_of(NON_TENSORS, INT_TENSORS))]
    if _op in OP_PARAMS:
        _cases.append(st.builds((lambda o, f: lambda v: _fcall(o, f, ones((2,)), v))(_op, _fn),
                                OP_PARAMS[_op][1]))
    if _op in ("softmax", "log_softmax"):
        _cases.append(st.builds((lambda o, f: lambda d: _fcall(o, f, ones((2, 3)), dim=d))(
            _op, _fn), BAD_AXES | st.integers(2, 9)))
    _f(_op, _cases)
_f("gelu", [st.builds(lambda a: _fcall("gelu", F.gelu, ones((2,)), approximate=a),
                      st.sampled_from(["exact", None, 1]))])
_f("dropout", [st.builds(lambda p: _fcall("dropout", F.dropout, ones((2,)), p), PROBABILITY),
               st.builds(lambda t: _fcall("dropout", F.dropout, ones((2,)), 0.5, training=t),
                         FLAG_VALUES),
               st.builds(lambda v: _fcall("dropout", F.dropout, v), INT_TENSORS | NON_TENSORS)])
_f("linear", [
    st.builds(lambda sk: _fcall("linear", F.linear, ones(sk[0]), ones((2, sk[1]))),
              st.tuples(shapes(min_dims=0), st.integers(1, 5)).filter(
                  lambda sk: not sk[0] or sk[0][-1] != sk[1])),
    st.builds(lambda w: _fcall("linear", F.linear, ones((2, 3)), w),
              st.sampled_from([ag.ones(3), ag.ones(2, 3, 1), ag.ones(3, 2), "w", np.ones(3)])),
    st.builds(lambda b: _fcall("linear", F.linear, ones((2, 3)), ones((4, 3)), b),
              st.sampled_from([ag.ones(3), ag.ones(4, 1), "b", 1.0, ag.tensor([1, 2, 3, 4])])),
])
_f("batch_norm", [
    st.builds(lambda s: _fcall("batch_norm", F.batch_norm, ones(s), ag.zeros(3), ag.ones(3),
                               training=True), shapes(max_dims=4).filter(
                                   lambda s: len(s) < 2 or s[1] != 3)),
    st.builds(lambda k, v: _fcall("batch_norm", F.batch_norm, ones((4, 3)),
                                  *([ag.zeros(3), ag.ones(3)][:k] + [v] + [ag.ones(3)][k:]),
                                  training=False),
              st.integers(0, 1), st.sampled_from([ag.ones(4), "a", np.ones(2), ag.ones(3, 1)])),
    st.builds(lambda m: _fcall("batch_norm", F.batch_norm, ones((4, 3)), ag.zeros(3),
                               ag.ones(3), training=True, momentum=m), PROBABILITY),
    st.builds(lambda e: _fcall("batch_norm", F.batch_norm, ones((4, 3)), ag.zeros(3),
                               ag.ones(3), training=True, eps=e), EPS),
    st.just(_fcall("batch_norm", F.batch_norm, ones((4, 3)), None, None, training=False)),
    st.builds(lambda t: _fcall("batch_norm", F.batch_norm, ones((4, 3)), ag.zeros(3),
                               ag.ones(3), training=t), FLAG_VALUES),
])
_f("layer_norm", [
    st.builds(lambda sn: _fcall("layer_norm", F.layer_norm, ones(sn[0]), sn[1]),
              st.tuples(shapes(), shapes(max_dims=2)).filter(
                  lambda sn: sn[0][len(sn[0]) - len(sn[1]):] != sn[1] or len(sn[1]) > len(sn[0]))),
    st.builds(lambda n: _fcall("layer_norm", F.layer_norm, ones((2, 3)), n),
              st.sampled_from(["a", None, (0,), (-3,), 3.0, (3.0,)])),
    st.builds(lambda w: _fcall("layer_norm", F.layer_norm, ones((2, 3)), (3,), w),
              st.sampled_from([ag.ones(4), ag.ones(2, 3), "w"])),
    st.builds(lambda e: _fcall("layer_norm", F.layer_norm, ones((2, 3)), (3,), eps=e), EPS),
])
def _embedding_renorm(**kw: Any) -> Bad:
    """F.embedding with a bad max_norm/norm_type: refused before any row is rescaled."""
    w = ag.full((4, 2), 3.0)
    return _fcall("embedding", F.embedding, ag.tensor([0]), w, watch=(w,), **kw)


_f("embedding", [
    st.builds(lambda i: _fcall("embedding", F.embedding, i, ones((4, 2))),
              st.sampled_from([ag.tensor([0.0]), ag.tensor([4]), ag.tensor([-1]),
                               ag.tensor([True]), "a", None])),
    st.builds(lambda w: _fcall("embedding", F.embedding, ag.tensor([0]), w),
              st.sampled_from([ag.ones(4), ag.ones(4, 2, 1), ag.tensor([[1, 2]]), "w"])),
    st.builds(lambda p: _fcall("embedding", F.embedding, ag.tensor([0]), ones((4, 2)),
                               padding_idx=p), st.integers(4, 9) | NOT_INTS.filter(
                                   lambda v: v is not None)),
    st.builds(lambda v: _embedding_renorm(max_norm=v), MAX_NORM),
    st.builds(lambda v: _embedding_renorm(max_norm=1.0, norm_type=v), NORM_TYPE),
    st.builds(lambda k, v: _fcall("embedding", F.embedding, ag.tensor([0]), ones((4, 2)),
                                  **{k: v}),
              st.sampled_from(["scale_grad_by_freq", "sparse"]), FLAG_VALUES),
])
_f("one_hot", [
    st.builds(lambda t: _fcall("one_hot", F.one_hot, t),
              st.sampled_from([ag.tensor([1.0]), ag.tensor([-1]), None, "a", [1, 2]])),
    st.builds(lambda n: _fcall("one_hot", F.one_hot, ag.tensor([3, 1]), n),
              st.integers(0, 3) | NOT_INTS | st.integers(-9, -2)),
])
_POOL_INPUT = st.sampled_from([ag.ones(4, 4), ag.ones(1, 1, 1, 4, 4), ag.ones(1, 1, 1, 1)])
_f("conv2d", [
    st.builds(lambda x: _fcall("conv2d", F.conv2d, x, ones((2, 1, 3, 3))),
              _POOL_INPUT | INT_TENSORS | NON_TENSORS | st.just(ag.ones(1, 2, 5, 5))),
    st.builds(lambda w: _fcall("conv2d", F.conv2d, ones((1, 1, 5, 5)), w),
              st.sampled_from([ag.ones(3, 3), ag.ones(2, 2, 3, 3), ag.ones(2, 1, 9, 9)])),
    st.builds(lambda k, v: _fcall("conv2d", F.conv2d, ones((1, 1, 5, 5)), ones((2, 1, 3, 3)),
                                  **{k: v}),
              st.sampled_from(["stride", "padding", "dilation", "groups"]),
              size_args(low=1).filter(lambda v: v != 0) | st.sampled_from(
                  [(1,), "full", np.ones(2), (1, 2, 3)])),
    st.builds(lambda b: _fcall("conv2d", F.conv2d, ones((1, 1, 5, 5)), ones((2, 1, 3, 3)), b),
              st.sampled_from([ag.ones(3), "b"])),
])
_POOL_ARGS = {  # bad values (None is a valid stride: kernel_size; 0 a valid padding)
    "stride": size_args(low=1).filter(lambda v: v is not None)
    | st.sampled_from([(1, 2, 3), np.ones(2)]),
    "padding": size_args(low=1).filter(lambda v: v != 0) | st.just((1, 2, 3)),
}
for _op in ("max_pool2d", "avg_pool2d"):
    _fn = getattr(F, _op)
    _cases = [
        st.builds((lambda o, f: lambda x: _fcall(o, f, x, 2))(_op, _fn),  # max: ints are fine
                  _POOL_INPUT | NON_TENSORS | st.just(ag.ones(1, 1, 4, 4, dtype=np.bool_))
                  | (INT_TENSORS if _op == "avg_pool2d" else st.nothing())),
        st.sampled_from(sorted(_POOL_ARGS)).flatmap((lambda o, f: lambda k: _POOL_ARGS[k].map(
            lambda v: _fcall(o, f, ones((1, 1, 4, 4)), 2, **{k: v})))(_op, _fn)),
        st.builds((lambda o, f: lambda k: _fcall(o, f, ones((1, 1, 4, 4)), k))(_op, _fn),
                  KERNEL | st.integers(5, 9)),
        st.just(_fcall(_op, _fn, ones((1, 1, 4, 4)), 2, padding=2)),
    ]
    if _op == "max_pool2d":  # PyTorch bounds the padding by the undilated kernel
        _cases.append(st.just(_fcall(_op, _fn, ones((1, 1, 5, 5)), 3, padding=2, dilation=2)))
    if _op == "avg_pool2d":
        _cases.append(st.builds(lambda d: _fcall("avg_pool2d", F.avg_pool2d,
                                                 ones((1, 1, 4, 4)), 2, divisor_override=d),
                                size_args(low=1).filter(lambda v: v is not None)))
    _f(_op, _cases)


# task "convolution and pooling" (issue 16)
_POOL_1D = st.sampled_from([ag.ones(4), ag.ones(1, 1, 1, 4)])
_f("pad", [
    st.builds(lambda p: _fcall("pad", F.pad, ones((1, 2, 3)), p),
              st.sampled_from([(1,), (1, 1, 1, 1, 1, 1, 1, 1), (1.0, 1), 2, "a", None,
                               (True, 1), (-4, 0), (0, 0, -2, -1)])),
    st.builds(lambda m: _fcall("pad", F.pad, ones((1, 2, 3)), (1, 1), mode=m),
              st.sampled_from(["zeros", "Reflect", None, 1])),
    st.builds(lambda m, p: _fcall("pad", F.pad, ones((1, 2, 3)), p, mode=m),
              st.sampled_from(["reflect", "replicate", "circular"]),
              st.sampled_from([(), (1, 1, 1, 1, 1, 1)])),
    st.builds(lambda m: _fcall("pad", F.pad, ones((1, 2, 3)), (4, 0), mode=m),  # replicate
              st.sampled_from(["reflect", "circular"])),  # may pad past the size, as torch
    st.just(_fcall("pad", F.pad, ones((1, 2, 3)), (3, 0), mode="reflect")),
    st.just(_fcall("pad", F.pad, ones((1, 2, 3)), (1, 1), mode="reflect", value=1.0)),
    st.builds(lambda v: _fcall("pad", F.pad, ones((1, 2, 3)), (1, 1), value=v),
              NOT_REALS.filter(lambda v: v is not None)),
    st.builds(lambda x: _fcall("pad", F.pad, x, (1, 1)), NON_TENSORS),
])
_f("conv1d", [
    st.builds(lambda x: _fcall("conv1d", F.conv1d, x, ones((2, 1, 3))),
              _POOL_1D | INT_TENSORS | NON_TENSORS | st.just(ag.ones(1, 2, 5))),
    st.builds(lambda w: _fcall("conv1d", F.conv1d, ones((1, 1, 5)), w),
              st.sampled_from([ag.ones(3), ag.ones(2, 2, 3), ag.ones(2, 1, 9), "w"])),
    st.builds(lambda k, v: _fcall("conv1d", F.conv1d, ones((1, 1, 5)), ones((2, 1, 3)),
                                  **{k: v}),
              st.sampled_from(["stride", "padding", "dilation", "groups"]),
              size_args(low=1).filter(lambda v: v != 0) | st.sampled_from(
                  [(1, 1), "full", np.ones(1)])),
    st.builds(lambda b: _fcall("conv1d", F.conv1d, ones((1, 1, 5)), ones((2, 1, 3)), b),
              st.sampled_from([ag.ones(3), "b"])),
])
for _op, _nd in (("conv_transpose1d", 1), ("conv_transpose2d", 2)):
    _fn, _sp = getattr(F, _op), (4,) * _nd
    _f(_op, [
        st.builds((lambda o, f, sp: lambda x: _fcall(o, f, x, ones((1, 2) + (3,) * len(sp))))(
            _op, _fn, _sp), st.sampled_from([ag.ones(*_sp), ag.ones(1, 2, 1, *_sp),
                                              ag.ones(1, 3, *_sp)]) | INT_TENSORS | NON_TENSORS),
        st.builds((lambda o, f, sp: lambda w: _fcall(o, f, ones((1, 1) + sp), w))(
            _op, _fn, _sp), st.sampled_from([ag.ones(3), ag.ones(2, 2, *(3,) * _nd), "w"])),
        st.builds((lambda o, f, sp: lambda k, v: _fcall(
            o, f, ones((1, 2) + sp), ones((2, 2) + (3,) * len(sp)), **{k: v}))(_op, _fn, _sp),
            st.sampled_from(["stride", "padding", "output_padding", "dilation"]),
            size_args(low=1).filter(lambda v: v != 0) | st.sampled_from(
                [(1,) * (_nd + 1), "same", np.ones(_nd)])),
        st.just(_fcall(_op, _fn, ones((1, 2) + _sp), ones((2, 2) + (3,) * _nd), padding=3)),
        st.just(_fcall(_op, _fn, ones((1, 2) + _sp), ones((2, 2) + (3,) * _nd), stride=2,
                       output_padding=2)),
        st.builds((lambda o, f, sp: lambda g: _fcall(o, f, ones((1, 2) + sp),
                                                      ones((2, 2) + (3,) * len(sp)), groups=g))(
            _op, _fn, _sp), st.sampled_from([0, -1, 3, 2.0, (1,), "a"])),
        st.builds((lambda o, f, sp: lambda b: _fcall(o, f, ones((1, 2) + sp),
                                                      ones((2, 2) + (3,) * len(sp)), b))(
            _op, _fn, _sp), st.sampled_from([ag.ones(3), "b"])),
    ])
for _op in ("max_pool1d", "avg_pool1d"):
    _fn = getattr(F, _op)
    _f(_op, [
        st.builds((lambda o, f: lambda x: _fcall(o, f, x, 2))(_op, _fn),
                  _POOL_1D | NON_TENSORS | st.just(ag.ones(1, 1, 4, dtype=np.bool_))
                  | (INT_TENSORS if _op == "avg_pool1d" else st.nothing())),
        st.builds((lambda o, f: lambda k, v: _fcall(o, f, ones((1, 1, 4)), 2, **{k: v}))(
            _op, _fn), st.sampled_from(["stride", "padding"]), size_args(low=1).filter(
                lambda v: v not in (None, 0) and _not_one_element_list(v)) | st.just((1, 1))),
        st.builds((lambda o, f: lambda k: _fcall(o, f, ones((1, 1, 4)), k))(_op, _fn),
                  KERNEL_1D | st.integers(5, 9)),
        st.just(_fcall(_op, _fn, ones((1, 1, 4)), 2, padding=2)),
    ])
_f("max_pool1d(return_indices)", [st.builds(
    lambda r: _fcall("max_pool1d", F.max_pool1d, ones((1, 1, 4)), 2, return_indices=r),
    FLAG_VALUES)])
for _op, _nd in (("adaptive_avg_pool1d", 1), ("adaptive_avg_pool2d", 2),
                 ("adaptive_max_pool2d", 2)):
    _fn = getattr(F, _op)
    _f(_op, [
        st.builds((lambda o, f: lambda x: _fcall(o, f, x, 2))(_op, _fn),
                  st.sampled_from([ag.ones(4), ag.ones(1, 1, 1, 4, 4)[..., :_nd]])
                  | INT_TENSORS | NON_TENSORS),
        st.builds((lambda o, f, nd: lambda v: _fcall(o, f, ones((1, 1) + (4,) * nd), v))(
            _op, _fn, _nd), size_args().filter(
                lambda v, nd=_nd: v is not None and (nd > 1 or _not_one_element_list(v)))
            | st.sampled_from([(2,) * (_nd + 1), (-1,) * _nd, "a"])),
    ])
_f("max_pool2d(return_indices)", [st.builds(
    lambda r: _fcall("max_pool2d", F.max_pool2d, ones((1, 1, 4, 4)), 2, return_indices=r),
    FLAG_VALUES)])
_f("adaptive_max_pool2d(return_indices)", [st.builds(
    lambda r: _fcall("adaptive_max_pool2d", F.adaptive_max_pool2d, ones((1, 1, 4, 4)), 2,
                     return_indices=r), FLAG_VALUES)])
_UNPOOL_INDEX = ag.zeros((1, 1, 2, 2), dtype=np.int64)
BAD["nn.MaxUnpool2d.forward"] = lambda name: st.one_of(
    st.builds(lambda x: Bad(f"MaxUnpool2d(2)({desc(x)}, indices)",
                            lambda: nn.MaxUnpool2d(2)(x, _UNPOOL_INDEX), ("max_unpool2d",)),
              st.sampled_from([ag.ones(2), ag.ones(1, 1, 1, 2, 2), ag.ones(1, 1, 2, 3)])),
    st.builds(lambda o: Bad(f"MaxUnpool2d(2)(x, indices, output_size={desc(o)})",
                            lambda: nn.MaxUnpool2d(2)(ones((1, 1, 2, 2)), _UNPOOL_INDEX, o),
                            ("max_unpool2d",)), st.sampled_from([(6, 6), (4,), "a"])))
_f("max_unpool2d", [
    st.builds(lambda x: _fcall("max_unpool2d", F.max_unpool2d, x, _UNPOOL_INDEX, 2),
              st.sampled_from([ag.ones(2), ag.ones(1, 1, 1, 2, 2)]) | INT_TENSORS
              | NON_TENSORS),
    st.builds(lambda i: _fcall("max_unpool2d", F.max_unpool2d, ones((1, 1, 2, 2)), i, 2),
              st.sampled_from([ag.zeros((1, 1, 2, 2)), ag.zeros((1, 1, 2, 1), dtype=np.int64),
                               ag.tensor(np.full((1, 1, 2, 2), 16)),
                               ag.tensor(np.full((1, 1, 2, 2), -1)), "i"])),
    st.builds(lambda o: _fcall("max_unpool2d", F.max_unpool2d, ones((1, 1, 2, 2)),
                               _UNPOOL_INDEX, 2, output_size=o),
              st.sampled_from([(6, 6), (2, 4), (4,), 4, "a", (4.0, 4), (1, 1, 4, 4, 4)])),
    st.builds(lambda k, v: _fcall("max_unpool2d", F.max_unpool2d, ones((1, 1, 2, 2)),
                                  _UNPOOL_INDEX, 2, **{k: v}),
              st.sampled_from(["stride", "padding"]),
              size_args(low=1).filter(lambda v: v not in (None, 0)) | st.just((1, 2, 3))),
])


# ----------------------------------------------------------------------------------------
# nn.Module API


def _mlp() -> nn.Module:
    return _prime(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)))


@bad("nn.Module.__setattr__")
def _module_setattr(name):
    def run(attr, v):
        m = _mlp()
        return Bad(f"{attr} = {desc(v)}", lambda: setattr(m[0], attr, v),
                   ("parameter", "buffer", "module"), watch=(m,))
    return st.one_of(
        st.builds(run, st.sampled_from(["weight", "bias"]),
                  st.sampled_from([np.ones((4, 3)), ag.ones(4, 3), [1.0], 3.0, "w"])),
        st.builds(lambda v: Bad(f"BatchNorm running_mean = {desc(v)}",
                                lambda: setattr(nn.BatchNorm1d(2), "running_mean", v),
                                ("buffer",)), st.sampled_from([np.zeros(2), [0.0, 0.0], "x"])),
    )


@bad("nn.Module.load_state_dict")
def _load_state_dict(name):
    def run(label, change):
        m = _mlp()
        sd = {k: v.numpy().copy() for k, v in m.state_dict().items()}
        change(sd)
        return Bad(label, lambda: m.load_state_dict(sd), ("state_dict",), watch=(m,),
                   multiline=True)

    def reshape(key):
        return lambda sd: sd.__setitem__(key, np.ones(sd[key].shape + (2,)))

    return st.one_of(
        st.builds(lambda k: run(f"wrong shape for {k}", reshape(k)),
                  st.sampled_from(["0.weight", "0.bias", "1.running_mean", "2.weight"])),
        st.builds(lambda k: run(f"missing {k}", lambda sd: sd.pop(k)),
                  st.sampled_from(["0.weight", "1.running_var", "2.bias"])),
        st.builds(lambda k: run(f"unexpected {k}", lambda sd: sd.__setitem__(k, np.ones(2))),
                  st.sampled_from(["3.weight", "extra", "0.weight2"])),
        st.builds(lambda v: run(f"0.weight = {desc(v)}",
                                lambda sd: sd.__setitem__("0.weight", v)),
                  st.sampled_from([np.array([["a"] * 3] * 4), [[1.0], [1.0, 2.0]], None, "w",
                                   np.ones((4, 3), complex)])),
        st.builds(lambda v, m: Bad(f"state_dict {desc(v)}", lambda: m.load_state_dict(v),
                                   ("load_state_dict",), watch=(m,)),
                  st.sampled_from([None, [1, 2], "sd", 3]), st.builds(_mlp)),
    )


@bad("nn.Module.to", "nn.Module.train", "nn.Module.register_buffer", "nn.Module.add_module",
     "nn.Module.apply", "nn.Module.register_forward_hook", "nn.Module.register_forward_pre_hook",
     "nn.Module.register_full_backward_hook", "nn.Module.register_parameter")
def _module_methods(name):
    method = name.split(".")[2]
    values = {
        "to": (NON_FLOAT_DTYPES, ("Module.to", "dtype")),
        "train": (FLAG_VALUES, ("training",)),
        "apply": (st.sampled_from([None, 3, "f"]), ("apply",)),
        "register_forward_hook": (st.sampled_from([None, 3, "f"]), ("hook",)),
        "register_forward_pre_hook": (st.sampled_from([None, 3, "f"]), ("hook",)),
        "register_full_backward_hook": (st.sampled_from([None, 3, "f"]), ("hook",)),
        "register_buffer": (st.sampled_from([("b", np.ones(2)), ("b", [1.0]), (3, ag.ones(2))]),
                            ("buffer",)),
        "register_parameter": (st.sampled_from([("p", np.ones(2)), ("p", ag.ones(2)),
                                                (3, nn.Parameter(np.ones(2)))]),
                               ("parameter",)),
        "add_module": (st.sampled_from([("m", 3), ("m", "relu"), (3, nn.ReLU())]),
                       ("module", "Module")),
    }[method]

    def run(v):
        m = _mlp()
        args = v if isinstance(v, tuple) else (v,)
        return Bad(f"{method}{desc(args)}", lambda: getattr(m, method)(*args), values[1],
                   watch=(m,))
    return st.builds(run, values[0])


@bad("nn.Sequential.__getitem__", "nn.ModuleList.__getitem__")
def _sequence_index(name):
    cls = nn.Sequential if "Sequential" in name else nn.ModuleList
    return st.builds(lambda i: Bad(f"[{desc(i)}]", lambda: cls([nn.ReLU(), nn.Tanh()])[i]
                                   if cls is nn.ModuleList
                                   else cls(nn.ReLU(), nn.Tanh())[i], (cls.__name__,)),
                     st.integers(2, 9) | st.integers(-9, -3) | st.sampled_from(
                         ["0", 1.0, None, (0,)]))


# ----------------------------------------------------------------------------------------
# Optimizers and schedulers

OPTIMIZERS = {"SGD": optim.SGD, "Adam": optim.Adam, "AdamW": optim.AdamW,
              "RMSprop": optim.RMSprop, "Adagrad": optim.Adagrad, "Adadelta": optim.Adadelta}
HYPER = {  # optimizer -> {hyperparameter: strategy of bad values}
    "SGD": dict(lr=real_args(low=0), momentum=real_args(low=0),
                dampening=st.one_of(NOT_REALS.filter(lambda v: v is not None), NON_FINITE),
                weight_decay=real_args(low=0), nesterov=FLAG_VALUES, maximize=FLAG_VALUES),
    "Adam": dict(lr=real_args(low=0), eps=real_args(low=0), weight_decay=real_args(low=0),
                 amsgrad=FLAG_VALUES, maximize=FLAG_VALUES),
    "RMSprop": dict(lr=real_args(low=0), alpha=real_args(low=0, high=1), eps=real_args(low=0),
                    weight_decay=real_args(low=0), momentum=real_args(low=0),
                    centered=FLAG_VALUES),
    "Adagrad": dict(lr=real_args(low=0), lr_decay=real_args(low=0),
                    weight_decay=real_args(low=0), eps=real_args(low=0),
                    initial_accumulator_value=real_args(low=0)),
    "Adadelta": dict(lr=real_args(low=0), rho=real_args(low=0, high=1), eps=real_args(low=0),
                     weight_decay=real_args(low=0)),
}
HYPER["AdamW"] = HYPER["Adam"]
BETAS = st.one_of(
    st.tuples(st.floats(1.0, 1e6) | st.floats(-1e6, -1e-9) | NON_FINITE, st.floats(0, 0.99)),
    st.tuples(st.floats(0, 0.99), st.floats(1.0, 1e6) | st.floats(-1e6, -1e-9) | NON_FINITE),
    st.sampled_from([0.9, (0.9,), (0.9, 0.99, 0.999), "ab", None, (0.9, "a"), (None, 0.9)]))


def _params(n: int = 2) -> list[ag.Tensor]:
    return [ones((3, 2), np.float32, grad=True) for _ in range(n)]


@bad(*(f"optim.{n}()" for n in OPTIMIZERS))
def _optimizer_ctor(name):
    cls_name = name.split(".")[1][:-2]
    cls = OPTIMIZERS[cls_name]
    names = (cls_name,)
    hyper = dict(HYPER[cls_name])
    if cls_name in ("Adam", "AdamW"):
        hyper["betas"] = BETAS

    def with_hyper(arg, v):
        ps = _params()
        return Bad(f"{arg}={desc(v)}", lambda: cls(ps, **{arg: v}), names, watch=tuple(ps))

    def with_params(label, make):
        ps = _params()
        return Bad(label, lambda: cls(make(ps)), names, watch=tuple(ps))

    w = _params(1)[0]
    return st.one_of(
        st.sampled_from(sorted(hyper)).flatmap(lambda a: hyper[a].map(
            lambda v: with_hyper(a, v))),
        st.sampled_from([
            with_params("empty list", lambda ps: []),
            with_params("empty generator", lambda ps: iter([])),
            with_params("single Tensor", lambda ps: ps[0]),
            with_params("a dict", lambda ps: {"params": ps}),
            with_params("None", lambda ps: None),
            with_params("an int", lambda ps: 3),
            with_params("a string in the list", lambda ps: ps + ["w"]),
            with_params("an ndarray in the list", lambda ps: ps + [np.ones(2)]),
            with_params("a non-leaf", lambda ps: [ps[0] * 2]),
            with_params("an int tensor", lambda ps: [ag.tensor([1, 2])]),
            with_params("the same parameter twice", lambda ps: [ps[0], ps[1], ps[0]]),
            with_params("duplicate across groups", lambda ps: [{"params": ps},
                                                              {"params": [ps[1]]}]),
            with_params("group and tensor mixed", lambda ps: [{"params": [ps[0]]}, ps[1]]),
            with_params("group without params", lambda ps: [{"lr": 0.1}]),
            with_params("group with empty params", lambda ps: [{"params": []}]),
            with_params("group with negative lr", lambda ps: [{"params": ps, "lr": -1.0}]),
        ]),
        st.just(Bad("group params not tensors", lambda: cls([{"params": 3}]), names,
                    watch=(w,))),
    )


def _optimizer_with_state(cls_name: str) -> tuple[optim.Optimizer, list[ag.Tensor]]:
    ps = _params()
    opt = OPTIMIZERS[cls_name](ps, lr=0.1)
    opt.step()
    for p in ps:
        p.grad = ag.tensor(np.full(p.shape, 0.5, np.float32))
    return opt, ps


@bad(*(f"optim.{n}.{m}" for n in OPTIMIZERS
       for m in ("add_param_group", "load_state_dict", "step")))
def _optimizer_methods(name):
    cls_name, method = name.split(".")[1:]

    def run(label, call):
        opt, ps = _optimizer_with_state(cls_name)
        return Bad(f"{method} {label}", lambda: call(opt, ps), (cls_name,), watch=(opt, *ps))

    if method == "add_param_group":
        return st.sampled_from([
            run("duplicate", lambda o, ps: o.add_param_group({"params": [ps[0]]})),
            run("negative lr", lambda o, ps: o.add_param_group(
                {"params": _params(1), "lr": -0.5})),
            run("nan lr", lambda o, ps: o.add_param_group({"params": _params(1),
                                                           "lr": float("nan")})),
            run("string lr", lambda o, ps: o.add_param_group({"params": _params(1),
                                                              "lr": "0.1"})),
            run("not a dict", lambda o, ps: o.add_param_group(_params(1))),
            run("no params", lambda o, ps: o.add_param_group({"lr": 0.1})),
            run("empty params", lambda o, ps: o.add_param_group({"params": []})),
        ])
    if method == "load_state_dict":
        def edited(change):
            def call(o, ps):
                sd = o.state_dict()
                change(sd)
                o.load_state_dict(sd)
            return call

        first_state = {"SGD": None}.get(cls_name, "step")
        cases = [
            run("None", lambda o, ps: o.load_state_dict(None)),
            run("no groups", edited(lambda sd: sd.pop("param_groups"))),
            run("groups None", edited(lambda sd: sd.__setitem__("param_groups", None))),
            run("state None", edited(lambda sd: sd.__setitem__("state", None))),
            run("two groups", edited(lambda sd: sd["param_groups"].append(
                dict(sd["param_groups"][0])))),
            run("group without params", edited(lambda sd: sd["param_groups"][0].pop("params"))),
            run("negative lr", edited(lambda sd: sd["param_groups"][0].__setitem__("lr", -1.0))),
            run("unknown parameter", edited(lambda sd: sd["state"].__setitem__(7, {}))),
        ]
        if first_state:
            cases += [
                run("state of wrong shape", edited(lambda sd: [
                    s.__setitem__(k, np.ones(9)) for s in sd["state"].values()
                    for k in list(s) if k != "step"])),
                run("string state", edited(lambda sd: [
                    s.__setitem__(k, "x") for s in sd["state"].values()
                    for k in list(s) if k != "step"])),
            ]
        return st.sampled_from(cases)

    def wrong_grad(shape):
        opt, ps = _optimizer_with_state(cls_name)
        ps[1].grad = ag.ones(*shape)  # the first parameter's gradient is fine
        return Bad(f"step with a grad of shape {shape}", opt.step, (cls_name,),
                   watch=(opt, *ps))
    return st.one_of(
        shapes().filter(lambda s: s != (3, 2)).map(wrong_grad),
        st.sampled_from([run("closure 3", lambda o, ps: o.step(3)),
                         run("closure 'f'", lambda o, ps: o.step("f"))]),
    )


SCHEDULERS = {
    "StepLR": (S.StepLR, dict(step_size=2),
               dict(step_size=size_args(low=1), gamma=real_args(low=0),
                    last_epoch=st.one_of(NOT_INTS, st.integers(-9, -2)))),
    "MultiStepLR": (S.MultiStepLR, dict(milestones=[2, 4]),
                    dict(milestones=st.sampled_from([None, 3, "ab", [1.5], [-1], [1, "a"]]),
                         gamma=real_args(low=0))),
    "ExponentialLR": (S.ExponentialLR, dict(gamma=0.9), dict(gamma=real_args(low=0))),
    "CosineAnnealingLR": (S.CosineAnnealingLR, dict(T_max=10),
                          dict(T_max=size_args(low=1), eta_min=real_args(low=0))),
    "LambdaLR": (S.LambdaLR, dict(lr_lambda=lambda e: 0.9 ** e),
                 dict(lr_lambda=st.sampled_from([None, 0.5, "f", [abs, 3],
                                                 [abs, abs, abs]]))),
    "ReduceLROnPlateau": (S.ReduceLROnPlateau, dict(),
                          dict(mode=st.sampled_from(["minimum", None, 1]),
                               factor=real_args(low=0, high=1, high_open=True),
                               patience=size_args(), cooldown=size_args(),
                               threshold=real_args(low=0),
                               threshold_mode=st.sampled_from(["relative", None]),
                               min_lr=st.one_of(real_args(low=0).filter(
                                   lambda v: not isinstance(v, (list, tuple))),
                                   st.just([0.1, 0.2])),
                               eps=real_args(low=0))),
}


@bad(*(f"lr_scheduler.{n}()" for n in SCHEDULERS))
def _scheduler_ctor(name):
    cls_name = name.split(".")[1][:-2]
    cls, good, bad_args = SCHEDULERS[cls_name]

    def run(arg, v):
        opt, ps = _optimizer_with_state("SGD")
        return Bad(f"{arg}={desc(v)}", lambda: cls(opt, **{**good, arg: v}), (cls_name,),
                   watch=(opt,))

    def not_optimizer(v):
        return Bad(f"optimizer={desc(v)}", lambda: cls(v, **good), (cls_name,))
    return st.one_of(
        st.sampled_from(sorted(bad_args)).flatmap(lambda a: bad_args[a].map(
            lambda v: run(a, v))),
        st.builds(not_optimizer, st.sampled_from([None, [ag.ones(2)], nn.Linear(2, 2)])),
    )


@bad("lr_scheduler.ReduceLROnPlateau.step")
def _plateau_step(name):
    def run(v):
        opt, ps = _optimizer_with_state("SGD")
        sched = S.ReduceLROnPlateau(opt)
        sched.step(1.0)
        return Bad(f"metric {desc(v)}", lambda: sched.step(v), ("ReduceLROnPlateau",),
                   watch=(sched,))
    return st.builds(run, st.sampled_from([None, "0.5", [0.5], 1 + 1j, ag.ones(3), np.ones(2),
                                           object()]))


# ----------------------------------------------------------------------------------------
# Data loading and preprocessing


def _dataset(n: int = 6) -> D.TensorDataset:
    return D.TensorDataset(ones((n, 2)), ag.arange(n))


@bad("data.DataLoader")
def _dataloader(name):
    def run(label, **kw):
        kw.setdefault("dataset", _dataset())
        return Bad(label, lambda: D.DataLoader(**kw), ("DataLoader",))
    return st.one_of(
        st.builds(lambda b: run(f"batch_size={desc(b)}", batch_size=b), size_args(low=1)),
        st.builds(lambda v: run(f"dataset={desc(v)}", dataset=v),
                  st.sampled_from([None, 3, 2.5, "abcdef", b"xy", object(), print])),
        st.builds(lambda k, v: run(f"{k}={desc(v)}", **{k: v}),
                  st.sampled_from(["shuffle", "drop_last"]), FLAG_VALUES),
        st.builds(lambda v: run(f"generator={desc(v)}", shuffle=True, generator=v),
                  st.sampled_from([3, "rng", np.random.RandomState(0), object()])),
        st.builds(lambda v: run(f"collate_fn={desc(v)}", collate_fn=v),
                  st.sampled_from([3, "stack", [print]])),
    )


@bad("data.TensorDataset")
def _tensor_dataset(name):
    return st.one_of(
        st.builds(lambda ns: Bad(f"lengths {ns}",
                                 lambda: D.TensorDataset(*(ones((n, 2)) for n in ns)),
                                 ("TensorDataset",)),
                  st.lists(st.integers(1, 6), min_size=2, max_size=3).filter(
                      lambda ns: len(set(ns)) > 1)),
        st.builds(lambda v: Bad(f"tensor {desc(v)}", lambda: D.TensorDataset(ones((3,)), v),
                                ("TensorDataset",)),
                  st.one_of(BAD_DATA, st.floats(-3, 3), st.just(ag.tensor(1.0)))),
        st.just(Bad("nothing", lambda: D.TensorDataset(), ("TensorDataset",))),
    )


@bad("data.TensorDataset.__getitem__", "data.Subset.__getitem__")
def _dataset_getitem(name):
    def make():
        ds = _dataset(6)
        return ds if "TensorDataset" in name else D.Subset(ds, [0, 2, 4])
    op = "TensorDataset" if "TensorDataset" in name else "Subset"
    return st.builds(lambda i: Bad(f"[{desc(i)}]", lambda: make()[i], (op,)),
                     st.integers(6, 99) | st.integers(-99, -7) | st.sampled_from(
                         ["0", 1.5, None, object()]))


@bad("data.Subset")
def _subset(name):
    return st.one_of(
        st.builds(lambda i: Bad(f"indices {desc(i)}", lambda: D.Subset(_dataset(6), i),
                                ("Subset",)),
                  st.one_of(st.lists(st.integers(6, 99), min_size=1, max_size=3),
                            st.lists(st.integers(-99, -7), min_size=1, max_size=3),
                            st.sampled_from([[0.5], 1.5, "ab", None, [[1, 2], [3]], [0, "a"],
                                             [1 + 1j]]))),
        st.builds(lambda v: Bad(f"dataset {desc(v)}", lambda: D.Subset(v, [0]), ("Subset",)),
                  st.sampled_from([None, 3, "abc"])),
    )


@bad("data.random_split")
def _random_split(name):
    def run(v):
        ds = _dataset(6)
        return Bad(f"lengths {desc(v)}", lambda: D.random_split(ds, v), ("random_split",))
    return st.builds(run, st.one_of(
        st.lists(st.integers(0, 9), min_size=1, max_size=3).filter(lambda ls: sum(ls) != 6),
        st.lists(st.floats(0.01, 0.99), min_size=2, max_size=3).filter(
            lambda fs: not math.isclose(sum(fs), 1.0)),
        st.sampled_from([[], None, 6, "ab", [3, -3, 6], [3, "3"], [True, 5], [float("nan")]])))


@bad("data.default_collate")
def _default_collate(name):
    return st.builds(lambda v: Bad(f"samples {desc(v)}", lambda: D.default_collate(v),
                                   ("default_collate", "stack")),
                     st.sampled_from([[], None, ["a", "b"], [object()], [ag.ones(2), ag.ones(3)],
                                      [(ag.ones(2), 1), (ag.ones(2),)]]))


@bad("data.minmax_scale", "data.standardize")
def _preprocessing(name):
    op = name.split(".")[1]
    fn = getattr(D, op)
    cases = [
        st.builds(lambda v: Bad(f"data {desc(v)}", lambda: fn(v), (op,)),
                  st.one_of(GARBAGE_DATA, st.floats(-3, 3))),
        st.builds(lambda a: Bad(f"axis {desc(a)}", lambda: fn(np.ones((3, 2)), axis=a), (op,)),
                  st.integers(2, 9) | st.integers(-9, -3) | BAD_AXES),
        st.builds(lambda v: Bad(f"stats {desc(v)}", lambda: fn(np.ones((3, 2)), stats=v),
                                (op,)),
                  st.sampled_from([(np.ones(3), np.ones(3)), (np.ones(2),), ("a", "b"),
                                   (np.ones(2), None), 5, (np.ones((4, 4)), np.ones(2))])),
    ]
    if op == "minmax_scale":
        cases.append(st.builds(lambda lo, hi: Bad(f"feature_range ({lo}, {hi})",
                                                  lambda: fn(np.ones((3, 2)), (lo, hi)), (op,)),
                               st.floats(-9, 9), st.floats(-9, 9)).filter(
                                   lambda b: "nan" not in b.label and not _increasing(b.label)))
    return st.one_of(cases)


def _increasing(label: str) -> bool:
    lo, hi = (float(v) for v in label.split("(")[1].rstrip(")").split(", "))
    return lo < hi


# ----------------------------------------------------------------------------------------
# nn.utils, nn.init, nn.save / nn.load


@bad("utils.clip_grad_norm_", "utils.clip_grad_value_")
def _clipping(name):
    op = name.split(".")[1]
    fn = getattr(U, op)

    def run(label, *args):
        ps = [ones((2, 2), grad=True), ones((3,), grad=True)]
        return Bad(label, lambda: fn(ps if args[0] is None else args[0], *args[1:]), (op,),
                   watch=tuple(ps))
    cases = [
        st.builds(lambda v: run(f"limit {desc(v)}", None, v),
                  st.one_of(NOT_REALS, st.floats(-1e6, -1e-9), st.just(float("nan")))),
        st.builds(lambda v: run(f"parameters {desc(v)}", v, 1.0),
                  st.sampled_from([3, 1.5, [ag.ones(2), "w"], [np.ones(2)], object()])),
    ]
    if op == "clip_grad_norm_":
        cases.append(st.builds(lambda v: run(f"norm_type {desc(v)}", None, 1.0, v),
                               st.sampled_from(["two", None, float("nan"), [2], "INF"])))
    return st.one_of(cases)


@bad("utils.GradientMonitor")
def _gradient_monitor(name):
    def run(label, model, **kw):
        thresholds = U.Thresholds()
        return Bad(label, lambda: U.GradientMonitor(model, thresholds, **kw),
                   ("GradientMonitor",), watch=(model, thresholds))
    return st.one_of(
        st.builds(lambda v: Bad(f"model {desc(v)}", lambda: U.GradientMonitor(v),
                                ("GradientMonitor",)),
                  st.sampled_from([None, lambda x: x, ag.ones(2), [nn.Linear(2, 2)]])),
        st.builds(lambda k, v: run(f"{k}={desc(v)}", nn.Linear(2, 2), **{k: v}),
                  st.sampled_from(["dead_fraction", "exploding_norm", "bogus"]),
                  st.one_of(NOT_REALS, st.floats(-9, -0.1))),
        st.builds(lambda v, m: Bad(f"thresholds={desc(v)}",
                                   lambda: U.GradientMonitor(m, thresholds=v),
                                   ("GradientMonitor",), watch=(m,)),
                  st.sampled_from([{"dead_fraction": 0.1}, 0.5, "strict"]),
                  st.builds(lambda: nn.Linear(2, 2))),
    )


INITS = ["uniform_", "normal_", "constant_", "zeros_", "ones_", "xavier_uniform_",
         "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "lecun_normal_"]
INIT_ARGS = {  # init -> {keyword: bad values}
    "uniform_": dict(a=NOT_REALS | NON_FINITE, b=NOT_REALS | NON_FINITE),
    "normal_": dict(mean=NOT_REALS | NON_FINITE, std=real_args(low=0)),
    "constant_": dict(val=NOT_REALS.filter(lambda v: not isinstance(v, bool))
                      | st.just(float("nan"))),
    "xavier_uniform_": dict(gain=real_args(low=0)),
    "xavier_normal_": dict(gain=real_args(low=0)),
    "kaiming_uniform_": dict(a=NOT_REALS | NON_FINITE, mode=st.sampled_from(["in", None, 1]),
                             nonlinearity=st.sampled_from(["swish", None, 3])),
    "kaiming_normal_": dict(a=NOT_REALS | NON_FINITE, mode=st.sampled_from(["fan", None]),
                            nonlinearity=st.sampled_from(["swish", None])),
}


@bad(*(f"init.{n}" for n in INITS), "init.calculate_gain")
def _init(name):
    op = name.split(".")[1]
    if op == "calculate_gain":
        return st.one_of(
            st.builds(lambda v: Bad(f"nonlinearity {desc(v)}", lambda: init.calculate_gain(v),
                                    ("calculate_gain",)),
                      st.sampled_from(["swish", None, 3, "ReLU"])),
            st.builds(lambda v: Bad(f"param {desc(v)}",
                                    lambda: init.calculate_gain("leaky_relu", v),
                                    ("calculate_gain",)), st.sampled_from(["0.1", [0.1]])))
    fn = getattr(init, op)
    random_fill = op not in ("constant_", "zeros_", "ones_")
    fans = op.startswith(("xavier", "kaiming", "lecun"))
    args = {"constant_": (0.5,)}.get(op, ())

    def run(t, **kw):
        return Bad(f"{desc(t)} {kw and desc(list(kw.values()))} {sorted(kw)}",
                   lambda: fn(t, *(() if kw else args), **kw), (op,),
                   watch=(t,) if isinstance(t, ag.Tensor) else ())
    targets = [st.sampled_from([None, np.ones((2, 2)), [[1.0]], "w"])]
    if random_fill:
        targets.append(shapes(min_dims=2).map(lambda s: ag.tensor(np.ones(s, np.int64))))
    if fans:
        targets.append(shapes(max_dims=1, min_dims=0).map(lambda s: ones(s)))
    cases = [st.one_of(targets).map(run)]
    for key, values in INIT_ARGS.get(op, {}).items():
        cases.append(values.map((lambda k: lambda v: run(ones((3, 2)), **{k: v}))(key)))
    if op == "uniform_":
        cases.append(st.builds(lambda a, b: run(ones((3,)), a=max(a, b) + 1, b=min(a, b)),
                               st.floats(-9, 9), st.floats(-9, 9)))
    return st.one_of(cases)


@bad("nn.save", "nn.load")
def _save_load(name):
    path = os.path.join(tempfile.gettempdir(), "autograd_lite_bad_input.npz")
    if name == "nn.load":
        with open(path + ".txt", "w") as f:
            f.write("not a state dict")
        return st.builds(lambda p: Bad(f"path {desc(p)}", lambda: nn.load(p), ("nn.load",)),
                         st.sampled_from([None, 3, [path], path + ".txt"]))
    good = {"w": np.ones(2)}
    return st.one_of(
        st.builds(lambda sd: Bad(f"state dict {desc(sd)}", lambda: nn.save(sd, path),
                                 ("nn.save",)),
                  st.sampled_from([None, [np.ones(2)], nn.Linear(2, 2), {3: np.ones(2)},
                                   {"": np.ones(2)}, {"w": "abc"}, {"w": [[1.0], [1.0, 2.0]]},
                                   {"w": object()}, {"w": np.array([1 + 1j])}])),
        st.builds(lambda p: Bad(f"path {desc(p)}", lambda: nn.save(good, p), ("nn.save",)),
                  st.sampled_from([None, 3, [path]])),
    )


# ----------------------------------------------------------------------------------------
# Task "torch namespace" (issue 14): devices, generators, the random factories, Tensor.to,
# the random in-place fills, Module.to/cuda/requires_grad_; device= and generator= cases
# added to the factories and initializers that already had entries.

NOT_DEVICES = st.sampled_from([
    "cuda", "cuda:0", "mps", "meta", "xpu", 0, 1, np.int64(2), "gpu", "CPU", " cpu", "cpu:",
    "cpu:x", "cpu:-1", "", 1.5, [0], ("cpu",), object(), b"cpu", True,
])
NOT_GENERATORS = st.sampled_from([3, "rng", np.random.RandomState(0), object(), [1],
                                  np.random.PCG64(0)])


@bad("ag.device", "ag.set_default_device", "ag.Generator")
def _devices(name):
    fn = function_form(name)
    op = name.split(".")[1]
    cases = [st.builds(lambda d: Bad(f"device {desc(d)}", lambda: fn(d), (op,)), NOT_DEVICES)]
    if name == "ag.device":
        cases += [
            st.just(Bad("device None", lambda: ag.device(None), ("device",))),
            st.builds(lambda i: Bad(f"index {desc(i)}", lambda: ag.device("cpu", i), ("device",)),
                      st.one_of(NEGATIVE_INTS, st.sampled_from(["0", 1.5, True, [0]]))),
            st.builds(lambda d, i: Bad(f"{d!r} with index {i}", lambda: ag.device(d, i),
                                       ("device",)),
                      st.sampled_from(["cpu:0", ag.device("cpu")]), st.integers(0, 3)),
        ]
    if name == "ag.Generator":
        g = ag.default_generator()  # the generator the check watches
        cases += [
            st.builds(lambda v: Bad(f"manual_seed({desc(v)})", lambda: g.manual_seed(v),
                                    ("manual_seed",)), size_args()),
            st.builds(lambda v: Bad(f"set_state({desc(v)})", lambda: g.set_state(v),
                                    ("set_state",)),
                      st.sampled_from([None, 5, "state", {}, {"bit_generator": "MT19937"},
                                       {"bit_generator": "PCG64", "state": 3}])),
        ]
    return st.one_of(cases)


@bad("ag.set_rng_state")
def _set_rng_state(name):
    return st.builds(lambda v: Bad(f"state {desc(v)}", lambda: ag.set_rng_state(v),
                                   ("set_state", "set_rng_state")),
                     st.sampled_from([None, 5, "state", {}, [1, 2], {"bit_generator": "PCG64"},
                                      {"bit_generator": "MT19937", "state": {}}]))


def _random_common(fn: Callable, op: str, args: tuple) -> list:
    """generator=, device= and requires_grad= (on an integer result) cases."""
    return [
        st.builds(lambda g: Bad(f"generator={desc(g)}", lambda: fn(*args, generator=g), (op,)),
                  NOT_GENERATORS),
        st.builds(lambda d: Bad(f"device={desc(d)}", lambda: fn(*args, device=d), (op,)),
                  NOT_DEVICES),
        st.just(Bad("requires_grad on int64", lambda: fn(*args, requires_grad=True), (op,))),
    ]


@bad("ag.randint")
def _randint(name):
    return st.one_of(
        *_random_common(ag.randint, "randint", (0, 5, (2,))),
        st.builds(lambda v: Bad(f"high={desc(v)}", lambda: ag.randint(v, (2,)), ("randint",)),
                  NOT_INTS.filter(lambda v: v is not None)),
        st.builds(lambda v: Bad(f"low={desc(v)}", lambda: ag.randint(v, 5, (2,)), ("randint",)),
                  NOT_INTS.filter(lambda v: v is not None)),
        st.builds(lambda a, d: Bad(f"low {a} >= high {a - d}",
                                   lambda: ag.randint(a, a - d, (2,)), ("randint",)),
                  st.integers(-5, 5), st.integers(0, 5)),
        st.builds(lambda v: Bad(f"size {desc(v)}", lambda: ag.randint(0, 5, v), ("randint",)),
                  st.one_of(st.sampled_from([3, None, "ab", 2.0]), _sizes_bad())),
        st.builds(lambda d: Bad(f"dtype={desc(d)}", lambda: ag.randint(5, (2,), dtype=d),
                                ("randint",)),
                  st.one_of(NOT_DTYPES, st.just(bool))),
    )


@bad("ag.randperm")
def _randperm(name):
    return st.one_of(
        *_random_common(ag.randperm, "randperm", (4,)),
        st.builds(lambda n: Bad(f"n={desc(n)}", lambda: ag.randperm(n), ("randperm",)),
                  size_args()),
        st.builds(lambda d: Bad(f"dtype={desc(d)}", lambda: ag.randperm(3, dtype=d),
                                ("randperm",)),
                  st.one_of(NOT_DTYPES, st.just(bool))),
    )


@bad("ag.multinomial")
def _multinomial(name):
    def run(label, w, n=1, **kw):
        return Bad(label, lambda: ag.multinomial(w, n, **kw), ("multinomial",))
    weights = st.sampled_from([
        ag.tensor([1, 2]), ag.tensor([True, False]), ones((2, 2, 2)), ones(()),
        ag.tensor([0.5, -0.1]), ag.tensor([0.0, 0.0]), ag.tensor([[1.0, 1.0], [0.0, 0.0]]),
        ag.tensor([1.0, float("nan")]), ag.tensor([1.0, float("inf")]), ag.zeros(0),
    ])
    return st.one_of(
        st.builds(lambda w: run(f"input {desc(w)}", w), st.one_of(weights, BAD_DATA)),
        st.builds(lambda n: run(f"num_samples={desc(n)}", ones((3,)), n), size_args(low=1)),
        st.builds(lambda n: run(f"{n} samples of 3 without replacement", ones((3,)), n),
                  st.integers(4, 9)),
        st.just(run("2 samples of 1 non-zero weight", ag.tensor([0.0, 1.0, 0.0]), 2)),
        st.builds(lambda f: run(f"replacement={desc(f)}", ones((3,)), 1, replacement=f),
                  NOT_FLAGS),
        st.builds(lambda g: run(f"generator={desc(g)}", ones((3,)), 1, generator=g),
                  NOT_GENERATORS),
    )


@bad("Tensor.to", "nn.Module.to")
def _to(name):
    is_module = name.startswith("nn.")
    op = "Module.to" if is_module else "to"

    def run(label, *args, **kw):
        target = _mlp() if is_module else ones((2, 3), grad=True)
        return Bad(label, lambda: target.to(*args, **kw), (op,), watch=(target,))
    dtypes = NON_FLOAT_DTYPES if is_module else NOT_DTYPES
    return st.one_of(
        st.builds(lambda d: run(f"{desc(d)}", d), dtypes),
        st.builds(lambda d: run(f"dtype={desc(d)}", dtype=d),
                  dtypes.filter(lambda d: d is not None)),
        st.builds(lambda d: run(f"device {desc(d)}", d), NOT_DEVICES),
        st.builds(lambda d: run(f"device={desc(d)}", device=d), NOT_DEVICES),
        st.builds(lambda d: run(f"'cpu', {desc(d)}", "cpu", d), dtypes),
        st.builds(lambda k, f: run(f"{k}={desc(f)}", np.float64, **{k: f}),
                  st.sampled_from(["non_blocking", "copy"]), FLAG_VALUES),
        st.sampled_from([
            run("memory_format=1", memory_format=1), run("5 arguments", "cpu", np.float64,
                                                         False, False, False),
            run("device twice", "cpu", device="cpu"),
            run("dtype twice", np.float64, dtype=np.float64),
            run("a tensor and dtype=", ag.ones(2), dtype=np.float64),
            run("a tensor and device=", ag.ones(2), device="cpu"),
        ]),
    )


@bad("Tensor.cuda", "nn.Module.cuda")
def _cuda(name):
    make = _mlp if name.startswith("nn.") else (lambda: ones((2,), grad=True))

    def run(args):
        target = make()
        return Bad(f"cuda{desc(args)}", lambda: target.cuda(*args), ("cuda",), watch=(target,))
    return st.builds(run, st.sampled_from([(), (0,), ("cuda:0",), (None,)]))


@bad("nn.Module.requires_grad_")
def _module_requires_grad(name):
    def run(v, empty):
        m = nn.ReLU() if empty else _mlp()
        return Bad(f"{desc(v)} on {'a module without parameters' if empty else 'an MLP'}",
                   lambda: m.requires_grad_(v), ("requires_grad_",), watch=(m,))
    return st.builds(run, FLAG_VALUES, st.booleans())


@bad("Tensor.normal_", "Tensor.uniform_")
def _random_fills(name):
    op = name.split(".")[1]
    first, second = ("mean", "std") if op == "normal_" else ("a", "b")

    def run(label, *args, make=lambda: ones((2, 3)), **kw):
        t = make()
        return Bad(label, lambda: getattr(t, op)(*args, **kw), (op,), watch=(t,))

    def leaf():
        return ones((2, 3), grad=True)

    def read_only():
        return ag.ones(3).expand(2, 3)
    cases = [
        st.builds(lambda v: run(f"{first}={desc(v)}", v), real_args()),
        st.builds(lambda g: run(f"generator={desc(g)}", generator=g), NOT_GENERATORS),
        st.sampled_from([
            run("an int64 tensor", make=lambda: ag.tensor([1, 2])),
            run("a bool tensor", make=lambda: ag.tensor([True])),
            run("a leaf that requires grad, in grad mode", make=leaf),
            run("a read-only (expanded) view", make=read_only),
        ]),
    ]
    if op == "normal_":
        cases.append(st.builds(lambda v: run(f"std={desc(v)}", 0.0, v), real_args(low=0)))
    else:
        cases += [st.builds(lambda v: run(f"b={desc(v)}", 0.0, v), real_args()),
                  st.builds(lambda a, d: run(f"a={a} > b={a - d}", a, a - d),
                            st.floats(-5, 5), st.floats(0.01, 5))]
    return st.one_of(cases)


# ----------------------------------------------------------------------------------------
# Task "shape" (issue 16): shape ops and products. Per op: calls with one thing wrong,
# plus garbage data as the input (and as the second operand of the products).

def _m(*shape):
    return ones(shape, grad=True)


SHAPE16_CASES = {  # op -> [(label, call)]
    "flip": [("dim 3 of (2, 2)", lambda: ag.flip(_m(2, 2), 3)),
             ("repeated dims", lambda: ag.flip(_m(2, 2), (0, -2))),
             ("dims 1.5", lambda: ag.flip(_m(2), 1.5)),
             ("dims positional and keyword", lambda: ag.flip(_m(2), 0, dims=0))],
    "roll": [("shifts 1.5", lambda: ag.roll(_m(3), 1.5)),
             ("2 shifts, no dims", lambda: ag.roll(_m(2, 3), (1, 2))),
             ("2 shifts, 1 dim", lambda: ag.roll(_m(2, 3), (1, 2), 0)),
             ("dim 2 of (2, 3)", lambda: ag.roll(_m(2, 3), 1, 2))],
    "repeat": [("fewer sizes than dims", lambda: ag.repeat(_m(2, 3), 2)),
               ("a negative size", lambda: ag.repeat(_m(2), -1)),
               ("size 1.5", lambda: ag.repeat(_m(2), 1.5))],
    "tile": [("a negative size", lambda: ag.tile(_m(2), (-2,))),
             ("dims 'a'", lambda: ag.tile(_m(2), "a")),
             ("dims positional and keyword", lambda: ag.tile(_m(2), 2, dims=(2,)))],
    "repeat_interleave": [
        ("repeats -1", lambda: ag.repeat_interleave(_m(3), -1)),
        ("3 repeats for 2", lambda: ag.repeat_interleave(_m(2), ag.tensor([1, 2, 3]), 0)),
        ("float repeats", lambda: ag.repeat_interleave(_m(2), ag.tensor([1.0, 2.0]), 0)),
        ("2-D repeats", lambda: ag.repeat_interleave(_m(2), ag.tensor([[1, 2]]), 0)),
        ("dim 1 of (2,)", lambda: ag.repeat_interleave(_m(2), 2, 1)),
        ("wrong output_size", lambda: ag.repeat_interleave(_m(2), 2, output_size=3)),
        ("float input alone", lambda: ag.repeat_interleave(_m(2)))],
    "tril": [("1-D", lambda: ag.tril(_m(3))), ("diagonal 0.5", lambda: ag.tril(_m(2, 2), 0.5))],
    "triu": [("0-d", lambda: ag.triu(_m())), ("diagonal None", lambda: ag.triu(_m(2, 2), None))],
    "unflatten": [("sizes not splitting 6", lambda: ag.unflatten(_m(6), 0, (4, 2))),
                  ("two -1", lambda: ag.unflatten(_m(6), 0, (-1, -1))),
                  ("-1 that does not divide", lambda: ag.unflatten(_m(6), 0, (4, -1))),
                  ("sizes 3", lambda: ag.unflatten(_m(6), 0, 3)),
                  ("dim 1 of (6,)", lambda: ag.unflatten(_m(6), 1, (2, 3)))],
    "diag": [("3-D", lambda: ag.diag(_m(2, 2, 2))), ("0-d", lambda: ag.diag(_m())),
             ("diagonal 1.5", lambda: ag.diag(_m(2, 2), 1.5))],
    "diagonal": [("1-D", lambda: ag.diagonal(_m(3))),
                 ("equal dims", lambda: ag.diagonal(_m(2, 2), 0, 1, -1)),
                 ("dim2 3 of (2, 2)", lambda: ag.diagonal(_m(2, 2), 0, 0, 3)),
                 ("offset '1'", lambda: ag.diagonal(_m(2, 2), "1"))],
    "diag_embed": [("0-d", lambda: ag.diag_embed(_m())),
                   ("equal dims", lambda: ag.diag_embed(_m(2), 0, 0, -2)),
                   ("dim1 3 for 2 dims", lambda: ag.diag_embed(_m(2), 0, 3, 1))],
    "movedim": [("repeated source", lambda: ag.movedim(_m(2, 3), (0, 0), (0, 1))),
                ("lengths differ", lambda: ag.movedim(_m(2, 3), (0, 1), 0)),
                ("destination 2 of (2, 3)", lambda: ag.movedim(_m(2, 3), 0, 2)),
                ("source 'a'", lambda: ag.movedim(_m(2, 3), "a", 0))],
    "narrow": [("start + length past the end", lambda: ag.narrow(_m(5), 0, 3, 3)),
               ("start -6 of 5", lambda: ag.narrow(_m(5), 0, -6, 1)),
               ("length -1", lambda: ag.narrow(_m(5), 0, 0, -1)),
               ("start 1.5", lambda: ag.narrow(_m(5), 0, 1.5, 1)),
               ("0-d", lambda: ag.narrow(_m(), 0, 0, 1))],
    "select": [("index 5 of 5", lambda: ag.select(_m(5), 0, 5)),
               ("index -6 of 5", lambda: ag.select(_m(5), 0, -6)),
               ("dim 1 of (5,)", lambda: ag.select(_m(5), 1, 0)),
               ("0-d", lambda: ag.select(_m(), 0, 0))],
    "unbind": [("dim 1 of (2,)", lambda: ag.unbind(_m(2), 1)), ("0-d", lambda: ag.unbind(_m())),
               ("dim None", lambda: ag.unbind(_m(2), None))],
    "meshgrid": [("no tensors", lambda: ag.meshgrid(indexing="ij")),
                 ("a 2-D tensor", lambda: ag.meshgrid(_m(2, 2), indexing="ij")),
                 ("dtypes differ", lambda: ag.meshgrid(_m(2), ag.tensor([1]), indexing="ij")),
                 ("indexing 'ji'", lambda: ag.meshgrid(_m(2), indexing="ji"))],
    "einsum": [("equation 3", lambda: ag.einsum(3, _m(2))),
               ("2 operands named, 1 given", lambda: ag.einsum("i,i", _m(2))),
               ("subscripts for 2 dims of a 1-D", lambda: ag.einsum("ij", _m(2))),
               ("sizes 2 and 3 for i", lambda: ag.einsum("i,i", _m(2), _m(3))),
               ("repeated i of sizes 2, 3", lambda: ag.einsum("ii", _m(2, 3))),
               ("output letter not in inputs", lambda: ag.einsum("i->j", _m(2))),
               ("repeated output letter", lambda: ag.einsum("i->ii", _m(2))),
               ("a digit subscript", lambda: ag.einsum("i1", _m(2, 2))),
               ("no operands", lambda: ag.einsum("i"))],
    "tensordot": [("dims 3 of 2-D", lambda: ag.tensordot(_m(2, 3), _m(3, 2), 3)),
                  ("sizes differ", lambda: ag.tensordot(_m(2, 3), _m(2, 3), 1)),
                  ("dims lists of different lengths",
                   lambda: ag.tensordot(_m(2, 3), _m(3, 2), ([0, 1], [0]))),
                  ("dims 'a'", lambda: ag.tensordot(_m(2), _m(2), "a")),
                  ("dim 5", lambda: ag.tensordot(_m(2), _m(2), ([5], [0])))],
    "inner": [("last dims differ", lambda: ag.inner(_m(2, 3), _m(2)))],
    "outer": [("a 2-D operand", lambda: ag.outer(_m(2, 2), _m(2))),
              ("a 0-d operand", lambda: ag.outer(_m(2), _m()))],
    "kron": [],
    "cross": [("no dim of size 3", lambda: ag.cross(_m(2, 2), _m(2, 2))),
              ("dim of size 2", lambda: ag.cross(_m(3, 2), _m(3, 2), dim=1)),
              ("shapes do not broadcast", lambda: ag.cross(_m(2, 3), _m(4, 3), dim=1)),
              ("ranks differ", lambda: ag.cross(_m(2, 3), _m(3), dim=-1)),
              ("dim 2 of 2-D", lambda: ag.cross(_m(2, 3), _m(2, 3), dim=2))],
    "cdist": [("1-D", lambda: ag.cdist(_m(3), _m(2, 3))),
              ("last dims differ", lambda: ag.cdist(_m(2, 3), _m(2, 4))),
              ("p=-1", lambda: ag.cdist(_m(2, 3), _m(2, 3), p=-1.0)),
              ("p=nan", lambda: ag.cdist(_m(2, 3), _m(2, 3), p=float("nan"))),
              ("int tensors", lambda: ag.cdist(ag.ones(2, 3).long(), ag.ones(2, 3).long())),
              ("batches do not broadcast", lambda: ag.cdist(_m(2, 1, 3), _m(3, 1, 3))),
              ("compute_mode 'fast'", lambda: ag.cdist(_m(2, 3), _m(2, 3), compute_mode="fast"))],
    "atleast_1d": [], "atleast_2d": [], "atleast_3d": [],
}
SHAPE16_NAMES = {"moveaxis": ("moveaxis", "movedim"), "tile": ("tile", "repeat"),
                 "diag": ("diag",), "inner": ("inner", "tensordot"),
                 "tensordot": ("tensordot", "einsum"), "kron": ("kron",)}
SHAPE16_ARGS = {"roll": (1,), "repeat": (2,), "tile": ((2,),), "repeat_interleave": (2,),
                "unflatten": (0, (1, -1)), "narrow": (0, 0, 1), "select": (0, 0),
                "movedim": (0, 0), "moveaxis": (0, 0), "einsum": None, "meshgrid": None}
SHAPE16_PRODUCTS = {"einsum", "tensordot", "inner", "outer", "kron", "cross", "cdist"}
SHAPE16_ARGS.update({n: (ones((2, 3)),) for n in SHAPE16_PRODUCTS - {"einsum"}})
SHAPE16_CASES["moveaxis"] = SHAPE16_CASES["movedim"]


@bad(*(f"ag.{n}" for n in SHAPE16_CASES))
def _shape16(name):
    op = name.split(".")[1]
    fn = function_form(name)
    names = SHAPE16_NAMES.get(op, (op,))
    args = SHAPE16_ARGS.get(op, ())
    cases = [st.builds(lambda v: Bad(f"input {desc(v)}",
                                     lambda: fn(v, *args) if args is not None else
                                     fn("ij", v) if op == "einsum" else
                                     fn(v, indexing="ij"), names),
                       BAD_DATA if op[:7] not in ("atleast", "meshgri") else
                       BAD_DATA.filter(lambda v: not isinstance(v, list)))]  # lists of tensors
    if SHAPE16_CASES[op]:
        cases.append(st.sampled_from([Bad(label, call, names)
                                      for label, call in SHAPE16_CASES[op]]))
    if op in SHAPE16_PRODUCTS and op != "einsum":
        cases.append(st.builds(lambda v: Bad(f"second operand {desc(v)}",
                                             lambda: fn(ones((2, 3)), v), names), BAD_DATA))
    return st.one_of(cases)




# -- issue 16: more indexing ops (gather/scatter/index_*/masked_*/nonzero/take) and factories

_DIM_OPS = {  # op -> good arguments after the tensor (a (2, 3) float32 tensor)
    "gather": lambda: (1, ag.tensor([[0, 2], [1, 1]])),
    "scatter": lambda: (1, ag.tensor([[0, 2], [1, 1]]), ones((2, 2))),
    "scatter_add": lambda: (1, ag.tensor([[0, 2], [1, 1]]), ones((2, 2))),
    "scatter_reduce": lambda: (1, ag.tensor([[0, 2], [1, 1]]), ones((2, 2)), "amax"),
    "index_select": lambda: (1, ag.tensor([0, 2])),
    "index_add": lambda: (1, ag.tensor([0, 2]), ones((2, 2))),
    "index_copy": lambda: (1, ag.tensor([0, 2]), ones((2, 2))),
    "index_fill": lambda: (1, ag.tensor([0, 2]), 1.0),
}
_NOT_INDEX = st.sampled_from([ag.tensor([[0.0, 1.0]]), ag.tensor([[True, False]]), [[0, 1]],
                              None, np.zeros((1, 2)), "0"])


def _issue16_caller(name: str) -> tuple[str, Callable]:
    op = name.split(".")[1]
    if name.startswith("ag."):
        return op, function_form(name)
    return op, lambda t, *a, **k: getattr(t, op)(*a, **k)


@bad(*(f"ag.{n}" for n in _DIM_OPS), *(f"Tensor.{n}_" for n in _DIM_OPS if n not in (
    "gather", "index_select")))
def _issue16_dim_ops(name):
    op, fn = _issue16_caller(name)
    base = op.rstrip("_")
    names = (op, base)

    def run(label, *args, t=None, **kw):
        t = ones((2, 3)) if t is None else t
        return Bad(label, lambda: fn(t, *args, **kw), names, watch=(t,))

    def good():
        return _DIM_OPS[base]()

    def with_arg(k, v):
        args = list(good())
        args[k] = v
        return tuple(args)
    cases = [
        st.builds(lambda d: run(f"dim {desc(d)}", *with_arg(0, d)),
                  st.one_of(out_of_range_axes(2), BAD_AXES)),
        st.builds(lambda i: run(f"index {desc(i)}", *with_arg(1, i)), _NOT_INDEX),
        st.builds(lambda v: run(f"index value {v}", *with_arg(1, ag.tensor(
            [[v, 0], [0, 0]] if base in ("gather", "scatter", "scatter_add", "scatter_reduce")
            else [v, 0]))), st.one_of(st.integers(3, 9), st.integers(-9, -1))),
        st.just(run("0-d tensor", *good(), t=ag.tensor(1.0))),
    ]
    if base in ("gather", "scatter", "scatter_add", "scatter_reduce"):
        cases += [st.sampled_from([
            run("index of 1 dim", *with_arg(1, ag.tensor([0, 1]))),
            run("index larger off dim", *with_arg(1, ag.zeros(3, 1, dtype=np.int64))),
        ])]
    else:
        cases += [st.just(run("2-d index", *with_arg(1, ag.zeros(2, 2, dtype=np.int64))))]
    if base not in ("gather", "index_select", "index_fill"):
        cases += [st.sampled_from([
            run("src of another dtype", *with_arg(2, ones((2, 2), np.float64))),
            run("src too small", *with_arg(2, ones((1, 1)))),
            run("src a list", *with_arg(2, [[1.0, 2.0], [3.0, 4.0]])),
        ] + ([run("src of another shape", *with_arg(2, ones((2, 3))))]
             if base in ("index_add", "index_copy") else []))]
    if base == "index_fill":
        cases += [st.builds(lambda v: run(f"value {desc(v)}", *with_arg(2, v)),
                            st.sampled_from([None, "1", [1.0], ag.ones(2), object()]))]
    if base == "scatter":
        cases += [st.sampled_from([
            run("reduce='max'", *good(), reduce="max"),
            run("src and value", *good(), value=1.0),
            run("src a string", *with_arg(2, "x")),
        ])]
    if base == "scatter_reduce":
        cases += [st.builds(lambda r: run(f"reduce {desc(r)}", *with_arg(3, r)),
                            st.sampled_from(["max", "add", None, 1, "mean "])),
                  st.builds(lambda f: run(f"include_self={desc(f)}", *good(), include_self=f),
                            NOT_FLAGS)]
    if base == "index_add":
        cases += [st.builds(lambda a: run(f"alpha={desc(a)}", *good(), alpha=a), NOT_REALS)]
    if op.endswith("_"):
        cases += [st.builds(lambda s: run("leaf requiring grad", *good(),
                                          t=ones((2, 3), grad=True)), st.just(0))]
    else:
        cases += [st.builds(lambda v: Bad(f"input {desc(v)}", lambda: fn(v, *good()),
                                          names), BAD_DATA)]
    return st.one_of(cases)


@bad("ag.take", "ag.take_along_dim")
def _issue16_take(name):
    op, fn = _issue16_caller(name)

    def run(label, *args):
        t = ones((2, 3))
        return Bad(label, lambda: fn(t, *args), (op,), watch=(t,))
    cases = [
        st.builds(lambda i: run(f"index {desc(i)}", i), _NOT_INDEX),
        st.builds(lambda v: run(f"index value {v}", ag.tensor([[v]])),
                  st.one_of(st.integers(6, 20), st.integers(-20, -7)) if op == "take"
                  else st.integers(6, 20)),
        st.builds(lambda v: Bad(f"input {desc(v)}", lambda: fn(v, ag.tensor([[0]])), (op,)),
                  BAD_DATA),
    ]
    if op == "take_along_dim":
        cases += [
            st.builds(lambda d: run(f"dim {desc(d)}", ag.tensor([[0]]), d),
                      st.one_of(out_of_range_axes(2), BAD_AXES)),
            st.sampled_from([run("indices of 1 dim", ag.tensor([0]), 1),
                             run("indices not broadcasting", ag.zeros(3, 1, dtype=np.int64),
                                 1)]),
        ]
    return st.one_of(cases)


@bad("ag.masked_select", "ag.masked_scatter", "Tensor.masked_scatter_")
def _issue16_masked(name):
    op, fn = _issue16_caller(name)
    extra = () if op == "masked_select" else (ones((6,)),)

    def run(label, mask, *args, t=None):
        t = ones((2, 3)) if t is None else t
        return Bad(label, lambda: fn(t, mask, *args), (op, op.rstrip("_")), watch=(t,))
    cases = [
        st.builds(lambda m: run(f"mask {desc(m)}", m, *extra),
                  st.sampled_from([None, [True, False, True], ag.ones(3), ag.tensor([1, 0, 1]),
                                   np.ones(3), "x"])),
        st.builds(lambda ms: run(f"mask {ms}", ag.tensor(np.ones(ms, bool)), *extra),
                  # (2, 2, 3) broadcasts with (2, 3): valid for masked_select, as torch
                  st.sampled_from([(2,), (4,), (3, 3)] + [(2, 2, 3)] * (op != "masked_select"))),
    ]
    if op != "masked_select":
        mask = ag.tensor(np.ones((2, 3), bool))
        cases += [st.sampled_from([
            run("source too small", mask, ones((5,))),
            run("source of another dtype", mask, ones((6,), np.float64)),
            run("source a list", mask, [1.0] * 6),
        ])]
    if op.endswith("_"):
        cases += [st.just(run("leaf requiring grad", ag.tensor(np.ones((2, 3), bool)), *extra,
                              t=ones((2, 3), grad=True)))]
    else:
        cases += [st.builds(lambda v: Bad(f"input {desc(v)}", lambda: fn(
            v, ag.tensor([True]), *extra), (op,)), BAD_DATA)]
    return st.one_of(cases)


@bad("ag.nonzero")
def _issue16_nonzero(name):
    return st.one_of(
        st.builds(lambda f: Bad(f"as_tuple={desc(f)}", lambda: ag.nonzero(ones((2,)),
                                                                           as_tuple=f),
                                ("nonzero",)), NOT_FLAGS),
        st.builds(lambda v: Bad(f"input {desc(v)}", lambda: ag.nonzero(v), ("nonzero",)),
                  BAD_DATA),
    )


@bad("ag.full_like", "ag.rand_like", "ag.randn_like", "ag.randint_like")
def _issue16_like(name):
    op = name.split(".")[1]
    fn = function_form(name)
    args = {"full_like": (1.0,), "randint_like": (5,)}.get(op, ())
    cases = [
        st.builds(lambda v: Bad(f"input {desc(v)}", lambda: fn(v, *args), (op,)), BAD_DATA),
        st.builds(lambda d: Bad(f"device={desc(d)}", lambda: fn(ones((2,)), *args, device=d),
                                (op,)), NOT_DEVICES),
        st.builds(lambda d: Bad(f"dtype={desc(d)}", lambda: fn(ones((2,)), *args, dtype=d),
                                (op,)), NOT_DTYPES),
    ]
    if op == "full_like":
        cases += [st.builds(lambda v: Bad(f"fill_value {desc(v)}", lambda: fn(ones((2,)), v),
                                          (op,)),
                            st.sampled_from([None, "1", [1.0], ag.ones(2), object()])),
                  st.just(Bad("requires_grad on int64", lambda: fn(ag.tensor([1]), 1,
                                                                   requires_grad=True), (op,)))]
    else:
        cases += [st.builds(lambda g: Bad(f"generator={desc(g)}",
                                          lambda: fn(ones((2,)), *args, generator=g), (op,)),
                            NOT_GENERATORS)]
    if op in ("rand_like", "randn_like"):
        cases += [st.just(Bad("int64 input", lambda: fn(ag.tensor([1, 2])), (op,))),
                  st.just(Bad("dtype=int64", lambda: fn(ones((2,)), dtype=np.int64), (op,)))]
    if op == "randint_like":
        cases += [st.builds(lambda a, d: Bad(f"low {a} >= high {a - d}",
                                             lambda: fn(ones((2,)), a, a - d), (op,)),
                            st.integers(-5, 5), st.integers(0, 5)),
                  st.builds(lambda v: Bad(f"high={desc(v)}", lambda: fn(ones((2,)), v), (op,)),
                            NOT_INTS.filter(lambda v: v is not None))]
    return st.one_of(cases)


@bad("ag.bernoulli", "Tensor.bernoulli_", "ag.poisson")
def _issue16_draws(name):
    op = name.split(".")[1]
    fn = function_form(name) if name.startswith("ag.") else (
        lambda t, *a, **k: t.bernoulli_(*a, **k))
    cases = [
        st.builds(lambda g: Bad(f"generator={desc(g)}", lambda: fn(ones((2,)), generator=g),
                                (op,)), NOT_GENERATORS),
        st.builds(lambda v: Bad(f"input {desc(v)}", lambda: fn(v), (op,)),
                  st.one_of(BAD_DATA, st.sampled_from([ag.tensor([1, 0]),
                                                       ag.tensor([True])]))
                  if op != "bernoulli_" else st.just(ag.ones(3).expand(2, 3))),
        st.builds(lambda v: Bad(f"input {v}", lambda: fn(ag.tensor([0.5, v])), (op,)),
                  st.sampled_from([-0.5, float("nan")] + ([1.5] if op != "poisson" else []))
                  ) if op != "bernoulli_" else st.builds(
            lambda p: Bad(f"p={desc(p)}", lambda: fn(ones((2,)), p), (op,)),
            st.sampled_from([-0.1, 1.5, None, "0.5", float("nan"), ag.tensor([2.0]),
                             ag.tensor([1, 0]), ag.full((3,), 0.5)])),
    ]
    if op == "bernoulli":
        cases += [st.builds(lambda p: Bad(f"p={desc(p)}", lambda: fn(ones((2,)), p), (op,)),
                            st.sampled_from([-0.1, 1.5, "0.5", float("nan")]))]
    if op == "bernoulli_":
        cases += [st.just(Bad("leaf requiring grad", lambda: fn(ones((2,), grad=True), 0.5),
                              (op,)))]
    return st.one_of(cases)


@bad("ag.normal")
def _issue16_normal(name):
    def run(label, *args, **kw):
        return Bad(label, lambda: ag.normal(*args, **kw), ("normal",))
    return st.one_of(
        st.builds(lambda m: run(f"mean={desc(m)}", m, 1.0, (2,)), NOT_REALS | NON_FINITE),
        st.builds(lambda v: run(f"std={desc(v)}", 0.0, v, (2,)),
                  st.one_of(NOT_REALS, NON_FINITE, st.floats(-5, -0.01))),
        st.builds(lambda s: run(f"size {desc(s)}", 0.0, 1.0, s), _sizes_bad()),
        st.sampled_from([
            run("no size", 0.0, 1.0),
            run("int64 mean", ag.tensor([1, 2]), 1.0),
            run("negative std tensor", 0.0, ag.tensor([1.0, -1.0])),
            run("shapes (2,) and (3,)", ag.zeros(2), ag.ones(3)),
            run("size with a tensor mean", ag.zeros(2), 1.0, (2,)),
            run("int dtype", 0.0, 1.0, (2,), dtype=np.int64),
        ]),
        st.builds(lambda g: run(f"generator={desc(g)}", 0.0, 1.0, (2,), generator=g),
                  NOT_GENERATORS),
        st.builds(lambda d: run(f"device={desc(d)}", 0.0, 1.0, (2,), device=d), NOT_DEVICES),
    )


@bad("ag.tril_indices", "ag.triu_indices")
def _issue16_triangle(name):
    op = name.split(".")[1]
    fn = function_form(name)
    return st.one_of(
        st.builds(lambda v: Bad(f"row={desc(v)}", lambda: fn(v, 3), (op,)), size_args()),
        st.builds(lambda v: Bad(f"col={desc(v)}", lambda: fn(3, v), (op,)), size_args()),
        st.builds(lambda v: Bad(f"offset={desc(v)}", lambda: fn(3, 3, v), (op,)),
                  NOT_INTS.filter(lambda v: v is not None)),
        st.builds(lambda d: Bad(f"dtype={desc(d)}", lambda: fn(3, 3, dtype=d), (op,)),
                  st.one_of(NOT_DTYPES, st.sampled_from([np.float32, bool]))),
        st.builds(lambda d: Bad(f"device={desc(d)}", lambda: fn(3, 3, device=d), (op,)),
                  NOT_DEVICES),
    )


def _also(names: tuple[str, ...], extra: Callable[[str], list]) -> None:
    """Add the cases of ``extra(name)`` to the entries already registered for ``names``."""
    for n in names:
        def both(name, old=BAD[n]):
            return st.one_of(old(name), *extra(name))
        BAD[n] = both


def _factory_device_cases(name):
    fn = function_form(name)
    op = name.split(".")[1]
    args = {"ag.tensor": ([1.0],), "ag.full": ((2,), 1.0), "ag.arange": (3,), "ag.eye": (2,)
            }.get(name, (ag.ones(2),) if name.endswith("_like") else (2, 3))
    cases = [st.builds(lambda d: Bad(f"device={desc(d)}", lambda: fn(*args, device=d), (op,)),
                       NOT_DEVICES)]
    if op in ("rand", "randn"):
        cases.append(st.builds(lambda g: Bad(f"generator={desc(g)}",
                                             lambda: fn(2, 3, generator=g), (op,)),
                               NOT_GENERATORS))
    return cases


def _new_factory_device_cases(name):
    op = name.split(".")[1]
    args = {"new_full": ((2,), 1.0), "new_tensor": ([1.0],)}.get(op, (2, 3))

    def run(d):
        x = ones((2,))
        return Bad(f"device={desc(d)}", lambda: getattr(x, op)(*args, device=d), (op,),
                   watch=(x,))
    return [st.builds(run, NOT_DEVICES)]


def _init_generator_cases(name):
    fn = getattr(init, name.split(".")[1])
    op = name.split(".")[1]

    def run(g):
        t = ones((2, 3), grad=True)
        return Bad(f"generator={desc(g)}", lambda: fn(t, generator=g), (op,), watch=(t,))
    return [st.builds(run, NOT_GENERATORS)]


def _generator_data_cases(name):
    return [st.builds(lambda g: Bad(f"generator={desc(g)}",
                                    lambda: D.random_split(_dataset(6), [3, 3], generator=g),
                                    ("random_split",)), NOT_GENERATORS)]


BAD["ag.empty"], BAD["ag.empty_like"] = BAD["ag.zeros"], BAD["ag.zeros_like"]
_also(("ag.tensor", "ag.zeros", "ag.ones", "ag.empty", "ag.full", "ag.zeros_like",
       "ag.ones_like", "ag.empty_like", "ag.arange", "ag.eye", "ag.rand", "ag.randn"),
      _factory_device_cases)
_also(("Tensor.new_zeros", "Tensor.new_ones", "Tensor.new_empty", "Tensor.new_full",
       "Tensor.new_tensor"), _new_factory_device_cases)
_also(("init.uniform_", "init.normal_"), _init_generator_cases)
_also(("data.random_split",), _generator_data_cases)


# ----------------------------------------------------------------------------------------
# Task "nnmisc" (issue 16): group/instance/RMS normalization, Dropout2d/AlphaDropout,
# interpolate/Upsample, Unflatten, scaled_dot_product_attention

_INSTANCE_NORM_ARGS = dict(num_features=COUNTS, eps=EPS, momentum=PROBABILITY.filter(
    lambda v: v is not None), affine=FLAG_VALUES, track_running_stats=FLAG_VALUES,
    bias=FLAG_VALUES, dtype=NON_FLOAT_DTYPES)
_NORMALIZED_SHAPES = st.sampled_from([(3, 0), (2.0,), ("a",), [3, None], 0, -2, "a", None])
_also(("F.layer_norm",), lambda name: [st.just(_fcall("layer_norm", F.layer_norm, ones((2, 3)),
                                                      ()))])
for _name, (_cls, _good, _bad_args) in {
    "nn.GroupNorm": (nn.GroupNorm, dict(num_groups=2, num_channels=4),
                     dict(num_groups=st.one_of(POSITIVE, st.just(3)),
                          num_channels=st.one_of(COUNTS, st.just(5)), eps=EPS,
                          affine=FLAG_VALUES, bias=FLAG_VALUES, dtype=NON_FLOAT_DTYPES)),
    "nn.InstanceNorm1d": (nn.InstanceNorm1d, dict(num_features=3), _INSTANCE_NORM_ARGS),
    "nn.InstanceNorm2d": (nn.InstanceNorm2d, dict(num_features=3), _INSTANCE_NORM_ARGS),
    "nn.RMSNorm": (nn.RMSNorm, dict(normalized_shape=(3,)),
                   dict(normalized_shape=_NORMALIZED_SHAPES,
                        eps=real_args(low=0).filter(lambda v: v is not None),
                        elementwise_affine=FLAG_VALUES, dtype=NON_FLOAT_DTYPES)),
    "nn.Dropout2d": (nn.Dropout2d, dict(p=0.5), dict(p=PROBABILITY, inplace=FLAG_VALUES)),
    "nn.AlphaDropout": (nn.AlphaDropout, dict(p=0.5), dict(p=PROBABILITY, inplace=FLAG_VALUES)),
    "nn.Upsample": (nn.Upsample, dict(scale_factor=2),
                    dict(scale_factor=real_args(low=0, low_open=True).filter(
                        lambda v: v is not None) | st.just((2, "a")),
                         size=st.sampled_from([0, -1, "a", 2.5, (2, 0), (2, "a"), [0]]),
                         mode=st.sampled_from(["bicubic", "Nearest", "", None, 1]),
                         align_corners=FLAG_VALUES.filter(lambda v: v is not None),
                         recompute_scale_factor=FLAG_VALUES.filter(lambda v: v is not None))),
    "nn.Unflatten": (nn.Unflatten, dict(dim=1, unflattened_size=(2, 3)),
                     dict(dim=NOT_INTS, unflattened_size=st.sampled_from(
                         [6, "ab", None, (2, 3.0), (2, None), (-2, 3), ag.ones(2)]))),
}.items():
    BAD[f"{_name}()"] = _ctor(_cls, _good, _bad_args)

for _name, (_factory, _inputs_) in {
    "nn.GroupNorm": (lambda: nn.GroupNorm(2, 4), _inputs(lambda s: len(s) >= 2 and s[1] == 4)),
    "nn.InstanceNorm1d": (lambda: nn.InstanceNorm1d(3, affine=True), _inputs(
        lambda s: len(s) in (2, 3) and s[-2] == 3 and s[-1] > 1)),
    "nn.InstanceNorm2d": (lambda: nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
                          _inputs(lambda s: len(s) in (3, 4) and s[-3] == 3
                                  and s[-1] * s[-2] > 1)),
    "nn.RMSNorm": (lambda: nn.RMSNorm((2, 3)), _inputs(lambda s: s[-2:] == (2, 3))),
    "nn.Dropout2d": (lambda: nn.Dropout2d(0.5), _inputs(lambda s: len(s) >= 2)),
    "nn.AlphaDropout": (lambda: nn.AlphaDropout(0.5), _inputs(lambda s: True)),
    "nn.Upsample": (lambda: nn.Upsample(size=3, mode="bilinear"),
                    _inputs(lambda s: len(s) == 4)),
    "nn.Unflatten": (lambda: nn.Unflatten(1, (2, 3)),
                     _inputs(lambda s: len(s) >= 2 and s[1] == 6, bad_dtype=None)),
}.items():
    BAD[f"{_name}.forward"] = (lambda f, i: lambda name: _forward_case(f, i))(_factory, _inputs_)

_NOT_FLOAT_INPUTS = INT_TENSORS | NON_TENSORS
_f("group_norm", [
    st.builds(lambda x: _fcall("group_norm", F.group_norm, x, 2),
              _NOT_FLOAT_INPUTS | st.sampled_from([ag.ones(4), ag.ones(2, 3, 4), ag.ones(())])),
    st.builds(lambda g: _fcall("group_norm", F.group_norm, ones((2, 4, 3)), g),
              size_args(low=1) | st.sampled_from([3, 8])),
    st.builds(lambda k, v: _fcall("group_norm", F.group_norm, ones((2, 4, 3)), 2, **{k: v}),
              st.sampled_from(["weight", "bias"]),
              st.sampled_from([ag.ones(2), ag.ones(4, 1), "w", ag.tensor([1, 2, 3, 4])])),
    st.builds(lambda e: _fcall("group_norm", F.group_norm, ones((2, 4)), 2, eps=e), EPS),
])


def _instance_norm_case(kw: dict, *x: Any) -> Bad:
    rm, rv = ag.zeros(3), ag.ones(3)
    return _fcall("instance_norm", F.instance_norm, *(x or (ones((2, 3, 4)),)),
                  watch=(rm, rv), **{"running_mean": rm, "running_var": rv, **kw})


_f("instance_norm", [
    st.builds(lambda x: _instance_norm_case({}, x),
              _NOT_FLOAT_INPUTS | st.sampled_from([ag.ones(3), ag.ones(2, 3), ag.ones(2, 3, 1),
                                                   ag.ones(2, 4, 5)])),
    st.builds(lambda k, v: _instance_norm_case({k: v}),
              st.sampled_from(["weight", "bias", "running_mean", "running_var"]),
              st.sampled_from([ag.ones(4), ag.ones(3, 1), "w", ag.tensor([1, 2, 3])])),
    st.builds(lambda m: _instance_norm_case({"momentum": m}), PROBABILITY),
    st.builds(lambda e: _instance_norm_case({"eps": e}), EPS),
    st.builds(lambda u: _instance_norm_case({"use_input_stats": u}), FLAG_VALUES),
    st.just(_fcall("instance_norm", F.instance_norm, ones((2, 3, 4)), use_input_stats=False)),
])
_f("rms_norm", [
    st.builds(lambda sn: _fcall("rms_norm", F.rms_norm, ones(sn[0]), sn[1]),
              st.tuples(shapes(), shapes(max_dims=2)).filter(
                  lambda sn: sn[0][len(sn[0]) - len(sn[1]):] != sn[1] or len(sn[1]) > len(sn[0]))),
    st.builds(lambda n: _fcall("rms_norm", F.rms_norm, ones((2, 3)), n),
              _NORMALIZED_SHAPES | st.sampled_from([(), []])),
    st.builds(lambda w: _fcall("rms_norm", F.rms_norm, ones((2, 3)), (3,), w),
              st.sampled_from([ag.ones(4), ag.ones(2, 3), "w", ag.tensor([1, 2, 3])])),
    st.builds(lambda e: _fcall("rms_norm", F.rms_norm, ones((2, 3)), (3,), eps=e),
              real_args(low=0).filter(lambda v: v is not None)),
    st.builds(lambda x: _fcall("rms_norm", F.rms_norm, x, (1,)), _NOT_FLOAT_INPUTS),
])
for _op in ("dropout2d", "alpha_dropout"):
    _fn = getattr(F, _op)
    _f(_op, [
        st.builds((lambda o, f: lambda p: _fcall(o, f, ones((2, 2, 2, 2)), p))(_op, _fn),
                  PROBABILITY),
        st.builds((lambda o, f: lambda t: _fcall(o, f, ones((2, 2, 2, 2)), 0.5, training=t))(
            _op, _fn), FLAG_VALUES),
        st.builds((lambda o, f: lambda v: _fcall(o, f, v, 0.5, True))(_op, _fn),
                  _NOT_FLOAT_INPUTS | (st.sampled_from([ag.ones(3), ag.ones(())])
                                       if _op == "dropout2d" else st.nothing())),
    ])

_INTERPOLATE_BAD = [  # (input shape, keyword arguments)
    ((1, 1, 4, 4), dict(scale_factor=2, mode="bicubic")),
    ((1, 1, 4, 4), dict(scale_factor=2, mode="linear")),
    ((1, 1, 4), dict(scale_factor=2, mode="bilinear")),
    ((1, 1, 2, 2, 2), dict(scale_factor=2, mode="bilinear")),
    ((1, 1, 4, 4), dict(scale_factor=2, mode=None)),
    ((1, 1, 4, 4), dict(scale_factor=2, align_corners=True)),
    ((1, 1, 4, 4), dict(scale_factor=2, mode="bilinear", align_corners="yes")),
    ((1, 1, 4, 4), dict(size=3, scale_factor=2)),
    ((1, 1, 4, 4), dict()),
    ((1, 1, 4, 4), dict(size=(3, 3, 3))),
    ((1, 1, 4, 4), dict(scale_factor=(2,))),
    ((1, 1, 4, 4), dict(size=0)),
    ((1, 1, 4, 4), dict(size=(2, 2.5))),
    ((1, 1, 4, 4), dict(size="3")),
    ((1, 1, 4, 4), dict(scale_factor=-1)),
    ((1, 1, 4, 4), dict(scale_factor=0.1)),
    ((1, 1, 4, 4), dict(scale_factor=float("nan"))),
    ((1, 1, 4, 4), dict(scale_factor="2")),
    ((1, 1, 4, 4), dict(size=3, recompute_scale_factor=True)),
    ((1, 1, 4, 4), dict(scale_factor=2, recompute_scale_factor=1)),
    ((1, 1, 4, 4), dict(scale_factor=2, mode="bilinear", antialias=True)),
    ((1, 1, 4, 4), dict(scale_factor=2, antialias=None)),
    ((4, 4), dict(scale_factor=2)),
    ((1, 1, 1, 2, 2, 2), dict(scale_factor=2)),
    ((1, 1, 0, 4), dict(scale_factor=2)),
]
_f("interpolate", [
    st.sampled_from(_INTERPOLATE_BAD).map(
        lambda c: _fcall("interpolate", F.interpolate, ones(c[0]), **c[1])),
    st.builds(lambda x: _fcall("interpolate", F.interpolate, x, scale_factor=2),
              _NOT_FLOAT_INPUTS),
])


def _sdpa(q=(2, 3, 4), k=(2, 5, 4), v=(2, 5, 6), **kw) -> Bad:
    tensors = [t if isinstance(t, ag.Tensor) else ones(t, grad=True) for t in (q, k, v)]
    return _fcall("scaled_dot_product_attention", F.scaled_dot_product_attention, *tensors,
                  watch=tuple(tensors), **kw)


_f("scaled_dot_product_attention", [
    st.sampled_from([
        dict(k=(2, 5, 3)), dict(v=(2, 4, 6)), dict(q=(3, 3, 4)), dict(q=(4,)), dict(k=(5,)),
        dict(v=ag.ones(2, 5, 6, dtype=np.float64)), dict(q=ag.ones(2, 3, 4, dtype=np.int64)),
        dict(attn_mask=ag.ones(3, 5, dtype=np.int64)), dict(attn_mask=ag.ones(4, 5)),
        dict(attn_mask=ag.ones(3, 2, 3, 5)), dict(attn_mask="mask"),
        dict(attn_mask=ag.ones(3, 5, dtype=np.bool_), is_causal=True),
        dict(q=(2, 4, 3, 4), k=(2, 3, 5, 4), v=(2, 3, 5, 6), enable_gqa=True),
        dict(enable_gqa=True, q=(3, 4), k=(5, 4), v=(5, 6)),
    ]).map(lambda kw: _sdpa(**kw)),
    st.builds(lambda p: _sdpa(dropout_p=p), PROBABILITY),
    st.builds(lambda s: _sdpa(scale=s), NOT_REALS.filter(lambda v: v is not None) | NON_FINITE),
    st.builds(lambda k, f: _sdpa(**{k: f}), st.sampled_from(["is_causal", "enable_gqa"]),
              FLAG_VALUES),
    st.builds(lambda x: _fcall("scaled_dot_product_attention", F.scaled_dot_product_attention,
                               x, ones((2, 5, 4)), ones((2, 5, 6))), NON_TENSORS),
])


# ----------------------------------------------------------------------------------------
# Task "nn activations, distances and losses" (issue 16): the functional forms, the
# modules' constructors and their forward calls.

NEGATIVE_REALS = st.floats(-1e6, -0.01)
BAD_DIMS_2D = BAD_AXES | st.integers(2, 9) | st.integers(-9, -3)  # for a 2-d input
# F name -> (keyword arguments of a valid call on a (2, 4) float input, {keyword: bad values})
ACTIVATIONS_16 = {
    "silu": ({}, {"inplace": FLAG_VALUES}),
    "selu": ({}, {"inplace": FLAG_VALUES}),
    "celu": ({}, {"alpha": real_args() | st.just(0.0), "inplace": FLAG_VALUES}),
    "hardtanh": ({}, {"min_val": NOT_REALS, "max_val": NOT_REALS | st.floats(-1e6, -1.01),
                      "inplace": FLAG_VALUES}),
    "relu6": ({}, {"inplace": FLAG_VALUES}),
    "hardswish": ({}, {"inplace": FLAG_VALUES}),
    "hardsigmoid": ({}, {"inplace": FLAG_VALUES}),
    "mish": ({}, {"inplace": FLAG_VALUES}),
    "softsign": ({}, {}),
    "logsigmoid": ({}, {}),
    "tanhshrink": ({}, {}),
    "glu": ({}, {"dim": BAD_DIMS_2D}),
    "softshrink": ({}, {"lambd": NOT_REALS | NEGATIVE_REALS}),
    "hardshrink": ({}, {"lambd": NOT_REALS}),
    "threshold": ({"threshold": 0.5, "value": 0.0},
                  {"threshold": NOT_REALS, "value": NOT_REALS, "inplace": FLAG_VALUES}),
    "prelu": ({"weight": ag.tensor(np.full(4, 0.25, np.float32))},
              {"weight": st.sampled_from([ag.ones(2), ag.ones(1, 4), "w", np.ones(4, np.int64),
                                          ag.tensor([1, 2, 3, 4]), None])}),
    "rrelu": ({}, {"lower": NOT_REALS, "upper": NOT_REALS | st.floats(-1e6, 0.12),
                   "training": FLAG_VALUES, "inplace": FLAG_VALUES}),
    "softmin": ({"dim": 1}, {"dim": BAD_DIMS_2D, "dtype": NON_FLOAT_DTYPES}),
    "gumbel_softmax": ({}, {"tau": NOT_REALS, "hard": FLAG_VALUES, "eps": NOT_REALS,
                            "dim": BAD_DIMS_2D}),
    "normalize": ({}, {"p": NOT_REALS, "dim": BAD_DIMS_2D, "eps": NOT_REALS | NEGATIVE_REALS}),
}


def _activation_16_cases(op: str, good: dict, bad_kwargs: dict) -> list:
    fn = getattr(F, op)
    cases = [st.builds(lambda v: _fcall(op, fn, v, **good), NON_TENSORS | INT_TENSORS)]
    for key, values in bad_kwargs.items():
        cases.append(st.builds(lambda v, k=key: _fcall(op, fn, ones((2, 4), grad=True),
                                                       **{**good, k: v}), values))
    if "inplace" in bad_kwargs:  # a leaf that requires grad, refused before anything is drawn
        cases.append(st.builds(lambda s: (lambda x: Bad(
            f"inplace=True on a leaf {desc(x)}", lambda: fn(x, **good, inplace=True), (op,),
            watch=(x,)))(ones(s, grad=True)), shapes()))
    return cases


for _op, (_good, _bad_kwargs) in ACTIVATIONS_16.items():
    _f(_op, _activation_16_cases(_op, _good, _bad_kwargs))


def _two_inputs(op: str, fn: Callable, names: tuple, **kw: Any) -> list:
    """Bad (x1, x2) pairs for a function (or module) of two float tensors."""
    def call(a, b, **more):
        watch = tuple(v for v in (a, b) if isinstance(v, ag.Tensor))
        return Bad(f"{desc(a)}, {desc(b)} {sorted(more)} {desc(list(more.values()))}",
                   lambda: fn(a, b, **kw, **more), names, watch=watch)
    return [
        st.builds(lambda v, first: call(v, ones((2, 3))) if first else call(ones((2, 3)), v),
                  NON_TENSORS | INT_TENSORS, st.booleans()),
        st.builds(lambda ab: call(ones(ab[0], grad=True), ones(ab[1])), incompatible_pair()),
    ]


_f("cosine_similarity", _two_inputs("cosine_similarity", F.cosine_similarity,
                                    ("cosine_similarity",)) + [
    st.builds(lambda d: _fcall("cosine_similarity", F.cosine_similarity, ones((2, 3)),
                               ones((2, 3)), dim=d), BAD_DIMS_2D),
    st.builds(lambda e: _fcall("cosine_similarity", F.cosine_similarity, ones((2, 3)),
                               ones((2, 3)), eps=e), NOT_REALS | NEGATIVE_REALS)])
_f("pairwise_distance", _two_inputs("pairwise_distance", F.pairwise_distance,
                                    ("pairwise_distance",)) + [
    st.builds(lambda k, v: _fcall("pairwise_distance", F.pairwise_distance, ones((2, 3)),
                                  ones((2, 3)), **{k: v}), st.sampled_from(["p", "eps"]),
              NOT_REALS),
    st.builds(lambda v: _fcall("pairwise_distance", F.pairwise_distance, ones((2, 3)),
                               ones((2, 3)), keepdim=v), FLAG_VALUES)])

# module -> (valid constructor arguments, {argument: bad values}, inputs its forward refuses)
MODULES_16 = {
    "SiLU": ({}, {"inplace": FLAG_VALUES}, None), "SELU": ({}, {"inplace": FLAG_VALUES}, None),
    "CELU": ({}, {"alpha": real_args() | st.just(0.0), "inplace": FLAG_VALUES}, None),
    "Hardtanh": ({}, {"min_val": NOT_REALS, "max_val": NOT_REALS | st.floats(-1e6, -1.01),
                      "inplace": FLAG_VALUES}, None),
    "ReLU6": ({}, {"inplace": FLAG_VALUES}, None),
    "Hardswish": ({}, {"inplace": FLAG_VALUES}, None),
    "Hardsigmoid": ({}, {"inplace": FLAG_VALUES}, None),
    "Mish": ({}, {"inplace": FLAG_VALUES}, None),
    "Softsign": ({}, {}, None), "LogSigmoid": ({}, {}, None), "Tanhshrink": ({}, {}, None),
    "GLU": ({}, {"dim": BAD_AXES}, lambda s: len(s) >= 1 and s[-1] % 2 == 0),
    "Softshrink": ({}, {"lambd": NOT_REALS | NEGATIVE_REALS}, None),
    "Hardshrink": ({}, {"lambd": NOT_REALS}, None),
    "Threshold": ({"threshold": 0.5, "value": 0.0},
                  {"threshold": NOT_REALS, "value": NOT_REALS, "inplace": FLAG_VALUES}, None),
    "PReLU": ({"num_parameters": 3}, {"num_parameters": POSITIVE, "init": NOT_REALS,
                                      "dtype": NON_FLOAT_DTYPES},
              lambda s: len(s) >= 2 and s[1] == 3),
    "RReLU": ({}, {"lower": NOT_REALS, "upper": NOT_REALS | st.floats(-1e6, 0.12),
                   "inplace": FLAG_VALUES}, None),
    "Softmin": ({"dim": 1}, {"dim": BAD_AXES}, lambda s: len(s) >= 2),
    "CosineSimilarity": ({}, {"dim": BAD_AXES, "eps": NOT_REALS | NEGATIVE_REALS}, None),
    "PairwiseDistance": ({}, {"p": NOT_REALS, "eps": NOT_REALS, "keepdim": FLAG_VALUES}, None),
}
for _name, (_good, _bad_args, _ok) in MODULES_16.items():
    _cls = getattr(nn, _name)
    if _bad_args:
        BAD[f"nn.{_name}()"] = _ctor(_cls, _good, _bad_args)
    if _name in ("CosineSimilarity", "PairwiseDistance"):
        BAD[f"nn.{_name}.forward"] = (lambda c, g: lambda name: st.one_of(_two_inputs(
            c.__name__, lambda a, b: c(**g)(a, b), (c.__name__,))))(_cls, _good)
    else:
        BAD[f"nn.{_name}.forward"] = (lambda c, g, i: lambda name: _forward_case(
            lambda: c(**g), i))(_cls, _good, _inputs(_ok or (lambda s: True)))


def _x() -> ag.Tensor:
    return ones((2, 3), grad=True)


# F name -> (module, valid inputs, {keyword: bad values} for both forms, the same for the
# functional form only, inputs both refuse)
LOSSES_16 = {
    "kl_div": ("KLDivLoss", lambda: (_x(), ones((2, 3))), {"log_target": FLAG_VALUES}, {},
               lambda: [(_x(), ones((4, 5)))]),
    "smooth_l1_loss": ("SmoothL1Loss", lambda: (_x(), ones((2, 3))),
                       {"beta": NOT_REALS | NEGATIVE_REALS}, {},
                       lambda: [(_x(), ones((3,))), (_x(), ones((2, 1)))]),
    "soft_margin_loss": ("SoftMarginLoss", lambda: (_x(), ones((2, 3))), {}, {},
                         lambda: [(_x(), ones((3,)))]),
    "multilabel_soft_margin_loss": (
        "MultiLabelSoftMarginLoss", lambda: (_x(), ones((2, 3))),
        {"weight": st.sampled_from(["w", np.array(["a"]), np.ones(3, np.int64)])},
        {"weight": st.sampled_from([ag.ones(4), ag.ones(2, 2, 3)])},
        lambda: [(_x(), ones((4, 5))), (ones((), grad=True), ones(()))]),
    "cosine_embedding_loss": (
        "CosineEmbeddingLoss", lambda: (_x(), ones((2, 3)), ag.tensor([1.0, -1.0])),
        {"margin": NOT_REALS}, {},
        lambda: [(_x(), ones((2, 3)), ag.ones(2, 1)), (_x(), ones((3,)), ag.ones(2)),
                 (_x(), ones((2, 4)), ag.ones(2)), (_x(), ones((2, 3)), ag.ones(3)),
                 (ones((3,), grad=True), ones((3,)), ag.ones(3))]),
    "margin_ranking_loss": (
        "MarginRankingLoss", lambda: (ones((3,), grad=True), ones((3,)), ag.tensor([1, -1, 1])),
        {"margin": NOT_REALS}, {},
        lambda: [(ones((3,), grad=True), ones((3,)), ag.ones(1, 3)),
                 (ones((3,), grad=True), ones((4,)), ag.ones(3))]),
    "triplet_margin_loss": (
        "TripletMarginLoss", lambda: (_x(), ones((2, 3)), ones((2, 3))),
        {"margin": NOT_REALS, "p": NOT_REALS, "eps": NOT_REALS, "swap": FLAG_VALUES}, {},
        lambda: [(ones((3,), grad=True), ones((2, 3)), ones((2, 3))),
                 (_x(), ones((2, 4)), ones((2, 3))), (_x(), ones((2, 3)), ones((4, 3)))]),
    "gaussian_nll_loss": (
        "GaussianNLLLoss", lambda: (_x(), ones((2, 3)), ones((2, 3))),
        {"full": FLAG_VALUES, "eps": NOT_REALS | NEGATIVE_REALS}, {},
        lambda: [(_x(), ones((2, 3)), ag.full((2, 3), -1.0)), (_x(), ones((2, 3)), ones((3,))),
                 (_x(), ones((2, 3)), -1.0), (_x(), ones((2, 3)), "v"),
                 (_x(), ones((2, 3)), ones((1, 1))), (_x(), ones((4, 5)), ones((2, 3)))]),
    "poisson_nll_loss": ("PoissonNLLLoss", lambda: (_x(), ones((2, 3))),
                         {"log_input": FLAG_VALUES, "full": FLAG_VALUES, "eps": NOT_REALS}, {},
                         lambda: [(_x(), ones((4, 5)))]),
    "hinge_embedding_loss": ("HingeEmbeddingLoss", lambda: (_x(), ag.tensor([1.0, -1.0, 1.0])),
                             {"margin": NOT_REALS}, {}, lambda: [(_x(), ones((4, 5)))]),
    "multi_margin_loss": (
        "MultiMarginLoss", lambda: (_x(), ag.tensor([0, 2])),
        {"p": st.sampled_from([0, 3, 1.0, "1", None, True]), "margin": NOT_REALS},
        {"weight": st.sampled_from([ag.ones(4), ag.ones(3, 1), "w"])},
        lambda: [(_x(), ag.tensor([0, 3])), (_x(), ag.tensor([0, -1])),
                 (_x(), ag.tensor([0.0, 1.0])), (_x(), ag.tensor([0])),
                 (ones((2, 3, 1), grad=True), ag.tensor([0, 1])),
                 (ones((), grad=True), ag.tensor(0)),
                 (ones((2, 0), grad=True), ag.tensor([0, 0])), (_x(), ag.tensor([[0], [1]]))]),
}


def _loss_16_cases(fn_name: str, form: str) -> st.SearchStrategy[Bad]:
    """Cases of the functional ``form`` ("F"), the module's "forward" or its "constructor"."""
    cls, good, both_kwargs, f_kwargs, bad_inputs = LOSSES_16[fn_name]
    names = (cls, fn_name)
    module = form != "F"

    def call(inputs, **kw):
        def go():
            return getattr(nn, cls)(**kw)(*inputs) if module else \
                getattr(F, fn_name)(*inputs, **kw)
        watch = tuple(v for v in inputs if isinstance(v, ag.Tensor))
        return Bad(f"{desc(tuple(inputs))} {desc(kw)}", go, names, watch=watch)

    def replaced(i, v):
        inputs = list(good())
        inputs[i] = v
        return call(inputs)

    if form == "constructor":
        cases = [st.builds(lambda r: Bad(f"reduction={desc(r)}",
                                         lambda: getattr(nn, cls)(reduction=r), names),
                           REDUCTION)]
        for key, values in both_kwargs.items():
            cases.append(st.builds(lambda v, k=key: Bad(
                f"{k}={desc(v)}", lambda: getattr(nn, cls)(**{k: v}), names), values))
        return st.one_of(cases)
    n = len(good())
    cases = [
        st.builds(replaced, st.integers(0, n - 1), NON_TENSORS),
        st.builds(lambda v: replaced(0, v), INT_TENSORS),
        st.integers(0, len(bad_inputs()) - 1).map(lambda i: call(bad_inputs()[i])),
    ]
    if form == "F":
        cases.append(st.builds(lambda r: call(good(), reduction=r), REDUCTION))
        for key, values in dict(both_kwargs, **f_kwargs).items():
            cases.append(st.builds(lambda v, k=key: call(good(), **{k: v}), values))
    return st.one_of(cases)


for _fn_name, (_cls, *_rest) in LOSSES_16.items():
    for _form, _key in (("F", f"F.{_fn_name}"), ("forward", f"nn.{_cls}.forward"),
                        ("constructor", f"nn.{_cls}()")):
        BAD[_key] = (lambda f, k: lambda name: _loss_16_cases(f, k))(_fn_name, _form)


# issue 16: more elementwise ops (task "elem")

UNARY16 = ("tan asin acos atan sinh cosh asinh acosh atanh log2 log10 log1p exp2 expm1 rsqrt "
           "reciprocal square sign sgn floor ceil round trunc frac erf erfc nan_to_num isnan "
           "isinf isfinite bitwise_not logical_not").split()
BINARY16 = {"atan2": None, "hypot": None, "logaddexp": None, "logaddexp2": None,
            "xlogy": None, "fmod": None, "remainder": "__mod__", "floor_divide": "__floordiv__",
            "bitwise_and": "__and__", "bitwise_or": "__or__", "bitwise_xor": "__xor__",
            "logical_and": None, "logical_or": None, "logical_xor": None}
OPERATORS16 = [f"__{p}{d}__" for d in ("mod", "floordiv", "and", "or", "xor")
               for p in ("", "r", "i")] + ["__invert__"]
IN_PLACE16 = ("tan asin acos atan sinh cosh asinh acosh atanh log2 log10 log1p exp2 expm1 rsqrt "
              "reciprocal square sign sgn floor ceil round trunc frac erf erfc nan_to_num atan2 "
              "hypot lerp xlogy fmod remainder floor_divide bitwise_and bitwise_or bitwise_xor "
              "bitwise_not").split()
INTEGER16 = {"bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not"}  # refuse floats


@bad(*(f"ag.{n}" for n in UNARY16))
def _unary16(name):
    op = name[3:]
    fn = function_form(name)
    cases = [st.builds(lambda v: Bad(f"input {desc(v)}", lambda: fn(v), (op,)), BAD_DATA)]
    if op in ("floor", "ceil", "trunc", "round", "frac"):
        cases.append(st.builds(lambda s: Bad(f"bool input {s}",
                                             lambda: fn(ag.tensor(np.ones(s, bool))), (op,)),
                               shapes(min_dims=0)))
    if op == "frac":
        cases.append(st.just(Bad("int64 input", lambda: fn(ag.tensor([1, 2])), (op,))))
    if op == "round":
        cases.append(st.builds(lambda v: Bad(f"decimals={desc(v)}",
                                             lambda: fn(ones((2,)), decimals=v), (op,)),
                               NOT_INTS))
    if op == "nan_to_num":
        cases.append(st.builds(lambda k, v: Bad(f"{k}={desc(v)}",
                                                lambda: fn(ones((2,)), **{k: v}), (op,)),
                               st.sampled_from(["nan", "posinf", "neginf"]),
                               NOT_REALS.filter(lambda v: v is not None)))
    if op in INTEGER16:
        cases.append(st.builds(lambda s: Bad(f"float input {s}", lambda: fn(ones(s)), (op,)),
                               shapes(min_dims=0)))
    return st.one_of(cases)


@bad(*(f"ag.{n}" for n in BINARY16), *(f"Tensor.{m}" for m in OPERATORS16[:-1]))
def _binary16(name):
    attr = name.split(".")[1]
    ops = {v: k for k, v in BINARY16.items() if v}
    op = ops.get(attr.replace("__r", "__").replace("__i", "__"), attr)
    names = (op, "in-place") if attr.startswith("__i") else (op,)

    def call(label, a, b):
        if name.startswith("ag."):
            fn = lambda: getattr(ag, op)(a, b)  # noqa: E731
        else:
            fn = lambda: getattr(a, attr)(b)  # noqa: E731
        return Bad(label, fn, names, watch=tuple(v for v in (a, b) if isinstance(v, ag.Tensor)))

    dtype = np.int64 if op in INTEGER16 or op == "floor_divide" else np.float32
    cases = [
        st.builds(lambda ab: call(f"shapes {ab[0]} and {ab[1]}", ones(ab[0], dtype),
                                  ones(ab[1], dtype)), incompatible_pair()),
        st.builds(lambda v: call(f"operand {desc(v)}", ones((2,), dtype), v), BAD_DATA),
    ]
    if name.startswith("ag."):
        cases.append(st.builds(lambda v: call(f"left operand {desc(v)}", v, ones((2,))),
                               BAD_DATA))
    if op in INTEGER16:
        cases.append(st.builds(lambda s: call(f"float tensors {s}", ones(s), ones(s)), shapes()))
    if op in ("fmod", "remainder", "floor_divide"):
        def by_zero(s):
            one, zero = ag.tensor(np.ones(s, np.int64)), ag.tensor(np.zeros(s, np.int64))
            reflected = attr.startswith("__r")  # zero.__rmod__(one) is one % zero
            return call(f"int64 by zero {s}", *((zero, one) if reflected else (one, zero)))
        cases.append(st.builds(by_zero, shapes()))
        cases.append(st.builds(lambda s: call(f"bool {s}", ag.tensor(np.ones(s, bool)),
                                              ag.tensor(np.ones(s, bool))), shapes()))
    return st.one_of(cases)


@bad("Tensor.__invert__")
def _invert16(name):
    return st.builds(lambda s, d: Bad(f"~ on {d} {s}", lambda: ~ones(s, d), ("bitwise_not",)),
                     shapes(min_dims=0), st.sampled_from([np.float32, np.float64]))


@bad("ag.lerp")
def _lerp16(name):
    def call(label, *args):
        return Bad(label, lambda: ag.lerp(*args), ("lerp",),
                   watch=tuple(v for v in args if isinstance(v, ag.Tensor)))
    return st.one_of(
        st.builds(lambda ab, w: call(f"shapes {ab[0]} and {ab[1]}", ones(ab[0], grad=True),
                                     ones(ab[1]), ones((1,)) if w else 0.5),
                  incompatible_pair(), st.booleans()),
        st.builds(lambda ab: call(f"weight shape {ab[1]} for {ab[0]}", ones(ab[0]),
                                  ones(ab[0]), ones(ab[1])), incompatible_pair()),
        st.builds(lambda v: call(f"weight={desc(v)}", ones((2,)), ones((2,)), v),
                  NOT_REALS.filter(lambda v: not isinstance(v, float))),
        st.builds(lambda v: call(f"end={desc(v)}", ones((2,)), v, 0.5),
                  st.one_of(BAD_DATA, st.just(1.0), st.just([1.0, 2.0]))),
        st.just(call("int64 tensors", ag.tensor([1, 2]), ag.tensor([3, 4]), 0.5)),
    )


@bad(*(f"Tensor.{n}_" for n in IN_PLACE16))
def _in_place16(name):
    method = name.split(".")[1]
    op = method[:-1]

    def args(t):
        if op in BINARY16:
            return (ones(t.shape, t.dtype),)
        return (ones(t.shape), 0.5) if op == "lerp" else ()

    def run(label, t):
        return Bad(label, lambda: getattr(t, method)(*args(t)), (method, op, "in-place"),
                   watch=(t,))

    cases = [st.builds(lambda s: run(f"leaf requiring grad {s}", ones(s, grad=True)),
                       shapes())]
    if op in SMOOTH16_FLOAT:
        cases.append(st.builds(lambda s: run(f"int64 tensor {s}",
                                             ag.tensor(np.ones(s, np.int64))), shapes()))
    if op in BINARY16:
        cases.append(st.builds(
            lambda ab: Bad(f"{ab[1]} into {ab[0]}",
                           lambda: getattr(ones(ab[0], np.int64 if op in INTEGER16 else
                                                np.float32), method)(
                               ones(ab[1], np.int64 if op in INTEGER16 else np.float32)),
                           (method, op, "in-place")),
            st.one_of(incompatible_pair(), shapes().map(lambda s: (s, (2,) + s)))))
    return st.one_of(cases)


SMOOTH16_FLOAT = set("tan asin acos atan sinh cosh asinh acosh atanh log2 log10 log1p exp2 "
                     "expm1 rsqrt reciprocal erf erfc atan2 hypot xlogy".split())




# ----------------------------------------------------------------------------------------
# Task "viz" (issue 18): draw_graph/to_dot collapse= and show_constants=, ag.explain


def _viz_root():
    return (ones((2,), grad=True) * 2).sum()


_also(("ag.draw_graph", "ag.to_dot"), lambda name: [
    st.builds(lambda k, v: Bad(f"{k}={desc(v)}", lambda: getattr(ag, name[3:])(
        _viz_root(), **{k: v}), ("draw_graph", "to_dot")),
        st.sampled_from(["collapse", "show_constants"]), st.sampled_from(["yes", 1, None])),
])


@bad("ag.explain")
def _explain(name):
    return st.one_of(
        st.builds(lambda v: Bad(f"root {desc(v)}", lambda: ag.explain(v), ("explain",)),
                  st.sampled_from([None, "x", 3, [None], np.ones(2)])),
        st.builds(lambda v: Bad(f"params {desc(v)}", lambda: ag.explain(_viz_root(), params=v),
                                ("explain",)), st.sampled_from([3, "w", [1, 2]])),
    )


# -- Task "html" (issue 18): the interactive graph page, ag.to_html and ag.save_html (the
# -- page goes to os.devnull, so a case that wrongly succeeds writes nothing)


@bad("ag.to_html", "ag.save_html")
def _html_page(name):
    op = name[3:]
    page = (lambda root, **kw: ag.to_html(root, **kw)) if op == "to_html" else \
        (lambda root, **kw: ag.save_html(root, os.devnull, **kw))
    cases = [
        st.builds(lambda v: Bad(f"root {desc(v)}", lambda: page(v), (op,)),
                  st.sampled_from([None, "x", 3, [], [None], np.ones(2), {}])),
        st.builds(lambda v: Bad(f"params {desc(v)}", lambda: page(_viz_root(), params=v),
                                (op,)), st.sampled_from([3, "w", [1, 2], object()])),
        st.builds(lambda v: Bad(f"show_constants={desc(v)}", lambda: page(
            _viz_root(), show_constants=v), (op,)), st.sampled_from(["yes", 1, None])),
    ]
    if op == "save_html":
        cases.append(st.builds(lambda v: Bad(f"path {desc(v)}", lambda: ag.save_html(
            _viz_root(), v), (op,)), st.sampled_from([None, 3, ["g.html"], b"g.html"])))
    return st.one_of(*cases)


# ----------------------------------------------------------------------------------------
# The tests (after every registration above)


@pytest.mark.parametrize("name", sorted(BAD))
@given(data=st.data())
def test_bad_input_gets_a_clear_error_and_changes_nothing(name, data):
    check(name, data.draw(BAD[name](name), label="case"))


# Decided by PyTorch, pinned here because the random strategies above draw them only
# sometimes: a single-int argument refuses a one-element list; these values are valid.
PINNED_BAD = [
    ("ag.eye", Bad("n=[2]", lambda: ag.eye([2]), ("eye",))),
    ("ag.eye", Bad("m=[2]", lambda: ag.eye(2, [2]), ("eye",))),
    ("nn.Conv2d()", Bad("groups=[2]", lambda: nn.Conv2d(2, 4, 3, groups=[2]), ("Conv2d",))),
    ("F.conv2d", Bad("groups=(1,)", lambda: F.conv2d(ones((1, 1, 5, 5)), ones((2, 1, 3, 3)),
                                                     groups=(1,)), ("conv2d",))),
    ("F.avg_pool2d", Bad("divisor_override=[2]", lambda: F.avg_pool2d(
        ones((1, 1, 4, 4)), 2, divisor_override=[2]), ("avg_pool2d",))),
    ("F.max_pool2d", Bad("stride=np.ones(2)", lambda: F.max_pool2d(
        ones((1, 1, 4, 4)), 2, stride=np.ones(2)), ("max_pool2d",))),
]
PINNED_GOOD = {
    "MaxPool2d(stride=None)": lambda: nn.MaxPool2d(2, stride=None)(ones((1, 1, 4, 4))),
    "AvgPool2d(stride=None)": lambda: nn.AvgPool2d(2, stride=None)(ones((1, 1, 4, 4))),
    "max_pool2d(stride=[])": lambda: F.max_pool2d(ones((1, 1, 4, 4)), 2, stride=[]),
    "avg_pool2d(stride=())": lambda: F.avg_pool2d(ones((1, 1, 4, 4)), 2, stride=()),
    "LayerNorm([3])": lambda: nn.LayerNorm([3])(ones((2, 3))),
    "backward() of a (1, 1) output": lambda: _graph((1, 1))[1].backward(),
}


@pytest.mark.parametrize("name, case", PINNED_BAD, ids=[f"{n} {c.label}" for n, c in PINNED_BAD])
def test_pinned_bad_input(name, case):
    check(name, case)


@pytest.mark.parametrize("call", PINNED_GOOD.values(), ids=PINNED_GOOD)
def test_pinned_valid_input_is_accepted(call):
    call()


OPERATORS = ["__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
             "__truediv__", "__rtruediv__", "__pow__", "__rpow__", "__matmul__", "__rmatmul__",
             "__neg__", "__getitem__", "__setitem__", "__iadd__", "__isub__", "__imul__",
             "__itruediv__", "__lt__", "__le__", "__gt__", "__ge__", "__len__", "__iter__",
             "__bool__", "__float__", "__int__", "__index__"]
# -- ag.compile (issue 17: the captured training step)
@bad("ag.compile")
def _compile(name):
    return st.builds(lambda v: Bad(f"step_fn={desc(v)}", lambda: ag.compile(v), ("compile",)),
                     st.sampled_from([None, 3, "step", [], np.ones(2)]))




OPERATORS += OPERATORS16  # issue 16: % // & | ^ ~ and their r/i forms
NOTHING_TO_GET_WRONG = {  # public names that take no argument a caller could get wrong
    "ag.Node", "ag.FunctionCtx", "ag.GraphvizNotFoundError", "ag.default_generator",
    "ag.get_default_dtype", "ag.is_grad_enabled", "ag.is_anomaly_enabled",
    "Tensor.numpy", "Tensor.tolist", "Tensor.detach", "Tensor.zero_grad",
    "Tensor.float", "Tensor.double", "ag.DimError", "ag.ShapeError",
    "nn.Module()", "nn.RemovableHandle()", "nn.Identity()", "nn.Identity.forward",
    "nn.Sigmoid()", "nn.Tanh()", "data.Dataset", "utils.Thresholds",
    # task "torch namespace": no arguments
    "Tensor.cpu", "ag.get_default_device", "ag.get_rng_state", "ag.initial_seed", "ag.seed",
}
NOTHING_TO_GET_WRONG |= {  # Tensor methods a PyTorch user types (issue 14)
    "Tensor.dim", "Tensor.ndimension", "Tensor.numel", "Tensor.nelement",
    "Tensor.is_contiguous", "Tensor.element_size", "Tensor.is_floating_point",
    "Tensor.contiguous", "Tensor.half", "Tensor.long", "Tensor.int", "Tensor.bool",
}
NOTHING_TO_GET_WRONG |= {"nn.Softsign()", "nn.LogSigmoid()", "nn.Tanhshrink()"}  # issue 16


def _public_names() -> set[str]:
    names = {f"ag.{n}" for n in dir(ag) if not n.startswith("_") and callable(getattr(ag, n))}
    for n in dir(ag.Tensor):
        if callable(getattr(ag.Tensor, n)) and (not n.startswith("_") or n in OPERATORS):
            names.add(f"Tensor.{n}")
    for n in nn.__all__:
        obj = getattr(nn, n)
        if isinstance(obj, type):
            names.add(f"nn.{n}()")
            if issubclass(obj, nn.Module) and n not in ("Module", "Sequential", "ModuleList"):
                names.add(f"nn.{n}.forward")
        elif callable(obj):
            names.add(f"nn.{n}")
    names |= {f"F.{n}" for n in F.__all__} | {f"init.{n}" for n in init.__all__}
    names |= {f"data.{n}" for n in D.__all__} | {f"utils.{n}" for n in U.__all__}
    names |= {f"optim.{n}()" for n in optim.__all__
              if isinstance(getattr(optim, n), type) and n != "Optimizer"}
    names |= {f"lr_scheduler.{n}()" for n in dir(S) if isinstance(getattr(S, n), type)
              and issubclass(getattr(S, n), (S.LRScheduler, S.ReduceLROnPlateau))
              and n != "LRScheduler"}
    return names


def test_every_public_name_has_bad_input_cases():
    """The catalogue above covers the whole public API: every op (function and method
    form), operator, factory, layer (constructor and call), loss, functional form, init,
    optimizer, scheduler and data utility."""
    covered = set(BAD)
    for name in covered.copy():  # a Tensor method is covered by its function form too
        if name.startswith("ag."):
            covered.add("Tensor." + name[3:])
    missing = sorted(_public_names() - covered - NOTHING_TO_GET_WRONG)
    assert not missing, f"no bad-input strategy for: {missing}"
    assert len(BAD) > 250
