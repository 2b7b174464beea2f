"""Tests for autograd_lite.viz: DOT structure, rendering, escaping, folding, purity."""

from __future__ import annotations

import html
import re
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import viz

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not found")
HOSTILE = '<b>"w"</b> {a|b} & \\ \\" \\n ]; x -> y \' \x00'


# ----------------------------------------------------------------------------------------
# A tiny DOT parser: enough of the language for what viz writes, strict about the rest.

_TOKEN = re.compile(
    r'\s*(?:(?P<arrow>->)|(?P<punct>[\[\]{};=,])|"(?P<quoted>(?:[^"\\]|\\.)*)"'
    r"|(?P<html><)|(?P<word>[A-Za-z0-9_.\-\u0080-\uffff]+))",
    re.S,
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while True:
        pos = re.compile(r"\s*").match(text, pos).end()
        if pos == len(text):
            break
        m = _TOKEN.match(text, pos)
        assert m, f"bad DOT at {text[pos:pos + 40]!r}"
        kind = m.lastgroup
        if kind == "html":  # <...> with balanced angle brackets inside
            depth, i = 0, m.start("html")
            while True:
                depth += {"<": 1, ">": -1}.get(text[i], 0)
                i += 1
                if depth == 0:
                    break
            out.append(("html", text[m.start("html") + 1 : i - 1]))
            pos = i
        else:
            out.append((kind, m.group(kind)))
            pos = m.end()
    return out


def parse_dot(text: str) -> tuple[dict[str, dict[str, str]], list[tuple[str, str, dict]]]:
    """(nodes: id -> attrs, edges: [(src, dst, attrs)]) of a ``digraph { ... }``."""
    toks = _tokens(text)
    assert toks[:2] == [("word", "digraph"), ("punct", "{")] and toks[-1] == ("punct", "}")
    toks, i = toks[2:-1], 0
    nodes: dict[str, dict[str, str]] = {}
    edges: list[tuple[str, str, dict]] = []

    def attrs() -> dict[str, str]:
        nonlocal i
        out: dict[str, str] = {}
        if i < len(toks) and toks[i] == ("punct", "["):
            i += 1
            while toks[i] != ("punct", "]"):
                key, eq, val = toks[i], toks[i + 1], toks[i + 2]
                assert key[0] == "word" and eq == ("punct", "="), toks[i : i + 3]
                assert val[0] in ("word", "quoted", "html"), val
                out[key[1]] = val[1]
                i += 3
                if toks[i] in (("punct", ","), ("punct", ";")):
                    i += 1
            i += 1
        return out

    while i < len(toks):
        kind, name = toks[i]
        assert kind in ("word", "quoted"), toks[i]
        i += 1
        if name in ("graph", "node", "edge"):
            attrs()
        elif i < len(toks) and toks[i][0] == "arrow":
            dst = toks[i + 1][1]
            i += 2
            edges.append((name, dst, attrs()))
        else:
            assert name not in nodes, f"node {name} defined twice"
            nodes[name] = attrs()
        if i < len(toks) and toks[i] == ("punct", ";"):
            i += 1
    for src, dst, _ in edges:
        assert src in nodes and dst in nodes, (src, dst)
    return nodes, edges


def label_text(attrs: dict[str, str]) -> str:
    """The visible text of an HTML-like label: line breaks as newlines, no markup."""
    text = re.sub(r"<BR/>", "\n", attrs["label"])
    return html.unescape(re.sub(r"<[^>]*>", "", text))


def describe(nodes: dict, edges: list) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Readable names: op nodes by label, named tensors by name, the others as
    ``=op`` after the op that made them; edges as pairs of those names."""
    first = {n: label_text(a).split("\n")[0] for n, a in nodes.items()}
    maker = {dst: src for src, dst, _ in edges if src.startswith("op")}
    desc = {}
    for n, a in nodes.items():
        named = "<B>" in a["label"]
        desc[n] = first[n] if n.startswith("op") or named else "=" + first[maker[n]]
    return desc, sorted((desc[s], desc[d]) for s, d, _ in edges)


def small_expr():
    a = ag.tensor([1.0, -2.0], requires_grad=True)
    b = ag.tensor([3.0, 4.0], requires_grad=True)
    c = ag.tensor([0.5, 0.5])
    c.name = "c"
    return a, b, c, (a * b + c).relu().sum()


def mlp():
    """A 2-layer MLP from plain Tensors, and its params dict as nn.Module names them."""
    rng = np.random.default_rng(0)
    params = {
        "0.weight": ag.tensor(rng.normal(size=(3, 4)), requires_grad=True),
        "0.bias": ag.tensor(np.zeros(4), requires_grad=True),
        "2.weight": ag.tensor(rng.normal(size=(4, 2)), requires_grad=True),
        "2.bias": ag.tensor(np.zeros(2), requires_grad=True),
    }
    x = ag.tensor(rng.normal(size=(5, 3)))
    h = (x @ params["0.weight"] + params["0.bias"]).relu()
    return params, (h @ params["2.weight"] + params["2.bias"]).sum()


# ----------------------------------------------------------------------------------------


def test_small_expression_has_exactly_the_expected_nodes_and_edges():
    a, b, _, y = small_expr()
    nodes, edges = parse_dot(viz.to_dot(y, params={"a": a, "b": b}))
    desc, named_edges = describe(nodes, edges)
    assert sorted(desc.values()) == sorted(
        ["a", "b", "c", "mul", "=mul", "add", "=add", "relu", "=relu", "sum", "=sum"]
    )
    assert named_edges == sorted([
        ("a", "mul"), ("b", "mul"), ("mul", "=mul"),
        ("=mul", "add"), ("c", "add"), ("add", "=add"),
        ("=add", "relu"), ("relu", "=relu"),
        ("=relu", "sum"), ("sum", "=sum"),
    ])
    by_desc = {d: n for n, d in desc.items()}
    # tensor nodes: shape and dtype; the root marked; the three kinds of tensor distinct
    assert label_text(nodes[by_desc["a"]]) == "a\n2 float32"
    assert label_text(nodes[by_desc["=sum"]]) == "scalar float32"
    roots = [n for n, at in nodes.items() if "penwidth" in at]
    assert roots == [by_desc["=sum"]]
    kinds = {d: (nodes[n].get("shape"), nodes[n].get("style")) for d, n in by_desc.items()}
    assert kinds["a"] == kinds["b"]
    assert len({kinds["a"], kinds["c"], kinds["=mul"], kinds["mul"]}) == 4


def test_draw_graph_source_equals_to_dot_and_module_params():
    pytest.importorskip("graphviz")
    a, b, _, y = small_expr()

    class Module:  # anything with named_parameters() works as params
        def named_parameters(self):
            return iter([("layer.a", a), ("layer.b", b)])

    g = viz.draw_graph(y, params=Module(), rankdir="TB", show_data=True)
    assert g.source == viz.to_dot(y, params={"layer.a": a, "layer.b": b}, rankdir="TB",
                                  show_data=True)
    assert "rankdir=TB" in g.source
    labels = [label_text(at) for at in parse_dot(g.source)[0].values()]
    assert "layer.a\n2 float32\ndata [ 1., -2.]" in labels


def test_constants_and_op_arguments_are_shown_in_the_op_label():
    x = ag.tensor([[1.0, 2.0]], requires_grad=True)
    nodes, _ = parse_dot(viz.to_dot((2.0 - x * 3.0).sum(), show_constants=True))
    ops = sorted(label_text(at) for n, at in nodes.items() if n.startswith("op"))
    assert len(ops) == 3 and ops[0] == "mul\n(·, 3.0)" and ops[2] == "sum"
    assert ops[1].endswith("\n(2.0, ·)")  # 2.0 - t: the constant comes first
    nodes, _ = parse_dot(viz.to_dot((2.0 - x * 3.0).sum()))  # hidden unless asked
    assert sorted(label_text(at) for n, at in nodes.items() if n.startswith("op")) == \
        ["mul", "sub", "sum"]


def test_show_data_and_show_grad_values_stats_and_colours():
    big = ag.tensor(np.arange(100.0), requires_grad=True)
    small = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (big * 1e-4).sum() + (small * 10.0).sum()
    y.backward(retain_graph=True)
    nodes, _ = parse_dot(viz.to_dot(y, show_data=True, show_grad=True,
                                    params={"big": big, "small": small}))
    by_name = {label_text(at).split("\n")[0]: at for at in nodes.values()}
    big_text = label_text(by_name["big"])
    assert "data mean 49.5, std 28.87\nmin 0, max 99" in big_text
    assert "grad mean 0.0001, std 0" in big_text  # grad of a large tensor: stats too
    assert "data [1., 2.]\ngrad [10., 10.]" in label_text(by_name["small"])
    assert by_name["small"]["fillcolor"] == "#fc8d59"  # the largest gradient
    assert by_name["big"]["fillcolor"] not in ("#fc8d59", "#ffffff")  # 1e-5 of it
    # intermediates show the gradient the retain_graph backward sent them (no retain_grad)
    intermediate = [at for n, at in nodes.items() if n.startswith("t") and "<B>" not in
                    at["label"]]
    assert intermediate and all(at["fillcolor"] != "#ffffff" for at in intermediate)
    assert "grad 1." in label_text(nodes["t0"])
    assert viz._grad_colour(0.0, 1.0) == viz._ZERO_GRAD
    assert viz._grad_colour(float("nan"), 1.0) == viz._BAD_GRAD
    assert viz._grad_colour(1e-9, 1.0) == "#91bfdb"


@needs_dot
def test_renders_svg_and_png_with_mlp_parameter_names(tmp_path):
    pytest.importorskip("graphviz")
    params, loss = mlp()
    loss.backward(retain_graph=True)
    g = viz.draw_graph(loss, params=params, show_data=True, show_grad=True)
    svg_path = viz.render(g, str(tmp_path / "mlp"), "svg")
    png_path = g.render(outfile=str(tmp_path / "mlp.png"), format="png")
    root = ET.parse(svg_path).getroot()
    assert root.tag.endswith("svg")
    text = "".join(root.itertext())
    for name in params:
        assert name in text
    with open(png_path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert viz.pipe(viz.to_dot(loss), "svg").lstrip().startswith(b"<?xml")


def test_to_dot_works_without_dot_and_render_says_how_to_install(tmp_path, monkeypatch):
    graphviz = pytest.importorskip("graphviz")
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no `dot`
    assert shutil.which("dot") is None
    params, loss = mlp()
    source = viz.to_dot(loss, params=params)
    assert "0.weight" in source
    g = viz.draw_graph(loss, params=params)
    for attempt in (lambda: viz.render(g, str(tmp_path / "g"), "svg"),
                    lambda: g.render(outfile=str(tmp_path / "g.png"), format="png"),
                    lambda: g.pipe(format="svg"),
                    lambda: viz.pipe(source)):
        with pytest.raises(viz.GraphvizNotFoundError) as err:
            attempt()
        message = str(err.value)
        assert "apt-get install graphviz" in message and "brew install graphviz" in message
        assert "conda" in message
        assert isinstance(err.value.__cause__, graphviz.ExecutableNotFound)


def test_drawing_changes_neither_graph_nor_gradients():
    def snapshot(items: list) -> list:
        return [(t.requires_grad, t.grad_fn, t.name, t.data.copy(),
                 None if t.grad is None else t.grad.data.copy())
                if isinstance(t, ag.Tensor) else (t.label, t.inputs, t.next_tensors)
                for t in items]

    def run(draw: bool) -> dict:
        params, loss = mlp()
        loss.backward(retain_graph=True)
        items = viz._Graph([loss]).items
        before = snapshot(items)
        if draw:
            for kw in ({}, {"show_data": True, "show_grad": True}, {"max_nodes": 5}):
                viz.to_dot(loss, params=params, **kw)
        for x, y in zip(before, snapshot(items), strict=True):
            for u, v in zip(x, y, strict=True):
                if isinstance(u, np.ndarray):
                    np.testing.assert_array_equal(u, v)
                else:
                    assert u is v or u == v
        loss.backward()  # a second backward through the same graph
        return {k: p.grad.numpy().copy() for k, p in params.items()}

    plain, drawn = run(False), run(True)
    assert plain.keys() == drawn.keys()
    for k in plain:
        np.testing.assert_array_equal(plain[k], drawn[k])


def test_freed_graph_draws_what_is_left():
    _, _, _, y = small_expr()
    y.backward()
    nodes, edges = parse_dot(viz.to_dot(y))
    assert len(nodes) == 2 and len(edges) == 1
    op = next(at for n, at in nodes.items() if n.startswith("op"))
    assert "freed by backward" in label_text(op) and "retain_graph=True" in label_text(op)


def test_hostile_names_and_arguments_are_escaped():
    a, b, c, y = small_expr()
    b.name = 'b"\\'  # a tensor's own name, used when params doesn't name it
    source = viz.to_dot(y, params={HOSTILE: a, "c\n<&>": c})
    nodes, _ = parse_dot(source)  # the strict parser: no stray quotes or brackets
    texts = [label_text(at) for at in nodes.values()]
    shown = HOSTILE.replace("\x00", "\\x00")
    assert any(t.startswith(shown + "\n") for t in texts)
    assert any(t.startswith('b"\\\n') for t in texts)
    assert any(t.startswith("c\n<&>\n") for t in texts)
    y.grad_fn.args = {"spec": HOSTILE}  # op arguments are escaped like names
    nodes, _ = parse_dot(viz.to_dot(y))
    assert label_text(nodes["op1"]) == f"sum(spec={HOSTILE!r})"


def test_anomaly_mode_op_location_as_tooltip():
    x = ag.tensor([1.0], requires_grad=True)
    with ag.detect_anomaly():
        y = (x * 2.0).sum()
    nodes, _ = parse_dot(viz.to_dot(y))
    assert "test_viz.py" in nodes["op1"]["tooltip"]


@needs_dot
def test_hostile_names_render_with_dot():
    pytest.importorskip("graphviz")
    a, _, c, y = small_expr()
    svg = viz.pipe(viz.to_dot(y, params={HOSTILE: a, "c\n<&>": c}), "svg")
    text = "".join(ET.fromstring(svg).itertext())
    assert HOSTILE.replace("\x00", "\\x00") in text and "<&>" in text


def test_max_nodes_folds_a_10000_op_chain():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y = y.sum()
    source = viz.to_dot(y, max_nodes=40, show_data=True)
    nodes, edges = parse_dot(source)
    assert len(nodes) <= 40
    fold = label_text(nodes["fold"])
    hidden = int(re.search(r"… (\d+) more nodes", fold).group(1))
    assert hidden + len(nodes) - 1 == 2 * 10_000 + 3  # x, 10k (mul, out), sum, root
    assert "t0" in nodes  # the root side is kept ...
    leaf = [n for n, at in nodes.items() if (at.get("shape"), at.get("style")) == ("box", "filled")]
    assert len(leaf) == 1  # ... and so is the leaf x at the far end of the chain
    assert ("fold" in {s for s, _, _ in edges}) and ("fold" in {d for _, d, _ in edges})
    # The unfolded chain is walked without recursion too.
    assert len(parse_dot(viz.to_dot(y))[0]) == 2 * 10_000 + 3


def test_bad_arguments():
    _, _, _, y = small_expr()
    with pytest.raises(ValueError, match="rankdir"):
        viz.to_dot(y, rankdir="sideways")
    with pytest.raises(ValueError, match="max_nodes"):
        viz.to_dot(y, max_nodes=2)
    with pytest.raises(TypeError, match="root"):
        viz.to_dot(np.ones(3))
    with pytest.raises(TypeError, match="params"):
        viz.to_dot(y, params=[1, 2])


def test_several_roots_and_a_leaf_root():
    a, b, _, y = small_expr()
    z = (a * 2.0).sum()
    nodes, edges = parse_dot(viz.to_dot([y, z]))
    assert sum("penwidth" in at for at in nodes.values()) == 2
    leaf_nodes, leaf_edges = parse_dot(viz.to_dot(a, params={"a": a}))
    assert len(leaf_nodes) == 1 and not leaf_edges


def test_module_draw_labels_parameters_by_name() -> None:
    import nn

    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    source = model.draw(ag.randn(5, 3)).source
    for name in ("0.weight", "0.bias", "2.weight", "2.bias"):
        assert name in source
    assert "linear" in source and "relu" in source
