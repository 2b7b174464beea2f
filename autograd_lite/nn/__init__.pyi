"""What type checkers see as ``autograd_lite.nn``: at run time it is ``nn``
itself (autograd_lite/_namespace.py), for ``import autograd_lite as torch`` code."""

from nn import *
