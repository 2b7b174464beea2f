"""Every layer and loss: the graph's gradients w.r.t. inputs and parameters agree with
central finite differences (float64, hypothesis-drawn shapes and values)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
import nn
import nn.functional as F
from autograd_lite.testing import gradcheck

few = settings(max_examples=min(settings.default.max_examples, 6), deadline=None)


def arrays(shape, lo: float = -2.0, hi: float = 2.0, unique: bool = False):
    """float64 arrays; ``unique`` values on a 0.05 grid keep max/relu/abs away from ties
    and kinks under finite differences."""
    if unique:
        return hnp.arrays(np.float64, shape, unique=True,
                          elements=st.integers(int(lo * 20), int(hi * 20)).map(
                              lambda i: i / 20 + 0.013))
    return hnp.arrays(np.float64, shape, elements=st.floats(lo, hi))


def leaf(a: np.ndarray) -> ag.Tensor:
    return ag.tensor(a, requires_grad=True)


def check_module(module: nn.Module, *inputs: ag.Tensor, seed: int | None = None) -> None:
    """gradcheck ``module(*inputs)`` w.r.t. the float inputs and every parameter: the
    float64 copies gradcheck makes are swapped in for the module's parameters."""
    module.double()
    names = [n for n, _ in module.named_parameters()]
    params = [p for _, p in module.named_parameters()]
    owners = [module.get_submodule(n.rpartition(".")[0]) for n in names]
    leaves = [n.rpartition(".")[2] for n in names]
    n_in = len(inputs)

    def fn(*args: ag.Tensor) -> ag.Tensor:
        if seed is not None:
            ag.manual_seed(seed)  # the same dropout mask on every evaluation
        for owner, name, p in zip(owners, leaves, args[n_in:]):
            owner._parameters[name] = p
        try:
            return module(*args[:n_in])
        finally:
            for owner, name, p in zip(owners, leaves, params):
                owner._parameters[name] = p

    assert gradcheck(fn, tuple(inputs) + tuple(params))


def check_loss(loss: Callable[..., ag.Tensor], *inputs) -> None:
    assert gradcheck(loss, inputs)


small = st.integers(1, 3)


# ---------------------------------------------------------------------------------------
# Layers


@few
@given(st.tuples(small, small, small).flatmap(
    lambda s: st.tuples(arrays((s[0], s[1])), st.just(s[2]), st.booleans())))
def test_linear(case) -> None:
    x, out, bias = case
    check_module(nn.Linear(x.shape[1], out, bias=bias), leaf(x))


@few
@given(st.sampled_from([dict(), dict(stride=2, padding=1), dict(dilation=2, padding=1),
                        dict(groups=2), dict(padding="same", bias=False)]),
       st.integers(0, 2**31 - 1))
def test_conv2d(kw: dict, seed: int) -> None:
    ag.manual_seed(seed)
    rng = np.random.default_rng(seed)
    conv = nn.Conv2d(2, 2, (2, 3), **kw)
    check_module(conv, leaf(rng.normal(size=(2, 2, 4, 5))))


@few
@given(arrays((2, 2, 4, 5), unique=True), st.sampled_from([
    dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=2, stride=1, dilation=2), dict(kernel_size=3, stride=2, ceil_mode=True)]))
def test_max_pool2d(x: np.ndarray, kw: dict) -> None:
    check_module(nn.MaxPool2d(**kw), leaf(x))


@few
@given(arrays((2, 2, 4, 5)), st.sampled_from([
    dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False, ceil_mode=True)]))
def test_avg_pool2d(x: np.ndarray, kw: dict) -> None:
    check_module(nn.AvgPool2d(**kw), leaf(x))


@few
@given(st.sampled_from([(5, 3), (3, 2, 4)]).flatmap(lambda s: arrays(s)), st.booleans(),
       st.booleans())
def test_batchnorm1d(x: np.ndarray, training: bool, affine: bool) -> None:
    bn = nn.BatchNorm1d(x.shape[1], affine=affine)
    with ag.no_grad():
        bn.running_mean[...] = 0.3
        bn.running_var[...] = 1.7
    bn.train(training)
    check_module(bn, leaf(x))


@few
@given(arrays((2, 2, 3, 2)))
def test_batchnorm2d(x: np.ndarray) -> None:
    check_module(nn.BatchNorm2d(2), leaf(x))


@few
@given(arrays((2, 3, 4)), st.sampled_from([4, (3, 4)]))
def test_layernorm(x: np.ndarray, shape) -> None:
    ln = nn.LayerNorm(shape)
    with ag.no_grad():
        ln.weight[...] = np.linspace(0.5, 1.5, ln.weight.numel()).reshape(ln.weight.shape)
    check_module(ln, leaf(x))


@few
@given(hnp.arrays(np.int64, (2, 3), elements=st.integers(0, 4)), st.sampled_from([None, 1]))
def test_embedding(idx: np.ndarray, padding_idx) -> None:
    """The padding row deliberately gets no gradient (test_nn_layers checks that), so
    finite differences are taken with indices that avoid it."""
    if padding_idx is not None:
        idx = np.where(idx == padding_idx, 0, idx)
    check_module(nn.Embedding(5, 3, padding_idx=padding_idx), ag.tensor(idx))


@few
@given(arrays((3, 4)), st.integers(0, 2**31 - 1))
def test_dropout(x: np.ndarray, seed: int) -> None:
    check_module(nn.Dropout(0.4), leaf(x), seed=seed)


@few
@given(arrays((2, 3, 2)))
def test_flatten(x: np.ndarray) -> None:
    check_module(nn.Flatten(), leaf(x))


ACTIVATIONS = [nn.ReLU(), nn.LeakyReLU(0.2), nn.Sigmoid(), nn.Tanh(), nn.GELU(),
               nn.GELU("tanh"), nn.ELU(0.7), nn.Softplus(2.0, 3.0), nn.Softmax(dim=1),
               nn.LogSoftmax(dim=1)]


@few
@given(arrays((3, 4), unique=True), st.sampled_from(ACTIVATIONS))
def test_activations(x: np.ndarray, act: nn.Module) -> None:
    check_module(act, leaf(x))


# ---------------------------------------------------------------------------------------
# Losses (gradients w.r.t. the input and, where it is differentiable, the target)

REDUCTIONS = st.sampled_from(["mean", "sum", "none"])


@few
@given(arrays((3, 2)), arrays((3, 2), unique=True), REDUCTIONS)
def test_regression_losses(x: np.ndarray, y: np.ndarray, reduction: str) -> None:
    y = x + np.where(np.abs(y) > 0.05, y, 0.3)  # keep |x − y| off the kinks (0, ±delta)
    y = np.where(np.abs(np.abs(x - y) - 0.8) > 0.05, y, y + 0.2)
    for loss in (nn.MSELoss(reduction=reduction), nn.L1Loss(reduction=reduction),
                 nn.HuberLoss(reduction=reduction, delta=0.8)):
        check_loss(loss, leaf(x), leaf(y))


@few
@given(arrays((3, 2), 0.05, 0.95), arrays((3, 2), 0.05, 0.95), REDUCTIONS, st.booleans())
def test_bce(p: np.ndarray, y: np.ndarray, reduction: str, weighted: bool) -> None:
    w = ag.tensor(np.linspace(0.5, 2, 6).reshape(3, 2)) if weighted else None
    check_loss(nn.BCELoss(w, reduction=reduction), leaf(p), leaf(y))


@few
@given(arrays((3, 2), -6, 6), arrays((3, 2), 0.05, 0.95), REDUCTIONS, st.booleans())
def test_bce_with_logits(z: np.ndarray, y: np.ndarray, reduction: str, weighted: bool) -> None:
    kw = dict(weight=ag.tensor(np.array([[0.5], [1.0], [2.0]])),
              pos_weight=ag.tensor(np.array([3.0, 0.5]))) if weighted else {}
    check_loss(nn.BCEWithLogitsLoss(reduction=reduction, **kw), leaf(z), leaf(y))


@st.composite
def class_targets(draw, shape: tuple) -> np.ndarray:
    """Integer labels for logits of ``shape`` (N, C, *), some set to ignore_index."""
    C = shape[1]
    y = draw(hnp.arrays(np.int64, shape[:1] + shape[2:], elements=st.integers(0, C - 1)))
    ignore = draw(hnp.arrays(np.bool_, y.shape))
    if ignore.all():
        ignore.flat[0] = False
    return np.where(ignore, -100, y)


@few
@given(st.sampled_from([(4, 3), (2, 3, 2)]).flatmap(
    lambda s: st.tuples(arrays(s, -4, 4), class_targets(s))), REDUCTIONS,
    st.booleans(), st.sampled_from([0.0, 0.25]))
def test_cross_entropy_class_targets(case, reduction: str, weighted: bool,
                                     smoothing: float) -> None:
    z, y = case
    w = ag.tensor(np.array([0.5, 1.0, 2.0])) if weighted else None
    loss = nn.CrossEntropyLoss(w, reduction=reduction, label_smoothing=smoothing)
    check_loss(lambda a: loss(a, ag.tensor(y)), leaf(z))
    check_loss(lambda a: nn.NLLLoss(w, reduction=reduction)(a.log_softmax(axis=1),
                                                            ag.tensor(y)), leaf(z))


@few
@given(arrays((4, 3), -4, 4), arrays((4, 3), 0.0, 1.0), REDUCTIONS,
       st.sampled_from([0.0, 0.25]))
def test_cross_entropy_probability_targets(z: np.ndarray, p: np.ndarray, reduction: str,
                                           smoothing: float) -> None:
    loss = nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing)
    check_loss(loss, leaf(z), leaf(p / p.sum(axis=1, keepdims=True).clip(1e-3)))


def test_functional_forms_agree_with_modules() -> None:
    x = ag.randn(2, 3)
    np.testing.assert_array_equal(F.relu(x).data, nn.ReLU()(x).data)
    np.testing.assert_array_equal(F.softmax(x, dim=1).data, nn.Softmax(1)(x).data)
    y = ag.tensor([0, 2])
    assert F.cross_entropy(x, y).item() == nn.CrossEntropyLoss()(x, y).item()
    assert F.one_hot(y, 3).tolist() == [[1, 0, 0], [0, 0, 1]]
    assert F.one_hot(y).shape == (2, 3) and F.one_hot(y).dtype == np.int64
