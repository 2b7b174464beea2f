"""Anomaly mode: the first op whose forward or backward makes NaN/Inf raises, naming the op
and the file:line of user code where it was created."""

from __future__ import annotations

import inspect
import os
import threading

import numpy as np
import pytest

import autograd_lite as ag

HERE = os.path.basename(__file__)
# numpy warns about log(-1) and 1/0 on its own; these tests make such values on purpose
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _next_line() -> int:
    """The line number just after the caller's line."""
    return inspect.currentframe().f_back.f_lineno + 1


def _mlp_params():
    rng = np.random.default_rng(0)
    w1 = ag.tensor(rng.normal(size=(3, 8)).astype(np.float32), requires_grad=True)
    b1 = ag.tensor(np.zeros(8, dtype=np.float32), requires_grad=True)
    w2 = ag.tensor(rng.normal(size=(8, 1)).astype(np.float32), requires_grad=True)
    return w1, b1, w2


def _mlp_log(x, w1, b1, w2):
    h = (x @ w1 + b1).tanh()
    out = h @ w2 - 100.0  # certainly negative
    line = _next_line()
    return out.log(), line


def test_forward_nan_inside_an_mlp_names_log_and_the_user_line():
    w1, b1, w2 = _mlp_params()
    x = ag.tensor(np.ones((4, 3), dtype=np.float32))
    with ag.detect_anomaly():
        with pytest.raises(RuntimeError) as info:
            _mlp_log(x, w1, b1, w2)
    msg = str(info.value)
    expected_line = inspect.getsourcelines(_mlp_log)[1] + 4  # the `return out.log()` line
    assert "'log'" in msg
    assert "NaN" in msg or "Inf" in msg
    assert f"{HERE}:{expected_line}" in msg, msg


def test_forward_anomaly_line_is_the_calling_line():
    x = ag.tensor([-1.0, 2.0], requires_grad=True)
    with ag.detect_anomaly():
        with pytest.raises(RuntimeError, match="'log'") as info:
            line = _next_line()
            x.log()
    assert f"{HERE}:{line}" in str(info.value)


def test_backward_inf_names_sqrt_and_where_it_was_made():
    x = ag.tensor([0.0, 4.0], requires_grad=True)
    with ag.detect_anomaly():
        line = _next_line()
        y = x.sqrt()
        loss = (y * 3).sum()
        assert np.isfinite(loss.item())  # the forward is fine: sqrt(0) = 0
        with pytest.raises(RuntimeError) as info:
            loss.backward()
    msg = str(info.value)
    assert "backward" in msg and "'sqrt'" in msg
    assert "NaN" in msg or "Inf" in msg
    assert f"{HERE}:{line}" in msg, msg
    assert x.grad is None  # the error came before any accumulation


def test_backward_nan_inside_an_mlp_is_caught():
    w1, b1, w2 = _mlp_params()
    x = ag.tensor(np.ones((4, 3), dtype=np.float32))
    with ag.detect_anomaly():
        h = (x @ w1 + b1).relu()
        out = (h @ w2).sum()
        line = _next_line()
        z = (out * 0.0).sqrt()  # forward sqrt(0) = 0; backward 1/0
        with pytest.raises(RuntimeError, match=r"'sqrt'") as info:
            z.backward()
    assert f"{HERE}:{line}" in str(info.value)


def test_outside_anomaly_mode_no_error():
    x = ag.tensor([-1.0, 0.0], requires_grad=True)
    y = x.log()  # NaN and -Inf, silently (as PyTorch outside anomaly mode)
    assert np.isnan(y.numpy()[0]) and np.isinf(y.numpy()[1])
    z = ag.tensor([0.0], requires_grad=True)
    z.sqrt().sum().backward()
    assert np.isinf(z.grad.numpy()[0])
    w1, b1, w2 = _mlp_params()
    out, _ = _mlp_log(ag.tensor(np.ones((2, 3), dtype=np.float32)), w1, b1, w2)
    assert np.isnan(out.numpy()).all()


def test_anomaly_mode_is_scoped_and_reports_enabled():
    assert not ag.is_anomaly_enabled()
    with ag.detect_anomaly():
        assert ag.is_anomaly_enabled()
        ok = ag.tensor([1.0, 2.0], requires_grad=True).log().sum()
        ok.backward()  # finite values: nothing raised
    assert not ag.is_anomaly_enabled()


def test_anomaly_mode_is_thread_local():
    seen = {}

    def worker():
        seen["enabled"] = ag.is_anomaly_enabled()

    with ag.detect_anomaly():
        th = threading.Thread(target=worker)
        th.start()
        th.join(10)
    assert seen["enabled"] is False


def test_custom_function_producing_nan_is_named():
    class BadFn(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * np.nan

        @staticmethod
        def backward(ctx, g):
            return g

    x = ag.tensor([1.0], requires_grad=True)
    with ag.detect_anomaly():
        with pytest.raises(RuntimeError, match="BadFn") as info:
            line = _next_line()
            BadFn.apply(x)
    assert f"{HERE}:{line}" in str(info.value)


def test_custom_function_backward_producing_inf_is_named():
    class BadGrad(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * np.inf

    x = ag.tensor([1.0], requires_grad=True)
    with ag.detect_anomaly():
        y = BadGrad.apply(x).sum()
        with pytest.raises(RuntimeError, match="backward of 'BadGrad'"):
            y.backward()


def test_anomaly_mode_decorator():
    @ag.detect_anomaly()
    def f(t):
        return t.log()

    with pytest.raises(RuntimeError, match="'log'"):
        f(ag.tensor([-1.0]))
    assert not ag.is_anomaly_enabled()
