"""``ember.linalg``: PyTorch's ``torch.linalg`` names: norms, inverse, solve, determinants and
decompositions (implemented in ``ember.ops.linalg``)."""

from .ops import linalg as _linalg
from .ops.linalg import (  # noqa: F401
    LinAlgError,
    det,
    eigh,
    eigvalsh,
    inv,
    matmul,
    matrix_norm,
    matrix_power,
    multi_dot,
    slogdet,
    solve,
    svdvals,
    vecdot,
    vector_norm,
)

norm = _linalg.linalg_norm
cross = _linalg.linalg_cross
diagonal = _linalg.linalg_diagonal
cholesky = _linalg.linalg_cholesky
qr = _linalg.linalg_qr
svd = _linalg.linalg_svd

__all__ = list(_linalg.LINALG_NAMES)
