"""``ember.nn``: modules, parameters, layers, losses, ``functional`` and ``init``."""

from . import functional, init, utils
from .module import Module
from .modules import *  # noqa: F403
from .parameter import Buffer, Parameter
