"""``keras.saving``: the ``.keras`` file, weights files, configs and custom objects.

A ``.keras`` file is a zip archive, as in Keras 3, holding

- ``config.json``: the architecture, Keras 3's layout: ``{"module", "class_name", "config",
  "registered_name", "build_config", "compile_config"}`` (``compile_config`` when the model was
  compiled and the trainer provides ``get_compile_config()``);
- ``metadata.json``: the ember version and the date saved;
- ``model.weights.safetensors``: every weight and buffer under its state-dict path
  (``dense_1.kernel``) in the safetensors format. Keras writes ``model.weights.h5``; ember keeps
  no HDF5 dependency and never uses pickle;
- ``optimizer.safetensors`` (compiled models whose optimizer has state): the optimizer's
  ``state_dict()``, restored by ``load_model(compile=True)`` so training resumes where it was.

Files are written atomically (temporary file, fsync, rename). Loading parses JSON and copies
bytes: it never imports modules or runs code from the file. Classes are found among ember's
layers, the classes registered with ``@register_keras_serializable`` and ``custom_objects``;
functions (``Lambda`` bodies, custom activations) only through ``custom_objects`` or the
registry.

``save_weights("x.weights.h5")`` (Keras's required suffix) writes the safetensors format under
that name, like ``.weights.safetensors``: ember files are not HDF5, and ``load_weights`` on a
real HDF5 file (Keras's) says so instead of failing obscurely.

Subclassed models are rebuilt as ``cls(**get_config())`` and built by running them once on
zeros of the input shape recorded at their first call (``build_config``). Without an overridden
``get_config``, the config is the constructor's arguments when they are plain JSON values
(Keras's automatic config), else empty, so ``cls()`` is called.

>>> import os, tempfile, numpy as np
>>> from ember.keras.layers import Input
>>> from ember.keras.models import Model, load_model
>>> x = Input(shape=(2,))
>>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
>>> Model(x, x * 3.0).save(path)
>>> load_model(path)(np.ones((1, 2))).numpy().tolist()
[[3.0, 3.0]]
"""

from __future__ import annotations

import datetime
import io
import json
import os
import threading
import zipfile
import zlib

import numpy as np

import ember
from ember.serialization import atomic_write

from .layers.layer import LAYER_CLASSES, Layer

__all__ = [
    "CustomObjectScope", "custom_object_scope", "deserialize_keras_object", "get_custom_objects",
    "get_registered_name", "get_registered_object", "load_model", "load_weights",
    "register_keras_serializable", "save_model", "save_weights", "serialize_keras_object",
]

_CONFIG = "config.json"
_METADATA = "metadata.json"
_WEIGHTS = "model.weights.safetensors"
_OPTIMIZER = "optimizer.safetensors"
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"

# -- custom objects -------------------------------------------------------------------------

_GLOBAL_CUSTOM_OBJECTS: dict[str, object] = {}
_GLOBAL_CUSTOM_NAMES: dict[object, str] = {}


class _Scopes(threading.local):
    def __init__(self):
        self.stack: list[dict] = []


_SCOPES = _Scopes()


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Class/function decorator: make it loadable by name (``"package>Name"``), as in Keras.

    >>> from ember.keras import saving
    >>> @saving.register_keras_serializable(package="doc")
    ... def twice(x):
    ...     return 2 * x
    >>> saving.get_registered_name(twice), saving.get_registered_object("doc>twice") is twice
    ('doc>twice', True)
    """

    def decorator(obj):
        key = f"{package}>{name or obj.__name__}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(
                f"register_keras_serializable: {obj.__name__} must implement get_config() to "
                "be serializable"
            )
        _GLOBAL_CUSTOM_OBJECTS[key] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = key
        return obj

    return decorator


def get_custom_objects() -> dict:
    """The global registry (a mutable dict: ``get_custom_objects()["MyLayer"] = MyLayer``)."""
    return _GLOBAL_CUSTOM_OBJECTS


def get_registered_name(obj) -> str:
    """The name ``obj`` is saved under: its registered ``"package>name"``, else its ``__name__``."""
    return _GLOBAL_CUSTOM_NAMES.get(obj, getattr(obj, "__name__", str(obj)))


def get_registered_object(name, custom_objects=None, module_objects=None):
    """Find ``name`` among the active ``custom_object_scope``s, the global registry,
    ``custom_objects`` and ``module_objects`` (Keras's order); None when absent."""
    for scope in reversed(_SCOPES.stack):
        if name in scope:
            return scope[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    for extra in (custom_objects, module_objects):
        if extra and name in extra:
            return extra[name]
    return None


class CustomObjectScope:
    """``with CustomObjectScope({"MyLayer": MyLayer}):`` makes the objects visible to loading."""

    def __init__(self, custom_objects=None):
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self):
        _SCOPES.stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _SCOPES.stack.pop()


custom_object_scope = CustomObjectScope


# -- configs --------------------------------------------------------------------------------

def _class_of(obj) -> type:
    cls = type(obj)
    return getattr(cls, "_functional_subclass_of", None) or cls


def _module_and_registered_name(cls):
    from .models.functional import Functional
    from .models.sequential import Sequential

    if cls in _GLOBAL_CUSTOM_NAMES:
        return cls.__module__, _GLOBAL_CUSTOM_NAMES[cls]
    if cls is Functional:
        return "keras.src.models.functional", "Functional"
    if cls is Sequential:
        return "keras", None
    module = cls.__module__
    if module.startswith("ember.keras.layers"):
        return "keras.layers", None
    if module.startswith("ember.keras"):
        return "keras" + module[len("ember.keras"):], None
    return module, cls.__name__


def serialize_keras_object(obj):
    """A layer, model or function as Keras 3's config dict (basic values pass through)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return obj.item()
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(v) for v in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if hasattr(obj, "get_config"):
        cls = _class_of(obj)
        module, registered = _module_and_registered_name(cls)
        entry = {"module": module, "class_name": cls.__name__, "config": obj.get_config(),
                 "registered_name": registered}
        if isinstance(obj, Layer) and obj.built:
            build_config = obj.get_build_config()
            if build_config:
                entry["build_config"] = build_config
        return entry
    if callable(obj) and hasattr(obj, "__name__"):
        return {"module": getattr(obj, "__module__", None), "class_name": "function",
                "config": get_registered_name(obj), "registered_name": "function"}
    raise TypeError(
        f"cannot serialize {obj!r} (of type {type(obj).__name__}): it has no get_config()")


def _builtin_classes() -> dict:
    from .models.functional import Functional
    from .models.model import Model
    from .models.sequential import Sequential

    return {"Functional": Functional, "Sequential": Sequential, "Model": Model}


def _find_class(class_name, registered_name, custom_objects, config):
    for name in (registered_name, class_name):
        if name:
            found = get_registered_object(name, custom_objects)
            if found is not None:
                return found
    builtin = _builtin_classes().get(class_name) or LAYER_CLASSES.get(class_name)
    if builtin is not None:
        return builtin
    text = json.dumps(config, default=str)
    raise ValueError(
        f"Could not locate class '{class_name}'. Make sure custom classes are decorated with "
        "`@keras.saving.register_keras_serializable()`, or pass them to loading as "
        f"custom_objects={{'{class_name}': {class_name}}}. Full object config: "
        f"{text[:500] + '...' if len(text) > 500 else text}"
    )


def deserialize_keras_object(config, custom_objects=None, safe_mode=True):
    """Rebuild what ``serialize_keras_object`` produced (never imports or executes code from the
    config: classes and functions must already exist and be findable by name)."""
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        found = get_registered_object(config, custom_objects)
        return config if found is None else found
    if isinstance(config, list):
        return [deserialize_keras_object(v, custom_objects) for v in config]
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"cannot deserialize {config!r}: expected a dict with 'class_name'")
    class_name = config["class_name"]
    inner = config.get("config", {})
    if class_name == "function":
        fn = get_registered_object(inner, custom_objects)
        if fn is None:
            raise ValueError(
                f"Could not locate function '{inner}'. ember never rebuilds code from a file: "
                f"pass custom_objects={{'{inner}': {inner}}} or register it with "
                "@keras.saving.register_keras_serializable()."
            )
        return fn
    with CustomObjectScope(custom_objects or {}):
        cls = _find_class(class_name, config.get("registered_name"), custom_objects, config)
        if not hasattr(cls, "from_config"):
            obj = cls(**inner) if isinstance(inner, dict) else cls(inner)
        else:
            obj = cls.from_config(inner)
        build_config = config.get("build_config")
        if build_config and isinstance(obj, Layer) and not obj.built:
            obj.build_from_config(build_config)
    return obj


def _json_default(value):
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, ember.dtype):
        return str(value).replace("ember.", "")
    raise TypeError(
        f"a config holds a {type(value).__name__} ({value!r}), which JSON cannot store; make "
        "get_config() return numbers, strings, lists and dicts"
    )


def _to_json(config) -> str:
    return json.dumps(config, default=_json_default)


# -- files ----------------------------------------------------------------------------------

def _check_overwrite(path: str, overwrite: bool) -> None:
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")


def _state_bytes(model) -> bytes:
    buf = io.BytesIO()
    ember.save(dict(model.state_dict()), buf)
    return buf.getvalue()


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs) -> None:
    """Save ``model`` to a ``.keras`` file: architecture, weights and compile settings."""
    if kwargs:
        raise TypeError(f"save_model: unexpected argument(s) {sorted(kwargs)}")
    if zipped is False:
        raise ValueError("save_model: ember writes .keras files as zip archives only (zipped=True)")
    path = os.fspath(filepath)
    if path.endswith((".h5", ".hdf5")):
        raise ValueError(
            f"save_model: {path} asks for the legacy HDF5 format, which ember cannot write "
            "(no h5py). Save to a `.keras` file instead."
        )
    if not path.endswith(".keras"):
        raise ValueError(
            "Invalid filepath extension for saving. Please add a `.keras` extension for the "
            f"native Keras format. Received: filepath={path}"
        )
    _check_overwrite(path, overwrite)
    config = serialize_keras_object(model)
    get_compile_config = getattr(model, "get_compile_config", None)
    if callable(get_compile_config) and getattr(model, "compiled", False):
        compile_config = get_compile_config()
        if compile_config is not None:
            config["compile_config"] = compile_config
    config_text = _to_json(config)
    metadata = {
        "ember_version": ember.__version__,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    }
    weights = _state_bytes(model)
    optimizer = _optimizer_bytes(model) if "compile_config" in config else None

    def write(fh):
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr(_METADATA, json.dumps(metadata))
            zf.writestr(_CONFIG, config_text)
            zf.writestr(_WEIGHTS, weights)
            if optimizer is not None:
                zf.writestr(_OPTIMIZER, optimizer)

    atomic_write(path, write)


def _optimizer_bytes(model):
    """The built optimizer's state (iterations, slots) as safetensors bytes, or None."""
    opt = getattr(model, "optimizer", None)
    if opt is None or not getattr(opt, "built", False) or not hasattr(opt, "state_dict"):
        return None
    buf = io.BytesIO()
    ember.save(dict(opt.state_dict()), buf)
    return buf.getvalue()


def _read_head(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(8)


def _hdf5_error(path: str, what: str) -> ValueError:
    return ValueError(
        f"{what}: {path} is an HDF5 file (written by Keras or h5py). ember cannot read HDF5: "
        "it would need h5py. Save the model with ember (model.save('m.keras') / "
        "model.save_weights('m.weights.h5'), which write safetensors), or convert the weights "
        "with Keras and load them through set_weights()."
    )


def _open_keras_zip(path: str, what: str):
    """(config dict, weights bytes) of a .keras file, with clear errors for bad files."""
    if not os.path.exists(path):
        raise ValueError(
            f"File not found: filepath={path}. Please ensure the file is an accessible `.keras` "
            "zip file."
        )
    if _read_head(path).startswith(_HDF5_MAGIC):
        raise _hdf5_error(path, what)
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{what}: {path} is not a valid .keras file: not a zip archive (the file is corrupt "
            "or truncated)"
        )
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if _WEIGHTS not in names and "model.weights.h5" in names:
                raise ValueError(
                    f"{what}: {path} was written by Keras: its weights are in HDF5 "
                    "(model.weights.h5), which ember cannot read without h5py. Rebuild the model "
                    "from its config.json and load the weights with set_weights()."
                )
            missing = [n for n in (_CONFIG, _WEIGHTS) if n not in names]
            if missing:
                raise ValueError(
                    f"{what}: {path} is not a complete .keras file: {', '.join(missing)} "
                    "missing from the archive"
                )
            config = json.loads(zf.read(_CONFIG).decode("utf-8"))
            weights = zf.read(_WEIGHTS)
            optimizer = zf.read(_OPTIMIZER) if _OPTIMIZER in names else None
    except (zipfile.BadZipFile, zlib.error, EOFError, UnicodeDecodeError,
            json.JSONDecodeError) as e:
        raise ValueError(f"{what}: {path} is corrupt or truncated ({e})") from None
    return config, weights, optimizer


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved by ``model.save("m.keras")``.

    Args:
        filepath: the ``.keras`` file.
        custom_objects: ``{"Name": class_or_function}`` for custom layers, models, functions.
        compile: recompile with the saved compile settings (when the trainer provides
            ``compile_from_config``).
        safe_mode: accepted for Keras compatibility; loading never executes code from the file.
    """
    path = os.fspath(filepath)
    config, weights, optimizer = _open_keras_zip(path, "load_model")
    with CustomObjectScope(custom_objects or {}):
        model = deserialize_keras_object(config, custom_objects)
    _load_state(model, _parse_weights(weights, path), skip_mismatch=False, source=path)
    compile_config = config.get("compile_config")
    if compile and compile_config and hasattr(model, "compile_from_config"):
        with CustomObjectScope(custom_objects or {}):
            model.compile_from_config(compile_config)
        opt = getattr(model, "optimizer", None)
        if optimizer is not None and getattr(opt, "built", False):
            opt.load_state_dict(_parse_weights(optimizer, path + " (optimizer)"))
    return model


def _parse_weights(data: bytes, source: str) -> dict:
    try:
        state = ember.load(io.BytesIO(data))
    except ValueError as e:
        raise ValueError(f"{source}: the weights are corrupt or truncated ({e})") from None
    if not isinstance(state, dict):
        raise ValueError(f"{source}: the weights file does not hold a state dict")
    return state


def save_weights(model, filepath, overwrite=True) -> None:
    """Save the weights (the model's state dict) to ``*.weights.h5`` or
    ``*.weights.safetensors``. Both are written in the safetensors format: Keras requires the
    ``.weights.h5`` suffix, and ember keeps it so Keras code runs unchanged, but the content is
    not HDF5."""
    path = os.fspath(filepath)
    if not path.endswith((".weights.h5", ".weights.safetensors")):
        raise ValueError(
            "The filename must end in `.weights.h5` (Keras's suffix; ember writes safetensors "
            f"inside) or `.weights.safetensors`. Received: filepath={path}"
        )
    _check_overwrite(path, overwrite)
    data = _state_bytes(model)
    atomic_write(path, lambda fh: fh.write(data))


def load_weights(model, filepath, skip_mismatch=False) -> None:
    """Load weights saved by ``save_weights`` (or those inside a ``.keras`` file) into
    ``model``. Weights are matched by state-dict path; when the paths differ (layers named
    ``dense_2`` instead of ``dense``) but the model has the same weights in the same order and
    shapes, they are matched by position, as Keras matches weights by layer order."""
    path = os.fspath(filepath)
    if path.endswith(".keras"):
        _, data, _ = _open_keras_zip(path, "load_weights")
    else:
        if not os.path.exists(path):
            raise FileNotFoundError(f"load_weights: no such file {path}")
        if _read_head(path).startswith(_HDF5_MAGIC):
            raise _hdf5_error(path, "load_weights")
        with open(path, "rb") as fh:
            data = fh.read()
    _load_state(model, _parse_weights(data, path), skip_mismatch=skip_mismatch, source=path)


def _load_state(model, state: dict, skip_mismatch: bool, source: str) -> None:
    own = model.state_dict()
    if state and not own:
        raise ValueError(
            f"You are loading weights from {source} into model '{model.name}', which has not yet "
            "been built. Try building it (including by calling it on some data) before loading "
            "weights."
        )
    if set(state) != set(own) and len(state) == len(own):
        # same number of weights under other names (dense_2 for dense): match by position
        pairs = {key: (file_key, value) for key, (file_key, value) in zip(own, state.items())}
    else:
        pairs = {key: (key, value) for key, value in state.items()}
        missing = [k for k in own if k not in pairs]
        unexpected = [k for k in pairs if k not in own]
        if (missing or unexpected) and not skip_mismatch:
            raise ValueError(
                f"{source} does not match model '{model.name}': missing weights {missing[:8]}"
                f"{' ...' if len(missing) > 8 else ''}, unexpected weights {unexpected[:8]}"
                f"{' ...' if len(unexpected) > 8 else ''}. Build the same architecture (or pass "
                "skip_mismatch=True to load what matches)."
            )
    loadable, mismatched = {}, []
    for key, (file_key, value) in pairs.items():
        if key not in own:
            continue
        if tuple(value.shape) != tuple(own[key].shape):
            mismatched.append((key, file_key, tuple(value.shape)))
        else:
            loadable[key] = value
    if mismatched and not skip_mismatch:
        key, file_key, shape = mismatched[0]
        raise ValueError(
            f"{source}: weight '{file_key}' has shape {shape} in the file but model "
            f"'{model.name}' has {tuple(own[key].shape)} for '{key}' ({len(mismatched)} "
            "mismatched). Pass skip_mismatch=True to skip them."
        )
    model.load_state_dict(loadable, strict=not skip_mismatch)
