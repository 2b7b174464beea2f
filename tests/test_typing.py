"""Type checkers see the library as it runs: mypy and pyright (basic) find no error in the
packages nor in README's examples, Tensor's declarations for them match what ops.py
installs, and the package lists its public names for them."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

import autograd_lite as ag

ROOT = Path(__file__).resolve().parents[1]
TENSOR_PY = ROOT / "autograd_lite" / "tensor.py"
README_BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)

def _generator():
    spec = importlib.util.spec_from_file_location("gen_tensor_types",
                                                  ROOT / "tools" / "gen_tensor_types.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _declared_for_type_checkers(source: str) -> set[str]:
    """The names the ``if TYPE_CHECKING:`` block of the Tensor class declares."""
    cls = next(n for n in ast.parse(source).body
               if isinstance(n, ast.ClassDef) and n.name == "Tensor")
    (block,) = [n for n in cls.body if isinstance(n, ast.If)
                and isinstance(n.test, ast.Name) and n.test.id == "TYPE_CHECKING"]
    return {n.name for n in block.body if isinstance(n, ast.FunctionDef)}


def test_tensor_declares_exactly_what_install_attaches() -> None:
    source = TENSOR_PY.read_text()
    installed = _generator().installed_names(source)
    declared = _declared_for_type_checkers(source)
    assert "__add__" in installed and "relu" in installed and "T" in installed
    assert declared == installed, (
        f"missing: {sorted(installed - declared)}, not installed: "
        f"{sorted(declared - installed)}; run: python tools/gen_tensor_types.py")


def test_tensor_declarations_are_up_to_date() -> None:
    """The generated declarations carry the signatures of the functions installed."""
    gen = _generator()
    source = TENSOR_PY.read_text()
    assert gen._split(source)[1] == gen.generate(source), \
        "Tensor's declarations are out of date; run: python tools/gen_tensor_types.py"


def test_all_lists_every_public_name() -> None:
    public = {n for n, v in vars(ag).items()
              if not n.startswith("_") and not isinstance(v, types.ModuleType)}
    assert len(ag.__all__) == len(set(ag.__all__))
    assert set(ag.__all__) == public, (
        f"add to autograd_lite.__all__: {sorted(public - set(ag.__all__))}; "
        f"not defined: {sorted(set(ag.__all__) - public)}")


@pytest.fixture(scope="module")
def readme_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("readme_blocks").resolve()
    files = []
    for i, block in enumerate(README_BLOCKS):
        files.append(folder / f"readme_block_{i:02d}.py")
        files[-1].write_text(block)
    return files


def _pyright_command() -> list[str]:
    if shutil.which("node") is None:
        pytest.fail("pyright runs on Node.js, and `node` is not on PATH: install Node.js "
                    "(e.g. `apt-get install nodejs`) to run this test")
    exe = shutil.which("pyright", path=os.pathsep.join(
        [str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    if exe is None:
        pytest.fail("pyright is not installed: pip install -e '.[dev]'")
    return [exe, "--outputjson", "--pythonpath", sys.executable]  # numpy & co. of this Python


def _errors(readme_files: list[Path]) -> dict[str, list[tuple[Path, int, str]]]:
    """(file, line, message) of every error of each checker, on the packages, tools/
    and README's blocks."""
    targets = ["autograd_lite", "nn", "tools", *map(str, readme_files)]
    cache = readme_files[0].parent / "mypy_cache"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the checkout, not an installed copy
    # Both at once (they take ~7 s and ~15 s); from ROOT, they read pyproject.toml's settings
    runs = {
        "mypy": subprocess.Popen(
            [sys.executable, "-m", "mypy", "--cache-dir", str(cache), "--no-color-output",
             "--no-error-summary", *targets],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True),
        "pyright": subprocess.Popen(
            _pyright_command() + targets, cwd=ROOT, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True),
    }
    out = {name: run.communicate(timeout=600) for name, run in runs.items()}
    found: dict[str, list[tuple[Path, int, str]]] = {}
    mypy_out = out["mypy"][0]
    found["mypy"] = [(Path(m[1]).resolve() if Path(m[1]).is_absolute() else ROOT / m[1],
                      int(m[2]), m[3]) for m in re.finditer(r"^(.+?):(\d+): error: (.*)$",
                                                            mypy_out, re.M)]
    assert runs["mypy"].returncode in (0, 1) and (runs["mypy"].returncode == 0
                                                  or found["mypy"]), mypy_out
    try:
        report = json.loads(out["pyright"][0])
    except json.JSONDecodeError:
        pytest.fail(f"pyright did not run:\n{out['pyright'][0]}\n{out['pyright'][1]}")
    found["pyright"] = [(Path(d["file"]).resolve(), d["range"]["start"]["line"] + 1, d["message"])
                        for d in report["generalDiagnostics"] if d["severity"] == "error"]
    assert report["summary"]["filesAnalyzed"] >= 40, report["summary"]
    return found


def test_mypy_and_pyright_find_no_error_in_the_packages_and_readme(readme_files) -> None:
    errors = _errors(readme_files)
    for checker, found in errors.items():
        assert not found, f"{checker} finds {len(found)} errors:\n" + "\n".join(
            f"{f.relative_to(ROOT) if f.is_relative_to(ROOT) else f.name}:{n}: {msg}"
            for f, n, msg in found)
