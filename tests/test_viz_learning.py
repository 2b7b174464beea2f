"""Issue 18, drawing part: graphs a student learns from. Module clusters (and collapsing
them), x/target named, constants hidden, the backward's gradients in the course's notation,
``ag.explain``, notebook reprs, and examples that run without Graphviz's ``dot``."""

from __future__ import annotations

import inspect
import re
import shutil
import subprocess
import sys
import weakref
from pathlib import Path

import numpy as np
import pytest

import autograd_lite as ag
import nn
from autograd_lite import viz

ROOT = Path(__file__).resolve().parents[1]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not found")


def classifier(p: float = 0.5):
    """Linear-Tanh-Dropout-Linear on 4 samples with CrossEntropyLoss, after a backward
    that keeps the graph: (model, x, y, logits, loss)."""
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Dropout(p), nn.Linear(5, 3))
    x = ag.randn(4, 4, dtype=ag.float64)
    model.to(ag.float64)
    y = ag.tensor(np.array([0, 2, 1, 2]))
    logits = model(x)
    loss = nn.CrossEntropyLoss()(logits, y)
    loss.backward(retain_graph=True)
    return model, x, y, logits, loss


def placement(source: str) -> dict[str, tuple[list[str], str]]:
    """node id -> (labels of the clusters around it, outermost first; its label text)."""
    out, stack = {}, []
    for line in source.splitlines():
        line = line.strip()
        if line.startswith("subgraph cluster_"):
            stack.append(None)
        elif line.startswith("label=<") and stack and stack[-1] is None:
            stack[-1] = re.sub(r"<[^>]*>", "\n", line[len("label=<"):].split("> style")[0])
            stack[-1] = stack[-1].split("\n")[0]
        elif line == "}":
            if stack:
                stack.pop()
        else:
            m = re.match(r"(\w+) \[label=<(.*)> ", line)
            if m:
                text = re.sub(r"<BR/>", "\n", m.group(2))
                out[m.group(1)] = (list(stack), re.sub(r"<[^>]*>", "", text))
    return out


def find(nodes: dict, first_line: str) -> tuple[list[str], str]:
    hits = [v for v in nodes.values() if v[1].split("\n")[0] == first_line]
    assert len(hits) == 1, (first_line, [v[1].split("\n")[0] for v in nodes.values()])
    return hits[0]


def test_nodes_are_grouped_by_the_module_that_made_them():
    model, *_, loss = classifier()
    nodes = placement(ag.to_dot(loss, params=model))
    assert find(nodes, "log_softmax(axis=1)")[0] == ["CrossEntropyLoss"]
    assert find(nodes, "vdot")[0] == ["CrossEntropyLoss"]
    assert find(nodes, "tanh")[0] == ["Sequential", "1: Tanh"]
    assert find(nodes, "mul")[0] == ["Sequential", "2: Dropout"]
    linear = [v for v in nodes.values() if v[1] == "linear"]
    assert sorted(v[0][-1] for v in linear) == ["0: Linear", "3: Linear"]
    assert find(nodes, "0.weight (W1)")[0] == ["Sequential", "0: Linear"]
    assert find(nodes, "x")[0] == [] and find(nodes, "target")[0] == []
    # without the model, clusters are named by type only
    assert "label=<0: Linear>" not in ag.to_dot(loss)
    assert "label=<Linear>" in ag.to_dot(loss)


def test_nn_loss_functions_group_their_ops_too():
    model, x, y, *_ = classifier()
    import nn.functional as F

    nodes = placement(ag.to_dot(F.cross_entropy(model(x), y), params=model))
    assert find(nodes, "log_softmax(axis=1)")[0] == ["cross_entropy"]
    assert find(nodes, "target")[0] == []
    # called by CrossEntropyLoss, the function adds no second box around the same ops
    _, _, _, _, loss = classifier()
    assert "cluster" in ag.to_dot(loss) and "cross_entropy" not in ag.to_dot(loss)


@pytest.mark.parametrize("call", [
    lambda z, y: nn.CrossEntropyLoss()(z, target=y),
    lambda z, y: nn.CrossEntropyLoss()(target=y, input=z),
    lambda z, y: nn.functional.cross_entropy(input=z, target=y),
])
def test_inputs_and_targets_given_by_keyword_are_found_too(call):
    model, x, y, *_ = classifier()
    source = ag.to_dot(call(model(x), y), params=model)
    nodes = placement(source)
    assert find(nodes, "target")[0] == [] and find(nodes, "x")[0] == []
    assert find(nodes, "tanh")[0] == ["Sequential", "1: Tanh"]  # not in the loss's box
    assert fed_by(source, "target") == [((find(nodes, "vdot")[0][0],), "vdot")]
    mse = ag.to_dot(nn.MSELoss()(model(x), target=ag.zeros(4, 3, dtype=ag.float64)))
    assert mse.count("subgraph cluster_") == 6  # MSELoss, not also mse_loss around it


@pytest.mark.parametrize("name, target", [
    ("kl_div", lambda x: x.softmax(1)), ("smooth_l1_loss", lambda x: x * 0),
    ("soft_margin_loss", lambda x: ag.ones(*x.shape)), ("poisson_nll_loss", lambda x: x * 0),
    ("multilabel_soft_margin_loss", lambda x: ag.ones(*x.shape)),
    ("hinge_embedding_loss", lambda x: ag.ones(*x.shape)),
    ("multi_margin_loss", lambda x: ag.tensor([0, 1, 2, 0, 1])),
])
def test_issue_16_losses_called_directly_get_their_own_box(name, target):
    import nn.functional as F

    x = ag.randn(5, 3, requires_grad=True)
    dot = ag.to_dot(getattr(F, name)(x.detach().requires_grad_(), target(x.detach())))
    assert f"label=<{name}>" in dot and "target" in dot


@pytest.mark.parametrize("name, module", [
    ("cosine_embedding_loss", nn.CosineEmbeddingLoss),
    ("margin_ranking_loss", nn.MarginRankingLoss),
])
def test_three_input_losses_get_their_own_box_and_name_their_third_input_target(name, module):
    import nn.functional as F

    a, b = ag.randn(5, 3, requires_grad=True), ag.randn(5, 3)
    if name == "margin_ranking_loss":
        a, b = a[:, 0], b[:, 0]
    y = ag.tensor([1.0, -1.0, 1.0, 1.0, -1.0])
    for call, box in ((getattr(F, name), name), (module(), module.__name__)):
        nodes = placement(ag.to_dot(call(a, b, y)))
        assert find(nodes, "mean")[0] == [box]  # the reduction, inside the loss's box
        assert find(nodes, "target")[1] == "target\n5 float32"  # y, not input2


def test_triplet_margin_loss_gets_its_own_box_and_names_no_target():
    import nn.functional as F

    a, p, n = ag.randn(4, 3, requires_grad=True), ag.randn(4, 3), ag.randn(4, 3)
    dot = ag.to_dot(F.triplet_margin_loss(a, p, n))
    assert "label=<triplet_margin_loss>" in dot and "target" not in dot
    assert "label=<TripletMarginLoss>" in ag.to_dot(nn.TripletMarginLoss()(a, p, n))


def test_collapse_draws_one_node_per_innermost_module():
    model, *_, loss = classifier()
    source = ag.to_dot(loss, params=model, collapse=True, show_grad=True)
    nodes = placement(source)
    assert "linear" not in {v[1] for v in nodes.values()}
    assert find(nodes, "0: Linear")[0] == ["Sequential"]
    assert "25 parameters" in find(nodes, "0: Linear")[1]
    assert find(nodes, "CrossEntropyLoss")[0] == []
    assert "dZ2" in find(nodes, "3: Linear")[1]
    edges = re.findall(r"^\t(\w+) -> (\w+)$", source, re.M)
    names = {k: v[1].split("\n")[0] for k, v in nodes.items()}
    drawn = {(names[a], names[b]) for a, b in edges}
    assert drawn == {("x", "0: Linear"), ("0: Linear", "1: Tanh"), ("1: Tanh", "2: Dropout"),
                     ("2: Dropout", "3: Linear"), ("3: Linear", "CrossEntropyLoss"),
                     ("target", "CrossEntropyLoss")}


# A data input (no requires_grad) is no graph node: the drawing finds the ops that read it.
FIRST_OPS = {
    "conv": (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(),
                                   nn.Linear(2 * 6 * 6, 3)), (4, 1, 8, 8)),
    "linear": (lambda: nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3)), (4, 5)),
    "flatten": (lambda: nn.Sequential(nn.Flatten(), nn.Linear(6, 4), nn.ReLU(),
                                      nn.Linear(4, 3)), (4, 2, 3)),
    "batchnorm": (lambda: nn.Sequential(nn.BatchNorm1d(5), nn.Linear(5, 3)), (4, 5)),
}


def data_model(kind: str, requires_grad: bool):
    """(model, loss) of FIRST_OPS[kind] on a batch of 4 with CrossEntropyLoss."""
    ag.manual_seed(0)
    make, shape = FIRST_OPS[kind]
    model = make()
    x = ag.randn(*shape, requires_grad=requires_grad)
    return model, nn.CrossEntropyLoss()(model(x), ag.tensor(np.array([0, 1, 2, 0])))


def fed_by(source: str, first_line: str) -> list[tuple[tuple[str, ...], str]]:
    """(clusters around it, label) of each node the node ``first_line`` feeds, sorted."""
    nodes = placement(source)
    (src,) = [k for k, v in nodes.items() if v[1].split("\n")[0] == first_line]
    return sorted((tuple(nodes[d][0]), nodes[d][1].split("\n")[0])
                  for s, d in re.findall(r"^\t(\w+) -> (\w+)$", source, re.M) if s == src)


@pytest.mark.parametrize("kind, requires_grad, first", [
    ("conv", False, {("0: Conv2d", "matmul")}),  # the window copy of x ran unrecorded
    ("conv", True, {("0: Conv2d", "windows")}),
    ("linear", False, {("0: Linear", "linear")}),
    ("linear", True, {("0: Linear", "linear")}),
    ("flatten", False, {("1: Linear", "linear")}),  # Flatten's reshape ran unrecorded
    ("flatten", True, {("0: Flatten", "reshape(shape=(4, 6))")}),
    ("batchnorm", False, {("0: BatchNorm1d", "mul")}),
    ("batchnorm", True, {("0: BatchNorm1d", "sub"),
                         ("0: BatchNorm1d", "mean(axis=0, keepdims=True)")}),
])
def test_the_input_feeds_the_first_ops_of_the_model_with_or_without_requires_grad(
        kind, requires_grad, first):
    model, loss = data_model(kind, requires_grad)
    source = ag.to_dot(loss, params=model)
    assert fed_by(source, "x") == sorted((("Sequential", box), op) for box, op in first)
    # the target feeds the loss's op that reads its one-hot weights
    assert fed_by(source, "target") == [(("CrossEntropyLoss",), "vdot")]
    collapsed = ag.to_dot(loss, params=model, collapse=True)
    assert set(fed_by(collapsed, "x")) == {(("Sequential",), box) for box, _ in first}


class RNN(nn.Module):
    """h = tanh(inp(x[:, t]) + rec(h)) over the steps of x, then a head: one Linear per
    role, called at every step."""

    def __init__(self) -> None:
        super().__init__()
        self.inp, self.rec, self.head = nn.Linear(3, 5), nn.Linear(5, 5), nn.Linear(5, 2)

    def forward(self, x):
        h = ag.zeros(x.shape[0], 5)  # a constant made inside: no copy of x
        for t in range(x.shape[1]):
            h = (self.inp(x[:, t]) + self.rec(h)).tanh()
        return self.head(h)


def rnn_loss():
    ag.manual_seed(0)
    model = RNN()
    loss = model(ag.randn(4, 3, 3)).sum()
    loss.backward(retain_graph=True)
    return model, loss


def test_a_loop_reusing_a_linear_shares_its_weights_and_numbers_its_calls():
    model, loss = rnn_loss()
    source = ag.to_dot(loss, params=model, show_grad=True)
    nodes = placement(source)
    # x feeds each step's inp call (x[:, t] is a view of it), not rec's zero first state
    assert fed_by(source, "x") == [(("RNN", "inp: Linear"), "linear")] * 3
    # a weight used by three calls sits in the box around them, named by its layer
    assert find(nodes, "inp.weight (W1)")[0] == ["RNN"]
    assert find(nodes, "rec.bias (b2)")[0] == ["RNN"] and find(nodes, "head.weight (W3)")[0] \
        == ["RNN", "head: Linear"]
    for t in (1, 2, 3):
        assert find(nodes, f"Z1⟨{t}⟩")[0] == ["RNN", "inp: Linear"]
        assert f"dZ2⟨{t}⟩ " in find(nodes, f"Z2⟨{t}⟩")[1]
    # collapsed, the calls are joined only by the data that flows between them
    collapsed = ag.to_dot(loss, params=model, collapse=True)
    shown = placement(collapsed)
    edges = {(shown[a][1].split("\n")[0], shown[b][1].split("\n")[0])
             for a, b in re.findall(r"^\t(\w+) -> (\w+)$", collapsed, re.M)}
    assert not [e for e in edges if e[0].endswith("Linear") and e[1].endswith("Linear")]
    assert ("inp.weight (W1)", "inp: Linear") in edges


class Cat(nn.Module):
    def forward(self, xs):
        return ag.concatenate(xs, 1)


class First(nn.Module):
    def forward(self, xs):
        return xs[0]


class TwoBranches(nn.Module):
    """cat([a(x), tanh(b(x))]) through a module that takes the list (or tuple)."""

    def __init__(self, sequence: type) -> None:
        super().__init__()
        self.sequence = sequence
        self.a, self.b, self.cat, self.first = nn.Linear(3, 2), nn.Linear(3, 2), Cat(), First()

    def forward(self, x):
        both = self.sequence([self.a(x), self.b(x).tanh()])
        return self.cat(both).relu().sum() + self.first(both).sum()


@pytest.mark.parametrize("sequence", [list, tuple])
def test_a_module_called_with_a_list_boxes_only_its_own_ops(sequence):
    model = TwoBranches(sequence)
    loss = model(ag.randn(5, 3)).sum()
    nodes = placement(ag.to_dot(loss, params=model))
    assert find(nodes, "concatenate(axis=1)")[0] == ["TwoBranches", "cat: Cat"]
    inside = [v[1] for v in nodes.values() if v[0] == ["TwoBranches", "cat: Cat"]]
    assert len(inside) == 2  # concatenate and its output
    assert find(nodes, "tanh")[0] == find(nodes, "relu")[0] == ["TwoBranches"]
    assert find(nodes, "x")[0] == []
    assert find(nodes, "a.weight (W1)")[0] == ["TwoBranches", "a: Linear"]
    assert "First" not in ag.to_dot(loss, params=model)  # it made nothing: no box


def test_constants_are_hidden_unless_asked():
    model, *_, loss = classifier()
    hidden = ag.to_dot(loss, params=model)
    assert "array(" not in hidden  # the dropout mask
    assert hidden.count('style="filled,dashed"') == 2  # constants drawn: x and target only
    shown = ag.to_dot(loss, params=model, show_constants=True)
    assert "array(4×5 float64)" in shown  # the dropout mask
    assert shown.count('style="filled,dashed"') == 3  # and the reduction's one-hot weights
    assert len(placement(shown)) == len(placement(hidden)) + 1


def test_backward_gradients_drawn_in_course_notation_without_retain_grad():
    model, x, y, logits, loss = classifier(p=0.0)
    nodes = placement(ag.to_dot(loss, params=model, show_grad=True))
    z2 = find(nodes, "Z2")[1]
    # dZ = (softmax(Z) - y) / N: the closed form, read off the picture's numbers
    Z = logits.data
    p = np.exp(Z - Z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    dZ = (p - np.eye(3)[y.data]) / 4
    np.testing.assert_allclose(logits.grad_fn.grad, dZ, rtol=1e-12)
    assert re.search(r"dZ2 mean -?[0-9.e-]+, std", z2)
    for name in ("A1", "Z1"):
        assert "d" + name + " " in find(nodes, name)[1]
    assert "dW1 " in find(nodes, "0.weight (W1)")[1] and "db2 " in find(nodes, "3.bias (b2)")[1]
    assert logits.grad is None  # nothing was retained on the tensor itself
    assert "grad" not in find(nodes, "x")[1]  # constants have no gradient line


def test_a_backward_that_frees_the_graph_keeps_no_gradients():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x.tanh()
    y = (h * 3.0).sum()
    y.backward()
    assert getattr(h.grad_fn, "grad", None) is None
    y = (x.tanh() * 3.0).sum()
    y.backward(retain_graph=True, create_graph=True)  # kept as plain arrays, no graph
    assert type(y.grad_fn.inputs[0].grad_fn.grad) is np.ndarray


def test_module_tags_keep_no_tensor_alive_and_skip_identities():
    lin = nn.Linear(2, 2)
    x = ag.randn(3, 2)
    loss = lin(x).sum()
    node = loss.grad_fn.inputs[0].grad_fn
    (module, args), = node.owners
    assert module is lin and args[0] is x
    loss.backward()  # frees the graph and the tag: nothing but the caller holds x now
    ref = weakref.ref(x)
    del x, args
    assert ref() is None and node.owners is None
    drop = nn.Dropout(0.5).eval()
    h = lin(ag.randn(3, 2))
    assert drop(h) is h and len(h.grad_fn.owners) == 1


def test_explain_rows_in_backward_order_with_formulas():
    model, *_, loss = classifier()
    e = ag.explain(loss, params=model)
    ops = [r["op"] for r in e.rows]
    assert ops == ["vdot", "log_softmax(axis=1)", "linear", "mul", "tanh", "linear"]
    tanh = e.rows[4]
    assert tanh["formula"] == "d tanh = 1 − out²" and tanh["module"] == "1: Tanh"
    assert tanh["inputs"] == "Z1 4×5" and tanh["output"] == "A1 4×5"
    first = e.rows[5]
    assert first["sends"].startswith("dW1: ") and "db1: " in first["sends"]
    assert e.rows[0]["grad_output"] == "1."
    text = str(e)
    assert text.splitlines()[0].split() == list(e.COLUMNS)
    assert "d tanh = 1 − out²" in text and len(text.splitlines()) == 7
    page = e._repr_html_()
    assert page.startswith("<table>") and page.count("<tr>") == 7
    before = {n: p.grad.data.copy() for n, p in model.named_parameters()}
    ag.explain(loss)
    for n, p in model.named_parameters():
        np.testing.assert_array_equal(before[n], p.grad.data)
    # before any backward: ops and formulas, no gradients
    fresh = ag.explain((ag.tensor([1.0], requires_grad=True).exp() * 2).sum())
    assert [r["formula"] for r in fresh.rows][1:] == ["∂/∂a = b, ∂/∂b = a", "d exp = out"]
    assert {r["grad_output"] for r in fresh.rows} == {"—"}


def test_rankdir_by_depth_unless_given():
    x = ag.tensor([1.0], requires_grad=True)
    assert "rankdir=LR" in ag.to_dot((x * 2).sum())
    deep = x
    for _ in range(viz.DEEP + 1):
        deep = deep.tanh()
    assert "rankdir=TB" in ag.to_dot(deep.sum())
    assert "rankdir=LR" in ag.to_dot(deep.sum(), rankdir="LR")


def test_module_and_monitor_html_reprs():
    model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))
    page = model._repr_html_()
    assert page.count("<tr>") == 5  # header + (model), 0, 1, 2
    assert "weight 5×4" in page and "43 parameters (43 trainable)" in page
    from nn.monitor import GradientMonitor

    with GradientMonitor(model) as monitor:
        model(ag.randn(8, 4)).sum().backward()
    page = monitor._repr_html_()
    assert "step 1" in page and page.count("<tr>") == 1 + len(monitor.layers)
    assert "grad_norm" in page


def test_graph_reprs_with_and_without_dot(tmp_path, monkeypatch):
    pytest.importorskip("graphviz")
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    g = ag.draw_graph((x * x).sum())
    if shutil.which("dot"):
        assert g._repr_svg_().lstrip().startswith("<?xml")
        assert "image/svg+xml" in g._repr_mimebundle_()
    monkeypatch.setenv("PATH", str(tmp_path))
    assert g._repr_svg_() is None
    page = g._repr_html_()
    assert "apt-get install graphviz" in page and "digraph" in page and "-&gt;" in page
    bundle = g._repr_mimebundle_()
    assert "image/svg+xml" not in bundle and bundle["text/plain"] == g.source


def test_without_the_graphviz_package_draw_graph_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # `import graphviz` fails
    viz._digraph_class.cache_clear()  # the Digraph class made while graphviz was there
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    for call in (lambda: ag.draw_graph(loss), lambda: viz.render(ag.to_dot(loss), "g"),
                 lambda: viz.pipe(ag.to_dot(loss))):
        with pytest.raises(ImportError, match=r"graphviz Python package.*"
                           r"`pip install graphviz`.*autograd-lite\[viz\]") as e:
            call()
        assert e.value.name == "graphviz"
    assert "the Graphviz `dot` program alone is not enough" in str(e.value)
    # what needs neither the package nor `dot`
    assert ag.to_dot(loss).startswith("digraph {")
    assert ag.to_html(loss).startswith("<!DOCTYPE html>")
    assert ag.explain(loss).rows[0]["op"] == "sum"


def test_monitor_plot_keeps_the_backend(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    from nn.monitor import GradientMonitor

    before = matplotlib.rcParams._get_backend_or_none()
    model = nn.Sequential(nn.Linear(2, 2))
    with GradientMonitor(model) as monitor:
        model(ag.randn(3, 2)).sum().backward()
    assert Path(monitor.plot(str(tmp_path / "g.png"))).stat().st_size > 0
    assert matplotlib.rcParams._get_backend_or_none() == before


def test_examples_force_agg_only_when_headless_and_not_interactive(monkeypatch):
    pytest.importorskip("matplotlib")
    pytest.importorskip("tqdm")
    pytest.importorskip("threadpoolctl")
    monkeypatch.syspath_prepend(str(ROOT / "examples"))
    import _common

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert _common.headless_batch()

    class Shell:  # what `%run` in IPython/Jupyter finds
        @staticmethod
        def get_ipython():
            return object()

    monkeypatch.setitem(sys.modules, "IPython", Shell)
    assert not _common.headless_batch()
    monkeypatch.delitem(sys.modules, "IPython")
    monkeypatch.setenv("DISPLAY", ":0")
    assert not _common.headless_batch()


def test_readme_demo_runs_without_dot_and_writes_the_dot_source(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("graphviz")
    empty = tmp_path / "bin"
    empty.mkdir()
    result = subprocess.run(
        [sys.executable, "examples/digits.py", "--smoke", "--quiet", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={"PATH": str(empty), "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    dot = tmp_path / "digits_graph.dot"
    assert dot.read_text().startswith("digraph {") and "subgraph cluster_" in dot.read_text()
    assert f"dot -Tsvg {dot}" in result.stdout


@needs_dot
def test_docs_picture_script(tmp_path):
    pytest.importorskip("graphviz")
    out = tmp_path / "g.svg"
    subprocess.run([sys.executable, "docs/make_graph.py", str(out)], cwd=ROOT, check=True,
                   timeout=120)
    text = out.read_text()
    assert "<svg" in text and "0: Linear" in text and "dW1" in text


def _reference_bind(fn, args, kwargs):
    bound = inspect.signature(fn).bind(*args, **kwargs)
    return bound.args + tuple(bound.kwargs.values())


@pytest.mark.parametrize("args, kwargs", [
    ((1,), {"b": 2}), ((1,), {"b": 2, "d": 5}), ((1,), {"c": 3, "d": 5}),
    ((1,), {"b": 2, "c": 3}), ((1, 2), {"d": 4}), ((1,), {"d": 4, "c": 3, "b": 2})])
def test_call_args_binds_keywords_to_positions_as_inspect_does(args, kwargs) -> None:
    from nn.modules import call_args

    def f(a, b=0, c=1, *, d=2):
        return a

    class M(nn.Module):
        def forward(self, a, b=0, c=1, *, d=2):
            return a

    assert call_args(f, args, kwargs) == _reference_bind(f, args, kwargs)
    m = M()
    assert call_args(m.forward, args, kwargs) == _reference_bind(m.forward, args, kwargs)
