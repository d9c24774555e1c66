"""The dense layer kernel: ``linear`` (y = x Wᵀ + b) and ``bilinear``, fused for speed."""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import state as grad_state
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
        return _forward(x._data, w._data, None if b is None else b._data)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        if not grad_state.enabled:
            return _backward_arrays(ctx.needs_input_grad, ctx.has_bias, g, x, w)
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


def _backward_arrays(need, has_bias, g, x, w):
    """The backward on raw arrays, when no graph of it is wanted (no ``create_graph``): the
    same GEMMs and sum without three ops' dispatch (~25 us per layer; W1 has three)."""
    gd = g._data
    g2 = gd.reshape(-1, gd.shape[-1]) if gd.ndim != 2 else gd
    gx = gw = gb = None
    if need[0]:
        wd = w._data
        gx = Tensor._make(gd @ wd if gd.ndim <= 2 else (g2 @ wd).reshape(gd.shape[:-1] + (-1,)))
    if need[1]:
        xd = x._data
        gw = Tensor._make(g2.T @ (xd.reshape(-1, xd.shape[-1]) if xd.ndim != 2 else xd))
    if has_bias and need[2]:
        gb = Tensor._make(g2.sum(axis=0)) if gd.ndim > 1 else g
    return gx, gw, gb


def _forward(xd, wd, bd):
    if xd.ndim > 2:
        # One GEMM over the flattened batch: NumPy's stacked matmul loops per matrix.
        out = (xd.reshape(-1, xd.shape[-1]) @ wd.T).reshape(xd.shape[:-1] + (-1,))
    else:
        out = xd @ wd.T
    if bd is not None:
        out += bd  # in place: the GEMM result is ours, no second buffer
    return out


def _plain(input, weight, bias) -> bool:
    """Whether the checks of ``linear`` are sure to pass: NumPy arrays of one dtype, matching
    shapes. Reading that off the arrays costs ~0.5 us; the full checks cost ~5 us, a third of
    a batch-1 layer's GEMM (W4 runs three)."""
    if not (isinstance(input, Tensor) and isinstance(weight, Tensor)):
        return False
    xd, wd = input._data, weight._data
    if not (type(xd) is np.ndarray and type(wd) is np.ndarray and wd.ndim == 2 and xd.ndim
            and xd.shape[-1] == wd.shape[1] and xd.dtype is wd.dtype):
        return False
    if bias is None:
        return True
    if not isinstance(bias, Tensor):
        return False
    bd = bias._data
    return type(bd) is np.ndarray and bd.dtype is wd.dtype and bd.shape == (wd.shape[0],)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = input @ weightᵀ + bias over the last dimension.

    Shape: input (*, in), weight (out, in), bias (out,) -> (*, out).
    """
    if _plain(input, weight, bias):
        if grad_state.enabled and (input._requires_grad or weight._requires_grad
                                   or (bias is not None and bias._requires_grad)):
            return Linear.apply(input, weight, bias)
        # Nothing to record: the GEMM straight into a tensor, without a graph node.
        return Tensor._make(_forward(input._data, weight._data,
                                     None if bias is None else bias._data))
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
