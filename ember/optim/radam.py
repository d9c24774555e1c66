"""``RAdam``: Adam with a rectified (variance-corrected) adaptive learning rate."""

from __future__ import annotations

from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    _check_betas,
    _check_lr,
    _check_nonneg,
    _check_not_differentiable,
    _effective_grad,
    _ema_sq_,
    _lerp_,
    _step_tensor,
)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam (PyTorch's ``torch.optim.RAdam``).

    Algorithm, for each parameter θ at step t (m₀ = v₀ = 0, ρ∞ = 2/(1 − β₂) − 1)::

        g ← −∇f(θ) if maximize else ∇f(θ)
        if λ ≠ 0:
            θ ← θ − γλ·θ          if decoupled_weight_decay
            g ← g + λ·θ           otherwise
        m ← β₁·m + (1 − β₁)·g
        v ← β₂·v + (1 − β₂)·g²
        m̂ ← m / (1 − β₁ᵗ)
        ρₜ ← ρ∞ − 2t·β₂ᵗ / (1 − β₂ᵗ)
        if ρₜ > 5:
            l ← √(1 − β₂ᵗ) / (√v + ε)
            r ← √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ))
            θ ← θ − γ·m̂·l·r
        else:
            θ ← θ − γ·m̂

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate γ (default 1e-3).
        betas: (β₁, β₂) (default (0.9, 0.999)).
        eps: ε added to the denominator (default 1e-8).
        weight_decay: λ (default 0).
        decoupled_weight_decay: decay θ directly (RAdamW) instead of adding λθ to g.
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable: accepted for PyTorch compatibility; no effect in ember.
        differentiable: must be False.

    State per parameter: ``step``, ``exp_avg`` (m) and ``exp_avg_sq`` (v).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check_lr(lr)
        _check_nonneg("eps", eps, "epsilon")
        _check_betas(betas)
        _check_nonneg("weight_decay", weight_decay)
        _check_not_differentiable(differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            group.setdefault("capturable", False)

    def step(self, closure=None):
        """Do one RAdam step; ``closure`` (optional) re-evaluates the model, returns the loss."""
        loss = self._closure_loss(closure)
        state = self.state
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            wd = float(group["weight_decay"])
            decoupled = group["decoupled_weight_decay"]
            maximize = group["maximize"]
            rho_inf = 2 / (1 - beta2) - 1
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
                    st["exp_avg_sq"] = Tensor._make(xp.zeros_like(pd))
                gbuf, tmp = self._buffers(pd, 2)
                step_arr = st["step"]._data
                step_arr += 1
                step = step_arr.item()
                if wd != 0 and decoupled:
                    pd *= 1 - lr * wd
                    d = _effective_grad(xp, pd, g, maximize, 0.0, gbuf)
                else:
                    d = _effective_grad(xp, pd, g, maximize, wd, gbuf)
                m = st["exp_avg"]._data
                v = st["exp_avg_sq"]._data
                _lerp_(xp, m, d, 1 - beta1, tmp)
                _ema_sq_(xp, v, d, beta2, tmp)
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                xp.divide(m, bias_correction1, out=tmp)
                tmp *= lr
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                            / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    xp.sqrt(v, out=gbuf)
                    gbuf += eps
                    xp.divide(bias_correction2 ** 0.5, gbuf, out=gbuf)
                    tmp *= gbuf
                    tmp *= rect
                pd -= tmp
                p._vc[0] += 1
        return loss
