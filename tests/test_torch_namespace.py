"""``import autograd_lite as torch``: PyTorch's module layout, dtype names, devices (CPU
only), generators and the Module methods of issue 14, each checked against what PyTorch
does.
"""

from __future__ import annotations

import builtins
import copy
import pickle
import subprocess
import sys
import textwrap
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given

import autograd_lite as ag
import nn
import nn.functional as F
from autograd_lite.testing import gradcheck
from autograd_lite.testing.strategies import tensors
from nn import data as D
from nn import init

ROOT = Path(__file__).resolve().parent.parent


def run_fresh(code: str, cwd: Path = ROOT, first_on_path: Path | None = None) -> str:
    """Run ``code`` in a new interpreter that imports this checkout; returns its stdout."""
    path = [str(p) for p in (first_on_path, ROOT) if p is not None]
    prelude = f"import sys; sys.path[:0] = {path!r}\n"
    out = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], cwd=cwd,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


# ----------------------------------------------------------------------------------------
# The module layout


def test_torch_names_are_the_nn_modules_themselves():
    torch = ag
    assert torch.nn is nn
    assert torch.nn.functional is F is nn.functional
    assert torch.nn.init is init
    assert torch.optim is nn.optim
    assert torch.optim.lr_scheduler is nn.optim.lr_scheduler
    assert torch.utils.data is nn.data is D
    for name in ("DataLoader", "TensorDataset", "Dataset", "random_split", "Subset"):
        assert getattr(torch.utils.data, name) is getattr(D, name)
    assert torch.nn.utils is nn.utils
    assert torch.nn.Linear is nn.Linear


def test_every_import_form_gives_the_same_modules():
    import autograd_lite.nn as nn2
    import autograd_lite.nn.functional as F2
    import autograd_lite.optim as optim2
    from autograd_lite import nn as nn3
    from autograd_lite.optim.lr_scheduler import StepLR
    from autograd_lite.utils.data import DataLoader

    assert nn2 is nn3 is nn
    assert F2 is F
    assert optim2 is nn.optim
    assert DataLoader is D.DataLoader
    assert StepLR is nn.optim.lr_scheduler.StepLR
    assert sys.modules["autograd_lite.nn.functional"] is F
    assert nn.__spec__.name == "nn"  # the real module keeps its own spec


@pytest.mark.parametrize("first", [
    "import autograd_lite.nn.functional as F",
    "from autograd_lite.utils.data import DataLoader",
    "import autograd_lite.optim.lr_scheduler",
    "import nn.functional; import autograd_lite.nn.functional",
    "import autograd_lite as torch; torch.nn.functional",
])
def test_a_fresh_interpreter_loads_each_file_once(first):
    out = run_fresh(first + textwrap.dedent("""
        import nn, nn.functional, nn.data, nn.optim, autograd_lite.nn.functional
        import autograd_lite.utils.data
        files = {}
        for m in list(sys.modules.values()):
            f = getattr(m, "__file__", None)
            if f and f.startswith(ROOT):
                files.setdefault(f, set()).add(id(m))
        assert all(len(ids) == 1 for ids in files.values()), files
        assert sys.modules["autograd_lite.nn"] is nn
        assert sys.modules["autograd_lite.nn.functional"] is nn.functional
        assert sys.modules["autograd_lite.utils.data"] is nn.data
        print(sum(f.endswith("functional.py") for f in files))
    """).replace("ROOT", repr(str(ROOT))))
    assert out.strip() == "1"


def test_an_nn_py_that_shadows_the_library_is_named_in_a_clear_import_error(tmp_path):
    (tmp_path / "nn.py").write_text("print('the student nn.py ran')\n")
    for use in ("import autograd_lite as torch; torch.nn",
                "import autograd_lite.nn.functional",
                "from autograd_lite.utils.data import DataLoader"):
        out = run_fresh(f"""
            try:
                {use}
            except ImportError as e:
                print("ImportError:", e)
        """, cwd=tmp_path, first_on_path=tmp_path)
        assert "ImportError:" in out and str(tmp_path / "nn.py") in out, out
        assert "shadows" in out and "the student nn.py ran" not in out, out
    # autograd_lite alone (no nn) still works next to the student's file
    assert run_fresh("import autograd_lite as ag; print(ag.ones(2).sum().item())",
                     cwd=tmp_path, first_on_path=tmp_path).strip() == "2.0"


# ----------------------------------------------------------------------------------------
# dtypes


@pytest.mark.parametrize("name, expected", [
    ("float32", np.float32), ("float", np.float32), ("float64", np.float64),
    ("double", np.float64), ("float16", np.float16), ("half", np.float16),
    ("int64", np.int64), ("long", np.int64), ("int32", np.int32), ("int", np.int32),
    ("int16", np.int16), ("short", np.int16), ("int8", np.int8), ("uint8", np.uint8),
    ("bool", np.bool_),
])
def test_dtype_names(name, expected):
    dt = getattr(ag, name)
    assert dt == np.dtype(expected)
    assert ag.zeros(2, dtype=dt).dtype == dt
    assert ag.tensor([1, 0], dtype=dt).dtype == dt
    assert ag.ones(2).astype(dt).dtype == dt
    assert ag.arange(3, dtype=dt).dtype == dt


def test_dtype_equality_and_the_default_dtype():
    assert ag.ones(2).dtype == ag.float32
    assert ag.tensor([1, 2]).dtype == ag.long
    assert ag.tensor([True]).dtype == ag.bool
    assert ag.get_default_dtype() == ag.float32
    ag.set_default_dtype(ag.float64)
    try:
        assert ag.get_default_dtype() == ag.double
        assert ag.tensor([1.5]).dtype == ag.float64
    finally:
        ag.set_default_dtype(ag.float32)
    for spelling in (ag.float64, np.float64, "float64", float):
        assert ag.zeros(1, dtype=spelling).dtype == ag.float64


def test_dtype_names_leave_the_builtins_alone():
    assert ag.float is not builtins.float and ag.int is not builtins.int
    import autograd_lite.ops as ops
    import nn.modules

    for module in (ops, nn.modules, F):
        assert not hasattr(module, "float") or module.float is not ag.float
    assert float(ag.tensor(2.5)) == 2.5 and int(ag.tensor(3)) == 3
    assert nn.Linear(2, 2).float().weight.dtype == ag.float32


# ----------------------------------------------------------------------------------------
# Devices


def test_device_forms_repr_and_equality():
    cpu = ag.device("cpu")
    assert (cpu.type, cpu.index) == ("cpu", None)
    assert repr(cpu) == "device(type='cpu')" and str(cpu) == "cpu"
    zero = ag.device("cpu:0")
    assert (zero.type, zero.index) == ("cpu", 0)
    assert repr(zero) == "device(type='cpu', index=0)" and str(zero) == "cpu:0"
    assert ag.device("cpu", 0) == zero and ag.device(zero) == zero
    assert cpu != zero and cpu != "cpu"  # as PyTorch: a device is not its string
    assert len({cpu, ag.device("cpu"), zero}) == 2
    with pytest.raises(AttributeError):
        cpu.type = "cuda"


def test_tensor_device_and_to():
    x = ag.ones(2, 3, requires_grad=True)
    assert x.device == ag.device("cpu") and x.is_cuda is False
    for same in (x.to("cpu"), x.to(ag.device("cpu:0")), x.to(ag.float32), x.to(x),
                 x.to("cpu", ag.float32), x.to(dtype=ag.float32, device="cpu"), x.to(),
                 x.to(None), x.to("cpu", non_blocking=True), x.cpu()):
        assert same is x
    copied = x.to("cpu", copy=True)
    assert copied is not x and copied.grad_fn is not None
    np.testing.assert_array_equal(copied.data, x.data)
    for y in (x.to(ag.float64), x.to("cpu", ag.float64), x.to(ag.zeros(1, dtype=ag.double)),
              x.to(dtype=ag.float64, device="cpu"), x.to(np.float64, False, True)):
        assert y.dtype == ag.float64 and y.shape == (2, 3)
    assert x.to(ag.long).dtype == ag.int64 and not x.to(ag.long).requires_grad


def test_to_a_new_dtype_is_differentiable():
    x = ag.tensor([[1.0, -2.0, 3.0]], requires_grad=True)
    y = x.to(ag.float64)
    (y * y).sum().backward()
    assert x.grad.dtype == ag.float32
    np.testing.assert_allclose(x.grad.data, 2 * x.data)


@given(x=tensors())
def test_to_gradcheck(x):
    assert gradcheck(lambda t: t.to("cpu", copy=True) * t.to(ag.float64, copy=True).sin()
                     + t.to(t), [x])


@pytest.mark.parametrize("factory", [
    lambda d: ag.tensor([1.0], device=d), lambda d: ag.zeros(2, device=d),
    lambda d: ag.ones(2, device=d), lambda d: ag.full((2,), 1.0, device=d),
    lambda d: ag.zeros_like(ag.ones(2), device=d), lambda d: ag.ones_like(ag.ones(2), device=d),
    lambda d: ag.arange(3, device=d), lambda d: ag.eye(2, device=d),
    lambda d: ag.rand(2, device=d), lambda d: ag.randn(2, device=d),
    lambda d: ag.randint(5, (2,), device=d), lambda d: ag.randperm(3, device=d),
    lambda d: ag.empty(2, device=d), lambda d: ag.empty_like(ag.ones(2), device=d),
    lambda d: ag.ones(2).new_zeros(3, device=d), lambda d: ag.ones(2).new_ones(3, device=d),
    lambda d: ag.ones(2).new_empty(3, device=d), lambda d: ag.ones(2).new_full(3, 1, device=d),
    lambda d: ag.ones(2).new_tensor([1], device=d),
], ids=["tensor", "zeros", "ones", "full", "zeros_like", "ones_like", "arange", "eye", "rand",
        "randn", "randint", "randperm", "empty", "empty_like", "new_zeros", "new_ones",
        "new_empty", "new_full", "new_tensor"])
def test_factories_take_device(factory):
    for d in ("cpu", "cpu:0", ag.device("cpu"), None):
        assert factory(d).device == ag.device("cpu")
    for d in ("cuda", "cuda:0", "mps", 0):
        with pytest.raises(RuntimeError, match="CPU only"):
            factory(d)


def test_asking_for_a_gpu_anywhere_is_a_clear_runtime_error():
    x, model = ag.ones(2), nn.Linear(2, 2)
    calls = [lambda: ag.device("cuda"), lambda: ag.device("mps"), lambda: x.to("cuda"),
             lambda: x.to("cuda:1", ag.float64), lambda: x.cuda(), lambda: model.cuda(),
             lambda: model.to("cuda"), lambda: model.to(device="mps"),
             lambda: ag.set_default_device("cuda"), lambda: ag.Generator("cuda")]
    for call in calls:
        with pytest.raises(RuntimeError, match="numpy, on the CPU only"):
            call()


def test_the_machine_has_no_accelerator():
    assert ag.cuda.is_available() is False and ag.cuda.device_count() == 0
    assert ag.backends.mps.is_available() is False
    assert ag.backends.cudnn.is_available() is False
    assert ag.accelerator.is_available() is False and ag.accelerator.device_count() == 0
    assert ag.accelerator.current_accelerator() is None
    ag.set_default_device("cpu")
    ag.set_default_device(None)
    assert ag.get_default_device() == ag.device("cpu")
    state = ag.get_rng_state()
    ag.cuda.manual_seed(3)  # nothing to seed (as PyTorch without CUDA): the CPU stream stays
    ag.cuda.manual_seed_all(3)
    assert repr(ag.get_rng_state()) == repr(state)


# ----------------------------------------------------------------------------------------
# Generators


def test_generator_seeding():
    g = ag.Generator()
    assert g.initial_seed() == 67280421310721  # as torch.Generator()
    assert ag.Generator().random() == ag.Generator().random()  # a new one always starts there
    assert g.manual_seed(5) is g and g.initial_seed() == 5
    np.testing.assert_array_equal(g.random(4), np.random.default_rng(5).random(4))
    s = g.seed()
    assert s == g.initial_seed() and s != 5
    np.testing.assert_array_equal(g.random(3), np.random.default_rng(s).random(3))
    state = g.get_state()
    first = g.random(3)
    assert g.set_state(state) is g
    np.testing.assert_array_equal(g.random(3), first)
    assert g.device == ag.device("cpu")
    for twin in (copy.deepcopy(g), pickle.loads(pickle.dumps(g))):
        assert isinstance(twin, ag.Generator) and twin.initial_seed() == g.initial_seed()
        assert twin.random() == copy.copy(g).random()


def test_manual_seed_returns_the_default_generator_reseeded_in_place():
    held = ag.default_generator()
    gen = ag.manual_seed(11)
    assert gen is held is ag.default_generator() and isinstance(gen, ag.Generator)
    assert ag.initial_seed() == 11
    a = ag.rand(3)
    ag.manual_seed(11)
    np.testing.assert_array_equal(ag.rand(3).data, a.data)
    state = ag.get_rng_state()
    b = ag.randn(2)
    ag.set_rng_state(state)
    np.testing.assert_array_equal(ag.randn(2).data, b.data)
    assert ag.seed() == ag.initial_seed()


def _ds():
    return D.TensorDataset(ag.arange(10.0)[:, None], ag.arange(10))


DRAWS = {  # every generator= site: a draw as numbers
    "rand": lambda g: ag.rand(2, 3, generator=g).data,
    "randn": lambda g: ag.randn(4, generator=g).data,
    "randint": lambda g: ag.randint(0, 100, (5,), generator=g).data,
    "randperm": lambda g: ag.randperm(8, generator=g).data,
    "multinomial": lambda g: ag.multinomial(ag.ones(2, 6), 3, generator=g).data,
    "normal_": lambda g: ag.zeros(5).normal_(2.0, 3.0, generator=g).data,
    "uniform_": lambda g: ag.zeros(5).uniform_(-1.0, 1.0, generator=g).data,
    "init.normal_": lambda g: init.normal_(nn.Parameter(np.zeros(4)), generator=g).data,
    "init.uniform_": lambda g: init.uniform_(nn.Parameter(np.zeros(4)), generator=g).data,
    "DataLoader": lambda g: np.concatenate(
        [yb.data for _, yb in D.DataLoader(_ds(), batch_size=4, shuffle=True, generator=g)]),
    "random_split": lambda g: np.concatenate(
        [s.indices for s in D.random_split(_ds(), [0.3, 0.7], generator=g)]),
}


@pytest.mark.parametrize("site", DRAWS)
def test_every_generator_site_is_reproducible_and_leaves_the_default_alone(site):
    draw = DRAWS[site]
    state = repr(ag.get_rng_state())
    a = draw(ag.Generator().manual_seed(1))
    b = draw(ag.Generator().manual_seed(1))
    c = draw(ag.Generator().manual_seed(2))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert repr(ag.get_rng_state()) == state  # the library's generator did not move
    ag.manual_seed(7)  # without generator=, manual_seed makes the same draw repeat
    d = draw(None)
    ag.manual_seed(7)
    np.testing.assert_array_equal(draw(None), d)


def test_init_draws_are_those_of_the_tensor_fills():
    w = nn.Parameter(np.zeros((3, 2), np.float32))
    init.uniform_(w, -0.5, 0.5, ag.Generator().manual_seed(3))
    expected = np.random.default_rng(3).uniform(-0.5, 0.5, (3, 2)).astype(np.float32)
    np.testing.assert_array_equal(w.data, expected)


# ----------------------------------------------------------------------------------------
# The random factories


def test_randint_forms_range_and_dtype():
    g = ag.Generator().manual_seed(0)
    x = ag.randint(10, (1000,), generator=g)
    assert x.dtype == ag.int64 and x.shape == (1000,)
    assert x.data.min() == 0 and x.data.max() == 9
    y = ag.randint(-3, 3, (20, 50), generator=g)
    assert y.shape == (20, 50) and set(np.unique(y.data)) == set(range(-3, 3))
    assert ag.randint(5, size=(2,)).shape == (2,)
    assert ag.randint(low=2, high=4, size=[3]).data.tolist() != [] and \
        set(ag.randint(low=2, high=4, size=[50]).data.tolist()) <= {2, 3}
    z = ag.randint(0, 4, (3,), dtype=ag.float64, requires_grad=True)
    assert z.dtype == ag.float64 and z.requires_grad


def test_randperm_is_a_permutation():
    p = ag.randperm(50, generator=ag.Generator().manual_seed(1))
    assert p.dtype == ag.int64 and sorted(p.data.tolist()) == list(range(50))
    assert ag.randperm(0).shape == (0,)
    assert ag.randperm(4, dtype=ag.int32).dtype == ag.int32


def test_multinomial():
    g = ag.Generator().manual_seed(0)
    w = ag.tensor([0.0, 1.0, 3.0])
    draws = ag.multinomial(w, 20000, replacement=True, generator=g).data
    assert draws.dtype == np.int64 and draws.shape == (20000,)
    assert 0 not in draws  # a zero weight is never drawn
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / 20000, [0, 0.25, 0.75],
                               atol=0.02)
    rows = ag.multinomial(ag.ones(4, 5), 5, generator=g).data
    assert rows.shape == (4, 5)
    for row in rows:  # without replacement: each category once
        assert sorted(row.tolist()) == [0, 1, 2, 3, 4]
    assert ag.multinomial(ag.zeros(0, 3) + 1, 2).shape == (0, 2)


# ----------------------------------------------------------------------------------------
# The random in-place fills


def test_empty_then_fill():
    w = ag.empty(3, 2).uniform_(-1.0, 1.0)
    assert w.shape == (3, 2) and w.dtype == ag.float32 and (abs(w.data) <= 1).all()
    like = ag.empty_like(ag.ones(2, dtype=ag.float64), requires_grad=True)
    assert like.shape == (2,) and like.dtype == ag.float64 and like.requires_grad
    assert ag.empty((2, 0), dtype=ag.long).shape == (2, 0)


def test_normal_and_uniform_fill_in_place():
    g = ag.Generator().manual_seed(0)
    t = ag.zeros(200, 50)
    v = t._version
    assert t.normal_(1.0, 2.0, generator=g) is t and t._version == v + 1
    assert abs(t.data.mean() - 1.0) < 0.05 and abs(t.data.std() - 2.0) < 0.05
    assert t.uniform_(-2.0, 3.0, generator=g) is t and t.dtype == ag.float32
    assert t.data.min() >= -2.0 and t.data.max() < 3.0 and abs(t.data.mean() - 0.5) < 0.05
    assert ag.zeros(3, dtype=ag.float64).uniform_().dtype == ag.float64


def test_fills_follow_the_in_place_rules():
    leaf = ag.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="normal_"):
        leaf.normal_()
    with ag.no_grad():
        leaf.uniform_()
    assert leaf.is_leaf and (leaf.data != 0).all()
    x = ag.ones(3, requires_grad=True)
    y = x * 2
    y.normal_()  # a non-leaf: in the graph, with a zero gradient to the old value
    (y * 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros(3))


# ----------------------------------------------------------------------------------------
# Module methods


def _model():
    return nn.Sequential(OrderedDict(fc=nn.Linear(2, 3), bn=nn.BatchNorm1d(3)))


def test_module_to_forms():
    m = _model()
    weight = m.fc.weight
    for same in (m.to("cpu"), m.to(ag.device("cpu")), m.to(), m.cpu(),
                 m.to(ag.float32, non_blocking=True)):
        assert same is m
    assert m.to(ag.float64) is m and m.fc.weight is weight and weight.dtype == ag.float64
    assert m.bn.num_batches_tracked.dtype == ag.int64  # only floating tensors are cast
    assert m.to("cpu", ag.float16).fc.weight.dtype == ag.float16
    assert m.to(ag.zeros(1, dtype=ag.float64)).bn.running_mean.dtype == ag.float64
    assert m.to(dtype=ag.float32, device="cpu").fc.bias.dtype == ag.float32
    assert m.half().fc.weight.dtype == ag.float16
    assert m.double().fc.weight.dtype == ag.float64
    assert m.float().fc.weight.dtype == ag.float32
    with pytest.raises(TypeError, match="floating point"):
        m.to(ag.int64)


def test_module_to_casts_the_gradients_in_place():
    m = nn.Linear(2, 2)
    m(ag.ones(1, 2)).sum().backward()
    grad = m.weight.grad
    m.to(ag.float64)
    assert m.weight.grad is grad and grad.dtype == ag.float64
    assert m(ag.ones(1, 2, dtype=ag.float64)).dtype == ag.float64


def test_module_requires_grad_():
    m = _model()
    assert m.requires_grad_(False) is m
    assert not any(p.requires_grad for p in m.parameters())
    assert all(p.requires_grad for p in m.requires_grad_().parameters())
    with pytest.raises(TypeError, match="requires_grad_"):
        nn.ReLU().requires_grad_(1)


def test_module_traversal_and_registration():
    m = _model()
    assert [n for n, _ in m.named_modules()] == ["", "fc", "bn"]
    assert [n for n, _ in m.named_modules(prefix="net")] == ["net", "net.fc", "net.bn"]
    assert [n for n, _ in m.named_children()] == ["fc", "bn"]
    assert [n for n, _ in m.named_buffers()] == ["bn.running_mean", "bn.running_var",
                                                 "bn.num_batches_tracked"]
    assert list(m.named_buffers(recurse=False)) == []
    assert len(list(m.modules())) == 3
    m.register_buffer("scale", ag.ones(1), persistent=False)
    m.register_buffer("offset", ag.zeros(1))
    assert "scale" not in m.state_dict() and "offset" in m.state_dict()
    assert [n for n, _ in m.named_buffers()][:2] == ["scale", "offset"]
    m.add_module("act", nn.ReLU())
    assert [n for n, _ in m.named_children()] == ["fc", "bn", "act"]
    for taken in ("forward", "scale", "training"):  # as PyTorch
        with pytest.raises(KeyError, match="already exists"):
            m.add_module(taken, nn.ReLU())
    m.add_module("act", nn.Tanh())  # a child may be replaced
    assert isinstance(m.act, nn.Tanh)
    shared = nn.Linear(1, 1)
    twice = nn.Sequential(shared, shared)
    assert [n for n, _ in twice.named_modules()] == ["", "0"]
    assert [n for n, _ in twice.named_modules(remove_duplicate=False)] == ["", "0", "1"]
    assert [n for n, _ in twice.named_parameters()] == ["0.weight", "0.bias"]


# ------------------------------------------------------------------------------------------
# linspace / logspace (PyTorch's factories; torch.linspace is in its tutorials)


@pytest.mark.parametrize("dtype", [ag.float32, ag.float64])
@pytest.mark.parametrize("start, end, steps", [(-3.3, 11.1, 101), (0, 1, 7), (5, -2, 9),
                                               (2, 3, 2), (0, 10, 1), (0, 10, 0)])
def test_linspace_matches_numpy_and_keeps_both_ends(start, end, steps, dtype):
    x = ag.linspace(start, end, steps, dtype=dtype)
    assert x.dtype == dtype and x.shape == (steps,)
    np.testing.assert_allclose(x.numpy(), np.linspace(start, end, steps), rtol=1e-6, atol=1e-6)
    if steps:
        assert x[0].item() == np.asarray(start, dtype).item()
    if steps > 1:
        assert x[-1].item() == np.asarray(end, dtype).item()


def test_linspace_and_logspace_defaults_and_integer_dtype():
    assert ag.linspace(0, 1, 5).dtype == ag.get_default_dtype()
    np.testing.assert_array_equal(ag.linspace(0, 10, 5, dtype=ag.int64).numpy(), [0, 2, 5, 7, 10])
    np.testing.assert_allclose(ag.logspace(0, 2, 5).numpy(), np.logspace(0, 2, 5), rtol=1e-6)
    np.testing.assert_allclose(ag.logspace(0, 2, 5, base=2).numpy(),
                               np.logspace(0, 2, 5, base=2), rtol=1e-6)
    x = ag.linspace(0, 1, 3, requires_grad=True, device="cpu")
    assert x.is_leaf and x.requires_grad
