"""ember.keras: Keras 3's API on ember modules.

Write Keras code after ``from ember import keras``: layers are ``ember.nn.Module``s (channels-last,
built lazily from the first input), models are ``Sequential``, functional ``Model(inputs,
outputs)`` or subclasses of ``Model``, and ``compile``/``fit``/``evaluate``/``predict`` train them
with Keras's names, defaults and progress display. Because every Keras model is an ember module,
it can also be trained with an explicit PyTorch-style loop, and an ``ember.nn.Module`` becomes a
Keras model in one line: ``keras.Sequential([module])``.

>>> from ember import keras
>>> model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])
>>> model.count_params()
10
"""

from . import activations, backend, initializers, regularizers
from . import layers
from .layers import Input, Layer
from . import losses, metrics, optimizers
from .losses import Loss
from .metrics import Metric
from .optimizers import Optimizer
from . import callbacks
from .models import Model, Sequential
from . import models, saving
from . import datasets, ops, preprocessing, utils
from .backend import clear_session

config = backend  # Keras 3 keeps floatx() & co. in keras.config

__version__ = "3.0.0-ember"  # the Keras API level this follows

__all__ = [
    "Input", "Layer", "Loss", "Metric", "Model", "Optimizer", "Sequential",
    "activations", "backend", "callbacks", "clear_session", "config", "datasets", "initializers",
    "layers", "losses", "metrics", "models", "ops", "optimizers", "preprocessing", "regularizers",
    "saving", "utils",
]
