"""``Adagrad``: per-coordinate learning rates from the running sum of squared gradients."""

from __future__ import annotations

from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    _addcdiv_,
    _check_lr,
    _check_nonneg,
    _check_not_differentiable,
    _effective_grad,
    _step_tensor,
)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (PyTorch's ``torch.optim.Adagrad``).

    Algorithm, for each parameter θ at step t (s₀ = initial_accumulator_value)::

        g ← −∇f(θ) if maximize else ∇f(θ)
        γ̃ ← γ / (1 + (t − 1)·η)                     (lr γ, lr_decay η)
        if λ ≠ 0:  g ← g + λ·θ
        s ← s + g²
        θ ← θ − γ̃·g / (√s + ε)

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate γ (default 1e-2).
        lr_decay: η (default 0).
        weight_decay: L2 penalty λ (default 0).
        initial_accumulator_value: starting value of the sum s (default 0).
        eps: ε added to the denominator (default 1e-10).
        maximize: maximize the objective instead of minimizing it.
        foreach, fused: accepted for PyTorch compatibility; no effect in ember.
        differentiable: must be False.

    State per parameter (created with the optimizer, like PyTorch): ``step`` and ``sum`` (s).
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
                 differentiable=False, fused=None):
        _check_lr(lr)
        _check_nonneg("lr_decay", lr_decay)
        _check_nonneg("weight_decay", weight_decay)
        _check_nonneg("initial_accumulator_value", initial_accumulator_value)
        _check_nonneg("eps", eps, "epsilon")
        _check_not_differentiable(differentiable)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p, group) -> dict:
        st = self.state[p]
        st["step"] = _step_tensor()
        st["sum"] = Tensor._make(p.xp.full_like(p._data, group["initial_accumulator_value"]))
        return st

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("fused", None)

    def step(self, closure=None):
        """Do one Adagrad step; ``closure`` (optional) re-evaluates the model, returns the loss."""
        loss = self._closure_loss(closure)
        state = self.state
        for group in self.param_groups:
            lr = float(group["lr"])
            lr_decay = float(group["lr_decay"])
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
                if not st:  # a parameter added later with add_param_group
                    st = self._init_state(p, group)
                gbuf, tmp = self._buffers(pd, 2)
                step_arr = st["step"]._data
                step_arr += 1
                step = step_arr.item()
                d = _effective_grad(xp, pd, g, maximize, wd, gbuf)
                clr = lr / (1 + (step - 1) * lr_decay)
                s = st["sum"]._data
                xp.multiply(d, d, out=tmp)
                s += tmp
                xp.sqrt(s, out=tmp)
                tmp += eps
                _addcdiv_(xp, pd, d, tmp, -clr, gbuf)
                p._vc[0] += 1
        return loss
