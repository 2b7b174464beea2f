"""``nn.Module`` and its containers: parameters, buffers, sub-modules, hooks, state dicts.

Attributes set on a Module are registered by type, as in PyTorch: a :class:`Parameter`
goes to ``_parameters``, a Module to ``_modules``, a Tensor given to
:meth:`Module.register_buffer` to ``_buffers``. Everything else is built on these three
ordered dicts (``named_parameters``, ``state_dict``, ``repr``, ...).

>>> model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
>>> [name for name, _ in model.named_parameters()]
['0.weight', '0.bias']
"""

from __future__ import annotations

import functools
import inspect
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

import numpy as np

import autograd_lite as ag
from autograd_lite.devices import cpu_only_error, to_args
from autograd_lite.engine import tag_owner
from autograd_lite.tensor import RemovableHandle
from autograd_lite.validation import flag, function

from .serialization import array_of

__all__ = ["Parameter", "Module", "Sequential", "ModuleList", "RemovableHandle"]

_Seq = TypeVar("_Seq", bound="_ModuleSequence")  # append & co. return their own class


class Parameter(ag.Tensor):
    """A leaf Tensor that a Module registers as one of its parameters.

    >>> w = nn.Parameter(np.zeros((3, 2)))      # shape (3, 2), requires_grad=True
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=ag.get_default_dtype())
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict(strict=False)`` returns, as PyTorch."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


_LOCATABLE = (ValueError, TypeError, IndexError)


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def call_args(fn: Callable, args: tuple, kwargs: dict) -> tuple:
    """The arguments of the call ``fn(*args, **kwargs)`` as one tuple, for the drawing's
    tag (``tag_owner``): keywords bound to their positions by ``fn``'s signature
    (``loss(logits, target=y)`` -> ``(logits, y)``) as ``inspect.Signature.bind`` would,
    the others after them."""
    if not kwargs:
        return args
    func = getattr(fn, "__func__", fn)  # a bound method: its function, less ``self``
    try:
        names = _positional_names(func)[1 if func is not fn else 0:]
    except TypeError:  # an unhashable callable: no cache, no binding
        return args + tuple(kwargs.values())
    bound = list(args)
    for name in names[len(args):]:  # positions filled by keyword, up to the first gap
        if name not in kwargs:
            break
        bound.append(kwargs[name])
    placed = names[len(args):len(bound)]
    return tuple(bound) + tuple(v for k, v in kwargs.items() if k not in placed)


@functools.lru_cache(maxsize=1024)
def _positional_names(func: Callable) -> tuple[str | None, ...]:
    """The names of ``func``'s positional parameters (None for a positional-only one, which
    no keyword fills), read once per function: reading a signature costs ~10 µs, and every
    module and loss call with keywords asks."""
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):  # a signature inspect cannot read
        return ()
    return tuple(p.name if p.kind is p.POSITIONAL_OR_KEYWORD else None for p in params
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def _child_name(parent: Module, child: Module) -> str | None:
    """The dotted name of ``child`` inside ``parent`` (None if it is not there)."""
    for name, m in parent._modules.items():
        if m is child:
            return name
    for name, m in parent.named_modules():
        if m is child and name:
            return name
    return None


class Module:
    """Base class of every layer and model.

    Subclasses call ``super().__init__()`` first, assign Parameters and sub-Modules as
    attributes, and define ``forward``; calling the module runs ``forward`` with its hooks.

    >>> class MLP(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc1, self.fc2 = nn.Linear(4, 8), nn.Linear(8, 1)
    ...     def forward(self, x):                       # x: (N, 4) -> (N, 1)
    ...         return self.fc2(self.fc1(x).relu())
    """

    training: bool

    def __init__(self) -> None:
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent_buffers"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["_backward_hooks"] = OrderedDict()

    # ------------------------------------------------------------------------------------
    # Calling

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  '"forward" function')

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # No bookkeeping per call: a failing layer is named as its error passes by.
        try:
            if self._forward_pre_hooks or self._forward_hooks or self._backward_hooks:
                output = self._call_with_hooks(args, kwargs)
            else:
                output = self.forward(*args, **kwargs)
        except _LOCATABLE as e:
            self._locate(e)
            raise
        node = getattr(output, "grad_fn", None)
        if node is not None:
            # (call_args's own no-keywords check inline: a call less per module call)
            tag_owner(node, self, call_args(self.forward, args, kwargs) if kwargs else args,
                      output)
        return output

    def _locate(self, error: Exception) -> None:
        """Prefix ``error`` with the failing layer and its place in the model:
        ``layer 'features.0' Linear(...): ...``. The innermost module that sees the error
        names itself; each enclosing module it passes through adds its child's name."""
        if not error.args:
            return
        seen = getattr(error, "_nn_where", None)
        if seen is None:  # the innermost module: [last module, path, its repr, message]
            # (a note the exception carries up through the enclosing modules)
            seen = error._nn_where = [  # type: ignore[attr-defined]
                self, [], self._short_repr(), error.args[0]]
        else:
            seen[1].insert(0, _child_name(self, seen[0]) or "?")
            seen[0] = self
        _, path, short, message = seen
        where = f"layer '{'.'.join(path)}' " if path else ""
        error.args = (f"{where}{short}: {message}",) + error.args[1:]

    def _short_repr(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        for hook in list(self._forward_pre_hooks.values()):
            new = hook(self, args)
            if new is not None:
                args = new if isinstance(new, tuple) else (new,)
        backward = None
        if self._backward_hooks and ag.is_grad_enabled():
            backward = _BackwardHookCall(self)
            args = backward.wrap_inputs(args)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            new = hook(self, args, output)
            if new is not None:
                output = new
        if backward is not None:
            output = backward.wrap_outputs(output)
        return output

    def register_forward_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(module, args)`` runs before ``forward``; it may return new args."""
        return self._add_hook(self._forward_pre_hooks, hook)

    def register_forward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(module, args, output)`` runs after ``forward``; it may return a new output.

        >>> h = layer.register_forward_hook(lambda m, args, out: print(out.shape))
        >>> h.remove()
        """
        return self._add_hook(self._forward_hooks, hook)

    def register_full_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` runs once the gradients w.r.t. the
        module's Tensor inputs have been computed: ``grad_input`` has one entry per
        positional Tensor input (None where it does not require grad), ``grad_output`` one
        per Tensor output. Returning a tuple replaces ``grad_input`` (for modules with one
        input that requires grad, the common case)."""
        return self._add_hook(self._backward_hooks, hook)

    @staticmethod
    def _add_hook(hooks: dict, hook: Callable[..., Any]) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(f"hook must be callable, got {type(hook).__name__}")
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------------------------------
    # Registration

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, (Parameter, Module)) and params is None:
            raise AttributeError(f"cannot assign {type(value).__name__} '{name}' before "
                                 "Module.__init__() call (call super().__init__() first)")
        if isinstance(value, Parameter):
            self._forget(name)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} as parameter '{name}' of "
                    f"{type(self).__name__} (nn.Parameter or None expected); wrap it: "
                    f"nn.Parameter(value)")
            params[name] = None
        elif isinstance(value, Module):
            self._forget(name)
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} as child module "
                                f"'{name}' of {type(self).__name__} (nn.Module or None expected)")
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, ag.Tensor):
                raise TypeError(f"cannot assign a {type(value).__name__} as buffer '{name}' "
                                f"of {type(self).__name__} (Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str) -> None:
        """Remove ``name`` from every registry (before it is registered anew)."""
        self.__dict__.pop(name, None)
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    @staticmethod
    def _check_name(name: Any, what: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{what} name should be a string, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f'{what} name can\'t be empty or contain ".", got {name!r}')

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add ``param`` (or None, a declared but absent parameter) under ``name``."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign a {type(param).__name__} as parameter '{name}' "
                            "(nn.Parameter or None expected)")
        if name not in self._parameters and hasattr(self, name):
            raise KeyError(f"attribute '{name}' already exists")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: ag.Tensor | None,
                        persistent: bool = True) -> None:
        """Add a Tensor that is state but not a parameter (BatchNorm's running mean).
        Persistent buffers are part of ``state_dict``."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, ag.Tensor):
            raise TypeError(f"cannot assign a {type(tensor).__name__} as buffer '{name}' "
                            "(Tensor or None expected)")
        if name not in self._buffers and hasattr(self, name):
            raise KeyError(f"attribute '{name}' already exists")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name`` (same as setting the attribute)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}: cannot add a {type(module).__name__} as "
                            f"module {name!r} ({type(module).__name__} is not a Module "
                            "subclass)")
        self._check_name(name, "module")
        if name not in self._modules and hasattr(self, name):
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The module at a dotted path: ``model.get_submodule("encoder.0")``."""
        module = self
        for part in target.split(".") if target else []:
            if part not in module._modules or module._modules[part] is None:
                raise AttributeError(f"{type(module).__name__} has no submodule '{part}' "
                                     f"(looking up '{target}')")
            module = module._modules[part]
        return module

    # ------------------------------------------------------------------------------------
    # Traversal

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """This module and every descendant, with dotted names ('' for the root)."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                sub = f"{prefix}.{name}" if prefix else name
                yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named_members(self, registry: str, prefix: str, recurse: bool,
                       remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for mod_prefix, module in modules:
            for name, t in getattr(module, registry).items():
                if t is None or (remove_duplicate and id(t) in seen):
                    continue
                seen.add(id(t))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), t

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) pairs: ('0.weight', ...), ('0.bias', ...), ..."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, ag.Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[ag.Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule (children first) and on self; returns self."""
        function(fn, f"{type(self).__name__}.apply", "fn")
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------------------------
    # Modes and gradients

    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout drops, BatchNorm uses batch statistics); returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self) -> Module:
        """Evaluation mode, ``train(False)``; returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Make every parameter require grad (or not: freezing); returns self."""
        flag(requires_grad, f"{type(self).__name__}.requires_grad_", "requires_grad")
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters (to None by default, as PyTorch)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad = ag.zeros_like(p.grad)

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Cast floating parameters, buffers and gradients, in place; returns self. The
        forms of ``Tensor.to``: ``model.to(ag.float64)``, ``model.to(device)``,
        ``model.to(device, dtype)``, ``model.to(tensor)``, ``dtype=``/``device=``; the
        device must be the CPU (there is only the CPU), the dtype floating."""
        dt, _ = to_args("Module.to", args, kwargs)
        if dt is None:
            return self
        if dt.kind != "f":
            raise TypeError(f"Module.to only accepts floating point dtypes, got {dt}")
        for t in list(self.parameters()) + list(self.buffers()):
            if t.dtype.kind == "f":
                t.data = t.data.astype(dt)
                if t.grad is not None:
                    t.grad.data = t.grad.data.astype(dt)
        return self

    def double(self) -> Module:
        return self.to(np.float64)

    def float(self) -> Module:
        return self.to(np.float32)

    def half(self) -> Module:
        return self.to(np.float16)

    def cpu(self) -> Module:
        """The module itself: it is on the CPU already."""
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Module:
        """Refused: there is no CUDA (autograd-lite runs on numpy)."""
        raise cpu_only_error(f"{type(self).__name__}.cuda", "CUDA")

    # ------------------------------------------------------------------------------------
    # State dicts

    def state_dict(self, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> dict[str, ag.Tensor]:
        """Parameters and persistent buffers by dotted name, PyTorch's keys and layouts:
        ``Linear(2, 3)`` -> {'weight': (3, 2), 'bias': (3,)}. Values share memory with the
        module (detached unless ``keep_vars``)."""
        out = OrderedDict() if destination is None else destination
        for name, p in self._parameters.items():
            if p is not None:
                out[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers:
                out[prefix + name] = b if keep_vars else b.detach()
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(out, prefix + name + ".", keep_vars)
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any],
                        strict: bool = True) -> _IncompatibleKeys:
        """Copy ``state_dict``'s values into the parameters and buffers, in place.

        With ``strict`` (default), missing or unexpected keys raise a RuntimeError listing
        each; ``strict=False`` returns them as ``(missing_keys, unexpected_keys)``. A shape
        mismatch always raises (as in PyTorch). Nothing is changed when an error is raised.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected a mapping of names to arrays, got "
                            f"{type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors, values = [], {}
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            arr = array_of(value)
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"load_state_dict: value for '{key}' has dtype {arr.dtype}; "
                                "expected numeric data")
            if arr.shape != target.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"{arr.shape} from checkpoint, the shape in current model is "
                              f"{target.shape}.")
            values[key] = arr
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in unexpected) + ". ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:"
                               "\n\t" + "\n\t".join(errors))
        with ag.no_grad():
            for key, arr in values.items():
                own[key][...] = arr
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------------------------
    # repr

    def draw(self, *inputs: Any, **options: Any) -> Any:
        """The graph of ``self(*inputs).sum()`` as a ``graphviz.Digraph``, parameters
        labelled with their names (``0.weight``); ``options`` go to ``ag.draw_graph``.

        >>> model.draw(ag.randn(4, 64), show_data=True).render("mlp", format="svg")
        """
        from autograd_lite.viz import draw_graph

        return draw_graph(self(*inputs).sum(), params=self, **options)

    def extra_repr(self) -> str:
        """The layer's settings shown inside its repr: ``in_features=2, out_features=3``."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): {_addindent(repr(m), 2)}"
                       for name, m in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                body = extra_lines[0]
            else:
                body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{type(self).__name__}({body})"

    def _repr_html_(self) -> str:
        """A notebook's view: one row per module (name, type, settings, its own
        parameters' shapes and count) and the total count of (trainable) parameters."""
        import html

        rows = []
        for name, m in self.named_modules():
            own = list(m.named_parameters(recurse=False))
            shapes = ", ".join(f"{n} {'×'.join(map(str, p.shape))}" for n, p in own)
            cells = (name or "(model)", type(m).__name__, m.extra_repr(), shapes,
                     f"{sum(p.data.size for _, p in own):,}" if own else "")
            rows.append("<tr>" + "".join(f"<td style='text-align:left'>{html.escape(c)}</td>"
                                         for c in cells) + "</tr>")
        total = sum(p.data.size for p in self.parameters())
        trainable = sum(p.data.size for p in self.parameters() if p.requires_grad)
        head = "".join(f"<th>{c}</th>" for c in ("name", "type", "settings", "parameters",
                                                  "count"))
        return (f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
                f"<p>{total:,} parameters ({trainable:,} trainable)</p>")


class _BackwardHookCall:
    """One call of a module that has full backward hooks: wraps its Tensor inputs and
    outputs in identity ops, collects the gradients reaching them through Tensor hooks,
    and calls the module's hooks once the gradients w.r.t. all inputs are known."""

    def __init__(self, module: Module) -> None:
        self.module = module
        self.grad_inputs: list[Any] = []
        self.grad_outputs: list[Any] = []
        self.inputs_requiring_grad = 0
        self.inputs_pending = 0
        self.outputs_pending = 0

    @staticmethod
    def _identity(t: ag.Tensor) -> ag.Tensor:
        return t.reshape(t.shape)

    def wrap_inputs(self, args: tuple) -> tuple:
        out = []
        for a in args:
            if isinstance(a, ag.Tensor):
                i = len(self.grad_inputs)
                self.grad_inputs.append(None)
                if a.requires_grad:
                    a = self._identity(a)
                    a.register_hook(self._input_hook(i))
                    self.inputs_requiring_grad += 1
            out.append(a)
        return tuple(out)

    def wrap_outputs(self, output: Any) -> Any:
        single = isinstance(output, ag.Tensor)
        outs = [output] if single else list(output) if isinstance(output, (tuple, list)) \
            else None
        if outs is None:
            return output
        for i, o in enumerate(outs):
            if isinstance(o, ag.Tensor) and o.requires_grad:
                self.grad_outputs.append(None)
                outs[i] = self._identity(o)
                outs[i].register_hook(self._output_hook(len(self.grad_outputs) - 1))
        self._rearm()
        if single:
            return outs[0]
        return type(output)(outs)

    def _rearm(self) -> None:
        """Expect every gradient again (a retained graph may run backward twice)."""
        self.inputs_pending = self.inputs_requiring_grad
        self.outputs_pending = len(self.grad_outputs)

    def _fire(self) -> tuple | None:
        self._rearm()
        result = None
        for hook in list(self.module._backward_hooks.values()):
            new = hook(self.module, tuple(self.grad_inputs), tuple(self.grad_outputs))
            if new is not None:
                result = tuple(new) if isinstance(new, (tuple, list)) else (new,)
                self.grad_inputs = list(result)
        return result

    def _output_hook(self, i: int) -> Callable[[ag.Tensor], None]:
        def hook(grad: ag.Tensor) -> None:
            self.grad_outputs[i] = grad
            self.outputs_pending -= 1
            if self.outputs_pending == 0 and self.inputs_pending == 0:
                self._fire()

        return hook

    def _input_hook(self, i: int) -> Callable[[ag.Tensor], ag.Tensor | None]:
        def hook(grad: ag.Tensor) -> ag.Tensor | None:
            self.grad_inputs[i] = grad
            self.inputs_pending -= 1
            if self.inputs_pending:
                return None
            replaced = self._fire()
            if replaced is None:
                return None
            if self.inputs_requiring_grad > 1:
                raise RuntimeError(
                    f"{type(self.module).__name__}: a full backward hook returned new "
                    "grad_input for a module with several inputs that require grad; only "
                    "modules with one such input support replacing grad_input")
            return replaced[i]

        return hook


# ----------------------------------------------------------------------------------------
# Containers


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: indexing, ``len``, iteration, appending."""

    def _index(self, idx: int) -> str:
        n = len(self._modules)
        if not isinstance(idx, (int, np.integer)) or isinstance(idx, bool):
            raise TypeError(f"{type(self).__name__} indices must be integers or slices, "
                            f"got {type(idx).__name__}")
        if not -n <= idx < n:
            raise IndexError(f"index {idx} is out of range for {type(self).__name__} of "
                             f"length {n}")
        return list(self._modules)[idx % n]

    def __getitem__(self, idx: int | slice) -> Module:
        if isinstance(idx, slice):
            return self._slice(idx)
        return self._modules[self._index(idx)]

    def _slice(self, idx: slice) -> Module:
        raise NotImplementedError

    def __setitem__(self, idx: int, module: Module) -> None:
        self.add_module(self._index(idx), module)

    def __delitem__(self, idx: int | slice) -> None:
        keys = list(self._modules)[idx] if isinstance(idx, slice) else [self._index(idx)]
        for k in keys:
            del self._modules[k]
        if all(k.isdigit() for k in self._modules):  # keep numbering contiguous
            items = list(self._modules.values())
            self._modules.clear()
            for i, m in enumerate(items):
                self._modules[str(i)] = m

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self: _Seq, module: Module) -> _Seq:
        self.add_module(str(len(self)), module)
        return self

    def extend(self: _Seq, modules: Iterable[Module]) -> _Seq:
        for m in modules:
            self.append(m)
        return self

    def insert(self: _Seq, index: int, module: Module) -> _Seq:
        items = list(self._modules.values())
        items.insert(index, module)
        self._modules.clear()
        for i, m in enumerate(items):
            self.add_module(str(i), m)
        return self


class Sequential(_ModuleSequence):
    """Modules applied in order: ``Sequential(Linear(4, 8), ReLU(), Linear(8, 1))`` maps
    (N, 4) -> (N, 1). Also accepts an OrderedDict of named modules. Indexable (a slice
    gives a Sequential keeping the names), iterable, ``len``-able."""

    def __init__(self, *args: Module | OrderedDict[str, Module]) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, m in args[0].items():
                self.add_module(name, m)
        else:
            for i, module in enumerate(args):  # (add_module refuses what is not a Module)
                self.add_module(str(i), module)  # type: ignore[arg-type]

    def _slice(self, idx: slice) -> Sequential:
        return Sequential(OrderedDict(list(self._modules.items())[idx]))

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_ModuleSequence):
    """A list of modules, registered (their parameters belong to the owner) but not
    called in sequence: ``ModuleList([Linear(4, 4) for _ in range(3)])``."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            if not isinstance(modules, Iterable):
                raise TypeError(f"ModuleList: expected an iterable of modules, got "
                                f"{type(modules).__name__}")
            self.extend(modules)

    def _slice(self, idx: slice) -> ModuleList:
        return ModuleList(list(self._modules.values())[idx])

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleList has no forward; iterate over it instead")

    def __repr__(self) -> str:
        """PyTorch's compact form: runs of identical modules as ``(0-2): 3 x Linear(...)``."""
        reprs = [repr(m) for m in self]
        if not reprs:
            return "ModuleList()"
        blocks: list[list[Any]] = []
        for i, r in enumerate(reprs):
            if blocks and blocks[-1][2] == r:
                blocks[-1][1] = i
            else:
                blocks.append([i, i, r])
        lines = [_addindent(f"({a}): {r}" if a == b else f"({a}-{b}): {b - a + 1} x {r}", 2)
                 for a, b, r in blocks]
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"
