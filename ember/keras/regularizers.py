"""Weight and activity penalties: ``L1``, ``L2``, ``L1L2`` (Keras's names and defaults).

A regularizer is a callable ``penalty(tensor) -> scalar Tensor``; layers add the penalties of
their ``kernel_regularizer``/``bias_regularizer``/``activity_regularizer`` to ``layer.losses``,
which ``fit`` adds to the training loss.

>>> import ember
>>> from ember.keras import regularizers
>>> float(regularizers.L2(0.5)(ember.tensor([1.0, 2.0])))
2.5
"""

from __future__ import annotations


class Regularizer:
    def __call__(self, x):
        return 0.0

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)``."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        out = 0.0
        if self.l1:
            out = out + self.l1 * x.abs().sum()
        if self.l2:
            out = out + self.l2 * (x * x).sum()
        return out

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


def l1_l2(l1=0.01, l2=0.01):
    return L1L2(l1, l2)


l1, l2 = L1, L2
_CLASSES = {"L1": L1, "L2": L2, "L1L2": L1L2, "l1": L1, "l2": L2, "l1_l2": l1_l2}


def get(identifier):
    if identifier is None:
        return None
    if isinstance(identifier, str):
        if identifier not in _CLASSES:
            raise ValueError(f"unknown regularizer {identifier!r}; known: l1, l2, l1_l2")
        return _CLASSES[identifier]()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"regularizer must be a name, a config or a callable, got {identifier!r}")


def serialize(regularizer):
    if regularizer is None:
        return None
    if isinstance(regularizer, Regularizer):
        return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}
    raise ValueError(f"cannot serialize regularizer {regularizer!r}: subclass Regularizer")


def deserialize(config, custom_objects=None):
    if config is None:
        return None
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        raise ValueError(f"unknown regularizer class {name!r} (pass it in custom_objects)")
    return cls.from_config(config.get("config", {}))
