"""``Adam`` and ``AdamW``: adaptive moment estimation, with L2 or decoupled weight decay."""

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

__all__ = ["Adam", "AdamW"]


def _check_adam_betas(betas) -> tuple:
    _check_betas(betas)
    if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
            or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
        raise ValueError("betas must be either both floats or both Tensors")
    for i, b in enumerate(betas):
        if isinstance(b, Tensor) and b.numel() != 1:
            raise ValueError(f"Tensor betas[{i}] must be 1-element")
    return tuple(b.item() if isinstance(b, Tensor) else b for b in betas)


class Adam(Optimizer):
    """Adam (PyTorch's ``torch.optim.Adam``), optionally AMSGrad and decoupled weight decay.

    Algorithm, for each parameter θ at step t (m₀ = v₀ = v̂₀ = 0)::

        g ← −∇f(θ) if maximize else ∇f(θ)
        if λ ≠ 0:
            θ ← θ − γλ·θ          if decoupled_weight_decay (AdamW)
            g ← g + λ·θ           otherwise (L2 penalty)
        m ← β₁·m + (1 − β₁)·g
        v ← β₂·v + (1 − β₂)·g²
        v̂ ← max(v̂, v)  and use v̂ for v below      if amsgrad
        θ ← θ − γ/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate γ (default 1e-3).
        betas: (β₁, β₂), decay rates of the moment averages (default (0.9, 0.999)).
        eps: ε added to the denominator (default 1e-8).
        weight_decay: λ (default 0).
        amsgrad: use the running maximum of v (AMSGrad).
        maximize: maximize the objective instead of minimizing it.
        decoupled_weight_decay: decay θ directly (AdamW) instead of adding λθ to the gradient.
        foreach, capturable, fused: accepted for PyTorch compatibility; no effect in ember.
        differentiable: must be False.

    State per parameter: ``step`` (0-d float32), ``exp_avg`` (m), ``exp_avg_sq`` (v) and,
    with amsgrad, ``max_exp_avg_sq`` (v̂).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check_lr(lr)
        _check_nonneg("eps", eps, "epsilon")
        betas = _check_adam_betas(betas)
        _check_nonneg("weight_decay", weight_decay)
        _check_not_differentiable(differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            group.setdefault("fused", None)

    def step(self, closure=None):
        """Do one Adam step; ``closure`` (optional) re-evaluates the model and returns the loss."""
        loss = self._closure_loss(closure)
        state = self.state
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            wd = float(group["weight_decay"])
            amsgrad = group["amsgrad"]
            maximize = group["maximize"]
            decoupled = group["decoupled_weight_decay"]
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
                    if amsgrad:
                        st["max_exp_avg_sq"] = Tensor._make(xp.zeros_like(pd))
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
                step_size = lr / bias_correction1
                if amsgrad:
                    if "max_exp_avg_sq" not in st:  # amsgrad switched on after the first step
                        st["max_exp_avg_sq"] = Tensor._make(xp.zeros_like(pd))
                    vmax = st["max_exp_avg_sq"]._data
                    xp.maximum(vmax, v, out=vmax)
                    v = vmax
                xp.sqrt(v, out=tmp)
                tmp /= bias_correction2 ** 0.5
                tmp += eps
                xp.multiply(m, -step_size, out=gbuf)
                gbuf /= tmp
                pd += gbuf
                p._vc[0] += 1
        return loss


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay (PyTorch's ``torch.optim.AdamW``).

    Algorithm, for each parameter θ at step t (m₀ = v₀ = v̂₀ = 0)::

        g ← −∇f(θ) if maximize else ∇f(θ)
        θ ← θ − γλ·θ                                  (decay the weights, not the gradient)
        m ← β₁·m + (1 − β₁)·g
        v ← β₂·v + (1 − β₂)·g²
        v̂ ← max(v̂, v)  and use v̂ for v below      if amsgrad
        θ ← θ − γ/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)

    Same arguments as :class:`Adam` but ``weight_decay`` defaults to 1e-2 and
    ``decoupled_weight_decay`` is always True.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
