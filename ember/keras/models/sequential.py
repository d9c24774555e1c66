"""``Sequential``: a linear stack of layers, as Keras 3's ``keras.Sequential``.

With a known input shape (a leading ``keras.Input(...)``/``InputLayer``, or ``input_shape=`` on
the first layer) the model is built as layers are added: each new layer is called on the
previous symbolic output, so weights exist and ``summary()`` shows output shapes before any
data is seen. Otherwise it builds on the first call (or ``fit``, or ``build(input_shape)``),
from the shape of that first batch with the batch axis as ``None``.

Calling the model is a plain loop over its layers (no graph walk): this is the path of every
training step. A plain ``ember.nn.Module`` given to ``Sequential`` or ``add`` is wrapped in
``TorchModuleWrapper``, so a PyTorch-style module can be compiled and fitted in one line.

>>> import numpy as np
>>> from ember.keras.layers import Input, Layer
>>> from ember.keras.models import Sequential
>>> class Double(Layer):
...     def call(self, inputs):
...         return inputs * 2
>>> model = Sequential([Input(shape=(3,)), Double()])
>>> model.built, model.output_shape, model(np.ones((1, 3))).numpy().tolist()
(True, (None, 3), [[2.0, 2.0, 2.0]])
"""

from __future__ import annotations

import ember
from ember import nn
from ember.tensor import Tensor

from ..layers.input_layer import InputLayer, KerasTensor
from ..layers.layer import Layer, name_scope, set_mask, unique_name
from ..layers.module_wrapper import TorchModuleWrapper
from .model import Model, _as_shapes

__all__ = ["Sequential"]


def _take_functional_name() -> None:
    """Keras 3's Sequential builds a hidden Functional model each time it is (re)built, and that
    model takes the next automatic ``functional`` name, so a later ``keras.Model(...)`` is called
    ``functional_1``, ``functional_2``, ... Taking the name here keeps the names Keras prints."""
    unique_name("functional")


def _shape_str(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


class Sequential(Model):
    """Layers applied one after the other: ``Sequential([Flatten(), Dense(128), Dense(10)])``.

    Args:
        layers: layers to add (a leading ``keras.Input`` fixes the input shape); plain
            ``ember.nn.Module``s are wrapped in ``TorchModuleWrapper``.
        trainable: whether the weights are trainable.
        name: the model name (default ``sequential``, ``sequential_1``, ...).
    """

    def __init__(self, layers=None, trainable=True, name=None):
        self._init_model(name=name, trainable=trainable)
        d = self.__dict__
        d["_layers"] = []  # the InputLayer first when there is one
        d["_graph"] = None  # [input KerasTensor, output of each layer...] once built
        d["_check_shape"] = True  # False when the input shape was only inferred from data
        if layers:
            for layer in layers:
                self.add(layer, rebuild=False)
            self._maybe_rebuild()

    # -- the stack ----------------------------------------------------------------------------

    def add(self, layer, rebuild=True) -> None:
        """Add a layer on top of the stack (a ``keras.Input`` tensor sets the input shape)."""
        if isinstance(layer, KerasTensor):
            origin = layer._keras_history[0]
            if not isinstance(origin, InputLayer):
                raise ValueError(
                    f"Sequential.add: only tensors made by keras.Input() can be added, got "
                    f"{layer!r} produced by layer '{origin.name}'"
                )
            layer = origin
        if isinstance(layer, nn.Module) and not isinstance(layer, Layer):
            layer = TorchModuleWrapper(layer)
        if not isinstance(layer, Layer):
            raise ValueError(
                "Only instances of `keras.Layer` (or ember.nn.Module) can be added to a "
                f"Sequential model. Received: {layer!r} (of type {type(layer).__name__})"
            )
        if not self._layers and not isinstance(layer, InputLayer) and \
                layer._input_spec_shape is not None:
            self.add(InputLayer(batch_shape=layer._input_spec_shape), rebuild=False)
        for other in self._layers:
            if other.name == layer.name and other is not layer:
                raise ValueError(
                    "All layers added to a Sequential model should have unique names. Name "
                    f"'{layer.name}' is already the name of a layer in this model. Update the "
                    "`name` argument to pass a unique name."
                )
        if isinstance(layer, InputLayer) and self._layers:
            if isinstance(self._layers[0], InputLayer):
                raise ValueError(
                    f"Sequential model '{self.name}' has already been configured to use input "
                    f"shape {self._layers[0].batch_shape}. You cannot add a different Input "
                    "layer to it."
                )
            raise ValueError(
                f"Sequential model '{self.name}': an Input can only be the first layer; "
                "pass it first or build the model with model.build(input_shape)."
            )
        if "." in layer.name:
            raise ValueError(
                f"Sequential model '{self.name}': layer name {layer.name!r} cannot contain '.'"
            )
        self._layers.append(layer)
        self._modules[layer.name] = layer
        if not rebuild:
            return
        graph = self._graph
        if graph is not None and not isinstance(layer, InputLayer):
            graph.append(layer(graph[-1]))  # extend the built graph by one call
            _take_functional_name()  # Keras rebuilds here
        else:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        """Remove and return the last layer."""
        if not self.layers:
            raise TypeError(f"Sequential model '{self.name}': there are no layers to pop.")
        layer = self._layers.pop()
        if all(other is not layer for other in self._layers):
            del self._modules[layer.name]
        if self._graph is not None:
            self._graph.pop()
            if rebuild and len(self._layers) > 1:
                _take_functional_name()  # Keras rebuilds here
        if not self.layers and self._graph is None:
            self.__dict__["built"] = False
        return layer

    @property
    def layers(self) -> list:
        """The layers added, without the ``InputLayer`` (as in Keras)."""
        layers = self._layers
        if layers and isinstance(layers[0], InputLayer):
            return layers[1:]
        return list(layers)

    # -- building -----------------------------------------------------------------------------

    def _maybe_rebuild(self) -> None:
        self.__dict__["_graph"] = None
        if self._layers and isinstance(self._layers[0], InputLayer):
            self._build_graph()

    def _build_graph(self) -> None:
        """Call every layer on the symbolic output of the previous one (builds them all)."""
        x = self._layers[0]._inbound_nodes[0].outputs
        graph = [x]
        with name_scope(self):  # weights are named "sequential/dense/kernel", as in Keras
            for layer in self._layers[1:]:
                x = layer(x)
                graph.append(x)
        d = self.__dict__
        d["_graph"] = graph
        d["built"] = True
        d["_build_shapes"] = self._layers[0].batch_shape
        if len(self._layers) > 1:
            _take_functional_name()

    def build(self, input_shape=None) -> None:
        """Build for inputs of ``input_shape`` (with the batch axis, e.g. ``(None, 784)``)."""
        self._build(input_shape, None)

    def _build(self, input_shape, dtype) -> None:
        if input_shape is None:
            if self._layers and isinstance(self._layers[0], InputLayer):
                input_shape = self._layers[0].batch_shape
            else:
                return  # as Keras: nothing to build from
        shape = _as_shapes(input_shape)
        if not isinstance(shape, tuple):
            raise ValueError(
                f"Sequential model '{self.name}' takes a single input; build() got the input "
                f"shapes {input_shape}. Use the functional API for several inputs."
            )
        if not self.layers:
            raise ValueError(
                f"Sequential model {self.name} cannot be built because it has no layers. Call "
                "`model.add(layer)`."
            )
        if isinstance(self._layers[0], InputLayer):
            known = self._layers[0].batch_shape
            if len(known) != len(shape) or any(
                    a is not None and b is not None and a != b for a, b in zip(known, shape)):
                raise ValueError(
                    f"Sequential model '{self.name}' has already been configured to use input "
                    f"shape {known}. You cannot build it with input_shape {shape}"
                )
        else:
            first = self._layers[0]
            inp = InputLayer(batch_shape=shape, dtype=dtype or first.dtype)
            self._layers.insert(0, inp)
            modules = list(self._modules.items())
            self._modules.clear()
            self._modules[inp.name] = inp
            self._modules.update(modules)
        self._build_graph()

    def _maybe_build(self, inputs) -> None:
        if self.built:
            return
        if isinstance(inputs, Tensor):
            dtype = None if inputs.is_floating_point() else str(inputs.dtype).replace("ember.", "")
            self._build((None,) + tuple(inputs.shape)[1:], dtype)
            # the user declared no shape: later batches may differ (e.g. sequence lengths)
            self.__dict__["_check_shape"] = False
            return
        # Nested inputs (a list or dict): the layers are simply applied in turn, as in Keras.
        from ..layers.layer import shape_of
        from .model import _dtypes_of, _without_batch

        d = self.__dict__
        d["built"] = True
        d["_build_shapes"] = _without_batch(shape_of(inputs))
        d["_build_dtypes"] = _dtypes_of(inputs)

    def get_build_config(self):
        if self._graph is not None:
            return {"input_shape": list(self._layers[0].batch_shape)}
        return super().get_build_config()

    def build_from_config(self, config) -> None:
        if config and config.get("input_shape") is not None and not self.built:
            self.build(config["input_shape"])

    # -- calling ------------------------------------------------------------------------------

    def call(self, inputs, training=None, mask=None):
        if mask is not None:
            set_mask(inputs, mask)
        graph = self._graph
        if graph is not None and isinstance(inputs, Tensor):
            inputs = self._conform(inputs, graph[0])
        x = inputs
        for layer in self._layers:
            if type(layer) is not InputLayer:
                x = layer(x)
        return x

    def _conform(self, x, ref: KerasTensor):
        """Cast to the Input's dtype and check the shape against it (cheap: every step)."""
        if str(x.dtype) != f"ember.{ref.dtype}":
            x = x.to(getattr(ember, ref.dtype))
        if not self._check_shape:
            return x
        shape = tuple(x.shape)
        if len(shape) != len(ref.shape) or any(
                r is not None and s != r for s, r in zip(shape, ref.shape)):
            raise ValueError(
                f"Input '{ref.name}' of model '{self.name}' expects shape "
                f"{_shape_str(ref.shape)}, got {_shape_str(shape)}. Reshape the data to match, "
                "or change the model's input shape."
            )
        return x

    # -- the functional view ------------------------------------------------------------------

    def _require_graph(self, what):
        if self._graph is None:
            raise ValueError(f"Sequential model '{self.name}' has no defined {what} yet.")
        return self._graph

    @property
    def inputs(self) -> list:
        return [self._require_graph("inputs")[0]]

    @property
    def outputs(self) -> list:
        return [self._require_graph("outputs")[-1]]

    @property
    def input(self):
        return self._require_graph("input")[0]

    @property
    def output(self):
        return self._require_graph("output")[-1]

    @property
    def input_shape(self):
        return self._require_graph("input shape")[0].shape

    @property
    def output_shape(self):
        out = self._require_graph("output shape")[-1]
        return [t.shape for t in out] if isinstance(out, (list, tuple)) else out.shape

    def _graph_node_ids(self) -> set:
        """The nodes of this model's own graph (for summary's output shapes)."""
        if self._graph is None:
            return set()
        out = set()
        for t in self._graph:
            for leaf in (t if isinstance(t, (list, tuple)) else [t]):
                if isinstance(leaf, KerasTensor) and leaf._keras_history is not None:
                    layer, index, _ = leaf._keras_history
                    out.add(id(layer._inbound_nodes[index]))
        return out

    # -- config -------------------------------------------------------------------------------

    def get_config(self) -> dict:
        from .. import saving

        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": self.dtype,
            "layers": [saving.serialize_keras_object(layer) for layer in self._layers],
        }
        if self._graph is not None:
            config["build_input_shape"] = list(self._layers[0].batch_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .. import saving

        with saving.custom_object_scope(custom_objects or {}):
            if isinstance(config, list):  # Keras 2 stored the bare list of layers
                config = {"layers": config}
            model = cls(name=config.get("name"), trainable=config.get("trainable", True))
            for entry in config.get("layers", []):
                model.add(saving.deserialize_keras_object(entry))
            shape = config.get("build_input_shape")
            if model._graph is None and shape:
                model.build(shape)
            return model
