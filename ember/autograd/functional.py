"""Whole-function derivatives: ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``hvp``, ``vhp``.

Built on ``autograd.grad``: each Jacobian row is one vector-Jacobian product, and ``jvp`` uses
the double-backward trick (the vjp is linear in its vector, so differentiating it again gives
J v), which needs ``create_graph`` support from every op involved.
"""

from __future__ import annotations

from . import function as _fn


def _tuplify(x):
    return ((x,), False) if not isinstance(x, (tuple, list)) else (tuple(x), True)


def _prepare(inputs, create_graph):
    inputs, is_tuple = _tuplify(inputs)
    fresh = tuple(i.detach().requires_grad_(True) if not create_graph or not i.requires_grad
                  else i for i in inputs)
    return fresh, is_tuple


def _zeros_like(t):
    return _fn.Tensor._make(t.xp.zeros(t._data.shape, dtype=t._data.dtype))


def _grad(outputs, inputs, grad_outputs, create_graph):
    from . import grad

    gs = grad(outputs, inputs, grad_outputs, retain_graph=True, create_graph=create_graph,
              allow_unused=True)
    return tuple(_zeros_like(i) if g is None else g for g, i in zip(gs, inputs))


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``."""
    from .grad_mode import enable_grad

    inputs, is_tuple = _prepare(inputs, create_graph)
    with enable_grad():
        out = func(*inputs)
        out_t, out_is_tuple = _tuplify(out)
        if v is None:
            if any(o.numel() != 1 for o in out_t):
                raise RuntimeError("vjp(): v can only be None if the output has a single element")
            v = tuple(None for _ in out_t)
        v, _ = _tuplify(v)
        gs = _grad(list(out_t), list(inputs), list(v), create_graph)
    out = tuple(o if create_graph else o.detach() for o in out_t)
    gs = gs if create_graph else tuple(g.detach() for g in gs)
    return (out if out_is_tuple else out[0]), (gs if is_tuple else gs[0])


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product, by double backward."""
    from .grad_mode import enable_grad

    inputs, is_tuple = _prepare(inputs, create_graph)
    with enable_grad():
        out = func(*inputs)
        out_t, out_is_tuple = _tuplify(out)
        if v is None:
            if any(i.numel() != 1 for i in inputs):
                raise RuntimeError("jvp(): v can only be None if the input has a single element")
            v = tuple(_fn.Tensor._make(i.xp.ones(i._data.shape, dtype=i._data.dtype))
                      for i in inputs)
        v, _ = _tuplify(v)
        us = [_zeros_like(o).requires_grad_(True) for o in out_t]
        gs = _grad(list(out_t), list(inputs), us, create_graph=True)
        jv = _grad(list(gs), us, list(v), create_graph)
    out = tuple(o if create_graph else o.detach() for o in out_t)
    jv = jv if create_graph else tuple(j.detach() for j in jv)
    return (out if out_is_tuple else out[0]), (jv if out_is_tuple else jv[0])


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: shape ``output.shape + input.shape``.

    >>> import ember
    >>> jacobian(lambda x: x ** 2, ember.tensor([1.0, 2.0]))
    tensor([[2., 0.],
            [0., 4.]])
    """
    from .. import ops
    from .grad_mode import enable_grad

    inputs, is_tuple = _prepare(inputs, create_graph)
    with enable_grad():
        out = func(*inputs)
        out_t, out_is_tuple = _tuplify(out)
        result = []
        for o in out_t:
            flat = o.reshape(-1)
            rows = []
            for k in range(flat.numel()):
                rows.append(_grad([flat[k]], list(inputs), None, create_graph))
            per_input = []
            for j, i in enumerate(inputs):
                if rows:
                    jac = ops.stack([r[j] for r in rows], 0)
                else:
                    jac = _fn.Tensor._make(i.xp.zeros((0,) + tuple(i.shape), dtype=i._data.dtype))
                jac = jac.reshape(tuple(o.shape) + tuple(i.shape))
                per_input.append(jac if create_graph else jac.detach())
            result.append(tuple(per_input) if is_tuple else per_input[0])
    return tuple(result) if out_is_tuple else result[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar ``func`` at ``inputs``: shape ``input.shape + input.shape``.

    >>> import ember
    >>> hessian(lambda x: (x ** 3).sum(), ember.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    inputs_t, is_tuple = _tuplify(inputs)

    def grad_fn(*xs):
        out = func(*xs)
        if out.numel() != 1:
            raise RuntimeError(
                f"hessian(): the function must return a single-element tensor, got shape "
                f"{tuple(out.shape)}"
            )
        return _grad([out.reshape(())], list(xs), None, create_graph=True)

    jac = jacobian(grad_fn, inputs_t, create_graph=create_graph)
    if is_tuple:
        return jac
    return jac[0][0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for a scalar ``func``."""
    from .grad_mode import enable_grad

    inputs, is_tuple = _prepare(inputs, create_graph)
    with enable_grad():
        out = func(*inputs)
        gs = _grad([out], list(inputs), None, create_graph=True)
        v, _ = _tuplify(v)
        res = _grad(list(gs), list(inputs), list(v), create_graph)
    res = res if create_graph else tuple(r.detach() for r in res)
    return (out if create_graph else out.detach()), (res if is_tuple else res[0])


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)``; equals ``vhp`` because the Hessian is symmetric."""
    return vhp(func, inputs, v, create_graph, strict)
