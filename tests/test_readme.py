"""README stays true: its Python blocks run, and CI runs exactly its test command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_block_runs(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # what a block writes (e.g. model.npz) lands in tmp_path
    exec(compile(BLOCKS[index], f"README.md block {index}", "exec"), {"__name__": "readme"})


def _setup_commands() -> list[str]:
    """The indented commands at the top of README (before the first heading)."""
    head = README.split("\n## ", 1)[0]
    return [line.strip() for line in head.splitlines() if line.startswith("    ")]


def test_readme_first_lines_give_demo_and_test_commands() -> None:
    demo, tests = _setup_commands()[:2]
    assert "pip install" in demo and "examples/" in demo
    assert "pip install" in tests and "pytest" in tests
    assert (ROOT / demo.split("python ", 2)[-1].split()[0]).exists()


def test_ci_runs_readme_test_command_verbatim() -> None:
    test_command = _setup_commands()[1]
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines
