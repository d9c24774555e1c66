"""Activation functions: relu and its relatives, sigmoid/tanh, gelu, silu, softplus, softmax."""

from __future__ import annotations

__all__: list = []
TENSOR_METHODS: tuple = ()
