"""Parameters as one flat vector and back: ``parameters_to_vector``, ``vector_to_parameters``."""

from __future__ import annotations

from ...tensor import Tensor


def parameters_to_vector(parameters) -> Tensor:
    """All parameters flattened and concatenated into one 1-D tensor (differentiable)."""
    from ... import ops

    return ops.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of ``vec`` into the parameters' data (in place, no graph)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.numel() != total:
        raise RuntimeError(f"vector_to_parameters(): vec has shape {tuple(vec.shape)} but the "
                           f"parameters hold {total} elements")
    offset = 0
    for p in params:
        n = p.numel()
        p._data[...] = vec._data[offset:offset + n].reshape(p._data.shape)
        p._vc[0] += 1
        offset += n
