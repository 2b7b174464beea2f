"""Cost of nn.utils.GradientMonitor: the 784-256-128-10 MLP step (batch 256, float32) with
the monitor attached vs the same model with it detached, interleaved in one run.

Run: ``python benchmarks/monitor_overhead.py [--reps 100]``. Prints a table and a JSON line.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy loads BLAS
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402

import numpy as np  # noqa: E402
from mlp_step import make_data, ours  # noqa: E402
from timing import interleaved  # noqa: E402

import nn  # noqa: E402

SIZES, BATCH = (784, 256, 128, 10), 256


def main(reps: int) -> dict:
    X, y = make_data(SIZES, BATCH, np.float32)
    plain_step, _, _ = ours(SIZES, X, y)
    monitored_step, _, monitored_model = ours(SIZES, X, y)
    monitor = nn.utils.GradientMonitor(monitored_model).attach()
    t = interleaved([monitored_step, plain_step], reps)
    monitor.detach()
    result = {"benchmark": "monitor_overhead", "attached_ms": t[0] * 1e3,
              "detached_ms": t[1] * 1e3, "overhead": t[0] / t[1] - 1}
    print(f"{'MLP step':<12}{'attached ms':>13}{'detached ms':>13}{'overhead':>10}")
    print(f"{'784-256-128':<12}{t[0] * 1e3:>13.3f}{t[1] * 1e3:>13.3f}{t[0] / t[1] - 1:>10.1%}")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=100)
    main(parser.parse_args().reps)
