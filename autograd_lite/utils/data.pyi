"""What type checkers see as ``autograd_lite.utils.data``: at run time it is ``nn.data``
itself (autograd_lite/_namespace.py), for ``import autograd_lite as torch`` code."""

from nn.data import *
