"""How fast can any replay of numpy calls run an MLP training step? The leanest numpy step
we can write, against the course's hand-written step and our ``ag.compile``'d one.

The lean step is the same step (Linear-ReLU-Linear-ReLU-Linear, softmax cross-entropy
mean, backward, SGD) with everything a replay could do and more: every array preallocated
and written with ``out=``, the weights stored (in, out) so the first layer's products are
plain (non-transposed) BLAS calls, parameters and gradients in one flat buffer each (a
two-call SGD update), and the loss's arithmetic folded to the fewest calls, even where
that changes the rounding (a replay of eager's calls must keep it: bit-identical): 8
matrix products and 25 other numpy calls. "lean folded" also folds each bias into its
layer's products (a column of ones on every layer's input): 8 products and 20 other
calls, with arithmetic that PyTorch's separate weight and bias do not allow eager. The
column "8 matmuls" is the products alone. A replay of numpy calls does not beat the lean
step by much, so ``lean / course`` is a floor for the issue's "compiled <= 0.70x" target.

Run: ``python benchmarks/numpy_floor.py [--reps 400]`` (one BLAS thread). It checks that
the three steps follow the same trajectory, then times them and the lean step's 8 matrix
products alone, interleaved (A B C D A B C D …), and prints a table and one JSON line.
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


def lean(weights: list, X: np.ndarray, y: np.ndarray, fold_bias: bool = False):
    """The leanest numpy step on copies of ``weights`` ([W1, b1, W2, b2, …], W (out, in)).
    ``fold_bias``: each layer's input gets a column of ones and its bias is the last row of
    its weight matrix, so the products add the bias and make its gradient (arithmetic that
    eager, with PyTorch's separate weight and bias, does not do). Returns the step (it
    returns the loss), the parameters as (out, in) and (out,) views, and its products alone."""
    sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights[0::2]]
    m, dtype = X.shape[0], X.dtype
    shapes = [(n_in + 1, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    offsets = np.cumsum([0] + [int(np.prod(s)) for s in shapes])
    flat_p, flat_g = np.empty(offsets[-1], dtype), np.empty(offsets[-1], dtype)
    flat_tmp = np.empty_like(flat_p)

    def pieces(flat: np.ndarray) -> list:  # per layer: Wᵀ (in, out) with b below it
        return [flat[a:b].reshape(s) for a, b, s in zip(offsets[:-1], offsets[1:], shapes)]

    blocks, grad_blocks = pieces(flat_p), pieces(flat_g)
    for block, w, bias in zip(blocks, weights[0::2], weights[1::2]):
        block[:-1], block[-1] = w.T, bias
    n_layers = len(blocks)
    Z = [np.empty((m, n), dtype) for n in sizes[1:]]  # pre-activations
    dZ = [np.empty((m, n), dtype) for n in sizes[1:]]
    if fold_bias:
        inputs = [np.ones((m, n + 1), dtype) for n in sizes[:-1]]
        relu_out = [a[:, :-1] for a in inputs[1:]]
        M, dM = blocks, grad_blocks
    else:  # each layer's input is the previous pre-activation, ReLU'd in place
        inputs, relu_out = [X] + Z[:-1], Z[:-1]
        M, dM = [b[:-1] for b in blocks], [g[:-1] for g in grad_blocks]
    S, E = np.empty_like(Z[-1]), np.empty_like(Z[-1])
    row_max, row_sum = np.empty((m, 1), dtype), np.empty((m, 1), dtype)
    Y_over_m = (np.eye(sizes[-1], dtype=dtype)[y] / m).astype(dtype)
    rows = np.arange(m)

    def step() -> float:
        if fold_bias:
            np.copyto(inputs[0][:, :-1], X)  # the batch into the padded input
        for i in range(n_layers):
            np.matmul(inputs[i], M[i], out=Z[i])
            if not fold_bias:
                Z[i] += blocks[i][-1]
            if i < n_layers - 1:
                np.maximum(Z[i], 0, out=relu_out[i])
        np.max(Z[-1], axis=1, keepdims=True, out=row_max)
        np.subtract(Z[-1], row_max, out=S)
        np.exp(S, out=E)
        np.sum(E, axis=1, keepdims=True, out=row_sum)
        loss = (np.log(row_sum).sum() - S[rows, y].sum()) / m
        np.multiply(row_sum, m, out=row_sum)  # dZ = softmax / m - Y / m, in two calls
        np.divide(E, row_sum, out=dZ[-1])
        dZ[-1] -= Y_over_m
        for i in reversed(range(n_layers)):
            np.matmul(inputs[i].T, dZ[i], out=dM[i])
            if not fold_bias:
                np.sum(dZ[i], axis=0, out=grad_blocks[i][-1])
            if i:
                np.matmul(dZ[i], blocks[i][:-1].T, out=dZ[i - 1])
                np.multiply(dZ[i - 1], Z[i - 1] > 0, out=dZ[i - 1])
        np.multiply(flat_g, LR, out=flat_tmp)
        np.subtract(flat_p, flat_tmp, out=flat_p)
        return float(loss)

    def products() -> None:
        """The step's 8 matrix products alone, on its buffers: what no numpy step avoids."""
        for i in range(n_layers):
            np.matmul(inputs[i], M[i], out=Z[i])
        for i in reversed(range(n_layers)):
            np.matmul(inputs[i].T, dZ[i], out=dM[i])
            if i:
                np.matmul(dZ[i], blocks[i][:-1].T, out=dZ[i - 1])

    params = [v for b in blocks for v in (b[:-1].T, b[-1])]
    return step, params, products


def main(reps: int) -> list[dict]:
    rows = []
    for sizes, batch, dtype in CASES:
        X, y = make_data(sizes, batch, dtype)
        step_c, weights, model = ours(sizes, X, y, compiled=True)
        step_course, course_params = by_hand(weights, X, y)
        step_lean, lean_params, products = lean(weights, X, y)
        step_folded, folded_params, _ = lean(weights, X, y, fold_bias=True)
        for _ in range(3):  # same trajectory: the comparison is of equal work
            losses = step_c().item(), step_course(), step_lean(), step_folded()
            assert np.allclose(losses, losses[1], rtol=1e-4), losses
        for p, q, r, f in zip(model.parameters(), course_params, lean_params, folded_params):
            for other in (p.data, r, f):
                assert np.allclose(other, q, rtol=1e-3, atol=1e-5)
        t = interleaved([step_course, step_lean, step_folded, step_c, products], reps)
        rows.append({"case": f"{'-'.join(map(str, sizes))} b{batch} {np.dtype(dtype).name}",
                     "course_ms": t[0] * 1e3, "lean_ratio": t[1] / t[0],
                     "folded_ratio": t[2] / t[0], "compiled_ratio": t[3] / t[0],
                     "products_ratio": t[4] / t[0]})
    print(f"{'case':<28}{'course ms':>10}{'lean':>7}{'lean folded':>13}{'compiled':>10}"
          f"{'8 matmuls':>11}   (x course)")
    for r in rows:
        print(f"{r['case']:<28}{r['course_ms']:>10.3f}{r['lean_ratio']:>7.3f}"
              f"{r['folded_ratio']:>13.3f}{r['compiled_ratio']:>10.3f}"
              f"{r['products_ratio']:>11.3f}")
    print(json.dumps({"benchmark": "numpy_floor", "rows": rows}))
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=400)
    main(parser.parse_args().reps)
