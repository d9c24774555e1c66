"""``Optimizer``: parameter groups, per-parameter state, ``state_dict`` and step hooks.

Subclasses implement ``step``. Their updates work on the raw arrays (``p._data``,
``p.grad._data``) with in-place ufuncs, so a step records nothing for autograd and allocates
nothing after the first one: state arrays are created lazily at the first step, and scratch
buffers come from a per-optimizer pool (``_scratch``) shared by parameters of one shape.
"""

from __future__ import annotations

import functools
import warnings
from collections import OrderedDict, defaultdict
from copy import deepcopy
from itertools import chain

from .. import backend as B
from ..autograd.grad_mode import enable_grad
from ..nn.module import RemovableHandle
from ..tensor import Tensor

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook",
           "register_optimizer_step_post_hook"]


class _RequiredParameter:
    """Marks an option that every parameter group must give (no default)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

_global_pre_hooks: OrderedDict = OrderedDict()
_global_post_hooks: OrderedDict = OrderedDict()


def register_optimizer_step_pre_hook(hook) -> RemovableHandle:
    """Call ``hook(optimizer, args, kwargs)`` before every optimizer's ``step``.

    It may return ``(new_args, new_kwargs)`` to replace the arguments.
    """
    handle = RemovableHandle(_global_pre_hooks)
    _global_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook) -> RemovableHandle:
    """Call ``hook(optimizer, args, kwargs)`` after every optimizer's ``step``."""
    handle = RemovableHandle(_global_post_hooks)
    _global_post_hooks[handle.id] = hook
    return handle


def _typename(obj) -> str:
    if isinstance(obj, Tensor):
        return f"ember.{type(obj).__name__}"
    t = type(obj)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _hooked_step(step):
    """Wrap a subclass's ``step`` so step pre/post hooks run (no cost when there are none)."""

    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        if not (self._optimizer_step_pre_hooks or self._optimizer_step_post_hooks
                or _global_pre_hooks or _global_post_hooks) or self._in_hooked_step:
            return step(self, *args, **kwargs)
        self._in_hooked_step = True
        try:
            for hook in chain(_global_pre_hooks.values(),
                              self._optimizer_step_pre_hooks.values()):
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            f"{hook} must return None or a tuple of (new_args, new_kwargs), "
                            f"but got {result}."
                        )
                    args, kwargs = result
            out = step(self, *args, **kwargs)
            for hook in chain(self._optimizer_step_post_hooks.values(),
                              _global_post_hooks.values()):
                hook(self, args, kwargs)
            return out
        finally:
            self._in_hooked_step = False

    wrapper._ember_hooked = True
    return wrapper


class Optimizer:
    """Base class for all optimizers.

    Args:
        params: an iterable of tensors, of dicts (parameter groups: ``{"params": [...],
            "lr": ...}`` with per-group options), or of ``(name, tensor)`` pairs (from
            ``model.named_parameters()``; the names are kept in ``param_names``).
        defaults: the options a group takes when it doesn't set them.

    Parameters must come in a deterministic order (a list, not a set): ``state_dict`` refers
    to them by position.

    >>> import ember
    >>> w = ember.nn.Parameter(ember.ones(2))
    >>> opt = ember.optim.SGD([w], lr=0.5)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    Parameter containing:
    tensor([0., 0.], requires_grad=True)
    """

    _in_hooked_step = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_ember_hooked", False):
            cls.step = _hooked_step(step)

    def __init__(self, params, defaults: dict) -> None:
        self.defaults = defaults
        self._optimizer_step_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._scratch: dict = {}
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {_typename(params)}; pass [tensor] or model.parameters()"
            )
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # -- pickling and printing ----------------------------------------------------------------

    def __getstate__(self) -> dict:
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
                     "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
                     "_optimizer_load_state_dict_pre_hooks",
                     "_optimizer_load_state_dict_post_hooks"):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        if "_scratch" not in self.__dict__:
            self._scratch = {}
        self.defaults.setdefault("differentiable", False)
        for group in self.param_groups:
            for p in group["params"]:
                st = self.state.get(p)
                if st and "step" in st and not isinstance(st["step"], Tensor):
                    st["step"] = _step_tensor(float(st["step"]))

    def __repr__(self) -> str:
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"

    # -- groups -------------------------------------------------------------------------------

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters (with its own options) to ``param_groups``.

        Useful to start training layers that were frozen; options the group doesn't give
        come from the optimizer's defaults.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            param_group["params"] = list(params)

        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
            param_group["param_names"] = names

        for param in tensors:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(param))
            if not self.defaults.get("differentiable", None) and not (
                    param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)

        ids = [id(p) for p in tensors]
        if len(ids) != len(set(ids)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "in future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen: set = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # -- gradients and steps ------------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors.

        ``set_to_none=True`` (the default) drops them (``p.grad`` becomes None, and a step
        skips the parameter until a new gradient arrives); ``False`` fills them with zeros in
        place (a step then still applies momentum and weight decay).
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g._requires_grad = False
                    g._data.fill(0)
                    g._vc[0] += 1

    def step(self, closure=None):
        """Do one optimization step; ``closure`` re-evaluates the model and returns the loss."""
        raise NotImplementedError(
            f"{type(self).__name__} does not implement step(); optimizers derived from "
            "ember.optim.Optimizer must define step(closure=None)"
        )

    @staticmethod
    def _closure_loss(closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _buffers(self, a, n: int) -> list:
        """``n`` scratch arrays shaped like ``a``, shared by every parameter of that shape."""
        key = (a.shape, a.dtype, getattr(a, "device", None))
        bufs = self._scratch.get(key)
        if bufs is None or len(bufs) < n:
            xp = B.module_of(a)
            bufs = (bufs or []) + [xp.empty(a.shape, a.dtype) for _ in range(n - len(bufs or []))]
            self._scratch[key] = bufs
        return bufs

    # -- hooks --------------------------------------------------------------------------------

    def register_step_pre_hook(self, hook) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` before ``step``; it may return new args."""
        handle = RemovableHandle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` after ``step``."""
        handle = RemovableHandle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[handle.id] = hook
        return handle

    def register_state_dict_pre_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(optimizer)`` before ``state_dict`` builds its result."""
        return _register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(optimizer, state_dict)``; a returned dict replaces the state dict."""
        return _register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(optimizer, state_dict)`` first in ``load_state_dict``; may return one."""
        return _register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(optimizer)`` after ``load_state_dict``."""
        return _register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # -- state_dict ---------------------------------------------------------------------------

    def state_dict(self) -> dict:
        """The optimizer's state as ``{"state": {index: {...}}, "param_groups": [...]}``.

        Parameters are replaced by their position across all groups (0, 1, ...); each group
        keeps its options and lists the positions of its parameters under ``"params"``. The
        state tensors are the live ones (like PyTorch): ``copy.deepcopy`` the result to keep a
        snapshot while training goes on.
        """
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        mapping: dict[int, int] = {}
        start = 0

        def pack(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        groups = [pack(g) for g in self.param_groups]
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v
                 for k, v in self.state.items()}
        sd = {"state": state, "param_groups": groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, sd)
            if result is not None:
                sd = result
        return sd

    def load_state_dict(self, state_dict: dict) -> None:
        """Load a ``state_dict`` from an optimizer of the same kind over the same parameters.

        Group count and sizes must match. State tensors are copied; floating ones take the
        parameter's dtype and device (``step`` keeps its own). PyTorch tensors in the state
        (a ``torch.optim`` state_dict) are converted. Load after creating any LR scheduler,
        since creating one resets the groups' ``lr``.
        """
        state_dict = state_dict.copy()
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param, value, key=None):
            if not isinstance(value, Tensor) and _is_foreign_tensor(value):
                value = Tensor._make(value.detach().cpu().numpy())  # e.g. from torch
            if isinstance(value, Tensor):
                return _cast_state_tensor(param, value, key)
            if isinstance(value, dict):
                return {k: cast(param, v, k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v) for v in value)
            return value

        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = cast(param, v)
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)


def _register(hooks: OrderedDict, hook, prepend: bool) -> RemovableHandle:
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def _cast_state_tensor(param: Tensor, value: Tensor, key) -> Tensor:
    """A copy of ``value`` on ``param``'s device (and dtype, for floating state but ``step``)."""
    data = value._data
    if key == "step":
        return Tensor._make(data.copy())
    data = B.to_device(data, param.device)
    if param._data.dtype.kind == "f" and data.dtype != param._data.dtype:
        return Tensor._make(data.astype(param._data.dtype))
    return Tensor._make(data.copy() if data is value._data else data)


def _is_foreign_tensor(value) -> bool:
    """A tensor of another library with PyTorch's ``detach().cpu().numpy()`` (a torch state)."""
    return all(hasattr(value, name) for name in ("detach", "cpu", "numpy", "shape"))


def _step_tensor(value: float = 0.0) -> Tensor:
    """A 0-d float32 CPU tensor: how PyTorch keeps ``state["step"]`` by default."""
    xp = B.array_module(B.CPU)
    return Tensor._make(xp.full((), value, dtype=xp.float32))


def _check_not_differentiable(differentiable: bool) -> None:
    if differentiable:
        raise NotImplementedError(
            "differentiable=True is not supported: ember optimizers update the parameters' "
            "arrays in place and record nothing for autograd; leave differentiable=False"
        )


def _check_lr(lr) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_betas(betas) -> None:
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


def _check_nonneg(name: str, value, label: str | None = None) -> None:
    if not 0.0 <= value:
        raise ValueError(f"Invalid {label or name} value: {value}")


# -- update helpers shared by the optimizers (arrays in, arrays out; xp is numpy or cupy) ----


def _effective_grad(xp, p, g, maximize: bool, weight_decay: float, buf):
    """The gradient a step uses: ±g (sign by ``maximize``) plus ``weight_decay``·p (L2).

    Returns ``g`` itself when nothing changes, otherwise ``buf`` holding the result.
    """
    if weight_decay != 0:
        xp.multiply(p, weight_decay, out=buf)
        if maximize:
            xp.subtract(buf, g, out=buf)
        else:
            xp.add(buf, g, out=buf)
        return buf
    if maximize:
        xp.negative(g, out=buf)
        return buf
    return g


def _lerp_(xp, a, b, w: float, tmp) -> None:
    """a ← a + w·(b − a) in place, computed like PyTorch's ``lerp_`` (its w ≥ 0.5 branch too)."""
    xp.subtract(b, a, out=tmp)
    if w < 0.5:
        tmp *= w
        a += tmp
    else:
        tmp *= 1.0 - w
        xp.subtract(b, tmp, out=a)


def _ema_sq_(xp, v, g, beta: float, tmp) -> None:
    """v ← β·v + (1 − β)·g² in place (``v.mul_(β).addcmul_(g, g, value=1 − β)``)."""
    v *= beta
    xp.multiply(g, 1.0 - beta, out=tmp)
    tmp *= g
    v += tmp


def _addcdiv_(xp, p, num, den, value: float, tmp) -> None:
    """p ← p + (value·num) / den in place, like ``addcdiv_``; ``tmp`` may be num, not den."""
    xp.multiply(num, value, out=tmp)
    tmp /= den
    p += tmp
