"""``ag.compile``: trace a training step once per input signature, then replay its numpy calls.

The first call with a new signature (input shapes and dtypes, other arguments, grad mode,
training flags) runs the step eagerly on arrays of a recording ndarray subclass: every
numpy call that ops' forwards and the engine's vjps make on them is written down as one
line of a straight-line Python function. Calls that touch state whose Python-level logic
changes between steps -- ``Optimizer.step``/``zero_grad`` (learning rate, step counts,
lazily made buffers), ``Module.zero_grad`` and the engine's accumulation into ``.grad`` --
are recorded as calls of that same code, which the replay runs for real. Random draws from
the library's generator are recorded as draws. Temporaries get preallocated buffers
(``out=``); an elementwise chain whose intermediates die young reuses one buffer.
The replay makes the very numpy calls eager would make, in the same order on the same
dtypes, so results are bit-identical; the second call checks that: it runs eagerly, then
replays from the same starting state, and keeps the trace only if every parameter,
gradient, optimizer buffer and the returned value agree bit for bit.

Optimizer steps on flat buffers: where the step calls ``opt.zero_grad()`` and then gives
every parameter of ``opt`` (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta: updates that
work element by element) one gradient computed for it alone, the parameters' ``.data``,
``.grad`` and state arrays become views of one buffer per parameter group (values kept;
``p.data`` is a new array then, as after torch's ``flatten_parameters``; the programs of
other input shapes share the buffers). The replay computes each gradient straight into
its ``.grad`` (``out=``; ``p.grad`` is the same tensor after every replay, overwritten)
and runs the optimizer's real ``step`` once per group, on one tensor viewing the whole
group, with the hyperparameters as they are then (a scheduler's lr): the same numpy
calls per element as eager's per-parameter updates, so the same bits (for SGD, whose
numbers hold no step count, those calls are recorded per setting and replayed). A state replaced
by ``load_state_dict`` gets the per-parameter step again; new parameter groups run the
step eagerly. Arrays that are the same on every replay (the parameters', views of them
and of preallocated buffers) are bound once, not looked up per replay.

Python values the library or the step reads from the data (``bool()``, ``int()``,
``.item()``; e.g. a count of invalid targets) are checked by the replay before any state
changes: a different value runs that call eagerly and the signature stays eager (control
flow on data). Anything else the trace cannot follow (such a read after the update,
``backward(create_graph=True)``, a write into an array made outside the trace, a
gradient into a tensor that is no parameter of the modules/optimizers the step reaches,
a replay that disagrees with eager) runs eagerly too, with a one-line warning giving the
reason; anomaly mode always runs eagerly.

Limits, as for any tracing JIT: other Python side effects of the step (counters,
printing, appending to a list) happen on the traced call only; arrays the step reads
from outside its arguments, other than the state of the modules, optimizers and
schedulers it reaches, are constants of the trace (the check on the second call catches
most that change); tracing patches numpy's ``asarray``/``array`` for its duration, so
trace in one thread at a time.

>>> step = ag.compile(lambda x, y: train_step(x, y))   # x: (64, 784), y: (64,)
>>> loss = step(x, y)                                   # a Tensor with no graph (detached)
"""

from __future__ import annotations

import copy
import functools
import operator
import types
import warnings
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from . import engine, ops, random
from .tensor import Tensor


class _Stop(Exception):
    """Raised inside the tracer's bookkeeping; never escapes to user code."""


class _GuardFailed(Exception):
    """Raised by a replay whose step read a different Python value from the data."""


# ----------------------------------------------------------------------------------------
# The recording array


class _T(np.ndarray):
    """An ndarray that records the numpy calls made on it while a trace is active.
    ``_slot`` names its value in the replay (None: made by a call the trace did not see)."""

    _slot: int | None = None

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.get("out")
        result = getattr(ufunc, method)(*_raw(inputs), **_raw(kwargs))
        tr = _TRACER
        if tr is not None and tr.recording:
            res = tr.guard(lambda: tr.ufunc(ufunc, method, inputs, kwargs, out, result))
            if res is not None:
                return res
        if out is not None:
            return out[0] if len(out) == 1 else out
        return result

    def __array_function__(self, func, types, args, kwargs):
        result = func(*_raw(args), **_raw(kwargs))
        return _recorded_call(func, args, kwargs, result, func in _WRITES_FIRST)

    # Python values read from the data (control flow on data): the replay checks that
    # each comes out the same, else that call and later ones run eagerly
    def _data_read(name: str):  # type: ignore[misc]  # (a helper of the class body)
        base = getattr(np.ndarray, name)

        def read(self, *args):
            value = base(_plain(self), *args)
            tr = _TRACER
            if tr is not None and tr.recording:
                tr.guard(lambda: tr.check(_READS[name], name, self, args, value))
            return value
        return read

    item = _data_read("item")
    tolist = _data_read("tolist")
    __bool__ = _data_read("__bool__")
    __float__ = _data_read("__float__")
    __int__ = _data_read("__int__")
    __index__ = _data_read("__index__")
    __complex__ = _data_read("__complex__")
    del _data_read

    # Methods that make arrays without a ufunc (views, copies, casts, indexing)
    def _method(name: str, writes: bool = False):  # type: ignore[misc]  # (as _data_read)
        base = getattr(np.ndarray, name)

        def method(self, *args, **kwargs):
            result = base(_plain(self), *_raw(args), **_raw(kwargs))
            return _recorded_call(name, (self,) + args, kwargs, result, writes)
        return method

    for _name in ("__getitem__", "transpose", "reshape", "astype", "copy", "squeeze",
                  "ravel", "flatten", "swapaxes", "view", "argmax", "argmin", "nonzero",
                  "repeat", "take", "diagonal", "clip", "dot", "cumsum", "round"):
        locals()[_name] = _method(_name)
    __setitem__ = _method("__setitem__", writes=True)
    fill = _method("fill", writes=True)
    del _name, _method

    @property
    def T(self):
        return self.transpose()


# How the replay reads each Python value again (its value may be a numpy scalar there)
_READS = {"__bool__": bool, "__int__": int, "__float__": float, "__index__": operator.index,
          "__complex__": complex, "item": lambda a, *i: a.item(*i),
          "tolist": lambda a: a.tolist()}
_MINMAX = frozenset((np.maximum, np.minimum, np.fmax, np.fmin))
_WRITES_FIRST = frozenset((np.copyto, np.putmask, np.put, np.place, np.fill_diagonal))


def _plain(v: _T) -> np.ndarray:
    return np.ndarray.view(v, np.ndarray)  # (not v.view: _T records that method)


def _recorded_call(fn: Any, args: Any, kwargs: Any, result: Any, writes: bool) -> Any:
    tr = _TRACER
    if tr is not None and tr.recording:
        res = tr.guard(lambda: tr.call(fn, args, kwargs, result, writes))
        if res is not None or result is None:
            return res
    return result


def _raw(v: Any) -> Any:
    """``v`` with every recording array turned into a plain view (tuples, lists, dicts)."""
    t = type(v)
    if t is _T:
        return _plain(v)
    if t is tuple or t is list:
        return t(_raw(x) for x in v)
    if t is dict:
        return {k: _raw(x) for k, x in v.items()}
    return v


# ----------------------------------------------------------------------------------------
# The trace

_TRACER: _Trace | None = None
_ELEMENTWISE = "elementwise"


class _Entry:
    """One line of the replay: ``lhs = fn(args)``; the slots it reads, writes and makes."""

    __slots__ = ("fn", "args", "kwargs", "made", "reads", "writes", "view", "buffer", "kind",
                 "scalar", "template", "meta")

    def __init__(self, fn, args, kwargs, made, reads, writes, view, kind=None, scalar=False,
                 template: Any = None, meta: Any = None):
        self.fn, self.args, self.kwargs, self.made = fn, args, kwargs, made
        self.reads, self.writes, self.view, self.kind = reads, writes, view, kind
        self.scalar, self.template, self.buffer = scalar, template, None
        self.meta = meta  # opaque calls: (hook name, its object, its arguments) or the tensor


class _Trace:
    def __init__(self, persistent: list) -> None:
        self.entries: list[_Entry] = []
        self.consts: list = []
        self.const_ids: dict = {}
        self.nslots = 0
        self.recording = True
        self.failed: str | None = None
        self.persistent = persistent  # (Tensor, slot): .data read by the replay (parameters)
        self.persistent_slots: set = set()
        self.raw_ids: dict = {}  # id -> each plain array behind a recorded value (kept alive)
        self.mutated = False  # whether the step changed state that eager would not redo
        self.drawn = False  # whether it drew random numbers before a check (see check)
        self.rng_checked = False

    def fail(self, reason: str) -> None:
        if self.failed is None:
            self.failed = reason
        self.recording = False

    # -- values
    def new(self, raw: Any) -> _T:
        """Give the plain result ``raw`` a slot: a recording view of it."""
        arr = np.asarray(raw)
        self.raw_ids[id(arr)] = arr
        t = arr.view(_T)
        t._slot = self.nslots
        self.nslots += 1
        return t

    def const(self, v: Any) -> str:
        key = id(v)
        name = self.const_ids.get(key)
        if name is None:
            if isinstance(v, np.ndarray):
                b: np.ndarray | None = v
                while b is not None:  # a plain view of a traced value: seen without a call
                    if type(b) is _T or id(b) in self.raw_ids:
                        raise _Stop("a traced array was used through a plain view")
                    b = b.base
            name = self.const_ids[key] = f"c{len(self.consts)}"
            self.consts.append(v)
        return name

    def enc(self, v: Any, reads: set) -> str:
        """Source for argument ``v`` of a recorded call; its slots go into ``reads``."""
        t = type(v)
        if t is _T:
            if v._slot is None:
                raise _Stop("a value computed by a numpy call the trace did not see")
            reads.add(v._slot)
            return f"v{v._slot}"
        if t is tuple or t is list:
            inner = "".join(self.enc(x, reads) + ", " for x in v)
            return f"({inner})" if t is tuple else f"[{inner}]"
        if t is dict:
            return "{" + ", ".join(f"{k!r}: {self.enc(x, reads)}" for k, x in v.items()) + "}"
        if v is None or t is bool or t is int:
            return repr(v)
        return self.const(v)

    def guard(self, fn: Callable) -> Any:
        """Run recording step ``fn``; a failure stops the recording (the step goes on)."""
        try:
            return fn()
        except _Stop as e:
            self.fail(str(e))
            return None

    # -- recorded calls
    def check(self, read: Callable, name: str, arr: Any, args: tuple, value: Any,
              kwargs: dict | None = None) -> None:
        """Python read ``value`` from the data: the replay checks it reads the same. A check
        that fails there runs that call eagerly, so it must come before any state change
        (a random draw before it: the replay puts the generator back)."""
        if self.mutated:
            raise _Stop(f"{name.strip('_')}() reads a traced value after the step changed "
                        "state (Python control flow on data?); return tensors from the step "
                        "and read them outside")
        reads: set = set()
        src = [self.enc(arr, reads)] + [self.enc(a, reads) for a in args]
        src += [f"{k}={self.enc(v, reads)}" for k, v in (kwargs or {}).items()]
        self.rng_checked |= self.drawn
        self.entries.append(_Entry(self.const(read), src, {}, [], reads, set(), False,
                                   kind="check", template=(name, self.const(value))))

    def ufunc(self, ufunc, method, inputs, kwargs, out, result):
        if method not in ("__call__", "reduce", "at", "accumulate"):
            raise _Stop(f"ufunc method {ufunc.__name__}.{method}")
        reads: set = set()
        args = [self.enc(v, reads) for v in inputs]
        if ufunc in _MINMAX and method == "__call__" and len(inputs) == 2:
            for i, (a, b) in enumerate((inputs, inputs[::-1])):
                if (type(b) in (int, float) and type(a) is _T and a.dtype.kind == "f"
                        and a.shape == np.shape(result) and a.dtype == np.result_type(result)):
                    # numpy's maximum(x, 0) runs 2-4x slower than against an array of the
                    # value (same loop dtypes, same bits per element): relu
                    full = np.full(a.shape, b, a.dtype)
                    full.flags.writeable = False
                    args[1 - i] = self.const(full)
        kw = {k: self.enc(v, reads) for k, v in kwargs.items() if k != "out"}
        writes: set = set()
        targets = list(out or ()) + ([inputs[0]] if method == "at" else [])
        for o in targets:
            if type(o) is not _T or o._slot is None:
                raise _Stop(f"{ufunc.__name__} writes in place into an array made outside "
                            "the trace")
            writes.add(o._slot)
        self.mutated |= bool(writes & self.persistent_slots)
        fn = self.const(ufunc if method == "__call__" else getattr(ufunc, method))
        if out is not None:
            kw["out"] = "(" + "".join(f"v{o._slot}, " for o in out) + ")"
            self.entries.append(_Entry(fn, args, kw, [], reads, writes, False))
            return out[0] if len(out) == 1 else out
        if method == "at":
            self.entries.append(_Entry(fn, args, kw, [], reads, writes, False))
            return result
        if ufunc.nout != 1:
            outs = [self.new(r) for r in result]
            self.entries.append(_Entry(fn, args, kw, [o._slot for o in outs], reads,
                                       writes, False))
            return tuple(outs)
        t = self.new(result)
        kind = (_ELEMENTWISE if method == "__call__" and ufunc.signature is None
                else None)
        self.entries.append(_Entry(fn, args, kw, [t._slot], reads, writes, False, kind,
                                   scalar=not isinstance(result, np.ndarray),
                                   template=np.asarray(result)))
        return t

    def call(self, fn, args, kwargs, result, writes: bool = False):
        """A numpy function or ndarray method (``fn`` a name): may return a view of any
        of its array arguments, so it passes on their escape (see ``_Program``)."""
        reads: set = set()
        src_args = [self.enc(v, reads) for v in args]
        kw = {k: self.enc(v, reads) for k, v in kwargs.items()}
        written: set = set()
        if writes:
            target = args[0]
            if type(target) is not _T or target._slot is None:
                raise _Stop(f"{getattr(fn, '__name__', fn)} writes in place into an array "
                            "made outside the trace")
            written.add(target._slot)
            self.mutated |= target._slot in self.persistent_slots
        method = isinstance(fn, str)
        # (the replay passes plain arrays: a numpy function's own code, past its dispatch)
        name = fn if method else self.const(getattr(fn, "_implementation", fn))
        kind = "method" if method else None
        if isinstance(result, (tuple, list)):
            if not all(isinstance(r, np.ndarray) for r in result):
                raise _Stop(f"{getattr(fn, '__name__', fn)} returned {type(result)}")
            outs = [self.new(r) for r in result]
            self.entries.append(_Entry(name, src_args, kw, [o._slot for o in outs],
                                       reads, written, True, kind))
            return type(result)(outs)
        if result is None:
            self.entries.append(_Entry(name, src_args, kw, [], reads, written, True, kind))
            return None
        if type(result) in (bool, int, float):  # (np.may_share_memory, ...): checked
            self.check(_call(name) if method else fn, getattr(fn, "__name__", fn), args[0],
                       args[1:], result, kwargs)
            return result
        if not isinstance(result, (np.ndarray, np.generic)):
            raise _Stop(f"{getattr(fn, '__name__', fn)} returned {type(result).__name__}")
        t = self.new(result)
        self.entries.append(_Entry(name, src_args, kw, [t._slot], reads, written, True,
                                   kind, scalar=not isinstance(result, np.ndarray)))
        return t

    def opaque(self, fn: Callable, args: tuple, mutates: bool = True,
               kind: str = "opaque", meta: Any = None) -> None:
        """Record a call of ``fn(*args)`` that the replay makes as it is (the caller runs it
        now, with recording off). Array arguments escape: they get no reused buffer."""
        def record():
            reads: set = set()
            src = [self.enc(v, reads) for v in args]
            self.entries.append(_Entry(self.const(fn), src, {}, [], reads, set(), True,
                                       kind=kind, meta=meta))
            self.mutated |= mutates
        self.guard(record)

    def read_grad(self, t: Tensor) -> None:
        """After an accumulation: ``t.grad.data`` becomes a recorded value (read from the
        tensor by the replay), so code after the backward (clipping, ...) is recorded."""
        def record():
            g = t.grad.data  # pyright: ignore[reportOptionalMemberAccess]  # (has a grad now)
            view = np.asarray(_raw(g)).view(_T)
            view._slot = self.nslots
            self.nslots += 1
            self.entries.append(_Entry(self.const(_grad_data), [self.const(t)], {},
                                       [view._slot], set(), set(), True, kind="grad"))
            t.grad.data = view  # pyright: ignore[reportOptionalMemberAccess]
        self.guard(record)


@functools.cache
def _call(name: str) -> Callable:
    return lambda a, *args, **kwargs: getattr(a, name)(*args, **kwargs)


def _grad_data(t: Tensor) -> np.ndarray:
    return t.grad.data  # type: ignore[union-attr]  # (read after an accumulation)


# ----------------------------------------------------------------------------------------
# Hooks installed while tracing (the eager code they stand for runs for real)


def _opaque(original: Callable, name: str):
    @functools.wraps(original)
    def wrapper(self, *args, **kwargs):
        tr = _TRACER
        if tr is None or not tr.recording:
            return original(self, *args, **kwargs)
        if kwargs or any(callable(a) or isinstance(a, (Tensor, np.ndarray)) for a in args):
            tr.fail(f"{name} given a closure, a tensor or keyword arguments")
            return original(self, *args, **kwargs)
        tr.opaque(functools.partial(original, self), args, mutates=name.endswith(".step"),
                  meta=(name, self, args))
        tr.recording = False
        try:
            return original(self, *_raw(args))
        finally:
            tr.recording = tr.failed is None
    return wrapper


def _traced_accumulate(original: Callable):
    def accumulate(t, g, create_graph, leaf=False):
        tr = _TRACER
        if tr is None or not tr.recording:
            return original(t, g, create_graph, leaf)
        if create_graph:
            tr.fail("backward(create_graph=True)")
            return original(t, g, create_graph, leaf)
        if all(t is not p for p, _ in tr.persistent):
            tr.fail(f"a gradient goes into a tensor of shape {t.shape} that is no parameter of "
                    "a module or optimizer the step refers to")
            return original(t, g, create_graph, leaf)
        tr.opaque(_accumulate, (t, g), kind="accumulate", meta=t)
        tr.recording = False
        try:
            original(t, _raw(g) if type(g) is _T else g, False, False)
        finally:
            tr.recording = tr.failed is None
        if tr.recording:
            tr.read_grad(t)
    return accumulate


def _accumulate(t: Tensor, g: np.ndarray) -> None:
    engine._accumulate_grad(t, g, False, False)


def _take(t: Tensor, g: np.ndarray) -> None:
    """_accumulate for a gradient the replay made fresh for this parameter alone: into an
    empty .grad it goes as it is (as eager's accumulation takes it), else as eager adds."""
    data = t.data
    if (t.grad is None and type(g) is np.ndarray and g.base is None and g.dtype is data.dtype
            and g.shape == data.shape and g.flags.c_contiguous):
        t.grad = Tensor._wrap(g)
    else:
        engine._accumulate_grad(t, g, False, False)


class _RecordingGenerator:
    """Stands for the library's generator while tracing: a draw is recorded as a draw."""

    def __init__(self, gen: Any) -> None:
        self._gen = gen

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._gen, name)
        if not callable(real):
            return real

        def draw(*args, **kwargs):
            result = real(*_raw(args), **_raw(kwargs))
            tr = _TRACER
            if tr is None or not tr.recording:
                return result
            tr.drawn = True
            return _recorded_call(_draw(name), args, kwargs, result, False)
        return draw


@functools.cache
def _draw(name: str) -> Callable:
    def draw(*args, **kwargs):
        return getattr(random.default_generator(), name)(*args, **kwargs)
    draw.__name__ = f"default_generator().{name}"
    return draw


_ASARRAY, _ARRAY = np.asarray, np.array


def _asarray(a: Any, dtype: Any = None, order: Any = None, **kwargs: Any) -> Any:
    """np.asarray while tracing: a recording array stays one (else a plain view of it
    would compute unseen); a cast is a recorded astype."""
    if type(a) is _T and order is None and not kwargs:
        return a if dtype is None or np.dtype(dtype) == a.dtype else a.astype(dtype)
    return _ASARRAY(a, dtype, order, **kwargs)


def _array(a: Any, dtype: Any = None, *args: Any, **kwargs: Any) -> Any:
    """np.array while tracing: a copy of a recording array is a recorded copy."""
    if type(a) is _T and not args and not kwargs:
        return a.copy(order="K") if dtype is None else a.astype(dtype, order="K")
    return _ARRAY(a, dtype, *args, **kwargs)


def _creation(original: Callable) -> Callable:
    """A numpy function that makes an array from an array without __array_function__
    dispatch (np.ascontiguousarray, ...): recorded when given a recording array."""
    @functools.wraps(original)
    def wrapper(a: Any, *args: Any, **kwargs: Any) -> Any:
        if type(a) is not _T:
            return original(a, *args, **kwargs)
        result = original(_plain(a), *_raw(args), **_raw(kwargs))
        return _recorded_call(original, (a,) + args, kwargs, result, False)
    return wrapper


_CREATION = ("ascontiguousarray", "asfortranarray")


class _Hooks:
    """Install the tracing hooks (and take them away again)."""

    def __enter__(self) -> None:
        import autograd_lite as ag
        from nn.modules import Module
        from nn.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau
        from nn.optim.optimizer import Optimizer

        self.saved: list[tuple] = [
                      (Optimizer, "step"), (Optimizer, "zero_grad"), (Module, "zero_grad"),
                      (LRScheduler, "step"), (ReduceLROnPlateau, "step"),
                      (engine, "_accumulate_grad"), (ops, "_ndarray"), (ag, "default_generator"),
                      (random, "default_generator"), (np, "asarray"), (np, "array")]
        self.saved += [(np, name) for name in _CREATION]
        self.saved = [(owner, name, owner.__dict__[name]) for owner, name in self.saved]
        # (the type: ignores: patching methods and numpy for the trace, undone by __exit__)
        Optimizer.step = _opaque(Optimizer.step, "optimizer.step")  # type: ignore[method-assign]
        Optimizer.zero_grad = _opaque(  # type: ignore[method-assign]
            Optimizer.zero_grad, "optimizer.zero_grad")
        Module.zero_grad = _opaque(Module.zero_grad, "module.zero_grad")  # type: ignore[method-assign]
        # a scheduler stepped inside the step: its Python runs on every replay too
        LRScheduler.step = _opaque(LRScheduler.step, "scheduler.step")  # type: ignore[method-assign]
        ReduceLROnPlateau.step = _opaque(  # type: ignore[method-assign]
            ReduceLROnPlateau.step, "scheduler.step")
        engine._accumulate_grad = _traced_accumulate(engine._accumulate_grad)
        np.asarray, np.array = _asarray, _array  # type: ignore[assignment]
        for name in _CREATION:
            setattr(np, name, _creation(getattr(np, name)))
        ops._ndarray = _T  # ops keep recording arrays as op results (no plain asarray copy)
        gen: Any = _RecordingGenerator(random.default_generator())
        ag.default_generator = random.default_generator = lambda: gen

    def __exit__(self, *exc: object) -> None:
        for owner, name, value in self.saved:
            setattr(owner, name, value)


# ----------------------------------------------------------------------------------------
# The replay program


class _Program:
    """The straight-line replay of one trace, as a generated Python function."""

    arrays: list  # (parameter, its array) when traced: set by the compiled step

    def __init__(self, tr: _Trace, inputs: list, ret: Any, ret_slots: list) -> None:
        entries = tr.entries
        escaping = set(ret_slots)
        for e in reversed(entries):  # a view of an array that escapes escapes with it
            if e.kind in ("opaque", "accumulate") or (  # (a numpy scalar is no view)
                    e.view and not e.scalar and (escaping & (set(e.made) | e.writes))):
                escaping |= e.reads
        self._buffers(entries, escaping)
        ns: dict = {f"c{i}": c for i, c in enumerate(tr.consts)}
        ns["_asarray"], ns["_GuardFailed"], ns["_take"] = np.asarray, _GuardFailed, _take
        made_by = {s: e for e in entries for s in e.made}
        uses: dict = {s: 1 for s in ret_slots}
        for e in entries:
            for s in e.reads:
                uses[s] = uses.get(s, 0) + 1
        self.rng_checked = tr.rng_checked
        fresh = {}  # accumulation -> the call that made its gradient for it alone
        for e in entries:
            if e.kind == "accumulate":
                g = next(iter(e.reads))
                src = made_by.get(g)
                if uses[g] == 1 and src is not None and src.template is not None:
                    e.fn = "_take"  # a fresh array made for this gradient alone
                    fresh[e] = src
        flat = _plan_flat_steps(entries, fresh)
        lines = [f"def replay({', '.join(f'v{s}' for s in inputs)}):"]
        # Values that are the same array on every replay are bound once, here: the
        # parameters' arrays (the guard of CompiledStep re-traces when one is replaced) and
        # views of them or of preallocated buffers (a transposed weight)
        for p, slot in tr.persistent:
            ns[f"v{slot}"] = p.data
        for i, plan in enumerate(flat):
            ns[f"f{i}"] = plan
            lines.append(f"    f{i}.check()")
        for e in entries:
            if e.kind == "grad" and not uses.get(e.made[0]):
                continue  # nothing reads that gradient in the step
            line = self._line(e, ns, escaping)
            if (e.kind == "method" and e.fn in _VIEWS and len(e.made) == 1 and not e.writes
                    and all(f"v{s}" in ns for s in e.reads)):
                value = eval(line.split(" = ", 1)[1], ns)  # noqa: S307 - our own source
                if np.may_share_memory(value, ns[e.args[0]]):
                    ns[f"v{e.made[0]}"] = value
                    continue
            if e.buffer is not None and len(e.made) == 1:
                ns[f"v{e.made[0]}"] = e.buffer  # (the line returns its out= buffer)
            lines.append("    " + line)
        lines.append(f"    return ({''.join(f'v{s}, ' for s in ret_slots)})")
        exec("\n".join(lines), ns)  # noqa: S102 - our own generated source
        self.source = "\n".join(lines)
        self.replay = ns["replay"]
        self.ret = ret
        self.calls = len(entries)

    @staticmethod
    def _buffers(entries: list, escaping: set) -> None:
        """Preallocate an ``out=`` buffer for each temporary a ufunc makes; an elementwise
        result takes over the buffer of an input of its shape that is not used after it
        (a fused chain: a, a*b, exp(a*b) all in one buffer)."""
        last_use: dict = {}
        viewed: set = set()
        for i, e in enumerate(entries):
            for s in e.reads | e.writes:
                last_use[s] = i
            if e.view:
                viewed |= e.reads
        owner: dict = {}  # slot -> its buffer (an array), for slots computed into one
        for i, e in enumerate(entries):
            if e.template is None or e.kind == "check" or e.made[0] in escaping:
                continue
            slot, tmpl = e.made[0], e.template
            if e.kind == _ELEMENTWISE and not e.scalar and "where" not in e.kwargs:
                for s in sorted(e.reads):
                    buf = owner.get(s)
                    if (buf is not None and last_use.get(s) == i and s not in viewed
                            and buf.shape == tmpl.shape and buf.dtype == tmpl.dtype
                            and sum(a == f"v{s}" for a in e.args) == 1):
                        e.buffer = owner[slot] = buf
                        break
            if e.buffer is None:
                e.buffer = owner[slot] = np.empty_like(tmpl)

    @staticmethod
    def _line(e: _Entry, ns: dict, escaping: set) -> str:
        lhs = ", ".join(f"v{s}" for s in e.made)
        if e.kind == "unset":
            for p in e.meta:
                ns[f"t{id(p)}"] = p
            return " = ".join(f"t{id(p)}.grad" for p in e.meta) + " = None"
        if e.kind == "direct":  # the gradient was computed into this parameter's .grad
            ns[f"g{id(e.meta)}"] = e.meta
            return f"{e.args[0]}.grad = g{id(e.meta)}"
        if e.kind == "check":
            name, value = e.template  # pyright: ignore[reportGeneralTypeIssues]  # (a pair here)
            return f"if {e.fn}({', '.join(e.args)}) != {value}: raise _GuardFailed({name!r})"
        if e.kind == "method":  # an ndarray method
            obj, rest = e.args[0], e.args[1:]
            call_args = ", ".join(rest + [f"{k}={v}" for k, v in e.kwargs.items()])
            if e.fn == "__getitem__":
                expr = f"{obj}[{rest[0]}]"
            elif e.fn == "__setitem__":
                return f"{obj}[{rest[0]}] = {rest[1]}"
            else:
                expr = f"{obj}.{e.fn}({call_args})"
        else:
            kw = dict(e.kwargs)
            if e.buffer is not None:
                name = f"b{id(e.buffer)}"
                ns[name] = e.buffer
                kw["out"] = name
            call_args = ", ".join(e.args + [f"{k}={v}" for k, v in kw.items()])
            expr = f"{e.fn}({call_args})"
        if e.scalar and e.buffer is None and e.made and e.made[0] in escaping:
            expr = f"_asarray({expr})"  # a 0-d result as eager keeps it: an array
        return f"{lhs} = {expr}" if lhs else expr


# ----------------------------------------------------------------------------------------
# Optimizer steps on flat buffers


def _plan_flat_steps(entries: list, fresh: dict) -> list:
    """Turn each optimizer step the replay can make on flat buffers into a ``_FlatStep``
    call: an optimizer of an elementwise algorithm whose parameters each got one gradient
    made for it alone since its ``zero_grad()`` in the step. Those gradients are computed
    straight into the flat gradient buffer (``out=``); the parameters, gradients and state
    arrays become views of flat buffers (values unchanged)."""
    steps: dict = {}
    for i, e in enumerate(entries):
        if e.meta is not None and e.kind == "opaque" and e.meta[0] == "optimizer.step":
            steps.setdefault(id(e.meta[1]), []).append(i)
    plans: list = []
    taken: set = set()  # parameters already on flat buffers
    for at in steps.values():
        if len(at) != 1:
            continue  # stepped twice in the step: keep its real code
        i = at[0]
        opt = entries[i].meta[1]
        zeroed = [j for j, e in enumerate(entries[:i]) if e.meta is not None
                  and e.kind == "opaque" and e.meta[:2] == ("optimizer.zero_grad", opt)]
        if not zeroed or entries[zeroed[-1]].meta[2] not in ((), (True,)):
            continue
        got: dict = {}  # parameter -> its accumulation, if it has exactly one
        for e in entries[zeroed[-1]:i]:
            if e.kind == "accumulate":
                got[e.meta] = None if e.meta in got else e
        plan = _FlatStep.make(opt, got, fresh, taken)
        if plan is None:
            continue
        for p, e in got.items():
            src = fresh[e]
            src.buffer = plan.grads[p].data  # (the gradient escapes: it had no buffer)
            e.kind, e.meta = "direct", plan.grads[p]
        # its zero_grad(): the same parameters (the plan's check) to None
        entries[zeroed[-1]].kind = "unset"
        entries[zeroed[-1]].meta = [p for g in opt.param_groups for p in g["params"]]
        taken.update(id(p) for p in got)
        entries[i].fn = f"f{len(plans)}"
        plans.append(plan)
    return plans


def _flat_optimizers() -> tuple:
    from nn.optim import SGD, Adadelta, Adagrad, Adam, AdamW, RMSprop
    return SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta


class _Layout:
    """The flat buffers of one parameter group: parameters, gradients and each state array
    (made once per optimizer: the programs of several input shapes share them). Each
    parameter's piece starts a multiple of 64 bytes into a buffer (zeros in between)."""

    def __init__(self, opt: Any, params: list) -> None:
        self.params = params
        align = max(1, 64 // params[0].data.itemsize)
        self.offsets = [0]
        for p in params:
            self.offsets.append(self.offsets[-1] + -(-p.data.size // align) * align)
        self.flat_p = self.flat([p.data for p in params])
        for p, v in zip(params, self.views(self.flat_p)):
            p.data = v
        self.flat_g = np.zeros_like(self.flat_p)
        self.grads = [Tensor._wrap(v) for v in self.views(self.flat_g)]
        self.flat_state: dict = {}
        states = [opt.state[p] for p in params]
        for k, v in states[0].items():
            if isinstance(v, np.ndarray):
                self.adopt(k, self.flat([st[k] for st in states]), states)
        _LAYOUTS.setdefault(opt, []).append(self)

    def flat(self, arrays: list) -> np.ndarray:
        """One buffer holding copies of ``arrays`` (one per parameter) in this layout."""
        buf = np.zeros(self.offsets[-1], arrays[0].dtype)
        for v, a in zip(self.views(buf), arrays):
            v[...] = a
        return buf

    def views(self, buf: np.ndarray) -> list:
        """The piece of flat ``buf`` for each parameter, shaped as it."""
        return [buf[o:o + p.data.size].reshape(p.data.shape)
                for p, o in zip(self.params, self.offsets)]

    def adopt(self, key: str, buf: np.ndarray, states: list) -> None:
        """State ``key`` of every parameter is now its piece of ``buf``."""
        self.flat_state[key] = buf
        for st, v in zip(states, self.views(buf)):
            st[key] = v

    @staticmethod
    def of(opt: Any, params: list) -> _Layout | None:
        """The layout made for this group earlier, if its arrays are all still in place."""
        for lay in _LAYOUTS.get(opt, ()):
            if lay.params is params and all(map(lay._holds, params, [opt.state] * len(params))):
                return lay
        return None

    def _holds(self, p: Tensor, state: dict) -> bool:
        st = state.get(p, {})
        return p.data.base is self.flat_p and all(
            isinstance(st.get(k), np.ndarray) and st[k].base is flat
            for k, flat in self.flat_state.items())


_PLAIN = (float, int, bool, str, tuple, type(None))  # hyperparameters a recording compares
_LAYOUTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # optimizer -> layouts


class _FlatStep:
    """``opt.step()`` made once per parameter group on flat buffers: the optimizer's real
    ``step`` runs on a copy of it whose groups each hold one tensor viewing all of the
    group's parameters (same numpy calls per element as eager, so the same bits). Where
    the state holds arrays only (SGD: no step count in the numbers), the numpy calls of
    that step are recorded for the hyperparameters of the moment and replayed while they
    are the same (a few settings are kept; a schedule changing lr each step runs the real
    step from then on). Where the optimizer's state was replaced (``load_state_dict``),
    its real per-parameter step runs."""

    def __init__(self, opt: Any, real: Callable) -> None:
        self.opt, self.real, self.state = opt, real, opt.state
        self.lists = [(g["params"], len(g["params"])) for g in opt.param_groups]
        self.grads: dict = {}  # parameter -> its .grad (a view of the flat gradient)
        self.params: list = []
        self.sync: list = []  # (layout, state dicts, flat state, non-array keys) per group
        self.shadow = copy.copy(opt)
        self.shadow.param_groups, self.shadow.state = [], {}
        for g in opt.param_groups:
            params = g["params"]
            lay = _Layout.of(opt, params) or _Layout(opt, params)
            self.grads.update(zip(params, lay.grads))
            states = [opt.state[p] for p in params]
            keys = [k for k in states[0] if k not in lay.flat_state]  # ("step": a number)
            whole = Tensor._wrap(lay.flat_p)
            whole.grad = Tensor._wrap(lay.flat_g)
            self.shadow.param_groups.append({**g, "params": [whole]})
            self.shadow.state[whole] = flat_state = dict(lay.flat_state)
            self.sync.append((lay, states, flat_state, keys))
            self.params += params
        self._arrays()

    @classmethod
    def make(cls, opt: Any, got: dict, fresh: dict, taken: set) -> _FlatStep | None:
        """The flat step of ``opt``, if every parameter got one fresh gradient of its own
        shape and dtype (``got``: parameter -> accumulation), each group has one dtype and
        the state arrays are the parameters' shape (else None: its real code runs)."""
        if type(opt) not in _flat_optimizers():
            return None
        for g in opt.param_groups:
            dtype = g["params"][0].data.dtype
            placed = _Layout.of(opt, g["params"]) is not None
            keys = None
            for p in g["params"]:
                e = got.get(p)
                src = fresh.get(e)
                d = p.data
                if (src is None or id(p) in taken or src.buffer is not None or src.scalar
                        or "out" in src.kwargs or src.kwargs.get("where", "True") != "True"
                        or src.template.shape != d.shape or src.template.dtype != d.dtype
                        or d.dtype != dtype or not d.flags.c_contiguous
                        or p._aliases or p._base is not None
                        or d.base is not None and not placed):
                    return None
                st = opt.state.get(p, {})
                if keys is None:
                    keys = st.keys()
                    first = st
                if st.keys() != keys or p not in opt.state and keys:
                    return None
                for k, v in st.items():
                    if isinstance(v, np.ndarray):
                        if (v.shape != d.shape or v.dtype != dtype
                                or v.base is not None and not placed):
                            return None
                    elif type(v) is not type(first[k]) or v != first[k]:
                        return None
        if len(got) != sum(len(g["params"]) for g in opt.param_groups):
            return None  # a gradient into a parameter of no group
        for g in opt.param_groups:
            for p in g["params"]:
                opt.state[p]  # (SGD keeps an empty state, made by the first step)
        return cls(opt, functools.partial(type(opt).step, opt))

    def check(self) -> None:
        """At the start of the replay: the groups still hold the same parameters (the
        replay computes their gradients straight into their .grad)."""
        groups = self.opt.param_groups
        if len(groups) == len(self.lists):
            for g, (ps, n) in zip(groups, self.lists):
                if g["params"] is not ps or len(ps) != n:
                    break
            else:
                return
        raise _GuardFailed("the optimizer's parameter groups changed")

    def __call__(self) -> None:
        opt = self.opt
        if opt.state is not self.state:
            self.real()
            return
        hyper = [[v for k, v in g.items() if k != "params"] for g in opt.param_groups]
        for known, replay in self.replays:
            if known == hyper:
                replay(*self.arrays)
                break
        else:
            self._step(hyper)
        for p in self.params:
            p._bump_version()  # as eager's step does: a graph that saved p refuses backward

    def _step(self, hyper: list) -> None:
        """The real step of the shadow optimizer, recorded where it can be replayed: its
        state holds arrays only (no step count baked into its numbers), a few settings."""
        for g, mine in zip(self.opt.param_groups, self.shadow.param_groups):
            whole = mine["params"]
            mine.update(g)  # hyperparameters as they are now (a scheduler's lr)
            mine["params"] = whole
        for _, states, flat_state, keys in self.sync:
            for k in keys:  # the step counts as they are now (another program's steps)
                flat_state[k] = states[0][k]
        if (any(keys for *_, keys in self.sync) or len(self.replays) >= 4
                or not all(type(v) in _PLAIN for h in hyper for v in h)):
            self.shadow.step()
        else:
            self._record(hyper)
        for lay, states, flat_state, keys in self.sync:
            if len(flat_state) != len(lay.flat_state) + len(keys):  # a new buffer (momentum
                for k, v in flat_state.items():  # set where it was 0): each its piece
                    if k not in lay.flat_state and k not in keys:
                        if isinstance(v, np.ndarray):
                            lay.adopt(k, v, states)
                        else:
                            keys.append(k)
                self._arrays()
            for k in keys:
                v = flat_state[k]
                for st in states:
                    st[k] = v

    def _arrays(self) -> None:
        """The arrays a recorded step reads and writes (a new state buffer: new ones)."""
        self.replays: list = []  # (hyperparameters, the recorded numpy calls of the step)
        self.arrays = [a for lay, _, flat_state, _ in self.sync
                       for a in [lay.flat_p, lay.flat_g, *flat_state.values()]]

    def _record(self, hyper: list) -> None:
        """Run the shadow's step on recording views of the flat arrays: the numpy calls
        it makes for these hyperparameters, replayed while they stay the same."""
        global _TRACER
        tr = _Trace([])
        views = [tr.new(a) for a in self.arrays]
        mine_of = {id(a): v for a, v in zip(self.arrays, views)}
        it = iter(views)
        for mine, (_, _, flat_state, _) in zip(self.shadow.param_groups, self.sync):
            whole = mine["params"][0]
            whole.data, whole.grad.data = next(it), next(it)
            for k in flat_state:
                flat_state[k] = next(it)
        _TRACER = tr
        try:
            self.shadow.step()
        finally:
            _TRACER = None
            for mine, (lay, _, flat_state, _) in zip(self.shadow.param_groups, self.sync):
                whole = mine["params"][0]
                whole.data, whole.grad.data = lay.flat_p, lay.flat_g
                for k, v in flat_state.items():
                    if k in lay.flat_state and v is mine_of.get(id(lay.flat_state[k])):
                        flat_state[k] = lay.flat_state[k]
                    else:  # a buffer made by the step: not replayed
                        flat_state[k] = _raw(v)
                        tr.fail("a new state buffer")
        if tr.failed is None:
            self.replays.append((hyper, _Program(tr, [v._slot for v in views], None, [])
                                 .replay))


# ----------------------------------------------------------------------------------------
# The compiled step


def _same(a: Any, b: Any) -> bool:
    """Bit-for-bit equality of two snapshots (nested lists/dicts of arrays and numbers)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and a.shape == b.shape and a.tobytes() == b.tobytes())
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


class CompiledStep:
    """What ``ag.compile(step_fn)`` returns: call it as ``step_fn``. ``fallbacks`` maps each
    signature that runs eagerly to the reason."""

    def __init__(self, fn: Callable) -> None:
        self.fn = fn
        self.programs: dict = {}
        self.fallbacks: dict = {}
        self._state: dict = {}  # signature -> "verify" | "ok"
        self._found: tuple | None = None  # (modules, optimizers, every submodule)
        functools.update_wrapper(self, fn)

    # -- discovery of the state the step reads: modules and optimizers it refers to
    def _roots(self) -> tuple[list, list]:
        """The modules, optimizers and schedulers the step reaches through its closure,
        the globals it names, its ``self`` (for a bound method) and, the same way, the
        Python functions it calls (a few levels deep)."""
        from nn.modules import Module
        from nn.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau
        from nn.optim.optimizer import Optimizer

        kinds = (Module, Optimizer, LRScheduler, ReduceLROnPlateau)
        found: list = []
        visited: set = set()

        def scan(v: Any, depth: int) -> None:
            if id(v) in visited or depth > 4:
                return
            visited.add(id(v))
            if isinstance(v, kinds):
                found.append(v)
                if isinstance(v, (LRScheduler, ReduceLROnPlateau)):
                    scan(v.optimizer, depth)
                return
            if isinstance(v, (list, tuple)):
                for x in v:
                    scan(x, depth)
            elif isinstance(v, types.MethodType):
                scan(v.__self__, depth + 1)
                scan(v.__func__, depth)
            elif isinstance(v, types.FunctionType):
                for cell in v.__closure__ or ():
                    try:
                        scan(cell.cell_contents, depth + 1)
                    except ValueError:  # an empty cell
                        pass
                for name in v.__code__.co_names:
                    if name in v.__globals__:
                        scan(v.__globals__[name], depth + 1)
            elif depth == 1 and not isinstance(v, (type, types.ModuleType)):
                for x in getattr(v, "__dict__", {}).values():  # the step's self
                    scan(x, depth + 1)

        scan(self.fn, 0)
        modules = [m for m in found if isinstance(m, Module)]
        # schedulers ride with the optimizers: their state is part of what the check of
        # a new trace compares
        optims = [o for o in found if not isinstance(o, Module)]
        return modules, optims

    def _discover(self) -> tuple:
        """The modules and optimizers the step refers to (found once: the guards read
        their training flags and parameter arrays on every call)."""
        if self._found is None:
            modules, optims = self._roots()
            self._found = (modules, optims, [m for root in modules for m in root.modules()])
        return self._found

    @staticmethod
    def _signature(args: tuple, kwargs: dict, submodules: list) -> Any:
        sig = [(a.data.shape, a.data.dtype, a.requires_grad) if isinstance(a, Tensor)
               else ("ndarray", a.shape, a.dtype) if isinstance(a, np.ndarray)
               else (type(a), a) for a in (args + tuple(kwargs.values()) if kwargs else args)]
        training = tuple([m.training for m in submodules])
        return (tuple(sig), tuple(kwargs), engine.MODE.grad_enabled, training)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if engine.MODE.anomaly:
            return self.fn(*args, **kwargs)
        modules, optims, submodules = self._found or self._discover()
        try:
            key = self._signature(args, kwargs, submodules)
            prog = self.programs.get(key)
        except TypeError:
            return self._eager(None, "an argument is neither a tensor nor hashable", args, kwargs)
        if prog is not None:
            for p, a in prog.arrays:
                if p.data is not a:  # a parameter got a new array: trace again
                    break
            else:
                if self._state[key] == "ok":
                    return self._run(prog, args, kwargs, key)
                return self._verify(key, prog, args, kwargs, modules, optims)
        if key in self.fallbacks:
            return self.fn(*args, **kwargs)
        return self._trace(key, args, kwargs, modules, optims)

    def _eager(self, key: Any, reason: str, args: tuple, kwargs: dict) -> Any:
        name = getattr(self.fn, "__qualname__", repr(self.fn))
        warnings.warn(f"ag.compile({name}): running eagerly: {reason}", RuntimeWarning,
                      stacklevel=3)
        if key is not None:
            self.fallbacks[key] = reason
            self.programs.pop(key, None)
        return self.fn(*args, **kwargs)

    @staticmethod
    def _inputs(args: tuple, kwargs: dict) -> list:
        return [a.data if isinstance(a, Tensor) else a
                for a in (args + tuple(kwargs.values()) if kwargs else args)
                if isinstance(a, (Tensor, np.ndarray))]

    def _run(self, prog: _Program, args: tuple, kwargs: dict, key: Any = None) -> Any:
        state = random.default_generator().bit_generator.state if prog.rng_checked else None
        try:
            out = prog.replay(*self._inputs(args, kwargs))
        except _GuardFailed as e:
            if state is not None:
                random.default_generator().bit_generator.state = state
            return self._eager(key, _changed(e), args, kwargs)
        if prog.ret is _HOLE:  # (the usual step: it returns the loss)
            return Tensor._wrap(out[0])
        return _rebuild(prog.ret, iter(out))

    # -- tracing
    def _trace(self, key, args, kwargs, modules, optims) -> Any:
        global _TRACER
        persistent: list = []
        for t in _state_tensors(modules, optims):
            if all(t is not q for q in persistent):
                persistent.append(t)
        tr = _Trace([])
        swapped = []  # (tensor, plain data) to put back
        call_args, call_kwargs, inputs = list(args), dict(kwargs), []

        def recorded(a: Any) -> Any:
            if isinstance(a, Tensor):
                view = tr.new(a.data)
                inputs.append(view._slot)
                swapped.append((a, a.data))
                a.data = view
                return a
            if isinstance(a, np.ndarray):
                view = tr.new(a)
                inputs.append(view._slot)
                return view
            return a
        call_args = [recorded(a) for a in args]
        call_kwargs = {k: recorded(v) for k, v in kwargs.items()}
        for t in persistent:
            if any(t is s for s, _ in swapped):
                continue  # an argument too
            view = tr.new(t.data)
            tr.persistent.append((t, view._slot))
            tr.persistent_slots.add(view._slot)
            swapped.append((t, t.data))
            t.data = view
        _TRACER = tr
        try:
            with _Hooks():
                result = self.fn(*call_args, **call_kwargs)
        finally:
            _TRACER = None
            for t, data in swapped:
                if t.data is not data and (type(t.data) is not _T or t.data.base is not data):
                    tr.fail("the step assigns a new array to .data of a tensor")
                    data = _raw(t.data)
                t.data = data
        ret = None
        if tr.failed is None:
            try:
                ret, ret_slots = _returned(tr, result)
            except _Stop as e:
                tr.failed = str(e)
        _unwrap_state(persistent, optims, result)
        if tr.failed is None:
            prog = _Program(tr, inputs, ret, ret_slots)
        if tr.failed is not None:
            name = getattr(self.fn, "__qualname__", repr(self.fn))
            warnings.warn(f"ag.compile({name}): running eagerly: {tr.failed}", RuntimeWarning,
                          stacklevel=3)
            self.fallbacks[key] = tr.failed
            return result
        prog.arrays = [(p, p.data) for p, _ in tr.persistent]
        self.programs[key] = prog
        self._state[key] = "verify"
        return result

    # -- the check of a new trace against eager, on its second call
    def _verify(self, key, prog, args, kwargs, modules, optims) -> Any:
        tensors = [p for p, _ in prog.arrays]
        before = _snapshot(tensors, optims)
        eager = self.fn(*args, **kwargs)
        after = _snapshot(tensors, optims)
        eager_out = _detached(eager)
        _restore(tensors, optims, before)
        try:
            replayed = _rebuild(prog.ret, iter(prog.replay(*self._inputs(args, kwargs))))
        except _GuardFailed as e:
            replayed, reason = None, _changed(e)
        else:
            reason = ("the replay differs from eager (the step uses something the trace does "
                      "not see: a numpy call on a plain array, Python state, ...)")
        if (replayed is not None and _same(_snapshot(tensors, optims), after)
                and _same(_detached(replayed), eager_out)):
            self._state[key] = "ok"
            return replayed
        _restore(tensors, optims, after)
        return self._eager_done(key, eager, reason)

    def _eager_done(self, key, eager, reason: str) -> Any:
        name = getattr(self.fn, "__qualname__", repr(self.fn))
        warnings.warn(f"ag.compile({name}): running eagerly: {reason}", RuntimeWarning,
                      stacklevel=4)
        self.fallbacks[key] = reason
        self.programs.pop(key, None)
        return eager


_VIEWS = frozenset(("transpose", "__getitem__", "reshape", "view", "squeeze", "swapaxes",
                    "ravel", "diagonal"))  # methods that may return a view (one is checked)


def _changed(e: _GuardFailed) -> str:
    if " " in e.args[0]:  # a reason, not the name of a read
        return e.args[0]
    return (f"{e.args[0].strip('_')}() of a traced value changed between calls (Python "
            "control flow on data)")


def _state_tensors(modules: list, optims: list) -> list:
    out = []
    for m in modules:
        out.extend(m.parameters())
        out.extend(m.buffers())
    for o in optims:
        for g in [] if _is_scheduler(o) else o.param_groups:
            out.extend(g["params"])
    return out


def _unwrap_state(persistent: list, optims: list, result: Any) -> None:
    """Turn recording arrays left in user-visible places back into plain arrays."""
    for t in persistent:
        if t.grad is not None and type(t.grad.data) is _T:
            t.grad.data = _raw(t.grad.data)
    for o in optims:
        for st in {} if _is_scheduler(o) else o.state.values():
            for k, v in st.items():
                if type(v) is _T:
                    st[k] = _raw(v)
    for t in _tensors_in(result):
        if type(t.data) is _T:
            t.data = _raw(t.data)
        if t.grad is not None and type(t.grad.data) is _T:
            t.grad.data = _raw(t.grad.data)


def _tensors_in(v: Any) -> list:
    if isinstance(v, Tensor):
        return [v]
    if isinstance(v, (list, tuple)):
        return [t for x in v for t in _tensors_in(x)]
    if isinstance(v, dict):
        return [t for x in v.values() for t in _tensors_in(x)]
    return []


def _returned(tr: _Trace, result: Any) -> tuple[Any, list]:
    """The structure of the step's result (Tensors become placeholders) and their slots."""
    slots: list = []

    def walk(v):
        if isinstance(v, Tensor):
            if type(v.data) is not _T or v.data._slot is None:
                raise _Stop("the step returns a tensor the trace did not compute")
            slots.append(v.data._slot)
            return _HOLE
        if isinstance(v, (list, tuple)):
            return type(v)(walk(x) for x in v)
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        raise _Stop(f"the step returns a {type(v).__name__}")
    return walk(result), slots


_HOLE = object()


def _rebuild(ret: Any, values: Any) -> Any:
    if ret is _HOLE:
        return Tensor._wrap(next(values))
    if isinstance(ret, (list, tuple)):
        return type(ret)(_rebuild(x, values) for x in ret)
    if isinstance(ret, dict):
        return {k: _rebuild(x, values) for k, x in ret.items()}
    return ret


def _detached(v: Any) -> Any:
    if isinstance(v, Tensor):
        return np.array(v.data)
    if isinstance(v, (list, tuple)):
        return [_detached(x) for x in v]
    if isinstance(v, dict):
        return {k: _detached(x) for k, x in v.items()}
    return v


def _is_scheduler(o: Any) -> bool:
    return hasattr(o, "optimizer")


def _snapshot(tensors: list, optims: list) -> list:
    """Copies of every parameter, gradient, optimizer state value and hyperparameter,
    scheduler attribute, and the generator's state (``optims`` holds the schedulers too)."""
    snap: list = [[np.array(t.data) for t in tensors],
                  [None if t.grad is None else np.array(t.grad.data) for t in tensors]]
    for o in optims:
        if _is_scheduler(o):
            snap.append({k: copy.copy(v) for k, v in vars(o).items() if k != "optimizer"})
            continue
        params = [p for g in o.param_groups for p in g["params"]]
        snap.append(([{k: v for k, v in g.items() if k != "params"} for g in o.param_groups],
                     [{k: np.array(v) if isinstance(v, np.ndarray) else v
                       for k, v in o.state[p].items()} if p in o.state else None
                      for p in params]))
    snap.append(random.default_generator().bit_generator.state)
    return snap


def _restore(tensors: list, optims: list, snap: list) -> None:
    for t, d, g in zip(tensors, snap[0], snap[1]):
        t.data[...] = d
        t.grad = None if g is None else Tensor._wrap(g.copy())
    for o, saved in zip(optims, snap[2:-1]):
        if isinstance(saved, dict):  # a scheduler
            vars(o).update({k: copy.copy(v) for k, v in saved.items()})
            continue
        hyper, states = saved
        for g, h in zip(o.param_groups, hyper):
            g.update(h)
        for p, st in zip([p for g in o.param_groups for p in g["params"]], states):
            if st is None:
                o.state.pop(p, None)
                continue
            now = o.state[p]
            for k in [k for k in now if k not in st]:
                del now[k]
            for k, v in st.items():  # into the arrays there (views of a flat buffer)
                old = now.get(k)
                if (isinstance(v, np.ndarray) and isinstance(old, np.ndarray)
                        and old.shape == v.shape and old.dtype == v.dtype):
                    old[...] = v
                else:
                    now[k] = np.array(v) if isinstance(v, np.ndarray) else v
    random.default_generator().bit_generator.state = snap[-1]


def compile(step_fn: Callable) -> CompiledStep:  # noqa: A001 - torch.compile's name
    """Trace ``step_fn`` (forward, loss, backward, optimizer update) once per input
    signature and replay its numpy calls; falls back to eager with a warning (the reason)
    where the step cannot be traced. Results are bit-identical to eager; the returned
    tensors carry no graph.

    >>> step = ag.compile(step)          # def step(x, y): ...; return loss
    >>> loss = step(x, y)                # x: (64, 784) float32, y: (64,) int64
    """
    if not callable(step_fn):
        raise TypeError(f"compile: step_fn must be callable, got {step_fn!r}")
    return CompiledStep(step_fn)
