"""Every differentiable primitive, grouped by family; each op's forward and backward side by side.

Each family module lists its public functions in ``__all__`` (exported as ``ember.<name>``) and
the names that are also ``Tensor`` methods in ``TENSOR_METHODS``; the loop at the bottom binds
those methods, so ``x.sum()`` is ``ember.ops.reduction.sum(x)``.
"""

from ..tensor import Tensor
from . import (activation, attention, conv, conversion, creation, elementwise, indexing, linalg,
               linear, loss, normalization, pooling, random, reduction, rnn, shape)
# aliased: the star imports below rebind ember.ops.dropout / .embedding to the functions
from . import dropout as _dropout_family, embedding as _embedding_family
from ._util import normalize_dim, sum_to
from .activation import *  # noqa: F403
from .conv import *  # noqa: F403
from .conversion import *  # noqa: F403
from .creation import *  # noqa: F403
from .dropout import *  # noqa: F403
from .elementwise import *  # noqa: F403
from .embedding import *  # noqa: F403
from .indexing import *  # noqa: F403
from .linalg import *  # noqa: F403
from .normalization import *  # noqa: F403
from .pooling import *  # noqa: F403
from .random import *  # noqa: F403
from .reduction import *  # noqa: F403
from .shape import *  # noqa: F403
from .conversion import to_dtype, to_device  # noqa: F401
from .indexing import getitem, setitem_  # noqa: F401

FAMILIES = (conversion, creation, random, elementwise, activation, reduction, linalg, shape,
            indexing, linear, loss, normalization, _dropout_family, _embedding_family,
            attention, rnn, conv, pooling)

for _mod in FAMILIES:
    for _name in _mod.TENSOR_METHODS:
        setattr(Tensor, _name, getattr(_mod, _name))
    for _name in _mod.TENSOR_METHODS:
        if _name not in globals():
            globals()[_name] = getattr(_mod, _name)

__all__ = sorted({n for m in FAMILIES for n in m.__all__})
