"""The common base of every optimizer: parameter groups, the shared step loop, state dicts.

A subclass only says how one parameter moves: ``_init_state`` (its buffers) and
``_update`` (the in-place update of one numpy array from its gradient). Everything else --
validation, ``param_groups``, ``zero_grad``, skipping parameters whose ``.grad`` is None,
``maximize`` and the L2 penalty of ``weight_decay``, ``state_dict``/``load_state_dict`` --
lives here, once.

State layout follows PyTorch: ``opt.state[p]`` is a dict of numpy arrays (same shape and
dtype as ``p``) plus an integer ``"step"`` where the algorithm counts steps.
"""

from __future__ import annotations

import copy
import inspect
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

import autograd_lite as ag

ParamsT = Iterable[Any] | Iterable[dict[str, Any]]


class Optimizer:
    """Base class: holds ``param_groups`` (list of dicts) and per-parameter ``state``.

    >>> w = ag.zeros((3, 2), requires_grad=True)      # any shape; state buffers match it
    >>> opt = nn.optim.SGD([w], lr=0.1)
    >>> opt.param_groups[0]["lr"]
    0.1

    Subclasses set ``_nonnegative`` (hyperparameters that must be >= 0) and implement
    :meth:`_init_state` and :meth:`_update`; they may extend :meth:`_validate_group`.
    """

    _nonnegative: tuple[str, ...] = ("lr", "weight_decay")

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        if isinstance(params, (ag.Tensor, dict)) or not isinstance(params, Iterable):
            what = "a single " if isinstance(params, (ag.Tensor, dict)) else ""
            raise TypeError(
                f"{name}: params must be an iterable of Tensors or of dicts (parameter "
                f"groups), got {what}{type(params).__name__}; wrap it in a list"
            )
        self.defaults = dict(defaults)
        self._validate_group(self.defaults)
        self.state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        elif not all(isinstance(g, dict) for g in groups):
            raise TypeError(f"{name}: params mixes parameter groups (dicts) with other values; "
                            "give a list of Tensors or a list of dicts")
        for group in groups:
            self.add_param_group(group)

    # -- parameter groups ----------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group (``{"params": [...], "lr": ...}``); missing keys take the defaults.

        >>> opt.add_param_group({"params": [b], "lr": 1e-2})   # b: Tensor of any shape
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a parameter group must be a dict, got "
                            f"{type(param_group).__name__}")
        params = param_group.get("params")
        if params is None:
            raise ValueError(f"{name}: a parameter group needs a 'params' entry")
        if not isinstance(params, (ag.Tensor, Iterable)):
            raise TypeError(f"{name}: a parameter group's 'params' must be Tensors, got "
                            f"{type(params).__name__}")
        params = [params] if isinstance(params, ag.Tensor) else list(params)
        if not params:
            raise ValueError(f"{name}: got an empty parameter list")
        for i, p in enumerate(params):
            if not isinstance(p, ag.Tensor):
                raise TypeError(
                    f"{name}: can only optimize Tensors, but parameter {i} of the group is "
                    f"a {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: can't optimize a non-leaf Tensor (parameter {i}, shape "
                    f"{p.shape}); optimize the leaf it was computed from"
                )
            if p.dtype.kind != "f":
                raise TypeError(f"{name}: can only optimize floating point Tensors, but "
                                f"parameter {i} of the group has dtype {p.dtype}")
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{name}: a parameter group contains the same parameter twice")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if seen.intersection(ids):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        group = {**self.defaults, **{k: v for k, v in param_group.items() if k != "params"}}
        self._validate_group(group)
        group["params"] = params
        self.param_groups.append(group)

    def _validate_group(self, group: dict[str, Any]) -> None:
        """Raise TypeError/ValueError for hyperparameters of the wrong kind or out of range
        (before any state changes): numbers must be finite, flags bools."""
        name = type(self).__name__
        for key, default in _signature_defaults(type(self)).items():
            if key not in group:
                continue
            value = group[key]
            if isinstance(default, bool):
                if not isinstance(value, (bool, np.bool_)):
                    raise TypeError(f"{name}: {key} must be True or False, got {value!r}")
            elif isinstance(default, (int, float)) or key in self._nonnegative:
                if not isinstance(value, (int, float, np.number)) or isinstance(
                        value, (bool, np.bool_)):
                    raise TypeError(f"{name}: {key} must be a number, got {value!r}")
                if not math.isfinite(value):
                    raise ValueError(f"{name}: invalid {key} {value!r} (must be finite)")
        for key in self._nonnegative:
            value = group.get(key, 0.0)
            if not value >= 0.0:
                raise ValueError(f"{name}: invalid {key} {value!r} (must be >= 0)")

    # -- the step --------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's ``.grad``: to None (default) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif p.grad.grad_fn is not None:  # a grad built with create_graph
                    p.grad = ag.zeros_like(p.grad.detach())
                else:
                    p.grad.data.fill(0)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a ``.grad``, in place; return ``closure()``'s loss.

        >>> loss = ((x @ w - y) ** 2).mean(); loss.backward(); opt.step()   # w: (d, k)
        """
        loss = None
        if closure is not None:
            if not callable(closure):
                raise TypeError(f"{type(self).__name__}.step: closure must be callable, got "
                                f"{closure!r}")
            with ag.enable_grad():
                loss = closure()
        for group in self.param_groups:  # all checked before any parameter moves
            for p in group["params"]:
                if p.grad is not None and p.grad.data.shape != p.data.shape:
                    raise RuntimeError(
                        f"{type(self).__name__}.step: gradient shape {p.grad.data.shape} "
                        f"does not match parameter shape {p.data.shape}"
                    )
        # The updates are numpy operations: they record no graph, so need no no_grad().
        update, states = self._update, self.state
        # An optimizer without buffers (SGD) keeps each state empty, as PyTorch's SGD does
        # without momentum: don't ask it for a fresh empty state on every step.
        init_state = None if type(self)._init_state is Optimizer._init_state else self._init_state
        for group in self.param_groups:
            hyper = _plain_numbers(group)
            maximize = hyper.get("maximize", False)
            # Every algorithm starts with the L2 penalty g ← g + λθ, except where the group's
            # decay is decoupled (AdamW): then _update applies it to the parameter.
            decay = (0.0 if hyper.get("decoupled_weight_decay", False)
                     else hyper.get("weight_decay", 0.0))
            for p in group["params"]:
                if p.grad is None:
                    continue
                param, grad = p.data, p.grad.data
                if maximize:
                    grad = -grad
                if decay != 0:
                    grad = grad + decay * param
                state = states[p]
                if not state and init_state is not None:
                    state.update(init_state(param, hyper))
                update(param, grad, state, hyper)
                p._bump_version()  # a graph that saved p now refuses a stale backward
        return loss

    def _init_state(self, param: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        """The fresh state of one parameter (buffers shaped and typed like ``param``)."""
        return {}

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        """Move ``param`` (numpy array, updated in place) using ``grad`` and ``state``.

        ``grad`` is what to descend: already negated for ``maximize`` and with the L2 penalty
        λθ added (unless the group's weight decay is decoupled); a new array or ``p.grad``'s
        own, so never to be written to.
        """
        raise NotImplementedError

    # -- state dicts ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """A copy of the optimizer's state, laid out as PyTorch's.

        ``{"state": {0: {"step": 3, "exp_avg": array(shape of param 0)}, ...},
        "param_groups": [{"lr": 0.1, ..., "params": [0, 1]}, ...]}`` -- parameters are
        numbered in order across groups; arrays are copies.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {
            index[id(p)]: {k: _copy_value(v) for k, v in s.items()}
            for p, s in self.state.items()
            if id(p) in index and s
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict` (checked in full before anything changes)."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError(
                f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups'"
            )
        saved_groups = state_dict["param_groups"]
        saved_state = state_dict["state"]
        if not (isinstance(saved_state, Mapping)
                and all(isinstance(s, Mapping) for s in saved_state.values())
                and isinstance(saved_groups, (list, tuple))
                and all(isinstance(g, Mapping) and isinstance(g.get("params"), (list, tuple))
                        for g in saved_groups)):
            raise ValueError(
                f"{name}.load_state_dict: expected 'state' to map parameter indices to dicts "
                "and 'param_groups' to be a list of dicts with a 'params' list"
            )
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the saved state has {len(saved_groups)} parameter "
                f"groups, this optimizer has {len(self.param_groups)}"
            )
        by_index: dict[Any, Any] = {}
        new_groups = []
        for i, (mine, saved) in enumerate(zip(self.param_groups, saved_groups, strict=True)):
            if len(saved["params"]) != len(mine["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {i} has {len(saved['params'])} "
                    f"parameters in the saved state, {len(mine['params'])} here"
                )
            by_index.update(zip(saved["params"], mine["params"], strict=True))
            group = {**self.defaults}
            group.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})
            self._validate_group(group)
            group["params"] = mine["params"]
            new_groups.append(group)
        new_state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, saved in state_dict["state"].items():
            if key not in by_index:
                raise ValueError(f"{name}.load_state_dict: state for unknown parameter {key!r}")
            p = by_index[key]
            new_state[p] = {k: _cast_like(v, p, k, name) for k, v in saved.items()}
        self.param_groups = new_groups
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


# -- helpers ----------------------------------------------------------------------------
_SIGNATURE_DEFAULTS: dict[type, dict[str, Any]] = {}


def _signature_defaults(cls: type) -> dict[str, Any]:
    """The keyword defaults of ``cls.__init__`` (lr=1e-3, nesterov=False, ...): what kind
    of value each hyperparameter takes."""
    if cls not in _SIGNATURE_DEFAULTS:
        params = inspect.signature(cls.__init__).parameters.values()  # type: ignore[misc]
        _SIGNATURE_DEFAULTS[cls] = {p.name: p.default for p in params
                                    if p.default is not inspect.Parameter.empty}
    return _SIGNATURE_DEFAULTS[cls]


_PLAIN = {float, bool, list}  # values _plain_number returns unchanged: skipped up front


def _plain_numbers(group: dict[str, Any]) -> dict[str, Any]:
    """The group's hyperparameters with numbers (numpy scalars, ints) as Python floats.

    Python floats are "weak" in numpy arithmetic, so float32 parameters stay float32. A group
    holding only floats, bools and its params list (the usual case) is returned itself, not
    copied: a copy per step costs more than updating a small parameter. Read-only, then.
    """
    out = group
    for k, v in group.items():
        if type(v) in _PLAIN:
            continue
        plain = _plain_number(v)
        if plain is not v:
            if out is group:
                out = dict(group)
            out[k] = plain
    return out


def _plain_number(v: Any) -> Any:
    """``v`` as a Python float (a tuple of them for a tuple of numbers); else ``v`` itself."""
    if isinstance(v, (bool, np.bool_)):
        return v
    if isinstance(v, (int, float, np.number)):
        return float(v)
    if isinstance(v, tuple) and all(isinstance(x, (int, float, np.number)) for x in v):
        return v if all(type(x) is float for x in v) else tuple(float(x) for x in v)
    return v


def _copy_value(v: Any) -> Any:
    return v.copy() if isinstance(v, np.ndarray) else copy.deepcopy(v)


def _cast_like(value: Any, p: Any, key: str, name: str) -> Any:
    """A state entry for parameter ``p``: arrays copied into ``p``'s dtype, shape checked."""
    if isinstance(value, (int, float, np.integer, np.floating)) and key == "step":
        return int(value)
    try:
        arr = np.asarray(value)
    except ValueError:  # ragged
        arr = np.asarray(None)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name}.load_state_dict: state '{key}' is not numeric, got "
                         f"{type(value).__name__}")
    if arr.ndim == 0 and key == "step":
        return int(arr)
    if arr.shape != p.data.shape:
        raise ValueError(
            f"{name}.load_state_dict: state '{key}' has shape {arr.shape}, the parameter has "
            f"shape {p.data.shape}"
        )
    return arr.astype(p.data.dtype, copy=True)
