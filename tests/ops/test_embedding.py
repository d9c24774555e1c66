"""Embedding kernels: parity with PyTorch (values and weight gradients, including repeated
indices, padding_idx, scale_grad_by_freq, every embedding_bag mode) and float64 gradcheck from
one table, then max_norm's in-place renormalisation, torch's calling forms, the scatter-add
accumulation, double backward and errors."""

import importlib

import numpy as np
import pytest

import ember
from ember.autograd import gradgradcheck
from tests.helpers import OpCase, parametrize_cases, requires_torch, torch

# The family by module path (``ember.ops.<name>`` is shadowed by a function of that name)
EM = importlib.import_module("ember.ops.embedding")

if torch is not None:
    import torch.nn.functional as TF

OTHER_TESTS = ("embedding_renorm_",)  # in-place: test_embedding_bag_max_norm_and_renorm_...


def F(m):
    return TF if m is torch else EM


def T(m):
    return torch if m is torch else EM


def _t(m, values):
    return m.tensor(values)


def _bag(mode, **kw):
    def fn(m, w):
        idx = _t(m, [1, 2, 4, 5, 4, 3, 2, 0, 4])
        offsets = _t(m, [0, 2, 2, 5])
        return F(m).embedding_bag(idx, w, offsets, mode=mode, **kw)
    return fn


def _bag2d(mode, **kw):
    def fn(m, w):
        return F(m).embedding_bag(_t(m, [[1, 2, 1], [4, 0, 3]]), w, mode=mode, **kw)
    return fn


def _bag_psw(m, w, psw):
    idx = _t(m, [1, 2, 4, 5, 4, 3, 2, 0])
    return F(m).embedding_bag(idx, w, _t(m, [0, 3, 3, 6]), mode="sum", per_sample_weights=psw,
                              padding_idx=2)


def _bag_last(mode):
    def fn(m, w):
        idx = _t(m, [1, 2, 4, 5, 4, 3, 2, 0])
        return F(m).embedding_bag(idx, w, _t(m, [0, 2, 2, 8]), mode=mode,
                                  include_last_offset=True, padding_idx=4)
    return fn


CASES = [
    # embedding: indices first (integers from [0, int_high)), repeated indices accumulate
    OpCase("embedding", lambda m, i, w: F(m).embedding(i, w), [(3, 4), (5, 3)], int_inputs=(0,)),
    OpCase("embedding", lambda m, i, w: F(m).embedding(i, w), [(20,), (4, 2)], int_inputs=(0,),
           int_high=4, id="embedding-many-repeats"),
    OpCase("embedding", lambda m, i, w: F(m).embedding(i, w), [(), (5, 3)], int_inputs=(0,)),
    OpCase("embedding", lambda m, i, w: F(m).embedding(i, w), [(2, 2, 3), (6, 2)],
           int_inputs=(0,), int_high=6),
    # padding_idx and scale_grad_by_freq change the gradient on purpose: no gradcheck
    OpCase("embedding", lambda m, i, w: F(m).embedding(i, w, padding_idx=1), [(4, 3), (5, 3)],
           int_inputs=(0,), gradcheck=False, id="embedding-padding"),
    OpCase("embedding", lambda m, i, w: F(m).embedding(i, w, padding_idx=-1), [(4, 3), (5, 3)],
           int_inputs=(0,), gradcheck=False, id="embedding-padding-negative"),
    OpCase("embedding", lambda m, i, w: F(m).embedding(i, w, scale_grad_by_freq=True),
           [(6, 3), (5, 2)], int_inputs=(0,), gradcheck=False, id="embedding-freq"),
    OpCase("embedding",
           lambda m, i, w: F(m).embedding(i, w, padding_idx=0, scale_grad_by_freq=True),
           [(6, 3), (5, 2)], int_inputs=(0,), gradcheck=False, id="embedding-padding-freq"),
    OpCase("embedding", lambda m, i, w: F(m).embedding(i, w.mT), [(3, 2), (4, 5)],
           int_inputs=(0,), id="embedding-transposed-table"),
    OpCase("embedding", lambda m, i, w: T(m).embedding(w, i), [(3, 4), (5, 3)], int_inputs=(0,),
           id="embedding-torch-form"),
    OpCase("embedding", lambda m, i, w: T(m).embedding(w, i, 2, True), [(7,), (5, 3)],
           int_inputs=(0,), gradcheck=False, id="embedding-torch-form-padding-freq"),
    OpCase("embedding", lambda m, i, w: T(m).embedding(w, i, -1), [(7,), (5, 3)],
           int_inputs=(0,), id="embedding-torch-form-no-padding"),
    # embedding_bag: every mode, 1-D input with offsets (an empty bag included) and 2-D input
    OpCase("embedding_bag", _bag("sum"), [(6, 3)]),
    OpCase("embedding_bag", _bag("mean"), [(6, 3)]),
    OpCase("embedding_bag", _bag("max"), [(6, 3)]),
    OpCase("embedding_bag", _bag("sum", padding_idx=4), [(6, 3)], id="embedding_bag-sum-pad"),
    OpCase("embedding_bag", _bag("mean", padding_idx=4), [(6, 3)], id="embedding_bag-mean-pad"),
    OpCase("embedding_bag", _bag("max", padding_idx=4), [(6, 3)], id="embedding_bag-max-pad"),
    # (scale_grad_by_freq: torch's embedding_bag scales by the wrong counts, see the test below)
    OpCase("embedding_bag", _bag2d("sum"), [(5, 2)]),
    OpCase("embedding_bag", _bag2d("mean"), [(5, 2)]),
    OpCase("embedding_bag", _bag2d("max"), [(5, 2)]),
    OpCase("embedding_bag", _bag2d("mean", padding_idx=1), [(5, 2)],
           id="embedding_bag-2d-mean-pad"),
    OpCase("embedding_bag", _bag_psw, [(6, 3), (8,)]),
    OpCase("embedding_bag", _bag_last("sum"), [(6, 2)], id="embedding_bag-last-sum"),
    OpCase("embedding_bag", _bag_last("mean"), [(6, 2)], id="embedding_bag-last-mean"),
    OpCase("embedding_bag", _bag_last("max"), [(6, 2)], id="embedding_bag-last-max"),
]

test_parity, test_gradcheck = parametrize_cases(CASES)


# -- max_norm ----------------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
def test_max_norm_renormalises_used_rows_in_place_like_torch(norm_type):
    rng = np.random.default_rng(0)
    w64 = rng.standard_normal((6, 4)) * 2
    idx = np.array([[0, 2, 2], [5, 0, 3]])
    e_w = ember.from_numpy(w64.copy()).requires_grad_()
    t_w = torch.from_numpy(w64.copy()).requires_grad_()
    v = e_w._version
    e_out = EM.embedding(ember.from_numpy(idx), e_w, max_norm=1.5, norm_type=norm_type)
    t_out = TF.embedding(torch.from_numpy(idx), t_w, max_norm=1.5, norm_type=norm_type)
    np.testing.assert_allclose(e_w.detach().numpy(), t_w.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-12)
    np.testing.assert_array_equal(e_w.detach().numpy()[[1, 4]], w64[[1, 4]])  # unused rows
    assert e_w._version == v + 1
    g = rng.standard_normal(e_out.shape)
    e_out.backward(ember.from_numpy(g))
    t_out.backward(torch.from_numpy(g))
    np.testing.assert_allclose(e_w.grad.numpy(), t_w.grad.numpy(), rtol=1e-12)


@requires_torch
def test_embedding_bag_max_norm_and_renorm_function_match_torch():
    rng = np.random.default_rng(1)
    w64 = rng.standard_normal((5, 3)) * 3
    idx = np.array([0, 1, 1, 4])
    e_w, t_w = ember.from_numpy(w64.copy()), torch.from_numpy(w64.copy())
    e = EM.embedding_bag(ember.from_numpy(idx), e_w, ember.tensor([0, 2]), max_norm=1.0)
    t = TF.embedding_bag(torch.from_numpy(idx), t_w, torch.tensor([0, 2]), max_norm=1.0)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-12)
    np.testing.assert_allclose(e_w.numpy(), t_w.numpy(), rtol=1e-12)
    e_w, t_w = ember.from_numpy(w64.copy()), torch.from_numpy(w64.copy())
    assert EM.embedding_renorm_(e_w, ember.tensor([2, 3, 2]), 2.0, 1.0) is e_w
    torch.embedding_renorm_(t_w, torch.tensor([2, 3, 2]), 2.0, 1.0)
    np.testing.assert_allclose(e_w.numpy(), t_w.numpy(), rtol=1e-12)


def test_max_norm_leaves_short_rows_and_version_alone():
    w = ember.tensor([[0.3, 0.4], [3.0, 4.0]])
    v = w._version
    EM.embedding(ember.tensor([0, 0]), w, max_norm=1.0)
    assert w._version == v and w.tolist()[0] == pytest.approx([0.3, 0.4])


# -- accumulation, padding, frequency --------------------------------------------------------


@pytest.mark.parametrize("n,vocab", [(50, 4), (2000, 3), (300, 1000), (1, 5)])
def test_scatter_add_accumulates_every_repeat(n, vocab):
    """Light and heavy repeats take different paths; both must equal a plain per-row sum."""
    rng = np.random.default_rng(n)
    idx = rng.integers(0, vocab, n)
    if n > 100:
        idx[: n // 2] = 1  # one index repeated many times
    g = rng.standard_normal((n, 3))
    w = ember.zeros(vocab, 3, dtype=ember.float64, requires_grad=True)
    EM.embedding(ember.from_numpy(idx), w).backward(ember.from_numpy(g))
    expect = np.zeros((vocab, 3))
    for i, row in zip(idx, g):
        expect[i] += row
    np.testing.assert_allclose(w.grad.numpy(), expect, rtol=1e-10, atol=1e-12)


def test_padding_row_gets_no_gradient_and_freq_scaling():
    w = ember.ones(4, 2, requires_grad=True)
    out = EM.embedding(ember.tensor([1, 1, 1, 2, 3, 3]), w, padding_idx=3,
                       scale_grad_by_freq=True)
    out.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [[0, 0], [1, 1], [1, 1], [0, 0]])
    assert out.detach().numpy()[-1].tolist() == [1.0, 1.0]  # the lookup itself isn't zeroed


@requires_torch
@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_scale_grad_by_freq_divides_by_each_index_count(mode):
    """Each looked-up row's gradient is divided by how often its index occurs in the batch,
    as F.embedding does. (torch 2.13's embedding_bag indexes its count table by position in the
    sorted indices instead: for indices [0, 1, 1, 2] it halves row 2's gradient; ember follows
    the documented rule.)"""
    rng = np.random.default_rng(3)
    w64 = rng.standard_normal((6, 3))
    idx = [1, 2, 4, 5, 4, 3, 2, 0, 4]
    offsets, ends = [0, 2, 2, 5], [2, 2, 5, 9]
    g = rng.standard_normal((4, 3))
    w = ember.from_numpy(w64.copy()).requires_grad_()
    out = EM.embedding_bag(ember.tensor(idx), w, ember.tensor(offsets), mode=mode,
                           scale_grad_by_freq=True)
    out.backward(ember.from_numpy(g))
    # reference: torch's (correct) embedding frequency scaling, then per-bag reductions
    tw = torch.from_numpy(w64.copy()).requires_grad_()
    rows = TF.embedding(torch.tensor(idx), tw, scale_grad_by_freq=True)
    bags = []
    for s, e in zip(offsets, ends):
        part = rows[s:e]
        if e == s:
            bags.append(torch.zeros(3, dtype=torch.float64))
        else:
            bags.append(part.sum(0) if mode == "sum" else part.mean(0))
    ref = torch.stack(bags)
    ref.backward(torch.from_numpy(g))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-12)


@requires_torch
def test_sparse_flag_gives_the_dense_gradient():
    rng = np.random.default_rng(4)
    w64 = rng.standard_normal((5, 2))
    idx = [0, 3, 3, 1]
    w = ember.from_numpy(w64.copy()).requires_grad_()
    EM.embedding(ember.tensor(idx), w, sparse=True).sum().backward()
    tw = torch.from_numpy(w64.copy()).requires_grad_()
    TF.embedding(torch.tensor(idx), tw, sparse=True).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.to_dense().numpy())


def test_output_dtype_follows_the_table_and_int32_indices_work():
    w = ember.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=ember.float64)
    out = EM.embedding(ember.tensor([1, 0], dtype=ember.int32), w)
    assert out.dtype is ember.float64 and out.tolist() == [[3.0, 4.0], [1.0, 2.0]]


def test_no_grad_for_frozen_table():
    w = ember.randn(3, 2)
    out = EM.embedding(ember.tensor([0, 2]), w)
    assert not out.requires_grad


def test_double_backward():
    rng = np.random.default_rng(2)
    w = ember.from_numpy(rng.standard_normal((4, 3))).requires_grad_()
    idx = ember.tensor([0, 2, 2, 3])

    def f(w):
        out = EM.embedding(idx, w)
        return out * out

    assert gradgradcheck(f, (w,))
    # with create_graph the (padding, frequency-scaled) gradient is built from ember ops
    out = EM.embedding(idx, w, padding_idx=3, scale_grad_by_freq=True)
    (g1,) = ember.autograd.grad((out * out).sum(), w, create_graph=True)
    (g2,) = ember.autograd.grad((out * out).sum(), w)
    assert g1.requires_grad
    np.testing.assert_allclose(g1.detach().numpy(), g2.numpy(), rtol=1e-12)
    psw = ember.from_numpy(rng.standard_normal(4)).requires_grad_()

    def g(w, p):
        out = EM.embedding_bag(idx, w, ember.tensor([0, 1]), mode="sum", per_sample_weights=p)
        return out * out

    assert gradgradcheck(g, (w, psw))
    assert gradgradcheck(lambda w: EM.embedding_bag(idx, w, ember.tensor([0, 1]),
                                                    mode="max") ** 2, (w,))


# -- errors ------------------------------------------------------------------------------------


def test_embedding_errors():
    w = ember.zeros(6, 3)
    with pytest.raises(IndexError, match=r"embedding\(\): index 6 is out of range for an "
                                         r"embedding table with 6 rows"):
        EM.embedding(ember.tensor([0, 6]), w)
    with pytest.raises(IndexError, match=r"index -1 is out of range"):
        EM.embedding(ember.tensor([-1]), w)
    with pytest.raises(RuntimeError, match=r"embedding\(\): Expected tensor for argument #1 "
                                           r"'indices' to have one of the following scalar "
                                           r"types: Long, Int; but got ember.float32"):
        EM.embedding(ember.tensor([1.0]), w)
    with pytest.raises(RuntimeError, match=r"embedding\(\): 'weight' must be 2-D.*\(3,\)"):
        EM.embedding(ember.tensor([1]), w[0])
    with pytest.raises(AssertionError, match=r"Padding_idx must be within num_embeddings"):
        EM.embedding(ember.tensor([1]), w, padding_idx=6)
    with pytest.raises(AssertionError, match=r"Padding_idx must be within num_embeddings"):
        EM.embedding(ember.tensor([1]), w, padding_idx=-7)


def test_embedding_bag_errors():
    w = ember.zeros(6, 3)
    i1 = ember.tensor([1, 2])
    with pytest.raises(ValueError, match=r"if input is 2D, then offsets has to be None"):
        EM.embedding_bag(ember.tensor([[1, 2]]), w, ember.tensor([0]))
    with pytest.raises(ValueError, match=r"offsets has to be a 1D Tensor but got None"):
        EM.embedding_bag(i1, w)
    with pytest.raises(RuntimeError, match=r"offsets\[0\] has to be 0.*got 1"):
        EM.embedding_bag(i1, w, ember.tensor([1]))
    with pytest.raises(RuntimeError, match=r"offsets\[-1\] can not be greater than input's "
                                           r"length 2 but got offsets\[-1\] of 3"):
        EM.embedding_bag(i1, w, ember.tensor([0, 3]))
    with pytest.raises(RuntimeError, match=r"embedding_bag\(\): offsets must be non-decreasing"):
        EM.embedding_bag(ember.tensor([1, 2, 3]), w, ember.tensor([0, 2, 1]))
    with pytest.raises(ValueError, match=r"mode has to be one of sum, mean or max"):
        EM.embedding_bag(i1, w, ember.tensor([0]), mode="foo")
    with pytest.raises(NotImplementedError, match=r"per_sample_weights is only supported for "
                                                  r"mode='sum' \(got mode='mean'\)"):
        EM.embedding_bag(i1, w, ember.tensor([0]), per_sample_weights=ember.ones(2))
    with pytest.raises(ValueError, match=r"embedding_bag: If per_sample_weights .* must have the "
                                         r"same shape as the input"):
        EM.embedding_bag(i1, w, ember.tensor([0]), mode="sum",
                         per_sample_weights=ember.ones(3))
    with pytest.raises(ValueError, match=r"max mode does not support scaling the gradient"):
        EM.embedding_bag(i1, w, ember.tensor([0]), mode="max", scale_grad_by_freq=True)
    with pytest.raises(ValueError, match=r"weight has to be a 2D Tensor, but got Tensor of "
                                         r"dimension 1"):
        EM.embedding_bag(i1, w[0], ember.tensor([0]))
    with pytest.raises(ValueError, match=r"input has to be 1D or 2D Tensor, but got Tensor of "
                                         r"dimension 3"):
        EM.embedding_bag(ember.zeros(1, 1, 1, dtype=ember.int64), w)
    with pytest.raises(IndexError, match=r"embedding_bag\(\): index 9 is out of range"):
        EM.embedding_bag(ember.tensor([[1, 9]]), w)


def test_embedding_bag_swapped_arguments_warn_and_work():
    w = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.warns(UserWarning, match=r"Argument order of nn.functional.embedding_bag"):
        out = EM.embedding_bag(w, ember.tensor([[0, 1]]), mode="sum")
    assert out.tolist() == [[4.0, 6.0]]


def test_embedding_bag_empty_and_degenerate_bags():
    w = ember.ones(3, 2, requires_grad=True)
    out = EM.embedding_bag(ember.tensor([], dtype=ember.int64), w, ember.tensor([0, 0]),
                           mode="max")
    assert out.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    out = EM.embedding_bag(ember.zeros(2, 0, dtype=ember.int64), w, mode="mean")
    assert out.shape == (2, 2) and out.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    out = EM.embedding_bag(ember.tensor([1, 1]), w, ember.tensor([0]), mode="mean",
                           padding_idx=1)
    assert out.tolist() == [[0.0, 0.0]]


@requires_torch
def test_embedding_bag_max_with_nan_follows_torchs_running_max():
    """torch keeps a nan in a bag's first row and skips nan in later rows; the gradient goes to
    the row that holds the result."""
    w64 = np.arange(12.0).reshape(4, 3)
    w64[2, 1] = w64[0, 2] = w64[3, 2] = np.nan
    ew = ember.from_numpy(w64.copy()).requires_grad_()
    tw = torch.from_numpy(w64.copy()).requires_grad_()
    e = EM.embedding_bag(ember.tensor([0, 2, 3]), ew, ember.tensor([0]), mode="max")
    t = TF.embedding_bag(torch.tensor([0, 2, 3]), tw, torch.tensor([0]), mode="max")
    np.testing.assert_array_equal(e.detach().numpy(), t.detach().numpy())
    e.sum().backward()
    t.sum().backward()
    np.testing.assert_array_equal(ew.grad.numpy(), tw.grad.numpy())
