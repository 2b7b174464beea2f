"""What every example shares: command line, seeding, progress bars, saving figures and graphs.

Each example script does ``from _common import ...`` (the script's folder is on
``sys.path`` when it runs) and exposes ``main(argv=None) -> dict`` of its key metrics.

Common flags: ``--out DIR`` (default ``examples/out/``), ``--quiet`` (no progress bars),
``--smoke`` (a tiny budget, for tests), ``--seed N``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import matplotlib


def headless_batch() -> bool:
    """True when nothing could show a window: not in IPython/Jupyter (``%run`` keeps the
    notebook's inline backend, so a later ``plt.show()`` still shows), not an interactive
    session, and no display (Linux without $DISPLAY/$WAYLAND_DISPLAY)."""
    ipython = sys.modules.get("IPython")
    if ipython is not None and getattr(ipython, "get_ipython", lambda: None)() is not None:
        return False
    if hasattr(sys, "ps1") or sys.flags.interactive:
        return False
    return sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


if headless_batch():
    matplotlib.use("Agg")  # files only: no GUI backend to look for

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402  (installed with scikit-learn)
from tqdm.auto import tqdm  # noqa: E402

import autograd_lite as ag  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent / "out"
T = TypeVar("T")


def parser(doc: str | None) -> argparse.ArgumentParser:
    """An argument parser with the common flags; scripts add their own before parsing."""
    p = argparse.ArgumentParser(
        description=(doc or "").strip().splitlines()[0] if doc else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for figures and graphs")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--smoke", action="store_true", help="tiny budget (a few iterations)")
    p.add_argument("--seed", type=int, default=0, help="seed of ag.manual_seed")
    return p


def setup(p: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse ``argv``, create the output folder and seed the library's generator.

    Also limits numpy's BLAS to one thread: the examples' matrices are small, and for them
    a second thread costs more than it gains (several times more on a busy 2-core machine).
    """
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    ag.manual_seed(args.seed)
    threadpool_limits(1, user_api="blas")
    return args


def progress(iterable: Iterable[T], quiet: bool, desc: str, **kw: Any) -> Iterable[T]:
    """``iterable`` wrapped in a tqdm bar unless ``quiet``."""
    return tqdm(iterable, desc=desc, disable=quiet, leave=False, dynamic_ncols=True, **kw)


def save_figure(fig: plt.Figure, out: Path, name: str) -> Path:
    """Save ``fig`` as ``out/name.png``, close it, print and return the path."""
    path = out / f"{name}.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"  wrote {path}")
    return path


def save_graph(graph: Any, out: Path, name: str, formats: Sequence[str] = ("svg",)) -> Path:
    """Render a ``graphviz.Digraph`` (from ``ag.draw_graph``) to ``out/name.svg`` (and the
    other ``formats``). Without Graphviz's ``dot`` program, write the DOT source
    ``out/name.dot`` instead and say how to render it; returns the first path written."""
    try:
        paths = []
        for fmt in formats:
            paths.append(out / f"{name}.{fmt}")
            paths[-1].write_bytes(graph.pipe(format=fmt))
            print(f"  wrote {paths[-1]}")
        return paths[0]
    except ag.GraphvizNotFoundError:
        path = out / f"{name}.dot"
        path.write_text(graph.source)
        print(f"  wrote {path} (Graphviz's `dot` is not installed; render it with "
              f"`dot -T{formats[0]} {path} -o {path.with_suffix('.' + formats[0])}`)")
        return path


def make_2d_dataset(
    kind: str, n: int, seed: int, noise: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A non-linear 2-D binary dataset from scikit-learn: X (n, 2) float32, y (n,) float32.

    ``kind`` is ``"circles"`` (two rings) or ``"moons"`` (two interleaved half-moons).
    """
    from sklearn.datasets import make_circles, make_moons

    if kind == "circles":
        X, y = make_circles(n, noise=0.08 if noise is None else noise, factor=0.5,
                            random_state=seed)
    elif kind == "moons":
        X, y = make_moons(n, noise=0.1 if noise is None else noise, random_state=seed)
    else:
        raise ValueError(f"unknown dataset {kind!r}: choose 'circles' or 'moons'")
    return X.astype(np.float32), y.astype(np.float32)


def plot_decision_regions(
    ax: plt.Axes, predict: Any, X: np.ndarray, y: np.ndarray, title: str = ""
) -> None:
    """Shade the plane by ``predict(points (k, 2)) -> probabilities (k,)``; scatter X by y."""
    pad = 0.5
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, 200)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, 200)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.c_[gx.ravel(), gy.ravel()].astype(np.float32)
    p = np.asarray(predict(grid)).reshape(gx.shape)
    ax.contourf(gx, gy, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.35)
    ax.contour(gx, gy, p, levels=[0.5], colors="k", linewidths=1)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", s=10, edgecolors="k", linewidths=0.2)
    ax.set_title(title)


def plot_curves(
    ax: plt.Axes, curves: dict[str, Sequence[float]], xlabel: str, ylabel: str,
    logy: bool = False,
) -> None:
    """Several named curves on one axis (a legend when there are more than one)."""
    for name, values in curves.items():
        ax.plot(values, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if len(curves) > 1:
        ax.legend()
    ax.grid(alpha=0.3)
