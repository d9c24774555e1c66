"""``RMSprop``: divide the gradient by a running root-mean-square of recent gradients."""

from __future__ import annotations

from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    _addcdiv_,
    _check_lr,
    _check_nonneg,
    _check_not_differentiable,
    _effective_grad,
    _ema_sq_,
    _lerp_,
    _step_tensor,
)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (PyTorch's ``torch.optim.RMSprop``), optionally centered and with momentum.

    Algorithm, for each parameter θ at step t (v₀ = 0, b₀ = 0, gᵃᵛᵉ₀ = 0)::

        g ← −∇f(θ) if maximize else ∇f(θ)
        if λ ≠ 0:  g ← g + λ·θ
        v ← α·v + (1 − α)·g²
        ṽ ← v
        if centered:
            gᵃᵛᵉ ← α·gᵃᵛᵉ + (1 − α)·g
            ṽ ← v − (gᵃᵛᵉ)²
        if μ > 0:
            b ← μ·b + g / (√ṽ + ε)
            θ ← θ − γ·b
        else:
            θ ← θ − γ·g / (√ṽ + ε)

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate γ (default 1e-2).
        alpha: smoothing constant α (default 0.99).
        eps: ε added to the denominator (default 1e-8).
        weight_decay: L2 penalty λ (default 0).
        momentum: momentum factor μ (default 0).
        centered: normalize by an estimate of the gradient's variance instead of its second
            moment.
        maximize: maximize the objective instead of minimizing it.
        capturable, foreach: accepted for PyTorch compatibility; no effect in ember.
        differentiable: must be False.

    State per parameter: ``step``, ``square_avg`` (v), ``momentum_buffer`` (b, when μ > 0)
    and ``grad_avg`` (gᵃᵛᵉ, when centered).
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check_lr(lr)
        _check_nonneg("eps", eps, "epsilon")
        _check_nonneg("momentum", momentum)
        _check_nonneg("weight_decay", weight_decay)
        _check_nonneg("alpha", alpha)
        _check_not_differentiable(differentiable)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("momentum", 0)
            group.setdefault("centered", False)
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)

    def step(self, closure=None):
        """Do one RMSprop step; ``closure`` (optional) re-evaluates the model, returns the loss."""
        loss = self._closure_loss(closure)
        state = self.state
        for group in self.param_groups:
            lr = float(group["lr"])
            alpha = float(group["alpha"])
            eps = float(group["eps"])
            wd = float(group["weight_decay"])
            momentum = float(group["momentum"])
            centered = group["centered"]
            maximize = group["maximize"]
            for p in group["params"]:
                grad = p._grad
                if grad is None or not p._requires_grad:
                    continue
                pd, g = p._data, grad._data
                xp = p.xp
                st = state[p]
                if not st:
                    st["step"] = _step_tensor()
                    st["square_avg"] = Tensor._make(xp.zeros_like(pd))
                    if momentum > 0:
                        st["momentum_buffer"] = Tensor._make(xp.zeros_like(pd))
                    if centered:
                        st["grad_avg"] = Tensor._make(xp.zeros_like(pd))
                gbuf, tmp = self._buffers(pd, 2)
                st["step"]._data += 1
                d = _effective_grad(xp, pd, g, maximize, wd, gbuf)
                sq = st["square_avg"]._data
                _ema_sq_(xp, sq, d, alpha, tmp)
                if centered:
                    if "grad_avg" not in st:  # centered switched on after the first step
                        st["grad_avg"] = Tensor._make(xp.zeros_like(pd))
                    ga = st["grad_avg"]._data
                    _lerp_(xp, ga, d, 1 - alpha, tmp)
                    xp.negative(ga, out=tmp)
                    tmp *= ga
                    tmp += sq
                    xp.sqrt(tmp, out=tmp)
                else:
                    xp.sqrt(sq, out=tmp)
                tmp += eps
                if momentum > 0:
                    if "momentum_buffer" not in st:  # e.g. momentum set later by a scheduler
                        st["momentum_buffer"] = Tensor._make(xp.zeros_like(pd))
                    buf = st["momentum_buffer"]._data
                    buf *= momentum
                    xp.divide(d, tmp, out=tmp)
                    buf += tmp
                    xp.multiply(buf, -lr, out=tmp)
                    pd += tmp
                else:
                    _addcdiv_(xp, pd, d, tmp, -lr, gbuf)
                p._vc[0] += 1
        return loss
