"""The library's one random generator: ``manual_seed`` makes every draw reproducible
(initialisation, dropout, shuffling, ``rand``/``randn``)."""

from __future__ import annotations

import numpy as np

_GENERATOR = [np.random.default_rng()]


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the library's generator; returns it."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed: the seed must be a non-negative integer, got {seed!r}")
    _GENERATOR[0] = np.random.default_rng(int(seed))
    return _GENERATOR[0]


def default_generator() -> np.random.Generator:
    """The numpy Generator every random draw of the library uses."""
    return _GENERATOR[0]
