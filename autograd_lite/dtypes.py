"""PyTorch's dtype names, as numpy dtypes, so ``x.dtype == ag.float32`` and
``ag.zeros(2, dtype=ag.long)`` read as in PyTorch. Every ``dtype=`` argument takes these,
numpy dtypes (``np.float64``) and names (``"float64"``) alike.

They are attributes of the package only: ``ag.float`` is float32 (as ``torch.float``),
while Python's ``float`` keeps its meaning everywhere else.
"""

import numpy as np

float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
float16 = half = np.dtype(np.float16)
int64 = long = np.dtype(np.int64)
int32 = int = np.dtype(np.int32)
int16 = short = np.dtype(np.int16)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)
