"""Keras spatial reshaping layers: ZeroPadding1D/2D, Cropping1D/2D, UpSampling1D/2D.

Padding is ``F.pad`` with zeros, cropping a slice (a view), nearest upsampling one
broadcast-and-reshape copy (each value repeated ``size`` times along each axis, as Keras's
``ops.repeat``), bilinear upsampling ``F.interpolate`` with half-pixel centres (Keras's
``ops.image.resize``, which equals PyTorch's ``align_corners=False``).

>>> from ember import keras
>>> keras.layers.ZeroPadding2D(((1, 0), (2, 3)))(ember.zeros(2, 4, 4, 3)).shape
ember.Size([2, 5, 9, 3])
"""

from __future__ import annotations

from ember.nn import functional as F

from .conv import (
    check_rank,
    pad_spatial,
    split_shape,
    standardize_data_format,
    standardize_tuple,
    to_channels_first,
    to_channels_last,
)
from .layer import Layer

__all__ = ["ZeroPadding1D", "ZeroPadding2D", "Cropping1D", "Cropping2D", "UpSampling1D",
           "UpSampling2D"]


def pairs_2d(value, name: str) -> tuple:
    """Keras's 2-D padding/cropping argument as ((top, bottom), (left, right)): an int (all
    four), two ints (symmetric height, width) or two pairs."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"The `{name}` argument must be >= 0. Received {name}={value!r}")
        return ((value, value), (value, value))
    if not hasattr(value, "__len__") or len(value) != 2:
        raise ValueError(f"`{name}` should have two elements (height, width), each an int or "
                         f"a pair of ints. Received {name}={value!r}")
    return (standardize_tuple(value[0], 2, f"1st entry of {name}", allow_zero=True),
            standardize_tuple(value[1], 2, f"2nd entry of {name}", allow_zero=True))


class ZeroPadding1D(Layer):
    """Zeros added before and after the steps axis, as ``keras.layers.ZeroPadding1D``.

    Args:
        padding: an int (both ends) or (before, after).
        data_format: ``"channels_last"`` (batch, steps, features) or ``"channels_first"``.

    >>> from ember import keras
    >>> keras.layers.ZeroPadding1D(2)(ember.ones(1, 2, 1)).flatten()
    tensor([0., 0., 1., 1., 0., 0.])
    """

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.padding = standardize_tuple(padding, 2, "padding", allow_zero=True)

    def call(self, inputs):
        check_rank(self, inputs.shape, 1, self.data_format)
        return pad_spatial(inputs, (self.padding,), self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(padding=self.padding, data_format=self.data_format)
        return config


class ZeroPadding2D(Layer):
    """Rows and columns of zeros around images, as ``keras.layers.ZeroPadding2D``.

    Args:
        padding: an int, (symmetric_height, symmetric_width) or ((top, bottom), (left,
            right)).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Shape: (batch, h, w, c) -> (batch, h + top + bottom, w + left + right, c).

    >>> from ember import keras
    >>> keras.layers.ZeroPadding2D(1)(ember.ones(1, 1, 1, 1)).reshape(3, 3)
    tensor([[0., 0., 0.],
            [0., 1., 0.],
            [0., 0., 0.]])
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.padding = pairs_2d(padding, "padding")

    def call(self, inputs):
        check_rank(self, inputs.shape, 2, self.data_format)
        return pad_spatial(inputs, self.padding, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(padding=self.padding, data_format=self.data_format)
        return config


def _crop(layer, inputs, cropping, rank, data_format):
    check_rank(layer, inputs.shape, rank, data_format)
    spatial, _ = split_shape(inputs.shape, data_format)
    if any(lo + hi >= n for n, (lo, hi) in zip(spatial, cropping)):
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}': the cropping {cropping} removes the whole "
            f"spatial size {tuple(spatial)} of inputs of shape {tuple(inputs.shape)}; values "
            "in `cropping` must leave at least one element per axis"
        )
    crops = tuple(slice(lo, n - hi) for n, (lo, hi) in zip(spatial, cropping))
    if data_format == "channels_last":
        return inputs[(slice(None),) + crops]
    return inputs[(slice(None), slice(None)) + crops]


class Cropping1D(Layer):
    """Removes ``cropping = (start, end)`` steps from each end, as ``keras.layers.Cropping1D``.

    Shape: (batch, steps, features) -> (batch, steps − start − end, features).

    >>> from ember import keras
    >>> keras.layers.Cropping1D((1, 2))(ember.arange(5.).reshape(1, 5, 1)).flatten()
    tensor([1., 2.])
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = standardize_tuple(cropping, 2, "cropping", allow_zero=True)

    def call(self, inputs):
        return _crop(self, inputs, (self.cropping,), 1, "channels_last")

    def get_config(self):
        config = super().get_config()
        config.update(cropping=self.cropping)
        return config


class Cropping2D(Layer):
    """Removes rows and columns at the image borders, as ``keras.layers.Cropping2D``.

    Args:
        cropping: an int, (symmetric_height, symmetric_width) or ((top, bottom), (left,
            right)).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> from ember import keras
    >>> keras.layers.Cropping2D(((2, 2), (4, 4)))(ember.zeros(2, 28, 28, 3)).shape
    ember.Size([2, 24, 20, 3])
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.cropping = pairs_2d(cropping, "cropping")

    def call(self, inputs):
        return _crop(self, inputs, self.cropping, 2, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(cropping=self.cropping, data_format=self.data_format)
        return config


def _repeat(x, times: dict):
    """Each element repeated ``times[axis]`` times along each given axis, in one copy (a
    broadcast view reshaped), like Keras's ``ops.repeat`` on each axis."""
    ones, spread, final = [], [], []
    for axis, n in enumerate(x.shape):
        t = times.get(axis, 1)
        ones += [n, 1] if t > 1 else [n]
        spread += [n, t] if t > 1 else [n]
        final.append(n * t)
    if len(spread) == x.ndim:
        return x
    return x.reshape(*ones).expand(*spread).reshape(*final)


class UpSampling1D(Layer):
    """Repeats each step ``size`` times, as ``keras.layers.UpSampling1D``.

    Shape: (batch, steps, features) -> (batch, steps·size, features).

    >>> from ember import keras
    >>> keras.layers.UpSampling1D(2)(ember.tensor([[[1.], [2.]]])).flatten()
    tensor([1., 1., 2., 2.])
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = standardize_tuple(size, 1, "size")[0]

    def call(self, inputs):
        check_rank(self, inputs.shape, 1, "channels_last")
        return _repeat(inputs, {1: self.size})

    def get_config(self):
        config = super().get_config()
        config.update(size=self.size)
        return config


class UpSampling2D(Layer):
    """Enlarges images by integer factors ``size = (sh, sw)``, as
    ``keras.layers.UpSampling2D``: ``"nearest"`` repeats rows and columns, ``"bilinear"``
    interpolates with half-pixel centres (TensorFlow's resize, PyTorch's
    ``align_corners=False``).

    Shape: (batch, h, w, c) -> (batch, h·sh, w·sw, c).

    >>> from ember import keras
    >>> keras.layers.UpSampling2D()(ember.tensor([[1., 2.]]).reshape(1, 1, 2, 1)).reshape(2, 4)
    tensor([[1., 1., 2., 2.],
            [1., 1., 2., 2.]])
    """

    _INTERPOLATIONS = ("nearest", "bilinear")

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.size = standardize_tuple(size, 2, "size")
        self.interpolation = interpolation.lower() if isinstance(interpolation, str) else None
        if self.interpolation not in self._INTERPOLATIONS:
            raise ValueError(
                f"UpSampling2D: interpolation={interpolation!r} is not supported by "
                f"ember.keras; use one of {list(self._INTERPOLATIONS)}"
            )

    def call(self, inputs):
        check_rank(self, inputs.shape, 2, self.data_format)
        first = 1 if self.data_format == "channels_last" else 2
        if self.interpolation == "nearest":
            return _repeat(inputs, {first: self.size[0], first + 1: self.size[1]})
        last = self.data_format == "channels_last"
        x = to_channels_first(inputs, 2) if last else inputs
        y = F.interpolate(x, scale_factor=self.size, mode="bilinear", align_corners=False)
        return to_channels_last(y, 2) if last else y

    def get_config(self):
        config = super().get_config()
        config.update(size=self.size, data_format=self.data_format,
                      interpolation=self.interpolation)
        return config
