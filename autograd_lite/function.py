"""User-defined ops: subclass :class:`Function` with numpy ``forward``/``backward``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .ops import _operand, _record
from .tensor import Tensor


class FunctionCtx:
    """What ``forward`` and ``backward`` of a :class:`Function` share."""

    def __init__(self) -> None:
        self.saved_tensors: tuple = ()

    def save_for_backward(self, *arrays: Any) -> None:
        self.saved_tensors = arrays


class Function:
    """Base class of custom ops, working on numpy arrays.

    >>> class Cube(ag.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return 3 * x ** 2 * grad
    >>> y = Cube.apply(ag.tensor([2.0], requires_grad=True))   # tensor([8.])

    Custom Functions are first-order: ``create_graph`` through one is an error.
    """

    # (ctx, *args, **kwargs): what any subclass's own signature may override, for type
    # checkers (as PyTorch's); apply passes the numpy values of its arguments positionally
    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("Function subclasses must define forward(ctx, *arrays)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("Function subclasses must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *args: Any) -> Tensor:
        name = cls.__name__
        pairs = [_operand(a, name) for a in args]
        inputs = tuple(p[0] for p in pairs)
        values = tuple(p[1] for p in pairs)
        ctx = FunctionCtx()
        out = cls.forward(ctx, *values)
        if not isinstance(out, np.ndarray):
            out = np.asarray(out)
        if out.dtype.kind not in "biuf":
            raise TypeError(f"{name}.forward returned an array of dtype {out.dtype}")
        grads_cache: dict = {}

        def vjp_for(i: int):
            def vjp(xp, g, out_value, *vals):
                if isinstance(g, Tensor):
                    raise RuntimeError(
                        f"{name}: custom Functions are first-order; create_graph=True "
                        "cannot differentiate through their backward"
                    )
                if grads_cache.get("g") is not g:  # one backward call serves every input
                    grads = cls.backward(ctx, g)
                    grads = grads if isinstance(grads, tuple) else (grads,)
                    if len(grads) != len(inputs):
                        raise RuntimeError(
                            f"{name}.backward returned {len(grads)} gradient(s) for "
                            f"{len(inputs)} input(s)"
                        )
                    grads_cache.update(g=g, grads=grads)
                gi = grads_cache["grads"][i]
                if gi is None:
                    return None
                gi = np.asarray(gi.data if isinstance(gi, Tensor) else gi)
                if gi.dtype.kind not in "biuf":
                    raise RuntimeError(f"{name}.backward returned a gradient of dtype "
                                       f"{gi.dtype} for input {i}")
                shape = np.shape(vals[i])
                if gi.shape != shape and gi.size != np.size(vals[i]):
                    try:  # a larger, broadcast gradient is summed back by the engine
                        fits = np.broadcast_shapes(gi.shape, shape) == gi.shape
                    except ValueError:
                        fits = False
                    if not fits:
                        raise RuntimeError(
                            f"{name}.backward returned a gradient of shape {gi.shape} for "
                            f"input {i} of shape {shape}"
                        )
                return gi

            return vjp

        return _record(name, out, inputs, values, tuple(vjp_for(i) for i in range(len(args))))
