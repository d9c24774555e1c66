"""``Adadelta``: step sizes from running averages of squared gradients and squared updates."""

from __future__ import annotations

from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    _check_lr,
    _check_nonneg,
    _check_not_differentiable,
    _effective_grad,
    _ema_sq_,
    _step_tensor,
)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (PyTorch's ``torch.optim.Adadelta``).

    Algorithm, for each parameter θ at step t (v₀ = 0, u₀ = 0)::

        g ← −∇f(θ) if maximize else ∇f(θ)
        if λ ≠ 0:  g ← g + λ·θ
        v ← ρ·v + (1 − ρ)·g²
        Δ ← √(u + ε) / √(v + ε) · g
        u ← ρ·u + (1 − ρ)·Δ²
        θ ← θ − γ·Δ

    Args:
        params: tensors or parameter groups to optimize.
        lr: coefficient γ that scales Δ (default 1.0).
        rho: decay ρ of the running averages (default 0.9).
        eps: ε for numerical stability (default 1e-6).
        weight_decay: L2 penalty λ (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable: accepted for PyTorch compatibility; no effect in ember.
        differentiable: must be False.

    State per parameter: ``step``, ``square_avg`` (v) and ``acc_delta`` (u).
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_nonneg("eps", eps, "epsilon")
        _check_nonneg("weight_decay", weight_decay)
        _check_not_differentiable(differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)

    def step(self, closure=None):
        """Do one Adadelta step; ``closure`` (optional) re-evaluates the model, returns the loss."""
        loss = self._closure_loss(closure)
        state = self.state
        for group in self.param_groups:
            lr = float(group["lr"])
            rho = float(group["rho"])
            eps = float(group["eps"])
            wd = float(group["weight_decay"])
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
                    st["acc_delta"] = Tensor._make(xp.zeros_like(pd))
                gbuf, tmp, delta = self._buffers(pd, 3)
                st["step"]._data += 1
                d = _effective_grad(xp, pd, g, maximize, wd, gbuf)
                v = st["square_avg"]._data
                u = st["acc_delta"]._data
                _ema_sq_(xp, v, d, rho, tmp)
                xp.add(v, eps, out=tmp)
                xp.sqrt(tmp, out=tmp)
                xp.add(u, eps, out=delta)
                xp.sqrt(delta, out=delta)
                delta /= tmp
                delta *= d
                _ema_sq_(xp, u, delta, rho, tmp)
                xp.multiply(delta, -lr, out=tmp)
                pd += tmp
                p._vc[0] += 1
        return loss
