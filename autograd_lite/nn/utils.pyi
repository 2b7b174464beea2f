"""What type checkers see as ``autograd_lite.nn.utils``: at run time it is ``nn.utils``
itself (autograd_lite/_namespace.py), for ``import autograd_lite as torch`` code."""

from nn.utils import *
