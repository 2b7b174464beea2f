"""Numerical stability sweep: the ops and losses that exponentiate or take logs give finite
values and finite gradients for any input from -1e4 to 1e4, in float32 and float64.

Each case runs under ``ag.detect_anomaly()``, so not only the result but every value the
forward and the backward pass compute on the way must be finite.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
import nn.functional as F

LIMIT = 1e4
# values where naive formulas break: exp overflows past ~88.7 (float32) / ~709.8 (float64),
# underflows below ~-103 / ~-745; sigmoid rounds to exactly 0 or 1 long before ±1e4
EDGES = [0.0, -0.0, 1.0, -1.0, 20.0, -20.0, 36.8, -36.8, 88.8, -88.8, 103.9, -103.9, 709.8,
         -709.8, 745.2, -745.2, 1e3, -1e3, LIMIT, -LIMIT]


def logits(dtype, min_dims: int = 1) -> st.SearchStrategy[np.ndarray]:
    """Arrays of ``dtype`` with entries anywhere in [-1e4, 1e4], edges included."""
    width = 32 if dtype == np.float32 else 64
    elements = st.one_of(st.floats(-LIMIT, LIMIT, width=width), st.sampled_from(EDGES))
    return hnp.arrays(dtype, hnp.array_shapes(min_dims=min_dims, max_dims=3, max_side=5),
                      elements=elements)


def labels_for(z: np.ndarray) -> st.SearchStrategy[np.ndarray]:
    """int64 class labels for logits (N, C, ...): shape z.shape minus the class axis."""
    shape = z.shape[:1] + z.shape[2:] if z.ndim > 1 else ()
    return hnp.arrays(np.int64, shape, elements=st.integers(0, z.shape[1 if z.ndim > 1 else 0] - 1))


def targets_for(z: np.ndarray, dtype) -> st.SearchStrategy[np.ndarray]:
    """Binary targets in [0, 1] (hard 0/1 labels and soft ones) of z's shape."""
    return hnp.arrays(dtype, z.shape, elements=st.one_of(
        st.sampled_from([0.0, 1.0]), st.floats(0, 1, width=32 if dtype == np.float32 else 64)))


def elementwise(name):
    return lambda x, data: getattr(x, name)()


def reduced(name):
    def op(x, data):
        axis = data.draw(st.integers(-x.ndim, x.ndim - 1), label="axis")
        return getattr(x, name)(axis=axis)
    return op


def bce_on_sigmoid(x, data):
    y = data.draw(targets_for(x.data, x.dtype), label="target")
    return F.binary_cross_entropy(x.sigmoid(), ag.tensor(y))


def bce_with_logits(x, data):
    y = data.draw(targets_for(x.data, x.dtype), label="target")
    return F.binary_cross_entropy_with_logits(x, ag.tensor(y))


def cross_entropy_labels(x, data):
    y = data.draw(labels_for(x.data), label="labels")
    smoothing = data.draw(st.sampled_from([0.0, 0.1]), label="label_smoothing")
    return F.cross_entropy(x, ag.tensor(y), label_smoothing=smoothing)


def cross_entropy_probabilities(x, data):
    raw = data.draw(hnp.arrays(x.dtype, x.shape, elements=st.floats(0, 1, width=32)),
                    label="weights")
    axis = 1 if x.ndim > 1 else 0
    p = (raw + 1e-3) / (raw + 1e-3).sum(axis=axis, keepdims=True)
    return F.cross_entropy(x, ag.tensor(p.astype(x.dtype)))


OPS = {
    "sigmoid": elementwise("sigmoid"),
    "tanh": elementwise("tanh"),
    "softplus": elementwise("softplus"),
    "log_softmax": reduced("log_softmax"),
    "softmax": reduced("softmax"),
    "logsumexp": reduced("logsumexp"),
    "bce_on_sigmoid": bce_on_sigmoid,
    "bce_with_logits": bce_with_logits,
    "cross_entropy": cross_entropy_labels,
    "cross_entropy_probabilities": cross_entropy_probabilities,
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_finite_values_and_gradients_for_inputs_up_to_1e4(name, dtype, data):
    z = data.draw(logits(dtype), label="input")
    x = ag.tensor(z, requires_grad=True)
    with ag.detect_anomaly():
        out = OPS[name](x, data)
        assert out.dtype == dtype
        assert np.isfinite(out.numpy()).all(), f"{name}: {out.numpy()}"
        seed = data.draw(hnp.arrays(dtype, out.shape, elements=st.floats(-1, 1, width=32)),
                         label="upstream gradient")
        out.backward(seed)
    assert x.grad.dtype == dtype
    assert np.isfinite(x.grad.numpy()).all(), f"{name}: {x.grad.numpy()}"


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_saturated_extremes_give_exact_limits(dtype):
    """At ±1e4 the results are the exact limits, not merely finite."""
    x = ag.tensor(np.array([-LIMIT, LIMIT], dtype=dtype), requires_grad=True)
    np.testing.assert_array_equal(x.sigmoid().numpy(), [0.0, 1.0])
    np.testing.assert_array_equal(x.tanh().numpy(), [-1.0, 1.0])
    np.testing.assert_array_equal(x.softplus().numpy(), [0.0, LIMIT])
    np.testing.assert_allclose(x.log_softmax(axis=0).numpy(), [-2 * LIMIT, 0.0])
    np.testing.assert_allclose(x.logsumexp().numpy(), LIMIT)
    # confident and right: no loss; confident and wrong: the logit's size, not inf
    right = F.binary_cross_entropy_with_logits(x, ag.tensor(np.array([0, 1], dtype=dtype)))
    wrong = F.binary_cross_entropy_with_logits(x, ag.tensor(np.array([1, 0], dtype=dtype)))
    assert right.item() == 0.0
    np.testing.assert_allclose(wrong.item(), LIMIT)
    wrong.backward()
    np.testing.assert_allclose(x.grad.numpy(), [-0.5, 0.5])  # (sigmoid(x) - y) / N
