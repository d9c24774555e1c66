"""``set_random_seed``: one seed for Python's, NumPy's and ember's generators."""

from __future__ import annotations

import random

import numpy as np

from ... import backend as B

_GLOBAL_SEED: list = [None]


def set_random_seed(seed: int) -> None:
    """Seed ``random``, ``numpy.random`` and ember (``ember.manual_seed``, which also drives
    Keras-layer initialisers, dropout and shuffling) so that a program runs reproducibly.

    >>> set_random_seed(42); a = np.random.rand(); set_random_seed(42)
    >>> a == np.random.rand()
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError("Expected `seed` argument to be an integer. Received: "
                         f"seed={seed} (of type {type(seed)})")
    seed = int(seed)
    _GLOBAL_SEED[0] = seed
    random.seed(seed)
    np.random.seed(seed)
    B.manual_seed(seed)


def get_random_seed():
    """The seed given to ``set_random_seed`` (None if it was never called)."""
    return _GLOBAL_SEED[0]
