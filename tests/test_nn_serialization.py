"""nn.save / nn.load: round trip, PyTorch key layout, pickle refusal, atomic writes, odd
and oversized members refused before inflating, file modes."""

from __future__ import annotations

import io
import os
import pickle
import stat
import warnings
import zipfile
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


def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr)
    return buf.getvalue()


def _zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in members:
                zf.writestr(name, data)
    return path


def test_a_single_npy_file_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "w.npy"
    np.save(path, np.ones(3))
    with pytest.raises(ValueError, match=r"nn.load: cannot load '.*w.npy' as a state dict: "
                                         r"it is a single .npy array"):
        nn.load(path)


@pytest.mark.parametrize("members, match", [
    ([("w.npy", _npy(np.ones(2))), ("notes.txt", b"hi")], "member 'notes.txt' is not a"),
    ([("sub/", b"")], "member 'sub/' is not a"),
    ([("w.npy", _npy(np.ones(2))), ("w.npy", _npy(np.zeros(2)))],
     "key 'w' appears more than once"),
    ([("w.npy", b"not an array")], "key 'w': the magic string is not correct"),
    ([("w.npy", _npy(np.array(["a"])))], "key 'w': dtype <U1 is not bool, integer or floating"),
    ([("w.npy", _npy(np.ones(2))[:-3])], r"key 'w': its header declares shape \(2,\) of "
                                         "float64 \\(16 bytes\\) but the member holds 13"),
])
def test_odd_members_are_refused_naming_file_and_key(tmp_path: Path, members, match) -> None:
    path = _zip(tmp_path / "odd.npz", members)
    with pytest.raises(ValueError, match=f"nn.load: '.*odd.npz'.*{match}"):
        nn.load(path)


def test_a_header_declaring_more_than_the_member_holds_allocates_nothing(
        tmp_path: Path) -> None:
    head = io.BytesIO()  # 800 GB declared, 16 bytes stored
    np.lib.format.write_array_header_1_0(head, {"descr": "<f8", "fortran_order": False,
                                                "shape": (10**11,)})
    path = _zip(tmp_path / "liar.npz", [("w.npy", head.getvalue() + bytes(16))])
    with pytest.raises(ValueError, match=r"key 'w': its header declares shape "
                                         r"\(100000000000,\) of float64"):
        nn.load(path)


def test_compressed_npz_loads(tmp_path: Path) -> None:
    path = tmp_path / "c.npz"
    np.savez_compressed(path, a=np.arange(4), b=np.zeros((50, 50)))  # zeros: ~100x smaller
    loaded = nn.load(path)
    np.testing.assert_array_equal(loaded["a"].data, np.arange(4))
    np.testing.assert_array_equal(loaded["b"].data, np.zeros((50, 50)))


def test_a_deflate_bomb_is_refused_without_inflating_it(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "bomb.npz"  # 0.25 MiB of DEFLATE expanding to a 256 MiB array
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("weight.npy", "w", force_zip64=True) as member:
            np.lib.format.write_array_header_1_0(
                member, {"descr": "<f8", "fortran_order": False, "shape": (2**25,)})
            zeros = bytes(2**20)
            for _ in range(256):
                member.write(zeros)
    assert path.stat().st_size < 2**19

    def never(*args, **kwargs):
        raise AssertionError("nn.load opened a member it should have refused")

    monkeypatch.setattr(zipfile.ZipFile, "open", never)
    with pytest.raises(ValueError, match=r"nn.load: refusing '.*bomb.npz' at key 'weight': "
                                         r".* to 268435584 \(\d+x\); nn.load allows at most "
                                         r"100x past 64 MiB"):
        nn.load(path)


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_save_respects_the_umask_and_keeps_an_existing_mode(tmp_path: Path,
                                                            umask: int) -> None:
    path = tmp_path / "m.npz"
    old = os.umask(umask)
    try:
        nn.save({"w": np.ones(2)}, path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
        path.chmod(0o640)
        nn.save({"w": np.zeros(2)}, path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    np.testing.assert_array_equal(nn.load(path)["w"].data, np.zeros(2))
    assert os.listdir(tmp_path) == ["m.npz"]
