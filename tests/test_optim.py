"""nn.optim: every update rule against plain-numpy implementations of PyTorch's documented
algorithms (float64, tight tolerance), plus the base-class contract (param groups,
zero_grad, skipping None grads, in-place updates, state dicts) and bad-input errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag
from nn import optim

# ------------------------------------------------------------------------------------------
# Reference algorithms, transcribed from the pseudo-code in PyTorch's documentation.
# Each takes (theta, g, state, t, hp) with t = 1, 2, ... and returns the new theta; the
# state dict is per parameter and starts empty.


def ref_sgd(theta, g, s, t, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    if weight_decay != 0:
        g = g + weight_decay * theta
    if momentum != 0:
        if t > 1:
            s["b"] = momentum * s["b"] + (1 - dampening) * g
        else:
            s["b"] = g
        g = g + momentum * s["b"] if nesterov else s["b"]
    return theta - lr * g


def ref_adagrad(
    theta,
    g,
    s,
    t,
    lr=1e-2,
    lr_decay=0.0,
    weight_decay=0.0,
    initial_accumulator_value=0.0,
    eps=1e-10,
):
    s.setdefault("sum", np.full_like(theta, initial_accumulator_value))
    lr_t = lr / (1 + (t - 1) * lr_decay)
    if weight_decay != 0:
        g = g + weight_decay * theta
    s["sum"] = s["sum"] + g**2
    return theta - lr_t * g / (np.sqrt(s["sum"]) + eps)


def ref_adadelta(theta, g, s, t, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    v, u = s.get("v", np.zeros_like(theta)), s.get("u", np.zeros_like(theta))
    if weight_decay != 0:
        g = g + weight_decay * theta
    v = rho * v + (1 - rho) * g**2
    dx = np.sqrt(u + eps) / np.sqrt(v + eps) * g
    u = rho * u + (1 - rho) * dx**2
    s.update(v=v, u=u)
    return theta - lr * dx


def ref_rmsprop(
    theta,
    g,
    s,
    t,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
):
    v, b, gave = (s.get(k, np.zeros_like(theta)) for k in ("v", "b", "gave"))
    if weight_decay != 0:
        g = g + weight_decay * theta
    v = alpha * v + (1 - alpha) * g**2
    v_tilde = v
    if centered:
        gave = gave * alpha + (1 - alpha) * g
        v_tilde = v_tilde - gave**2
    s.update(v=v, gave=gave)
    if momentum > 0:
        b = momentum * b + g / (np.sqrt(v_tilde) + eps)
        s["b"] = b
        return theta - lr * b
    return theta - lr * g / (np.sqrt(v_tilde) + eps)


def ref_adam(
    theta,
    g,
    s,
    t,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    decoupled=False,
):
    b1, b2 = betas
    m, v, vmax = (s.get(k, np.zeros_like(theta)) for k in ("m", "v", "vmax"))
    if decoupled:  # AdamW
        theta = theta - lr * weight_decay * theta
    elif weight_decay != 0:
        g = g + weight_decay * theta
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g**2
    m_hat = m / (1 - b1**t)
    if amsgrad:
        vmax = np.maximum(vmax, v)
        v_hat = vmax / (1 - b2**t)
    else:
        v_hat = v / (1 - b2**t)
    s.update(m=m, v=v, vmax=vmax)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps)


def ref_adamw(theta, g, s, t, weight_decay=1e-2, **hp):
    return ref_adam(theta, g, s, t, weight_decay=weight_decay, decoupled=True, **hp)


REFERENCES = {
    "SGD": ref_sgd,
    "Adagrad": ref_adagrad,
    "Adadelta": ref_adadelta,
    "RMSprop": ref_rmsprop,
    "Adam": ref_adam,
    "AdamW": ref_adamw,
}

# (optimizer, hyperparameters) -- defaults, and every variant the issue names
CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.7, nesterov=True, weight_decay=0.1)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.2, lr_decay=0.05, weight_decay=0.05, initial_accumulator_value=0.3)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.7, rho=0.8, eps=1e-5, weight_decay=0.05)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.02, alpha=0.9, weight_decay=0.05)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.95), weight_decay=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.5, 0.9), amsgrad=True)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
]
CASE_IDS = [
    f"{name}-{'-'.join(f'{k}={v}' for k, v in hp.items()) or 'defaults'}" for name, hp in CASES
]


def _ref_kwargs(name, hp):
    """Hyperparameters for the reference: SGD has no default lr in the formulas."""
    return {"lr": 1e-3, **hp} if name == "SGD" else dict(hp)


# ------------------------------------------------------------------------------------------
# Problems: each gives initial float64 arrays, a loss built from Tensor ops, and an
# independent numpy gradient for the reference trajectory.

RNG = np.random.default_rng(1234)
_Q = RNG.normal(size=(4, 4))
A = _Q @ _Q.T + 4 * np.eye(4)
B = RNG.normal(size=4)
D = RNG.uniform(0.5, 2.0, size=(2, 3))
E = RNG.normal(size=(2, 3))


def quad_init():
    return [np.array([1.0, -2.0, 0.5, 3.0]), np.array([[1.0, 0.0, -1.0], [2.0, -0.5, 0.3]])]


def quad_loss(theta, M):
    return (
        0.5 * ((theta @ ag.tensor(A)) * theta).sum()
        - (ag.tensor(B) * theta).sum()
        + (0.5 * (ag.tensor(D) * M * M).sum() - (ag.tensor(E) * M).sum())
    )


def quad_grads(theta, M):
    return [A @ theta - B, D * M - E]


XM = RNG.normal(size=(8, 3))
YM = RNG.normal(size=(8, 2))


def mlp_init():
    r = np.random.default_rng(7)
    return [r.normal(size=(3, 4)) * 0.7, r.normal(size=4) * 0.3, r.normal(size=(4, 2)) * 0.7]


def mlp_loss(W1, b1, W2):
    out = (ag.tensor(XM) @ W1 + b1).relu() @ W2
    return ((out - ag.tensor(YM)) ** 2).mean()


def mlp_grads(W1, b1, W2):
    z = XM @ W1 + b1
    h = np.maximum(z, 0)
    out = h @ W2
    dout = 2 * (out - YM) / out.size
    dh = dout @ W2.T
    dz = dh * (z > 0)
    return [XM.T @ dz, dz.sum(axis=0), h.T @ dout]


PROBLEMS = {"quadratic": (quad_init, quad_loss, quad_grads), "mlp": (mlp_init, mlp_loss, mlp_grads)}


def reference_trajectory(name, hp, problem, steps):
    init, _, grads = PROBLEMS[problem]
    thetas = init()
    states = [{} for _ in thetas]
    ref = REFERENCES[name]
    kwargs = _ref_kwargs(name, hp)
    history = []
    for t in range(1, steps + 1):
        gs = grads(*thetas)
        thetas = [ref(th, g, s, t, **kwargs) for th, g, s in zip(thetas, gs, states, strict=True)]
        history.append([th.copy() for th in thetas])
    return history


def our_trajectory(name, hp, problem, steps):
    init, loss_fn, _ = PROBLEMS[problem]
    params = [ag.tensor(a, requires_grad=True) for a in init()]
    opt = getattr(optim, name)(params, **hp)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(*params).backward()
        opt.step()
        history.append([p.data.copy() for p in params])
    return history


@pytest.mark.parametrize("problem", ["quadratic", "mlp"])
@pytest.mark.parametrize(("name", "hp"), CASES, ids=CASE_IDS)
def test_trajectory_matches_documented_update_rule(name, hp, problem):
    steps = 8
    ours = our_trajectory(name, hp, problem, steps)
    ref = reference_trajectory(name, hp, problem, steps)
    for step, (mine, theirs) in enumerate(zip(ours, ref, strict=True), start=1):
        for a, b in zip(mine, theirs, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"step {step}")
    # and the parameters really moved
    assert any(not np.allclose(a, b) for a, b in zip(ours[-1], PROBLEMS[problem][0]()))


HYPER = {
    "SGD": dict(
        lr=st.floats(1e-3, 0.2),
        momentum=st.floats(0.0, 0.99),
        weight_decay=st.floats(0.0, 0.2),
    ),
    "Adagrad": dict(lr=st.floats(1e-3, 0.5), lr_decay=st.floats(0.0, 0.5)),
    "Adadelta": dict(lr=st.floats(0.1, 2.0), rho=st.floats(0.0, 0.99)),
    "RMSprop": dict(
        lr=st.floats(1e-3, 0.05),
        alpha=st.floats(0.5, 0.999),
        momentum=st.floats(0.0, 0.95),
        centered=st.booleans(),
    ),
    "Adam": dict(
        lr=st.floats(1e-3, 0.1),
        betas=st.tuples(st.floats(0.0, 0.99), st.floats(0.0, 0.999)),
        weight_decay=st.floats(0.0, 0.2),
        amsgrad=st.booleans(),
    ),
    "AdamW": dict(lr=st.floats(1e-3, 0.1), weight_decay=st.floats(0.0, 0.5)),
}


@given(data=st.data())
def test_random_hyperparameters_match_reference(data):
    name = data.draw(st.sampled_from(sorted(HYPER)), label="optimizer")
    hp = data.draw(st.fixed_dictionaries(HYPER[name]), label="hyperparameters")
    ours = our_trajectory(name, hp, "quadratic", 5)
    ref = reference_trajectory(name, hp, "quadratic", 5)
    for a, b in zip(ours[-1], ref[-1], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_nesterov_differs_from_classical_momentum():
    plain = our_trajectory("SGD", dict(lr=0.05, momentum=0.9), "quadratic", 3)[-1]
    nag = our_trajectory("SGD", dict(lr=0.05, momentum=0.9, nesterov=True), "quadratic", 3)[-1]
    assert not np.allclose(plain[0], nag[0])


def test_maximize_ascends():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1, maximize=True)
    (w * w).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.data, [1.2, 2.4], rtol=1e-6)


# ------------------------------------------------------------------------------------------
# The base-class contract

ALL = ["SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW"]


def _make(name, params, **hp):
    return getattr(optim, name)(params, **({"lr": 0.1} | hp))


@pytest.mark.parametrize("name", ALL)
def test_update_is_in_place_float32_and_records_no_graph(name):
    w = ag.tensor(np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32), requires_grad=True)
    array = w.data
    opt = _make(name, [w], weight_decay=0.01)
    for _ in range(3):
        opt.zero_grad()
        ((w * w).sum() * 0.5).backward()
        opt.step()
    assert w.data is array, "the parameter's array must be updated in place"
    assert w.data.dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state[w].values() if isinstance(v, np.ndarray))
    assert w.is_leaf and w.grad_fn is None and w.requires_grad
    assert not np.allclose(w.data, [[0.5, -1.0], [2.0, 0.25]])


@pytest.mark.parametrize("name", ALL)
def test_float64_hyperparameters_keep_float32_params(name):
    w = ag.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    opt = _make(name, [w], lr=np.float64(0.1), weight_decay=np.float64(0.01))
    w.grad = ag.tensor(np.full(3, 0.5, dtype=np.float32))
    opt.step()
    opt.step()
    assert w.data.dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state[w].values() if isinstance(v, np.ndarray))


def test_step_bumps_version_so_stale_graphs_refuse_backward():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    opt = optim.SGD([w], lr=0.1)
    w.grad = ag.ones(2)
    opt.step()
    with pytest.raises(RuntimeError):
        y.backward()


@pytest.mark.parametrize("name", ALL)
def test_params_without_grad_are_skipped(name):
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([3.0, 4.0], requires_grad=True)
    opt = _make(name, [a, b])
    (a * a).sum().backward()
    opt.step()
    np.testing.assert_array_equal(b.data, [3.0, 4.0])
    assert not opt.state.get(b)
    assert not np.allclose(a.data, [1.0, 2.0])


def test_zero_grad_set_to_none_and_to_zeros():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    grad_array = w.grad.data
    opt.zero_grad(set_to_none=False)
    assert w.grad is not None and w.grad.data is grad_array
    np.testing.assert_array_equal(w.grad.data, [0.0, 0.0])
    opt.zero_grad()
    assert w.grad is None


def test_param_groups_have_their_own_hyperparameters():
    a = ag.tensor([1.0], requires_grad=True)
    b = ag.tensor([1.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["momentum"] == 0.9  # default filled in
    a.grad, b.grad = ag.ones(1), ag.ones(1)
    opt.step()
    np.testing.assert_allclose([a.item(), b.item()], [0.9, 0.5], rtol=1e-6)


def test_add_param_group():
    a = ag.tensor([1.0], requires_grad=True)
    b = ag.tensor([1.0], requires_grad=True)
    opt = optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert len(opt.param_groups) == 2 and opt.param_groups[1]["betas"] == (0.9, 0.999)
    a.grad, b.grad = ag.ones(1), ag.ones(1)
    opt.step()
    # Adam's first step moves every coordinate by about lr
    np.testing.assert_allclose([a.item(), b.item()], [0.9, 0.99], rtol=1e-5)


def test_closure_returns_loss():
    w = ag.tensor([3.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with ag.no_grad():  # the closure still records its graph
        loss = opt.step(closure)
    assert loss.item() == pytest.approx(9.0)
    assert w.item() == pytest.approx(2.4)


@pytest.mark.parametrize(("name", "hp"), CASES, ids=CASE_IDS)
def test_state_dict_resume_gives_identical_steps(name, hp):
    init, loss_fn, _ = PROBLEMS["mlp"]

    def run(split):
        params = [ag.tensor(a, requires_grad=True) for a in init()]
        groups = [{"params": params[:2]}, {"params": params[2:], "lr": 0.03}]
        opt = getattr(optim, name)(groups, **hp)
        for step in range(6):
            if step == split:
                saved = opt.state_dict()
                opt = getattr(optim, name)([{"params": params[:2]}, {"params": params[2:]}], **hp)
                opt.load_state_dict(saved)
            opt.zero_grad()
            loss_fn(*params).backward()
            opt.step()
        return [p.data for p in params], opt

    straight, _ = run(split=None)
    resumed, opt = run(split=3)
    for a, b in zip(straight, resumed, strict=True):
        np.testing.assert_array_equal(a, b)
    assert opt.param_groups[1]["lr"] == 0.03  # restored from the saved groups


def test_state_dict_layout_and_copies():
    a = ag.tensor(np.ones((2, 2)), requires_grad=True)
    b = ag.tensor(np.ones(3), requires_grad=True)
    opt = optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.5}], amsgrad=True)
    a.grad, b.grad = ag.ones((2, 2), dtype=np.float64), ag.ones(3, dtype=np.float64)
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["lr"] == 1e-3
    assert set(sd["state"]) == {0, 1}
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert sd["state"][0]["step"] == 1 and sd["state"][1]["exp_avg"].shape == (3,)
    before = sd["state"][0]["exp_avg"].copy()
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"], before)  # a snapshot


def test_load_state_dict_rejects_mismatch_without_changing_anything():
    a = ag.tensor(np.ones(2), requires_grad=True)
    b = ag.tensor(np.ones(3), requires_grad=True)
    src = optim.SGD([a, b], lr=0.1, momentum=0.9)
    a.grad, b.grad = ag.ones(2, dtype=np.float64), ag.ones(3, dtype=np.float64)
    src.step()
    sd = src.state_dict()
    dst = optim.SGD([a], lr=0.2, momentum=0.9)
    with pytest.raises(ValueError, match="parameter group 0"):
        dst.load_state_dict(sd)
    dst2 = optim.SGD([b, a], lr=0.2, momentum=0.9)  # shapes swapped
    with pytest.raises(ValueError, match="shape"):
        dst2.load_state_dict(sd)
    assert dst2.param_groups[0]["lr"] == 0.2 and not dst2.state
    two_groups = optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.2)
    with pytest.raises(ValueError, match="parameter groups"):
        two_groups.load_state_dict(sd)


def test_repr_lists_groups():
    opt = optim.SGD([ag.tensor([1.0], requires_grad=True)], lr=0.1)
    text = repr(opt)
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "lr: 0.1" in text


# ------------------------------------------------------------------------------------------
# Bad input: a clear error, raised before anything changes (issue 10)


@pytest.mark.parametrize("name", ALL)
def test_empty_parameter_list(name):
    with pytest.raises(ValueError, match="empty parameter list"):
        getattr(optim, name)([])
    with pytest.raises(ValueError, match="empty parameter list"):
        getattr(optim, name)(iter([]))


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("lr", [-1e-3, -1.0, math.nan])
def test_negative_learning_rate(name, lr):
    with pytest.raises(ValueError, match="lr"):
        getattr(optim, name)([ag.tensor([1.0], requires_grad=True)], lr=lr)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("betas", [(1.0, 0.999), (0.9, 1.0), (-0.1, 0.9), (0.9, 1.5), (0.9,)])
def test_betas_outside_unit_interval(name, betas):
    with pytest.raises(ValueError, match="beta"):
        getattr(optim, name)([ag.tensor([1.0], requires_grad=True)], betas=betas)


@pytest.mark.parametrize("name", ALL)
def test_duplicate_parameters_across_groups(name):
    a = ag.tensor([1.0], requires_grad=True)
    b = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="more than one parameter group"):
        getattr(optim, name)([{"params": [a, b]}, {"params": [a]}])
    opt = getattr(optim, name)([a])
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [b, a]})
    assert len(opt.param_groups) == 1 and len(opt.param_groups[0]["params"]) == 1
    with pytest.raises(ValueError, match="twice"):
        getattr(optim, name)([a, a])


@pytest.mark.parametrize(
    ("name", "hp", "match"),
    [
        ("SGD", dict(momentum=-0.1), "momentum"),
        ("SGD", dict(weight_decay=-1.0), "weight_decay"),
        ("SGD", dict(nesterov=True), "Nesterov"),
        ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1), "Nesterov"),
        ("Adagrad", dict(lr_decay=-0.1), "lr_decay"),
        ("Adagrad", dict(initial_accumulator_value=-1.0), "initial_accumulator_value"),
        ("Adagrad", dict(eps=-1e-10), "eps"),
        ("Adadelta", dict(rho=1.5), "rho"),
        ("Adadelta", dict(eps=-1.0), "eps"),
        ("RMSprop", dict(alpha=-0.5), "alpha"),
        ("RMSprop", dict(momentum=-0.5), "momentum"),
        ("Adam", dict(eps=-1e-8), "eps"),
        ("AdamW", dict(weight_decay=-0.01), "weight_decay"),
    ],
)
def test_bad_hyperparameters(name, hp, match):
    with pytest.raises(ValueError, match=match):
        getattr(optim, name)([ag.tensor([1.0], requires_grad=True)], **hp)


def test_bad_group_hyperparameter_leaves_optimizer_unchanged():
    a = ag.tensor([1.0], requires_grad=True)
    opt = optim.Adam([a])
    with pytest.raises(ValueError, match="lr"):
        opt.add_param_group({"params": [ag.tensor([2.0], requires_grad=True)], "lr": -1.0})
    with pytest.raises(ValueError, match="beta"):
        opt.add_param_group({"params": [ag.tensor([2.0], requires_grad=True)], "betas": (2, 0)})
    assert len(opt.param_groups) == 1


def test_params_must_be_tensors_in_an_iterable():
    w = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="iterable"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(TypeError, match="Tensors"):
        optim.SGD([np.ones(2)], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2], lr=0.1)
    with pytest.raises(TypeError, match="lr must be a number"):
        optim.SGD([w], lr="0.1")
