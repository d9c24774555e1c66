"""Keras 3's core layers: ``Dense``, ``Activation``, dropout and noise layers, shape layers,
``Lambda``, ``Identity`` and ``Masking``.

Data are channels-last, as in Keras; names, argument order, defaults and configs follow
Keras 3. Shape errors name the layer, the shape it expects and the shape it got.

>>> from ember.keras import layers
>>> dense = layers.Dense(4, activation="relu")
>>> dense(np.ones((2, 3), dtype="float32")).shape
ember.Size([2, 4])
>>> [tuple(w.shape) for w in dense.weights]
[(3, 4), (4,)]
"""

from __future__ import annotations

import inspect
import math

import numpy as np

import ember
from ember.nn import functional as F

from .. import activations, initializers, regularizers
from .layer import Layer, no_constraint

__all__ = [
    "Dense", "Activation", "Dropout", "SpatialDropout1D", "SpatialDropout2D",
    "SpatialDropout3D", "GaussianNoise", "GaussianDropout", "Flatten", "Reshape", "Permute",
    "RepeatVector", "Lambda", "Identity", "Masking",
]


# -- shared checks ------------------------------------------------------------------------------

def _who(layer) -> str:
    return f"{type(layer).__name__} '{layer.name}'"


def _shape(x) -> tuple:
    return tuple(x.shape)


def check_rank(layer, x, rank, layout: str) -> None:
    """Raise Keras's kind of error when ``x`` does not have exactly ``rank`` axes."""
    if x.ndim != rank:
        raise ValueError(
            f"{_who(layer)} expects inputs of rank {rank} {layout}, got shape {_shape(x)}"
        )


def standardize_data_format(value, layer_name: str) -> str:
    """Keras's ``data_format``: None means ``"channels_last"`` (Keras's default config)."""
    if value is None:
        return "channels_last"
    value = str(value).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{layer_name}: data_format must be 'channels_last' or 'channels_first', "
            f"got {value!r}"
        )
    return value


def check_rate(layer_name: str, rate) -> float:
    if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise ValueError(
            f"{layer_name}: invalid value received for argument `rate`. Expected a float value "
            f"between 0 and 1. Received: rate={rate}"
        )
    return float(rate)


# -- Dense ----------------------------------------------------------------------------------------

class Dense(Layer):
    """Densely connected layer: ``activation(inputs @ kernel + bias)`` on the last axis.

    Follows ``keras.layers.Dense``: ``kernel`` is (input_dim, units) (glorot_uniform), ``bias``
    is (units,) (zeros). Inputs of rank > 2 are transformed on their last axis, so
    (batch, d0, input_dim) gives (batch, d0, units). Masks pass through.

    Shape: (batch, ..., input_dim) -> (batch, ..., units).

    >>> from ember.keras import layers
    >>> layers.Dense(128)(np.zeros((32, 784), dtype="float32")).shape
    ember.Size([32, 128])
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(
                f"{_who(self)}: received an invalid value for `units`, expected a positive "
                f"integer. Received: units={units!r}"
            )
        no_constraint(_who(self), kernel_constraint=kernel_constraint,
                      bias_constraint=bias_constraint)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.supports_masking = True
        self.register_parameter("bias", None)  # stays None when use_bias=False

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(
                f"{_who(self)} expects inputs of rank >= 2 (batch, ..., features), got shape "
                f"{tuple(input_shape)}"
            )
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer)
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), name="bias",
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer)

    def call(self, inputs):
        kernel, bias = self.kernel, self.bias
        if inputs.ndim < 2 or inputs.shape[-1] != kernel.shape[0]:
            raise ValueError(
                f"{_who(self)} expects inputs of shape (batch, ..., {kernel.shape[0]}) (the "
                f"input size it was built for), got shape {_shape(inputs)}"
            )
        if not inputs.is_floating_point():
            inputs = inputs.to(kernel.dtype)
        if inputs.ndim == 2 and bias is not None:  # the common case: one GEMM, bias added in place
            out = ember.addmm(bias, inputs, kernel)
        else:  # matmul folds the leading axes into one GEMM
            out = ember.matmul(inputs, kernel)
            if bias is not None:
                out = out + bias
        activation = self.activation
        return out if activation is activations.linear else activation(out)

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
            activation=activations.serialize(self.activation),
            use_bias=self.use_bias,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
            bias_regularizer=regularizers.serialize(self.bias_regularizer),
            kernel_constraint=None,
            bias_constraint=None,
        )
        return config


class Activation(Layer):
    """Applies an activation function (a name such as ``"relu"`` or a callable).

    >>> from ember.keras import layers
    >>> layers.Activation("relu")(np.array([[-1.0, 2.0]], dtype="float32")).tolist()
    [[0.0, 2.0]]
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


# -- dropout and noise ----------------------------------------------------------------------------

class _RandomLayer(Layer):
    """A layer that draws random numbers during training: from its own stream when ``seed`` is
    given (reproducible per layer, as Keras's ``SeedGenerator``), else from ember's global
    generator (``keras.utils.set_random_seed`` / ``ember.manual_seed``)."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.supports_masking = True
        self._generators: dict = {}

    def _generator(self, device):
        """This layer's generator on ``device``, or None for the global one."""
        if self.seed is None:
            return None
        key = str(device)
        g = self._generators.get(key)
        if g is None:
            g = self._generators[key] = ember.Generator(device).manual_seed(self.seed)
        return g


class Dropout(_RandomLayer):
    """Sets inputs to 0 with probability ``rate`` during training and scales the rest by
    ``1 / (1 - rate)`` (identity at inference), as ``keras.layers.Dropout``.

    ``noise_shape`` (without or with ``None`` entries, which take the input's size) shares one
    draw across axes, e.g. ``(batch, 1, features)`` drops the same features at every timestep.
    ``seed`` gives the layer its own reproducible random stream; without it the draws come from
    ember's global generator (``keras.utils.set_random_seed``).

    >>> from ember.keras import layers
    >>> layers.Dropout(0.5)(np.ones((1, 4), dtype="float32"), training=False).tolist()
    [[1.0, 1.0, 1.0, 1.0]]
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = check_rate(_who(self), rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def _noise_shape(self, inputs):
        if self.noise_shape is None:
            return None
        if len(self.noise_shape) != inputs.ndim:
            raise ValueError(
                f"{_who(self)}: noise_shape {self.noise_shape} must have one entry per input "
                f"axis; inputs have shape {_shape(inputs)}"
            )
        shape = tuple(s if n is None else int(n) for n, s in zip(self.noise_shape, inputs.shape))
        for n, s in zip(shape, inputs.shape):
            if n not in (1, s):
                raise ValueError(
                    f"{_who(self)}: noise_shape {self.noise_shape} does not broadcast to the "
                    f"input shape {_shape(inputs)} (each entry must be 1, None or the input's size)"
                )
        return shape

    def _drop(self, inputs, noise_shape):
        if noise_shape is None and self.seed is None:
            return F.dropout(inputs, self.rate, training=True)
        shape = noise_shape or _shape(inputs)
        if self.rate == 1.0:
            return inputs * 0.0
        u = ember.rand(shape, generator=self._generator(inputs.device), device=inputs.device,
                       dtype=inputs.dtype)
        keep = (u >= self.rate).to(inputs.dtype) * (1.0 / (1.0 - self.rate))
        return inputs * keep

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        return self._drop(inputs, self._noise_shape(inputs))

    def get_config(self):
        config = super().get_config()
        noise_shape = None if self.noise_shape is None else list(self.noise_shape)
        config.update(rate=self.rate, noise_shape=noise_shape, seed=self.seed)
        return config


class _SpatialDropout(Dropout):
    """Drops whole feature maps: one draw per (sample, channel), shared over the other axes."""

    _rank = 0
    _layout = ""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)

    def _channel_axis(self) -> int:
        return -1

    def call(self, inputs, training=None):
        check_rank(self, inputs, self._rank, self._layout)
        if not training or self.rate == 0:
            return inputs
        shape = [1] * inputs.ndim
        shape[0] = inputs.shape[0]
        axis = self._channel_axis() % inputs.ndim
        shape[axis] = inputs.shape[axis]
        return self._drop(inputs, tuple(shape))

    def get_config(self):
        config = super().get_config()
        del config["noise_shape"]
        return config


class SpatialDropout1D(_SpatialDropout):
    """Dropout of whole channels of (batch, timesteps, channels) inputs (noise shape
    (batch, 1, channels)), as ``keras.layers.SpatialDropout1D``.

    >>> from ember.keras import layers
    >>> layers.SpatialDropout1D(0.5)(np.ones((2, 3, 4), dtype="float32")).shape
    ember.Size([2, 3, 4])
    """

    _rank = 3
    _layout = "(batch, timesteps, channels)"


class _SpatialDropoutND(_SpatialDropout):
    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = standardize_data_format(data_format, _who(self))
        if self.data_format == "channels_first":  # "(batch, rows, cols, channels)" -> channels 2nd
            axes = self._layout[1:-1].split(", ")
            self._layout = "(" + ", ".join([axes[0], axes[-1], *axes[1:-1]]) + ")"

    def _channel_axis(self) -> int:
        return 1 if self.data_format == "channels_first" else -1

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class SpatialDropout2D(_SpatialDropoutND):
    """Dropout of whole feature maps of (batch, rows, cols, channels) inputs (noise shape
    (batch, 1, 1, channels); (batch, channels, 1, 1) with ``data_format="channels_first"``).

    >>> from ember.keras import layers
    >>> layers.SpatialDropout2D(0.5)(np.ones((2, 3, 3, 4), dtype="float32")).shape
    ember.Size([2, 3, 3, 4])
    """

    _rank = 4
    _layout = "(batch, rows, cols, channels)"


class SpatialDropout3D(_SpatialDropoutND):
    """Dropout of whole feature volumes of (batch, dim1, dim2, dim3, channels) inputs.

    >>> from ember.keras import layers
    >>> layers.SpatialDropout3D(0.5)(np.ones((1, 2, 2, 2, 3), dtype="float32")).shape
    ember.Size([1, 2, 2, 2, 3])
    """

    _rank = 5
    _layout = "(batch, dim1, dim2, dim3, channels)"


class GaussianNoise(_RandomLayer):
    """Adds zero-centred Gaussian noise of standard deviation ``stddev`` during training
    (identity at inference), as ``keras.layers.GaussianNoise``.

    >>> from ember.keras import layers
    >>> layers.GaussianNoise(0.1)(np.ones((2, 2), dtype="float32")).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if not isinstance(stddev, (int, float)) or not 0 <= stddev <= 1:
            raise ValueError(
                f"{_who(self)}: invalid value received for argument `stddev`. Expected a float "
                f"value between 0 and 1. Received: stddev={stddev}"
            )
        self.stddev = float(stddev)

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        noise = ember.randn(_shape(inputs), generator=self._generator(inputs.device),
                            device=inputs.device, dtype=inputs.dtype)
        return inputs + noise * self.stddev

    def get_config(self):
        config = super().get_config()
        config.update(stddev=self.stddev, seed=self.seed)
        return config


class GaussianDropout(_RandomLayer):
    """Multiplies inputs by noise drawn from N(1, rate / (1 - rate)) during training (identity
    at inference), as ``keras.layers.GaussianDropout``.

    >>> from ember.keras import layers
    >>> layers.GaussianDropout(0.2)(np.ones((1, 3), dtype="float32")).tolist()
    [[1.0, 1.0, 1.0]]
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = check_rate(_who(self), rate)

    def call(self, inputs, training=None):
        if not training or not 0 < self.rate < 1:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = ember.randn(_shape(inputs), generator=self._generator(inputs.device),
                            device=inputs.device, dtype=inputs.dtype)
        return inputs * (noise * stddev + 1.0)

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed)
        return config


# -- shape layers ---------------------------------------------------------------------------------

class Flatten(Layer):
    """Flattens every axis but the batch axis: (batch, d1, ..., dn) -> (batch, d1·…·dn).

    With ``data_format="channels_first"`` the channel axis is moved last first, so the
    flattened order is the same as for channels-last data (Keras's rule). A (batch,) input
    becomes (batch, 1).

    >>> from ember.keras import layers
    >>> layers.Flatten()(np.zeros((2, 28, 28), dtype="float32")).shape
    ember.Size([2, 784])
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format, _who(self))

    def call(self, inputs):
        if inputs.ndim < 1:
            raise ValueError(f"{_who(self)} expects inputs with a batch axis, got a scalar")
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = inputs.permute(0, *range(2, inputs.ndim), 1)
        return inputs.reshape(inputs.shape[0], math.prod(inputs.shape[1:]))  # also for batch 0

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """Reshapes the non-batch axes to ``target_shape`` (one entry may be -1, inferred).

    Shape: (batch, ...) -> (batch, *target_shape).

    >>> from ember.keras import layers
    >>> layers.Reshape((3, -1))(np.zeros((2, 12), dtype="float32")).shape
    ember.Size([2, 3, 4])
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        if isinstance(target_shape, int):
            target_shape = (target_shape,)
        target_shape = tuple(int(s) for s in target_shape)
        if target_shape.count(-1) > 1:
            raise ValueError(
                f"{_who(self)}: the `target_shape` argument must not contain more than one -1 "
                f"value. Received: target_shape={target_shape}"
            )
        if any(s < -1 or s == 0 for s in target_shape):
            raise ValueError(
                f"{_who(self)}: target_shape entries must be positive (or one -1). Received: "
                f"target_shape={target_shape}"
            )
        self.target_shape = target_shape

    def call(self, inputs):
        size = math.prod(inputs.shape[1:])
        known = math.prod(s for s in self.target_shape if s != -1)
        if (-1 in self.target_shape and size % known) or (
                -1 not in self.target_shape and size != known):
            raise ValueError(
                f"{_who(self)}: cannot reshape inputs of shape {_shape(inputs)} ({size} values "
                f"per sample) to target_shape {self.target_shape}: the number of values per "
                "sample must match"
            )
        target = tuple(size // known if s == -1 else s for s in self.target_shape)
        return inputs.reshape(inputs.shape[0], *target)  # -1 resolved: works for batch 0 too

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config


class Permute(Layer):
    """Permutes the non-batch axes; ``dims`` counts from 1 (the batch axis is not included),
    so ``Permute((2, 1))`` swaps the two axes of (batch, steps, features).

    >>> from ember.keras import layers
    >>> layers.Permute((2, 1))(np.zeros((2, 10, 64), dtype="float32")).shape
    ember.Size([2, 64, 10])
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        dims = tuple(int(d) for d in dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                f"{_who(self)}: invalid permutation argument `dims`. The set of indices in "
                f"`dims` must be consecutive and start from 1. Received dims={dims}"
            )
        self.dims = dims

    def call(self, inputs):
        if inputs.ndim != len(self.dims) + 1:
            raise ValueError(
                f"{_who(self)} with dims={self.dims} expects inputs of rank "
                f"{len(self.dims) + 1} (batch + {len(self.dims)} axes), got shape "
                f"{_shape(inputs)}"
            )
        return inputs.permute(0, *self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config


class RepeatVector(Layer):
    """Repeats a (batch, features) input ``n`` times: -> (batch, n, features).

    >>> from ember.keras import layers
    >>> layers.RepeatVector(3)(np.zeros((2, 32), dtype="float32")).shape
    ember.Size([2, 3, 32])
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise TypeError(
                f"{_who(self)}: expected a positive integer for argument `n`. Received: n={n!r}"
            )
        self.n = int(n)

    def call(self, inputs):
        check_rank(self, inputs, 2, "(batch, features)")
        return inputs.unsqueeze(1).repeat(1, self.n, 1)

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config


# -- Lambda, Identity, Masking --------------------------------------------------------------------

class Lambda(Layer):
    """Wraps a function ``function(inputs, **arguments)`` as a layer.

    The function may take ``mask`` and/or ``training`` keyword arguments; it then receives
    them. ``mask`` is either a function ``mask(inputs, previous_mask)`` giving the output mask
    or a fixed mask. ``output_shape`` is kept for Keras compatibility; ember infers shapes by
    running the layer.

    Saving: unlike Keras, the config stores only the function's *name* (ember never serializes
    code), so ``from_config`` needs ``custom_objects={name: function}``; anonymous ``lambda``
    functions cannot be reloaded (give them a ``def`` name).

    >>> from ember.keras import layers
    >>> def double(x):
    ...     return x * 2
    >>> layers.Lambda(double)(np.ones((1, 2), dtype="float32")).tolist()
    [[2.0, 2.0]]
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"{_who(self)}: `function` must be callable, got {function!r}")
        self.function = function
        self.output_shape_arg = output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})
        self.supports_masking = mask is not None
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):  # builtins without a signature
            params = {}
        self._fn_takes_mask = "mask" in params
        self._fn_takes_training = "training" in params

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_takes_mask:
            kwargs["mask"] = mask
        if self._fn_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self):
        config = super().get_config()
        mask = self.mask
        if mask is not None and not callable(mask):
            raise ValueError(
                f"{_who(self)}: a fixed `mask` tensor cannot be saved in a config; pass a mask "
                "function mask(inputs, previous_mask) instead"
            )
        output_shape = self.output_shape_arg
        if isinstance(output_shape, tuple):
            output_shape = list(output_shape)
        elif callable(output_shape):
            output_shape = _function_name(output_shape)
        config.update(
            function=_function_name(self.function),
            output_shape=output_shape,
            mask=None if mask is None else _function_name(mask),
            arguments=self.arguments,
        )
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("function", "mask", "output_shape"):
            value = config.get(key)
            if isinstance(value, str) or (key == "function" and value is not None
                                          and not callable(value)):
                config[key] = _resolve_function(config, key, value, custom_objects)
        return cls(**config)


def _function_name(fn) -> str:
    """The name a function is saved under (its registered ``"package>name"`` if any)."""
    from ..saving import get_registered_name  # saving imports the layers: import when used

    return get_registered_name(fn)


def find_function(name, custom_objects=None):
    """``custom_objects[name]``, else the active ``custom_object_scope``s and the global
    registry (``register_keras_serializable``); None when nowhere."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    from ..saving import get_registered_object

    return get_registered_object(name)


def _resolve_function(config, key, name, custom_objects):
    """A saved function name back to the function: custom objects, then Keras activations."""
    found = find_function(name, custom_objects)
    if found is not None:
        return found
    layer = f"Lambda '{config.get('name', 'lambda')}'"
    if name == "<lambda>":
        raise ValueError(
            f"{layer} was saved with an anonymous lambda as `{key}`; ember stores function names "
            "only and never code. Define the function with `def`, rebuild the model, save it "
            "again and load it with custom_objects={'<name>': <function>}"
        )
    if key == "function" and name in activations._ALL:
        return activations.get(name)
    raise ValueError(
        f"{layer}: cannot find the function {name!r} used as `{key}`. ember stores function "
        f"names only (no code); pass it when loading: custom_objects={{{name!r}: {name}}}"
    )


class Identity(Layer):
    """Returns its inputs unchanged (masks pass through).

    >>> from ember.keras import layers
    >>> layers.Identity()(np.ones((1, 2), dtype="float32")).tolist()
    [[1.0, 1.0]]
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs


class Masking(Layer):
    """Masks timesteps whose features all equal ``mask_value``.

    Output: the inputs with masked timesteps set to 0; the mask (batch, timesteps) is True where
    any feature differs from ``mask_value`` and is passed to later layers (e.g. an LSTM skips
    masked steps).

    >>> from ember.keras import layers
    >>> from ember.keras.layers.layer import get_mask
    >>> x = np.array([[[1.0, 2.0], [0.0, 0.0]]], dtype="float32")
    >>> y = layers.Masking()(x)
    >>> get_mask(y).tolist()
    [[True, False]]
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return ember.any(inputs != self.mask_value, dim=-1)

    def call(self, inputs):
        keep = ember.any(inputs != self.mask_value, dim=-1, keepdim=True)
        return inputs * keep.to(inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
