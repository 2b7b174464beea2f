"""What type checkers see as ``autograd_lite.nn.functional``: at run time it is ``nn.functional``
itself (autograd_lite/_namespace.py), for ``import autograd_lite as torch`` code."""

from nn.functional import *
