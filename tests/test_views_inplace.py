"""Views and in-place ops under autograd, as PyTorch: a view shares its base's memory, and an
in-place op on either gives both the new value and a history whose gradient is right
(issue 15). The repro numbers were checked against PyTorch 2.13."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import engine, ops


def _t(values, requires_grad=False):
    return ag.tensor(np.array(values, dtype=np.float64), requires_grad=requires_grad)


def _check(y, x, y_expected, grad_expected):
    np.testing.assert_allclose(y.data, y_expected)
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.data, grad_expected)


# ----------------------------------------------------------------------------------------
# 1. A write through a view of a non-leaf reaches the base, value and gradient


def test_imul_through_a_slice_reaches_the_base():
    x = _t([1.0, 2.0, 3.0, 4.0], True)
    y = x * 1
    v = y[:2]
    v *= 10
    _check(y, x, [10, 20, 3, 4], [200, 400, 6, 8])


def test_setitem_through_a_slice_reaches_the_base():
    x = _t([1.0, 2.0, 3.0, 4.0], True)
    y = x * 1
    row = y[0:2]
    row[0] = 5
    _check(y, x, [5, 2, 3, 4], [0, 4, 6, 8])


def test_imul_through_dot_t_reaches_the_base():
    x = _t([[1.0, 2.0], [3.0, 4.0]], True)
    y = x * 1
    t = y.T
    t *= 10
    _check(y, x, [[10, 20], [30, 40]], [[200, 400], [600, 800]])


def test_imul_through_a_slice_of_a_reshape_reaches_the_base():
    x = _t([[1.0, 2.0], [3.0, 4.0]], True)
    y = x * 1
    t = y.reshape(4)
    t[1:] *= 3
    _check(y, x, [[1, 6], [9, 12]], [[2, 36], [54, 72]])


def test_imul_through_unsqueeze_reaches_the_base():
    x = _t([1.0, 2.0], True)
    y = x * 1
    t = y.unsqueeze(0)
    t *= 3
    _check(y, x, [3, 6], [18, 36])


def test_imul_through_a_row_of_a_transpose_reaches_the_base():
    x = _t([[1.0, 2.0], [3.0, 4.0]], True)
    y = x * 1
    t = y.swapaxes(0, 1)  # PyTorch's y.transpose(0, 1)
    t[0] *= 3
    _check(y, x, [[3, 2], [9, 4]], [[18, 4], [54, 8]])


def test_write_through_a_view_of_a_plain_buffer_gives_it_a_history():
    x = _t([1.0, 2.0], True)
    buf = ag.zeros(4, dtype=np.float64)
    part = buf[1:3]
    part += x * x
    assert buf.requires_grad and not buf.is_leaf
    (buf * _t([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_allclose(x.grad.data, [4.0, 12.0])


def test_view_of_a_grad_leaf_made_under_no_grad_cannot_take_a_graph_value():
    w = _t([1.0, 2.0, 3.0], True)
    with ag.no_grad():
        part = w[:2]
    x = _t([1.0, 1.0], True)
    with pytest.raises(RuntimeError, match="view .* of a leaf tensor that requires grad"):
        part += x
    assert w.is_leaf
    np.testing.assert_array_equal(w.data, [1.0, 2.0, 3.0])


# ----------------------------------------------------------------------------------------
# 2. An in-place op on the base reaches its existing views


def test_existing_view_sees_an_inplace_op_on_its_base():
    x = _t([1.0, 2.0, 3.0], True)
    y = x * 2
    v = y[1:]
    y += 1
    np.testing.assert_allclose(v.data, [5.0, 7.0])
    (v * v).sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 20.0, 28.0])


def test_expanded_view_follows_its_base():
    x = _t([1.0, 2.0, 3.0], True)
    y = x * 1
    e = y.expand(2, 3)
    y *= 2
    np.testing.assert_allclose(e.data, [[2, 4, 6], [2, 4, 6]])
    (e * e).sum().backward()
    np.testing.assert_allclose(x.grad.data, [16.0, 32.0, 48.0])


def test_sibling_view_sees_a_write_through_another_view():
    x = _t([1.0, 2.0, 3.0, 4.0], True)
    y = x * 1
    a, b = y[:3], y[2:]
    a *= 2  # b[0] is a[2]
    np.testing.assert_allclose(b.data, [6.0, 4.0])
    (b * b).sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 0.0, 24.0, 8.0])


# ----------------------------------------------------------------------------------------
# 3. Ops whose value reads the tensor they modify: no cycle, the old value's gradient


def test_index_iadd_on_a_non_leaf():
    x = _t([1.0, 2.0, 3.0], True)
    y = x * 1
    y[[0, 2]] += _t([1.0, 1.0]) * x[:2]
    _check(y, x, [2, 2, 5], [8, 14, 10])


def test_mask_imul_on_a_non_leaf():
    x = _t([1.0, -2.0, 3.0], True)
    y = x * 1
    y[ag.tensor([True, False, True])] *= 2
    _check(y, x, [2, -2, 6], [8, -4, 24])


def test_iadd_of_an_expression_of_itself():
    x = _t([1.0, 2.0], True)
    c = x * 1
    c += c + 1  # micrograd's test
    _check(c, x, [3, 5], [12, 20])


def test_earlier_use_of_a_tensor_keeps_its_old_history():
    x = _t([1.0, 2.0], True)
    h = x * 3
    before = h + 1  # uses h as it was (add saves nothing)
    h *= x
    (before * before + h).sum().backward()
    np.testing.assert_allclose(x.grad.data, 6 * (3 * x.data + 1) + 6 * x.data)


def test_hooks_registered_before_an_inplace_op_see_the_old_value_gradient():
    x = _t([1.0, 2.0], True)
    y = x * 1
    seen = {}
    y.register_hook(lambda g: seen.setdefault("before", g.data.copy()))
    y *= 3
    y.register_hook(lambda g: seen.setdefault("after", g.data.copy()))
    y.retain_grad()
    (y * y).sum().backward()
    np.testing.assert_allclose(seen["after"], [6.0, 12.0])  # as PyTorch
    np.testing.assert_allclose(seen["before"], [18.0, 36.0])
    np.testing.assert_allclose(y.grad.data, [6.0, 12.0])


@pytest.mark.parametrize("write", ["view", "chained_view", "base", "index_iadd"])
def test_writes_through_views_make_no_reference_cycle(write):
    """Freed by reference counting alone, without backward: the graph nodes made before a
    write name the replaced histories, not the rewritten tensors."""
    import gc
    import weakref

    gc.collect()
    gc.disable()
    try:
        x = _t([1.0, 2.0, 3.0, 4.0], True)
        y = x * 2
        if write == "view":
            v = y[:2]
            v *= 10
        elif write == "chained_view":
            y.reshape(2, 2)[0][1:] *= 3
        elif write == "base":
            v = y[1:]
            y += 1
        else:
            y[0:2] += 1
        ref = weakref.ref(y)
        del y
        v = None  # noqa: F841
        assert ref() is None
    finally:
        gc.enable()


# ----------------------------------------------------------------------------------------
# 4. **= is in place; @= is not (PyTorch has no __imatmul__: it rebinds)


def test_ipow_is_in_place_and_seen_by_views():
    x = _t([1.0, 2.0], True)
    y = x * 1
    a = y[:]
    ref = y
    y **= 2
    assert y is ref
    np.testing.assert_allclose(a.data, [1.0, 4.0])
    (a * y).sum().backward()
    np.testing.assert_allclose(x.grad.data, [4.0, 32.0])


def test_ipow_on_a_leaf_requiring_grad_is_refused():
    w = _t([1.0, 2.0], True)
    with pytest.raises(RuntimeError, match="leaf"):
        w **= 2


def test_imatmul_rebinds_as_pytorch():
    a = ag.ones((2, 2))
    alias = a
    a @= ag.ones((2, 2))
    assert a is not alias
    np.testing.assert_array_equal(a.data, 2 * np.ones((2, 2)))
    np.testing.assert_array_equal(alias.data, np.ones((2, 2)))


# ----------------------------------------------------------------------------------------
# 6. Refused exactly when a value the backward reads was changed


def test_changed_input_of_add_and_sub_is_allowed():
    x = _t([1.0, 2.0], True)
    y = x * 1
    z = (y + 3) - y
    y += 1
    z.sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 0.0])


def test_changed_input_of_mul_by_a_constant_is_allowed():
    x = _t([1.0, 2.0], True)
    y = x * 1
    z = y * 3  # saves only the 3
    y += 1
    z.sum().backward()
    np.testing.assert_allclose(x.grad.data, [3.0, 3.0])


def test_changed_input_saved_by_mul_is_refused():
    x, w = _t([1.0, 2.0], True), _t([1.0, 2.0], True)
    y = x * 1
    z = y * w  # w's gradient reads y
    y += 1
    with pytest.raises(RuntimeError, match="'mul'.*modified by an in-place"):
        z.sum().backward()


def test_changed_buffer_read_by_add_is_allowed_by_mul_is_refused():
    x = _t([1.0, 2.0], True)
    buf = ag.zeros(4, dtype=np.float64)
    z = buf + x.sum()
    buf[1:3] = x * x
    z.sum().backward()
    np.testing.assert_allclose(x.grad.data, [4.0, 4.0])
    buf2 = ag.zeros(4, dtype=np.float64)
    z2 = buf2 * x.sum()
    buf2[1:3] = x * x
    with pytest.raises(RuntimeError, match="'mul'"):
        z2.sum().backward()


def test_output_read_by_its_backward_changed_in_grad_mode_is_refused():
    x = _t([1.0, 2.0], True)
    y = x.exp()  # exp's backward reads its output
    y *= 2
    with pytest.raises(RuntimeError, match="'exp'"):
        y.sum().backward()


def test_output_not_read_by_its_backward_may_change():
    x = _t([1.0, 2.0], True)
    y = x + 1
    y *= 2
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [2.0, 2.0])
    x2 = _t([1.0, 2.0], True)
    h = x2 * 1
    r = h.tanh()  # tanh reads its output, not its input
    h += 1
    r.sum().backward()
    np.testing.assert_allclose(x2.grad.data, 1 - np.tanh(x2.data) ** 2)


def test_relu_reads_its_output_not_its_input():
    x = _t([1.0, -2.0], True)
    h = x * 1
    r = h.relu()
    h += 5  # would flip the mask if relu read its input
    r.sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.0, 0.0])
    r2 = (x * 1).relu()
    r2 += 1
    with pytest.raises(RuntimeError, match="'relu'"):
        r2.sum().backward()


def test_div_reads_its_inputs_not_its_output():
    a, b = _t([1.0, 2.0], True), _t([3.0, 4.0], True)
    y = a * 1
    y /= b
    y += 1  # overwrites div's output
    y.sum().backward()
    np.testing.assert_allclose(a.grad.data, [1 / 3, 1 / 4])
    np.testing.assert_allclose(b.grad.data, [-1 / 9, -2 / 16])


def _declared_cases():
    """One recorded node for every op whose backward's reads are declared."""
    rng = np.random.default_rng(0)

    def leaf(*shape):
        return ag.tensor(rng.uniform(0.5, 1.5, shape), requires_grad=True)

    a, b, m, w, bias, v4 = leaf(2, 3), leaf(2, 3), leaf(3, 2), leaf(4, 3), leaf(4), leaf(4)
    y = a * 1
    part = y[:, 1:]
    part *= b[:, 1:]  # y: copy_slices, part: as_strided
    cases = {
        "add": a + b, "sub": a - b, "mul": a * b, "div": a / b, "pow": a ** b, "neg": -a,
        "maximum": ops.maximum(a, b), "minimum": ops.minimum(a, b), "exp": a.exp(),
        "log": a.log(), "sqrt": a.sqrt(), "abs": a.abs(), "sin": a.sin(), "cos": a.cos(),
        "tanh": a.tanh(), "sigmoid": a.sigmoid(), "relu": (a - 1).relu(),
        "leaky_relu": (a - 1).leaky_relu(), "elu": (a - 1).elu(), "gelu": a.gelu(),
        "gelu_slope": ops.gelu_slope(a), "softplus": a.softplus(), "clip": a.clip(0.8, 1.2),
        "clone": a.clone(), "astype": a.astype(np.float32), "sum": a.sum(axis=1),
        "mean": a.mean(), "max": a.max(axis=0), "min": a.min(), "logsumexp": a.logsumexp(),
        "softmax": a.softmax(), "log_softmax": a.log_softmax(), "std": a.std(axis=1),
        "matmul": a @ m, "linear": ops.linear(a, w, bias),
        "vdot": ops.vdot(a, b), "concatenate": ag.concatenate([a, b]),
        "where": ag.where(a.data > 1, a, b), "getitem": a[1], "reshape": a.reshape(3, 2),
        "transpose": a.T, "broadcast_to": a.broadcast_to(4, 2, 3),
        "index_put": ops.index_put(a, (0, slice(1, 3)), b[1, :2]), "pad": ag.pad(a, 1),
        "sliding_window_view": ag.sliding_window_view(v4, 2),
        "window_sum": ops.window_sum(leaf(3, 2), (2,), (0,), (4,)),
        "windows": ops.windows(leaf(7, 2), (2,), (0,), (2,), (2,)),  # conv: issue 16/17
        "take_first": ops.take_first(a, np.array([1, 0, 1])),
        "put_first": ops.put_first(v4, np.array([0, 2, 1, 1]), 3),
        "index_add_at": ops.index_add_at(v4, ([0, 0, 1, 2],), (3,)),
        "scatter_set": ops.scatter_set(v4, (slice(0, 4),), (5,)),
        "copy_slices": y, "as_strided": part,
        "logsigmoid": ops.logsigmoid(a),  # issue 16's nn primitives
        # task "shape" (issue 16)
        "flip": a.flip(0), "roll": a.roll(1), "repeat": a.repeat(2, 1), "tril": a.tril(),
        "triu": a.triu(1), "diagonal": a.diagonal(), "diag_place": a.diag_embed(),
        "einsum": ag.einsum("ij,kj->ik", a, b), "cross": ag.cross(a, b, dim=1),
        "cdist": ag.cdist(a, b),
        "scatter_reduce": a.scatter_reduce(1, ag.tensor([[0, 0, 2], [1, 1, 1]]), b, "prod"),
    }
    c = a * ag.tensor([[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])  # a zero: prod's other vjp paths
    cases.update({  # issue 16: more reductions and scans
        "prod": c.prod(1), "cumsum": a.cumsum(1), "cumprod": c.cumprod(1),
        "logcumsumexp": a.logcumsumexp(0), "amax": a.amax(1), "amin": a.amin(),
        "median": a.median(), "norm": a.norm(3, 1),
    })
    u = a - 1  # in (-0.5, 0.5): asin, acos, atanh
    cases.update({  # issue 16: more elementwise ops
        **{n: getattr(a, n)() for n in "tan atan sinh cosh asinh log2 log10 log1p exp2 expm1 "
           "rsqrt reciprocal square sign sgn floor ceil round trunc frac erf erfc "
           "nan_to_num".split()},
        "asin": u.asin(), "acos": u.acos(), "atanh": u.atanh(), "acosh": (a + 1).acosh(),
        "atan2": a.atan2(b), "hypot": a.hypot(b), "logaddexp": a.logaddexp(b),
        "logaddexp2": a.logaddexp2(b), "xlogy": a.xlogy(b), "fmod": a.fmod(b * 0.3),
        "remainder": a.remainder(b * 0.3), "floor_divide": a // b,
        "div_trunc": a.div(b, rounding_mode="trunc"), "lerp": a.lerp(b, leaf(3)),
    })
    return cases


def _garbage(value):
    if isinstance(value, np.ndarray):
        return np.full_like(value, np.nan)
    return float("nan")


def test_every_declared_read_is_all_its_backward_reads():
    """A vjp given NaN for every saved value it is declared not to read gives the same
    gradient: a declaration that missed a read would let a changed value through."""
    cases = _declared_cases()
    assert set(cases) == set(engine.READS)
    rng = np.random.default_rng(1)
    for name, t in cases.items():
        node = t.grad_fn
        assert node.name == name
        table = engine.READS[name]
        g = rng.standard_normal(node.out_data.shape)
        for j, vjp in enumerate(node.vjps):
            if node.versions[j] < 0 or not node.inputs[j].requires_grad:
                continue
            reads = table[min(j, len(table) - 1)]
            real = vjp(ops.ARRAY_MATH, g, node.out_data, *node.values)
            values = [v if i in reads else _garbage(v) for i, v in enumerate(node.values)]
            out = node.out_data if "out" in reads else _garbage(node.out_data)
            np.testing.assert_array_equal(vjp(ops.ARRAY_MATH, g, out, *values), real,
                                          err_msg=f"{name}, input {j}")


# ----------------------------------------------------------------------------------------
# 7. pow at a zero base


def test_pow_exponent_gradient_at_a_zero_base():
    x = _t([0.0, 0.0, 0.0], True)
    y = _t([-1.0, 0.0, 2.0], True)
    with np.errstate(divide="ignore"):
        (x ** y).sum().backward()
    np.testing.assert_array_equal(y.grad.data, [-np.inf, 0.0, 0.0])
    np.testing.assert_array_equal(x.grad.data, [-np.inf, 0.0, 0.0])


def test_number_zero_to_a_tensor_power():
    y = _t([-1.0, 0.0, 2.0], True)
    with np.errstate(divide="ignore"):
        z = 0 ** y
    np.testing.assert_array_equal(z.data, [np.inf, 1.0, 0.0])
    with np.errstate(divide="ignore"):
        z.sum().backward()
    np.testing.assert_array_equal(y.grad.data, [-np.inf, 0.0, 0.0])


def test_pow_base_gradient_masked_only_by_a_zero_exponent():
    x = _t([0.0, 0.0, 2.0], True)
    with np.errstate(divide="ignore"):
        (x ** _t([0.0, -1.0, 0.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, -np.inf, 0.0])


# ----------------------------------------------------------------------------------------
# 8. Threads running backward into the same parameters lose nothing


def test_threads_backward_into_shared_parameters():
    w = ag.tensor(np.ones((500, 500)), requires_grad=True)
    steps, n_threads = 30, 4

    def work(k):
        c = ag.tensor(np.full((500, 500), float(k + 1)))
        for _ in range(steps):
            (w * c).sum().backward()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    serial = steps * sum(k + 1 for k in range(n_threads))  # exact in float64
    np.testing.assert_array_equal(w.grad.data, np.full((500, 500), float(serial)))


# ----------------------------------------------------------------------------------------
# Differential test: random programs of views and in-place ops against numpy
#
# The oracle runs the same program on numpy arrays, whose views and in-place writes have
# PyTorch's forward meaning; its gradient is central finite differences of that program
# (a polynomial in x: divisions are by constants only).

_X0 = np.array([[0.7, -1.2, 0.4], [1.1, -0.3, 0.9]])
_OPS = ["+=", "-=", "*=", "/=", "**="]


def _start(x, lib):
    zeros = ag.zeros((2, 3), dtype=np.float64) if lib is ag else np.zeros((2, 3))
    return [x, x * 1.5, zeros]


def _view(a, kind, arg, lib):
    if kind == "slice":
        return a[arg[0]:arg[1]]
    if kind == "cols":
        return a[:, arg[0]:arg[1]]
    if kind == "int":
        return a[arg, ...]
    if kind == "T":
        return a.T
    if kind == "swap":
        return a.swapaxes(0, 1)
    if kind == "reshape":
        return a.reshape(-1)
    if kind == "unsqueeze":
        return a.unsqueeze(0) if lib is ag else np.expand_dims(a, 0)
    if kind == "expand":
        return a.unsqueeze(0).expand(2, *a.shape) if lib is ag else \
            np.broadcast_to(a[None], (2,) + a.shape)
    if kind == "index":  # advanced: a copy
        return a[arg]
    if kind == "mask":
        return a[np.arange(math.prod(a.shape)).reshape(a.shape) % 2 == 0]
    raise AssertionError(kind)


def _operand(pool, spec):
    kind, arg = spec
    return arg if kind == "c" else pool[arg].sum() * 0.3


def _iop(a, op, value):
    if op == "+=":
        a += value
    elif op == "-=":
        a -= value
    elif op == "*=":
        a *= value
    elif op == "/=":
        a /= value
    else:
        a **= 2
    return a


def _run(program, x, lib):
    pool = _start(x, lib)
    for step in program:
        kind = step[0]
        if kind == "new":
            _, i, j, c = step
            pool.append(pool[i] * c + pool[j].sum())
        elif kind == "view":
            _, i, how, arg = step
            pool.append(_view(pool[i], how, arg, lib))
        elif kind == "iop":
            _, i, op, spec = step
            value = pool[i] * spec[1] if spec[0] == "self" else _operand(pool, spec)
            pool[i] = _iop(pool[i], op, value)  # the same object, as Python's `t += v`
        elif kind == "set":
            _, i, index, spec = step
            pool[i][index] = _operand(pool, spec)
        else:  # "iset": t[index] op= v (a read, an in-place op, a write)
            _, i, index, op, spec = step
            t = pool[i]
            t[index] = _iop(t[index], op, _operand(pool, spec))
    return pool


def _loss(pool):
    total = 0.0
    for k, t in enumerate(pool):
        w = np.random.default_rng(k).uniform(-1.0, 1.0, np.shape(t.data if isinstance(
            t, ag.Tensor) else t))
        total = total + (t * w).sum()
    return total


@st.composite
def _programs(draw):
    """A short program, drawn while running it on numpy to know shapes and which tensors
    may be written (not views of the leaf x, which both refuse, nor read-only expands)."""
    x = _X0.copy()
    pool = _start(x, np)
    program = []
    for _ in range(draw(st.integers(2, 7))):
        writable = [i for i, a in enumerate(pool)
                    if a.flags.writeable and not np.shares_memory(a, x)]
        kind = draw(st.sampled_from(["new", "view", "view", "iop", "iop", "set", "iset"]))
        spec = draw(st.one_of(
            st.tuples(st.just("c"), st.sampled_from([0.5, 1.25, 2.0])),
            st.tuples(st.just("t"), st.integers(0, len(pool) - 1)),
        ))
        if kind == "new":
            step = ("new", draw(st.integers(0, len(pool) - 1)),
                    draw(st.integers(0, len(pool) - 1)), draw(st.sampled_from([0.5, -1.5])))
        elif kind == "view":
            i = draw(st.integers(0, len(pool) - 1))
            a = pool[i]
            kinds = ["T", "reshape", "unsqueeze", "expand"]
            if a.ndim >= 1:
                kinds += ["slice", "int", "index", "mask"]
            if a.ndim >= 2:
                kinds += ["cols", "swap"]
            how = draw(st.sampled_from(kinds))
            n = a.shape[0] if a.ndim else 0
            arg = None
            if how == "slice":
                lo = draw(st.integers(0, n - 1))
                arg = (lo, draw(st.integers(lo + 1, n)))
            elif how == "cols":
                lo = draw(st.integers(0, a.shape[1] - 1))
                arg = (lo, draw(st.integers(lo + 1, a.shape[1])))
            elif how == "int":
                arg = draw(st.integers(0, n - 1))
            elif how == "index":
                arg = draw(st.sampled_from([[0, 0], [n - 1, 0]]))
            step = ("view", i, how, arg)
        elif not writable:
            continue
        else:
            i = draw(st.sampled_from(writable))
            a = pool[i]
            op = draw(st.sampled_from(_OPS))
            if op == "/=":  # by constants only: the program stays a polynomial
                spec = ("c", spec[1] if spec[0] == "c" else 2.0)
            if kind == "iop":
                if op != "/=" and draw(st.booleans()):
                    spec = ("self", draw(st.sampled_from([0.5, -1.0])))  # `c += c * k`
                step = ("iop", i, op, spec)
            elif a.ndim == 0:
                continue
            else:
                n = a.shape[0]
                index = draw(st.sampled_from(
                    [0, slice(0, 1), slice(n - 1, n), [n - 1, 0] if n > 1 else [0],
                     np.arange(math.prod(a.shape)).reshape(a.shape) % 2 == 1]))
                if isinstance(index, np.ndarray) and not index.any():
                    index = 0
                step = ("set", i, index, spec) if kind == "set" else \
                    ("iset", i, index, op, spec)
        program.append(step)
        pool = _run(program, _X0.copy(), np)
        x = pool[0]
    return program


@settings(deadline=None)
@given(_programs())
def test_random_view_and_inplace_programs_match_numpy(program):
    x = ag.tensor(_X0.copy(), requires_grad=True)
    pool = _run(program, x, ag)
    expected = _run(program, _X0.copy(), np)
    for got, want in zip(pool, expected):  # every tensor sees every write (views included)
        np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-12)
    loss = _loss(pool)
    np.testing.assert_allclose(loss.item(), _loss(expected), rtol=1e-12)
    loss.backward()

    h = 1e-6
    numeric = np.zeros_like(_X0)
    for k in range(_X0.size):
        step = np.zeros(_X0.size)
        step[k] = h
        step = step.reshape(_X0.shape)
        up = _loss(_run(program, _X0 + step, np))
        down = _loss(_run(program, _X0 - step, np))
        numeric.flat[k] = (up - down) / (2 * h)
    scale = 1 + np.abs(numeric).max()
    np.testing.assert_allclose(x.grad.data, numeric, rtol=1e-5, atol=1e-6 * scale)

