"""``nn.save`` / ``nn.load``: state dicts as ``.npz`` files that can never run code.

>>> nn.save(model.state_dict(), "model.npz")
>>> model.load_state_dict(nn.load("model.npz"))

The file is a plain numpy ``.npz`` (one ``<key>.npy`` per entry, PyTorch's keys and
layouts), so ``np.load(path)`` reads it too and the arrays load into the equivalent
``torch.nn`` model. Loading never unpickles, and checks every member's sizes before
inflating anything (a small compressed file cannot expand into gigabytes). Saving writes a
temporary file in the same directory and renames it over the target, so a crash mid-save
leaves the previous file intact; the file gets the umask's mode, or keeps an existing one's.
"""

from __future__ import annotations

import math
import os
import secrets
import stat
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

import autograd_lite as ag

__all__ = ["save", "load"]


def array_of(value: Any) -> np.ndarray:
    """``value`` (a Tensor or array-like) as a numpy array, of object dtype when it is not
    numeric (e.g. ragged nested lists): the caller refuses it with its own message."""
    try:
        return value.data if isinstance(value, ag.Tensor) else np.asarray(value)
    except ValueError:  # ragged nested lists
        return np.asarray(None)


def _arrays(obj: Any) -> OrderedDict[str, np.ndarray]:
    """The state dict ``obj`` as numeric numpy arrays by key, validated before writing."""
    if not isinstance(obj, Mapping):
        hint = " (pass model.state_dict())" if hasattr(obj, "state_dict") else ""
        raise TypeError(f"nn.save: expected a state dict (a mapping of names to arrays), got "
                        f"{type(obj).__name__}{hint}")
    out: OrderedDict[str, np.ndarray] = OrderedDict()
    for key, value in obj.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"nn.save: keys must be non-empty strings, got {key!r}")
        arr = array_of(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"nn.save: value for {key!r} has dtype {arr.dtype}; only bool, "
                            "integer and floating arrays can be saved")
        out[key] = arr
    return out


def _path(path: Any, op: str) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{op}: path must be a str or os.PathLike, got {type(path).__name__}")
    return os.fspath(path)


def _create_temporary(directory: str) -> tuple[int, str]:
    """A new file in ``directory`` (not ``tempfile.mkstemp``: its mode is always 0600, and
    this one's is 0666 less the umask, as ``open`` gives) as (descriptor, path)."""
    tmp = os.path.join(directory, f".tmp-{secrets.token_hex(8)}.npz")
    return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                   0o666), tmp


def save(obj: Mapping[str, Any], path: str | os.PathLike) -> None:
    """Write a state dict (name -> Tensor or array) to ``path`` as an ``.npz``, atomically:
    the data goes to a temporary file next to ``path``, which then replaces it. A new file
    gets mode 0666 less the umask; an existing one keeps its mode."""
    arrays = _arrays(obj)
    path = _path(path, "nn.save")
    fd, tmp = _create_temporary(os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
                for key, arr in arrays.items():
                    with zf.open(key + ".npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, arr, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        if os.path.exists(path):
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


# A member may expand beyond its compressed size (DEFLATE reaches ~1000x on zeros) as long
# as everything read stays under EXPANSION_FREE_BYTES, or under MAX_EXPANSION times the
# compressed bytes: a real model's weights compress little, a zip bomb a thousandfold.
MAX_EXPANSION = 100
EXPANSION_FREE_BYTES = 64 * 2**20


def load(path: str | os.PathLike) -> OrderedDict[str, ag.Tensor]:
    """Read a state dict written by :func:`save` (or any ``.npz`` of numeric arrays) as an
    ordered mapping of name -> Tensor. Pickled objects, members that are not numeric
    ``.npy`` arrays, and members expanding far beyond their compressed size (see
    ``MAX_EXPANSION``) are refused with a ValueError naming the file and the key."""
    path = _path(path, "nn.load")
    with open(path, "rb") as f:  # a missing file: FileNotFoundError, as open gives
        if not zipfile.is_zipfile(f):
            f.seek(0)
            single = f.read(len(np.lib.format.MAGIC_PREFIX)) == np.lib.format.MAGIC_PREFIX
            raise ValueError(f"nn.load: cannot load {path!r} as a state dict: " + (
                "it is a single .npy array, not an .npz of named arrays (save one with "
                "nn.save({'name': array}, path))" if single else
                "it is not an .npz (zip) file (only .npz files of numeric arrays are "
                "accepted; pickled objects are refused)"))
        try:
            with zipfile.ZipFile(f) as zf:
                infos = _checked_members(zf.infolist(), path)
                return OrderedDict((key, ag.from_numpy(_read_member(zf, info, path, key)))
                                   for key, info in infos)
        except (zipfile.BadZipFile, EOFError, OSError) as e:  # a damaged zip directory
            raise ValueError(f"nn.load: cannot load {path!r} as a state dict: {e}") from None


def _checked_members(infos: list[zipfile.ZipInfo], path: str
                     ) -> list[tuple[str, zipfile.ZipInfo]]:
    """(key, member) for every ``<key>.npy`` member, from the zip's directory alone: odd
    names and the sizes are checked before anything is inflated."""
    out, seen, expanded, packed = [], set(), 0, 0
    for info in infos:
        key = info.filename[:-4]
        if not info.filename.endswith(".npy") or not key:
            raise ValueError(f"nn.load: {path!r}: member {info.filename!r} is not a "
                             "<key>.npy array (a state dict .npz holds nothing else)")
        if key in seen:
            raise ValueError(f"nn.load: {path!r}: key {key!r} appears more than once")
        seen.add(key)
        expanded += info.file_size
        packed += info.compress_size
        if expanded > EXPANSION_FREE_BYTES and expanded > MAX_EXPANSION * packed:
            raise ValueError(
                f"nn.load: refusing {path!r} at key {key!r}: its members up to that key "
                f"would inflate {packed} compressed bytes to {expanded} "
                f"({expanded / max(packed, 1):.0f}x); nn.load allows at most "
                f"{MAX_EXPANSION}x past {EXPANSION_FREE_BYTES // 2**20} MiB (nothing was "
                "inflated)")
        out.append((key, info))
    return out


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: str, key: str
                 ) -> np.ndarray:
    """The array in one member, after checking that its .npy header describes exactly the
    bytes the zip directory declares (so no allocation exceeds what was checked)."""
    where = f"nn.load: {path!r}, key {key!r}"
    try:
        with zf.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f".npy format version {version} is not supported")
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, _, dtype = read_header(member)
            if dtype.hasobject:
                raise ValueError("it holds Python objects (pickled objects are refused)")
            if dtype.kind not in "biuf":
                raise ValueError(f"dtype {dtype} is not bool, integer or floating")
            declared = math.prod(shape) * dtype.itemsize
            if declared != info.file_size - member.tell():
                raise ValueError(f"its header declares shape {shape} of {dtype} "
                                 f"({declared} bytes) but the member holds "
                                 f"{info.file_size - member.tell()} bytes")
            member.seek(0)
            return np.lib.format.read_array(member, allow_pickle=False)
    except (ValueError, zipfile.BadZipFile, EOFError, OSError, RuntimeError) as e:
        # RuntimeError: an encrypted member; NotImplementedError: an unknown compression
        raise ValueError(f"{where}: {e}") from None
