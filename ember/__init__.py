"""ember: a small deep-learning library with PyTorch's eager core and Keras's high-level API."""

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
from . import ops, linalg
from .ops import *  # noqa: F403
from ._tensor_str import set_printoptions
from .ops.reduction import return_types
from . import nn
from . import data, utils
from . import optim
from .serialization import load, save

half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001
cfloat = None

__version__ = "0.1.0"
