"""The Keras 3 ``Optimizer`` base: learning rate (or schedule), iterations, clipping, decoupled
weight decay, EMA and gradient accumulation around a per-algorithm ``_update_step``.

Updates run in place on the parameters' arrays (``p._data``) with ufuncs writing into state
arrays created once in ``build`` and scratch buffers shared by parameters of one shape: a step
records nothing for autograd and allocates nothing, like ``ember.optim``. The order of work in
one ``apply`` follows Keras (``BaseOptimizer._backend_apply_gradients``): unscale by
``loss_scale_factor``, accumulate (when ``gradient_accumulation_steps``), clip, decay the weights
(``w ← w − w·wd·lr``), update, update the EMA, count the iteration.
"""

from __future__ import annotations

import math
import numbers
import re
import warnings

import numpy as np

from ... import backend as B
from ...autograd.grad_mode import enable_grad
from ...tensor import Tensor
from ..layers.layer import unique_name
from ..losses import to_snake_case
from . import schedules as _schedules

__all__ = ["Optimizer"]


def _number(value) -> float | None:
    """``value`` as a Python float if it is a real number (or a one-element tensor)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Tensor):
        return float(value.item()) if value.numel() == 1 else None
    return float(value) if isinstance(value, numbers.Real) else None


class Optimizer:
    """Base class of the Keras optimizers.

    Args:
        learning_rate: a float, a ``LearningRateSchedule`` (evaluated at ``iterations``) or a
            callable of no arguments returning the rate.
        weight_decay: decoupled weight decay: each step first does ``w ← w − w·wd·lr``.
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient element to [−clipvalue, clipvalue].
        global_clipnorm: scale all gradients so that their joint L2 norm is at most this.
        use_ema: keep an exponential moving average of the weights (``ema_momentum``, 0.99);
            every ``ema_overwrite_frequency`` steps (and at ``finalize_variable_values``) the
            weights are replaced by it.
        loss_scale_factor: gradients are divided by it (``scale_loss`` multiplies the loss).
        gradient_accumulation_steps: update only every that many steps, with the mean of the
            gradients seen since the last update.
        name: the optimizer's name.

    Use it Keras's way (``apply(grads, variables)``, ``apply_gradients(zip(grads, vars))``) or
    PyTorch's (``build(model.parameters())`` once, then ``zero_grad()``, ``backward()``,
    ``step()``).

    >>> import ember
    >>> from ember.keras.optimizers import SGD
    >>> w = ember.nn.Parameter(ember.tensor([1.0, 2.0]))
    >>> opt = SGD(learning_rate=0.1)
    >>> opt.apply([ember.tensor([1.0, 1.0])], [w])
    >>> w.data, opt.iterations
    (tensor([0.9000, 1.9000]), 1)
    """

    _state_names: tuple = ()
    _num_tmp = 1

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.",
                          stacklevel=2)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        # Keras 3 names an optimizer after its class, made unique: sgd, adam_1, rm_sprop
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
                             f"set. Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        self.use_ema = use_ema
        if use_ema:
            if not 0 <= ema_momentum <= 1:
                raise ValueError("`ema_momentum` must be in the range [0, 1]. Received: "
                                 f"ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int)
                                            or ema_overwrite_frequency < 1):
                raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                                 f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        if gradient_accumulation_steps and not gradient_accumulation_steps >= 2:
            raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. Received: "
                             f"gradient_accumulation_steps={gradient_accumulation_steps}")
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._learning_rate = self._check_learning_rate(learning_rate)
        self._iterations = 0
        self.built = False
        self._trainable_variables: list = []
        self._index: dict = {}
        self._exclude_ids: set = set()
        self._exclude_names: tuple = ()

    # -- learning rate and iterations ---------------------------------------------------------

    @staticmethod
    def _check_learning_rate(learning_rate):
        if isinstance(learning_rate, _schedules.LearningRateSchedule) or (
                callable(learning_rate) and not isinstance(learning_rate, Tensor)):
            return learning_rate
        value = _number(learning_rate)
        if value is None:
            raise ValueError("Argument `learning_rate` should be float, or an instance of "
                             "LearningRateSchedule, or a callable (that takes in the current "
                             "iteration value and returns the corresponding learning rate "
                             f"value). Received instead: learning_rate={learning_rate!r}")
        return value

    @property
    def learning_rate(self) -> float:
        """The current rate: the float, or the schedule evaluated at ``iterations``."""
        lr = self._learning_rate
        if isinstance(lr, float):
            return lr
        if isinstance(lr, _schedules.LearningRateSchedule):
            return float(lr(self._iterations))
        return float(lr())

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if isinstance(self._learning_rate, _schedules.LearningRateSchedule) and not (
                isinstance(value, _schedules.LearningRateSchedule) or callable(value)):
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as "
                            "its `learning_rate` constructor argument, hence its learning rate "
                            "is not settable. If you need the learning rate to be settable, you "
                            "should instantiate the optimizer with a float `learning_rate` "
                            "argument.")
        self._learning_rate = self._check_learning_rate(value)

    lr = learning_rate  # the tf.keras 2 name, still used by older callbacks

    @property
    def iterations(self) -> int:
        """The number of updates applied (of ``apply`` calls divided by
        ``gradient_accumulation_steps`` when accumulating)."""
        if self.gradient_accumulation_steps:
            return self._iterations // self.gradient_accumulation_steps
        return self._iterations

    @iterations.setter
    def iterations(self, value: int) -> None:
        self._iterations = int(value)

    # -- building -----------------------------------------------------------------------------

    def build(self, variables) -> None:
        """Create the optimizer's state for ``variables`` (the trainable parameters).

        Later ``apply`` calls may pass these variables (or a subset) or none at all.
        """
        if self.built:
            return
        variables = list(variables)
        for i, v in enumerate(variables):
            if not isinstance(v, Tensor) or not v.is_floating_point():
                raise ValueError(f"{type(self).__name__}.build(): variable {i} must be a "
                                 f"floating-point ember tensor (a Parameter), got "
                                 f"{type(v).__name__}" + (f" of dtype {v.dtype}"
                                                          if isinstance(v, Tensor) else ""))
        self._trainable_variables = variables
        self._index = {id(v): i for i, v in enumerate(variables)}
        self._slots = [tuple(self._create_state(v._data)) for v in variables]
        scratch: dict = {}
        self._tmps = []
        for v in variables:
            d = v._data
            key = (d.shape, d.dtype.str, type(d))
            if key not in scratch:
                scratch[key] = tuple(v.xp.empty_like(d) for _ in range(self._num_tmp))
            self._tmps.append(scratch[key])
        if self.use_ema:
            self._averages = [v.xp.zeros_like(v._data) for v in variables]
        if self.gradient_accumulation_steps:
            self._accumulators = [v.xp.zeros_like(v._data) for v in variables]
        self.built = True

    def _create_state(self, data) -> list:
        """The per-variable state arrays, in the order of ``_state_names`` (zeros here)."""
        xp = B.module_of(data)
        return [xp.zeros_like(data) for _ in self._state_names]

    @property
    def variables(self) -> list:
        """The optimizer's state as ember tensors sharing memory with it: iterations, the
        learning rate (when it is a float), then each kind of state for every variable."""
        out = [Tensor._make(np.asarray(self._iterations, dtype=np.int64))]
        if isinstance(self._learning_rate, float):
            out.append(Tensor._make(np.asarray(self._learning_rate, dtype=np.float32)))
        for _, arrays in self._named_state():
            out.extend(Tensor._make(a) for a in arrays)
        return out

    def _named_state(self) -> list:
        """(name, [array per variable]) for every kind of per-variable state."""
        if not self.built:
            return []
        named = []
        if self.use_ema:
            named.append(("average", self._averages))
        if self.gradient_accumulation_steps:
            named.append(("gradient_accumulator", self._accumulators))
        for k, name in enumerate(self._state_names):
            named.append((name, [slots[k] for slots in self._slots]))
        return named

    def _extra_state(self) -> dict:
        """Scalar state beyond the per-variable arrays (Nadam's running product)."""
        return {}

    def _set_extra_state(self, state: dict) -> None:
        return None

    # -- applying gradients -------------------------------------------------------------------

    def apply_gradients(self, grads_and_vars) -> int:
        """``apply`` for an iterable of (gradient, variable) pairs; returns ``iterations``."""
        pairs = list(grads_and_vars)
        if not pairs:
            return self.iterations
        grads, variables = zip(*pairs)
        self.apply(list(grads), list(variables))
        return self.iterations

    def apply(self, grads, trainable_variables=None) -> None:
        """Update ``trainable_variables`` (default: those of ``build``) with ``grads``.

        The optimizer is built on the first variables it sees; later calls must use those
        variables. ``None`` gradients are skipped with a warning, as in Keras.
        """
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer must "
                                 "already be built on a list of variables. Call "
                                 "`optimizer.build(trainable_variables)` first.")
            if len(grads) != len(self._trainable_variables):
                raise ValueError(f"{type(self).__name__}.apply(): got {len(grads)} gradients "
                                 f"for the {len(self._trainable_variables)} variables the "
                                 "optimizer was built with; pass one per variable (or pass "
                                 "the variables too)")
            indices = range(len(grads))
        else:
            variables = list(trainable_variables)
            if len(variables) != len(grads):
                raise ValueError(f"{type(self).__name__}.apply(): got {len(grads)} gradients "
                                 f"but {len(variables)} variables; they pair up one to one")
            if not self.built:
                self.build(variables)
            indices = [self._variable_index(v) for v in variables]
        kept, missing = [], []
        for i, g in zip(indices, grads):
            if g is None:
                missing.append(i)
            else:
                kept.append((i, self._grad_array(i, g)))
        if not kept:
            raise ValueError("No gradients provided for any variable.")
        if missing:
            names = [self._variable_name(i) for i in missing]
            warnings.warn(f"Gradients do not exist for variables {names} when minimizing the "
                          "loss. If using `model.compile()`, did you forget to provide a "
                          "`loss` argument?", stacklevel=2)
        self._apply_arrays(kept)

    def _grad_array(self, i: int, g):
        """The array of gradient ``g`` for variable ``i``, checked against its shape."""
        v = self._trainable_variables[i]
        arr = g._data if isinstance(g, Tensor) else v.xp.asarray(g)
        if arr.shape != v._data.shape:
            raise ValueError(f"{type(self).__name__}.apply(): the gradient for "
                             f"{self._describe(v)} has shape {tuple(arr.shape)}; it must match "
                             "the variable's shape")
        return arr

    def _variable_index(self, v) -> int:
        i = self._index.get(id(v))
        if i is None:
            raise ValueError(f"Unknown variable: {self._describe(v)}. This optimizer can only "
                             "be called for the variables it was originally built with. When "
                             "working with a new set of variables, you should recreate a new "
                             "optimizer instance.")
        return i

    @staticmethod
    def _describe(v) -> str:
        name = getattr(v, "path", None) or getattr(v, "name", None)
        shape = tuple(v.shape) if hasattr(v, "shape") else "?"
        return f"{name} (shape {shape})" if name else f"a tensor of shape {shape}"

    def _variable_name(self, i: int) -> str:
        v = self._trainable_variables[i]
        return getattr(v, "path", None) or getattr(v, "name", None) or f"variable_{i}"

    def step(self, closure=None):
        """PyTorch-style step: apply the ``.grad`` of the built variables (those without a
        gradient are skipped); ``closure`` re-evaluates the model and returns the loss."""
        if not self.built:
            raise ValueError(f"{type(self).__name__}.step() needs the variables first: call "
                             "optimizer.build(model.parameters()) once before training, or use "
                             "optimizer.apply(grads, variables)")
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        kept = [(i, v._grad._data) for i, v in enumerate(self._trainable_variables)
                if v._grad is not None and v._requires_grad]
        if kept:
            self._apply_arrays(kept)
        return loss

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of the built variables (PyTorch's ``zero_grad``)."""
        for v in self._trainable_variables:
            if v._grad is None:
                continue
            if set_to_none:
                v._grad = None
            else:
                v._grad._data[...] = 0

    def scale_loss(self, loss):
        """``loss`` times ``loss_scale_factor`` (when set), before computing gradients."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    def _apply_arrays(self, kept: list) -> None:
        """The hot path: ``kept`` is [(variable index, gradient array)]."""
        if self.loss_scale_factor is not None:
            kept = [(i, g / self.loss_scale_factor) for i, g in kept]
        steps = self.gradient_accumulation_steps
        updating = not steps or (self._iterations + 1) % steps == 0
        if not updating:
            for i, g in kept:
                self._accumulators[i] += g
        else:
            if steps:
                kept = [(i, (g + self._accumulators[i]) / steps) for i, g in kept]
            kept = self._clip(kept)
            lr = self.learning_rate
            variables = self._trainable_variables
            if self.weight_decay:
                self._apply_weight_decay(kept, lr)
            self._update_step([(variables[i]._data, g, self._slots[i], self._tmps[i])
                               for i, g in kept], lr)
            if steps:
                for i, _ in kept:
                    self._accumulators[i][...] = 0
        if self.use_ema:
            self._update_ema()
        if updating:  # the arrays changed in place: saved tensors of old graphs are stale
            for i, _ in kept:
                self._trainable_variables[i]._vc[0] += 1
        self._iterations += 1

    def _clip(self, kept: list) -> list:
        if self.clipnorm and self.clipnorm > 0:
            c = self.clipnorm
            out = []
            for i, g in kept:
                norm = math.sqrt(float((g * g).sum()))
                out.append((i, g * (c / norm) if norm > c else g))
            return out
        if self.global_clipnorm and self.global_clipnorm > 0:
            c = self.global_clipnorm
            norm = math.sqrt(sum(float((g * g).sum()) for _, g in kept))
            if not math.isfinite(norm):
                return [(i, g * math.nan) for i, g in kept]
            if norm <= c:
                return kept
            return [(i, g * (c / norm)) for i, g in kept]
        if self.clipvalue and self.clipvalue > 0:
            v = self.clipvalue
            return [(i, g.clip(-v, v)) for i, g in kept]
        return kept

    # -- weight decay -------------------------------------------------------------------------

    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Exempt variables from weight decay: those in ``var_list``, and those whose name
        (``kernel``, ``bias``, ``gamma``: the weight's ``name``, not its path) matches one of
        the regular expressions ``var_names`` (Keras's ``re.search``). Call before the
        optimizer is built."""
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the "
                             "optimizer is built.")
        self._exclude_ids = {id(v) for v in (var_list or [])}
        self._exclude_names = tuple(var_names or ())

    def _use_weight_decay(self, i: int) -> bool:
        v = self._trainable_variables[i]
        if id(v) in self._exclude_ids:
            return False
        name = getattr(v, "name", None) or ""
        return not any(re.search(pattern, name) for pattern in self._exclude_names)

    def _apply_weight_decay(self, kept: list, lr: float) -> None:
        factor = self.weight_decay * lr
        any_excluded = bool(self._exclude_ids or self._exclude_names)
        for i, _ in kept:
            if not any_excluded or self._use_weight_decay(i):
                p = self._trainable_variables[i]._data
                tmp = self._tmps[i][0]
                B.module_of(p).multiply(p, factor, out=tmp)
                p -= tmp

    # -- EMA ----------------------------------------------------------------------------------

    def _update_ema(self) -> None:
        momentum = self.ema_momentum if self.iterations != 0 else 0.0
        for var, avg in zip(self._trainable_variables, self._averages):
            avg *= momentum
            avg += (1 - momentum) * var._data
        freq = self.ema_overwrite_frequency
        if freq and (self.iterations + 1) % freq == 0:
            self._overwrite_with_average()

    def _overwrite_with_average(self) -> None:
        for var, avg in zip(self._trainable_variables, self._averages):
            var._data[...] = avg
            var._vc[0] += 1

    def finalize_variable_values(self, var_list=None) -> None:
        """At the end of training: with ``use_ema``, set the weights to their moving average."""
        if self.use_ema and self.built:
            self._overwrite_with_average()

    # -- the algorithm ------------------------------------------------------------------------

    def _update_step(self, items: list, lr: float) -> None:
        """Update every (param array, grad array, state tuple, scratch tuple) in ``items``."""
        raise NotImplementedError(f"{type(self).__name__} must implement _update_step")

    # -- state and config ---------------------------------------------------------------------

    def state_dict(self) -> dict:
        """The optimizer's state as a flat dict of ember tensors (safetensors-friendly):
        ``iterations``, ``learning_rate`` (a float rate), and ``<state>/<variable index>``."""
        out = {"iterations": Tensor._make(np.asarray(self._iterations, dtype=np.int64))}
        if isinstance(self._learning_rate, float):
            out["learning_rate"] = Tensor._make(np.asarray(self._learning_rate))
        for key, value in self._extra_state().items():
            out[key] = Tensor._make(np.asarray(value))
        for name, arrays in self._named_state():
            for i, a in enumerate(arrays):
                out[f"{name}/{i}"] = Tensor._make(a.copy())
        return out

    def load_state_dict(self, state: dict) -> None:
        """Restore what ``state_dict`` returned (the optimizer must be built on variables of
        the same shapes)."""
        def value(key):
            v = state[key]
            return v.numpy(force=True) if isinstance(v, Tensor) else v

        named = self._named_state()
        expected = {f"{name}/{i}" for name, arrays in named for i in range(len(arrays))}
        found = {k for k in state if "/" in k}
        if expected != found:
            raise ValueError(f"{type(self).__name__}.load_state_dict(): the state holds "
                             f"{sorted(found)[:4]}... ({len(found)} arrays) but this optimizer "
                             f"has {len(expected)}; build it on the same variables first")
        self._iterations = int(value("iterations"))
        if "learning_rate" in state and isinstance(self._learning_rate, float):
            self._learning_rate = float(value("learning_rate"))
        self._set_extra_state({k: float(value(k)) for k in self._extra_state() if k in state})
        for name, arrays in named:
            for i, a in enumerate(arrays):
                src = value(f"{name}/{i}")
                if tuple(src.shape) != tuple(a.shape):
                    raise ValueError(f"{type(self).__name__}.load_state_dict(): {name}/{i} has "
                                     f"shape {tuple(src.shape)}, the variable {tuple(a.shape)}")
                a[...] = B.module_of(a).asarray(src)

    def save_own_variables(self, store) -> None:
        """Keras's saving hook: ``store["0"], store["1"], ...`` = ``variables`` as arrays."""
        for i, v in enumerate(self.variables):
            store[str(i)] = v.numpy(force=True).copy()

    def load_own_variables(self, store) -> None:
        """Keras's loading hook: the inverse of ``save_own_variables``."""
        variables = self.variables
        if len(store.keys()) != len(variables):
            warnings.warn(f"Skipping variable loading for optimizer '{self.name}', because it "
                          f"has {len(variables)} variables whereas the saved optimizer has "
                          f"{len(store.keys())} variables. " + (
                              "This is likely because the optimizer has not been called/built "
                              "yet." if not self.built else ""), stacklevel=2)
            return
        self._iterations = int(store["0"])
        offset = 1
        if isinstance(self._learning_rate, float):
            self._learning_rate = float(store["1"])
            offset = 2
        for k, v in enumerate(variables[offset:]):
            v._data[...] = store[str(k + offset)]

    def get_config(self) -> dict:
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            lr = _schedules.serialize(lr)
        elif not isinstance(lr, float):
            lr = {"class_name": "function", "config": getattr(lr, "__name__", repr(lr))}
        return {
            "name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue, "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(config["learning_rate"],
                                                             custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        lr = self._learning_rate
        lr = lr if isinstance(lr, float) else type(lr).__name__
        return f"<{type(self).__name__} name={self.name}, learning_rate={lr}>"

