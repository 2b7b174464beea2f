"""Shared pytest configuration: hypothesis settings profiles.

``ci`` (loaded when the environment variable CI is set) keeps property tests small and
without per-example deadlines, so the whole suite stays well under its time budget on a
2-core machine; ``dev`` (the default) runs more examples for local exploration.
Choose another with ``HYPOTHESIS_PROFILE=<name>``.
"""

from __future__ import annotations

import os

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
