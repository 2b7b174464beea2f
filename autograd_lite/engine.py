"""The autograd engine: grad mode, graph nodes and the (iterative) backward pass.

A graph node records, for one op call, its inputs and one vector-Jacobian product (vjp)
per input. A vjp is called as ``vjp(xp, g, out, *values)``:

* first-order backward: ``xp`` is :data:`ops.ARRAY_MATH`, ``g``/``out``/``values`` are numpy
  arrays (no Tensor is built for intermediates, which keeps the per-op cost low);
* ``create_graph=True``: ``xp`` is the Tensor op namespace and ``g``/``out``/``values`` are
  Tensors, so the very same vjp code records a differentiable graph of the backward pass.
"""

from __future__ import annotations

import math
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

# ----------------------------------------------------------------------------------------
# Grad mode and anomaly mode (thread-local, as in PyTorch)


class _Mode(threading.local):
    grad_enabled = True
    anomaly = False


MODE = _Mode()
# How many threads are inside detect_anomaly: a plain global the hot paths test first, so
# they read the thread-local MODE.anomaly (~30 ns) only while anomaly mode is in use.
ANOMALY_USERS = [0]
_ANOMALY_LOCK = threading.Lock()
Tensor: Any = None  # set by autograd_lite.tensor (the two modules need each other)
ops: Any = None  # set by autograd_lite.ops: the vjps' ``xp`` under create_graph


def is_grad_enabled() -> bool:
    """Whether ops record the graph in this thread."""
    return MODE.grad_enabled


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on in this thread."""
    return MODE.anomaly


class _SetMode:
    """Context manager and decorator that sets one thread-local mode flag."""

    _attr = "grad_enabled"
    _value = True

    def __new__(cls, *args: Any) -> Any:  # (an instance, or the decorated function)
        if len(args) == 1 and callable(args[0]):  # bare decorator: @ag.no_grad
            return cls()(args[0])
        if args and cls is not set_grad_enabled:
            raise TypeError(f"{cls.__name__}: takes no arguments (use `with ag.{cls.__name__}():`"
                            f" or decorate a function with it), got {args[0]!r}")
        return super().__new__(cls)

    def __enter__(self) -> None:
        self._prev = getattr(MODE, self._attr)
        self._set(self._value, self._prev)

    def __exit__(self, *exc: object) -> None:
        self._set(self._prev, self._value)

    def _set(self, value: bool, old: bool) -> None:
        setattr(MODE, self._attr, value)
        if self._attr == "anomaly" and value != old:
            with _ANOMALY_LOCK:
                ANOMALY_USERS[0] += 1 if value else -1

    def __call__(self, fn: Callable) -> Callable:
        import functools
        import inspect

        mode_cls = type(self)
        if inspect.isgeneratorfunction(fn):
            # A generator runs in steps: each step runs in the mode (as PyTorch does),
            # and the caller's mode is back while the generator is paused.
            @functools.wraps(fn)
            def generator_wrapper(*args, **kwargs):
                gen = fn(*args, **kwargs)
                try:
                    with mode_cls():
                        value = next(gen)
                    while True:
                        sent = yield value
                        with mode_cls():
                            value = gen.send(sent)
                except StopIteration as stop:
                    return stop.value

            return generator_wrapper

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with mode_cls():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_SetMode):
    """Ops inside build no graph: ``with ag.no_grad(): ...`` or ``@ag.no_grad()``."""

    _value = False


class enable_grad(_SetMode):
    """Turn recording back on inside a ``no_grad`` region."""

    _value = True


class detect_anomaly(_SetMode):
    """Raise at the first op whose forward or backward produces NaN/Inf, naming the op
    and the file:line where it was created."""

    _attr = "anomaly"
    _value = True


class set_grad_enabled(_SetMode):
    """``with ag.set_grad_enabled(False): ...`` — grad mode from a flag."""

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, (bool, np.bool_)):
            raise TypeError(f"set_grad_enabled: mode must be True or False, got {mode!r}")
        self._value = bool(mode)

    def __call__(self, fn: Callable) -> Callable:  # pragma: no cover - mirrors PyTorch
        raise TypeError("set_grad_enabled is used as a context manager")


# ----------------------------------------------------------------------------------------
# Graph nodes


def _user_frame() -> str:
    """file:line of the innermost frame outside this library (for anomaly messages)."""
    for frame in reversed(traceback.extract_stack()[:-2]):
        path = frame.filename.replace("\\", "/")
        if "/autograd_lite/" not in path and "/nn/" not in path:
            return f"{frame.filename}:{frame.lineno}"
    return "<unknown>"


class Node:
    """One recorded op: what ``t.grad_fn`` is. ``name`` is the op's readable name."""

    # Set only when used (never in __init__, to keep recording cheap): ``grad``, the
    # gradient of the output in the last backward that kept the graph (what viz draws).
    # ``owners``: the (Module, its inputs) that made this output (nn tags it; freed with
    # the graph), None until tagged (set here: reading an unset slot costs ~0.15 µs).
    __slots__ = ("name", "inputs", "values", "vjps", "versions", "out_data", "args", "where",
                 "out_version", "grad", "owners")
    grad: Any
    owners: tuple | None

    def __init__(self, name, inputs, values, vjps, versions, out_data, args):
        # ops._binary_op and ops._elementwise write this out (two calls less per op): a new
        # slot set here must be set there too (tests/test_fast_paths.py checks it).
        self.name = name
        self.inputs = inputs  # Tensors and Python constants, as passed to the op
        self.values = values  # their numpy values, what first-order vjps read
        self.vjps = vjps
        self.versions = versions  # each input Tensor's version when used; -1 for constants
        self.out_data = out_data
        self.args = args  # op arguments worth showing (e.g. {"axis": 1}), or None
        self.where = _user_frame() if ANOMALY_USERS[0] and MODE.anomaly else None
        self.out_version = 0  # the output's version when made (in-place ops may raise it)
        self.owners = None

    @property
    def label(self) -> str:
        """``sum(axis=1)``: the name with the arguments that shape the op."""
        if not self.args:
            return self.name
        inner = ", ".join(f"{k}={v!r}" for k, v in self.args.items())
        return f"{self.name}({inner})"

    @property
    def next_tensors(self) -> tuple:
        """The input Tensors this node sends gradient to (empty once freed)."""
        return tuple(t for t in self.inputs or () if isinstance(t, Tensor))

    def __repr__(self) -> str:
        return f"<{self.label} backward>"


def tag_owner(node: Node, owner: Any, args: tuple, output: Any) -> None:
    """Record on ``node`` (the graph node of ``output``) that ``owner`` (an nn Module, or
    an nn function) made it from ``args``, so a drawing can group its ops (viz); inner
    owners tag first, so ``node.owners`` runs inner to outer. A backward that frees the
    graph drops the tag."""
    for a in args:
        if a is output:  # an identity (eval-mode Dropout, Identity): nothing made here
            return
    owners = node.owners
    node.owners = ((owner, args),) if owners is None else owners + ((owner, args),)


def _version_error(node: Node, i: int | None = None) -> RuntimeError:
    """The error for input ``i`` of ``node`` (default: the first) changed in place since it
    was used."""
    if i is None:
        i = next(i for i, (t, v) in enumerate(zip(node.inputs, node.versions))
                 if v >= 0 and t._version != v)
    t, v = node.inputs[i], node.versions[i]
    return RuntimeError(
        f"one of the tensors needed for the gradient of '{node.name}' (input {i}, "
        f"shape {t.shape}) was modified by an in-place operation after it was used "
        f"(version {v} then, {t._version} now); compute on a copy (t.clone()) "
        "or do the in-place change before using the tensor"
    )


def _output_version_error(t, node: Node) -> RuntimeError:
    return RuntimeError(
        f"the output of '{node.name}' (shape {t.shape}), which its gradient needs, was "
        f"modified by an in-place operation after it was computed; modify a copy "
        "(t.clone()) instead"
    )


# What each op's backward reads, declared next to the op (ops._reads): op name -> one
# entry per input, the set of saved values that input's vjp reads (input positions and
# "out"); the last entry stands for any further inputs. An op not listed reads everything.
# Only a changed value that a vjp to be called reads refuses a backward (as PyTorch).
READS: dict = {}


def _reads_of(node: Node, inputs: Sequence) -> set:
    """The saved values (input positions, "out") that the vjps ``node`` will call read."""
    table = READS.get(node.name)
    used: set = set()
    for j, (p, v) in enumerate(zip(inputs, node.versions)):
        if v < 0 or not p.requires_grad or node.vjps[j] is None:
            continue
        if table is None:
            return set(range(len(inputs))) | {"out"}
        used |= table[min(j, len(table) - 1)]
    return used


def _route(p, v: int):
    """The tensor standing for ``p``'s history when it was at version ``v``: ``p`` itself,
    or the snapshot an in-place op made before giving ``p`` a new history."""
    for version, snapshot in p._past or ():
        if version >= v:
            return snapshot
    return p


def _reroute(node: Node) -> int | None:
    """Let ``node`` name the histories its inputs had when used, for those written in
    place since (so `c += c + 1` sends `c + 1`'s gradient to the old c: no cycle). Returns
    instead the first such input whose saved value a vjp to be called reads, if any."""
    inputs, versions = list(node.inputs), list(node.versions)
    changed = [i for i, (q, w) in enumerate(zip(inputs, versions))
               if w >= 0 and q._version != w]
    if not changed:
        return None
    for i in changed:
        inputs[i] = _route(inputs[i], versions[i])
    reads = _reads_of(node, inputs)
    for i in changed:
        if i in reads:
            return i
        versions[i] = inputs[i]._version
    node.inputs, node.versions = tuple(inputs), tuple(versions)
    return None


def _resolve(node: Node, p, v: int):
    """Input ``p`` (used at version ``v``) of ``node`` was written in place since: refuse
    if a vjp to be called reads a changed saved value of ``node``, else reroute ``node``.
    Returns what stands for ``p`` now."""
    bad = _reroute(node)  # (nothing to do when an earlier input already rerouted node)
    if bad is not None:
        raise _version_error(node, bad)
    return _route(p, v)


def _check_output(t, node: Node) -> None:
    """``t`` (``node``'s output) was written in place: refuse if a vjp to be called reads
    it, else accept the change."""
    if "out" in _reads_of(node, node.inputs):
        raise _output_version_error(t, node)
    node.out_version = t._version


def unbroadcast(g, shape: tuple):
    """Reduce a gradient ``g`` (array or Tensor) to ``shape`` by summing broadcast axes.

    >>> unbroadcast(np.ones((4, 3)), (3,)).shape   # (3,)
    """
    gshape = g.shape
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    if lead >= 0:
        inner = tuple(lead + i for i, s in enumerate(shape) if s == 1 and gshape[lead + i] != 1)
        if inner:
            g = g.sum(axis=inner, keepdims=True)
        if lead:  # (N, out) -> (out,): no keepdims, so no reshape after
            g = g.sum(axis=tuple(range(lead)))
        if g.shape != shape and math.prod(g.shape) == math.prod(shape):
            return g.reshape(shape)
    if g.shape != shape:  # g smaller than the input (e.g. a scalar gradient): broadcast it
        g = ops.broadcast_to(g, shape) if isinstance(g, Tensor) else np.broadcast_to(g, shape)
    return g


# ----------------------------------------------------------------------------------------
# The backward pass


# The backward's dicts are keyed by the tensors themselves: their hash is their identity
# (Tensor.__hash__) and a dict compares keys by identity first, so == (elementwise) is
# never called; this saves an identity call per lookup.


def _count_consumers(roots: Sequence) -> dict:
    """For every tensor reachable from ``roots``: how many graph edges consume it.
    A tensor's gradient is complete once that many consumers have sent theirs."""
    consumers: dict = {}
    root_set = set(roots)
    stack = [r.grad_fn for r in roots if r.grad_fn is not None]  # nodes (leaves: no work)
    while stack:
        node = stack.pop()
        while node is not None:  # on down a chain of nodes without the stack
            if node.inputs is None:
                raise RuntimeError(
                    f"trying to backward through the graph a second time (through "
                    f"'{node.name}'): its saved values were freed by the first backward; "
                    "pass retain_graph=True to the first backward if you need to run it twice"
                )
            nxt = None
            for p, v in zip(node.inputs, node.versions):
                if v < 0:
                    continue
                if p._version != v:  # written in place since it was used (rare)
                    p = _resolve(node, p, v)
                if p.requires_grad:
                    if p in consumers:
                        consumers[p] += 1
                    else:
                        consumers[p] = 1
                        if p.grad_fn is not None and p not in root_set:
                            if nxt is not None:
                                stack.append(nxt)
                            nxt = p.grad_fn
            node = nxt
    return consumers


def run_backward(
    roots: Sequence,
    root_grads: Sequence,
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence | None = None,
) -> list | None:
    """Propagate ``root_grads`` from ``roots`` back through the graph, iteratively: a
    tensor is processed once all its consumers have sent it their gradient.

    With ``inputs=None`` gradients accumulate into the ``.grad`` of leaves (``backward``);
    otherwise the gradients of ``inputs`` are returned and no ``.grad`` is touched
    (``ag.grad``).
    """
    xp = ops if create_graph else ops.ARRAY_MATH
    anomaly = ANOMALY_USERS[0] and MODE.anomaly
    consumers = _count_consumers(roots)
    pending = len(consumers)  # tensors still waiting for all their consumers
    grads: dict = {}
    ready = []
    for r, g in zip(roots, root_grads):
        if r in grads:
            grads[r] = grads[r] + g
        else:
            grads[r] = g
            if r not in consumers:
                ready.append(r)
    wanted: dict | None = None  # input tensor -> its positions in ``inputs`` (may repeat)
    if inputs is not None:
        wanted = {}
        for i, t in enumerate(inputs):
            wanted.setdefault(t, []).append(i)
    results: list = [None] * (0 if inputs is None else len(inputs))

    prev_mode = MODE.grad_enabled
    MODE.grad_enabled = create_graph
    try:
        while ready:
            t = ready.pop()
            g = grads.pop(t, None)
            while True:  # t's gradient g is complete; on along a chain without `ready`
                node = t.grad_fn
                if g is not None:
                    if t._hooks:
                        g = _run_hooks(t, g, create_graph)
                    if wanted is not None:
                        for i in wanted.get(t, ()):
                            results[i] = g
                    elif node is None or t._retains_grad:
                        _accumulate_grad(t, g, create_graph, node is None)
                if node is None:
                    break
                if t._version != node.out_version:
                    _check_output(t, node)
                if create_graph:
                    values, out = node.inputs, t
                else:
                    values, out = node.values, node.out_data
                t = g_next = None  # next: an input whose gradient completes here, if any
                for p, vjp, v in zip(node.inputs, node.vjps, node.versions):
                    if v < 0:
                        continue  # a constant
                    if p._version != v:
                        raise _version_error(node)
                    if not p.requires_grad:
                        continue
                    gp = None
                    if g is not None and vjp is not None:
                        gp = vjp(xp, g, out, *values)
                        if gp is not None:
                            pdata = p.data
                            if gp.shape != pdata.shape:
                                gp = unbroadcast(gp, pdata.shape)
                            dt = pdata.dtype
                            if gp.dtype is not dt and gp.dtype != dt:  # mixed-dtype ops
                                gp = xp.astype(gp, dt)  # the gradient in p's dtype
                            if anomaly:
                                _check_gradient(node, gp, p)
                    left = consumers[p] - 1
                    if left:  # more consumers to come: keep the sum so far
                        consumers[p] = left
                        if gp is not None:
                            grads[p] = grads[p] + gp if p in grads else gp
                        continue
                    pending -= 1
                    if p in grads:  # what the earlier consumers sent
                        gp = grads.pop(p) if gp is None else grads.pop(p) + gp
                    if p.grad_fn is not None or wanted is not None or p._hooks:
                        if t is not None:  # a second input completes: the first waits
                            ready.append(t)
                            if g_next is not None:
                                grads[t] = g_next
                        t, g_next = p, gp
                    elif gp is not None:  # a leaf's gradient is complete: into its .grad
                        _accumulate_grad(p, gp, create_graph, True)  # (may take gp as it is)
                gp = None  # hold no gradient here: a leaf may take its array (_accumulate_grad)
                if retain_graph:  # keep this backward's gradient for drawing (viz, explain)
                    node.grad = g if not create_graph or g is None else g.data
                else:
                    node.inputs = node.values = node.out_data = node.vjps = node.owners = None
                if t is None:
                    break
                g, g_next = g_next, None
    finally:
        MODE.grad_enabled = prev_mode
    if pending:
        raise RuntimeError(
            "backward: the graph has a cycle, made by an in-place operation whose value was "
            "computed from the tensor it modifies (e.g. `h += h * 2` or `h[0] = h[1]`); "
            "write that step out of place (`h = h + h * 2`)"
        )

    if inputs is None:
        return None
    if create_graph:
        return results
    # Copies: a result may be a read-only broadcast view, or alias grad_outputs.
    return [None if g is None else Tensor._wrap(np.array(g)) for g in results]


def _check_gradient(node: Node, gp: Any, p: Any) -> None:
    data = gp.data if isinstance(gp, Tensor) else gp
    if not np.isfinite(data).all():
        raise RuntimeError(
            f"anomaly detected: backward of '{node.name}' produced NaN or Inf in the "
            f"gradient of its input of shape {p.shape}; the op was created at "
            f"{node.where or '<unknown>'}"
        )


def _run_hooks(t, g, create_graph: bool):
    for hook in list(t._hooks.values()):
        gt = g if create_graph else Tensor._wrap(g)
        new = hook(gt)
        if new is not None:
            g = new if create_graph else np.asarray(new.data if isinstance(new, Tensor) else new)
    return g


def _sole_refcounts() -> tuple[int, int]:
    """What ``sys.getrefcount`` reports (it differs between interpreters) inside a function
    for an array held only by the caller's local variable, and for the base of such a view."""

    def probe(g):
        return sys.getrefcount(g), sys.getrefcount(g.base)

    g = np.empty(1)[:]
    return probe(g)


_SOLE_REFS, _SOLE_BASE_REFS = _sole_refcounts()


# Backwards running in several threads into the same leaves take turns to add into .grad
# (as PyTorch's AccumulateGrad): numpy drops the GIL inside `grad += g`.
_ACCUMULATE_LOCK = threading.Lock()
_new = object.__new__


def _accumulate_grad(t, g, create_graph: bool, leaf: bool = False) -> None:
    """Add ``g`` into ``t.grad``. ``leaf``: run_backward's local ``g`` is its only other
    reference, so an array nothing else holds can become the grad without a copy."""
    with _ACCUMULATE_LOCK:  # here, not in a caller: one more frame would hold g once more
        if create_graph:
            t.grad = g if t.grad is None else t.grad + g
            return
        data = t.data
        if g.shape != data.shape:
            g = np.broadcast_to(g, data.shape)
        if t.grad is None:
            # Take g as it is when nothing else can see its memory (PyTorch's AccumulateGrad
            # does the same): saves a copy of every parameter's gradient on every step.
            if leaf and sys.getrefcount(g) <= _SOLE_REFS and g.dtype is data.dtype:
                flags, base = g.flags, g.base
                if flags.writeable and flags.c_contiguous and (
                        base is None or (type(base) is np.ndarray and base.base is None
                                         and sys.getrefcount(base) <= _SOLE_BASE_REFS + 1)):
                    grad = t.grad = _new(Tensor)  # Tensor._wrap(g) written out: a call less
                    grad.data, grad.requires_grad, grad.grad_fn, grad._version = g, False, None, 0
                    return
            # A copy: g may be a read-only broadcast view or shared with another tensor's grad.
            t.grad = Tensor._wrap(np.array(g, dtype=data.dtype, order="C"))
        elif t.grad.grad_fn is not None or t.grad.data.shape != data.shape:
            t.grad = Tensor._wrap(t.grad.data + g)
        else:
            t.grad.data += g


__all__ = [
    "MODE",
    "Node",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "detect_anomaly",
    "is_grad_enabled",
    "is_anomaly_enabled",
    "run_backward",
    "unbroadcast",
]
