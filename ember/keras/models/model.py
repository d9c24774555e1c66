"""``keras.Model``: the Keras model, an ``ember.nn.Module`` with ``compile``/``fit``/``summary``.

Three kinds of model, as in Keras 3:

- **Functional**: ``keras.Model(inputs, outputs)`` (or ``Model(inputs=..., outputs=...)``)
  returns a ``Functional`` model, a graph of layer calls (see ``functional.py``).
- **Sequential**: ``keras.Sequential([...])`` (see ``sequential.py``).
- **Subclassed**: ``class M(keras.Model)`` creating layers in ``__init__`` and using them in
  ``call(self, inputs, training=None)``. Layers assigned as attributes are registered by
  ``nn.Module`` (lists and dicts of layers too, as Keras tracks them), so ``parameters()``,
  ``state_dict()`` and ``weights`` see them. A subclass whose ``__init__`` calls
  ``super().__init__(inputs, outputs)`` becomes a functional model of that class, as in Keras.

Every model is an ``ember.nn.Module``: it can be trained with an explicit ember loop, or with
``compile``/``fit`` (from the ``Trainer`` mixin).

>>> import numpy as np
>>> from ember.keras.models import Model
>>> from ember.keras.layers import Layer
>>> class Scale(Layer):
...     def build(self, input_shape):
...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
...     def call(self, inputs):
...         return inputs * self.w
>>> class TwoScales(Model):
...     def __init__(self):
...         super().__init__()
...         self.a, self.b = Scale(), Scale()
...     def call(self, inputs, training=None):
...         return self.b(self.a(inputs))
>>> m = TwoScales()
>>> m(np.ones((2, 3), "float32")).shape, m.count_params(), m.layers == [m.a, m.b]
(ember.Size([2, 3]), 6, True)
"""

from __future__ import annotations

import inspect
import json

import numpy as np

import ember
from ember import nn
from ember.backend.errstate import quiet

from ..layers.input_layer import KerasTensor
from ..layers.layer import Layer, get_mask, shape_of
from ..trainer import Trainer

__all__ = ["Model"]

_FUNCTIONAL_CLASSES: dict[type, type] = {}


def _functional_init(args, kwargs) -> bool:
    """Keras's test for ``Model(inputs, outputs)`` style arguments (here also requiring
    symbolic tensors among the inputs, so a subclass taking two numbers is not mistaken)."""
    if len(args) == 2 or (len(args) == 1 and "outputs" in kwargs):
        inputs = args[0]
    elif "inputs" in kwargs and "outputs" in kwargs:
        inputs = kwargs["inputs"]
    else:
        return False
    return any(isinstance(t, KerasTensor) for t in _flat(inputs))


def _is_json_basic(value) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_json_basic(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json_basic(v) for k, v in value.items())
    return False


def _capture_init_args(cls, args, kwargs):
    """The constructor arguments of a subclassed model when they are plain JSON values (Keras's
    automatic ``get_config``), else None."""
    try:
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return None
    config = {}
    params = inspect.signature(cls.__init__).parameters
    for i, (name, value) in enumerate(bound.arguments.items()):
        if i == 0:
            continue  # self
        kind = params[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            if value:
                return None
        elif kind is inspect.Parameter.VAR_KEYWORD:
            config.update(value)
        else:
            config[name] = value
    return config if _is_json_basic(config) else None


class Model(Trainer, Layer):
    """A Keras model: a ``Layer`` grouping layers, with training (``compile``, ``fit``, ...),
    ``summary()``, saving (``save``, ``save_weights``) and ``get_layer``.

    ``Model(inputs, outputs, name=None)`` builds a functional model; ``Model(name=...)`` is the
    base of subclassed models. See the module docstring.
    """

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        builtin = cls.__module__.startswith("ember.keras.")
        if not builtin and not _functional_init(args, kwargs):
            obj.__dict__["_auto_config"] = _capture_init_args(cls, args, kwargs)
        return obj

    def __init__(self, *args, **kwargs):
        if _functional_init(args, kwargs):
            from .functional import Functional

            if not isinstance(self, Functional):
                cls = type(self)
                self.__class__ = Functional if cls is Model else _functional_class(cls)
            Functional.__init__(self, *args, **kwargs)
            return
        if args:
            raise TypeError(
                f"{type(self).__name__}: Model() takes either inputs and outputs (the functional "
                "API: Model(inputs, outputs)) or keyword arguments only (name=, trainable=, "
                f"dtype=); got {len(args)} positional argument(s)"
            )
        self._init_model(**kwargs)

    def _init_model(self, name=None, trainable=True, dtype=None, **kwargs):
        Layer.__init__(self, name=name, trainable=trainable, dtype=dtype, **kwargs)
        d = self.__dict__
        d.setdefault("_auto_config", None)
        d["_build_dtypes"] = None
        Trainer.__init__(self)

    # Keras tracks lists and dicts of layers assigned to a model; nn.Module registers only
    # modules, so such containers become ModuleList / ModuleDict (their weights then count).
    def __setattr__(self, name, value):
        if not name.startswith("_") and "_modules" in self.__dict__:
            if isinstance(value, (list, tuple)) and value and \
                    all(isinstance(v, nn.Module) for v in value):
                value = nn.ModuleList(value)
            elif isinstance(value, dict) and value and all(
                    isinstance(k, str) and isinstance(v, nn.Module) for k, v in value.items()):
                value = nn.ModuleDict(value)
        super().__setattr__(name, value)

    # -- layers -------------------------------------------------------------------------------

    @property
    def layers(self) -> list:
        """The model's direct sublayers (layers in attribute lists/dicts included), in order."""
        out = []
        for module in self._modules.values():
            if isinstance(module, Layer):
                candidates = [module]
            elif isinstance(module, (nn.ModuleList, nn.ModuleDict)):
                candidates = [m for m in module.children() if isinstance(m, Layer)]
            else:
                candidates = []
            for layer in candidates:
                if all(layer is not seen for seen in out):
                    out.append(layer)
        return out

    def get_layer(self, name=None, index=None):
        """A layer by ``name`` or by ``index`` in ``model.layers`` (Keras's rules and errors)."""
        if index is not None and name is not None:
            raise ValueError(
                f"Provide only a layer name or a layer index. Received: index={index}, "
                f"name={name}."
            )
        layers = self.layers
        if index is not None:
            if len(layers) <= index:
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has "
                    f"{len(layers)} layers."
                )
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"No such layer: {name}. Existing layers are: {[layer.name for layer in layers]}."
            )
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    # -- building -----------------------------------------------------------------------------

    def _maybe_build(self, inputs) -> None:
        if self.built:
            return
        d = self.__dict__
        shapes = shape_of(inputs)
        if type(self).build is not Model.build:  # a subclass's own build(input_shape)
            d["built"] = True  # its super().build() must not run the model again
            try:
                self.build(shapes)
            except BaseException:
                d["built"] = False
                raise
        d["built"] = True
        d["_build_shapes"] = _without_batch(shapes)
        d["_build_dtypes"] = _dtypes_of(inputs)

    def build(self, input_shape=None) -> None:
        """Build a subclassed model by running it once on zeros of ``input_shape`` (batch axis
        ``None`` or a size; a list or dict of shapes for several inputs), as Keras does."""
        if self.built:
            return
        if type(self).build is not Model.build:  # reached through super() from a custom build
            self.__dict__["built"] = True
            return
        if input_shape is None:
            raise ValueError(
                f"Model '{self.name}': build() needs input_shape, e.g. model.build((None, 784)); "
                "or call the model on a batch of data"
            )
        self._build_by_running(input_shape, self.__dict__.get("_build_dtypes"))

    def _build_by_running(self, input_shape, dtypes=None) -> None:
        shapes = _as_shapes(input_shape)
        dummy = _zeros_like_spec(shapes, dtypes)
        with ember.no_grad(), quiet():
            self(dummy, training=False)
        self.__dict__["_build_shapes"] = _without_batch(shapes)
        self.__dict__["_build_dtypes"] = dtypes

    def get_build_config(self):
        if self._build_shapes is None:
            return None
        config = {"input_shape": _jsonable(self._build_shapes)}
        dtypes = self.__dict__.get("_build_dtypes")
        if dtypes is not None and _flat(dtypes) and any(d != "float32" for d in _flat(dtypes)):
            config["input_dtype"] = dtypes
        return config

    def build_from_config(self, config) -> None:
        if not config or config.get("input_shape") is None or self.built:
            return
        self.__dict__["_build_dtypes"] = config.get("input_dtype")
        self.build(_as_shapes(config["input_shape"]))

    # -- calling ------------------------------------------------------------------------------

    def forward(self, *args, **kwargs):
        out = self.call(*args, **kwargs)
        # The output already carries the masks its layers attached; remember them so that
        # Layer.__call__'s compute_mask step keeps them instead of dropping them.
        self.__dict__["_output_mask"] = get_mask(out)
        return out

    def compute_mask(self, inputs, mask=None):
        return self.__dict__.pop("_output_mask", None)

    # -- summary, config, saving --------------------------------------------------------------

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print Keras 3's summary table (see ``ember.keras.summary.print_summary``)."""
        from ..summary import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    def get_config(self) -> dict:
        """A subclassed model's config: ``name``, ``trainable`` and its constructor arguments
        when they were plain JSON values (Keras's automatic config). Override it (with
        ``from_config``) for constructors taking objects."""
        config = {"name": self.name, "trainable": self.trainable}
        auto = self.__dict__.get("_auto_config")
        if auto:
            config.update(auto)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Create a subclassed model as ``cls(**config)``; ``name``/``trainable`` are restored
        afterwards when the constructor does not take them."""
        from .. import saving

        with saving.custom_object_scope(custom_objects or {}):
            config = dict(config)
            params = inspect.signature(cls.__init__).parameters
            takes_kwargs = any(p.kind is p.VAR_KEYWORD for p in params.values())
            extras = {k: config.pop(k) for k in ("name", "trainable")
                      if k in config and not takes_kwargs and k not in params}
            try:
                model = cls(**config)
            except TypeError as e:
                raise TypeError(
                    f"Unable to revive model {cls.__name__} from config {config}: {e}. A "
                    "subclassed model is rebuilt as cls(**get_config()); when its __init__ "
                    "takes arguments that are not plain numbers/strings/lists, override "
                    "get_config() to return them and from_config() to rebuild them."
                ) from None
            if "name" in extras:
                model.__dict__["name"] = extras["name"]
            if "trainable" in extras:
                model.trainable = extras["trainable"]
            return model

    def to_json(self, **kwargs) -> str:
        """The model's architecture as a JSON string (``keras.models.model_from_json``)."""
        from .. import saving

        return json.dumps(saving.serialize_keras_object(self), **kwargs)

    def save(self, filepath, overwrite=True, **kwargs) -> None:
        """Save architecture, weights and compile settings to a ``.keras`` zip file."""
        from .. import saving

        saving.save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True) -> None:
        """Save the weights to ``*.weights.h5`` / ``*.weights.safetensors`` (both written in the
        safetensors format: see ``ember.keras.saving.save_weights``)."""
        from .. import saving

        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False) -> None:
        """Load weights written by ``save_weights`` (or the weights of a ``.keras`` file)."""
        from .. import saving

        saving.load_weights(self, filepath, skip_mismatch=skip_mismatch)


def _functional_class(cls) -> type:
    """``cls`` mixed with Functional, for subclasses calling ``super().__init__(inputs,
    outputs)`` (Keras 3 injects Functional into such classes the same way)."""
    from .functional import Functional

    mixed = _FUNCTIONAL_CLASSES.get(cls)
    if mixed is None:
        mixed = type(cls.__name__, (cls, Functional),
                     {"__module__": cls.__module__, "__qualname__": cls.__qualname__,
                      "_functional_subclass_of": cls})
        _FUNCTIONAL_CLASSES[cls] = mixed
    return mixed


# -- shapes ---------------------------------------------------------------------------------

def _is_shape(x) -> bool:
    return isinstance(x, (tuple, list, ember.Size)) and all(
        v is None or isinstance(v, (int, np.integer)) for v in x)


def _as_shapes(x):
    """A shape, or a list/dict of shapes, with tuples for shapes (JSON gives lists)."""
    if _is_shape(x):
        return tuple(None if v is None else int(v) for v in x)
    if isinstance(x, dict):
        return {k: _as_shapes(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_as_shapes(v) for v in x]
    raise ValueError(f"expected an input shape such as (None, 784), got {x!r}")


def _without_batch(shapes):
    """Shapes with the batch axis as None (what a model built from data is built for)."""
    if isinstance(shapes, tuple):
        return (None,) + shapes[1:] if shapes else shapes
    if isinstance(shapes, dict):
        return {k: _without_batch(v) for k, v in shapes.items()}
    if isinstance(shapes, list):
        return [_without_batch(v) for v in shapes]
    return shapes


def _jsonable(x):
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


def _flat(x) -> list:
    if isinstance(x, dict):
        return [y for v in x.values() for y in _flat(v)]
    if isinstance(x, (list, tuple)):
        return [y for v in x for y in _flat(v)]
    return [x]


def _dtypes_of(x):
    if isinstance(x, dict):
        return {k: _dtypes_of(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_dtypes_of(v) for v in x]
    dtype = getattr(x, "dtype", None)
    return str(dtype).replace("ember.", "") if dtype is not None else None


def _zeros_like_spec(shapes, dtypes=None, batch=2):
    """Zeros for every shape (``None`` axes of size ``batch``), in the given dtypes."""
    if isinstance(shapes, tuple):
        dtype = dtypes if isinstance(dtypes, str) else "float32"
        size = tuple(batch if s is None else s for s in shapes)
        return ember.from_numpy(np.zeros(size, dtype=dtype))
    if isinstance(shapes, dict):
        dts = dtypes if isinstance(dtypes, dict) else {}
        return {k: _zeros_like_spec(v, dts.get(k), batch) for k, v in shapes.items()}
    dts = dtypes if isinstance(dtypes, list) else [None] * len(shapes)
    return [_zeros_like_spec(s, d, batch) for s, d in zip(shapes, dts)]
