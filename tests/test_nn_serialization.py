"""nn.save / nn.load: round trip, PyTorch key layout, pickle refusal, atomic writes."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

import autograd_lite as ag
import nn


def model() -> nn.Module:
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


def test_round_trip_keeps_keys_order_dtypes_and_outputs(tmp_path: Path) -> None:
    a, b = model(), model()
    a(ag.randn(8, 3))  # move the running statistics
    path = tmp_path / "model.npz"
    nn.save(a.state_dict(), path)
    loaded = nn.load(path)
    assert list(loaded) == list(a.state_dict())
    assert all(isinstance(v, ag.Tensor) for v in loaded.values())
    assert loaded["0.weight"].dtype == ag.get_default_dtype()
    assert loaded["1.num_batches_tracked"].dtype == np.int64
    assert loaded["1.num_batches_tracked"].shape == ()
    b.load_state_dict(loaded)
    a.eval()
    b.eval()
    x = ag.randn(5, 3)
    np.testing.assert_array_equal(a(x).data, b(x).data)


def test_file_is_a_plain_npz(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    nn.save({"weight": np.arange(6.0).reshape(2, 3), "file": np.ones(1)}, path)
    with np.load(path, allow_pickle=False) as f:
        assert f.files == ["weight", "file"]
        np.testing.assert_array_equal(f["weight"], np.arange(6.0).reshape(2, 3))


def test_pickled_objects_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.npz"
    np.savez(path, weight=np.array([{"payload": 1}], dtype=object))  # needs pickle to read
    with pytest.raises(ValueError, match="pickled objects are refused"):
        nn.load(path)
    raw = tmp_path / "evil.pkl"
    raw.write_bytes(pickle.dumps({"weight": np.ones(2)}))
    with pytest.raises(ValueError, match="cannot load"):
        nn.load(raw)


def test_save_rejects_what_it_cannot_store(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"pass model.state_dict\(\)"):
        nn.save(model(), tmp_path / "m.npz")
    with pytest.raises(TypeError, match="dtype object"):
        nn.save({"w": np.array([None])}, tmp_path / "m.npz")
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "missing.npz")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("fail_at", ["write", "rename"])
def test_interrupted_save_leaves_previous_file_intact(tmp_path: Path, monkeypatch,
                                                      fail_at: str) -> None:
    path = tmp_path / "model.npz"
    nn.save({"w": np.zeros(3)}, path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("power cut")

    if fail_at == "write":
        monkeypatch.setattr(np.lib.format, "write_array", crash)
    else:
        monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        nn.save({"w": np.ones(3), "v": np.ones(2)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    np.testing.assert_array_equal(nn.load(path)["w"].data, np.zeros(3))
    assert os.listdir(tmp_path) == ["model.npz"]  # no temporary file left behind
