"""Shared timing for the benchmarks: interleaved runs (A B A B …), medians after warm-up."""

from __future__ import annotations

import ctypes
import os
import statistics
import sys
import time
from collections.abc import Callable

# The scripts run from anywhere without installing the package.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def keep_freed_memory() -> bool:
    """Stop glibc from handing freed heap back to the OS between calls (both variants alike).

    With glibc's default dynamic thresholds, two step functions timed alternately trim each
    other's heap: every call then starts on fresh pages and pays ~400-700 first-touch page
    faults (≈ 1 ms for the 784-256-128-10 MLP step) that a training loop running only one
    of them never sees. Set BENCH_DEFAULT_MALLOC=1 to measure with the defaults anyway.
    Returns whether the setting was applied (not on other C libraries)."""
    if os.environ.get("BENCH_DEFAULT_MALLOC") == "1":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    return bool(mallopt(m_trim_threshold, 1 << 30) and mallopt(m_mmap_threshold, 32 << 20))


def interleaved(fns: list[Callable[[], object]], reps: int, warmup: int = 10) -> list[float]:
    """Median seconds per call of each ``fn``, timed in turn so drift hits all alike."""
    keep_freed_memory()
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
    except (ImportError, OSError):  # OSError: an install whose shared libraries are missing
        return None
    torch.set_num_threads(1)
    return torch
