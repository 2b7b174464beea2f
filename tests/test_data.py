"""nn.data: datasets, DataLoader coverage and reproducibility, random_split, scaling."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag
from nn.data import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    minmax_scale,
    random_split,
    standardize,
)


def numbered(n, d=3):
    """X row i is [i, i, ...] and y[i] = i, so a batch tells which examples it holds."""
    X = np.repeat(np.arange(n, dtype=np.float32)[:, None], d, axis=1)
    return TensorDataset(ag.tensor(X), ag.arange(n))


def epoch_ids(loader):
    return [yb.data.tolist() for _, yb in loader]


# -- TensorDataset ---------------------------------------------------------------------------


def test_tensor_dataset_indexing_and_length():
    ds = numbered(5)
    assert len(ds) == 5
    x, y = ds[3]
    assert isinstance(x, ag.Tensor) and x.shape == (3,) and y.item() == 3
    ds2 = TensorDataset(np.zeros((4, 2)), [1, 2, 3, 4])  # arrays and lists are converted
    assert len(ds2) == 4 and isinstance(ds2[0][1], ag.Tensor)


def test_tensor_dataset_mismatched_lengths():
    with pytest.raises(ValueError, match=r"same size in dim 0.*\(5, 2\).*\(4,\)"):
        TensorDataset(ag.zeros(5, 2), ag.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(ag.tensor(1.0))


# -- DataLoader ------------------------------------------------------------------------------


@given(
    n=st.integers(0, 40),
    batch_size=st.integers(1, 45),
    shuffle=st.booleans(),
    drop_last=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_every_example_exactly_once_per_epoch(n, batch_size, shuffle, drop_last, seed):
    ag.manual_seed(seed)
    loader = DataLoader(numbered(n), batch_size=batch_size, shuffle=shuffle, drop_last=drop_last)
    batches = epoch_ids(loader)
    assert len(batches) == len(loader)
    sizes = [len(b) for b in batches]
    seen = [i for b in batches for i in b]
    assert len(seen) == len(set(seen))  # no example twice
    if drop_last:
        assert all(s == batch_size for s in sizes)
        assert len(seen) == n - n % batch_size
    else:
        assert sorted(seen) == list(range(n))  # every example
        assert all(s == batch_size for s in sizes[:-1])
    if not shuffle:
        assert seen == list(range(len(seen)))


def test_batch_shapes_and_values_line_up():
    loader = DataLoader(numbered(10, d=4), batch_size=4, shuffle=True)
    shapes = []
    for xb, yb in loader:
        shapes.append((xb.shape, yb.shape))
        np.testing.assert_array_equal(xb.data[:, 0], yb.data)  # rows stay with their labels
    assert shapes == [((4, 4), (4,)), ((4, 4), (4,)), ((2, 4), (2,))]
    assert xb.dtype == np.float32 and yb.dtype == np.int64


def test_batch_gd_and_stochastic_gd():
    ds = numbered(7)
    full = list(DataLoader(ds, batch_size=len(ds)))
    assert len(full) == 1 and full[0][0].shape == (7, 3)
    single = list(DataLoader(ds, batch_size=1))
    assert len(single) == 7 and single[0][0].shape == (1, 3)
    assert len(DataLoader(ds, batch_size=3, drop_last=True)) == 2
    assert len(DataLoader(ds, batch_size=3)) == 3


def test_shuffling_is_reproducible_under_manual_seed():
    loader = DataLoader(numbered(30), batch_size=8, shuffle=True)
    ag.manual_seed(11)
    run1 = [epoch_ids(loader) for _ in range(3)]
    ag.manual_seed(11)
    run2 = [epoch_ids(loader) for _ in range(3)]
    ag.manual_seed(12)
    run3 = [epoch_ids(loader) for _ in range(3)]
    assert run1 == run2
    assert run1 != run3
    assert run1[0] != run1[1]  # a new order every epoch


def test_explicit_generator():
    loader = DataLoader(numbered(20), batch_size=5, shuffle=True)
    a = epoch_ids(DataLoader(numbered(20), 5, True, generator=np.random.default_rng(3)))
    b = epoch_ids(DataLoader(numbered(20), 5, True, generator=np.random.default_rng(3)))
    assert a == b and len(epoch_ids(loader)) == 4


@pytest.mark.parametrize("batch_size", [0, -3])
def test_non_positive_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        DataLoader(numbered(4), batch_size=batch_size)


@pytest.mark.parametrize(
    "kwargs", [dict(batch_size=2.5), dict(batch_size=True), dict(shuffle="yes"), dict(drop_last=1)]
)
def test_bad_argument_types(kwargs):
    with pytest.raises(TypeError, match="DataLoader"):
        DataLoader(numbered(4), **kwargs)


def test_not_a_dataset():
    with pytest.raises(TypeError, match="__getitem__ and __len__"):
        DataLoader(42, batch_size=2)


class Squares(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        return {"x": ag.tensor([float(i), 1.0]), "y": i * i}


def test_custom_dataset_with_default_collate():
    batches = list(DataLoader(Squares(), batch_size=4))
    assert batches[0]["x"].shape == (4, 2) and batches[0]["y"].tolist() == [0, 1, 4, 9]
    assert batches[1]["y"].tolist() == [16, 25]
    pair = default_collate([(ag.ones(3), 0), (ag.zeros(3), 1)])
    assert pair[0].shape == (2, 3) and pair[1].tolist() == [0, 1]
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([object()])


def test_collate_fn_is_used():
    loader = DataLoader(numbered(5), batch_size=2, collate_fn=lambda samples: len(samples))
    assert list(loader) == [2, 2, 1]


# -- random_split ----------------------------------------------------------------------------


def subset_ids(sub):
    return sorted(int(sub[i][1].item()) for i in range(len(sub)))


def test_random_split_partitions_the_dataset():
    ag.manual_seed(0)
    parts = random_split(numbered(10), [6, 3, 1])
    assert [len(p) for p in parts] == [6, 3, 1]
    ids = [subset_ids(p) for p in parts]
    assert sorted(i for p in ids for i in p) == list(range(10))
    ag.manual_seed(0)
    assert [subset_ids(p) for p in random_split(numbered(10), [6, 3, 1])] == ids


def test_random_split_fractions_and_loading_a_subset():
    parts = random_split(numbered(11), [0.7, 0.3])
    assert [len(p) for p in parts] == [8, 3]  # floor(7.7)=7, floor(3.3)=3, 1 left over -> first
    assert isinstance(parts[0], Subset)
    xb, yb = next(iter(DataLoader(parts[1], batch_size=3)))
    assert xb.shape == (3, 3) and sorted(yb.tolist()) == subset_ids(parts[1])


def test_random_split_errors():
    with pytest.raises(ValueError, match="sum to 9"):
        random_split(numbered(10), [5, 4])
    with pytest.raises(ValueError, match="non-negative"):
        random_split(numbered(10), [11, -1])
    with pytest.raises(ValueError, match="fractions"):
        random_split(numbered(10), [0.5, 0.2])


# -- preprocessing ---------------------------------------------------------------------------


def test_minmax_scale_fit_on_train_apply_to_test():
    train = np.array([[0.0, 10.0, 5.0], [2.0, 20.0, 5.0], [4.0, 30.0, 5.0]], dtype=np.float32)
    test = np.array([[1.0, 40.0, 6.0]], dtype=np.float32)
    scaled, (lo, hi) = minmax_scale(train)
    np.testing.assert_allclose(scaled, [[0, 0, 0], [0.5, 0.5, 0], [1, 1, 0]])
    np.testing.assert_array_equal(lo, [0, 10, 5])
    np.testing.assert_array_equal(hi, [4, 30, 5])
    test_scaled, _ = minmax_scale(test, stats=(lo, hi))
    np.testing.assert_allclose(test_scaled, [[0.25, 1.5, 1.0]])  # constant feature: span 1
    ranged, _ = minmax_scale(ag.tensor(train), feature_range=(-1, 1))
    assert isinstance(ranged, ag.Tensor) and ranged.dtype == np.float32
    np.testing.assert_allclose(ranged.data[:, 0], [-1, 0, 1])
    with pytest.raises(ValueError, match="feature_range"):
        minmax_scale(train, feature_range=(1, 0))


@given(seed=st.integers(0, 1000))
def test_standardize_fit_on_train_apply_to_test(seed):
    rng = np.random.default_rng(seed)
    train = rng.normal(3.0, 2.0, size=(50, 4))
    test = rng.normal(3.0, 2.0, size=(10, 4))
    scaled, (mean, std) = standardize(train)
    assert mean.shape == (4,) and std.shape == (4,)
    np.testing.assert_allclose(scaled.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(scaled.std(axis=0), 1, rtol=1e-12)
    test_scaled, _ = standardize(test, stats=(mean, std))
    np.testing.assert_allclose(test_scaled, (test - train.mean(0)) / train.std(0), rtol=1e-12)


def test_standardize_constant_feature_and_tensor_input():
    x = ag.tensor([[1.0, 5.0], [3.0, 5.0]])
    scaled, (mean, std) = standardize(x)
    assert isinstance(scaled, ag.Tensor) and scaled.dtype == np.float32
    np.testing.assert_allclose(scaled.data, [[-1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(std, [1.0, 1.0])
    with pytest.raises(TypeError, match="standardize"):
        standardize(np.array(["a", "b"]))
