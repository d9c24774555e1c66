"""Symbolic tensors for the functional API: ``keras.Input``, ``KerasTensor``, graph ``Node``s.

``keras.Input(shape=(784,))`` returns a ``KerasTensor``: a shape (batch axis ``None``), a dtype
and the layer call that produced it. Calling a layer on KerasTensors records a ``Node`` (the
layer, the call's arguments, its outputs) and returns new KerasTensors; ``keras.Model(inputs,
outputs)`` walks these nodes back from the outputs.

Output shapes are found by running the layer for real, on small batches of zeros (batch 2 and
batch 3; other unknown axes 64 and 97): an axis whose size differs between the two runs is
reported as ``None``. This keeps every layer's shape logic in one place (its ``call``) instead
of a second ``compute_output_shape`` that could disagree with it.

>>> from ember import keras
>>> x = keras.Input(shape=(28, 28))
>>> x
<KerasTensor shape=(None, 28, 28), dtype=float32, name=input_layer...>
>>> keras.layers.Flatten()(x).shape
(None, 784)
"""

from __future__ import annotations

import itertools
import operator

import numpy as np

import ember
from ember.backend.errstate import quiet
from ember.tensor import Tensor

from .layer import _CONTEXT, Layer, _dtype_name, unique_name

__all__ = ["KerasTensor", "Node", "Input", "InputLayer", "symbolic_call"]

_TENSOR_IDS = itertools.count()


class KerasTensor:
    """A symbolic tensor: shape, dtype and the layer call that made it (``_keras_history``)."""

    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = tuple(None if s is None else int(s) for s in shape)
        self.dtype = _dtype_name(dtype)
        self.name = name or f"keras_tensor_{next(_TENSOR_IDS)}"
        self._keras_history = history  # (layer, node_index, tensor_index)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self):
        comma = "," if len(self.shape) == 1 else ""
        shape = "(" + ", ".join(str(s) for s in self.shape) + comma + ")"
        return f"<KerasTensor shape={shape}, dtype={self.dtype}, name={self.name}>"

    def __len__(self):
        if not self.shape or self.shape[0] is None:
            raise TypeError(f"len() of a KerasTensor with unknown first axis {self.shape}")
        return self.shape[0]

    def __bool__(self):
        raise TypeError(
            "A symbolic KerasTensor has no truth value: it stands for data that will flow "
            "through the model later. Use keras.ops.where/cond on real tensors instead."
        )

    __hash__ = object.__hash__

    # arithmetic on symbolic tensors records an operation layer, as in Keras
    def _op(self, name, *others, reverse=False):
        operands = (others[0], self) if reverse else (self, *others)
        return OperationLayer(name)(*operands)

    def __add__(self, o): return self._op("add", o)
    def __radd__(self, o): return self._op("add", o, reverse=True)
    def __sub__(self, o): return self._op("subtract", o)
    def __rsub__(self, o): return self._op("subtract", o, reverse=True)
    def __mul__(self, o): return self._op("multiply", o)
    def __rmul__(self, o): return self._op("multiply", o, reverse=True)
    def __truediv__(self, o): return self._op("divide", o)
    def __rtruediv__(self, o): return self._op("divide", o, reverse=True)
    def __matmul__(self, o): return self._op("matmul", o)
    def __rmatmul__(self, o): return self._op("matmul", o, reverse=True)
    def __pow__(self, o): return self._op("power", o)
    def __neg__(self): return self._op("negative")
    def __abs__(self): return self._op("absolute")

    def __getitem__(self, key):
        return OperationLayer("getitem", key=_encode_key(key))(self)


class Node:
    """One call of ``layer`` in a functional graph: its arguments and its outputs."""

    def __init__(self, layer, call_args, call_kwargs, outputs):
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs

    @property
    def input_tensors(self):
        return self.call_args[0] if self.call_args else None

    @property
    def keras_inputs(self) -> list:
        """Every KerasTensor among the call's arguments, in order."""
        leaves = _flatten((self.call_args, self.call_kwargs))
        return [t for t in leaves if isinstance(t, KerasTensor)]

    @property
    def parent_nodes(self) -> list:
        out = []
        for t in self.keras_inputs:
            layer, index, _ = t._keras_history
            node = layer._inbound_nodes[index]
            if node not in out:
                out.append(node)
        return out


def _flatten(x):
    if isinstance(x, (list, tuple)):
        return [y for v in x for y in _flatten(v)]
    if isinstance(x, dict):
        return [y for v in x.values() for y in _flatten(v)]
    return [x]


def map_structure(fn, x):
    """Apply ``fn`` to every leaf of nested lists/tuples/dicts."""
    if isinstance(x, list):
        return [map_structure(fn, v) for v in x]
    if isinstance(x, tuple):
        return tuple(map_structure(fn, v) for v in x)
    if isinstance(x, dict):
        return {k: map_structure(fn, v) for k, v in x.items()}
    return fn(x)


# Sizes given to unknown axes in the two probe runs: the batch axis gets 2 then 3; other unknown
# axes (a sequence length, an image side) get 64 then 97, larger than common kernels and apart
# by more than common strides, so an axis that depends on them comes out as None.
_PROBE_SIZES = ((2, 64), (3, 97))


def _dummy(kt: KerasTensor, run: int) -> Tensor:
    batch, other = _PROBE_SIZES[run]
    shape = tuple(s if s is not None else (batch if i == 0 else other)
                  for i, s in enumerate(kt.shape))
    return ember.from_numpy(np.zeros(shape, dtype=kt.dtype))


def _run_on_dummies(layer, args, kwargs):
    """Run ``layer`` on zeros shaped like the KerasTensors in ``args``; return output specs."""
    runs = []
    for run in (0, 1):
        def dummy(v, run=run):
            return _dummy(v, run) if isinstance(v, KerasTensor) else v

        cargs = map_structure(dummy, args)
        ckw = map_structure(dummy, kwargs)
        ckw["training"] = False
        was_probing, _CONTEXT.probing = _CONTEXT.probing, True
        try:
            with ember.no_grad(), quiet():
                runs.append(layer(*cargs, **ckw))
        except Exception as e:
            shapes = [t.shape for t in _flatten((args, kwargs)) if isinstance(t, KerasTensor)]
            msg = f"{e}\n(while calling layer '{layer.name}' on symbolic inputs of shape "
            msg += ", ".join(str(s) for s in shapes) + ")"
            try:
                err = type(e)(msg)
            except Exception:
                raise e from None
            raise err.with_traceback(e.__traceback__) from None
        finally:
            _CONTEXT.probing = was_probing
    return runs


def _merge(a, b):
    """Output spec from two concrete runs: axes whose size differs are unknown (None)."""
    if isinstance(a, (list, tuple)):
        return type(a)(_merge(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return {k: _merge(a[k], b[k]) for k in a}
    if not isinstance(a, Tensor):
        return a
    shape = tuple(x if x == y else None for x, y in zip(a.shape, b.shape))
    return KerasTensor(shape, str(a.dtype).replace("ember.", ""))


def symbolic_call(layer, args, kwargs):
    """Call ``layer`` on KerasTensors: record a Node and return the symbolic outputs."""
    kwargs = dict(kwargs)
    training = kwargs.pop("training", None)
    was_built = layer.built
    run2, run3 = _run_on_dummies(layer, args, kwargs)
    if not was_built and layer.built and args:
        # built by the dummy run: record the symbolic shape (batch None), not the dummy's
        layer.__dict__["_build_shapes"] = map_structure(
            lambda v: v.shape if isinstance(v, KerasTensor) else v, args[0])
    outputs = _merge(run2, run3)
    if training is not None:
        kwargs["training"] = training
    node = Node(layer, args, kwargs, outputs)
    index = len(layer._inbound_nodes)
    layer._inbound_nodes.append(node)
    for i, t in enumerate(t for t in _flatten(outputs) if isinstance(t, KerasTensor)):
        t._keras_history = (layer, index, i)
    return outputs


def infer_output_shape(layer, input_shape):
    """Output shape(s) of ``layer`` for ``input_shape`` (tuples; a list for several inputs)."""
    if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
        args = ([KerasTensor(s) for s in input_shape],)
    else:
        args = (KerasTensor(input_shape),)
    out = _merge(*_run_on_dummies(layer, args, {}))
    return map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else t, out)


def build_with_shape(layer, input_shape) -> None:
    """Build ``layer`` (weights and sublayers) for ``input_shape`` without recording a node."""
    infer_output_shape(layer, input_shape)


class InputLayer(Layer):
    """The layer behind ``keras.Input``: it holds the model's input shape and dtype."""

    def __init__(self, shape=None, batch_size=None, dtype=None, batch_shape=None, name=None,
                 sparse=False, **kwargs):
        if sparse:
            raise ValueError("InputLayer: sparse inputs are not supported by ember.keras")
        for old in ("input_shape", "batch_input_shape"):  # Keras 2 spellings
            if old in kwargs:
                value = kwargs.pop(old)
                if old == "input_shape":
                    shape = value
                else:
                    batch_shape = value
        super().__init__(name=name or unique_name("input_layer"), dtype=dtype, **kwargs)
        if batch_shape is None:
            if shape is None:
                raise ValueError("InputLayer needs shape= (without the batch axis) or batch_shape=")
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        self.batch_shape = tuple(batch_shape)
        self.built = True
        kt = KerasTensor(self.batch_shape, self.dtype, name=self.name, history=(self, 0, 0))
        self._inbound_nodes.append(Node(self, (), {}, kt))

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None):
    """A symbolic model input: ``keras.Input(shape=(28, 28, 1))`` (shape without the batch axis)."""
    if tensor is not None:
        raise ValueError("Input(tensor=...) is not supported by ember.keras")
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape,
                       name=name, sparse=bool(sparse))
    return layer._inbound_nodes[0].outputs


# -- operations on KerasTensors -----------------------------------------------------------------

_OPERATIONS = {
    "add": operator.add, "subtract": operator.sub, "multiply": operator.mul,
    "divide": operator.truediv, "matmul": operator.matmul, "power": operator.pow,
    "negative": operator.neg, "absolute": operator.abs,
}


def _encode_key(key):
    """An indexing key as JSON-friendly data (so models using ``x[:, 0]`` can be saved)."""
    if isinstance(key, tuple):
        return {"tuple": [_encode_key(k) for k in key]}
    if isinstance(key, slice):
        return {"slice": [key.start, key.stop, key.step]}
    if key is Ellipsis:
        return {"ellipsis": True}
    if key is None:
        return {"newaxis": True}
    if isinstance(key, (int, np.integer)):
        return int(key)
    raise TypeError(f"cannot index a KerasTensor with {key!r}; use ints, slices, None or ...")


def _decode_key(key):
    if isinstance(key, dict):
        if "tuple" in key:
            return tuple(_decode_key(k) for k in key["tuple"])
        if "slice" in key:
            return slice(*key["slice"])
        if "ellipsis" in key:
            return Ellipsis
        if "newaxis" in key:
            return None
    return key


class OperationLayer(Layer):
    """An arithmetic operator or index applied to KerasTensors (``x + y``, ``x[:, -1]``)."""

    def __init__(self, operation, key=None, **kwargs):
        kwargs.setdefault("name", unique_name(operation))
        super().__init__(**kwargs)
        if operation != "getitem" and operation not in _OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}")
        self.operation = operation
        self.key = key

    def call(self, inputs, *others):
        if self.operation == "getitem":
            return inputs[_decode_key(self.key)]
        return _OPERATIONS[self.operation](inputs, *others)

    def get_config(self):
        config = super().get_config()
        config.update(operation=self.operation, key=self.key)
        return config
