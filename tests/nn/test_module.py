"""nn.Module: registration, traversal, modes, state dicts, hooks, repr, containers."""

from collections import OrderedDict

import numpy as np
import pytest

import ember
from ember import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(8, 3)
        self.register_buffer("steps", ember.zeros(1))
        self.register_buffer("scratch", ember.zeros(2), persistent=False)
        self.scale = 2.0

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


def test_parameters_buffers_and_modules_are_registered_by_attribute():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight",
                                                      "fc2.bias"]
    assert [n for n, _ in net.named_buffers()] == ["steps", "scratch"]
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]
    assert isinstance(net.fc1.weight, nn.Parameter) and net.fc1.weight.requires_grad
    assert sum(p.numel() for p in net.parameters()) == 4 * 8 + 8 + 8 * 3 + 3


def test_shared_parameters_are_listed_once():
    a = nn.Linear(3, 3)
    seq = nn.Sequential(a, a)
    assert len(list(seq.parameters())) == 2


def test_state_dict_holds_params_and_persistent_buffers_only():
    sd = Net().state_dict()
    # like torch: a module's own entries come before its children's
    assert list(sd) == ["steps", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert not sd["fc1.weight"].requires_grad


def test_load_state_dict_copies_values_and_reports_keys():
    a, b = Net(), Net()
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(a.fc1.weight.detach().numpy(), b.fc1.weight.detach().numpy())
    sd = a.state_dict()
    del sd["fc2.bias"]
    sd["extra"] = ember.zeros(1)
    missing_then_unexpected = r'(?s)Missing key\(s\).*"fc2.bias".*Unexpected.*"extra"'
    with pytest.raises(RuntimeError, match=missing_then_unexpected):
        b.load_state_dict(sd)
    result = b.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["fc2.bias"] and result.unexpected_keys == ["extra"]


def test_load_state_dict_names_size_mismatches():
    sd = Net().state_dict()
    sd["fc1.weight"] = ember.zeros(8, 5)
    with pytest.raises(RuntimeError, match=r"size mismatch for fc1.weight.*\(8, 5\).*\(8, 4\)"):
        Net().load_state_dict(sd)


def test_train_eval_and_zero_grad():
    net = Net()
    net.eval()
    assert not net.training and not net.fc1.training
    net.train()
    assert net.act.training
    net(ember.ones(2, 4)).sum().backward()
    assert net.fc1.weight.grad is not None
    net.zero_grad(set_to_none=False)
    assert not net.fc1.weight.grad.numpy().any()
    net.zero_grad()
    assert net.fc1.weight.grad is None


def test_to_dtype_changes_params_in_place():
    net = Net()
    w = net.fc1.weight
    net.double()
    assert net.fc1.weight is w and w.dtype is ember.float64
    assert net(ember.ones(1, 4, dtype=ember.float64)).dtype is ember.float64


def test_forward_hooks_and_pre_hooks():
    net = Net()
    seen = []
    h1 = net.fc1.register_forward_pre_hook(lambda m, args: seen.append("pre"))
    h2 = net.fc1.register_forward_hook(lambda m, args, out: out * 0)
    out = net(ember.ones(1, 4))
    assert seen == ["pre"]
    np.testing.assert_allclose(out.detach().numpy(), (net.fc2.bias * 2).detach().numpy()[None])
    h1.remove()
    h2.remove()
    net(ember.ones(1, 4))
    assert seen == ["pre"]


def test_full_backward_hook_sees_gradients():
    lin = nn.Linear(3, 2)
    got = {}

    def hook(module, grad_input, grad_output):
        got["in"] = grad_input[0].numpy().copy()
        got["out"] = grad_output[0].numpy().copy()

    lin.register_full_backward_hook(hook)
    x = ember.ones(1, 3, requires_grad=True)
    lin(x).sum().backward()
    np.testing.assert_allclose(got["out"], np.ones((1, 2)))
    np.testing.assert_allclose(got["in"], lin.weight.detach().numpy().sum(0, keepdims=True),
                               rtol=1e-6)


def test_repr_matches_torch_layout():
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3, bias=False)), ("act", nn.ReLU())]))
    assert repr(seq) == (
        "Sequential(\n  (fc): Linear(in_features=2, out_features=3, bias=False)\n"
        "  (act): ReLU()\n)"
    )


def test_errors_inside_forward_name_the_layer_path():
    seq = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(5, 2))
    path = r"(?s)\(3, 8\).*raised in module Sequential\.2 \(Linear\)"
    with pytest.raises(RuntimeError, match=path):
        seq(ember.ones(3, 4))


def test_sequential_indexing_slicing_and_editing():
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    assert isinstance(seq[-1], nn.Linear) and len(seq[:2]) == 2
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and isinstance(seq[3], nn.Sigmoid)
    del seq[1]
    assert [type(m).__name__ for m in seq] == ["Linear", "Linear", "Sigmoid"]
    with pytest.raises(IndexError):
        seq[10]


def test_module_list_dict_and_parameter_containers():
    ml = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    md = nn.ModuleDict({"a": nn.Linear(1, 2)})
    pl = nn.ParameterList([nn.Parameter(ember.ones(2)), nn.Parameter(ember.zeros(3))])
    pd = nn.ParameterDict({"w": nn.Parameter(ember.ones(1))})
    holder = nn.Module()
    holder.ml, holder.md, holder.pl, holder.pd = ml, md, pl, pd
    names = [n for n, _ in holder.named_parameters()]
    assert names == ["ml.0.weight", "ml.0.bias", "ml.1.weight", "ml.1.bias", "ml.2.weight",
                     "ml.2.bias", "md.a.weight", "md.a.bias", "pl.0", "pl.1", "pd.w"]


def test_assigning_a_plain_tensor_over_a_parameter_is_an_error():
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign"):
        lin.weight = ember.ones(2, 2)
    lin.weight = nn.Parameter(ember.ones(2, 2))
    assert lin.weight.detach().numpy().sum() == 4


def test_linear_initialisation_bounds_match_torch():
    lin = nn.Linear(100, 50)
    w = lin.weight.detach().numpy()
    bound = 1 / np.sqrt(100)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.1 * bound


def test_linear_matches_torch():
    torch = pytest.importorskip("torch")
    lin = nn.Linear(5, 3)
    tl = torch.nn.Linear(5, 3)
    with torch.no_grad():
        tl.weight.copy_(torch.from_numpy(lin.weight.detach().numpy()))
        tl.bias.copy_(torch.from_numpy(lin.bias.detach().numpy()))
    x = np.random.default_rng(0).standard_normal((2, 4, 5)).astype(np.float32)
    ex = ember.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    eo, to = lin(ex), tl(tx)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    eo.sum().backward()
    to.sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(lin.weight.grad.numpy(), tl.weight.grad.numpy(), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(lin.bias.grad.numpy(), tl.bias.grad.numpy(), rtol=1e-5, atol=1e-5)
