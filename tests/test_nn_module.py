"""nn.Module: registration, traversal, repr, state dicts, hooks, containers, errors."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import autograd_lite as ag
import nn


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
        self.norm = nn.BatchNorm1d(2)
        self.scale = nn.Parameter(np.ones(1))

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return self.norm(self.features(x)) * self.scale


# ---------------------------------------------------------------------------------------
# Registration and traversal


def test_named_parameters_are_dotted_and_ordered() -> None:
    names = [n for n, _ in Block().named_parameters()]
    assert names == ["scale", "features.0.weight", "features.0.bias", "features.2.weight",
                     "features.2.bias", "norm.weight", "norm.bias"]


def test_parameters_are_leaves_that_require_grad() -> None:
    for p in Block().parameters():
        assert isinstance(p, nn.Parameter) and isinstance(p, ag.Tensor)
        assert p.requires_grad and p.is_leaf


def test_shared_parameter_is_listed_once() -> None:
    lin = nn.Linear(2, 2)
    model = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(model.parameters())) == 2
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]


def test_children_modules_buffers() -> None:
    b = Block()
    assert [type(m).__name__ for m in b.children()] == ["Sequential", "BatchNorm1d"]
    assert [n for n, _ in b.named_modules()] == ["", "features", "features.0", "features.1",
                                                 "features.2", "norm"]
    assert [n for n, _ in b.named_buffers()] == ["norm.running_mean", "norm.running_var",
                                                 "norm.num_batches_tracked"]
    assert b.get_submodule("features.2") is b.features[2]


def test_train_eval_propagate() -> None:
    b = Block()
    assert b.eval() is b
    assert not any(m.training for m in b.modules())
    b.train()
    assert all(m.training for m in b.modules())
    with pytest.raises(ValueError, match="boolean"):
        b.train("yes")


def test_zero_grad_sets_none() -> None:
    lin = nn.Linear(3, 2)
    lin(ag.randn(4, 3)).sum().backward()
    assert lin.weight.grad is not None
    lin.zero_grad()
    assert lin.weight.grad is None and lin.bias.grad is None


def test_assigning_a_non_parameter_as_weight_is_refused() -> None:
    lin = nn.Linear(3, 2)
    with pytest.raises(TypeError, match="parameter 'weight'.*nn.Parameter"):
        lin.weight = np.zeros((2, 3))
    with pytest.raises(TypeError, match="parameter 'weight'"):
        lin.weight = ag.zeros(2, 3)
    lin.weight = nn.Parameter(np.zeros((2, 3)))
    assert np.all(lin.weight.data == 0)
    lin.bias = None
    assert [n for n, _ in lin.named_parameters()] == ["weight"]


def test_assignment_before_init_is_a_clear_error() -> None:
    class Broken(nn.Module):
        def __init__(self) -> None:
            self.lin = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Broken()


def test_plain_attributes_and_deletion() -> None:
    lin = nn.Linear(2, 2)
    lin.note = "hello"
    assert lin.note == "hello"
    del lin.bias
    assert [n for n, _ in lin.named_parameters()] == ["weight"]
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        _ = lin.missing


def test_double_casts_parameters_and_buffers() -> None:
    b = Block().double()
    assert all(p.dtype == np.float64 for p in b.parameters())
    assert b.norm.running_mean.dtype == np.float64
    assert b.norm.num_batches_tracked.dtype == np.int64


# ---------------------------------------------------------------------------------------
# repr


def test_repr_nested_like_pytorch() -> None:
    assert repr(Block()) == (
        "Block(\n"
        "  (features): Sequential(\n"
        "    (0): Linear(in_features=3, out_features=4, bias=True)\n"
        "    (1): ReLU()\n"
        "    (2): Linear(in_features=4, out_features=2, bias=True)\n"
        "  )\n"
        "  (norm): BatchNorm1d(2, eps=1e-05, momentum=0.1, affine=True, bias=True, "
        "track_running_stats=True)\n"
        ")")


def test_module_list_repr_groups_repeats() -> None:
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.Tanh()])
    assert repr(ml) == ("ModuleList(\n"
                        "  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n"
                        "  (3): Tanh()\n"
                        ")")


@pytest.mark.parametrize("layer, text", [
    (nn.Linear(2, 3, bias=False), "Linear(in_features=2, out_features=3, bias=False)"),
    (nn.Conv2d(1, 6, 5, stride=2, padding=1),
     "Conv2d(1, 6, kernel_size=(5, 5), stride=(2, 2), padding=(1, 1))"),
    (nn.MaxPool2d(2), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, "
                      "ceil_mode=False)"),
    (nn.AvgPool2d(3, 2), "AvgPool2d(kernel_size=3, stride=2, padding=0)"),
    (nn.LayerNorm(4), "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)"),
    (nn.Embedding(10, 3, padding_idx=0), "Embedding(10, 3, padding_idx=0)"),
    (nn.Dropout(0.2), "Dropout(p=0.2, inplace=False)"),
    (nn.Flatten(), "Flatten(start_dim=1, end_dim=-1)"),
    (nn.LeakyReLU(), "LeakyReLU(negative_slope=0.01)"),
    (nn.Softmax(dim=1), "Softmax(dim=1)"),
    (nn.GELU(), "GELU(approximate='none')"),
    (nn.CrossEntropyLoss(), "CrossEntropyLoss()"),
])
def test_layer_reprs(layer: nn.Module, text: str) -> None:
    assert repr(layer) == text


# ---------------------------------------------------------------------------------------
# State dicts


def test_state_dict_keys_and_shapes_follow_pytorch() -> None:
    sd = Block().state_dict()
    assert list(sd) == ["scale", "features.0.weight", "features.0.bias", "features.2.weight",
                        "features.2.bias", "norm.weight", "norm.bias", "norm.running_mean",
                        "norm.running_var", "norm.num_batches_tracked"]
    assert sd["features.0.weight"].shape == (4, 3)
    assert sd["norm.num_batches_tracked"].shape == () and \
        sd["norm.num_batches_tracked"].dtype == np.int64
    assert not any(t.requires_grad for t in sd.values())


def test_state_dict_round_trip_reproduces_outputs() -> None:
    ag.manual_seed(0)
    a, b = Block(), Block()
    x = ag.randn(6, 3)
    a(x)  # one training step moves the running statistics
    a.eval()
    b.eval()
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    np.testing.assert_array_equal(a(x).data, b(x).data)
    assert b.norm.num_batches_tracked.item() == 1
    # copied, not shared
    with ag.no_grad():
        a.scale[...] = 5.0
    assert b.scale.item() == 1.0


def test_load_state_dict_strict_lists_every_problem_and_changes_nothing() -> None:
    model = Block()
    before = {k: v.data.copy() for k, v in model.state_dict().items()}
    sd = OrderedDict((k, np.zeros(v.shape)) for k, v in model.state_dict().items())
    del sd["features.0.bias"]
    sd["extra.weight"] = np.zeros(3)
    sd["features.2.weight"] = np.zeros((5, 5))
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(sd)
    msg = str(info.value)
    assert "Error(s) in loading state_dict for Block" in msg
    assert 'Missing key(s) in state_dict: "features.0.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in msg
    assert "size mismatch for features.2.weight: copying a param with shape (5, 5) from " \
           "checkpoint, the shape in current model is (2, 4)" in msg
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.data, before[k])


def test_load_state_dict_non_strict_reports_keys() -> None:
    model = nn.Linear(3, 2)
    result = model.load_state_dict({"weight": np.ones((2, 3)), "other": np.ones(1)},
                                   strict=False)
    missing, unexpected = result
    assert missing == ["bias"] and unexpected == ["other"]
    assert result.missing_keys == ["bias"]
    assert np.all(model.weight.data == 1)


def test_load_state_dict_shape_mismatch_raises_even_non_strict() -> None:
    model = nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        model.load_state_dict({"weight": np.ones((3, 3))}, strict=False)


# ---------------------------------------------------------------------------------------
# Hooks


def test_forward_hooks_see_and_replace() -> None:
    lin = nn.Linear(3, 2)
    seen = {}
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: seen.update(inp=args[0], out=out))
    out = lin(ag.ones(4, 3))
    np.testing.assert_allclose(out.data, np.broadcast_to(lin.bias.data, (4, 2)))
    assert seen["out"] is out and np.all(seen["inp"].data == 0)
    h1.remove()
    h2.remove()
    with lin.register_forward_hook(lambda m, args, out: out * 2):
        doubled = lin(ag.ones(1, 3))
    np.testing.assert_allclose(doubled.data, 2 * lin(ag.ones(1, 3)).data)


def test_full_backward_hook_gets_input_and_output_gradients() -> None:
    lin = nn.Linear(3, 2).double()
    seen = {}
    lin.register_full_backward_hook(lambda m, gi, go: seen.update(gi=gi, go=go))
    x = ag.tensor(np.random.default_rng(0).normal(size=(4, 3)), requires_grad=True)
    y = lin(x)
    y.retain_grad()
    (y * y).sum().backward()
    np.testing.assert_allclose(seen["go"][0].data, 2 * y.data)
    np.testing.assert_allclose(seen["go"][0].data, y.grad.data)
    np.testing.assert_allclose(seen["gi"][0].data, x.grad.data)


def test_full_backward_hook_fires_on_every_backward_of_a_retained_graph() -> None:
    lin = nn.Linear(3, 2)
    calls = []
    lin.register_full_backward_hook(lambda m, gi, go: calls.append(gi[0].shape))
    loss = lin(ag.ones(4, 3, requires_grad=True)).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    assert calls == [(4, 3), (4, 3)]


def test_full_backward_hook_without_input_grad_and_replacement() -> None:
    lin = nn.Linear(3, 2)
    seen = []
    lin.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go)))
    lin(ag.ones(2, 3)).sum().backward()
    assert len(seen) == 1 and seen[0][0] == (None,) and seen[0][1][0].shape == (2, 2)

    lin2 = nn.Linear(3, 2)
    lin2.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0,))
    x = ag.ones(2, 3, requires_grad=True)
    lin2(x).sum().backward()
    assert np.all(x.grad.data == 0) and lin2.weight.grad is not None


def test_hook_must_be_callable() -> None:
    with pytest.raises(TypeError, match="callable"):
        nn.ReLU().register_forward_hook(3)


# ---------------------------------------------------------------------------------------
# Errors name the layer


def test_wrong_feature_size_names_the_layer_path() -> None:
    model = Block()
    with pytest.raises(ValueError) as info:
        model(ag.randn(4, 5))
    msg = str(info.value)
    assert "layer 'features.0'" in msg and "Linear(in_features=3" in msg
    assert "(4, 5)" in msg and "in_features=3" in msg


def test_root_layer_error_names_the_layer() -> None:
    with pytest.raises(ValueError, match=r"^Linear\(in_features=3.*shape \(2, 7\)"):
        nn.Linear(3, 1)(ag.randn(2, 7))


# ---------------------------------------------------------------------------------------
# Containers


def test_sequential_indexing_and_editing() -> None:
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear)
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is seq[0]
    assert seq(ag.randn(5, 2)).shape == (5, 1)
    del seq[1]
    assert list(seq._modules) == ["0", "1"]
    seq.append(nn.Sigmoid())
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2"]
    with pytest.raises(IndexError, match="out of range"):
        seq[5]


def test_sequential_from_ordered_dict_keeps_names() -> None:
    seq = nn.Sequential(OrderedDict(fc=nn.Linear(2, 2), act=nn.Tanh()))
    assert [n for n, _ in seq.named_parameters()] == ["fc.weight", "fc.bias"]
    assert seq[1] is seq.act


def test_module_list_registers_but_does_not_chain() -> None:
    ml = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
    ml += [nn.Linear(2, 1)]
    assert len(ml) == 3 and len(list(ml.parameters())) == 6
    assert isinstance(ml[1:], nn.ModuleList) and len(ml[1:]) == 2
    with pytest.raises(NotImplementedError):
        ml(ag.ones(1, 2))
