"""nn.utils.clip_grad_norm_ / clip_grad_value_."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import autograd_lite as ag
from nn.utils import clip_grad_norm_, clip_grad_value_


def params_with_grads(*grads, dtype=np.float32):
    params = []
    for g in grads:
        p = ag.tensor(np.zeros(np.shape(g), dtype=dtype), requires_grad=True)
        p.grad = ag.tensor(np.array(g, dtype=dtype))  # a copy: clipping is in place
        params.append(p)
    return params


def joint_norm(params, ord=2):
    flat = np.concatenate([p.grad.data.ravel().astype(np.float64) for p in params])
    return np.linalg.norm(flat, ord=ord)


def test_clip_grad_norm_rescales_and_returns_pre_clip_norm():
    ps = params_with_grads([[3.0, 0.0], [0.0, 0.0]], [4.0])
    arrays_before = [p.grad.data for p in ps]
    total = clip_grad_norm_(ps, max_norm=1.0)
    assert isinstance(total, ag.Tensor) and total.shape == () and total.dtype == np.float32
    assert total.item() == pytest.approx(5.0)
    np.testing.assert_allclose(ps[0].grad.data, [[0.6, 0.0], [0.0, 0.0]], rtol=1e-5)
    np.testing.assert_allclose(ps[1].grad.data, [0.8], rtol=1e-5)
    assert joint_norm(ps) == pytest.approx(1.0, rel=1e-5)
    assert all(p.grad.data is a for p, a in zip(ps, arrays_before, strict=True))  # in place


def test_clip_grad_norm_leaves_small_gradients_alone():
    ps = params_with_grads([0.3, -0.4])
    total = clip_grad_norm_(ps, max_norm=1.0)
    assert total.item() == pytest.approx(0.5)
    np.testing.assert_array_equal(ps[0].grad.data, np.array([0.3, -0.4], dtype=np.float32))


@given(
    g1=arrays(np.float64, (3, 2), elements=st.floats(-100, 100)),
    g2=arrays(np.float64, (4,), elements=st.floats(-100, 100)),
    max_norm=st.floats(0.01, 50.0),
    norm_type=st.sampled_from([1.0, 2.0, 3.0, float("inf")]),
)
def test_clip_grad_norm_property(g1, g2, max_norm, norm_type):
    ps = params_with_grads(g1, g2, dtype=np.float64)
    expected = joint_norm(ps, ord=norm_type)
    total = clip_grad_norm_(ps, max_norm, norm_type=norm_type)
    assert total.item() == pytest.approx(expected, rel=1e-12, abs=1e-12)
    after = joint_norm(ps, ord=norm_type)
    if max_norm / (expected + 1e-6) < 1.0:  # PyTorch's rule: scale by min(1, coef)
        assert after == pytest.approx(max_norm * expected / (expected + 1e-6), rel=1e-9)
        np.testing.assert_allclose(ps[0].grad.data, g1 * max_norm / (expected + 1e-6), rtol=1e-12)
    else:
        np.testing.assert_array_equal(ps[0].grad.data, g1)


def test_clip_grad_norm_inf_single_tensor_and_missing_grads():
    ps = params_with_grads([1.0, -7.0, 2.0])
    skipped = ag.tensor([1.0], requires_grad=True)  # grad None: ignored
    total = clip_grad_norm_([*ps, skipped], max_norm=3.5, norm_type="inf")
    assert total.item() == pytest.approx(7.0)
    np.testing.assert_allclose(ps[0].grad.data, [0.5, -3.5, 1.0], rtol=1e-5)
    assert skipped.grad is None
    single = params_with_grads([6.0, 8.0])[0]
    assert clip_grad_norm_(single, 5.0).item() == pytest.approx(10.0)
    assert clip_grad_norm_([skipped], 1.0).item() == 0.0


def test_clip_grad_norm_errors():
    ps = params_with_grads([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="total norm"):
        clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm_(ps, -1.0)
    with pytest.raises(TypeError, match="Tensor"):
        clip_grad_norm_([np.ones(2)], 1.0)


def test_clip_grad_value():
    ps = params_with_grads([-5.0, 0.5, 2.0], [[10.0]])
    assert clip_grad_value_(ps, 1.0) is None
    np.testing.assert_array_equal(ps[0].grad.data, [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(ps[1].grad.data, [[1.0]])
    assert ps[0].grad.data.dtype == np.float32
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value_(ps, -0.1)


def test_clipping_tames_an_exploding_step():
    """The use case: a huge gradient would throw SGD far away; clipped, the step is small."""
    from nn import optim

    w = ag.tensor([1.0, 1.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (1e6 * (w * w).sum()).backward()
    clip_grad_norm_([w], max_norm=1.0)
    opt.step()
    assert np.linalg.norm(w.data - 1.0) <= 0.1 + 1e-6
