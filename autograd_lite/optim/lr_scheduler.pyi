"""What type checkers see as ``autograd_lite.optim.lr_scheduler``: at run time it is
``nn.optim.lr_scheduler`` itself (autograd_lite/_namespace.py), for ``import
autograd_lite as torch`` code."""

from nn.optim.lr_scheduler import *
