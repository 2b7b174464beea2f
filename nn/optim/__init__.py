"""Optimizers (``nn.optim``) and learning-rate schedulers (``nn.optim.lr_scheduler``).

>>> opt = nn.optim.Adam(model.parameters(), lr=1e-3)
>>> sched = nn.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "Optimizer",
    "SGD",
    "Adagrad",
    "Adadelta",
    "RMSprop",
    "Adam",
    "AdamW",
    "lr_scheduler",
]
