"""Normalization layers with Keras 3's semantics: ``BatchNormalization``, ``LayerNormalization``,
``GroupNormalization``, ``UnitNormalization``.

All of them normalise channels-last data by default (``axis=-1``) and keep Keras's defaults
(``epsilon=1e-3``; ``momentum=0.99`` for the moving statistics). The common cases run on ember's
fused kernels: a channels-last batch of shape (..., C) seen as a (M, C, 1) array *is* the NCHW
layout ``F.batch_norm`` expects, so no transpose is needed; trailing-axis layer normalization is
``F.layer_norm``; group normalization moves the channels to axis 1 for ``F.group_norm``.

>>> import ember
>>> from ember.keras import layers
>>> bn = layers.BatchNormalization()
>>> y = bn(ember.randn(8, 4), training=True)
>>> bn.count_params(), len(bn.trainable_weights)
(16, 2)
"""

from __future__ import annotations

import math

import ember
from ember.nn import functional as F

from .. import initializers, regularizers
from .layer import Layer

__all__ = ["BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization"]

_MASK_EPSILON = 1e-7  # keras.config.epsilon(), used by the masked moments


def _axis_index(layer, axis, ndim, shape):
    """``axis`` as a non-negative index into a rank-``ndim`` input, or a clear ValueError."""
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}': axis {axis} is out of range for inputs of "
            f"rank {ndim} (shape {tuple(shape)}); pick an axis in [-{ndim}, {ndim - 1}]"
        )
    return axis % ndim


def _serialize(config, **inits_and_regs):
    for key, value in inits_and_regs.items():
        if key.endswith("initializer"):
            config[key] = initializers.serialize(value)
        else:
            config[key] = regularizers.serialize(value)
    return config


class BatchNormalization(Layer):
    """Normalise each feature over the batch (and every other axis but ``axis``), as Keras does:

        y = γ · (x − μ) / √(σ² + ε) + β

    In training (``training=True`` and the layer trainable) μ, σ² are the batch statistics —
    σ² the *biased* variance — and the moving statistics are updated with Keras's rule
    ``moving = moving · momentum + batch · (1 − momentum)`` (also with the biased variance;
    PyTorch's BatchNorm keeps the unbiased one). Otherwise the moving statistics are used. A
    frozen layer (``trainable=False``) always runs in inference mode, even inside ``fit``.

    Args:
        axis: the features axis (``-1`` for channels-last, ``1`` for channels-first).
        momentum: weight of the old moving statistics (Keras's 0.99 = PyTorch's momentum 0.01).
        epsilon: added to the variance.
        center, scale: whether to learn ``beta`` and ``gamma``.

    Shape: any rank ≥ 2; the output has the input's shape. Weights: ``gamma``, ``beta``
    (trainable), ``moving_mean``, ``moving_variance`` (non-trainable), each of shape (C,).

    >>> import ember
    >>> from ember.keras import layers
    >>> bn = layers.BatchNormalization()
    >>> _ = bn(ember.ones(4, 3) * 2.0, training=True)
    >>> bn.moving_mean
    tensor([0.0200, 0.0200, 0.0200])
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if synchronized:
            raise ValueError(
                f"BatchNormalization '{self.name}': synchronized=True needs several devices "
                "(TensorFlow backend only in Keras); ember.keras trains on one device"
            )
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.synchronized = False
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = beta_constraint
        self.gamma_constraint = gamma_constraint
        self.supports_masking = True

    def build(self, input_shape):
        ndim = len(input_shape)
        if ndim < 2:
            raise ValueError(
                f"BatchNormalization '{self.name}' expects inputs of rank >= 2 (batch, ..., "
                f"features), got shape {tuple(input_shape)}"
            )
        axis = _axis_index(self, self.axis, ndim, input_shape)
        shape = (input_shape[axis],)
        if self.scale:
            self.gamma = self.add_weight(shape=shape, name="gamma",
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        else:
            self.gamma = None
        if self.center:
            self.beta = self.add_weight(shape=shape, name="beta",
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        else:
            self.beta = None
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean",
                                           initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer,
                                               trainable=False)

    def call(self, inputs, training=None, mask=None):
        x = inputs
        ndim = x.ndim
        axis = _axis_index(self, self.axis, ndim, x.shape)
        channels = self.moving_mean.shape[0]
        if x.shape[axis] != channels:
            raise ValueError(
                f"BatchNormalization '{self.name}' was built for {channels} features on axis "
                f"{self.axis}, got inputs of shape {tuple(x.shape)}"
            )
        if mask is not None and mask.ndim != ndim - 1:
            raise ValueError(
                f"BatchNormalization '{self.name}': the mask should have one dimension less "
                f"than the inputs, got mask.shape={tuple(mask.shape)}, "
                f"inputs.shape={tuple(x.shape)}"
            )
        before = math.prod(x.shape[:axis])
        after = math.prod(x.shape[axis + 1:])
        update = bool(training) and self.trainable
        if update and mask is None and before * after > 1:
            return self._fused_training(x, before, after)
        if update:
            mean, var = self._moments(x, axis, mask)
            self._update_moving(mean.detach(), var.detach())
            return self._normalize(x, axis, mean, var)
        # inference: the fused kernel with the moving statistics, on a (before, C, after) view
        x3 = x.reshape(before, channels, after)
        y = F.batch_norm(x3, self.moving_mean, self.moving_variance, self.gamma, self.beta,
                         training=False, eps=self.epsilon)
        return y.reshape(x.shape)

    def _fused_training(self, x, before, after):
        """Batch statistics from the fused kernel: it writes them into scratch buffers
        (momentum 1 replaces their value), the variance unbiased, which is made biased again."""
        channels = self.moving_mean.shape[0]
        mean = ember.zeros(channels, dtype=x.dtype, device=x.device)
        var = ember.zeros(channels, dtype=x.dtype, device=x.device)
        x3 = x.reshape(before, channels, after)
        y = F.batch_norm(x3, mean, var, self.gamma, self.beta, training=True, momentum=1.0,
                         eps=self.epsilon)
        m = before * after
        self._update_moving(mean, var * ((m - 1) / m))
        return y.reshape(x.shape)

    def _moments(self, x, axis, mask):
        """Batch mean and biased variance over every axis but ``axis`` (mask-weighted as in
        Keras: masked positions get zero weight)."""
        dims = tuple(d for d in range(x.ndim) if d != axis)
        if mask is None:
            mean = x.mean(dims)
            centred = x - _along(mean, axis, x.ndim)
            return mean, (centred * centred).mean(dims)
        w = mask.to(x.dtype).unsqueeze(axis)  # one weight per position, shared by channels
        total = w.sum(dims) + _MASK_EPSILON
        mean = (w * x).sum(dims) / total
        centred = x - _along(mean, axis, x.ndim)
        var = (w * centred * centred).sum(dims) / total
        return mean, var

    def _normalize(self, x, axis, mean, var):
        inv = (var + self.epsilon).rsqrt()
        if self.gamma is not None:
            inv = inv * self.gamma
        shift = -mean * inv
        if self.beta is not None:
            shift = shift + self.beta
        return x * _along(inv, axis, x.ndim) + _along(shift, axis, x.ndim)

    def _update_moving(self, mean, var):
        m = self.momentum
        with ember.no_grad():
            self.moving_mean.mul_(m).add_(mean.to(self.moving_mean.dtype) * (1.0 - m))
            self.moving_variance.mul_(m).add_(var.to(self.moving_variance.dtype) * (1.0 - m))

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, momentum=self.momentum, epsilon=self.epsilon,
                      center=self.center, scale=self.scale, beta_constraint=None,
                      gamma_constraint=None, synchronized=self.synchronized)
        return _serialize(config, beta_initializer=self.beta_initializer,
                          gamma_initializer=self.gamma_initializer,
                          moving_mean_initializer=self.moving_mean_initializer,
                          moving_variance_initializer=self.moving_variance_initializer,
                          beta_regularizer=self.beta_regularizer,
                          gamma_regularizer=self.gamma_regularizer)


def _along(v, axis, ndim):
    """A per-channel vector (C,) shaped to broadcast against a rank-``ndim`` input on ``axis``."""
    shape = [1] * ndim
    shape[axis] = -1
    return v.reshape(shape)


class LayerNormalization(Layer):
    """Normalise each sample over ``axis`` (Keras's layer normalization):

        y = γ · (x − E[x]) / √(Var[x] + ε) + β      (statistics over ``axis``, per sample)

    ``gamma`` and ``beta`` span the normalised axes. With ``rms_scaling=True`` Keras's variant
    is followed exactly: ``y = x · γ / √(Var[x] + ε)`` (no centring of the output, no ``beta``).
    Normalising trailing axes runs on the fused ``F.layer_norm`` kernel.

    Args:
        axis: an int or a list of ints, the axes to normalise over (default the last).
        epsilon: added to the variance (Keras's default 1e-3; PyTorch's is 1e-5).
        center, scale: whether to learn ``beta`` and ``gamma``.
        rms_scaling: Keras's RMS variant described above.

    >>> import ember
    >>> from ember.keras import layers
    >>> ln = layers.LayerNormalization()
    >>> ln(ember.tensor([[1.0, 3.0]])).tolist()
    [[-0.9995...,  0.9995...]]
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = [int(a) for a in axis]
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError(
                "Expected an int or a list/tuple of ints for the argument 'axis', but "
                f"received: {axis!r}"
            )
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = bool(rms_scaling)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = beta_constraint
        self.gamma_constraint = gamma_constraint
        self.supports_masking = True

    def _axes(self, shape):
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        return sorted(_axis_index(self, a, len(shape), shape) for a in axes)

    def build(self, input_shape):
        axes = self._axes(input_shape)
        shape = tuple(input_shape[a] for a in axes)
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(shape=shape, name="gamma",
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        else:
            self.gamma = None
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(shape=shape, name="beta",
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        else:
            self.beta = None

    def call(self, inputs):
        x = inputs
        axes = self._axes(x.shape)
        ndim = x.ndim
        norm_shape = tuple(x.shape[a] for a in axes)
        built = self.gamma if self.gamma is not None else self.beta
        if built is not None and tuple(built.shape) != norm_shape:
            raise ValueError(
                f"LayerNormalization '{self.name}' was built for axes of size "
                f"{tuple(built.shape)}, got inputs of shape {tuple(x.shape)}"
            )
        if not self.rms_scaling and axes == list(range(ndim - len(axes), ndim)):
            return F.layer_norm(x, norm_shape, self.gamma, self.beta, self.epsilon)
        bshape = [1] * ndim
        for a in axes:
            bshape[a] = x.shape[a]
        dims = tuple(axes)
        mean = x.mean(dims, keepdim=True)
        centred = x - mean
        inv = ((centred * centred).mean(dims, keepdim=True) + self.epsilon).rsqrt()
        if self.rms_scaling:
            return x * inv * self.gamma.reshape(bshape)
        if self.gamma is not None:
            inv = inv * self.gamma.reshape(bshape)
        out = centred * inv
        if self.beta is not None:
            out = out + self.beta.reshape(bshape)
        return out

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, epsilon=self.epsilon, center=self.center,
                      scale=self.scale, rms_scaling=self.rms_scaling, beta_constraint=None,
                      gamma_constraint=None)
        return _serialize(config, beta_initializer=self.beta_initializer,
                          gamma_initializer=self.gamma_initializer,
                          beta_regularizer=self.beta_regularizer,
                          gamma_regularizer=self.gamma_regularizer)


class GroupNormalization(Layer):
    """Normalise each sample over groups of consecutive channels (Wu & He, 2018):

        y = γ_c · (x − E_g[x]) / √(Var_g[x] + ε) + β_c

    the statistics taken over all non-batch positions of the channels of group g. ``groups=-1``
    makes one group per channel (instance normalization). Runs on the fused ``F.group_norm``
    with the channels moved to axis 1.

    Args:
        groups: number of groups; must divide the number of channels.
        axis: the channels axis (default the last, channels-last).
        epsilon, center, scale: as for ``LayerNormalization``.

    >>> import ember
    >>> from ember.keras import layers
    >>> layers.GroupNormalization(groups=2)(ember.randn(3, 5, 4)).shape
    ember.Size([3, 5, 4])
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.groups = int(groups)
        self.axis = int(axis)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = beta_constraint
        self.gamma_constraint = gamma_constraint
        self.supports_masking = True

    def build(self, input_shape):
        ndim = len(input_shape)
        if ndim < 2:
            raise ValueError(
                f"GroupNormalization '{self.name}' expects inputs of rank >= 2 (batch, ..., "
                f"channels), got shape {tuple(input_shape)}"
            )
        dim = input_shape[_axis_index(self, self.axis, ndim, input_shape)]
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(
                f"GroupNormalization '{self.name}': number of groups ({self.groups}) cannot be "
                f"more than the number of channels ({dim}); inputs of shape "
                f"{tuple(input_shape)}"
            )
        if dim % self.groups != 0:
            raise ValueError(
                f"GroupNormalization '{self.name}': number of groups ({self.groups}) must "
                f"divide the number of channels ({dim}); inputs of shape {tuple(input_shape)}"
            )
        if self.scale:
            self.gamma = self.add_weight(shape=(dim,), name="gamma",
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        else:
            self.gamma = None
        if self.center:
            self.beta = self.add_weight(shape=(dim,), name="beta",
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        else:
            self.beta = None

    def call(self, inputs):
        x = inputs
        axis = _axis_index(self, self.axis, x.ndim, x.shape)
        channels_first = x if axis == 1 else x.movedim(axis, 1).contiguous()
        y = F.group_norm(channels_first, self.groups, self.gamma, self.beta, self.epsilon)
        return y if axis == 1 else y.movedim(1, axis)

    def get_config(self):
        config = super().get_config()
        config.update(groups=self.groups, axis=self.axis, epsilon=self.epsilon,
                      center=self.center, scale=self.scale, beta_constraint=None,
                      gamma_constraint=None)
        return _serialize(config, beta_initializer=self.beta_initializer,
                          gamma_initializer=self.gamma_initializer,
                          beta_regularizer=self.beta_regularizer,
                          gamma_regularizer=self.gamma_regularizer)


class UnitNormalization(Layer):
    """Scale each sample to unit L2 norm over ``axis``: y = x / √max(Σ x², 1e-12) (Keras).

    >>> import ember
    >>> from ember.keras import layers
    >>> layers.UnitNormalization()(ember.tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = [int(a) for a in axis]
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError(
                "Invalid value for `axis` argument: expected an int or a list/tuple of ints. "
                f"Received: axis={axis!r}"
            )
        self.supports_masking = True

    def call(self, inputs):
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        dims = tuple(_axis_index(self, a, inputs.ndim, inputs.shape) for a in axes)
        square_sum = (inputs * inputs).sum(dims, keepdim=True)
        return inputs * square_sum.clamp(min=1e-12).rsqrt()

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis)
        return config
