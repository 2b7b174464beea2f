"""nn.optim.lr_scheduler: learning-rate sequences against their closed-form formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag
from nn import optim
from nn.optim import lr_scheduler as sched


def make_opt(lrs=(0.1,)):
    groups = [{"params": [ag.tensor([1.0], requires_grad=True)], "lr": lr} for lr in lrs]
    return optim.SGD(groups, lr=lrs[0])


def lr_sequence(opt, scheduler, epochs):
    """lrs seen by epochs 0..epochs-1 (the optimizer steps, then the scheduler)."""
    seen = []
    for _ in range(epochs):
        seen.append([g["lr"] for g in opt.param_groups])
        opt.step()
        scheduler.step()
    return np.array(seen)


def check(seq, formula, base_lrs):
    expected = np.array([[formula(base, e) for base in base_lrs] for e in range(len(seq))])
    np.testing.assert_allclose(seq, expected, rtol=1e-12, atol=1e-15)


@given(step_size=st.integers(1, 7), gamma=st.floats(0.05, 0.99))
def test_step_lr(step_size, gamma):
    opt = make_opt((0.1, 0.5))
    s = sched.StepLR(opt, step_size=step_size, gamma=gamma)
    check(lr_sequence(opt, s, 30), lambda b, e: b * gamma ** (e // step_size), [0.1, 0.5])


@given(
    milestones=st.lists(st.integers(1, 25), min_size=1, max_size=4),
    gamma=st.floats(0.05, 0.99),
)
def test_multistep_lr(milestones, gamma):
    opt = make_opt((0.1, 0.5))
    s = sched.MultiStepLR(opt, milestones=milestones, gamma=gamma)
    passed = lambda e: sum(m <= e for m in milestones)  # repeated milestones count twice
    check(lr_sequence(opt, s, 30), lambda b, e: b * gamma ** passed(e), [0.1, 0.5])


@given(gamma=st.floats(0.5, 1.0))
def test_exponential_lr(gamma):
    opt = make_opt((0.1, 0.5))
    s = sched.ExponentialLR(opt, gamma=gamma)
    check(lr_sequence(opt, s, 30), lambda b, e: b * gamma**e, [0.1, 0.5])


@given(T_max=st.integers(1, 12), eta_min=st.sampled_from([0.0, 1e-3, 0.05]))
def test_cosine_annealing_lr(T_max, eta_min):
    opt = make_opt((0.1, 0.5))
    s = sched.CosineAnnealingLR(opt, T_max=T_max, eta_min=eta_min)
    formula = lambda b, e: eta_min + (b - eta_min) * (1 + math.cos(math.pi * e / T_max)) / 2
    seq = lr_sequence(opt, s, 3 * T_max + 2)  # also past T_max: it rises again
    np.testing.assert_allclose(
        seq, [[formula(b, e) for b in (0.1, 0.5)] for e in range(len(seq))], rtol=1e-9, atol=1e-12
    )
    assert seq[T_max][0] == pytest.approx(eta_min, abs=1e-12)


def test_lambda_lr_one_function_per_group():
    opt = make_opt((0.1, 0.5))
    s = sched.LambdaLR(opt, [lambda e: 0.9**e, lambda e: 1 / (e + 1)])
    seq = lr_sequence(opt, s, 10)
    np.testing.assert_allclose(seq[:, 0], [0.1 * 0.9**e for e in range(10)], rtol=1e-12)
    np.testing.assert_allclose(seq[:, 1], [0.5 / (e + 1) for e in range(10)], rtol=1e-12)
    with pytest.raises(ValueError, match="expected 2 lr_lambdas"):
        sched.LambdaLR(make_opt((0.1, 0.5)), [lambda e: 1.0])


def test_get_last_lr_last_epoch_and_initial_lr():
    opt = make_opt((0.2,))
    s = sched.StepLR(opt, step_size=2, gamma=0.5)
    assert s.last_epoch == 0 and s.get_last_lr() == [0.2] and s.base_lrs == [0.2]
    assert opt.param_groups[0]["initial_lr"] == 0.2
    for _ in range(5):
        opt.step()
        s.step()
    assert s.last_epoch == 5
    assert s.get_last_lr() == [opt.param_groups[0]["lr"]] == [pytest.approx(0.05)]


def test_schedulers_chain():
    """Recursive schedulers compose: StepLR then ExponentialLR multiply their factors."""
    opt = make_opt((1.0,))
    a = sched.StepLR(opt, step_size=3, gamma=0.5)
    b = sched.ExponentialLR(opt, gamma=0.9)
    seen = []
    for _ in range(12):
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        a.step()
        b.step()
    np.testing.assert_allclose(seen, [0.5 ** (e // 3) * 0.9**e for e in range(12)], rtol=1e-12)


def test_scheduler_state_dict_round_trip():
    opt = make_opt((0.1,))
    s = sched.CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        opt.step()
        s.step()
    saved = s.state_dict()
    assert "optimizer" not in saved and saved["last_epoch"] == 4
    opt2 = make_opt((0.1,))
    s2 = sched.CosineAnnealingLR(opt2, T_max=10)
    s2.load_state_dict(saved)
    opt2.param_groups[0]["lr"] = opt.param_groups[0]["lr"]
    for _ in range(3):
        s.step()
        s2.step()
    assert s.get_last_lr() == s2.get_last_lr()


def test_scheduler_bad_arguments():
    with pytest.raises(TypeError, match="Optimizer"):
        sched.StepLR("not an optimizer", step_size=1)
    with pytest.raises(ValueError, match="step_size"):
        sched.StepLR(make_opt(), step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        sched.CosineAnnealingLR(make_opt(), T_max=0)
    with pytest.raises(KeyError, match="initial_lr"):
        sched.StepLR(make_opt(), step_size=1, last_epoch=3)


# ------------------------------------------------------------------------------------------
# ReduceLROnPlateau


def plateau_run(metrics, **kw):
    opt = make_opt((1.0,))
    s = sched.ReduceLROnPlateau(opt, **kw)
    lrs = []
    for m in metrics:
        s.step(m)
        lrs.append(opt.param_groups[0]["lr"])
    assert s.get_last_lr() == [lrs[-1]] and s.last_epoch == len(metrics)
    return lrs


def test_plateau_reduces_after_patience():
    # best 1.0 at epoch 1; epochs 2, 3 bad (<= patience); epoch 4 is the 3rd bad -> reduce
    lrs = plateau_run([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], factor=0.5, patience=2)
    assert lrs == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]


def test_plateau_improvement_resets_and_threshold_rel():
    # 0.99995 is not better than 1.0 by the default relative threshold 1e-4
    lrs = plateau_run([1.0, 0.99995, 0.5, 0.5, 0.4], factor=0.1, patience=1)
    assert lrs == [1.0, 1.0, 1.0, 1.0, 1.0]  # 0.5 improved, 0.4 improved
    lrs = plateau_run([1.0, 0.99995, 0.99994], factor=0.1, patience=1)
    assert lrs == pytest.approx([1.0, 1.0, 0.1])


def test_plateau_threshold_abs_mode_max_cooldown_and_min_lr():
    kw = dict(mode="max", factor=0.5, patience=0, threshold=0.1, threshold_mode="abs")
    # max mode: 1.05 is not > 1.0 + 0.1 -> bad -> reduce at once (patience 0)
    assert plateau_run([1.0, 1.05, 1.2], **kw) == [1.0, 0.5, 0.5]  # 1.2 improves
    lrs = plateau_run([1.0, 1.0, 1.0, 1.0, 1.0], cooldown=2, **kw)
    assert lrs == [1.0, 0.5, 0.5, 0.5, 0.25]  # two cooldown epochs ignore bad epochs
    lrs = plateau_run([1.0] * 6, min_lr=0.3, **kw)
    assert lrs == [1.0, 0.5, 0.3, 0.3, 0.3, 0.3]


def test_plateau_accepts_tensor_metric_and_rejects_bad_arguments():
    assert plateau_run([ag.tensor(2.0), ag.tensor(2.0)], patience=0) == [1.0, pytest.approx(0.1)]
    with pytest.raises(ValueError, match="factor"):
        sched.ReduceLROnPlateau(make_opt(), factor=1.0)
    with pytest.raises(ValueError, match="mode"):
        sched.ReduceLROnPlateau(make_opt(), mode="up")
    with pytest.raises(ValueError, match="threshold_mode"):
        sched.ReduceLROnPlateau(make_opt(), threshold_mode="percent")
    with pytest.raises(ValueError, match="min_lrs"):
        sched.ReduceLROnPlateau(make_opt((0.1, 0.2)), min_lr=[0.0])
    with pytest.raises(ValueError, match="patience"):
        sched.ReduceLROnPlateau(make_opt(), patience=-1)
