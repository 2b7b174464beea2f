"""Per-op overhead: a chain of 200 elementwise ops on a float32 tensor of shape (8,).

Compares, in the same run and interleaved (A B A B …), medians over many repetitions:
  * forward + backward with autograd-lite  vs  the same chain and its backward by hand
    in numpy;
  * forward only under ``no_grad``           vs  the plain numpy forward.
Run: ``python benchmarks/op_overhead.py`` (one BLAS thread unless OMP_NUM_THREADS is set).
Prints a table and one JSON line. If PyTorch is installed it is another column (its ratio
from its own interleaved run against the same numpy code).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy loads BLAS
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import json  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
from timing import interleaved, torch_or_none  # noqa: E402

import autograd_lite as ag  # noqa: E402

N_OPS = 200  # alternating x * 1.0001, x + 0.001, tanh
SHAPE = (8,)


def ag_fwd_bwd(x0: np.ndarray) -> np.ndarray:
    x = ag.Tensor(x0, requires_grad=True)
    y = x
    for i in range(N_OPS):
        k = i % 3
        y = y * 1.0001 if k == 0 else (y + 0.001 if k == 1 else y.tanh())
    y.backward(np.ones(SHAPE, np.float32))
    return x.grad.data


def ag_forward(x0: np.ndarray) -> np.ndarray:
    with ag.no_grad():
        y = ag.Tensor(x0)
        for i in range(N_OPS):
            k = i % 3
            y = y * 1.0001 if k == 0 else (y + 0.001 if k == 1 else y.tanh())
    return y.data


def numpy_fwd_bwd(x0: np.ndarray) -> np.ndarray:
    y = x0
    saved = []
    for i in range(N_OPS):
        k = i % 3
        if k == 0:
            y = y * 1.0001
        elif k == 1:
            y = y + 0.001
        else:
            y = np.tanh(y)
            saved.append(y)
    g = np.ones(SHAPE, np.float32)
    for i in reversed(range(N_OPS)):
        k = i % 3
        if k == 0:
            g = g * 1.0001
        elif k == 2:
            out = saved.pop()
            g = g * (1 - out * out)
    return g


def numpy_forward(x0: np.ndarray) -> np.ndarray:
    y = x0
    for i in range(N_OPS):
        k = i % 3
        y = y * 1.0001 if k == 0 else (y + 0.001 if k == 1 else np.tanh(y))
    return y


def torch_fns():
    torch = torch_or_none()
    if torch is None:
        return None

    def fwd_bwd(x0):
        x = torch.tensor(x0, requires_grad=True)
        y = x
        for i in range(N_OPS):
            k = i % 3
            y = y * 1.0001 if k == 0 else (y + 0.001 if k == 1 else y.tanh())
        y.backward(torch.ones(SHAPE))
        return x.grad

    def forward(x0):
        with torch.no_grad():
            y = torch.tensor(x0)
            for i in range(N_OPS):
                k = i % 3
                y = y * 1.0001 if k == 0 else (y + 0.001 if k == 1 else y.tanh())
        return y

    return fwd_bwd, forward


def main(reps: int = 300) -> dict:
    x0 = np.random.default_rng(0).standard_normal(SHAPE).astype(np.float32)
    assert np.allclose(ag_fwd_bwd(x0), numpy_fwd_bwd(x0), rtol=1e-5)
    torch = torch_fns()
    t_fb = interleaved([lambda: ag_fwd_bwd(x0), lambda: numpy_fwd_bwd(x0)], reps)
    t_fw = interleaved([lambda: ag_forward(x0), lambda: numpy_forward(x0)], reps)
    if torch:  # each paired with numpy on its own, so that it does not disturb ours
        t = interleaved([lambda: torch[0](x0), lambda: numpy_fwd_bwd(x0)], reps)
        t_fb.append(t[0] / t[1] * t_fb[1])  # its ratio, on our numpy time's scale
        t = interleaved([lambda: torch[1](x0), lambda: numpy_forward(x0)], reps)
        t_fw.append(t[0] / t[1] * t_fw[1])
    us = lambda t: t / N_OPS * 1e6
    result = {
        "benchmark": "op_overhead",
        "fwd_bwd_us_per_op": us(t_fb[0]),
        "numpy_fwd_bwd_us_per_op": us(t_fb[1]),
        "fwd_bwd_ratio": t_fb[0] / t_fb[1],
        "no_grad_fwd_us_per_op": us(t_fw[0]),
        "numpy_fwd_us_per_op": us(t_fw[1]),
        "no_grad_fwd_ratio": t_fw[0] / t_fw[1],
    }
    if torch:
        result["torch_fwd_bwd_ratio"] = t_fb[2] / t_fb[1]
        result["torch_no_grad_fwd_ratio"] = t_fw[2] / t_fw[1]
    print(f"{'case':<22}{'autograd-lite':>16}{'numpy':>10}{'ratio':>8}"
          + (f"{'torch ratio':>13}" if torch else ""))
    for case, i in (("fwd+bwd µs/op", t_fb), ("no_grad fwd µs/op", t_fw)):
        row = f"{case:<22}{us(i[0]):>16.2f}{us(i[1]):>10.2f}{i[0] / i[1]:>8.2f}"
        if torch:
            row += f"{i[2] / i[1]:>13.2f}"
        print(row)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
