"""``keras.optimizers``: Keras 3's optimizers (names, defaults and update formulas) updating
ember parameters in place.

>>> from ember.keras import optimizers
>>> opt = optimizers.get("adam")
>>> type(opt).__name__, opt.learning_rate, opt.epsilon
('Adam', 0.001, 1e-07)
"""

from . import schedules
from .algorithms import SGD, Adadelta, Adagrad, Adam, AdamW, Adamax, Ftrl, Lion, Nadam, RMSprop
from .optimizer import Optimizer

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lion", "Nadam",
           "Optimizer", "RMSprop", "deserialize", "get", "schedules", "serialize"]

_CLASSES = (Optimizer, Adam, SGD, RMSprop, Adadelta, AdamW, Adagrad, Adamax, Nadam, Ftrl, Lion)
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in _CLASSES}


def serialize(optimizer) -> dict:
    """Keras's dict for an optimizer: module, class_name, config, registered_name."""
    cls = type(optimizer)
    builtin = cls in _CLASSES
    return {"module": "keras.optimizers" if builtin else cls.__module__,
            "class_name": cls.__name__, "config": optimizer.get_config(),
            "registered_name": None if builtin else cls.__name__}


def deserialize(config, custom_objects=None):
    """The optimizer a ``serialize`` dict describes (built-in class names in any case)."""
    custom = custom_objects or {}
    name = config["class_name"]
    cls = custom.get(config.get("registered_name") or name) or custom.get(name) or \
        ALL_OBJECTS_DICT.get(name.lower())
    if cls is None:
        raise ValueError(f"Could not interpret optimizer identifier: {name!r}. Known: "
                         f"{', '.join(sorted(ALL_OBJECTS_DICT))} (pass your own class in "
                         "custom_objects)")
    return cls.from_config(config.get("config") or {}, custom_objects=custom_objects)


def get(identifier):
    """An optimizer from a name (``"adam"``, ``"sgd"``, ``"rmsprop"``, ``"adamw"``,
    ``"adagrad"``, ``"adadelta"``, ``"adamax"``, ``"nadam"``, ``"ftrl"``, ``"lion"``; any case),
    a config dict or an ``Optimizer`` (returned as it is), with Keras's defaults."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = deserialize({"class_name": identifier, "config": {}})
    else:
        obj = identifier
    if isinstance(obj, Optimizer):
        return obj
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}; pass a name "
                     "such as 'adam' or an optimizer instance (a torch-style ember.optim "
                     "optimizer is built from parameters and cannot be used here)")
