"""Devices, as PyTorch's, with one device: autograd-lite computes with numpy, on the CPU.

>>> ag.device("cpu")                      # device(type='cpu'); also "cpu:0", ("cpu", 0)
>>> x.to("cpu") is x, model.to(device)    # accepted, nothing moves
>>> ag.cuda.is_available()                # False; asking for "cuda" anywhere is a RuntimeError
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import numpy as np

from .validation import dtype_arg, flag, integer, show

# device types PyTorch knows besides the CPU: asking for one gets the CPU-only message
_OTHER_TYPES = ("cuda", "mps", "xpu", "hip", "meta", "xla", "mtia", "hpu", "ipu", "vulkan",
                "ve", "lazy", "maia", "fpga", "privateuseone", "opengl", "opencl", "mkldnn",
                "ideep")
_DEVICE = re.compile(r"([a-z_]+)(?::(\d+))?")


def cpu_only_error(op: str, what: str) -> RuntimeError:
    return RuntimeError(f"{op}: {what} is not available: autograd-lite runs on numpy, on the "
                        "CPU only; use the device 'cpu' (or leave device= out)")


def _parse(spec: Any, index: Any, op: str) -> tuple[str, int | None]:
    """(type, index) of a device given as PyTorch takes it: 'cpu', 'cpu:0', ('cpu', 0), or
    a device."""
    if isinstance(spec, device):
        if index is not None:
            raise TypeError(f"{op}: an index can't be given with a device ({spec!r})")
        return spec.type, spec.index
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, (bool, np.bool_)):
        raise cpu_only_error(op, f"accelerator device {spec}")  # a bare int means an accelerator
    if not isinstance(spec, str):
        raise TypeError(f"{op}: a device must be a string such as 'cpu' or an ag.device, "
                        f"got {show(spec)}")
    match = _DEVICE.fullmatch(spec)
    if match is None or match[1] not in ("cpu", *_OTHER_TYPES):
        raise RuntimeError(f"{op}: invalid device {spec!r}; the one device is 'cpu'")
    if match[1] != "cpu":
        raise cpu_only_error(op, f"device {spec!r}")
    if match[2] is not None:
        if index is not None:
            raise RuntimeError(f"{op}: the device {spec!r} has an index, and index={index!r} "
                               "was given too")
        return "cpu", int(match[2])
    return "cpu", None if index is None else integer(index, op, "the device index", low=0)


class device:  # noqa: N801 (PyTorch's name)
    """A device, as ``torch.device``; only the CPU exists.

    >>> ag.device("cpu:0")                # device(type='cpu', index=0); .type 'cpu', .index 0
    """

    __slots__ = ("type", "index")
    type: str
    index: int | None

    def __init__(self, type: Any, index: int | None = None) -> None:
        kind, number = _parse(type, index, "device")
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "index", number)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"device: '{name}' is read-only")

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self) -> tuple:
        return device, (self.type, self.index)


CPU = device("cpu")


def device_arg(value: Any, op: str) -> device:
    """A ``device=`` argument (None is the CPU) as a device; any other device than the CPU
    is a RuntimeError naming ``op``."""
    if value is None or value is CPU:
        return CPU
    kind, index = _parse(value, None, op)
    return device(kind, index)


def set_default_device(device: Any) -> None:
    """Accepts the CPU (or None), the one device there is; anything else is refused."""
    device_arg(device, "set_default_device")


def get_default_device() -> device:
    """``device(type='cpu')``."""
    return CPU


def to_args(op: str, args: tuple, kwargs: dict) -> tuple[np.dtype | None, bool]:
    """What ``.to(...)`` asks for, by PyTorch's forms: ``(device=None, dtype=None,
    non_blocking=False, copy=False)``, ``(dtype, non_blocking, copy)`` and
    ``(tensor, non_blocking, copy)`` (the tensor's dtype). Returns (dtype or None, copy);
    the device must be the CPU."""
    from .tensor import Tensor  # tensor.py imports this module

    unknown = sorted(set(kwargs) - {"device", "dtype", "non_blocking", "copy"})
    if unknown:
        raise TypeError(f"{op}: unexpected keyword argument {unknown[0]!r}")
    rest, given = list(args), {}
    if rest and isinstance(rest[0], Tensor):
        given["dtype"] = rest.pop(0).dtype
        if "dtype" in kwargs or "device" in kwargs:
            raise TypeError(f"{op}: dtype= or device= can't be given with a tensor to match")
    else:
        if rest and (rest[0] is None or isinstance(rest[0], (str, device, int, np.integer))):
            given["device"] = rest.pop(0)
        if rest and not isinstance(rest[0], (bool, np.bool_)):
            given["dtype"] = rest.pop(0)
    if len(rest) > 2:
        raise TypeError(f"{op}: too many arguments ({len(args)} given)")
    given.update(zip(("non_blocking", "copy"), rest))
    for name, value in kwargs.items():
        if name in given:
            raise TypeError(f"{op}: got several values for {name}")
        given[name] = value
    for name in ("non_blocking", "copy"):
        flag(given.get(name, False), op, name)
    device_arg(given.get("device"), op)
    dtype = given.get("dtype")
    return (None if dtype is None else dtype_arg(dtype, op)), bool(given.get("copy", False))


def _no() -> bool:
    return False


def _none() -> None:
    return None


def _zero() -> int:
    return 0


def _seed(seed: int) -> None:
    """No CUDA generator to seed (as PyTorch without CUDA): checked, then nothing."""
    integer(seed, "cuda.manual_seed", "seed")


# torch.cuda, torch.backends and torch.accelerator as a CPU-only machine answers them; the
# cudnn flags are accepted (and have nothing to change).
cuda = SimpleNamespace(is_available=_no, device_count=_zero, manual_seed=_seed,
                       manual_seed_all=_seed)
backends = SimpleNamespace(
    mps=SimpleNamespace(is_available=_no, is_built=_no),
    cudnn=SimpleNamespace(is_available=_no, enabled=True, benchmark=False,
                          deterministic=False),
)
accelerator = SimpleNamespace(is_available=_no, device_count=_zero,
                              current_accelerator=_none)
