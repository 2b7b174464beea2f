"""Layers with parameters or state: Linear, Conv2d, BatchNorm, LayerNorm, Embedding,
Dropout, pooling, Flatten, Identity. Their math is in :mod:`nn.functional`; a layer owns
its Parameters, buffers and settings, with PyTorch's names, defaults and initialization.

>>> layer = nn.Linear(4, 3)          # weight (3, 4), bias (3,), U(±1/sqrt(4)) init
>>> layer(ag.randn(8, 4)).shape      # (8, 3)
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

import autograd_lite as ag
from autograd_lite.validation import dtype_arg, flag, integer, real

from . import functional as F
from . import init
from .modules import Module, Parameter

__all__ = [
    "Identity", "Linear", "Flatten", "Dropout", "BatchNorm1d", "BatchNorm2d", "LayerNorm",
    "Embedding", "Conv2d", "MaxPool2d", "AvgPool2d",
    # convolution and pooling (issue 16)
    "Conv1d", "ConvTranspose1d", "ConvTranspose2d", "MaxPool1d", "AvgPool1d",
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "MaxUnpool2d",
]


def _count(value: Any, name: str, cls: str) -> int:
    """A non-negative int constructor argument."""
    return integer(value, cls, name, low=0)


def _dtype(dtype: Any, cls: str) -> np.dtype:
    """A layer's floating dtype (the default dtype when None)."""
    return ag.get_default_dtype() if dtype is None else dtype_arg(dtype, cls, "f")


def _empty(shape: tuple, dtype: np.dtype) -> Parameter:
    return Parameter(np.empty(shape, dtype=dtype))


def _uniform_fan_in(weight: Parameter, bias: Parameter | None) -> None:
    """PyTorch's default for Linear and Conv: kaiming_uniform_(a=√5) on the weight, i.e.
    U(±1/√fan_in), and U(±1/√fan_in) on the bias."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in = int(np.prod(weight.shape[1:]))
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        init.uniform_(bias, -bound, bound)


def _affine_parameters(norm: Module, shape: tuple, weight: bool, bias: bool,
                       dtype: np.dtype) -> None:
    """A normalization layer's weight (if ``weight``) and bias (if both), else None."""
    norm.register_parameter("weight", _empty(shape, dtype) if weight else None)
    norm.register_parameter("bias", _empty(shape, dtype) if weight and bias else None)


def _reset_affine(norm: Module) -> None:
    """A normalization layer's scale to 1 and shift to 0 (those it has)."""
    if norm.weight is not None:
        init.ones_(norm.weight)
    if norm.bias is not None:
        init.zeros_(norm.bias)


class Identity(Module):
    """Returns its input unchanged (arguments are accepted and ignored, as PyTorch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input


class Linear(Module):
    """y = x·Wᵀ + b: (N, *, in_features) -> (N, *, out_features); weight (out, in)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = None) -> None:
        super().__init__()
        self.in_features = _count(in_features, "in_features", "Linear")
        self.out_features = _count(out_features, "out_features", "Linear")
        bias, dtype = flag(bias, "Linear", "bias"), _dtype(dtype, "Linear")
        self.weight = _empty((self.out_features, self.in_features), dtype)
        if bias:
            self.bias = _empty((self.out_features,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _uniform_fan_in(self.weight, self.bias)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        p = self._parameters  # not self.weight: Module.__getattr__ costs ~0.5 µs a lookup
        return F.linear(input, p["weight"], p["bias"])

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Flatten(Module):
    """Merge dims start_dim..end_dim: (N, C, H, W) -> (N, C·H·W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = integer(start_dim, "Flatten", "start_dim")
        self.end_dim = integer(end_dim, "Flatten", "end_dim")

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F._tensor(input, "Flatten").flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout with probability ``p`` in training mode; identity in eval mode.
    Any shape -> the same shape."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = F._probability(p, type(self).__name__)
        self.inplace = flag(inplace, type(self).__name__, "inplace")

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class _BatchNorm(Module):
    """Shared by BatchNorm1d/2d: per-channel (dim 1) normalization with learned scale and
    shift and running statistics (buffers running_mean, running_var,
    num_batches_tracked)."""

    _input_dims: tuple[int, ...] = ()
    # buffers (register_buffer sets them; None without track_running_stats, which the code
    # checks before using them), declared for type checkers
    running_mean: ag.Tensor
    running_var: ag.Tensor
    num_batches_tracked: ag.Tensor

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        cls = type(self).__name__
        self.num_features = _count(num_features, "num_features", cls)
        real(eps, cls, "eps", low=0, low_open=True)
        if momentum is not None:
            real(momentum, cls, "momentum (or None)", low=0, high=1)
        affine, bias = flag(affine, cls, "affine"), flag(bias, cls, "bias")
        track_running_stats = flag(track_running_stats, cls, "track_running_stats")
        dtype = _dtype(dtype, cls)
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        C = self.num_features
        _affine_parameters(self, (C,), affine, bias, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", ag.zeros(C, dtype=dtype))
            self.register_buffer("running_var", ag.ones(C, dtype=dtype))
            self.register_buffer("num_batches_tracked", ag.tensor(0))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        _reset_affine(self)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        x = F._float_tensor(input, type(self).__name__)
        if x.ndim not in self._input_dims or x.shape[1] != self.num_features:
            dims = " or ".join(f"{d}D" for d in self._input_dims)
            raise ValueError(f"expected {dims} input with {self.num_features} channels in "
                             f"dim 1, got shape {x.shape}")
        updating = self.training and self.track_running_stats
        momentum = self.momentum if updating else 0.0
        if momentum is None:  # cumulative moving average
            momentum = 1.0 / (int(self.num_batches_tracked.item()) + 1)
        out = F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                           training=self.training or self.running_mean is None,
                           momentum=momentum, eps=self.eps)
        if updating:
            with ag.no_grad():
                self.num_batches_tracked += 1
        return out

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) input, statistics per channel C."""

    _input_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) input, statistics per channel C."""

    _input_dims = (4,)


class LayerNorm(Module):
    """Normalize each example over its trailing ``normalized_shape`` dims:
    (N, L, D) with LayerNorm(D) -> (N, L, D); weight and bias of shape normalized_shape."""

    def __init__(self, normalized_shape: int | tuple[int, ...], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True,
                 dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = F._normalized_shape(normalized_shape, "LayerNorm")
        self.eps = eps
        real(eps, "LayerNorm", "eps", low=0, low_open=True)
        self.elementwise_affine = flag(elementwise_affine, "LayerNorm", "elementwise_affine")
        bias, dtype = flag(bias, "LayerNorm", "bias"), _dtype(dtype, "LayerNorm")
        _affine_parameters(self, self.normalized_shape, elementwise_affine, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_affine(self)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class Embedding(Module):
    """A lookup table: int indices of any shape (*) -> (*, embedding_dim). Weight
    (num_embeddings, embedding_dim) ~ N(0, 1); the ``padding_idx`` row starts at zero and
    gets no gradient."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 dtype: Any = None) -> None:
        super().__init__()
        self.num_embeddings = _count(num_embeddings, "num_embeddings", "Embedding")
        self.embedding_dim = _count(embedding_dim, "embedding_dim", "Embedding")
        self.padding_idx = None if padding_idx is None else \
            F._padding_idx(padding_idx, self.num_embeddings, "Embedding")
        if max_norm is not None:
            real(max_norm, "Embedding", "max_norm", low=0, finite=False)
        real(norm_type, "Embedding", "norm_type", low=0, low_open=True, finite=False)
        self.max_norm, self.norm_type = max_norm, norm_type  # as given (PyTorch's repr)
        self.scale_grad_by_freq = flag(scale_grad_by_freq, "Embedding", "scale_grad_by_freq")
        self.sparse = flag(sparse, "Embedding", "sparse")
        self.weight = _empty((self.num_embeddings, self.embedding_dim),
                             _dtype(dtype, "Embedding"))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with ag.no_grad():
                self.weight[self.padding_idx] = 0.0

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding whose weight is ``embeddings`` (2-D); frozen unless freeze=False."""
        data = np.asarray(embeddings.data if isinstance(embeddings, ag.Tensor) else embeddings)
        if data.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape "
                             f"{data.shape}")
        emb = cls(data.shape[0], data.shape[1], padding_idx, max_norm, norm_type,
                  scale_grad_by_freq, sparse, dtype=data.dtype)
        with ag.no_grad():
            emb.weight[...] = data
        emb.weight.requires_grad_(not freeze)
        return emb

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:  # as PyTorch: the settings that differ from the defaults
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += ", scale_grad_by_freq=True"
        if self.sparse:
            s += ", sparse=True"
        return s


class _ConvNd(Module):
    """Shared by the convolutions: settings checked when the layer is built, the weight
    (out_channels, in_channels/groups, *kernel), or (in_channels, out_channels/groups,
    *kernel) for a transposed one, PyTorch's default init."""

    _nd = 2
    _transposed = False
    padding: str | tuple[int, ...]  # (a tuple for a transposed one)

    def __init__(self, in_channels: Any, out_channels: Any, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, groups: Any, bias: Any, padding_mode: Any,
                 dtype: Any, output_padding: Any = 0) -> None:
        super().__init__()
        op, nd = type(self).__name__, self._nd
        self.in_channels = _count(in_channels, "in_channels", op)
        self.out_channels = _count(out_channels, "out_channels", op)
        self.kernel_size = F._int_tuple(kernel_size, nd, "kernel_size", op, 1)
        self.stride = F._int_tuple(stride, nd, "stride", op, 1)
        self.dilation = F._int_tuple(dilation, nd, "dilation", op, 1)
        self.groups = integer(groups, op, "groups", low=1)
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(f"{op}: in_channels ({self.in_channels}) and out_channels "
                             f"({self.out_channels}) must be divisible by groups ({groups})")
        if self._transposed:
            self.padding = F._int_tuple(padding, nd, "padding", op, 0)
            self.output_padding = F._int_tuple(output_padding, nd, "output_padding", op, 0)
            if any(e >= s and e >= d for e, s, d in
                   zip(self.output_padding, self.stride, self.dilation)):
                raise ValueError(f"{op}: output padding must be smaller than either stride "
                                 f"or dilation, got output_padding={self.output_padding}, "
                                 f"stride={self.stride}, dilation={self.dilation}")
            modes: tuple[str, ...] = ("zeros",)
        else:
            F._conv_padding(padding, self.kernel_size, self.stride, self.dilation, op)
            self.padding = padding if isinstance(padding, str) else \
                F._int_tuple(padding, nd, "padding", op, 0)
            modes = ("zeros", "reflect", "replicate", "circular")
        if not isinstance(padding_mode, str) or padding_mode not in modes:
            raise ValueError(f"{op}: padding_mode must be one of {list(modes)}, got "
                             f"{padding_mode!r}")
        bias, dtype = flag(bias, op, "bias"), _dtype(dtype, op)
        self.padding_mode = padding_mode
        channels = (self.in_channels, self.out_channels // self.groups) if self._transposed \
            else (self.out_channels, self.in_channels // self.groups)
        self.weight = _empty(channels + self.kernel_size, dtype)
        if bias:
            self.bias = _empty((self.out_channels,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _uniform_fan_in(self.weight, self.bias)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        conv = (F.conv1d, F.conv2d)[self._nd - 1]
        padding: Any = self.padding
        if self.padding_mode != "zeros":  # pad first, as PyTorch
            pads = F._conv_padding(padding, self.kernel_size, self.stride, self.dilation,
                                   type(self).__name__)
            input, padding = F.pad(input, F._flat_pad(pads), mode=self.padding_mode), 0
        return conv(input, self.weight, self.bias, self.stride, padding, self.dilation,
                    self.groups)

    def extra_repr(self) -> str:
        nd = self._nd
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self._transposed and self.output_padding != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-D convolution (cross-correlation) over NCL input:
    (N, in_channels, L) -> (N, out_channels, L_out); weight
    (out_channels, in_channels/groups, kL), PyTorch's default init; padding_mode
    'zeros', 'reflect', 'replicate' or 'circular'."""

    _nd = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, dtype)


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation) over NCHW input:
    (N, in_channels, H, W) -> (N, out_channels, H_out, W_out); weight
    (out_channels, in_channels/groups, kH, kW), PyTorch's default init; padding_mode
    'zeros', 'reflect', 'replicate' or 'circular'."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, dtype)


class _ConvTransposeNd(_ConvNd):
    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                 bias: bool = True, dilation: Any = 1, padding_mode: str = "zeros",
                 dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, dtype, output_padding)

    def forward(self, input: ag.Tensor, output_size: Any = None) -> ag.Tensor:
        """``output_size`` (the spatial sizes, optionally after N and C) picks the
        output_padding, as PyTorch."""
        extra = self.output_padding
        if output_size is not None:
            extra = self._output_padding(input, output_size)
        conv = (F.conv_transpose1d, F.conv_transpose2d)[self._nd - 1]
        return conv(input, self.weight, self.bias, self.stride, self.padding, extra,
                    self.groups, self.dilation)

    def _output_padding(self, input: Any, output_size: Any) -> tuple:
        op, nd = type(self).__name__, self._nd
        sizes = tuple(output_size) if isinstance(output_size, (tuple, list, ag.Size)) else ()
        sizes = sizes[-nd:] if len(sizes) in (nd + 1, nd + 2) else sizes
        lows = F._transposed_size(tuple(np.shape(input))[-nd:], self.kernel_size, self.stride,
                                  self.padding, self.dilation)  # type: ignore[arg-type]
        if len(sizes) != nd or not all(
                isinstance(v, (int, np.integer)) and not isinstance(v, bool) and
                lo <= v < lo + s for v, lo, s in zip(sizes, lows, self.stride)):
            raise ValueError(f"{op}: output_size must give {nd} sizes, each from {lows} up to "
                             f"{tuple(lo + s - 1 for lo, s in zip(lows, self.stride))}, got "
                             f"{output_size!r}")
        return tuple(int(v) - lo for v, lo in zip(sizes, lows))


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution: (N, in_channels, L) -> (N, out_channels, L_out); weight
    (in_channels, out_channels/groups, kL), PyTorch's layout and default init."""

    _nd = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution: (N, in_channels, H, W) -> (N, out_channels, H_out,
    W_out); weight (in_channels, out_channels/groups, kH, kW), PyTorch's layout and default
    init."""


class _Pool(Module):
    """Shared by the max and average pools: kernel_size, stride (default kernel_size),
    padding, ceil_mode, validated when the layer is built."""

    _nd = 2

    def __init__(self, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool) -> None:
        super().__init__()
        op, nd = type(self).__name__, self._nd
        F._int_tuple(kernel_size, nd, "kernel_size", op, 1)
        if stride is not None:
            F._int_tuple(stride, nd, "stride", op, 1)
        F._int_tuple(padding, nd, "padding", op, 0)
        flag(ceil_mode, op, "ceil_mode")
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = ceil_mode


class _MaxPool(_Pool):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        op = type(self).__name__
        F._int_tuple(dilation, self._nd, "dilation", op, 1)
        self.dilation = dilation
        self.return_indices = flag(return_indices, op, "return_indices")

    def forward(self, input: ag.Tensor) -> Any:
        return (F.max_pool1d, F.max_pool2d)[self._nd - 1](
            input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
            self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPool):
    """Max over each kernel_size window: (N, C, L) -> (N, C, L_out); with return_indices
    also the maxima's positions (for max unpooling)."""

    _nd = 1


class MaxPool2d(_MaxPool):
    """Max over each kernel_size window: (N, C, H, W) -> (N, C, H_out, W_out); with
    return_indices also the maxima's flat positions h·W + w (for MaxUnpool2d)."""


class _AvgPool(_Pool):
    def __init__(self, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
                 count_include_pad: bool) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = flag(count_include_pad, type(self).__name__,
                                      "count_include_pad")

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPool):
    """Mean over each kernel_size window: (N, C, L) -> (N, C, L_out); padding counts in the
    divisor unless count_include_pad=False."""

    _nd = 1

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        # PyTorch keeps AvgPool1d's sizes as 1-tuples
        self.kernel_size, self.stride, self.padding = (
            F._int_tuple(v, 1, "", "AvgPool1d", 0) for v in
            (self.kernel_size, self.stride, self.padding))

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)


class AvgPool2d(_AvgPool):
    """Mean over each kernel_size window: (N, C, H, W) -> (N, C, H_out, W_out); padding
    counts in the divisor unless count_include_pad=False."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        if divisor_override is not None:
            integer(divisor_override, "AvgPool2d", "divisor_override", low=1)
        self.divisor_override = divisor_override

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class _AdaptivePool(Module):
    """Pooling to a fixed output_size (checked when the layer is built)."""

    _nd = 2

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        F._adaptive_size(output_size, (1,) * self._nd, type(self).__name__)
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePool):
    """Mean over PyTorch's adaptive windows: (N, C, L) -> (N, C, output_size)."""

    _nd = 1

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(_AdaptivePool):
    """Mean over PyTorch's adaptive windows: (N, C, H, W) -> (N, C, *output_size)."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveMaxPool2d(_AdaptivePool):
    """Max over PyTorch's adaptive windows: (N, C, H, W) -> (N, C, *output_size); with
    return_indices also the maxima's flat positions."""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = flag(return_indices, "AdaptiveMaxPool2d", "return_indices")

    def forward(self, input: ag.Tensor) -> Any:
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class MaxUnpool2d(Module):
    """The inverse of MaxPool2d(return_indices=True): (N, C, h, w) values and indices ->
    (N, C, H, W) zeros with each value at its index."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        op = "MaxUnpool2d"
        self.kernel_size = F._int_tuple(kernel_size, 2, "kernel_size", op, 1)
        self.stride = self.kernel_size if stride is None else \
            F._int_tuple(stride, 2, "stride", op, 1)
        self.padding = F._int_tuple(padding, 2, "padding", op, 0)

    def forward(self, input: ag.Tensor, indices: ag.Tensor,
                output_size: Any = None) -> ag.Tensor:
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}")


# ----------------------------------------------------------------------------------------
# Issue 16 (nnmisc): group/instance/RMS normalization, channel and alpha dropout,
# Upsample, Unflatten

__all__ += ["GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "RMSNorm", "Dropout2d",
            "AlphaDropout", "Upsample", "Unflatten"]


class GroupNorm(Module):
    """Normalize groups of channels per example: (N, C, *) -> (N, C, *), C =
    num_channels divisible by num_groups; per-channel weight (ones) and bias (zeros)."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_groups = integer(num_groups, "GroupNorm", "num_groups", low=1)
        self.num_channels = _count(num_channels, "num_channels", "GroupNorm")
        if self.num_channels % self.num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.eps = real(eps, "GroupNorm", "eps", low=0, low_open=True)
        self.affine = flag(affine, "GroupNorm", "affine")
        bias, dtype = flag(bias, "GroupNorm", "bias"), _dtype(dtype, "GroupNorm")
        _affine_parameters(self, (self.num_channels,), affine, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_affine(self)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class _InstanceNorm(_BatchNorm):
    """Shared by InstanceNorm1d/2d: per-example, per-channel normalization over the
    spatial dims; no affine parameters and no running statistics by default (PyTorch's).
    With track_running_stats, eval mode uses the running statistics."""

    _spatial_dims = 0

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype,
                         bias=bias)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        cls = type(self).__name__
        x = F._float_tensor(input, cls)
        unbatched = self._spatial_dims + 1
        if x.ndim not in (unbatched, unbatched + 1):
            raise ValueError(f"{cls}: expected {unbatched}D or {unbatched + 1}D input, got "
                             f"shape {x.shape}")
        channels = x.shape[x.ndim - unbatched]
        if channels != self.num_features:
            message = (f"{cls}: input's size at dim={x.ndim - unbatched} ({channels}) does "
                       f"not match num_features ({self.num_features})")
            if self.affine:
                raise ValueError(message)
            warnings.warn(message + "; it is not used because affine=False", stacklevel=2)
        y = F.instance_norm(x.unsqueeze(0) if x.ndim == unbatched else x, self.running_mean,
                            self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            0.0 if self.momentum is None else self.momentum, self.eps)
        return y.squeeze(0) if x.ndim == unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of (N, C, L) or unbatched (C, L) input."""

    _spatial_dims = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of (N, C, H, W) or unbatched (C, H, W) input."""

    _spatial_dims = 2


class RMSNorm(Module):
    """x / sqrt(mean(x²) + eps) over the trailing ``normalized_shape`` dims, times a weight
    (ones): (N, L, D) with RMSNorm(D) -> (N, L, D). ``eps=None`` is the input dtype's
    machine epsilon."""

    def __init__(self, normalized_shape: int | tuple[int, ...], eps: float | None = None,
                 elementwise_affine: bool = True, dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = F._normalized_shape(normalized_shape, "RMSNorm")
        if eps is not None:
            real(eps, "RMSNorm", "eps", low=0)
        self.eps = eps
        self.elementwise_affine = flag(elementwise_affine, "RMSNorm", "elementwise_affine")
        _affine_parameters(self, self.normalized_shape, elementwise_affine, False,
                           _dtype(dtype, "RMSNorm"))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_affine(self)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class Dropout2d(Dropout):
    """Zero whole channels of (N, C, H, W) input with probability ``p`` in training mode
    (the rest scaled by 1/(1−p)); identity in eval mode."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.dropout2d(input, self.p, self.training)


class AlphaDropout(Dropout):
    """Alpha dropout (for SELU networks: keeps zero mean and unit variance) in training
    mode; identity in eval mode. Any shape -> the same shape."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.alpha_dropout(input, self.p, self.training)


class Upsample(Module):
    """Resize the spatial dims to ``size`` or by ``scale_factor`` (see
    :func:`nn.functional.interpolate`): Upsample(scale_factor=2) maps (N, C, H, W) to
    (N, C, 2H, 2W)."""

    scale_factor: float | tuple[float, ...] | None

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        if not isinstance(mode, str) or mode not in F._INTERPOLATION_DIMS:
            raise ValueError(f"Upsample: mode must be one of "
                             f"{', '.join(map(repr, F._INTERPOLATION_DIMS))}, got {mode!r}")
        if size is not None:
            for v in size if isinstance(size, (tuple, list)) else (size,):
                integer(v, "Upsample", f"size {size!r}", low=1)
        for name, value in (("align_corners", align_corners),
                            ("recompute_scale_factor", recompute_scale_factor)):
            if value is not None:
                flag(value, "Upsample", name)
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(real(s, "Upsample", "scale_factor", low=0, low_open=True)
                                      for s in scale_factor)
        else:
            self.scale_factor = None if scale_factor is None else \
                real(scale_factor, "Upsample", "scale_factor", low=0, low_open=True)
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        s = (f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None
             else f"size={self.size!r}")
        return s + f", mode={self.mode!r}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size`` (one −1 is inferred):
    Unflatten(1, (2, 5)) maps (N, 10) to (N, 2, 5)."""

    def __init__(self, dim: int, unflattened_size: tuple[int, ...]) -> None:
        super().__init__()
        self.dim = integer(dim, "Unflatten", "dim")
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got "
                            f"{unflattened_size!r}")
        self.unflattened_size = tuple(
            integer(s, "Unflatten", f"unflattened_size {unflattened_size!r}", low=-1)
            for s in unflattened_size)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F._unflatten(F._tensor(input, "Unflatten"), self.dim, self.unflattened_size,
                            "Unflatten")

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
