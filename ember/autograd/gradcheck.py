"""Check analytical gradients against finite differences: ``gradcheck`` and ``gradgradcheck``."""

from __future__ import annotations

import numpy as np

from . import function as _fn


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _diff_inputs(inputs):
    return [i for i, x in enumerate(inputs) if isinstance(x, _fn.Tensor) and x.requires_grad]


def _outputs(func, inputs):
    outs = _as_tuple(func(*inputs))
    return [o for o in outs if isinstance(o, _fn.Tensor) and o.is_floating_point()]


def _numerical_vjp(func, inputs, idx, vs, eps):
    """v^T J by central differences, perturbing one input element at a time."""
    x = inputs[idx]
    flat = x._data.reshape(-1)  # a view when contiguous; we write through it
    if not x._data.flags.c_contiguous:
        raise ValueError("gradcheck(): inputs must be contiguous")
    result = np.zeros(flat.shape, dtype=np.float64)
    for k in range(flat.size):
        orig = flat[k].item()
        # Evaluated with recording on: ``func`` may itself take gradients (gradgradcheck).
        flat[k] = orig + eps
        plus = [o._host().astype(np.float64) for o in _outputs(func, inputs)]
        flat[k] = orig - eps
        minus = [o._host().astype(np.float64) for o in _outputs(func, inputs)]
        flat[k] = orig
        result[k] = sum(float((v * (p - m)).sum()) for v, p, m in zip(vs, plus, minus)) / (2 * eps)
    return result.reshape(x._data.shape)


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, n_vectors: int = 2, seed: int = 0) -> bool:
    """Compare ``func``'s backward with finite differences on float64 inputs.

    For random vectors ``v`` it checks ``v^T J`` from backward against central differences
    ``v^T (f(x + eps e_k) - f(x - eps e_k)) / 2eps`` for every input element ``k``.

    >>> import ember
    >>> x = ember.randn(3, dtype=ember.float64, requires_grad=True)
    >>> gradcheck(lambda t: (t * t).sin(), (x,))
    True
    """
    from .. import autograd

    inputs = _as_tuple(inputs)
    idxs = _diff_inputs(inputs)
    if not idxs:
        raise ValueError("gradcheck(): at least one input tensor must have requires_grad=True")
    for i in idxs:
        if inputs[i].dtype.name != "float64":
            raise ValueError(
                f"gradcheck(): input {i} is {inputs[i].dtype}; finite differences need float64 "
                "inputs (call .double())"
            )
    rng = np.random.default_rng(seed)
    for _ in range(n_vectors):
        outs = _outputs(func, inputs)
        vs = [rng.standard_normal(o.shape) for o in outs]
        diff_outs = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
        if diff_outs:
            grads = autograd.grad(
                [o for o, _ in diff_outs],
                [inputs[i] for i in idxs],
                [_fn.Tensor._make(v.astype(o._data.dtype)) for o, v in diff_outs],
                allow_unused=True,
            )
        else:
            grads = [None] * len(idxs)
        for i, g in zip(idxs, grads):
            numeric = _numerical_vjp(func, inputs, i, vs, eps)
            analytic = np.zeros_like(numeric) if g is None else g._host().astype(np.float64)
            if not np.allclose(analytic, numeric, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                worst = np.unravel_index(np.argmax(np.abs(analytic - numeric)), numeric.shape)
                raise GradcheckError(
                    f"Jacobian mismatch for output 0 with respect to input {i}:\n"
                    f"numerical:{numeric}\nanalytical:{analytic}\n"
                    f"largest difference at index {tuple(int(w) for w in worst)}"
                )
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True, seed: int = 0) -> bool:
    """``gradcheck`` of the gradient itself: checks second derivatives through ``create_graph``."""
    from .. import autograd

    inputs = _as_tuple(inputs)
    idxs = _diff_inputs(inputs)
    rng = np.random.default_rng(seed + 1)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        grad_outputs = [
            _fn.Tensor._make(rng.standard_normal(o.shape).astype(o._data.dtype)).requires_grad_()
            for o in outs
        ]
    if not isinstance(grad_outputs, list):
        grad_outputs = list(_as_tuple(grad_outputs))
    n_in = len(inputs)

    def first_grads(*args):
        xs, gos = args[:n_in], args[n_in:]
        o = [t for t in _outputs(func, xs) if t.requires_grad]
        gs = autograd.grad(o, [xs[i] for i in idxs], list(gos)[: len(o)], create_graph=True,
                           allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grads, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception, seed=seed)


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytical and numerical gradients differ."""
