"""``nn.save`` / ``nn.load``: state dicts as ``.npz`` files that can never run code.

>>> nn.save(model.state_dict(), "model.npz")
>>> model.load_state_dict(nn.load("model.npz"))

The file is a plain numpy ``.npz`` (one ``<key>.npy`` per entry, PyTorch's keys and
layouts), so ``np.load(path)`` reads it too and the arrays load into the equivalent
``torch.nn`` model. Loading uses ``allow_pickle=False``; saving writes a temporary file in
the same directory and renames it over the target, so a crash mid-save leaves the
previous file intact.
"""

from __future__ import annotations

import os
import tempfile
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


def save(obj: Mapping[str, Any], path: str | os.PathLike) -> None:
    """Write a state dict (name -> Tensor or array) to ``path`` as an ``.npz``, atomically:
    the data goes to a temporary file next to ``path``, which then replaces it."""
    arrays = _arrays(obj)
    path = _path(path, "nn.save")
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
                for key, arr in arrays.items():
                    with zf.open(key + ".npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, arr, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(path: str | os.PathLike) -> OrderedDict[str, ag.Tensor]:
    """Read a state dict written by :func:`save` (or any ``.npz`` of numeric arrays) as an
    ordered mapping of name -> Tensor. Files holding pickled objects are refused."""
    path = _path(path, "nn.load")
    try:
        with np.load(path, allow_pickle=False) as npz:
            if not isinstance(npz, np.lib.npyio.NpzFile):
                raise ValueError("it holds a single array, not a state dict (.npz)")
            return OrderedDict((key, ag.from_numpy(npz[key])) for key in npz.files)
    except (ValueError, zipfile.BadZipFile, EOFError, OSError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise ValueError(f"nn.load: cannot load {path!r} as a state dict: {e} (only .npz "
                         "files of numeric arrays are accepted; pickled objects are refused)"
                         ) from None
