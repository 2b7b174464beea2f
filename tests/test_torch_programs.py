"""PyTorch programs, written in torch's spelling, run with only their imports changed.

Each program below is published PyTorch code (pytorch/examples' MNIST convnet, makemore's
character MLP, the "Learning PyTorch with Examples" tutorials), shrunk to a few steps on
small data. It runs through ``import autograd_lite as torch``; its result is compared with
the same computation written out by hand in numpy, starting from the same initial values.
The numpy references were also checked against the same programs run on PyTorch itself.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lite as torch
import autograd_lite.nn as nn
import autograd_lite.nn.functional as F
import autograd_lite.optim as optim
from autograd_lite.optim.lr_scheduler import StepLR
from autograd_lite.utils.data import DataLoader, TensorDataset, random_split

# ------------------------------------------------------------------------------------------
# numpy references


def _conv2d(x, w, b):
    """Valid 3x3 convolution, stride 1: (N, C, H, W) * (O, C, k, k) -> (N, O, H-k+1, W-k+1)."""
    k = w.shape[-1]
    win = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))
    return np.einsum("nchwpq,ocpq->nohw", win, w) + b[:, None, None], win


def _conv2d_backward(dout, x, win, w):
    k = w.shape[-1]
    dw = np.einsum("nchwpq,nohw->ocpq", win, dout)
    db = dout.sum(axis=(0, 2, 3))
    dx = np.zeros_like(x)
    ho, wo = dout.shape[2:]
    for p in range(k):
        for q in range(k):
            dx[:, :, p:p + ho, q:q + wo] += np.einsum("nohw,oc->nchw", dout, w[:, :, p, q])
    return dx, dw, db


def _max_pool2(x):
    n, c, h, w = x.shape
    xr = x.reshape(n, c, h // 2, 2, w // 2, 2)
    out = xr.max(axis=(3, 5))
    hit = xr == out[:, :, :, None, :, None]
    return out, lambda dout: (hit * dout[:, :, :, None, :, None]).reshape(x.shape)


def _log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _convnet_reference(params, batches, epochs, lr, gamma):
    """Forward, backward and Adadelta (PyTorch's documented rule) for the Net below."""
    p = {k: v.astype(np.float64) for k, v in params.items()}
    square_avg = {k: np.zeros_like(v) for k, v in p.items()}
    acc_delta = {k: np.zeros_like(v) for k, v in p.items()}
    rho, eps = 0.9, 1e-6
    losses = []
    for epoch in range(epochs):
        step_lr = lr * gamma ** epoch
        for x, t in batches:
            a1, win1 = _conv2d(x, p["conv1.weight"], p["conv1.bias"])
            r1 = np.maximum(a1, 0)
            a2, win2 = _conv2d(r1, p["conv2.weight"], p["conv2.bias"])
            r2 = np.maximum(a2, 0)
            pooled, pool_back = _max_pool2(r2)
            flat = pooled.reshape(len(x), -1)
            a3 = flat @ p["fc1.weight"].T + p["fc1.bias"]
            r3 = np.maximum(a3, 0)
            z = r3 @ p["fc2.weight"].T + p["fc2.bias"]
            logp = _log_softmax(z)
            losses.append(-logp[np.arange(len(t)), t].mean())
            dz = np.exp(logp)
            dz[np.arange(len(t)), t] -= 1
            dz /= len(t)
            g = {"fc2.weight": dz.T @ r3, "fc2.bias": dz.sum(0)}
            da3 = (dz @ p["fc2.weight"]) * (a3 > 0)
            g["fc1.weight"], g["fc1.bias"] = da3.T @ flat, da3.sum(0)
            dr2 = pool_back((da3 @ p["fc1.weight"]).reshape(pooled.shape))
            dr1, g["conv2.weight"], g["conv2.bias"] = _conv2d_backward(
                dr2 * (a2 > 0), r1, win2, p["conv2.weight"])
            _, g["conv1.weight"], g["conv1.bias"] = _conv2d_backward(
                dr1 * (a1 > 0), x, win1, p["conv1.weight"])
            for k in p:
                square_avg[k] = rho * square_avg[k] + (1 - rho) * g[k] ** 2
                delta = np.sqrt(acc_delta[k] + eps) / np.sqrt(square_avg[k] + eps) * g[k]
                acc_delta[k] = rho * acc_delta[k] + (1 - rho) * delta ** 2
                p[k] = p[k] - step_lr * delta
    return p, losses


# ------------------------------------------------------------------------------------------
# 1. pytorch/examples mnist/main.py: a convnet, Adadelta and StepLR


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, 1)
        self.conv2 = nn.Conv2d(4, 6, 3, 1)
        self.fc1 = nn.Linear(6 * 3 * 3, 16)
        self.fc2 = nn.Linear(16, 5)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def train(model, device, train_loader, optimizer, losses):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())


def evaluate(model, device, test_loader):  # the example's test()
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    return test_loss / len(test_loader.dataset), correct


def test_mnist_convnet_with_adadelta_and_steplr():
    use_cuda = torch.cuda.is_available()
    torch.manual_seed(1)
    device = torch.device("cuda" if use_cuda else "cpu")
    rng = np.random.default_rng(0)
    images = torch.tensor(rng.standard_normal((24, 1, 10, 10)), dtype=torch.float64)
    labels = torch.tensor(rng.integers(0, 5, 24))
    train_set, test_set = random_split(TensorDataset(images, labels), [16, 8],
                                       generator=torch.Generator().manual_seed(42))
    train_loader = DataLoader(train_set, batch_size=8)
    test_loader = DataLoader(test_set, batch_size=4)

    model = Net().to(device).double()
    start = {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    losses = []
    for epoch in range(1, 3):
        train(model, device, train_loader, optimizer, losses)
        scheduler.step()
    test_loss, correct = evaluate(model, device, test_loader)

    order = list(train_set.indices)
    x, t = images.numpy()[order], labels.numpy()[order]
    batches = [(x[i:i + 8], t[i:i + 8]) for i in range(0, 16, 8)]
    expected, expected_losses = _convnet_reference(start, batches, 2, 1.0, 0.7)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-10)
    for k, v in model.state_dict().items():
        np.testing.assert_allclose(v.numpy(), expected[k], rtol=1e-9, atol=1e-12, err_msg=k)
    assert scheduler.get_last_lr() == pytest.approx([0.7 ** 2])

    held = list(test_set.indices)
    logp = _reference_logits(expected, images.numpy()[held])
    assert test_loss == pytest.approx(-logp[np.arange(8), labels.numpy()[held]].mean())
    assert correct == int((logp.argmax(1) == labels.numpy()[held]).sum())


def _reference_logits(p, x):
    r1 = np.maximum(_conv2d(x, p["conv1.weight"], p["conv1.bias"])[0], 0)
    r2 = np.maximum(_conv2d(r1, p["conv2.weight"], p["conv2.bias"])[0], 0)
    flat = _max_pool2(r2)[0].reshape(len(x), -1)
    r3 = np.maximum(flat @ p["fc1.weight"].T + p["fc1.bias"], 0)
    return _log_softmax(r3 @ p["fc2.weight"].T + p["fc2.bias"])


# ------------------------------------------------------------------------------------------
# 2. makemore (part 2): a character-level MLP trained with manual SGD on p.data


def test_makemore_char_mlp_with_manual_sgd_on_data():
    words = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia"]
    chars = sorted(list(set("".join(words))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    block_size = 3
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    X = torch.tensor(X)
    Y = torch.tensor(Y)
    vocab = len(stoi)

    g = torch.Generator().manual_seed(2147483647)
    C = torch.randn((vocab, 10), generator=g)
    W1 = torch.randn((30, 64), generator=g) * 0.2
    b1 = torch.randn(64, generator=g) * 0.01
    W2 = torch.randn((64, vocab), generator=g) * 0.01
    b2 = torch.randn(vocab, generator=g) * 0
    parameters = [C, W1, b1, W2, b2]
    assert sum(p.nelement() for p in parameters) == vocab * 10 + 30 * 64 + 64 + 64 * vocab + vocab
    for p in parameters:
        p.requires_grad = True
    start = [p.detach().numpy().copy() for p in parameters]

    lossi, picks = [], []
    for i in range(20):
        ix = torch.randint(0, X.shape[0], (16,), generator=g)
        picks.append(ix.tolist())
        emb = C[X[ix]]
        h = torch.tanh(emb.view(-1, 30) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Y[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < 10 else 0.01
        for p in parameters:
            p.data += -lr * p.grad
        lossi.append(loss.item())

    c, w1, v1, w2, v2 = (a.astype(np.float64) for a in start)
    xs, ys = X.numpy(), Y.numpy()
    expected = []
    for i, ix in enumerate(picks):
        emb = c[xs[ix]].reshape(-1, 30)
        h = np.tanh(emb @ w1 + v1)
        logp = _log_softmax(h @ w2 + v2)
        expected.append(-logp[np.arange(16), ys[ix]].mean())
        dz = np.exp(logp)
        dz[np.arange(16), ys[ix]] -= 1
        dz /= 16
        dh = dz @ w2.T * (1 - h * h)
        dc = np.zeros_like(c)
        np.add.at(dc, xs[ix], (dh @ w1.T).reshape(16, block_size, 10))
        lr = 0.1 if i < 10 else 0.01
        w2, v2 = w2 - lr * h.T @ dz, v2 - lr * dz.sum(0)
        w1, v1 = w1 - lr * emb.T @ dh, v1 - lr * dh.sum(0)
        c = c - lr * dc
    np.testing.assert_allclose(lossi, expected, rtol=1e-5)
    for p, e in zip(parameters, (c, w1, v1, w2, v2)):
        assert p.dtype == torch.float32 and p.requires_grad and p.is_leaf
        np.testing.assert_allclose(p.detach().numpy(), e, rtol=1e-4, atol=1e-6)


# ------------------------------------------------------------------------------------------
# 3. "Learning PyTorch with Examples": a polynomial fit with torch.linspace


def test_polynomial_fit_with_linspace_and_nn():
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    loss_fn = torch.nn.MSELoss(reduction="sum")
    linear_layer = model[0]
    w = linear_layer.weight.detach().numpy().astype(np.float64).ravel()
    b = linear_layer.bias.item()

    learning_rate = 1e-6
    losses = []
    for t in range(50):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad

    xs = np.linspace(-math.pi, math.pi, 2000)
    assert x.dtype == torch.float32 and x.shape == (2000,)
    np.testing.assert_allclose(x.numpy(), xs, rtol=1e-6, atol=1e-6)
    feats = x.numpy().astype(np.float64)[:, None] ** np.array([1, 2, 3])
    target = np.sin(x.numpy().astype(np.float64))
    expected = []
    for t in range(50):
        err = feats @ w + b - target
        expected.append((err ** 2).sum())
        w, b = w - learning_rate * 2 * feats.T @ err, b - learning_rate * 2 * err.sum()
    np.testing.assert_allclose(losses, expected, rtol=1e-4)
    np.testing.assert_allclose(linear_layer.weight.detach().numpy().ravel(), w, rtol=1e-4)
    assert linear_layer.bias.item() == pytest.approx(b, rel=1e-4)


def test_polynomial_fit_with_raw_tensors():
    dtype = torch.float
    device = torch.device("cpu")
    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)
    torch.manual_seed(0)
    a = torch.randn((), device=device, dtype=dtype, requires_grad=True)
    b = torch.randn((), device=device, dtype=dtype, requires_grad=True)
    c = torch.randn((), device=device, dtype=dtype, requires_grad=True)
    d = torch.randn((), device=device, dtype=dtype, requires_grad=True)
    coeffs = np.array([v.item() for v in (a, b, c, d)])

    learning_rate = 1e-6
    for t in range(40):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None

    xs = x.numpy().astype(np.float64)
    powers = xs[:, None] ** np.arange(4)
    for t in range(40):
        err = powers @ coeffs - np.sin(xs)
        coeffs = coeffs - learning_rate * 2 * powers.T @ err
    got = [v.item() for v in (a, b, c, d)]
    np.testing.assert_allclose(got, coeffs, rtol=1e-4)
    assert a.shape == () and a.dtype == torch.float32 and a.device == torch.device("cpu")


# ------------------------------------------------------------------------------------------
# 4. "Learning PyTorch with Examples": a two-layer net, by hand and with nn, on torch.device


def test_two_layer_net_on_a_device_with_manual_updates():
    dtype = torch.float64
    device = torch.device("cpu")
    torch.manual_seed(0)
    N, D_in, H, D_out = 16, 20, 12, 3
    x = torch.randn(N, D_in, device=device, dtype=dtype)
    y = torch.randn(N, D_out, device=device, dtype=dtype)
    w1 = torch.randn(D_in, H, device=device, dtype=dtype, requires_grad=True)
    w2 = torch.randn(H, D_out, device=device, dtype=dtype, requires_grad=True)
    v1, v2 = w1.detach().numpy().copy(), w2.detach().numpy().copy()

    learning_rate = 1e-4
    losses = []
    for t in range(30):
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w1 -= learning_rate * w1.grad
            w2 -= learning_rate * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()

    xs, ys = x.numpy(), y.numpy()
    expected = []
    for t in range(30):
        h = xs @ v1
        r = np.maximum(h, 0)
        err = r @ v2 - ys
        expected.append((err ** 2).sum())
        d_pred = 2 * err
        g2 = r.T @ d_pred
        g1 = xs.T @ (d_pred @ v2.T * (h > 0))
        v1, v2 = v1 - learning_rate * g1, v2 - learning_rate * g2
    np.testing.assert_allclose(losses, expected, rtol=1e-10)
    np.testing.assert_allclose(w1.detach().numpy(), v1, rtol=1e-10)
    np.testing.assert_allclose(w2.detach().numpy(), v2, rtol=1e-10)


def test_two_layer_nn_module_moved_to_a_device_with_sgd_momentum():
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(0)
    x = torch.randn(16, 20, dtype=torch.float64).to(device)
    y = torch.randn(16, 3, dtype=torch.float64).to(device)
    model = torch.nn.Sequential(
        torch.nn.Linear(20, 12), torch.nn.ReLU(), torch.nn.Linear(12, 3)
    ).to(device=device, dtype=torch.float64)
    assert all(p.device == device and p.dtype == torch.float64 for p in model.parameters())
    p = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    loss_fn = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    losses = []
    for t in range(25):
        loss = loss_fn(model(x), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    xs, ys = x.numpy(), y.numpy()
    buf, expected = {}, []
    for t in range(25):
        h = xs @ p["0.weight"].T + p["0.bias"]
        r = np.maximum(h, 0)
        err = r @ p["2.weight"].T + p["2.bias"] - ys
        expected.append((err ** 2).sum())
        d = 2 * err
        dh = d @ p["2.weight"] * (h > 0)
        g = {"2.weight": d.T @ r, "2.bias": d.sum(0), "0.weight": dh.T @ xs, "0.bias": dh.sum(0)}
        for k in p:
            buf[k] = g[k] if t == 0 else 0.9 * buf[k] + g[k]
            p[k] = p[k] - 1e-3 * buf[k]
    np.testing.assert_allclose(losses, expected, rtol=1e-10)
    for k, v in model.state_dict().items():
        np.testing.assert_allclose(v.numpy(), p[k], rtol=1e-9, err_msg=k)
