"""``TorchModuleWrapper``: a PyTorch-style ``ember.nn.Module`` used as a Keras layer.

Keras 3 has ``keras.layers.TorchModuleWrapper`` so that a ``torch.nn.Module`` can sit in a
Keras model; ember's version wraps an ``ember.nn.Module``. The module's parameters and buffers
become the layer's weights (``weights``, ``trainable_weights``, ``count_params``, the model's
state dict under ``<layer name>.module.``), and the Keras training flag is applied with
``module.train(training)`` before each call, so ``Dropout``/``BatchNorm1d`` inside the module
behave as in ``fit`` / ``predict``.

This is the one line that lets an explicit-loop ember model be compiled and fitted::

    model = keras.Sequential([net])   # net: any ember.nn.Module; wrapped automatically
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")

>>> import ember
>>> from ember.keras.layers.module_wrapper import TorchModuleWrapper
>>> layer = TorchModuleWrapper(ember.nn.Linear(4, 2))
>>> layer(ember.ones(3, 4)).shape, layer.count_params()
(ember.Size([3, 2]), 10)
"""

from __future__ import annotations

from ember import nn

from .layer import Layer

__all__ = ["TorchModuleWrapper"]


class TorchModuleWrapper(Layer):
    """Run ``module`` (an ``ember.nn.Module``) as a Keras layer.

    Args:
        module: the module to wrap; it is called as ``module(inputs, *args, **kwargs)``.
        name: the layer name (default ``torch_module_wrapper``, ``torch_module_wrapper_1``, ...).

    The layer's dtype follows the module's first floating-point parameter, so a float64 module
    receives float64 inputs.
    """

    def __init__(self, module, name=None, **kwargs):
        if not isinstance(module, nn.Module):
            raise TypeError(
                f"TorchModuleWrapper: module must be an ember.nn.Module, got "
                f"{type(module).__name__}. Keras layers need no wrapper."
            )
        if isinstance(module, Layer):
            raise TypeError(
                f"TorchModuleWrapper: {module.name!r} is already a Keras layer; use it directly"
            )
        if "dtype" not in kwargs:
            kwargs["dtype"] = _module_dtype(module)
        super().__init__(name=name, **kwargs)
        self.module = module
        self.built = True
        self.__dict__["_module_mode"] = None

    def call(self, inputs, *args, training=None, **kwargs):
        mode = bool(training)
        # module.train() walks every submodule; skip it when the mode is unchanged (each step)
        if mode != self._module_mode or mode != self.module.training:
            self.module.train(mode)
            self.__dict__["_module_mode"] = mode
        return self.module(inputs, *args, **kwargs)

    def get_config(self):
        config = super().get_config()
        cls = type(self.module)
        config["module"] = {"class_name": cls.__name__, "module": cls.__module__}
        return config

    @classmethod
    def from_config(cls, config):
        """Rebuild the wrapper: the module's class comes from ``custom_objects`` (it is called
        with no arguments; weights are restored afterwards by ``load_model``)."""
        from .. import saving

        config = dict(config)
        spec = config.pop("module", None) or {}
        class_name = spec.get("class_name", "?")
        module_cls = saving.get_registered_object(class_name)
        if module_cls is None:
            raise ValueError(
                f"TorchModuleWrapper {config.get('name')!r} wraps an ember.nn.Module of class "
                f"{class_name!r} (from {spec.get('module', '?')}). ember saves its weights but "
                "not its code: pass custom_objects={" + repr(class_name) + ": " + class_name
                + "} to load_model (the class is called with no arguments), or rebuild the "
                "model in code and use load_weights."
            )
        try:
            module = module_cls()
        except TypeError as e:
            raise TypeError(
                f"TorchModuleWrapper {config.get('name')!r}: could not create {class_name}() "
                f"with no arguments ({e}). Pass a factory in custom_objects, e.g. "
                "custom_objects={" + repr(class_name) + ": lambda: " + class_name + "(...)}"
            ) from None
        return cls(module, **config)

    def extra_repr(self) -> str:
        return f"name={self.name}"


def _module_dtype(module) -> str:
    for p in module.parameters():
        if p.is_floating_point():
            return str(p.dtype).replace("ember.", "")
    return "float32"
