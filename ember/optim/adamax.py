"""``Adamax``: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    _addcdiv_,
    _check_betas,
    _check_lr,
    _check_nonneg,
    _check_not_differentiable,
    _effective_grad,
    _lerp_,
    _step_tensor,
)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax, Adam's infinity-norm variant (PyTorch's ``torch.optim.Adamax``).

    Algorithm, for each parameter θ at step t (m₀ = 0, u₀ = 0)::

        g ← −∇f(θ) if maximize else ∇f(θ)
        if λ ≠ 0:  g ← g + λ·θ
        m ← β₁·m + (1 − β₁)·g
        u ← max(β₂·u, |g| + ε)
        θ ← θ − γ/(1 − β₁ᵗ) · m / u

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate γ (default 2e-3).
        betas: (β₁, β₂) (default (0.9, 0.999)).
        eps: ε added to |g| (default 1e-8).
        weight_decay: L2 penalty λ (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable: accepted for PyTorch compatibility; no effect in ember.
        differentiable: must be False.

    State per parameter: ``step``, ``exp_avg`` (m) and ``exp_inf`` (u).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_nonneg("eps", eps, "epsilon")
        _check_betas(betas)
        _check_nonneg("weight_decay", weight_decay)
        _check_not_differentiable(differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)

    def step(self, closure=None):
        """Do one Adamax step; ``closure`` (optional) re-evaluates the model, returns the loss."""
        loss = self._closure_loss(closure)
        state = self.state
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
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
                    st["exp_avg"] = Tensor._make(xp.zeros_like(pd))
                    st["exp_inf"] = Tensor._make(xp.zeros_like(pd))
                gbuf, tmp = self._buffers(pd, 2)
                step_arr = st["step"]._data
                step_arr += 1
                step = step_arr.item()
                d = _effective_grad(xp, pd, g, maximize, wd, gbuf)
                m = st["exp_avg"]._data
                u = st["exp_inf"]._data
                _lerp_(xp, m, d, 1 - beta1, tmp)
                u *= beta2
                xp.abs(d, out=tmp)
                tmp += eps
                xp.maximum(u, tmp, out=u)
                clr = lr / (1 - beta1 ** step)
                _addcdiv_(xp, pd, m, u, -clr, tmp)
                p._vc[0] += 1
        return loss
