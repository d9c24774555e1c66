"""Keras 3's activation layers: ``ReLU``, ``LeakyReLU``, ``PReLU``, ``ELU``, ``Softmax``.

Each follows its ``keras.layers`` namesake (arguments, defaults, validation, config) and
passes masks on.

>>> from ember.keras import layers
>>> layers.ReLU(max_value=6.0)(ember.tensor([[-1.0, 3.0, 9.0]])).tolist()
[[0.0, 3.0, 6.0]]
"""

from __future__ import annotations

import warnings

import ember
from ember.nn import functional as F

from .. import activations, initializers, regularizers
from .layer import Layer, no_constraint

__all__ = ["ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"]


def _who(layer) -> str:
    return f"{type(layer).__name__} '{layer.name}'"


class ReLU(Layer):
    """Rectified linear unit with optional cap, leak and threshold (Keras's ``ReLU``)::

        f(x) = max_value                     if x >= max_value
        f(x) = x                             if threshold <= x < max_value
        f(x) = negative_slope * (x - threshold)   otherwise

    >>> from ember.keras import layers
    >>> layers.ReLU(negative_slope=0.5)(ember.tensor([[-2.0, 2.0]])).tolist()
    [[-1.0, 2.0]]
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(
                f"{_who(self)}: max_value of a ReLU layer cannot be a negative value. "
                f"Received: max_value={max_value}"
            )
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(
                f"{_who(self)}: negative_slope of a ReLU layer cannot be a negative value. "
                f"Received: negative_slope={negative_slope}"
            )
        if threshold is None or threshold < 0.0:
            raise ValueError(
                f"{_who(self)}: threshold of a ReLU layer cannot be a negative value. "
                f"Received: threshold={threshold}"
            )
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope = float(negative_slope)
        self.threshold = float(threshold)
        self.supports_masking = True

    def call(self, inputs):
        if self.negative_slope == 0.0 and self.threshold == 0.0:
            out = F.relu(inputs)  # one fused op; also keeps -0.0 out of the result
            return out if self.max_value is None else out.clamp(max=self.max_value)
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def get_config(self):
        config = super().get_config()
        config.update(max_value=self.max_value, negative_slope=self.negative_slope,
                      threshold=self.threshold)
        return config


class LeakyReLU(Layer):
    """Leaky ReLU: ``x`` if ``x >= 0`` else ``negative_slope * x`` (Keras 3 default 0.3).

    The Keras 2 name ``alpha=`` is accepted with Keras's deprecation warning.

    >>> from ember.keras import layers
    >>> layers.LeakyReLU()(ember.tensor([[-10.0, 1.0]])).tolist()
    [[-3.0, 1.0]]
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.",
                          UserWarning, stacklevel=2)
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                f"{_who(self)}: the negative_slope value of a Leaky ReLU layer cannot be None "
                f"or negative value. Expected a float. Received: negative_slope={negative_slope}"
            )
        self.negative_slope = float(negative_slope)
        self.supports_masking = True

    def call(self, inputs):
        return F.leaky_relu(inputs, self.negative_slope)

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


class PReLU(Layer):
    """Parametric ReLU: ``x`` if ``x >= 0`` else ``alpha * x`` with a learned ``alpha``.

    ``alpha`` has the input's shape without the batch axis, with size 1 on ``shared_axes``
    (1-based like Keras: ``shared_axes=[1, 2]`` on images gives one alpha per channel).

    Shape: any -> same.

    >>> from ember.keras import layers
    >>> p = layers.PReLU(shared_axes=[1, 2])
    >>> _ = p(ember.zeros(1, 4, 4, 3))
    >>> tuple(p.alpha.shape), p.count_params()
    ((1, 1, 3), 3)
    """

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        no_constraint(_who(self), alpha_constraint=alpha_constraint)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [int(a) for a in shared_axes]
        else:
            self.shared_axes = [int(shared_axes)]
        self.supports_masking = True

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if not 1 <= axis <= len(param_shape):
                raise ValueError(
                    f"{_who(self)}: shared_axes={self.shared_axes} must name non-batch axes "
                    f"1..{len(param_shape)} of inputs of shape {tuple(input_shape)}"
                )
            param_shape[axis - 1] = 1
        self.alpha = self.add_weight(shape=param_shape, name="alpha",
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer)

    def call(self, inputs):
        alpha = self.alpha
        if inputs.ndim != alpha.ndim + 1 or any(
                a not in (1, s) for a, s in zip(alpha.shape, inputs.shape[1:])):
            raise ValueError(
                f"{_who(self)} was built for inputs of shape (batch, "
                f"{', '.join(str(s) for s in alpha.shape)}) (1 = shared axis), got shape "
                f"{tuple(inputs.shape)}"
            )
        return ember.where(inputs >= 0, inputs, inputs * alpha)

    def get_config(self):
        config = super().get_config()
        config.update(
            alpha_initializer=initializers.serialize(self.alpha_initializer),
            alpha_regularizer=regularizers.serialize(self.alpha_regularizer),
            alpha_constraint=None,
            shared_axes=self.shared_axes,
        )
        return config


class ELU(Layer):
    """Exponential linear unit: ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``.

    >>> from ember.keras import layers
    >>> round(layers.ELU()(ember.tensor([[-1.0]])).item(), 4)
    -0.6321
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)
        self.supports_masking = True

    def call(self, inputs):
        return F.elu(inputs, self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


def _large_negative(dtype) -> float:
    """Keras's stand-in for -inf in masked softmax (float16 overflows at -1e9)."""
    return -3e4 if dtype == ember.float16 else -1e9


class Softmax(Layer):
    """Softmax over ``axis`` (an int or a tuple of ints).

    With a mask (True = keep), masked positions get -1e9 added before the softmax and are set
    to 0 afterwards, as Keras does (so a fully masked row gives zeros, not NaN).

    >>> from ember.keras import layers
    >>> x = ember.tensor([[1.0, 1.0, 5.0]])
    >>> mask = ember.tensor([[True, True, False]])
    >>> layers.Softmax()(x, mask=mask).tolist()
    [[0.5, 0.5, 0.0]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = tuple(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            keep = mask.to(inputs.dtype)
            inputs = inputs + (1.0 - keep) * _large_negative(inputs.dtype)
        axis = self.axis
        if isinstance(axis, tuple) and len(axis) == 1:
            axis = axis[0]
        if isinstance(axis, tuple):
            outputs = ember.exp(inputs - ember.logsumexp(inputs, dim=axis, keepdim=True))
        else:
            outputs = F.softmax(inputs, dim=axis)
        if mask is not None:
            outputs = outputs * keep
        return outputs

    def get_config(self):
        config = super().get_config()
        config["axis"] = list(self.axis) if isinstance(self.axis, tuple) else self.axis
        return config
