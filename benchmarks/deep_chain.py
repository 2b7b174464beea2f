"""A deep chain: 20,000 elementwise ops on a (4,) tensor, then backward.

Time and peak traced memory of forward + backward against the same chain and its
backward written by hand in numpy, interleaved in one run. Shows that the iterative
backward has no recursion limit and what each node costs.

Run: ``python benchmarks/deep_chain.py [--ops 20000] [--reps 7]``. If PyTorch is installed
its time ratio is another column (from its own interleaved run against the same numpy
code); its memory is not, as tracemalloc does not see PyTorch's allocator.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy loads BLAS
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402
from timing import interleaved, torch_or_none  # noqa: E402

import autograd_lite as ag  # noqa: E402


def ours(x0: np.ndarray, n_ops: int) -> np.ndarray:
    x = ag.Tensor(x0, requires_grad=True)
    y = x
    for i in range(n_ops):
        y = y * 1.0001 if i % 2 == 0 else y.tanh()
    y.sum().backward()
    return x.grad.data


def with_torch(torch, x0: np.ndarray, n_ops: int) -> np.ndarray:
    x = torch.tensor(x0, requires_grad=True)
    y = x
    for i in range(n_ops):
        y = y * 1.0001 if i % 2 == 0 else y.tanh()
    y.sum().backward()
    return x.grad.numpy()


def by_hand(x0: np.ndarray, n_ops: int) -> np.ndarray:
    y, saved = x0, []
    for i in range(n_ops):
        if i % 2 == 0:
            y = y * 1.0001
        else:
            y = np.tanh(y)
            saved.append(y)
    g = np.ones_like(x0)
    for i in reversed(range(n_ops)):
        if i % 2 == 0:
            g = g * 1.0001
        else:
            out = saved.pop()
            g = g * (1 - out * out)
    return g


def peak_bytes(fn) -> int:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main(n_ops: int, reps: int) -> dict:
    x0 = np.random.default_rng(0).standard_normal(4).astype(np.float32)
    assert np.allclose(ours(x0, n_ops), by_hand(x0, n_ops), rtol=1e-4)
    t = interleaved([lambda: ours(x0, n_ops), lambda: by_hand(x0, n_ops)], reps, warmup=1)
    mem = [peak_bytes(lambda: ours(x0, n_ops)), peak_bytes(lambda: by_hand(x0, n_ops))]
    result = {"benchmark": "deep_chain", "ops": n_ops, "ours_s": t[0], "numpy_s": t[1],
              "time_ratio": t[0] / t[1], "us_per_op": t[0] / n_ops * 1e6,
              "ours_peak_mb": mem[0] / 2**20, "numpy_peak_mb": mem[1] / 2**20,
              "memory_ratio": mem[0] / mem[1]}
    torch = torch_or_none()
    torch_column = ""
    if torch is not None:  # paired with numpy on its own, as in mlp_step.py
        assert np.allclose(with_torch(torch, x0, n_ops), by_hand(x0, n_ops), rtol=1e-4)
        tt = interleaved([lambda: with_torch(torch, x0, n_ops), lambda: by_hand(x0, n_ops)],
                         reps, warmup=1)
        result["torch_time_ratio"] = tt[0] / tt[1]
        torch_column = f"{result['torch_time_ratio']:>8.2f}"
    print(f"{'deep chain':<14}{'ours':>10}{'numpy':>10}{'ratio':>8}"
          + (f"{'torch':>8}" if torch_column else ""))
    print(f"{'time (s)':<14}{t[0]:>10.4f}{t[1]:>10.4f}{t[0] / t[1]:>8.2f}{torch_column}")
    print(f"{'peak (MB)':<14}{mem[0] / 2**20:>10.2f}{mem[1] / 2**20:>10.2f}"
          f"{mem[0] / mem[1]:>8.2f}")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=20000)
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    main(args.ops, args.reps)
