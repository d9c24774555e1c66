"""Reductions: parity with PyTorch and float64 gradcheck from one table, then focused tests for
dtypes, ties, zeros, NaN, empty and 0-d inputs, return types, errors and double backward."""

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from tests.helpers import OpCase, parametrize_cases, requires_torch

try:
    import torch
except ImportError:
    torch = None


def zeros_at(*positions):
    """A ``domain=`` that sets the given flat positions to exactly 0."""

    def f(a):
        a = np.array(a, copy=True)
        a.reshape(-1)[list(positions)] = 0.0
        return a

    return f


def with_nan(a):
    a = np.array(a, copy=True)
    a[a > 1.2] = np.nan
    return a


ties = np.round  # values in {-2, ..., 2}: plenty of ties

CASES = [
    # sum / mean
    OpCase("sum", lambda m, x: x.sum(), [(3, 4)]),
    OpCase("sum", lambda m, x: m.sum(x, 1), [(3, 4)]),
    OpCase("sum", lambda m, x: x.sum(dim=(0, 2), keepdim=True), [(2, 3, 4)]),
    OpCase("sum", lambda m, x: x.sum(-1), [(2, 3)]),
    OpCase("sum", lambda m, x: x.sum(dim=[]), [(2, 3)]),
    OpCase("sum", lambda m, x: x.sum(0), [(0, 3)]),
    OpCase("sum", lambda m, x: x.sum(0), [()]),
    OpCase("sum", lambda m, x: x.sum(1, dtype=m.float64), [(2, 3)], id="sum-dtype-float64"),
    OpCase("sum", lambda m, x: m.sum(x, 1), [(2, 3)], int_inputs=(0,), grad=False, id="sum-int"),
    OpCase("mean", lambda m, x: x.mean(), [(3, 4)]),
    OpCase("mean", lambda m, x: m.mean(x, (-1, -2), keepdim=True), [(2, 3, 4)]),
    OpCase("mean", lambda m, x: x.mean(1), [(0, 3)]),
    OpCase("mean", lambda m, x: x.mean(0, dtype=m.float64), [(3, 2)], id="mean-dtype-float64"),
    OpCase("mean", lambda m, x: x.mean(dtype=m.float32), [(3, 2)], int_inputs=(0,), grad=False,
           id="mean-int-dtype"),
    OpCase("nansum", lambda m, x: x.nansum(), [(3, 4)], domain=with_nan),
    OpCase("nansum", lambda m, x: m.nansum(x, 1, keepdim=True), [(3, 4)], domain=with_nan),
    OpCase("nansum", lambda m, x: x.nansum(0), [(3, 2)], int_inputs=(0,), grad=False,
           id="nansum-int"),
    OpCase("nanmean", lambda m, x: x.nanmean(), [(3, 4)], domain=with_nan),
    OpCase("nanmean", lambda m, x: m.nanmean(x, -1), [(3, 4)], domain=with_nan),
    # prod, with zeros
    OpCase("prod", lambda m, x: x.prod(), [(2, 3)]),
    OpCase("prod", lambda m, x: m.prod(x, 1), [(3, 4)]),
    OpCase("prod", lambda m, x: x.prod(-2, keepdim=True), [(3, 4)]),
    OpCase("prod", lambda m, x: x.prod(1), [(3, 4)], domain=zeros_at(1, 5, 6),
           id="prod-zeros-dim"),
    OpCase("prod", lambda m, x: x.prod(), [(2, 3)], domain=zeros_at(4), id="prod-one-zero"),
    OpCase("prod", lambda m, x: x.prod(), [(2, 3)], domain=zeros_at(0, 4), id="prod-two-zeros"),
    OpCase("prod", lambda m, x: x.prod(), [(2, 3)], domain=zeros_at(0, 2, 4),
           id="prod-three-zeros"),
    OpCase("prod", lambda m, x: x.prod(0), [(0, 3)]),
    OpCase("prod", lambda m, x: x.prod(1), [(2, 3)], int_inputs=(0,), grad=False, id="prod-int"),
    # extremes
    OpCase("max", lambda m, x: x.max(), [(3, 4)]),
    OpCase("max", lambda m, x: m.max(x, 1), [(3, 4)]),
    OpCase("max", lambda m, x: x.max(dim=-1, keepdim=True), [(2, 3, 4)]),
    OpCase("max", lambda m, x: x.max(), [(3, 4)], domain=ties, gradcheck=False, id="max-ties"),
    OpCase("max", lambda m, x: x.max(0), [(5, 3)], domain=ties, gradcheck=False,
           id="max-dim-ties"),
    OpCase("max", lambda m, x: x.max(1), [(0, 3)], id="max-empty-rows"),
    OpCase("max", lambda m, x: x.max(0), [()]),
    OpCase("max", lambda m, x: x.max(1), [(3, 4)], int_inputs=(0,), grad=False, id="max-int"),
    OpCase("min", lambda m, x: x.min(), [(3, 4)]),
    OpCase("min", lambda m, x: m.min(x, 0), [(3, 4)]),
    OpCase("min", lambda m, x: x.min(-1, True), [(3, 4)], domain=ties, gradcheck=False,
           id="min-dim-ties"),
    OpCase("amax", lambda m, x: x.amax(), [(3, 4)]),
    OpCase("amax", lambda m, x: m.amax(x, (0, 2), keepdim=True), [(2, 3, 4)]),
    OpCase("amax", lambda m, x: x.amax(1), [(4, 5)], domain=ties, gradcheck=False,
           id="amax-ties"),
    OpCase("amin", lambda m, x: m.amin(x, -1), [(3, 4)]),
    OpCase("amin", lambda m, x: x.amin(), [(4, 5)], domain=ties, gradcheck=False,
           id="amin-ties"),
    OpCase("aminmax", lambda m, x: m.aminmax(x), [(3, 4)]),
    OpCase("aminmax", lambda m, x: x.aminmax(dim=1, keepdim=True), [(3, 4)]),
    OpCase("argmax", lambda m, x: x.argmax(), [(3, 4)], grad=False),
    OpCase("argmax", lambda m, x: m.argmax(x, 1, keepdim=True), [(3, 4)], grad=False),
    OpCase("argmax", lambda m, x: x.argmax(0), [(5, 3)], domain=ties, grad=False,
           id="argmax-ties"),
    OpCase("argmax", lambda m, x: x.argmax(keepdim=True), [(2, 3)], grad=False,
           id="argmax-keepdim-flat"),
    OpCase("argmin", lambda m, x: x.argmin(-1), [(3, 4)], grad=False),
    OpCase("argmin", lambda m, x: m.argmin(x), [(3, 4)], int_inputs=(0,), grad=False,
           id="argmin-int"),
    # statistics
    OpCase("var", lambda m, x: x.var(), [(3, 4)]),
    OpCase("var", lambda m, x: m.var(x, 1), [(3, 4)]),
    OpCase("var", lambda m, x: x.var((0, 2), keepdim=True, correction=0), [(2, 3, 4)]),
    OpCase("var", lambda m, x: x.var(-1, False, True), [(3, 4)], id="var-unbiased-positional"),
    OpCase("var", lambda m, x: x.var(unbiased=False), [(5,)]),
    OpCase("var", lambda m, x: x.var(0, correction=0.5), [(4, 2)], id="var-float-correction"),
    OpCase("std", lambda m, x: x.std(), [(3, 4)]),
    OpCase("std", lambda m, x: m.std(x, 0, keepdim=True), [(3, 4)]),
    OpCase("std", lambda m, x: x.std(-1, correction=0), [(2, 5)]),
    OpCase("var_mean", lambda m, x: m.var_mean(x, 1), [(3, 4)]),
    OpCase("var_mean", lambda m, x: m.var_mean(x, (0, 1), keepdim=True, correction=0),
           [(3, 4)]),
    OpCase("std_mean", lambda m, x: m.std_mean(x), [(3, 4)]),
    OpCase("std_mean", lambda m, x: m.std_mean(x, -1, unbiased=False), [(3, 4)]),
    OpCase("logsumexp", lambda m, x: x.logsumexp(1), [(3, 4)]),
    OpCase("logsumexp", lambda m, x: m.logsumexp(x, (0, 1), keepdim=True), [(3, 4)]),
    OpCase("logsumexp", lambda m, x: x.logsumexp(-1), [(2, 3)], domain=lambda a: a * 300,
           id="logsumexp-large"),
    OpCase("logsumexp", lambda m, x: x.logsumexp(0), [(0, 3)]),
    OpCase("logsumexp", lambda m, x: x.logsumexp(0), [()]),
    OpCase("logsumexp", lambda m, x: x.logsumexp(1), [(2, 3)], int_inputs=(0,), grad=False,
           id="logsumexp-int"),
    # cumulative
    OpCase("cumsum", lambda m, x: x.cumsum(0), [(3, 4)]),
    OpCase("cumsum", lambda m, x: m.cumsum(x, dim=-1), [(2, 3, 4)]),
    OpCase("cumsum", lambda m, x: x.cumsum(1, dtype=m.float64), [(2, 3)],
           id="cumsum-dtype-float64"),
    OpCase("cumsum", lambda m, x: x.cumsum(0), [()]),
    OpCase("cumsum", lambda m, x: x.cumsum(1), [(2, 0)]),
    OpCase("cumsum", lambda m, x: x.cumsum(1), [(2, 3)], int_inputs=(0,), grad=False,
           id="cumsum-int"),
    OpCase("cumprod", lambda m, x: x.cumprod(1), [(3, 4)]),
    OpCase("cumprod", lambda m, x: m.cumprod(x, 0), [(4, 2)]),
    OpCase("cumprod", lambda m, x: x.cumprod(1), [(2, 5)], domain=zeros_at(1, 6, 8),
           id="cumprod-zeros"),
    OpCase("cumprod", lambda m, x: x.cumprod(0), [(6,)], domain=zeros_at(0), id="cumprod-zero-0"),
    OpCase("cumprod", lambda m, x: x.cumprod(0), [(6,)], domain=zeros_at(5),
           id="cumprod-zero-last"),
    OpCase("cumprod", lambda m, x: x.cumprod(0), [(3, 2)], int_inputs=(0,), grad=False,
           id="cumprod-int"),
    OpCase("cummax", lambda m, x: x.cummax(1), [(3, 4)]),
    OpCase("cummax", lambda m, x: m.cummax(x, 0), [(6, 2)], domain=ties, gradcheck=False,
           id="cummax-ties"),
    OpCase("cummin", lambda m, x: m.cummin(x, -1), [(3, 4)]),
    OpCase("cummin", lambda m, x: x.cummin(1), [(2, 6)], domain=ties, gradcheck=False,
           id="cummin-ties"),
    OpCase("cummax", lambda m, x: x.cummax(0), [()]),
    # logical
    OpCase("all", lambda m, x: x.all(), [(3, 4)], bool_inputs=(0,), grad=False),
    OpCase("all", lambda m, x: m.all(x, 1, keepdim=True), [(3, 4)], bool_inputs=(0,),
           grad=False),
    OpCase("all", lambda m, x: x.all(dim=(0, 1)), [(3, 4)], domain=ties, grad=False,
           id="all-float-tuple"),
    OpCase("any", lambda m, x: x.any(), [(3, 4)], domain=ties, grad=False),
    OpCase("any", lambda m, x: m.any(x, -1), [(3, 4)], int_inputs=(0,), int_high=2, grad=False),
    OpCase("count_nonzero", lambda m, x: x.count_nonzero(), [(3, 4)], domain=ties, grad=False),
    OpCase("count_nonzero", lambda m, x: m.count_nonzero(x, dim=(0,)), [(3, 4)],
           int_inputs=(0,), int_high=3, grad=False),
    # sorting and order statistics
    OpCase("sort", lambda m, x: x.sort(), [(3, 4)]),
    OpCase("sort", lambda m, x: m.sort(x, 0, descending=True), [(4, 3)]),
    OpCase("sort", lambda m, x: x.sort(dim=1, stable=True), [(3, 8)], domain=ties,
           gradcheck=False, id="sort-ties"),
    OpCase("sort", lambda m, x: x.sort(dim=1, descending=True, stable=True), [(3, 8)],
           domain=ties, gradcheck=False, id="sort-desc-ties"),
    OpCase("sort", lambda m, x: x.sort(0), [()]),
    OpCase("sort", lambda m, x: x.sort(-1), [(2, 6)], int_inputs=(0,), grad=False,
           id="sort-int"),
    OpCase("argsort", lambda m, x: x.argsort(), [(3, 4)], grad=False),
    OpCase("argsort", lambda m, x: m.argsort(x, dim=0, descending=True, stable=True), [(8, 2)],
           domain=ties, grad=False, id="argsort-ties"),
    OpCase("msort", lambda m, x: m.msort(x), [(4, 3)]),
    OpCase("topk", lambda m, x: x.topk(2), [(3, 5)]),
    OpCase("topk", lambda m, x: m.topk(x, 3, dim=0, largest=False), [(5, 3)]),
    OpCase("topk", lambda m, x: x.topk(0), [(2, 3)]),
    OpCase("median", lambda m, x: x.median(), [(3, 4)]),
    OpCase("median", lambda m, x: x.median(), [(5,)]),
    OpCase("median", lambda m, x: m.median(x, 1), [(3, 4)]),
    OpCase("median", lambda m, x: x.median(0, keepdim=True), [(5, 2)]),
    OpCase("median", lambda m, x: x.median(), [(3, 4)], domain=ties, gradcheck=False,
           id="median-ties"),
    OpCase("median", lambda m, x: x.median(1), [(3, 4)], domain=with_nan, gradcheck=False,
           id="median-nan"),
    OpCase("nanmedian", lambda m, x: x.nanmedian(), [(3, 4)], domain=with_nan),
    OpCase("nanmedian", lambda m, x: m.nanmedian(x, 1), [(3, 4)], domain=with_nan),
    OpCase("mode", lambda m, x: x.mode(), [(3, 7)], domain=ties, gradcheck=False),
    OpCase("mode", lambda m, x: m.mode(x, 0, keepdim=True), [(7, 3)], int_inputs=(0,),
           int_high=3, grad=False, id="mode-int"),
    OpCase("kthvalue", lambda m, x: x.kthvalue(2), [(3, 4)]),
    OpCase("kthvalue", lambda m, x: m.kthvalue(x, 3, 0, keepdim=True), [(4, 3)]),
    OpCase("quantile", lambda m, x: x.quantile(0.3), [(3, 4)]),
    OpCase("quantile", lambda m, x: m.quantile(x, 0.75, dim=1, keepdim=True), [(3, 4)]),
    OpCase("quantile", lambda m, x: x.quantile(m.tensor([0.1, 0.5, 1.0], dtype=x.dtype), dim=0),
           [(4, 3)], id="quantile-q-tensor"),
    OpCase("quantile", lambda m, x: x.quantile(m.tensor([0.2, 0.9], dtype=x.dtype),
                                               keepdim=True), [(2, 3)], id="quantile-keepdim"),
    OpCase("quantile", lambda m, x: x.quantile(0.4, 1, interpolation="lower"), [(3, 4)],
           id="quantile-lower"),
    OpCase("quantile", lambda m, x: x.quantile(0.4, 1, interpolation="higher"), [(3, 4)],
           id="quantile-higher"),
    OpCase("quantile", lambda m, x: x.quantile(0.4, 1, interpolation="midpoint"), [(3, 4)],
           id="quantile-midpoint"),
    OpCase("quantile", lambda m, x: x.quantile(0.5, 1, interpolation="nearest"), [(3, 5)],
           id="quantile-nearest"),
    OpCase("nanquantile", lambda m, x: x.nanquantile(0.3, dim=1), [(3, 4)], domain=with_nan),
]

test_parity, test_gradcheck = parametrize_cases(CASES)


def t(data, dtype=None, requires_grad=False):
    return ember.tensor(data, dtype=dtype, requires_grad=requires_grad)


# -- dtypes ----------------------------------------------------------------------------------


def test_integer_and_bool_sums_are_int64():
    assert t([True, False, True]).sum().dtype is ember.int64
    assert t([True, False, True]).sum().item() == 2
    assert t([1, 2], dtype=ember.int32).sum().dtype is ember.int64
    assert t([1, 2], dtype=ember.uint8).nansum().dtype is ember.int64
    assert t([1, 2], dtype=ember.int32).sum(dtype=ember.int32).dtype is ember.int32
    assert t([1.5, 2.5]).sum(dtype=ember.int32).item() == 3  # cast first, like torch
    assert t([1, 2], dtype=ember.int32).prod().dtype is ember.int64
    assert t([1, 2], dtype=ember.int16).cumsum(0).dtype is ember.int64
    assert t([True, True]).cumprod(0).dtype is ember.int64


def test_float_reductions_keep_float32():
    x = ember.ones(4, 3)
    for y in (x.sum(), x.mean(0), x.var(1), x.std(), x.logsumexp(1), x.amax(0), x.max(),
              x.max(1).values, x.prod(), x.cumsum(0), x.median(), x.quantile(0.5), x.nanmean()):
        assert y.dtype is ember.float32


def test_dtype_argument_and_grad_dtype():
    x = t([1.0, 2.0], requires_grad=True)
    y = x.sum(dtype=ember.float64)
    assert y.dtype is ember.float64
    y.backward()
    assert x.grad.dtype is ember.float32
    assert t([1, 2]).mean(dtype=ember.float64).dtype is ember.float64
    x = t([1.0, 2.0, 4.0], requires_grad=True)
    x.prod(dtype=ember.float64).backward()
    assert x.grad.dtype is ember.float32
    np.testing.assert_allclose(x.grad.numpy(), [8.0, 4.0, 2.0])


def test_index_and_logical_dtypes():
    x = t([[1.0, 0.0], [2.0, 3.0]])
    assert x.argmax().dtype is ember.int64
    assert x.max(1).indices.dtype is ember.int64
    assert x.sort().indices.dtype is ember.int64
    assert x.all().dtype is ember.bool
    assert x.count_nonzero().dtype is ember.int64
    u = t([1, 2, 0], dtype=ember.uint8)
    assert u.all().dtype is ember.uint8 and u.all().item() == 0
    assert u.any(0).dtype is ember.uint8 and u.any(0).item() == 1
    assert t([1, 2], dtype=ember.int32).any().dtype is ember.bool
    assert t([1, 2]).logsumexp(0).dtype is ember.float32


def test_all_any_with_empty_dim_tuple_are_elementwise():
    x = t([[1.0, 0.0], [2.0, 3.0]])
    assert x.any(dim=()).tolist() == [[True, False], [True, True]]
    assert x.count_nonzero(dim=()).item() == 3  # but count_nonzero reduces everything


# -- zero-size and 0-d inputs ----------------------------------------------------------------


def test_empty_reductions_with_identity():
    e = ember.zeros(0, 3)
    assert e.sum().item() == 0
    assert e.prod().item() == 1
    assert e.sum(0).tolist() == [0.0, 0.0, 0.0]
    assert e.logsumexp(0).tolist() == [-np.inf] * 3
    assert np.isnan(e.mean().item())
    assert np.isnan(e.var(0).numpy()).all()
    assert not e.any().item() and e.all().item()
    assert e.count_nonzero().item() == 0
    assert e.max(1).values.shape == (0,) and e.argmax(1).shape == (0,)
    assert e.cumsum(0).shape == (0, 3)


@pytest.mark.parametrize("call", [lambda x: x.max(), lambda x: x.amax(), lambda x: x.min(),
                                  lambda x: x.aminmax()])
def test_max_of_empty_raises_runtime_error(call):
    with pytest.raises(RuntimeError, match=r"m(ax|in|inmax)\(\).*(numel\(\) == 0|empty)"):
        call(ember.zeros(0, 3))


@pytest.mark.parametrize("call,op", [
    (lambda x: x.max(0), "max"), (lambda x: x.amin(0), "amin"), (lambda x: x.argmax(0), "argmax"),
    (lambda x: x.median(0), "median"), (lambda x: x.kthvalue(1, 0), "kthvalue"),
    (lambda x: x.mode(0), "mode")])
def test_reduction_over_empty_dim_raises(call, op):
    with pytest.raises(IndexError, match=rf"{op}\(\): Expected reduction dim 0 to have non-zero "
                                         r"size.*\(0, 3\)"):
        call(ember.zeros(0, 3))


def test_argmax_of_empty_without_dim():
    with pytest.raises(IndexError, match=r"argmax\(\).*numel\(\) == 0"):
        ember.zeros(0).argmax()


def test_zero_dim_inputs_with_dim_0_and_minus_1():
    s = t(3.0, requires_grad=True)
    for dim in (0, -1):
        v, i = s.max(dim)
        assert v.shape == () and i.shape == () and i.item() == 0
        assert s.argmax(dim).shape == () and s.sum(dim).shape == ()
        assert s.sort(dim).values.shape == () and s.cumsum(dim).item() == 3.0
        assert s.median(dim).indices.item() == 0 and s.kthvalue(1, dim).values.item() == 3.0
    assert s.topk(1).values.item() == 3.0
    s.max(0).values.backward()
    assert s.grad.item() == 1.0
    with pytest.raises(IndexError, match=r"max\(\).*range of \[-1, 0\].*got 1"):
        s.max(1)


# -- return types ----------------------------------------------------------------------------


def test_return_types_are_named_tuples():
    x = t([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    r = x.max(dim=1)
    values, indices = r
    assert isinstance(r, tuple) and len(r) == 2
    assert r.values is values and r.indices is indices and r[0] is values
    assert indices.tolist() == [1, 2] and values.tolist() == [5.0, 6.0]
    assert type(r).__name__ == "max"
    assert repr(r).startswith("ember.return_types.max(\nvalues=tensor(")
    for res, name in [(x.min(1), "min"), (x.sort(), "sort"), (x.topk(1), "topk"),
                      (x.median(1), "median"), (x.nanmedian(1), "nanmedian"),
                      (x.mode(1), "mode"), (x.kthvalue(1), "kthvalue"),
                      (x.cummax(1), "cummax"), (x.cummin(1), "cummin")]:
        assert type(res).__name__ == name and res._fields == ("values", "indices")
    mm = x.aminmax()
    assert mm._fields == ("min", "max") and (mm.min.item(), mm.max.item()) == (1.0, 6.0)
    vm = ember.var_mean(x)
    assert type(vm) is tuple and len(vm) == 2


def test_max_with_tensor_is_maximum():
    if not hasattr(ember, "maximum"):
        pytest.skip("ember.maximum (elementwise family) not available yet")
    a, b = t([1.0, 5.0]), t([3.0, 2.0])
    assert ember.max(a, b).tolist() == [3.0, 5.0]
    assert a.min(b).tolist() == [1.0, 2.0]
    assert ember.max(a, other=b).tolist() == [3.0, 5.0]


# -- ties, zeros and NaN (exact expected values, independent of torch) ------------------------


def _grad(fn, data):
    x = t(data, dtype=ember.float64, requires_grad=True)
    out = fn(x)
    out = out[0] if isinstance(out, tuple) else out
    out.sum().backward()
    return x.grad.tolist()


def test_ties_share_or_take_gradient():
    assert _grad(lambda x: x.max(), [1.0, 3.0, 3.0]) == [0.0, 0.5, 0.5]
    assert _grad(lambda x: x.amin(), [1.0, 1.0, 3.0, 1.0]) == pytest.approx([1 / 3] * 2
                                                                            + [0.0, 1 / 3])
    assert _grad(lambda x: x.max(0), [1.0, 3.0, 3.0]) == [0.0, 1.0, 0.0]  # first index
    assert _grad(lambda x: x.median(), [1.0, 3.0, 3.0, 3.0]) == pytest.approx([0] + [1 / 3] * 3)
    assert _grad(lambda x: x.cummax(0), [2.0, 1.0, 3.0, 3.0, 0.0]) == [2.0, 0.0, 1.0, 2.0, 0.0]
    assert t([3.0, 1.0, 3.0]).cummax(0).indices.tolist() == [0, 0, 2]
    assert t([3.0, 1.0, 3.0, 2.0]).sort(descending=True).indices.tolist() == [0, 2, 3, 1]
    assert t([3.0, 1.0, 3.0, 2.0]).topk(2).indices.tolist() == [0, 2]
    v, i = t([3.0, 1.0, 3.0, 1.0]).mode()
    assert (v.item(), i.item()) == (1.0, 3)  # the smallest most frequent value, last index


def test_prod_gradient_with_zeros():
    assert _grad(lambda x: x.prod(), [2.0, 0.0, 3.0]) == [0.0, 6.0, 0.0]
    assert _grad(lambda x: x.prod(), [2.0, 0.0, 0.0]) == [0.0, 0.0, 0.0]
    assert _grad(lambda x: x.prod(1), [[2.0, 0.0, 3.0], [1.0, 2.0, 4.0]]) == [
        [0.0, 6.0, 0.0], [8.0, 4.0, 2.0]]


def test_cumprod_gradient_with_zeros():
    assert _grad(lambda x: x.cumprod(0), [2.0, 0.0, 3.0, 0.0, 5.0]) == [1.0, 8.0, 0.0, 0.0, 0.0]
    assert _grad(lambda x: x.cumprod(0), [0.0, 2.0, 3.0]) == [9.0, 0.0, 0.0]


def test_nan_semantics():
    nan = float("nan")
    x = t([1.0, nan, 3.0, nan])
    assert np.isnan(x.max().item()) and x.argmax().item() == 1
    assert x.max(0).indices.item() == 1 and x.min(0).indices.item() == 1
    assert x.sort().indices.tolist() == [0, 2, 1, 3]
    assert x.sort(descending=True).indices.tolist() == [1, 3, 2, 0]
    assert x.nansum().item() == 4.0 and x.nanmean().item() == 2.0
    assert x.nanmedian().item() == 1.0 and np.isnan(x.median().item())
    assert x.median(0).indices.item() == 1
    assert x.cummax(0).indices.tolist() == [0, 1, 1, 3]
    assert _grad(lambda y: y.nansum(), [1.0, nan, 2.0]) == [1.0, 0.0, 1.0]
    assert _grad(lambda y: y.nanmean(), [1.0, nan, 2.0]) == [0.5, 0.0, 0.5]


def test_var_correction_beyond_n_gives_inf_or_nan():
    assert t([1.0, 2.0]).var(correction=3).item() == np.inf
    assert t([1.0, 2.0]).std(correction=2).item() == np.inf
    assert np.isnan(t([1.0]).var().item())
    assert t([1.0, 2.0]).var(False).item() == 0.25  # legacy unbiased as first argument
    assert _grad(lambda x: x.std(), [2.0, 2.0, 2.0]) == [0.0, 0.0, 0.0]


@requires_torch
def test_var_correction_beyond_n_matches_torch():
    import warnings

    a = np.array([[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for c in (2, 3, 4.5):
            for f in ("var", "std"):
                want = getattr(torch.from_numpy(a), f)(1, correction=c).numpy()
                got = getattr(ember.from_numpy(a), f)(1, correction=c).numpy()
                np.testing.assert_array_equal(got, want)


def test_logsumexp_is_stable_and_handles_infinities():
    x = t([1000.0, 1000.0])
    assert x.logsumexp(0).item() == pytest.approx(1000.0 + np.log(2.0))
    assert t([-np.inf, -np.inf]).logsumexp(0).item() == -np.inf
    assert t([np.inf, 1.0]).logsumexp(0).item() == np.inf


def test_median_is_lower_median_and_quantile_interpolates():
    assert t([4.0, 1.0, 3.0, 2.0]).median().item() == 2.0
    assert t([4.0, 1.0, 3.0, 2.0]).median(0).indices.item() == 3
    assert t([1.0, 2.0, 3.0, 4.0]).quantile(0.5).item() == 2.5
    assert t([1.0, 2.0, 3.0, 4.0]).quantile(0.5, interpolation="lower").item() == 2.0
    q = t([1.0, 2.0, 3.0]).quantile(t([0.0, 0.5, 1.0]))
    assert q.tolist() == [1.0, 2.0, 3.0]


# -- errors ----------------------------------------------------------------------------------


def test_mean_of_integers_names_dtype_and_fix():
    with pytest.raises(RuntimeError, match=r"mean\(\).*Got: ember.int64.*float"):
        t([1, 2]).mean()
    with pytest.raises(RuntimeError, match=r"mean\(\).*Optional dtype.*ember.int64"):
        t([1.0, 2.0]).mean(dtype=ember.int64)
    with pytest.raises(RuntimeError, match=r"nanmean\(\).*ember.int64"):
        t([1, 2]).nanmean()


def test_var_and_quantile_need_float():
    with pytest.raises(RuntimeError, match=r"var\(\).*floating point.*ember.int64"):
        t([1, 2]).var()
    with pytest.raises(RuntimeError, match=r"std\(\).*ember.int32"):
        t([1, 2], dtype=ember.int32).std()
    with pytest.raises(RuntimeError, match=r"quantile\(\).*float or double.*ember.int64"):
        t([1, 2]).quantile(0.5)


def test_dim_errors_name_the_op():
    x = ember.ones(2, 3)
    with pytest.raises(IndexError, match=r"sum\(\).*\[-2, 1\].*got 5"):
        x.sum(5)
    with pytest.raises(RuntimeError, match=r"amax\(\).*dim \(0, 0\) appears multiple times"):
        x.amax((0, 0))
    with pytest.raises(TypeError, match=r"prod\(\).*'dim' must be int, not tuple"):
        x.prod((0, 1))
    with pytest.raises(TypeError, match=r"max\(\).*int.*float"):
        x.max(1.5)
    with pytest.raises(TypeError, match=r"sum\(\).*'dim'.*str"):
        x.sum("a")
    with pytest.raises(TypeError, match=r"cumsum\(\).*'dim' must be int, not tuple"):
        x.cumsum((1,))


def test_k_and_q_range_errors():
    x = ember.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"topk\(\).*k=4.*\(2, 3\).*size 3"):
        x.topk(4)
    with pytest.raises(RuntimeError, match=r"topk\(\).*k=-1"):
        x.topk(-1)
    with pytest.raises(RuntimeError, match=r"kthvalue\(\).*k=0.*size 3"):
        x.kthvalue(0)
    with pytest.raises(RuntimeError, match=r"quantile\(\).*\[0, 1\].*1.5"):
        x.quantile(1.5)
    with pytest.raises(RuntimeError, match=r"quantile\(\).*non-empty.*\(0,\)"):
        ember.zeros(0).quantile(0.5)
    with pytest.raises(ValueError, match=r"quantile\(\).*interpolation.*'cubic'"):
        x.quantile(0.5, interpolation="cubic")


def test_bool_inputs_rejected_where_torch_rejects():
    b = t([True, False])
    with pytest.raises(RuntimeError, match=r"argmax\(\).*bool"):
        b.argmax()
    with pytest.raises(RuntimeError, match=r"topk\(\).*bool"):
        b.topk(1)
    with pytest.raises(TypeError, match=r"var\(\).*unbiased.*correction"):
        ember.ones(3).var(0, True, correction=1)


# -- double backward -------------------------------------------------------------------------


def _x(shape, seed=0, domain=None):
    a = np.random.default_rng(seed).uniform(-2, 2, size=shape)
    if domain is not None:
        a = domain(a)
    return ember.from_numpy(a).requires_grad_()


@pytest.mark.parametrize("fn", [
    lambda x: x.sum(1),
    lambda x: x.mean((0, 1), keepdim=True),
    lambda x: x.prod(1),
    lambda x: x.max(1).values,
    lambda x: x.amax(0),
    lambda x: x.var(1),
    lambda x: x.std(0),
    lambda x: x.logsumexp(1),
    lambda x: x.cumsum(1),
    lambda x: x.cumprod(1),
    lambda x: x.sort(1, descending=True).values,
    lambda x: x.topk(2).values,
    lambda x: x.median(1).values,
    lambda x: x.quantile(0.3, dim=1),
    lambda x: x.nanmean(0),
    lambda x: x.cummax(1).values,
], ids=["sum", "mean", "prod", "max", "amax", "var", "std", "logsumexp", "cumsum", "cumprod",
        "sort", "topk", "median", "quantile", "nanmean", "cummax"])
def test_gradgradcheck(fn):
    assert gradgradcheck(fn, (_x((3, 4)),))


def test_prod_double_backward_is_exact_with_zeros():
    for zeros in [(1,), (1, 4), (0, 2, 5)]:
        assert gradgradcheck(lambda x: x.prod(), (_x((2, 3), domain=zeros_at(*zeros)),))
    assert gradgradcheck(lambda x: x.prod(1), (_x((3, 4), domain=zeros_at(1, 5, 6)),))


def test_cumprod_gradient_with_zeros_matches_finite_differences():
    assert gradcheck(lambda x: x.cumprod(1), (_x((2, 5), domain=zeros_at(1, 6, 8)),))


# -- against torch: gradients at zeros and ties beyond the table ------------------------------


@requires_torch
@pytest.mark.parametrize("name", ["prod", "cumprod"])
def test_zero_gradients_match_torch(name):
    a = np.array([[2.0, 0.0, 3.0, 0.0], [0.0, 1.5, -2.0, 4.0], [1.0, 2.0, 0.0, 0.5]])
    xe = ember.from_numpy(a.copy()).requires_grad_()
    xt = torch.from_numpy(a.copy()).requires_grad_()
    getattr(xe, name)(1).sum().backward()
    getattr(xt, name)(1).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy())


# -- sort / topk code paths (fast sort with tie repair, picking, partition) vs a reference ----


def _reference_order(row, descending):
    """Stable order with NaN as the largest value, computed one element at a time."""
    def key(i):
        v = row[i]
        nan = bool(np.isnan(v)) if row.dtype.kind == "f" else False
        if descending:
            return (0 if nan else 1, 0 if nan else -v, i)
        return (1 if nan else 0, 0 if nan else v, i)

    return sorted(range(len(row)), key=key)


def _reference(a, dim, descending, k=None):
    moved = np.moveaxis(a, dim, -1)
    idx = np.array([_reference_order(r, descending) for r in moved.reshape(-1, a.shape[dim])])
    idx = idx.reshape(moved.shape)[..., :k]
    return np.moveaxis(idx, -1, dim)


def _data(kind, shape, seed):
    rng = np.random.default_rng(seed)
    if kind == "int":
        return rng.integers(-3, 4, size=shape)
    a = rng.standard_normal(shape).astype(np.float32)
    if kind == "ties":  # some rows tied, others not
        a[::2] = np.round(a[::2])
    elif kind == "nan":
        a[rng.random(shape) < 0.1] = np.nan
        a[0, :3] = np.nan
    return a


@pytest.mark.parametrize("kind", ["float", "ties", "nan", "int"])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dim", [0, 1])
def test_sort_is_stable_on_every_path(kind, descending, dim):
    a = _data(kind, (40, 40), seed=3)
    got = ember.from_numpy(a).sort(dim, descending=descending)
    want = _reference(a, dim, descending)
    np.testing.assert_array_equal(got.indices.numpy(), want)
    np.testing.assert_array_equal(got.values.numpy(), np.take_along_axis(a, want, dim))


@pytest.mark.parametrize("kind", ["float", "ties", "nan", "int"])
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("k", [1, 3, 12, 30])
@pytest.mark.parametrize("dim", [0, 1])
def test_topk_matches_stable_sort_on_every_path(kind, largest, k, dim):
    a = _data(kind, (48, 48), seed=5)
    got = ember.from_numpy(a).topk(k, dim, largest=largest)
    want = _reference(a, dim, largest, k)
    np.testing.assert_array_equal(got.indices.numpy(), want)
    np.testing.assert_array_equal(got.values.numpy(), np.take_along_axis(a, want, dim))


@requires_torch
@pytest.mark.parametrize("k,largest", [(3, True), (4, False), (10, True), (40, False)])
def test_topk_long_rows_match_torch_with_grad(k, largest):
    a = np.random.default_rng(2).standard_normal((3, 40))
    xe = ember.from_numpy(a.copy()).requires_grad_()
    xt = torch.from_numpy(a.copy()).requires_grad_()
    ve, ie = xe.topk(k, largest=largest)
    vt, it = xt.topk(k, largest=largest)
    np.testing.assert_array_equal(ie.numpy(), it.numpy())
    w = np.random.default_rng(3).standard_normal(vt.shape)
    (ve * ember.from_numpy(w)).sum().backward()
    (vt * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy())


# -- in-place cumulative ops, dtype= edge cases -----------------------------------------------


def test_inplace_cumsum_and_cumprod():
    x = t([1.0, 2.0, 3.0])
    assert x.cumsum_(0) is x and x.tolist() == [1.0, 3.0, 6.0]
    y = t([1, 2, 3], dtype=ember.int32)
    y.cumprod_(0)
    assert y.dtype is ember.int32 and y.tolist() == [1, 2, 6]
    leaf = t([1.0, 2.0, 3.0], requires_grad=True)
    z = leaf * 1
    z.cumsum_(0)
    z.sum().backward()
    assert leaf.grad.tolist() == [3.0, 2.0, 1.0]


def test_sum_to_bool_dtype_is_any():
    assert t([[0, 0], [3, 4]]).sum(1, dtype=ember.bool).tolist() == [False, True]


def test_aminmax_empty_and_bad_dim():
    with pytest.raises(RuntimeError, match=r"aminmax\(\).*empty.*\(0, 2\)"):
        ember.zeros(0, 2).aminmax()
    with pytest.raises(IndexError, match=r"aminmax\(\): Expected reduction dim 0"):
        ember.zeros(0, 2).aminmax(dim=0)
    assert ember.zeros(0, 2).aminmax(dim=1).min.shape == (0,)
