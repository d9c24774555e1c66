"""``NAdam``: Adam with Nesterov momentum (and a warming-up momentum schedule)."""

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
    _ema_sq_,
    _lerp_,
    _step_tensor,
)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam (PyTorch's ``torch.optim.NAdam``).

    Algorithm, for each parameter θ at step t (m₀ = v₀ = 0, Π₀ = 1)::

        g ← −∇f(θ) if maximize else ∇f(θ)
        if λ ≠ 0:
            θ ← θ − γλ·θ          if decoupled_weight_decay
            g ← g + λ·θ           otherwise
        μₜ ← β₁·(1 − ½·0.96^(t·ψ)),   μₜ₊₁ ← β₁·(1 − ½·0.96^((t+1)·ψ))   (momentum_decay ψ)
        Πₜ ← Πₜ₋₁·μₜ                                                     (mu_product)
        m ← β₁·m + (1 − β₁)·g
        v ← β₂·v + (1 − β₂)·g²
        D ← √(v / (1 − β₂ᵗ)) + ε
        θ ← θ − γ(1 − μₜ)/(1 − Πₜ) · g / D − γμₜ₊₁/(1 − Πₜ·μₜ₊₁) · m / D

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate γ (default 2e-3).
        betas: (β₁, β₂) (default (0.9, 0.999)).
        eps: ε added to the denominator (default 1e-8).
        weight_decay: λ (default 0).
        momentum_decay: ψ (default 4e-3).
        decoupled_weight_decay: decay θ directly (NAdamW) instead of adding λθ to g.
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable: accepted for PyTorch compatibility; no effect in ember.
        differentiable: must be False.

    State per parameter: ``step``, ``mu_product`` (Π, a 0-d float32 tensor), ``exp_avg`` (m)
    and ``exp_avg_sq`` (v).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_lr(lr)
        _check_nonneg("eps", eps, "epsilon")
        _check_betas(betas)
        _check_nonneg("weight_decay", weight_decay)
        _check_nonneg("momentum_decay", momentum_decay)
        _check_not_differentiable(differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            for p in group["params"]:
                st = self.state.get(p)
                if st and "mu_product" in st and not isinstance(st["mu_product"], Tensor):
                    st["mu_product"] = _step_tensor(float(st["mu_product"]))

    def step(self, closure=None):
        """Do one NAdam step; ``closure`` (optional) re-evaluates the model, returns the loss."""
        loss = self._closure_loss(closure)
        state = self.state
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            wd = float(group["weight_decay"])
            psi = float(group["momentum_decay"])
            decoupled = group["decoupled_weight_decay"]
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
                    st["mu_product"] = _step_tensor(1.0)
                    st["exp_avg"] = Tensor._make(xp.zeros_like(pd))
                    st["exp_avg_sq"] = Tensor._make(xp.zeros_like(pd))
                gbuf, tmp = self._buffers(pd, 2)
                step_arr = st["step"]._data
                step_arr += 1
                step = step_arr.item()
                bias_correction2 = 1 - beta2 ** step
                if wd != 0 and decoupled:
                    pd *= 1 - lr * wd
                    d = _effective_grad(xp, pd, g, maximize, 0.0, gbuf)
                else:
                    d = _effective_grad(xp, pd, g, maximize, wd, gbuf)
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
                mu_arr = st["mu_product"]._data
                mu_arr *= mu
                mu_product = mu_arr.item()
                m = st["exp_avg"]._data
                v = st["exp_avg_sq"]._data
                _lerp_(xp, m, d, 1 - beta1, tmp)
                _ema_sq_(xp, v, d, beta2, tmp)
                xp.divide(v, bias_correction2, out=tmp)
                xp.sqrt(tmp, out=tmp)
                tmp += eps
                mu_product_next = mu_product * mu_next
                _addcdiv_(xp, pd, d, tmp, -lr * (1.0 - mu) / (1.0 - mu_product), gbuf)
                _addcdiv_(xp, pd, m, tmp, (-lr * mu_next) / (1.0 - mu_product_next), gbuf)
                p._vc[0] += 1
        return loss
