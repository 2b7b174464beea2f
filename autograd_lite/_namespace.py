"""``import autograd_lite as torch``: PyTorch's module layout over this library's packages.

``torch.nn`` is the top-level ``nn`` package, ``torch.optim`` is ``nn.optim`` and
``torch.utils.data`` is ``nn.data``: the very same module objects, whichever import form
reaches them first (``import autograd_lite.nn.functional as F`` included), because a finder
on ``sys.meta_path`` answers every ``autograd_lite.nn...`` name with the module already
imported under its real name instead of loading the file again.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ALIASES = {"autograd_lite.nn": "nn", "autograd_lite.optim": "nn.optim",
           "autograd_lite.utils.data": "nn.data"}
_NN = Path(__file__).resolve().parent.parent / "nn" / "__init__.py"  # shipped alongside


def real_name(fullname: str) -> str | None:
    """``autograd_lite.nn.functional`` -> ``nn.functional``; None for other names."""
    for alias, real in ALIASES.items():
        if fullname == alias or fullname.startswith(alias + "."):
            return real + fullname[len(alias):]
    return None


def _check_nn_is_ours(alias: str) -> None:
    """Refuse an ``nn`` that is not this library's (a student's own nn.py earlier on
    sys.path), naming the file, before anything of it runs."""
    loaded = sys.modules.get("nn")
    if loaded is not None:
        origin = getattr(loaded, "__file__", None)
    else:
        spec = importlib.util.find_spec("nn")
        origin = None if spec is None else spec.origin
    if origin is None or Path(origin).resolve() != _NN:
        found = "no module named nn" if origin is None else f"`import nn` finds {origin}"
        raise ImportError(f"{alias}: {found}, not autograd-lite's nn package ({_NN}); "
                          "a file or folder named nn on sys.path (often nn.py next to "
                          "your script) shadows it: rename it", name=alias)


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        real = real_name(fullname)
        if real is None:
            return None
        _check_nn_is_ours(fullname)
        module = importlib.import_module(real)
        return importlib.machinery.ModuleSpec(fullname, self, loader_state=module,
                                              is_package=hasattr(module, "__path__"))

    def create_module(self, spec: Any) -> ModuleType:
        module = spec.loader_state
        spec.loader_state = module.__spec__  # the import system sets __spec__ to ours...
        return module

    def exec_module(self, module: ModuleType) -> None:
        # ...which gives the real one back
        module.__spec__ = module.__spec__.loader_state  # type: ignore[union-attr]


def install() -> None:
    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder())


def lazy_submodules(package: str, names: tuple[str, ...]) -> Callable[[str], Any]:
    """A module ``__getattr__`` importing ``package.<name>`` on first access."""
    def __getattr__(name: str) -> Any:
        if name in names:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
