"""Memory over training: 500 steps of the 784-256-128-10 MLP (batch 256, float32).

Each variant runs in its own process (so one cannot inherit the other's heap): the
resident set size (RSS) is read before the loop, at step 10 and at step 500, with the
peak. Reported: peak growth over the pre-loop RSS (ours vs the hand-written numpy step of
mlp_step.py) and the growth between step 10 and step 500 (a leak would show there).

Run: ``python benchmarks/memory.py [--steps 500]``. If PyTorch is installed, the same step
in PyTorch (mlp_step.py's) is a third column.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy loads BLAS
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

SIZES, BATCH = (784, 256, 128, 10), 256


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(variant: str, steps: int) -> None:
    import numpy as np
    from mlp_step import by_hand, make_data, ours, torch_step

    X, y = make_data(SIZES, BATCH, np.float32)
    step, weights, _ = ours(SIZES, X, y)
    if variant == "numpy":
        step, _ = by_hand(weights, X, y)
    elif variant == "torch":
        step = torch_step(weights, X, y)
    before = rss_mb()
    at_10 = None
    for i in range(1, steps + 1):
        step()
        if i == 10:
            at_10 = rss_mb()
    print(json.dumps({"before": before, "at_10": at_10, "end": rss_mb(), "peak": peak_mb()}))


def main(steps: int) -> dict:
    runs = {}
    variants = ("ours", "numpy") + (("torch",) if importlib.util.find_spec("torch") else ())
    for variant in variants:
        out = subprocess.run([sys.executable, __file__, "--child", variant, "--steps",
                              str(steps)], capture_output=True, text=True, check=True)
        runs[variant] = json.loads(out.stdout.strip().splitlines()[-1])
    growth = {v: r["peak"] - r["before"] for v, r in runs.items()}
    result = {"benchmark": "memory", "steps": steps,
              "ours_peak_growth_mb": growth["ours"], "numpy_peak_growth_mb": growth["numpy"],
              "peak_growth_ratio": growth["ours"] / max(growth["numpy"], 1e-9),
              "ours_growth_10_to_end_mb": runs["ours"]["end"] - runs["ours"]["at_10"],
              "numpy_growth_10_to_end_mb": runs["numpy"]["end"] - runs["numpy"]["at_10"]}
    late = {v: r["end"] - r["at_10"] for v, r in runs.items()}
    if "torch" in runs:
        result.update(torch_peak_growth_mb=growth["torch"],
                      torch_peak_growth_ratio=growth["torch"] / max(growth["numpy"], 1e-9),
                      torch_growth_10_to_end_mb=late["torch"])
    print(f"{'memory (MB)':<26}" + "".join(f"{v:>8}" for v in runs))
    print(f"{'peak growth over start':<26}" + "".join(f"{growth[v]:>8.2f}" for v in runs)
          + f"   ratio {result['peak_growth_ratio']:.2f}"
          + (f" (torch {result['torch_peak_growth_ratio']:.2f})" if "torch" in runs else ""))
    print(f"{'growth step 10 -> ' + str(steps):<26}"
          + "".join(f"{late[v]:>8.2f}" for v in runs))
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--child", choices=("ours", "numpy", "torch"))
    args = parser.parse_args()
    if args.child:
        child(args.child, args.steps)
    else:
        main(args.steps)
