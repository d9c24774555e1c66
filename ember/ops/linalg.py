"""Linear algebra: matmul and its relatives, einsum, norms, inverse, solve, determinant."""

from __future__ import annotations

from ..autograd.function import Function
from ..tensor import Tensor
from ._util import binary_operands, check_tensor, sum_to

__all__ = ["matmul"]
TENSOR_METHODS = ("matmul",)


class MatMul(Function):
    """Batched, broadcasting matrix product of operands with at least 2 dims."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None,
                              b if ctx.needs_input_grad[0] else None)
        ctx.shapes = (a._data.shape, b._data.shape)
        return a._data @ b._data

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        ga = sum_to(g @ b.mT, sa) if ctx.needs_input_grad[0] else None
        gb = sum_to(a.mT @ g, sb) if ctx.needs_input_grad[1] else None
        return ga, gb


def matmul(input, other) -> Tensor:
    """Matrix product with NumPy/PyTorch semantics: 1-D operands are vectors, batch dims broadcast.

    >>> import ember
    >>> (ember.ones(2, 3) @ ember.ones(3)).tolist()
    [3.0, 3.0]
    """
    check_tensor(input, "matmul")
    check_tensor(other, "matmul", "other")
    a, b, _ = binary_operands("matmul", input, other)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"matmul(): both arguments need at least 1 dimension, but got {a.ndim}D and {b.ndim}D "
            "tensors; use mul() (or `*`) to multiply by a scalar"
        )
    _check_inner("matmul", a.shape, b.shape)
    squeeze_a, squeeze_b = a.ndim == 1, b.ndim == 1
    if squeeze_a:
        a = a.reshape(1, -1)
    if squeeze_b:
        b = b.reshape(-1, 1)
    out = MatMul.apply(a, b)
    if squeeze_a and squeeze_b:
        return out.reshape(())
    if squeeze_a:
        return out.reshape(out.shape[:-2] + out.shape[-1:])
    if squeeze_b:
        return out.reshape(out.shape[:-1])
    return out


def _check_inner(op, sa, sb):
    k_a = sa[-1]
    k_b = sb[0] if len(sb) == 1 else sb[-2]
    if k_a != k_b:
        fix = ""
        if len(sa) >= 2 and len(sb) >= 2 and sa[-1] == sb[-1]:
            fix = " Did you mean to transpose the second operand (other.T or other.mT)?"
        raise RuntimeError(
            f"{op}(): shapes {tuple(sa)} and {tuple(sb)} cannot be multiplied: the inner "
            f"dimensions {k_a} and {k_b} differ ({tuple(sa)} @ {tuple(sb)} needs "
            f"input.shape[-1] == other.shape[-2]).{fix}"
        )
    if len(sa) > 2 and len(sb) > 2:
        from ._util import broadcast_shapes_for

        broadcast_shapes_for(op + " (batch dims)", sa[:-2], sb[:-2])
