"""``Rprop``: resilient backpropagation, per-coordinate step sizes from gradient signs."""

from __future__ import annotations

from ..tensor import Tensor
from .optimizer import Optimizer, _check_lr, _check_not_differentiable, _step_tensor

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop (PyTorch's ``torch.optim.Rprop``).

    Algorithm, for each parameter θ at step t (g₀ = 0, each step size s starts at lr)::

        g ← −∇f(θ) if maximize else ∇f(θ)
        where g·gₜ₋₁ > 0:  s ← min(s·η₊, Γ_max)
        where g·gₜ₋₁ < 0:  s ← max(s·η₋, Γ_min),  g ← 0
        θ ← θ − sign(g)·s
        gₜ ← g

    Args:
        params: tensors or parameter groups to optimize.
        lr: initial step size (default 1e-2).
        etas: (η₋, η₊), the multiplicative decrease and increase (default (0.5, 1.2)).
        step_sizes: (Γ_min, Γ_max), the allowed step sizes (default (1e-6, 50)).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable: accepted for PyTorch compatibility; no effect in ember.
        differentiable: must be False.

    State per parameter: ``step``, ``prev`` (gₜ₋₁) and ``step_size`` (s).
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        _check_not_differentiable(differentiable)
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)

    def step(self, closure=None):
        """Do one Rprop step; ``closure`` (optional) re-evaluates the model, returns the loss."""
        loss = self._closure_loss(closure)
        state = self.state
        for group in self.param_groups:
            etaminus, etaplus = (float(e) for e in group["etas"])
            smin, smax = (float(s) for s in group["step_sizes"])
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
                    st["prev"] = Tensor._make(xp.zeros_like(pd))
                    st["step_size"] = Tensor._make(xp.full_like(g, float(group["lr"])))
                factor, tmp = self._buffers(pd, 2)
                st["step"]._data += 1
                prev = st["prev"]._data
                size = st["step_size"]._data
                xp.multiply(g, prev, out=tmp)
                if maximize:
                    xp.negative(tmp, out=tmp)  # (−g)·prev: the sign flips with g
                up, down = tmp > 0, tmp < 0
                factor.fill(1)
                factor[up] = etaplus
                factor[down] = etaminus
                size *= factor
                xp.clip(size, smin, smax, out=size)
                if maximize:
                    xp.negative(g, out=prev)
                else:
                    prev[...] = g
                prev[down] = 0
                xp.sign(prev, out=tmp)
                tmp *= size
                pd -= tmp
                p._vc[0] += 1
        return loss
