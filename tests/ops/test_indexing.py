"""Indexing ops: parity with PyTorch (values, dtypes, gradients) and float64 gradcheck from one
table, then focused tests for views, in-place writes, error messages and double backward."""

import numpy as np
import pytest

import ember
from tests.helpers import OpCase, parametrize_cases, requires_torch, torch

pytestmark = [  # PyTorch's own deprecation/performance notes on some reference calls
    pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter"),
    pytest.mark.filterwarnings("ignore:torch.searchsorted... input value tensor is non-contig"),
]


def _one_hot(m, *args):
    return (torch.nn.functional.one_hot if m is torch else m.one_hot)(*args)


def _set(index, fill=None):
    """``y = x * 1; y[index(m)] = v; return y`` (``v`` the second input, or ``fill``)."""

    def f(m, x, *v):
        y = x * 1
        y[index(m)] = v[0] if v else fill
        return y

    return f


def _set_into_zeros(index):
    def f(m, v):
        y = m.zeros(3, 4, dtype=v.dtype)
        y[index(m)] = v
        return y

    return f


def _t(m, data):
    return m.tensor(data)


def _sorted(a):
    return np.sort(a, axis=-1)


_ID = [[2, 0, 2], [1, 1, 1], [0, 1, 0]]  # repeats: scatter_add / scatter_reduce accumulate
_PERM = [[2, 0], [1, 3], [0, 1]]  # distinct per row: scatter without write-order ambiguity

CASES = [
    # x[index]: basic indexing (a view)
    OpCase("getitem", lambda m, x: x[1], [(3, 4)]),
    OpCase("getitem", lambda m, x: x[-1, 1:3], [(3, 4)]),
    OpCase("getitem", lambda m, x: x[:, ::2], [(3, 5)]),
    OpCase("getitem", lambda m, x: x[None, ..., 1], [(2, 3, 4)]),
    OpCase("getitem", lambda m, x: x[1, 2], [(3, 4)], id="getitem-0d-result"),
    OpCase("getitem", lambda m, x: x[True], [(2, 3)], id="getitem-True"),
    OpCase("getitem", lambda m, x: x[:, 1], [(0, 3)], id="getitem-empty"),
    OpCase("getitem", lambda m, x: x[m.tensor(1)], [(3, 2)], id="getitem-0d-tensor"),
    # advanced indexing (a copy; repeats accumulate in the gradient)
    OpCase("getitem", lambda m, x: x[_t(m, [0, 2, 0, 0])], [(3, 4)], id="getitem-repeats"),
    OpCase("getitem", lambda m, x: x[[1, -1, 1]], [(3, 4)], id="getitem-list"),
    OpCase("getitem", lambda m, x: x[_t(m, [[0, 1], [1, 1]]), _t(m, [2, 0])], [(2, 3)],
           id="getitem-broadcast-indices"),
    OpCase("getitem", lambda m, x: x[:, _t(m, [0, 3, 0])], [(2, 4, 3)], id="getitem-slice-adv"),
    OpCase("getitem", lambda m, x: x[_t(m, [1, 0]), :, _t(m, [2, 2])], [(2, 3, 3)],
           id="getitem-split-adv"),
    OpCase("getitem", lambda m, x: x[..., _t(m, [1, 1, -1])], [(2, 3, 2)], id="getitem-ell-adv"),
    OpCase("getitem", lambda m, x: x[1, _t(m, [2, 2]), 1:], [(2, 3, 3)], id="getitem-int-adv"),
    OpCase("getitem", lambda m, x: x[_t(m, [], ).long()], [(3, 2)], id="getitem-empty-adv"),
    OpCase("getitem", lambda m, x: x[x > 0], [(3, 4)], id="getitem-mask"),
    OpCase("getitem", lambda m, x, k: x[k], [(3, 4), (3,)], bool_inputs=(1,),
           id="getitem-mask-lead"),
    OpCase("getitem", lambda m, x, k: x[k], [(2, 3, 2), (2, 3)], bool_inputs=(1,),
           id="getitem-mask-2d"),
    OpCase("getitem", lambda m, x: x[:, _t(m, [True, False, True, True])], [(2, 4)],
           id="getitem-mask-mid"),
    # x[index] = value
    OpCase("setitem_", _set(lambda m: 1), [(3, 4), (4,)], id="setitem-row"),
    OpCase("setitem_", _set(lambda m: (slice(None), -1)), [(3, 4), (1,)], id="setitem-col"),
    # repeated positions: the last write wins, yet (like PyTorch) every value gets the gradient
    # of its position, so finite differences disagree by design: parity only
    OpCase("setitem_", _set(lambda m: (_t(m, [0, 0]), _t(m, [1, 1]))), [(3, 4), (2,)],
           gradcheck=False, id="setitem-adv-repeat"),
    OpCase("setitem_", _set(lambda m: _t(m, [True, False, True]), fill=2.5), [(3, 4)],
           id="setitem-mask-scalar"),
    OpCase("setitem_", _set_into_zeros(lambda m: (slice(1, None), slice(None, None, 2))),
           [(2, 2)], id="setitem-into-zeros"),
    OpCase("setitem_", _set(lambda m: (1, 2)), [(3, 4), (1, 1)], id="setitem-extra-ones"),
    # gather / scatter family
    OpCase("gather", lambda m, x, i: m.gather(x, 1, i), [(3, 4), (3, 2)], int_inputs=(1,),
           int_high=4),
    OpCase("gather", lambda m, x, i: x.gather(0, i), [(3, 4), (2, 4)], int_inputs=(1,),
           int_high=3),
    OpCase("gather", lambda m, x, i: x.gather(-1, i), [(2, 3, 4), (2, 2, 6)], int_inputs=(1,),
           int_high=4, id="gather-negdim-larger"),
    OpCase("gather", lambda m, x: x.gather(1, m.zeros(0, 2, dtype=m.int64)), [(3, 4)],
           id="gather-empty"),
    OpCase("scatter", lambda m, x, s: x.scatter(1, _t(m, _PERM), s), [(3, 4), (3, 2)]),
    OpCase("scatter", lambda m, x: m.scatter(x, 0, _t(m, [[2, 0, 1, 1]]), 2.5), [(3, 4)],
           id="scatter-value"),
    OpCase("scatter", lambda m, x: x.scatter(-1, _t(m, _PERM), value=-1.0), [(3, 4)],
           id="scatter-value-kw"),
    OpCase("scatter", lambda m, x, s: x.scatter(1, _t(m, _PERM), s, reduce="multiply"),
           [(3, 4), (3, 4)], grad=False, id="scatter-reduce-multiply"),
    OpCase("scatter_add", lambda m, x, s: x.scatter_add(1, _t(m, _ID), s), [(3, 4), (3, 3)]),
    OpCase("scatter_add", lambda m, x, s: m.scatter_add(x, 0, _t(m, [[2, 0, 2, 2]]), s),
           [(3, 4), (1, 4)], id="scatter_add-dim0"),
    OpCase("scatter_", lambda m, x, s: x.clone().scatter_(1, _t(m, _PERM), s),
           [(3, 4), (3, 2)]),
    OpCase("scatter_add_", lambda m, x, s: (x * 1).scatter_add_(1, _t(m, _ID), s),
           [(3, 4), (3, 3)]),
    *[OpCase("scatter_reduce",
             lambda m, x, s, r=r, inc=inc: x.scatter_reduce(1, _t(m, _ID), s, r,
                                                            include_self=inc),
             [(3, 4), (3, 3)], id=f"scatter_reduce-{r}-{inc}",
             domain=(lambda a: np.sign(a) * (np.abs(a) + 0.5)) if r == "prod" else None)
      for r in ("sum", "mean", "amax", "amin", "prod") for inc in (True, False)],
    OpCase("scatter_reduce_", lambda m, x, s: (x * 1).scatter_reduce_(0, _t(m, [[1, 1, 0, 1]]),
                                                                      s, "mean"),
           [(2, 4), (1, 4)]),
    # index_select / index_add / index_copy / index_fill
    OpCase("index_select", lambda m, x: x.index_select(1, _t(m, [3, 0, 3])), [(3, 4)]),
    OpCase("index_select", lambda m, x: m.index_select(x, -3, _t(m, [1])), [(2, 3, 2)]),
    OpCase("index_select", lambda m, x: m.index_select(x, 0, m.tensor(2)), [(3, 2)],
           id="index_select-0d-index"),
    OpCase("index_select", lambda m, x: m.index_select(x, 0, _t(m, []).long()), [(3, 2)],
           id="index_select-empty"),
    OpCase("index_add", lambda m, x, s: x.index_add(1, _t(m, [0, 3, 0, 1, 0]), s, alpha=2.5),
           [(3, 4), (3, 5)]),
    OpCase("index_add", lambda m, x, s: m.index_add(x, 1, _t(m, [2, 2]), s),
           [(2, 3, 2), (2, 2, 2)], id="index_add-mid"),
    OpCase("index_add_", lambda m, x, s: (x * 1).index_add_(0, _t(m, [1, 1]), s),
           [(3, 4), (2, 4)]),
    OpCase("index_copy", lambda m, x, s: x.index_copy(1, _t(m, [3, 0]), s), [(3, 4), (3, 2)]),
    OpCase("index_copy_", lambda m, x, s: (x * 1).index_copy_(0, _t(m, [2]), s),
           [(3, 4), (1, 4)]),
    OpCase("index_fill", lambda m, x: x.index_fill(1, _t(m, [3, 0, 3]), -1.5), [(3, 4)]),
    OpCase("index_fill", lambda m, x, v: m.index_fill(x, 0, _t(m, [2, 2]), v), [(3, 4), ()],
           id="index_fill-tensor-value"),
    OpCase("index_fill_", lambda m, x: (x * 1).index_fill_(1, _t(m, [1]), 0.0), [(3, 4)]),
    OpCase("index_put", lambda m, x, v: x.index_put((_t(m, [0, 0, 2]), _t(m, [1, 1, 3])), v,
                                                    accumulate=True), [(3, 4), (3,)]),
    OpCase("index_put", lambda m, x, v: m.index_put(x, (_t(m, [0, 2]),), v), [(3, 4), (4,)],
           id="index_put-rows"),
    OpCase("index_put_", lambda m, x, v: (x * 1).index_put_((_t(m, [1]),), v), [(3, 4), (1,)]),
    # masked ops
    OpCase("masked_fill", lambda m, x, k: x.masked_fill(k, -2.0), [(3, 4), (3, 4)],
           bool_inputs=(1,)),
    OpCase("masked_fill", lambda m, x, k: m.masked_fill(x, k, -2.0), [(3, 4), (4,)],
           bool_inputs=(1,), id="masked_fill-bcast-mask"),
    OpCase("masked_fill", lambda m, x, k: m.masked_fill(x, k, 1.0), [(4,), (2, 4)],
           bool_inputs=(1,), id="masked_fill-bcast-input"),
    OpCase("masked_fill", lambda m, x, k, v: x.masked_fill(k, v), [(3, 4), (3, 1), ()],
           bool_inputs=(1,), id="masked_fill-tensor-value"),
    OpCase("masked_fill", lambda m, x: x.masked_fill(m.zeros(0, 3, dtype=m.bool), 1.0),
           [(0, 3)], id="masked_fill-empty"),
    OpCase("masked_fill_", lambda m, x, k: (x * 1).masked_fill_(k, 0.0), [(3, 4), (4,)],
           bool_inputs=(1,)),
    OpCase("masked_select", lambda m, x, k: x.masked_select(k), [(3, 4), (3, 4)],
           bool_inputs=(1,)),
    OpCase("masked_select", lambda m, x, k: m.masked_select(x, k), [(4,), (2, 4)],
           bool_inputs=(1,), id="masked_select-bcast"),
    OpCase("masked_scatter", lambda m, x, k, s: x.masked_scatter(k, s), [(3, 4), (3, 4), (3, 5)],
           bool_inputs=(1,)),
    OpCase("masked_scatter", lambda m, x, k, s: m.masked_scatter(x, k, s), [(4,), (2, 4), (9,)],
           bool_inputs=(1,), id="masked_scatter-bcast"),
    OpCase("masked_scatter_", lambda m, x, k, s: (x * 1).masked_scatter_(k, s),
           [(3, 4), (4,), (12,)], bool_inputs=(1,)),
    # take / put / take_along_dim
    OpCase("take", lambda m, x: x.take(_t(m, [[0, -1], [5, 5]])), [(3, 4)]),
    OpCase("take", lambda m, x, i: m.take(x, i), [(2, 3), (4,)], int_inputs=(1,), int_high=6,
           id="take-random"),
    OpCase("put", lambda m, x, s: x.put(_t(m, [0, -1, 5]), s), [(3, 4), (3,)]),
    OpCase("put", lambda m, x, s: m.put(x, _t(m, [[0, -1], [0, 0]]), s, accumulate=True),
           [(3, 4), (2, 2)], id="put-accumulate"),
    OpCase("put_", lambda m, x, s: (x * 1).put_(_t(m, [2, 3]), s), [(2, 3), (2,)]),
    OpCase("take_along_dim", lambda m, x: m.take_along_dim(x, _t(m, [0, 11, 5, 5])), [(3, 4)]),
    OpCase("take_along_dim", lambda m, x, i: x.take_along_dim(i, 1), [(3, 4), (3, 2)],
           int_inputs=(1,), int_high=4, id="take_along_dim-dim1"),
    OpCase("take_along_dim", lambda m, x: m.take_along_dim(x, _t(m, [[0, -1]]), dim=1),
           [(3, 4)], id="take_along_dim-negative-broadcast"),
    OpCase("take_along_dim", lambda m, x, i: m.take_along_dim(x, i, -1),
           [(1, 3, 4), (2, 1, 3)], int_inputs=(1,), int_high=4, id="take_along_dim-bcast"),
    # no gradient: index lookups, counts, sets
    OpCase("nonzero", lambda m, x: m.nonzero(x > 0), [(3, 4)], grad=False),
    OpCase("nonzero", lambda m, x: m.nonzero(x > 0, as_tuple=True), [(3, 4)], grad=False,
           id="nonzero-as_tuple"),
    OpCase("nonzero", lambda m, x: x.nonzero(), [(0, 3)], grad=False, id="nonzero-empty"),
    OpCase("nonzero", lambda m, x: (x[0, 0] > -5).nonzero(as_tuple=True), [(2, 2)], grad=False,
           id="nonzero-0d"),
    OpCase("argwhere", lambda m, x: m.argwhere(x > 0), [(2, 3, 2)], grad=False),
    OpCase("unique", lambda m, a: m.unique(a), [(10,)], int_inputs=(0,), grad=False),
    OpCase("unique", lambda m, a: m.unique(a, return_inverse=True, return_counts=True),
           [(3, 4)], int_inputs=(0,), grad=False, id="unique-inverse-counts"),
    OpCase("unique", lambda m, a: a.unique(sorted=True, return_counts=True, dim=0),
           [(6, 2)], int_inputs=(0,), int_high=2, grad=False, id="unique-dim0"),
    OpCase("unique", lambda m, a: m.unique(a, return_inverse=True, dim=-1),
           [(2, 6)], int_inputs=(0,), int_high=2, grad=False, id="unique-dim-last"),
    OpCase("unique", lambda m, x: m.unique(x[_t(m, [0, 1, 0, 2, 1])], return_inverse=True),
           [(3,)], grad=False, id="unique-float"),
    OpCase("unique_consecutive",
           lambda m, a: m.unique_consecutive(a, return_inverse=True, return_counts=True),
           [(12,)], int_inputs=(0,), int_high=2, grad=False),
    OpCase("unique_consecutive",
           lambda m, a: a.unique_consecutive(return_inverse=True, return_counts=True, dim=0),
           [(6, 2)], int_inputs=(0,), int_high=2, grad=False, id="unique_consecutive-dim0"),
    OpCase("one_hot", lambda m, a: _one_hot(m, a), [(2, 3)], int_inputs=(0,), grad=False),
    OpCase("one_hot", lambda m, a: _one_hot(m, a, 7), [(5,)], int_inputs=(0,), grad=False,
           id="one_hot-num_classes"),
    OpCase("one_hot", lambda m: _one_hot(m, m.tensor([], dtype=m.int64), 3), [], grad=False,
           id="one_hot-empty"),
    OpCase("searchsorted", lambda m, s, v: m.searchsorted(s, v), [(6,), (2, 3)],
           domain=_sorted, grad=False),
    OpCase("searchsorted", lambda m, s, v: m.searchsorted(s, v[0, 0].item(), right=True),
           [(6,), (2, 3)], domain=_sorted, grad=False, id="searchsorted-scalar"),
    OpCase("searchsorted", lambda m, s, v: m.searchsorted(s, v, side="right", out_int32=True),
           [(2, 3, 5), (2, 3, 4)], domain=_sorted, grad=False, id="searchsorted-batched"),
    OpCase("searchsorted", lambda m, s: m.searchsorted(s, s[:, 1:3]), [(3, 5)], domain=_sorted,
           grad=False, id="searchsorted-batched-ties"),
    OpCase("searchsorted", lambda m, s: m.searchsorted(s, s[:, 1:3], right=True), [(3, 5)],
           domain=_sorted, grad=False, id="searchsorted-batched-ties-right"),
    OpCase("searchsorted",
           lambda m, s, v: m.searchsorted(s, v, sorter=_t(m, [2, 0, 3, 1])), [(4,), (3,)],
           grad=False, domain=lambda a: a[[1, 3, 0, 2]] if a.shape == (4,) else a,
           id="searchsorted-sorter"),
    OpCase("bucketize", lambda m, x, b: m.bucketize(x, b), [(3, 4), (5,)], domain=_sorted,
           grad=False),
    OpCase("bucketize", lambda m, x, b: m.bucketize(x, b, right=True, out_int32=True),
           [(3, 4), (5,)], domain=_sorted, grad=False, id="bucketize-right"),
    OpCase("bincount", lambda m, a: m.bincount(a), [(10,)], int_inputs=(0,), grad=False),
    OpCase("bincount", lambda m, a, w: a.bincount(w, minlength=9), [(10,), (10,)],
           int_inputs=(0,), grad=False, id="bincount-weights"),
    OpCase("histc", lambda m, x: m.histc(x, bins=7, min=-1.5, max=1.5), [(30,)], grad=False),
    OpCase("histc", lambda m, x: x.histc(bins=5), [(4, 5)], grad=False, id="histc-auto-range"),
]

test_parity, test_gradcheck = parametrize_cases(CASES)


# -- views and in-place writes ------------------------------------------------------------------


def test_basic_index_is_a_view_sharing_version():
    x = ember.from_numpy(np.arange(12.0).reshape(3, 4))
    row = x[1]
    assert np.shares_memory(row.numpy(), x.numpy())
    assert x[1:, ::2]._base is x and x[None, ..., 0]._base is x
    row[2] = 100.0  # a write through the view shows in the base ...
    assert x[1, 2].item() == 100.0
    assert x._version == row._version == 1  # ... and both see one version counter
    elem = x[2, 3]  # all-int index: still a 0-d view, not a NumPy scalar copy
    assert elem.shape == () and np.shares_memory(elem.numpy(), x.numpy())
    assert x[ember.tensor(0)]._base is x  # 0-d integer tensors index like ints


def test_advanced_index_copies():
    x = ember.arange(6.0).reshape(2, 3)
    y = x[ember.tensor([0, 0])]
    y[0, 0] = -1.0
    assert x[0, 0].item() == 0.0 and not np.shares_memory(y.numpy(), x.numpy())


def test_setitem_without_grad_writes_into_the_array():
    x = ember.zeros(3, 4)
    data = x.numpy()
    x[1] = 2.0
    x[:, ember.tensor([0, 3])] = ember.tensor([5.0, 6.0])
    x[ember.tensor([True, False, True]), 1] = ember.tensor(7, dtype=ember.int64)  # cast
    assert x.numpy() is data and x._version == 3
    np.testing.assert_array_equal(
        data, [[5, 7, 0, 6], [5, 2, 2, 6], [5, 7, 0, 6]])


def test_setitem_casts_value_to_the_tensor_dtype():
    x = ember.zeros(3, dtype=ember.int64)
    x[0] = 1.7
    x[1:] = ember.tensor([2.9, -3.2])
    assert x.dtype is ember.int64 and x.tolist() == [1, 2, -3]


@requires_torch
def test_setitem_gradients_match_torch_with_a_float64_value():
    def run(m):
        x = m.tensor(np.arange(6.0).reshape(2, 3), dtype=m.float32, requires_grad=True)
        v = m.tensor([1.5, -2.0], dtype=m.float64, requires_grad=True)
        y = x * 2
        y[:, 1] = v  # v is cast to float32; its gradient comes back as float64
        (y * m.tensor(np.arange(6.0).reshape(2, 3), dtype=m.float32)).sum().backward()
        return x.grad.numpy(), v.grad.numpy(), str(v.grad.dtype).split(".")[-1]

    (ex, ev, ed), (tx, tv, td) = run(ember), run(torch)
    np.testing.assert_allclose(ex, tx)
    np.testing.assert_allclose(ev, tv)
    assert ed == td == "float64"


def test_setitem_on_leaf_requiring_grad_raises():
    w = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w[0] = 2.0
    with ember.no_grad():
        w[0] = 2.0  # allowed: a weight update
    assert w.tolist() == [2.0, 1.0, 1.0] and w.grad_fn is None


def test_setitem_records_into_a_tensor_without_grad():
    v = ember.tensor([1.0, 2.0], requires_grad=True)
    buf = ember.zeros(4)
    buf[ember.tensor([3, 0])] = v * 3
    assert buf.requires_grad and buf.grad_fn is not None
    (buf * ember.tensor([1.0, 10.0, 100.0, 1000.0])).sum().backward()
    assert v.grad.tolist() == [3000.0, 3.0]


def test_backward_sees_inplace_change_of_saved_tensor():
    x = ember.ones(3, requires_grad=True)
    y = x * 1
    z = y.masked_fill(ember.tensor([True, False, False]), ember.tensor(2.0))
    s = (z * y).sum()
    y[1] = 5.0  # y was saved by the multiplication
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        s.backward()


def test_inplace_variants_write_self_and_bump_version():
    x = ember.zeros(2, 3)
    data = x.numpy()
    out = x.index_add_(1, ember.tensor([0, 0]), ember.ones(2, 2))
    out = out.scatter_(1, ember.tensor([[2], [1]]), 9.0)
    out = out.masked_fill_(ember.tensor([True, False, False]), -1.0)
    out = out.index_fill_(0, ember.tensor([1]), 4.0)
    assert out is x and x.numpy() is data and x._version == 4
    np.testing.assert_array_equal(data, [[-1, 0, 9], [4, 4, 4]])


def _src(m, x):
    return x if m is ember else x.clone()


_INPLACE = {
    "scatter_": lambda m, x: x.scatter_(1, m.tensor([[2, 0], [1, 0], [0, 2], [1, 2]]),
                                        x[:, :2] * 2),
    "scatter_-value": lambda m, x: x.scatter_(0, m.tensor([[3, 0, 1]]), 7.0),
    "scatter_add_": lambda m, x: x.scatter_add_(1, m.tensor([[2, 2], [0, 0], [1, 2], [0, 0]]),
                                                m.ones(4, 2, dtype=x.dtype)),
    # ember reads an overlapping source before writing (PyTorch refuses): torch gets a clone
    "scatter_add_-alias": lambda m, x: x.scatter_add_(0, m.tensor([[1, 2, 3]]), _src(m, x)),
    "index_add_": lambda m, x: x.index_add_(0, m.tensor([3, 3, 0]), m.ones(3, 3, dtype=x.dtype),
                                            alpha=2),
    "index_add_-alias": lambda m, x: x.index_add_(1, m.tensor([2, 0, 2]), _src(m, x)),
    "index_copy_": lambda m, x: x.index_copy_(1, m.tensor([2, 0]), m.zeros(4, 2, dtype=x.dtype)),
    "index_fill_": lambda m, x: x.index_fill_(0, m.tensor([1, 1, 3]), m.tensor(-3.0,
                                                                            dtype=x.dtype)),
    "put_": lambda m, x: x.put_(m.tensor([0, -1, 4]), m.tensor([1.0, 2.0, 3.0], dtype=x.dtype),
                                accumulate=True),
    "index_put_": lambda m, x: x.index_put_((m.tensor([0, 0]), m.tensor([1, 1])),
                                            m.tensor([1.0, 2.0], dtype=x.dtype),
                                            accumulate=True),
    "index_put_-rows": lambda m, x: x.index_put_((m.tensor(1),), m.tensor([5.0], dtype=x.dtype)),
    "masked_fill_": lambda m, x: x.masked_fill_(m.tensor([True, False, True]), 0.5),
    "masked_scatter_": lambda m, x: x.masked_scatter_(m.tensor([True, False, True]),
                                                      m.arange(12.0, dtype=x.dtype)),
}


@requires_torch
@pytest.mark.parametrize("transposed", [False, True], ids=["contiguous", "transposed"])
@pytest.mark.parametrize("name", list(_INPLACE))
def test_inplace_without_grad_matches_torch(name, transposed):
    base = np.arange(12.0).reshape(3, 4).T.copy() if not transposed else \
        np.arange(12.0).reshape(3, 4).T  # (4, 3), non-contiguous when transposed
    e, t = ember.from_numpy(base.copy() if not transposed else base), torch.from_numpy(base.copy())
    data = e.numpy()
    out = _INPLACE[name](ember, e)
    _INPLACE[name](torch, t)
    assert out is e and e.numpy() is data and e._version == 1
    np.testing.assert_array_equal(data, t.numpy())


def test_where_with_only_a_condition_is_nonzero_as_tuple():
    rows, cols = ember.where(ember.tensor([[0, 1], [1, 1]]))
    assert rows.tolist() == [0, 1, 1] and cols.tolist() == [1, 0, 1]


def test_repeated_indices_accumulate_in_the_gradient():
    w = ember.zeros(4, 2, requires_grad=True)
    idx = ember.tensor([[1, 1], [3, 1]])
    w[idx].sum().backward()
    assert w.grad.tolist() == [[0, 0], [3, 3], [0, 0], [1, 1]]
    w.grad = None
    w.index_select(0, ember.tensor([2, 2, 2])).sum().backward()
    assert w.grad[:, 0].tolist() == [0, 0, 3, 0]


def test_grad_fn_names():
    x = ember.ones(3, 4, requires_grad=True)
    assert x[1:].grad_fn.name() == "SliceBackward0"
    assert x[ember.tensor([0])].grad_fn.name() == "IndexBackward0"
    assert x.gather(1, ember.tensor([[0]])).grad_fn.name() == "GatherBackward0"


# -- double backward -------------------------------------------------------------------------


def _leaf(shape, seed=0):
    rng = np.random.default_rng(seed)
    return ember.from_numpy(rng.uniform(-1, 1, shape)).requires_grad_()


@pytest.mark.parametrize("name,fn,shapes", [
    ("getitem-basic", lambda x: x[1:, ::2], [(3, 4)]),
    ("getitem-adv", lambda x: x[ember.tensor([0, 2, 0])] ** 2, [(3, 2)]),
    ("getitem-mask", lambda x: x[ember.tensor([True, False, True])], [(3, 2)]),
    ("gather", lambda x: x.gather(1, ember.tensor([[0, 0], [2, 1]])) ** 2, [(2, 3)]),
    ("scatter_add", lambda x, s: x.scatter_add(1, ember.tensor([[0, 0]]), s ** 2),
     [(2, 3), (1, 2)]),
    ("scatter", lambda x, s: x.scatter(0, ember.tensor([[1, 0, 1]]), s) ** 2,
     [(2, 3), (1, 3)]),
    ("index_select", lambda x: x.index_select(0, ember.tensor([1, 1])) ** 2, [(2, 3)]),
    ("index_add", lambda x, s: x.index_add(1, ember.tensor([0, 0]), s * s), [(2, 3), (2, 2)]),
    ("masked_fill", lambda x, v: x.masked_fill(ember.tensor([True, False]), v) ** 2,
     [(3, 2), ()]),
    ("masked_select", lambda x: x.masked_select(ember.tensor([True, False, True])) ** 2,
     [(2, 3)]),
    ("masked_scatter", lambda x, s: x.masked_scatter(ember.tensor([False, True]), s) ** 2,
     [(2, 2), (3,)]),
    ("take", lambda x: x.take(ember.tensor([0, 3, 3])) ** 2, [(2, 2)]),
    ("take_along_dim", lambda x: ember.take_along_dim(x, ember.tensor([[1], [0]]), 1) ** 2,
     [(2, 3)]),
    ("setitem", lambda x, v: _set(lambda m: (0, ember.tensor([1, 1])))(ember, x * x, v * v),
     [(2, 3), (2,)]),
    ("scatter_reduce-amax", lambda x, s: x.scatter_reduce(0, ember.tensor([0, 0]), s, "amax")
     ** 2, [(2,), (2,)]),
])
def test_double_backward(name, fn, shapes):
    inputs = tuple(_leaf(s, seed=i) for i, s in enumerate(shapes))
    assert ember.autograd.gradgradcheck(fn, inputs)


def test_padded_src_gradient_is_zero_outside_the_index():
    # PyTorch itself fails on this (its backward returns the index-shaped gradient).
    x = _leaf((2, 3))
    s = _leaf((2, 3), seed=1)
    ember.autograd.gradcheck(lambda x, s: x.scatter_add(1, ember.tensor([[2], [0]]), s), (x, s))
    g = ember.autograd.grad(x.scatter(1, ember.tensor([[2], [0]]), s).sum(), s)[0]
    assert g.tolist() == [[1, 0, 0], [1, 0, 0]]


# -- errors --------------------------------------------------------------------------------------


X = ember.arange(12.0).reshape(3, 4)


@pytest.mark.parametrize("index,exc,pattern", [
    (5, IndexError, r"index 5 is out of bounds for dimension 0 with size 3"),
    ((slice(None), -5), IndexError, r"index -5 is out of bounds for dimension 1 with size 4"),
    (ember.tensor([0, 7]), IndexError, r"index 7 is out of bounds for dimension 0 with size 3"),
    ((ember.tensor([0]), ember.tensor([9])), IndexError,
     r"index 9 is out of bounds for dimension 1 with size 4"),
    (slice(None, None, -1), ValueError, r"step must be greater than zero"),
    ((1, 2, 3), IndexError, r"too many indices for tensor of dimension 2"),
    (ember.tensor([True, False]), IndexError,
     r"mask \[2\] at index 0 does not match the shape of the indexed tensor \[3, 4\] at index 0"),
    ((slice(None), ember.tensor([True])), IndexError,
     r"mask \[1\] at index 0 does not match .* \[3, 4\] at index 1"),
    (ember.tensor([0.0]), IndexError, r"long, int, byte or bool tensors \(got ember.float32\)"),
    (ember.tensor([0], dtype=ember.int16), IndexError, r"\(got ember.int16\)"),
    (1.5, IndexError, r"valid indices \(got float\)"),
    ((ember.tensor([0, 1]), ember.tensor([0, 1, 2])), IndexError,
     r"could not be broadcast together with shapes \[2\], \[3\]"),
])
def test_getitem_errors(index, exc, pattern):
    with pytest.raises(exc, match=pattern):
        X[index]


def test_setitem_errors():
    x = ember.zeros(3, 4)
    with pytest.raises(RuntimeError, match=r"value tensor of shape \[3\] cannot be broadcast to "
                                           r"indexing result of shape \[2, 4\]"):
        x[ember.tensor([0, 1])] = ember.ones(3)
    with pytest.raises(RuntimeError, match=r"value tensor of shape \[3\] .* shape \[4\]"):
        x[0] = ember.ones(3)
    with pytest.raises(TypeError, match=r"can't assign a list to a ember.FloatTensor"):
        x[0] = [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(IndexError, match=r"index 3 is out of bounds for dimension 0 with size 3"):
        x[3] = 1.0
    assert x._version == 0  # nothing was written


I2 = ember.tensor([[0, 1], [2, 0]])


@pytest.mark.parametrize("call,exc,pattern", [
    (lambda: X.gather(1, I2.to(ember.int16)), RuntimeError,
     r"gather\(\): Expected dtype int32/int64 for index \(got ember.int16\)"),
    (lambda: X.gather(1, ember.tensor([[0, 5]])), RuntimeError,
     r"gather\(\): index 5 is out of bounds for dimension 1 with size 4"),
    (lambda: X.gather(1, ember.tensor([[-1]])), RuntimeError, r"index -1 is out of bounds"),
    (lambda: X.gather(1, ember.tensor([0])), RuntimeError,
     r"gather\(\): Index tensor must have the same number of dimensions as input tensor "
     r"\(got index \[1\] and input \[3, 4\]\)"),
    (lambda: X.gather(1, ember.zeros(4, 1, dtype=ember.int64)), RuntimeError,
     r"expected index \[4, 1\] to be no larger than self \[3, 4\] apart from dimension 1"),
    (lambda: X.gather(2, I2), IndexError, r"gather\(\): Dimension out of range"),
    (lambda: X.scatter(1, I2, ember.ones(1, 1)), RuntimeError,
     r"scatter\(\): Expected index \[2, 2\] to be no larger than self \[3, 4\] apart from "
     r"dimension 1 and to be no larger size than src \[1, 1\]"),
    (lambda: X.scatter(1, I2, ember.ones(2, 2, dtype=ember.float64)), RuntimeError,
     r"scatter\(\): Expected self.dtype to be equal to src.dtype \(got ember.float32 and "
     r"ember.float64\)"),
    (lambda: X.scatter(1, I2, ember.ones(2, 2), reduce="mean"), RuntimeError,
     r"reduce argument must be either add or multiply, got 'mean'"),
    (lambda: X.scatter_reduce(1, I2, ember.ones(2, 2), "max"), RuntimeError,
     r"must be either sum, prod, mean, amax or amin, got max"),
    (lambda: X.scatter_add(1, ember.tensor([[9]]), ember.ones(1, 1)), RuntimeError,
     r"scatter_add\(\): index 9 is out of bounds for dimension 1 with size 4"),
    (lambda: X.index_select(1, ember.tensor([[0, 3]])), IndexError,
     r"index_select\(\): Index is supposed to be a vector, but got dim: 2"),
    (lambda: X.index_select(1, ember.tensor([0.0])), RuntimeError,
     r"index_select\(\): Expected dtype int32 or int64 for index \(got ember.float32\)"),
    (lambda: X.index_select(1, ember.tensor([4])), RuntimeError,
     r"index_select\(\): index 4 is out of bounds for dimension 1 with size 4"),
    (lambda: X.index_add(1, ember.tensor([0, 0]), ember.ones(3, 2, dtype=ember.float64)),
     RuntimeError, r"index_add_\(\): self \(Float\) and source \(Double\) must have the same"),
    (lambda: X.index_add(1, ember.tensor([0, 0]), ember.ones(3, 3)), RuntimeError,
     r"Number of indices \(2\) should be equal to source.size\(dim\): \(3\), for dim: 1"),
    (lambda: X.index_add(0, ember.tensor([0, 1]), ember.ones(2, 3)), RuntimeError,
     r"Got self.shape = \[3, 4\] source.shape = \[2, 3\]"),
    (lambda: X.index_copy(1, ember.tensor([0], dtype=ember.int32), ember.ones(3, 1)),
     RuntimeError, r"index_copy_\(\): Expected a long tensor for index, but got Int"),
    (lambda: X.index_copy(1, ember.tensor([9]), ember.ones(3, 1)), IndexError,
     r"index_copy_\(\): index 9 is out of bounds for dimension 1 with size 4"),
    (lambda: X.index_fill(1, ember.tensor([0], dtype=ember.int32), 2.0), IndexError,
     r"index_fill_\(\): Expected dtype int64 for index"),
    (lambda: X.index_fill(1, ember.tensor([0]), ember.tensor([1.0])), RuntimeError,
     r"only supports a 0-dimensional value tensor, but got tensor with 1 dimension"),
    (lambda: X.masked_fill(ember.tensor([1.0, 0, 0, 1]), 2.0), RuntimeError,
     r"masked_fill_ only supports boolean masks, but got mask with dtype ember.float32"),
    (lambda: X.masked_fill(ember.ones(5, dtype=ember.bool), 0.0), RuntimeError,
     r"masked_fill\(\): shapes \(3, 4\) and \(5,\) cannot be broadcast"),
    (lambda: ember.zeros(4).masked_fill_(ember.ones(2, 4, dtype=ember.bool), 0.0), RuntimeError,
     r"output with shape \[4\] doesn't match the broadcast shape \[2, 4\]"),
    (lambda: X.masked_select(ember.ones(4)), RuntimeError,
     r"masked_select: expected BoolTensor for mask \(got ember.float32\)"),
    (lambda: X.masked_scatter(ember.ones(4, dtype=ember.bool), ember.ones(3)), RuntimeError,
     r"Number of elements of source \(3\) < number of ones in mask \(12\)"),
    (lambda: X.take(ember.tensor([12])), IndexError,
     r"take\(\): out of range: tried to access index 12 on a tensor of 12 elements"),
    (lambda: X.take(ember.tensor([1], dtype=ember.int32)), RuntimeError,
     r"take\(\): Expected a long tensor for index, but got Int"),
    (lambda: X.put(ember.tensor([1]), ember.ones(2)), IndexError,
     r"source.numel\(\) = 2, index.numel\(\) = 1"),
    (lambda: X.put(ember.tensor([-13]), ember.ones(1)), IndexError,
     r"tried to access index -13 on a tensor of 12 elements"),
    (lambda: X.take_along_dim(ember.tensor([[1]], dtype=ember.int32), 1), RuntimeError,
     r"dtype of indices should be Long but got Int"),
    (lambda: X.take_along_dim(ember.tensor([1]), 1), RuntimeError,
     r"got 2 dimensions for input, and 1 dimensions for indices"),
    (lambda: X.take_along_dim(ember.tensor([[4]]), 1), RuntimeError,
     r"index 4 is out of bounds for dimension 1 with size 4"),
    (lambda: ember.one_hot(ember.tensor([0, 7, 1]), 5), RuntimeError,
     r"Class values must be smaller than num_classes \(5\); got 7"),
    (lambda: ember.one_hot(ember.tensor([0, -2]), 5), RuntimeError,
     r"Class values must be non-negative \(got -2\)"),
    (lambda: ember.one_hot(ember.tensor([0], dtype=ember.int32)), RuntimeError,
     r"one_hot is only applicable to index tensor of type LongTensor \(got ember.int32\)"),
    (lambda: ember.one_hot(ember.tensor([], dtype=ember.int64)), RuntimeError,
     r"Can not infer total number of classes from empty tensor"),
    (lambda: ember.searchsorted(ember.tensor([1.0]), ember.tensor([1.0]), side="left",
                                right=True), RuntimeError,
     r"side and right can't be set to opposites"),
    (lambda: ember.searchsorted(ember.ones(2, 3), ember.ones(3, 3)), RuntimeError,
     r"but we got boundaries tensor \[2, 3\] and input value tensor \[3, 3\]"),
    (lambda: ember.bucketize(ember.ones(3), ember.ones(2, 3)), RuntimeError,
     r"boundaries tensor must be 1 dimension, but got dim\(2\)"),
    (lambda: ember.bincount(ember.tensor([-1, 2])), RuntimeError,
     r"bincount only supports 1-d non-negative integral inputs \(got shape \[2\], min -1\)"),
    (lambda: ember.bincount(ember.tensor([1.0])), NotImplementedError,
     r"bincount\(\): not implemented for 'Float'"),
    (lambda: ember.histc(ember.tensor([1.0]), min=3, max=1), RuntimeError,
     r"max must be larger than min \(got min 3, max 1\)"),
])
def test_op_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_scatter_with_reduce_has_no_gradient():
    x = ember.ones(3, requires_grad=True)
    y = x.scatter(0, ember.tensor([0]), ember.ones(1), reduce="add")
    with pytest.raises(RuntimeError, match=r"derivative for scatter with reduce='add' is not "
                                           r"implemented"):
        y.sum().backward()
