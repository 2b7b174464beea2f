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
    bmm,
    broadcast_to,
    cat,
    chunk,
    clamp,
    clip,
    clone,
    concatenate,
    cos,
    div,
    dot,
    elu,
    eq,
    exp,
    expand,
    flatten,
    ge,
    gelu,
    getitem,
    gt,
    le,
    leaky_relu,
    log,
    log_softmax,
    logsumexp,
    lt,
    masked_fill,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mm,
    mul,
    mv,
    ne,
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
    t,
    tanh,
    transpose,
    unsqueeze,
    var,
    view,
    where,
)
from .random import default_generator, manual_seed
from .tensor import Size, Tensor, get_default_dtype, grad, set_default_dtype
from .viz import GraphvizNotFoundError, draw_graph, to_dot

__version__ = "0.1.0"
