"""``SGD``: stochastic gradient descent with optional momentum, Nesterov and weight decay."""

from __future__ import annotations

from ..tensor import Tensor
from .optimizer import Optimizer, _check_lr, _check_not_differentiable, _effective_grad

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (PyTorch's ``torch.optim.SGD``).

    Algorithm, for each parameter θ with gradient ∇f(θ) at step t::

        g ← −∇f(θ) if maximize else ∇f(θ)
        if λ ≠ 0:  g ← g + λ·θ                      (weight_decay λ, L2 penalty)
        if μ ≠ 0:                                    (momentum μ, dampening τ)
            b ← g                    at t = 1
            b ← μ·b + (1 − τ)·g      at t > 1
            g ← g + μ·b  if nesterov else  b
        θ ← θ − γ·g                                  (lr γ)

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate γ (default 1e-3).
        momentum: momentum factor μ (default 0).
        dampening: dampening τ for momentum (default 0).
        weight_decay: L2 penalty λ (default 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, fused: accepted for PyTorch compatibility; ember always runs one in-place
            loop over the parameters.
        differentiable: must be False (ember's steps are not recorded by autograd).

    State per parameter: ``momentum_buffer`` (only when momentum ≠ 0).

    >>> import ember
    >>> w = ember.nn.Parameter(ember.tensor([1.0, -2.0]))
    >>> opt = ember.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> w.grad = ember.tensor([1.0, 1.0])
    >>> opt.step()
    >>> w
    Parameter containing:
    tensor([ 0.9000, -2.1000], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_not_differentiable(differentiable)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def step(self, closure=None):
        """Do one SGD step; ``closure`` (optional) re-evaluates the model and returns the loss."""
        loss = self._closure_loss(closure)
        state = self.state
        for group in self.param_groups:
            lr = float(group["lr"])
            momentum = float(group["momentum"])
            dampening = float(group["dampening"])
            wd = float(group["weight_decay"])
            nesterov = group["nesterov"]
            maximize = group["maximize"]
            for p in group["params"]:
                grad = p._grad
                if grad is None or not p._requires_grad:
                    continue
                pd, g = p._data, grad._data
                xp = p.xp
                gbuf, tmp = self._buffers(pd, 2)
                d = _effective_grad(xp, pd, g, maximize, wd, gbuf)
                if momentum != 0:
                    st = state[p]
                    buf = st.get("momentum_buffer")
                    if buf is None:
                        st["momentum_buffer"] = buf = Tensor._make(d.copy())
                        b = buf._data
                    else:
                        b = buf._data
                        b *= momentum
                        if dampening == 0:
                            b += d
                        else:
                            xp.multiply(d, 1.0 - dampening, out=tmp)
                            b += tmp
                    if nesterov:
                        xp.multiply(b, momentum, out=tmp)
                        tmp += d
                        d = tmp
                    else:
                        d = b
                xp.multiply(d, -lr, out=tmp)
                pd += tmp
                p._vc[0] += 1
        return loss
