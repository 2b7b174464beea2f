"""The main demo: a multi-layer perceptron reads handwritten digits (≥ 97 % test accuracy).

    python examples/digits.py [--epochs 30] [--hidden 256] [--lr 1e-3] [--out examples/out]
                              [--quiet] [--smoke]

scikit-learn's bundled 8×8 digits (1,797 images, no download): a stratified train/test
split, standardization fitted on the training set (``nn.data.standardize``), an MLP
``nn.Sequential(Linear, ReLU, Dropout, Linear, ReLU, Dropout, Linear)`` trained with
softmax cross-entropy (``nn.CrossEntropyLoss``) and ``nn.optim.Adam`` on shuffled
mini-batches from ``nn.data.DataLoader``. Then the model is saved with ``nn.save``,
loaded with ``nn.load`` into a fresh model, and both must predict exactly the same.

Writes ``digits_curves.png`` (loss and accuracy per epoch), ``digits_confusion.png``
(confusion matrix and misclassified test digits), ``digits_mlp.npz`` (the weights) and
``digits_graph.svg`` (the model's computation graph).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from _common import parser, plot_curves, progress, save_figure, save_graph, setup
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import autograd_lite as ag
import nn


def make_model(hidden: int, dropout: float) -> nn.Module:
    """64 pixels -> hidden -> hidden/2 -> 10 class scores (logits), ReLU and dropout."""
    return nn.Sequential(
        nn.Linear(64, hidden), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(hidden, hidden // 2), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(hidden // 2, 10),
    )


def predict(model: nn.Module, X: ag.Tensor) -> np.ndarray:
    """Class scores for X, computed in eval mode without a graph."""
    model.eval()
    with ag.no_grad():
        return model(X).numpy()


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, k: int = 10) -> np.ndarray:
    """C[i, j] = number of examples of class i predicted as j."""
    C = np.zeros((k, k), dtype=np.int64)
    np.add.at(C, (y_true, y_pred), 1)
    return C


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    p = parser(__doc__)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--dropout", type=float, default=0.2)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    args = setup(p, argv)
    epochs = 2 if args.smoke else args.epochs
    start = time.perf_counter()

    digits = load_digits()
    X_tr, X_te, y_tr, y_te = train_test_split(
        digits.data.astype(np.float32), digits.target, test_size=0.25, stratify=digits.target,
        random_state=args.seed,
    )
    X_tr, stats = nn.data.standardize(X_tr)              # fit mean/std on the training set
    X_te, _ = nn.data.standardize(X_te, stats=stats)     # ... and reuse them on the test set
    Xtr, ytr, Xte = ag.tensor(X_tr), ag.tensor(y_tr), ag.tensor(X_te)
    loader = nn.data.DataLoader(nn.data.TensorDataset(Xtr, ytr), batch_size=args.batch_size,
                                shuffle=True)

    model = make_model(args.hidden, args.dropout)
    loss_fn = nn.CrossEntropyLoss()
    opt = nn.optim.Adam(model.parameters(), lr=args.lr)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"digits: {len(X_tr)} training and {len(X_te)} test images of 8×8 pixels, 10 classes")
    print(f"model ({n_params:,} parameters):\n{model}")
    print(f"training {epochs} epochs of {len(loader)} mini-batches of {args.batch_size}, "
          f"Adam lr={args.lr}")

    history: dict[str, list[float]] = {"loss": [], "train": [], "test": []}
    bar = progress(range(epochs), args.quiet, "epochs")
    for _ in bar:
        model.train()
        total = 0.0
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        history["loss"].append(total / len(X_tr))
        history["train"].append(float((predict(model, Xtr).argmax(1) == y_tr).mean()))
        history["test"].append(float((predict(model, Xte).argmax(1) == y_te).mean()))
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(loss=f"{history['loss'][-1]:.3f}", test=f"{history['test'][-1]:.3f}")
    train_time = time.perf_counter() - start

    scores = predict(model, Xte)
    y_pred = scores.argmax(axis=1)
    test_acc = float((y_pred == y_te).mean())
    print(f"after {epochs} epochs ({train_time:.1f} s): loss {history['loss'][-1]:.4f}, "
          f"train accuracy {history['train'][-1]:.2%}, test accuracy {test_acc:.2%}")

    # Save, reload into a fresh model, and check the predictions are identical.
    path = args.out / "digits_mlp.npz"
    nn.save(model.state_dict(), path)
    fresh = make_model(args.hidden, args.dropout)
    fresh.load_state_dict(nn.load(path))
    identical = bool(np.array_equal(predict(fresh, Xte), scores))
    print(f"saved to {path} ({path.stat().st_size:,} bytes); reloaded into a fresh model: "
          f"identical predictions = {identical}")

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    plot_curves(axes[0], {"train": history["loss"]}, "epoch", "cross-entropy loss", logy=True)
    plot_curves(axes[1], {"train": history["train"], "test": history["test"]}, "epoch",
                "accuracy")
    save_figure(fig, args.out, "digits_curves")

    C = confusion_matrix(y_te, y_pred)
    wrong = np.flatnonzero(y_pred != y_te)[:8]
    fig = plt.figure(figsize=(12, 5))
    ax = fig.add_subplot(1, 2, 1)
    ax.imshow(C, cmap="Blues")
    for (i, j), n in np.ndenumerate(C):
        if n:
            ax.text(j, i, n, ha="center", va="center", color="white" if n > C.max() / 2 else "k")
    ax.set(xticks=range(10), yticks=range(10), xlabel="predicted", ylabel="true",
           title=f"confusion matrix, test accuracy {test_acc:.1%}")
    for k, i in enumerate(wrong):
        sub = fig.add_subplot(2, 8, 5 + (k // 4) * 8 + k % 4)
        raw = X_te[i] * stats[1] + stats[0]  # undo the standardization to show the pixels
        sub.imshow(raw.reshape(8, 8), cmap="gray_r")
        sub.set_title(f"{y_te[i]} → {y_pred[i]}", fontsize=9)
        sub.axis("off")
    save_figure(fig, args.out, "digits_confusion")

    model.train()
    loss = loss_fn(model(Xte[:4]), ag.tensor(y_te[:4]))
    loss.backward(retain_graph=True)
    save_graph(ag.draw_graph(loss, show_grad=True, params=model), args.out, "digits_graph")
    model.zero_grad()
    return {"test_accuracy": test_acc, "train_accuracy": history["train"][-1],
            "loss": history["loss"][-1], "reload_identical": identical,
            "train_seconds": train_time}


if __name__ == "__main__":
    main()
