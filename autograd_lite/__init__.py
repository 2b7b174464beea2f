"""autograd-lite: a small, fast, honest automatic-differentiation framework on numpy.

>>> import autograd_lite as ag
>>> x = ag.tensor([[1.0, 2.0]], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([[2., 4.]])
"""

from .creation import (
    arange,
    eye,
    from_numpy,
    full,
    ones,
    ones_like,
    rand,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from .engine import (
    Node,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .function import Function, FunctionCtx
from .ops import (
    abs,
    add,
    argmax,
    argmin,
    astype,
    broadcast_to,
    cat,
    clamp,
    clip,
    clone,
    concatenate,
    cos,
    div,
    elu,
    exp,
    expand,
    flatten,
    gelu,
    getitem,
    leaky_relu,
    log,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    neg,
    pad,
    permute,
    pow,
    relu,
    reshape,
    sigmoid,
    sin,
    sliding_window_view,
    softmax,
    softplus,
    split,
    sqrt,
    squeeze,
    stack,
    std,
    sub,
    sum,
    swapaxes,
    tanh,
    transpose,
    unsqueeze,
    var,
    view,
    where,
)
from .ops import (
    all_ as all,
)
from .ops import (
    any_ as any,
)
from .random import default_generator, manual_seed
from .tensor import Tensor, get_default_dtype, grad, set_default_dtype
from .validation import DimError, ShapeError
from .viz import GraphvizNotFoundError, draw_graph, to_dot

__version__ = "0.1.0"
