"""Recurrent layers with Keras 3's semantics: ``SimpleRNN``, ``LSTM``, ``GRU``, their cells and
the generic ``RNN(cell)`` layer.

Weights are stored in Keras's layouts: ``kernel`` (input_dim, G·units), ``recurrent_kernel``
(units, G·units) and ``bias`` (G·units,) — (2, 3·units) for a GRU with ``reset_after=True`` —
with the gates in Keras's order (LSTM i, f, c, o; GRU z, r, h).

Speed: the standard configurations (tanh/sigmoid activations, GRU ``reset_after=True``, no
recurrent dropout) run on ember's fused recurrent kernel (``ember.ops.rnn``, the one behind
``ember.nn.LSTM``), which takes the PyTorch layout: an LSTM's i, f, g, o order is Keras's, so
the weights are used transposed; a GRU's r, z, n blocks are Keras's z, r, h reordered by one
index per call. Masks whose valid steps form one block per sequence (pre- or post-padding, the
output of ``pad_sequences``) and ``go_backwards`` are handled there too, by gathering each
sequence's valid steps to the front and running the kernel on a packed batch. Other cases
(any activation, masks with holes, ``recurrent_dropout`` while training, custom cells) run a
step loop over the cell, as Keras does. ``use_cudnn=False`` forces the loop, ``True`` demands
the fused kernel.

>>> import ember
>>> from ember.keras import layers
>>> lstm = layers.LSTM(8, return_sequences=True, return_state=True)
>>> out, h, c = lstm(ember.randn(2, 5, 3))
>>> tuple(out.shape), tuple(h.shape), lstm.count_params()
((2, 5, 8), (2, 8), 384)
"""

from __future__ import annotations

import numpy as np

import ember
from ember.nn import functional as F
from ember.ops.rnn import rnn_layer
from ember.tensor import Tensor

from .. import activations, initializers, regularizers
from .layer import Layer, convert_inputs, is_probing

__all__ = ["RNN", "SimpleRNNCell", "LSTMCell", "GRUCell", "SimpleRNN", "LSTM", "GRU"]


# -- (de)serialising nested layers ----------------------------------------------------------------

def serialize_layer(layer) -> dict:
    """A nested layer as Keras's ``{"class_name": ..., "config": ...}`` (via ``keras.saving``)."""
    from ..saving import serialize_keras_object

    return serialize_keras_object(layer)


def deserialize_layer(config, custom_objects=None):
    """A layer from ``serialize_layer``'s output (registered and ``custom_objects`` classes
    first, then the built-in layers)."""
    if isinstance(config, Layer):
        return config
    from ..saving import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects)


# -- cells ----------------------------------------------------------------------------------------

def _check_units(units):
    if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units <= 0:
        raise ValueError(
            "Received an invalid value for argument `units`, expected a positive integer, got "
            f"{units}."
        )
    return int(units)


def _rate(value):
    return min(1.0, max(0.0, float(value)))


def _dropout_masks(like, rate, count):
    """Keras's per-sequence dropout masks: ones dropped with probability ``rate`` and scaled by
    1/(1 − rate); one mask, or a list of ``count`` masks (one per gate)."""
    ones = ember.ones(*like.shape, dtype=like.dtype, device=like.device)
    if count is None:
        return F.dropout(ones, rate, True)
    return [F.dropout(ones, rate, True) for _ in range(count)]


def _project(x, kernel, masks, gates):
    """x @ kernel, with ``masks`` (None, one mask, or one per gate block of ``kernel``)."""
    if masks is None:
        return ember.matmul(x, kernel)
    if isinstance(masks, Tensor):
        return ember.matmul(x * masks, kernel)
    size = kernel.shape[1] // gates
    return ember.cat([ember.matmul(x * m, kernel[:, g * size:(g + 1) * size])
                      for g, m in enumerate(masks)], -1)


class _DropoutCell(Layer):
    """Keras's ``DropoutRNNCell``: the dropout masks are drawn once per sequence (on the first
    step) and reused at every step; the RNN layer resets them after each call."""

    dropout_mask_count = None  # None: one mask; n: a mask per gate (Keras's implementation 1)

    def get_dropout_mask(self, step_input):
        if not 0.0 < self.dropout < 1.0:
            return None
        if self.__dict__.get("_dropout_mask") is None:
            self.__dict__["_dropout_mask"] = _dropout_masks(step_input, self.dropout,
                                                            self.dropout_mask_count)
        return self.__dict__["_dropout_mask"]

    def get_recurrent_dropout_mask(self, step_state):
        if not 0.0 < self.recurrent_dropout < 1.0:
            return None
        if self.__dict__.get("_recurrent_dropout_mask") is None:
            self.__dict__["_recurrent_dropout_mask"] = _dropout_masks(
                step_state, self.recurrent_dropout, self.dropout_mask_count)
        return self.__dict__["_recurrent_dropout_mask"]

    def reset_dropout_mask(self):
        self.__dict__["_dropout_mask"] = None

    def reset_recurrent_dropout_mask(self):
        self.__dict__["_recurrent_dropout_mask"] = None

    def build_from_config(self, config):
        """Build from the saved step-input shape (a cell cannot be run on one dummy input)."""
        if config and config.get("input_shape") is not None and not self.built:
            shape = tuple(config["input_shape"])
            self.build(shape)
            self.built = True
            self._build_shapes = shape

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        return [ember.zeros(batch_size, s, dtype=getattr(ember, self.dtype)) for s in sizes]

    def _cell_config(self):
        config = super().get_config()
        config.update(
            units=self.units, use_bias=self.use_bias,
            activation=activations.serialize(self.activation),
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            recurrent_initializer=initializers.serialize(self.recurrent_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
            recurrent_regularizer=regularizers.serialize(self.recurrent_regularizer),
            bias_regularizer=regularizers.serialize(self.bias_regularizer),
            kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
            dropout=self.dropout, recurrent_dropout=self.recurrent_dropout, seed=self.seed,
        )
        return config

    def _init_common(self, units, activation, use_bias, kernel_initializer,
                     recurrent_initializer, bias_initializer, kernel_regularizer,
                     recurrent_regularizer, bias_regularizer, kernel_constraint,
                     recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed):
        self.units = _check_units(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.recurrent_constraint = recurrent_constraint
        self.bias_constraint = bias_constraint
        self.dropout = _rate(dropout)
        self.recurrent_dropout = _rate(recurrent_dropout)
        self.seed = seed  # accepted; dropout draws from ember's global generator

    def _build_kernels(self, input_shape, gates, bias_shape, bias_initializer=None):
        self.kernel = self.add_weight(shape=(input_shape[-1], gates * self.units),
                                      name="kernel", initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, gates * self.units),
                                                name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        if self.use_bias:
            self.bias = self.add_weight(shape=bias_shape, name="bias",
                                        initializer=bias_initializer or self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None


def _first_state(states):
    return states[0] if isinstance(states, (list, tuple)) else states


class SimpleRNNCell(_DropoutCell):
    """One step of a fully connected RNN: h' = activation(x W + b + h U).

    Weights: ``kernel`` (input_dim, units), ``recurrent_kernel`` (units, units), ``bias``
    (units,). ``call(inputs, states, training=False)`` returns (h', [h']).

    >>> import ember
    >>> from ember.keras import layers
    >>> cell = layers.SimpleRNNCell(4)
    >>> h, states = cell(ember.ones(2, 3), [ember.zeros(2, 4)])
    >>> tuple(h.shape), cell.state_size
    ((2, 4), 4)
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self._init_common(units, activation, use_bias, kernel_initializer,
                          recurrent_initializer, bias_initializer, kernel_regularizer,
                          recurrent_regularizer, bias_regularizer, kernel_constraint,
                          recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                          seed)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self._build_kernels(input_shape, 1, (self.units,))

    def call(self, inputs, states, training=False):
        prev = _first_state(states)
        dp = self.get_dropout_mask(inputs) if training else None
        rdp = self.get_recurrent_dropout_mask(prev) if training else None
        h = _project(inputs, self.kernel, dp, 1)
        if self.bias is not None:
            h = h + self.bias
        out = self.activation(h + _project(prev, self.recurrent_kernel, rdp, 1))
        return out, ([out] if isinstance(states, (list, tuple)) else out)

    def get_config(self):
        return self._cell_config()


class LSTMCell(_DropoutCell):
    """One LSTM step, Keras's equations and gate order (i, f, c, o):

        z = x W + h U + b;  i, f, o = σ_r(z_i), σ_r(z_f), σ_r(z_o);  c' = f⊙c + i⊙act(z_c)
        h' = o ⊙ act(c')

    (σ_r = ``recurrent_activation``, act = ``activation``). ``unit_forget_bias`` starts the
    forget-gate bias at 1. Weights: ``kernel`` (input_dim, 4·units), ``recurrent_kernel``
    (units, 4·units), ``bias`` (4·units,). ``call`` returns (h', [h', c']).
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        self._init_common(units, activation, use_bias, kernel_initializer,
                          recurrent_initializer, bias_initializer, kernel_regularizer,
                          recurrent_regularizer, bias_regularizer, kernel_constraint,
                          recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                          seed)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.implementation = 1 if self.recurrent_dropout else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 4
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        init = None
        if self.unit_forget_bias:
            base, units = self.bias_initializer, self.units

            def init(shape, dtype="float32"):
                return np.concatenate([np.asarray(base((units,), dtype=dtype)),
                                       np.ones((units,), dtype=dtype),
                                       np.asarray(base((2 * units,), dtype=dtype))])
        self._build_kernels(input_shape, 4, (4 * self.units,), init)

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        dp = self.get_dropout_mask(inputs) if training else None
        rdp = self.get_recurrent_dropout_mask(h_tm1) if training else None
        z = _project(inputs, self.kernel, dp, 4) + _project(h_tm1, self.recurrent_kernel, rdp, 4)
        if self.bias is not None:
            z = z + self.bias
        zi, zf, zc, zo = z.chunk(4, -1)
        i = self.recurrent_activation(zi)
        f = self.recurrent_activation(zf)
        c = f * c_tm1 + i * self.activation(zc)
        o = self.recurrent_activation(zo)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        config = self._cell_config()
        config.update(recurrent_activation=activations.serialize(self.recurrent_activation),
                      unit_forget_bias=self.unit_forget_bias)
        return config


class GRUCell(_DropoutCell):
    """One GRU step, Keras's equations and gate order (z, r, h):

        z = σ_r(x W_z + h U_z + b),  r = σ_r(x W_r + h U_r + b)
        ĥ = act(x W_h + r ⊙ (h U_h + b'_h))   (reset_after=True; PyTorch's GRU)
        ĥ = act(x W_h + (r ⊙ h) U_h + b_h)     (reset_after=False)
        h' = z ⊙ h + (1 − z) ⊙ ĥ

    Weights: ``kernel`` (input_dim, 3·units), ``recurrent_kernel`` (units, 3·units), ``bias``
    (2, 3·units) with reset_after (input and recurrent biases) else (3·units,).
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True,
                 seed=None, **kwargs):
        implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        self._init_common(units, activation, use_bias, kernel_initializer,
                          recurrent_initializer, bias_initializer, kernel_regularizer,
                          recurrent_regularizer, bias_regularizer, kernel_constraint,
                          recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                          seed)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)
        self.implementation = 1 if self.recurrent_dropout else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 3
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self._build_kernels(input_shape, 3, shape)

    def call(self, inputs, states, training=False):
        h_tm1 = _first_state(states)
        units = self.units
        dp = self.get_dropout_mask(inputs) if training else None
        rdp = self.get_recurrent_dropout_mask(h_tm1) if training else None
        input_bias = recurrent_bias = None
        if self.bias is not None:
            if self.reset_after:
                input_bias, recurrent_bias = self.bias[0], self.bias[1]
            else:
                input_bias = self.bias
        matrix_x = _project(inputs, self.kernel, dp, 3)
        if input_bias is not None:
            matrix_x = matrix_x + input_bias
        x_z, x_r, x_h = matrix_x.chunk(3, -1)
        if self.reset_after:
            inner = _project(h_tm1, self.recurrent_kernel, rdp, 3)
            if recurrent_bias is not None:
                inner = inner + recurrent_bias
        else:
            masks = rdp[:2] if isinstance(rdp, list) else rdp
            inner = _project(h_tm1, self.recurrent_kernel[:, :2 * units], masks, 2)
        z = self.recurrent_activation(x_z + inner[:, :units])
        r = self.recurrent_activation(x_r + inner[:, units:2 * units])
        if self.reset_after:
            rec_h = r * inner[:, 2 * units:]
        else:
            mask_h = rdp[2] if isinstance(rdp, list) else rdp
            rec_h = _project(r * h_tm1, self.recurrent_kernel[:, 2 * units:], mask_h, 1)
        hh = self.activation(x_h + rec_h)
        h = z * h_tm1 + (1 - z) * hh
        return h, ([h] if isinstance(states, (list, tuple)) else h)

    def get_config(self):
        config = self._cell_config()
        config.update(recurrent_activation=activations.serialize(self.recurrent_activation),
                      reset_after=self.reset_after)
        return config


# -- the fused kernel -----------------------------------------------------------------------------

def _fused_mode(cell):
    """The ``ember.ops.rnn`` mode that computes ``cell`` exactly, or None."""
    kind = type(cell)
    tanh, sigmoid = activations.tanh, activations.sigmoid
    if kind is LSTMCell:
        ok = cell.activation is tanh and cell.recurrent_activation is sigmoid
        return "LSTM" if ok else None
    if kind is GRUCell:
        ok = cell.activation is tanh and cell.recurrent_activation is sigmoid and cell.reset_after
        return "GRU" if ok else None
    if kind is SimpleRNNCell:
        if cell.activation is tanh:
            return "RNN_TANH"
        if cell.activation is activations.relu:
            return "RNN_RELU"
    return None


def _fused_weights(cell, mode):
    """(w_ih, w_hh, b_ih, b_hh) in the kernel's PyTorch layout, as views/gathers of the Keras
    weights (so gradients flow back to them)."""
    kernel, recurrent, bias = cell.kernel, cell.recurrent_kernel, cell.bias
    if mode == "GRU":
        u = cell.units
        order = _index(np.r_[u:2 * u, 0:u, 2 * u:3 * u], kernel)  # Keras z, r, h -> r, z, n
        w_ih = kernel.index_select(1, order).t()
        w_hh = recurrent.index_select(1, order).t()
        if bias is None:
            return w_ih, w_hh, None, None
        b = bias.index_select(1, order)
        return w_ih, w_hh, b[0], b[1]
    b_hh = None if bias is None else ember.zeros(bias.shape[0], dtype=bias.dtype,
                                                 device=bias.device)
    return kernel.t(), recurrent.t(), bias, b_hh


def _index(array, like):
    """A host-side NumPy index/mask array as a tensor on ``like``'s device."""
    return ember.from_numpy(np.ascontiguousarray(array)).to(like.device)


def _block_layout(mask_np, go_backwards):
    """For a (B, T) mask: per sequence, the start and length of its valid steps in processing
    order — or None when some sequence's valid steps are not one contiguous block."""
    m = mask_np[:, ::-1] if go_backwards else mask_np
    lengths = m.sum(1)
    starts = np.where(lengths > 0, m.argmax(1), 0)
    steps = np.arange(m.shape[1])
    block = (steps >= starts[:, None]) & (steps < (starts + lengths)[:, None])
    if not np.array_equal(block, m):
        return None
    return starts, lengths


# -- the RNN layer --------------------------------------------------------------------------------

class RNN(Layer):
    """Run ``cell`` over the time axis of (batch, timesteps, features) inputs (Keras 3's RNN).

    The cell is a layer with ``call(inputs, states) -> (output, new_states)`` and a
    ``state_size`` (an int or a list of ints). Masked steps (``mask`` from an
    ``Embedding(mask_zero=True)`` or passed explicitly) keep the previous states and output the
    previous output (zeros with ``zero_output_for_mask=True``), as Keras does.

    Args:
        cell: the cell instance.
        return_sequences: return every step's output (batch, timesteps, units) instead of the
            last one (batch, units).
        return_state: also return the final states: ``output, *states``.
        go_backwards: process the sequence in reverse and return the reversed sequence.
        stateful: reuse each batch's final states as the next batch's initial states (call
            ``reset_state()`` between independent sequences).
        unroll: accepted for compatibility (no effect: there is no graph to unroll).
        zero_output_for_mask: zeros instead of the previous output at masked steps.

    Call: ``layer(sequences, initial_state=None, mask=None, training=None)``.
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            raise NotImplementedError(
                "RNN: a list of cells (StackedRNNCells) is not supported by ember.keras; stack "
                "RNN layers with return_sequences=True instead"
            )
        if not hasattr(cell, "call"):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell}")
        if getattr(cell, "state_size", None) is None:
            raise ValueError(
                "The RNN cell should have a `state_size` attribute (single integer or list of "
                f"integers, one integer per RNN state). Received: cell={cell}"
            )
        super().__init__(**kwargs)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.supports_masking = True
        self.__dict__["states"] = None
        size = cell.state_size
        self.state_size = [int(size)] if isinstance(size, (int, np.integer)) else list(size)
        self.single_state = isinstance(size, (int, np.integer))

    def _check_rank(self, shape):
        if len(shape) != 3:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' expects inputs of rank 3 (batch, "
                f"timesteps, features), got shape {tuple(shape)}"
            )

    def build(self, sequences_shape, initial_state_shape=None):
        self._check_rank(sequences_shape)
        step_shape = (sequences_shape[0],) + tuple(sequences_shape[2:])
        cell = self.cell
        if isinstance(cell, Layer) and not cell.built:
            cell.build(step_shape)
            cell.built = True
            cell._build_shapes = step_shape

    # -- states ------------------------------------------------------------------------------

    def get_initial_state(self, batch_size):
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            state = fn(batch_size=batch_size)
            return list(state) if isinstance(state, (list, tuple)) else [state]
        dtype = getattr(ember, self.dtype)
        return [ember.zeros(batch_size, s, dtype=dtype) for s in self.state_size]

    def reset_state(self):
        """Zero the states a stateful layer carries between batches."""
        if self.states is not None:
            self.__dict__["states"] = [ember.zeros_like(s) for s in self.states]

    reset_states = reset_state

    def _initial_states(self, initial_state, sequences):
        batch = sequences.shape[0]
        if initial_state is None:
            if self.stateful and self.states is not None and self.states[0].shape[0] == batch:
                return list(self.states)
            return [s.to(sequences.device) for s in self.get_initial_state(batch)]
        states = initial_state if isinstance(initial_state, (list, tuple)) else [initial_state]
        states = [convert_inputs(s, self.dtype).to(sequences.device) for s in states]
        expected = [(batch, s) for s in self.state_size]
        got = [tuple(s.shape) for s in states]
        if got != expected:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': initial_state should be "
                f"{len(expected)} tensor(s) of shape(s) {expected}, got shape(s) {got}"
            )
        return states

    # -- call --------------------------------------------------------------------------------

    def call(self, sequences, initial_state=None, mask=None, training=False):
        self._check_rank(sequences.shape)
        states = self._initial_states(initial_state, sequences)
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        layout = None
        if mask is not None:
            mask_np = np.asarray(mask.detach().cpu().numpy(), dtype=bool)
            if mask_np.shape != tuple(sequences.shape[:2]):
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': the mask should have shape (batch, "
                    f"timesteps) = {tuple(sequences.shape[:2])}, got {mask_np.shape}"
                )
            if mask_np.all():
                mask = None
            else:
                layout = _block_layout(mask_np, self.go_backwards)
        mode = self._fused_mode(training)
        if mode is not None and (mask is None or layout is not None):
            last, outputs, states = self._run_fused(mode, sequences, states, mask, layout,
                                                    training)
        else:
            if getattr(self, "use_cudnn", "auto") is True:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': use_cudnn=True was specified, but the "
                    "fused kernel does not support this configuration (it needs tanh/sigmoid "
                    "activations, reset_after=True for a GRU, no recurrent dropout while "
                    "training and masks with one block of valid steps per sequence); pass "
                    "use_cudnn='auto'"
                )
            last, outputs, states = self._run_loop(sequences, states, mask, training)
        if self.stateful and not is_probing():  # shape-inference probes leave no state
            self.__dict__["states"] = [s.detach() for s in states]
        output = outputs if self.return_sequences else last
        if self.return_state:
            return (output, *states)
        return output

    def _fused_mode(self, training):
        if getattr(self, "use_cudnn", "auto") is False:
            return None
        cell = self.cell
        mode = _fused_mode(cell)
        if mode is None or (training and cell.recurrent_dropout > 0):
            return None
        return mode

    def _run_fused(self, mode, x, states, mask, layout, training):
        cell = self.cell
        if training and 0.0 < cell.dropout < 1.0:
            x = x * _dropout_masks(x[:, :1], cell.dropout, None)  # one mask for all steps
        w_ih, w_hh, b_ih, b_hh = _fused_weights(cell, mode)
        h0 = states[0]
        c0 = states[1] if mode == "LSTM" else None
        if mask is None:
            res = rnn_layer(mode, x.transpose(0, 1), h0, c0, w_ih, w_hh, b_ih, b_hh,
                            reverse=self.go_backwards)
            finals = list(res[1:])
            outputs = None
            if self.return_sequences:
                outputs = res[0].transpose(0, 1)
                if self.go_backwards:  # Keras returns the outputs in processing order
                    outputs = outputs.flip(1)
            return finals[0], outputs, finals
        return self._run_packed(mode, x, h0, c0, (w_ih, w_hh, b_ih, b_hh), layout)

    def _run_packed(self, mode, x, h0, c0, weights, layout):
        """Masked sequences on the kernel: each sequence's valid steps are gathered to the
        front (in processing order), the batch sorted by length and run as a packed batch,
        then outputs and states are put back in Keras's places."""
        starts, lengths = layout
        batch, steps, features = x.shape
        longest = int(lengths.max())
        if longest == 0:  # every step masked: states stay, outputs are zeros
            size = self.cell.output_size
            zeros = ember.zeros(batch, size, dtype=x.dtype, device=x.device)
            outputs = ember.zeros(batch, steps, size, dtype=x.dtype, device=x.device)
            return zeros, outputs, [h0] if c0 is None else [h0, c0]
        order = np.argsort(-lengths, kind="stable")
        inverse = np.argsort(order)
        batch_sizes = (lengths[None, :] > np.arange(longest)[:, None]).sum(1).tolist()
        eff = np.minimum(starts[order][None, :] + np.arange(longest)[:, None], steps - 1)
        src = steps - 1 - eff if self.go_backwards else eff
        rows = _index((order[None, :] * steps + src).ravel(), x)
        packed = x.reshape(batch * steps, features).index_select(0, rows)
        packed = packed.reshape(longest, batch, features)
        perm = _index(order, x)
        c0p = None if c0 is None else c0.index_select(0, perm)
        res = rnn_layer(mode, packed, h0.index_select(0, perm), c0p, *weights,
                        batch_sizes=batch_sizes)
        inv = _index(inverse, x)
        finals = [s.index_select(0, inv) for s in res[1:]]
        ends = starts + lengths
        keep_last = lengths > 0
        if self.zero_output_for_mask:
            keep_last &= ends == steps
        last = finals[0]
        if not keep_last.all():
            last = last * _index(keep_last[:, None], x).to(last.dtype)
        outputs = None
        if self.return_sequences:
            k = np.arange(steps)[None, :]
            s, n = starts[:, None], lengths[:, None]
            valid = (k >= s) & (k < s + n)
            carried = (k >= s + n) & (n > 0) & (not self.zero_output_for_mask)
            t_idx = np.where(valid, k - s, np.where(carried, n - 1, 0))
            j_idx = np.broadcast_to(inverse[:, None], t_idx.shape)
            outputs = res[0][t_idx, j_idx]
            keep = valid | carried
            if not keep.all():
                outputs = outputs * _index(keep[..., None], x).to(outputs.dtype)
        return last, outputs, finals

    def _run_loop(self, x, states, mask, training):
        """Keras's step loop: the cell on each step, masked steps keeping states and output."""
        cell = self.cell
        is_layer = isinstance(cell, Layer)
        resets = isinstance(cell, _DropoutCell)
        if resets:
            cell.reset_dropout_mask()
            cell.reset_recurrent_dropout_mask()
        steps = x.shape[1]
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        outputs, prev, last = [], None, None
        try:
            for t in order:
                xt = x[:, t]
                if is_layer:
                    out, new = cell(xt, states, training=training)
                else:
                    out, new = cell.call(xt, states)
                new = list(new) if isinstance(new, (list, tuple)) else [new]
                if mask is not None:
                    mt = mask[:, t].unsqueeze(-1)
                    if prev is None or self.zero_output_for_mask:
                        prev = ember.zeros_like(out)
                    out = ember.where(mt, out, prev)
                    new = [ember.where(mt, n, s) for n, s in zip(new, states)]
                    prev = out
                states = new
                last = out
                if self.return_sequences:
                    outputs.append(out)
        finally:
            if resets:
                cell.reset_dropout_mask()
                cell.reset_recurrent_dropout_mask()
        return last, (ember.stack(outputs, 1) if self.return_sequences else None), states

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    def get_config(self):
        config = super().get_config()
        config.update(return_sequences=self.return_sequences, return_state=self.return_state,
                      go_backwards=self.go_backwards, stateful=self.stateful,
                      unroll=self.unroll, zero_output_for_mask=self.zero_output_for_mask,
                      cell=serialize_layer(self.cell))
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = deserialize_layer(config.pop("cell"), custom_objects)
        return cls(cell, **config)


# -- SimpleRNN, LSTM, GRU ------------------------------------------------------------------------

_CELL_ATTRS = ("units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
               "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
               "bias_regularizer", "dropout", "recurrent_dropout")


class _CellLayer(RNN):
    """An RNN over a built-in cell whose arguments it exposes (Keras's SimpleRNN/LSTM/GRU)."""

    def __getattr__(self, name):
        if name in self._cell_attributes:
            return getattr(self._modules["cell"], name)
        return super().__getattr__(name)

    _cell_attributes = _CELL_ATTRS

    def _split_cell_kwargs(self, kwargs):
        return dict(dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True))

    def _check_use_cudnn(self, use_cudnn):
        if use_cudnn not in ("auto", True, False):
            raise ValueError(
                "Invalid valid received for argument `use_cudnn`. Expected one of {'auto', "
                f"True, False}}. Received: use_cudnn={use_cudnn}"
            )
        self.use_cudnn = use_cudnn

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        config.update(cell_config)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class SimpleRNN(_CellLayer):
    """Fully connected RNN whose output is fed back: h_t = activation(x_t W + b + h_{t−1} U).

    Keras 3's ``SimpleRNN`` (arguments, defaults and weights of ``SimpleRNNCell``; the RNN
    arguments of ``RNN``). Runs on the fused kernel for tanh and relu.

    >>> import ember
    >>> from ember.keras import layers
    >>> layers.SimpleRNN(4)(ember.randn(2, 3, 5)).shape
    ember.Size([2, 4])
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None, **kwargs):
        cell = SimpleRNNCell(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, name="simple_rnn_cell",
            **self._split_cell_kwargs(kwargs))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)


class LSTM(_CellLayer):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997) with Keras 3's arguments.

    Per step (gates i, f, c, o): c' = f⊙c + i⊙tanh(z_c), h' = o⊙tanh(c') — see ``LSTMCell``.
    Weights (in the cell): ``kernel`` (input_dim, 4·units), ``recurrent_kernel``
    (units, 4·units), ``bias`` (4·units,); LSTM(64) on 64 features has 33,024 parameters.

    Shape: (batch, timesteps, features) -> (batch, units), or (batch, timesteps, units) with
    ``return_sequences``; ``return_state`` adds the final h and c.
    """

    _cell_attributes = _CELL_ATTRS + ("recurrent_activation", "unit_forget_bias")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", **kwargs):
        cell = LSTMCell(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            unit_forget_bias=unit_forget_bias, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, name="lstm_cell",
            implementation=kwargs.pop("implementation", 2), **self._split_cell_kwargs(kwargs))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self._check_use_cudnn(use_cudnn)


class GRU(_CellLayer):
    """Gated recurrent unit (Cho et al., 2014) with Keras 3's arguments (see ``GRUCell``).

    ``reset_after=True`` (the default) is PyTorch's GRU and runs on the fused kernel; weights
    ``kernel`` (input_dim, 3·units), ``recurrent_kernel`` (units, 3·units), ``bias``
    (2, 3·units); GRU(64) on 64 features has 24,960 parameters.
    """

    _cell_attributes = _CELL_ATTRS + ("recurrent_activation", "reset_after")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True,
                 use_cudnn="auto", **kwargs):
        cell = GRUCell(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, reset_after=reset_after,
            seed=seed, name="gru_cell", implementation=kwargs.pop("implementation", 2),
            **self._split_cell_kwargs(kwargs))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self._check_use_cudnn(use_cudnn)
