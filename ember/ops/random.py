"""Random tensors (``rand``, ``randn``, ``randint``, ...) and in-place random fills."""

from __future__ import annotations

__all__: list = []
TENSOR_METHODS: tuple = ()
