"""autograd-lite's neural-network package, with PyTorch's names and behaviour.

>>> import nn
>>> model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
>>> loss = nn.CrossEntropyLoss()(model(x), y)      # x (N, 64), y (N,) int64

Submodules: ``nn.functional`` (import as F), ``nn.init``, ``nn.optim``, ``nn.data``,
``nn.utils`` (the last three are imported on first use).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import functional, init
from .layers import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveMaxPool2d,
    AlphaDropout,
    AvgPool1d,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv1d,
    Conv2d,
    ConvTranspose1d,
    ConvTranspose2d,
    Dropout,
    Dropout2d,
    Embedding,
    Flatten,
    GroupNorm,
    Identity,
    InstanceNorm1d,
    InstanceNorm2d,
    LayerNorm,
    Linear,
    MaxPool1d,
    MaxPool2d,
    MaxUnpool2d,
    RMSNorm,
    Unflatten,
    Upsample,
)
from .layers_activation import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    CosineSimilarity,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    PairwiseDistance,
    PReLU,
    ReLU,
    ReLU6,
    RReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softmin,
    Softplus,
    Softshrink,
    Softsign,
    Tanh,
    Tanhshrink,
    Threshold,
)
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CosineEmbeddingLoss,
    CrossEntropyLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MarginRankingLoss,
    MSELoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    NLLLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
    SoftMarginLoss,
    TripletMarginLoss,
)
from .modules import Module, ModuleList, Parameter, RemovableHandle, Sequential
from .serialization import load, save

_LAZY_SUBMODULES = ("optim", "data", "utils")
if TYPE_CHECKING:  # type checkers see them as imported; at run time __getattr__ does it
    from . import data, optim, utils

__all__ = [
    "Module", "Parameter", "Sequential", "ModuleList", "RemovableHandle",
    "Identity", "Linear", "Flatten", "Dropout", "BatchNorm1d", "BatchNorm2d", "LayerNorm",
    "Embedding", "Conv2d", "MaxPool2d", "AvgPool2d",
    "Conv1d", "ConvTranspose1d", "ConvTranspose2d", "MaxPool1d", "AvgPool1d",
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "MaxUnpool2d",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "ELU", "Softplus", "Softmax", "LogSoftmax",
    "MSELoss", "L1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss",
    "NLLLoss",
    "save", "load", "functional", "init", "optim", "data", "utils",  # (_LAZY_SUBMODULES)
]
__all__ += [  # issue 16 (nnmisc)
    "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "RMSNorm", "Dropout2d", "AlphaDropout",
    "Upsample", "Unflatten",
]
__all__ += [  # issue 16: more activations, distances and losses
    "SiLU", "SELU", "CELU", "Hardtanh", "ReLU6", "Hardswish", "Hardsigmoid", "Mish", "Softsign",
    "LogSigmoid", "GLU", "Tanhshrink", "Softshrink", "Hardshrink", "Threshold", "PReLU", "RReLU",
    "Softmin", "CosineSimilarity", "PairwiseDistance",
    "KLDivLoss", "SmoothL1Loss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
    "CosineEmbeddingLoss", "MarginRankingLoss", "TripletMarginLoss", "GaussianNLLLoss",
    "PoissonNLLLoss", "HingeEmbeddingLoss", "MultiMarginLoss",
]


def __getattr__(name: str) -> Any:
    """Import ``nn.optim``, ``nn.data`` and ``nn.utils`` on first access."""
    if name in _LAZY_SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'nn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_SUBMODULES))
