"""Sequence utilities for recurrent layers (filled in with the RNN layers)."""
