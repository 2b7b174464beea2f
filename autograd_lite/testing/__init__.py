"""Check gradients against central finite differences, for the library's ops and yours.

>>> from autograd_lite.testing import gradcheck
>>> x = ag.tensor(np.random.rand(3, 4), requires_grad=True)   # float64
>>> gradcheck(lambda x: (x.sin() * x).sum(axis=1), (x,))
True

Hypothesis strategies for property tests are in :mod:`autograd_lite.testing.strategies`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..engine import enable_grad, no_grad
from ..tensor import Tensor, grad


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with finite differences."""


def _as_inputs(inputs: Any) -> tuple:
    return tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)


def _float64_inputs(inputs: Sequence) -> tuple:
    """Float64 leaf copies of the float Tensor inputs (others are passed unchanged)."""
    out = []
    for x in inputs:
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            y = Tensor(x.data.astype(np.float64))
            y.requires_grad = x.requires_grad
            out.append(y)
        else:
            out.append(x)
    return tuple(out)


def _outputs(result: Any) -> tuple:
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def _projection(outs: tuple, seed: int = 0) -> list:
    """Fixed random weights for each output: checking d(sum(out * v))/dx checks vᵀJ."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.5, 1.5, o.shape) * rng.choice([-1.0, 1.0], o.shape) for o in outs]


def _scalar(outs: tuple, weights: list) -> float:
    return float(sum(np.sum(np.asarray(o.data, dtype=np.float64) * w)
                     for o, w in zip(outs, weights)))


def numerical_grad(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    grad_outputs: Sequence[np.ndarray] | None = None,
) -> tuple:
    """Central-difference gradient of ``sum(fn(*inputs) * grad_outputs)`` (ones by
    default) w.r.t. every Tensor input, as float64 arrays (None for other inputs).

    >>> numerical_grad(lambda x: (x ** 2).sum(), ag.tensor([3.0]))   # (array([6.]),)
    """
    inputs = _as_inputs(inputs)
    with no_grad():
        outs = _outputs(fn(*inputs))
    weights = list(grad_outputs) if grad_outputs is not None else \
        [np.ones(o.shape) for o in outs]
    result: list[np.ndarray | None] = []
    for x in inputs:
        if not isinstance(x, Tensor) or x.dtype.kind != "f":
            result.append(None)
            continue
        g = np.zeros(x.shape, dtype=np.float64)
        flat = x.data.reshape(-1)  # a view: perturb in place, restore after
        for i in range(flat.size):
            old = flat[i]
            with no_grad():
                flat[i] = old + eps
                plus = _scalar(_outputs(fn(*inputs)), weights)
                flat[i] = old - eps
                minus = _scalar(_outputs(fn(*inputs)), weights)
            flat[i] = old
            g.reshape(-1)[i] = (plus - minus) / (2 * eps)
        result.append(g)
    return tuple(result)


def _analytic_grad(fn: Callable, inputs: tuple, weights: list | None) -> tuple[tuple, list]:
    outs = _outputs(fn(*inputs))
    weights = weights if weights is not None else _projection(outs)
    wanted = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not wanted:
        raise ValueError("gradcheck: no input requires grad")
    live = [(o, w) for o, w in zip(outs, weights) if o.requires_grad]
    if not live:
        return tuple(np.zeros(x.shape) for x in wanted), weights
    grads = grad([o for o, _ in live], wanted,
                 [Tensor(w.astype(o.dtype)) for o, w in live], allow_unused=True)
    return tuple(np.zeros(x.shape) if g is None else np.asarray(g.data, np.float64)
                 for x, g in zip(wanted, grads)), weights


def _compare(analytic: tuple, numeric: tuple, inputs: tuple, atol: float, rtol: float,
             raise_exception: bool, what: str) -> bool:
    positions = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    for pos, a, n in zip(positions, analytic, numeric):
        err = np.abs(a - n) - (atol + rtol * np.abs(n))
        if err.size and (err > 0).any() or not np.isfinite(a).all():
            worst = np.unravel_index(int(np.nanargmax(np.where(np.isfinite(err), err, np.inf))),
                                     a.shape) if a.size else ()
            msg = (f"{what} mismatch for input {pos} (shape {inputs[pos].shape}) at index "
                   f"{tuple(int(i) for i in worst)}: analytic {float(a[worst])!r}, numerical "
                   f"{float(n[worst])!r} (atol={atol}, rtol={rtol})")
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Compare the analytic gradient of every input that requires grad with central
    finite differences, in float64.

    ``fn`` maps the inputs to a Tensor (or a tuple of Tensors). The check is made on
    ``sum(fn(*inputs) * v)`` for fixed random weights ``v``, i.e. on vᵀJ for every input.
    On failure raises :class:`GradcheckError` naming the input, the worst index and both
    values (or returns False with ``raise_exception=False``).
    """
    inputs = _float64_inputs(_as_inputs(inputs))
    analytic, weights = _analytic_grad(fn, inputs, None)
    numeric = numerical_grad(fn, inputs, eps, weights)
    numeric = tuple(n for x, n in zip(inputs, numeric)
                    if isinstance(x, Tensor) and x.requires_grad)
    return _compare(analytic, numeric, inputs, atol, rtol, raise_exception, "gradient")


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: the gradient of the (``create_graph=True``) first
    derivative against finite differences of that first derivative, in float64."""
    inputs = _float64_inputs(_as_inputs(inputs))
    wanted_pos = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    with no_grad():
        weights = _projection(_outputs(fn(*inputs)), seed=1)
    second = np.random.default_rng(2)
    second_weights = [second.uniform(-1.5, 1.5, inputs[i].shape) for i in wanted_pos]

    @enable_grad()  # numerical_grad evaluates under no_grad; this needs the graph
    def first_derivative(*xs):
        outs = _outputs(fn(*xs))
        live = [(o, w) for o, w in zip(outs, weights) if o.requires_grad]
        wanted = [xs[i] for i in wanted_pos]
        grads = grad([o for o, _ in live], wanted, [Tensor(w.astype(o.dtype)) for o, w in live],
                     create_graph=True, allow_unused=True)
        total = None
        for g, u in zip(grads, second_weights):
            if g is not None and g.requires_grad:
                term = (g * u).sum()
                total = term if total is None else total + term
        return total if total is not None else Tensor(np.zeros(()))

    return gradcheck(first_derivative, inputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)


__all__ = ["GradcheckError", "gradcheck", "gradgradcheck", "numerical_grad"]
