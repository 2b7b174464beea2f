"""Issue 18: the interactive HTML graph (``ag.to_html`` / ``ag.save_html``). The JSON the
page carries, checked in Python; and the real page run in headless Chromium with a test
script appended: collapse a module, expand it again, click a node and read the panel."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

import autograd_lite as ag
import nn
from autograd_lite import viz


def mlp():
    """Linear-ReLU-Linear on 4 samples with CrossEntropyLoss after a backward that keeps
    the graph: (model, x, y, logits, loss)."""
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 3)).to(ag.float64)
    x = ag.randn(4, 3, dtype=ag.float64)
    y = ag.tensor(np.array([0, 2, 1, 2]))
    logits = model(x)
    loss = nn.CrossEntropyLoss()(logits, y)
    loss.backward(retain_graph=True)
    return model, x, y, logits, loss


def graph_data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


def by_label(data: dict) -> dict[str, dict]:
    nodes = {n["label"]: n for n in data["nodes"]}
    assert len(nodes) == len(data["nodes"]), [n["label"] for n in data["nodes"]]
    return nodes


def test_the_page_is_self_contained_ascii_with_the_graph_as_json():
    model, *_, loss = mlp()
    page = ag.to_html(loss, params=model)
    assert page.isascii() and page.startswith("<!DOCTYPE html>")
    # nothing is fetched: no src/href, no stylesheet link; the one URL is SVG's namespace
    assert not re.search(r"\b(src|href)\s*=|<link|@import|fetch\(", page)
    assert set(re.findall(r"https?://[^\s\"'`]+", page)) == {"http://www.w3.org/2000/svg"}
    data = graph_data(page)
    assert {c["label"] for c in data["clusters"]} == {
        "Sequential", "0: Linear", "1: ReLU", "2: Linear", "CrossEntropyLoss"}
    nodes = by_label(data)
    assert {"x", "target", "0.weight (W1)", "0.bias (b1)", "Z1", "A1", "Z2"} <= set(nodes)
    assert "log_softmax(axis=1)" in nodes and nodes["vdot"]["root"]
    labels = [n["label"] for n in data["nodes"]]
    edges = {(labels[a], labels[b]) for a, b in data["edges"]}
    assert {("x", "Z1"), ("0.weight (W1)", "Z1"), ("Z1", "A1"), ("A1", "Z2"),
            ("Z2", "log_softmax(axis=1)")} <= edges
    assert len(edges) == len(data["edges"])  # each edge once


def test_nodes_carry_module_op_value_and_the_gradient_of_the_last_backward():
    model, x, y, logits, loss = mlp()
    data = graph_data(ag.to_html(loss, params=model))
    nodes, clusters = by_label(data), data["clusters"]

    def module_path(node):
        out, k = [], node["cluster"]
        while k is not None:
            out.insert(0, clusters[k]["label"])
            k = clusters[k]["parent"]
        return out

    z2, w1 = nodes["Z2"], nodes["0.weight (W1)"]
    assert module_path(z2) == ["Sequential", "2: Linear"] and module_path(nodes["x"]) == []
    assert z2["op"] == "linear" and z2["formula"] == viz.FORMULAS["linear"]
    assert z2["kind"] == "inter" and w1["kind"] == "param" and nodes["x"]["kind"] == "const"
    assert z2["sub"] == "linear · 4×3 float64" and z2["grad_name"] == "dZ2"
    value = logits.data
    assert z2["value"]["size"] == 12 and z2["value"]["nonfinite"] == 0
    np.testing.assert_allclose(z2["value"]["head"], value.ravel()[:viz.SMALL], rtol=1e-3)
    for stat in ("min", "max", "mean"):
        assert z2["value"][stat] == pytest.approx(getattr(value, stat)(), rel=1e-3)
    # the closed form dZ = (softmax(Z) - y) / N, held by the drawing without retain_grad
    p = np.exp(value - value.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    dz = (p - np.eye(3)[y.data]) / 4
    np.testing.assert_allclose(z2["grad"]["head"], dz.ravel()[:viz.SMALL], rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(w1["grad"]["head"], model[0].weight.grad.data.ravel()[:10],
                               rtol=1e-3)
    assert nodes["x"]["grad"] is None and nodes["target"]["grad"] is None
    linear = next(c for c in clusters if c["label"] == "0: Linear")
    assert linear["params"] == 16 and data["nodes"][linear["output"]]["label"] == "Z1"
    loss_box = next(c for c in clusters if c["label"] == "CrossEntropyLoss")
    assert loss_box["note"].startswith("dZ = (softmax(Z)") and loss_box["params"] == 0
    assert data["caption"] == viz._GRAD_CAPTION and z2["fill"].startswith("#")


def test_before_any_backward_there_are_no_gradients_and_no_grad_colours():
    model, x, y, *_ = mlp()
    model.zero_grad()  # grads of None, as before the first backward
    data = graph_data(ag.to_html(nn.CrossEntropyLoss()(model(x), y)))
    assert all(n["grad"] is None for n in data["nodes"]) and data["caption"] == ""
    assert {n["fill"] for n in data["nodes"] if n["kind"] == "param"} == {viz._STYLE["param"][2]}


def test_constants_names_and_non_finite_values():
    model, *_, loss = mlp()
    assert len(graph_data(ag.to_html(loss, show_constants=True))["nodes"]) == \
        len(graph_data(ag.to_html(loss))["nodes"]) + 1  # the reduction's one-hot weights
    w = ag.tensor([1.0, float("nan"), float("inf")], requires_grad=True)
    w.name = "</script><b>w"
    page = ag.to_html((w * 2.0).sum())
    assert "</script><b>" not in page  # a name cannot end the data's script element
    nodes = by_label(graph_data(page))
    assert nodes["</script><b>w"]["value"] == {
        "size": 3, "head": [1.0, "nan", "inf"], "min": 1.0, "max": 1.0, "mean": 1.0,
        "nonfinite": 2}
    empty = graph_data(ag.to_html(ag.zeros(0, requires_grad=True).sum()))["nodes"]
    assert {"size": 0, "head": [], "min": None, "max": None, "mean": None,
            "nonfinite": 0} in [n["value"] for n in empty]


def edge_labels(data: dict) -> set[tuple[str, str]]:
    labels = [n["label"] for n in data["nodes"]]
    return {(labels[a], labels[b]) for a, b in data["edges"]}


def named(data: dict, label: str) -> dict:
    (node,) = [n for n in data["nodes"] if n["label"] == label]
    return node


def cluster_of(data: dict, label: str) -> str | None:
    k = named(data, label)["cluster"]
    return None if k is None else data["clusters"][k]["label"]


def test_a_data_input_feeds_the_first_conv_not_the_last_layer():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 6 * 6, 3))
    x = ag.randn(4, 1, 8, 8)  # data: no requires_grad, so no graph node
    data = graph_data(ag.to_html(nn.CrossEntropyLoss()(model(x), ag.tensor([0, 1, 2, 0])),
                                 params=model))
    fed = [b for a, b in edge_labels(data) if a == "x"]
    assert fed == ["matmul"] and cluster_of(data, "matmul") == "0: Conv2d"
    assert cluster_of(data, "x") is None


class Loop(nn.Module):
    """x -> tanh(lin(x)) three times: one Linear called at every step."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(3, 3)

    def forward(self, x):
        for _ in range(3):
            x = self.lin(x).tanh()
        return x


def loop_page() -> str:
    ag.manual_seed(0)
    model = Loop()
    loss = model(ag.randn(2, 3)).sum()
    loss.backward(retain_graph=True)
    return ag.to_html(loss, params=model)


def test_a_weight_shared_by_a_loops_calls_sits_in_the_box_around_them():
    data = graph_data(loop_page())
    assert cluster_of(data, "lin.weight (W)") == cluster_of(data, "lin.bias (b)") == "Loop"
    assert [cluster_of(data, f"Z⟨{t}⟩") for t in (1, 2, 3)] == ["lin: Linear"] * 3
    assert named(data, "Z⟨2⟩")["grad_name"] == "dZ⟨2⟩"
    assert {("lin.weight (W)", f"Z⟨{t}⟩") for t in (1, 2, 3)} <= edge_labels(data)


def test_save_html_writes_the_page_and_returns_the_path(tmp_path):
    model, *_, loss = mlp()
    path = tmp_path / "graph.html"
    assert ag.save_html(loss, path, params=model) == str(path)
    assert path.read_text(encoding="ascii") == ag.to_html(loss, params=model)
    with pytest.raises(TypeError, match="save_html"):
        ag.save_html("loss", tmp_path / "bad.html")
    assert not (tmp_path / "bad.html").exists()  # checked before anything is written


# ----------------------------------------------------------------------------------------
# The page in a real browser

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")

# Appended to the page by the test only: drives the page as a user's clicks would and
# writes what it saw into <pre id="result">, which --dump-dom prints.
DRIVER = """<script>
const result = {};
try {
  const click = el => el.dispatchEvent(new MouseEvent("click", { bubbles: true }));
  const title = el => el.querySelector(".title").textContent;
  const nodes = () => [...document.querySelectorAll("[data-node]")].map(title);
  const modules = () => [...document.querySelectorAll("[data-module]")].map(title);
  const named = id => title(document.querySelector(
    id[0] === "m" ? `[data-module="${id.slice(1)}"]` : `[data-node="${id.slice(1)}"]`));
  const overlaps = () => {
    const r = [...document.querySelectorAll(".node")].map(e => e.getBoundingClientRect());
    return r.flatMap((a, i) => r.slice(i + 1).filter(b => a.left < b.right &&
      b.left < a.right && a.top < b.bottom && b.top < a.bottom)).length;
  };
  result.before = nodes();
  result.overlapsBefore = overlaps();
  click([...document.querySelectorAll(".head")].find(h => h.textContent.includes("0: Linear")));
  result.collapsed = nodes();
  result.modules = modules();
  result.edges = [...document.querySelectorAll("path[data-from]")].map(
    p => [named(p.dataset.from), named(p.dataset.to)]);
  result.overlapsCollapsed = overlaps();
  click(document.querySelector("[data-module] .sub"));  // its body: its output in the panel
  result.modulePanel = document.querySelector("#panel h3").textContent;
  click(document.querySelector("[data-module] .title"));
  result.expanded = nodes();
  click(document.getElementById("collapse-all"));
  result.allCollapsed = modules();
  click(document.getElementById("expand-all"));
  click([...document.querySelectorAll("[data-node]")].find(e => title(e) === "Z2"));
  const panel = document.getElementById("panel");
  result.panel = panel.textContent;
  result.value = panel.querySelector("pre[data-field=value]").textContent;
  result.grad = panel.querySelector("pre[data-field=grad]").textContent;
  result.selected = title(document.querySelector(".node.selected"));
  click([...document.querySelectorAll("[data-node]")].find(e => title(e) === "vdot"));
  result.lossPanel = panel.textContent;
} catch (e) {
  result.error = String(e.stack || e);
}
const out = document.createElement("pre");
out.id = "result";
out.textContent = JSON.stringify(result);
document.body.append(out);
</script>
"""


def browser() -> str:
    """The Chromium binary; without one the test fails under CI, else skips."""
    found = next((p for p in map(shutil.which, BROWSERS) if p), None)
    if found is None:
        why = "no Chromium to run the page in: apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    return found


def dump_dom(path, tmp_path) -> subprocess.CompletedProcess:
    """The page's DOM after it ran, from headless Chromium."""
    # without the background-networking flags Chromium's connections are refused on a
    # closed network (and it waits for them)
    return subprocess.run(
        [browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=5000", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)


def run_in_browser(page: str, tmp_path) -> dict:
    path = tmp_path / "page.html"
    path.write_text(page.replace("</body>", DRIVER + "</body>"), encoding="utf-8")
    done = dump_dom(path, tmp_path)
    m = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.S)
    assert m, f"no result from the page: {done.returncode} {done.stderr[-2000:]}"
    return json.loads(html.unescape(m.group(1)))


def test_the_page_collapses_expands_and_shows_a_node_in_chromium(tmp_path):
    model, x, y, logits, loss = mlp()
    seen = run_in_browser(ag.to_html(loss, params=model), tmp_path)
    assert "error" not in seen, seen.get("error")
    inside = {"0.weight (W1)", "0.bias (b1)", "Z1"}  # what 0: Linear holds
    assert inside <= set(seen["before"]) and {"x", "target", "Z2"} <= set(seen["before"])
    assert not inside & set(seen["collapsed"])
    assert set(seen["collapsed"]) == set(seen["before"]) - inside
    assert seen["modules"] == ["\u25b8 0: Linear"]
    # the edges of its nodes now start and end at it
    assert ["x", "\u25b8 0: Linear"] in seen["edges"]
    assert ["\u25b8 0: Linear", "A1"] in seen["edges"]
    assert not [e for e in seen["edges"] if set(e) & inside]
    assert seen["modulePanel"] == "0: Linear \u2192 Z1"
    assert sorted(seen["expanded"]) == sorted(seen["before"])
    assert sorted(seen["allCollapsed"]) == ["\u25b8 CrossEntropyLoss", "\u25b8 Sequential"]
    assert seen["overlapsBefore"] == 0 and seen["overlapsCollapsed"] == 0
    # the panel: Z2's op, module, its value and its gradient dZ2 from the backward
    assert seen["selected"] == "Z2"
    assert "linear" in seen["panel"] and "Sequential \u203a 2: Linear" in seen["panel"]
    assert "dZ2" in seen["panel"] and "4×3 float64" in seen["panel"]
    numbers = [float(v) for v in seen["value"].split("]")[0].strip("[").split(", ")[:-1]]
    np.testing.assert_allclose(numbers, logits.data.ravel()[:len(numbers)], rtol=1e-3)
    assert "(first 10 of 12)" in seen["value"] and "mean" in seen["value"]
    assert "(first 10 of 12)" in seen["grad"] and "None" not in seen["grad"]
    # inside the loss's box, the panel gives the loss's closed-form gradient
    assert "closed form" in seen["lossPanel"] and "dZ = (softmax(Z)" in seen["lossPanel"]


def test_the_page_of_a_loop_draws_every_node_in_chromium(tmp_path):
    page = loop_page()
    path = tmp_path / "loop.html"
    path.write_text(page, encoding="ascii")
    done = dump_dom(path, tmp_path)
    assert done.stdout.count("data-node=") == len(graph_data(page)["nodes"])
    # the edges into one node (Z's x, W and b) arrive at points of their own
    ends: dict[str, list[str]] = {}
    for path in re.findall(r"<path [^>]*data-to=[^>]*>", done.stdout):
        d = re.search(r'\bd="([^"]*)"', path).group(1)
        ends.setdefault(re.search(r'data-to="(\w+)"', path).group(1), []).append(
            d.split()[-1])
    assert max(map(len, ends.values())) == 3
    assert all(len(set(v)) == len(v) for v in ends.values())
