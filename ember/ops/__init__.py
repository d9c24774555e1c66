"""Every differentiable primitive, grouped by family; each op's forward and backward side by side.

Each family module lists its public functions in ``__all__`` (exported as ``ember.<name>``) and
the names that are also ``Tensor`` methods in ``TENSOR_METHODS``; the loop below binds those
methods, so ``x.sum()`` is ``ember.ops.reduction.sum(x)``.

The families without ``Tensor`` methods that only layers use (linear, loss, normalization,
attention, rnn, conv, pooling) load at first access through the module ``__getattr__``
(PEP 562): ``ember.ops.conv2d``, ``ember.conv2d`` and ``import ember.ops.conv`` work as before,
and ``import ember`` skips about a third of the ops' source.
"""

import importlib as _importlib

from ..tensor import Tensor
from . import (activation, conversion, creation, elementwise, indexing, linalg, random, reduction,
               shape)
# aliased: the star imports below rebind ember.ops.dropout / .embedding to the functions
from . import dropout as _dropout_family, embedding as _embedding_family
from ._util import normalize_dim, sum_to
from .activation import *  # noqa: F403
from .conversion import *  # noqa: F403
from .creation import *  # noqa: F403
from .dropout import *  # noqa: F403
from .elementwise import *  # noqa: F403
from .embedding import *  # noqa: F403
from .indexing import *  # noqa: F403
from .linalg import *  # noqa: F403
from .random import *  # noqa: F403
from .reduction import *  # noqa: F403
from .shape import *  # noqa: F403
from .conversion import to_dtype, to_device  # noqa: F401
from .indexing import getitem, setitem_  # noqa: F401

_EAGER_FAMILIES = (conversion, creation, random, elementwise, activation, reduction, linalg, shape,
                   indexing, _dropout_family, _embedding_family)
# Order of FAMILIES (tools iterate it); the lazy ones have no TENSOR_METHODS to bind.
_FAMILY_ORDER = ("conversion", "creation", "random", "elementwise", "activation", "reduction",
                 "linalg", "shape", "indexing", "linear", "loss", "normalization", "dropout",
                 "embedding", "attention", "rnn", "conv", "pooling")
_LAZY_FAMILIES = ("linear", "loss", "normalization", "attention", "rnn", "conv", "pooling")
# The lazy families' ``__all__`` (tests/test_import.py checks that this table is complete).
LAZY_NAMES = {
    **dict.fromkeys(("batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm"),
                    "normalization"),
    **dict.fromkeys(("conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"), "conv"),
    **dict.fromkeys(("max_pool1d", "max_pool2d", "avg_pool1d", "adaptive_avg_pool1d",
                     "pixel_shuffle", "pixel_unshuffle"), "pooling"),
}

for _mod in _EAGER_FAMILIES:
    for _name in _mod.TENSOR_METHODS:
        setattr(Tensor, _name, getattr(_mod, _name))
    for _name in _mod.TENSOR_METHODS:
        if _name not in globals():
            globals()[_name] = getattr(_mod, _name)

EAGER_NAMES = sorted({n for m in _EAGER_FAMILIES for n in m.__all__})
__all__ = sorted(set(EAGER_NAMES) | set(LAZY_NAMES))


def _family(name: str):
    if name == "dropout":
        return _dropout_family
    if name == "embedding":
        return _embedding_family
    return _importlib.import_module(f"{__name__}.{name}")


def __getattr__(name: str):
    if name in _LAZY_FAMILIES:
        return _family(name)  # importing a submodule binds it here as well
    if name in LAZY_NAMES:
        value = getattr(_family(LAZY_NAMES[name]), name)
    elif name == "FAMILIES":
        value = tuple(_family(n) for n in _FAMILY_ORDER)
    else:
        raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY_FAMILIES) | set(LAZY_NAMES) | {"FAMILIES"})
