"""Shared timing for the benchmarks: interleaved runs (A B A B …), medians after warm-up."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable

# The scripts run from anywhere without installing the package.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def interleaved(fns: list[Callable[[], object]], reps: int, warmup: int = 10) -> list[float]:
    """Median seconds per call of each ``fn``, timed in turn so drift hits all alike."""
    for f in fns:
        for _ in range(warmup):
            f()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(reps):
        for i, f in enumerate(fns):
            t0 = time.perf_counter()
            f()
            times[i].append(time.perf_counter() - t0)
    return [statistics.median(t) for t in times]


def torch_or_none():
    """PyTorch if installed (an optional extra column), set to one thread."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch
