"""``Layer``: an ``ember.nn.Module`` with Keras 3's semantics.

What a Keras layer adds to a module:

- **Lazy build.** Weights are created by ``build(input_shape)`` on the first call, from the
  input's shape (``Dense(128)`` needs no input size). ``add_weight`` creates them with Keras's
  initializers and layouts (a Dense kernel is (in, out)).
- **Names.** Each layer gets a unique snake-case name (``dense``, ``dense_1``, ...); Keras models
  register their layers under these names, so state-dict keys read ``dense_1.kernel``.
- **The training flag.** ``call(inputs, training=None)`` receives ``training`` when its signature
  has it. An explicit ``training=`` wins; otherwise the value of the enclosing call (``fit``
  passes ``training=True`` to the model, and every nested layer sees it); otherwise the module's
  ``training`` attribute. Keras layers start in inference mode (``training = False``), so
  ``layer(x)`` is inference as in Keras; ``model.train()`` switches an explicit PyTorch-style
  loop to training mode as it does for ``ember.nn`` modules.
- **Masks.** A layer that produces a mask (``Embedding(mask_zero=True)``) attaches it to its
  output; a later layer whose ``call`` takes ``mask`` receives it, and layers with
  ``supports_masking = True`` pass it on (``compute_mask``).
- **Symbolic calls.** Called on ``keras.Input`` tensors, a layer records a graph node and returns
  symbolic tensors whose shapes are inferred by running the layer on small zero batches (batch 2
  and 3; any axis whose size follows the batch size or an unknown input axis is ``None``).
- **Weights API.** ``weights``, ``trainable_weights``, ``non_trainable_weights``, ``get_weights``,
  ``set_weights``, ``count_params``, ``trainable`` (freezes: sets ``requires_grad``),
  ``losses`` (regularization penalties), ``get_config``/``from_config``.

>>> from ember import keras
>>> layer = keras.layers.Dense(3)
>>> y = layer(np.ones((2, 5), dtype="float32"))
>>> layer.name.startswith("dense"), [w.shape for w in layer.get_weights()]
(True, [(5, 3), (3,)])
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import re
import threading
import weakref
from collections import defaultdict

import numpy as np

import ember
from ember import nn
from ember.nn.parameter import Parameter
from ember.tensor import Tensor

from .. import initializers, regularizers

__all__ = ["Layer", "LAYER_CLASSES", "StateTensor", "get_mask", "is_probing", "name_scope",
           "no_constraint", "reset_names", "set_mask", "to_snake_case", "unique_name"]


# -- names ------------------------------------------------------------------------------------

_NAME_COUNTS: defaultdict[str, int] = defaultdict(int)


def to_snake_case(name: str) -> str:
    """``Conv2DTranspose`` -> ``conv2d_transpose``, ``LSTM`` -> ``lstm`` (Keras's rule)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def unique_name(base: str) -> str:
    """``base`` the first time, then ``base_1``, ``base_2``, ... (reset by ``clear_session``)."""
    n = _NAME_COUNTS[base]
    _NAME_COUNTS[base] += 1
    return base if n == 0 else f"{base}_{n}"


def reset_names() -> None:
    _NAME_COUNTS.clear()


# -- masks ------------------------------------------------------------------------------------
# Keras stores a mask on the tensor itself; ember's Tensor has fixed slots, so masks live in a
# side table keyed by the tensor's id and dropped when the tensor is garbage collected.

_MASKS: dict[int, tuple] = {}


def set_mask(tensor, mask) -> None:
    """Attach ``mask`` (a boolean Tensor or None) to ``tensor``."""
    if not isinstance(tensor, Tensor):
        return
    key = id(tensor)
    if mask is None:
        _MASKS.pop(key, None)
        return

    def drop(ref, key=key):
        entry = _MASKS.get(key)
        if entry is not None and entry[0] is ref:
            del _MASKS[key]

    _MASKS[key] = (weakref.ref(tensor, drop), mask)


def get_mask(tensor):
    """The mask attached to ``tensor`` (a list of masks for a list of tensors), or None."""
    if isinstance(tensor, (list, tuple)):
        masks = [get_mask(t) for t in tensor]
        return None if all(m is None for m in masks) else masks
    entry = _MASKS.get(id(tensor))
    if entry is None or entry[0]() is not tensor:
        return None
    return entry[1]


# -- the call context: the training flag of the enclosing call --------------------------------

def no_constraint(layer_name: str, **constraints) -> None:
    """Weight constraints are not implemented: say so when the layer is created."""
    for arg, value in constraints.items():
        if value is not None:
            raise NotImplementedError(
                f"{layer_name}: {arg}={value!r} is not supported by ember.keras (weight "
                "constraints are not implemented); apply the constraint in a callback instead"
            )


class _Context(threading.local):
    def __init__(self):
        self.training = None
        self.depth = 0
        self.probing = False  # inside the zero-batch runs that infer symbolic shapes
        self.scope: list = []  # layers whose build or first call is running (name scopes)


_CONTEXT = _Context()


def is_probing() -> bool:
    """Whether the current call is a shape-inference probe on zeros (layers with state that
    persists between calls, such as stateful RNNs, must not keep anything from it)."""
    return _CONTEXT.probing


# -- weight names and paths -------------------------------------------------------------------
# Keras names a weight ("kernel") and gives it a path: the name scopes open when it was created
# ("sequential/dense/kernel"). A layer opens its scope while it builds and during its first
# call (when sublayers build lazily); Sequential opens its own while it builds its graph.


@contextlib.contextmanager
def name_scope(layer):
    """Weights created inside get ``layer``'s name in their ``path``."""
    scope = _CONTEXT.scope
    scope.append(layer)
    try:
        yield
    finally:
        scope.pop()


def _scoped_build(build):
    """Wrap a ``build`` method so that it runs inside the layer's name scope."""
    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        with name_scope(self):
            return build(self, *args, **kwargs)

    wrapper._name_scoped = True
    return wrapper


def _weight_path(layer, name: str) -> str:
    """``outer/.../layer/name``: the open scopes, each once, then the layer's own name."""
    names, last = [], None
    for outer in _CONTEXT.scope:
        if outer is not layer and outer is not last:
            names.append(outer.name)
            last = outer
    return "/".join(names + [layer.name, name])


class StateTensor(Tensor):
    """A non-trainable weight (a buffer: moving statistics, counters). A plain ``Tensor`` with
    room for Keras's ``name`` and ``path`` attributes."""

    def __new__(cls, data: Tensor):
        t = object.__new__(cls)
        t._init(data._data, False)
        return t

    def __init__(self, data=None):
        pass  # all the work is in __new__

_SIGNATURES: dict[type, tuple[bool, bool, bool]] = {}
_WITH_LOSSES: set = set()  # layers holding losses added during the current call


def _call_takes(cls) -> tuple[bool, bool, bool]:
    """Whether ``cls.call`` takes ``training`` and ``mask``, and whether ``cls`` computes its
    own masks (cached per class)."""
    flags = _SIGNATURES.get(cls)
    if flags is None:
        params = inspect.signature(cls.call).parameters
        var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
        flags = ("training" in params or var_kw, "mask" in params,
                 cls.compute_mask is not Layer.compute_mask)
        _SIGNATURES[cls] = flags
    return flags


def _any_symbolic(args, kwargs) -> bool:
    """Whether any argument is a KerasTensor (the common eager case is decided quickly)."""
    for a in args:
        if type(a) is not Tensor and type(a) is not np.ndarray and _is_symbolic(a):
            return True
    return bool(kwargs) and _is_symbolic(kwargs)


_KerasTensor = None


def _is_symbolic(x) -> bool:
    global _KerasTensor
    if _KerasTensor is None:
        from .input_layer import KerasTensor as _KerasTensor
    if isinstance(x, _KerasTensor):
        return True
    if isinstance(x, (list, tuple)):
        return any(_is_symbolic(v) for v in x)
    if isinstance(x, dict):
        return any(_is_symbolic(v) for v in x.values())
    return False


_EMBER_DTYPES = {"float16": ember.float16, "float32": ember.float32, "float64": ember.float64}


def convert_inputs(x, dtype="float32"):
    """NumPy arrays, lists and numbers become Tensors; floating inputs are cast to the layer's
    dtype (Keras autocasting), integer inputs keep theirs. Nested lists/tuples/dicts of arrays
    are converted element by element."""
    if isinstance(x, Tensor):
        target = _EMBER_DTYPES.get(dtype)
        if target is not None and x.dtype is not target and x.dtype.is_floating_point:
            return x.to(target)
        return x
    if isinstance(x, dict):
        return {k: convert_inputs(v, dtype) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and x and \
            isinstance(x[0], (Tensor, np.ndarray, list, tuple, dict)):
        return type(x)(convert_inputs(v, dtype) for v in x)
    if x is None:
        return None
    arr = np.asarray(x)
    if arr.dtype.kind == "f" and dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif arr.dtype.kind not in "fiub":
        raise TypeError(f"cannot feed an array of dtype {arr.dtype} to a layer; use numbers")
    return ember.from_numpy(arr if arr.flags.c_contiguous else np.ascontiguousarray(arr))


def shape_of(x):
    """The shape tree of a (nested) input: a tuple per tensor."""
    if isinstance(x, (list, tuple)) and not isinstance(x, ember.Size):
        return [shape_of(v) for v in x]
    if isinstance(x, dict):
        return {k: shape_of(v) for k, v in x.items()}
    return tuple(x.shape)


LAYER_CLASSES: dict[str, type] = {}  # class name -> class, every Layer subclass defined


class Layer(nn.Module):
    """Base class of Keras layers; subclasses define ``build(input_shape)`` and ``call``.

    >>> import ember
    >>> from ember import keras
    >>> class Scale(keras.layers.Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
    ...     def call(self, inputs):
    ...         return inputs * self.w
    >>> s = Scale()
    >>> s(ember.ones(2, 3)).shape, s.count_params()
    (ember.Size([2, 3]), 3)
    """

    def __init__(self, *, name=None, trainable=True, dtype=None, activity_regularizer=None,
                 input_shape=None, batch_input_shape=None, input_dim=None, batch_size=None,
                 **kwargs):
        super().__init__()
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}: unexpected keyword argument(s) "
                f"{', '.join(sorted(kwargs))}"
            )
        d = self.__dict__
        d["training"] = False  # Keras layers run in inference mode unless told otherwise
        d["name"] = name or unique_name(to_snake_case(type(self).__name__))
        d["built"] = False
        d["_trainable"] = bool(trainable)
        d["dtype"] = _dtype_name(dtype)
        d["activity_regularizer"] = regularizers.get(activity_regularizer)
        d["_own_weights"] = []  # (attribute name, created trainable?) in creation order
        d["_weight_paths"] = {}  # attribute name -> Keras path ("sequential/dense/kernel")
        d["_regularizers"] = []  # (regularizer, attribute name)
        d["_losses"] = []
        d["_inbound_nodes"] = []
        d["_build_shapes"] = None
        # Keras 2's ``input_shape=``/``input_dim=`` on a first layer: Sequential makes it an Input
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            d["_input_spec_shape"] = tuple(batch_input_shape)
        elif input_shape is not None:
            d["_input_spec_shape"] = (batch_size,) + tuple(input_shape)
        else:
            d["_input_spec_shape"] = None

    supports_masking = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        LAYER_CLASSES.setdefault(cls.__name__, cls)  # for from_config / load_model
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_name_scoped", False):
            cls.build = _scoped_build(build)

    # -- building -----------------------------------------------------------------------------

    def build(self, input_shape) -> None:
        """Create the layer's weights for inputs of ``input_shape`` (with the batch axis)."""
        self.built = True

    def _maybe_build(self, inputs) -> None:
        if self.built:
            return
        shapes = shape_of(inputs)
        self.build(shapes)
        self.__dict__["built"] = True
        self.__dict__["_build_shapes"] = shapes

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True,
                   regularizer=None, name=None, constraint=None):
        """Create, register and return a weight (a ``Parameter`` if trainable, else a buffer).

        Defaults as Keras: float weights start ``glorot_uniform``, integer ones zeros.
        """
        if constraint is not None:
            raise NotImplementedError(
                f"{self.name}: weight constraints are not supported by ember.keras yet; "
                "apply them after each step with a callback"
            )
        shape = tuple(int(s) for s in (shape or ()))
        dtype = _dtype_name(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if np.dtype(dtype).kind == "f" else "zeros"
        init = initializers.get(initializer)
        if name is None:
            name = f"weight_{len(self._own_weights)}"
        value = np.array(init(shape, dtype=dtype), dtype=dtype, order="C")
        if value.shape != shape:
            raise ValueError(
                f"{self.name}: initializer {initializer!r} returned shape {value.shape} for "
                f"weight {name!r} of shape {shape}"
            )
        tensor = ember.from_numpy(value)
        if trainable:
            w = Parameter(tensor, requires_grad=self._trainable)
            self.register_parameter(name, w)
        else:
            w = StateTensor(tensor)
            self.register_buffer(name, w)
        w.name = name  # Keras's variable name and path ("kernel", "sequential/dense/kernel")
        w.path = self._weight_paths[name] = _weight_path(self, name)
        self._own_weights.append((name, bool(trainable)))
        reg = regularizers.get(regularizer)
        if reg is not None:
            self._regularizers.append((reg, name))
        return w

    # -- calling ------------------------------------------------------------------------------

    def call(self, inputs, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement call(inputs)")

    def forward(self, *args, **kwargs):
        return self.call(*args, **kwargs)

    def __call__(self, *args, **kwargs):
        if _any_symbolic(args, kwargs):
            from .input_layer import symbolic_call

            return symbolic_call(self, args, kwargs)
        if not args:
            if "inputs" not in kwargs:
                raise TypeError(f"{self.name}: call needs the inputs as the first argument")
            args = (kwargs.pop("inputs"),)
        cls = type(self)
        flags = _SIGNATURES.get(cls) or _call_takes(cls)
        takes_training, takes_mask, custom_mask = flags
        training = kwargs.pop("training", None) if kwargs else None
        ctx = _CONTEXT
        if training is None:
            training = ctx.training if ctx.training is not None else self.training
        training = bool(training)
        if takes_training:
            kwargs["training"] = training
        inputs = convert_inputs(args[0], self.dtype)
        mask = kwargs.pop("mask", None) if kwargs else None
        if mask is None and _MASKS and (takes_mask or self.supports_masking):
            mask = get_mask(inputs)
        if takes_mask and mask is not None:
            kwargs["mask"] = mask
        first = not self.built
        if first:  # sublayers built during the first call get this layer's name scope
            ctx.scope.append(self)
        try:
            if first:
                self._maybe_build(inputs)
            if ctx.depth == 0 and _WITH_LOSSES:
                for layer in _WITH_LOSSES:
                    layer._losses.clear()
                _WITH_LOSSES.clear()
            saved = ctx.training
            ctx.training = training
            ctx.depth += 1
            try:
                out = super().__call__(inputs, *args[1:], **kwargs)
            finally:
                ctx.depth -= 1
                ctx.training = saved
        finally:
            if first:
                ctx.scope.pop()
        if self.activity_regularizer is not None:
            for t in _flatten(out):
                self.add_loss(self.activity_regularizer(t))
        if mask is not None or custom_mask:
            out_mask = self.compute_mask(inputs, mask)
            if isinstance(out, (list, tuple)):
                masks = out_mask if isinstance(out_mask, (list, tuple)) else [out_mask] * len(out)
                for t, m in zip(out, masks):
                    set_mask(t, m)
            else:
                set_mask(out, out_mask)
        return out

    def compute_mask(self, inputs, mask=None):
        """The mask of the output: passed through when ``supports_masking``, else dropped."""
        return mask if self.supports_masking else None

    def compute_output_shape(self, input_shape):
        """The output shape for ``input_shape`` (found by running the layer on zeros)."""
        from .input_layer import infer_output_shape

        return infer_output_shape(self, input_shape)

    # -- weights ------------------------------------------------------------------------------

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        value = bool(value)
        for layer in self._layers_recursive():
            layer.__dict__["_trainable"] = value
        for m in self.modules():
            for p in m._parameters.values():
                if p is not None:
                    p.requires_grad_(value)

    def _layers_recursive(self):
        """This layer and every Keras layer below it (each once)."""
        return [m for m in self.modules() if isinstance(m, Layer)]

    def _weights_of(self, module, seen, out):
        if isinstance(module, Layer):
            own = module._own_weights
            for name, _ in [w for w in own if w[1]] + [w for w in own if not w[1]]:
                w = getattr(module, name)
                if w is not None and id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
                    attrs = getattr(w, "__dict__", None)
                    if attrs is not None and "path" not in attrs:  # a copy (deepcopy, load)
                        w.name = name
                        w.path = module._weight_paths.get(name, f"{module.name}/{name}")
            own_names = {name for name, _ in own}
            extra = [p for n, p in module._parameters.items() if n not in own_names]
            extra += [b for n, b in module._buffers.items()
                      if n not in own_names and n not in module._non_persistent_buffers_set]
        else:
            extra = list(module._parameters.values()) + [
                b for n, b in module._buffers.items()
                if n not in module._non_persistent_buffers_set]
        for w in extra:
            if w is not None and id(w) not in seen:
                seen.add(id(w))
                out.append(w)
        for child in module._modules.values():
            if child is not None:
                self._weights_of(child, seen, out)

    @property
    def weights(self) -> list:
        """All weights: this layer's (trainable ones first), then its sublayers' in order."""
        out: list = []
        self._weights_of(self, set(), out)
        return out

    variables = weights

    @property
    def trainable_weights(self) -> list:
        return [w for w in self.weights if isinstance(w, Parameter) and w.requires_grad]

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> list:
        return [w for w in self.weights if not (isinstance(w, Parameter) and w.requires_grad)]

    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list:
        """Copies of the weights as NumPy arrays, in ``weights`` order."""
        return [w.detach().cpu().numpy().copy() for w in self.weights]

    def set_weights(self, weights) -> None:
        """Overwrite the weights from NumPy arrays given in ``weights`` order."""
        mine = self.weights
        weights = list(weights)
        if len(weights) != len(mine):
            raise ValueError(
                f"{self.name}.set_weights: expected {len(mine)} arrays (the layer's weights "
                f"{[tuple(w.shape) for w in mine]}), got {len(weights)}"
            )
        for i, (w, value) in enumerate(zip(mine, weights)):
            value = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
            if tuple(value.shape) != tuple(w.shape):
                raise ValueError(
                    f"{self.name}.set_weights: weight {i} has shape {tuple(w.shape)}, "
                    f"got an array of shape {value.shape}"
                )
        with ember.no_grad():
            for w, value in zip(mine, weights):
                value = value.numpy() if isinstance(value, Tensor) else value
                w.copy_(ember.from_numpy(np.array(value)))

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(
                f"You tried to call count_params on layer '{self.name}', but the layer isn't "
                "built. Build it first by calling it on data or with build(input_shape)."
            )
        return int(sum(w.numel() for w in self.weights))

    # -- losses -------------------------------------------------------------------------------

    def add_loss(self, loss) -> None:
        """Add a scalar loss (a Tensor) that ``fit`` adds to the training loss of this step.

        Losses added during a call are cleared when the next outermost layer call starts."""
        self._losses.append(loss)
        _WITH_LOSSES.add(self)

    @property
    def losses(self) -> list:
        """Activity losses of the latest call plus the weight penalties, from every layer."""
        out = []
        for layer in self._layers_recursive():
            out.extend(layer._losses)
            for reg, name in layer._regularizers:
                w = getattr(layer, name)
                if w is not None and (not isinstance(w, Parameter) or w.requires_grad):
                    out.append(reg(w))
        return out

    # -- config -------------------------------------------------------------------------------

    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if self._input_spec_shape is not None:
            config["batch_input_shape"] = list(self._input_spec_shape)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_build_config(self):
        return {"input_shape": self._build_shapes} if self._build_shapes is not None else None

    def build_from_config(self, config) -> None:
        if config and config.get("input_shape") is not None and not self.built:
            from .input_layer import build_with_shape

            build_with_shape(self, config["input_shape"])

    # -- functional graph ---------------------------------------------------------------------

    def _single_node(self, what):
        if not self._inbound_nodes:
            raise AttributeError(
                f"Layer {self.name} has never been called on a symbolic input and thus has no "
                f"defined {what}."
            )
        if len(self._inbound_nodes) > 1:
            raise AttributeError(
                f"Layer {self.name} has been called {len(self._inbound_nodes)} times; its {what} "
                "is ambiguous (use the tensors returned by each call)."
            )
        return self._inbound_nodes[0]

    @property
    def input(self):
        return self._single_node("input").input_tensors

    @property
    def output(self):
        return self._single_node("output").outputs

    @property
    def output_shape(self):
        out = self.output
        return [t.shape for t in out] if isinstance(out, (list, tuple)) else out.shape

    @property
    def input_shape(self):
        inp = self.input
        return [t.shape for t in inp] if isinstance(inp, (list, tuple)) else inp.shape

    def extra_repr(self) -> str:
        return f"name={self.name}, built={self.built}"


def _flatten(x):
    if isinstance(x, (list, tuple)):
        out = []
        for v in x:
            out.extend(_flatten(v))
        return out
    if isinstance(x, dict):
        return _flatten(list(x.values()))
    return [x] if isinstance(x, Tensor) else []


_DTYPES = {"float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"}


def _dtype_name(dtype) -> str:
    """Keras dtype names as strings (``"float32"``); ember/NumPy dtypes are accepted too."""
    if dtype is None:
        return "float32"
    if isinstance(dtype, dict):  # a serialized DTypePolicy
        dtype = dtype.get("config", {}).get("name", "float32")
    name = str(dtype).replace("ember.", "")
    if name == "mixed_float16":
        raise ValueError("mixed precision is not supported on the CPU; use float32")
    try:
        name = np.dtype(name).name
    except TypeError:
        pass
    if name not in _DTYPES:
        raise ValueError(f"unsupported layer dtype {dtype!r}; use one of {sorted(_DTYPES)}")
    return name
