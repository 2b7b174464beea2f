"""What a user installs is complete: the sdist carries what its tests read, the wheel its
type markers and licence, the metadata what pyproject.toml promises, and an editable
install is one that type checkers and IDEs can follow."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_FOLDERS = ["tests", "examples", "docs", "benchmarks", "notebooks", "tools"]
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.py[cod]", ".*_cache",
                                    ".hypothesis", "build", "dist", "*.egg-info")


def _source_files(folder: Path) -> set[str]:
    """Files under ``folder`` that the sdist must carry (paths relative to ROOT)."""
    return {str(p.relative_to(ROOT)) for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and not p.suffix == ".pyc"
            and ROOT / "examples" / "out" not in p.parents}


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sdist of a copy of the project, and the wheel built from that sdist."""
    spec = importlib.util.find_spec("build")
    if spec is None or spec.origin is None:  # absent, or just a build/ folder in the cwd
        pytest.skip("needs the `build` package (in the dev extra)")
    src = tmp_path_factory.mktemp("src")
    shutil.copytree(ROOT, src, ignore=NOT_SOURCE, dirs_exist_ok=True)
    shutil.rmtree(src / "examples" / "out", ignore_errors=True)
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(src)],
        cwd=out, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return sdist, wheel


def test_sdist_carries_what_its_tests_read(dists: tuple[Path, Path]) -> None:
    with tarfile.open(dists[0]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    wanted = {"README.md", "LICENSE", "pyproject.toml", ".ci/run"}
    for folder in SHIPPED_FOLDERS:
        wanted |= _source_files(ROOT / folder)
    assert not wanted - names, f"missing from the sdist: {sorted(wanted - names)}"


def test_wheel_has_the_two_packages_their_type_markers_and_the_licence(
        dists: tuple[Path, Path]) -> None:
    with zipfile.ZipFile(dists[1]) as wheel:
        names = wheel.namelist()
        metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    tops = {name.split("/")[0] for name in names if ".dist-info/" not in name}
    assert tops == {"autograd_lite", "nn"}
    assert {"autograd_lite/py.typed", "nn/py.typed", "autograd_lite/graph_page.html"} <= set(names)
    # the stubs that let type checkers follow `import autograd_lite.nn` & co. (issue 19)
    assert {"autograd_lite/nn/__init__.pyi", "autograd_lite/nn/functional.pyi",
            "autograd_lite/optim/__init__.pyi", "autograd_lite/utils/data.pyi"} <= set(names)
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    lines = metadata.decode().splitlines()
    assert "License-Expression: MIT" in lines
    assert "Provides-Extra: testing" in lines
    assert 'Requires-Dist: hypothesis>=6.80; extra == "testing"' in lines


def test_editable_install_is_a_plain_path_that_type_checkers_follow() -> None:
    """``pip install -e .`` of this folder puts it on sys.path through a .pth file, which
    mypy, pyright and IDEs read, not through setuptools' import hook, which they cannot."""
    # Only pip's record has direct_url.json (the cwd's autograd_lite.egg-info does not).
    installed = [d for d in importlib.metadata.distributions(name="autograd-lite")
                 if d.read_text("direct_url.json")]
    if not installed:
        pytest.skip("autograd-lite is not installed by pip")
    dist = installed[0]
    url = json.loads(dist.read_text("direct_url.json"))
    source = Path(unquote(urlparse(url.get("url", "")).path))
    if not url.get("dir_info", {}).get("editable") or not source.exists() \
            or not os.path.samefile(source, ROOT):
        pytest.skip("not an editable install of this folder")
    files = dist.files or []
    assert not [str(f) for f in files if "finder" in f.name], "setuptools' import hook is used"
    (pth,) = [f for f in files if f.name.endswith(".pth")]
    assert [Path(line).resolve() for line in pth.read_text().splitlines()] == [ROOT]


def test_no_test_or_readme_example_names_a_fixed_temporary_path() -> None:
    """Fixed paths such as /tmp/x escape pytest's folders (use tmp_path, or a relative
    path in README, whose blocks run in a tmp_path)."""
    fixed = re.compile(r"""["']/tmp\b""")
    offenders = [str(p.relative_to(ROOT)) for p in [ROOT / "README.md", *ROOT.glob("tests/*.py")]
                 if fixed.search(p.read_text())]
    assert not offenders


def test_strategies_without_hypothesis_name_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "autograd_lite.testing.strategies", raising=False)
    monkeypatch.setitem(sys.modules, "hypothesis", None)  # as if not installed
    with pytest.raises(ModuleNotFoundError, match=r"autograd-lite\[testing\]"):
        importlib.import_module("autograd_lite.testing.strategies")
