"""One training step of an MLP: autograd-lite's nn (eager, and captured by ``ag.compile``)
vs the same step written by hand in numpy.

The step: forward through Linear-ReLU-Linear-ReLU-Linear, softmax cross-entropy (mean),
backward, SGD update. The numpy baseline is the course's hand-derived step
(dZ = A − Y, dW = dZᵀ·A_prev / m, …) on the same weights, checked to agree first.
Both are timed interleaved (A B A B …) in one run; medians; one BLAS thread. The compiled
step (same model, same start) is paired with the numpy step in its own interleaved run, as
PyTorch is, if installed.

Run: ``python benchmarks/mlp_step.py [--reps 200]``. Prints a table and one JSON line.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy loads BLAS
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402

import numpy as np  # noqa: E402
from timing import interleaved, torch_or_none  # noqa: E402

import autograd_lite as ag  # noqa: E402
import nn  # noqa: E402

CASES = [((784, 256, 128, 10), 256, np.float32), ((64, 128, 64, 10), 64, np.float32),
         ((784, 256, 128, 10), 256, np.float64), ((64, 128, 64, 10), 64, np.float64)]
LR = 0.01


def make_data(sizes: tuple, batch: int, dtype) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((batch, sizes[0])).astype(dtype)
    y = rng.integers(0, sizes[-1], batch)
    return X, y


def ours(sizes: tuple, X: np.ndarray, y: np.ndarray, compiled: bool = False):
    ag.manual_seed(0)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    for p in model.parameters():
        p.data = p.data.astype(X.dtype)
    opt = nn.optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    Xt, yt = ag.Tensor(X), ag.Tensor(y)

    def train_step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    weights = [p.data.copy() for p in model.parameters()]
    if compiled:
        fast = ag.compile(train_step)
        return (lambda: fast(Xt, yt)), weights, model
    return (lambda: train_step(Xt, yt)), weights, model


STAGES = ("forward", "loss", "backward", "step")


def by_hand(weights: list, X: np.ndarray, y: np.ndarray, upto: str = "step"):
    """The hand-derived numpy step on copies of the same weights (W is (out, in)); with
    ``upto`` it stops after that stage (benchmarks/mlp_phases.py times each stage)."""
    params = [w.copy() for w in weights]
    Y = np.eye(params[-1].shape[0], dtype=X.dtype)[y]
    m = X.shape[0]
    last = STAGES.index(upto)

    def step():
        Ws, bs = params[0::2], params[1::2]
        A, cache = X, []
        for i, (W, b) in enumerate(zip(Ws, bs)):
            Z = A @ W.T + b
            cache.append((A, Z))
            A = np.maximum(Z, 0) if i < len(Ws) - 1 else Z
        if last == 0:
            return A
        Z = A - A.max(axis=1, keepdims=True)
        E = np.exp(Z)
        P = E / E.sum(axis=1, keepdims=True)
        loss = -np.log(P[np.arange(m), y]).mean()
        dZ = (P - Y) / m
        if last == 1:
            return loss
        grads = []
        for i in reversed(range(len(Ws))):
            A_prev, Z = cache[i]
            grads.append((i, dZ.T @ A_prev, dZ.sum(axis=0)))
            if i:
                dZ = (dZ @ Ws[i]) * (cache[i - 1][1] > 0)
        if last == 2:
            return loss
        for i, dW, db in grads:
            Ws[i] -= LR * dW
            bs[i] -= LR * db
        return loss

    return step, params


def torch_step(weights: list, X: np.ndarray, y: np.ndarray):
    torch = torch_or_none()
    if torch is None:
        return None
    ps = [torch.tensor(w, requires_grad=True) for w in weights]
    Xt, yt = torch.tensor(X), torch.tensor(y)
    opt = torch.optim.SGD(ps, lr=LR)

    def step():
        opt.zero_grad()
        A = Xt
        for i in range(0, len(ps), 2):
            A = A @ ps[i].T + ps[i + 1]
            if i < len(ps) - 2:
                A = A.relu()
        loss = torch.nn.functional.cross_entropy(A, yt)
        loss.backward()
        opt.step()
        return loss

    return step


def main(reps: int) -> list[dict]:
    rows = []
    for sizes, batch, dtype in CASES:
        X, y = make_data(sizes, batch, dtype)
        step_ours, weights, model = ours(sizes, X, y)
        step_hand, hand_params = by_hand(weights, X, y)
        for _ in range(3):  # same trajectory: the comparison is of equal work
            a, b = step_ours().item(), step_hand()
            assert np.isclose(a, b, rtol=1e-4), (a, b)
        for p, q in zip(model.parameters(), hand_params):
            assert np.allclose(p.data, q, rtol=1e-3, atol=1e-5)
        t = interleaved([step_ours, step_hand], reps)
        row = {"case": f"{'-'.join(map(str, sizes))} b{batch} {np.dtype(dtype).name}",
               "ours_ms": t[0] * 1e3, "numpy_ms": t[1] * 1e3, "ratio": t[0] / t[1]}
        step_c, _, model_c = ours(sizes, X, y, compiled=True)
        step_hand2, _ = by_hand(weights, X, y)
        for _ in range(3):  # the trace, its check against eager, a replay: same trajectory
            a, b = step_c().item(), step_hand2()
            assert np.isclose(a, b, rtol=1e-4), (a, b)
        t = interleaved([step_c, step_hand2], reps)
        row["compiled_ms"], row["compiled_ratio"] = t[0] * 1e3, t[0] / t[1]
        t_step = torch_step(weights, X, y)
        if t_step:  # paired with numpy on its own: a third step in the loop would cool the
            t = interleaved([t_step, step_hand], reps)  # caches of the other two
            row["torch_ratio"] = t[0] / t[1]
        rows.append(row)
    print(f"{'case':<28}{'ours ms':>9}{'numpy ms':>10}{'ratio':>8}{'compiled':>10}{'torch':>8}")
    for r in rows:
        print(f"{r['case']:<28}{r['ours_ms']:>9.3f}{r['numpy_ms']:>10.3f}{r['ratio']:>8.3f}"
              f"{r['compiled_ratio']:>10.3f}"
              + (f"{r['torch_ratio']:>8.3f}" if "torch_ratio" in r else ""))
    print(json.dumps({"benchmark": "mlp_step", "rows": rows}))
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=200)
    main(parser.parse_args().reps)
