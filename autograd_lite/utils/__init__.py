"""``torch.utils`` for ``import autograd_lite as torch``: ``autograd_lite.utils.data`` is
``nn.data`` (DataLoader, TensorDataset, Dataset, random_split, Subset)."""

from .._namespace import lazy_submodules

__getattr__ = lazy_submodules(__name__, ("data",))
