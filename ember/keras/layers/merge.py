"""Keras 3's merge layers: ``Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum``,
``Minimum``, ``Concatenate``, ``Dot`` and their functional forms (``add([x, y])``, ...).

Each takes a list of tensors. Elementwise merges follow Keras's shape rule: equal batch sizes,
the other axes broadcast (sizes equal or 1), and a lower-rank input gets size-1 axes inserted
after the batch axis. Masks follow Keras 3: the output mask of an elementwise merge is the OR
of the input masks (None if some input has none); ``Multiply``, ``Maximum`` and ``Minimum``
ignore masked entries when combining values; ``Concatenate`` concatenates the masks; ``Dot``
drops them.

>>> import ember
>>> from ember.keras import layers
>>> layers.add([ember.ones(2, 3), ember.ones(2, 3)]).tolist()
[[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]
"""

from __future__ import annotations

import math

import ember

from .layer import Layer

__all__ = [
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
    "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot",
]


def _who(layer) -> str:
    return f"{type(layer).__name__} '{layer.name}'"


def _shapes(inputs) -> list:
    return [tuple(x.shape) for x in inputs]


def _check_list(layer, inputs, count=None) -> None:
    if not isinstance(inputs, (list, tuple)):
        shape = tuple(getattr(inputs, "shape", ()))
        raise ValueError(
            f"{_who(layer)} should be called on a list of inputs, got a single tensor of shape "
            f"{shape}; pass [x, y, ...]"
        )
    if count is not None and len(inputs) != count:
        raise ValueError(
            f"{_who(layer)} should be called on exactly {count} inputs, got {len(inputs)} "
            f"with shapes {_shapes(inputs)}"
        )
    if not inputs:
        raise ValueError(f"{_who(layer)} should be called on a list of at least 1 input, got []")


def _broadcast_mask(mask, x):
    """A (batch, ...) mask broadcast over the trailing feature axes of ``x``."""
    while mask.ndim < x.ndim:
        mask = mask.unsqueeze(-1)
    return mask


class Merge(Layer):
    """Base of the elementwise merge layers: validation, rank alignment and masks."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check_shapes(self, inputs) -> None:
        shapes = _shapes(inputs)
        batch_sizes = {s[0] for s in shapes if s}
        if len(batch_sizes) > 1:
            raise ValueError(
                f"{_who(self)}: cannot merge tensors with different batch sizes. Received "
                f"tensors with shapes {shapes}"
            )
        out: tuple = ()
        for shape in shapes:
            a, b = out, shape[1:]
            if len(a) < len(b):
                a, b = b, a
            merged = list(a[:len(a) - len(b)])
            for i, j in zip(a[len(a) - len(b):], b):
                if i != j and 1 not in (i, j):
                    raise ValueError(
                        f"{_who(self)}: inputs have incompatible shapes. Received shapes "
                        f"{shapes}; sizes must be equal or 1 on every non-batch axis"
                    )
                merged.append(max(i, j) if 1 in (i, j) else i)
            out = tuple(merged)

    def call(self, inputs, mask=None):
        _check_list(self, inputs, getattr(self, "_num_inputs", None))
        self._check_shapes(inputs)
        ndim = max(x.ndim for x in inputs)
        if any(x.ndim != ndim for x in inputs):  # Keras inserts the missing axes after the batch
            inputs = [x.reshape(x.shape[:1] + (1,) * (ndim - x.ndim) + tuple(x.shape[1:]))
                      for x in inputs]
        return self._merge_function(list(inputs), mask)

    def _merge_function(self, inputs, masks):
        raise NotImplementedError

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)) or len(mask) != len(inputs):
            raise ValueError(
                f"{_who(self)}: expected one mask per input ({len(inputs)}), got {mask!r}"
            )
        if any(m is None for m in mask):
            return None
        out = mask[0]
        for m in mask[1:]:
            out = ember.logical_or(out, m)
        return out

    def _masked_reduce(self, op, inputs, masks):
        """Keras's rule for merges without a neutral element (max, min): an entry masked in one
        input takes the other input's value, so masked garbage never wins."""
        masks = masks if masks is not None else [None] * len(inputs)
        output, output_mask = inputs[0], None
        if masks[0] is not None:
            output_mask = _broadcast_mask(masks[0], output)
        for x, m in zip(inputs[1:], masks[1:]):
            if m is not None:
                m = _broadcast_mask(m, x)
                x = ember.where(m, x, output)
            if output_mask is not None:
                output = ember.where(output_mask, output, x)
            output_mask = ember.logical_or(output_mask, m) if (
                m is not None and output_mask is not None) else None
            output = op(output, x)
        return output


class Add(Merge):
    """Elementwise sum of a list of inputs.

    >>> import ember
    >>> from ember.keras import layers
    >>> layers.Add()([ember.ones(1, 2), ember.ones(1, 2)]).tolist()
    [[2.0, 2.0]]
    """

    def _merge_function(self, inputs, masks):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out


class Subtract(Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs).

    >>> import ember
    >>> from ember.keras import layers
    >>> layers.Subtract()([ember.ones(1, 2), ember.ones(1, 2)]).tolist()
    [[0.0, 0.0]]
    """

    _num_inputs = 2

    def _merge_function(self, inputs, masks):
        return inputs[0] - inputs[1]


class Multiply(Merge):
    """Elementwise product of a list of inputs. Masked entries count as 1 in the product and
    the result is 0 where every input is masked (Keras 3).

    >>> import ember
    >>> from ember.keras import layers
    >>> layers.Multiply()([ember.full((1, 2), 2.0), ember.full((1, 2), 3.0)]).tolist()
    [[6.0, 6.0]]
    """

    def _merge_function(self, inputs, masks):
        if masks is None or all(m is None for m in masks):
            out = inputs[0]
            for x in inputs[1:]:
                out = out * x
            return out
        all_masked = all(m is not None for m in masks)
        out = output_mask = None
        for x, m in zip(inputs, masks):
            if m is not None:
                m = _broadcast_mask(m, x)
                x = ember.where(m, x, ember.ones_like(x))
                if all_masked:
                    output_mask = m if output_mask is None else ember.logical_or(output_mask, m)
            out = x if out is None else out * x
        if all_masked:
            out = ember.where(output_mask, out, ember.zeros_like(out))
        return out


class Average(Merge):
    """Elementwise mean of a list of inputs.

    >>> import ember
    >>> from ember.keras import layers
    >>> layers.Average()([ember.ones(1, 2), ember.zeros(1, 2)]).tolist()
    [[0.5, 0.5]]
    """

    def _merge_function(self, inputs, masks):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out / len(inputs)


class Maximum(Merge):
    """Elementwise maximum of a list of inputs (masked entries never win).

    >>> import ember
    >>> from ember.keras import layers
    >>> layers.Maximum()([ember.tensor([[1.0, 5.0]]), ember.tensor([[3.0, 2.0]])]).tolist()
    [[3.0, 5.0]]
    """

    def _merge_function(self, inputs, masks):
        return self._masked_reduce(ember.maximum, inputs, masks)


class Minimum(Merge):
    """Elementwise minimum of a list of inputs (masked entries never win).

    >>> import ember
    >>> from ember.keras import layers
    >>> layers.Minimum()([ember.tensor([[1.0, 5.0]]), ember.tensor([[3.0, 2.0]])]).tolist()
    [[1.0, 2.0]]
    """

    def _merge_function(self, inputs, masks):
        return self._masked_reduce(ember.minimum, inputs, masks)


class Concatenate(Merge):
    """Concatenates a list of inputs along ``axis`` (all other axes must match).

    The output mask concatenates the input masks (an unmasked input counts as all True); when
    the concatenation axis is the feature axis the masks are OR-ed, as in Keras.

    >>> import ember
    >>> from ember.keras import layers
    >>> layers.Concatenate(axis=1)([ember.ones(2, 2, 5), ember.ones(2, 1, 5)]).shape
    ember.Size([2, 3, 5])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def call(self, inputs, mask=None):
        _check_list(self, inputs)
        shapes = _shapes(inputs)
        rank = len(shapes[0])
        bad = any(len(s) != rank for s in shapes) or not -rank <= self.axis < rank
        if not bad:
            axis = self.axis % rank
            bad = len({s[:axis] + s[axis + 1:] for s in shapes}) > 1
        if bad:
            raise ValueError(
                f"{_who(self)} requires inputs with matching shapes except for the "
                f"concatenation axis {self.axis}. Received: input shapes {shapes}"
            )
        return ember.cat(list(inputs), dim=self.axis)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                masks.append(ember.ones(tuple(x.shape), dtype=ember.bool, device=x.device))
            else:
                masks.append(_broadcast_mask(m, x).expand(*x.shape))
        return ember.any(ember.cat(masks, dim=self.axis), dim=-1)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def _l2_normalize(x, axis):
    """``x / max(||x||, 1e-7)`` along ``axis`` (Keras's ``normalize`` with its epsilon)."""
    norm = (x * x).sum(dim=axis, keepdim=True).sqrt()
    return x / norm.clamp(min=1e-7)


class Dot(Merge):
    """Batched dot product of two inputs over ``axes`` (Keras's ``batch_dot``).

    ``axes`` is an int (the same axis of both inputs) or a pair; negative values count from the
    end; the batch axis 0 cannot be reduced. The result has the first input's remaining axes
    then the second's (without its batch axis); a (batch,) result becomes (batch, 1).
    ``normalize=True`` L2-normalizes both inputs along ``axes`` first (cosine similarity).

    >>> import ember
    >>> from ember.keras import layers
    >>> layers.Dot(axes=(1, 2))([ember.ones(1, 5, 2), ember.ones(1, 2, 5)]).shape
    ember.Size([1, 2, 2])
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, (list, tuple)):
            if len(axes) != 2 or not all(isinstance(a, int) for a in axes):
                raise ValueError(
                    f"{_who(self)}: invalid format for argument `axes`: it should contain two "
                    f"integers. Received: axes={axes}"
                )
            axes = tuple(axes)
        elif not isinstance(axes, int):
            raise TypeError(
                f"{_who(self)}: invalid type for argument `axes`: it should be a list or an "
                f"int. Received: axes={axes!r}"
            )
        self.axes = axes
        self.normalize = bool(normalize)

    def _resolve_axes(self, x, y):
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        resolved = []
        for a, t in zip(axes, (x, y)):
            if not -t.ndim <= a < t.ndim:
                raise ValueError(
                    f"{_who(self)}: axes={self.axes} is out of range for inputs of shapes "
                    f"{tuple(x.shape)} and {tuple(y.shape)}"
                )
            resolved.append(a % t.ndim)
        if 0 in resolved:
            raise ValueError(
                f"{_who(self)}: cannot take the dot product over the batch axis 0 (axes="
                f"{self.axes}, input shapes {tuple(x.shape)} and {tuple(y.shape)})"
            )
        return resolved

    def call(self, inputs, mask=None):
        _check_list(self, inputs, 2)
        x, y = inputs
        if x.ndim < 2 or y.ndim < 2 or x.shape[0] != y.shape[0]:
            raise ValueError(
                f"{_who(self)} needs two inputs of rank >= 2 with the same batch size, got "
                f"shapes {tuple(x.shape)} and {tuple(y.shape)}"
            )
        a0, a1 = self._resolve_axes(x, y)
        if x.shape[a0] != y.shape[a1]:
            raise ValueError(
                f"{_who(self)}: incompatible input shapes: axis values {x.shape[a0]} (at axis "
                f"{a0}) != {y.shape[a1]} (at axis {a1}). Full input shapes: {tuple(x.shape)}, "
                f"{tuple(y.shape)}"
            )
        if self.normalize:
            x, y = _l2_normalize(x, a0), _l2_normalize(y, a1)
        x = x.movedim(a0, -1)  # (batch, *x_rest, k)
        y = y.movedim(a1, 1)  # (batch, k, *y_rest)
        batch, k = x.shape[0], x.shape[-1]
        x_rest, y_rest = tuple(x.shape[1:-1]), tuple(y.shape[2:])
        out = ember.bmm(x.reshape(batch, math.prod(x_rest), k),
                        y.reshape(batch, k, math.prod(y_rest)))
        out = out.reshape((batch,) + x_rest + y_rest)
        return out.unsqueeze(-1) if out.ndim == 1 else out

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update(axes=list(self.axes) if isinstance(self.axes, tuple) else self.axes,
                      normalize=self.normalize)
        return config


# -- functional forms -----------------------------------------------------------------------------

def add(inputs, **kwargs):
    """Functional form of :class:`Add`: ``add([x, y])``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of :class:`Subtract`: ``subtract([x, y])``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of :class:`Multiply`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of :class:`Average`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of :class:`Maximum`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of :class:`Minimum`."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of :class:`Concatenate`: ``concatenate([x, y], axis=-1)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    """Functional form of :class:`Dot`: ``dot([x, y], axes)``."""
    return Dot(axes=axes, **kwargs)(inputs)
