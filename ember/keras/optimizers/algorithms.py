"""The Keras 3 optimizers' update rules, each written as in-place ufuncs on arrays.

Every ``_update_step(items, lr)`` receives ``(w, g, state, tmp)`` per variable: the parameter
array (updated in place), its gradient, the state arrays named by ``_state_names`` and scratch
buffers. The formulas are Keras's (``keras/src/optimizers/<name>.py``), which differ from
PyTorch's in places: Adam folds the bias corrections into the step size and adds epsilon to
√v (not to √v̂), RMSprop and Adagrad add epsilon inside the square root, SGD keeps its
velocity as ``−lr·g`` sums.
"""

from __future__ import annotations

import math

from ... import backend as B
from .optimizer import Optimizer

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lion", "Nadam",
           "RMSprop"]


def _xp(a):
    return B.module_of(a)


def _float_in(name: str, value, low: float, high: float, cls: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError(f"{cls}: `{name}` must be a float between [{low}, {high}]. Received: "
                         f"{name}={value!r}")
    return float(value)


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum, Keras's formulation::

        momentum = 0:   w ← w − lr·g
        otherwise:      v ← momentum·v − lr·g
                        w ← w + v                       (w ← w + momentum·v − lr·g if nesterov)

    With a constant learning rate this is PyTorch's SGD (v = −lr·buf); they differ when the
    rate changes, because Keras's velocity carries the old rates.

    Args:
        learning_rate: default 0.01.
        momentum: in [0, 1], default 0.
        nesterov: use Nesterov momentum.
        (and the base ``Optimizer`` arguments)
    """

    _num_tmp = 2

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.momentum = _float_in("momentum", momentum, 0.0, 1.0, "SGD")
        self.nesterov = nesterov
        self._state_names = ("momentum",) if self.momentum != 0 else ()

    def _update_step(self, items, lr):
        mu = self.momentum
        if not mu:
            for w, g, _, (tmp, _) in items:
                _xp(w).multiply(g, lr, out=tmp)
                w -= tmp
            return
        nesterov = self.nesterov
        for w, g, (m,), (tmp, tmp2) in items:
            xp = _xp(w)
            m *= mu
            xp.multiply(g, lr, out=tmp)
            m -= tmp
            if nesterov:
                xp.multiply(m, mu, out=tmp2)
                tmp2 -= tmp
                w += tmp2
            else:
                w += m

    def get_config(self) -> dict:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam, Keras's formulation (t = iterations + 1)::

        m ← m + (g − m)·(1 − β₁)
        v ← v + (g² − v)·(1 − β₂)
        v̂ ← max(v̂, v) and use it for v        (amsgrad)
        α ← lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ)
        w ← w − α·m / (√v + ε)

    Args:
        learning_rate: default 0.001.
        beta_1, beta_2: moment decay rates (0.9, 0.999).
        epsilon: 1e-7 (Keras's default; PyTorch uses 1e-8 and adds it to √v̂ instead).
        amsgrad: use the running maximum of v.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self._state_names = ("momentum", "velocity") + (("velocity_hat",) if amsgrad else ())

    def _update_step(self, items, lr):
        t = self.iterations + 1
        b1, b2, eps = self.beta_1, self.beta_2, self.epsilon
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        c1, c2 = 1 - b1, 1 - b2
        amsgrad = self.amsgrad
        for w, g, state, (tmp,) in items:
            xp = _xp(w)
            m, v = state[0], state[1]
            xp.subtract(g, m, out=tmp)
            tmp *= c1
            m += tmp
            xp.multiply(g, g, out=tmp)
            tmp -= v
            tmp *= c2
            v += tmp
            if amsgrad:
                xp.maximum(state[2], v, out=state[2])
                v = state[2]
            xp.sqrt(v, out=tmp)
            tmp += eps
            xp.divide(m, tmp, out=tmp)
            tmp *= alpha
            w -= tmp

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.004): each step first does
    w ← w − w·weight_decay·lr, then the Adam update."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")


class Adamax(Optimizer):
    """Adamax (Adam with the infinity norm)::

        m ← m + (g − m)·(1 − β₁)
        u ← max(β₂·u, |g|)
        w ← w − lr·m / ((1 − β₁ᵗ)·(u + ε))
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self._state_names = ("momentum", "norm")

    def _update_step(self, items, lr):
        t = self.iterations + 1
        b1, b2, eps = self.beta_1, self.beta_2, self.epsilon
        correction = 1 - b1 ** t
        for w, g, (m, u), (tmp,) in items:
            xp = _xp(w)
            xp.subtract(g, m, out=tmp)
            tmp *= 1 - b1
            m += tmp
            u *= b2
            xp.abs(g, out=tmp)
            xp.maximum(u, tmp, out=u)
            xp.add(u, eps, out=tmp)
            tmp *= correction
            xp.divide(m, tmp, out=tmp)
            tmp *= lr
            w -= tmp

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class Nadam(Optimizer):
    """Adam with Nesterov momentum (Dozat), Keras's formulation with momentum schedule
    μₜ = β₁·(1 − ½·0.96ᵗ) and Πₜ = μ₁···μₜ::

        m ← m + (g − m)·(1 − β₁);  v ← v + (g² − v)·(1 − β₂)
        m̂ = μₜ₊₁·m / (1 − Πₜ·μₜ₊₁) + (1 − μₜ)·g / (1 − Πₜ)
        w ← w − lr·m̂ / (√(v / (1 − β₂ᵗ)) + ε)
    """

    _num_tmp = 2

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self._state_names = ("momentum", "velocity")
        self._u_product = 1.0

    def _extra_state(self) -> dict:
        return {"u_product": self._u_product}

    def _set_extra_state(self, state: dict) -> None:
        self._u_product = state.get("u_product", self._u_product)

    def _update_step(self, items, lr):
        t = self.iterations + 1
        b1, b2, eps = self.beta_1, self.beta_2, self.epsilon
        u_t = b1 * (1.0 - 0.5 * 0.96 ** t)
        u_t1 = b1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        self._u_product *= u_t
        u_prod = self._u_product
        c_m = u_t1 / (1 - u_prod * u_t1)
        c_g = (1 - u_t) / (1 - u_prod)
        v_correction = 1 - b2 ** t
        for w, g, (m, v), (tmp, tmp2) in items:
            xp = _xp(w)
            xp.subtract(g, m, out=tmp)
            tmp *= 1 - b1
            m += tmp
            xp.multiply(g, g, out=tmp)
            tmp -= v
            tmp *= 1 - b2
            v += tmp
            xp.multiply(m, c_m, out=tmp)
            xp.multiply(g, c_g, out=tmp2)
            tmp += tmp2
            xp.divide(v, v_correction, out=tmp2)
            xp.sqrt(tmp2, out=tmp2)
            tmp2 += eps
            tmp *= lr
            tmp /= tmp2
            w -= tmp

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class RMSprop(Optimizer):
    """RMSprop, Keras's formulation (epsilon inside the square root)::

        v ← ρ·v + (1 − ρ)·g²
        a ← ρ·a + (1 − ρ)·g;  d = v − a² + ε     (centered)   else  d = v + ε
        Δ = lr·g / √d
        w ← w − Δ   or, with momentum μ:  s ← μ·s + Δ;  w ← w − s

    Args:
        learning_rate: 0.001; rho: 0.9; momentum: 0; epsilon: 1e-7; centered: False.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        self._state_names = ("velocity",) + (("momentum",) if momentum > 0 else ()) + (
            ("average_gradient",) if centered else ())

    def _update_step(self, items, lr):
        rho, eps, mu = self.rho, self.epsilon, self.momentum
        centered = self.centered
        for w, g, state, (tmp,) in items:
            xp = _xp(w)
            v = state[0]
            v *= rho
            xp.multiply(g, g, out=tmp)
            tmp *= 1 - rho
            v += tmp
            if centered:
                a = state[-1]
                a *= rho
                xp.multiply(g, 1 - rho, out=tmp)
                a += tmp
                xp.multiply(a, a, out=tmp)
                xp.subtract(v, tmp, out=tmp)
                tmp += eps
            else:
                xp.add(v, eps, out=tmp)
            xp.sqrt(tmp, out=tmp)
            xp.divide(g, tmp, out=tmp)
            tmp *= lr
            if mu > 0:
                s = state[1]
                s *= mu
                s += tmp
                w -= s
            else:
                w -= tmp

    def get_config(self) -> dict:
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adagrad(Optimizer):
    """Adagrad: a ← a + g²;  w ← w − lr·g / √(a + ε), with a starting at
    ``initial_accumulator_value`` (0.1)."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon
        self._state_names = ("accumulator",)

    def _create_state(self, data) -> list:
        return [_xp(data).full_like(data, self.initial_accumulator_value)]

    def _update_step(self, items, lr):
        eps = self.epsilon
        for w, g, (acc,), (tmp,) in items:
            xp = _xp(w)
            xp.multiply(g, g, out=tmp)
            acc += tmp
            xp.add(acc, eps, out=tmp)
            xp.sqrt(tmp, out=tmp)
            xp.divide(g, tmp, out=tmp)
            tmp *= lr
            w -= tmp

    def get_config(self) -> dict:
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Adadelta (Zeiler), scaled by a learning rate as in Keras::

        a ← ρ·a + (1 − ρ)·g²
        Δ = −√(d + ε)·g / √(a + ε)
        d ← ρ·d + (1 − ρ)·Δ²
        w ← w + lr·Δ

    Args:
        learning_rate: 0.001 (use 1.0 for the paper's form); rho: 0.95; epsilon: 1e-7.
    """

    _num_tmp = 2

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.rho = rho
        self.epsilon = epsilon
        self._state_names = ("accumulated_grad", "accumulated_delta_var")

    def _update_step(self, items, lr):
        rho, eps = self.rho, self.epsilon
        for w, g, (acc_g, acc_d), (tmp, tmp2) in items:
            xp = _xp(w)
            acc_g *= rho
            xp.multiply(g, g, out=tmp)
            tmp *= 1 - rho
            acc_g += tmp
            xp.add(acc_d, eps, out=tmp)
            xp.sqrt(tmp, out=tmp)
            tmp *= g
            xp.add(acc_g, eps, out=tmp2)
            xp.sqrt(tmp2, out=tmp2)
            tmp /= tmp2
            xp.negative(tmp, out=tmp)
            acc_d *= rho
            xp.multiply(tmp, tmp, out=tmp2)
            tmp2 *= 1 - rho
            acc_d += tmp2
            tmp *= lr
            w += tmp

    def get_config(self) -> dict:
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Ftrl(Optimizer):
    """FTRL-proximal (McMahan et al.), Keras's formulation with accumulator n (starting at
    ``initial_accumulator_value``) and linear term z::

        n' = n + g²;  σ = (n'^(−p) − n^(−p)) / lr               (p = learning_rate_power)
        z ← z + g + 2·λ₂ₛ·w − σ·w
        w ← (clip(z, −λ₁, λ₁) − z) / (n'^(−p) / lr + 2·(λ₂ + β / (2·lr)));  n ← n'
    """

    _num_tmp = 3

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        for arg, value, sign in (
                ("initial_accumulator_value", initial_accumulator_value, "positive or zero"),
                ("l1_regularization_strength", l1_regularization_strength, "positive or zero"),
                ("l2_regularization_strength", l2_regularization_strength, "positive or zero"),
                ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength,
                 "positive or zero")):
            if value < 0.0:
                raise ValueError(f"`{arg}` needs to be {sign}. Received: {arg}={value}.")
        if learning_rate_power > 0.0:
            raise ValueError("`learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta
        self._state_names = ("accumulator", "linear")

    def _create_state(self, data) -> list:
        xp = _xp(data)
        return [xp.full_like(data, self.initial_accumulator_value), xp.zeros_like(data)]

    def _update_step(self, items, lr):
        power = -self.learning_rate_power
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        shrink = self.l2_shrinkage_regularization_strength
        for w, g, (acc, lin), (new_acc, quad, tmp) in items:
            xp = _xp(w)
            xp.multiply(g, g, out=new_acc)
            new_acc += acc
            xp.power(new_acc, power, out=quad)
            xp.power(acc, power, out=tmp)
            xp.subtract(quad, tmp, out=tmp)
            tmp /= lr
            tmp *= w                      # σ·w
            quad /= lr
            quad += 2 * l2                # the quadratic term
            acc[...] = new_acc
            xp.multiply(w, 2 * shrink, out=new_acc)
            new_acc += g                  # the gradient with shrinkage
            new_acc -= tmp
            lin += new_acc
            xp.clip(lin, -l1, l1, out=tmp)
            tmp -= lin
            xp.divide(tmp, quad, out=w)

    def get_config(self) -> dict:
        return {
            **super().get_config(), "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        }


class Lion(Optimizer):
    """Lion (Chen et al.): the sign of an interpolated momentum::

        w ← w − lr·sign(β₁·m + (1 − β₁)·g)
        m ← β₂·m + (1 − β₂)·g

    Args:
        learning_rate: 0.001; beta_1: 0.9 (in (0, 1]); beta_2: 0.99.
    """

    _num_tmp = 2

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self._state_names = ("momentum",)

    def _update_step(self, items, lr):
        b1, b2 = self.beta_1, self.beta_2
        for w, g, (m,), (tmp, tmp2) in items:
            xp = _xp(w)
            xp.multiply(m, b1, out=tmp)
            xp.multiply(g, 1.0 - b1, out=tmp2)
            tmp += tmp2
            xp.sign(tmp, out=tmp)
            tmp *= lr
            w -= tmp
            m *= b2
            xp.multiply(g, 1.0 - b2, out=tmp)
            m += tmp

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
