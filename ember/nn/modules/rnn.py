"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` (multi-layer, bidirectional, packed input) and
the single-step cells ``RNNCell``, ``LSTMCell``, ``GRUCell``, with PyTorch's parameters.

The layers run each direction of each layer as one fused op (``ember.ops.rnn``); the cells are
compositions of ember ops (so they also support double backward).
"""

from __future__ import annotations

import math
import numbers
import warnings

from ... import ops
from ...ops.rnn import GATES, packed_to_padded, padded_to_packed, rnn_layer
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter


def _dropout(x, p: float, training: bool):
    """Inverted dropout between layers."""
    from ...ops.dropout import dropout

    return dropout(x, p, training)


def _packed_sequence_type():
    from ..utils.rnn import PackedSequence

    return PackedSequence


class RNNBase(Module):
    """Base of ``RNN``, ``LSTM`` and ``GRU``: parameters, checks and the layer/direction loop.

    Parameters per layer k and direction (suffix ``_reverse`` for the backward direction):
    ``weight_ih_lk`` (G·H, I_k), ``weight_hh_lk`` (G·H, P), ``bias_ih_lk``, ``bias_hh_lk`` (G·H)
    and, for an LSTM with ``proj_size`` P > 0, ``weight_hr_lk`` (P, H); G = 4 (LSTM), 3 (GRU),
    1 (RNN). All start as U(−1/√H, 1/√H).
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None, dtype=None):
        super().__init__()
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        for name, value, kind in (("bias", bias, bool), ("batch_first", batch_first, bool),
                                  ("input_size", input_size, int),
                                  ("hidden_size", hidden_size, int)):
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise TypeError(f"{name} should be of type {kind.__name__}, got: "
                                f"{type(value).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        gate_size = GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        kw = dict(device=device, dtype=dtype)
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else real_hidden * directions
                shapes = [(gate_size, layer_input), (gate_size, real_hidden)]
                names = ["weight_ih_l{}{}", "weight_hh_l{}{}"]
                if bias:
                    shapes += [(gate_size,), (gate_size,)]
                    names += ["bias_ih_l{}{}", "bias_hh_l{}{}"]
                if proj_size > 0:
                    shapes.append((proj_size, hidden_size))
                    names.append("weight_hr_l{}{}")
                suffix = "_reverse" if direction == 1 else ""
                names = [n.format(layer, suffix) for n in names]
                for name, shape in zip(names, shapes):
                    setattr(self, name, Parameter(ops.empty(*shape, **kw)))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """A no-op (PyTorch compacts cuDNN weights here)."""

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n, None) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        return [[getattr(self, w) for w in weights] for weights in self._all_weights]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -- checks ----------------------------------------------------------------------------------

    def check_input(self, input: Tensor, batch_sizes) -> None:
        w = self._flat_weights[0]
        if input.dtype != w.dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype ({w.dtype}). "
                f"Convert input: input.to({w.dtype}), or convert model: model.to({input.dtype})")
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")

    def get_expected_hidden_size(self, input: Tensor, batch_sizes) -> tuple:
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        directions = 2 if self.bidirectional else 1
        size = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * directions, mini_batch, size)

    def check_hidden_size(self, hx: Tensor, expected: tuple,
                          msg: str = "Expected hidden size {}, got {}") -> None:
        if tuple(hx.size()) != tuple(expected):
            raise RuntimeError(msg.format(tuple(expected), list(hx.size())))

    def check_forward_args(self, input: Tensor, hidden, batch_sizes) -> None:
        self.check_input(input, batch_sizes)
        expected = self.get_expected_hidden_size(input, batch_sizes)
        if self.mode == "LSTM":
            self.check_hidden_size(hidden[0], expected, "Expected hidden[0] size {}, got {}")
            cell = expected[:2] + (self.hidden_size,)
            self.check_hidden_size(hidden[1], cell, "Expected hidden[1] size {}, got {}")
        else:
            self.check_hidden_size(hidden, expected)

    # -- forward ---------------------------------------------------------------------------------

    def forward(self, input, hx=None):
        lstm = self.mode == "LSTM"
        PackedSequence = _packed_sequence_type()
        packed = isinstance(input, PackedSequence)
        is_batched = True
        sorted_indices = unsorted_indices = batch_sizes = None
        if packed:
            data, batch_sizes, sorted_indices, unsorted_indices = input
            if hx is not None and sorted_indices is not None:
                hx = self._permute_hidden(hx, sorted_indices)
            self._check_with_hidden(data, hx, batch_sizes)
            steps = [int(b) for b in batch_sizes.tolist()]
            x = packed_to_padded(data, steps)
        else:
            if input.dim() not in (2, 3):
                tail = " tensor" if self.mode.startswith("RNN") else ""
                name = "RNN" if self.mode.startswith("RNN") else self.mode
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D"
                                 f"{tail} instead")
            is_batched = input.dim() == 3
            batch_dim = 0 if self.batch_first else 1
            if not is_batched:
                input = input.unsqueeze(batch_dim)
            hx = self._batch_hidden(hx, is_batched)
            self._check_with_hidden(input, hx, None)
            x = input.transpose(0, 1) if self.batch_first else input
        if hx is None:
            h0 = c0 = None
        elif lstm:
            h0, c0 = hx
        else:
            h0, c0 = hx, None
        directions = 2 if self.bidirectional else 1
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(directions):
                k = layer * directions + d
                names = self._all_weights[k]
                w = [getattr(self, n) for n in names]
                if self.bias:
                    w_ih, w_hh, b_ih, b_hh = w[:4]
                else:
                    (w_ih, w_hh), b_ih, b_hh = w[:2], None, None
                w_hr = w[-1] if self.proj_size > 0 else None
                res = rnn_layer(self.mode, x, None if h0 is None else h0[k],
                                None if c0 is None else c0[k], w_ih, w_hh, b_ih, b_hh, w_hr,
                                d == 1, steps if packed else None)
                outs.append(res[0])
                h_n.append(res[1])
                if lstm:
                    c_n.append(res[2])
            x = outs[0] if directions == 1 else ops.cat(outs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = _dropout(x, self.dropout, True)
        hidden = ops.stack(h_n)
        if lstm:
            hidden = (hidden, ops.stack(c_n))
        if packed:
            out = PackedSequence(padded_to_packed(x, steps), batch_sizes, sorted_indices,
                                 unsorted_indices)
            if unsorted_indices is not None:
                hidden = self._permute_hidden(hidden, unsorted_indices)
            return out, hidden
        output = (x.transpose(0, 1) if self.batch_first else x).contiguous()
        if not is_batched:
            output = output.squeeze(0 if self.batch_first else 1)
            hidden = (hidden[0].squeeze(1), hidden[1].squeeze(1)) if lstm else hidden.squeeze(1)
        return output, hidden

    def _permute_hidden(self, hx, permutation):
        if self.mode == "LSTM":
            return hx[0].index_select(1, permutation), hx[1].index_select(1, permutation)
        return hx.index_select(1, permutation)

    def _batch_hidden(self, hx, is_batched):
        """Check hx's rank against the input's and add the batch dim for unbatched input."""
        if hx is None:
            return None
        want = 3 if is_batched else 2
        kind = "batched 3-D" if is_batched else "unbatched 2-D"
        if self.mode == "LSTM":
            if hx[0].dim() != want or hx[1].dim() != want:
                raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                   f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
            return hx if is_batched else (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        if hx.dim() != want:
            raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got "
                               f"{hx.dim()}-D tensor")
        return hx if is_batched else hx.unsqueeze(1)

    def _check_with_hidden(self, input, hx, batch_sizes):
        if hx is None:
            self.check_input(input, batch_sizes)
        else:
            self.check_forward_args(input, hx, batch_sizes)


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh) (or relu), per layer.

    Input (L, N, I) (or (N, L, I) with ``batch_first``, or (L, I) unbatched) or a
    ``PackedSequence``; returns (output (L, N, D·H), h_n (num_layers·D, N, H)).

    >>> import ember
    >>> from ember.nn.modules.rnn import RNN
    >>> out, h = RNN(4, 8, num_layers=2)(ember.randn(5, 3, 4))
    >>> tuple(out.shape), tuple(h.shape)
    ((5, 3, 8), (2, 3, 8))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device=None, dtype=None,
                 **kwargs):
        _reject_proj(kwargs)
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory, per layer and step (gates in the order i, f, g, o):

        i, f, o = σ(W_i· x + b_i· + W_h· h + b_h·),  g = tanh(W_ig x + b_ig + W_hg h + b_hg)
        c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c')   (h' = W_hr h' with ``proj_size`` > 0)

    Returns (output (L, N, D·P), (h_n (num_layers·D, N, P), c_n (num_layers·D, N, H))).

    >>> import ember
    >>> from ember.nn.modules.rnn import LSTM
    >>> out, (h, c) = LSTM(4, 8, batch_first=True)(ember.randn(3, 5, 4))
    >>> tuple(out.shape), tuple(h.shape), tuple(c.shape)
    ((3, 5, 8), (1, 3, 8), (1, 3, 8))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device=device, dtype=dtype)


class GRU(RNNBase):
    """Gated recurrent unit, per layer and step (gates in the order r, z, n):

        r, z = σ(W_i· x + b_i· + W_h· h + b_h·)
        n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),   h' = (1 − z) ⊙ n + z ⊙ h

    >>> import ember
    >>> from ember.nn.modules.rnn import GRU
    >>> out, h = GRU(4, 8, bidirectional=True)(ember.randn(5, 3, 4))
    >>> tuple(out.shape), tuple(h.shape)
    ((5, 3, 16), (2, 3, 8))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device=None, dtype=None, **kwargs):
        _reject_proj(kwargs)
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)


def _reject_proj(kwargs):
    if "proj_size" in kwargs:
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
    if kwargs:
        raise TypeError(f"__init__() got an unexpected keyword argument '{next(iter(kwargs))}'")


# -- cells ---------------------------------------------------------------------------------------


class RNNCellBase(Module):
    """Parameters of a single-step cell: weight_ih (G·H, I), weight_hh (G·H, H), bias_ih and
    bias_hh (G·H), all U(−1/√H, 1/√H)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        kw = dict(device=device, dtype=dtype)
        self.weight_ih = Parameter(ops.empty(num_chunks * hidden_size, input_size, **kw))
        self.weight_hh = Parameter(ops.empty(num_chunks * hidden_size, hidden_size, **kw))
        if bias:
            self.bias_ih = Parameter(ops.empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(ops.empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _prepare(self, name, input, hx, n_states):
        """Check ranks and sizes; return the batched input, batched states and is_batched."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             "instead")
        states = None if hx is None else (tuple(hx) if n_states == 2 else (hx,))
        if states is not None:
            for idx, value in enumerate(states):
                if value.dim() not in (1, 2):
                    what = f"hx[{idx}]" if n_states == 2 else "hidden"
                    raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got "
                                     f"{value.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        w = self.weight_ih
        if input.dtype != w.dtype:
            raise RuntimeError(f"{name}: input dtype ({input.dtype}) does not match weight "
                               f"dtype ({w.dtype}); convert the input or the module")
        if input.size(1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} "
                               f"expected {self.input_size}")
        if states is None:
            zeros = ops.zeros(input.size(0), self.hidden_size, dtype=input.dtype,
                              device=input.device)
            states = (zeros,) * n_states
        else:
            states = tuple(s.unsqueeze(0) if not is_batched else s for s in states)
            for idx, s in enumerate(states):
                if s.size(0) != input.size(0):
                    raise RuntimeError(f"Input batch size {input.size(0)} doesn't match "
                                       f"hidden{idx} batch size {s.size(0)}")
                if s.size(-1) != self.hidden_size:
                    raise RuntimeError(f"hidden{idx} has inconsistent hidden_size: got "
                                       f"{s.size(-1)}, expected {self.hidden_size}")
        return input, states, is_batched

    def _gates(self, x, h):
        """W_ih x + b_ih and W_hh h + b_hh."""
        return F.linear(x, self.weight_ih, self.bias_ih), F.linear(h, self.weight_hh,
                                                                   self.bias_hh)


class RNNCell(RNNCellBase):
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu).

    >>> import ember
    >>> from ember.nn.modules.rnn import RNNCell
    >>> tuple(RNNCell(4, 8)(ember.randn(3, 4)).shape)
    (3, 8)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device,
                         dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        x, (h,), is_batched = self._prepare("RNNCell", input, hx, 1)
        gi, gh = self._gates(x, h)
        if self.nonlinearity == "tanh":
            out = ops.tanh(gi + gh)
        elif self.nonlinearity == "relu":
            out = ops.relu(gi + gh)
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return out if is_batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: i, f, o = σ(·), g = tanh(·); c' = f⊙c + i⊙g, h' = o⊙tanh(c').

    Returns (h', c').

    >>> import ember
    >>> from ember.nn.modules.rnn import LSTMCell
    >>> h, c = LSTMCell(4, 8)(ember.randn(3, 4))
    >>> tuple(h.shape), tuple(c.shape)
    ((3, 8), (3, 8))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        x, (h, c), is_batched = self._prepare("LSTMCell", input, hx, 2)
        gi, gh = self._gates(x, h)
        i, f, g, o = ops.chunk(gi + gh, 4, 1)
        c1 = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
        h1 = ops.sigmoid(o) * ops.tanh(c1)
        if not is_batched:
            return h1.squeeze(0), c1.squeeze(0)
        return h1, c1


class GRUCell(RNNCellBase):
    """One GRU step: r, z = σ(·), n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)),
    h' = (1 − z)⊙n + z⊙h.

    >>> import ember
    >>> from ember.nn.modules.rnn import GRUCell
    >>> tuple(GRUCell(4, 8)(ember.randn(4)).shape)
    (8,)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        x, (h,), is_batched = self._prepare("GRUCell", input, hx, 1)
        gi, gh = self._gates(x, h)
        ir, iz, in_ = ops.chunk(gi, 3, 1)
        hr, hz, hn = ops.chunk(gh, 3, 1)
        r = ops.sigmoid(ir + hr)
        z = ops.sigmoid(iz + hz)
        n = ops.tanh(in_ + r * hn)
        out = n + z * (h - n)
        return out if is_batched else out.squeeze(0)
