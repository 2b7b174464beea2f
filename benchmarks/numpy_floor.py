"""How fast can any replay of numpy calls run an MLP training step? The leanest numpy step
we can write, against the course's hand-written step and our ``ag.compile``'d one.

The lean step is the same step (Linear-ReLU-Linear-ReLU-Linear, softmax cross-entropy
mean, backward, SGD) with everything a replay could do and more: every array preallocated
and written with ``out=``, the weights stored (in, out) so the first layer's products are
plain (non-transposed) BLAS calls, parameters and gradients in one flat buffer each (a
two-call SGD update), and the loss's arithmetic folded to the fewest calls, even where
that changes the rounding (a replay of eager's calls must keep it: bit-identical). It
makes 8 matrix products and 25 other numpy calls. No replay of numpy calls beats it by
much, so ``lean / course`` is a floor for the issue's "compiled <= 0.70x" target.

Run: ``python benchmarks/numpy_floor.py [--reps 400]`` (one BLAS thread). It checks that
the three steps follow the same trajectory, then times them interleaved (A B C A B C …)
and prints a table and one JSON line.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy loads BLAS
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402

import numpy as np  # noqa: E402
from mlp_step import LR, by_hand, make_data, ours  # noqa: E402
from timing import interleaved  # noqa: E402

CASES = [((64, 128, 64, 10), 64, np.float32), ((784, 256, 128, 10), 256, np.float32)]


def lean(weights: list, X: np.ndarray, y: np.ndarray):
    """The leanest numpy step on copies of ``weights`` ([W1, b1, W2, b2, …], W (out, in)).
    Returns the step (it returns the loss) and the parameters as (out, in) views."""
    sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights[0::2]]
    m, dtype = X.shape[0], X.dtype
    shapes = [s for n_in, n_out in zip(sizes[:-1], sizes[1:]) for s in ((n_in, n_out), (n_out,))]
    offsets = np.cumsum([0] + [int(np.prod(s)) for s in shapes])
    flat_p, flat_g = np.empty(offsets[-1], dtype), np.empty(offsets[-1], dtype)
    flat_tmp = np.empty_like(flat_p)

    def pieces(flat: np.ndarray) -> list:
        return [flat[a:b].reshape(s) for a, b, s in zip(offsets[:-1], offsets[1:], shapes)]

    P, G = pieces(flat_p), pieces(flat_g)
    for i, w in enumerate(weights):
        P[i][...] = w.T if w.ndim == 2 else w  # weights stored (in, out)
    Wt, b, dWt, db = P[0::2], P[1::2], G[0::2], G[1::2]
    n_layers = len(Wt)
    Z = [np.empty((m, n), dtype) for n in sizes[1:]]  # pre-activations, ReLU'd in place
    dZ = [np.empty((m, n), dtype) for n in sizes[1:]]
    S, E = np.empty_like(Z[-1]), np.empty_like(Z[-1])
    row_max, row_sum = np.empty((m, 1), dtype), np.empty((m, 1), dtype)
    Y_over_m = (np.eye(sizes[-1], dtype=dtype)[y] / m).astype(dtype)
    rows = np.arange(m)

    def step() -> float:
        A = X
        for i in range(n_layers):
            np.matmul(A, Wt[i], out=Z[i])
            Z[i] += b[i]
            if i < n_layers - 1:
                np.maximum(Z[i], 0, out=Z[i])
            A = Z[i]
        np.max(A, axis=1, keepdims=True, out=row_max)
        np.subtract(A, row_max, out=S)
        np.exp(S, out=E)
        np.sum(E, axis=1, keepdims=True, out=row_sum)
        loss = (np.log(row_sum).sum() - S[rows, y].sum()) / m
        np.multiply(row_sum, m, out=row_sum)  # dZ = softmax / m - Y / m, in two calls
        np.divide(E, row_sum, out=dZ[-1])
        dZ[-1] -= Y_over_m
        for i in reversed(range(n_layers)):
            A_prev = X if i == 0 else Z[i - 1]
            np.matmul(A_prev.T, dZ[i], out=dWt[i])
            np.sum(dZ[i], axis=0, out=db[i])
            if i:
                np.matmul(dZ[i], Wt[i].T, out=dZ[i - 1])
                np.multiply(dZ[i - 1], Z[i - 1] > 0, out=dZ[i - 1])
        np.multiply(flat_g, LR, out=flat_tmp)
        np.subtract(flat_p, flat_tmp, out=flat_p)
        return float(loss)

    return step, [p.T if p.ndim == 2 else p for p in P]


def main(reps: int) -> list[dict]:
    rows = []
    for sizes, batch, dtype in CASES:
        X, y = make_data(sizes, batch, dtype)
        step_c, weights, model = ours(sizes, X, y, compiled=True)
        step_course, course_params = by_hand(weights, X, y)
        step_lean, lean_params = lean(weights, X, y)
        for _ in range(3):  # same trajectory: the comparison is of equal work
            a, b, c = step_c().item(), step_course(), step_lean()
            assert np.isclose(a, b, rtol=1e-4) and np.isclose(c, b, rtol=1e-4), (a, b, c)
        for p, q, r in zip(model.parameters(), course_params, lean_params):
            assert np.allclose(p.data, q, rtol=1e-3, atol=1e-5)
            assert np.allclose(r, q, rtol=1e-3, atol=1e-5)
        t_c, t_course, t_lean = interleaved([step_c, step_course, step_lean], reps)
        rows.append({"case": f"{'-'.join(map(str, sizes))} b{batch} {np.dtype(dtype).name}",
                     "course_ms": t_course * 1e3, "lean_ratio": t_lean / t_course,
                     "compiled_ratio": t_c / t_course})
    print(f"{'case':<28}{'course ms':>10}{'lean numpy':>12}{'compiled':>10}   (x course)")
    for r in rows:
        print(f"{r['case']:<28}{r['course_ms']:>10.3f}{r['lean_ratio']:>12.3f}"
              f"{r['compiled_ratio']:>10.3f}")
    print(json.dumps({"benchmark": "numpy_floor", "rows": rows}))
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=400)
    main(parser.parse_args().reps)
