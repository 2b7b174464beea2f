"""nn.utils.GradientMonitor flags each failure mode built on purpose — and only it."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag
import nn

KINDS = ("vanishing", "exploding", "dead ReLU", "saturated")


def _data(n: int = 128, features: int = 20, classes: int = 3):
    rng = np.random.default_rng(0)
    X = ag.tensor(rng.standard_normal((n, features)).astype(np.float32))
    return X, ag.tensor(rng.integers(0, classes, n))


def _train(model: nn.Module, lr: float = 0.05, steps: int = 3) -> nn.utils.GradientMonitor:
    X, y = _data()
    opt = nn.optim.SGD(model.parameters(), lr=lr)
    with nn.utils.GradientMonitor(model) as monitor:
        for _ in range(steps):
            opt.zero_grad()
            nn.CrossEntropyLoss()(model(X), y).backward()
            opt.step()
    return monitor


def _kinds(monitor: nn.utils.GradientMonitor) -> set[str]:
    return {k for k in KINDS for w in monitor.warnings() if k in w}


def _mlp(widths: list[int], activation, init=None) -> nn.Sequential:
    layers: list[nn.Module] = []
    for n_in, n_out in zip(widths[:-2], widths[1:-1]):
        layer = nn.Linear(n_in, n_out)
        if init is not None:
            init(layer)
        layers += [layer, activation()]
    return nn.Sequential(*layers, nn.Linear(widths[-2], widths[-1]))


def test_healthy_he_initialised_relu_mlp_raises_no_warning() -> None:
    ag.manual_seed(0)
    he = lambda layer: nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    monitor = _train(_mlp([20, 64, 64, 64, 3], nn.ReLU, he))
    assert monitor.warnings() == []
    assert "no warnings" in monitor.summary()
    rows = monitor.report()
    assert [r["layer"] for r in rows] == [str(i) for i in range(7)]
    assert all(0 < r["grad_norm"] < 10 for r in rows if r["type"] == "Linear")
    assert all(0 < r["update_ratio"] < 1 for r in rows if r["type"] == "Linear")


def test_deep_sigmoid_with_naive_small_init_is_vanishing() -> None:
    ag.manual_seed(0)
    rng = np.random.default_rng(1)

    def naive(layer):
        with ag.no_grad():
            layer.weight.data[...] = rng.standard_normal(layer.weight.shape) * 0.01

    monitor = _train(_mlp([20] + [32] * 10 + [3], nn.Sigmoid, naive))
    assert _kinds(monitor) == {"vanishing"}
    first = next(w for w in monitor.warnings() if w.startswith("layer 0:"))
    assert "smaller than layer" in first and "ReLU/He init" in first


def test_relu_layer_with_large_negative_bias_is_dead() -> None:
    ag.manual_seed(0)
    model = _mlp([20, 64, 3], nn.ReLU)
    with ag.no_grad():
        model[0].bias.data[:40] = -100.0  # 40 of 64 units never fire
    monitor = _train(model, steps=1)
    assert _kinds(monitor) == {"dead ReLU"}
    relu = next(r for r in monitor.report() if r["type"] == "ReLU")
    assert relu["dead_fraction"] == pytest.approx(40 / 64)
    assert any("62% dead ReLU units" in w for w in monitor.warnings())


def test_large_weight_tanh_is_saturated() -> None:
    ag.manual_seed(0)
    model = _mlp([20, 64, 3], nn.Tanh)
    with ag.no_grad():
        model[0].weight.data *= 100.0
    monitor = _train(model, steps=1)
    assert _kinds(monitor) == {"saturated"}
    tanh = next(r for r in monitor.report() if r["type"] == "Tanh")
    assert tanh["saturated_fraction"] > 0.9


def test_huge_learning_rate_is_exploding() -> None:
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), nn.Tanh(), nn.Linear(64, 3))
    with ag.no_grad():
        model[2].weight.data *= 1e4
    monitor = _train(model, lr=1e6, steps=1)
    assert "exploding" in _kinds(monitor)
    assert any("clip_grad_norm_" in w for w in monitor.warnings())


def test_nan_gradient_is_reported_as_exploding() -> None:
    model = nn.Sequential(nn.Linear(4, 3))
    X, y = ag.ones(2, 4), ag.tensor([0, 1])
    with nn.utils.GradientMonitor(model) as monitor:
        loss = nn.CrossEntropyLoss()(model(X), y) * float("nan")
        loss.backward()
    assert monitor.report()[0]["grad_nonfinite"] is True
    assert any("NaN/Inf in the gradient" in w for w in monitor.warnings())


def test_detached_monitor_leaves_no_hooks_and_records_nothing() -> None:
    model = _mlp([20, 8, 3], nn.ReLU)
    monitor = _train(model, steps=2)
    recorded = len(monitor.history)
    X, y = _data()
    nn.CrossEntropyLoss()(model(X), y).backward()
    assert len(monitor.history) == recorded
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    assert all(not p._hooks for p in model.parameters())


def test_history_and_plot(tmp_path) -> None:
    monitor = _train(_mlp([20, 8, 3], nn.ReLU), steps=4)
    histories = dict(monitor.grad_norm_history())
    assert set(histories) == {"0", "2"} and all(len(v) == 4 for v in histories.values())
    path = monitor.plot(str(tmp_path / "norms.png"))
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_thresholds_are_parameters() -> None:
    ag.manual_seed(0)
    model = _mlp([20, 64, 3], nn.ReLU)
    with ag.no_grad():
        model[0].bias.data[:10] = -100.0  # 16 % dead: below the default threshold
    assert "dead ReLU" not in _kinds(_train(model, steps=1))
    X, y = _data()
    with nn.utils.GradientMonitor(model, dead_fraction=0.1) as monitor:
        nn.CrossEntropyLoss()(model(X), y).backward()
    assert "dead ReLU" in _kinds(monitor)
    with pytest.raises(TypeError, match="unknown threshold"):
        nn.utils.GradientMonitor(model, dead=0.1)
