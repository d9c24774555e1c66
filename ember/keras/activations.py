"""Keras activation functions by name: ``activations.get("relu")`` and friends.

Each function takes and returns an ember Tensor. Softmax-like functions act on the last axis
by default, as in Keras. ``get`` accepts a name, a callable or ``None`` (meaning ``linear``).
"""

from __future__ import annotations

import ember
from ember.nn import functional as F


def linear(x):
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras's relu: ``max(x, 0)``, with optional leak, cap and threshold."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return F.relu(x)
    if negative_slope == 0.0:
        out = ember.where(x >= threshold, x, ember.zeros_like(x))
    else:
        out = ember.where(x >= threshold, x, negative_slope * (x - threshold))
    if max_value is not None:
        out = out.clamp(max=max_value)
    return out


def relu6(x):
    return F.relu6(x)


def leaky_relu(x, negative_slope=0.2):
    return F.leaky_relu(x, negative_slope)


def elu(x, alpha=1.0):
    return F.elu(x, alpha)


def selu(x):
    return F.selu(x)


def gelu(x, approximate=False):
    return F.gelu(x, approximate="tanh" if approximate else "none")


def sigmoid(x):
    return F.sigmoid(x)


def hard_sigmoid(x):
    return F.hardsigmoid(x)


def hard_silu(x):
    return F.hardswish(x)


hard_swish = hard_silu


def tanh(x):
    return F.tanh(x)


def softplus(x):
    return F.softplus(x)


def softsign(x):
    return F.softsign(x)


def silu(x):
    return F.silu(x)


swish = silu


def mish(x):
    return F.mish(x)


def exponential(x):
    return ember.exp(x)


def log_sigmoid(x):
    return F.logsigmoid(x)


def softmax(x, axis=-1):
    return F.softmax(x, dim=axis)


def log_softmax(x, axis=-1):
    return F.log_softmax(x, dim=axis)


_ALL = {f.__name__: f for f in (
    linear, relu, relu6, leaky_relu, elu, selu, gelu, sigmoid, hard_sigmoid, hard_silu, tanh,
    softplus, softsign, silu, mish, exponential, log_sigmoid, softmax, log_softmax,
)}
_ALL.update(swish=silu, hard_swish=hard_silu)


def get(identifier):
    """Resolve ``identifier`` (a name, a callable or None) to an activation function.

    >>> from ember.keras import activations
    >>> activations.get("relu").__name__, activations.get(None).__name__
    ('relu', 'linear')
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        try:
            return _ALL[identifier]
        except KeyError:
            raise ValueError(
                f"unknown activation {identifier!r}; known: {', '.join(sorted(_ALL))}"
            ) from None
    if isinstance(identifier, dict):  # a serialized layer used as activation is not supported
        return get(identifier.get("config", identifier).get("name"))
    if callable(identifier):
        return identifier
    raise TypeError(f"activation must be a name or a callable, got {type(identifier).__name__}")


def serialize(activation):
    """The name Keras stores in configs; user callables keep their ``__name__``."""
    for fn in _ALL.values():
        if fn is activation:
            return fn.__name__
    name = getattr(activation, "__name__", None)
    if name is None:
        raise ValueError(f"cannot serialize activation {activation!r}: give it a __name__")
    return name


def deserialize(name, custom_objects=None):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    return get(name)
