"""Keras layers as ember modules (channels-last, built lazily from the first input)."""

from .layer import Layer
from .input_layer import Input, InputLayer, KerasTensor
from .core import *  # noqa: F403
from .activation_layers import *  # noqa: F403
from .merge import *  # noqa: F403
from .preprocessing import *  # noqa: F403
from .conv import *  # noqa: F403
from .pooling import *  # noqa: F403
from .reshaping import *  # noqa: F403
from .normalization import *  # noqa: F403
from .embedding import *  # noqa: F403
from .rnn import *  # noqa: F403
from .wrappers import *  # noqa: F403
from .attention import *  # noqa: F403
from .module_wrapper import TorchModuleWrapper
