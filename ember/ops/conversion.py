"""Differentiable conversions: dtype casts, device copies, ``clone`` and ``contiguous``."""

from __future__ import annotations

from .. import backend as B
from ..autograd.function import Function
from ..tensor import Tensor

__all__ = ["clone"]  # to_dtype/to_device are reached through Tensor.to
TENSOR_METHODS = ("clone", "contiguous")


class ToCopy(Function):
    """Cast to another dtype and/or copy to another device; the gradient goes back the same way."""

    @staticmethod
    def forward(ctx, x, dt, dev):
        ctx.src = (x.dtype, x.device)
        data = x._data
        if dt is not None:
            data = data.astype(B.to_numpy_dtype(dt))
        if dev is not None:
            data = B.to_device(data, dev)
        return data

    @staticmethod
    def backward(ctx, g):
        src_dtype, src_device = ctx.src
        out = g
        if g.device != src_device:
            out = to_device(out, src_device)
        if src_dtype.is_floating_point and out.dtype is not src_dtype:
            out = to_dtype(out, src_dtype)
        return out, None, None


def to_dtype(x: Tensor, dtype) -> Tensor:
    """``x`` converted to ``dtype`` (gradients flow back between floating dtypes)."""
    dt = B.as_dtype(dtype)
    if x._data.dtype == B.to_numpy_dtype(dt):
        return x
    return ToCopy.apply(x, dt, None)


def to_device(x: Tensor, device) -> Tensor:
    """``x`` copied to ``device`` (gradients are copied back)."""
    dev = B.as_device(device)
    if x.device == dev:
        return x
    return ToCopy.apply(x, None, dev)


class Clone(Function):
    @staticmethod
    def forward(ctx, x):
        return x.xp.array(x._data, copy=True, order="C")

    @staticmethod
    def backward(ctx, g):
        return g


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy of ``input`` with its own memory; gradients flow through to ``input``."""
    return Clone.apply(input)


def contiguous(input: Tensor, memory_format=None) -> Tensor:
    """``input`` itself if its memory is C-contiguous, else a contiguous copy."""
    if input._data.flags.c_contiguous:
        return input
    return Clone.apply(input)
