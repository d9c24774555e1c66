"""``keras.backend``: the session-wide settings Keras 3 keeps in ``keras.config``/``keras.backend``.

``clear_session()`` restarts automatic layer names (the next ``Dense`` is ``dense`` again), as
Keras does. ``floatx()`` is the compute dtype of ``ember.keras`` layers (always ``"float32"``:
layers take ``dtype=`` one by one), ``image_data_format()`` the default layout of image layers
(``"channels_last"``) and ``epsilon()`` the fuzz factor Keras adds in losses and metrics
(``1e-7``).

>>> from ember.keras import backend
>>> backend.floatx(), backend.image_data_format(), backend.epsilon()
('float32', 'channels_last', 1e-07)
"""

from __future__ import annotations

import gc
import itertools

__all__ = [
    "backend", "clear_session", "epsilon", "floatx", "image_data_format", "is_keras_tensor",
    "set_epsilon", "set_image_data_format",
]

_SETTINGS = {"epsilon": 1e-7, "image_data_format": "channels_last"}


def backend() -> str:
    """The name of the backend running Keras code: ``"ember"``."""
    return "ember"


def clear_session(free_memory: bool = True) -> None:
    """Reset the automatic layer names (``dense``, ``dense_1``, ... start again), as in Keras.

    Models already built keep their layers and names; only new layers are affected.
    """
    from .layers import input_layer
    from .layers.layer import reset_names

    reset_names()
    input_layer._TENSOR_IDS = itertools.count()
    if free_memory:
        gc.collect()


def floatx() -> str:
    """The default float dtype of layers and weights: ``"float32"``."""
    return "float32"


def epsilon() -> float:
    """The fuzz factor used to avoid division by zero (Keras's default ``1e-7``)."""
    return _SETTINGS["epsilon"]


def set_epsilon(value: float) -> None:
    """Set the fuzz factor returned by ``epsilon()``."""
    value = float(value)
    if not value > 0:
        raise ValueError(f"set_epsilon: epsilon must be a positive number, got {value}")
    _SETTINGS["epsilon"] = value


def image_data_format() -> str:
    """The default image layout of image layers: ``"channels_last"`` (NHWC) unless changed."""
    return _SETTINGS["image_data_format"]


def set_image_data_format(data_format: str) -> None:
    """Set the default image layout: ``"channels_last"`` or ``"channels_first"``."""
    fmt = str(data_format).lower()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(
            "set_image_data_format: the data_format must be 'channels_last' or "
            f"'channels_first', got {data_format!r}"
        )
    _SETTINGS["image_data_format"] = fmt


def is_keras_tensor(x) -> bool:
    """Whether ``x`` is a symbolic tensor of the functional API (made by ``keras.Input``)."""
    from .layers.input_layer import KerasTensor

    return isinstance(x, KerasTensor)
