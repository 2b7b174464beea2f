"""The Tensor: a numpy array that remembers the op that made it.

Ops and their gradients live in :mod:`autograd_lite.ops`, which also installs them as
Tensor methods and operators; this file holds only the data, the dtype rules and the
autograd entry points.
"""

from __future__ import annotations

import math
import operator
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, overload

import numpy as np

from . import engine
from .devices import CPU, cpu_only_error, device, to_args
from .engine import MODE
from .random import generator_arg
from .validation import ShapeError, dtype_arg, flag, function, integer, real, show

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
    data: np.ndarray
    requires_grad: bool
    grad_fn: engine.Node | None
    _version: int
    grad: Tensor | None = None
    name: str | None = None
    _hooks: dict | None = None
    _retains_grad = False
    _aliases: list | None = None  # weakrefs to every tensor viewing the same memory (shared)
    _base: Tensor | None = None  # for a view op's result: the tensor whose memory it views
    _view_fn: Callable | None = None  # for a view: numpy function, base-shaped -> this view
    _past: list | None = None  # (version, history) for each history an in-place op replaced
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

    @overload
    def size(self, dim: None = None) -> Size: ...
    @overload
    def size(self, dim: int) -> int: ...
    def size(self, dim: int | None = None) -> Size | int:
        """The shape as a :class:`Size` (PyTorch's ``x.size()``), or one dim's size:
        ag.zeros(2, 3).size() -> Size([2, 3]), .size(-1) -> 3. (numpy's element count is
        ``numel()``.)"""
        if dim is None:
            return Size(self.data.shape)
        return self.data.shape[self._dim(dim, "size")]

    def _dim(self, dim: Any, op: str) -> int:
        """``dim`` (negative counts from the end) as an index into the shape; out of range
        is an IndexError, as PyTorch."""
        dim = integer(dim, op, "dim")
        nd = self.data.ndim
        if not -nd <= dim < nd:
            raise IndexError(f"{op}: dim {dim} is out of range for a tensor of shape "
                             f"{self.shape}" + (f" (expected -{nd}..{nd - 1})" if nd else
                                                " (a 0-d tensor has no dims)"))
        return dim % nd

    def dim(self) -> int:
        """The number of dims (``ndim``)."""
        return self.data.ndim

    ndimension = dim

    def numel(self) -> int:
        """The number of elements (numpy's ``size``): ag.zeros(2, 3).numel() -> 6."""
        return self.data.size

    nelement = numel

    @overload
    def stride(self, dim: None = None) -> tuple[int, ...]: ...
    @overload
    def stride(self, dim: int) -> int: ...
    def stride(self, dim: int | None = None) -> tuple | int:
        """Steps between elements along each dim, in elements (PyTorch's convention, not
        numpy's bytes): ag.zeros(2, 3).stride() -> (3, 1), .T.stride() -> (1, 3)."""
        itemsize = self.data.itemsize
        steps = tuple(s // itemsize for s in self.data.strides)
        return steps if dim is None else steps[self._dim(dim, "stride")]

    def is_contiguous(self) -> bool:
        """True when the elements lie in memory in row-major order without gaps."""
        return self.data.flags.c_contiguous

    def element_size(self) -> int:
        """Bytes per element: 4 for float32."""
        return self.data.itemsize

    def is_floating_point(self) -> bool:
        return self.data.dtype.kind == "f"

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
        if not self.data.flags.writeable:
            raise RuntimeError(
                f"{op}: the tensor (shape {self.shape}) is a read-only view (from expand, "
                "broadcast_to or sliding_window_view) whose elements share memory; "
                "write to a copy (t.clone()) instead"
            )

    def _result_data(self, result: Tensor) -> np.ndarray:
        """The array an in-place op writes: ``result``'s, checked against this tensor."""
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
        return out

    def _assign_inplace(self, result: Tensor) -> Tensor:
        """Write ``result`` (computed outside the graph) into this tensor's memory, so
        every view of it sees the change."""
        out = self._result_data(result)
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

    def _shares_memory(self) -> bool:
        """Whether another live tensor views this one's memory."""
        if self._base is not None:
            return True
        group = self._aliases
        return group is not None and any(r() is not None and r() is not self for r in group)

    def _history(self, data: np.ndarray) -> Tensor:
        """A new tensor standing for this one's current history (grad_fn, version)."""
        t = Tensor._wrap(data, self.grad_fn)
        t.requires_grad = self.requires_grad
        t._version = self._version
        return t

    def _snapshot(self) -> Tensor:
        """This tensor's value and history now, for an in-place op to compute from: a
        private copy of the data when other tensors share the memory the op will write."""
        return self._history(self.data.copy() if self._shares_memory() else self.data)

    def _rebase(self, result: Tensor, old: Tensor) -> Tensor:
        """Make this tensor ``result`` (a graph op applied to ``old``, its snapshot): write
        the value into its memory, and give it, its base and every view of that base a
        history that reads the new value (PyTorch's rebase_history and CopySlices):

        * the base becomes ``result`` itself, or (when this tensor is a view of it) the old
          base with this view's elements replaced by ``result`` (``copy_slices``);
        * every view of the base becomes an ``as_strided`` view of the new base.

        Graph nodes made earlier still name these tensors at their old versions; the
        engine routes them to the replaced histories kept in ``_past`` (engine._route)."""
        from .ops import _copy_slices, _view_of

        out = self._result_data(result)
        base = self._base if self._base is not None else self
        members = [base]
        if old.data is not self.data:  # others view this memory: write into it
            for ref in self._aliases or ():
                m = ref()
                if m is not None and m._base is base:
                    members.append(m)
            np.copyto(self.data, out, casting="unsafe")
        else:  # the old array stays with `old` (whose value the new node may read)
            self.data = out if out.base is None and out.flags.writeable else out.copy()
        replaced = {}
        for m in members:
            past = old if m is self else m._history(m.data)
            if m._hooks:  # hooks registered before the write get the old value's gradient
                past._hooks, m._hooks = m._hooks, None
            if m.grad_fn is not None:
                m.grad_fn.out_version = -1  # its output was overwritten
            m._past = (m._past or []) + [(m._version, past)]
            replaced[m] = past
        self._bump_version()
        # Nodes naming these tensors as they were (the old view ops, `y[i] = y[i] * 2`'s
        # value) name the replaced histories now, as backward would (engine._reroute): no
        # reference cycle from the base through its new history back to itself.
        for node in [result.grad_fn] + [p.grad_fn for p in replaced.values()]:
            if node is not None and node.inputs is not None:
                engine._reroute(node)
        node = result.grad_fn if base is self else \
            _copy_slices(replaced[base], result, base, self._view_fn)
        assert node is not None  # result came from an op that records: it has a node
        base.grad_fn, base.requires_grad = node, True
        node.out_version = base._version
        for m in members[1:]:
            m.grad_fn, m.requires_grad = _view_of(base, m, m._view_fn), True
            m.grad_fn.out_version = m._version
        return self

    def _inplace(self, op: str, fn: Callable, *args: Any) -> Tensor:
        """``self`` becomes ``fn(self, *args)`` (an op result), in place."""
        self._check_inplace(op)
        if MODE.grad_enabled and (
            self.requires_grad or any(getattr(a, "requires_grad", False) for a in args)
        ):
            base = self._base
            if base is not None and base.requires_grad and base.grad_fn is None:
                raise RuntimeError(
                    f"{op}: a view (shape {self.shape}) of a leaf tensor that requires grad "
                    f"(shape {base.shape}) is being used in an in-place operation, which "
                    "would make the leaf a non-leaf; change the leaf under "
                    "`with ag.no_grad():` or compute out of place"
                )
            # `h *= h`: the second h stays this tensor, whose change its mul node sees
            old = self._snapshot()
            return self._rebase(fn(old, *args), old)
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
        return self._overwrite("fill_", lambda: value)

    def _overwrite(self, op: str, values: Callable[[], Any]) -> Tensor:
        """Write ``values()`` (a number, or an array of this shape) over the tensor, in
        place; called only after the checks, so a refused write draws no random numbers.
        In grad mode the result is in the graph, with a zero gradient for the old value."""
        self._check_inplace(op)
        if MODE.grad_enabled and self.requires_grad:
            from .ops import where

            # where, not new + old * 0: an old inf or NaN must not leak into the new value
            return self._inplace(op, lambda old: where(
                np.True_, np.broadcast_to(np.asarray(values(), self.data.dtype), self.shape),
                old))
        self.data[...] = values()
        self._bump_version()
        return self

    # -- torch's devices and random fills (autograd_lite.devices, autograd_lite.random)
    is_cuda = False

    @property
    def device(self) -> device:
        """``device(type='cpu')``: the one device there is."""
        return CPU

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """``x.to(dtype)``, ``x.to(device)``, ``x.to(device, dtype)``, ``x.to(other)`` (its
        dtype), keywords ``dtype= device= non_blocking= copy=``, as PyTorch: ``x`` itself
        when nothing changes (unless ``copy=True``), else a copy that is differentiable
        across a floating cast. ``ag.ones(2).to(ag.float64)`` -> shape (2,), float64."""
        from .ops import astype, clone

        dtype, copy = to_args("to", args, kwargs)
        out = self if dtype is None else astype(self, dtype)
        return clone(out) if copy and out is self else out

    def cpu(self) -> Tensor:
        """The tensor itself: it is on the CPU already."""
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Tensor:
        """Refused: there is no CUDA (autograd-lite runs on numpy)."""
        raise cpu_only_error("cuda", "CUDA")

    def normal_(self, mean: float = 0.0, std: float = 1.0, *,
                generator: Any = None) -> Tensor:
        """Fill with N(mean, std²) draws, in place: ``ag.empty(2, 3).normal_(0, 0.1)``."""
        mean, std = real(mean, "normal_", "mean"), real(std, "normal_", "std", low=0)
        rng = self._random_fill_target("normal_", generator)
        return self._overwrite("normal_", lambda: rng.normal(mean, std, self.shape))

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with U(a, b) draws, in place: ``ag.zeros(3).uniform_(-1, 1)``."""
        a, b = real(a, "uniform_", "a"), real(b, "uniform_", "b")
        if a > b:
            raise ValueError(f"uniform_: the lower bound a ({a}) is larger than b ({b})")
        rng = self._random_fill_target("uniform_", generator)
        return self._overwrite("uniform_", lambda: rng.uniform(a, b, self.shape))

    def _random_fill_target(self, op: str, generator: Any) -> Any:
        if self.data.dtype.kind != "f":
            raise TypeError(f"{op}: random fills need a floating point tensor, got dtype "
                            f"{self.data.dtype}")
        return generator_arg(generator, op)

    # -- what ops.py's _install() attaches at import, declared for type checkers (never
    # run). Hand-written here: overloads and what has no signature to copy; the rest is
    # generated from the installed functions' signatures (tests/test_typing.py checks that
    # the declared names are exactly those _install() sets).
    if TYPE_CHECKING:
        @property
        def T(self) -> Tensor: ...
        @overload
        def max(self) -> Tensor: ...
        @overload
        def max(self, dim: builtins.int, keepdim: builtins.bool = False) -> _ValuesIndices: ...
        @overload
        def max(self, dim: Tensor) -> Tensor: ...
        @overload
        def max(self, *, axis: Any, keepdims: builtins.bool = False) -> Tensor: ...
        def max(self, *args: Any, **kwargs: Any) -> Any: ...
        @overload
        def min(self) -> Tensor: ...
        @overload
        def min(self, dim: builtins.int, keepdim: builtins.bool = False) -> _ValuesIndices: ...
        @overload
        def min(self, dim: Tensor) -> Tensor: ...
        @overload
        def min(self, *, axis: Any, keepdims: builtins.bool = False) -> Tensor: ...
        def min(self, *args: Any, **kwargs: Any) -> Any: ...
        @overload
        def median(self) -> Tensor: ...
        @overload
        def median(self, dim: builtins.int, keepdim: builtins.bool = False
                   ) -> _ValuesIndices: ...
        def median(self, *args: Any, **kwargs: Any) -> Any: ...
        @overload
        def nonzero(self, *, as_tuple: Literal[False] = False) -> Tensor: ...
        @overload
        def nonzero(self, *, as_tuple: Literal[True]) -> tuple[Tensor, ...]: ...
        def nonzero(self, *args: Any, **kwargs: Any) -> Any: ...
        def __pos__(self) -> Tensor: ...
        def __setitem__(self, index: Any, value: Any) -> None: ...
        # BEGIN GENERATED by tools/gen_tensor_types.py (do not edit by hand)
        def __abs__(self) -> Tensor: ...
        def __add__(self, b: Any) -> Tensor: ...
        def __and__(self, b: Any) -> Tensor: ...
        def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, out: Any = None,
                            **kwargs: Any) -> Any: ...
        def __eq__(self, b: Any) -> Tensor: ...  # type: ignore[override]
        def __floordiv__(self, b: Any) -> Tensor: ...
        def __ge__(self, b: Any) -> Tensor: ...
        def __getitem__(self, index: Any) -> Tensor: ...
        def __gt__(self, b: Any) -> Tensor: ...
        def __iadd__(self, other: Any) -> Tensor: ...
        def __iand__(self, other: Any) -> Tensor: ...
        def __ifloordiv__(self, other: Any) -> Tensor: ...
        def __imod__(self, other: Any) -> Tensor: ...
        def __imul__(self, other: Any) -> Tensor: ...
        def __invert__(self) -> Tensor: ...
        def __ior__(self, other: Any) -> Tensor: ...
        def __ipow__(self, other: Any) -> Tensor: ...
        def __isub__(self, other: Any) -> Tensor: ...
        def __itruediv__(self, other: Any) -> Tensor: ...
        def __ixor__(self, other: Any) -> Tensor: ...
        def __le__(self, b: Any) -> Tensor: ...
        def __lt__(self, b: Any) -> Tensor: ...
        def __matmul__(self, b: Any) -> Tensor: ...
        def __mod__(self, b: Any) -> Tensor: ...
        def __mul__(self, b: Any) -> Tensor: ...
        def __ne__(self, b: Any) -> Tensor: ...  # type: ignore[override]
        def __neg__(self) -> Tensor: ...
        def __or__(self, b: Any) -> Tensor: ...
        def __pow__(self, b: Any) -> Tensor: ...
        def __radd__(self, other: Any) -> Tensor: ...
        def __rand__(self, other: Any) -> Tensor: ...
        def __rfloordiv__(self, other: Any) -> Tensor: ...
        def __rmatmul__(self, other: Any) -> Tensor: ...
        def __rmod__(self, other: Any) -> Tensor: ...
        def __rmul__(self, other: Any) -> Tensor: ...
        def __ror__(self, other: Any) -> Tensor: ...
        def __rpow__(self, other: Any) -> Tensor: ...
        def __rsub__(self, other: Any) -> Tensor: ...
        def __rtruediv__(self, other: Any) -> Tensor: ...
        def __rxor__(self, other: Any) -> Tensor: ...
        def __sub__(self, b: Any) -> Tensor: ...
        def __truediv__(self, b: Any) -> Tensor: ...
        def __xor__(self, b: Any) -> Tensor: ...
        def abs(self) -> Tensor: ...
        def abs_(self) -> Tensor: ...
        def acos(self) -> Tensor: ...
        def acos_(self) -> Tensor: ...
        def acosh(self) -> Tensor: ...
        def acosh_(self) -> Tensor: ...
        def add(self, other: Any, *, alpha: builtins.float = 1) -> Tensor: ...
        def add_(self, other: Any, *, alpha: builtins.float = 1) -> Tensor: ...
        def all(self, dim: Any = None, keepdim: builtins.bool = False, *, axis: Any = None,
                keepdims: builtins.bool = False, out: None = None) -> Tensor: ...
        def amax(self, dim: Any = (), keepdim: builtins.bool = False, *, axis: Any = None,
                 keepdims: builtins.bool = False) -> Tensor: ...
        def amin(self, dim: Any = (), keepdim: builtins.bool = False, *, axis: Any = None,
                 keepdims: builtins.bool = False) -> Tensor: ...
        def aminmax(self, *, dim: builtins.int | None = None,
                    keepdim: builtins.bool = False) -> _MinMax: ...
        def any(self, dim: Any = None, keepdim: builtins.bool = False, *, axis: Any = None,
                keepdims: builtins.bool = False, out: None = None) -> Tensor: ...
        def argmax(self, axis: builtins.int | None = None, keepdims: builtins.bool = False, *,
                   dim: builtins.int | None = None, keepdim: builtins.bool = False) -> Tensor: ...
        def argmin(self, axis: builtins.int | None = None, keepdims: builtins.bool = False, *,
                   dim: builtins.int | None = None, keepdim: builtins.bool = False) -> Tensor: ...
        def argsort(self, dim: builtins.int = -1, descending: builtins.bool = False, *,
                    stable: builtins.bool = False) -> Tensor: ...
        def asin(self) -> Tensor: ...
        def asin_(self) -> Tensor: ...
        def asinh(self) -> Tensor: ...
        def asinh_(self) -> Tensor: ...
        def astype(self, dtype: Any) -> Tensor: ...
        def atan(self) -> Tensor: ...
        def atan2(self, b: Any) -> Tensor: ...
        def atan2_(self, b: Any) -> Tensor: ...
        def atan_(self) -> Tensor: ...
        def atanh(self) -> Tensor: ...
        def atanh_(self) -> Tensor: ...
        def bernoulli(self, p: builtins.float | None = None, *,
                      generator: Any = None) -> Tensor: ...
        def bernoulli_(self, p: Any = 0.5, *, generator: Any = None) -> Tensor: ...
        def bitwise_and(self, b: Any) -> Tensor: ...
        def bitwise_and_(self, b: Any) -> Tensor: ...
        def bitwise_not(self) -> Tensor: ...
        def bitwise_not_(self) -> Tensor: ...
        def bitwise_or(self, b: Any) -> Tensor: ...
        def bitwise_or_(self, b: Any) -> Tensor: ...
        def bitwise_xor(self, b: Any) -> Tensor: ...
        def bitwise_xor_(self, b: Any) -> Tensor: ...
        def bmm(self, b: Any) -> Tensor: ...
        def bool(self) -> Tensor: ...
        def broadcast_to(self, *shape: Any) -> Tensor: ...
        def ceil(self) -> Tensor: ...
        def ceil_(self) -> Tensor: ...
        def chunk(self, chunks: builtins.int, dim: builtins.int = 0) -> tuple[Tensor, ...]: ...
        def clamp(self, min: builtins.float | Tensor | None = None,
                  max: builtins.float | Tensor | None = None) -> Tensor: ...
        def clamp_(self, min: builtins.float | Tensor | None = None,
                   max: builtins.float | Tensor | None = None) -> Tensor: ...
        def clip(self, min: builtins.float | Tensor | None = None,
                 max: builtins.float | Tensor | None = None) -> Tensor: ...
        def clip_(self, min: builtins.float | Tensor | None = None,
                  max: builtins.float | Tensor | None = None) -> Tensor: ...
        def contiguous(self) -> Tensor: ...
        def copy_(self, src: Any) -> Tensor: ...
        def cos(self) -> Tensor: ...
        def cos_(self) -> Tensor: ...
        def cosh(self) -> Tensor: ...
        def cosh_(self) -> Tensor: ...
        def count_nonzero(self, dim: Any = None) -> Tensor: ...
        def cross(self, b: Any, dim: builtins.int | None = None) -> Tensor: ...
        def cummax(self, dim: builtins.int) -> _ValuesIndices: ...
        def cummin(self, dim: builtins.int) -> _ValuesIndices: ...
        def cumprod(self, dim: builtins.int, *, dtype: Any = None) -> Tensor: ...
        def cumsum(self, dim: builtins.int, *, dtype: Any = None) -> Tensor: ...
        def diag(self, diagonal: builtins.int = 0) -> Tensor: ...
        def diag_embed(self, offset: builtins.int = 0, dim1: builtins.int = -2,
                       dim2: builtins.int = -1) -> Tensor: ...
        def diagonal(self, offset: builtins.int = 0, dim1: builtins.int = 0,
                     dim2: builtins.int = 1) -> Tensor: ...
        def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor: ...
        def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor: ...
        def dot(self, b: Any) -> Tensor: ...
        def double(self) -> Tensor: ...
        def elu(self, alpha: builtins.float = 1.0) -> Tensor: ...
        def elu_(self, alpha: builtins.float = 1.0) -> Tensor: ...
        def eq(self, b: Any) -> Tensor: ...
        def erf(self) -> Tensor: ...
        def erf_(self) -> Tensor: ...
        def erfc(self) -> Tensor: ...
        def erfc_(self) -> Tensor: ...
        def exp(self) -> Tensor: ...
        def exp2(self) -> Tensor: ...
        def exp2_(self) -> Tensor: ...
        def exp_(self) -> Tensor: ...
        def expand(self, *sizes: Any) -> Tensor: ...
        def expand_as(self, other: Tensor) -> Tensor: ...
        def expm1(self) -> Tensor: ...
        def expm1_(self) -> Tensor: ...
        def flatten(self, start_dim: builtins.int = 0, end_dim: builtins.int = -1) -> Tensor: ...
        def flip(self, *args: Any, dims: Any = None) -> Tensor: ...
        def float(self) -> Tensor: ...
        def floor(self) -> Tensor: ...
        def floor_(self) -> Tensor: ...
        def floor_divide(self, b: Any) -> Tensor: ...
        def floor_divide_(self, b: Any) -> Tensor: ...
        def fmod(self, b: Any) -> Tensor: ...
        def fmod_(self, b: Any) -> Tensor: ...
        def frac(self) -> Tensor: ...
        def frac_(self) -> Tensor: ...
        def gather(self, dim: builtins.int, index: Any) -> Tensor: ...
        def ge(self, b: Any) -> Tensor: ...
        def gelu(self) -> Tensor: ...
        def gelu_(self) -> Tensor: ...
        def gt(self, b: Any) -> Tensor: ...
        def half(self) -> Tensor: ...
        def hypot(self, b: Any) -> Tensor: ...
        def hypot_(self, b: Any) -> Tensor: ...
        def index_add(self, dim: builtins.int, index: Any, source: Any, *,
                      alpha: builtins.float = 1) -> Tensor: ...
        def index_add_(self, dim: builtins.int, index: Any, source: Any, *,
                       alpha: builtins.float = 1) -> Tensor: ...
        def index_copy(self, dim: builtins.int, index: Any, source: Any) -> Tensor: ...
        def index_copy_(self, dim: builtins.int, index: Any, source: Any) -> Tensor: ...
        def index_fill(self, dim: builtins.int, index: Any, value: Any) -> Tensor: ...
        def index_fill_(self, dim: builtins.int, index: Any, value: Any) -> Tensor: ...
        def index_select(self, dim: builtins.int, index: Any) -> Tensor: ...
        def inner(self, b: Any) -> Tensor: ...
        def int(self) -> Tensor: ...
        def isfinite(self) -> Tensor: ...
        def isinf(self) -> Tensor: ...
        def isnan(self) -> Tensor: ...
        def kron(self, b: Any) -> Tensor: ...
        def kthvalue(self, k: builtins.int, dim: builtins.int = -1,
                     keepdim: builtins.bool = False) -> _ValuesIndices: ...
        def le(self, b: Any) -> Tensor: ...
        def leaky_relu(self, negative_slope: builtins.float = 0.01) -> Tensor: ...
        def leaky_relu_(self, negative_slope: builtins.float = 0.01) -> Tensor: ...
        def lerp(self, end: Any, weight: Any) -> Tensor: ...
        def lerp_(self, end: Any, weight: Any) -> Tensor: ...
        def log(self) -> Tensor: ...
        def log10(self) -> Tensor: ...
        def log10_(self) -> Tensor: ...
        def log1p(self) -> Tensor: ...
        def log1p_(self) -> Tensor: ...
        def log2(self) -> Tensor: ...
        def log2_(self) -> Tensor: ...
        def log_(self) -> Tensor: ...
        def log_softmax(self, axis: builtins.int = -1, *,
                        dim: builtins.int | None = None) -> Tensor: ...
        def logaddexp(self, b: Any) -> Tensor: ...
        def logaddexp2(self, b: Any) -> Tensor: ...
        def logcumsumexp(self, dim: builtins.int) -> Tensor: ...
        def logical_and(self, b: Any) -> Tensor: ...
        def logical_not(self) -> Tensor: ...
        def logical_or(self, b: Any) -> Tensor: ...
        def logical_xor(self, b: Any) -> Tensor: ...
        def logsumexp(self, axis: Any = None, keepdims: builtins.bool = False, *, dim: Any = None,
                      keepdim: builtins.bool = False) -> Tensor: ...
        def long(self) -> Tensor: ...
        def lt(self, b: Any) -> Tensor: ...
        def masked_fill(self, mask: Any, value: Any) -> Tensor: ...
        def masked_fill_(self, mask: Any, value: Any) -> Tensor: ...
        def masked_scatter(self, mask: Any, source: Any) -> Tensor: ...
        def masked_scatter_(self, mask: Any, source: Any) -> Tensor: ...
        def masked_select(self, mask: Any) -> Tensor: ...
        def matmul(self, b: Any) -> Tensor: ...
        def maximum(self, b: Any) -> Tensor: ...
        def maximum_(self, b: Any) -> Tensor: ...
        def mean(self, axis: Any = None, keepdims: builtins.bool = False, *, dim: Any = None,
                 keepdim: builtins.bool = False) -> Tensor: ...
        def minimum(self, b: Any) -> Tensor: ...
        def minimum_(self, b: Any) -> Tensor: ...
        def mm(self, b: Any) -> Tensor: ...
        def mode(self, dim: builtins.int = -1,
                 keepdim: builtins.bool = False) -> _ValuesIndices: ...
        def moveaxis(self, source: Any, destination: Any) -> Tensor: ...
        def movedim(self, source: Any, destination: Any) -> Tensor: ...
        def mul(self, b: Any) -> Tensor: ...
        def mul_(self, b: Any) -> Tensor: ...
        def mv(self, b: Any) -> Tensor: ...
        def nan_to_num(self, nan: builtins.float = 0.0, posinf: builtins.float | None = None,
                       neginf: builtins.float | None = None) -> Tensor: ...
        def nan_to_num_(self, nan: builtins.float = 0.0, posinf: builtins.float | None = None,
                        neginf: builtins.float | None = None) -> Tensor: ...
        def narrow(self, dim: builtins.int, start: Any, length: builtins.int) -> Tensor: ...
        def ne(self, b: Any) -> Tensor: ...
        def neg(self) -> Tensor: ...
        def neg_(self) -> Tensor: ...
        def new_empty(self, *size: Any, dtype: Any = None, requires_grad: builtins.bool = False,
                      device: Any = None) -> Tensor: ...
        def new_full(self, size: Any, fill_value: builtins.float, dtype: Any = None,
                     requires_grad: builtins.bool = False, *, device: Any = None) -> Tensor: ...
        def new_ones(self, *size: Any, dtype: Any = None, requires_grad: builtins.bool = False,
                     device: Any = None) -> Tensor: ...
        def new_tensor(self, data: Any, dtype: Any = None, requires_grad: builtins.bool = False, *,
                       device: Any = None) -> Tensor: ...
        def new_zeros(self, *size: Any, dtype: Any = None, requires_grad: builtins.bool = False,
                      device: Any = None) -> Tensor: ...
        def norm(self, p: Any = 'fro', dim: Any = None,
                 keepdim: builtins.bool = False) -> Tensor: ...
        def outer(self, b: Any) -> Tensor: ...
        def permute(self, *dims: Any) -> Tensor: ...
        def pow(self, b: Any) -> Tensor: ...
        def pow_(self, b: Any) -> Tensor: ...
        def prod(self, dim: Any = None, keepdim: builtins.bool = False, *, dtype: Any = None,
                 axis: Any = None, keepdims: builtins.bool = False) -> Tensor: ...
        def reciprocal(self) -> Tensor: ...
        def reciprocal_(self) -> Tensor: ...
        def relu(self) -> Tensor: ...
        def relu_(self) -> Tensor: ...
        def remainder(self, b: Any) -> Tensor: ...
        def remainder_(self, b: Any) -> Tensor: ...
        def repeat(self, *sizes: Any) -> Tensor: ...
        def repeat_interleave(self, repeats: Any = None, dim: builtins.int | None = None, *,
                              output_size: builtins.int | None = None) -> Tensor: ...
        def reshape(self, *shape: Any) -> Tensor: ...
        def reshape_as(self, other: Tensor) -> Tensor: ...
        def roll(self, shifts: Any, dims: Any = None) -> Tensor: ...
        def round(self, decimals: builtins.int = 0) -> Tensor: ...
        def round_(self, decimals: builtins.int = 0) -> Tensor: ...
        def rsqrt(self) -> Tensor: ...
        def rsqrt_(self) -> Tensor: ...
        def scatter(self, dim: builtins.int, index: Any, src: Any = None, *, value: Any = None,
                    reduce: str | None = None) -> Tensor: ...
        def scatter_(self, dim: builtins.int, index: Any, src: Any = None, *, value: Any = None,
                     reduce: str | None = None) -> Tensor: ...
        def scatter_add(self, dim: builtins.int, index: Any, src: Any) -> Tensor: ...
        def scatter_add_(self, dim: builtins.int, index: Any, src: Any) -> Tensor: ...
        def scatter_reduce(self, dim: builtins.int, index: Any, src: Any, reduce: str, *,
                           include_self: builtins.bool = True) -> Tensor: ...
        def scatter_reduce_(self, dim: builtins.int, index: Any, src: Any, reduce: str, *,
                            include_self: builtins.bool = True) -> Tensor: ...
        def select(self, dim: builtins.int, index: builtins.int) -> Tensor: ...
        def sgn(self) -> Tensor: ...
        def sgn_(self) -> Tensor: ...
        def sigmoid(self) -> Tensor: ...
        def sigmoid_(self) -> Tensor: ...
        def sign(self) -> Tensor: ...
        def sign_(self) -> Tensor: ...
        def sin(self) -> Tensor: ...
        def sin_(self) -> Tensor: ...
        def sinh(self) -> Tensor: ...
        def sinh_(self) -> Tensor: ...
        def softmax(self, axis: builtins.int = -1, *,
                    dim: builtins.int | None = None) -> Tensor: ...
        def softplus(self, beta: builtins.float = 1.0,
                     threshold: builtins.float = 20.0) -> Tensor: ...
        def softplus_(self, beta: builtins.float = 1.0,
                      threshold: builtins.float = 20.0) -> Tensor: ...
        def sort(self, dim: builtins.int = -1, descending: builtins.bool = False, *,
                 stable: builtins.bool = False) -> _ValuesIndices: ...
        def split(self, split_size_or_sections: Any, dim: builtins.int | None = None, *,
                  axis: builtins.int | None = None) -> tuple[Tensor, ...] | list[Tensor]: ...
        def sqrt(self) -> Tensor: ...
        def sqrt_(self) -> Tensor: ...
        def square(self) -> Tensor: ...
        def square_(self) -> Tensor: ...
        def squeeze(self, axis: Any = None, *, dim: Any = None) -> Tensor: ...
        def std(self, dim: Any = None, unbiased: builtins.bool | None = None,
                keepdim: builtins.bool = False, *, axis: Any = None,
                keepdims: builtins.bool = False, ddof: builtins.int | None = None,
                correction: builtins.int | None = None) -> Tensor: ...
        def sub(self, other: Any, *, alpha: builtins.float = 1) -> Tensor: ...
        def sub_(self, other: Any, *, alpha: builtins.float = 1) -> Tensor: ...
        def sum(self, axis: Any = None, keepdims: builtins.bool = False, *, dim: Any = None,
                keepdim: builtins.bool = False) -> Tensor: ...
        def swapaxes(self, axis1: builtins.int, axis2: builtins.int) -> Tensor: ...
        def t(self) -> Tensor: ...
        def take(self, index: Any) -> Tensor: ...
        def take_along_dim(self, indices: Any, dim: builtins.int | None = None) -> Tensor: ...
        def tan(self) -> Tensor: ...
        def tan_(self) -> Tensor: ...
        def tanh(self) -> Tensor: ...
        def tanh_(self) -> Tensor: ...
        def tile(self, *args: Any, dims: Any = None) -> Tensor: ...
        def topk(self, k: builtins.int, dim: builtins.int = -1, largest: builtins.bool = True,
                 sorted: builtins.bool = True) -> _ValuesIndices: ...
        def transpose(self, *dims: Any) -> Tensor: ...
        def tril(self, diagonal: builtins.int = 0) -> Tensor: ...
        def triu(self, diagonal: builtins.int = 0) -> Tensor: ...
        def trunc(self) -> Tensor: ...
        def trunc_(self) -> Tensor: ...
        def type_as(self, other: Tensor) -> Tensor: ...
        def unbind(self, dim: builtins.int = 0) -> tuple[Tensor, ...]: ...
        def unflatten(self, dim: builtins.int, sizes: Any) -> Tensor: ...
        def unique(self, sorted: builtins.bool = True, return_inverse: builtins.bool = False,
                   return_counts: builtins.bool = False,
                   dim: builtins.int | None = None) -> Any: ...
        def unsqueeze(self, axis: builtins.int | None = None, *,
                      dim: builtins.int | None = None) -> Tensor: ...
        def var(self, dim: Any = None, unbiased: builtins.bool | None = None,
                keepdim: builtins.bool = False, *, axis: Any = None,
                keepdims: builtins.bool = False, ddof: builtins.int | None = None,
                correction: builtins.int | None = None) -> Tensor: ...
        def view(self, *shape: Any) -> Tensor: ...
        def view_as(self, other: Tensor) -> Tensor: ...
        def xlogy(self, b: Any) -> Tensor: ...
        def xlogy_(self, b: Any) -> Tensor: ...
        # END GENERATED


if TYPE_CHECKING:
    import builtins

    class _ValuesIndices(NamedTuple):
        """How type checkers see the named pairs of max(dim), sort, topk, ... (ops.py
        makes them with collections.namedtuple)."""
        values: Tensor
        indices: Tensor

    class _MinMax(NamedTuple):
        """aminmax's named pair."""
        min: Tensor
        max: Tensor


class Size(tuple):
    """A tensor's shape, as ``torch.Size``: a tuple of ints (equal to the plain tuple) with
    ``numel()``; slicing and ``+`` keep it a Size.

    >>> ag.zeros(2, 3).size()          # Size([2, 3]); .numel() == 6, == (2, 3)
    """

    def __new__(cls, sizes: Any = ()) -> Size:
        try:
            items = tuple(operator.index(s) for s in sizes)
        except TypeError:
            raise TypeError(f"Size: expected an iterable of ints, got {_short(sizes)}") \
                from None
        return tuple.__new__(cls, items)

    def numel(self) -> int:
        """The number of elements of a tensor of this shape (1 for ``Size([])``)."""
        return math.prod(self)

    def __getitem__(self, index: Any) -> Any:
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other: Any) -> Size:
        return Size(tuple.__add__(self, other))

    def __repr__(self) -> str:
        return f"Size({list(self)})"


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
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple:
    """Gradients of ``outputs`` w.r.t. ``inputs``, returned as a tuple; no ``.grad`` is
    touched. ``create_graph=True`` makes the result differentiable (higher order). As
    PyTorch, an input the outputs do not depend on is an error, or None with
    ``allow_unused=True``, or zeros with ``materialize_grads=True`` (which implies it).

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
    materialize_grads = flag(materialize_grads, "grad", "materialize_grads")
    if allow_unused is None:
        allow_unused = materialize_grads
    elif not flag(allow_unused, "grad", "allow_unused") and materialize_grads:
        raise ValueError("grad: materialize_grads=True needs allow_unused=True or not given "
                         "(as PyTorch)")
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
    assert results is not None  # (with inputs= it returns their gradients)
    for i, (t, r) in enumerate(zip(ins, results)):
        if r is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} (shape {t.shape}) was not used to compute the outputs; "
                "pass allow_unused=True to get None for it"
            )
        if r is None and materialize_grads:
            results[i] = Tensor._wrap(np.zeros(t.shape, t.dtype))
        if r is not None and r.shape != t.shape:
            results[i] = engine.unbroadcast(r, t.shape)
    return tuple(results)
