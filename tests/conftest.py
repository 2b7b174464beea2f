"""Shared pytest configuration: hypothesis settings profiles.

``ci`` (the default, with or without the environment variable CI) keeps property tests small and
without per-example deadlines, so the whole suite stays well under its time budget on a
2-core machine, and derandomized, so README's test command gives the same run on every
machine; ``dev`` (random, more examples) and ``thorough`` are for local exploration.
Choose another with ``HYPOTHESIS_PROFILE=<name>``.

Tests write only into pytest's temporary folders: see ``_writes_stay_in_pytest_folders``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

_SUPPRESSED = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile(
    "ci", max_examples=20, deadline=None, derandomize=True,
    suppress_health_check=_SUPPRESSED, print_blob=True,
)
settings.register_profile(
    "dev", max_examples=50, deadline=None, suppress_health_check=_SUPPRESSED,
)
settings.register_profile(
    "thorough", max_examples=300, deadline=None, suppress_health_check=_SUPPRESSED,
)

settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "ci")


def pytest_terminal_summary(terminalreporter) -> None:
    """Report how many distinct bad-input cases tests/test_bad_input.py generated."""
    for name, module in list(sys.modules.items()):
        if name.rsplit(".", 1)[-1] == "test_bad_input" and getattr(module, "CASES", None):
            terminalreporter.write_line(
                f"bad-input suite: {len(module.CASES)} distinct bad-input cases "
                f"({module.EXAMPLES[0]} examples checked)")


ROOT = Path(__file__).resolve().parents[1]
# Folders of tools, not of tests (all in .gitignore): caches, the CI venv, build output.
_TOOL_FOLDERS = {".git", ".venv", "__pycache__", ".hypothesis", ".pytest_cache", ".ruff_cache",
                 ".mypy_cache", "build", "dist"}


def _project_files() -> set[str]:
    found = set()
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [s for s in subfolders
                         if s not in _TOOL_FOLDERS and not s.endswith(".egg-info")]
        found.update(os.path.relpath(os.path.join(folder, f), ROOT) for f in files)
    return found


@pytest.fixture(scope="session", autouse=True)
def _writes_stay_in_pytest_folders(tmp_path_factory: pytest.TempPathFactory):
    """Send ``tempfile``'s default folder (and TMPDIR, for subprocesses) into this session's
    pytest folder, so what tests make there is not left in the system's; and fail the
    session if the tests left a new file in the project folder."""
    own_tmp = str(tmp_path_factory.mktemp("tempfile"))
    patch = pytest.MonkeyPatch()
    patch.setattr(tempfile, "tempdir", own_tmp)
    patch.setenv("TMPDIR", own_tmp)
    before = _project_files()
    yield
    patch.undo()
    left = sorted(_project_files() - before)
    assert not left, f"tests left files in the project folder (use tmp_path): {left}"
