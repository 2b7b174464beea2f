"""ag.compile (issue 17): optimizer steps replayed on flat buffers. Each parameter's .data,
.grad and state arrays become views of one buffer per parameter group, the optimizer's
real step runs once per group on them, and the trajectory stays bit-identical to eager;
where that does not apply (or stops applying) the optimizer's own per-parameter code runs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from test_compile import _assert_same_state, _batches, _bits

import autograd_lite as ag
import nn
from nn.optim import lr_scheduler

OPTIMIZERS = {
    "sgd": lambda ps: nn.optim.SGD(ps, lr=0.1),
    "decay": lambda ps: nn.optim.SGD(ps, lr=0.1, weight_decay=0.01),
    "momentum": lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9),
    "dampening": lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.3,
                                         weight_decay=1e-3),
    "nesterov": lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True,
                                        weight_decay=1e-3, maximize=True),
    "adam": lambda ps: nn.optim.Adam(ps, lr=0.01, weight_decay=1e-3),
    "amsgrad": lambda ps: nn.optim.Adam(ps, lr=0.01, amsgrad=True),
    "adamw": lambda ps: nn.optim.AdamW(ps, lr=0.01),
    "rmsprop": lambda ps: nn.optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    "adagrad": lambda ps: nn.optim.Adagrad(ps, lr=0.1, lr_decay=0.01),
    "adadelta": lambda ps: nn.optim.Adadelta(ps, lr=1.0),
}


def _setup(opt="sgd", dtype=np.float32, zero="optimizer", groups=False, unused=False):
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 12), nn.Tanh(), nn.Linear(12, 8), nn.ReLU(),
                          nn.Linear(8, 4))
    for p in model.parameters():
        p.data = p.data.astype(dtype)
    ps = list(model.parameters())
    if unused:
        ps.append(ag.zeros(3, dtype=dtype, requires_grad=True))  # the loss does not reach it
    if groups:  # weights and biases at different learning rates
        ps = [{"params": ps[0::2]}, {"params": ps[1::2], "lr": 0.01}]
    optimizer = OPTIMIZERS[opt](ps)
    loss_fn = nn.CrossEntropyLoss()

    def step(x, y):
        (optimizer if zero == "optimizer" else model).zero_grad()
        out = loss_fn(model(x), y)
        out.backward()
        optimizer.step()
        return out
    return model, optimizer, step


def _run_both(make, batches, between=None):
    """Eager and compiled runs from the same start, compared after every step;
    ``between(i, model, opt)`` changes both alike between calls."""
    m1, o1, eager = make()
    m2, o2, step = make()
    fast = ag.compile(step)
    for i, (x, y) in enumerate(batches):
        a, b = eager(x, y), fast(x, y)
        assert a.data.dtype == b.data.dtype and _bits(a.data) == _bits(b.data)
        _assert_same_state(m1, o1, m2, o2)
        if between is not None:
            between(i, m1, o1)
            between(i, m2, o2)
    return fast, m2, o2


def _source(fast) -> str:
    (prog,) = fast.programs.values()
    return prog.source


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
def test_flat_step_is_bit_identical_to_eager(opt):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast, _, _ = _run_both(lambda: _setup(opt), _batches(n=6))
    assert not fast.fallbacks
    src = _source(fast)
    assert "f0()" in src and "_take" not in src and "_accumulate" not in src


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parameters_gradients_and_state_become_views_of_flat_buffers(dtype):
    model, opt, step = _setup("momentum", dtype)
    before = [p.data for p in model.parameters()]
    values = [p.data.copy() for p in model.parameters()]
    batches = list(_batches(n=1, dtype=dtype))
    fast = ag.compile(step)
    fast(*batches[0])  # the trace: the parameters move once, in place
    params = list(model.parameters())
    moved = [p.data for p in params]
    assert all(a is not b for a, b in zip(before, moved))  # p.data identity changes
    assert all(_bits(a) != _bits(b) for a, b in zip(values, moved))  # (one SGD step taken)
    flat = moved[0].base
    assert flat is not None and flat.ndim == 1 and flat.dtype == dtype
    for p in params:
        assert p.data.base is flat and p.data.flags.c_contiguous and p.data.dtype == dtype
        buf = opt.state[p]["momentum_buffer"]
        assert buf.base is opt.state[params[0]]["momentum_buffer"].base is not flat
    for x, y in _batches(n=3, dtype=dtype, seed=4):
        fast(x, y)  # its check against eager, then replays
    grads = params[0].grad.data.base
    assert grads is not None and grads is not flat
    for p in params:
        assert p.data.base is flat and p.grad.data.base is grads
        assert p.grad.data.shape == p.data.shape and p.grad.data.dtype == dtype


def test_values_at_the_moment_of_flattening_are_kept():
    m1, o1, eager = _setup("adam")
    m2, o2, step = _setup("adam")
    x, y = next(_batches(n=1))
    eager(x, y)
    ag.compile(step)(x, y)  # trace (and flatten) after the same first step
    _assert_same_state(m1, o1, m2, o2)


@pytest.mark.parametrize("opt", ["sgd", "momentum", "adam"])
def test_scheduler_changing_lr_between_replays(opt):
    def make():
        model, o, step = _setup(opt)
        o.sched = lr_scheduler.StepLR(o, step_size=2, gamma=0.5)
        return model, o, step
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast, _, o = _run_both(make, _batches(n=7), lambda i, m, o: o.sched.step())
    assert len(fast.programs) == 1 and "f0()" in _source(fast)
    assert o.param_groups[0]["lr"] == OPTIMIZERS[opt]([ag.zeros(1, requires_grad=True)]) \
        .param_groups[0]["lr"] * 0.5 ** 3


def test_hyperparameters_set_by_hand_between_replays():
    def change(i, model, o):
        g = o.param_groups[0]
        g["momentum"] = 0.5 if i % 2 else 0.9
        g["weight_decay"] = np.float64(1e-2 * i)  # a numpy number: as a Python float
        g["lr"] = 0.05 + 0.01 * i
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _run_both(lambda: _setup("momentum"), _batches(n=6), change)


def test_two_parameter_groups_get_a_buffer_each():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast, model, _ = _run_both(lambda: _setup("nesterov", groups=True), _batches(n=5))
    ws, bs = list(model.parameters())[0::2], list(model.parameters())[1::2]
    assert len({id(p.data.base) for p in ws}) == len({id(p.data.base) for p in bs}) == 1
    assert ws[0].data.base is not bs[0].data.base


@pytest.mark.parametrize("case", ["model.zero_grad", "unused parameter"])
def test_optimizers_own_code_where_not_every_gradient_is_made_for_it(case):
    make = (lambda: _setup("momentum", zero="model")) if case == "model.zero_grad" else (
        lambda: _setup("momentum", unused=True))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast, model, _ = _run_both(make, _batches(n=5))
    assert "f0" not in _source(fast)
    assert all(p.data.base is None for p in model.parameters())  # left where they were
    assert not fast.fallbacks


def test_load_state_dict_between_replays_runs_the_real_step():
    saved = {}

    def change(i, model, o):
        if i == 1:
            saved[id(o)] = o.state_dict()
        if i == 3:
            o.load_state_dict(saved[id(o)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _run_both(lambda: _setup("adam"), _batches(n=7), change)


def test_a_new_parameter_group_falls_back_with_its_reason():
    def change(i, model, o):
        if i == 2:
            o.add_param_group({"params": [ag.zeros(2, requires_grad=True)]})
    with pytest.warns(RuntimeWarning, match="parameter groups changed"):
        fast, _, _ = _run_both(lambda: _setup("momentum"), _batches(n=6), change)
    assert "parameter groups changed" in next(iter(fast.fallbacks.values()))


def test_a_parameter_given_a_new_array_retraces():
    def change(i, model, o):
        if i == 2:
            w = next(model.parameters())
            w.data = w.data.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast, _, _ = _run_both(lambda: _setup("sgd"), _batches(n=6), change)
    assert not fast.fallbacks


def test_programs_of_two_batch_sizes_share_the_flat_buffers():
    def batches():
        for i in range(4):  # 5, 7, 5, 7, ...: each shape traced once
            yield from _batches(batch=5 + 2 * (i % 2), n=2, seed=i)
    m1, o1, eager = _setup("adam")
    m2, o2, step = _setup("adam")
    fast = ag.compile(step)
    traced = []
    trace = fast._trace
    fast._trace = lambda *a: traced.append(1) or trace(*a)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x, y in batches():
            assert _bits(eager(x, y).data) == _bits(fast(x, y).data)
            _assert_same_state(m1, o1, m2, o2)
    assert len(traced) == len(fast.programs) == 2 and not fast.fallbacks
    assert all("f0()" in prog.source for prog in fast.programs.values())


def _custom(body):
    """_setup's model and optimizer with the step ``body(model, opt, loss_fn, x, y)``."""
    def make():
        model, opt, _ = _setup("momentum")
        loss_fn = nn.CrossEntropyLoss()
        return model, opt, lambda x, y: body(model, opt, loss_fn, x, y)
    return make


def test_gradients_scaled_between_backward_and_step_are_the_flat_ones():
    def body(model, opt, loss_fn, x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        for p in model.parameters():
            p.grad.data *= 0.5  # (written into the flat gradient buffer)
        opt.step()
        return loss
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast, _, _ = _run_both(_custom(body), _batches(n=5))
    assert "f0()" in _source(fast)


def test_momentum_switched_on_later_gives_each_parameter_its_buffer():
    def change(i, model, o):
        if i == 2:
            o.param_groups[0]["momentum"] = 0.9
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, model, o = _run_both(lambda: _setup("sgd"), _batches(n=6), change)
    params = list(model.parameters())
    bufs = [o.state[p]["momentum_buffer"] for p in params]
    assert all(b.shape == p.data.shape and b.base is bufs[0].base is not None
               for b, p in zip(bufs, params))


@pytest.mark.parametrize("opt", ["sgd", "nesterov", "adam"])
def test_lr_changed_every_step_and_back(opt):
    lrs = [0.1, 0.05, 0.02, 0.01, 0.005, 0.1, 0.002, 0.05, 0.1]  # more than are recorded

    def change(i, model, o):
        o.param_groups[0]["lr"] = lrs[i % len(lrs)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast, _, _ = _run_both(lambda: _setup(opt), _batches(n=12), change)
    (prog,) = fast.programs.values()
    (plan,) = [v for k, v in prog.replay.__globals__.items() if k == "f0"]
    assert len(plan.replays) == (4 if opt != "adam" else 0)  # (Adam counts steps)


def test_relu_against_an_array_of_zeros_keeps_signed_zeros_and_nans():
    def make():
        w = ag.tensor(np.array([-1.0, 2.0, -0.5, 0.0], np.float32), requires_grad=True)
        opt = nn.optim.SGD([w], lr=0.1)

        def step(x, y):
            opt.zero_grad()
            h = nn.functional.relu(x * w)  # x has zeros and a nan: relu sees -0.0 and nan
            loss = ((h - y) ** 2).sum()
            loss.backward()
            opt.step()
            return h.detach()
        return w, opt, step
    (w1, _, eager), (w2, _, step) = make(), make()
    fast = ag.compile(step)
    x = np.zeros((3, 4), np.float32)
    x[0] = [1.0, -2.0, 0.0, 3.0]
    x[2, 3] = np.nan
    y = ag.tensor(np.ones((3, 4), np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(4):
            a, b = eager(ag.tensor(x), y), fast(ag.tensor(x), y)
            assert _bits(a.data) == _bits(b.data) and _bits(w1.data) == _bits(w2.data)
    assert np.signbit(x[1] * np.array([-1.0, 2.0, -0.5, 0.0], np.float32)).any()  # (-0.0 in)
    assert "f0()" in _source(fast)
