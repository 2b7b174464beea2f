"""One training step of a small convnet: autograd-lite's nn vs the same step by hand in numpy.

The step (issue 17): Conv2d(1, 8, 3, padding=1)-ReLU-Conv2d(8, 16, 3, padding=1)-ReLU-
MaxPool2d(2)-Flatten-Linear(3136, 10) on a batch of 64 28x28 float32 images, softmax
cross-entropy (mean), backward, SGD update. The numpy baseline is the im2col step a
person writes by hand (sliding_window_view, one reshape copy into (N, C·9, H·W) so the
product is NCHW as it is, one matmul per conv; col2im by one contiguous add per kernel
offset; 2x2 pooling by a reshape), on the same weights, checked to agree first. Both are
timed interleaved (A B A B …) in one run; medians; one BLAS thread. PyTorch, if
installed, is paired with the same numpy step in its own interleaved run; the table
gives ours/numpy, torch/numpy and ours/torch.

Run: ``python benchmarks/cnn_step.py [--reps 50]``. Prints a table and one JSON line.
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

BATCH, SIZE, CLASSES, LR = 64, 28, 10, 0.01


def make_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((BATCH, 1, SIZE, SIZE)).astype(np.float32)
    return X, rng.integers(0, CLASSES, BATCH)


def ours(X: np.ndarray, y: np.ndarray):
    ag.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(),
                          nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(16 * (SIZE // 2) ** 2, CLASSES))
    opt = nn.optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    Xt, yt = ag.Tensor(X), ag.Tensor(y)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(Xt), yt)
        loss.backward()
        opt.step()
        return loss

    return step, [p.data.copy() for p in model.parameters()], model


def _im2col(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N, C·9, H·W): the 3x3 windows of x zero-padded by 1, laid out so
    that W (O, C·9) @ cols is NCHW as it is (one copy)."""
    N, C, H, W = x.shape
    win = np.lib.stride_tricks.sliding_window_view(np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))),
                                                   (3, 3), axis=(2, 3))
    return win.transpose(0, 1, 4, 5, 2, 3).reshape(N, C * 9, H * W)


def _col2im(dcols: np.ndarray, shape: tuple) -> np.ndarray:
    """The adjoint of _im2col: one contiguous add per kernel offset, the padding cropped."""
    N, C, H, W = shape
    d = dcols.reshape(N, C, 3, 3, H, W)
    out = np.zeros((N, C, H + 2, W + 2), dtype=dcols.dtype)
    for i in range(3):
        for j in range(3):
            out[:, :, i:i + H, j:j + W] += d[:, :, i, j]
    return out[:, :, 1:-1, 1:-1]


def by_hand(weights: list, X: np.ndarray, y: np.ndarray):
    """The hand-derived numpy step on copies of the same weights."""
    W1, b1, W2, b2, W3, b3 = (w.copy() for w in weights)
    params = [W1, b1, W2, b2, W3, b3]
    Y = np.eye(CLASSES, dtype=X.dtype)[y]
    N = X.shape[0]

    def conv(x, W, b):
        cols = _im2col(x)
        out = W.reshape(W.shape[0], -1) @ cols + b[:, None]
        return out.reshape(N, -1, x.shape[2], x.shape[3]), cols

    def conv_grads(dz, cols, W):
        dz = dz.reshape(N, W.shape[0], -1)
        dW = (dz @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(W.shape)
        return dW, dz.sum(axis=(0, 2)), W.reshape(W.shape[0], -1).T @ dz

    def step():
        z1, cols1 = conv(X, W1, b1)
        a1 = np.maximum(z1, 0)
        z2, cols2 = conv(a1, W2, b2)
        a2 = np.maximum(z2, 0)
        r = a2.reshape(N, 16, SIZE // 2, 2, SIZE // 2, 2)
        pooled = r.max(axis=(3, 5))
        flat = pooled.reshape(N, -1)
        logits = flat @ W3.T + b3
        Z = logits - logits.max(axis=1, keepdims=True)
        E = np.exp(Z)
        P = E / E.sum(axis=1, keepdims=True)
        loss = -np.log(P[np.arange(N), y]).mean()
        dlogits = (P - Y) / N
        dW3, db3 = dlogits.T @ flat, dlogits.sum(axis=0)
        dpooled = (dlogits @ W3).reshape(pooled.shape)
        mask = r == pooled[:, :, :, None, :, None]
        dz2 = (mask * dpooled[:, :, :, None, :, None]).reshape(a2.shape) * (z2 > 0)
        dW2, db2, dcols2 = conv_grads(dz2, cols2, W2)
        dz1 = _col2im(dcols2, a1.shape) * (z1 > 0)
        dW1, db1, _ = conv_grads(dz1, cols1, W1)
        for p, g in zip(params, (dW1, db1, dW2, db2, dW3, db3)):
            p -= LR * g
        return loss

    return step, params


def torch_step(weights: list, X: np.ndarray, y: np.ndarray):
    torch = torch_or_none()
    if torch is None:
        return None
    tnn = torch.nn
    model = tnn.Sequential(tnn.Conv2d(1, 8, 3, padding=1), tnn.ReLU(),
                           tnn.Conv2d(8, 16, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
                           tnn.Flatten(), tnn.Linear(16 * (SIZE // 2) ** 2, CLASSES))
    with torch.no_grad():
        for p, w in zip(model.parameters(), weights):
            p.copy_(torch.from_numpy(w))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def step():
        opt.zero_grad()
        loss = tnn.functional.cross_entropy(model(Xt), yt)
        loss.backward()
        opt.step()
        return loss

    return step


def main(reps: int) -> dict:
    X, y = make_data()
    step_ours, weights, model = ours(X, y)
    step_hand, hand_params = by_hand(weights, X, y)
    for _ in range(3):  # same trajectory: the comparison is of equal work
        a, b = step_ours().item(), step_hand()
        assert np.isclose(a, b, rtol=1e-4), (a, b)
    for p, q in zip(model.parameters(), hand_params):
        assert np.allclose(p.data, q, rtol=1e-3, atol=1e-5)
    t = interleaved([step_ours, step_hand], reps)
    row = {"case": f"convnet b{BATCH} {SIZE}x{SIZE} float32", "ours_ms": t[0] * 1e3,
           "numpy_ms": t[1] * 1e3, "ratio": t[0] / t[1]}
    t_step = torch_step(weights, X, y)
    if t_step:  # paired with numpy on its own (a third step would cool the others' caches)
        t = interleaved([t_step, step_hand], reps)
        row["torch_ratio"] = t[0] / t[1]
        row["ours_over_torch"] = row["ratio"] / row["torch_ratio"]
    print(f"{'case':<28}{'ours ms':>9}{'numpy ms':>10}{'ratio':>8}{'torch':>8}{'ours/torch':>12}")
    print(f"{row['case']:<28}{row['ours_ms']:>9.3f}{row['numpy_ms']:>10.3f}{row['ratio']:>8.3f}"
          + (f"{row['torch_ratio']:>8.3f}{row['ours_over_torch']:>12.3f}"
             if "torch_ratio" in row else ""))
    print(json.dumps({"benchmark": "cnn_step", "rows": [row]}))
    return row


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=50)
    main(parser.parse_args().reps)
