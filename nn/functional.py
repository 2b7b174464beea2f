"""The functional forms of layers and losses, with PyTorch's names (``import nn.functional
as F``). Every function here composes Tensor ops: none has a hand-written gradient.

>>> logits = model(x)                               # (N, C)
>>> loss = F.cross_entropy(logits, y)               # y: (N,) int64 labels -> scalar
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

import autograd_lite as ag
from autograd_lite import Tensor, ops
from autograd_lite.engine import tag_owner
from autograd_lite.validation import dtype_arg, flag, integer, real

from .modules import call_args

__all__ = [
    "linear", "relu", "leaky_relu", "sigmoid", "tanh", "gelu", "elu", "softplus", "softmax",
    "log_softmax", "dropout", "batch_norm", "layer_norm", "embedding", "one_hot", "conv2d",
    "max_pool2d", "avg_pool2d", "mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss",
    # convolution and pooling (issue 16)
    "pad", "conv1d", "conv_transpose1d", "conv_transpose2d", "max_pool1d", "avg_pool1d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool2d", "max_unpool2d",
]
__all__ += [  # issue 16 (nnmisc): norms, dropouts, interpolation, attention
    "group_norm", "instance_norm", "rms_norm", "dropout2d", "alpha_dropout", "interpolate",
    "scaled_dot_product_attention",
]
__all__ += [  # issue 16: more activations, distances and losses
    "silu", "selu", "celu", "hardtanh", "relu6", "hardswish", "hardsigmoid", "mish", "softsign",
    "logsigmoid", "glu", "tanhshrink", "softshrink", "hardshrink", "threshold", "prelu", "rrelu",
    "softmin", "gumbel_softmax", "normalize", "cosine_similarity", "pairwise_distance",
    "kl_div", "smooth_l1_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
    "cosine_embedding_loss", "margin_ranking_loss", "triplet_margin_loss", "gaussian_nll_loss",
    "poisson_nll_loss", "hinge_embedding_loss", "multi_margin_loss",
]

# ----------------------------------------------------------------------------------------
# Argument checking


def _tensor(x: Any, op: str, what: str = "input") -> Tensor:
    """``x`` as a Tensor (numpy arrays are wrapped, sharing memory); anything else is a
    TypeError naming the op and the argument."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray) and x.dtype.kind in "biuf":
        return ag.from_numpy(x)
    got = f"an array of dtype {x.dtype}" if isinstance(x, np.ndarray) else type(x).__name__
    raise TypeError(f"{op}: {what} must be a Tensor (or numpy array), got {got}")


def _float_tensor(x: Any, op: str, what: str = "input") -> Tensor:
    t = x if isinstance(x, Tensor) else _tensor(x, op, what)  # one call less per layer
    if t.data.dtype.kind != "f":  # t.data, not the dtype property: every layer calls this
        raise TypeError(f"{op}: {what} must be floating point, got dtype {t.dtype}")
    return t


def _int_tuple(value: Any, n: int, what: str, op: str, minimum: int) -> tuple[int, ...]:
    """An int (repeated ``n`` times) or a length-``n`` tuple or list of ints, each >=
    ``minimum``: 2 -> (2, 2). Non-integers are a TypeError, out-of-range values a
    ValueError. Single-int arguments (groups, divisor_override) use ``integer`` instead:
    PyTorch refuses a list there."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    expected = f"an int >= {minimum}" + (f" or a tuple of {n} such ints" if n > 1 else "")
    if len(values) != n:
        raise ValueError(f"{op}: {what} must be {expected}, got {value!r}")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{op}: {what} must be {expected}, got {value!r}")
        if v < minimum:
            raise ValueError(f"{op}: {what} must be {expected}, got {value!r}")
    return tuple(int(v) for v in values)


def _broadcasts_to(shape: tuple, target: tuple) -> bool:
    """Whether ``shape`` broadcasts to ``target`` itself (without growing it)."""
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


def _probability(p: Any, op: str) -> float:
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: probability has to be a number between 0 and 1, but got {p!r}")
    if not 0 <= p <= 1:  # also NaN
        raise ValueError(f"{op}: probability has to be between 0 and 1, but got {p!r}")
    return float(p)


# ----------------------------------------------------------------------------------------
# Activations and linear maps


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``: (N, *, in) with weight (out, in) -> (N, *, out)."""
    x = _float_tensor(input, "linear")
    w = _float_tensor(weight, "linear", "weight")
    b = None if bias is None else _float_tensor(bias, "linear", "bias")
    return ag.ops.linear(x, w, b)  # one graph node: x @ w.T + b


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0), elementwise. ``inplace`` is accepted for compatibility; the result is
    always a new Tensor (the graph needs the input)."""
    return _float_tensor(input, "relu").relu()


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope·x otherwise."""
    return _float_tensor(input, "leaky_relu").leaky_relu(negative_slope)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e**−x), stable for any x."""
    return _float_tensor(input, "sigmoid").sigmoid()


def tanh(input: Tensor) -> Tensor:
    return _float_tensor(input, "tanh").tanh()


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x) (exact erf form), or PyTorch's tanh approximation with ``approximate='tanh'``."""
    x = _float_tensor(input, "gelu")
    if approximate == "none":
        return x.gelu()
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)
        return x * 0.5 * (inner.tanh() + 1)
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha·(e**x − 1) otherwise."""
    return _float_tensor(input, "elu").elu(alpha)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e**(beta·x)) / beta, linear above ``threshold`` (as PyTorch)."""
    return _float_tensor(input, "softplus").softplus(beta, threshold)


def _softmax_dim(x: Tensor, dim: int | None, op: str) -> int:
    """PyTorch's implicit dim (0 for 0-, 1- and 3-d input, else 1), with its warning."""
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=3)
    return 0 if x.ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None) -> Tensor:
    """exp(x) / Σ exp(x) along ``dim``, stable for any logits: (N, C) -> (N, C)."""
    x = _float_tensor(input, "softmax")
    return x.softmax(axis=_softmax_dim(x, dim, "softmax"))


def log_softmax(input: Tensor, dim: int | None = None) -> Tensor:
    """x − logsumexp(x) along ``dim``, stable for any logits: (N, C) -> (N, C)."""
    x = _float_tensor(input, "log_softmax")
    return x.log_softmax(axis=_softmax_dim(x, dim, "log_softmax"))


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Inverted dropout: zero each element with probability ``p`` and scale the rest by
    1/(1−p), so the expectation is unchanged; identity when not ``training``. The mask is
    drawn from the library's generator (``ag.manual_seed``)."""
    x = _float_tensor(input, "dropout")
    p = _probability(p, "dropout")
    if not flag(training, "dropout", "training") or p == 0:
        return x
    if p == 1:
        return x * 0.0
    keep = ag.default_generator().random(x.shape) >= p
    return x * (keep * (1.0 / (1.0 - p))).astype(x.dtype)


# ----------------------------------------------------------------------------------------
# Issue 16: more activations (silu ... gumbel_softmax), composed from Tensor ops. Where
# PyTorch's gradient at a kink differs from the composite's, a mask from x.data picks the
# branch (``_hard_clip``), as torch's own backward formulas do.

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _activation(input: Any, op: str, fn: Any, inplace: bool = False) -> Tensor:
    """``fn(x)``; with ``inplace`` written into x, which is returned (as PyTorch)."""
    x = _float_tensor(input, op)
    if flag(inplace, op, "inplace"):
        return x._inplace(f"{op}_", fn)
    return fn(x)


def _dim(ndim: int, dim: Any, op: str) -> int:
    """``dim`` as an axis of an ``ndim``-d tensor (0-d tensors take 0 and −1, as PyTorch)."""
    d = integer(dim, op, "dim")
    if not -max(ndim, 1) <= d < max(ndim, 1):
        raise IndexError(f"{op}: dim {d} is out of range for a {ndim}-d input (expected "
                         f"[{-max(ndim, 1)}, {max(ndim, 1) - 1}])")
    return d % max(ndim, 1)


def _hard_clip(x: Tensor, low: float, high: float) -> Tensor:
    """clip(x, low, high) with PyTorch's hardtanh gradient: 1 strictly inside, 0 at the
    bounds and beyond (clip's is 1 at the bounds)."""
    v = x.data
    return ag.where((v > low) & (v < high), x, np.clip(v, low, high))


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x·sigmoid(x) (swish): any shape -> the same shape."""
    return _activation(input, "silu", lambda x: x * x.sigmoid(), inplace)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale·elu(x, alpha) with the self-normalizing constants (alpha ≈ 1.6733,
    scale ≈ 1.0507)."""
    return _activation(input, "selu", lambda x: x.elu(_SELU_ALPHA) * _SELU_SCALE, inplace)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha·(e**(x/alpha) − 1) otherwise; alpha may not be 0."""
    alpha = real(alpha, "celu", "alpha")
    if alpha == 0:
        raise ValueError("celu: alpha cannot be 0 for CELU")

    def fn(x: Tensor) -> Tensor:
        if alpha > 0:  # elu's expm1 keeps small negative x exact
            return x.elu() if alpha == 1 else (x / alpha).elu() * alpha
        below = x.data <= 0  # the exp only of x <= 0: no overflow, no 0·inf gradient
        return ag.where(below, ((ag.where(below, x, 0.0) / alpha).exp() - 1) * alpha, x)

    return _activation(input, "celu", fn, inplace)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val]; the gradient is 0 at the bounds (as PyTorch)."""
    low = real(min_val, "hardtanh", "min_val", finite=False)
    high = real(max_val, "hardtanh", "max_val", finite=False)
    if low > high:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got min_val={low}"
                         f" and max_val={high}")
    return _activation(input, "hardtanh", lambda x: _hard_clip(x, low, high), inplace)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6): hardtanh(x, 0, 6)."""
    return _activation(input, "relu6", lambda x: _hard_clip(x, 0.0, 6.0), inplace)


def _hardsigmoid(x: Tensor) -> Tensor:
    return _hard_clip(x + 3, 0.0, 6.0) / 6


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x + 3, 0), 6) / 6; gradient 1/6 strictly inside (−3, 3), else 0."""
    return _activation(input, "hardsigmoid", _hardsigmoid, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x·hardsigmoid(x); gradient 0 at −3 and 1 at 3, as PyTorch."""
    return _activation(input, "hardswish", lambda x: x * _hardsigmoid(x), inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x·tanh(softplus(x))."""
    return _activation(input, "mish", lambda x: x * x.softplus().tanh(), inplace)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    x = _float_tensor(input, "softsign")
    return x / (x.abs() + 1)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), stable for any x (one op, :func:`autograd_lite.ops.logsigmoid`)."""
    return ag.ops.logsigmoid(_float_tensor(input, "logsigmoid"))


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a·sigmoid(b) for the halves a, b of ``dim``: (N, 2k) -> (N, k)."""
    x = _float_tensor(input, "glu")
    if x.ndim == 0:
        raise ValueError("glu: does not support scalars because halving size must be even")
    d = _dim(x.ndim, dim, "glu")
    n = x.shape[d]
    if n % 2:
        raise ValueError(f"glu: halving dimension must be even, but dimension {d} is size {n} "
                         f"(input shape {x.shape})")
    before = (slice(None),) * d
    return x[before + (slice(0, n // 2),)] * x[before + (slice(n // 2, n),)].sigmoid()


def tanhshrink(input: Tensor) -> Tensor:
    """x − tanh(x)."""
    x = _float_tensor(input, "tanhshrink")
    return x - x.tanh()


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x − lambd above lambd, x + lambd below −lambd, 0 between (gradient 0 at ±lambd)."""
    lambd = real(lambd, "softshrink", "lambd", low=0, finite=False)
    x = _float_tensor(input, "softshrink")
    return x - x.clip(-lambd, lambd)  # clip's gradient is 1 at the bounds: 0 here


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0."""
    lambd = real(lambd, "hardshrink", "lambd", finite=False)
    x = _float_tensor(input, "hardshrink")
    v = x.data
    return ag.where((v >= -lambd) & (v <= lambd), 0.0, x)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else ``value``."""
    th = real(threshold, "threshold", "threshold", finite=False)
    value = real(value, "threshold", "value", finite=False)
    return _activation(input, "threshold", lambda x: ag.where(x.data <= th, value, x), inplace)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x for x > 0, weight·x otherwise; weight has one entry, or one per channel (dim 1):
    (N, C, *) with weight (C,) -> (N, C, *)."""
    x = _float_tensor(input, "prelu")
    w = _float_tensor(weight, "prelu", "weight")
    if w.ndim > 1:
        raise ValueError(f"prelu: weight must be a scalar or 1-D tensor, got shape {w.shape}")
    channels = x.shape[1] if x.ndim >= 2 else 1
    if w.numel() not in (1, channels):
        raise ValueError(f"prelu: mismatch of parameter numbers and input channel size: "
                         f"{w.numel()} parameters for {channels} channels (input shape "
                         f"{x.shape})")
    w = w.reshape(()) if w.numel() == 1 else w.reshape((channels,) + (1,) * (x.ndim - 2))
    return ag.where(x.data > 0, x, x * w)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
          training: bool = False, inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: in training each x <= 0 is scaled by its own slope drawn
    uniformly from [lower, upper) (the library's generator); otherwise leaky_relu with the
    mean slope (lower + upper) / 2."""
    lower = real(lower, "rrelu", "lower")
    upper = real(upper, "rrelu", "upper")
    if lower > upper:
        raise ValueError(f"rrelu: lower bound should be less than or equal to the upper bound, "
                         f"got lower={lower} and upper={upper}")
    if not flag(training, "rrelu", "training"):
        return _activation(input, "rrelu", lambda x: x.leaky_relu((lower + upper) / 2),
                           inplace)

    def fn(x: Tensor) -> Tensor:  # drawn here, after every check
        slope = lower + (upper - lower) * ag.default_generator().random(x.shape)
        return x * np.where(x.data <= 0, slope, 1.0).astype(x.dtype)

    return _activation(input, "rrelu", fn, inplace)


def softmin(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """softmax(−x) along ``dim`` (computed in ``dtype`` if given): (N, C) -> (N, C)."""
    x = _float_tensor(input, "softmin")
    if dtype is not None:
        x = x.astype(dtype_arg(dtype, "softmin", kinds="f"))
    return (-x).softmax(axis=_dim(x.ndim, _softmax_dim(x, dim, "softmin"), "softmin"))


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """softmax((logits + g) / tau) along ``dim`` with Gumbel(0, 1) noise g drawn from the
    library's generator; with ``hard``, the one-hot of its argmax in the forward and the
    soft sample's gradient (straight-through). ``eps`` is deprecated and unused, as
    PyTorch: (N, C) -> (N, C)."""
    op = "gumbel_softmax"
    x = _float_tensor(logits, op)
    tau = real(tau, op, "tau", finite=False)
    hard = flag(hard, op, "hard")
    if real(eps, op, "eps") != 1e-10:
        warnings.warn("gumbel_softmax: `eps` parameter is deprecated and has no effect.",
                      stacklevel=2)
    d = _dim(x.ndim, dim, op)
    gumbels = -np.log(ag.default_generator().standard_exponential(x.shape))
    y = ((x + gumbels.astype(x.dtype)) / tau).softmax(axis=d)
    if not hard:
        return y
    y_hard = np.zeros_like(y.data)
    np.put_along_axis(y_hard, np.expand_dims(y.data.argmax(axis=d), d), 1.0, axis=d)
    return y + (y_hard - y.data)  # torch's y_hard − y.detach() + y, to the last bit


# ----------------------------------------------------------------------------------------
# Issue 16: distances (normalize, cosine_similarity, pairwise_distance)


def _vector_norm(x: Tensor, p: float, axis: int, keepdims: bool) -> Tensor:
    """PyTorch's vector p-norm over ``axis``: (Σ|x|**p)**(1/p); max |x| for p = inf, min
    for −inf, the count of non-zeros for 0. A zero vector gets a zero gradient (as
    PyTorch), never 0·inf."""
    if p == 0:
        return ag.from_numpy((x.data != 0).sum(axis=axis, keepdims=keepdims).astype(x.dtype))
    a = x.abs()
    if math.isinf(p):
        return a.max(axis=axis, keepdims=keepdims) if p > 0 else \
            a.min(axis=axis, keepdims=keepdims)
    s = (x * x if p == 2 else a ** p).sum(axis=axis, keepdims=keepdims)
    zero = s.data == 0
    if zero.any():  # a root's slope at 0 is infinite: the root of 1 there, then 0
        return ag.where(zero, 0.0, ag.where(zero, 1.0, s) ** (1 / p))
    return s.sqrt() if p == 2 else s ** (1 / p)


def _clamped_without_grad(t: Tensor, low: float) -> Tensor:
    """``t`` with values below ``low`` raised to it, the gradient still ``t``'s: PyTorch
    clamps these (cosine_similarity's norms, gaussian_nll_loss's var) under no_grad."""
    below = t.data < low
    return t + np.where(below, low - t.data, 0.0).astype(t.dtype) if below.any() else t


def _broadcast_shape(op: str, **shapes: tuple) -> tuple:
    try:
        return np.broadcast_shapes(*shapes.values())
    except ValueError:
        listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise ValueError(f"{op}: shapes {listed} cannot be broadcast together") from None


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(‖x‖_p, eps) along ``dim``: (N, D) -> (N, D) rows of unit norm."""
    x = _float_tensor(input, "normalize")
    p = real(p, "normalize", "p", finite=False)
    eps = real(eps, "normalize", "eps", low=0)
    norm = _vector_norm(x, p, _dim(x.ndim, dim, "normalize"), True)
    return x / norm.clip(min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Σ x1·x2 / (max(‖x1‖, eps)·max(‖x2‖, eps)) along ``dim`` of the broadcast inputs:
    (N, D) and (D,) -> (N,)."""
    op = "cosine_similarity"
    a, b = _float_tensor(x1, op, "x1"), _float_tensor(x2, op, "x2")
    eps = real(eps, op, "eps", low=0)
    shape = _broadcast_shape(op, x1=a.shape, x2=b.shape)
    d = _dim(len(shape), dim, op)
    a, b = (t if t.shape == shape else t.expand(shape) for t in (a, b))
    na, nb = (_clamped_without_grad(_vector_norm(t, 2, d, True), eps) for t in (a, b))
    return ((a / na) * (b / nb)).sum(axis=d)


def _pairwise(a: Tensor, b: Tensor, p: float, eps: float, keepdim: bool, op: str) -> Tensor:
    _broadcast_shape(op, x1=a.shape, x2=b.shape)
    return _vector_norm(a - b + eps, p, -1, keepdim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """‖x1 − x2 + eps‖_p over the last dim of the broadcast inputs: (N, D), (N, D) -> (N,)."""
    op = "pairwise_distance"
    a, b = _float_tensor(x1, op, "x1"), _float_tensor(x2, op, "x2")
    p = real(p, op, "p", finite=False)
    eps = real(eps, op, "eps", finite=False)
    return _pairwise(a, b, p, eps, flag(keepdim, op, "keepdim"), op)


# ----------------------------------------------------------------------------------------
# Normalization and embeddings


def _normalize(x: Tensor, axes: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """((x − mean) / sqrt(var + eps), mean, biased var), statistics over ``axes`` (kept)."""
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    var = (centered * centered).mean(axis=axes, keepdims=True)
    return centered / (var + eps).sqrt(), mean, var


def _affine(x: Tensor, weight: Tensor | None, bias: Tensor | None, shape: tuple) -> Tensor:
    if weight is not None:
        x = x * weight.reshape(shape)
    if bias is not None:
        x = x + bias.reshape(shape)
    return x


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each channel (dim 1) of (N, C) or (N, C, *) input.

    In training, batch statistics are used (biased variance) and the running statistics,
    if given, are updated in place: ``running = (1 − momentum)·running + momentum·batch``
    with the unbiased batch variance. Otherwise the running statistics are used. An empty
    batch, (0, C), gives an empty output and leaves the running statistics alone, as
    PyTorch.
    """
    x = _float_tensor(input, "batch_norm")
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C) or (N, C, *), got "
                         f"{x.shape}")
    training = flag(training, "batch_norm", "training")
    momentum = real(momentum, "batch_norm", "momentum", low=0, high=1)
    eps = real(eps, "batch_norm", "eps", low=0, low_open=True)
    C = x.shape[1]
    stats = []
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None:
            t = _float_tensor(t, "batch_norm", name)
            if t.shape != (C,):
                raise ValueError(f"batch_norm: {name} must have shape ({C},) for input of "
                                 f"shape {x.shape}, got {t.shape}")
        stats.append(t)
    running_mean, running_var, weight, bias = stats
    shape = (1, C) + (1,) * (x.ndim - 2)
    axes = (0,) + tuple(range(2, x.ndim))
    n = math.prod(x.shape[:1] + x.shape[2:])  # values per channel
    if training and n == 1:
        raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                         f"training, got input of shape {x.shape}")
    if training and x.numel() == 0:  # as PyTorch: an empty output, running statistics kept
        y = x
    elif training:
        y, mean, var = _normalize(x, axes, eps)
        if running_mean is not None and running_var is not None:
            _update_running(running_mean, running_var, mean.data.reshape(C),
                            var.data.reshape(C), momentum, n)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed when not "
                             "training")
        y = (x - running_mean.reshape(shape)) / (running_var.reshape(shape) + eps).sqrt()
    return _affine(y, weight, bias, shape)


def layer_norm(input: Tensor, normalized_shape: tuple[int, ...], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalize over the trailing ``normalized_shape`` dims of each example:
    (N, L, D) with normalized_shape (D,) -> (N, L, D)."""
    x = _float_tensor(input, "layer_norm")
    shape = _trailing_shape(x, normalized_shape, "layer_norm")
    eps = real(eps, "layer_norm", "eps", low=0, low_open=True)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and _float_tensor(t, "layer_norm", name).shape != shape:
            raise ValueError(f"layer_norm: {name} must have the normalized_shape {shape}, got "
                             f"shape {t.shape}")
    y, _, _ = _normalize(x, tuple(range(x.ndim - len(shape), x.ndim)), eps)
    return _affine(y, weight, bias, shape)


# ----------------------------------------------------------------------------------------
# Issue 16 (nnmisc): group, instance and RMS normalization, channel and alpha dropout,
# interpolation, attention. Composed from Tensor ops like the rest of this module.


def _norm_param(t: Any, shape: tuple, op: str, what: str) -> Tensor | None:
    """An optional float weight/bias/running statistic that must have ``shape``."""
    if t is None:
        return None
    t = _float_tensor(t, op, what)
    if t.shape != shape:
        raise ValueError(f"{op}: {what} must have shape {shape}, got {t.shape}")
    return t


def _update_running(running_mean: Tensor, running_var: Tensor, mean: np.ndarray,
                    var: np.ndarray, momentum: float, n: int) -> None:
    """running = (1 − momentum)·running + momentum·batch, with the unbiased variance of
    ``n`` values (as PyTorch); written in place, outside the graph."""
    with ag.no_grad():
        running_mean[...] = (1 - momentum) * running_mean.data + momentum * mean
        running_var[...] = (1 - momentum) * running_var.data + momentum * var * (n / (n - 1))


def _channels(input: Any, op: str) -> Tensor:
    x = _float_tensor(input, op)
    if x.ndim < 2:
        raise ValueError(f"{op}: expected input of shape (N, C, *), got {x.shape}")
    return x


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalize each of ``num_groups`` groups of channels per example (biased variance),
    then scale and shift per channel: (N, C, *) -> (N, C, *), C divisible by num_groups."""
    op = "group_norm"
    x = _channels(input, op)
    G = integer(num_groups, op, "num_groups", low=1)
    eps = real(eps, op, "eps", low=0, low_open=True)
    N, C = x.shape[:2]
    if C % G:
        raise ValueError(f"{op}: the number of channels ({C}) of input of shape {x.shape} "
                         f"must be divisible by num_groups ({G})")
    weight, bias = (_norm_param(t, (C,), op, n) for t, n in ((weight, "weight"), (bias, "bias")))
    y, _, _ = _normalize(x.reshape(N, G, C // G * math.prod(x.shape[2:])), (2,), eps)
    return _affine(y.reshape(x.shape), weight, bias, (1, C) + (1,) * (x.ndim - 2))


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each channel of each example over its spatial dims: (N, C, *) ->
    (N, C, *). With ``use_input_stats`` the running statistics, if given, move towards the
    batch's mean over examples of the per-instance statistics (unbiased variance), as
    PyTorch; otherwise they are used to normalize."""
    op = "instance_norm"
    x = _channels(input, op)
    use_input_stats = flag(use_input_stats, op, "use_input_stats")
    momentum = real(momentum, op, "momentum", low=0, high=1)
    eps = real(eps, op, "eps", low=0, low_open=True)
    C = x.shape[1]
    running_mean, running_var, weight, bias = (
        _norm_param(t, (C,), op, n) for t, n in ((running_mean, "running_mean"),
                                                 (running_var, "running_var"),
                                                 (weight, "weight"), (bias, "bias")))
    shape = (1, C) + (1,) * (x.ndim - 2)
    n = math.prod(x.shape[2:])  # values per instance
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError(f"{op}: running_mean and running_var are needed when "
                             "use_input_stats=False")
        y = (x - running_mean.reshape(shape)) / (running_var.reshape(shape) + eps).sqrt()
        return _affine(y, weight, bias, shape)
    if n <= 1:
        raise ValueError(f"{op}: expected more than 1 spatial element when training, got "
                         f"input of shape {x.shape}")
    y, mean, var = _normalize(x, tuple(range(2, x.ndim)), eps)
    if running_mean is not None and running_var is not None and x.shape[0]:
        _update_running(running_mean, running_var, mean.data.reshape(-1, C).mean(axis=0),
                        var.data.reshape(-1, C).mean(axis=0), momentum, n)
    return _affine(y, weight, bias, shape)


def _normalized_shape(normalized_shape: Any, op: str) -> tuple[int, ...]:
    """layer_norm's and rms_norm's trailing shape: an int or a tuple/list of ints >= 1."""
    given = tuple(normalized_shape) if isinstance(normalized_shape, (tuple, list)) else \
        (normalized_shape,)
    return _int_tuple(given, len(given), "normalized_shape", op, 1)


def _trailing_shape(x: Tensor, normalized_shape: Any, op: str) -> tuple[int, ...]:
    """The non-empty ``normalized_shape`` that ``x``'s shape must end with."""
    shape = _normalized_shape(normalized_shape, op)
    if not shape:
        raise ValueError(f"{op}: normalized_shape must have at least one element, got "
                         f"{normalized_shape!r}")
    if len(shape) > x.ndim or x.shape[x.ndim - len(shape):] != shape:
        raise ValueError(f"{op}: input of shape {x.shape} does not end with "
                         f"normalized_shape {shape}")
    return shape


def rms_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x²) + eps) over the trailing ``normalized_shape`` dims, times
    ``weight``: (N, L, D) with normalized_shape (D,) -> (N, L, D). ``eps=None`` is the
    machine epsilon of the input's dtype, as PyTorch."""
    op = "rms_norm"
    x = _float_tensor(input, op)
    shape = _trailing_shape(x, normalized_shape, op)
    eps = float(np.finfo(x.dtype).eps) if eps is None else real(eps, op, "eps", low=0)
    weight = _norm_param(weight, shape, op, "weight")
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    y = x / ((x * x).mean(axis=axes, keepdims=True) + eps).sqrt()
    return y if weight is None else y * weight


def _channel_noise(x: Tensor, p: float) -> np.ndarray:
    """PyTorch's feature noise: one keep/drop draw per (example, channel), i.e. of shape
    (N, C, 1, ...), True where kept."""
    return ag.default_generator().random(x.shape[:2] + (1,) * (x.ndim - 2)) >= p


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels: each (example, channel) map of (N, C, H, W) input is dropped
    with probability ``p``, the rest scaled by 1/(1−p); identity when not ``training``.
    As PyTorch, any input of >= 2 dims has its channels in dim 1 (3-D input is (N, C, L),
    with PyTorch's warning; other than 3-D or 4-D warns too)."""
    op = "dropout2d"
    x = _float_tensor(input, op)
    p = _probability(p, op)
    training = flag(training, op, "training")
    if x.ndim < 2:
        raise ValueError(f"{op}: feature dropout requires at least 2 dimensions in the input, "
                         f"got shape {x.shape}")
    if x.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {x.ndim}-D input to dropout2d, which is "
                      "deprecated; use dropout instead", stacklevel=2)
    if x.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim", stacklevel=2)
    if not training or p == 0 or x.numel() == 0:
        return x
    if p == 1:
        return x * 0.0
    return x * (_channel_noise(x, p) * (1.0 / (1.0 - p))).astype(x.dtype)


_SELU_ALPHA_SCALE = 1.7580993408473766  # SELU's scale·alpha: dropped values go to −this


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: dropped values become −1.7581 and an affine map a·x + b
    restores zero mean and unit variance; identity when not ``training`` (False by
    default, as PyTorch's functional form). Any shape -> the same shape."""
    op = "alpha_dropout"
    x = _float_tensor(input, op)
    p = _probability(p, op)
    if not flag(training, op, "training") or p == 0 or x.numel() == 0:
        return x
    if p == 1:
        return x * 0.0
    keep = ag.default_generator().random(x.shape) >= p
    alpha = _SELU_ALPHA_SCALE
    a = 1.0 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
    # PyTorch's x·(a·keep) + (alpha·a·(keep − 1) + alpha·a·p)
    b = (alpha * a) * (keep - 1.0) + alpha * a * p
    return x * (keep * a).astype(x.dtype) + b.astype(x.dtype)


_INTERPOLATION_DIMS = {"nearest": (3, 4, 5), "nearest-exact": (3, 4, 5), "linear": (3,),
                       "bilinear": (4,), "trilinear": (5,)}


def _sizes_or_scales(value: Any, n: int, what: str, op: str, number) -> tuple | None:
    """``size`` or ``scale_factor``: one value for every spatial dim, or one per dim."""
    if value is None:
        return None
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(values) != n:
        raise ValueError(f"{op}: input and output must have the same number of spatial "
                         f"dimensions ({n}), got {what}={value!r}")
    return tuple(number(v) for v in values)


def _nearest_index(n_in: int, n_out: int, scale: float | None, exact: bool) -> np.ndarray:
    """PyTorch's source index of each output position (float32 arithmetic, as its
    kernels): floor(dst·s) for 'nearest', floor((dst + ½)·s) for 'nearest-exact', with s
    = 1/scale_factor when given, else n_in/n_out."""
    s = np.float32(1.0 / scale) if scale else np.float32(n_in) / np.float32(n_out)
    src = (np.arange(n_out, dtype=np.float32) + np.float32(0.5 if exact else 0.0)) * s
    return np.minimum(np.floor(src).astype(np.int64), n_in - 1)


def _linear_weights(n_in: int, n_out: int, scale: float | None, align_corners: bool,
                    dtype: np.dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i0, i1, λ): output position j is (1 − λ)·x[i0] + λ·x[i1], with PyTorch's source
    coordinate (half-pixel centres clamped at 0, or corner-aligned) in the input's dtype."""
    dst = np.arange(n_out, dtype=dtype)
    if align_corners:
        s = dtype.type(n_in - 1) / dtype.type(n_out - 1) if n_out > 1 else dtype.type(0)
        src = dst * s
    else:
        s = dtype.type(1.0 / scale) if scale else dtype.type(n_in) / dtype.type(n_out)
        src = np.maximum((dst + dtype.type(0.5)) * s - dtype.type(0.5), dtype.type(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    lam = np.clip(src - i0.astype(dtype), 0, 1).astype(dtype)
    return i0, i0 + (i0 < n_in - 1), lam


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None,
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resize the spatial dims of (N, C, L), (N, C, H, W) or (N, C, D, H, W) input to
    ``size``, or by ``scale_factor`` (output floor(in·scale)): modes 'nearest',
    'nearest-exact', 'linear' (3-D), 'bilinear' (4-D), 'trilinear' (5-D), with PyTorch's
    index and weight rules. (1, 1, 2, 2) with scale_factor=2 -> (1, 1, 4, 4)."""
    op = "interpolate"
    x = _float_tensor(input, op)
    if not isinstance(mode, str) or mode not in _INTERPOLATION_DIMS:
        raise ValueError(f"{op}: mode must be one of {', '.join(map(repr, _INTERPOLATION_DIMS))}"
                         f", got {mode!r}")
    if x.ndim not in (3, 4, 5):
        raise ValueError(f"{op}: expected 3-D, 4-D or 5-D input (N, C, *spatial), got shape "
                         f"{x.shape}")
    if x.ndim not in _INTERPOLATION_DIMS[mode]:
        raise ValueError(f"{op}: got {x.ndim}-D input of shape {x.shape}, but {mode} mode "
                         f"needs {_INTERPOLATION_DIMS[mode][0]}-D input")
    linear = mode.endswith("linear")
    if align_corners is not None:
        align_corners = flag(align_corners, op, "align_corners")
        if not linear:
            raise ValueError(f"{op}: align_corners can only be set with the interpolating "
                             f"modes linear, bilinear and trilinear, not {mode!r}")
    if recompute_scale_factor is not None:
        recompute_scale_factor = flag(recompute_scale_factor, op, "recompute_scale_factor")
    if flag(antialias, op, "antialias"):
        raise NotImplementedError(f"{op}: antialias=True is not supported")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: exactly one of size or scale_factor must be given, got "
                         f"size={size!r} and scale_factor={scale_factor!r}")
    spatial = x.shape[2:]
    n = len(spatial)
    sizes = _sizes_or_scales(size, n, "size", op,
                             lambda v: integer(v, op, f"size {size!r}", low=1))
    scales = _sizes_or_scales(scale_factor, n, "scale_factor", op, lambda v: real(
        v, op, f"scale_factor {scale_factor!r}", low=0, low_open=True))
    if recompute_scale_factor and sizes is not None:
        raise ValueError(f"{op}: recompute_scale_factor is not meaningful with an explicit "
                         "size")
    if sizes is None:
        assert scales is not None  # (exactly one of the two was given)
        sizes = tuple(math.floor(s * k) for s, k in zip(spatial, scales))
        if recompute_scale_factor:
            scales = None  # the indices then come from the sizes alone, as PyTorch
    if min(spatial) < 1 or min(sizes) < 1:
        raise ValueError(f"{op}: input and output sizes should be greater than 0, got input "
                         f"{spatial} and output {sizes}")
    scales = scales or (None,) * n
    for axis, (n_in, n_out, scale) in enumerate(zip(spatial, sizes, scales), start=2):
        before = (slice(None),) * axis
        if not linear:
            x = x[before + (_nearest_index(n_in, n_out, scale, mode == "nearest-exact"),)]
            continue
        if n_out == n_in:  # as PyTorch's kernels: a copy, whatever the scale_factor
            continue
        i0, i1, lam = _linear_weights(n_in, n_out, scale, bool(align_corners), x.dtype)
        lam = lam.reshape((n_out,) + (1,) * (x.ndim - axis - 1))
        x = x[before + (i0,)] * (1 - lam) + x[before + (i1,)] * lam
    return x


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, *, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(q·kᵀ·scale + mask)·v: query (..., L, E), key (..., S, E), value (..., S, Ev)
    -> (..., L, Ev); batch dims broadcast. ``attn_mask`` broadcastable to (..., L, S):
    boolean (True = attend) or additive float; ``is_causal`` (without attn_mask) masks key
    positions after each query (top-left aligned); a fully masked row gives zeros, as
    PyTorch. ``scale`` defaults to 1/sqrt(E); ``dropout_p`` > 0 always drops attention
    weights (the library's generator); ``enable_gqa`` shares each key/value head among the
    query heads (dim −3)."""
    op = "scaled_dot_product_attention"
    q, k, v = (_float_tensor(t, op, n) for t, n in ((query, "query"), (key, "key"),
                                                   (value, "value")))
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise ValueError(f"{op}: query, key and value must be at least 2-D, got shapes "
                         f"{q.shape}, {k.shape}, {v.shape}")
    if not q.dtype == k.dtype == v.dtype:
        raise TypeError(f"{op}: query, key and value must have the same dtype, got "
                        f"{q.dtype}, {k.dtype}, {v.dtype}")
    dropout_p = _probability(dropout_p, op)
    is_causal = flag(is_causal, op, "is_causal")
    enable_gqa = flag(enable_gqa, op, "enable_gqa")
    E = q.shape[-1]
    scale = 1 / math.sqrt(E) if scale is None else real(scale, op, "scale")
    if k.shape[-1] != E or v.shape[-2] != k.shape[-2]:
        raise ValueError(f"{op}: expected key (..., S, {E}) and value (..., S, Ev) for query "
                         f"of shape {q.shape}, got key {k.shape} and value {v.shape}")
    if enable_gqa:
        k, v = (_repeat_heads(t, q, op) for t in (k, v))
    L, S = q.shape[-2], k.shape[-2]
    try:
        batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except ValueError:
        raise ValueError(f"{op}: the batch dims of query {q.shape}, key {k.shape} and value "
                         f"{v.shape} do not broadcast") from None
    scores_shape = batch + (L, S)
    allowed, bias = None, None  # a boolean mask (True = attend), an additive one
    if attn_mask is not None:
        mask = _tensor(attn_mask, op, "attn_mask")
        if mask.dtype.kind not in "bf":
            raise TypeError(f"{op}: attn_mask must be bool or floating point, got dtype "
                            f"{mask.dtype}")
        if not _broadcasts_to(mask.shape, scores_shape):
            raise ValueError(f"{op}: attn_mask of shape {mask.shape} does not broadcast to the "
                             f"attention shape {scores_shape}")
        if mask.dtype == bool:
            allowed = mask.data
        else:
            bias = mask.astype(q.dtype)
    if is_causal:
        if attn_mask is not None:  # PyTorch's (math backend's) error
            raise RuntimeError(f"{op}: explicit attn_mask should not be set when "
                               "is_causal=True")
        allowed = np.tri(L, S, dtype=bool)
    scores = q @ k.swapaxes(-2, -1) * scale
    if bias is not None:
        scores = scores + bias
    if allowed is not None:
        scores = ag.where(allowed, scores, -math.inf)
    # PyTorch's safe softmax: a row with nothing to attend to gets zero weights (not NaN)
    empty = np.all(scores.data == -math.inf, axis=-1, keepdims=True)
    if empty.any():
        weights = ag.where(empty, 0.0, ag.where(empty, 0.0, scores).softmax(axis=-1))
    else:
        weights = scores.softmax(axis=-1)
    if dropout_p:
        weights = dropout(weights, dropout_p)
    return weights @ v


def _repeat_heads(t: Tensor, q: Tensor, op: str) -> Tensor:
    """Key or value (..., H, S, E) repeated along the heads, each head r times in a row, to
    the query's Hq = r·H heads (PyTorch's repeat_interleave)."""
    if q.ndim < 3 or t.ndim < 3 or q.shape[-3] % t.shape[-3]:
        raise ValueError(f"{op}: with enable_gqa the query's heads (dim -3) must be a multiple "
                         f"of the key's and value's, got query {q.shape} and {t.shape}")
    r = q.shape[-3] // t.shape[-3]
    if r == 1:
        return t
    H, S, E = t.shape[-3:]
    return t.unsqueeze(-3).expand(t.shape[:-2] + (r, S, E)).reshape(
        t.shape[:-3] + (H * r, S, E))


def _unflatten(x: Tensor, dim: int, sizes: tuple[int, ...], op: str) -> Tensor:
    """``x`` with dim ``dim`` split into ``sizes`` (one −1 inferred), by reshape:
    (N, 12) with dim 1 and sizes (3, 4) -> (N, 3, 4)."""
    if not -x.ndim <= dim < max(x.ndim, 1):
        raise IndexError(f"{op}: dim {dim} is out of range for input of shape {x.shape}")
    d = dim % max(x.ndim, 1)
    n = x.shape[d] if x.ndim else 1
    known = math.prod(s for s in sizes if s != -1)
    if sizes.count(-1) > 1 or (-1 in sizes and (known == 0 or n % known)) or \
            (-1 not in sizes and known != n):
        raise ValueError(f"{op}: sizes {sizes} don't multiply up to the size of dim {dim} "
                         f"({n}) of input of shape {x.shape}")
    sizes = tuple(n // known if s == -1 else s for s in sizes)
    return x.reshape(x.shape[:d] + sizes + x.shape[d + 1:])


def _check_indices(t: Tensor, n: int, op: str) -> np.ndarray:
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be an integer tensor, got dtype {t.dtype}")
    idx = t.data
    bad = (idx < 0) | (idx >= n)
    if bad.any():
        raise IndexError(f"{op}: index {idx[bad].flat[0]} is out of range for {n} entries "
                         f"(valid: 0 to {n - 1})")
    return idx


def _padding_idx(padding_idx: int, n: int, op: str) -> int:
    """``padding_idx`` in [−n, n) as an index in [0, n)."""
    if isinstance(padding_idx, bool) or not isinstance(padding_idx, (int, np.integer)):
        raise TypeError(f"{op}: padding_idx must be an int or None, got {padding_idx!r}")
    if not -n <= padding_idx < n:
        raise ValueError(f"{op}: padding_idx {padding_idx} must be within num_embeddings ({n})")
    return int(padding_idx) % n


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) picked by integer ``input``:
    (N, L) indices -> (N, L, dim). Rows at ``padding_idx`` receive no gradient. As PyTorch:
    ``max_norm`` first rescales, in place, each looked-up row of ``weight`` whose
    ``norm_type``-norm exceeds it (to max_norm / (norm + 1e-7) times itself), and
    ``scale_grad_by_freq`` divides each row's gradient by how often its index occurs in
    ``input``. ``sparse=True`` is accepted; the gradient is dense (there are no sparse
    tensors)."""
    w = _float_tensor(weight, "embedding", "weight")
    if w.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got "
                         f"shape {w.shape}")
    idx = _check_indices(_tensor(input, "embedding"), w.shape[0], "embedding")
    if padding_idx is not None:
        padding_idx = _padding_idx(padding_idx, w.shape[0], "embedding")
    if max_norm is not None:
        max_norm = real(max_norm, "embedding", "max_norm", low=0, finite=False)
    norm_type = real(norm_type, "embedding", "norm_type", low=0, low_open=True, finite=False)
    scale_grad_by_freq = flag(scale_grad_by_freq, "embedding", "scale_grad_by_freq")
    flag(sparse, "embedding", "sparse")
    if max_norm is not None:
        _renorm_rows(w, np.unique(idx.data), max_norm, norm_type)
    out = w[idx]
    if padding_idx is not None:
        keep = (idx != padding_idx)[..., None]
        out = ag.where(keep, out, w.detach()[padding_idx])
    if scale_grad_by_freq and out.requires_grad:
        _, where_in_rows, counts = np.unique(idx.data, return_inverse=True, return_counts=True)
        scale = (1.0 / counts).astype(w.dtype)[where_in_rows.reshape(idx.shape)][..., None]
        out.register_hook(lambda g: g * scale)
    return out


def _renorm_rows(w: Tensor, rows: np.ndarray, max_norm: float, norm_type: float) -> None:
    """PyTorch's embedding_renorm_: scale, in place and outside the graph, each of ``w``'s
    ``rows`` whose ``norm_type``-norm is over ``max_norm`` down to it."""
    picked = w.data[rows]
    norms = np.linalg.norm(picked, ord=norm_type, axis=1)
    over = norms > max_norm
    if over.any():
        with ag.no_grad():
            w[rows[over]] = picked[over] * (max_norm / (norms[over] + 1e-7))[:, None]


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding: (N,) labels -> (N, num_classes); -1 infers max + 1."""
    t = _tensor(tensor, "one_hot", "tensor")
    if t.dtype.kind not in "iu":
        raise TypeError(f"one_hot: class values must be integers, got dtype {t.dtype}")
    num_classes = integer(num_classes, "one_hot", "num_classes", low=-1)
    if num_classes == -1:
        num_classes = int(t.data.max()) + 1 if t.numel() else 0
    idx = _check_indices(t, num_classes, "one_hot")
    return ag.from_numpy(np.eye(num_classes, dtype=np.int64)[idx])


# ----------------------------------------------------------------------------------------
# Convolution and pooling (N, C, *spatial). Windows are strided views (ops.windows) whose
# gradient is col2im, one strided add per kernel offset: no loop over pixels.


def _batched(input: Any, op: str, nd: int = 2, integers: bool = False) -> tuple[Tensor, bool]:
    """(N, C, *spatial) input with ``nd`` spatial dims (an unbatched (C, *spatial) one gets a
    batch dim) and whether it was added; floating point, or also integer with ``integers``."""
    if integers:
        x = _tensor(input, op)
        if x.dtype.kind not in "iuf":
            raise TypeError(f"{op}: input must be a floating point or integer tensor, got "
                            f"dtype {x.dtype}")
    else:
        x = _float_tensor(input, op)
    if x.ndim == nd + 1:
        return x.reshape((1,) + x.shape), True
    if x.ndim != nd + 2:
        dims = "L" if nd == 1 else "H, W"
        raise ValueError(f"{op}: expected {nd + 1}-D (C, {dims}) or {nd + 2}-D (N, C, {dims}) "
                         f"input, got shape {x.shape}")
    return x, False


def _windows(x: Tensor, kernel: tuple, stride: tuple, dilation: tuple) -> Tensor:
    """(N, C, *spatial) -> (N, C, *out, *kernel): every (dilated, strided) window, a view."""
    return ops.windows(x, kernel, tuple(range(2, x.ndim)), stride, dilation)


def _conv_padding(padding: Any, kernel: tuple, stride: tuple, dilation: tuple,
                  op: str) -> tuple:
    """((low, high), ...) per spatial dim from an int, a tuple, 'valid' or 'same'."""
    nd = len(kernel)
    if isinstance(padding, str) and padding == "valid":
        return ((0, 0),) * nd
    if isinstance(padding, str) and padding == "same":
        if any(s != 1 for s in stride):
            raise ValueError(f"{op}: padding='same' is not supported for strided "
                             f"convolutions (stride={stride})")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int, a tuple, 'valid' or 'same', got "
                         f"{padding!r}")
    return tuple((p, p) for p in _int_tuple(padding, nd, "padding", op, 0))


def _flat_pad(pads: tuple) -> tuple:
    """((low, high) per dim, first dim first) in :func:`pad`'s form: last dim first."""
    return tuple(v for pair in reversed(pads) for v in pair)


def _conv_weight(weight: Any, nd: int, layout: str, op: str) -> Tensor:
    w = _float_tensor(weight, op, "weight")
    if w.ndim != nd + 2:
        kernel = "kL" if nd == 1 else "kH, kW"
        raise ValueError(f"{op}: weight must be {nd + 2}-D ({layout}, {kernel}), got shape "
                         f"{w.shape}")
    return w


def _bias(bias: Any, channels: int, op: str) -> Tensor | None:
    if bias is None:
        return None
    b = _float_tensor(bias, op, "bias")
    if b.shape != (channels,):
        raise ValueError(f"{op}: bias must have shape ({channels},), got {b.shape}")
    return b


def _finish(out: Tensor, bias: Tensor | None, unbatched: bool) -> Tensor:
    if bias is not None:
        out = out + bias.reshape((1, -1) + (1,) * (out.ndim - 2))
    return out.reshape(out.shape[1:]) if unbatched else out


def _conv(input: Any, weight: Any, bias: Any, stride: Any, padding: Any, dilation: Any,
          groups: Any, nd: int, op: str) -> Tensor:
    x, unbatched = _batched(input, op, nd)
    w = _conv_weight(weight, nd, "out_channels, in_channels/groups", op)
    N, C = x.shape[:2]
    O, Cg = w.shape[:2]
    kernel = w.shape[2:]
    G = integer(groups, op, "groups", low=1)
    if C != Cg * G:
        raise ValueError(f"{op}: input of shape {x.shape} has {C} channels, but the weight of "
                         f"shape {w.shape} with groups={G} expects in_channels={Cg * G}")
    if O % G:
        raise ValueError(f"{op}: the weight's {O} output channels are not divisible by "
                         f"groups={G}")
    stride = _int_tuple(stride, nd, "stride", op, 1)
    dilation = _int_tuple(dilation, nd, "dilation", op, 1)
    pads = _conv_padding(padding, kernel, stride, dilation, op)
    for size, (lo, hi), k, d, axis in zip(x.shape[2:], pads, kernel, dilation, "HW"[-nd:]):
        if size + lo + hi < d * (k - 1) + 1:
            raise ValueError(f"{op}: kernel of size {k} (dilation {d}) is larger than the "
                             f"padded input along {axis} ({size} + padding {lo + hi})")
    b = _bias(bias, O, op)
    if any(p for pair in pads for p in pair):
        x = ag.pad(x, ((0, 0), (0, 0)) + pads)
    cols = _windows(x, kernel, stride, dilation)  # (N, C, *out, *kernel), a view
    size = cols.shape[2:2 + nd]
    # the one copy (im2col), laid out (N, G, Cg·kernel, out): the product is then NCHW
    # as it is, and col2im in the backward adds one contiguous slab per kernel offset
    k = Cg * math.prod(kernel)
    cols = cols.transpose((0, 1) + tuple(range(2 + nd, 2 + 2 * nd)) + tuple(range(2, 2 + nd)))
    out = w.reshape(G, O // G, k) @ cols.reshape(N, G, k, -1)  # (N, G, O/G, out)
    out = out.reshape((N, O) + size)
    return _finish(out, b, unbatched)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D cross-correlation, as PyTorch's: input (N, C_in, L), weight
    (C_out, C_in/groups, kL) -> (N, C_out, L_out), with
    L_out = (L + 2·padding − dilation·(kL − 1) − 1) // stride + 1."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation, as PyTorch's: input (N, C_in, H, W), weight
    (C_out, C_in/groups, kH, kW) -> (N, C_out, H_out, W_out), with
    H_out = (H + pad_top + pad_bottom − dilation·(kH − 1) − 1) // stride + 1."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def _transposed_size(in_size: tuple, kernel: tuple, stride: tuple, padding: tuple,
                     dilation: tuple) -> tuple:
    """A transposed convolution's output size without output_padding."""
    return tuple((n - 1) * s - 2 * p + d * (k - 1) + 1
                 for n, k, s, p, d in zip(in_size, kernel, stride, padding, dilation))


def _conv_transpose(input: Any, weight: Any, bias: Any, stride: Any, padding: Any,
                    output_padding: Any, groups: Any, dilation: Any, nd: int,
                    op: str) -> Tensor:
    x, unbatched = _batched(input, op, nd)
    w = _conv_weight(weight, nd, "in_channels, out_channels/groups", op)
    N, C = x.shape[:2]
    kernel, in_size = w.shape[2:], x.shape[2:]
    G = integer(groups, op, "groups", low=1)
    if C != w.shape[0]:
        raise ValueError(f"{op}: input of shape {x.shape} has {C} channels, but the weight of "
                         f"shape {w.shape} expects in_channels={w.shape[0]}")
    if C % G:
        raise ValueError(f"{op}: the weight's {C} input channels are not divisible by "
                         f"groups={G}")
    O = w.shape[1] * G
    stride = _int_tuple(stride, nd, "stride", op, 1)
    pad = _int_tuple(padding, nd, "padding", op, 0)
    extra = _int_tuple(output_padding, nd, "output_padding", op, 0)
    dilation = _int_tuple(dilation, nd, "dilation", op, 1)
    if any(e >= s and e >= d for e, s, d in zip(extra, stride, dilation)):
        raise ValueError(f"{op}: output padding must be smaller than either stride or "
                         f"dilation, got output_padding={extra}, stride={stride}, "
                         f"dilation={dilation}")
    size = tuple(n + e for n, e in
                 zip(_transposed_size(in_size, kernel, stride, pad, dilation), extra))
    if any(n < 1 for n in size):
        raise ValueError(f"{op}: input of shape {x.shape} gives an output of size {size}: "
                         "too small (padding too large)")
    b = _bias(bias, O, op)
    # every input pixel times the kernel (one batched matmul), then col2im: each window
    # is added back at its place in the uncropped output
    k = w.shape[1] * math.prod(kernel)
    cols = w.reshape(G, C // G, k).transpose(0, 2, 1) @ x.reshape(N, G, C // G, -1)
    cols = cols.reshape((N, O) + kernel + in_size).transpose(
        (0, 1) + tuple(range(2 + nd, 2 + 2 * nd)) + tuple(range(2, 2 + nd)))
    full = _transposed_size(in_size, kernel, stride, (0,) * nd, dilation)
    out = ops.window_sum(cols, kernel, tuple(range(2, 2 + nd)), (N, O) + full, stride,
                         dilation)
    if any(extra):
        out = ag.pad(out, ((0, 0), (0, 0)) + tuple((0, e) for e in extra))
    if any(pad):
        out = out[(slice(None),) * 2 + tuple(slice(p, p + n) for p, n in zip(pad, size))]
    return _finish(out, b, unbatched)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """1-D transposed convolution (the gradient of conv1d), as PyTorch's: input
    (N, C_in, L), weight (C_in, C_out/groups, kL) -> (N, C_out, L_out), with
    L_out = (L − 1)·stride − 2·padding + dilation·(kL − 1) + output_padding + 1."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 1, "conv_transpose1d")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """2-D transposed convolution (the gradient of conv2d), as PyTorch's: input
    (N, C_in, H, W), weight (C_in, C_out/groups, kH, kW) -> (N, C_out, H_out, W_out), with
    H_out = (H − 1)·stride − 2·padding + dilation·(kH − 1) + output_padding + 1."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 2, "conv_transpose2d")


_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}  # numpy's names


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """PyTorch's pad: ``pad`` gives (low, high) widths from the last dim backwards, negative
    widths crop: (N, C, 4) with (1, 2) -> (N, C, 7), with (1, 1, -1, 0) -> (N, C − 1, 6).
    Modes 'constant' (``value``, default 0), 'reflect', 'replicate' and 'circular' (these
    pad the last 1-3 dims of a tensor with 1 or 2 more). numpy's form is ``ag.pad``."""
    op = "pad"
    x = _tensor(input, op)
    if not isinstance(pad, (tuple, list)) or any(
            isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in pad):
        raise TypeError(f"{op}: pad must be a tuple of ints, got {pad!r}")
    if len(pad) % 2 or len(pad) > 2 * x.ndim:
        raise ValueError(f"{op}: pad must have an even length of at most twice the input's "
                         f"dims ({x.ndim}), got {pad!r}")
    if not isinstance(mode, str) or mode not in ("constant", *_PAD_MODES):
        raise ValueError(f"{op}: mode must be 'constant', 'reflect', 'replicate' or "
                         f"'circular', got {mode!r}")
    n = len(pad) // 2
    if mode == "constant":
        value = 0.0 if value is None else real(value, op, "value", finite=False)
    elif value is not None and real(value, op, "value", finite=False) != 0:
        raise ValueError(f"{op}: mode {mode!r} doesn't take a value argument, got {value!r}")
    elif not 1 <= n <= 3 or x.ndim not in (n + 1, n + 2):
        raise ValueError(f"{op}: mode {mode!r} pads the last 1, 2 or 3 dims of a tensor with "
                         f"1 or 2 more dims, got {len(pad)} widths for shape {x.shape}")
    widths = {x.ndim - 1 - i: (int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(n)}
    crop = [slice(None)] * x.ndim
    for d, (lo, hi) in widths.items():
        if x.shape[d] + min(lo, 0) + min(hi, 0) < 0:
            raise ValueError(f"{op}: widths {(lo, hi)} crop dim {d} of shape {x.shape} below "
                             "size 0")
        crop[d] = slice(-min(lo, 0), x.shape[d] + min(hi, 0))
    for d, (lo, hi) in widths.items():  # PyTorch's bounds, on the uncropped size
        size = x.shape[d]
        limit = {"reflect": size - 1, "circular": size}.get(mode, math.inf if size else 0)
        if mode != "constant" and max(lo, hi) > limit:
            raise ValueError(f"{op}: mode {mode!r} can pad dim {d} (size {size} of shape "
                             f"{x.shape}) by at most {limit}, got widths {(lo, hi)}")
    grow = {d: (max(lo, 0), max(hi, 0)) for d, (lo, hi) in widths.items()}
    if mode == "constant":
        if any(lo < 0 or hi < 0 for lo, hi in widths.values()):
            x = x[tuple(crop)]
        if not any(lo or hi for lo, hi in grow.values()):
            return x
        return ag.pad(x, [grow.get(d, (0, 0)) for d in range(x.ndim)],
                      value=value)  # type: ignore[arg-type]  # (a float: set above)
    for d, (lo, hi) in widths.items():  # one gather per padded dim
        if lo or hi:
            # as PyTorch: circular wraps the cropped dim, reflect mirrors the whole one
            first = np.arange(x.shape[d])[crop[d] if mode == "circular" else slice(None)]
            # (numpy's stubs want a literal mode)
            index = np.pad(first, grow[d], mode=_PAD_MODES[mode])  # type: ignore[call-overload]
            if mode != "circular":
                index = index[max(-lo, 0):len(index) - max(-hi, 0)]
            x = x[(slice(None),) * d + (index,)]
    return x


class _Pool(NamedTuple):
    """A pooling call's checked arguments: ``widths`` is the padding on each side of each
    spatial dim, the high side with the cells ceil_mode adds."""
    x: Tensor
    unbatched: bool
    kernel: tuple
    stride: tuple
    padding: tuple
    dilation: tuple
    widths: tuple


def _pool_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> tuple[int, int]:
    """(output size, extra padding on the high side that ceil_mode needs) — PyTorch's
    rule: with ceil_mode a last window must still start inside the input or left padding."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out, max(0, (out - 1) * s + d * (k - 1) + 1 - (size + 2 * p))


def _pool_args(input: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
               ceil_mode: bool, nd: int, integers: bool, op: str) -> _Pool:
    x, unbatched = _batched(input, op, nd, integers=integers)
    kernel = _int_tuple(kernel_size, nd, "kernel_size", op, 1)
    # None or an empty sequence means kernel_size, as in PyTorch (`stride == ()` would
    # compare an array elementwise)
    default = stride is None or (isinstance(stride, (tuple, list)) and not stride)
    stride = kernel if default else _int_tuple(stride, nd, "stride", op, 1)
    pad = _int_tuple(padding, nd, "padding", op, 0)
    dilation = _int_tuple(dilation, nd, "dilation", op, 1)
    ceil_mode = flag(ceil_mode, op, "ceil_mode")
    widths = []
    for size, k, s, p, d, axis in zip(x.shape[2:], kernel, stride, pad, dilation, "HW"[-nd:]):
        if p > k // 2:  # PyTorch's rule: half the kernel, whatever the dilation
            raise ValueError(f"{op}: pad should be at most half of kernel size, but got "
                             f"pad={p} and kernel_size={k}")
        out, extra = _pool_size(size, k, s, p, d, ceil_mode)
        if out < 1:
            raise ValueError(f"{op}: input of shape {x.shape} is too small along {axis} for "
                             f"kernel_size={k} (dilation {d}, padding {p})")
        widths.append((p, p + extra))
    return _Pool(x, unbatched, kernel, stride, pad, dilation, tuple(widths))


def _padded_windows(pool: _Pool, fill: float) -> Tensor:
    x = pool.x
    if any(w for pair in pool.widths for w in pair):
        x = ag.pad(x, ((0, 0), (0, 0)) + pool.widths, value=fill)
    return _windows(x, pool.kernel, pool.stride, pool.dilation)


def _unbatch(out: Tensor, unbatched: bool) -> Tensor:
    return out.reshape(out.shape[1:]) if unbatched else out


def _first_max(rows: np.ndarray) -> np.ndarray:
    """For each column along the first dim: the position of its maximum, PyTorch's
    choice (the first maximum, or the last NaN). A few contiguous, branch-free passes per
    row in a small index dtype (np.argmax over a short axis, np.where and masked writes
    are all several times slower here)."""
    best = rows[0]
    for v in rows[1:]:
        best = np.maximum(best, v)  # NaN wins, as in PyTorch
    arg = np.full(best.shape, len(rows) - 1, dtype=np.min_scalar_type(len(rows)))
    for k in range(len(rows) - 2, -1, -1):  # arg > k here: the subtraction cannot wrap
        arg -= (arg - k) * (rows[k] == best)
    if rows.dtype.kind == "f" and np.isnan(best.sum()):  # a NaN (or inf − inf): look
        for k, v in enumerate(rows):
            arg = np.where(np.isnan(v), k, arg)
    return arg.astype(np.intp)


def _window_max(win: Tensor, nd: int) -> tuple[Tensor, np.ndarray]:
    """The max of each window (the last ``nd`` dims) and its flat position in the window;
    the gradient goes to that one element, as PyTorch."""
    lead = win.ndim - nd
    # window offsets first: one copy, then every pass over them reads a contiguous slab
    rows = win.transpose(tuple(range(lead, win.ndim)) + tuple(range(lead)))
    rows = rows.reshape((-1,) + win.shape[:lead])
    arg = _first_max(rows.data)
    return ops.take_first(rows, arg), arg


def _max_pool(input: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
              ceil_mode: bool, return_indices: bool, nd: int, op: str) -> Any:
    return_indices = flag(return_indices, op, "return_indices")
    pool = _pool_args(input, kernel_size, stride, padding, dilation, ceil_mode, nd, True, op)
    dt = pool.x.dtype
    fill = np.iinfo(dt).min if dt.kind in "iu" else -math.inf
    out, arg = _window_max(_padded_windows(pool, fill), nd)
    out = _unbatch(out, pool.unbatched)
    if not return_indices:
        return out
    # PyTorch's indices: the flat position of each maximum in its input plane
    index = np.zeros(arg.shape, dtype=np.int64)
    for a, offset in enumerate(np.unravel_index(arg, pool.kernel)):
        start = np.arange(arg.shape[2 + a]).reshape((-1,) + (1,) * (nd - 1 - a))
        position = start * pool.stride[a] - pool.padding[a] + offset * pool.dilation[a]
        index = index * pool.x.shape[2 + a] + position
    return out, _unbatch(ag.from_numpy(index), pool.unbatched)


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """Max over each window: (N, C, L) -> (N, C, L_out), as :func:`max_pool2d`."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices, 1, "max_pool1d")


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """Max over each window: (N, C, H, W) -> (N, C, H_out, W_out); stride defaults to
    kernel_size. As PyTorch, the gradient goes to the first maximum of a window; with
    ``return_indices`` also each maximum's flat position h·W + w in its input plane (int64,
    for :func:`max_unpool2d`). Integer input works too; a window over padding alone
    (possible with dilation) gives −inf (an integer dtype's lowest value)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices, 2, "max_pool2d")


def _avg_pool(input: Any, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
              count_include_pad: bool, divisor_override: Any, nd: int, op: str) -> Tensor:
    pool = _pool_args(input, kernel_size, stride, padding, 1, ceil_mode, nd, False, op)
    count_include_pad = flag(count_include_pad, op, "count_include_pad")
    if divisor_override is not None:
        divisor = integer(divisor_override, op, "divisor_override", low=1)
    else:  # a map of the padded plane: 1 on the input, 2 on padding, 0 on ceil_mode's cells
        region = np.pad(np.ones(pool.x.shape[2:], dtype=np.int8),
                        [(p, p) for p in pool.padding], constant_values=2)
        region = np.pad(region, [(0, hi - lo) for lo, hi in pool.widths])
        region = ops._np_windows(region, pool.kernel, tuple(range(nd)), pool.stride, (1,) * nd)
        counted = (region >= 1) if count_include_pad else (region == 1)
        divisor = counted.sum(axis=tuple(range(nd, 2 * nd))).astype(pool.x.dtype)
    win = _padded_windows(pool, 0.0)
    out = win.sum(axis=tuple(range(win.ndim - nd, win.ndim))) / divisor
    return _unbatch(out, pool.unbatched)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """Mean over each window: (N, C, L) -> (N, C, L_out), as :func:`avg_pool2d`."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None,
                     1, "avg_pool1d")


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over each window: (N, C, H, W) -> (N, C, H_out, W_out). Zero padding counts in
    the divisor when ``count_include_pad`` (PyTorch's default); ceil_mode's extra cells
    never do."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 2, "avg_pool2d")


def _adaptive_size(output_size: Any, in_size: tuple, op: str) -> tuple[int, ...]:
    """The output size: an int or a tuple (in 2-d, None keeps the input's size)."""
    nd = len(in_size)
    if nd > 1 and isinstance(output_size, (tuple, list)) and len(output_size) == nd:
        output_size = tuple(n if v is None else v for v, n in zip(output_size, in_size))
    return _int_tuple(output_size, nd, "output_size", op, 0)


def _adaptive_bounds(n: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's adaptive windows: [floor(i·n/out), ceil((i+1)·n/out)) for each output i."""
    i = np.arange(out)
    return i * n // out, -(-(i + 1) * n // out)


def _adaptive_avg(input: Any, output_size: Any, nd: int, op: str) -> Tensor:
    x, unbatched = _batched(input, op, nd)
    size = _adaptive_size(output_size, x.shape[2:], op)
    for a, (n, out) in enumerate(zip(x.shape[2:], size)):  # one averaging matrix per dim
        lo, hi = _adaptive_bounds(n, out)
        j = np.arange(n)
        inside = (j >= lo[:, None]) & (j < hi[:, None])
        mean = ag.from_numpy((inside / inside.sum(axis=1, keepdims=True)).T.astype(x.dtype))
        x = (x.swapaxes(2 + a, -1) @ mean).swapaxes(2 + a, -1)
    return _unbatch(x, unbatched)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Mean over PyTorch's adaptive windows: (N, C, L) -> (N, C, output_size)."""
    return _adaptive_avg(input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Mean over PyTorch's adaptive windows (rows [floor(i·H/h), ceil((i+1)·H/h)), columns
    alike): (N, C, H, W) -> (N, C, h, w); None in ``output_size`` keeps that size."""
    return _adaptive_avg(input, output_size, 2, "adaptive_avg_pool2d")


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max over PyTorch's adaptive windows: (N, C, H, W) -> (N, C, h, w); with
    ``return_indices`` also each maximum's flat position in its input plane, as
    :func:`max_pool2d`."""
    op = "adaptive_max_pool2d"
    return_indices = flag(return_indices, op, "return_indices")
    x, unbatched = _batched(input, op, 2)
    size = _adaptive_size(output_size, x.shape[2:], op)
    rows = []
    for n, m in zip(x.shape[2:], size):  # (m, widest window); short ones repeat their
        lo, hi = _adaptive_bounds(n, m)  # last element, which never changes a first max
        width = max((hi - lo).max(initial=1), 1)
        rows.append(np.minimum(lo[:, None] + np.arange(width), hi[:, None] - 1))
    ih, iw = rows
    win = x[:, :, ih[:, None, :, None], iw[None, :, None, :]]  # (N, C, h, w, kh, kw)
    out, arg = _window_max(win, 2)
    out = _unbatch(out, unbatched)
    if not return_indices:
        return out
    kh, kw = np.divmod(arg, iw.shape[1])
    index = ih[np.arange(size[0])[:, None], kh] * x.shape[3] + iw[np.arange(size[1]), kw]
    return out, _unbatch(ag.from_numpy(index.astype(np.int64)), unbatched)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """The inverse of :func:`max_pool2d` with return_indices: zeros of the pooled input's
    size, each value put at its index. (N, C, 2, 2) with kernel 2 -> (N, C, 4, 4);
    ``output_size`` ((H, W) or (N, C, H, W)) picks among the sizes that pool to the input."""
    op = "max_unpool2d"
    x, unbatched = _batched(input, op)
    idx = _tensor(indices, op, "indices")
    if idx.dtype != np.int64:
        raise TypeError(f"{op}: indices must be int64, got dtype {idx.dtype}")
    if idx.shape != tuple(input.shape):
        raise ValueError(f"{op}: indices of shape {idx.shape} must have the input's shape "
                         f"{tuple(input.shape)}")
    kernel = _int_tuple(kernel_size, 2, "kernel_size", op, 1)
    default = stride is None or (isinstance(stride, (tuple, list)) and not stride)
    stride = kernel if default else _int_tuple(stride, 2, "stride", op, 1)
    pad = _int_tuple(padding, 2, "padding", op, 0)
    size = tuple((n - 1) * s - 2 * p + k
                 for n, k, s, p in zip(x.shape[2:], kernel, stride, pad))
    if output_size is not None:
        given = tuple(output_size) if isinstance(output_size, (tuple, list, ag.Size)) else ()
        given = given[2:] if len(given) == 4 else given
        if len(given) != 2 or not all(isinstance(v, (int, np.integer)) and not
                                      isinstance(v, bool) for v in given) or not all(
                n - s < v < n + s for v, n, s in zip(given, size, stride)):
            raise ValueError(f"{op}: output_size must be (H, W) or (N, C, H, W) with each "
                             f"size strictly between {tuple(n - s for n, s in zip(size, stride))}"
                             f" and {tuple(n + s for n, s in zip(size, stride))}, got "
                             f"{output_size!r}")
        size = tuple(int(v) for v in given)
    if min(size) < 1:
        raise ValueError(f"{op}: input of shape {x.shape} gives an output of size {size}")
    N, C = x.shape[:2]
    flat = idx.data.reshape(N, C, -1)
    plane = size[0] * size[1]
    if flat.size and (flat.min() < 0 or flat.max() >= plane):
        bad = flat[(flat < 0) | (flat >= plane)][0]
        raise ValueError(f"{op}: found an invalid max index {bad} (output planes are of size "
                         f"{size[0]}x{size[1]})")
    out = ag.zeros((N, C, plane), dtype=x.dtype)
    out[np.arange(N)[:, None, None], np.arange(C)[None, :, None], flat] = x.reshape(N, C, -1)
    return _unbatch(out.reshape((N, C) + size), unbatched)


# ----------------------------------------------------------------------------------------
# Losses

_LOSS_CLASSES = {
    "mse_loss": "MSELoss", "l1_loss": "L1Loss", "huber_loss": "HuberLoss",
    "binary_cross_entropy": "BCELoss", "binary_cross_entropy_with_logits": "BCEWithLogitsLoss",
    "cross_entropy": "CrossEntropyLoss", "nll_loss": "NLLLoss",
}


def _grouped(fn: Any) -> Any:
    """Loss ``fn`` tags its output's graph node (``tag_owner``), so a drawing shows its
    ops (log_softmax and the reduction, ...) as one group named after it."""
    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        out = fn(*args, **kwargs)
        node = getattr(out, "grad_fn", None)
        if node is not None:
            tag_owner(node, call, call_args(fn, args, kwargs), out)
        return out

    call.is_loss = True  # type: ignore[attr-defined]  # viz names its `target` argument
    return call


def _loss_name(fn: str) -> str:
    return f"{fn} ({_LOSS_CLASSES[fn]})"


def _check_reduction(reduction: str, op: str) -> None:
    if not isinstance(reduction, str) or reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction; use "
                         "'mean', 'sum' or 'none'")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    """Apply ``reduction`` to per-element losses. The mean of an empty batch is NaN with
    an (empty) gradient, as PyTorch, whatever ``Tensor.mean`` does with nothing."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.mean() if loss.numel() else loss.sum() + math.nan


def _input_and_target(input: Any, target: Any, op: str) -> tuple[Tensor, Any]:
    """Float input and a target of the same shape (integer/bool targets become floats)."""
    x = _float_tensor(input, op)
    y = _tensor(target, op, "target")
    if y.dtype.kind in "biu":
        y = ag.from_numpy(y.data.astype(x.dtype))
    if x.shape != y.shape:
        hint = (f"; reshape the target, e.g. target.reshape({x.shape})"
                if x.numel() == y.numel() else "")
        raise ValueError(f"{op}: input shape {x.shape} and target shape {y.shape} differ "
                         f"(they must be equal){hint}")
    return x, y


def _check_unit_interval(t: Tensor, what: str, op: str, hint: str = "") -> None:
    data = t.data
    if not ((data >= 0) & (data <= 1)).all():
        bad = data[~((data >= 0) & (data <= 1))]
        seen = data[~np.isnan(data)]
        span = f" (min {float(seen.min())}, max {float(seen.max())})" if seen.size else ""
        raise ValueError(f"{op}: {what} must be probabilities in [0, 1], got values "
                         f"including {float(bad.flat[0])}{span}{hint}")


def _weight(weight: Any, shape: tuple, op: str, what: str = "weight") -> Tensor | None:
    """An optional weight that must broadcast to ``shape``."""
    if weight is None:
        return None
    w = _float_tensor(weight, op, what)
    if not _broadcasts_to(w.shape, shape):
        raise ValueError(f"{op}: {what} of shape {w.shape} does not broadcast to the input "
                         f"shape {shape}")
    return w


@_grouped
def mse_loss(input: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:
    """Mean squared error (x − y)²: input and target of the same shape -> scalar."""
    op = _loss_name("mse_loss")
    _check_reduction(reduction, op)
    x, y = _input_and_target(input, target, op)
    d = x - y
    return _reduce(d * d, reduction)


@_grouped
def l1_loss(input: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:
    """Mean absolute error |x − y|."""
    op = _loss_name("l1_loss")
    _check_reduction(reduction, op)
    x, y = _input_and_target(input, target, op)
    return _reduce((x - y).abs(), reduction)


@_grouped
def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",
               delta: float = 1.0) -> Tensor:
    """½(x − y)² where |x − y| < delta, else delta·(|x − y| − ½·delta)."""
    op = _loss_name("huber_loss")
    _check_reduction(reduction, op)
    delta = real(delta, op, "delta", low=0, low_open=True, finite=False)
    x, y = _input_and_target(input, target, op)
    return _reduce(_huber((x - y).abs(), delta), reduction)


def _huber(ad: Tensor, delta: float) -> Tensor:
    """½·d² where |d| < delta, else delta·(|d| − ½·delta), of ``ad`` = |d|."""
    # m·(|d| − m/2) with m = min(|d|, delta) is both branches in one; m is picked by where,
    # not clipped, so no gradient of 0·inf = NaN reaches an infinite residual: there it is
    # ±delta, as PyTorch
    m = ag.where(ad.data < delta, ad, delta)
    return m * (ad - m * 0.5)


def _clamped_log(p: Tensor) -> Tensor:
    """log(p) clamped to >= −100 as PyTorch's BCE, so p = 0 gives −100 (never −inf) and a
    finite gradient (0 in the clamped region)."""
    positive = p.data > 0
    return ag.where(positive, ag.where(positive, p, 1.0).log(), -100.0).clip(min=-100.0)


@_grouped
def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, *,
                         reduction: str = "mean") -> Tensor:
    """−w·[y·log(x) + (1 − y)·log(1 − x)] on probabilities x in [0, 1] (logs clamped to
    >= −100): (N, *) and (N, *) -> scalar."""
    op = _loss_name("binary_cross_entropy")
    _check_reduction(reduction, op)
    x, y = _input_and_target(input, target, op)
    _check_unit_interval(x, "input", op, "; apply sigmoid first, or use BCEWithLogitsLoss")
    _check_unit_interval(y, "target", op)
    w = _weight(weight, x.shape, op)
    loss = -(y * _clamped_log(x) + (1 - y) * _clamped_log(1 - x))
    return _reduce(loss if w is None else loss * w, reduction)


@_grouped
def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None, *,
                                     reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid + BCE in one stable expression, for any logit x:
    (1 − y)·x + (1 + (pos_weight − 1)·y)·log(1 + e**−x). ``pos_weight`` weighs the
    positive term (shape broadcastable to the input, e.g. (C,))."""
    op = _loss_name("binary_cross_entropy_with_logits")
    _check_reduction(reduction, op)
    x, y = _input_and_target(input, target, op)
    _check_unit_interval(y, "target", op)
    w = _weight(weight, x.shape, op)
    pw = _weight(pos_weight, x.shape, op, "pos_weight")
    log_one_plus_exp = (-x).softplus(threshold=math.inf)  # exact for every x
    if pw is not None:
        log_one_plus_exp = log_one_plus_exp * ((pw - 1) * y + 1)
    loss = (1 - y) * x + log_one_plus_exp
    return _reduce(loss if w is None else loss * w, reduction)


def _class_weight(weight: Any, C: int, op: str) -> np.ndarray | None:
    if weight is None:
        return None
    w = _float_tensor(weight, op, "weight")
    if w.shape != (C,):
        raise ValueError(f"{op}: weight must have one entry per class, shape ({C},), got "
                         f"{w.shape}")
    return w.data


def _class_loss(logp: Tensor, target: Any, weight: Any, ignore_index: int, reduction: str,
                label_smoothing: float, op: str, allow_probabilities: bool) -> Tensor:
    """The negative log-likelihood core of cross_entropy and nll_loss.

    Per element, loss = −Σ_c K_c·logp_c with a constant coefficient array K built from the
    target: one-hot rows (times the class weight) for class indices, the probabilities for
    probability targets, blended with the uniform distribution by ``label_smoothing``.
    'mean' divides by Σ of the targets' class weights (the count of non-ignored targets
    without weights), as PyTorch. The sign and the mean's division are folded into K: the
    loss is Σ logp·K, one op. A mean over nothing (an empty batch, every target ignored)
    is NaN with a zero gradient, as PyTorch: K is 0 and the NaN a constant added to the
    loss. Zero class weights give PyTorch's 0/0 = NaN in K where a counted target enters."""
    if logp.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, got a 0-d tensor")
    axis = 0 if logp.ndim == 1 else 1
    C = logp.shape[axis]
    y = _tensor(target, op, "target")
    w = _class_weight(weight, C, op)
    eps = label_smoothing
    if y.data.dtype.kind == "f" and y.shape == logp.shape and allow_probabilities:
        K = y * (1 - eps) + eps / C if eps else y  # a Tensor: the target may require grad
        if w is not None:
            K = K * w.reshape(tuple(C if i == axis else 1 for i in range(logp.ndim)))
        denominator = logp.numel() // C
        K = -K / denominator if reduction == "mean" and denominator else -K
    else:
        expected = logp.shape[:1] + logp.shape[2:] if logp.ndim > 1 else ()
        if y.data.dtype.kind not in "iu":
            raise TypeError(
                f"{op}: target must hold integer class indices of shape {expected}"
                + (" or probabilities of the input's shape" if allow_probabilities else "")
                + f"; got dtype {y.dtype} and shape {y.shape} (input shape {logp.shape})")
        if y.shape != expected:
            raise ValueError(f"{op}: target of shape {y.shape} does not match input of shape "
                             f"{logp.shape}; expected class indices of shape {expected}")
        K, denominator = _index_coefficients(logp, y.data, C, w, ignore_index, reduction,
                                             eps, op)
    loss = _weighted_total(logp, K, axis, reduction)
    if isinstance(K, np.ndarray) and np.isnan(loss.data).any():
        # a −inf log-probability off the target (masked logits) times its 0 in K is NaN;
        # PyTorch picks the target's entry and never sees it, so drop those entries
        loss = _weighted_total(logp.masked_fill(K == 0, 0.0), K, axis, reduction)
    return loss + math.nan if reduction == "mean" and not denominator else loss


def _weighted_total(logp: Tensor, K: Any, axis: int, reduction: str) -> Tensor:
    """Σ logp·K over the class axis ('none') or over everything (one vdot)."""
    return (logp * K).sum(axis=axis) if reduction == "none" else ag.ops.vdot(logp, K)


def _index_coefficients(logp: Tensor, t: np.ndarray, C: int, w: np.ndarray | None,
                        ignore_index: int, reduction: str, eps: float, op: str
                        ) -> tuple[np.ndarray, float]:
    """_class_loss's K, in logp's dtype, for the class indices ``t``, and the mean's
    denominator."""
    onehot = t[..., None] == np.arange(C)  # class axis last
    count = int(np.count_nonzero(onehot))  # a Python int: numpy scalar arithmetic is slow
    keep: bool | np.ndarray = True  # the non-ignored targets, broadcasting along the classes
    # A target in [0, C) matches one class, any other none: unless a class is ignored, a
    # full count means that every target is valid and none ignored, the common case.
    if 0 <= ignore_index < C or count != t.size:
        valid = t != ignore_index
        bad = valid & ((t < 0) | (t >= C))
        if bad.any():
            raise ValueError(f"{op}: target contains class {t[bad].flat[0]}, outside [0, {C}) "
                             f"for input with {C} classes (shape {logp.shape})")
        keep = valid[..., None]
        onehot &= keep
        count = int(np.count_nonzero(onehot))
    if w is not None:  # weights of another dtype: computed in logp's, as the rest of K
        w = w.astype(logp.dtype, copy=False)
    # [c == t]·w[c] = [c == t]·w[t]: the class weight multiplies along the class axis
    K = onehot if w is None else onehot * w
    denominator = count if w is None else K.sum()
    if eps:
        K = K * (1 - eps) + keep * ((eps / C) if w is None else w * (eps / C))
    # one call makes K in logp's dtype (onehot may be bool) and scales it
    K = np.multiply(K, -1.0 / denominator if reduction == "mean" and denominator else -1.0,
                    dtype=logp.dtype)
    if reduction == "mean" and not denominator:
        # PyTorch's k/0 only where a target counts (its class; all classes when smoothing):
        # NaN for a zero class weight; ignored targets keep a zero gradient
        counted = np.broadcast_to(keep, K.shape) if eps else onehot
        with np.errstate(invalid="ignore"):  # 0·inf: the NaN wanted
            K[counted] *= math.inf
    return (K if logp.ndim < 3 else np.moveaxis(K, -1, 1)), denominator


@_grouped
def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, *,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy from logits, stable for any logit.

    input (N, C) (or (C,), or (N, C, d1, ...)); target either int64 class indices (N,)
    (entries equal to ``ignore_index`` are skipped) or probabilities of the input's shape.
    ``weight`` (C,) weighs classes; ``label_smoothing`` mixes the target with the uniform
    distribution. The gradient w.r.t. the logits is (softmax − y)/N for 'mean'.
    """
    op = _loss_name("cross_entropy")
    _check_reduction(reduction, op)
    label_smoothing = real(label_smoothing, op, "label_smoothing", low=0, high=1)
    integer(ignore_index, op, "ignore_index")
    x = _float_tensor(input, op)
    logp = x.log_softmax(axis=0 if x.ndim == 1 else 1) if x.ndim else x
    return _class_loss(logp, target, weight, ignore_index, reduction, label_smoothing, op,
                       allow_probabilities=True)


@_grouped
def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, *,
             ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities (e.g. from log_softmax): input (N, C),
    target int64 (N,) -> scalar; ``weight`` and ``ignore_index`` as in cross_entropy."""
    op = _loss_name("nll_loss")
    _check_reduction(reduction, op)
    integer(ignore_index, op, "ignore_index")
    return _class_loss(_float_tensor(input, op), target, weight, ignore_index, reduction, 0.0,
                       op, allow_probabilities=False)


# ----------------------------------------------------------------------------------------
# Issue 16: more losses (kl_div ... multi_margin_loss). Those PyTorch broadcasts silently
# broadcast here too; smooth_l1_loss and soft_margin_loss, like mse_loss, want equal shapes.

_LOSS_CLASSES.update({
    "kl_div": "KLDivLoss", "smooth_l1_loss": "SmoothL1Loss",
    "soft_margin_loss": "SoftMarginLoss", "multilabel_soft_margin_loss": "MultiLabelSoftMarginLoss",
    "cosine_embedding_loss": "CosineEmbeddingLoss", "margin_ranking_loss": "MarginRankingLoss",
    "triplet_margin_loss": "TripletMarginLoss", "gaussian_nll_loss": "GaussianNLLLoss",
    "poisson_nll_loss": "PoissonNLLLoss", "hinge_embedding_loss": "HingeEmbeddingLoss",
    "multi_margin_loss": "MultiMarginLoss",
})


def _numeric_target(target: Any, x: Tensor, op: str, what: str = "target") -> Tensor:
    """A target (or label) tensor; integer and bool ones become x's float dtype."""
    y = _tensor(target, op, what)
    return ag.from_numpy(y.data.astype(x.dtype)) if y.dtype.kind in "biu" else y


def _broadcast_loss(input: Any, target: Any, op: str) -> tuple[Tensor, Tensor]:
    """Float input and a target that broadcasts with it (as PyTorch, no warning)."""
    x = _float_tensor(input, op)
    y = _numeric_target(target, x, op)
    _broadcast_shape(op, input=x.shape, target=y.shape)
    return x, y


@_grouped
def kl_div(input: Tensor, target: Tensor, *, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL divergence of log-probabilities ``input`` from ``target`` (probabilities, or
    log-probabilities with ``log_target``): target·(log target − input), 0 where target is
    0. reduction='batchmean' divides the sum by the batch size, the true KL divergence:
    (N, C) log_softmax output and (N, C) probabilities -> scalar."""
    op = _loss_name("kl_div")
    if reduction != "batchmean":
        _check_reduction(reduction, op)
    log_target = flag(log_target, op, "log_target")
    x, y = _broadcast_loss(input, target, op)
    if log_target:
        loss = y.exp() * (y - x)
    else:  # xlogy(y, y): 0 at y = 0 (never 0·log 0), NaN below
        zero = y.data == 0
        with np.errstate(invalid="ignore"):
            loss = ag.where(zero, 0.0, y * ag.where(zero, 1.0, y).log()) - y * x
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and "
                      "the support size.'batchmean' divides only by the batch size, and aligns "
                      "with the KL div math definition.'mean' will be changed to behave the "
                      "same as 'batchmean' in the next major release.", stacklevel=2)
    if reduction != "batchmean":
        return _reduce(loss, reduction)
    n = x.shape[0] if x.ndim else 1
    return loss.sum() / n if n else loss.sum() + math.nan


@_grouped
def smooth_l1_loss(input: Tensor, target: Tensor, *, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """½(x − y)²/beta where |x − y| < beta, else |x − y| − ½·beta (L1 for beta = 0):
    huber_loss / beta."""
    op = _loss_name("smooth_l1_loss")
    _check_reduction(reduction, op)
    beta = real(beta, op, "beta", low=0, finite=False)
    x, y = _input_and_target(input, target, op)
    ad = (x - y).abs()
    return _reduce(_huber(ad, beta) / beta if beta else ad, reduction)


@_grouped
def soft_margin_loss(input: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:
    """log(1 + e**(−y·x)) for labels y = ±1, stable for any x: (N, *) -> scalar."""
    op = _loss_name("soft_margin_loss")
    _check_reduction(reduction, op)
    x, y = _input_and_target(input, target, op)
    return _reduce(-ag.ops.logsigmoid(y * x), reduction)


@_grouped
def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                *, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of sigmoid(x) against 0/1 targets, averaged over the classes
    (the last dim) of each sample: (N, C) and (N, C) -> scalar (or (N,))."""
    op = _loss_name("multilabel_soft_margin_loss")
    _check_reduction(reduction, op)
    x, y = _broadcast_loss(input, target, op)
    if x.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, got a 0-d tensor")
    shape = _broadcast_shape(op, input=x.shape, target=y.shape)
    w = _weight(weight, shape, op)
    # −[y·logσ(x) + (1 − y)·logσ(−x)], with logσ(−x) = logσ(x) − x
    loss = (1 - y) * x - ag.ops.logsigmoid(x)
    if w is not None:
        loss = loss * w
    return _reduce(loss.sum(axis=x.ndim - 1) / x.shape[-1], reduction)


@_grouped
def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          *, reduction: str = "mean") -> Tensor:
    """1 − cos(x1, x2) for target 1, max(0, cos(x1, x2) − margin) for target −1 (0 for
    any other target): (N, D), (N, D) and (N,) -> scalar; (D,), (D,) and a 0-d target."""
    op = _loss_name("cosine_embedding_loss")
    _check_reduction(reduction, op)
    margin = real(margin, op, "margin")
    a, b = _float_tensor(input1, op, "input1"), _float_tensor(input2, op, "input2")
    t = _numeric_target(target, a, op)
    d = t.ndim
    if d > 1:
        raise ValueError(f"{op}: 0-D or 1-D target expected, multi-target not supported, "
                         f"got target shape {t.shape}")
    if a.ndim != d + 1 or b.ndim != d + 1:
        raise ValueError(f"{op}: a {d}-D target expects {d + 1}-D inputs, got input shapes "
                         f"{a.shape} and {b.shape}")
    shape = _broadcast_shape(op, input1=a.shape, input2=b.shape)
    _broadcast_shape(op, input_batch=shape[:d], target=t.shape)
    eps = 1e-12  # PyTorch's EPSILON
    cos = (a * b).sum(axis=d) / (((a * a).sum(axis=d) + eps) * ((b * b).sum(axis=d) + eps)).sqrt()
    tv = t.data
    loss = ag.where(tv == 1, 1 - cos, 0.0) + ag.where(tv == -1, (cos - margin).clip(min=0), 0.0)
    return _reduce(loss, reduction)


@_grouped
def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        *, reduction: str = "mean") -> Tensor:
    """max(0, −y·(x1 − x2) + margin) for y = ±1 (x1 should rank higher for y = 1): three
    tensors of the same number of dims, broadcasting -> scalar."""
    op = _loss_name("margin_ranking_loss")
    _check_reduction(reduction, op)
    margin = real(margin, op, "margin")
    a, b = _float_tensor(input1, op, "input1"), _float_tensor(input2, op, "input2")
    t = _numeric_target(target, a, op)
    if not a.ndim == b.ndim == t.ndim:
        raise ValueError(f"{op}: all input tensors should have the same number of dims, got "
                         f"input1 {a.shape}, input2 {b.shape} and target {t.shape}")
    _broadcast_shape(op, input1=a.shape, input2=b.shape, target=t.shape)
    return _reduce((-t * (a - b) + margin).clip(min=0), reduction)


@_grouped
def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, *, reduction: str = "mean") -> Tensor:
    """max(d(a, p) − d(a, n) + margin, 0) with d the pairwise_distance (p-norm); ``swap``
    uses min(d(a, n), d(p, n)): (N, D) three times -> scalar."""
    op = _loss_name("triplet_margin_loss")
    _check_reduction(reduction, op)
    margin = real(margin, op, "margin")
    p = real(p, op, "p", finite=False)
    eps = real(eps, op, "eps", finite=False)
    swap = flag(swap, op, "swap")
    a = _float_tensor(anchor, op, "anchor")
    pos = _float_tensor(positive, op, "positive")
    neg = _float_tensor(negative, op, "negative")
    if not a.ndim == pos.ndim == neg.ndim:
        raise ValueError(f"{op}: the anchor, positive, and negative tensors are expected to "
                         f"have the same number of dimensions, got {a.shape}, {pos.shape} and "
                         f"{neg.shape}")
    _broadcast_shape(op, anchor=a.shape, positive=pos.shape,
                     negative=neg.shape)
    d_pos = _pairwise(a, pos, p, eps, False, op)
    d_neg = _pairwise(a, neg, p, eps, False, op)
    if swap:
        d_neg = ag.minimum(d_neg, _pairwise(pos, neg, p, eps, False, op))
    return _reduce((d_pos + margin - d_neg).clip(min=0), reduction)


@_grouped
def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """½·(log var + (x − y)²/var) (+ ½·log 2π with ``full``), var clamped to >= eps
    (without changing its gradient, as PyTorch). var has the input's shape, one dim
    fewer, or size 1 in one dim (homoscedastic), or is a number: (N, D) -> scalar."""
    op = _loss_name("gaussian_nll_loss")
    full = flag(full, op, "full")
    eps = real(eps, op, "eps", low=0)
    x, y = _broadcast_loss(input, target, op)
    if isinstance(var, (int, float, np.integer, np.floating)) and not isinstance(var, bool):
        if real(var, op, "var") < 0:
            raise ValueError(f"{op}: var has negative entry/entries, got {var}")
        v = ag.from_numpy(np.full(x.shape, var, x.dtype))
    else:
        v = _float_tensor(var, op, "var")
        if (v.data < 0).any():
            raise ValueError(f"{op}: var has negative entry/entries")
    if v.shape != x.shape:
        if x.shape[:-1] == v.shape:
            v = v.unsqueeze(-1)
        elif not (x.ndim == v.ndim and sum(
                n for m, n in zip(x.shape, v.shape) if m != n) == 1):
            raise ValueError(f"{op}: var is of incorrect size {v.shape} for input of shape "
                             f"{x.shape}")
    _check_reduction(reduction, op)
    v = _clamped_without_grad(v, eps)
    d = x - y
    loss = (v.log() + d * d / v) * 0.5
    return _reduce(loss + 0.5 * math.log(2 * math.pi) if full else loss, reduction)


@_grouped
def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True,
                     full: bool = False, *, eps: float = 1e-8,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood: e**x − y·x for log-rates x (``log_input``), else
    x − y·log(x + eps); ``full`` adds Stirling's y·log y − y + ½·log(2πy) where y > 1."""
    op = _loss_name("poisson_nll_loss")
    _check_reduction(reduction, op)
    log_input = flag(log_input, op, "log_input")
    full = flag(full, op, "full")
    eps = real(eps, op, "eps", finite=False)
    x, y = _broadcast_loss(input, target, op)
    loss = x.exp() - y * x if log_input else x - y * (x + eps).log()
    if full:
        big = y.data > 1  # the logs only of targets > 1
        ys = ag.where(big, y, 2.0)
        stirling = ys * ys.log() - ys + (ys * (2 * math.pi)).log() * 0.5
        loss = loss + ag.where(big, stirling, 0.0)
    return _reduce(loss, reduction)


@_grouped
def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, *,
                         reduction: str = "mean") -> Tensor:
    """x for target 1, max(0, margin − x) for target −1 (their sum for any other target):
    input and target broadcasting -> scalar."""
    op = _loss_name("hinge_embedding_loss")
    _check_reduction(reduction, op)
    margin = real(margin, op, "margin")
    x, t = _broadcast_loss(input, target, op)
    tv = t.data
    loss = ag.where(tv != 1, (margin - x).clip(min=0), 0.0) + ag.where(tv != -1, x, 0.0)
    return _reduce(loss, reduction)


@_grouped
def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, *, reduction: str = "mean") -> Tensor:
    """Multi-class hinge: Σ_{j ≠ y} w[y]·max(0, margin − x[y] + x[j])**p / C per sample,
    p 1 or 2: (N, C) scores and (N,) int64 labels -> scalar; (C,) and a 0-d label."""
    op = _loss_name("multi_margin_loss")
    _check_reduction(reduction, op)
    if integer(p, op, "p") not in (1, 2):
        raise ValueError(f"{op}: only p == 1 and p == 2 supported, got p={p}")
    margin = real(margin, op, "margin")
    x = _float_tensor(input, op)
    if x.ndim not in (1, 2) or x.shape[-1] == 0:
        raise ValueError(f"{op}: expected a non-empty vector (C,) or matrix (N, C) (N may be "
                         f"0), got input shape {x.shape}")
    n, c = (1, x.shape[0]) if x.ndim == 1 else x.shape
    t = _tensor(target, op, "target")
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold integer class indices, got dtype {t.dtype}")
    if t.ndim > 1 or t.numel() != n:
        raise ValueError(f"{op}: inconsistent target size, expected {n} labels but got shape "
                         f"{t.shape} (input shape {x.shape})")
    labels = _check_indices(t, c, op).reshape(n)
    w = _class_weight(weight, c, op)
    scores = x.reshape(n, c)
    rows = np.arange(n)
    z = (margin - scores[rows, labels].reshape(n, 1)) + scores
    h = z.relu()  # PyTorch's gradient is 0 at z = 0, as relu's
    if p == 2:
        h = h * h
    coef = (labels[:, None] != np.arange(c)) * ((1.0 if w is None else w[labels][:, None]) / c)
    loss = (h * coef.astype(x.dtype)).sum(axis=1)
    return _reduce(loss.reshape(()) if x.ndim == 1 else loss, reduction)
