"""``keras.preprocessing``: the legacy home of ``sequence.pad_sequences``."""

from . import sequence

__all__ = ["sequence"]
