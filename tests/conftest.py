"""Shared pytest configuration: hypothesis settings profiles.

``ci`` (loaded when the environment variable CI is set) keeps property tests small and
without per-example deadlines, so the whole suite stays well under its time budget on a
2-core machine; ``dev`` (the default) runs more examples for local exploration.
Choose another with ``HYPOTHESIS_PROFILE=<name>``.
"""

from __future__ import annotations

import os
import sys

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

_default = "ci" if os.environ.get("CI") else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or _default)


def pytest_terminal_summary(terminalreporter) -> None:
    """Report how many distinct bad-input cases tests/test_bad_input.py generated."""
    for name, module in list(sys.modules.items()):
        if name.rsplit(".", 1)[-1] == "test_bad_input" and getattr(module, "CASES", None):
            terminalreporter.write_line(
                f"bad-input suite: {len(module.CASES)} distinct bad-input cases "
                f"({module.EXAMPLES[0]} examples checked)")
