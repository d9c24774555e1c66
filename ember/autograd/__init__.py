"""Reverse-mode automatic differentiation: ``Function``, ``backward``, ``grad``, grad modes."""

from . import engine, function, functional, grad_mode
from .anomaly_mode import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate into leaves the gradients of ``tensors`` (weighted by ``grad_tensors``)."""
    from ..tensor import Tensor

    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    elif isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors]
    engine.run_backward(tensors, list(grad_tensors), retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` w.r.t. ``inputs``, returned (``.grad`` is left alone).

    >>> import ember
    >>> x = ember.tensor(3.0, requires_grad=True)
    >>> ember.autograd.grad(x ** 2, x)
    (tensor(6.),)
    """
    from ..tensor import Tensor

    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    result = engine.run_backward(outputs, list(grad_outputs), retain_graph, create_graph, inputs,
                                 allow_unused or materialize_grads)
    if materialize_grads:
        from ..ops import zeros_like

        result = tuple(zeros_like(i) if r is None else r for r, i in zip(result, inputs))
    return result


__all__ = ["Function", "FunctionCtx", "backward", "detect_anomaly", "enable_grad", "functional",
           "grad", "inference_mode", "is_anomaly_enabled", "set_detect_anomaly",
           "is_grad_enabled", "no_grad", "once_differentiable", "set_grad_enabled"]

from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402

__all__ += ["GradcheckError", "gradcheck", "gradgradcheck"]
