"""Drawing computation graphs with Graphviz.

>>> import autograd_lite as ag
>>> w = ag.tensor([1.0, -2.0], requires_grad=True)
>>> loss = (w * 3.0).relu().sum()
>>> print(ag.to_dot(loss, params={"w": w}))         # DOT text; needs neither graphviz nor dot
>>> g = ag.draw_graph(loss, params={"w": w})         # a graphviz.Digraph (pip install graphviz)
>>> ag.viz.render(g, "loss", "svg")                  # 'loss.svg' (needs the `dot` program)

One DOT node per tensor (boxes) and one per op (ellipses); edges go the way data flows,
from the inputs of an op to the op and from the op to its output. Leaves that require grad
are blue boxes, constant leaves dashed grey boxes, intermediate tensors rounded white boxes;
the root has a thick green border. Non-tensor op inputs (``x * 2.0``) are shown in the op's
label, with ``·`` standing for the tensor inputs: ``mul(·, 2.0)``.

A plain ``loss.backward()`` frees the graph (only the root's op is left to draw); call
``loss.backward(retain_graph=True)`` first to draw the whole graph with its gradients.

:func:`to_dot` and :func:`draw_graph` share one code path: the DOT statements are written
here, and ``draw_graph(root).source == to_dot(root)``. The graph is walked iteratively
(graphs of 100k nodes are fine) and only read: drawing never changes it or any gradient.
"""

from __future__ import annotations

import functools
import html
import math
import re
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from .engine import Node
from .tensor import Tensor

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

__all__ = ["draw_graph", "to_dot", "render", "pipe", "GraphvizNotFoundError"]

SMALL = 10  # tensors with at most this many elements show their values, larger ones stats
RANKDIRS = ("LR", "RL", "TB", "BT")

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
    rankdir: str = "LR",
    max_nodes: int | None = None,
) -> str:
    """DOT source of the graph that produced ``root``; needs neither graphviz nor ``dot``.

    Arguments as for :func:`draw_graph`.

    >>> x = ag.tensor([1.0, 2.0], requires_grad=True)
    >>> print(ag.to_dot((x * x).sum(), params={"x": x}))   # digraph { ... }
    """
    body = _dot_body(root, show_data, show_grad, params, rankdir, max_nodes)
    return "digraph {\n" + "".join(body) + "}\n"


def draw_graph(
    root: Tensor | Sequence[Tensor],
    *,
    show_data: bool = False,
    show_grad: bool = False,
    params: Mapping[str, Tensor] | Any | None = None,
    rankdir: str = "LR",
    max_nodes: int | None = None,
) -> graphviz.Digraph:
    """Draw the graph that produced ``root`` (a Tensor or a sequence of Tensors).

    :param show_data: show each tensor's value (up to ``SMALL`` elements) or its mean, std,
        min and max.
    :param show_grad: show each tensor's ``.grad`` the same way and colour the tensor by its
        mean absolute gradient relative to the largest in the graph (log scale).
    :param params: names for tensors: a dict name -> Tensor, or anything with
        ``named_parameters()`` (an ``nn.Module``). Otherwise a tensor's ``.name`` is used.
    :param rankdir: Graphviz layout direction, "LR", "RL", "TB" or "BT".
    :param max_nodes: draw at most this many nodes (>= 3): the ones nearest the root and
        the ones nearest the leaves; the rest fold into one "… N more nodes" node.
        Building the DOT text of a 10,000-op graph takes a fraction of a second, but the
        ``dot`` layout of thousands of nodes is slow and unreadable: use ``max_nodes=200``.
    :returns: a ``graphviz.Digraph`` (whose ``render``/``pipe`` explain how to install
        Graphviz when the ``dot`` program is missing); ``.source`` equals :func:`to_dot`.

    >>> g = ag.draw_graph(model(x).sum(), params=model, show_data=True)
    >>> g.render("mlp", format="svg")   # or ag.viz.render(g, "mlp", "svg")
    """
    body = _dot_body(root, show_data, show_grad, params, rankdir, max_nodes)
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
        raise ImportError(
            "draw_graph needs the graphviz Python package: `pip install graphviz` "
            "(and, to render, the Graphviz programs). to_dot() works without either."
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
    graphviz = _graphviz()

    class Digraph(graphviz.Digraph):
        """A graphviz.Digraph whose rendering explains how to install a missing ``dot``."""

        def render(self, *args: Any, **kwargs: Any) -> Any:
            with _explain_missing_dot():
                return super().render(*args, **kwargs)

        def pipe(self, *args: Any, **kwargs: Any) -> Any:  # also Jupyter's SVG display
            with _explain_missing_dot():
                return super().pipe(*args, **kwargs)

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


def _dot_body(
    root: Tensor | Sequence[Tensor],
    show_data: bool,
    show_grad: bool,
    params: Mapping[str, Tensor] | Any | None,
    rankdir: str,
    max_nodes: int | None,
) -> list[str]:
    """The statements between ``digraph {`` and ``}``, one per line."""
    roots = [root] if isinstance(root, Tensor) else \
        list(root) if isinstance(root, (list, tuple)) else []
    if not roots or not all(isinstance(r, Tensor) for r in roots):
        raise TypeError(f"draw_graph: root must be a Tensor or Tensors, got {root!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    if max_nodes is not None and max_nodes < 3:
        raise ValueError(f"draw_graph: max_nodes must be at least 3, got {max_nodes}")

    graph = _Graph(roots)
    items = graph.items
    names = _param_names(params)
    root_ids = {id(r) for r in roots}
    n = len(items)
    kept = graph.keep(max_nodes) if max_nodes is not None and n > max_nodes else [True] * n
    ids = [("t" if isinstance(obj, Tensor) else "op") + str(i) for i, obj in enumerate(items)]

    grad_scale = None
    if show_grad:
        mags = [_grad_magnitude(t) for t, k in zip(items, kept) if k and isinstance(t, Tensor)]
        grad_scale = max((m for m in mags if m is not None and math.isfinite(m)), default=0.0)

    body = [f'\tgraph [rankdir={rankdir} fontname="Helvetica" fontsize=10'
            + (f' label="{_GRAPH_CAPTION_ESC}" labelloc=b' if show_grad else "") + "]\n",
            '\tnode [fontname="Helvetica" fontsize=11]\n',
            '\tedge [color="#555555" arrowsize=0.7]\n']
    for i, obj in enumerate(items):
        if not kept[i]:
            continue
        if isinstance(obj, Tensor):
            attrs = _tensor_attrs(obj, names.get(id(obj)), show_data, grad_scale)
            if id(obj) in root_ids:
                attrs += " " + _ROOT_ATTRS
        else:
            attrs = _op_attrs(obj)
        body.append(f"\t{ids[i]} [{attrs}]\n")

    if all(kept):
        body.extend(f"\t{ids[s]} -> {ids[d]}\n" for s, d in graph.edges)
        return body

    hidden = n - sum(kept)
    body.append(f"\tfold [label=<{_html(f'… {hidden} more nodes')}> {_FOLD_ATTRS}]\n")
    seen: set[tuple[str, str]] = set()
    for s, d in graph.edges:
        edge = (ids[s] if kept[s] else "fold", ids[d] if kept[d] else "fold")
        if edge == ("fold", "fold"):
            continue
        folded = not (kept[s] and kept[d])
        if folded and edge in seen:
            continue
        seen.add(edge)
        body.append(f"\t{edge[0]} -> {edge[1]}" + (" [style=dashed]\n" if folded else "\n"))
    return body



def _param_names(params: Mapping[str, Tensor] | Any | None) -> dict[int, str]:
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        pairs = params.named_parameters()
    elif isinstance(params, Mapping):
        pairs = params.items()
    else:
        raise TypeError(
            "draw_graph: params must be a dict name -> Tensor or have named_parameters(), "
            f"got {type(params).__name__}"
        )
    return {id(t): str(name) for name, t in pairs}


def _tensor_attrs(t: Tensor, name: str | None, show_data: bool, grad_scale: float | None) -> str:
    kind = "inter" if t.grad_fn is not None else ("param" if t.requires_grad else "const")
    shape, style, fill = _STYLE[kind]
    name = name if name is not None else t.name
    lines = [] if name is None else [f"<B>{_html(str(name))}</B>"]
    shape_text = "scalar" if t.shape == () else "×".join(map(str, t.shape))
    lines.append(_html(f"{shape_text} {t.dtype}"))
    if show_data:
        lines.append(_small(_html("data " + _summary(t.data))))
    if grad_scale is not None:
        g = t.grad
        lines.append(_small(_html("grad " + ("None" if g is None else _summary(g.data)))))
        fill = _grad_colour(_grad_magnitude(t), grad_scale)
    return f'label=<{"<BR/>".join(lines)}> shape={shape} style="{style}" fillcolor="{fill}"'


def _op_attrs(node: Node) -> str:
    lines = [f"<B>{_html(node.label)}</B>"]
    inputs = node.inputs
    if inputs is None:
        lines.append(_small(_html("inputs freed by backward\n(use retain_graph=True)")))
    elif any(not isinstance(v, Tensor) for v in inputs):
        args = ", ".join("·" if isinstance(v, Tensor) else _short(v) for v in inputs)
        lines.append(_html(f"({args})"))
    attrs = f"label=<{'<BR/>'.join(lines)}> {_OP_ATTRS}"
    where = getattr(node, "where", None)  # set in anomaly mode: where the op was created
    if where:
        attrs += f' tooltip="{_quoted(str(where))}"'
    return attrs


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


def _grad_magnitude(t: Tensor) -> float | None:
    """Mean absolute gradient of ``t`` (NaN if the grad holds NaN/Inf), None without one."""
    g = t.grad
    if g is None or g.data.size == 0:
        return None
    return float(np.abs(g.data.astype(np.float64, copy=False)).mean())


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
