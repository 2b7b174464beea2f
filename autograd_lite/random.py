"""Random generators: ``manual_seed`` makes every draw of the library reproducible
(initialisation, dropout, shuffling, ``rand``/``randn``/``randint``/``randperm``/
``multinomial``); a ``Generator`` of one's own, passed as ``generator=``, gives a draw its
own stream, as in PyTorch.

>>> g = ag.Generator().manual_seed(0)
>>> ag.rand(2, generator=g)                  # the same two numbers after every manual_seed(0)
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from .devices import CPU, device, device_arg
from .validation import show

_TORCH_SEED = 67280421310721  # the seed a new torch.Generator() starts from


def _seed_arg(seed: Any, op: str) -> int:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) \
            or seed < 0:
        raise ValueError(f"{op}: the seed must be a non-negative integer, got {show(seed)}")
    return int(seed)


class Generator(np.random.Generator):
    """A numpy Generator (PCG64) with PyTorch's seeding methods; it draws like any numpy
    Generator. A new one always starts from the same seed (as PyTorch's)."""

    def __init__(self, device: Any = "cpu") -> None:
        device_arg(device, "Generator")
        super().__init__(np.random.PCG64(_TORCH_SEED))
        self._seed = _TORCH_SEED

    @property
    def device(self) -> device:
        return CPU

    def manual_seed(self, seed: int) -> Generator:
        """Restart from ``seed`` (in place, so every holder of the generator sees it);
        returns the generator. The draws are those of ``np.random.default_rng(seed)``."""
        self._seed = _seed_arg(seed, "manual_seed")
        self.bit_generator.state = np.random.PCG64(self._seed).state
        return self

    def seed(self) -> int:
        """Restart from a fresh seed from the operating system's entropy; returns it."""
        entropy = np.random.SeedSequence().entropy  # an int when drawn from the OS
        self.manual_seed(int(entropy) % 2**64)  # type: ignore[arg-type]
        return self._seed

    def initial_seed(self) -> int:
        """The seed of the last ``manual_seed``/``seed``."""
        return self._seed

    def get_state(self) -> dict:
        """The state to come back to with ``set_state``."""
        # (numpy's stubs say Mapping: it is a dict)
        return copy.deepcopy(self.bit_generator.state)  # type: ignore[arg-type]

    def set_state(self, state: dict) -> Generator:
        """Go back to a state from ``get_state``; returns the generator."""
        bits = np.random.PCG64()
        try:
            bits.state = state  # type: ignore[assignment]  # (numpy checks it, below)
        except (TypeError, ValueError, KeyError):
            raise ValueError(f"set_state: expected a state from get_state(), got "
                             f"{show(state)}") from None
        self.bit_generator.state = bits.state
        return self

    def __reduce__(self) -> tuple:  # copies and pickles stay Generators, in the same state
        return _rebuilt, (self._seed, self.get_state())


def _rebuilt(seed: int, state: dict) -> Generator:
    g = Generator().set_state(state)
    g._seed = seed
    return g


_DEFAULT = Generator()
_DEFAULT.seed()  # unseeded runs differ, as PyTorch's


def manual_seed(seed: int) -> Generator:
    """Reseed the library's generator (the one every draw without ``generator=`` uses);
    returns it."""
    return _DEFAULT.manual_seed(seed)


def default_generator() -> Generator:
    """The Generator every random draw of the library uses unless given ``generator=``."""
    return _DEFAULT


def seed() -> int:
    """Reseed the library's generator from the operating system's entropy; returns the seed."""
    return _DEFAULT.seed()


def initial_seed() -> int:
    """The seed the library's generator last started from."""
    return _DEFAULT.initial_seed()


def get_rng_state() -> dict:
    """The library's generator's state (for ``set_rng_state``)."""
    return _DEFAULT.get_state()


def set_rng_state(state: dict) -> None:
    """Restore the library's generator to a state from ``get_rng_state``."""
    _DEFAULT.set_state(state)


def generator_arg(generator: Any, op: str) -> np.random.Generator:
    """A ``generator=`` argument: an ``ag.Generator`` (or any numpy Generator); None is the
    library's generator."""
    if generator is None:
        return _DEFAULT
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"{op}: generator must be an ag.Generator (or a numpy Generator), "
                        f"got {show(generator)}")
    return generator
