"""Keras pooling layers: MaxPooling1D/2D, AveragePooling1D/2D (``padding="valid"|"same"``)
and GlobalAveragePooling1D/2D, GlobalMaxPooling1D/2D (``keepdims``, ``data_format``).

Windows run on ember's pooling kernels (``F.max_pool1d/2d``, ``F.avg_pool1d/2d``) through
an (N, C, ...) view of channels-last inputs (no copy; the kernels keep the memory layout, so
the result permutes back to a contiguous channels-last tensor).

"same" pooling follows TensorFlow: ``ceil(size / stride)`` windows, padding ``total =
max((out − 1)·s + k − size, 0)`` split with the odd element at the end; padded positions
are ignored (−∞ for max, excluded from the count for average). The kernels pad evenly, so
the split is expressed exactly: with stride ≥ 2, padding ``before`` plus ceil mode makes the
same windows (the last one clipped at the end); with stride 1 an odd total is padded by
``after`` on both sides and the first output dropped.

MaxPooling3D/AveragePooling3D are not provided: ember has no 3-D pooling kernels yet.

>>> from ember import keras
>>> keras.layers.MaxPooling2D()(ember.zeros(2, 26, 26, 32)).shape
ember.Size([2, 13, 13, 32])
"""

from __future__ import annotations

import ember
from ember.nn import functional as F

from .conv import (
    check_rank,
    same_padding,
    split_shape,
    standardize_data_format,
    standardize_padding,
    standardize_tuple,
    to_channels_first,
    to_channels_last,
)
from .layer import Layer

__all__ = [
    "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    # Keras's aliases
    "MaxPool1D", "MaxPool2D", "AvgPool1D", "AvgPool2D", "GlobalAvgPool1D", "GlobalAvgPool2D",
    "GlobalMaxPool1D", "GlobalMaxPool2D",
]


def same_pool_args(spatial, pool_size, strides):
    """(padding, first outputs to drop) per axis that make ember's evenly padded ceil-mode
    pooling give TensorFlow's "same" windows."""
    pads, drops = [], []
    for n, k, s in zip(spatial, pool_size, strides):
        before, after = same_padding(n, k, s)
        if s == 1 and after != before:  # windows start at −before: pad −after, drop one
            pads.append(after)
            drops.append(after - before)
        else:
            pads.append(before)
            drops.append(0)
    return tuple(pads), tuple(drops)


class _Pooling(Layer):
    rank = 2
    mode = "max"

    def __init__(self, pool_size, strides, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(name=name, **kwargs)
        self.pool_size = standardize_tuple(pool_size, self.rank, "pool_size")
        strides = self.pool_size if strides is None else strides
        self.strides = standardize_tuple(strides, self.rank, "strides")
        self.padding = standardize_padding(padding)
        self.data_format = standardize_data_format(data_format)

    def call(self, inputs):
        check_rank(self, inputs.shape, self.rank, self.data_format)
        spatial, _ = split_shape(inputs.shape, self.data_format)
        if self.padding == "valid":
            if any(n < k for n, k in zip(spatial, self.pool_size)):
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': the pool {self.pool_size} does not "
                    f"fit in the spatial size {tuple(spatial)} of inputs of shape "
                    f"{tuple(inputs.shape)} with padding='valid'; use padding='same' or a "
                    "smaller pool_size"
                )
            pads, drops, ceil = 0, (0,) * self.rank, False
        else:
            pads, drops = same_pool_args(spatial, self.pool_size, self.strides)
            ceil = True
        last = self.data_format == "channels_last"
        x = to_channels_first(inputs, self.rank) if last else inputs
        if self.mode == "max":
            pool = F.max_pool1d if self.rank == 1 else F.max_pool2d
            y = pool(x, self.pool_size, self.strides, pads, ceil_mode=ceil)
        else:
            pool = F.avg_pool1d if self.rank == 1 else F.avg_pool2d
            y = pool(x, self.pool_size, self.strides, pads, ceil_mode=ceil,
                     count_include_pad=False)
        if any(drops):
            y = y[(slice(None), slice(None)) + tuple(slice(d, None) for d in drops)]
        return to_channels_last(y, self.rank) if last else y

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=self.pool_size, padding=self.padding, strides=self.strides,
                      data_format=self.data_format)
        return config


class MaxPooling1D(_Pooling):
    """Max over windows of ``pool_size`` steps, every ``strides`` (default ``pool_size``)
    steps, as ``keras.layers.MaxPooling1D``.

    Shape: (batch, steps, features) -> (batch, ⌊(steps − pool)/strides⌋ + 1, features)
    ("valid") or ``ceil(steps / strides)`` steps ("same").

    >>> from ember import keras
    >>> x = ember.tensor([1., 2., 3., 4., 5.]).reshape(1, 5, 1)
    >>> keras.layers.MaxPooling1D(2, strides=1)(x).flatten()
    tensor([2., 3., 4., 5.])
    """

    rank = 1
    mode = "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class MaxPooling2D(_Pooling):
    """Max over (ph, pw) windows, every ``strides`` (default ``pool_size``), as
    ``keras.layers.MaxPooling2D``; "same" padding as TensorFlow (padding never wins).

    Shape: (batch, height, width, channels) -> (batch, ⌊(h − ph)/sh⌋ + 1, ⌊(w − pw)/sw⌋ + 1,
    channels) ("valid"), ``ceil(h / sh)`` by ``ceil(w / sw)`` ("same").

    >>> from ember import keras
    >>> keras.layers.MaxPooling2D((2, 2), padding="same")(ember.zeros(1, 5, 5, 3)).shape
    ember.Size([1, 3, 3, 3])
    """

    rank = 2
    mode = "max"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class AveragePooling1D(_Pooling):
    """Mean over windows of ``pool_size`` steps, as ``keras.layers.AveragePooling1D``;
    "same" padding is excluded from each mean.

    >>> from ember import keras
    >>> x = ember.tensor([1., 2., 3., 4., 5.]).reshape(1, 5, 1)
    >>> keras.layers.AveragePooling1D(2, padding="same")(x).flatten()
    tensor([1.5000, 3.5000, 5.0000])
    """

    rank = 1
    mode = "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class AveragePooling2D(_Pooling):
    """Mean over (ph, pw) windows, as ``keras.layers.AveragePooling2D``; "same" padding is
    excluded from each mean (TensorFlow's rule).

    >>> from ember import keras
    >>> keras.layers.AveragePooling2D(2)(ember.ones(1, 4, 4, 2)).shape
    ember.Size([1, 2, 2, 2])
    """

    rank = 2
    mode = "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


# -- global pooling ---------------------------------------------------------------------------


class _GlobalPooling(Layer):
    rank = 2

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.keepdims = bool(keepdims)

    def _spatial_axes(self, inputs) -> tuple:
        check_rank(self, inputs.shape, self.rank, self.data_format)
        first = 1 if self.data_format == "channels_last" else 2
        return tuple(range(first, first + self.rank))

    def get_config(self):
        config = super().get_config()
        config.update(data_format=self.data_format, keepdims=self.keepdims)
        return config


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over the steps axis, as ``keras.layers.GlobalAveragePooling1D``. With a mask
    (batch, steps) (e.g. from ``Embedding(mask_zero=True)``) the mean is over unmasked steps
    only: ``Σ_t m_t·x_t / Σ_t m_t``. The output carries no mask.

    Shape: (batch, steps, features) -> (batch, features), or (batch, 1, features) with
    ``keepdims``.

    >>> from ember import keras
    >>> x = ember.tensor([[[1.], [3.], [100.]]])
    >>> keras.layers.GlobalAveragePooling1D()(x, mask=ember.tensor([[True, True, False]]))
    tensor([[2.]])
    """

    rank = 1

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        (axis,) = self._spatial_axes(inputs)
        if mask is None:
            return inputs.mean(dim=axis, keepdim=self.keepdims)
        if tuple(mask.shape) != (inputs.shape[0], inputs.shape[axis]):
            raise ValueError(
                f"GlobalAveragePooling1D '{self.name}': the mask of shape {tuple(mask.shape)} "
                f"does not match the (batch, steps) axes of inputs of shape "
                f"{tuple(inputs.shape)}"
            )
        keep = mask.to(ember.bool).unsqueeze(2 if axis == 1 else 1)
        total = ember.where(keep, inputs, 0.0).sum(dim=axis, keepdim=self.keepdims)
        count = keep.to(inputs.dtype).sum(dim=axis, keepdim=self.keepdims)
        return total / count

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over height and width, as ``keras.layers.GlobalAveragePooling2D``.

    Shape: (batch, height, width, channels) -> (batch, channels), or (batch, 1, 1,
    channels) with ``keepdims``.

    >>> from ember import keras
    >>> keras.layers.GlobalAveragePooling2D()(ember.ones(2, 4, 4, 3))
    tensor([[1., 1., 1.],
            [1., 1., 1.]])
    """

    rank = 2

    def call(self, inputs):
        return inputs.mean(dim=self._spatial_axes(inputs), keepdim=self.keepdims)


class GlobalMaxPooling1D(_GlobalPooling):
    """Max over the steps axis, as ``keras.layers.GlobalMaxPooling1D``.

    Shape: (batch, steps, features) -> (batch, features), or (batch, 1, features) with
    ``keepdims``.

    >>> from ember import keras
    >>> keras.layers.GlobalMaxPooling1D()(ember.tensor([[[1., 5.], [3., 2.]]]))
    tensor([[3., 5.]])
    """

    rank = 1

    def call(self, inputs):
        return inputs.amax(dim=self._spatial_axes(inputs), keepdim=self.keepdims)


class GlobalMaxPooling2D(_GlobalPooling):
    """Max over height and width, as ``keras.layers.GlobalMaxPooling2D``.

    Shape: (batch, height, width, channels) -> (batch, channels), or (batch, 1, 1,
    channels) with ``keepdims``.

    >>> from ember import keras
    >>> keras.layers.GlobalMaxPooling2D(keepdims=True)(ember.zeros(2, 4, 4, 3)).shape
    ember.Size([2, 1, 1, 3])
    """

    rank = 2

    def call(self, inputs):
        return inputs.amax(dim=self._spatial_axes(inputs), keepdim=self.keepdims)


MaxPool1D, MaxPool2D = MaxPooling1D, MaxPooling2D
AvgPool1D, AvgPool2D = AveragePooling1D, AveragePooling2D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
