"""Losses: the closed-form gradients of the course (sigmoid + BCE, softmax + CE, a 2-layer
network's backprop), values against numpy formulas, stability at extreme inputs, and
clear errors for bad targets."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
import nn
import nn.functional as F

few = settings(max_examples=min(settings.default.max_examples, 20), deadline=None)
TIGHT = dict(rtol=1e-10, atol=1e-15)  # float64 precision, up to a few roundings


def t64(a, requires_grad: bool = False) -> ag.Tensor:
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def logits(shape) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, shape, elements=st.floats(-15, 15))


@st.composite
def binary_problem(draw) -> tuple[np.ndarray, np.ndarray]:
    """Z (1, m) logits and Y (1, m) labels in {0, 1}, the course's row layout."""
    m = draw(st.integers(1, 12))
    Z = draw(logits((1, m)))
    Y = draw(hnp.arrays(np.float64, (1, m), elements=st.sampled_from([0.0, 1.0])))
    return Z, Y


@st.composite
def multiclass_problem(draw) -> tuple[np.ndarray, np.ndarray]:
    """Z (m, C) logits and integer labels y (m,)."""
    m, C = draw(st.integers(1, 8)), draw(st.integers(2, 6))
    Z = draw(logits((m, C)))
    y = draw(hnp.arrays(np.int64, (m,), elements=st.integers(0, C - 1)))
    return Z, y


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------------------------------
# The closed forms: dL/dZ = (A − y) / m


@few
@given(binary_problem())
def test_sigmoid_bce_gradient_is_a_minus_y_over_m(problem) -> None:
    Z, Y = problem
    z = t64(Z, requires_grad=True)
    A = z.sigmoid()
    nn.BCELoss()(A, t64(Y)).backward()
    np.testing.assert_allclose(z.grad.data, (A.data - Y) / Y.size, **TIGHT)


@few
@given(binary_problem())
def test_bce_with_logits_gradient_is_a_minus_y_over_m(problem) -> None:
    Z, Y = problem
    z = t64(Z, requires_grad=True)
    nn.BCEWithLogitsLoss()(z, t64(Y)).backward()
    np.testing.assert_allclose(z.grad.data, (sigmoid(Z) - Y) / Y.size, **TIGHT)


@few
@given(multiclass_problem(), st.booleans())
def test_softmax_cross_entropy_gradient_is_a_minus_y_over_m(problem, one_hot: bool) -> None:
    Z, y = problem
    m, C = Z.shape
    Y = np.eye(C)[y]
    z = t64(Z, requires_grad=True)
    target = t64(Y) if one_hot else ag.tensor(y)
    nn.CrossEntropyLoss()(z, target).backward()
    np.testing.assert_allclose(z.grad.data, (softmax(Z) - Y) / m, **TIGHT)


@st.composite
def two_layer_problem(draw):
    m, n0, n1 = draw(st.integers(1, 10)), draw(st.integers(1, 4)), draw(st.integers(1, 5))
    X = draw(hnp.arrays(np.float64, (m, n0), elements=st.floats(-2, 2)))
    Y = draw(hnp.arrays(np.float64, (m, 1), elements=st.sampled_from([0.0, 1.0])))
    seed = draw(st.integers(0, 2**32 - 1))
    return X, Y, n1, seed


@few
@given(two_layer_problem(), st.sampled_from(["sigmoid", "relu"]))
def test_two_layer_network_matches_textbook_backprop(problem, hidden: str) -> None:
    """dZ2 = A2 − Y, dW2 = (1/m)·dZ2·A1ᵀ, db2 = (1/m)·Σ dZ2, dZ1 = W2ᵀ·dZ2 ∗ g'(Z1),
    dW1 = (1/m)·dZ1·Xᵀ, db1 = (1/m)·Σ dZ1 — in the course's column layout (examples as
    columns), so our row-layout arrays are transposed."""
    X, Y, n1, seed = problem
    m = X.shape[0]
    ag.manual_seed(seed % 2**31)
    layer1, layer2 = nn.Linear(X.shape[1], n1).double(), nn.Linear(n1, 1).double()
    act = nn.Sigmoid() if hidden == "sigmoid" else nn.ReLU()
    Z1 = layer1(t64(X))
    Z1.retain_grad()
    A1 = act(Z1)
    A2 = layer2(A1).sigmoid()
    nn.BCELoss()(A2, t64(Y)).backward()

    W2 = layer2.weight.data                                     # (1, n1)
    a1, a2, x, y = A1.data.T, A2.data.T, X.T, Y.T               # (n1, m), (1, m), (n0, m)
    dZ2 = a2 - y
    dW2 = dZ2 @ a1.T / m
    db2 = dZ2.sum(axis=1) / m
    g_prime = a1 * (1 - a1) if hidden == "sigmoid" else (Z1.data.T > 0).astype(float)
    dZ1 = (W2.T @ dZ2) * g_prime
    dW1 = dZ1 @ x.T / m
    db1 = dZ1.sum(axis=1) / m

    np.testing.assert_allclose(layer2.weight.grad.data, dW2, **TIGHT)
    np.testing.assert_allclose(layer2.bias.grad.data, db2, **TIGHT)
    np.testing.assert_allclose(Z1.grad.data.T * m, dZ1, **TIGHT)  # graph's dL/dZ1 is dZ1/m
    np.testing.assert_allclose(layer1.weight.grad.data, dW1, **TIGHT)
    np.testing.assert_allclose(layer1.bias.grad.data, db1, **TIGHT)


# ---------------------------------------------------------------------------------------
# Extreme inputs


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_finite_and_correct_at_huge_logits(dtype) -> None:
    z = ag.tensor(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]], dtype=dtype),
                  requires_grad=True)
    loss = F.cross_entropy(z, ag.tensor([0, 0]), reduction="none")
    np.testing.assert_allclose(loss.data, [0.0, 2e4])
    loss.sum().backward()
    np.testing.assert_allclose(z.grad.data, [[0, 0, 0], [-1, 1, 0]], atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_finite_and_correct_at_huge_logits(dtype) -> None:
    z = ag.tensor(np.array([1e4, -1e4, 1e4, -1e4], dtype=dtype), requires_grad=True)
    y = ag.tensor(np.array([1.0, 0.0, 0.0, 1.0], dtype=dtype))
    loss = F.binary_cross_entropy_with_logits(z, y, reduction="none")
    np.testing.assert_allclose(loss.data, [0, 0, 1e4, 1e4])
    loss.sum().backward()
    np.testing.assert_allclose(z.grad.data, [0, 0, 1, -1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_bce_finite_at_huge_logits(dtype) -> None:
    z = ag.tensor(np.array([1e4, -1e4, 1e4, -1e4], dtype=dtype), requires_grad=True)
    y = ag.tensor(np.array([1.0, 0.0, 0.0, 1.0], dtype=dtype))
    loss = F.binary_cross_entropy(z.sigmoid(), y, reduction="none")
    np.testing.assert_allclose(loss.data, [0, 0, 100, 100])  # log clamped at −100
    loss.sum().backward()
    assert np.isfinite(z.grad.data).all()


def test_bce_at_probabilities_exactly_zero_and_one() -> None:
    p = t64([0.0, 1.0, 0.0, 1.0, 0.5], requires_grad=True)
    y = t64([0.0, 1.0, 1.0, 0.0, 1.0])
    loss = F.binary_cross_entropy(p, y, reduction="none")
    np.testing.assert_allclose(loss.data, [0, 0, 100, 100, np.log(2)])
    loss.sum().backward()
    assert np.isfinite(p.grad.data).all()
    np.testing.assert_allclose(p.grad.data[4], -2.0)


# ---------------------------------------------------------------------------------------
# Values against formulas


def test_regression_losses() -> None:
    x, y = np.array([0.0, 1.0, 3.0, -2.0]), np.array([0.5, 1.0, 0.0, 0.0])
    d = x - y
    assert F.mse_loss(t64(x), t64(y)).item() == pytest.approx(np.mean(d**2))
    assert F.l1_loss(t64(x), t64(y), reduction="sum").item() == pytest.approx(np.abs(d).sum())
    huber = np.where(np.abs(d) < 1.5, 0.5 * d**2, 1.5 * (np.abs(d) - 0.75))
    np.testing.assert_allclose(nn.HuberLoss(reduction="none", delta=1.5)(t64(x), t64(y)).data,
                               huber)


def test_cross_entropy_weight_ignore_index_and_smoothing_formulas() -> None:
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(5, 4))
    y = np.array([0, 3, -100, 1, 3])
    w = np.array([0.5, 1.0, 2.0, 3.0])
    logp = np.log(softmax(Z))
    keep = y != -100
    nll = -logp[np.arange(5)[keep], y[keep]]
    got = F.cross_entropy(t64(Z), ag.tensor(y), t64(w)).item()
    assert got == pytest.approx((w[y[keep]] * nll).sum() / w[y[keep]].sum())
    eps = 0.2
    smooth = -logp[keep].sum(axis=1)
    expected = (1 - eps) * nll.mean() + eps / 4 * smooth.mean()
    got = nn.CrossEntropyLoss(label_smoothing=eps)(t64(Z), ag.tensor(y)).item()
    assert got == pytest.approx(expected)
    P = softmax(rng.normal(size=(5, 4)))
    got = F.cross_entropy(t64(Z), t64(P), label_smoothing=eps).item()
    assert got == pytest.approx(-((P * (1 - eps) + eps / 4) * logp).sum(axis=1).mean())


def test_nll_loss_and_spatial_cross_entropy() -> None:
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(2, 3, 4))  # (N, C, d)
    y = rng.integers(0, 3, (2, 4))
    logp = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    expected = -np.take_along_axis(logp, y[:, None], axis=1).mean()
    assert F.cross_entropy(t64(Z), ag.tensor(y)).item() == pytest.approx(expected)
    lp = t64(logp[:, :, 0])
    assert nn.NLLLoss(reduction="sum")(lp, ag.tensor(y[:, 0])).item() == \
        pytest.approx(-logp[[0, 1], y[:, 0], 0].sum())


def test_bce_weight_and_pos_weight() -> None:
    z, y = np.array([[0.3, -1.2], [2.0, 0.1]]), np.array([[1.0, 0.0], [0.0, 1.0]])
    pw, w = np.array([3.0, 0.5]), np.array([[1.0, 2.0], [0.5, 1.0]])
    p = sigmoid(z)
    expected = -w * (pw * y * np.log(p) + (1 - y) * np.log(1 - p))
    got = nn.BCEWithLogitsLoss(t64(w), pos_weight=t64(pw), reduction="none")(t64(z), t64(y))
    np.testing.assert_allclose(got.data, expected)
    got = F.binary_cross_entropy(t64(p), t64(y), t64(w), reduction="sum")
    assert got.item() == pytest.approx(-(w * (y * np.log(p) + (1 - y) * np.log(1 - p))).sum())


def test_weight_is_a_buffer_in_state_dict() -> None:
    loss = nn.CrossEntropyLoss(weight=np.array([1.0, 2.0]))
    assert list(loss.state_dict()) == ["weight"]
    assert list(nn.BCEWithLogitsLoss(pos_weight=np.ones(3)).state_dict()) == ["pos_weight"]


# ---------------------------------------------------------------------------------------
# Bad input


def test_label_out_of_range_names_loss_and_value() -> None:
    with pytest.raises(ValueError, match=r"cross_entropy \(CrossEntropyLoss\).*class 5.*"
                                         r"\[0, 3\)"):
        nn.CrossEntropyLoss()(ag.zeros(2, 3), ag.tensor([0, 5]))
    with pytest.raises(ValueError, match="class -1"):
        F.nll_loss(ag.zeros(2, 3), ag.tensor([-1, 0]))


def test_float_labels_and_shape_mismatch() -> None:
    with pytest.raises(TypeError, match="integer class indices.*float"):
        nn.CrossEntropyLoss()(ag.zeros(4, 3), ag.tensor([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match=r"target of shape \(3,\).*\(4, 3\)"):
        nn.CrossEntropyLoss()(ag.zeros(4, 3), ag.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match=r"mse_loss \(MSELoss\).*\(8, 1\).*\(8,\).*reshape"):
        nn.MSELoss()(ag.zeros(8, 1), ag.zeros(8))
    with pytest.raises(ValueError, match="BCEWithLogitsLoss"):
        nn.BCEWithLogitsLoss()(ag.zeros(3), ag.zeros(3, 1))


def test_bce_rejects_values_outside_unit_interval() -> None:
    with pytest.raises(ValueError, match=r"BCELoss.*input must be probabilities.*1\.5.*sigmoid"):
        nn.BCELoss()(t64([0.5, 1.5]), t64([0.0, 1.0]))
    with pytest.raises(ValueError, match="target must be probabilities"):
        nn.BCELoss()(t64([0.5, 0.5]), t64([0.0, 2.0]))
    with pytest.raises(ValueError, match="target must be probabilities"):
        nn.BCEWithLogitsLoss()(t64([0.5, 0.5]), t64([-1.0, 0.0]))


def test_bad_reduction_and_arguments() -> None:
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"weight must have one entry per class, shape \(3,\)"):
        F.cross_entropy(ag.zeros(2, 3), ag.tensor([0, 1]), weight=ag.ones(2))
    with pytest.raises(TypeError, match="must be a Tensor"):
        F.mse_loss([1.0], ag.zeros(1))
