"""Keras convolution layers on ember's im2col kernels: Conv1D/2D, Conv1D/2DTranspose,
SeparableConv1D/2D, DepthwiseConv1D/2D (Keras 3 arguments, weight names and layouts).

Kernels are stored as Keras lays them out and handed to ``ember.nn.functional`` as permuted
views (no copies):

=====================  =================================  ==================================
layer                  Keras weight                       ember/PyTorch weight (a view)
=====================  =================================  ==================================
Conv2D                 kernel (kh, kw, in/groups, out)    (out, in/groups, kh, kw)
Conv2DTranspose        kernel (kh, kw, out, in)           (in, out, kh, kw)
DepthwiseConv2D        kernel (kh, kw, in, multiplier)    (in·multiplier, 1, kh, kw), groups=in
SeparableConv2D        depthwise_kernel as above, then pointwise_kernel (1, 1, in·mult, out)
=====================  =================================  ==================================

Channels-last inputs cost no transposition: ember's conv reads the (N, C, H, W) *view*
``x.permute(0, 3, 1, 2)`` of channels-last memory through strided windows, and its output is
an (N, O, OH, OW) view of channels-last memory, so permuting it back is again a view.

Padding follows TensorFlow (Keras's reference backend): ``"same"`` gives ``ceil(size /
stride)`` outputs and pads ``total = max((out − 1)·s + d·(k − 1) + 1 − size, 0)``, the extra
odd element at the end (bottom/right); ``"causal"`` (Conv1D) pads ``d·(k − 1)`` on the left.
Symmetric padding and stride-1 "same" go to the kernel (it pads while copying its
columns, the odd element after as TensorFlow does); other asymmetric padding (strided "same",
"causal") is an explicit zero pad of the input first.

Measured (CPU time, one thread, batch 128, forward + backward): Conv2D(32, 3)
on 28x28x1 21.0 ms vs ember.nn.Conv2d 21.2 ms; Conv2D(64, 3) on 13x13x32 22.3 vs 21.7 ms;
conv-relu-pool-conv-relu 72.7 vs 73.9 ms. What the Keras face adds per call is fixed (~0.15 ms:
three permute views and the Layer call), not proportional to the data.

>>> from ember import keras
>>> conv = keras.layers.Conv2D(32, 3, activation="relu")
>>> conv(ember.zeros(8, 28, 28, 1)).shape, conv.count_params()
(ember.Size([8, 26, 26, 32]), 320)
"""

from __future__ import annotations

from ember.nn import functional as F

from .. import activations, initializers, regularizers
from .layer import Layer, no_constraint

__all__ = [
    "Conv1D", "Conv2D", "Conv1DTranspose", "Conv2DTranspose", "SeparableConv1D",
    "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D",
    # Keras's aliases
    "Convolution1D", "Convolution2D", "Convolution1DTranspose", "Convolution2DTranspose",
    "SeparableConvolution1D", "SeparableConvolution2D",
]


# -- argument standardization (shared with pooling.py and reshaping.py) ------------------------


def standardize_tuple(value, n: int, name: str, allow_zero: bool = False) -> tuple:
    """``value`` (an int or n ints) as a tuple of n ints, all > 0 (or ≥ 0 with allow_zero)."""
    if isinstance(value, int) and not isinstance(value, bool):
        items = (value,) * n
    else:
        try:
            items = tuple(value)
        except TypeError:
            items = None
        if items is None or len(items) != n or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in items):
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                             f"Received {name}={value!r}")
    low = 0 if allow_zero else 1
    if any(v < low for v in items):
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers that are "
                         f"{'>= 0' if allow_zero else '> 0'}. Received {name}={value!r}")
    return tuple(int(v) for v in items)


def standardize_padding(value, allow_causal: bool = False) -> str:
    """``"valid"`` or ``"same"`` (``"causal"`` too for Conv1D), case-insensitive."""
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be one of {list(allowed)}. "
                         f"Received padding={value!r}")
    return padding


def standardize_data_format(value) -> str:
    """``None`` means ``"channels_last"`` (Keras's default image_data_format)."""
    if value is None:
        return "channels_last"
    data_format = value.lower() if isinstance(value, str) else value
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be one of 'channels_first', "
                         f"'channels_last'. Received data_format={value!r}")
    return data_format


_SPATIAL = {1: ("steps",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def layout(rank: int, data_format: str) -> str:
    """The axes of an input, e.g. ``(batch, height, width, channels)``."""
    axes = _SPATIAL[rank]
    if data_format == "channels_first":
        return "(batch, channels, " + ", ".join(axes) + ")"
    return "(batch, " + ", ".join(axes) + ", channels)"


def check_rank(layer, shape, rank: int, data_format: str) -> None:
    """ValueError naming the layer unless ``shape`` has a batch, ``rank`` spatial and one
    channel axis."""
    shape = tuple(shape)
    if len(shape) != rank + 2:
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}' expects inputs of rank {rank + 2} "
            f"{layout(rank, data_format)}, got shape {shape}"
        )


def split_shape(shape, data_format: str):
    """(spatial sizes, channels) of a batched input shape."""
    shape = tuple(shape)
    if data_format == "channels_last":
        return shape[1:-1], shape[-1]
    return shape[2:], shape[1]


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's "same" padding of one axis: (before, after), the odd one after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
    return total // 2, total - total // 2


def to_channels_first(x, rank: int):
    """(N, *spatial, C) -> (N, C, *spatial), a view."""
    return x.permute(0, rank + 1, *range(1, rank + 1))


def to_channels_last(x, rank: int):
    """(N, C, *spatial) -> (N, *spatial, C), a view."""
    return x.permute(0, *range(2, rank + 2), 1)


def pad_spatial(x, pads, data_format: str):
    """Zero-pad the spatial axes by ``pads`` = ((before, after), ...) in ``data_format``."""
    flat = [0, 0] if data_format == "channels_last" else []
    for lo, hi in reversed(pads):
        flat += [lo, hi]
    return F.pad(x, flat)


# -- the shared machinery ---------------------------------------------------------------------


class _Conv(Layer):
    """What every convolution shares: arguments, input checks, padding, the kernel call."""

    rank = 2
    _transpose = False

    def __init__(self, kernel_size, strides, padding, data_format, dilation_rate, activation,
                 use_bias, bias_initializer, bias_regularizer, activity_regularizer, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        n = self.rank
        self.kernel_size = standardize_tuple(kernel_size, n, "kernel_size")
        self.strides = standardize_tuple(strides, n, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, n, "dilation_rate")
        self.padding = standardize_padding(padding, allow_causal=self._allows_causal())
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{type(self).__name__}: `strides > 1` not supported in conjunction with "
                f"`dilation_rate > 1`. Received: strides={self.strides} and "
                f"dilation_rate={self.dilation_rate}"
            )

    def _allows_causal(self) -> bool:
        return False

    @staticmethod
    def _positive(name, value, what):
        if value is not None and (not isinstance(value, int) or value <= 0):
            raise ValueError(f"Invalid value for argument `{name}`. Expected a strictly "
                             f"positive {what}. Received {name}={value!r}.")

    # -- checks -------------------------------------------------------------------------------

    def _check_input(self, shape) -> int:
        """Check rank, channel count (once built) and spatial size; return the channels."""
        check_rank(self, shape, self.rank, self.data_format)
        spatial, channels = split_shape(shape, self.data_format)
        expected = getattr(self, "_input_channels", None)
        if expected is not None and channels != expected:
            axis = "last axis" if self.data_format == "channels_last" else "axis 1"
            raise ValueError(
                f"{type(self).__name__} '{self.name}' was built for inputs with {expected} "
                f"channels ({axis}), got shape {tuple(shape)}"
            )
        if not self._transpose and self.padding == "valid":
            eff = [d * (k - 1) + 1 for k, d in zip(self.kernel_size, self.dilation_rate)]
            if any(s < e for s, e in zip(spatial, eff)):
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': the kernel {self.kernel_size} "
                    f"(dilation {self.dilation_rate}) does not fit in the spatial size "
                    f"{tuple(spatial)} of inputs of shape {tuple(shape)} with padding='valid'; "
                    "use padding='same', a smaller kernel or larger inputs"
                )
        return channels

    def _record_channels(self, channels: int) -> None:
        self.__dict__["_input_channels"] = int(channels)

    # -- the convolution ------------------------------------------------------------------------

    def _pads(self, spatial):
        if self.padding == "valid":
            return [(0, 0)] * self.rank
        if self.padding == "causal":
            return [(self.dilation_rate[0] * (self.kernel_size[0] - 1), 0)]
        return [same_padding(n, k, s, d) for n, k, s, d in
                zip(spatial, self.kernel_size, self.strides, self.dilation_rate)]

    def _convolve(self, x, weight, bias, groups: int = 1):
        """conv(x, weight) + bias in the layer's data format; ``weight`` in PyTorch layout."""
        last = self.data_format == "channels_last"
        spatial, _ = split_shape(x.shape, self.data_format)
        pads = self._pads(spatial)
        if all(lo == hi for lo, hi in pads):
            padding = tuple(lo for lo, _ in pads)
        elif self.padding == "same" and max(self.strides) == 1:
            padding = "same"  # ember's stride-1 "same" is TensorFlow's: the odd pad after
        else:  # TensorFlow's odd "same"/"causal" padding: pad before (the kernel pads evenly)
            x = pad_spatial(x, pads, self.data_format)
            padding = 0
        if last:
            x = to_channels_first(x, self.rank)
        conv = F.conv1d if self.rank == 1 else F.conv2d
        y = conv(x, weight, bias, self.strides, padding, self.dilation_rate, groups)
        return to_channels_last(y, self.rank) if last else y

    def _torch_kernel(self, kernel):
        """Keras (*k, a, b) -> PyTorch (b, a, *k), a view."""
        n = self.rank
        return kernel.permute(n + 1, n, *range(n))

    def _activate(self, y):
        return y if self.activation is activations.linear else self.activation(y)

    def _base_config(self) -> dict:
        config = super().get_config()
        config.update(
            kernel_size=self.kernel_size, strides=self.strides, padding=self.padding,
            data_format=self.data_format, dilation_rate=self.dilation_rate,
            activation=activations.serialize(self.activation), use_bias=self.use_bias,
            bias_initializer=initializers.serialize(self.bias_initializer),
            bias_regularizer=regularizers.serialize(self.bias_regularizer),
            activity_regularizer=regularizers.serialize(self.activity_regularizer),
            bias_constraint=None,
        )
        return config


# -- Conv1D / Conv2D --------------------------------------------------------------------------


class _BaseConv(_Conv):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        no_constraint(type(self).__name__, kernel_constraint=kernel_constraint,
                        bias_constraint=bias_constraint)
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, bias_initializer, bias_regularizer, activity_regularizer,
                         **kwargs)
        self._positive("filters", filters, "value")
        self._positive("groups", groups, "integer")
        if filters % groups:
            raise ValueError(
                f"{type(self).__name__}: the number of filters must be evenly divisible by the "
                f"number of groups. Received: groups={groups}, filters={filters}."
            )
        self.filters = filters
        self.groups = groups
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)

    def _allows_causal(self) -> bool:
        return self.rank == 1

    def build(self, input_shape):
        channels = self._check_input(input_shape)
        if channels % self.groups:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': the number of input channels must be "
                f"evenly divisible by the number of groups. Received groups={self.groups}, "
                f"but the input has {channels} channels (full input shape is "
                f"{tuple(input_shape)})."
            )
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            name="kernel")
        if not self.use_bias:
            self.bias = None
        else:
            self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, name="bias")
        self._record_channels(channels)

    def call(self, inputs):
        self._check_input(inputs.shape)
        y = self._convolve(inputs, self._torch_kernel(self.kernel), self.bias, self.groups)
        return self._activate(y)

    def get_config(self):
        config = self._base_config()
        config.update(
            filters=self.filters, groups=self.groups,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
            kernel_constraint=None,
        )
        return config


class Conv1D(_BaseConv):
    """1-D convolution (temporal): ``y[n, t, o] = activation(b[o] + Σ_{i,c} x[n, s·t + d·i,
    c]·kernel[i, c, o])``, as ``keras.layers.Conv1D``.

    Args:
        filters: output channels. kernel_size, strides, dilation_rate: an int or a 1-tuple.
        padding: ``"valid"``, ``"same"`` (TensorFlow's rule) or ``"causal"`` (output t sees
            inputs ≤ t). groups: channel groups. data_format: ``"channels_last"`` (default) or
            ``"channels_first"``. The initializers/regularizers are Keras's.

    Shape: (batch, steps, channels) -> (batch, new_steps, filters); kernel (k, in/groups,
    filters).

    >>> from ember import keras
    >>> keras.layers.Conv1D(32, 3)(ember.zeros(4, 10, 128)).shape
    ember.Size([4, 8, 32])
    """

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)


class Conv2D(_BaseConv):
    """2-D convolution: ``y[n, h, w, o] = activation(b[o] + Σ_{i,j,c} x[n, s·h + d·i,
    s·w + d·j, c]·kernel[i, j, c, o])``, as ``keras.layers.Conv2D``.

    Args:
        filters: output channels. kernel_size, strides, dilation_rate: an int or a 2-tuple
            (strides > 1 and dilation > 1 exclude each other, as in Keras).
        padding: ``"valid"`` or ``"same"`` (TensorFlow's rule: ``ceil(size / stride)``
            outputs, the odd padding at the bottom/right). groups: channel groups.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Shape: (batch, height, width, channels) -> (batch, new_h, new_w, filters); kernel
    (kh, kw, in/groups, filters), bias (filters,).

    >>> from ember import keras
    >>> keras.layers.Conv2D(8, 3, strides=2, padding="same")(
    ...     ember.zeros(2, 7, 7, 3)).shape
    ember.Size([2, 4, 4, 8])
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)


# -- transposed convolutions ------------------------------------------------------------------


def transpose_crops(kernel, stride, dilation, padding, output_padding):
    """How much to crop (before, after) from the full transposed convolution of length
    ``(in − 1)·s + d·(k − 1) + 1``; a negative ``after`` extends with zeros.

    Keras's rule (the TensorFlow/JAX backends): the output has ``in·s`` ("same") or
    ``(in − 1)·s + max(k, s)`` ("valid") elements, or with ``output_padding`` given
    ``(in − 1)·s + k % 2 + output_padding`` ("same") / ``(in − 1)·s + k + output_padding``
    ("valid"); "same" keeps the window TensorFlow's conv gradient keeps.
    """
    k = dilation * (kernel - 1) + 1
    if padding == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        left, right = k - 1, k - 1 + extra
    else:
        if output_padding is None:
            total = stride + k - 2
        else:
            total = k + k % 2 - 2 + output_padding
        left = min(total // 2 + total % 2, k - 1)
        right = total - left
    return k - 1 - left, k - 1 - right


class _BaseConvTranspose(_Conv):
    _transpose = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        no_constraint(type(self).__name__, kernel_constraint=kernel_constraint,
                        bias_constraint=bias_constraint)
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, bias_initializer, bias_regularizer, activity_regularizer,
                         **kwargs)
        self._positive("filters", filters, "value")
        self.filters = filters
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = standardize_tuple(output_padding, self.rank, "output_padding",
                                                    allow_zero=True)
            if any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise ValueError(
                    f"{type(self).__name__}: `output_padding` must be < `strides`. "
                    f"output_padding={self.output_padding}, strides={self.strides}"
                )
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)

    def build(self, input_shape):
        channels = self._check_input(input_shape)
        self.kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, channels),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            name="kernel")
        if not self.use_bias:
            self.bias = None
        else:
            self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, name="bias")
        self._record_channels(channels)

    def call(self, inputs):
        self._check_input(inputs.shape)
        last = self.data_format == "channels_last"
        n = self.rank
        spatial, _ = split_shape(inputs.shape, self.data_format)
        out_pad = self.output_padding or (None,) * n
        crops = [transpose_crops(k, s, d, self.padding, p) for k, s, d, p in
                 zip(self.kernel_size, self.strides, self.dilation_rate, out_pad)]
        # PyTorch's form: crop p from both ends, then extend the end by output_padding;
        # what is left of an asymmetric crop is a slice (a view)
        torch_pad = [min(lo, max(hi, 0)) for lo, hi in crops]
        torch_out_pad = [max(-hi, 0) for _, hi in crops]
        lengths = [(i - 1) * s + d * (k - 1) + 1 - lo - hi for i, s, d, k, (lo, hi) in
                   zip(spatial, self.strides, self.dilation_rate, self.kernel_size, crops)]
        if any(v <= 0 for v in lengths):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': inputs of shape {tuple(inputs.shape)} "
                f"give an empty output (spatial size {tuple(lengths)}) with kernel_size="
                f"{self.kernel_size}, padding={self.padding!r}, output_padding="
                f"{self.output_padding}; use larger inputs or output_padding"
            )
        x = to_channels_first(inputs, n) if last else inputs
        conv = F.conv_transpose1d if n == 1 else F.conv_transpose2d
        y = conv(x, self._torch_kernel(self.kernel), self.bias, self.strides, tuple(torch_pad),
                 tuple(torch_out_pad), 1, self.dilation_rate)
        if any(lo > p or max(hi, 0) > p for (lo, hi), p in zip(crops, torch_pad)):
            index = [slice(None), slice(None)]
            for (lo, hi), p, size in zip(crops, torch_pad, y.shape[2:]):
                index.append(slice(lo - p, size - (max(hi, 0) - p)))
            y = y[tuple(index)]
        y = to_channels_last(y, n) if last else y
        return self._activate(y)

    def get_config(self):
        config = self._base_config()
        config.update(
            filters=self.filters, output_padding=self.output_padding,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
            kernel_constraint=None,
        )
        return config


class Conv1DTranspose(_BaseConvTranspose):
    """1-D transposed convolution (the gradient of Conv1D with respect to its input), as
    ``keras.layers.Conv1DTranspose``: each input step scatters ``x[n, t, c]·kernel[:, o, c]``
    onto outputs ``s·t + d·i``.

    Output length: ``steps·s`` ("same"), ``(steps − 1)·s + max(k, s)`` ("valid"), or with
    ``output_padding`` ``(steps − 1)·s + k % 2 + output_padding`` / ``(steps − 1)·s + k +
    output_padding``.

    Shape: (batch, steps, channels) -> (batch, new_steps, filters); kernel (k, filters,
    channels).

    >>> from ember import keras
    >>> keras.layers.Conv1DTranspose(4, 3, strides=2, padding="same")(
    ...     ember.zeros(2, 5, 3)).shape
    ember.Size([2, 10, 4])
    """

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class Conv2DTranspose(_BaseConvTranspose):
    """2-D transposed convolution ("deconvolution"), as ``keras.layers.Conv2DTranspose``:
    the gradient of Conv2D with respect to its input, plus bias and activation.

    Output size per axis: ``size·s`` ("same"), ``(size − 1)·s + max(k, s)`` ("valid"), or
    with ``output_padding`` ``(size − 1)·s + k % 2 + output_padding`` ("same") /
    ``(size − 1)·s + k + output_padding`` ("valid"), dilated k.

    Shape: (batch, height, width, channels) -> (batch, new_h, new_w, filters); kernel
    (kh, kw, filters, channels).

    >>> from ember import keras
    >>> keras.layers.Conv2DTranspose(8, 3, strides=2, padding="same")(
    ...     ember.zeros(2, 7, 7, 3)).shape
    ember.Size([2, 14, 14, 8])
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1), activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


# -- depthwise and separable convolutions -----------------------------------------------------


class _BaseDepthwiseConv(_Conv):
    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        no_constraint(type(self).__name__, depthwise_constraint=depthwise_constraint,
                        bias_constraint=bias_constraint)
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, bias_initializer, bias_regularizer, activity_regularizer,
                         **kwargs)
        self._positive("depth_multiplier", depth_multiplier, "value")
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)

    def build(self, input_shape):
        channels = self._check_input(input_shape)
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            name="kernel")
        if not self.use_bias:
            self.bias = None
        else:
            self.bias = self.add_weight(shape=(channels * self.depth_multiplier,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, name="bias")
        self._record_channels(channels)

    def call(self, inputs):
        channels = self._check_input(inputs.shape)
        y = self._convolve(inputs, _depthwise_kernel(self, self.kernel), self.bias, channels)
        return self._activate(y)

    def get_config(self):
        config = self._base_config()
        config.update(
            depth_multiplier=self.depth_multiplier,
            depthwise_initializer=initializers.serialize(self.depthwise_initializer),
            depthwise_regularizer=regularizers.serialize(self.depthwise_regularizer),
            depthwise_constraint=None,
        )
        return config


def _depthwise_kernel(layer, kernel):
    """Keras (*k, C, M) -> PyTorch grouped (C·M, 1, *k): output channel c·M + m, as in TF."""
    n = layer.rank
    k = tuple(kernel.shape[:n])
    flat = kernel.reshape(k + (1, kernel.shape[n] * kernel.shape[n + 1]))
    return layer._torch_kernel(flat)


class DepthwiseConv1D(_BaseDepthwiseConv):
    """Depthwise 1-D convolution, as ``keras.layers.DepthwiseConv1D``: each input channel c
    is convolved with its own ``depth_multiplier`` filters, giving output channels
    ``c·depth_multiplier + m``.

    Shape: (batch, steps, channels) -> (batch, new_steps, channels·depth_multiplier);
    kernel (k, channels, depth_multiplier).

    >>> from ember import keras
    >>> keras.layers.DepthwiseConv1D(3, depth_multiplier=2)(
    ...     ember.zeros(2, 10, 4)).shape
    ember.Size([2, 8, 8])
    """

    rank = 1

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, **kwargs)


class DepthwiseConv2D(_BaseDepthwiseConv):
    """Depthwise 2-D convolution, as ``keras.layers.DepthwiseConv2D``: channel c is
    convolved with its own ``depth_multiplier`` (kh, kw) filters (output channel
    ``c·depth_multiplier + m``), no mixing across channels.

    Shape: (batch, height, width, channels) -> (batch, new_h, new_w,
    channels·depth_multiplier); kernel (kh, kw, channels, depth_multiplier).

    >>> from ember import keras
    >>> keras.layers.DepthwiseConv2D(3)(ember.zeros(2, 8, 8, 4)).shape
    ember.Size([2, 6, 6, 4])
    """

    rank = 2

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, **kwargs)


class _BaseSeparableConv(_Conv):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        no_constraint(type(self).__name__, depthwise_constraint=depthwise_constraint,
                        pointwise_constraint=pointwise_constraint,
                        bias_constraint=bias_constraint)
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, bias_initializer, bias_regularizer, activity_regularizer,
                         **kwargs)
        self._positive("filters", filters, "value")
        self._positive("depth_multiplier", depth_multiplier, "value")
        self.filters = filters
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)

    def build(self, input_shape):
        channels = self._check_input(input_shape)
        mid = channels * self.depth_multiplier
        self.depthwise_kernel = self.add_weight(
            shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            name="depthwise_kernel")
        self.pointwise_kernel = self.add_weight(
            shape=(1,) * self.rank + (mid, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            name="pointwise_kernel")
        if not self.use_bias:
            self.bias = None
        else:
            self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, name="bias")
        self._record_channels(channels)

    def call(self, inputs):
        channels = self._check_input(inputs.shape)
        depthwise = _depthwise_kernel(self, self.depthwise_kernel)
        mid = self._convolve(inputs, depthwise, None, channels)
        # the pointwise 1x1 convolution is a matmul over the channels of channels-last memory
        # (the depthwise output is channels-last in memory in either data format)
        if self.data_format == "channels_first":
            mid = to_channels_last(mid, self.rank)
        pointwise = self.pointwise_kernel.reshape(mid.shape[-1], self.filters)
        y = F.linear(mid, pointwise.t(), self.bias)
        if self.data_format == "channels_first":
            y = to_channels_first(y, self.rank)
        return self._activate(y)

    def get_config(self):
        config = self._base_config()
        config.update(
            filters=self.filters, depth_multiplier=self.depth_multiplier,
            depthwise_initializer=initializers.serialize(self.depthwise_initializer),
            pointwise_initializer=initializers.serialize(self.pointwise_initializer),
            depthwise_regularizer=regularizers.serialize(self.depthwise_regularizer),
            pointwise_regularizer=regularizers.serialize(self.pointwise_regularizer),
            depthwise_constraint=None, pointwise_constraint=None,
        )
        return config


class SeparableConv1D(_BaseSeparableConv):
    """Depthwise separable 1-D convolution, as ``keras.layers.SeparableConv1D``: a
    depthwise convolution (``depth_multiplier`` filters per channel, no bias) followed by a
    pointwise (1x1) convolution to ``filters`` channels, plus bias and activation.

    Shape: (batch, steps, channels) -> (batch, new_steps, filters); depthwise_kernel
    (k, channels, depth_multiplier), pointwise_kernel (1, channels·depth_multiplier, filters).

    >>> from ember import keras
    >>> keras.layers.SeparableConv1D(6, 3)(ember.zeros(2, 10, 4)).shape
    ember.Size([2, 8, 6])
    """

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, activation, use_bias, depthwise_initializer,
                         pointwise_initializer, bias_initializer, depthwise_regularizer,
                         pointwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs)


class SeparableConv2D(_BaseSeparableConv):
    """Depthwise separable 2-D convolution, as ``keras.layers.SeparableConv2D``: a
    depthwise (kh, kw) convolution per channel (``depth_multiplier`` filters each, no bias),
    then a pointwise 1x1 convolution to ``filters`` channels, plus bias and activation.

    Shape: (batch, height, width, channels) -> (batch, new_h, new_w, filters);
    depthwise_kernel (kh, kw, channels, depth_multiplier), pointwise_kernel
    (1, 1, channels·depth_multiplier, filters).

    >>> from ember import keras
    >>> keras.layers.SeparableConv2D(3, 4, strides=2)(ember.zeros(4, 10, 10, 12)).shape
    ember.Size([4, 4, 4, 3])
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, activation, use_bias, depthwise_initializer,
                         pointwise_initializer, bias_initializer, depthwise_regularizer,
                         pointwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs)


Convolution1D, Convolution2D = Conv1D, Conv2D
Convolution1DTranspose, Convolution2DTranspose = Conv1DTranspose, Conv2DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
