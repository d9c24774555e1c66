"""``keras.utils``: to_categorical, normalize, pad_sequences, set_random_seed."""

from .numerical_utils import normalize, to_categorical
from .rng_utils import get_random_seed, set_random_seed
from .sequence_utils import pad_sequences
from ..plot import model_to_dot, plot_model
from ..progbar import Progbar
from ..history_plot import plot_history
from ..backend import clear_session

__all__ = ["Progbar", "clear_session", "get_random_seed", "model_to_dot", "normalize",
           "pad_sequences", "plot_history", "plot_model", "set_random_seed", "to_categorical"]
