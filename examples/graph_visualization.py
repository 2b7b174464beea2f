"""Seeing the graph: every op a node, every tensor a box, values and gradients written in.

    python examples/graph_visualization.py [--out examples/out]

1. A small expression, e = a·b, d = e + c, L = d·f with a=2, b=−3, c=10, f=−2: the
   forward values and, after ``L.backward()``, the gradients dL/da = b·f = 6,
   dL/db = a·f = −4, dL/dc = dL/dd = dL/de = f = −2, dL/df = d = 4.
2. A small MLP ``Linear(2, 3) -> Tanh -> Linear(3, 1)`` with its MSE loss on a batch of
   four points: each layer a box (``0: Linear``), parameters named after the model's
   ``named_parameters()`` and in the course's notation (W1, b1), x and target named.

Writes ``graph_expression.svg``/``.png``, ``graph_mlp.svg``/``.png`` and the DOT sources
(``.dot``, from ``ag.to_dot``, which needs no Graphviz).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _common import parser, save_graph, setup

import autograd_lite as ag
import nn


def write_all(graph: Any, out: Path, name: str) -> None:
    """The graph as SVG and PNG (rendered by Graphviz's dot) and as DOT text."""
    save_graph(graph, out, name, ("svg", "png"))
    (out / f"{name}.dot").write_text(graph.source)  # = ag.to_dot(...): needs no Graphviz
    print(f"  wrote {out / name}.dot")


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = setup(parser(__doc__), argv)

    a = ag.tensor(2.0, requires_grad=True)
    b = ag.tensor(-3.0, requires_grad=True)
    c = ag.tensor(10.0, requires_grad=True)
    f = ag.tensor(-2.0, requires_grad=True)
    e = a * b
    d = e + c
    L = d * f
    for t in (e, d, L):
        t.retain_grad()  # keep the gradients of intermediate results too, to show them
    L.backward(retain_graph=True)  # keep the graph so it can be drawn with gradients
    names = {"a": a, "b": b, "c": c, "f": f, "e": e, "d": d, "L": L}
    print(f"L = (a·b + c)·f = {L.item()}")
    grads = {k: t.grad.item() for k, t in names.items()}
    print("gradients: " + ", ".join(f"dL/d{k} = {g:g}" for k, g in grads.items()))
    opts = {"show_data": True, "show_grad": True}
    write_all(ag.draw_graph(L, params=names, **opts), args.out, "graph_expression")

    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    x = ag.randn(4, 2)
    target = ag.randn(4, 1)
    loss = nn.MSELoss()(model(x), target)
    loss.backward(retain_graph=True)
    print(f"MLP {model}\nMSE loss on 4 points: {loss.item():.4f}")
    for name, p in model.named_parameters():
        print(f"  {name:9s} shape {p.shape}, |grad| max {abs(p.grad.numpy()).max():.4f}")
    # params=model: its layers become labelled boxes; x and target are named from the calls
    write_all(ag.draw_graph(loss, params=model, **opts), args.out, "graph_mlp")
    return {"L": L.item(), "grads": grads, "mlp_loss": loss.item()}


if __name__ == "__main__":
    main()
