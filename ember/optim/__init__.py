"""``ember.optim``: optimizers and learning-rate schedulers with PyTorch's ``torch.optim`` API.

Every optimizer updates the parameters' arrays in place (no autograd graph, no per-step
allocation after the first step) and keeps PyTorch's defaults, state names and
``state_dict`` layout, so checkpoints and training loops carry over.
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = ["ASGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "LBFGS", "NAdam",
           "Optimizer", "RAdam", "RMSprop", "Rprop", "SGD", "lr_scheduler"]
