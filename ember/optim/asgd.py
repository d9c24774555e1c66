"""``ASGD``: averaged stochastic gradient descent."""

from __future__ import annotations

import struct

from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    _check_lr,
    _check_nonneg,
    _check_not_differentiable,
    _effective_grad,
    _step_tensor,
)

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD (PyTorch's ``torch.optim.ASGD``).

    Algorithm, for each parameter θ at step t (η₀ = γ, μ₀ = 1, ax₀ = 0)::

        g ← −∇f(θ) if maximize else ∇f(θ)
        if λ ≠ 0:  g ← g + λ·θ                      (weight_decay λ)
        θ ← θ·(1 − λ_d·η) − η·g                      (decay term λ_d = lambd)
        ax ← ax + μ·(θ − ax)   if μ ≠ 1 else θ       (the running average)
        η ← γ / (1 + λ_d·γ·t)^α
        μ ← 1 / max(1, t − t₀)

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate γ (default 1e-2).
        lambd: decay term λ_d (default 1e-4).
        alpha: power α for the η update (default 0.75).
        t0: step t₀ at which averaging starts (default 1e6).
        weight_decay: L2 penalty λ (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable: accepted for PyTorch compatibility; no effect in ember.
        differentiable: must be False.

    State per parameter: ``step``, ``eta`` (η), ``mu`` (μ), both 0-d float32, and ``ax``.
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_nonneg("weight_decay", weight_decay)
        _check_not_differentiable(differentiable)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
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
            for p in group["params"]:
                st = self.state.get(p)
                for key in ("eta", "mu"):
                    if st and key in st and not isinstance(st[key], Tensor):
                        st[key] = _step_tensor(float(st[key]))

    def step(self, closure=None):
        """Do one ASGD step; ``closure`` (optional) re-evaluates the model, returns the loss."""
        loss = self._closure_loss(closure)
        state = self.state
        for group in self.param_groups:
            lr = float(group["lr"])
            lambd = float(group["lambd"])
            alpha = float(group["alpha"])
            t0 = float(group["t0"])
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
                    st["eta"] = _step_tensor(lr)
                    st["mu"] = _step_tensor(1.0)
                    st["ax"] = Tensor._make(xp.zeros_like(pd))
                gbuf, tmp = self._buffers(pd, 2)
                step_arr = st["step"]._data
                step_arr += 1
                step = step_arr.item()
                d = _effective_grad(xp, pd, g, maximize, wd, gbuf)
                eta_arr, mu_arr = st["eta"]._data, st["mu"]._data
                eta = eta_arr.item()
                pd *= 1 - lambd * eta
                xp.multiply(d, -eta, out=tmp)
                pd += tmp
                ax = st["ax"]._data
                if mu_arr.item() != 1:
                    xp.subtract(pd, ax, out=tmp)
                    tmp *= mu_arr.item()
                    ax += tmp
                else:
                    ax[...] = pd
                # PyTorch makes these float32 tensors before copying them into the state, so
                # they carry float32 rounding even when the state was loaded as float64
                eta_arr[...] = _f32(lr / ((1 + lambd * lr * step) ** alpha))
                mu_arr[...] = _f32(1 / max(1, step - t0))
                p._vc[0] += 1
        return loss


def _f32(x: float) -> float:
    """``x`` rounded to the nearest float32."""
    return struct.unpack("f", struct.pack("f", x))[0]
