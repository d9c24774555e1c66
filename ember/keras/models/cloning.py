"""``clone_model`` and ``model_from_json``: new models from an existing model's architecture.

``clone_model(model)`` builds the same architecture with new layers (created from each layer's
config, so with fresh weights), as Keras 3 does: a Sequential model layer by layer, a functional
model by replaying its graph, a subclassed model through ``from_config(get_config())``.

>>> from ember.keras.layers import Input
>>> from ember.keras.models import Model, clone_model
>>> x = Input(shape=(2,))
>>> model = Model(x, x * 2.0)
>>> twin = clone_model(model)
>>> twin is model, type(twin).__name__, twin.output_shape
(False, 'Functional', (None, 2))
"""

from __future__ import annotations

import json

from ..layers.input_layer import InputLayer, KerasTensor
from .functional import Functional, _flatten, functional_from_config
from .sequential import Sequential

__all__ = ["clone_model", "model_from_json"]


def _default_clone(layer):
    return type(layer).from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the architecture of ``model`` and freshly initialised weights.

    Args:
        model: a Sequential, functional or subclassed model.
        input_tensors: optional ``keras.Input`` tensor(s) to build the clone on (functional and
            Sequential models).
        clone_function: ``layer -> new layer`` (default: ``layer.__class__.from_config(
            layer.get_config())``); return the layer itself to share it.
    """
    from .. import saving

    clone_function = clone_function or _default_clone
    if input_tensors is not None:
        flat_inputs = _flatten(input_tensors)
        for t in flat_inputs:
            if not isinstance(t, KerasTensor):
                raise ValueError(
                    f"clone_model: input_tensors must be keras.Input tensors, got {t!r}"
                )
    if isinstance(model, Sequential):
        layers = []
        for layer in model._layers:
            if isinstance(layer, InputLayer):
                if input_tensors is None:
                    layers.append(InputLayer.from_config(layer.get_config()))
                continue
            layers.append(clone_function(layer))
        if input_tensors is not None:
            if len(flat_inputs) != 1:
                raise ValueError(
                    f"clone_model: a Sequential model has one input, got {len(flat_inputs)} "
                    "input_tensors"
                )
            layers.insert(0, flat_inputs[0])
        clone = Sequential(layers, name=model.name, trainable=model.trainable)
        if clone._graph is None and model.built and model._build_shapes is not None:
            clone.build(model._build_shapes)
        return clone
    subclassed = getattr(type(model), "_functional_subclass_of", None) is not None
    if isinstance(model, Functional) and not subclassed:
        by_name = {layer.name: layer for layer in model._operations}

        def make_layer(entry):
            layer = by_name[entry["name"]]
            if isinstance(layer, InputLayer):
                return InputLayer.from_config(layer.get_config())
            return clone_function(layer)

        return functional_from_config(type(model), model.get_config(), make_layer,
                                      input_tensors=flat_inputs if input_tensors is not None
                                      else None)
    if input_tensors is not None or clone_function is not _default_clone:
        raise ValueError(
            f"clone_model: input_tensors and clone_function only apply to Sequential and "
            f"functional models; '{model.name}' is a subclassed {type(model).__name__}"
        )
    return saving.deserialize_keras_object(saving.serialize_keras_object(model))


def model_from_json(json_string, custom_objects=None):
    """A new (unbuilt or freshly initialised) model from ``model.to_json()``."""
    from .. import saving

    try:
        config = json.loads(json_string)
    except json.JSONDecodeError as e:
        raise ValueError(f"model_from_json: the string is not valid JSON ({e})") from None
    return saving.deserialize_keras_object(config, custom_objects=custom_objects)
