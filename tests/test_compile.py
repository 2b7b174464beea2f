"""ag.compile (issue 17): a traced training step replays bit-for-bit what eager computes,
re-traces on a new signature and falls back to eager, with its reason, where it cannot
follow the step."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_lite as ag
import nn
from nn.optim import lr_scheduler


def _setup(opt="sgd", loss="ce", dtype=np.float32, dropout=0.0, schedule=False):
    ag.manual_seed(0)
    layers = [nn.Linear(6, 12), nn.Tanh(), nn.Linear(12, 8), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers += [nn.Linear(8, 4), nn.Sigmoid()] if loss == "mse" else [nn.Linear(8, 4)]
    model = nn.Sequential(*layers)
    for p in model.parameters():
        p.data = p.data.astype(dtype)
    params = model.parameters()
    optimizer = {"sgd": lambda: nn.optim.SGD(params, lr=0.1),
                 "momentum": lambda: nn.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True),
                 "adam": lambda: nn.optim.Adam(params, lr=0.01)}[opt]()
    sched = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5) if schedule else None
    loss_fn = nn.MSELoss() if loss == "mse" else nn.CrossEntropyLoss()

    def step(x, y):
        optimizer.zero_grad()
        out = loss_fn(model(x), y)
        out.backward()
        optimizer.step()
        return out
    return model, optimizer, sched, step


def _batches(loss="ce", dtype=np.float32, n=6, batch=5, seed=1):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        x = ag.tensor(rng.standard_normal((batch, 6)).astype(dtype))
        y = (ag.tensor(rng.random((batch, 4)).astype(dtype)) if loss == "mse"
             else ag.tensor(rng.integers(0, 4, batch)))
        yield x, y


def _bits(a) -> bytes:
    return np.ascontiguousarray(a).tobytes()


def _assert_same_state(m1, o1, m2, o2):
    for p, q in zip(m1.parameters(), m2.parameters()):
        assert p.data.dtype == q.data.dtype and _bits(p.data) == _bits(q.data)
        assert (p.grad is None) == (q.grad is None)
        if p.grad is not None:
            assert p.grad.data.dtype == q.grad.data.dtype
            assert _bits(p.grad.data) == _bits(q.grad.data)
        s1, s2 = o1.state[p], o2.state[q]
        assert s1.keys() == s2.keys()
        for k in s1:
            if isinstance(s1[k], np.ndarray):
                assert _bits(s1[k]) == _bits(s2[k]), k
            else:
                assert s1[k] == s2[k], k


def _run_both(make, batches, compiled_calls=None):
    """Eager and compiled runs of the same step from the same start; checks every step."""
    m1, o1, s1, eager = make()
    m2, o2, s2, step = make()
    fast = ag.compile(step)
    for x, y in batches:
        a, b = eager(x, y), fast(x, y)
        assert a.data.dtype == b.data.dtype and _bits(a.data) == _bits(b.data)
        _assert_same_state(m1, o1, m2, o2)
        for s in (s1, s2):
            if s is not None:
                s.step()
    return fast


@pytest.mark.parametrize("opt", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("loss", ["ce", "mse"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_step_is_bit_identical_to_eager(opt, loss, dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback
        fast = _run_both(lambda: _setup(opt, loss, dtype), _batches(loss, dtype))
    assert not fast.fallbacks and len(fast.programs) == 1


def test_returned_loss_has_no_graph_and_the_trace_records_no_graph():
    model, opt, _, step = _setup()
    fast = ag.compile(step)
    losses = [fast(x, y) for x, y in _batches()]
    assert all(isinstance(v, ag.Tensor) and v.grad_fn is None for v in losses[2:])
    assert len({_bits(v.data) for v in losses}) == len(losses)  # fresh arrays, kept apart
    prog = next(iter(fast.programs.values()))
    assert "out=" in prog.source  # preallocated temporaries


@pytest.mark.parametrize("opt", ["momentum", "adam"])
def test_lr_schedule_is_read_by_the_replay(opt):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast = _run_both(lambda: _setup(opt, schedule=True), _batches(n=7))
    assert len(fast.programs) == 1  # the optimizer's own code ran: no re-trace per lr


def test_new_shape_retraces():
    def batches():
        yield from _batches(batch=5, n=3)
        yield from _batches(batch=7, n=3, seed=2)
        yield from _batches(batch=5, n=2, seed=3)
    fast = _run_both(lambda: _setup("momentum"), batches())
    assert len(fast.programs) == 2 and not fast.fallbacks


def test_dropout_draws_from_the_generator_and_mode_change_retraces():
    m1, o1, _, eager = _setup(dropout=0.5)
    m2, o2, _, step = _setup(dropout=0.5)
    fast = ag.compile(step)
    for i, (x, y) in enumerate(_batches(n=8)):
        if i == 4:
            m1.eval()
            m2.eval()
        ag.manual_seed(i)
        a = eager(x, y)
        ag.manual_seed(i)
        b = fast(x, y)
        assert _bits(a.data) == _bits(b.data)
        _assert_same_state(m1, o1, m2, o2)
    assert len(fast.programs) == 2 and not fast.fallbacks


def _fallback_case(step_body, match, n=5):
    """A step whose body the trace cannot follow: it warns once with ``match`` and then
    computes what eager computes."""
    m1, o1, _, _ = _setup()
    m2, o2, _, _ = _setup()

    def make(model, opt):
        loss_fn = nn.CrossEntropyLoss()

        def step(x, y):
            return step_body(model, opt, loss_fn, x, y)
        return step

    eager, fast = make(m1, o1), ag.compile(make(m2, o2))
    with pytest.warns(RuntimeWarning, match=match) as record:
        for x, y in _batches(n=n):
            a, b = eager(x, y), fast(x, y)
            assert _bits(np.asarray(a.data if isinstance(a, ag.Tensor) else a)) == \
                _bits(np.asarray(b.data if isinstance(b, ag.Tensor) else b))
            _assert_same_state(m1, o1, m2, o2)
    assert len([w for w in record if "ag.compile" in str(w.message)]) == 1  # one line, once
    assert len(fast.fallbacks) == 1
    return fast


def test_data_dependent_control_flow_falls_back():
    def body(model, opt, loss_fn, x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        if loss.item() > 1.3:  # a Python branch on the data
            loss = loss * 2.0
        loss.backward()
        opt.step()
        return loss
    fast = _fallback_case(body, "changed between calls")
    assert "control flow" in next(iter(fast.fallbacks.values()))


def test_reading_a_value_after_the_update_falls_back_at_the_trace():
    def body(model, opt, loss_fn, x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()
    _fallback_case(body, r"item\(\) reads a traced value after the step changed state")


def test_create_graph_falls_back():
    def body(model, opt, loss_fn, x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward(create_graph=True)
        for p in model.parameters():
            p.grad = p.grad.detach()
        opt.step()
        return loss.detach()
    _fallback_case(body, "create_graph")


def test_gradient_of_an_input_falls_back():
    def body(model, opt, loss_fn, x, y):
        opt.zero_grad()
        x = x.detach().requires_grad_()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    _fallback_case(body, "no parameter of a module or optimizer")


def test_numpy_work_the_trace_cannot_see_falls_back():
    def body(model, opt, loss_fn, x, y):
        opt.zero_grad()
        h = model(x)
        noise = ag.tensor(np.sort(np.asarray(h.detach().numpy()).tolist(), axis=1))
        loss = loss_fn(h + noise, y)  # (tolist: a Python read of the data)
        loss.backward()
        opt.step()
        return loss
    _fallback_case(body, "ag.compile")


def test_a_plain_numpy_constant_that_changes_is_caught_by_the_check():
    calls: dict = {}

    def body(model, opt, loss_fn, x, y):  # Python state the trace cannot see
        calls[id(model)] = n = calls.get(id(model), 0) + 1
        opt.zero_grad()
        scale = ag.tensor(np.random.default_rng(n).random(4).astype(np.float32))
        loss = loss_fn(model(x) * scale, y)
        loss.backward()
        opt.step()
        return loss
    fast = _fallback_case(body, "replay differs from eager")
    assert "differs" in next(iter(fast.fallbacks.values()))


def test_anomaly_mode_runs_eagerly_and_bad_step_fn_is_refused():
    model, opt, _, step = _setup()
    fast = ag.compile(step)
    with ag.detect_anomaly():
        for x, y in _batches(n=3):
            fast(x, y)
    assert not fast.programs
    with pytest.raises(TypeError, match="compile"):
        ag.compile(None)


class _Trainer:
    """A custom module and a step that is a bound method using model.zero_grad()."""

    def __init__(self) -> None:
        ag.manual_seed(3)

        class MLP(nn.Module):
            def __init__(self):
                super().__init__()
                self.a, self.b = nn.Linear(6, 10), nn.Linear(10, 4)

            def forward(self, x):
                return self.b(nn.functional.relu(self.a(x)))
        self.model = MLP()
        self.opt = nn.optim.SGD(self.model.parameters(), lr=0.05, momentum=0.5)

    def step(self, x, y):
        self.model.zero_grad()
        loss = nn.functional.cross_entropy(self.model(x), y)
        loss.backward()
        self.opt.step()
        return loss


def test_custom_module_and_bound_method_step():
    t1, t2 = _Trainer(), _Trainer()
    fast = ag.compile(t2.step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x, y in _batches(n=5):
            assert _bits(t1.step(x, y).data) == _bits(fast(x, y).data)
            _assert_same_state(t1.model, t1.opt, t2.model, t2.opt)
    assert len(fast.programs) == 1


def test_scheduler_stepped_inside_the_step_runs_on_every_replay():
    def make():
        model, opt, _, step = _setup("momentum")
        sched = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)

        def with_schedule(x, y):
            loss = step(x, y)
            sched.step()
            return loss
        return model, opt, None, with_schedule
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast = _run_both(make, _batches(n=8))
    assert len(fast.programs) == 1
    opt = next(o for o in fast._found[1] if hasattr(o, "param_groups"))
    assert opt.param_groups[0]["lr"] == 0.1 * 0.5 ** 2  # 8 steps: decayed at 3 and 6


def test_plateau_scheduler_given_the_loss_falls_back():
    def body(model, opt, loss_fn, x, y):
        sched = body.scheds.setdefault(id(opt), lr_scheduler.ReduceLROnPlateau(opt))
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        sched.step(loss)
        return loss
    body.scheds = {}
    _fallback_case(body, "given a closure, a tensor")
