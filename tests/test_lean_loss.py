"""Issue 17 (lean): the softmax family's shift and cross_entropy's coefficient array, cut to
fewer numpy calls, keep PyTorch's values for infinite logits (values from torch 2.13) and
the compiled step bit-identical to eager."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_lite as ag
import nn
import nn.functional as F

INF = np.inf


@pytest.mark.parametrize("n", [4, 40])  # 40 rows: the max over a transposed copy
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_an_infinite_row_is_nan_in_softmax_and_log_softmax_as_pytorch(n, dtype):
    rows = np.zeros((n, 3), dtype)
    rows[:4] = [[INF, 1.0, 2.0], [0.0, 1.0, 2.0], [-INF, -INF, -INF], [-INF, 0.0, 1.0]]
    x = ag.tensor(rows, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # inf − inf, as numpy says
        logp, p, lse = x.log_softmax(axis=1), x.softmax(axis=1), x.logsumexp(axis=1)
    # torch: log_softmax/softmax of [inf, 1, 2] and of [-inf, -inf, -inf] are NaN rows
    for out in (logp, p):
        assert np.isnan(out.data[[0, 2]]).all() and np.isfinite(out.data[1]).all()
        assert out.dtype == dtype
    np.testing.assert_allclose(logp.data[3], [-INF, -1.3132616, -0.3132617], rtol=1e-6)
    np.testing.assert_allclose(p.data[3], [0.0, 0.26894142, 0.7310586], rtol=1e-6)
    np.testing.assert_allclose(lse.data[:4], [INF, 2.4076059, -INF, 1.3132616], rtol=1e-6)
    np.testing.assert_allclose(lse.data[4:], np.log(3), rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        F.cross_entropy(x, ag.tensor(np.r_[1, 2, 0, 2, np.zeros(n - 4, int)]),
                        reduction="sum").backward()
    g = x.grad.data
    assert np.isnan(g[[0, 2]]).all()  # torch: NaN rows of the gradient too
    np.testing.assert_allclose(g[1], [0.09003057, 0.24472847, -0.33475904], rtol=1e-5)
    np.testing.assert_allclose(g[3], [0.0, 0.26894142, -0.26894142], rtol=1e-5)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_step_compiled_is_bit_identical_to_eager(reduction, dtype):
    """Class targets, no weight: the path whose coefficients are made in one call."""
    rng = np.random.default_rng(3)
    X = ag.tensor(rng.standard_normal((48, 6)).astype(dtype))
    y = ag.tensor(rng.integers(0, 5, 48))

    def setup():
        ag.manual_seed(0)
        model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 5))
        for q in model.parameters():
            q.data = q.data.astype(dtype)
        return model, nn.optim.SGD(model.parameters(), lr=0.1)

    def step_of(model, opt):
        def step(x, t):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), t, reduction=reduction)
            loss.backward()
            opt.step()
            return loss
        return step

    eager_model, eager_opt = setup()
    compiled_model, compiled_opt = setup()
    eager, compiled = step_of(eager_model, eager_opt), ag.compile(step_of(compiled_model,
                                                                          compiled_opt))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback to eager
        for _ in range(4):
            a, b = eager(X, y), compiled(X, y)
            assert a.data.tobytes() == b.data.tobytes()
    for p, q in zip(eager_model.parameters(), compiled_model.parameters()):
        assert p.data.tobytes() == q.data.tobytes()


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_masked_logits_off_the_target_give_a_finite_cross_entropy_as_pytorch(reduction,
                                                                              weighted):
    # −inf logits off the target (masked classes): PyTorch picks the target's log-prob,
    # so the loss is finite; 0·(−inf) in the coefficient array must not make it NaN
    logits = np.array([[-INF, 0.0, 1.0], [0.0, 1.0, 2.0], [0.5, -INF, -INF]])
    target = np.array([2, 0, 0])
    w = np.array([1.0, 2.0, 3.0]) if weighted else np.ones(3)
    finite = np.where(np.isinf(logits), -1e300, logits)  # the same log-softmax, no inf
    logp = finite - np.log(np.exp(finite - finite.max(1, keepdims=True)).sum(1,
                                                                        keepdims=True))
    logp -= finite.max(1, keepdims=True)
    picked = -logp[np.arange(3), target] * w[target]
    expected = {"none": picked, "sum": picked.sum(), "mean": picked.sum() / w[target].sum()}
    x = ag.tensor(logits, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        loss = F.cross_entropy(x, ag.tensor(target), ag.tensor(w) if weighted else None,
                               reduction=reduction)
        loss.sum().backward()
    np.testing.assert_allclose(loss.data, expected[reduction], rtol=1e-12)
    softmax = np.exp(logp)
    onehot = np.eye(3)[target]
    scale = w[target][:, None] / (w[target].sum() if reduction == "mean" else 1.0)
    np.testing.assert_allclose(x.grad.data, (softmax - onehot) * scale, rtol=1e-12,
                               atol=1e-300)
