"""``Module``: the base of every layer and model, with PyTorch's registration and traversal."""

from __future__ import annotations

import itertools
from collections import OrderedDict, namedtuple

from ..tensor import Tensor
from .parameter import Buffer, Parameter

_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class _IncompatibleKeysRepr(_IncompatibleKeys):
    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


class RemovableHandle:
    """Returned by the ``register_*_hook`` methods; ``remove()`` unregisters the hook."""

    _ids = itertools.count()

    def __init__(self, hooks: dict):
        self.hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self):
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Module:
    """Base class for all neural-network modules.

    Parameters, buffers and submodules assigned as attributes are registered automatically:

    >>> import ember
    >>> class Net(ember.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc = ember.nn.Linear(4, 2)
    ...     def forward(self, x):
    ...         return self.fc(x).relu()
    >>> [name for name, _ in Net().named_parameters()]
    ['fc.weight', 'fc.bias']
    """

    training: bool
    _version = 1

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__() got unexpected arguments; Module.__init__ "
                "takes none (did you forget to define __init__ with your own arguments?)"
            )
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["_backward_hooks"] = OrderedDict()

    forward = None  # subclasses define forward(self, *inputs)

    # -- calling -------------------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks):
            return self._forward(*args, **kwargs)
        for hook in list(self._forward_pre_hooks.values()):
            r = hook(self, args)
            if r is not None:
                args = r if isinstance(r, tuple) else (r,)
        if self._backward_hooks:
            from .hooks import wrap_backward_hooks

            args, finish = wrap_backward_hooks(self, args)
        out = self._forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            r = hook(self, args, out)
            if r is not None:
                out = r
        if self._backward_hooks:
            out = finish(out)
        return out

    def _forward(self, *args, **kwargs):
        forward = self.forward
        if forward is None:
            raise NotImplementedError(
                f'Module [{type(self).__name__}] is missing the required "forward" function'
            )
        try:
            return forward(*args, **kwargs)
        except (RuntimeError, ValueError, TypeError, IndexError) as e:
            _add_module_to_trail(e, self)
            raise

    # -- registration --------------------------------------------------------------------------

    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._discard(name)
            params[name] = value
        elif isinstance(value, Module):
            if d.get("_modules") is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._discard(name)
            d["_modules"][name] = value
        elif isinstance(value, Buffer):
            self.register_buffer(name, value, value.persistent)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                    "(ember.nn.Parameter or None expected)"
                )
            params[name] = None
        elif d.get("_modules") is not None and name in d["_modules"]:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' "
                    "(ember.nn.Module or None expected)"
                )
            d["_modules"][name] = None
        elif d.get("_buffers") is not None and name in d["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                    "(ember.Tensor or None expected)"
                )
            d["_buffers"][name] = value
        else:
            object.__setattr__(self, name, value)

    def _discard(self, name):
        d = self.__dict__
        d.pop(name, None)
        for key in ("_parameters", "_modules", "_buffers"):
            if name in d[key]:
                del d[key][name]
        d["_non_persistent_buffers_set"].discard(name)

    def __getattr__(self, name):
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            store = d.get(key)
            if store is not None and name in store:
                return store[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            if name in d[key]:
                del d[key][name]
                d["_non_persistent_buffers_set"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        keys = list(super().__dir__())
        keys += list(self._parameters) + list(self._buffers) + list(self._modules)
        return sorted(set(keys))

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        _check_name(self, name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                "(ember.nn.Parameter or None required)"
            )
        self._discard(name)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register a tensor that is state but not a parameter (e.g. BatchNorm's running mean);
        ``persistent=False`` keeps it out of ``state_dict``."""
        _check_name(self, name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                "(ember.Tensor or None required)"
            )
        if isinstance(tensor, Buffer):
            tensor = Tensor._make(tensor._data)
        self._discard(name)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _check_name(self, name, "module", allow_dots=False)
        self._discard(name)
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        mod = self
        for item in target.split(".") if target else ():
            if item not in mod._modules:
                raise AttributeError(f"{mod._get_name()} has no attribute `{item}`")
            mod = mod._modules[item]
        return mod

    def get_parameter(self, target: str) -> Parameter:
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._parameters:
            raise AttributeError(f"{mod._get_name()} has no parameter `{name}`")
        return mod._parameters[name]

    def get_buffer(self, target: str) -> Tensor:
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._buffers:
            raise AttributeError(f"{mod._get_name()} has no buffer `{name}`")
        return mod._buffers[name]

    # -- traversal -----------------------------------------------------------------------------

    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, get, prefix="", recurse=True, remove_duplicate=True):
        seen = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for mod_prefix, mod in mods:
            for name, value in get(mod):
                if value is None:
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield mod_prefix + ("." if mod_prefix else "") + name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True):
        yield from self._named_members(lambda m: m._parameters.items(), prefix, recurse,
                                       remove_duplicate)

    def parameters(self, recurse: bool = True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True):
        yield from self._named_members(lambda m: m._buffers.items(), prefix, recurse,
                                       remove_duplicate)

    def buffers(self, recurse: bool = True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # -- modes and conversions -----------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                g = p.grad
                if g.grad_fn is not None:
                    g = g.detach()
                    p.grad = g
                g._data[...] = 0
                g._vc[0] += 1

    def apply(self, fn) -> Module:
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def _apply(self, convert) -> Module:
        """Replace every parameter's and buffer's data with ``convert(tensor)`` in place, so
        existing references (e.g. in an optimizer) see the converted values."""
        for m in self.modules():
            for p in m._parameters.values():
                if p is None:
                    continue
                new = convert(p)
                if new is not p:
                    p._data = new._data
                    p._vc[0] += 1
                    if p.grad is not None:
                        p._grad = convert(p.grad).detach()
            for key, b in m._buffers.items():
                if b is not None:
                    m._buffers[key] = convert(b)
        return self

    def to(self, *args, **kwargs) -> Module:
        """Move and/or cast parameters and buffers: ``to(device)``, ``to(dtype)``, ``to(tensor)``.

        Only floating-point tensors change dtype; integer buffers keep theirs, like PyTorch.
        """
        from .. import backend as B

        dev, dt = None, None
        for a in list(args) + [kwargs.get("device"), kwargs.get("dtype")]:
            if a is None:
                continue
            if isinstance(a, Tensor):
                dev, dt = a.device, a.dtype
            elif isinstance(a, (str, B.device, int)) and not isinstance(a, bool):
                dev = B.as_device(a)
            else:
                dt = B.as_dtype(a)
        if dt is not None and not dt.is_floating_point:
            raise TypeError(
                f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dt}"
            )

        def convert(t):
            out = t
            if dt is not None and t.is_floating_point():
                out = out.to(dt)
            if dev is not None:
                out = out.to(dev)
            return out.detach() if out is not t else t

        return self._apply(convert)

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self, device=None) -> Module:
        return self.to("cuda" if device is None else device)

    def float(self) -> Module:
        return self._cast("float32")

    def double(self) -> Module:
        return self._cast("float64")

    def half(self) -> Module:
        return self._cast("float16")

    def _cast(self, name):
        from .. import backend as B

        dt = B.as_dtype(name)
        def convert(t):
            return t.to(dt).detach() if t.is_floating_point() and t.dtype is not dt else t

        return self._apply(convert)

    def share_memory(self) -> Module:
        return self

    # -- state dicts ---------------------------------------------------------------------------

    def state_dict(self, *args, destination=None, prefix: str = "", keep_vars: bool = False):
        """An ordered dict of every parameter and persistent buffer by dotted name."""
        if destination is None:
            destination = OrderedDict()
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()
        extra = getattr(type(self), "get_extra_state", None)
        if extra is not None:
            destination[prefix + "_extra_state"] = self.get_extra_state()
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(destination=destination, prefix=prefix + name + ".",
                             keep_vars=keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy values from ``state_dict`` into this module's parameters and buffers.

        With ``strict=True`` missing or unexpected keys raise an error listing them; the return
        value names them either way. Shapes must match exactly.
        """
        if not hasattr(state_dict, "keys"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing, unexpected, errors = [], [], []
        own = {}
        for prefix, m in self.named_modules():
            p = prefix + "." if prefix else ""
            for name, t in m._parameters.items():
                if t is not None:
                    own[p + name] = (m, name, t, "_parameters")
            for name, t in m._buffers.items():
                if t is not None and name not in m._non_persistent_buffers_set:
                    own[p + name] = (m, name, t, "_buffers")
            if getattr(type(m), "set_extra_state", None) is not None:
                own[p + "_extra_state"] = (m, "_extra_state", None, "extra")
        for key in state_dict.keys():
            if key not in own:
                unexpected.append(key)
        for key, (m, name, t, kind) in own.items():
            if key not in state_dict:
                missing.append(key)
                continue
            value = state_dict[key]
            if kind == "extra":
                m.set_extra_state(value)
                continue
            value = _as_ember_tensor(value)
            if tuple(value.shape) != tuple(t.shape):
                errors.append(
                    f'size mismatch for {key}: copying a param with shape {tuple(value.shape)} '
                    f"from checkpoint, the shape in current model is {tuple(t.shape)}."
                )
                continue
            if assign and kind == "_parameters":
                m._parameters[name] = Parameter(value.detach(), t.requires_grad)
            else:
                data = value._data
                if data.dtype != t._data.dtype:
                    data = data.astype(t._data.dtype)
                if type(data) is not type(t._data):
                    from .. import backend as B

                    data = B.to_device(data, t.device)
                t._data[...] = data
                t._vc[0] += 1
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in unexpected) + ". ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {self._get_name()}:\n\t" + "\n\t".join(errors)
            )
        return _IncompatibleKeysRepr(missing, unexpected)

    # -- hooks ---------------------------------------------------------------------------------

    def register_forward_pre_hook(self, hook) -> RemovableHandle:
        """``hook(module, args)`` runs before ``forward``; it may return replacement args."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook) -> RemovableHandle:
        """``hook(module, args, output)`` runs after ``forward``; it may return a new output."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    def register_full_backward_hook(self, hook) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` runs when the gradients w.r.t. the module's
        inputs are computed; it may return replacement ``grad_input``."""
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        return handle

    register_backward_hook = register_full_backward_hook

    # -- printing ------------------------------------------------------------------------------

    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        children = []
        for name, m in self._modules.items():
            text = repr(m).replace("\n", "\n  ")
            children.append(f"({name}): {text}")
        body = lines + children
        if not body:
            return self._get_name() + "()"
        if len(body) == 1 and not children:
            return f"{self._get_name()}({body[0]})"
        return self._get_name() + "(\n  " + "\n  ".join(body) + "\n)"

    def __getstate__(self):
        return self.__dict__.copy()

    def __setstate__(self, state):
        self.__dict__.update(state)


def _check_name(module, name, kind, allow_dots=False):
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
    if "_parameters" not in module.__dict__:
        raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
    if not name:
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if "." in name and not allow_dots:
        raise KeyError(f'{kind} name can\'t contain ".", got: {name}')
    if hasattr(module, name) and name not in module._parameters and name not in module._buffers \
            and name not in module._modules:
        raise KeyError(f"attribute '{name}' already exists")


def _as_ember_tensor(value) -> Tensor:
    if isinstance(value, Tensor):
        return value
    from ..ops import tensor

    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor
        return tensor(value.detach().cpu().numpy())
    return tensor(value)


def _add_module_to_trail(e: BaseException, module: Module) -> None:
    """Record the modules an error passed through, so the message can name the layer path."""
    trail = getattr(e, "_ember_trail", None)
    if trail is None:
        trail = []
        try:
            e._ember_trail = trail
        except AttributeError:
            return
    trail.append(module)
    # Rewrite the message once per level: "… (in Sequential.2 (Linear))".
    path = _trail_path(trail)
    if path and e.args and isinstance(e.args[0], str):
        base = getattr(e, "_ember_base_msg", None)
        if base is None:
            base = e.args[0]
            e._ember_base_msg = base
        e.args = (f"{base}\n  (raised in module {path})",) + e.args[1:]


def _trail_path(trail) -> str:
    root = trail[-1]
    names = [root._get_name()]
    for parent, child in zip(reversed(trail), list(reversed(trail))[1:]):
        name = next((n for n, m in parent._modules.items() if m is child), None)
        if name is None:
            return ""
        names.append(name)
    if len(trail) == 1:
        return root._get_name()
    return ".".join(names) + f" ({trail[0]._get_name()})"
