"""Gradient health: see vanishing, exploding, dead and saturated units while training.

>>> with nn.utils.GradientMonitor(model) as monitor:
...     for xb, yb in loader:
...         opt.zero_grad(); loss_fn(model(xb), yb).backward(); opt.step()
>>> print(monitor.summary())          # a table per layer, then the warnings
>>> rows = monitor.report()           # list of dicts, one per layer (DataFrame-ready)

It works through the library's hooks only: a forward hook on each layer records its
output (activation mean/std, dead ReLU units, saturated sigmoid/tanh outputs, NaN/Inf),
a tensor hook on each parameter records its gradient norm when backward computes it,
and the change of each weight between two forward passes gives the update-to-weight
ratio of the optimizer step in between. Detached, it leaves no hook behind.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

import autograd_lite as ag
from autograd_lite.validation import real

from .layers_activation import ReLU, Sigmoid, Tanh
from .modules import Module


@dataclass
class Thresholds:
    """When :meth:`GradientMonitor.summary` warns (all documented defaults).

    vanishing_ratio: a layer's gradient norm this many times smaller than the largest
        layer's (earlier layers starving: vanishing gradients).
    exploding_norm: a layer's gradient norm above this (or any NaN/Inf): exploding.
    dead_fraction: this fraction of a ReLU layer's units zero for the whole batch.
    saturation_eps: a sigmoid output within this of 0 or 1 (tanh: of ±1) is saturated.
    saturated_fraction: this fraction of a sigmoid/tanh layer's outputs saturated.
    """

    vanishing_ratio: float = 1e3
    exploding_norm: float = 1e3
    dead_fraction: float = 0.5
    saturation_eps: float = 1e-3
    saturated_fraction: float = 0.5


def _norm(a: np.ndarray) -> float:
    """L2 norm of all entries (a BLAS dot product: no temporary arrays)."""
    flat = a.reshape(-1)
    return float(np.sqrt(np.dot(flat, flat)))


class GradientMonitor:
    """Record per-layer gradient and activation statistics of ``model``.

    Use as a context manager (``with GradientMonitor(model) as m:``) or call
    :meth:`attach` / :meth:`detach`. ``thresholds`` (a :class:`Thresholds` or keyword
    overrides such as ``dead_fraction=0.3``) decide what :meth:`summary` warns about.
    """

    def __init__(self, model: Module, thresholds: Thresholds | None = None,
                 **overrides: float) -> None:
        if not isinstance(model, Module):
            raise TypeError(f"GradientMonitor: expected an nn.Module, got "
                            f"{type(model).__name__}")
        if thresholds is not None and not isinstance(thresholds, Thresholds):
            raise TypeError(f"GradientMonitor: thresholds must be a Thresholds, got "
                            f"{type(thresholds).__name__}")
        for key, value in overrides.items():
            if key not in Thresholds.__dataclass_fields__:
                raise TypeError(f"GradientMonitor: unknown threshold {key!r}")
            overrides[key] = real(value, "GradientMonitor", key, low=0, finite=False)
        self.model = model
        self.thresholds = thresholds or Thresholds()
        if overrides:  # on a copy: the caller's Thresholds stays as it was
            self.thresholds = dataclasses.replace(self.thresholds, **overrides)
        self.layers = [(name or type(model).__name__, m) for name, m in model.named_modules()
                       if _tracked(m)]
        self.step = 0  # counts forward passes of the model in grad mode
        self.history: list[dict[str, dict[str, Any]]] = []  # one {layer: stats} per step
        self._handles: list[Any] = []
        # weights (and their norm) when their gradient arrived, for the update ratio
        self._snapshots: dict[int, tuple[np.ndarray, float]] = {}

    # -- attaching ---------------------------------------------------------------------
    def attach(self) -> GradientMonitor:
        if self._handles:
            return self
        self._handles.append(self.model.register_forward_pre_hook(self._on_model_forward))
        for name, module in self.layers:
            self._handles.append(module.register_forward_hook(self._forward_hook(name)))
            for p in module.parameters(recurse=False):
                self._handles.append(p.register_hook(self._grad_hook(name, p)))
        return self

    def detach(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        self._record_updates()

    def __enter__(self) -> GradientMonitor:
        return self.attach()

    def __exit__(self, *exc: object) -> None:
        self.detach()

    # -- hooks -------------------------------------------------------------------------
    def _current(self, name: str) -> dict[str, Any]:
        if not self.history:
            self.history.append({})
        return self.history[-1].setdefault(name, {})

    def _on_model_forward(self, module: Module, args: tuple) -> None:
        if not ag.is_grad_enabled():
            return  # evaluation passes are not training steps
        self._record_updates()
        self.step += 1
        self.history.append({})

    def _forward_hook(self, name: str):
        eps = self.thresholds.saturation_eps

        def hook(module: Module, args: tuple, output: Any) -> None:
            if not ag.is_grad_enabled() or not isinstance(output, ag.Tensor):
                return
            out = output.data
            stats = self._current(name)
            flat = out.reshape(-1)
            n = max(flat.size, 1)
            mean = float(flat.sum()) / n
            # A NaN/Inf anywhere makes the sum non-finite: no separate isfinite pass.
            stats["activation_mean"] = mean
            stats["activation_std"] = float(np.sqrt(max(float(np.dot(flat, flat)) / n
                                                        - mean * mean, 0.0)))
            stats["activation_nonfinite"] = not np.isfinite(mean)
            if isinstance(module, ReLU):
                units = out.reshape(out.shape[0], -1) if out.ndim > 1 else out.reshape(1, -1)
                stats["dead_fraction"] = float((units <= 0).all(axis=0).mean())
            elif isinstance(module, Sigmoid):
                stats["saturated_fraction"] = float(((out < eps) | (out > 1 - eps)).mean())
            elif isinstance(module, Tanh):
                stats["saturated_fraction"] = float((np.abs(out) > 1 - eps).mean())

        return hook

    def _grad_hook(self, name: str, param: ag.Tensor):
        def hook(grad: ag.Tensor) -> None:
            stats = self._current(name)
            norm = _norm(grad.data)  # NaN/Inf anywhere makes the norm non-finite
            stats["grad_norm"] = float(np.hypot(stats.get("grad_norm", 0.0), norm))
            stats["grad_nonfinite"] = stats.get("grad_nonfinite", False) or \
                not np.isfinite(norm)
            weight_norm = _norm(param.data)
            stats["weight_norm"] = float(np.hypot(stats.get("weight_norm", 0.0), weight_norm))
            self._snapshots[id(param)] = (param.data.copy(), weight_norm)

        return hook

    def _record_updates(self) -> None:
        """Update-to-weight ratio ‖Δw‖/‖w‖ of the step since the gradients arrived."""
        if not self._snapshots or not self.history:
            return
        by_layer: dict[str, list[float]] = {}
        for name, module in self.layers:
            for p in module.parameters(recurse=False):
                before, weight_norm = self._snapshots.get(id(p), (None, 0.0))
                if before is not None and before.shape == p.data.shape:
                    np.subtract(p.data, before, out=before)  # the snapshot is not needed again
                    sq = by_layer.setdefault(name, [0.0, 0.0])
                    sq[0] += _norm(before) ** 2
                    sq[1] += weight_norm ** 2
        for name, (delta_sq, weight_sq) in by_layer.items():
            if delta_sq > 0 or weight_sq > 0:
                ratio = float(np.sqrt(delta_sq / weight_sq)) if weight_sq else float("inf")
                self.history[-1].setdefault(name, {})["update_ratio"] = ratio
        self._snapshots.clear()

    # -- reading -----------------------------------------------------------------------
    def report(self) -> list[dict[str, Any]]:
        """The latest step, one dict per layer in model order: ``layer``, ``type``,
        ``step`` and whichever of ``grad_norm``, ``weight_norm``, ``update_ratio``,
        ``grad_nonfinite``, ``activation_mean``, ``activation_std``,
        ``activation_nonfinite``, ``dead_fraction``, ``saturated_fraction`` apply."""
        self._record_updates()
        latest = self.history[-1] if self.history else {}
        return [{"layer": name, "type": type(module).__name__, "step": self.step,
                 **latest.get(name, {})} for name, module in self.layers]

    def warnings(self) -> list[str]:
        """Readable warnings for the latest step (empty for a healthy network)."""
        th = self.thresholds
        rows = self.report()
        out: list[str] = []
        graded = [r for r in rows if "grad_norm" in r]
        finite = [r for r in graded if np.isfinite(r["grad_norm"]) and not r["grad_nonfinite"]]
        if finite:
            top = max(finite, key=lambda r: r["grad_norm"])
            for r in finite:
                if r["grad_norm"] * th.vanishing_ratio < top["grad_norm"]:
                    ratio = top["grad_norm"] / max(r["grad_norm"], 1e-300)
                    out.append(f"layer {r['layer']}: gradient norm {r['grad_norm']:.1e} is "
                               f"{ratio:.0e}× smaller than layer {top['layer']} — vanishing "
                               "gradients; consider ReLU/He init")
        for r in graded:
            if r["grad_nonfinite"] or not np.isfinite(r["grad_norm"]):
                out.append(f"layer {r['layer']}: NaN/Inf in the gradient — exploding; consider "
                           "clip_grad_norm_ or a lower learning rate")
            elif r["grad_norm"] > th.exploding_norm:
                out.append(f"layer {r['layer']}: gradient norm {r['grad_norm']:.1e} — "
                           "exploding; consider clip_grad_norm_")
        for r in rows:
            if r.get("activation_nonfinite"):
                out.append(f"layer {r['layer']}: NaN/Inf in the activations")
            if r.get("dead_fraction", 0.0) >= th.dead_fraction:
                out.append(f"layer {r['layer']}: {r['dead_fraction']:.0%} dead ReLU units — "
                           "consider LeakyReLU or a lower learning rate")
            if r.get("saturated_fraction", 0.0) >= th.saturated_fraction:
                out.append(f"layer {r['layer']}: {r['saturated_fraction']:.0%} of {r['type']} "
                           "outputs saturated — gradients vanish there; consider smaller "
                           "initial weights, normalised inputs or ReLU")
        return out

    def summary(self) -> str:
        """A text table of :meth:`report` followed by the warnings."""
        cols = [("layer", "{}"), ("type", "{}"), ("grad_norm", "{:.2e}"),
                ("update_ratio", "{:.1e}"), ("activation_mean", "{:+.3f}"),
                ("activation_std", "{:.3f}"), ("dead_fraction", "{:.0%}"),
                ("saturated_fraction", "{:.0%}")]
        rows = self.report()
        cells = [[fmt.format(r[k]) if k in r else "-" for k, fmt in cols] for r in rows]
        widths = [max(len(k), *(len(c[i]) for c in cells)) for i, (k, _) in enumerate(cols)]
        lines = ["  ".join(k.ljust(w) for (k, _), w in zip(cols, widths))]
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
        warnings = self.warnings()
        lines.append("")
        lines += [f"WARNING {w}" for w in warnings] or ["no warnings: gradients look healthy"]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """A notebook's view: :meth:`summary` as an HTML table, warnings below it."""
        import html

        cols = ("layer", "type", "grad_norm", "update_ratio", "activation_mean",
                "activation_std", "dead_fraction", "saturated_fraction")
        head = "".join(f"<th>{c}</th>" for c in cols)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell(r.get(c)))}</td>" for c in cols) + "</tr>"
            for r in self.report())
        warnings = "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings())
        return (f"<p>GradientMonitor, step {self.step}</p><table><thead><tr>{head}</tr>"
                f"</thead><tbody>{body}</tbody></table>"
                + (f"<ul style='color:#b00'>{warnings}</ul>" if warnings
                   else "<p>no warnings: gradients look healthy</p>"))

    def grad_norm_history(self) -> Iterator[tuple[str, list[float]]]:
        """(layer, gradient norm per step) for every layer with parameters."""
        for name, module in self.layers:
            if any(True for _ in module.parameters(recurse=False)):
                yield name, [step.get(name, {}).get("grad_norm", np.nan)
                             for step in self.history]

    def plot(self, path: str) -> str:
        """Draw per-layer gradient norms over the training steps (log scale) to ``path``.
        Needs matplotlib (``pip install autograd-lite[examples]``)."""
        try:  # a bare Figure, not pyplot: no backend switch (a notebook keeps its own)
            from matplotlib.figure import Figure
        except ImportError:
            raise ImportError("GradientMonitor.plot needs matplotlib: pip install matplotlib "
                              "(or the project's `examples` extra)") from None
        fig = Figure(figsize=(7, 4))
        ax = fig.subplots()
        for name, norms in self.grad_norm_history():
            ax.plot(range(1, len(norms) + 1), norms, label=f"layer {name}")
        ax.set_yscale("log")
        ax.set_xlabel("training step")
        ax.set_ylabel("gradient L2 norm")
        ax.set_title("Per-layer gradient norms")
        ax.legend(fontsize="small")
        fig.tight_layout()
        fig.savefig(path)
        return path


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _tracked(module: Module) -> bool:
    """Layers worth a row: those with their own parameters, and the activations whose
    failure modes we count."""
    return isinstance(module, (ReLU, Sigmoid, Tanh)) or any(
        True for _ in module.parameters(recurse=False))
