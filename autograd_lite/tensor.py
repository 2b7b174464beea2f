"""The Tensor: a numpy array that remembers the op that made it.

Ops and their gradients live in :mod:`autograd_lite.ops`, which also installs them as
Tensor methods and operators; this file holds only the data, the dtype rules and the
autograd entry points.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import engine
from .engine import MODE
from .validation import ShapeError, dtype_arg, flag, function, show

_DEFAULT_DTYPE = [np.dtype(np.float32)]


def set_default_dtype(dtype: Any) -> None:
    """Dtype that Python floats become (float32 unless changed), e.g. ``np.float64``."""
    _DEFAULT_DTYPE[0] = dtype_arg(dtype, "set_default_dtype", "f")


def get_default_dtype() -> np.dtype:
    """The dtype Python floats become."""
    return _DEFAULT_DTYPE[0]


def _as_array(data: Any, dtype: Any = None, op: str = "tensor") -> np.ndarray:
    """Numpy array for ``data`` by the dtype rules of DESIGN.md.

    Python floats -> the default dtype, Python ints -> int64, bools -> bool; numpy arrays
    and numpy scalars keep their dtype.
    """
    if dtype is not None:
        dtype = dtype_arg(dtype, op)
    if isinstance(data, Tensor):
        arr = data.data
    elif isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
    else:
        if data is None or isinstance(data, (str, bytes)):
            raise TypeError(
                f"{op}: cannot make a tensor from {type(data).__name__} {data!r}; "
                "expected a number, a (nested) list of numbers or a numpy array"
            )
        try:
            arr = np.array(data)
        except ValueError:  # ragged nested lists
            raise ValueError(
                f"{op}: nested lists must be rectangular (the same length at each depth), "
                f"got {_short(data)}"
            ) from None
        except (TypeError, OverflowError) as e:  # e.g. an int too large for int64
            raise TypeError(f"{op}: cannot make a tensor from {_short(data)}: {e}") from None
        if dtype is None and arr.dtype.kind == "f":
            arr = arr.astype(_DEFAULT_DTYPE[0])
        elif dtype is None and arr.dtype.kind in "iu":
            arr = arr.astype(np.int64)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{op}: unsupported dtype {arr.dtype} (from {type(data).__name__}); "
            "expected bool, integer or floating data"
        )
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return arr


def _short(value: Any, limit: int = 60) -> str:
    """``repr(value)`` on one line, cut to ``limit`` characters, for error messages."""
    return show(value, limit)


class Tensor:
    """An n-dimensional array with reverse-mode autograd.

    >>> x = Tensor([[1.0, 2.0]], requires_grad=True)   # shape (1, 2), float32
    >>> (x * x).sum().backward(); x.grad                 # tensor([[2., 4.]])
    """

    # Every op makes a Tensor, so only what every tensor needs is a slot set at creation;
    # the rest lives in the instance __dict__ once set, and reads these class defaults
    # until then (each store saved is ~4 % of a small op's overhead).
    __slots__ = ("data", "requires_grad", "grad_fn", "_version", "__dict__", "__weakref__")
    grad: Tensor | None = None
    name: str | None = None
    _hooks: dict | None = None
    _retains_grad = False
    _aliases: list | None = None  # weakrefs to every tensor viewing the same memory (shared)
    _base: Tensor | None = None  # for a view op's result: the tensor whose memory it views
    __array_priority__ = 1000  # (numpy's binary operators defer to __array_ufunc__, in ops)

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        op = type(self).__name__
        arr = _as_array(data, dtype, op=op)
        if flag(requires_grad, op, "requires_grad") and arr.dtype.kind != "f":
            raise TypeError(f"{op}: only floating point tensors can require gradients, got "
                            f"dtype {arr.dtype}")
        if arr is (data.data if isinstance(data, Tensor) else data):
            arr = arr.copy()  # as torch.tensor: the new tensor owns its data
        self.data = arr
        self.grad_fn = None
        self._version = 0
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    # -- fast internal constructors (no checks: the data is already a proper array)
    @staticmethod
    def _wrap(data: np.ndarray, grad_fn: engine.Node | None = None) -> Tensor:
        # ops._binary_op and ops._elementwise write this out (a call less per op): a new
        # slot must be set there too (tests/test_fast_paths.py checks it).
        t = object.__new__(Tensor)
        t.data = data
        t.requires_grad = grad_fn is not None
        t.grad_fn = grad_fn
        t._version = 0
        return t

    # -- array-like attributes
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (not by an op that records a graph)."""
        return self.grad_fn is None

    def numpy(self) -> np.ndarray:
        """The underlying array (shares memory, like ``torch.Tensor.numpy``)."""
        return self.data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """``np.array(t)`` copies (as for a torch tensor); ``np.asarray(t)`` shares."""
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        if copy is False and dtype is not None and np.dtype(dtype) != self.data.dtype:
            raise ValueError(f"__array__: converting a {self.data.dtype} tensor to {dtype} "
                             "needs a copy, but copy=False was given")
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def item(self) -> float | int | bool:
        if self.data.size != 1:
            raise ValueError(
                f"item: only one-element tensors can be converted to a Python scalar, "
                f"got shape {self.shape}"
            )
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.data.size} elements is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, got {self.dtype}")
        return int(self.item())

    __hash__ = object.__hash__  # == is elementwise, identity stays the hash

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extra = ""
        if self.data.dtype != _DEFAULT_DTYPE[0] and self.data.dtype.kind == "f":
            extra += f", dtype={self.data.dtype}"
        if self.grad_fn is not None:
            extra += f", grad_fn=<{self.grad_fn.name}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    # -- autograd
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Make this leaf record operations on it (float dtypes only)."""
        if flag(requires_grad, "requires_grad_", "requires_grad") \
                and self.data.dtype.kind != "f":
            raise TypeError(
                f"requires_grad: only floating point tensors can require gradients, "
                f"got dtype {self.data.dtype}"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad_(False): only leaf tensors can stop requiring grad; "
                "use .detach() on a tensor produced by an op"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data (and version counter), outside any graph."""
        return _alias(self, Tensor._wrap(self.data))

    def clone(self) -> Tensor:
        """A copy that stays in the graph (gradient flows back unchanged)."""
        from .ops import clone

        return clone(self)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: the tensor does not require grad")
        if self.grad_fn is not None:
            self._retains_grad = True

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned
        Tensor replaces the gradient. Returns a handle with ``remove()``."""
        function(hook, "register_hook", "hook")
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that "
                               "does not require grad")
        if self._hooks is None:
            self._hooks = {}
        handle = RemovableHandle(self._hooks)
        self._hooks[handle.id] = hook
        return handle

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``gradient`` is required unless ``self`` has one element. ``retain_graph``
        defaults to ``create_graph``; without it the graph's saved values are freed.
        """
        if retain_graph is not None:
            flag(retain_graph, "backward", "retain_graph")
        flag(create_graph, "backward", "create_graph")
        if not self.requires_grad:
            raise RuntimeError(
                "backward: the tensor does not require grad and has no grad_fn "
                "(no input requires grad, or it was computed under no_grad)"
            )
        g = _root_gradient(self, gradient, "backward", create_graph)
        keep = create_graph if retain_graph is None else retain_graph
        engine.run_backward([self], [g], keep, create_graph)

    def zero_grad(self) -> None:
        self.grad = None

    # -- in-place operations (bump the version; refused on leaves that require grad)
    def _check_inplace(self, op: str) -> None:
        if self.requires_grad and self.grad_fn is None and MODE.grad_enabled:
            raise RuntimeError(
                f"{op}: a leaf tensor that requires grad (shape {self.shape}) is being "
                "used in an in-place operation; wrap it in `with ag.no_grad():`"
            )
        base = self._base
        if base is not None and self.grad_fn is not None and MODE.grad_enabled:
            if base.requires_grad and base.grad_fn is None:
                raise RuntimeError(
                    f"{op}: a view (shape {self.shape}) of a leaf tensor that requires grad "
                    f"(shape {base.shape}) is being used in an in-place operation, which "
                    "would not reach the leaf; change the leaf under `with ag.no_grad():` "
                    "or compute out of place"
                )
        if not self.data.flags.writeable:
            raise RuntimeError(
                f"{op}: the tensor (shape {self.shape}) is a read-only view (from expand, "
                "broadcast_to or sliding_window_view) whose elements share memory; "
                "write to a copy (t.clone()) instead"
            )

    def _assign_inplace(self, result: Tensor) -> Tensor:
        """Make ``self`` the result of an op applied to (a snapshot of) itself."""
        out = result.data
        if out.shape != self.data.shape:
            raise ShapeError(
                f"in-place op: the result has shape {out.shape} (broadcast) but the tensor "
                f"being modified has shape {self.data.shape}"
            )
        if out.dtype != self.data.dtype:
            if not np.can_cast(out.dtype, self.data.dtype, casting="same_kind"):
                raise TypeError(
                    f"in-place op: result dtype {out.dtype} can't be cast to "
                    f"the tensor's dtype {self.data.dtype}"
                )
            if result.grad_fn is not None:  # keep the tensor's dtype (as PyTorch)
                out = out.astype(self.data.dtype)
        if result.grad_fn is not None:
            self.data = out
            self.grad_fn = result.grad_fn
            self.requires_grad = True
            self._aliases = self._base = None  # a new array: no longer a view of anything
            self._version += 1
            self.grad_fn.out_version = self._version
        else:
            # No graph: write into the existing array, so views of it stay in step.
            np.copyto(self.data, out, casting="unsafe")
            self._bump_version()
        return self

    def _bump_version(self) -> None:
        """Count an in-place write to this tensor's memory: its version and the version of
        every tensor viewing the same memory (detach(), slices, reshapes, transposes), so a
        graph that saved any of them refuses a stale backward."""
        self._version += 1
        if self._aliases:
            for ref in self._aliases:
                other = ref()
                if other is not None and other is not self:
                    other._version += 1

    def _snapshot(self) -> Tensor:
        """A Tensor standing for this one's current value and history (for in-place ops
        that record a graph)."""
        t = Tensor._wrap(self.data, self.grad_fn)
        t.requires_grad = self.requires_grad
        t._version = self._version
        return t

    def _inplace(self, op: str, fn: Callable, *args: Any) -> Tensor:
        self._check_inplace(op)
        if MODE.grad_enabled and (
            self.requires_grad or any(getattr(a, "requires_grad", False) for a in args)
        ):
            old = self._snapshot()  # `h *= h`: both operands are the old h
            return self._assign_inplace(fn(old, *(old if a is self else a for a in args)))
        with engine.no_grad():
            return self._assign_inplace(fn(Tensor._wrap(self.data), *args))

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def fill_(self, value: float) -> Tensor:
        if isinstance(value, Tensor) and value.data.size == 1:
            value = value.data.item()
        if not isinstance(value, (bool, int, float, np.generic)) or \
                np.asarray(value).dtype.kind not in "biuf":
            raise TypeError(f"fill_: the value must be a number, got {_short(value)}")
        self._check_inplace("fill_")
        if MODE.grad_enabled and self.requires_grad:
            from .ops import full_like

            old = self._snapshot()  # not self: the result must not depend on itself
            return self._assign_inplace(full_like(old, value) + old * 0)
        self.data.fill(value)
        self._bump_version()
        return self


def _alias(source: Tensor, view: Tensor) -> Tensor:
    """Record that ``view``'s data is (part of) ``source``'s memory; returns ``view``."""
    group = source._aliases
    if group is None:
        group = source._aliases = [weakref.ref(source)]
    elif len(group) > 64:  # drop the dead, now and then
        group[:] = [r for r in group if r() is not None]
    group.append(weakref.ref(view))
    view._aliases = group
    return view


def _root_gradient(root: Tensor, gradient: Any, op: str, create_graph: bool):
    """The seed gradient for ``root`` (ones for a one-element root)."""
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"{op}: grad can be implicitly created only for scalar outputs; the output "
                f"has shape {root.shape}, so pass gradient= (a tensor of that shape)"
            )
        g = np.array(1, root.data.dtype).reshape(root.data.shape)  # np.ones: 2x the time
    else:
        g = _as_array(gradient, root.data.dtype, op=op) if not isinstance(gradient, Tensor) \
            else gradient.data
        if g.shape != root.shape:
            raise RuntimeError(
                f"{op}: gradient has shape {g.shape} but the output has shape {root.shape}"
            )
        if create_graph and isinstance(gradient, Tensor):
            return gradient
    return Tensor._wrap(g) if create_graph else g


engine.Tensor = Tensor


class RemovableHandle:
    """Returned by ``register_hook`` (and nn's ``register_*_hook``): ``remove()`` takes the
    hook out; also a context manager that removes it on exit."""

    _next_id = 0

    def __init__(self, hooks: dict) -> None:
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _tensor_list(value: Any, what: str) -> list[Tensor]:
    """``grad``'s outputs or inputs: one Tensor or a non-empty sequence of Tensors."""
    items = [value] if isinstance(value, Tensor) else \
        list(value) if isinstance(value, (list, tuple)) else None
    if not items or not all(isinstance(t, Tensor) for t in items):
        raise TypeError(f"grad: {what} must be a Tensor or a non-empty sequence of Tensors, "
                        f"got {_short(value)}")
    return items


def grad(
    outputs: Tensor | list[Tensor],
    inputs: Tensor | list[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple:
    """Gradients of ``outputs`` w.r.t. ``inputs``, returned as a tuple; no ``.grad`` is
    touched. ``create_graph=True`` makes the result differentiable (higher order).

    >>> gx, = ag.grad((x ** 3).sum(), x, create_graph=True)   # gx == 3 x**2
    """
    outs = _tensor_list(outputs, "outputs")
    ins = _tensor_list(inputs, "inputs")
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        gouts = [grad_outputs] * len(outs)
    elif isinstance(grad_outputs, (list, tuple)):
        gouts = list(grad_outputs)
    else:
        raise TypeError(f"grad: grad_outputs must be a Tensor or a sequence of them, got "
                        f"{_short(grad_outputs)}")
    if len(gouts) != len(outs):
        raise ValueError(f"grad: {len(outs)} outputs but {len(gouts)} grad_outputs")
    if retain_graph is not None:
        flag(retain_graph, "grad", "retain_graph")
    flag(create_graph, "grad", "create_graph")
    flag(allow_unused, "grad", "allow_unused")
    for t in ins:
        if not t.requires_grad:
            raise RuntimeError("grad: every input must be a Tensor that requires grad")
    for o in outs:
        if not o.requires_grad:
            raise RuntimeError(
                f"grad: an output (shape {o.shape}) does not require grad and has no grad_fn"
            )
    seeds = [_root_gradient(o, g, "grad", create_graph) for o, g in zip(outs, gouts)]
    keep = create_graph if retain_graph is None else retain_graph
    results = engine.run_backward(outs, seeds, keep, create_graph, inputs=ins)
    for i, (t, r) in enumerate(zip(ins, results)):
        if r is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} (shape {t.shape}) was not used to compute the outputs; "
                "pass allow_unused=True to get None for it"
            )
        if r is not None and r.shape != t.shape:
            results[i] = engine.unbroadcast(r, t.shape)
    return tuple(results)
