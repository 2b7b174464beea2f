"""Drawing computation graphs with Graphviz.

>>> import autograd_lite as ag
>>> w = ag.tensor([1.0, -2.0], requires_grad=True)
>>> loss = (w * 3.0).relu().sum()
>>> print(ag.to_dot(loss, params={"w": w}))         # DOT text; needs neither graphviz nor dot
>>> g = ag.draw_graph(loss, params={"w": w})         # a graphviz.Digraph (pip install graphviz)
>>> ag.viz.render(g, "loss", "svg")                  # 'loss.svg' (needs the `dot` program)
>>> ag.save_html(loss, "loss.html", params={"w": w})  # interactive page; needs neither

One DOT node per tensor (boxes) and one per op (ellipses); edges go the way data flows,
grouped in one box (cluster) per ``nn.Module`` call that made them (``nn.Module.__call__``
tags the output's graph node; the drawing finds the ops between it and the module's inputs),
from the inputs of an op to the op and from the op to its output. Leaves that require grad
are blue boxes, constant leaves dashed grey boxes, intermediate tensors rounded white boxes;
the root has a thick green border. Non-tensor op inputs (``x * 2.0``) are shown in the op's
label, with ``·`` standing for the tensor inputs: ``mul(·, 2.0)``.

A plain ``loss.backward()`` frees the graph (only the root's op is left to draw); call
``loss.backward(retain_graph=True)`` first to draw the whole graph with its gradients: a
backward that keeps the graph also keeps, on each node, the gradient it sent to the node's
output, which ``show_grad=True`` and :func:`explain` show.

:func:`to_dot` and :func:`draw_graph` share one code path: the DOT statements are written
here, and ``draw_graph(root).source == to_dot(root)``. The graph is walked iteratively
(graphs of 100k nodes are fine) and only read: drawing never changes it or any gradient.

:func:`to_html` draws the same graph (the same module clusters, names and gradients) as one
self-contained HTML page whose script (graph_page.html, next to this file) lays it out, lets
modules collapse and expand, and shows a clicked node's value and gradient.
"""

from __future__ import annotations

import functools
import html
import inspect
import json
import math
import os
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from .engine import Node
from .tensor import Tensor
from .validation import flag

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

__all__ = ["draw_graph", "to_dot", "render", "pipe", "explain", "Explanation", "to_html",
           "save_html", "GraphvizNotFoundError"]

SMALL = 10  # tensors with at most this many elements show their values, larger ones stats
RANKDIRS = ("LR", "RL", "TB", "BT")
DEEP = 6  # rankdir=None lays out graphs with more ops than this on their longest path "TB"

_INSTALL_HINT = (
    "install Graphviz: `apt-get install graphviz` (Debian/Ubuntu), "
    "`brew install graphviz` (macOS), `conda install -c conda-forge graphviz`, "
    "or see https://graphviz.org/download/ (Windows). "
    "autograd_lite.to_dot() gives the DOT text without it."
)

# Tensor node styles: (shape, style, fill). The three kinds differ in border as well as in
# fill, so they stay distinct when show_grad recolours the fills.
_STYLE = {
    "param": ("box", "filled", "#cfe2ff"),  # leaf that requires grad
    "const": ("box", "filled,dashed", "#eeeeee"),  # leaf that doesn't
    "inter": ("box", "filled,rounded", "#ffffff"),  # output of an op
}
_OP_ATTRS = 'shape=ellipse style=filled fillcolor="#fff3c4"'
_ROOT_ATTRS = 'color="#2e7d32" penwidth=3'
_FOLD_ATTRS = 'shape=box style="dashed" fontcolor="#555555"'
# show_grad colour ramp, from the largest mean |grad| to 1e-6 of it and below (log scale).
_RAMP = ((0xFC, 0x8D, 0x59), (0xFF, 0xFF, 0xBF), (0x91, 0xBF, 0xDB))
_DECADES = 6
_ZERO_GRAD = "#d9d9d9"
_BAD_GRAD = "#ff66ff"  # NaN or Inf
_GRAD_CAPTION = (
    "fill = mean |grad| relative to the largest (log scale): orange = largest, "
    f"yellow = 1e-{_DECADES // 2}, blue = 1e-{_DECADES} or less, grey = zero, "
    "magenta = NaN/Inf, white = no grad"
)
_GRAPH_CAPTION_ESC = _GRAD_CAPTION.replace("\\", "\\\\").replace('"', '\\"')


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs the Graphviz ``dot`` program and it is not on PATH."""


# ----------------------------------------------------------------------------------------
# Public API


def to_dot(
    root: Tensor | Sequence[Tensor],
    *,
    show_data: bool = False,
    show_grad: bool = False,
    params: Mapping[str, Tensor] | Any | None = None,
    rankdir: str | None = None,
    max_nodes: int | None = None,
    collapse: bool = False,
    show_constants: bool = False,
) -> str:
    """DOT source of the graph that produced ``root``; needs neither graphviz nor ``dot``.

    Arguments as for :func:`draw_graph`.

    >>> x = ag.tensor([1.0, 2.0], requires_grad=True)
    >>> print(ag.to_dot((x * x).sum(), params={"x": x}))   # digraph { ... }
    """
    body = _dot_body(root, show_data, show_grad, params, rankdir, max_nodes, collapse,
                     show_constants)
    return "digraph {\n" + "".join(body) + "}\n"


def draw_graph(
    root: Tensor | Sequence[Tensor],
    *,
    show_data: bool = False,
    show_grad: bool = False,
    params: Mapping[str, Tensor] | Any | None = None,
    rankdir: str | None = None,
    max_nodes: int | None = None,
    collapse: bool = False,
    show_constants: bool = False,
) -> graphviz.Digraph:
    """Draw the graph that produced ``root`` (a Tensor or a sequence of Tensors).

    :param show_data: show each tensor's value (up to ``SMALL`` elements) or its mean, std,
        min and max.
    :param show_grad: show each tensor's gradient from the last backward the same way and
        colour the tensor by its mean absolute gradient relative to the largest in the graph
        (log scale). Leaves show their ``.grad``; intermediate tensors the gradient the last
        ``backward(retain_graph=True)`` sent them (no ``retain_grad`` needed), labelled in
        the course's notation where it fits (``dZ1``, ``dA1``, ``dW1``, ``db1``).
    :param params: names for tensors: a dict name -> Tensor, or anything with
        ``named_parameters()`` (an ``nn.Module``, whose sub-modules then name the
        clusters: ``0: Linear``). Otherwise a tensor's ``.name`` is used; the input of the
        outermost module is ``x``, a loss module's target ``target``.
    :param rankdir: Graphviz layout direction, "LR", "RL", "TB" or "BT"; None (the
        default) chooses "TB" for graphs more than ``DEEP`` ops deep, else "LR".
    :param collapse: draw each innermost module (``Linear``, ``ReLU``, a loss) as one node.
    :param show_constants: also draw unnamed constant tensors (masks, one-hot targets) and
        the number and array operands of ops (``mul(·, 2.0)``); hidden by default.
    :param max_nodes: draw at most this many nodes (>= 3): the ones nearest the root and
        the ones nearest the leaves; the rest fold into one "… N more nodes" node.
        Building the DOT text of a 10,000-op graph takes a fraction of a second, but the
        ``dot`` layout of thousands of nodes is slow and unreadable: use ``max_nodes=200``.
    :returns: a ``graphviz.Digraph`` (whose ``render``/``pipe`` explain how to install
        Graphviz when the ``dot`` program is missing); ``.source`` equals :func:`to_dot`.

    >>> g = ag.draw_graph(model(x).sum(), params=model, show_data=True)
    >>> g.render("mlp", format="svg")   # or ag.viz.render(g, "mlp", "svg")
    """
    body = _dot_body(root, show_data, show_grad, params, rankdir, max_nodes, collapse,
                     show_constants)
    graph = _digraph_class()()
    graph.body.extend(body)
    return graph


def render(graph: Any, path: str, format: str = "svg") -> str:
    """Render ``graph`` (a Digraph or DOT text) to ``path.<format>``; returns that path.

    Raises :class:`GraphvizNotFoundError`, saying how to install it, when ``dot`` is missing.

    >>> render(ag.draw_graph(loss), "loss", "png")   # 'loss.png'
    """
    with _explain_missing_dot():
        return _as_source(graph).render(outfile=f"{path}.{format}", format=format, cleanup=True)


def pipe(graph: Any, format: str = "svg") -> bytes:
    """The rendered bytes of ``graph`` (a Digraph or DOT text), e.g. SVG or PNG data.

    >>> svg = pipe(ag.draw_graph(loss)).decode()
    """
    with _explain_missing_dot():
        return _as_source(graph).pipe(format=format)


# ----------------------------------------------------------------------------------------
# graphviz package glue (imported lazily: it is an optional dependency)


def _graphviz() -> Any:
    try:
        import graphviz
    except ImportError:
        raise ModuleNotFoundError(
            "draw_graph, render and pipe need the graphviz Python package, which is not "
            "installed (the Graphviz `dot` program alone is not enough): "
            "`pip install graphviz`, or `pip install 'autograd-lite[viz]'`. "
            "to_dot(), to_html(), save_html() and explain() work without it.",
            name="graphviz",
        ) from None
    return graphviz


@contextmanager
def _explain_missing_dot() -> Iterator[None]:
    graphviz = _graphviz()
    try:
        yield
    except graphviz.ExecutableNotFound as e:
        raise GraphvizNotFoundError(
            "rendering needs the Graphviz `dot` program, which is not on PATH; " + _INSTALL_HINT
        ) from e


def _as_source(graph: Any) -> Any:
    if isinstance(graph, str):
        return _graphviz().Source(graph)
    return graph


@functools.cache
def _digraph_class() -> type:
    graphviz: Any = _graphviz()

    class Digraph(graphviz.Digraph):
        """A graphviz.Digraph whose rendering explains how to install a missing ``dot``."""

        def render(self, *args: Any, **kwargs: Any) -> Any:
            with _explain_missing_dot():
                return super().render(*args, **kwargs)

        def pipe(self, *args: Any, **kwargs: Any) -> Any:
            with _explain_missing_dot():
                return super().pipe(*args, **kwargs)

        def _repr_svg_(self) -> str | None:
            """The picture in a notebook; None without ``dot`` (the HTML says why)."""
            try:
                return self.pipe(format="svg").decode()
            except GraphvizNotFoundError:
                return None

        def _repr_html_(self) -> str:
            svg = self._repr_svg_()
            if svg is not None:
                return svg
            return (f"<p>The Graphviz <code>dot</code> program is not on PATH: {_INSTALL_HINT}"
                    f"</p><pre>{html.escape(self.source)}</pre>")

        def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
            # graphviz's own raises when `dot` is missing; a notebook gets the DOT text
            svg = self._repr_svg_()
            if svg is not None:
                return {"image/svg+xml": svg}
            return {"text/html": self._repr_html_(), "text/plain": self.source}

    Digraph.__module__ = __name__
    Digraph.__qualname__ = "Digraph"
    return Digraph


# ----------------------------------------------------------------------------------------
# Walking the graph


class _Graph:
    """Items (Tensors and Nodes) reachable from the roots, in breadth-first order from them,
    and the edges between them as index pairs in data-flow direction."""

    def __init__(self, roots: Sequence[Tensor]) -> None:
        self.items: list[Any] = []  # holds every object, so the id() keys stay valid
        self.index: dict[int, int] = {}
        self.edges: list[tuple[int, int]] = []
        queue = deque(self._add(r)[0] for r in roots)
        while queue:
            i = queue.popleft()
            obj = self.items[i]
            if isinstance(obj, Tensor):
                preds = () if obj.grad_fn is None else (obj.grad_fn,)
            else:
                preds = obj.next_tensors
            for p in preds:
                j, new = self._add(p)
                self.edges.append((j, i))
                if new:
                    queue.append(j)

    def _add(self, obj: Any) -> tuple[int, bool]:
        key = id(obj)
        i = self.index.get(key)
        if i is not None:
            return i, False
        self.index[key] = i = len(self.items)
        self.items.append(obj)
        return i, True

    def heights(self) -> list[int]:
        """Longest path from a leaf to each item (Kahn's algorithm, iterative)."""
        n = len(self.items)
        succ: list[list[int]] = [[] for _ in range(n)]
        npred = [0] * n
        for s, d in self.edges:
            succ[s].append(d)
            npred[d] += 1
        height = [0] * n
        ready = [i for i in range(n) if npred[i] == 0]
        while ready:
            s = ready.pop()
            for d in succ[s]:
                height[d] = max(height[d], height[s] + 1)
                npred[d] -= 1
                if npred[d] == 0:
                    ready.append(d)
        return height

    def keep(self, max_nodes: int) -> list[bool]:
        """Which items to draw: about half the budget nearest the roots (breadth-first),
        the rest nearest the leaves; one slot is left for the fold node."""
        n = len(self.items)
        budget = max_nodes - 1
        kept = [i < (budget + 1) // 2 for i in range(n)]
        left = budget - sum(kept)
        height = self.heights()
        for i in sorted(range(n), key=lambda i: (height[i], i)):
            if left == 0:
                break
            if not kept[i]:
                kept[i] = True
                left -= 1
        return kept


# ----------------------------------------------------------------------------------------
# DOT statements


def _roots(root: Any, op: str = "draw_graph") -> list[Tensor]:
    roots = [root] if isinstance(root, Tensor) else \
        list(root) if isinstance(root, (list, tuple)) else []
    if not roots or not all(isinstance(r, Tensor) for r in roots):
        raise TypeError(f"{op}: root must be a Tensor or Tensors, got {root!r}")
    return roots


def _dot_body(
    root: Tensor | Sequence[Tensor],
    show_data: bool,
    show_grad: bool,
    params: Mapping[str, Tensor] | Any | None,
    rankdir: str | None,
    max_nodes: int | None,
    collapse: bool = False,
    show_constants: bool = False,
) -> list[str]:
    """The statements between ``digraph {`` and ``}``, one per line."""
    roots = _roots(root)
    if rankdir is not None and rankdir not in RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {RANKDIRS} or None, "
                         f"got {rankdir!r}")
    if max_nodes is not None and max_nodes < 3:
        raise ValueError(f"draw_graph: max_nodes must be at least 3, got {max_nodes}")
    collapse = flag(collapse, "draw_graph", "collapse")
    show_constants = flag(show_constants, "draw_graph", "show_constants")

    scene = _Scene(roots, params)
    graph, items, names = scene.graph, scene.graph.items, scene.names
    root_ids = {id(r) for r in roots}
    n = len(items)
    kept: list[Any] = (graph.keep(max_nodes) if max_nodes is not None and n > max_nodes
                       else [True] * n)  # (None below: hidden)
    ids = [("t" if isinstance(obj, Tensor) else "op") + str(i) for i, obj in enumerate(items)]
    if not show_constants:
        for i in scene.constants(root_ids):
            kept[i] = None  # hidden, not folded
    # collapse: each innermost cluster is drawn as one node standing for all its members
    stand_in: dict[int, str] = {}
    if collapse:
        for k in scene.innermost():
            for i in scene.clusters[k].members:
                if scene.home.get(i) == k:  # not a weight it shares with other calls
                    stand_in[i] = f"m{k}"
    if rankdir is None:
        depth = max(graph.heights(), default=0) // 2  # tensor, op, tensor, ...
        rankdir = "TB" if depth > DEEP else "LR"

    grad_scale = None
    if show_grad:
        grad_scale = _grad_scale(t for t, k in zip(items, kept) if k and isinstance(t, Tensor))

    body = [f'\tgraph [rankdir={rankdir} fontname="Helvetica" fontsize=10'
            + (f' label="{_GRAPH_CAPTION_ESC}" labelloc=b' if show_grad else "") + "]\n",
            '\tnode [fontname="Helvetica" fontsize=11]\n',
            '\tedge [color="#555555" arrowsize=0.7]\n']
    statements: dict[int | None, list[str]] = {}  # cluster index (None: top level) -> lines
    for i, obj in enumerate(items):
        if not kept[i] or i in stand_in:
            continue
        if isinstance(obj, Tensor):
            attrs = _tensor_attrs(obj, names.get(i), show_data, grad_scale)
            if id(obj) in root_ids:
                attrs += " " + _ROOT_ATTRS
        else:
            attrs = _op_attrs(obj, show_constants)
        statements.setdefault(scene.home.get(i), []).append(f"{ids[i]} [{attrs}]\n")
    for k in sorted({int(v[1:]) for v in stand_in.values()}):
        attrs = _module_attrs(scene, k, show_data, grad_scale)
        statements.setdefault(scene.clusters[k].parent, []).append(f"m{k} [{attrs}]\n")
    body.extend(scene.nested(statements, set(stand_in.values())))

    def end(i: int) -> str | None:
        if kept[i] is None:
            return None
        return stand_in.get(i) or (ids[i] if kept[i] else "fold")

    folded_any = not all(k is not False for k in kept)
    if folded_any:
        hidden = sum(k is False for k in kept)
        body.append(f"\tfold [label=<{_html(f'… {hidden} more nodes')}> {_FOLD_ATTRS}]\n")
    seen: set[tuple[str | None, str | None]] = set()
    for s, d in graph.edges:
        edge = (end(s), end(d))
        if edge[0] is None or edge[1] is None or edge[0] == edge[1]:
            continue
        folded = "fold" in edge
        if folded or edge[0][0] == "m" or edge[1][0] == "m":  # one edge stands for several
            if edge in seen:
                continue
            seen.add(edge)
        body.append(f"\t{edge[0]} -> {edge[1]}" + (" [style=dashed]\n" if folded else "\n"))
    return body


# ----------------------------------------------------------------------------------------
# Modules: clusters, names in the course's notation


class _Cluster:
    """One call of a Module: the graph items (indices) it made, the one it returned."""

    def __init__(self, module: Any, inputs: list, output: int, members: set[int],
                 order: int) -> None:
        self.module, self.inputs, self.output = module, inputs, output
        self.members, self.order = members, order
        self.parent: int | None = None
        self.function = not hasattr(module, "named_modules")  # an nn function, not a Module
        self.label = module.__name__ if self.function else type(module).__name__
        self.loss = getattr(module, "is_loss", False) or self.label.endswith("Loss")
        self.target: int | None = None  # the item a loss took as its target
        self.rank = (len(members), order)  # a cluster's parents rank higher

    @property
    def note(self) -> str | None:
        """The closed form of the module's gradient, where it is short."""
        return _MODULE_NOTES.get(self.label.split(": ")[-1])

    @property
    def params(self) -> int:
        """How many parameters the module holds (0 for an nn function)."""
        return 0 if self.function else sum(p.data.size for p in self.module.parameters())


class _Scene:
    """The graph reachable from ``roots`` with what the drawing and :func:`explain` add:
    module clusters (``clusters``, ``home``: item -> innermost cluster) and ``names``
    (item -> label) from ``params``, the tensors' ``.name``, the modules' inputs and targets
    and the course's notation (Z, A, W, b)."""

    def __init__(self, roots: Sequence[Tensor], params: Mapping[str, Tensor] | Any | None,
                 op: str = "draw_graph") -> None:
        self.graph = graph = _Graph(roots)
        items = graph.items
        self.preds: list[list[int]] = [[] for _ in items]
        self.succs: list[list[int]] = [[] for _ in items]
        for a, b in graph.edges:
            self.preds[b].append(a)
            self.succs[a].append(b)
        self.clusters = self._find_clusters(params)
        self.home = self._homes()
        by_id = _param_names(params, op)
        self.names: dict[int, str] = {}
        for i, obj in enumerate(items):
            if isinstance(obj, Tensor):
                name = by_id.get(id(obj), obj.name)
                if name is not None:
                    self.names[i] = str(name)
        self.named = set(self.names)
        self._input_names()
        self._notation()

    def _find_clusters(self, params: Any) -> list[_Cluster]:
        items = self.graph.items
        index = self.graph.index
        module_names: dict[int, str] = {}
        if hasattr(params, "named_modules"):
            module_names = {id(m): name for name, m in params.named_modules()}
        clusters: list[_Cluster] = []
        calls: list[tuple[list[Tensor], tuple]] = []  # each cluster's input tensors and args
        for i, obj in enumerate(items):
            if isinstance(obj, Tensor):
                continue
            for module, args in getattr(obj, "owners", None) or ():
                tensors = _arg_tensors(args)  # a list argument holds its tensors too
                out = self.succs[i][0] if self.succs[i] else i  # the tensor the node made
                if any(t is items[out] for t in tensors):  # returned an input: made nothing
                    continue
                stop = {index[id(t)] for t in tensors if id(t) in index}
                c = _Cluster(module, [], out, self._members(i, stop), len(clusters))
                name = module_names.get(id(module))
                if name:
                    c.label = f"{name}: {c.label}"
                clusters.append(c)
                calls.append((tensors, args))
        self._add_inputs(clusters, calls)
        for c, (tensors, args) in zip(clusters, calls):
            c.inputs = [index[id(t)] for t in tensors]
            target = _target_arg(c.module, args) if c.loss else None
            if isinstance(target, Tensor):
                c.target = index[id(target)]
        # a loss Module's function (CrossEntropyLoss -> cross_entropy) adds no second box
        modules = {frozenset(c.members) for c in clusters if not c.function}
        clusters = [c for c in clusters if not c.function or frozenset(c.members) not in modules]
        for c in clusters:  # parent: the smallest larger cluster holding c
            outer = [j for j, d in enumerate(clusters)
                     if d.rank > c.rank and c.members <= d.members]
            if outer:
                c.parent = min(outer, key=lambda j: clusters[j].rank)
        return clusters

    def _homes(self) -> dict[int, int]:
        """item -> the smallest cluster holding it that is around or inside each other one
        that does: a weight shared by several calls of one Linear (an RNN's loop) sits in
        the box around them all, not in one call's box."""
        clusters = self.clusters
        holders: dict[int, list[int]] = {}
        around: list[set[int]] = []  # each cluster and the ones around it
        for k, c in enumerate(clusters):
            for i in c.members:
                holders.setdefault(i, []).append(k)
            around.append({k})
            j = c.parent
            while j is not None:
                around[k].add(j)
                j = clusters[j].parent
        home: dict[int, int] = {}
        for i, ks in holders.items():
            box: int | None = min(ks, key=lambda k: clusters[k].rank)
            while box is not None and not all(j in around[box] or box in around[j] for j in ks):
                box = clusters[box].parent
            if box is not None:
                home[i] = box
        return home

    def _add_inputs(self, clusters: list[_Cluster], calls: list[tuple[list[Tensor], tuple]]
                    ) -> None:
        """Draw the inputs no op reads (``model(x)`` of a plain data tensor, whose first
        ops, the convolution's window copy or Flatten's reshape, ran unrecorded; a loss's
        class labels): each feeds the ops of the smallest module call that took it which
        read an unnamed constant (what the unrecorded ops made from it; a view of it if
        some do), else that call's last op."""
        items, index = self.graph.items, self.graph.index
        takers: dict[int, tuple[Tensor, list[int]]] = {}
        for k, (tensors, _) in enumerate(calls):
            for t in tensors:
                if id(t) not in index:
                    takers.setdefault(id(t), (t, []))[1].append(k)
        for t, ks in takers.values():
            k = min(ks, key=lambda k: clusters[k].rank)
            c, tensors = clusters[k], calls[k][0]
            known = {id(v) for v in tensors}
            if hasattr(c.module, "buffers"):  # running statistics are no input's copy
                known.update(id(b) for b in c.module.buffers())
            read = {i: _constants_read(items[i], known) for i in sorted(c.members)
                    if not isinstance(items[i], Tensor)}
            ops = [i for i, vs in read.items() if vs]
            # a view of t (x[:, step] in a loop, Flatten's reshape) tells its readers apart
            # from those of a constant made inside (an RNN's zero first state)
            views = [i for i in ops if any(np.may_share_memory(v.data, t.data)
                                           for v in read[i])]
            node = self.preds[c.output][0] if self.preds[c.output] else c.output
            j, _ = self.graph._add(t)
            self.preds.append([])
            self.succs.append([])
            for op in views or ops or [node]:
                self.graph.edges.append((j, op))
                self.succs[j].append(op)
                self.preds[op].append(j)

    def _members(self, node: int, stop: set[int]) -> set[int]:
        """The items between graph node ``node`` and the tensors ``stop`` (its module's
        inputs): its ops, their outputs, and leaves (parameters, constants) met on the way."""
        members = {node, *(j for j in self.succs[node] if isinstance(self.graph.items[j],
                                                                     Tensor))}
        stack = [node]
        while stack:
            for j in self.preds[stack.pop()]:
                if j in stop or j in members:
                    continue
                members.add(j)
                stack.append(j)
        return members

    def constants(self, root_ids: set[int]) -> list[int]:
        """The unnamed constant tensors (masks, one-hot targets), drawn only when asked."""
        return [i for i, obj in enumerate(self.graph.items)
                if isinstance(obj, Tensor) and obj.grad_fn is None and not obj.requires_grad
                and i not in self.named and id(obj) not in root_ids]

    def innermost(self) -> list[int]:
        parents = {c.parent for c in self.clusters}
        return [k for k in range(len(self.clusters)) if k not in parents]

    def nested(self, statements: dict[int | None, list[str]], collapsed: set[str]) -> list[str]:
        """``statements`` (per cluster) written inside nested ``subgraph cluster_k``."""
        children: dict[int | None, list[int]] = {}
        for k, c in enumerate(self.clusters):
            if f"m{k}" not in collapsed:
                children.setdefault(c.parent, []).append(k)
        out: list[str] = []

        def write(k: int | None, indent: str) -> None:
            out.extend(indent + line for line in statements.get(k, ()))
            for j in children.get(k, ()):
                c = self.clusters[j]
                note = c.note
                label = _html(c.label) + ("" if note is None else "<BR/>" + _small(_html(note)))
                out.append(f"{indent}subgraph cluster_{j} {{\n")
                out.append(f'{indent}\tlabel=<{label}> {_CLUSTER_ATTRS}\n')
                write(j, indent + "\t")
                out.append(f"{indent}}}\n")
        write(None, "\t")
        return out

    def _input_names(self) -> None:
        """``x`` for the leaf input of the outermost modules, ``target`` for a loss's."""
        items = self.graph.items
        xs: set[int] = set()
        for c in self.clusters:
            leaf = [i for i in c.inputs if items[i].grad_fn is None]
            if c.loss:
                if c.target is not None and c.target in leaf and c.target not in self.names:
                    self.names[c.target] = "target"
                    self.named.add(c.target)
            elif c.parent is None and c.inputs and c.inputs[0] in leaf:
                xs.add(c.inputs[0])
        if len(xs) == 1 and next(iter(xs)) not in self.names:
            self.names[next(iter(xs))] = "x"
            self.named.add(next(iter(xs)))

    def _notation(self) -> None:
        """Z (a Linear's output), A (an activation's), W, b (a Linear's weight and bias),
        numbered from the input when there are several layers: Z1, A1, Z2, ...; a layer
        called several times (an RNN's loop) numbers its outputs by call: Z2⟨1⟩, Z2⟨2⟩."""
        linear = [c for c in self.clusters if type(c.module).__name__ == "Linear"]
        acts = [c for c in self.clusters
                if type(c.module).__module__.endswith("layers_activation")]
        height = self.graph.heights()
        linear.sort(key=lambda c: height[c.output])
        layers: dict[int, list[_Cluster]] = {}  # Linear module -> its calls, from the input
        for c in linear:
            layers.setdefault(id(c.module), []).append(c)
        index = self.graph.index
        self.notation: dict[int, str] = {}
        number: dict[int, str] = {}  # a Linear call's output -> its layer's number
        for k, calls in enumerate(layers.values(), 1):
            suffix = str(k) if len(layers) > 1 else ""
            for t, c in enumerate(calls, 1):
                self.notation[c.output] = "Z" + suffix + (f"⟨{t}⟩" if len(calls) > 1 else "")
                number[c.output] = suffix
            for attr, letter in (("weight", "W"), ("bias", "b")):
                p = getattr(calls[0].module, attr, None)
                if p is not None and id(p) in index:
                    self.notation[index[id(p)]] = letter + suffix
        for c in acts:
            before = [lin for lin in linear if height[lin.output] < height[c.output]]
            suffix = number[before[-1].output] if before else ""
            self.notation[c.output] = "A" + suffix
        for i, letter in self.notation.items():
            self.names[i] = letter if i not in self.names else f"{self.names[i]} ({letter})"


def _arg_tensors(args: Any) -> list[Tensor]:
    """The Tensors in a call's arguments, also those inside lists, tuples and dicts."""
    out: list[Tensor] = []
    for a in args:
        if isinstance(a, Tensor):
            out.append(a)
        elif isinstance(a, (list, tuple, dict)):
            out.extend(_arg_tensors(a.values() if isinstance(a, dict) else a))
    return out


def _constants_read(node: Node, known: set[int]) -> list[Tensor]:
    """The constant leaf tensors op ``node`` reads that are none of ``known``."""
    return [v for v in node.inputs or () if isinstance(v, Tensor) and v.grad_fn is None
            and not v.requires_grad and id(v) not in known]


def _target_arg(owner: Any, args: tuple) -> Any:
    """What a loss call (an nn function or a Module's forward) took as ``target``, bound by
    its signature: the second argument of most losses, the third of margin_ranking_loss."""
    fn = owner.forward if hasattr(owner, "named_modules") else owner
    try:
        return inspect.signature(fn).bind_partial(*args).arguments.get("target")
    except (TypeError, ValueError):  # forward pre-hooks may have changed the arguments
        return None


# What a module's cluster notes: the closed form of its gradient, where it is short.
_MODULE_NOTES = {
    "CrossEntropyLoss": "dZ = (softmax(Z) − y) / N",
    "BCEWithLogitsLoss": "dZ = (σ(Z) − y) / N",
    "MSELoss": "d input = 2 (input − target) / N",
}
_MODULE_NOTES.update(cross_entropy=_MODULE_NOTES["CrossEntropyLoss"],
                     binary_cross_entropy_with_logits=_MODULE_NOTES["BCEWithLogitsLoss"],
                     mse_loss=_MODULE_NOTES["MSELoss"])
_CLUSTER_ATTRS = ('style="rounded,dashed" color="#7f7f7f" fontcolor="#333333" labeljust=l'
                  " labelloc=t")  # not the caption's labelloc=b, which clusters inherit
_MODULE_ATTRS = 'shape=box3d style=filled fillcolor="#e8f1dc"'


def _module_attrs(scene: _Scene, k: int, show_data: bool, grad_scale: float | None) -> str:
    """The one node of a collapsed module: its label, output shape (and data, grad)."""
    c = scene.clusters[k]
    out = scene.graph.items[c.output]
    lines = [f"<B>{_html(c.label)}</B>"]
    if c.params:
        lines.append(_small(_html(f"{c.params} parameters")))
    if isinstance(out, Tensor):
        name = scene.names.get(c.output)
        lines.append(_html(("" if name is None else name + " ") + _shape_text(out)))
        if show_data:
            lines.append(_small(_html("data " + _summary(out.data))))
        if grad_scale is not None:
            lines.append(_small(_html(_grad_line(out, name))))
    return f"label=<{'<BR/>'.join(lines)}> {_MODULE_ATTRS}"


def _param_names(params: Mapping[str, Tensor] | Any | None, op: str) -> dict[int, str]:
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        pairs = params.named_parameters()  # pyright: ignore[reportAttributeAccessIssue]
    elif isinstance(params, Mapping):
        pairs = params.items()
    else:
        raise TypeError(
            f"{op}: params must be a dict name -> Tensor or have named_parameters(), "
            f"got {type(params).__name__}"
        )
    return {id(t): str(name) for name, t in pairs}


def _tensor_attrs(t: Tensor, name: str | None, show_data: bool, grad_scale: float | None) -> str:
    shape, style, fill = _STYLE[_kind(t)]
    lines = [] if name is None else [f"<B>{_html(name)}</B>"]
    lines.append(_html(f"{_shape_text(t)} {t.dtype}"))
    if show_data:
        lines.append(_small(_html("data " + _summary(t.data))))
    if grad_scale is not None and t.requires_grad:
        lines.append(_small(_html(_grad_line(t, name))))
    if grad_scale is not None:
        fill = _grad_colour(_grad_magnitude(_grad_of(t)), grad_scale)
    return f'label=<{"<BR/>".join(lines)}> shape={shape} style="{style}" fillcolor="{fill}"'


def _kind(t: Tensor) -> str:
    return "inter" if t.grad_fn is not None else ("param" if t.requires_grad else "const")


def _shape_text(t: Tensor) -> str:
    return "scalar" if t.shape == () else "×".join(map(str, t.shape))


def _grad_line(t: Tensor, name: str | None) -> str:
    """``dZ1 [...]`` for a tensor named in the course's notation, else ``grad [...]``."""
    g = _grad_of(t)
    return f"{_grad_head(name)} " + ("None" if g is None else _summary(g))


def _grad_head(name: str | None) -> str:
    """``dZ1`` for a tensor named in the course's notation (``Z1``, ``0.weight (W1)``),
    else ``grad``."""
    letter = None if name is None else _NOTATION.search(name)
    return "grad" if letter is None else "d" + letter.group(1)


_NOTATION = re.compile(r"(?:^|\()([ZAWb]\d*(?:⟨\d+⟩)?)\)?$")


def _grad_of(t: Tensor) -> np.ndarray | None:
    """The gradient of ``t`` from the last backward: a leaf's ``.grad``; for an op's output,
    what the last backward that kept the graph sent it (engine: ``node.grad``)."""
    if t.grad is not None:
        return t.grad.data
    g = getattr(t.grad_fn, "grad", None) if t.grad_fn is not None else None
    if g is None:
        return None
    return np.asarray(getattr(g, "data", g))


def _op_attrs(node: Node, show_constants: bool = True) -> str:
    lines = [f"<B>{_html(node.label)}</B>"]
    inputs = node.inputs
    if inputs is None:
        lines.append(_small(_html("inputs freed by backward\n(use retain_graph=True)")))
    elif show_constants and any(not isinstance(v, Tensor) for v in inputs):
        args = ", ".join("·" if isinstance(v, Tensor) else _short(v) for v in inputs)
        lines.append(_html(f"({args})"))
    attrs = f"label=<{'<BR/>'.join(lines)}> {_OP_ATTRS}"
    where = getattr(node, "where", None)  # set in anomaly mode: where the op was created
    if where:
        attrs += f' tooltip="{_quoted(str(where))}"'
    return attrs


# ----------------------------------------------------------------------------------------
# explain: the backward pass as a table


# The local derivative of each op, as the course writes it (g: the gradient arriving at the
# output, out: the op's output).
FORMULAS = {
    "add": "∂/∂a = 1, ∂/∂b = 1",
    "sub": "∂/∂a = 1, ∂/∂b = −1",
    "mul": "∂/∂a = b, ∂/∂b = a",
    "div": "∂/∂a = 1/b, ∂/∂b = −a/b²",
    "pow": "∂/∂a = b·a^(b−1), ∂/∂b = out·ln a",
    "neg": "d neg = −1",
    "abs": "d abs = sign(x)",
    "exp": "d exp = out",
    "log": "d log = 1/x",
    "sqrt": "d sqrt = 1/(2·out)",
    "sin": "d sin = cos x",
    "cos": "d cos = −sin x",
    "tanh": "d tanh = 1 − out²",
    "sigmoid": "d σ = out·(1 − out)",
    "relu": "d relu = 1[x > 0]",
    "gelu": "d gelu = Φ(x) + x·φ(x)",
    "matmul": "dA = g·Bᵀ, dB = Aᵀ·g",
    "linear": "dx = g·W, dW = gᵀ·x, db = Σₙ g",
    "vdot": "∂/∂a = g·b, ∂/∂b = g·a",
    "sum": "d sum = 1 (g copied to every element)",
    "mean": "d mean = 1/n",
    "max": "1 at the maximum, 0 elsewhere",
    "min": "1 at the minimum, 0 elsewhere",
    "softmax": "dx = out·(g − Σ g·out)",
    "log_softmax": "dx = g − softmax(x)·Σ g",
    "where": "g where the condition holds, 0 elsewhere",
}
_MOVES = "g moved back into place"  # views and copies: reshape, transpose, indexing, ...
for _name in ("reshape", "transpose", "permute", "getitem", "broadcast_to", "as_strided",
              "clone", "astype", "concatenate", "pad", "copy_", "copy_slices"):
    FORMULAS[_name] = _MOVES


class Explanation:
    """What :func:`explain` returns: ``rows`` (one dict per op, in backward order, with
    ``step``, ``op``, ``module``, ``formula``, ``inputs``, ``output``, ``grad_output``,
    ``sends``); ``str()`` is a text table and notebooks show ``_repr_html_``."""

    COLUMNS = ("step", "op", "module", "formula", "inputs", "output", "grad_output", "sends")

    def __init__(self, rows: list[dict[str, str]]) -> None:
        self.rows = rows

    def __str__(self) -> str:
        cells = [[str(r[c]) for c in self.COLUMNS] for r in self.rows]
        cells = [[line.replace("\n", " ") for line in row] for row in cells]
        widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c)
                  for i, c in enumerate(self.COLUMNS)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(self.COLUMNS, widths)).rstrip()]
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.COLUMNS)
        body = "".join(
            "<tr>" + "".join(f"<td style='text-align:left'>"
                             f"{html.escape(str(r[c])).replace(chr(10), '<br>')}</td>"
                             for c in self.COLUMNS) + "</tr>" for r in self.rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def explain(root: Tensor, params: Mapping[str, Tensor] | Any | None = None) -> Explanation:
    """The backward pass of ``root`` as a table, one row per op in the order backward
    visits them: the op, the module that made it, its local derivative (``d tanh = 1 −
    out²``), input and output shapes, the gradient that reached its output in the last
    ``backward(retain_graph=True)`` and the gradient it sent to each input.

    >>> loss.backward(retain_graph=True)
    >>> print(ag.explain(loss, params=model))   # or display it in a notebook (HTML)
    """
    scene = _Scene(_roots(root, "explain"), params, "explain")
    items, names = scene.graph.items, scene.names
    rows: list[dict[str, Any]] = []
    for i in _backward_order(scene):
        node = items[i]
        outs = [j for j in scene.succs[i] if isinstance(items[j], Tensor)]
        out = items[outs[0]] if outs else None
        inputs = node.inputs or ()
        shown = [_input_text(v, names.get(scene.graph.index.get(id(v), -1)))
                 for v in inputs if isinstance(v, Tensor)]
        g = None if node.inputs is None else getattr(node, "grad", None)
        g = None if g is None else np.asarray(getattr(g, "data", g))
        home = scene.home.get(i)
        rows.append({
            "step": len(rows) + 1,
            "op": node.label,
            "module": "" if home is None else scene.clusters[home].label,
            "formula": FORMULAS.get(node.name, ""),
            "inputs": ", ".join(shown) if node.inputs is not None else "(freed by backward)",
            "output": "" if out is None else _input_text(out, names.get(outs[0])),
            "grad_output": "—" if g is None else _summary(g),
            "sends": "—" if g is None else _sent(node, g, scene),
        })
    return Explanation(rows)


def _backward_order(scene: _Scene) -> list[int]:
    """Graph nodes (item indices) from the roots down, each once all its consumers are
    done: the order backward runs them."""
    items = scene.graph.items
    waiting = [len(s) for s in scene.succs]
    ready = [i for i, w in enumerate(waiting) if w == 0]
    order = []
    while ready:
        i = ready.pop()
        if not isinstance(items[i], Tensor):
            order.append(i)
        for j in scene.preds[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                ready.append(j)
    return order


def _input_text(t: Tensor, name: str | None) -> str:
    return (f"{name} " if name else "") + _shape_text(t)


def _sent(node: Node, g: np.ndarray, scene: _Scene) -> str:
    """The gradient ``node`` sends to each Tensor input (its vjps, on the kept values),
    named ``dW1`` in the course's notation, else after the input: ``→ x``, ``→ input 0``."""
    from .engine import unbroadcast
    from .ops import ARRAY_MATH

    parts = []
    for k, (p, vjp) in enumerate(zip(node.inputs, node.vjps)):
        if not isinstance(p, Tensor) or not p.requires_grad or vjp is None:
            continue
        gp = vjp(ARRAY_MATH, g, node.out_data, *node.values)
        if gp is None:
            continue
        gp = unbroadcast(np.asarray(gp), p.shape)
        name = scene.names.get(scene.graph.index.get(id(p), -1))
        letter = None if name is None else _NOTATION.search(name)
        head = f"d{letter.group(1)}" if letter else f"→ {name or f'input {k}'}"
        parts.append(f"{head}: " + _summary(gp).replace("\n", " "))
    return "\n".join(parts)


# ----------------------------------------------------------------------------------------
# The interactive page (issue 18): to_html, save_html


def to_html(
    root: Tensor | Sequence[Tensor],
    *,
    params: Mapping[str, Tensor] | Any | None = None,
    show_constants: bool = False,
) -> str:
    """The graph of ``root`` as one self-contained HTML page, to open in any browser: no
    network, no Graphviz. Modules are boxes; clicking a box's header collapses the module to
    one node (clicking that node's header expands it again; the bar above has expand all /
    collapse all); clicking a node shows its value and its gradient from the last backward
    in a side panel (``dZ1``, ``dW1``, ... as :func:`draw_graph` with ``show_grad=True``).

    One node per tensor, named after the op that made it (or its name); ``params`` and
    ``show_constants`` as for :func:`draw_graph`. The graph is in the page as JSON
    (``<script id="graph-data">``), laid out by the page's own small script; the page is
    plain ASCII, so it can be written with any encoding.

    >>> loss.backward(retain_graph=True)
    >>> ag.save_html(loss, "graph.html", params=model)   # or page = ag.to_html(loss, ...)
    """
    return _page(root, params, show_constants, "to_html")


def save_html(
    root: Tensor | Sequence[Tensor],
    path: str | os.PathLike,
    *,
    params: Mapping[str, Tensor] | Any | None = None,
    show_constants: bool = False,
) -> str:
    """Write :func:`to_html`'s page of ``root`` to ``path`` (as given); returns ``path``.

    >>> ag.save_html(loss, "graph.html", params=model)   # 'graph.html'
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"save_html: path must be a str or os.PathLike, got {path!r}")
    page = _page(root, params, show_constants, "save_html")
    with open(path, "w", encoding="ascii") as f:
        f.write(page)
    return os.fspath(path)


def _page(root: Any, params: Any, show_constants: bool, op: str) -> str:
    data = json.dumps(_page_data(root, params, show_constants, op), allow_nan=False)
    # "<" escaped: no name can close the <script> the data sits in
    return _page_template().replace("{{GRAPH_DATA}}", data.replace("<", "\\u003c"))


@functools.cache
def _page_template() -> str:
    from importlib.resources import files

    # (pyright: __package__ may be None in general; a package's module has it)
    return files(__package__).joinpath(  # pyright: ignore[reportArgumentType]
        "graph_page.html").read_text(encoding="ascii")


def _page_data(root: Any, params: Any, show_constants: bool, op: str) -> dict[str, Any]:
    """What the page draws: ``nodes`` (one per tensor, an op drawn with the tensor it made),
    ``edges`` (node index pairs, in data-flow direction), ``clusters`` (the module calls,
    with their ``parent`` and the node of their ``output``) and the grad colours' caption."""
    roots = _roots(root, op)
    show_constants = flag(show_constants, op, "show_constants")
    scene = _Scene(roots, params, op)
    items, names = scene.graph.items, scene.names
    root_ids = {id(r) for r in roots}
    hidden = set() if show_constants else set(scene.constants(root_ids))
    shown = [i for i, obj in enumerate(items) if isinstance(obj, Tensor) and i not in hidden]
    node_of = {i: k for k, i in enumerate(shown)}
    has_grad = any(_grad_of(items[i]) is not None for i in shown)
    scale = _grad_scale(items[i] for i in shown)
    nodes = []
    for i in shown:
        t, name = items[i], names.get(i)
        op_node, g = t.grad_fn, _grad_of(t)
        op_label = None if op_node is None else op_node.label
        kind, tensor = _kind(t), f"{_shape_text(t)} {t.dtype}"
        nodes.append({
            "label": name or op_label or ("leaf" if t.requires_grad else "constant"),
            "sub": f"{op_label} · {tensor}" if name and op_label else tensor,
            "tensor": tensor,
            "op": op_label,
            "formula": "" if op_node is None else FORMULAS.get(op_node.name, ""),
            "kind": kind,
            "root": id(t) in root_ids,
            "cluster": scene.home.get(i),
            "value": _stats(t.data),
            "grad": None if g is None else _stats(g),
            "grad_name": _grad_head(name),
            "fill": _grad_colour(_grad_magnitude(g), scale) if has_grad else _STYLE[kind][2],
        })
    edges: dict[tuple[int, int], None] = {}  # ordered and without repeats (x * x)
    for a, b in scene.graph.edges:
        if isinstance(items[a], Tensor) and a in node_of:  # a feeds op b, which made a tensor
            d = scene.succs[b][0]
            if d in node_of:
                edges[node_of[a], node_of[d]] = None
    clusters = [{"label": c.label, "parent": c.parent, "note": c.note or "",
                 "params": c.params, "output": node_of[c.output]} for c in scene.clusters]
    return {"nodes": nodes, "edges": list(edges), "clusters": clusters,
            "caption": _GRAD_CAPTION if has_grad else ""}


def _stats(a: np.ndarray) -> dict[str, Any]:
    """A value or gradient for the page: its size, first ``SMALL`` elements (flattened), and
    the min, max and mean of its finite elements; NaN and Inf are the strings 'nan', 'inf'."""
    x = np.asarray(a, dtype=np.float64).ravel()
    finite = x[np.isfinite(x)]
    some = finite.size > 0
    return {"size": int(x.size), "head": [_number(v) for v in x[:SMALL]],
            "min": _number(finite.min()) if some else None,
            "max": _number(finite.max()) if some else None,
            "mean": _number(finite.mean()) if some else None,
            "nonfinite": int(x.size - finite.size)}


def _number(v: float) -> float | str:
    return float(f"{v:.4g}") if math.isfinite(v) else str(float(v))


# ----------------------------------------------------------------------------------------
# Values, gradients and escaping


def _summary(a: np.ndarray) -> str:
    """The values of a small array, else its mean, std, min and max."""
    if a.size == 0:
        return "empty"
    if a.size <= SMALL:
        return np.array2string(a, precision=4, separator=", ", max_line_width=60)
    x = a.astype(np.float64, copy=False)
    finite = np.isfinite(x)
    text = ""
    if not finite.all():
        text = f"nan {int(np.isnan(x).sum())}, inf {int(np.isinf(x).sum())}, "
        x = x[finite]
        if x.size == 0:
            return text.rstrip(", ")
    return text + (
        f"mean {x.mean():.4g}, std {x.std():.4g}\nmin {x.min():.4g}, max {x.max():.4g}"
    )


def _grad_magnitude(g: np.ndarray | None) -> float | None:
    """Mean absolute value of gradient ``g`` (NaN if it holds NaN/Inf), None without one."""
    if g is None or g.size == 0:
        return None
    return float(np.abs(g.astype(np.float64, copy=False)).mean())


def _grad_scale(tensors: Iterable[Tensor]) -> float:
    """The largest finite mean |grad| of ``tensors``, which the colour ramp is relative to."""
    mags = (_grad_magnitude(_grad_of(t)) for t in tensors)
    return max((m for m in mags if m is not None and math.isfinite(m)), default=0.0)


def _grad_colour(mag: float | None, largest: float) -> str:
    if mag is None:
        return "#ffffff"
    if not math.isfinite(mag):
        return _BAD_GRAD
    if mag == 0.0 or largest == 0.0:
        return _ZERO_GRAD
    decades = min(-math.log10(mag / largest), _DECADES) / _DECADES * (len(_RAMP) - 1)
    lo = min(int(decades), len(_RAMP) - 2)
    f = decades - lo
    rgb = (round(a + (b - a) * f) for a, b in zip(_RAMP[lo], _RAMP[lo + 1]))
    return "#" + "".join(f"{c:02x}" for c in rgb)


def _short(v: Any, limit: int = 24) -> str:
    if isinstance(v, np.ndarray) and v.size > SMALL:
        return f"array({'×'.join(map(str, v.shape))} {v.dtype})"
    text = repr(v)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Characters XML (and so Graphviz's HTML-like labels) cannot carry, shown as \xNN instead.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _html(text: str) -> str:
    """``text`` escaped for a Graphviz HTML-like label; newlines become line breaks."""
    text = _XML_INVALID.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return html.escape(text, quote=True).replace("\r", "").replace("\n", "<BR/>")


def _small(markup: str) -> str:
    return f'<FONT POINT-SIZE="9">{markup}</FONT>'


def _quoted(text: str) -> str:
    """``text`` for a double-quoted DOT string (no escape sequences left for Graphviz)."""
    text = _XML_INVALID.sub("", text).replace("\n", " ")
    return text.replace("\\", "\\\\").replace('"', '\\"')
