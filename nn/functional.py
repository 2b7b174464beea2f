"""The functional forms of layers and losses, with PyTorch's names (``import nn.functional
as F``). Every function here composes Tensor ops: none has a hand-written gradient.

>>> logits = model(x)                               # (N, C)
>>> loss = F.cross_entropy(logits, y)               # y: (N,) int64 labels -> scalar
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import Any

import numpy as np

import autograd_lite as ag
from autograd_lite import Tensor
from autograd_lite.engine import tag_owner
from autograd_lite.validation import flag, integer, real

__all__ = [
    "linear", "relu", "leaky_relu", "sigmoid", "tanh", "gelu", "elu", "softplus", "softmax",
    "log_softmax", "dropout", "batch_norm", "layer_norm", "embedding", "one_hot", "conv2d",
    "max_pool2d", "avg_pool2d", "mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss",
]
__all__ += [  # issue 16 (nnmisc): norms, dropouts, interpolation, attention
    "group_norm", "instance_norm", "rms_norm", "dropout2d", "alpha_dropout", "interpolate",
    "scaled_dot_product_attention",
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
        try:
            fits = np.broadcast_shapes(mask.shape, scores_shape) == scores_shape
        except ValueError:
            fits = False
        if not fits:
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


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) picked by integer ``input``:
    (N, L) indices -> (N, L, dim). Rows at ``padding_idx`` receive no gradient."""
    w = _float_tensor(weight, "embedding", "weight")
    if w.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got "
                         f"shape {w.shape}")
    idx = _check_indices(_tensor(input, "embedding"), w.shape[0], "embedding")
    out = w[idx]
    if padding_idx is not None:
        padding_idx = _padding_idx(padding_idx, w.shape[0], "embedding")
        keep = (idx != padding_idx)[..., None]
        out = ag.where(keep, out, w.detach()[padding_idx])
    return out


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
# Convolution and pooling (NCHW; windows from sliding_window_view, no loop over pixels)


def _batched(input: Any, op: str, integers: bool = False) -> tuple[Tensor, bool]:
    """(N, C, H, W) input (a (C, H, W) one gets a batch dim) and whether it was added;
    floating point, or also integer with ``integers``."""
    if integers:
        x = _tensor(input, op)
        if x.dtype.kind not in "iuf":
            raise TypeError(f"{op}: input must be a floating point or integer tensor, got "
                            f"dtype {x.dtype}")
    else:
        x = _float_tensor(input, op)
    if x.ndim == 3:
        return x.reshape((1,) + x.shape), True
    if x.ndim != 4:
        raise ValueError(f"{op}: expected 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape "
                         f"{x.shape}")
    return x, False


def _windows(x: Tensor, kernel: tuple, stride: tuple, dilation: tuple) -> Tensor:
    """(N, C, H, W) -> (N, C, out_h, out_w, kH, kW): every (dilated, strided) window."""
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    win = ag.sliding_window_view(x, span, axis=(2, 3))
    if stride != (1, 1) or dilation != (1, 1):
        win = win[:, :, ::stride[0], ::stride[1], ::dilation[0], ::dilation[1]]
    return win


def _conv_padding(padding: Any, kernel: tuple, stride: tuple, dilation: tuple,
                  op: str) -> tuple:
    """((top, bottom), (left, right)) from an int, a pair, 'valid' or 'same'."""
    if isinstance(padding, str) and padding == "valid":
        return ((0, 0), (0, 0))
    if isinstance(padding, str) and padding == "same":
        if stride != (1, 1):
            raise ValueError(f"{op}: padding='same' is not supported for strided "
                             f"convolutions (stride={stride})")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int, a pair, 'valid' or 'same', got "
                         f"{padding!r}")
    ph, pw = _int_tuple(padding, 2, "padding", op, 0)
    return ((ph, ph), (pw, pw))


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation, as PyTorch's: input (N, C_in, H, W), weight
    (C_out, C_in/groups, kH, kW) -> (N, C_out, H_out, W_out), with
    H_out = (H + pad_top + pad_bottom − dilation·(kH − 1) − 1) // stride + 1."""
    op = "conv2d"
    x, unbatched = _batched(input, op)
    w = _float_tensor(weight, op, "weight")
    if w.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-D (out_channels, in_channels/groups, kH, kW)"
                         f", got shape {w.shape}")
    N, C, H, W = x.shape
    O, Cg, kH, kW = w.shape
    G = integer(groups, op, "groups", low=1)
    if C != Cg * G:
        raise ValueError(f"{op}: input of shape {x.shape} has {C} channels, but the weight of "
                         f"shape {w.shape} with groups={G} expects in_channels={Cg * G}")
    if O % G:
        raise ValueError(f"{op}: the weight's {O} output channels are not divisible by "
                         f"groups={G}")
    stride = _int_tuple(stride, 2, "stride", op, 1)
    dilation = _int_tuple(dilation, 2, "dilation", op, 1)
    pads = _conv_padding(padding, (kH, kW), stride, dilation, op)
    for size, (lo, hi), k, d, axis in zip((H, W), pads, (kH, kW), dilation, "HW"):
        if size + lo + hi < d * (k - 1) + 1:
            raise ValueError(f"{op}: kernel of size {k} (dilation {d}) is larger than the "
                             f"padded input along {axis} ({size} + padding {lo + hi})")
    if any(p for pair in pads for p in pair):
        x = ag.pad(x, ((0, 0), (0, 0)) + pads)
    cols = _windows(x, (kH, kW), stride, dilation)  # (N, C, Ho, Wo, kH, kW)
    Ho, Wo = cols.shape[2:4]
    k = Cg * kH * kW
    cols = cols.reshape(N, G, Cg, Ho, Wo, kH, kW).permute(1, 0, 3, 4, 2, 5, 6)
    out = cols.reshape(G, N * Ho * Wo, k) @ w.reshape(G, O // G, k).transpose(1, 2)
    out = out.reshape(G, N, Ho, Wo, O // G).permute(1, 0, 4, 2, 3).reshape(N, O, Ho, Wo)
    if bias is not None:
        b = _float_tensor(bias, op, "bias")
        if b.shape != (O,):
            raise ValueError(f"{op}: bias must have shape ({O},), got {b.shape}")
        out = out + b.reshape(1, O, 1, 1)
    return out.reshape(out.shape[1:]) if unbatched else out


def _pool_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> tuple[int, int]:
    """(output size, extra padding on the high side that ceil_mode needs) — PyTorch's
    rule: with ceil_mode a last window must still start inside the input or left padding."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out, max(0, (out - 1) * s + d * (k - 1) + 1 - (size + 2 * p))


def _pool_windows(input: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                  ceil_mode: bool, fill: float | None, op: str
                  ) -> tuple[Tensor, bool, np.ndarray]:
    """The pooling windows (N, C, Ho, Wo, kH, kW) of ``input`` padded with ``fill`` (None:
    −inf, or an integer dtype's lowest value, as PyTorch's max pooling: so a window over
    padding alone gives that), whether a batch dim was added, and the same windows
    (Ho, Wo, kH, kW) over a map of the padded plane: 1 on the input, 2 on regular padding,
    0 on the cells ceil_mode adds (what avg_pool2d's divisor counts)."""
    x, unbatched = _batched(input, op, integers=fill is None)
    kernel = _int_tuple(kernel_size, 2, "kernel_size", op, 1)
    # None or an empty sequence means kernel_size, as in PyTorch (`stride == ()` would
    # compare an array elementwise)
    default = stride is None or (isinstance(stride, (tuple, list)) and not stride)
    stride = kernel if default else _int_tuple(stride, 2, "stride", op, 1)
    pad = _int_tuple(padding, 2, "padding", op, 0)
    dilation = _int_tuple(dilation, 2, "dilation", op, 1)
    widths = []
    for size, k, s, p, d, axis in zip(x.shape[2:], kernel, stride, pad, dilation, "HW"):
        if p > k // 2:  # PyTorch's 2-d rule: half the kernel, whatever the dilation
            raise ValueError(f"{op}: pad should be at most half of kernel size, but got "
                             f"pad={p} and kernel_size={k}")
        out, extra = _pool_size(size, k, s, p, d, ceil_mode)
        if out < 1:
            raise ValueError(f"{op}: input of shape {x.shape} is too small along {axis} for "
                             f"kernel_size={k} (dilation {d}, padding {p})")
        widths.append((p, p + extra))
    region = np.pad(np.ones(x.shape[2:], dtype=np.int8), [(p, p) for p in pad],
                    constant_values=2)
    region = np.pad(region, [(0, hi - lo) for lo, hi in widths])
    region_windows = _windows(ag.from_numpy(region[None, None]), kernel, stride, dilation)
    if any(w for pair in widths for w in pair):
        if fill is None:
            fill = np.iinfo(x.dtype).min if x.dtype.kind in "iu" else -math.inf
        x = ag.pad(x, ((0, 0), (0, 0)) + tuple(widths), value=fill)
    return _windows(x, kernel, stride, dilation), unbatched, region_windows.data[0, 0]


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor:
    """Max over each window: (N, C, H, W) -> (N, C, H_out, W_out); stride defaults to
    kernel_size. Tied maxima share the gradient evenly. Integer input works too, as
    PyTorch; a window over padding alone (possible with dilation) gives −inf (an integer
    dtype's lowest value)."""
    if return_indices:
        raise NotImplementedError("max_pool2d: return_indices is not supported")
    win, unbatched, _ = _pool_windows(input, kernel_size, stride, padding, dilation, ceil_mode,
                                      None, "max_pool2d")
    out = win.max(axis=(4, 5))
    return out.reshape(out.shape[1:]) if unbatched else out


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over each window: (N, C, H, W) -> (N, C, H_out, W_out). Zero padding counts in
    the divisor when ``count_include_pad`` (PyTorch's default); ceil_mode's extra cells
    never do."""
    op = "avg_pool2d"
    win, unbatched, region = _pool_windows(input, kernel_size, stride, padding, 1, ceil_mode,
                                           0.0, op)
    if divisor_override is not None:
        divisor = integer(divisor_override, op, "divisor_override", low=1)
    else:
        counted = (region >= 1) if count_include_pad else (region == 1)
        divisor = counted.sum(axis=(2, 3)).astype(win.dtype)  # (Ho, Wo)
    out = win.sum(axis=(4, 5)) / divisor
    return out.reshape(out.shape[1:]) if unbatched else out


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
            tag_owner(node, call, args, out)
        return out

    call.is_loss = True  # viz names its second input `target`
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
    try:
        ok = np.broadcast_shapes(w.shape, shape) == shape
    except ValueError:
        ok = False
    if not ok:
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
    ad = (x - y).abs()
    # m·(|d| − m/2) with m = min(|d|, delta) is both branches in one; m is picked by where,
    # not clipped, so no gradient of 0·inf = NaN reaches an infinite residual: there it is
    # ±delta, as PyTorch
    m = ag.where(ad.data < delta, ad, delta)
    return _reduce(m * (ad - m * 0.5), reduction)


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
    if reduction == "none":
        return (logp * K).sum(axis=axis)
    loss = ag.ops.vdot(logp, K)
    return loss + math.nan if reduction == "mean" and not denominator else loss


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
    K = K.astype(logp.dtype)  # a copy (onehot may be bool), so it can be scaled in place
    if reduction != "mean":
        K *= -1.0
    elif denominator:
        K *= -1.0 / denominator
    else:  # PyTorch's k/0 only where a target counts (its class; all classes when smoothing):
        # NaN for a zero class weight; ignored targets keep a zero gradient
        counted = np.broadcast_to(keep, K.shape) if eps else onehot
        with np.errstate(invalid="ignore"):  # 0·inf: the NaN wanted
            K[counted] *= -math.inf
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
