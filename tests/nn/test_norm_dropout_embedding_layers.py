"""Normalization, dropout and embedding layers against torch.nn: reprs, parameter and buffer
names, shapes and initial values (state_dict keys equal torch's), training and eval behaviour
over several steps (outputs, gradients, running statistics), and errors that name the layer."""

import warnings

import numpy as np
import pytest

import ember
from ember.nn.modules import batchnorm as BN
from ember.nn.modules import dropout as DR
from ember.nn.modules import normalization as NM
from ember.nn.modules import sparse as SP
from tests.helpers import requires_torch, torch

LAYERS = {**{n: getattr(BN, n) for n in ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d")},
          **{n: getattr(NM, n) for n in ("LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm",
                                         "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d")},
          **{n: getattr(DR, n) for n in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d",
                                         "AlphaDropout", "FeatureAlphaDropout")},
          "Embedding": SP.Embedding, "EmbeddingBag": SP.EmbeddingBag}

SPECS = [
    ("BatchNorm1d", (4,), {}),
    ("BatchNorm1d", (3,), dict(eps=1e-3, momentum=None, affine=False)),
    ("BatchNorm2d", (32,), {}),
    ("BatchNorm2d", (4,), dict(track_running_stats=False)),
    ("BatchNorm2d", (4,), dict(bias=False)),
    ("BatchNorm3d", (2,), dict(momentum=0.3)),
    ("InstanceNorm1d", (3,), {}),
    ("InstanceNorm2d", (4,), dict(affine=True, track_running_stats=True)),
    ("InstanceNorm3d", (2,), dict(eps=1e-3)),
    ("LayerNorm", (512,), {}),
    ("LayerNorm", ((3, 4),), dict(eps=1e-6, bias=False)),
    ("LayerNorm", ([5],), dict(elementwise_affine=False)),
    ("GroupNorm", (2, 4), {}),
    ("GroupNorm", (3, 6), dict(affine=False)),
    ("GroupNorm", (1, 4), dict(eps=1e-3, bias=False)),
    ("RMSNorm", (5,), {}),
    ("RMSNorm", ((2, 3),), dict(eps=1e-6, elementwise_affine=False)),
    ("LocalResponseNorm", (3,), {}),
    ("LocalResponseNorm", (2, 1e-3, 0.5, 2.0), {}),
    ("Dropout", (), {}),
    ("Dropout", (0.2, True), {}),
    ("Dropout1d", (0.3,), {}),
    ("Dropout2d", (0.2,), dict(inplace=True)),
    ("Dropout3d", (), {}),
    ("AlphaDropout", (0.1,), {}),
    ("FeatureAlphaDropout", (0.4,), {}),
    ("Embedding", (10, 3), {}),
    ("Embedding", (10, 3), dict(padding_idx=0, max_norm=1.0, norm_type=3.0,
                                scale_grad_by_freq=True, sparse=True)),
    ("Embedding", (6, 2), dict(padding_idx=-2)),
    ("EmbeddingBag", (10, 3), {}),
    ("EmbeddingBag", (10, 3), dict(max_norm=2.0, mode="max", padding_idx=1)),
    ("EmbeddingBag", (8, 2), dict(norm_type=1.0, scale_grad_by_freq=True, mode="sum",
                                  include_last_offset=True)),
]


def _ids(spec):
    return f"{spec[0]}{spec[1]}{spec[2] or ''}"


def _pair(spec):
    name, args, kwargs = spec
    return LAYERS[name](*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)


# -- construction ------------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize("spec", SPECS, ids=_ids)
def test_repr_equals_torch(spec):
    e, t = _pair(spec)
    assert repr(e) == repr(t)


@requires_torch
@pytest.mark.parametrize("spec", SPECS, ids=_ids)
def test_parameters_buffers_and_state_dict_match_torch(spec):
    e, t = _pair(spec)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]
    e_sd, t_sd = e.state_dict(), t.state_dict()
    assert list(e_sd) == list(t_sd)
    for k in t_sd:
        assert tuple(e_sd[k].shape) == tuple(t_sd[k].shape), k
        assert str(e_sd[k].dtype).split(".")[-1] == str(t_sd[k].dtype).split(".")[-1], k
        if spec[0] not in ("Embedding", "EmbeddingBag") or k != "weight":
            np.testing.assert_array_equal(e_sd[k].numpy(), t_sd[k].numpy(), err_msg=k)
    for (n, p), (_, tp) in zip(e.named_parameters(), t.named_parameters()):
        assert p.requires_grad == tp.requires_grad, n


def test_batch_norm_buffers_are_torch_like():
    m = BN.BatchNorm2d(3)
    assert m.num_batches_tracked.dtype is ember.int64 and m.num_batches_tracked.shape == ()
    assert m.running_mean.tolist() == [0.0] * 3 and m.running_var.tolist() == [1.0] * 3
    m = BN.BatchNorm1d(3, track_running_stats=False)
    assert m.running_mean is None and m.num_batches_tracked is None
    m = BN.BatchNorm1d(3, dtype=ember.float64).double()
    assert m.running_var.dtype is ember.float64 and m.num_batches_tracked.dtype is ember.int64
    m = NM.InstanceNorm1d(3)
    assert m.weight is None and m.running_mean is None and list(m.state_dict()) == []


def test_embedding_init_is_standard_normal_with_zero_padding_row():
    ember.manual_seed(0)
    m = SP.Embedding(2000, 50, padding_idx=3)
    w = m.weight.detach().numpy()
    assert np.all(w[3] == 0)
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01
    m.weight.detach().fill_(1.0)
    m.reset_parameters()
    assert np.all(m.weight.detach().numpy()[3] == 0) and m.weight.detach().numpy()[0, 0] != 1
    bag = SP.EmbeddingBag(10, 4, padding_idx=-1)
    assert bag.padding_idx == 9 and np.all(bag.weight.detach().numpy()[9] == 0)


def test_reset_running_stats_and_parameters():
    m = BN.BatchNorm1d(2)
    m(ember.randn(4, 2))
    assert m.num_batches_tracked.item() == 1
    with ember.no_grad():
        m.weight.fill_(3.0)
    m.reset_parameters()
    assert m.num_batches_tracked.item() == 0 and m.running_var.tolist() == [1.0, 1.0]
    assert m.weight.tolist() == [1.0, 1.0]


# -- batch norm behaviour over several steps ---------------------------------------------------

BN_CONFIGS = [
    ("BatchNorm1d", (3,), {}, (6, 3)),
    ("BatchNorm1d", (3,), {}, (4, 3, 5)),
    ("BatchNorm1d", (3,), dict(momentum=None), (5, 3)),
    ("BatchNorm2d", (4,), {}, (3, 4, 3, 3)),
    ("BatchNorm2d", (4,), dict(affine=False, momentum=0.5), (2, 4, 2, 3)),
    ("BatchNorm2d", (4,), dict(track_running_stats=False), (3, 4, 2, 2)),
    ("BatchNorm2d", (4,), dict(bias=False, eps=1e-3), (2, 4, 3, 2)),
    ("BatchNorm3d", (2,), dict(momentum=None), (2, 2, 2, 3, 2)),
    ("InstanceNorm1d", (3,), {}, (4, 3, 5)),
    ("InstanceNorm1d", (3,), dict(affine=True, track_running_stats=True), (4, 3, 5)),
    ("InstanceNorm1d", (3,), dict(affine=True), (3, 6)),  # unbatched
    ("InstanceNorm2d", (2,), dict(track_running_stats=True, momentum=0.4), (3, 2, 3, 3)),
    ("InstanceNorm3d", (2,), dict(affine=True), (2, 2, 2, 2)),  # unbatched
]


def _load_from_torch(e, t, rng):
    """Give both modules the same random affine parameters."""
    with torch.no_grad():
        for p in t.parameters():
            p.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, tuple(p.shape)).astype(np.float32)))
    e.load_state_dict(t.state_dict())


@requires_torch
@pytest.mark.parametrize("cfg", BN_CONFIGS, ids=lambda c: f"{c[0]}{c[2] or ''}{c[3]}")
def test_train_then_eval_matches_torch(cfg):
    name, args, kwargs, shape = cfg
    e, t = _pair((name, args, kwargs))
    rng = np.random.default_rng(0)
    _load_from_torch(e, t, rng)
    for step in range(4):
        x = (rng.standard_normal(shape) * (1 + step) + 0.5 * step).astype(np.float32)
        g = rng.standard_normal(shape).astype(np.float32)
        ex = ember.from_numpy(x.copy()).requires_grad_()
        tx = torch.from_numpy(x.copy()).requires_grad_()
        eo, to = e(ex), t(tx)
        np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-4,
                                   atol=1e-5)
        eo.backward(ember.from_numpy(g))
        to.backward(torch.from_numpy(g))
        np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
        for (n, p), (_, tp) in zip(e.named_parameters(), t.named_parameters()):
            np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-4,
                                       err_msg=n)
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(e.state_dict()[k].numpy(), v.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=k)
    e.eval()
    t.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(e(ember.from_numpy(x)).detach().numpy(),
                               t(torch.from_numpy(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
    before = {k: v.numpy().copy() for k, v in e.state_dict().items()}
    e(ember.from_numpy(x))
    for k, v in e.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k], err_msg=f"eval changed {k}")


def test_cumulative_moving_average_with_momentum_none():
    m = BN.BatchNorm1d(1, momentum=None)
    means = []
    for v in ([1.0, 3.0], [5.0, 7.0], [0.0, 2.0]):
        m(ember.tensor(v).reshape(2, 1))
        means.append(np.mean(v))
        assert m.running_mean.item() == pytest.approx(np.mean(means))
    assert m.num_batches_tracked.item() == 3


@requires_torch
@pytest.mark.parametrize("name,args,shape", [
    ("LayerNorm", ((3, 4),), (2, 5, 3, 4)),
    ("LayerNorm", (6,), (4, 6)),
    ("GroupNorm", (2, 6), (3, 6, 4)),
    ("GroupNorm", (3, 3), (2, 3, 2, 2)),
    ("RMSNorm", (4,), (3, 4)),
    ("LocalResponseNorm", (3,), (2, 5, 3)),
])
def test_stateless_norm_layers_match_torch(name, args, shape):
    e, t = _pair((name, args, {}))
    rng = np.random.default_rng(1)
    _load_from_torch(e, t, rng)
    x = rng.standard_normal(shape).astype(np.float32)
    ex, tx = ember.from_numpy(x).requires_grad_(), torch.from_numpy(x.copy()).requires_grad_()
    eo, to = e(ex), t(tx)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-4, atol=1e-5)
    g = rng.standard_normal(shape).astype(np.float32)
    eo.backward(ember.from_numpy(g))
    to.backward(torch.from_numpy(g))
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (n, p), (_, tp) in zip(e.named_parameters(), t.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-4,
                                   err_msg=n)


def test_layer_shapes():
    assert NM.LayerNorm(8)(ember.randn(2, 5, 8)).shape == (2, 5, 8)
    assert NM.GroupNorm(2, 4)(ember.randn(3, 4, 2, 2)).shape == (3, 4, 2, 2)
    assert BN.BatchNorm1d(4)(ember.randn(3, 4, 7)).shape == (3, 4, 7)
    assert NM.InstanceNorm2d(3)(ember.randn(3, 4, 4)).shape == (3, 4, 4)
    assert SP.Embedding(10, 3)(ember.tensor([[1, 2], [3, 4], [5, 6]])).shape == (3, 2, 3)
    assert SP.EmbeddingBag(10, 3)(ember.tensor([[1, 2], [3, 4]])).shape == (2, 3)
    assert DR.Dropout2d()(ember.randn(2, 3, 4, 4)).shape == (2, 3, 4, 4)


# -- errors that name the layer, what was expected and what came ---------------------------------


def test_batch_norm_layer_errors():
    m = BN.BatchNorm2d(32)
    with pytest.raises(RuntimeError, match=r"(?s)batch_norm\(\): expected 32 channels "
                                           r"\(num_features\) at dim 1, got input of shape "
                                           r"\(8, 16, 4, 4\).*raised in module BatchNorm2d"):
        m(ember.zeros(8, 16, 4, 4))
    with pytest.raises(ValueError, match=r"(?s)expected 4D input \(got 3D input\).*BatchNorm2d"):
        m(ember.zeros(8, 32, 4))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        BN.BatchNorm1d(3)(ember.zeros(2, 3, 1, 1))
    with pytest.raises(ValueError, match=r"expected 5D input \(got 4D input\)"):
        BN.BatchNorm3d(3)(ember.zeros(2, 3, 1, 1))
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, "
                                         r"got input size ember.Size\(\[1, 32\]\)"):
        BN.BatchNorm1d(32)(ember.zeros(1, 32))
    m = BN.BatchNorm1d(32).eval()
    assert m(ember.zeros(1, 32)).shape == (1, 32)  # a batch of one is fine in eval mode
    seq = ember.nn.Sequential(ember.nn.Linear(4, 8), BN.BatchNorm1d(6))
    with pytest.raises(RuntimeError, match=r"(?s)expected 6 channels.*\(2, 8\).*Sequential\.1 "
                                           r"\(BatchNorm1d\)"):
        seq(ember.zeros(2, 4))


def test_other_layer_errors():
    with pytest.raises(ValueError, match=r"num_channels \(5\) must be divisible by num_groups "
                                         r"\(2\)"):
        NM.GroupNorm(2, 5)
    with pytest.raises(RuntimeError, match=r"(?s)layer_norm\(\): Given normalized_shape=\[8\], "
                                           r"expected input with shape \[\*, 8\], but got input "
                                           r"of size \[2, 7\].*LayerNorm"):
        NM.LayerNorm(8)(ember.zeros(2, 7))
    with pytest.raises(ValueError, match=r"expected input's size at dim=1 to match num_features "
                                         r"\(3\), but got: 4"):
        NM.InstanceNorm1d(3, affine=True)(ember.zeros(2, 4, 5))
    with pytest.warns(UserWarning, match=r"input's size at dim=1 does not match num_features"):
        NM.InstanceNorm1d(3)(ember.zeros(2, 4, 5))
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        NM.InstanceNorm2d(3)(ember.zeros(2, 3))
    for cls in (DR.Dropout, DR.Dropout2d, DR.AlphaDropout):
        with pytest.raises(ValueError, match=r"dropout probability has to be between 0 and 1, "
                                             r"but got 1.2"):
            cls(1.2)
    with pytest.raises(AssertionError, match=r"Padding_idx must be within num_embeddings"):
        SP.Embedding(5, 2, padding_idx=5)
    with pytest.raises(AssertionError, match=r"padding_idx must be within num_embeddings"):
        SP.EmbeddingBag(5, 2, padding_idx=-6)
    with pytest.raises(AssertionError, match=r"Shape of weight does not match"):
        SP.Embedding(5, 2, _weight=ember.zeros(4, 2))
    with pytest.raises(AssertionError, match=r"Embeddings parameter is expected to be "
                                             r"2-dimensional"):
        SP.Embedding.from_pretrained(ember.zeros(3))
    with pytest.raises(IndexError, match=r"(?s)index 7 is out of range.*Embedding"):
        SP.Embedding(5, 2)(ember.tensor([7]))


# -- dropout layers ------------------------------------------------------------------------------


def test_dropout_layers_train_and_eval():
    x = ember.ones(50, 40)
    for cls in (DR.Dropout, DR.AlphaDropout):
        m = cls(0.5)
        ember.manual_seed(0)
        a = m(x)
        ember.manual_seed(0)
        assert np.array_equal(a.numpy(), m(x).numpy())
        assert not np.array_equal(a.numpy(), x.numpy())
        assert m.eval()(x) is x
    m = DR.Dropout(0.3, inplace=True)
    y = ember.ones(4, 5)
    assert m(y) is y
    ember.manual_seed(1)
    out = DR.Dropout2d(0.5)(ember.ones(4, 8, 3, 3)).numpy().reshape(4, 8, 9)
    assert np.all(out.min(axis=2) == out.max(axis=2))


# -- embedding layers ----------------------------------------------------------------------------


def test_from_pretrained_freeze_and_sharing():
    table = ember.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    m = SP.Embedding.from_pretrained(table)
    assert not m.weight.requires_grad and m.padding_idx is None
    assert m(ember.tensor([2, 0])).tolist() == [[5.0, 6.0], [1.0, 2.0]]
    assert m.weight.tolist()[1] == [3.0, 4.0]  # from_pretrained does not zero a padding row
    m = SP.Embedding.from_pretrained(table, freeze=False, padding_idx=1)
    assert m.weight.requires_grad and m.weight.tolist()[1] == [3.0, 4.0]
    m(ember.tensor([1, 2])).sum().backward()
    assert m.weight.grad.tolist() == [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]
    with ember.no_grad():
        m.weight[0, 0] = 9.0
    assert table.tolist()[0][0] == 9.0  # the weight shares the given tensor's memory
    bag = SP.EmbeddingBag.from_pretrained(table, mode="sum")
    assert not bag.weight.requires_grad
    assert bag(ember.tensor([[0, 1]])).tolist() == [[12.0, 6.0]]


@requires_torch
def test_embedding_max_norm_changes_the_weight_in_place_like_torch():
    e = SP.Embedding(6, 3, max_norm=1.0)
    t = torch.nn.Embedding(6, 3, max_norm=1.0)
    with torch.no_grad():
        t.weight.copy_(torch.linspace(-3, 3, 18).reshape(6, 3))  # every row's norm > 1
    e.load_state_dict(t.state_dict())
    before = e.weight.detach().numpy().copy()
    idx = [[0, 1], [1, 4]]
    eo, to = e(ember.tensor(idx)), t(torch.tensor(idx))
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(e.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-6)
    norms = np.linalg.norm(e.weight.detach().numpy(), axis=1)
    assert np.all(norms[[0, 1, 4]] <= 1.0 + 1e-6)
    np.testing.assert_array_equal(e.weight.detach().numpy()[[2, 3, 5]], before[[2, 3, 5]])


@requires_torch
@pytest.mark.parametrize("kwargs", [dict(mode="mean"), dict(mode="sum", padding_idx=2),
                                    dict(mode="max"), dict(mode="sum", include_last_offset=True)])
def test_embedding_bag_layer_matches_torch(kwargs):
    e, t = _pair(("EmbeddingBag", (7, 3), kwargs))
    e.load_state_dict(t.state_dict())
    idx, offsets = [1, 2, 2, 6, 0, 3], [0, 2, 2, 6]
    eo = e(ember.tensor(idx), ember.tensor(offsets))
    to = t(torch.tensor(idx), torch.tensor(offsets))
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = np.random.default_rng(2).standard_normal(tuple(to.shape)).astype(np.float32)
    eo.backward(ember.from_numpy(g))
    to.backward(torch.from_numpy(g))
    np.testing.assert_allclose(e.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    if kwargs["mode"] == "sum":
        psw = np.linspace(0.5, 2.0, len(idx)).astype(np.float32)
        eo = e(ember.tensor(idx), ember.tensor(offsets), ember.from_numpy(psw))
        to = t(torch.tensor(idx), torch.tensor(offsets), torch.from_numpy(psw))
        np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)


@requires_torch
def test_torch_state_dict_loads_into_every_layer():
    for spec in SPECS:
        e, t = _pair(spec)
        result = e.load_state_dict(t.state_dict())
        assert not result.missing_keys and not result.unexpected_keys
        for k, v in t.state_dict().items():
            np.testing.assert_array_equal(e.state_dict()[k].numpy(), v.numpy())


def test_no_warnings_in_ordinary_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BN.BatchNorm2d(3)(ember.randn(2, 3, 4, 4)).sum().backward()
        NM.LayerNorm(4)(ember.randn(2, 4)).sum().backward()
        SP.Embedding(5, 2)(ember.tensor([1, 2])).sum().backward()
