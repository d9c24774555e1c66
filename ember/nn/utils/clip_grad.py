"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_`` (in place, no graph)."""

from __future__ import annotations

import math

from ...tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Scale all gradients together so their total ``norm_type``-norm is at most ``max_norm``.

    Returns the total norm before clipping (a 0-d tensor), like PyTorch.
    """
    grads = _grads(parameters)
    if not grads:
        from ...ops import tensor

        return tensor(0.0)
    xp = grads[0].xp
    norm_type = float(norm_type)
    if math.isinf(norm_type):
        norms = [xp.abs(g._data).max() if g.numel() else xp.asarray(0.0) for g in grads]
        total = max(float(n) for n in norms)
    else:
        total = sum(float((xp.abs(g._data) ** norm_type).sum()) for g in grads) ** (1 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for g in grads:
            g._data *= g._data.dtype.type(coef)
            g._vc[0] += 1
    return Tensor._make(xp.asarray(total, dtype=grads[0]._data.dtype))


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element into [−clip_value, clip_value] in place."""
    for g in _grads(parameters):
        g.xp.clip(g._data, -clip_value, clip_value, out=g._data)
        g._vc[0] += 1


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated alias of ``clip_grad_norm_``."""
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)
