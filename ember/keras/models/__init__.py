"""Keras models: ``Model`` (functional and subclassed), ``Sequential``, saving and cloning."""

from .model import Model
from .functional import Functional
from .sequential import Sequential
from .cloning import clone_model, model_from_json
from ..saving import load_model, save_model

__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model", "model_from_json",
           "save_model"]
