"""What type checkers see as ``autograd_lite.optim``: at run time it is ``nn.optim``
itself (autograd_lite/_namespace.py), for ``import autograd_lite as torch`` code."""

from nn.optim import *
