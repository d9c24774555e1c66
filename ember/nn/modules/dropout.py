"""``Dropout``, ``Dropout1d``, ``Dropout2d``, ``Dropout3d``, ``AlphaDropout`` and
``FeatureAlphaDropout``: the dropout kernels in ``ember.ops.dropout`` applied in training mode."""

from __future__ import annotations

from ...ops.dropout import alpha_dropout as _alpha_dropout
from ...ops.dropout import dropout as _dropout
from ...ops.dropout import dropout1d as _dropout1d
from ...ops.dropout import dropout2d as _dropout2d
from ...ops.dropout import dropout3d as _dropout3d
from ...ops.dropout import feature_alpha_dropout as _feature_alpha_dropout
from ..module import Module


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """In training, zeroes each element with probability p and scales the others by 1/(1 − p);
    in eval mode, the identity.

    >>> import ember
    >>> from ember.nn.modules.dropout import Dropout
    >>> Dropout(0.5).eval()(ember.ones(3))
    tensor([1., 1., 1.])
    """

    def forward(self, input):
        return _dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zeroes whole channels of (N, C, L) or (C, L) with probability p (kept ones scaled by
    1/(1 − p)).

    >>> import ember
    >>> from ember.nn.modules.dropout import Dropout1d
    >>> Dropout1d(0.5)(ember.ones(2, 3, 4)).shape
    ember.Size([2, 3, 4])
    """

    def forward(self, input):
        return _dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zeroes whole channels of (N, C, H, W) or (C, H, W) with probability p (kept ones scaled
    by 1/(1 − p)).

    >>> import ember
    >>> from ember.nn.modules.dropout import Dropout2d
    >>> Dropout2d(0.5)(ember.ones(2, 3, 4, 4)).shape
    ember.Size([2, 3, 4, 4])
    """

    def forward(self, input):
        return _dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zeroes whole channels of (N, C, D, H, W) or (C, D, H, W) with probability p.

    >>> import ember
    >>> from ember.nn.modules.dropout import Dropout3d
    >>> Dropout3d(0.5)(ember.ones(1, 2, 2, 2, 2)).shape
    ember.Size([1, 2, 2, 2, 2])
    """

    def forward(self, input):
        return _dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps the zero mean and unit variance of SELU activations (dropped values
    are set to SELU's negative saturation, then an affine correction is applied).

    >>> import ember
    >>> from ember.nn.modules.dropout import AlphaDropout
    >>> AlphaDropout(0.2)(ember.zeros(4)).shape
    ember.Size([4])
    """

    def forward(self, input):
        return _alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels of (N, C, *).

    >>> import ember
    >>> from ember.nn.modules.dropout import FeatureAlphaDropout
    >>> FeatureAlphaDropout(0.2)(ember.zeros(2, 3, 4)).shape
    ember.Size([2, 3, 4])
    """

    def forward(self, input):
        return _feature_alpha_dropout(input, self.p, self.training)
