"""Regenerate docs/mlp_graph.svg, the picture in README's "Drawing the graph" section.

    python docs/make_graph.py [OUT.svg]        # default: docs/mlp_graph.svg; needs `dot`

The same model and loss as README's code: each layer a box (``0: Linear``), the
parameters in the course's notation (W1, b1, ...), and the gradients of the backward
(dZ, dA, dW, db), so dZ2 = (softmax(Z2) − y)/N can be read off the picture.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import autograd_lite as ag  # noqa: E402
import nn  # noqa: E402


def main(out: Path) -> Path:
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x, y = ag.randn(5, 3), ag.tensor([0, 1, 1, 0, 1])
    loss = nn.CrossEntropyLoss()(model(x), y)
    loss.backward(retain_graph=True)  # keep the graph (and its gradients) to draw it after
    graph = ag.draw_graph(loss, params=model, show_grad=True, rankdir="TB")
    out.write_bytes(ag.viz.pipe(graph, "svg"))
    print(f"wrote {out}")
    return out


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "mlp_graph.svg")
