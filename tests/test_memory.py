"""Memory: backward frees the graph's saved arrays, a training loop holds memory flat, and
no reference cycle keeps a graph alive (checked with the garbage collector off)."""

from __future__ import annotations

import gc
import tracemalloc
import weakref
from contextlib import contextmanager

import numpy as np
import pytest

import autograd_lite as ag


@contextmanager
def gc_disabled():
    """Only reference counting frees objects inside: a cycle would leak."""
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _graph_nodes(root):
    """Every Node reachable from ``root`` (iteratively)."""
    seen, out, stack = set(), [], [root]
    while stack:
        t = stack.pop()
        node = t.grad_fn
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        out.append(node)
        stack.extend(p for p in node.inputs or () if isinstance(p, ag.Tensor))
    return out


# ----------------------------------------------------------------------------------------
# Saved arrays released by backward


def test_backward_releases_saved_arrays():
    x = ag.tensor(np.ones((50, 50)), requires_grad=True)
    w = ag.tensor(np.ones((50, 50)), requires_grad=True)
    loss = ((x @ w).tanh() * x).exp().sum()
    nodes = _graph_nodes(loss)
    assert len(nodes) >= 4 and all(n.values is not None for n in nodes)
    loss.backward()
    for n in nodes:
        assert n.inputs is None and n.values is None and n.out_data is None and n.vjps is None
    assert loss.grad_fn is not None and loss.grad_fn.name == "sum"  # readable after backward


def test_intermediate_arrays_are_freed_while_the_loss_is_still_held():
    x = ag.tensor(np.ones((100, 100)), requires_grad=True)
    with gc_disabled():
        e = x.exp()
        h = e * 2
        refs = [weakref.ref(e.data), weakref.ref(h.data), weakref.ref(e), weakref.ref(h)]
        loss = (h * h).sum()
        del e, h
        assert all(r() is not None for r in refs)  # the graph holds them for backward
        loss.backward()
        assert all(r() is None for r in refs), [r() is None for r in refs]
    assert loss.item() > 0 and x.grad is not None


def test_retain_graph_keeps_saved_arrays_until_the_last_backward():
    x = ag.tensor(np.ones((20, 20)), requires_grad=True)
    with gc_disabled():
        e = x.exp()
        ref = weakref.ref(e.data)
        loss = (e * e).sum()
        del e
        loss.backward(retain_graph=True)
        assert ref() is not None
        loss.backward()
        assert ref() is None


def test_backward_frees_tracemalloc_measured_memory():
    n = 200  # each saved float64 array is 320 kB
    x = ag.tensor(np.random.default_rng(0).normal(size=(n, n)), requires_grad=True)
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        y = x
        for _ in range(10):
            y = (y * 0.9).tanh()
        loss = y.sum()
        del y
        held = tracemalloc.get_traced_memory()[0] - base
        loss.backward()
        after = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    array = n * n * 8
    assert held > 15 * array  # ~20 saved arrays
    assert after < 2.5 * array, (held, after)  # x.grad plus small change


# ----------------------------------------------------------------------------------------
# A training-like loop holds memory flat


def _mlp_step(params, X, Y, lr=0.05):
    w1, b1, w2, b2 = params
    h = (X @ w1 + b1).relu()
    out = h @ w2 + b2
    loss = ((out - Y) ** 2).mean()
    loss.backward()
    with ag.no_grad():
        for p in params:
            p -= lr * p.grad
            p.zero_grad()
    return loss.item()


def test_training_loop_memory_is_flat():
    ag.manual_seed(0)
    rng = np.random.default_rng(0)
    gc.collect()
    with gc_disabled():  # any reference cycle per step would show up as growth
        tracemalloc.start()
        try:
            X = ag.tensor(rng.normal(size=(64, 16)).astype(np.float32))
            Y = ag.tensor(rng.normal(size=(64, 1)).astype(np.float32))
            params = [ag.randn(16, 32) * 0.3, ag.zeros(32), ag.randn(32, 1) * 0.3, ag.zeros(1)]
            params = [p.detach().requires_grad_() for p in params]
            first = _mlp_step(params, X, Y)
            # Warm-up: grads, numpy caches, and CPython's free lists (up to 2000 tuples per
            # size, which can take a few thousand steps to fill) reach their steady state.
            for _ in range(2999):
                _mlp_step(params, X, Y)
            warm = tracemalloc.get_traced_memory()[0]
            warm_objects = len(gc.get_objects())
            for _ in range(1000):
                last = _mlp_step(params, X, Y)
            end = tracemalloc.get_traced_memory()[0]
            end_objects = len(gc.get_objects())
        finally:
            tracemalloc.stop()
    assert last < first  # it trains
    growth = (end - warm) / warm
    print(f"traced memory after warm-up {warm} B, after 2000 steps {end} B ({growth:+.2%})")
    assert growth < 0.10, f"traced memory {warm} -> {end} bytes (+{growth:.1%})"
    assert end_objects - warm_objects < 50, (warm_objects, end_objects)


def test_training_loop_leaves_nothing_for_the_cycle_collector():
    rng = np.random.default_rng(1)
    X = ag.tensor(rng.normal(size=(16, 4)))
    Y = ag.tensor(rng.normal(size=(16, 1)))
    params = [ag.tensor(rng.normal(size=s), requires_grad=True)
              for s in ((4, 8), (8,), (8, 1), (1,))]
    gc.collect()
    with gc_disabled():
        for _ in range(20):
            _mlp_step(params, X, Y)
        found = gc.collect()  # objects only a cycle collection can free
    assert found == 0


# ----------------------------------------------------------------------------------------
# No reference cycles keep graphs alive


def _build(x, w, kind):
    if kind == "mlp":
        return ((x @ w).relu() @ w.T).softmax(axis=-1).log().mean()
    if kind == "indexing":
        return (x[[0, 0, 1]] * x[1:, ::2].sum()).sum()
    if kind == "inplace":
        h = x * 2
        h += 1
        h[0] = w[0, :3]
        g = h.clamp(max=5.0)
        g.fill_(1.0)
        return (h * x + g).sum()
    if kind == "function":
        class Sq(ag.Function):
            @staticmethod
            def forward(ctx, a):
                ctx.save_for_backward(a)
                return a * a

            @staticmethod
            def backward(ctx, g):
                (a,) = ctx.saved_tensors
                return 2 * a * g

        return Sq.apply(x @ w).sum()
    if kind == "hooks":
        h = x * 3
        h.register_hook(lambda g: g * 2)
        h.retain_grad()
        return (h @ w).sum()
    raise AssertionError(kind)


KINDS = ["mlp", "indexing", "inplace", "function", "hooks"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", ["dropped", "after_backward", "after_retained_backward"])
def test_graph_tensors_freed_by_refcount_alone(kind, mode):
    x = ag.tensor(np.linspace(-1, 1, 12).reshape(4, 3), requires_grad=True)
    w = ag.tensor(np.linspace(0.5, 1.5, 9).reshape(3, 3), requires_grad=True)
    with gc_disabled():
        loss = _build(x, w, kind)
        refs = [weakref.ref(loss)]
        stack = [loss]
        while stack:  # weak references to every tensor of the graph but the leaves
            t = stack.pop()
            if t.grad_fn is None:
                continue
            for p in t.grad_fn.inputs:
                if isinstance(p, ag.Tensor) and p.grad_fn is not None:
                    refs.append(weakref.ref(p))
                    stack.append(p)
        del stack, t, p
        assert len(refs) >= 2
        if mode == "after_backward":
            loss.backward()
        elif mode == "after_retained_backward":
            loss.backward(retain_graph=True)
        del loss
        alive = sum(r() is not None for r in refs)
        assert alive == 0, f"{alive} of {len(refs)} graph tensors kept alive"
    assert x.is_leaf and w.is_leaf


def test_ag_grad_with_create_graph_result_dropped_frees_the_graph():
    x = ag.tensor([0.5, 1.5], requires_grad=True)
    with gc_disabled():
        y = (x.sin() * x).sum()
        (g,) = ag.grad(y, x, create_graph=True)
        refs = [weakref.ref(y), weakref.ref(g)]
        del y, g
        assert all(r() is None for r in refs)


def test_detached_result_does_not_keep_the_graph():
    x = ag.tensor(np.ones(5), requires_grad=True)
    with gc_disabled():
        h = x.exp()
        ref = weakref.ref(h)
        kept = (h * 2).detach()
        del h
        assert ref() is None
    assert kept.grad_fn is None
