"""Layers' forward semantics: Linear, Dropout, BatchNorm, LayerNorm, Embedding, Flatten,
activations, and Conv2d / MaxPool2d / AvgPool2d against slow loop references."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
import nn
import nn.functional as F

few = settings(max_examples=min(settings.default.max_examples, 15), deadline=None)


def t64(a: np.ndarray, requires_grad: bool = False) -> ag.Tensor:
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


# ---------------------------------------------------------------------------------------
# Linear


def test_linear_shapes_and_formula() -> None:
    lin = nn.Linear(4, 3)
    assert lin.weight.shape == (3, 4) and lin.bias.shape == (3,)
    assert lin.weight.dtype == ag.get_default_dtype()
    x = ag.randn(2, 5, 4)
    np.testing.assert_allclose(lin(x).data, x.data @ lin.weight.data.T + lin.bias.data,
                               rtol=1e-6)


def test_linear_default_init_is_uniform_one_over_sqrt_fan_in() -> None:
    ag.manual_seed(1)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for p in (lin.weight, lin.bias):
        assert np.abs(p.data).max() <= bound
        assert np.abs(p.data).max() > 0.97 * bound
    assert abs(lin.weight.data.std() - bound / math.sqrt(3)) < 0.01 * bound


def test_linear_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(-1, 2)
    with pytest.raises(TypeError, match="out_features must be an int >= 0, got 2.5"):
        nn.Linear(2, 2.5)
    with pytest.raises(ValueError, match=r"kernel_size must be an int >= 1 or a tuple of 2"):
        nn.Conv2d(1, 1, (2, 2, 2))
    with pytest.raises(TypeError, match="padding_idx must be an int"):
        nn.Embedding(3, 2, padding_idx="x")


# ---------------------------------------------------------------------------------------
# Dropout


def test_dropout_train_scales_kept_units_and_eval_is_identity() -> None:
    ag.manual_seed(0)
    d = nn.Dropout(0.25)
    x = ag.ones(200, 100)
    y = d(x).data
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.02
    d.eval()
    assert d(x) is x


def test_dropout_is_reproducible_and_edge_probabilities() -> None:
    x = ag.ones(10, 10)
    ag.manual_seed(3)
    a = nn.Dropout(0.5)(x).data
    ag.manual_seed(3)
    b = nn.Dropout(0.5)(x).data
    np.testing.assert_array_equal(a, b)
    assert np.all(nn.Dropout(1.0)(x).data == 0)
    assert nn.Dropout(0.0)(x) is x
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


# ---------------------------------------------------------------------------------------
# BatchNorm


def test_batchnorm1d_train_normalizes_and_updates_running_stats() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=(16, 3))
    bn = nn.BatchNorm1d(3).double()
    y = bn(t64(x)).data
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=0), 1, atol=1e-3)
    np.testing.assert_allclose(bn.running_mean.data, 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(bn.running_var.data, 0.9 + 0.1 * x.var(axis=0, ddof=1))
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    expected = (x - bn.running_mean.data) / np.sqrt(bn.running_var.data + 1e-5)
    np.testing.assert_allclose(bn(t64(x)).data, expected)
    assert bn.num_batches_tracked.item() == 1


def test_batchnorm1d_three_d_input_and_cumulative_average() -> None:
    rng = np.random.default_rng(1)
    bn = nn.BatchNorm1d(2, momentum=None).double()
    batches = [rng.normal(size=(4, 2, 5)) for _ in range(3)]
    for b in batches:
        bn(t64(b))
    np.testing.assert_allclose(bn.running_mean.data,
                               np.mean([b.mean(axis=(0, 2)) for b in batches], axis=0))
    np.testing.assert_allclose(bn.running_var.data,
                               np.mean([b.var(axis=(0, 2), ddof=1) for b in batches], axis=0))


def test_batchnorm_errors_change_no_state() -> None:
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(ag.ones(1, 3))
    with pytest.raises(ValueError, match=r"2D or 3D input with 3 channels.*\(4, 3, 2, 2\)"):
        bn(ag.ones(4, 3, 2, 2))
    with pytest.raises(ValueError, match="3 channels"):
        bn(ag.ones(4, 5))
    assert bn.num_batches_tracked.item() == 0
    assert np.all(bn.running_mean.data == 0)


def test_batchnorm2d_per_channel() -> None:
    x = np.random.default_rng(2).normal(size=(3, 2, 4, 4))
    y = nn.BatchNorm2d(2).double()(t64(x)).data
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)


# ---------------------------------------------------------------------------------------
# LayerNorm, Embedding, Flatten, activations


def test_layernorm_over_trailing_dims() -> None:
    x = np.random.default_rng(3).normal(size=(2, 3, 4))
    ln = nn.LayerNorm((3, 4)).double()
    y = ln(t64(x)).data
    m = x.mean(axis=(1, 2), keepdims=True)
    v = x.var(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(y, (x - m) / np.sqrt(v + 1e-5))
    with pytest.raises(ValueError, match=r"does not end with normalized_shape \(3, 4\)"):
        ln(ag.ones(2, 4, 3))


def test_embedding_lookup_padding_and_errors() -> None:
    ag.manual_seed(0)
    emb = nn.Embedding(5, 3, padding_idx=1)
    assert np.all(emb.weight.data[1] == 0)
    idx = ag.tensor([[0, 1, 4], [1, 1, 2]])
    out = emb(idx)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.data, emb.weight.data[idx.data])
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.data[:, 0], [1, 0, 1, 0, 1])
    with pytest.raises(IndexError, match="out of range"):
        emb(ag.tensor([5]))
    with pytest.raises(TypeError, match="integer"):
        emb(ag.tensor([0.0]))
    assert abs(nn.Embedding(1000, 50).weight.data.std() - 1) < 0.02


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3, math.inf])
def test_embedding_max_norm_rescales_looked_up_rows_in_place(norm_type) -> None:
    rows = np.array([[3.0, 4.0], [0.3, 0.4], [-6.0, 8.0], [1.0, -1.0]])
    emb = nn.Embedding.from_pretrained(rows, freeze=False, max_norm=2.0, norm_type=norm_type)
    out = emb(ag.tensor([[0, 1], [0, 1]]))
    norms = np.linalg.norm(rows, ord=norm_type, axis=1)
    expected = rows.copy()
    for i in (0, 1):  # looked up: rescaled if over max_norm; rows 2 and 3 untouched
        if norms[i] > 2.0:
            expected[i] *= 2.0 / (norms[i] + 1e-7)
    np.testing.assert_allclose(emb.weight.data, expected, rtol=1e-12)
    np.testing.assert_allclose(out.data, expected[[[0, 1], [0, 1]]], rtol=1e-12)
    assert np.isclose(np.linalg.norm(emb.weight.data[0], ord=norm_type), 2.0)
    out.sum().backward()  # the rescaled row is the weight now: gradient of a plain lookup
    np.testing.assert_array_equal(emb.weight.grad.data, [[2, 2], [2, 2], [0, 0], [0, 0]])


def test_embedding_scale_grad_by_freq_divides_by_index_counts() -> None:
    w = ag.tensor(np.arange(10.0).reshape(5, 2), requires_grad=True)
    idx = ag.tensor([[0, 2, 2], [2, 4, 0]])
    g = np.arange(12.0).reshape(2, 3, 2)
    out = nn.functional.embedding(idx, w, scale_grad_by_freq=True)
    np.testing.assert_array_equal(out.data, w.data[idx.data])  # the forward is unchanged
    (out * ag.tensor(g)).sum().backward()
    expected = np.zeros((5, 2))
    counts = np.bincount(idx.data.ravel(), minlength=5)
    for pos, i in np.ndenumerate(idx.data):
        expected[i] += g[pos] / counts[i]
    np.testing.assert_allclose(w.grad.data, expected, rtol=1e-12)
    plain = ag.tensor(np.arange(10.0).reshape(5, 2), requires_grad=True)
    (nn.functional.embedding(idx, plain, sparse=True) * ag.tensor(g)).sum().backward()
    assert not np.allclose(plain.grad.data, expected)  # without the scaling: the plain sums


def test_embedding_extra_repr_lists_the_settings_as_pytorch() -> None:
    assert repr(nn.Embedding(5, 3)) == "Embedding(5, 3)"
    assert repr(nn.Embedding(5, 3, 1, max_norm=1, norm_type=1.0, scale_grad_by_freq=True,
                             sparse=True)) == ("Embedding(5, 3, padding_idx=1, max_norm=1, "
                                               "norm_type=1.0, scale_grad_by_freq=True, "
                                               "sparse=True)")


def test_embedding_from_pretrained_is_frozen() -> None:
    emb = nn.Embedding.from_pretrained(np.arange(6.0).reshape(3, 2))
    assert not emb.weight.requires_grad
    np.testing.assert_array_equal(emb(ag.tensor([2])).data, [[4.0, 5.0]])


def test_flatten_and_identity() -> None:
    x = ag.ones(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Identity(1, k=2)(x) is x


def test_activation_modules_match_formulas() -> None:
    z = np.linspace(-4, 4, 17)
    x = t64(z)
    cases = {
        nn.ReLU(): np.maximum(z, 0),
        nn.LeakyReLU(0.1): np.where(z > 0, z, 0.1 * z),
        nn.Sigmoid(): 1 / (1 + np.exp(-z)),
        nn.Tanh(): np.tanh(z),
        nn.ELU(): np.where(z > 0, z, np.expm1(z)),
        nn.Softplus(): np.log1p(np.exp(z)),
        nn.GELU(): z * 0.5 * (1 + np.vectorize(math.erf)(z / math.sqrt(2))),
        nn.GELU("tanh"): 0.5 * z * (1 + np.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3))),
        nn.Softmax(dim=0): np.exp(z) / np.exp(z).sum(),
        nn.LogSoftmax(dim=0): z - np.log(np.exp(z).sum()),
    }
    for module, expected in cases.items():
        np.testing.assert_allclose(module(x).data, expected, rtol=1e-12, atol=1e-12,
                                   err_msg=repr(module))


def test_softmax_implicit_dim_warns_like_pytorch() -> None:
    with pytest.warns(UserWarning, match="Implicit dimension"):
        out = nn.Softmax()(ag.ones(2, 3))
    np.testing.assert_allclose(out.data.sum(axis=1), 1)


# ---------------------------------------------------------------------------------------
# Convolution and pooling against direct loops


def conv2d_loop(x, w, b, stride, padding, dilation, groups):
    N, C, H, W = x.shape
    O, Cg, kH, kW = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    Ho = (H + 2 * ph - dh * (kH - 1) - 1) // sh + 1
    Wo = (W + 2 * pw - dw * (kW - 1) - 1) // sw + 1
    out = np.zeros((N, O, Ho, Wo))
    per_group = O // groups
    for n in range(N):
        for o in range(O):
            g = o // per_group
            for i in range(Ho):
                for j in range(Wo):
                    total = 0.0 if b is None else b[o]
                    for c in range(Cg):
                        for u in range(kH):
                            for v in range(kW):
                                total += (w[o, c, u, v]
                                          * xp[n, g * Cg + c, i * sh + u * dh, j * sw + v * dw])
                    out[n, o, i, j] = total
    return out


def pool_loop(x, k, s, p, reduce, count_include_pad=True):
    N, C, H, W = x.shape
    Ho = (H + 2 * p - k) // s + 1
    Wo = (W + 2 * p - k) // s + 1
    out = np.zeros((N, C, Ho, Wo))
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    vals, cells = [], 0
                    for u in range(k):
                        for v in range(k):
                            r, q = i * s + u - p, j * s + v - p
                            cells += 1
                            if 0 <= r < H and 0 <= q < W:
                                vals.append(x[n, c, r, q])
                    if reduce == "max":
                        out[n, c, i, j] = max(vals)
                    else:
                        out[n, c, i, j] = sum(vals) / (cells if count_include_pad else len(vals))
    return out


conv_configs = st.fixed_dictionaries({
    "N": st.integers(1, 2), "groups": st.sampled_from([1, 2]), "cg": st.integers(1, 2),
    "og": st.integers(1, 2), "k": st.tuples(st.integers(1, 3), st.integers(1, 3)),
    "stride": st.tuples(st.integers(1, 2), st.integers(1, 2)),
    "padding": st.tuples(st.integers(0, 2), st.integers(0, 2)),
    "dilation": st.tuples(st.integers(1, 2), st.integers(1, 2)),
    "H": st.integers(5, 7), "W": st.integers(5, 7), "bias": st.booleans(),
})


@few
@given(conv_configs, st.integers(0, 2**32 - 1))
def test_conv2d_matches_loop_reference(cfg: dict, seed: int) -> None:
    rng = np.random.default_rng(seed)
    C, O = cfg["cg"] * cfg["groups"], cfg["og"] * cfg["groups"]
    x = rng.normal(size=(cfg["N"], C, cfg["H"], cfg["W"]))
    conv = nn.Conv2d(C, O, cfg["k"], cfg["stride"], cfg["padding"], cfg["dilation"],
                     cfg["groups"], bias=cfg["bias"]).double()
    expected = conv2d_loop(x, conv.weight.data, None if conv.bias is None else conv.bias.data,
                           cfg["stride"], cfg["padding"], cfg["dilation"], cfg["groups"])
    np.testing.assert_allclose(conv(t64(x)).data, expected, rtol=1e-10, atol=1e-12)


def test_conv2d_same_padding_unbatched_and_errors() -> None:
    conv = nn.Conv2d(2, 3, 3, padding="same").double()
    x = np.random.default_rng(0).normal(size=(2, 5, 6))
    out = conv(t64(x))
    assert out.shape == (3, 5, 6)
    np.testing.assert_allclose(out.data, conv2d_loop(x[None], conv.weight.data, conv.bias.data,
                                                     (1, 1), (1, 1), (1, 1), 1)[0])
    with pytest.raises(ValueError, match="3 channels.*expects in_channels=2"):
        conv(ag.ones(1, 3, 5, 5))
    with pytest.raises(ValueError, match="larger than the padded input"):
        nn.Conv2d(1, 1, 5)(ag.ones(1, 1, 3, 3))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)


def test_conv2d_default_init_bound() -> None:
    conv = nn.Conv2d(8, 16, 3)
    bound = 1 / math.sqrt(8 * 9)
    assert np.abs(conv.weight.data).max() <= bound
    assert np.abs(conv.bias.data).max() <= bound


pool_configs = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(0, 1))


@few
@given(pool_configs, st.integers(0, 2**32 - 1))
def test_max_pool2d_matches_loop_reference(cfg: tuple, seed: int) -> None:
    k, s, p = cfg
    p = min(p, k // 2)
    x = np.random.default_rng(seed).normal(size=(2, 2, 6, 5))
    np.testing.assert_array_equal(nn.MaxPool2d(k, s, p)(t64(x)).data,
                                  pool_loop(x, k, s, p, "max"))


@few
@given(pool_configs, st.booleans(), st.integers(0, 2**32 - 1))
def test_avg_pool2d_matches_loop_reference(cfg: tuple, include: bool, seed: int) -> None:
    k, s, p = cfg
    p = min(p, k // 2)
    x = np.random.default_rng(seed).normal(size=(2, 2, 6, 5))
    out = nn.AvgPool2d(k, s, p, count_include_pad=include)(t64(x)).data
    np.testing.assert_allclose(out, pool_loop(x, k, s, p, "avg", include), rtol=1e-12)


def test_pool_stride_defaults_to_kernel_and_ceil_mode() -> None:
    x = t64(np.arange(25.0).reshape(1, 1, 5, 5))
    assert nn.MaxPool2d(2)(x).shape == (1, 1, 2, 2)
    out = nn.MaxPool2d(2, ceil_mode=True)(x)
    np.testing.assert_array_equal(out.data[0, 0], [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
    avg = nn.AvgPool2d(2, ceil_mode=True)(x).data[0, 0]
    assert avg[2, 2] == 24 and avg[0, 2] == (4 + 9) / 2  # ceil cells never count
    with pytest.raises(ValueError, match="at most half"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match="3-D.*4-D"):
        F.avg_pool2d(ag.ones(5, 5), 2)
