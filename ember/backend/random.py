"""Random number generators: one default generator per device, seeded by ``manual_seed``."""

from __future__ import annotations

import numpy as np

from .device import as_device, cupy


class Generator:
    """A seeded source of random numbers for one device, like ``torch.Generator``.

    >>> g = Generator().manual_seed(0)
    >>> g.initial_seed()
    0
    """

    def __init__(self, device="cpu"):
        self.device = as_device(device)
        self._seed = int(np.random.SeedSequence().entropy % (2**63))
        self._reset()

    def _reset(self):
        if self.device.type == "cpu":
            self._rng = np.random.Generator(np.random.PCG64(self._seed))
        else:
            cp = cupy()
            with cp.cuda.Device(self.device.index or 0):
                self._rng = cp.random.Generator(cp.random.XORWOW(self._seed))

    def manual_seed(self, seed: int) -> Generator:
        self._seed = int(seed) % (2**64)
        self._reset()
        return self

    def seed(self) -> int:
        self._seed = int(np.random.SeedSequence().entropy % (2**63))
        self._reset()
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        if self.device.type != "cpu":
            raise NotImplementedError(
                "Generator.get_state(): only CPU generator state can be saved"
            )
        return self._rng.bit_generator.state

    def set_state(self, state) -> Generator:
        if self.device.type != "cpu":
            raise NotImplementedError("Generator.set_state(): only CPU generator state can be set")
        self._rng.bit_generator.state = state
        return self

    @property
    def rng(self):
        """The backend generator (``numpy.random.Generator`` or CuPy's)."""
        return self._rng


default_generator = Generator("cpu")
_cuda_generators: dict[int, Generator] = {}


def generator_for(device, generator: Generator | None = None) -> Generator:
    """The generator to draw from on ``device``: the given one or the device's default."""
    if generator is not None:
        return generator
    device = as_device(device)
    if device.type == "cpu":
        return default_generator
    idx = device.index or 0
    if idx not in _cuda_generators:
        g = Generator(device)
        g.manual_seed(default_generator.initial_seed() + idx)
        _cuda_generators[idx] = g
    return _cuda_generators[idx]


def manual_seed(seed: int) -> Generator:
    """Seed every device's default generator; returns the CPU one, like ``torch.manual_seed``."""
    default_generator.manual_seed(seed)
    for idx, g in _cuda_generators.items():
        g.manual_seed(int(seed) + idx)
    return default_generator


def seed() -> int:
    s = default_generator.seed()
    for idx, g in _cuda_generators.items():
        g.manual_seed(s + idx)
    return s


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state) -> None:
    default_generator.set_state(state)
