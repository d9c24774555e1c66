"""``ember.nn.functional``: the stateless forms of the layers, with PyTorch's names.

The kernels live in ``ember.ops`` (one family each); this module gives them torch.nn.functional's
signatures (``inplace=``, ``training=``, ...).
"""

from __future__ import annotations

from .. import ops
from ..ops._util import inplace as _inplace
from ..ops.linear import bilinear, linear  # noqa: F401


def _maybe_inplace(name, fn, input, inplace, *args, **kwargs):
    if inplace:
        return _inplace(name, input, fn, *args, **kwargs)
    return fn(input, *args, **kwargs)


# -- activations ---------------------------------------------------------------------------


def relu(input, inplace: bool = False):
    return _maybe_inplace("relu_", ops.relu, input, inplace)


def relu_(input):
    return relu(input, inplace=True)


def relu6(input, inplace: bool = False):
    return _maybe_inplace("relu6_", ops.relu6, input, inplace)


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):
    return _maybe_inplace("leaky_relu_", ops.leaky_relu, input, inplace, negative_slope)


def elu(input, alpha: float = 1.0, inplace: bool = False):
    return _maybe_inplace("elu_", ops.elu, input, inplace, alpha)


def celu(input, alpha: float = 1.0, inplace: bool = False):
    return _maybe_inplace("celu_", ops.celu, input, inplace, alpha)


def selu(input, inplace: bool = False):
    return _maybe_inplace("selu_", ops.selu, input, inplace)


def gelu(input, approximate: str = "none"):
    return ops.gelu(input, approximate=approximate)


def silu(input, inplace: bool = False):
    return _maybe_inplace("silu_", ops.silu, input, inplace)


def mish(input, inplace: bool = False):
    return _maybe_inplace("mish_", ops.mish, input, inplace)


def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
    return _maybe_inplace("hardtanh_", ops.hardtanh, input, inplace, min_val, max_val)


def hardsigmoid(input, inplace: bool = False):
    return _maybe_inplace("hardsigmoid_", ops.hardsigmoid, input, inplace)


def hardswish(input, inplace: bool = False):
    return _maybe_inplace("hardswish_", ops.hardswish, input, inplace)


def softplus(input, beta: float = 1.0, threshold: float = 20.0):
    return ops.softplus(input, beta, threshold)


def softsign(input):
    return ops.softsign(input)


def logsigmoid(input):
    return ops.logsigmoid(input)


def prelu(input, weight):
    return ops.prelu(input, weight)


def sigmoid(input):
    return ops.sigmoid(input)


def tanh(input):
    return ops.tanh(input)


def softmax(input, dim: int | None = None, _stacklevel: int = 3, dtype=None):
    return ops.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim: int | None = None, _stacklevel: int = 3, dtype=None):
    return ops.log_softmax(input, dim, dtype=dtype)


def softmin(input, dim: int | None = None, _stacklevel: int = 3, dtype=None):
    return ops.softmin(input, dim, dtype=dtype)


def leaky_relu_(input, negative_slope: float = 0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def elu_(input, alpha: float = 1.0):
    return elu(input, alpha, inplace=True)


def hardtanh_(input, min_val: float = -1.0, max_val: float = 1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold(input, threshold: float, value: float, inplace: bool = False):
    return _maybe_inplace("threshold_", ops.threshold, input, inplace, threshold, value)


def threshold_(input, threshold: float, value: float):
    return ops.threshold_(input, threshold, value)


def tanhshrink(input):
    return ops.tanhshrink(input)


def softshrink(input, lambd: float = 0.5):
    return ops.softshrink(input, lambd)


def hardshrink(input, lambd: float = 0.5):
    return ops.hardshrink(input, lambd)


def glu(input, dim: int = -1):
    return ops.glu(input, dim)


# -- losses --------------------------------------------------------------------------------

from ..ops.attention import (  # noqa: E402, F401
    multi_head_attention_forward,
    scaled_dot_product_attention,
)
from ..ops.conv import (  # noqa: E402, F401
    conv1d,
    conv2d,
    conv_transpose1d,
    conv_transpose2d,
    fold,
    unfold,
)
from ..ops.dropout import (  # noqa: E402, F401
    alpha_dropout,
    dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
)
from ..ops.embedding import embedding, embedding_bag  # noqa: E402, F401
from ..ops.loss import (  # noqa: E402, F401
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cosine_embedding_loss,
    cross_entropy,
    gaussian_nll_loss,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    l1_loss,
    margin_ranking_loss,
    mse_loss,
    nll_loss,
    pairwise_distance,
    poisson_nll_loss,
    smooth_l1_loss,
    soft_margin_loss,
    triplet_margin_loss,
)
from ..ops.normalization import (  # noqa: E402, F401
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
    local_response_norm,
    normalize,
    rms_norm,
)
from ..ops.pooling import (  # noqa: E402, F401
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    interpolate,
    lp_pool1d,
    lp_pool2d,
    max_pool1d,
    max_pool2d,
    max_unpool1d,
    max_unpool2d,
    pixel_shuffle,
    pixel_unshuffle,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)
from ..ops.shape import pad  # noqa: E402, F401
