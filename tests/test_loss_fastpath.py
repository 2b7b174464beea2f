"""cross_entropy / nll_loss with class-index targets: values and gradients against a direct
numpy formula (PyTorch's definition) for weights, ignore_index, label smoothing, every
reduction, (C,), (N, C) and (N, C, d1, d2) inputs in float32 and float64; the fast path
(every target valid, none ignored) against the careful one; bad targets; a mean over
nothing (every target ignored, zero class weights, an empty batch) as PyTorch's: NaN, with
a zero gradient for ignored targets."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import autograd_lite as ag
import nn
import nn.functional as F

SHAPES = [(5,), (6, 4), (3, 4, 2, 3)]


def reference(Z: np.ndarray, t: np.ndarray, w: np.ndarray | None, ignore_index: int,
              eps: float, reduction: str) -> tuple[np.ndarray, np.ndarray]:
    """(loss, d Σ loss / dZ) in float64: per element −Σ_c K_c·logp_c with
    K_c = [t ≠ ignore_index]·((1 − eps)·[c = t]·w_t + eps·w_c / C), 'mean' divided by
    Σ of the non-ignored targets' weights."""
    axis = 0 if Z.ndim == 1 else 1
    z = np.moveaxis(Z.astype(np.float64), axis, -1)  # class axis last
    C = z.shape[-1]
    w = np.ones(C) if w is None else w.astype(np.float64)
    logp = z - z.max(-1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(-1, keepdims=True))
    valid = (t != ignore_index)[..., None]
    onehot = np.eye(C)[np.where(valid[..., 0], t, 0)]
    K = valid * ((1 - eps) * onehot * (onehot @ w)[..., None] + eps * w / C)
    if reduction == "mean":
        K = K / (valid[..., 0] * (onehot @ w)).sum()
    loss = -(K * logp).sum(-1)
    grad = np.exp(logp) * K.sum(-1, keepdims=True) - K  # d(−Σ K·logp)/dz
    loss = loss if reduction == "none" else loss.sum()
    return loss, np.moveaxis(grad, -1, axis)


def targets(shape: tuple, C: int, ignore_index: int, rng: np.random.Generator) -> np.ndarray:
    s = () if len(shape) == 1 else shape[:1] + shape[2:]
    t = rng.integers(0, C, s)
    return np.where(rng.random(s) < 0.3, ignore_index, t) if t.ndim else t


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
def test_matches_formula(shape, dtype, fn) -> None:
    rng = np.random.default_rng(len(shape))
    C = shape[0] if len(shape) == 1 else shape[1]
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    for weighted, ignore_index, eps, reduction in itertools.product(
            [False, True], [-100, 1], [0.0, 0.3], ["mean", "sum", "none"]):
        if fn == "nll_loss" and eps:
            continue
        Z = rng.standard_normal(shape).astype(dtype)
        t = targets(shape, C, ignore_index, rng)
        if t.ndim == 0 and t == ignore_index:
            t = np.array(0)  # not all ignored: that is NaN, tested below
        w = rng.random(C).astype(dtype) + 0.1 if weighted else None
        z = ag.tensor(Z, requires_grad=True)
        kw = dict(ignore_index=ignore_index, reduction=reduction)
        if fn == "cross_entropy":
            loss = F.cross_entropy(z, ag.tensor(t), None if w is None else ag.tensor(w),
                                   label_smoothing=eps, **kw)
        else:
            loss = F.nll_loss(z.log_softmax(axis=0 if z.ndim == 1 else 1), ag.tensor(t),
                              None if w is None else ag.tensor(w), **kw)
        (loss.sum() if reduction == "none" else loss).backward()
        expected, grad = reference(Z, t, w, ignore_index, eps, reduction)
        case = f"weighted={weighted} ignore_index={ignore_index} eps={eps} {reduction}"
        assert loss.dtype == dtype and z.grad.dtype == dtype, case
        np.testing.assert_allclose(loss.data, expected, **tol, err_msg=case)
        np.testing.assert_allclose(z.grad.data, grad, **tol, err_msg=case)


@pytest.mark.parametrize("shape", SHAPES)
def test_fast_and_careful_paths_agree(shape) -> None:
    """An ignore_index inside [0, C) that no target uses takes the careful path."""
    rng = np.random.default_rng(7)
    C = shape[0] if len(shape) == 1 else shape[1]
    Z = rng.standard_normal(shape).astype(np.float32)
    t = ag.tensor(np.minimum(targets(shape, C, 0, rng), C - 2))  # never C − 1
    w = ag.tensor(rng.random(C).astype(np.float32))
    for weight, eps, reduction in itertools.product([None, w], [0.0, 0.1], ["mean", "none"]):
        results = []
        for ignore_index in (-100, C - 1):
            z = ag.tensor(Z, requires_grad=True)
            loss = F.cross_entropy(z, t, weight, ignore_index=ignore_index, reduction=reduction,
                                   label_smoothing=eps)
            (loss.sum() if reduction == "none" else loss).backward()
            results.append((loss.data, z.grad.data))
        np.testing.assert_array_equal(results[0][0], results[1][0])
        np.testing.assert_array_equal(results[0][1], results[1][1])


def _loss(fn: str, z: ag.Tensor, target: np.ndarray, weight: list | None, eps: float = 0.0,
          reduction: str = "mean") -> ag.Tensor:
    """``fn`` on ``z`` as logits (cross_entropy) or log-probabilities (nll_loss), with no
    numpy warning allowed."""
    w = None if weight is None else ag.tensor(np.array(weight, z.dtype))
    smoothing = dict(label_smoothing=eps) if fn == "cross_entropy" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return getattr(F, fn)(z, ag.tensor(target), w, reduction=reduction, **smoothing)


LOSSES = [("cross_entropy", 0.0), ("cross_entropy", 0.1), ("nll_loss", 0.0)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fn, eps", LOSSES)
@pytest.mark.parametrize("weight", [None, [1.0, 2.0, 3.0], [0.0, 1.0, 1.0]])
def test_all_ignored_mean_is_nan_with_zero_gradients(dtype, fn, eps, weight) -> None:
    """As PyTorch: a mean over no target is NaN, yet ignored targets get a zero gradient."""
    z = ag.tensor(np.arange(6, dtype=dtype).reshape(2, 3), requires_grad=True)
    loss = _loss(fn, z, np.array([-100, -100]), weight, eps)
    loss.backward()
    assert loss.dtype == dtype and np.isnan(loss.item())
    assert z.grad.dtype == dtype
    np.testing.assert_array_equal(z.grad.data, np.zeros((2, 3)))
    assert _loss(fn, z, np.array([-100, -100]), weight, eps, "sum").item() == 0.0


@pytest.mark.parametrize("fn, eps", LOSSES)
def test_zero_class_weights_mean_is_nan_where_pytorch_is(fn, eps) -> None:
    """Targets [ignored, 0] with weight [0, 1, 1]: the weights' sum is 0, and PyTorch's
    gradient is 0/0 = NaN where the counted target enters (nll_loss: its class; through
    the softmax: its whole row), zero for the ignored target."""
    z = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    loss = _loss(fn, z, np.array([-100, 0]), [0.0, 1.0, 1.0], eps)
    loss.backward()
    assert np.isnan(loss.item())
    nan = [[False] * 3, [True] * 3 if fn == "cross_entropy" else [True, False, False]]
    np.testing.assert_array_equal(np.isnan(z.grad.data), nan)
    np.testing.assert_array_equal(z.grad.data[~np.array(nan)], 0.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fn, target", [("cross_entropy", np.zeros(0, np.int64)),
                                        ("cross_entropy", np.zeros((0, 3))),  # probabilities
                                        ("nll_loss", np.zeros(0, np.int64))])
def test_empty_batch_mean_is_nan(dtype, fn, target) -> None:
    """As PyTorch: the mean of no element is NaN ('sum' is 0); the gradient is empty."""
    z = ag.zeros(0, 3, dtype=dtype, requires_grad=True)
    target = target.astype(dtype) if target.ndim == 2 else target
    loss = _loss(fn, z, target, None)
    loss.backward()
    assert loss.dtype == dtype and np.isnan(loss.item())
    assert z.grad.shape == (0, 3)
    assert _loss(fn, z, target, None, reduction="sum").item() == 0.0


@pytest.mark.parametrize("ignore_index", [-100, 0, 2])
@pytest.mark.parametrize("bad", [3, 7, -1])
def test_out_of_range_class_is_named(ignore_index, bad) -> None:
    with pytest.raises(ValueError, match=rf"CrossEntropyLoss.*class {bad}, outside \[0, 3\) "
                                         r"for input with 3 classes \(shape \(3, 3\)\)"):
        nn.CrossEntropyLoss(ignore_index=ignore_index)(ag.zeros(3, 3), ag.tensor([1, bad, 1]))


def test_weight_dtype_does_not_promote_the_loss() -> None:
    x = ag.zeros(2, 3, dtype=np.float32, requires_grad=True)
    loss = nn.CrossEntropyLoss(weight=np.array([1.0, 2.0, 3.0]))(x, ag.tensor([0, 2]))
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32
    assert loss.item() == pytest.approx(np.log(3))
