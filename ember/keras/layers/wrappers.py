"""Layer wrappers with Keras 3's semantics: ``Bidirectional`` and ``TimeDistributed``.

>>> import ember
>>> from ember.keras import layers
>>> bi = layers.Bidirectional(layers.LSTM(4, return_sequences=True))
>>> tuple(bi(ember.randn(2, 5, 3)).shape), bi.count_params()
((2, 5, 8), 256)
"""

from __future__ import annotations

import ember

from .layer import Layer, _call_takes
from .rnn import deserialize_layer, serialize_layer

__all__ = ["Bidirectional", "TimeDistributed"]

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _build_child(layer, input_shape):
    """Build a wrapped layer for ``input_shape`` (its weights exist before the first call)."""
    if not layer.built:
        layer.build(input_shape)
        layer.built = True
        layer._build_shapes = input_shape


def _removeprefix(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


class Bidirectional(Layer):
    """Run a recurrent layer forwards and a copy of it backwards, and merge the two outputs.

    As in Keras 3, the forward and backward layers are fresh copies made from ``layer``'s
    config (named ``forward_<name>`` and ``backward_<name>``, the latter with
    ``go_backwards=True``), unless ``backward_layer`` is given. With ``return_sequences`` the
    backward outputs are flipped back to input order before merging, and masked steps output
    zeros (``zero_output_for_mask`` is forced to ``return_sequences``).

    Args:
        layer: an ``RNN`` layer (``LSTM``, ``GRU``, ``SimpleRNN`` ...).
        merge_mode: ``"concat"`` (default), ``"sum"``, ``"mul"``, ``"ave"`` or ``None`` (return
            both outputs as a list).
        backward_layer: an optional layer for the backward direction.

    Call: ``layer(sequences, initial_state=None, mask=None, training=None)``; an
    ``initial_state`` list is split in half between the two directions. With ``return_state``
    the result is ``(output, *forward_states, *backward_states)``.
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `Bidirectional` layer with a `keras.layers.Layer` instance. "
                f"Received: {layer}"
            )
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(
                "`backward_layer` need to be a `keras.layers.Layer` instance. Received: "
                f"{backward_layer}"
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                '{"sum", "mul", "ave", "concat", None}'
            )
        super().__init__(**kwargs)
        if self._input_spec_shape is None and layer._input_spec_shape is not None:
            self.__dict__["_input_spec_shape"] = layer._input_spec_shape
        config = serialize_layer(layer)
        config["config"]["name"] = "forward_" + _removeprefix(layer.name, "forward_")
        config["config"].pop("batch_input_shape", None)
        self.forward_layer = deserialize_layer(config)
        if backward_layer is None:
            config = serialize_layer(layer)
            config["config"]["go_backwards"] = True
            config["config"]["name"] = "backward_" + _removeprefix(layer.name, "backward_")
            config["config"].pop("batch_input_shape", None)
            backward_layer = deserialize_layer(config)
        self.backward_layer = backward_layer
        self._verify_layer_config()
        for sub in (self.forward_layer, self.backward_layer):
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.__dict__["_initial_weights"] = list(weights) if weights else None
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True

    def _verify_layer_config(self):
        fw, bw = self.forward_layer, self.backward_layer
        if fw.go_backwards == bw.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different `go_backwards` value. "
                f"Received: forward_layer.go_backwards {fw.go_backwards}, "
                f"backward_layer.go_backwards={bw.go_backwards}"
            )
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(fw, attr) != getattr(bw, attr):
                raise ValueError(
                    "Forward layer and backward layer are expected to have the same value for "
                    f'attribute "{attr}", got "{getattr(fw, attr)}" for forward layer and '
                    f'"{getattr(bw, attr)}" for backward layer'
                )

    def build(self, sequences_shape, initial_state_shape=None):
        _build_child(self.forward_layer, sequences_shape)
        _build_child(self.backward_layer, sequences_shape)
        pending = self.__dict__.get("_initial_weights")
        if pending:
            self.__dict__["_initial_weights"] = None
            self.set_weights(pending)

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {"training": training}
        if mask is not None:
            kwargs["mask"] = mask
        fw_kwargs, bw_kwargs = dict(kwargs), dict(kwargs)
        if initial_state is not None:
            half = len(initial_state) // 2
            fw_kwargs["initial_state"] = list(initial_state[:half])
            bw_kwargs["initial_state"] = list(initial_state[half:])
        y = self.forward_layer(sequences, **fw_kwargs)
        y_rev = self.backward_layer(sequences, **bw_kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = y_rev.flip(1)
        if self.merge_mode == "concat":
            output = ember.cat([y, y_rev], -1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = (y, y_rev)
        if self.return_state:
            return (output + states) if self.merge_mode is None else (output,) + states
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        masks = [output_mask, output_mask] if self.merge_mode is None else [output_mask]
        if self.return_state:
            n_states = len(getattr(self.forward_layer, "state_size", [])) * 2
            return masks + [None] * n_states
        return masks if self.merge_mode is None else output_mask

    @property
    def states(self):
        fw, bw = self.forward_layer.states, self.backward_layer.states
        if fw and bw:
            return tuple(fw) + tuple(bw)
        return None

    def reset_state(self):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    reset_states = reset_state

    def get_config(self):
        config = super().get_config()
        config.update(merge_mode=self.merge_mode, layer=serialize_layer(self.forward_layer),
                      backward_layer=serialize_layer(self.backward_layer))
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = deserialize_layer(backward, custom_objects)
        return cls(**config)


class TimeDistributed(Layer):
    """Apply ``layer`` to every temporal slice of (batch, timesteps, ...) inputs.

    The slices are folded into the batch — the wrapped layer sees one (batch·timesteps, ...)
    input, and its output is unfolded to (batch, timesteps, ...) — which equals Keras 3's
    step-by-step application for every per-sample layer and is one call instead of
    ``timesteps``. (A wrapped ``BatchNormalization`` in training therefore takes its statistics
    over all steps at once, where Keras takes them per step.) A (batch, timesteps) mask is
    passed to layers that take one, folded the same way, and passed through.

    >>> import ember
    >>> from ember.keras import layers
    >>> td = layers.TimeDistributed(layers.UnitNormalization())
    >>> td(ember.ones(2, 3, 4)).shape
    ember.Size([2, 3, 4])
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `TimeDistributed` layer with a `keras.layers.Layer` "
                f"instance. Received: {layer}"
            )
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _check_shape(self, shape):
        if len(shape) < 3:
            raise ValueError(
                f"TimeDistributed '{self.name}' expects inputs of rank >= 3 (batch, timesteps, "
                f"...), got shape {tuple(shape)}"
            )

    def build(self, input_shape):
        self._check_shape(input_shape)

    def call(self, inputs, training=None, mask=None):
        self._check_shape(inputs.shape)
        batch, steps = inputs.shape[0], inputs.shape[1]
        if mask is not None and tuple(mask.shape[:2]) != (batch, steps):
            raise ValueError(
                f"TimeDistributed '{self.name}' should be passed a `mask` of shape ({batch}, "
                f"{steps}, ...), received: mask.shape={tuple(mask.shape)}"
            )
        flat = inputs.reshape((batch * steps,) + tuple(inputs.shape[2:]))
        kwargs = {"training": training}
        if mask is not None and _call_takes(type(self.layer))[1]:
            kwargs["mask"] = mask.reshape((batch * steps,) + tuple(mask.shape[2:]))
        out = self.layer(flat, **kwargs)

        def unfold(t):
            return t.reshape((batch, steps) + tuple(t.shape[1:]))

        if isinstance(out, (list, tuple)):
            return type(out)(unfold(t) for t in out)
        return unfold(out)

    def get_config(self):
        config = super().get_config()
        config.update(layer=serialize_layer(self.layer))
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        return cls(**config)
