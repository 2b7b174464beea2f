"""Where the MLP step's time goes: each stage of mlp_step's step, ours vs hand-written numpy.

Times the step cut after each stage (forward; + softmax cross-entropy; + backward; + SGD
update), ours and numpy interleaved per stage, and prints each stage's increment: what a
stage costs is the difference of two medians, so a row can be off by a few µs; the last
row is the whole step, as mlp_step.py measures it.
Run: ``python benchmarks/mlp_phases.py [--reps 300]``. Prints a table and one JSON line.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy loads BLAS
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402

import numpy as np  # noqa: E402
from mlp_step import CASES, STAGES, by_hand, make_data, ours  # noqa: E402
from timing import interleaved  # noqa: E402

import autograd_lite as ag  # noqa: E402
import nn  # noqa: E402


def our_stages(sizes: tuple, X: np.ndarray, y: np.ndarray) -> tuple[list, list]:
    """The step of mlp_step.ours cut after each stage, and the weights it starts from."""
    step, weights, model = ours(sizes, X, y)
    opt = nn.optim.SGD(model.parameters(), lr=0.0)  # the cut steps must not train
    loss_fn = nn.CrossEntropyLoss()
    Xt, yt = ag.Tensor(X), ag.Tensor(y)

    def forward():
        return model(Xt)

    def loss():
        return loss_fn(model(Xt), yt)

    def backward():
        opt.zero_grad()
        loss_fn(model(Xt), yt).backward()

    return [forward, loss, backward, step], weights


def main(reps: int) -> list[dict]:
    rows = []
    for sizes, batch, dtype in CASES[:2]:
        X, y = make_data(sizes, batch, dtype)
        stages, weights = our_stages(sizes, X, y)
        cumulative = []
        for stage, fn in zip(STAGES, stages):
            hand, _ = by_hand(weights, X, y, upto=stage)
            cumulative.append(interleaved([fn, hand], reps))
        case = f"{'-'.join(map(str, sizes))} b{batch} {np.dtype(dtype).name}"
        prev = (0.0, 0.0)
        for stage, (t_ours, t_hand) in zip(STAGES, cumulative):
            rows.append({"case": case, "stage": stage, "ours_us": (t_ours - prev[0]) * 1e6,
                         "numpy_us": (t_hand - prev[1]) * 1e6})
            prev = (t_ours, t_hand)
        rows.append({"case": case, "stage": "whole step", "ours_us": prev[0] * 1e6,
                     "numpy_us": prev[1] * 1e6})
    print(f"{'case':<28}{'stage':<12}{'ours µs':>9}{'numpy µs':>10}{'extra µs':>10}")
    for r in rows:
        print(f"{r['case']:<28}{r['stage']:<12}{r['ours_us']:>9.1f}{r['numpy_us']:>10.1f}"
              f"{r['ours_us'] - r['numpy_us']:>10.1f}")
    print(json.dumps({"benchmark": "mlp_phases", "rows": rows}))
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=300)
    main(parser.parse_args().reps)
