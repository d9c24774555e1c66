"""Linear algebra: matrix products, einsum/tensordot, diagonals, norms, inverse, solve,
determinants and the decompositions behind ``ember.linalg``.

Forward passes are single BLAS/LAPACK calls on the arrays (a batch of matrices times one matrix
is folded into one GEMM, without copying contiguous inputs); backward passes are written with
ember ops, so they can be differentiated again (double backward).
"""

from __future__ import annotations

import collections
import functools
import math
import numbers
import string

import numpy as np

from .. import backend as B
from ..autograd.function import Function
from ..autograd.grad_mode import state as _grad_state
from ..tensor import Tensor
from . import conversion as _conv
from . import elementwise as _ew
from . import reduction as _red
from ._util import (
    broadcast_shapes_for,
    cast,
    check_same_device,
    check_tensor,
    inplace,
    normalize_dim,
    normalize_dims,
    sum_to,
)

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv",
           "baddbmm", "addbmm", "tensordot", "einsum", "diag", "diagonal", "diag_embed", "trace",
           "kron", "cross", "norm", "dist", "det", "logdet", "slogdet", "inverse", "matrix_power",
           "cholesky", "qr", "svd"]
TENSOR_METHODS = ("matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm",
                  "addmm_", "addmv", "addmv_", "baddbmm", "baddbmm_", "addbmm", "addbmm_", "diag",
                  "diagonal", "diag_embed", "trace", "kron", "cross", "norm", "dist", "det",
                  "logdet", "slogdet", "inverse", "matrix_power", "cholesky", "qr", "svd")

# The names ``ember.linalg`` exports (see ember/linalg.py); the functions live in this module.
LINALG_NAMES = ("matmul", "vector_norm", "matrix_norm", "norm", "inv", "solve", "det", "slogdet",
                "matrix_power", "cholesky", "qr", "eigh", "eigvalsh", "svd", "svdvals", "cross",
                "diagonal", "vecdot", "multi_dot", "LinAlgError")


class LinAlgError(RuntimeError):
    """A LAPACK routine failed: a singular or not positive-definite matrix
    (``linalg.LinAlgError``)."""


# -- argument checks ------------------------------------------------------------------------


def _check_pair(op, a, b, an="input", bn="other"):
    """Both operands are tensors of one (non-bool) dtype on one device, as BLAS needs."""
    if not isinstance(a, Tensor):
        check_tensor(a, op, an)
    if not isinstance(b, Tensor):
        check_tensor(b, op, bn)
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(
            f"{op}(): expected {an} and {bn} to have the same dtype, but got {an} of dtype "
            f"{a.dtype} and {bn} of dtype {b.dtype}. Convert one first, e.g. "
            f"{bn}.to({an}.dtype)"
        )
    if a._data.dtype.kind == "b":
        raise RuntimeError(f"{op}(): bool tensors are not supported; convert them with .float() "
                           "or .long() first")
    if type(a._data) is not np.ndarray or type(b._data) is not np.ndarray:
        check_same_device(op, a, b)


def _shape_str(s) -> str:
    return str(tuple(s))


def _check_inner(op, sa, sb, an="input", bn="other"):
    """The contracted dimensions of ``sa @ sb`` agree and batch dims broadcast."""
    k_a = sa[-1]
    k_b = sb[0] if len(sb) == 1 else sb[-2]
    if k_a != k_b:
        where = f"{bn}.shape[0]" if len(sb) == 1 else f"{bn}.shape[-2]"
        fix = ""
        if len(sb) >= 2 and sa[-1] == sb[-1]:
            fix = f" Did you mean to transpose {bn} ({bn}.mT)?"
        elif len(sa) >= 2 and len(sb) >= 2 and sa[-2] == sb[-2]:
            fix = f" Did you mean to transpose {an} ({an}.mT)?"
        raise RuntimeError(
            f"{op}(): shapes {_shape_str(sa)} and {_shape_str(sb)} cannot be multiplied: the "
            f"inner dimensions {k_a} and {k_b} differ ({an}.shape[-1] must equal {where}).{fix}"
        )
    if len(sa) > 2 and len(sb) > 2 and sa[:-2] != sb[:-2]:
        broadcast_shapes_for(op + " (batch dims)", sa[:-2], sb[:-2])


def _check_floating(op, t, name="A"):
    check_tensor(t, op, name)
    kind, size = t._data.dtype.kind, t._data.dtype.itemsize
    if kind != "f":
        raise RuntimeError(
            f"{op}(): Expected a floating point tensor as input. Got {t.dtype}; convert it first, "
            f"e.g. {name}.float()"
        )
    return size


def _check_lapack(op, t, name="A"):
    """A floating batch of matrices in a precision LAPACK supports."""
    if _check_floating(op, t, name) < 4:
        raise RuntimeError(f"{op}(): {t.dtype} is not supported by LAPACK; convert {name} to "
                           "float32 or float64 first")
    if t.ndim < 2:
        raise RuntimeError(f"{op}(): The input tensor {name} must have at least 2 dimensions "
                           "(a matrix or a batch of matrices), but got shape "
                           f"{_shape_str(t.shape)}")


def _check_square(op, t, name="A"):
    _check_lapack(op, t, name)
    m, n = t._data.shape[-2:]
    if m != n:
        raise RuntimeError(f"{op}(): {name} must be batches of square matrices, but they are {m} "
                           f"by {n} matrices (shape {_shape_str(t.shape)})")


def _lapack(op, fn, *args, **kwargs):
    """Run a LAPACK routine, turning its failures into ``LinAlgError`` naming the op."""
    try:
        return fn(*args, **kwargs)
    except np.linalg.LinAlgError as e:
        msg = str(e)
        if "positive definite" in msg:
            raise LinAlgError(
                f"{op}(): The factorization could not be completed because the input is not "
                f"positive-definite (shape {_shape_str(args[0].shape)}); check that the matrix is "
                "symmetric positive-definite"
            ) from None
        if "ingular" in msg:
            raise LinAlgError(
                f"{op}(): the input matrix is singular (shape {_shape_str(args[0].shape)}), so "
                "the operation could not be completed; check the matrix or use linalg.pinv"
            ) from None
        raise LinAlgError(f"{op}(): {msg} (shape {_shape_str(args[0].shape)})") from None


def _const(arr, xp) -> Tensor:
    """A constant tensor (no graph) from an array or a 0-d result that NumPy made a scalar."""
    return Tensor._make(xp.asarray(arr))


def _eye(n, like: Tensor) -> Tensor:
    return Tensor._make(like.xp.eye(n, dtype=like._data.dtype))


def _unsq(t: Tensor, dim: int) -> Tensor:
    """``t.unsqueeze(dim)`` for dim -1 or -2, through reshape."""
    s = tuple(t.shape)
    return t.reshape(s + (1,) if dim == -1 else s[:-1] + (1,) + s[-1:])


# -- matrix products ------------------------------------------------------------------------


def _fold_mm(a, b):
    """``a @ b`` on arrays; a batch of matrices times one matrix or vector is one GEMM/GEMV."""
    if a.ndim > 2 and b.ndim <= 2:
        lead = a.shape[:-1]
        out = a.reshape(math.prod(lead), a.shape[-1]) @ b
        return out.reshape(lead + b.shape[1:])
    return a @ b


def _mm_grads(g, a, b, sa, sb, need_a, need_b):
    """Gradients of ``a @ b`` (matmul semantics, 1-D operands included) for upstream ``g``."""
    na, nb = len(sa), len(sb)
    ga = gb = None
    if na == 1 and nb == 1:  # dot
        ga = g * b if need_a else None
        gb = g * a if need_b else None
    elif nb == 1:  # (..., n, m) @ (m,) -> (..., n)
        if need_a:
            ga = _unsq(g, -1) * b
        if need_b:
            rows = math.prod(sa[:-1])
            gb = a.reshape(rows, sa[-1]).mT @ g.reshape(rows)
    elif na == 1:  # (m,) @ (..., m, p) -> (..., p)
        if need_b:
            gb = a.reshape(sa[0], 1) * _unsq(g, -2)
        if need_a:
            ga = b @ g if nb == 2 else sum_to((b @ _unsq(g, -1)).reshape(sb[:-1]), sa)
    else:
        if need_a:
            ga = g @ b.mT
            if nb > 2:
                ga = sum_to(ga, sa)
        if need_b:
            if na > 2 and nb == 2:  # one GEMM over the folded batch
                rows = math.prod(sa[:-1])
                gb = a.reshape(rows, sa[-1]).mT @ g.reshape(rows, sb[-1])
            else:
                gb = sum_to(a.mT @ g, sb)
    return ga, gb


def _mm_grads_fast(g, a, b, sa, sb, need_a, need_b):
    """``_mm_grads`` for the hot case ``(..., n, m) @ (m, p)`` when no graph is recorded
    (plain ``backward()``): straight on the arrays, one GEMM per gradient, no extra nodes."""
    gd = g._data
    ga = gb = None
    if need_a:
        ga = Tensor._make(_fold_mm(gd, b._data.T))
    if need_b:
        rows = math.prod(sa[:-1])
        gb = Tensor._make(a._data.reshape(rows, sa[-1]).T @ gd.reshape(rows, sb[-1]))
    return ga, gb


class MatMul(Function):
    """``a @ b`` with matmul semantics: 1-D operands are vectors, batch dims broadcast."""

    @staticmethod
    def forward(ctx, a, b):
        need = ctx.needs_input_grad
        ctx.save_for_backward(a if need[1] else None, b if need[0] else None)
        ctx.shapes = (a._data.shape, b._data.shape)
        return _fold_mm(a._data, b._data)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        need = ctx.needs_input_grad
        if len(sb) == 2 and len(sa) >= 2 and not _grad_state.enabled:
            return _mm_grads_fast(g, a, b, sa, sb, need[0], need[1])
        return _mm_grads(g, a, b, sa, sb, need[0], need[1])


def matmul(input, other) -> Tensor:
    """Matrix product with PyTorch's semantics: 1-D operands are vectors (the added dim is
    removed again), batch dimensions broadcast; ``(b, n, m) @ (m, p)`` is one GEMM.

    >>> (ember.ones(2, 3) @ ember.ones(3)).tolist()
    [3.0, 3.0]
    """
    _check_pair("matmul", input, other)
    sa, sb = input._data.shape, other._data.shape
    if not sa or not sb:
        raise RuntimeError(
            f"matmul(): both arguments need at least 1 dimension, but got {len(sa)}D and "
            f"{len(sb)}D tensors; use mul() (or `*`) to multiply by a scalar"
        )
    if sa[-1] != (sb[0] if len(sb) == 1 else sb[-2]) or (
        len(sa) > 2 and len(sb) > 2 and sa[:-2] != sb[:-2]
    ):
        _check_inner("matmul", sa, sb)
    return MatMul.apply(input, other)


def mm(input, mat2) -> Tensor:
    """Product of two matrices: ``(n, m) @ (m, p) -> (n, p)`` (no broadcasting).

    >>> ember.mm(ember.ones(2, 3), ember.ones(3, 1)).tolist()
    [[3.0], [3.0]]
    """
    _check_pair("mm", input, mat2, "input", "mat2")
    sa, sb = input._data.shape, mat2._data.shape
    if len(sa) != 2 or len(sb) != 2:
        raise RuntimeError(
            f"mm(): expected 2-D matrices, but got input of shape {_shape_str(sa)} ({len(sa)}-D) "
            f"and mat2 of shape {_shape_str(sb)} ({len(sb)}-D); use matmul() for vectors and "
            "batches"
        )
    if sa[1] != sb[0]:
        _check_inner("mm", sa, sb, "input", "mat2")
    return MatMul.apply(input, mat2)


def bmm(input, mat2) -> Tensor:
    """Batched matrix product of 3-D tensors: ``(b, n, m) @ (b, m, p) -> (b, n, p)``.

    >>> ember.bmm(ember.ones(4, 2, 3), ember.ones(4, 3, 5)).shape
    ember.Size([4, 2, 5])
    """
    _check_batches("bmm", input, mat2, ("input", "mat2"))
    return MatMul.apply(input, mat2)


def mv(input, vec) -> Tensor:
    """Matrix-vector product: ``(n, m) @ (m,) -> (n,)``.

    >>> ember.mv(ember.ones(2, 3), ember.ones(3)).tolist()
    [3.0, 3.0]
    """
    _check_pair("mv", input, vec, "input", "vec")
    sa, sb = input._data.shape, vec._data.shape
    if len(sa) != 2 or len(sb) != 1:
        raise RuntimeError(
            f"mv(): expected a 2-D matrix and a 1-D vector, but got input of shape "
            f"{_shape_str(sa)} and vec of shape {_shape_str(sb)}; use matmul() for batches"
        )
    if sa[1] != sb[0]:
        _check_inner("mv", sa, sb, "input", "vec")
    return MatMul.apply(input, vec)


def _vector_product(op, input, other, bn):
    _check_pair(op, input, other, "input", bn)
    sa, sb = input._data.shape, other._data.shape
    if len(sa) != 1 or len(sb) != 1:
        raise RuntimeError(
            f"{op}(): expected 1-D tensors, but got {len(sa)}-D and {len(sb)}-D tensors of shapes "
            f"{_shape_str(sa)} and {_shape_str(sb)}; use matmul() or inner() for higher dims"
        )
    if sa[0] != sb[0]:
        raise RuntimeError(
            f"{op}(): inconsistent tensor size: input has {sa[0]} elements but {bn} has {sb[0]}; "
            "both vectors must have the same length"
        )
    return MatMul.apply(input, other)


def dot(input, tensor) -> Tensor:
    """Dot product of two 1-D tensors of the same length and dtype.

    >>> ember.dot(ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0]))
    tensor(11.)
    """
    return _vector_product("dot", input, tensor, "tensor")


def vdot(input, other) -> Tensor:
    """Dot product of two 1-D tensors (the first conjugated; real tensors: same as ``dot``).

    >>> ember.vdot(ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0]))
    tensor(11.)
    """
    return _vector_product("vdot", input, other, "other")


def inner(input, other) -> Tensor:
    """Inner product over the last dimension: ``out[i.., j..] = sum_k a[i.., k] b[j.., k]``;
    a 0-d operand multiplies.

    >>> ember.inner(ember.ones(2, 3), ember.ones(4, 3)).shape
    ember.Size([2, 4])
    """
    check_tensor(input, "inner")
    check_tensor(other, "inner", "other")
    if input.ndim == 0 or other.ndim == 0:
        return _ew.mul(input, other)
    _check_pair("inner", input, other)
    sa, sb = input._data.shape, other._data.shape
    if sa[-1] != sb[-1]:
        raise RuntimeError(
            f"inner(): the last dimension must match on both input tensors but got shapes "
            f"{_shape_str(sa)} and {_shape_str(sb)} ({sa[-1]} != {sb[-1]})"
        )
    return tensordot(input, other, dims=([input.ndim - 1], [other.ndim - 1]))


def outer(input, vec2) -> Tensor:
    """Outer product of two vectors: ``out[i, j] = input[i] * vec2[j]`` (dtypes promote).

    >>> ember.outer(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 10.0]))
    tensor([[ 1., 10.],
            [ 2., 20.]])
    """
    check_tensor(input, "outer")
    check_tensor(vec2, "outer", "vec2")
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(
            f"outer(): expected 1-D arguments, but got input of shape {_shape_str(input.shape)} "
            f"and vec2 of shape {_shape_str(vec2.shape)}; flatten them first"
        )
    return _ew.mul(input.reshape(input._data.shape[0], 1), vec2)


ger = outer


class AddMatMul(Function):
    """``beta * input + alpha * (a @ b)``: one GEMM, then the scale and add in place."""

    @staticmethod
    def forward(ctx, c, a, b, beta, alpha):
        need = ctx.needs_input_grad
        ctx.save_for_backward(a if need[2] else None, b if need[1] else None)
        ctx.meta = (c._data.shape, a._data.shape, b._data.shape, beta, alpha)
        out = _fold_mm(a._data, b._data)
        if alpha != 1:
            out *= alpha
        if beta == 1:
            out += c._data
        elif beta != 0:  # beta == 0 ignores input (nan and inf in it do not propagate)
            out += beta * c._data
        return out

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        sc, sa, sb, beta, alpha = ctx.meta
        need = ctx.needs_input_grad
        fast = len(sb) == 2 and not _grad_state.enabled
        gc = None
        if need[0]:
            if fast:
                gc = Tensor._make(_sum_to_data(g._data, sc, beta))
            else:
                gc = sum_to(g, sc)
                if beta != 1:
                    gc = gc * beta
        ga = gb = None
        if need[1] or need[2]:
            gs = g if alpha == 1 else g * alpha
            grads = _mm_grads_fast if fast else _mm_grads
            ga, gb = grads(gs, a, b, sa, sb, need[1], need[2])
        return gc, ga, gb, None, None


def _sum_to_data(g, shape, scale=1):
    """``sum_to`` on an array (times ``scale``), for backward passes that record no graph."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and g.shape[lead + i] != 1)
    out = g.sum(axis=axes, keepdims=True).reshape(shape) if axes else g
    return out * scale if scale != 1 else out


def _addmm_common(op, input, a, b, beta, alpha, an, bn, out_shape, what=None):
    check_tensor(input, op)
    if input._data.dtype != a._data.dtype:
        raise RuntimeError(
            f"{op}(): expected input and {an} to have the same dtype, but got input of dtype "
            f"{input.dtype} and {an} of dtype {a.dtype}. Convert one first, e.g. "
            f"input.to({an}.dtype)"
        )
    sc = input._data.shape
    if sc != out_shape and (
        len(sc) > len(out_shape)
        or any(s not in (1, t) for s, t in zip(sc[::-1], out_shape[::-1]))
    ):
        what = what or f"{an} {_shape_str(a.shape)} @ {bn} {_shape_str(b.shape)}"
        raise RuntimeError(
            f"{op}(): input of shape {_shape_str(sc)} cannot be broadcast to the shape of the "
            f"product {_shape_str(out_shape)} ({what}); it must be broadcastable to "
            f"{_shape_str(out_shape)}"
        )
    if input._data.dtype.kind != "f":
        beta, alpha = int(beta), int(alpha)
    return AddMatMul.apply(input, a, b, beta, alpha)


def addmm(input, mat1, mat2, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` with ``input`` broadcast to the product's shape
    (how a linear layer is computed: one GEMM plus one add).

    >>> ember.addmm(ember.tensor([1.0, 2.0]), ember.ones(3, 2), ember.ones(2, 2))
    tensor([[3., 4.],
            [3., 4.],
            [3., 4.]])
    """
    _check_pair("addmm", mat1, mat2, "mat1", "mat2")
    sa, sb = mat1._data.shape, mat2._data.shape
    if len(sa) != 2 or len(sb) != 2:
        raise RuntimeError(
            f"addmm(): mat1 and mat2 must be 2-D matrices, but got shapes {_shape_str(sa)} and "
            f"{_shape_str(sb)}; use baddbmm() or matmul() for batches"
        )
    if sa[1] != sb[0]:
        _check_inner("addmm", sa, sb, "mat1", "mat2")
    return _addmm_common("addmm", input, mat1, mat2, beta, alpha, "mat1", "mat2", (sa[0], sb[1]))


def addmv(input, mat, vec, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``.

    >>> ember.addmv(ember.tensor([1.0, 2.0]), ember.ones(2, 3), ember.ones(3))
    tensor([4., 5.])
    """
    _check_pair("addmv", mat, vec, "mat", "vec")
    sa, sb = mat._data.shape, vec._data.shape
    if len(sa) != 2 or len(sb) != 1:
        raise RuntimeError(
            f"addmv(): expected a 2-D mat and a 1-D vec, but got shapes {_shape_str(sa)} and "
            f"{_shape_str(sb)}"
        )
    if sa[1] != sb[0]:
        _check_inner("addmv", sa, sb, "mat", "vec")
    return _addmm_common("addmv", input, mat, vec, beta, alpha, "mat", "vec", (sa[0],))


def _check_batches(op, b1, b2, names=("batch1", "batch2")):
    """Both operands are 3-D batches of matrices with equal batch sizes and inner dims."""
    n1, n2 = names
    _check_pair(op, b1, b2, n1, n2)
    sa, sb = b1._data.shape, b2._data.shape
    if len(sa) != 3 or len(sb) != 3:
        raise RuntimeError(
            f"{op}(): {n1} and {n2} must be 3-D tensors (batches of matrices), but got shapes "
            f"{_shape_str(sa)} and {_shape_str(sb)}; use matmul() to broadcast"
        )
    if sa[0] != sb[0]:
        raise RuntimeError(
            f"{op}(): batch sizes differ: {n1} of shape {_shape_str(sa)} holds {sa[0]} matrices "
            f"but {n2} of shape {_shape_str(sb)} holds {sb[0]}; use matmul() to broadcast"
        )
    if sa[2] != sb[1]:
        _check_inner(op, sa, sb, n1, n2)
    return sa, sb


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``, ``input`` broadcast to ``(b, n, p)``.

    >>> ember.baddbmm(ember.zeros(3), ember.ones(2, 2, 4), ember.ones(2, 4, 3)).shape
    ember.Size([2, 2, 3])
    """
    sa, sb = _check_batches("baddbmm", batch1, batch2)
    return _addmm_common("baddbmm", input, batch1, batch2, beta, alpha, "batch1", "batch2",
                         (sa[0], sa[1], sb[2]))


def addbmm(input, batch1, batch2, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * sum_b batch1[b] @ batch2[b]`` (the batch is summed: one GEMM).

    >>> ember.addbmm(ember.zeros(3), ember.ones(2, 2, 4), ember.ones(2, 4, 3))
    tensor([[8., 8., 8.],
            [8., 8., 8.]])
    """
    sa, sb = _check_batches("addbmm", batch1, batch2)
    nb, n, m = sa
    a = batch1.permute(1, 0, 2).reshape(n, nb * m)
    b = batch2.reshape(nb * m, sb[2])
    return _addmm_common("addbmm", input, a, b, beta, alpha, "batch1", "batch2", (n, sb[2]),
                         f"batch1 {_shape_str(sa)} @ batch2 {_shape_str(sb)}, summed")


def addmm_(self, mat1, mat2, *, beta=1, alpha=1) -> Tensor:
    """In-place ``addmm``: ``self = beta * self + alpha * (...)``."""
    return inplace("addmm_", self, addmm, mat1, mat2, beta=beta, alpha=alpha)


def addmv_(self, mat, vec, *, beta=1, alpha=1) -> Tensor:
    """In-place ``addmv``: ``self = beta * self + alpha * (...)``."""
    return inplace("addmv_", self, addmv, mat, vec, beta=beta, alpha=alpha)


def baddbmm_(self, batch1, batch2, *, beta=1, alpha=1) -> Tensor:
    """In-place ``baddbmm``: ``self = beta * self + alpha * (...)``."""
    return inplace("baddbmm_", self, baddbmm, batch1, batch2, beta=beta, alpha=alpha)


def addbmm_(self, batch1, batch2, *, beta=1, alpha=1) -> Tensor:
    """In-place ``addbmm``: ``self = beta * self + alpha * (...)``."""
    return inplace("addbmm_", self, addbmm, batch1, batch2, beta=beta, alpha=alpha)


# -- tensordot and einsum -------------------------------------------------------------------


def _as_matrix(t: Tensor, rows, cols) -> Tensor:
    """``t`` as a (prod rows, prod cols) matrix, transposing only when memory order needs it."""
    shape = t._data.shape
    r = math.prod(shape[d] for d in rows)
    c = math.prod(shape[d] for d in cols)
    order = list(rows) + list(cols)
    if order == sorted(order):
        return t.reshape(r, c)
    if list(cols) + list(rows) == sorted(order):
        return t.reshape(c, r).mT
    return t.permute(order).reshape(r, c)


def tensordot(a, b, dims=2) -> Tensor:
    """Contract ``a`` and ``b`` over ``dims``: an int (the last ``dims`` dims of ``a`` with the
    first of ``b``) or a pair of lists of dims. Computed as one matrix product.

    >>> ember.tensordot(ember.ones(2, 3, 4), ember.ones(3, 4, 5)).shape
    ember.Size([2, 5])
    """
    _check_pair("tensordot", a, b, "a", "b")
    na, nb = a.ndim, b.ndim
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        if dims < 0:
            raise RuntimeError(f"tensordot(): expects dims >= 0, but got dims={dims}")
        if dims > min(na, nb):
            raise RuntimeError(
                f"tensordot(): expects dims <= ndim of both operands, but got dims={dims} for "
                f"shapes {_shape_str(a.shape)} and {_shape_str(b.shape)}"
            )
        da, db = list(range(na - dims, na)), list(range(dims))
    elif isinstance(dims, (list, tuple)) and len(dims) == 2:
        da, db = ([d] if isinstance(d, (int, np.integer)) else list(d) for d in dims)
        if len(da) != len(db):
            raise RuntimeError(
                f"tensordot(): both dimension lists should have same length, got {list(da)} and "
                f"{list(db)}"
            )
        da = [normalize_dim(d, na, "tensordot") for d in da]
        db = [normalize_dim(d, nb, "tensordot") for d in db]
        if len(set(da)) != len(da) or len(set(db)) != len(db):
            raise RuntimeError(f"tensordot(): a dim appears twice in dims {dims}")
    else:
        raise TypeError(
            "tensordot(): dims must be an int or a pair of lists of dims, e.g. ([1, 2], [0, 1]), "
            f"got {dims!r}"
        )
    sa, sb = a._data.shape, b._data.shape
    for x, y in zip(da, db):
        if sa[x] != sb[y]:
            raise RuntimeError(
                f"tensordot(): contracted dimensions need to match, but a of shape "
                f"{_shape_str(sa)} has size {sa[x]} in dim {x} and b of shape {_shape_str(sb)} "
                f"has size {sb[y]} in dim {y}"
            )
    fa = [d for d in range(na) if d not in da]
    fb = [d for d in range(nb) if d not in db]
    out = MatMul.apply(_as_matrix(a, fa, da), _as_matrix(b, db, fb))
    return out.reshape(tuple(sa[d] for d in fa) + tuple(sb[d] for d in fb))


_SUBSCRIPTS = string.ascii_uppercase + string.ascii_lowercase  # PyTorch's order: A-Z, a-z

_EinsumPlan = collections.namedtuple("_EinsumPlan", "steps core perm")


def _parse_term(term, where):
    head, ell, tail = term.partition("...")
    for part in (head, tail):
        for ch in part:
            if ch not in _SUBSCRIPTS:
                if ch == ".":
                    raise RuntimeError(
                        f"einsum(): found '.' for {where} that is not part of any ellipsis ('...')"
                        " or that appears in more than one ellipsis"
                    )
                raise RuntimeError(
                    f"einsum(): invalid subscript {ch!r} given for {where} in the equation "
                    "string; subscripts must be in [a-zA-Z]"
                )
    return head, bool(ell), tail


@functools.lru_cache(maxsize=1024)
def _einsum_plan(equation, shapes):
    """Check ``equation`` against the operand shapes and plan the work (cached per call shape).

    Each operand first takes the diagonal of repeated subscripts, drops size-1 dims that
    broadcast, and sums the subscripts no one else uses; the rest is one contraction.
    """
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) < len(shapes):
        raise RuntimeError(f"einsum(): more operands were provided ({len(shapes)}) than specified "
                           f"in the equation {equation!r} ({len(terms)})")
    if len(terms) > len(shapes):
        raise RuntimeError(f"einsum(): fewer operands were provided ({len(shapes)}) than "
                           f"specified in the equation {equation!r} ({len(terms)})")
    used = {c for c in eq if c in _SUBSCRIPTS}
    spare = [c for c in _SUBSCRIPTS if c not in used]
    parsed = []
    n_ell = 0
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        head, has_ell, tail = _parse_term(term, f"operand {i}")
        k = len(head) + len(tail)
        if has_ell:
            e = len(shape) - k
            if e < 0:
                raise RuntimeError(
                    f"einsum(): the number of subscripts in the equation ({k}) is more than the "
                    f"number of dimensions ({len(shape)}) for operand {i}"
                )
        else:
            e = 0
            if k != len(shape):
                raise RuntimeError(
                    f"einsum(): the number of subscripts in the equation ({k}) does not match the "
                    f"number of dimensions ({len(shape)}) for operand {i} (shape "
                    f"{_shape_str(shape)}) and no ellipsis was given"
                )
        parsed.append((head, e, tail))
        n_ell = max(n_ell, e)
    ell = "".join(spare[:n_ell])
    subs = [head + ell[n_ell - e:] + tail for head, e, tail in parsed]
    if arrow:
        head, has_ell, tail = _parse_term(rhs, "the output")
        out = head + (ell if has_ell else "") + tail
        lhs_letters = set("".join(subs))
        for c in out:
            if c not in lhs_letters:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   "equation for any input operand")
            if out.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in "
                                   "the output")
    else:
        counts = collections.Counter("".join(head + tail for head, _, tail in parsed))
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1))

    size = {}
    local = []
    for i, (s, shape) in enumerate(zip(subs, shapes)):
        mine: dict = {}
        for c, n in zip(s, shape):
            if c in mine and mine[c] != n:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {i} but the "
                                   f"sizes don't match, {n} != {mine[c]}")
            mine[c] = n
        for c, n in mine.items():
            have = size.get(c, 1)
            if n != 1 and have != 1 and n != have:
                what = f"subscript {c}" if c not in ell else "a dimension covered by '...'"
                raise RuntimeError(
                    f"einsum(): {what} has size {n} for operand {i} (shape {_shape_str(shape)}) "
                    f"which does not broadcast with previously seen size {have}"
                )
            if n != 1 or c not in size:
                size[c] = n
        local.append(mine)

    steps = []
    cur = []
    for s, mine in zip(subs, local):
        diag = None
        uniq = "".join(dict.fromkeys(s))
        if len(uniq) != len(s):
            diag = s
        kept = "".join(c for c in uniq if not (mine[c] == 1 and size[c] != 1))
        squeeze = tuple(size[c] for c in kept) if kept != uniq else None
        steps.append([diag, squeeze, None])
        cur.append(kept)
    for i, s in enumerate(cur):
        others = set(out).union(*(cur[j] for j in range(len(cur)) if j != i))
        sums = tuple(d for d, c in enumerate(s) if c not in others)
        if sums:
            steps[i][2] = sums
            cur[i] = "".join(c for c in s if c in others)
    steps = tuple(tuple(st) for st in steps)
    if len(cur) == 1:
        return _EinsumPlan(steps, None, tuple(cur[0].index(c) for c in out))
    return _EinsumPlan(steps, (tuple(cur), out), None)


def _sum_out(x, sx, keep):
    dims = tuple(d for d, c in enumerate(sx) if c not in keep)
    if not dims:
        return x, sx
    return x.sum(axis=dims, dtype=x.dtype), [c for c in sx if c in keep]


def _arrange(x, sx, batch, free, contr, size):
    """``x`` as a (batch, free, contracted) stack of matrices, copying only if memory needs it."""
    pos = {c: d for d, c in enumerate(sx)}
    lead = (math.prod(size[c] for c in batch),) if batch else ()
    f = math.prod(size[c] for c in free)
    k = math.prod(size[c] for c in contr)
    p1 = [pos[c] for c in batch + free + contr]
    p2 = [pos[c] for c in batch + contr + free]
    if p1 != sorted(p1) and p2 == sorted(p2):
        return x.reshape(lead + (k, f)).swapaxes(-1, -2)
    return x.transpose(p1).reshape(lead + (f, k))


def _pair(a, sa, b, sb, keep):
    """Contract two operands (subscript lists ``sa``, ``sb``) with one (batched) GEMM."""
    a, sa = _sum_out(a, sa, keep | set(sb))
    b, sb = _sum_out(b, sb, keep | set(sa))
    size = dict(zip(sa, a.shape))
    size.update(zip(sb, b.shape))
    batch = [c for c in sa if c in sb and c in keep]
    contr = [c for c in sa if c in sb and c not in keep]
    fa = [c for c in sa if c not in sb]
    fb = [c for c in sb if c not in sa]
    r = _arrange(a, sa, batch, fa, contr, size) @ _arrange(b, sb, batch, fb, contr, size).swapaxes(
        -1, -2)
    rs = batch + fa + fb
    return r.reshape(tuple(size[c] for c in rs)), rs


def _contract(subs, arrays, out):
    cur, cs = arrays[0], list(subs[0])
    for k in range(1, len(arrays)):
        keep = set(out).union(*subs[k + 1:])
        cur, cs = _pair(cur, cs, arrays[k], list(subs[k]), keep)
    cur, cs = _sum_out(cur, cs, set(out))
    perm = [cs.index(c) for c in out]
    return cur if perm == sorted(perm) else cur.transpose(perm)


class EinsumContract(Function):
    """The contraction at the heart of ``einsum``; each operand's gradient is another einsum."""

    @staticmethod
    def forward(ctx, spec, *xs):
        subs, out = spec
        ctx.spec = spec
        ctx.save_for_backward(*xs)
        return _contract(subs, [x._data for x in xs], out)

    @staticmethod
    def backward(ctx, g):
        subs, out = ctx.spec
        xs = ctx.saved_tensors
        grads = [None]
        for i in range(len(xs)):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            rest = [j for j in range(len(xs)) if j != i]
            spec = ((out,) + tuple(subs[j] for j in rest), subs[i])
            grads.append(EinsumContract.apply(spec, g, *(xs[j] for j in rest)))
        return tuple(grads)


def _sublist_equation(args):
    """``einsum(op0, [0, 1], op1, [1, 2], [0, 2])``: the equation string and the operands."""
    def letters(sub):
        out = []
        for s in sub:
            if s is Ellipsis:
                out.append("...")
            elif isinstance(s, (int, np.integer)) and 0 <= s < len(_SUBSCRIPTS):
                out.append(_SUBSCRIPTS[s])
            else:
                raise ValueError(f"einsum(): subscript in subscript list is not within the valid "
                                 f"range [0, 52): {s!r}")
        return "".join(out)

    operands = list(args[0::2][: len(args) // 2])
    subs = [letters(s) for s in args[1::2][: len(args) // 2]]
    eq = ",".join(subs)
    if len(args) % 2:
        eq += "->" + letters(args[-1])
    return eq, operands


def einsum(*args) -> Tensor:
    """Sum of products over the subscripts in ``equation``: ``einsum('ij,jk->ik', a, b)``.

    Repeated subscripts take diagonals (``'ii->i'``), ``...`` covers broadcast batch dims, and
    without ``->`` the output is the subscripts used once, in alphabetical order. Also accepts
    ``einsum(eq, [a, b])`` and the sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``.

    >>> a = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> ember.einsum('ii->', a), ember.einsum('ij,j->i', a, ember.ones(2))
    (tensor(5.), tensor([3., 7.]))
    """
    if not args:
        raise ValueError("einsum(): must specify the equation string and at least one operand, "
                         "or at least one operand and its subscripts list")
    if isinstance(args[0], Tensor):
        equation, operands = _sublist_equation(args)
    else:
        equation, operands = args[0], list(args[1:])
        if not isinstance(equation, str):
            raise TypeError(f"einsum(): the equation must be a string, got "
                            f"{type(equation).__name__}")
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    if not operands:
        raise ValueError("einsum(): must specify the equation string and at least one operand, "
                         "or at least one operand and its subscripts list")
    for i, t in enumerate(operands):
        check_tensor(t, "einsum", f"operand {i}")
    first = operands[0]
    for i, t in enumerate(operands[1:], 1):
        if t._data.dtype != first._data.dtype:
            raise RuntimeError(
                f"einsum(): expected all operands to have the same dtype, but operand 0 is "
                f"{first.dtype} and operand {i} is {t.dtype}; convert them first, e.g. with "
                ".to(dtype)"
            )
        if type(t._data) is not np.ndarray or type(first._data) is not np.ndarray:
            check_same_device("einsum", first, t)
    plan = _einsum_plan(equation, tuple(t._data.shape for t in operands))
    ts = []
    for t, (diag, squeeze, sums) in zip(operands, plan.steps):
        if diag is not None:
            t = _TakeDiag.apply(t, _RepeatedSpec(diag))
        if squeeze is not None:
            t = t.reshape(squeeze)
        if sums is not None:
            t = _red.sum(t, dim=sums, dtype=t.dtype)
        ts.append(t)
    if plan.core is None:
        t, perm = ts[0], plan.perm
        if t is operands[0] or list(perm) != sorted(perm):
            t = t.permute(perm)
        return t
    return EinsumContract.apply(plan.core, *ts)


# -- diagonals ------------------------------------------------------------------------------


def _as_strided(arr, shape, strides):
    return B.module_of(arr).lib.stride_tricks.as_strided(arr, shape=shape, strides=strides)


class _DiagSpec:
    """The ``offset`` diagonal of dims ``dim1``, ``dim2``; ``view(arr)`` is a writeable view
    whose last dim runs along it (the other dims keep their order)."""

    __slots__ = ("offset", "dim1", "dim2")

    def __init__(self, offset, dim1, dim2):
        self.offset, self.dim1, self.dim2 = offset, dim1, dim2

    def view(self, arr):
        d1, d2, off = self.dim1, self.dim2, self.offset
        n1, n2 = arr.shape[d1], arr.shape[d2]
        n = max(0, min(n1, n2 - off)) if off >= 0 else max(0, min(n1 + off, n2))
        if n and off:
            idx = [slice(None)] * arr.ndim
            idx[d2 if off > 0 else d1] = slice(abs(off), None)
            arr = arr[tuple(idx)]
        other = [d for d in range(arr.ndim) if d != d1 and d != d2]
        strides = tuple(arr.strides[d] for d in other) + (arr.strides[d1] + arr.strides[d2],)
        return _as_strided(arr, tuple(arr.shape[d] for d in other) + (n,), strides)


class _RepeatedSpec:
    """The generalized diagonal of an einsum operand with repeated subscripts (``'iij'``)."""

    __slots__ = ("subs",)

    def __init__(self, subs):
        self.subs = subs

    def view(self, arr):
        shape, strides = {}, {}
        for c, n, st in zip(self.subs, arr.shape, arr.strides):
            shape[c] = n
            strides[c] = strides.get(c, 0) + st
        return _as_strided(arr, tuple(shape.values()), tuple(strides.values()))


class _TakeDiag(Function):
    """A diagonal as a view; its gradient scatters back onto the diagonal of zeros."""

    is_view = True

    @staticmethod
    def forward(ctx, x, spec):
        ctx.spec, ctx.in_shape = spec, x._data.shape
        return spec.view(x._data)

    @staticmethod
    def backward(ctx, g):
        return _PutDiag.apply(g, ctx.spec, ctx.in_shape), None

    def name(self):
        return "DiagonalBackward0"


class _PutDiag(Function):
    """Zeros of ``shape`` with ``x`` written along a diagonal (diag_embed, diag of a vector)."""

    @staticmethod
    def forward(ctx, x, spec, shape):
        ctx.spec = spec
        out = x.xp.zeros(shape, dtype=x._data.dtype)
        spec.view(out)[...] = x._data
        return out

    @staticmethod
    def backward(ctx, g):
        return _TakeDiag.apply(g, ctx.spec), None, None

    def name(self):
        return "DiagEmbedBackward0"


def _diag_dims(op, dim1, dim2, ndim):
    d1, d2 = normalize_dim(dim1, ndim, op), normalize_dim(dim2, ndim, op)
    if d1 == d2:
        raise RuntimeError(f"{op}(): diagonal dimensions cannot be identical {dim1}, {dim2}; pass "
                           "two different dims")
    return d1, d2


def diagonal(input, offset=0, dim1=0, dim2=1) -> Tensor:
    """The ``offset`` diagonal of the matrices in dims ``dim1``, ``dim2``, as a view appended as
    the last dim (``offset > 0`` is above the main diagonal).

    >>> ember.diagonal(ember.tensor([[1, 2], [3, 4]]))
    tensor([1, 4])
    """
    check_tensor(input, "diagonal")
    d1, d2 = _diag_dims("diagonal", dim1, dim2, input.ndim)
    return _TakeDiag.apply(input, _DiagSpec(int(offset), d1, d2))


def diag(input, diagonal=0) -> Tensor:
    """A vector becomes a square matrix with it on the ``diagonal``-th diagonal; a matrix gives
    (a copy of) its ``diagonal``-th diagonal.

    >>> ember.diag(ember.tensor([1.0, 2.0]))
    tensor([[1., 0.],
            [0., 2.]])
    """
    check_tensor(input, "diag")
    k = int(diagonal)
    if input.ndim == 1:
        n = input._data.shape[0] + abs(k)
        return _PutDiag.apply(input, _DiagSpec(k, 0, 1), (n, n))
    if input.ndim == 2:
        return _conv.clone(_TakeDiag.apply(input, _DiagSpec(k, 0, 1)))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D (shape "
                       f"{_shape_str(input.shape)}); use diagonal() or diag_embed() for batches")


def diag_embed(input, offset=0, dim1=-2, dim2=-1) -> Tensor:
    """Matrices (in dims ``dim1``, ``dim2`` of the result) with the last dim of ``input`` on their
    ``offset`` diagonal: the inverse of ``diagonal``.

    >>> ember.diag_embed(ember.tensor([[1, 2]]))
    tensor([[[1, 0],
             [0, 2]]])
    """
    check_tensor(input, "diag_embed")
    nd = input.ndim + 1
    d1, d2 = _diag_dims("diag_embed", dim1, dim2, nd)
    k = int(offset)
    n = input._data.shape[-1] + abs(k)
    shape = list(input._data.shape[:-1])
    shape.insert(min(d1, d2), n)
    shape.insert(max(d1, d2), n)
    return _PutDiag.apply(input, _DiagSpec(k, d1, d2), tuple(shape))


def trace(input) -> Tensor:
    """Sum of the main diagonal of a matrix (integers sum to int64, like ``sum``).

    >>> ember.trace(ember.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(5.)
    """
    check_tensor(input, "trace")
    if input.ndim != 2:
        raise RuntimeError(f"trace(): expected a matrix (2-D tensor), but got a tensor with dim "
                           f"{input.ndim} (shape {_shape_str(input.shape)}); use "
                           "diagonal(x, dim1=-2, dim2=-1).sum(-1) for batches")
    return _red.sum(_TakeDiag.apply(input, _DiagSpec(0, 0, 1)))


def kron(input, other) -> Tensor:
    """Kronecker product: blocks ``input[i, j] * other`` (dims are aligned from the right).

    >>> ember.kron(ember.tensor([1, 2]), ember.tensor([1, 10]))
    tensor([ 1, 10,  2, 20])
    """
    check_tensor(input, "kron")
    check_tensor(other, "kron", "other")
    nd = max(input.ndim, other.ndim)
    sa = (1,) * (nd - input.ndim) + tuple(input._data.shape)
    sb = (1,) * (nd - other.ndim) + tuple(other._data.shape)
    a = input.reshape(tuple(x for s in sa for x in (s, 1)))
    b = other.reshape(tuple(x for s in sb for x in (1, s)))
    return _ew.mul(a, b).reshape(tuple(x * y for x, y in zip(sa, sb)))


class Cross(Function):
    @staticmethod
    def forward(ctx, a, b, dim):
        need = ctx.needs_input_grad
        ctx.save_for_backward(a if need[1] else None, b if need[0] else None)
        ctx.meta = (a._data.shape, b._data.shape, dim)
        return a.xp.cross(a._data, b._data, axis=dim)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        sa, sb, dim = ctx.meta
        need = ctx.needs_input_grad
        ga = sum_to(Cross.apply(b, g, dim), sa) if need[0] else None
        gb = sum_to(Cross.apply(g, a, dim), sb) if need[1] else None
        return ga, gb, None


def _cross(op, input, other, dim):
    _check_pair(op, input, other)
    sa, sb = input._data.shape, other._data.shape
    if len(sa) != len(sb):
        raise RuntimeError(f"{op}(): inputs must have the same number of dimensions, got shapes "
                           f"{_shape_str(sa)} and {_shape_str(sb)}")
    broadcast_shapes_for(op, sa, sb)
    if dim is None:
        dim = next((d for d, s in enumerate(sa) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"{op}(): no dimension of size 3 in input of shape "
                               f"{_shape_str(sa)}; pass dim=")
    d = normalize_dim(dim, len(sa), op)
    if sa[d] != 3 or sb[d] != 3:
        raise RuntimeError(f"{op}(): inputs dimension {dim} must have length 3. Got {sa[d]} and "
                           f"{sb[d]} (shapes {_shape_str(sa)} and {_shape_str(sb)})")
    return Cross.apply(input, other, d)


def cross(input, other, dim=None) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (default: the first dim of size 3); other dims
    broadcast.

    >>> ember.cross(ember.tensor([1.0, 0.0, 0.0]), ember.tensor([0.0, 1.0, 0.0]))
    tensor([0., 0., 1.])
    """
    return _cross("cross", input, other, dim)


def linalg_cross(input, other, *, dim=-1) -> Tensor:
    """``linalg.cross``: cross product of 3-vectors along ``dim`` (default: the last)."""
    return _cross("linalg.cross", input, other, dim)


# -- norms ----------------------------------------------------------------------------------


def _kept_shape(shape, dims):
    return tuple(1 if d in dims else s for d, s in enumerate(shape))


def _sum_squares(x, dims, keepdim):
    """``sum(x * x)`` over ``dims`` without a temporary: one dot / vecdot / einsum call."""
    xp = B.module_of(x)
    nd = x.ndim
    if len(dims) == nd:
        flat = x.reshape(-1)
        r = xp.asarray(xp.dot(flat, flat))
        return r.reshape((1,) * nd) if keepdim else r
    if len(dims) == 1 and hasattr(xp, "vecdot"):
        r = xp.vecdot(x, x, axis=dims[0])
    else:
        sub = _SUBSCRIPTS[:nd]
        out = "".join(c for d, c in enumerate(sub) if d not in dims)
        r = xp.einsum(f"{sub},{sub}->{out}", x, x)
    return r.reshape(_kept_shape(x.shape, dims)) if keepdim else r


def _vnorm_data(x, p, dims, keepdim):
    xp = B.module_of(x)
    if p == 2.0:
        return xp.sqrt(_sum_squares(x, dims, keepdim))
    if p == 1.0:
        return xp.sum(xp.abs(x), axis=dims, keepdims=keepdim)
    if p == math.inf:
        return xp.max(xp.abs(x), axis=dims, keepdims=keepdim)
    if p == -math.inf:
        return xp.min(xp.abs(x), axis=dims, keepdims=keepdim)
    if p == 0.0:
        return xp.sum(x != 0, axis=dims, keepdims=keepdim, dtype=x.dtype)
    with np.errstate(divide="ignore", over="ignore"):
        return xp.sum(xp.abs(x) ** p, axis=dims, keepdims=keepdim) ** (1.0 / p)


class VectorNorm(Function):
    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        out = _vnorm_data(x._data, p, dims, keepdim)
        ctx.meta = (p, dims, keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, norm = ctx.saved_tensors
        p, dims, keepdim = ctx.meta
        if p == 0.0:
            return Tensor._make(x.xp.zeros_like(x._data)), None, None, None
        if not keepdim:
            kept = _kept_shape(x._data.shape, dims)
            g, norm = g.reshape(kept), norm.reshape(kept)
        if p == 1.0:
            return _ew.sign(x) * g, None, None, None
        if math.isinf(p):
            xd = x.xp.abs(x._data)
            mask = (xd == norm._data) | x.xp.isnan(xd)
            w = mask / mask.sum(axis=dims, keepdims=True)
            return _ew.sign(x) * (g * _const(w.astype(xd.dtype), x.xp)), None, None, None
        zero = _const(norm._data == 0, x.xp)
        if p == 2.0:
            return g * _ew.where(zero, 0.0, x / _ew.where(zero, 1.0, norm)), None, None, None
        ax = _ew.abs(x)
        if p < 1.0:
            at0 = _const(x._data == 0, x.xp)
            scaled = _ew.sign(x) * _ew.where(at0, 0.0, _ew.where(at0, 1.0, ax) ** (p - 1))
            return scaled * g * norm ** (1 - p), None, None, None
        scaled = _ew.sign(x) * ax ** (p - 1) if p < 2.0 else x * ax ** (p - 2)
        scale = _ew.where(zero, 0.0, g / _ew.where(zero, 1.0, norm) ** (p - 1))
        return scaled * scale, None, None, None


def _norm_dtype(op, x, dtype):
    if dtype is None:
        return x
    dt = B.as_dtype(dtype)
    if not dt.is_floating_point or B.promote_types(x.dtype, dt) is not dt:
        raise RuntimeError(f"{op}(): the dtype of the input ({x.dtype}) should be convertible "
                           f"without narrowing to the specified dtype ({dt})")
    return cast(x, dt)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    """``linalg.vector_norm``: ``(sum |x|^ord)^(1/ord)`` over ``dim`` (all elements by default);
    ``ord`` = inf/-inf is max/min ``|x|``, 0 counts nonzeros. The gradient at 0 is 0.

    >>> ember.linalg.vector_norm(ember.tensor([3.0, -4.0]))
    tensor(5.)
    """
    op = "linalg.vector_norm"
    check_tensor(x, op, "x")
    if isinstance(ord, bool) or not isinstance(ord, numbers.Real):
        raise TypeError(f"{op}(): argument 'ord' must be a number, not {type(ord).__name__}; use "
                        "linalg.matrix_norm() for 'fro' and 'nuc'")
    _check_floating(op, x, "x")
    x = _norm_dtype(op, x, dtype)
    p = float(ord)
    nd = x.ndim
    dims = normalize_dims(dim, nd, op) if dim is not None else tuple(range(nd))
    if not dims:
        dims = tuple(range(nd))
    if p < 0 or math.isinf(p):
        shape = x._data.shape
        if dim is None and x._data.size == 0:
            raise RuntimeError(f"{op}(): cannot compute the {ord} norm on an empty tensor (shape "
                               f"{_shape_str(shape)}) because the operation does not have an "
                               "identity")
        for d in dims:
            if shape[d] == 0:
                raise RuntimeError(f"{op}(): cannot compute the {ord} norm on the dimension {d} "
                                   f"of shape {_shape_str(shape)} because this dimension is "
                                   "empty and the operation does not have an identity")
    return VectorNorm.apply(x, p, dims, bool(keepdim))


class _AMaxMin(Function):
    """Max (or min) over one dim, keepdim; ties share the gradient equally (like ``amax``)."""

    @staticmethod
    def forward(ctx, x, dim, largest):
        xd = x._data
        xp = x.xp
        if xd.shape[dim] == 0:
            ctx.w = xp.zeros_like(xd)
            return xp.zeros(_kept_shape(xd.shape, (dim,)), dtype=xd.dtype)
        r = xd.max(axis=dim, keepdims=True) if largest else xd.min(axis=dim, keepdims=True)
        if ctx.needs_input_grad[0]:
            mask = xd == r
            ctx.w = (mask / mask.sum(axis=dim, keepdims=True)).astype(xd.dtype)
        return r

    @staticmethod
    def backward(ctx, g):
        return g * Tensor._make(ctx.w), None, None


def _restore_dims(r: Tensor, d0, d1, nd, keepdim):
    """``r`` holds the reduction of dims (d0, d1) moved last: re-insert them (keepdim) or not."""
    if not keepdim:
        return r
    shape = list(r.shape)
    for d in sorted((d0, d1)):
        shape.insert(d, 1)
    return r.reshape(shape)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None) -> Tensor:
    """``linalg.matrix_norm`` over the matrices in ``dim``: 'fro' (default), 'nuc' (sum of
    singular values), 2/-2 (largest/smallest singular value), 1/-1 (max/min column abs-sum),
    inf/-inf (max/min row abs-sum).

    >>> ember.linalg.matrix_norm(ember.tensor([[1.0, -2.0], [3.0, 4.0]]), ord=1)
    tensor(6.)
    """
    op = "linalg.matrix_norm"
    check_tensor(A, op, "A")
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"{op}(): Order {ord} not supported; use 'fro', 'nuc', 2, -2, 1, "
                               "-1, inf or -inf")
    elif isinstance(ord, bool) or not isinstance(ord, numbers.Real) or abs(ord) not in (
            1, 2, math.inf):
        raise RuntimeError(f"{op}(): Order {ord} not supported; use 'fro', 'nuc', 2, -2, 1, -1, "
                           "inf or -inf")
    if A.ndim < 2:
        raise RuntimeError(f"{op}(): The input tensor A must have at least 2 dimensions, but got "
                           f"shape {_shape_str(A.shape)}")
    if isinstance(dim, (int, np.integer)) or len(dim) != 2:
        raise RuntimeError(f"{op}(): dim must be a 2-tuple. Got {dim}")
    d0, d1 = (normalize_dim(d, A.ndim, op) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"{op}(): dims must be different. Got {tuple(dim)}")
    _check_floating(op, A, "A")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype)
    A = _norm_dtype(op, A, dtype)
    nd = A.ndim
    if ord == "nuc" or abs(ord) == 2:
        perm = [d for d in range(nd) if d not in (d0, d1)] + [d0, d1]
        sv = svdvals(A.permute(perm) if perm != list(range(nd)) else A)
        if ord == "nuc":
            r = _red.sum(sv, dim=-1)
        else:
            r = _AMaxMin.apply(sv, sv.ndim - 1, ord > 0).reshape(sv.shape[:-1])
        return _restore_dims(r, d0, d1, nd, keepdim)
    if math.isinf(ord):
        d0, d1 = d1, d0
    r = _AMaxMin.apply(vector_norm(A, 1, d0, keepdim=True), d1, ord > 0)
    if not keepdim:
        r = r.reshape(tuple(s for d, s in enumerate(r.shape) if d not in (d0, d1)))
    return r


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    """``linalg.norm``: a vector norm, or a matrix norm when ``dim`` is a 2-tuple or ``ord`` is
    given for a 2-D input; ``ord=None`` is the 2-norm of the flattened input.

    >>> ember.linalg.norm(ember.tensor([[3.0], [4.0]]))
    tensor(5.)
    """
    op = "linalg.norm"
    check_tensor(A, op, "A")
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    if dim is not None:
        if len(dim) not in (1, 2):
            raise RuntimeError(f"{op}(): If dim is specified, it must be of length 1 or 2. Got "
                               f"{list(dim)}")
    elif ord is not None and A.ndim not in (1, 2):
        raise RuntimeError(f"{op}(): If dim is not specified but ord is, the input must be 1D or "
                           f"2D. Got {A.ndim}D (shape {_shape_str(A.shape)})")
    if isinstance(ord, str):
        return matrix_norm(A, ord, dim if dim is not None else (0, 1), keepdim, dtype=dtype)
    if ord is not None and ((dim is not None and len(dim) == 2) or (dim is None and A.ndim == 2)):
        return matrix_norm(A, ord, dim if dim is not None else (0, 1), keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None) -> Tensor:
    """``torch.norm`` (legacy): ``p`` a number is a vector norm over ``dim`` (default all);
    'fro' is the 2-norm over ``dim``; 'nuc' the nuclear norm of a matrix.

    >>> ember.norm(ember.tensor([[3.0, 4.0]]))
    tensor(5.)
    >>> ember.tensor([[1.0, -2.0], [3.0, 4.0]]).norm(p=1, dim=1)
    tensor([3., 7.])
    """
    check_tensor(input, "norm")
    dims = [dim] if isinstance(dim, (int, np.integer)) else dim
    if isinstance(p, str):
        if p == "fro" and (dim is None or len(dims) <= 2):
            return vector_norm(input, 2, dims, keepdim, dtype=dtype)
        if dims is None:
            dims = list(range(input.ndim))
        return matrix_norm(input, p, dims, keepdim, dtype=dtype)
    return vector_norm(input, 2.0 if p is None else p, dims, keepdim, dtype=dtype)


def dist(input, other, p=2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcasting).

    >>> ember.dist(ember.tensor([1.0, 1.0]), ember.tensor([4.0, 5.0]))
    tensor(5.)
    """
    check_tensor(input, "dist")
    check_tensor(other, "dist", "other")
    diff = _ew.sub(input, other)
    if diff._data.dtype.kind != "f":
        raise RuntimeError(f"dist(): input dtype should be floating point, got {input.dtype} and "
                           f"{other.dtype}; convert them first, e.g. input.float()")
    return vector_norm(diff, p)


def vecdot(x, y, *, dim=-1) -> Tensor:
    """``linalg.vecdot``: ``sum(x * y, dim)`` with broadcasting.

    >>> ember.linalg.vecdot(ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0]))
    tensor(11.)
    """
    _check_pair("linalg.vecdot", x, y, "x", "y")
    return _red.sum(_ew.mul(x, y), dim=dim)


def multi_dot(tensors) -> Tensor:
    """``linalg.multi_dot``: the product of a chain of matrices (the first and last may be
    vectors).

    >>> ember.linalg.multi_dot([ember.ones(3), ember.ones(3, 4), ember.ones(4)])
    tensor(12.)
    """
    op = "linalg.multi_dot"
    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError(f"{op}(): expected at least 2 tensors but got {len(ts)}")
    for i, t in enumerate(ts):
        check_tensor(t, op, f"tensors[{i}]")
        ok = t.ndim == 2 or (t.ndim == 1 and i in (0, len(ts) - 1))
        if not ok:
            raise RuntimeError(f"{op}(): tensor {i} must be 2-D (only the first and last may be "
                               f"1-D), but got shape {_shape_str(t.shape)}")
    out = ts[0]
    for i, t in enumerate(ts[1:], 1):
        _check_pair(op, out, t, "tensors[0]", f"tensors[{i}]")
        if out._data.shape[-1] != t._data.shape[0]:
            raise RuntimeError(f"{op}(): tensors[{i - 1}] and tensors[{i}] cannot be multiplied: "
                               f"the chain so far has shape {_shape_str(out.shape)} and tensor "
                               f"{i} has shape {_shape_str(t.shape)}")
        out = MatMul.apply(out, t)
    return out


# -- inverse, solve, determinants ------------------------------------------------------------


class Inv(Function):
    @staticmethod
    def forward(ctx, A):
        out = _lapack("linalg.inv", A.xp.linalg.inv, A._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (inv,) = ctx.saved_tensors
        it = inv.mT
        return -(it @ g @ it)


def inv(A) -> Tensor:
    """``linalg.inv``: the inverse of each square matrix; the gradient is ``-A^-T g A^-T``.

    >>> ember.linalg.inv(ember.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    _check_square("linalg.inv", A)
    return Inv.apply(A)


def inverse(input) -> Tensor:
    """``torch.inverse``: the same as ``linalg.inv``."""
    _check_square("inverse", input, "input")
    return Inv.apply(input)


class Solve(Function):
    @staticmethod
    def forward(ctx, A, Bm):
        X = _lapack("linalg.solve", A.xp.linalg.solve, A._data, Bm._data)
        ctx.shapes = (A._data.shape, Bm._data.shape)
        ctx.save_for_backward(A, X if ctx.needs_input_grad[0] else None)
        return X

    @staticmethod
    def backward(ctx, g):
        A, X = ctx.saved_tensors
        sa, sb = ctx.shapes
        gB = Solve.apply(A.mT, g)
        gA = sum_to(-(gB @ X.mT), sa) if ctx.needs_input_grad[0] else None
        return gA, sum_to(gB, sb) if ctx.needs_input_grad[1] else None


def solve(A, B, *, left=True) -> Tensor:
    """``linalg.solve``: ``X`` with ``A @ X = B`` (``X @ A = B`` if ``left=False``); ``B`` is a
    (batch of) vector(s) when it is 1-D or has ``A``'s shape minus the last dim, else
    matrices; batch dims broadcast.

    >>> ember.linalg.solve(ember.tensor([[2.0, 0.0], [0.0, 4.0]]), ember.tensor([2.0, 2.0]))
    tensor([1.0000, 0.5000])
    """
    op = "linalg.solve"
    _check_square(op, A)
    check_tensor(B, op, "B")
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"{op}(): Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype} and B of type {B.dtype} instead; convert one first")
    if type(A._data) is not np.ndarray or type(B._data) is not np.ndarray:
        check_same_device(op, A, B)
    sa, sb = A._data.shape, B._data.shape
    vector = len(sb) == 1 or (len(sb) == len(sa) - 1 and sb == sa[:-1])
    if not left:
        if vector:
            return solve(A.mT, B)
        if len(sb) < 2:
            raise RuntimeError(f"{op}(): B of shape {_shape_str(sb)} must be a matrix for "
                               "left=False")
        return solve(A.mT, B.mT).mT
    Bm = B.reshape(sb + (1,)) if vector else B
    sm = Bm._data.shape
    if sm[-2] != sa[-1]:
        raise RuntimeError(
            f"{op}(): Incompatible shapes of A and B for the equation AX = B ({sa[-2]}x{sa[-1]} "
            f"and {sm[-2]}x{sm[-1]}): A has shape {_shape_str(sa)} and B {_shape_str(sb)}"
        )
    broadcast_shapes_for(op + " (batch dims)", sa[:-2], sm[:-2])
    X = Solve.apply(A, Bm)
    return X.reshape(X.shape[:-1]) if vector else X


class Det(Function):
    @staticmethod
    def forward(ctx, A):
        out = A.xp.linalg.det(A._data)
        ctx.save_for_backward(A, out)
        return out

    @staticmethod
    def backward(ctx, g):
        A, d = ctx.saved_tensors
        if bool((d._data == 0).any()):
            # Singular: no inverse; d det / dA is the adjugate's transpose, from an SVD (this
            # path is not differentiated again through A).
            return _unsq(_unsq(g, -1), -1) * Tensor._make(_adjugate_t(A._data))
        return (g * d).reshape(tuple(d.shape) + (1, 1)) * Inv.apply(A).mT


def _adjugate_t(a):
    """adj(A)^T = det(U) det(Vh) U diag(prod_{j != i} s_j) Vh, valid for singular matrices."""
    xp = B.module_of(a)
    u, s, vh = xp.linalg.svd(a)
    n = s.shape[-1]
    eye = xp.eye(n, dtype=bool)
    others = xp.prod(xp.where(eye, 1, s[..., None, :]), axis=-1)
    sign = xp.linalg.det(u) * xp.linalg.det(vh)
    return (u * (others * sign[..., None])[..., None, :]) @ vh


def det(A) -> Tensor:
    """``linalg.det``: the determinant of each square matrix; gradient ``g det(A) A^-T``.

    >>> ember.linalg.det(ember.tensor([[1.0, 2.0], [3.0, 4.0]])).item()
    -2.0...
    """
    _check_square("linalg.det", A)
    return Det.apply(A)


_Slogdet = collections.namedtuple("slogdet", ["sign", "logabsdet"])


class SlogDet(Function):
    @staticmethod
    def forward(ctx, A):
        sign, logabs = A.xp.linalg.slogdet(A._data)
        ctx.save_for_backward(A)
        return sign, logabs

    @staticmethod
    def backward(ctx, gsign, glog):
        (A,) = ctx.saved_tensors
        return glog.reshape(tuple(glog.shape) + (1, 1)) * Inv.apply(A).mT


def slogdet(A):
    """``linalg.slogdet``: ``(sign, logabsdet)`` with ``det(A) = sign * exp(logabsdet)``.

    >>> ember.linalg.slogdet(ember.tensor([[-2.0, 0.0], [0.0, 1.0]])).sign
    tensor(-1.)
    """
    _check_square("linalg.slogdet", A)
    return _Slogdet(*SlogDet.apply(A))


def logdet(input) -> Tensor:
    """``log(det(input))``: nan for a negative determinant, -inf for a singular matrix.

    >>> ember.logdet(ember.tensor([[2.0, 0.0], [0.0, 0.5]]))
    tensor(0.)
    """
    _check_square("logdet", input, "input")
    sign, logabs = SlogDet.apply(input)
    return _ew.where(_const(sign._data < 0, input.xp), math.nan, logabs)


class _PowerZero(Function):
    """``A^0``: identity matrices shaped like ``A`` (the gradient is zero)."""

    @staticmethod
    def forward(ctx, A):
        eye = A.xp.eye(A._data.shape[-1], dtype=A._data.dtype)
        return A.xp.broadcast_to(eye, A._data.shape).copy()

    @staticmethod
    def backward(ctx, g):
        return g * 0


def matrix_power(A, n) -> Tensor:
    """``linalg.matrix_power``: ``A`` multiplied by itself ``n`` times (``n = 0``: identity,
    ``n < 0``: powers of the inverse), by repeated squaring.

    >>> ember.linalg.matrix_power(ember.tensor([[1, 1], [0, 1]]), 3)
    tensor([[1, 3],
            [0, 1]])
    """
    op = "linalg.matrix_power"
    check_tensor(A, op, "A")
    if A.ndim < 2 or A._data.shape[-1] != A._data.shape[-2]:
        raise RuntimeError(f"{op}(): A must be batches of square matrices, but got shape "
                           f"{_shape_str(A.shape)}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{op}(): n must be an int, got {type(n).__name__}")
    if n == 0:
        return _PowerZero.apply(A)
    if n == 1:
        return _conv.clone(A)
    if n < 0:
        _check_square(op, A)
        A, n = Inv.apply(A), -n
    result, base = None, A
    while True:
        if n & 1:
            result = base if result is None else MatMul.apply(result, base)
        n >>= 1
        if not n:
            break
        base = MatMul.apply(base, base)
    return result


# -- decompositions -------------------------------------------------------------------------


def _needs_grad(t: Tensor) -> bool:
    return _grad_state.enabled and t._requires_grad


class Cholesky(Function):
    @staticmethod
    def forward(ctx, A, upper):
        L = _lapack("linalg.cholesky", A.xp.linalg.cholesky, A._data)
        if upper:
            L = A.xp.ascontiguousarray(L.swapaxes(-1, -2))
        ctx.upper = upper
        ctx.save_for_backward(L)
        return L

    @staticmethod
    def backward(ctx, g):
        (L,) = ctx.saved_tensors
        if ctx.upper:
            L, g = L.mT, g.mT
        n = L._data.shape[-1]
        xp, dt = L.xp, L._data.dtype
        lower = Tensor._make(xp.tri(n, dtype=dt))
        strict = Tensor._make(xp.tri(n, k=-1, dtype=dt))
        phi = (L.mT @ g) * lower
        phi = (phi + (phi * strict).mT) * 0.5
        return solve(L, solve(L.mT, phi), left=False), None


def linalg_cholesky(A, *, upper=False) -> Tensor:
    """``linalg.cholesky``: lower-triangular ``L`` with ``A = L L^T`` (``upper=True``: ``U`` with
    ``A = U^T U``) for symmetric positive-definite ``A``.

    >>> ember.linalg.cholesky(ember.tensor([[4.0, 2.0], [2.0, 2.0]]))
    tensor([[2., 0.],
            [1., 1.]])
    """
    _check_square("linalg.cholesky", A)
    return Cholesky.apply(A, bool(upper))


def cholesky(input, upper=False) -> Tensor:
    """``torch.cholesky`` (legacy): ``linalg.cholesky(input, upper=upper)``."""
    _check_square("cholesky", input, "input")
    return Cholesky.apply(input, bool(upper))


_QR = collections.namedtuple("qr", ["Q", "R"])


class QR(Function):
    @staticmethod
    def forward(ctx, A, mode):
        ctx.set_materialize_grads(False)
        ctx.mode = mode
        xp = A.xp
        if mode == "r":
            R = xp.linalg.qr(A._data, mode="r")
            Q = xp.zeros((0,), dtype=A._data.dtype)
        else:
            Q, R = xp.linalg.qr(A._data, mode=mode)
        ctx.save_for_backward(Q, R)
        return Q, R

    @staticmethod
    def backward(ctx, gQ, gR):
        Q, R = ctx.saved_tensors
        m, n = Q._data.shape[-2], R._data.shape[-1]
        if ctx.mode == "r":
            raise RuntimeError("linalg.qr(): The derivative of linalg.qr depends on Q, which is "
                               "not computed when mode='r'. Use mode='reduced' to differentiate.")
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("linalg.qr(): The QR decomposition is not differentiable when "
                               "mode='complete' and nrows > ncols; use mode='reduced'.")
        if m >= n:
            return _qr_backward_tall(gQ, gR, Q, R), None
        # Wide A = [X | Y] = Q [U | V]: X = Q U is a square QR and Y = Q V.
        U = R[..., :, :m]
        gU = gR[..., :, :m] if gR is not None else None
        gV = gR[..., :, m:] if gR is not None else None
        A_y = Q @ R[..., :, m:]
        if gV is not None:
            gQ = A_y @ gV.mT if gQ is None else gQ + A_y @ gV.mT
        gX = _qr_backward_tall(gQ, gU, Q, U)
        xp, dt = Q.xp, Q._data.dtype
        left = Tensor._make(xp.eye(m, n, dtype=dt))
        gA = gX @ left
        if gV is not None:
            gA = gA + (Q @ gV) @ Tensor._make(xp.eye(n - m, n, k=m, dtype=dt))
        return gA, None


def _qr_backward_tall(gQ, gR, Q, R):
    """m >= n: gA = (gQ + Q copyltu(M)) R^-T with M = R gR^T - gQ^T Q."""
    M = None
    if gR is not None:
        M = R @ gR.mT
    if gQ is not None:
        M = -(gQ.mT @ Q) if M is None else M - gQ.mT @ Q
    n = R._data.shape[-1]
    xp, dt = R.xp, R._data.dtype
    lower = Tensor._make(xp.tri(n, dtype=dt))
    strict = Tensor._make(xp.tri(n, k=-1, dtype=dt))
    sym = M * lower + (M * strict).mT
    b = Q @ sym if gQ is None else gQ + Q @ sym
    return solve(R.mT, b, left=False)


def linalg_qr(A, mode="reduced"):
    """``linalg.qr``: ``Q`` with orthonormal columns and upper-triangular ``R``, ``A = Q R``
    (``mode`` 'reduced', 'complete' or 'r').

    >>> Q, R = ember.linalg.qr(ember.ones(3, 2))
    >>> Q.shape, R.shape
    (ember.Size([3, 2]), ember.Size([2, 2]))
    """
    _check_lapack("linalg.qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"linalg.qr(): qr received unrecognized mode '{mode}' but expected one "
                           "of 'reduced' (default), 'r', or 'complete'")
    return _QR(*QR.apply(A, mode))


def qr(input, some=True):
    """``torch.qr`` (legacy): ``linalg.qr(input, 'reduced' if some else 'complete')``."""
    return linalg_qr(input, "reduced" if some else "complete")


_Eigh = collections.namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])


class Eigh(Function):
    @staticmethod
    def forward(ctx, A, uplo):
        ctx.set_materialize_grads(False)
        L, V = _lapack("linalg.eigh", A.xp.linalg.eigh, A._data, UPLO=uplo)
        ctx.save_for_backward(L, V)
        return L, V

    @staticmethod
    def backward(ctx, gL, gV):
        L, V = ctx.saved_tensors
        if gV is None:
            return (V * _unsq(gL, -2)) @ V.mT, None
        VtgV = V.mT @ gV
        VtgV = (VtgV - VtgV.mT) * 0.5
        n = L._data.shape[-1]
        E = _unsq(L, -2) - _unsq(L, -1) + _eye(n, L)
        ret = VtgV / E
        if gL is not None:
            ret = ret + diag_embed(gL)
        return V @ (ret @ V.mT), None


def eigh(A, UPLO="L"):
    """``linalg.eigh``: eigenvalues (ascending) and orthonormal eigenvectors of symmetric ``A``
    (only the ``UPLO`` triangle is read).

    >>> ember.linalg.eigh(ember.tensor([[2.0, 0.0], [0.0, 1.0]])).eigenvalues
    tensor([1., 2.])
    """
    _check_square("linalg.eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"linalg.eigh(): UPLO must be 'L' or 'U', got {UPLO!r}")
    return _Eigh(*Eigh.apply(A, UPLO))


def eigvalsh(A, UPLO="L") -> Tensor:
    """``linalg.eigvalsh``: the eigenvalues (ascending) of symmetric ``A``.

    >>> ember.linalg.eigvalsh(ember.tensor([[2.0, 0.0], [0.0, 1.0]]))
    tensor([1., 2.])
    """
    _check_square("linalg.eigvalsh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"linalg.eigvalsh(): UPLO must be 'L' or 'U', got {UPLO!r}")
    if _needs_grad(A):
        return Eigh.apply(A, UPLO)[0]
    return Tensor._make(_lapack("linalg.eigvalsh", A.xp.linalg.eigvalsh, A._data, UPLO=UPLO))


_SVD = collections.namedtuple("linalg_svd", ["U", "S", "Vh"])
_SVDLegacy = collections.namedtuple("svd", ["U", "S", "V"])


class SVD(Function):
    @staticmethod
    def forward(ctx, A, full_matrices):
        ctx.set_materialize_grads(False)
        U, S, Vh = _lapack("linalg.svd", A.xp.linalg.svd, A._data, full_matrices=full_matrices)
        ctx.full = full_matrices
        ctx.save_for_backward(U, S, Vh)
        return U, S, Vh

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.saved_tensors
        if ctx.full:  # only the first k = min(m, n) singular vectors are determined
            k = S._data.shape[-1]
            U, Vh = U[..., :, :k], Vh[..., :k, :]
            gU = gU[..., :, :k] if gU is not None else None
            gVh = gVh[..., :k, :] if gVh is not None else None
        return _svd_backward(gU, gS, gVh, U, S, Vh), None


def _svd_backward(gU, gS, gVh, U, S, Vh):
    m, n = U._data.shape[-2], Vh._data.shape[-1]
    if gU is None and gVh is None:
        if gS is None:
            return None
        return U @ (_unsq(gS, -1) * Vh) if m >= n else (U * _unsq(gS, -2)) @ Vh
    s_row, s_col = _unsq(S, -2), _unsq(S, -1)
    S2 = S * S
    E = _unsq(S2, -2) - _unsq(S2, -1) + _eye(S._data.shape[-1], S)
    UtgU = VtgV = None
    if gU is not None:
        UtgU = U.mT @ gU
        UtgU = UtgU - UtgU.mT
    if gVh is not None:
        VtgV = Vh @ gVh.mT
        VtgV = VtgV - VtgV.mT
    if UtgU is not None and VtgV is not None:
        ret = (UtgU * s_row + s_col * VtgV) / E
    elif UtgU is not None:
        ret = UtgU * (s_row / E)
    else:
        ret = s_col * (VtgV / E)
    if gS is not None:
        ret = ret + diag_embed(gS)
    if m > n and gU is not None:
        gA = U @ ret
        gUSinv = gU / s_row
        gA = gA + gUSinv - U @ (U.mT @ gUSinv)
        return gA @ Vh
    if m < n and gVh is not None:
        gA = ret @ Vh
        SinvgVh = gVh / s_col
        gA = gA + SinvgVh - (SinvgVh @ Vh.mT) @ Vh
        return U @ gA
    return U @ (ret @ Vh) if m >= n else (U @ ret) @ Vh


def linalg_svd(A, full_matrices=True, *, driver=None):
    """``linalg.svd``: ``A = U diag(S) Vh`` with descending singular values ``S``.

    >>> ember.linalg.svd(ember.tensor([[3.0, 0.0], [0.0, -4.0]])).S
    tensor([4., 3.])
    """
    _check_lapack("linalg.svd", A)
    return _SVD(*SVD.apply(A, bool(full_matrices)))


def svdvals(A, *, driver=None) -> Tensor:
    """``linalg.svdvals``: the singular values of ``A``, in descending order.

    >>> ember.linalg.svdvals(ember.tensor([[3.0, 0.0], [0.0, -4.0]]))
    tensor([4., 3.])
    """
    _check_lapack("linalg.svdvals", A)
    if _needs_grad(A):
        return SVD.apply(A, False)[1]
    return Tensor._make(_lapack("linalg.svdvals", A.xp.linalg.svd, A._data, compute_uv=False))


def svd(input, some=True, compute_uv=True):
    """``torch.svd`` (legacy): ``(U, S, V)`` with ``input = U diag(S) V^T`` (note ``V``, not
    ``Vh``); ``some=False`` gives full square ``U`` and ``V``.

    >>> ember.svd(ember.tensor([[3.0, 0.0], [0.0, -4.0]])).S
    tensor([4., 3.])
    """
    _check_lapack("svd", input, "input")
    if not compute_uv:
        S = svdvals(input)
        m, n = input._data.shape[-2:]
        batch = input._data.shape[:-2]
        xp, dt = input.xp, input._data.dtype
        U = Tensor._make(xp.zeros(batch + ((m, m) if not some else (m, min(m, n))), dtype=dt))
        V = Tensor._make(xp.zeros(batch + ((n, n) if not some else (n, min(m, n))), dtype=dt))
        return _SVDLegacy(U, S, V)
    U, S, Vh = SVD.apply(input, not some)
    return _SVDLegacy(U, S, Vh.mT)


def linalg_diagonal(A, *, offset=0, dim1=-2, dim2=-1) -> Tensor:
    """``linalg.diagonal``: ``diagonal`` with the last two dims as defaults."""
    check_tensor(A, "linalg.diagonal", "A")
    d1, d2 = _diag_dims("linalg.diagonal", dim1, dim2, A.ndim)
    return _TakeDiag.apply(A, _DiagSpec(int(offset), d1, d2))
