"""The dense layer kernel: ``linear`` (y = x Wᵀ + b) and ``bilinear``, fused for speed."""

from __future__ import annotations

from ..autograd.function import Function
from ..tensor import Tensor
from ._util import check_same_device, check_tensor

__all__: list = []  # reached as ember.nn.functional.linear / bilinear
TENSOR_METHODS: tuple = ()


class Linear(Function):
    """x (*, in) @ Wᵀ (in, out) + b, computed as one GEMM over the flattened batch."""

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None,
                              w if ctx.needs_input_grad[0] else None)
        ctx.has_bias = b is not None
        xd = x._data
        if xd.ndim > 2:
            # One GEMM over the flattened batch: NumPy's stacked matmul loops per matrix.
            out = (xd.reshape(-1, xd.shape[-1]) @ w._data.T).reshape(xd.shape[:-1] + (-1,))
        else:
            out = xd @ w._data.T
        if b is not None:
            out += b._data  # in place: the GEMM result is ours, no second buffer
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gx = g @ w
        if ctx.needs_input_grad[1]:
            g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
            x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
            gw = g2.mT @ x2
        if ctx.has_bias and ctx.needs_input_grad[2]:
            gb = g.sum(dim=tuple(range(g.ndim - 1))) if g.ndim > 1 else g
        return gx, gw, gb


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = input @ weightᵀ + bias over the last dimension.

    Shape: input (*, in), weight (out, in), bias (out,) -> (*, out).
    """
    check_tensor(input, "linear")
    check_tensor(weight, "linear", "weight")
    in_features = weight.shape[1] if weight.ndim == 2 else "?"
    if weight.ndim != 2 or input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise RuntimeError(
            f"linear(): input of shape {tuple(input.shape)} can't be multiplied by a weight of "
            f"shape {tuple(weight.shape)}: the input's last dimension must equal "
            f"weight.shape[1] (in_features); expected (*, {in_features})"
        )
    if bias is not None and tuple(bias.shape) not in ((weight.shape[0],), ()):
        raise RuntimeError(
            f"linear(): bias of shape {tuple(bias.shape)} does not match out_features "
            f"{weight.shape[0]}"
        )
    check_same_device("linear", input, weight, bias)
    if input.dtype is not weight.dtype:
        raise RuntimeError(
            f"linear(): input is {input.dtype} but weight is {weight.dtype}; convert the input "
            f"(e.g. x.to({weight.dtype})) or the module (model.to({input.dtype}))"
        )
    return Linear.apply(input, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = x1ᵀ W_k x2 + b_k; weight (out, in1, in2)."""
    from .. import ops

    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            f"bilinear(): input1 {tuple(input1.shape)} and input2 {tuple(input2.shape)} must "
            "have the same batch dimensions"
        )
    out = ops.einsum("...i,kij,...j->...k", input1, weight, input2)
    return out + bias if bias is not None else out
