"""What type checkers see as ``autograd_lite.nn.init``: at run time it is ``nn.init``
itself (autograd_lite/_namespace.py), for ``import autograd_lite as torch`` code."""

from nn.init import *
