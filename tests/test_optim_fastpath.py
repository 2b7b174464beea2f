"""The shortcuts of Optimizer.step keep its semantics: hyperparameters changed between steps
(also to numpy scalars) take effect at once and as Python floats; maximize and the L2
penalty, now applied by the base class, act as PyTorch's; SGD's state stays empty without
momentum; every step bumps the parameter's version."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag
from nn import optim

ALL = ["SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW"]


def _param(values=(0.5, -1.0, 2.0)):
    return ag.tensor(np.array(values, dtype=np.float32), requires_grad=True)


def _set_grad(p, values):
    p.grad = ag.tensor(np.asarray(values, dtype=np.float32))


@pytest.mark.parametrize("lr", [np.float32(0.3), np.float64(0.2), 1, 0.05])
def test_lr_set_between_steps_is_used_next_step_as_a_python_float(lr):
    w = _param()
    opt = optim.SGD([w], lr=0.1)
    _set_grad(w, [0.5, 0.25, -1.0])
    opt.step()
    opt.param_groups[0]["lr"] = lr
    before = w.data.copy()
    opt.step()
    assert w.data.dtype == np.float32
    np.testing.assert_array_equal(w.data, before - float(lr) * w.grad.data)
    assert opt.param_groups[0]["lr"] is lr  # the group keeps what was set


def test_betas_set_to_numpy_scalars_act_as_the_same_floats():
    def run(betas):
        w = _param()
        opt = optim.Adam([w], lr=0.1)
        for step in range(4):
            _set_grad(w, [0.5 * step, 0.25, -1.0])
            if step == 2:
                opt.param_groups[0]["betas"] = betas
            opt.step()
        return w.data

    plain = run((0.5, 0.75))
    np.testing.assert_array_equal(run((np.float64(0.5), np.float32(0.75))), plain)
    np.testing.assert_array_equal(run((0.5, 0.75)), plain)
    assert not np.array_equal(plain, run((0.9, 0.999)))  # the change did take effect


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_maximize_descends_the_negated_gradient(name, weight_decay):
    """PyTorch: g ← −∇f, then the L2 penalty g ← g + λθ (or AdamW's decoupled decay)."""
    grads = [[0.5, 0.25, -1.0], [-0.3, 0.7, 0.1], [0.2, -0.4, 0.9]]

    def run(maximize):
        w = _param()
        opt = getattr(optim, name)([w], lr=0.1, weight_decay=weight_decay, maximize=maximize)
        for g in grads:
            _set_grad(w, g if not maximize else np.negative(g))
            opt.step()
        return w.data

    np.testing.assert_array_equal(run(maximize=True), run(maximize=False))


def test_sgd_keeps_an_empty_state_without_momentum():
    w = _param()
    plain, heavy = optim.SGD([w], lr=0.1), optim.SGD([w], lr=0.1, momentum=0.9)
    for _ in range(3):
        _set_grad(w, [1.0, 1.0, 1.0])
        plain.step()
        heavy.step()
    assert plain.state_dict()["state"] == {} and not plain.state[w]
    assert set(heavy.state_dict()["state"][0]) == {"momentum_buffer"}


@pytest.mark.parametrize("name", ALL)
def test_every_step_bumps_the_version_of_the_parameter_and_its_aliases(name):
    w = _param()
    alias = w.detach().requires_grad_()  # shares w's memory
    y = (alias * alias).sum()
    opt = getattr(optim, name)([w], lr=0.1)
    for expected in (1, 2):
        _set_grad(w, [1.0, 1.0, 1.0])
        opt.step()
        assert w._version == expected
    with pytest.raises(RuntimeError, match="in-place"):
        y.backward()


def test_step_leaves_grad_mode_alone_and_records_no_graph():
    w = _param()
    opt = optim.Adam([w], lr=0.1)
    (w * w).sum().backward(create_graph=True)  # a grad that has a graph of its own
    opt.step()
    assert ag.is_grad_enabled() and w.grad_fn is None and w.is_leaf


@pytest.mark.parametrize("hp", [dict(weight_decay=0.1), dict(maximize=True),
                                dict(dampening=0.5), dict(nesterov=True)])
def test_sgd_momentum_buffer_of_a_0d_parameter_keeps_accumulating(hp):
    """numpy's 0-d arithmetic (-g, g + λθ) gives scalars, not arrays; the buffer must
    still be an array updated in place, as for any other shape."""
    w = ag.tensor(np.float32(1.0), requires_grad=True)
    v = ag.tensor(np.ones(1, np.float32), requires_grad=True)
    opt = optim.SGD([w, v], lr=0.1, momentum=0.9, **hp)
    for g in (0.5, -0.25, 1.0):
        w.grad, v.grad = ag.tensor(np.float32(g)), ag.tensor(np.full(1, g, np.float32))
        opt.step()
    buf = opt.state[w]["momentum_buffer"]
    assert isinstance(buf, np.ndarray) and buf.shape == () and buf.dtype == np.float32
    np.testing.assert_array_equal(buf, opt.state[v]["momentum_buffer"][0])
    np.testing.assert_array_equal(w.data, v.data[0])
