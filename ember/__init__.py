"""ember: a small deep-learning library with PyTorch's eager core and Keras's high-level API.

``import ember`` loads NumPy and the core (tensor, autograd, ops); ``ember.nn``, ``ember.optim``,
``ember.data``, ``ember.utils``, ``ember.linalg``, ``ember.keras`` and ``ember.save``/``ember.load``
load on first access (PEP 562 module ``__getattr__``), so ``ember.nn.Linear``, ``from ember
import nn`` and ``import ember.nn`` all work as before while a script that needs only tensors
pays only for those.

>>> import ember
>>> ember.nn.Linear(2, 3).weight.shape
ember.Size([3, 2])
"""

import importlib as _importlib

from . import backend
from .backend import Generator, device, get_default_dtype, manual_seed, set_default_dtype
from .backend.dtypes import (
    bfloat16,
    bool_ as bool,  # noqa: A001  (ember.bool, like torch.bool)
    dtype,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    result_type as _result_type,
    uint8,
)
from .backend.random import initial_seed, seed, get_rng_state, set_rng_state
from .tensor import Size, Tensor
from . import autograd
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from . import ops
from ._tensor_str import set_printoptions
from .ops.reduction import return_types

# ``from .ops import *`` would touch every name in ops.__all__, loading the lazy op families too.
globals().update({_name: getattr(ops, _name) for _name in ops.EAGER_NAMES})

half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001
cfloat = None

__version__ = "0.1.0"

# Loaded at first access: submodules by name, and attributes as (module, attribute).
_LAZY_SUBMODULES = ("nn", "optim", "data", "utils", "linalg", "serialization", "keras")
_LAZY_ATTRIBUTES = {"save": ("serialization", "save"), "load": ("serialization", "load")}


def __getattr__(name: str):
    if name in _LAZY_SUBMODULES:
        return _importlib.import_module(f"{__name__}.{name}")  # the import binds it here too
    if name in _LAZY_ATTRIBUTES:
        module, attribute = _LAZY_ATTRIBUTES[name]
        value = getattr(_importlib.import_module(f"{__name__}.{module}"), attribute)
    elif name in ops.LAZY_NAMES:
        value = getattr(ops, name)
    else:
        raise AttributeError(f"module 'ember' has no attribute '{name}'")
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY_SUBMODULES) | set(_LAZY_ATTRIBUTES)
                  | set(ops.LAZY_NAMES))
