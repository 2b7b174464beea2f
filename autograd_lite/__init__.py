"""autograd-lite: a small, fast, honest automatic-differentiation framework on numpy.

>>> import autograd_lite as ag
>>> x = ag.tensor([[1.0, 2.0]], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([[2., 4.]])

``import autograd_lite as torch`` also works: ``torch.nn``, ``torch.nn.functional``,
``torch.optim``, ``torch.utils.data`` are this library's ``nn`` packages (see _namespace),
and PyTorch's dtype names (``torch.float32``), devices (CPU only) and ``Generator`` exist.
"""

from . import _namespace
from .creation import (
    arange,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    linspace,
    logspace,
    multinomial,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .devices import (
    accelerator,
    backends,
    cuda,
    device,
    get_default_device,
    set_default_device,
)

# PyTorch's dtype names: `float`, `int` and `bool` shadow the builtins in this namespace
# (attributes for users; nothing in this file calls the builtins)
from .dtypes import (
    bool,
    double,
    float,
    float16,
    float32,
    float64,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    short,
    uint8,
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
from .ops import all_ as all  # ag.all and ag.any (ops names them all_ and any_)
from .ops import any_ as any
from .random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from .tensor import Size, Tensor, get_default_dtype, grad, set_default_dtype
from .validation import DimError, ShapeError
from .viz import GraphvizNotFoundError, draw_graph, explain, to_dot

__version__ = "0.1.0"

_namespace.install()
__getattr__ = _namespace.lazy_submodules(__name__, ("nn", "optim", "utils"))
