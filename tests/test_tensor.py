"""The ``Tensor`` API in ember/tensor.py: attributes, autograd flags, conversions, Python
protocols, printing (compared with PyTorch's strings), ``ember.Size``, legacy constructors,
dtype objects, the default dtype and ``ember.device``."""

import copy
import importlib.util

import numpy as np
import pytest

import ember
from tests.helpers import requires_torch, torch

DTYPES9 = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64")


# -- what the tensor is ------------------------------------------------------------------------

def test_shape_size_ndim_dim():
    x = ember.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and isinstance(x.shape, ember.Size)
    assert x.size() == ember.Size([2, 3, 4]) and isinstance(x.size(), ember.Size)
    assert x.size(0) == 2 and x.size(-1) == 4 and x.size(1) == 3
    assert isinstance(x.size(1), int)
    assert x.ndim == 3 and x.dim() == 3 and x.ndimension() == 3
    s = ember.tensor(1.0)
    assert s.shape == () and s.ndim == 0 and s.size() == ember.Size([])
    assert s.numel() == 1
    with pytest.raises(IndexError):
        s.size(0)
    with pytest.raises(IndexError, match=r"size\(\): Dimension out of range \(expected to be in "
                                         r"range of \[-3, 2\], but got 3\)"):
        x.size(3)
    with pytest.raises(IndexError, match=r"range of \[-3, 2\], but got -4"):
        x.size(-4)


def test_dtype_device_numel_element_size():
    x = ember.zeros(2, 3, dtype=ember.float64)
    assert x.dtype is ember.float64 and x.device == ember.device("cpu")
    assert x.device.type == "cpu" and x.is_cpu and not x.is_cuda
    assert x.numel() == 6 and x.nelement() == 6
    assert x.element_size() == 8 and x.itemsize == 8 and x.nbytes == 48
    assert ember.zeros(2, dtype=ember.float16).element_size() == 2
    assert ember.zeros(2, dtype=ember.bool).element_size() == 1
    assert ember.zeros(0, 5).numel() == 0
    assert x.is_floating_point() and not ember.zeros(2, dtype=ember.int32).is_floating_point()


def test_contiguity_and_strides():
    x = ember.zeros(2, 3)
    assert x.is_contiguous() and x.stride() == (3, 1) and x.stride(0) == 3 and x.stride(-1) == 1
    assert x.contiguous() is x
    t = x.T
    assert not t.is_contiguous() and t.stride() == (1, 3)
    c = t.contiguous()
    assert c is not t and c.is_contiguous() and c.tolist() == t.tolist()


def test_T_and_mT():
    x = ember.from_numpy(np.arange(24.0).reshape(2, 3, 4))
    assert x.T.shape == (4, 3, 2) and x.T.tolist() == np.arange(24.0).reshape(2, 3, 4).T.tolist()
    assert x.mT.shape == (2, 4, 3)
    assert x.mT.tolist() == np.swapaxes(np.arange(24.0).reshape(2, 3, 4), -1, -2).tolist()
    v = ember.ones(3)
    assert v.T.shape == (3,)
    with pytest.raises(RuntimeError, match=r"tensor.mT is only supported on matrices or batches "
                                           r"of matrices. Got 1-D tensor."):
        _ = v.mT
    m = ember.from_numpy(np.arange(6.0).reshape(2, 3))
    m.T.numpy()[0, 1] = 100.0  # .T is a view
    assert m.tolist()[1][0] == 100.0


# -- autograd attributes -----------------------------------------------------------------------

def test_requires_grad_grad_fn_is_leaf_and_grad():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.grad_fn is None and x.grad is None
    y = x * 3
    assert y.requires_grad and not y.is_leaf and y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0] and y.grad is None
    c = ember.ones(2)
    assert not c.requires_grad and c.is_leaf and (c * 2).is_leaf
    with ember.no_grad():
        assert not (x * 2).requires_grad and (x * 2).grad_fn is None


def test_requires_grad_setter_and_requires_grad_():
    x = ember.ones(2)
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad = False
    assert not x.requires_grad
    assert x.requires_grad_(True).requires_grad
    y = x * 2
    with pytest.raises(RuntimeError, match=r"only change requires_grad flags of leaf variables"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match=r"only Tensors of floating point dtype can require "
                                           r"gradients.*ember.int64"):
        ember.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match=r"floating point.*ember.bool"):
        ember.tensor([True]).requires_grad = True
    ember.tensor([1, 2]).requires_grad_(False)  # turning it off is always fine


def test_grad_setter_checks_shape_and_type():
    x = ember.ones(2, requires_grad=True)
    x.grad = ember.full((2,), 0.5)
    assert x.grad.tolist() == [0.5, 0.5]
    x.grad = None
    assert x.grad is None
    with pytest.raises(RuntimeError, match=r"different size.*\(2,\).*\(3,\)"):
        x.grad = ember.ones(3)
    with pytest.raises(TypeError, match=r"grad should be a Tensor or None, got list"):
        x.grad = [1.0, 1.0]


def test_gradients_accumulate_across_backward_calls():
    x = ember.tensor([1.0, -1.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 2).sum().backward()
    assert x.grad.tolist() == [4.0, 0.0]


def test_retain_grad():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    (y * y).sum().backward()
    assert y.grad.tolist() == [4.0, 8.0] and x.grad.tolist() == [8.0, 16.0]
    x.retain_grad()  # a leaf requiring grad: a no-op
    with pytest.raises(RuntimeError, match=r"can't retain_grad on Tensor that has "
                                           r"requires_grad=False"):
        ember.ones(2).retain_grad()


def test_register_hook_changes_the_gradient_and_can_be_removed():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    h = x.register_hook(lambda g: seen.append(g.tolist()) or g * 10)
    (x * 3).sum().backward()
    assert seen == [[3.0, 3.0]] and x.grad.tolist() == [30.0, 30.0]
    h.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0] and len(seen) == 1
    y = x * 1
    y.register_hook(lambda g: g * 0)  # on a non-leaf: changes what flows further back
    x.grad = None
    (y * 5).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match=r"cannot register a hook on a tensor that doesn't "
                                           r"require gradient"):
        ember.ones(2).register_hook(lambda g: g)


def test_detach_shares_memory_and_version():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    d.numpy()[0] = 5.0
    assert x.tolist() == [5.0, 2.0]
    v = x._version
    d.add_(1.0)
    assert x._version == v + 1 and d._version == x._version
    y = x * 2
    assert y.detach_() is y and not y.requires_grad and y.grad_fn is None and y.is_leaf


def test_data_is_a_detached_alias():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    d = x.data
    assert not d.requires_grad and d.is_leaf
    d.numpy()[1] = 7.0
    assert x.tolist() == [1.0, 7.0]
    x.data = ember.tensor([3.0, 4.0])
    assert x.tolist() == [3.0, 4.0] and x.requires_grad
    with pytest.raises(TypeError, match=r"data must be set to a Tensor, got list"):
        x.data = [1.0]


def test_clone_copies_memory_and_passes_gradients():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.grad_fn.name() == "CloneBackward0" and c.tolist() == [1.0, 2.0]
    assert not np.shares_memory(c.detach().numpy(), x.detach().numpy())
    (c * c).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    nc = ember.from_numpy(np.arange(6.0).reshape(2, 3).T)
    assert nc.clone().is_contiguous() and nc.clone().tolist() == nc.tolist()


# -- conversions -------------------------------------------------------------------------------

def test_item_and_tolist():
    assert ember.tensor(2.5).item() == 2.5 and isinstance(ember.tensor(2.5).item(), float)
    assert isinstance(ember.tensor([[3]]).item(), int) and ember.tensor([[3]]).item() == 3
    assert ember.tensor(True).item() is True
    with pytest.raises(RuntimeError, match=r"a Tensor with 2 elements cannot be converted to "
                                           r"Scalar"):
        ember.ones(2).item()
    lst = ember.tensor([[1, 2], [3, 4]]).tolist()
    assert lst == [[1, 2], [3, 4]] and type(lst[0][0]) is int
    assert ember.tensor(1.5).tolist() == 1.5
    assert ember.zeros(0, 2).tolist() == []
    assert type(ember.tensor([0.5]).tolist()[0]) is float


def test_numpy_shares_memory_and_refuses_requires_grad():
    x = ember.zeros(3)
    a = x.numpy()
    assert isinstance(a, np.ndarray) and a.dtype == np.float32
    a[0] = 1.0
    assert x.tolist()[0] == 1.0
    w = ember.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad. "
                                           r"Use tensor.detach\(\).numpy\(\) instead."):
        w.numpy()
    assert w.numpy(force=True).tolist() == [0.0, 0.0]
    assert w.detach().numpy().tolist() == [0.0, 0.0]


def test_array_protocol():
    x = ember.tensor([1.0, 2.0])
    a = np.asarray(x)
    assert a.dtype == np.float32 and np.shares_memory(a, x.numpy())
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    assert np.array(x).tolist() == [1.0, 2.0]
    assert not np.shares_memory(np.array(x, copy=True), x.numpy())
    with pytest.raises(RuntimeError, match=r"requires grad.*detach\(\)"):
        np.asarray(ember.ones(2, requires_grad=True))


def test_to_dtype_device_other_and_identity():
    x = ember.tensor([1.5, -2.5])
    assert x.to(ember.float32) is x
    assert x.to("cpu") is x and x.to(ember.device("cpu")) is x and x.cpu() is x
    assert x.to(device="cpu", dtype=ember.float32) is x
    d = x.to(ember.float64)
    assert d.dtype is ember.float64 and d.tolist() == [1.5, -2.5]
    i = x.to(dtype=ember.int32)
    assert i.dtype is ember.int32 and i.tolist() == [1, -2]
    assert x.to("cpu", ember.float64).dtype is ember.float64
    other = ember.zeros(1, dtype=ember.float16)
    assert x.to(other).dtype is ember.float16
    c = x.to(ember.float32, copy=True)
    assert c is not x and c.tolist() == x.tolist()
    assert not np.shares_memory(c.numpy(), x.numpy())
    with pytest.raises(TypeError, match=r"to\(\) got unexpected keyword arguments \['foo'\]"):
        x.to(foo=1)


def test_to_is_differentiable_between_float_dtypes():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(ember.float64)
    assert y.requires_grad and y.dtype is ember.float64
    (y * y).sum().backward()
    assert x.grad.dtype is ember.float32 and x.grad.tolist() == [2.0, 4.0]


@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None, reason="CuPy is installed")
def test_to_cuda_without_cupy_says_how_to_get_it():
    with pytest.raises(ImportError, match=r"CuPy.*pip install cupy"):
        ember.ones(2).to("cuda")


@pytest.mark.parametrize("method, dtype", [
    ("float", "float32"), ("double", "float64"), ("half", "float16"), ("long", "int64"),
    ("int", "int32"), ("short", "int16"), ("byte", "uint8"), ("char", "int8"), ("bool", "bool"),
])
def test_dtype_shortcut_methods(method, dtype):
    x = ember.tensor([0.0, 1.5, -2.0])
    y = getattr(x, method)()
    assert y.dtype is getattr(ember, dtype)
    assert y.tolist() == np.array([0.0, 1.5, -2.0]).astype(dtype).tolist()
    assert getattr(y, method)() is y


def test_type_and_type_as():
    x = ember.ones(2)
    assert x.type() == "ember.FloatTensor" and x.long().type() == "ember.LongTensor"
    assert x.bool().type() == "ember.BoolTensor" and x.double().type() == "ember.DoubleTensor"
    assert x.type(ember.int32).dtype is ember.int32
    assert x.type_as(ember.zeros(1, dtype=ember.int64)).dtype is ember.int64
    assert x.type_as(ember.zeros(1)) is x


def test_new_factories_inherit_dtype():
    x = ember.zeros(1, dtype=ember.float64)
    assert x.new_zeros(2, 3).shape == (2, 3) and x.new_zeros(2).dtype is ember.float64
    assert x.new_ones((2,)).tolist() == [1.0, 1.0]
    assert x.new_full((2,), 7).dtype is ember.float64 and x.new_full((2,), 7).tolist() == [7, 7]
    assert x.new_empty(3).shape == (3,)
    assert x.new_tensor([1, 2]).dtype is ember.float64
    assert x.new_zeros(2, dtype=ember.int32).dtype is ember.int32


# -- Python protocols --------------------------------------------------------------------------

def test_len_and_iteration():
    x = ember.from_numpy(np.arange(6.0).reshape(3, 2))
    assert len(x) == 3 and len(ember.zeros(0, 4)) == 0
    rows = list(x)
    assert len(rows) == 3 and all(isinstance(r, ember.Tensor) for r in rows)
    assert [r.tolist() for r in rows] == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
    assert [v.item() for v in ember.tensor([1, 2, 3])] == [1, 2, 3]
    with pytest.raises(TypeError, match=r"len\(\) of a 0-d tensor"):
        len(ember.tensor(1.0))
    with pytest.raises(TypeError, match=r"iteration over a 0-d tensor"):
        iter(ember.tensor(1.0))


def test_iteration_carries_gradients():
    x = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    a, b = x
    (a * 2 + b * 3).sum().backward()
    assert x.grad.tolist() == [[2.0, 2.0], [3.0, 3.0]]


def test_bool_float_int_index_on_one_element():
    assert bool(ember.tensor([1])) is True and bool(ember.tensor(0.0)) is False
    assert float(ember.tensor([[2.5]])) == 2.5 and int(ember.tensor(2.7)) == 2
    assert int(ember.tensor(-2.7)) == -2
    assert [10, 20, 30][ember.tensor(1)] == 20
    assert list(range(10))[ember.tensor(2):ember.tensor(4)] == [2, 3]
    assert [10, 20][ember.tensor([1])] == 20
    with pytest.raises(RuntimeError, match=r"Boolean value of Tensor with more than one value is "
                                           r"ambiguous"):
        bool(ember.ones(2))
    with pytest.raises(TypeError, match=r"only integer tensors of a single element can be "
                                        r"converted to an index"):
        [1, 2, 3][ember.tensor(1.0)]
    with pytest.raises(TypeError, match=r"only integer tensors of a single element"):
        [1, 2, 3][ember.tensor([1, 2])]


def test_float_int_of_many_elements_raise_value_error_like_torch():
    with pytest.raises(ValueError, match=r"only one element tensors can be converted to Python "
                                         r"scalars"):
        float(ember.ones(2))
    with pytest.raises(ValueError, match=r"only one element tensors"):
        int(ember.ones(2))


def test_hash_is_identity():
    a, b = ember.tensor([1.0]), ember.tensor([1.0])
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b" and len(d) == 2
    assert hash(a) == hash(a) and hash(a) != hash(b)
    assert len({a, b, a}) == 2
    assert a.detach() not in {a: 1}  # a new Tensor object, even though it shares memory


def test_format_and_contains():
    assert f"{ember.tensor(2.5):.2f}" == "2.50"
    assert f"{ember.tensor([1.25]):.1f}" == "1.2"
    assert 2 in ember.tensor([1, 2, 3]) and 5 not in ember.tensor([1, 2, 3])


def test_deepcopy_and_pickle():
    import pickle

    x = ember.tensor([1.0, 2.0], requires_grad=True)
    c = copy.deepcopy(x)
    assert c is not x and c.requires_grad and c.is_leaf and c.tolist() == x.tolist()
    assert not np.shares_memory(c.detach().numpy(), x.detach().numpy())
    p = pickle.loads(pickle.dumps(x))
    assert p.requires_grad and p.tolist() == [1.0, 2.0] and p.dtype is ember.float32
    with pytest.raises(RuntimeError, match=r"graph leaves.*deepcopy"):
        copy.deepcopy(x * 2)


# -- printing ----------------------------------------------------------------------------------

def _big(m, n, dtype):
    return m.from_numpy(np.arange(n, dtype=dtype))


REPR_CASES = {
    "float-vector": lambda m: m.tensor([1.5, 2.0, -3.25]),
    "integral-floats": lambda m: m.tensor([1.0, 2.0, 3.0]),
    "ints": lambda m: m.tensor([1, -20, 300]),
    "bools": lambda m: m.tensor([True, False]),
    "2d": lambda m: m.tensor([[1.5, 2.0], [3.0, -4.125]]),
    "2d-ints": lambda m: m.tensor([[1, 2], [30, 4]]),
    "3d": lambda m: m.from_numpy(np.arange(12, dtype=np.float32).reshape(2, 3, 2) / 3),
    "0d-float": lambda m: m.tensor(3.5),
    "0d-int": lambda m: m.tensor(7),
    "0d-bool": lambda m: m.tensor(True),
    "0d-f64": lambda m: m.tensor(1.5, dtype=m.float64),
    "requires-grad": lambda m: m.tensor([1.0, 2.0], requires_grad=True),
    "requires-grad-f64": lambda m: m.tensor([1.5], dtype=m.float64, requires_grad=True),
    "grad-fn": lambda m: m.tensor([1.0, 2.0], requires_grad=True) * 2,
    "grad-fn-sum": lambda m: (m.tensor([1.0, 2.0], requires_grad=True) * 2).sum(),
    "float64": lambda m: m.tensor([1.5, 2.0], dtype=m.float64),
    "float16": lambda m: m.tensor([1.5, 2.0], dtype=m.float16),
    "int32": lambda m: m.tensor([1, 2], dtype=m.int32),
    "uint8": lambda m: m.tensor([1, 2], dtype=m.uint8),
    "empty": lambda m: m.tensor([]),
    "empty-int64": lambda m: m.tensor([], dtype=m.int64),
    "empty-2d": lambda m: m.zeros(0, 3),
    "empty-2d-f64": lambda m: m.zeros(2, 0, dtype=m.float64),
    "small-magnitude": lambda m: m.tensor([1e-5, 2e-5]),
    "large-magnitude": lambda m: m.tensor([1e10, 2.0]),
    "wide-range": lambda m: m.tensor([1e-3, 1.0, 5000.0]),
    "sci-mixed": lambda m: m.tensor([0.0001234, 123456.0]),
    "0d-sci": lambda m: m.tensor(1e-7),
    "0d-large": lambda m: m.tensor(123456789.0),
    "big-integral": lambda m: m.tensor([1e9, 2.0]),
    "nan-inf": lambda m: m.tensor([float("nan"), float("inf"), -float("inf"), 1.5]),
    "0d-nan": lambda m: m.tensor(float("nan")),
    "wide-int": lambda m: m.tensor([1, 123456789012]),
    "long-vector-wraps": lambda m: m.from_numpy(np.linspace(0, 100, 30, dtype=np.float32)),
    "long-int-vector": lambda m: m.from_numpy(np.arange(40) * 37 % 1000),
    "3d-rows-wrap": lambda m: m.from_numpy(np.linspace(-1, 1, 66, dtype=np.float32)
                                           .reshape(2, 3, 11)),
}

_SUMMARY = ("_tensor_str.py: summarised rows join '...' with ', ' where torch's element is ' ...'"
            " (torch prints '2,  ..., 1497')")
_INT_MODE_SCI = ("_tensor_str.py: integral floats never switch to scientific notation on a "
                 "max/min ratio > 1000 (the `and not integral` binds to the whole `or` chain)")
_WIDTH = ("_tensor_str.py: the column width counts nan/inf and zeros; torch measures only the "
          "non-zero finite values")
_WRAP = ("_tensor_str.py: rows wrap by NumPy's array2string rule; torch puts "
         "floor((linewidth - indent) / (width + 2)) elements on each line")
_SUFFIX = ("_tensor_str.py: suffixes of a multi-line tensor always go on a new line; torch "
           "appends ', requires_grad=True' to the last line when it fits in linewidth")

REPR_BUGS = {
    "large-float-summarised": (lambda m: _big(m, 2000, np.float32), _INT_MODE_SCI),
    "large-int-summarised": (lambda m: _big(m, 1500, np.int64), _SUMMARY),
    "large-2d-int-summarised": (
        lambda m: m.from_numpy(np.arange(1600).reshape(40, 40) % 7), _SUMMARY),
    "large-2d-float-summarised": (
        lambda m: m.from_numpy(np.arange(1600, dtype=np.float64).reshape(40, 40) / 7), _SUMMARY),
    "integral-wide-range": (lambda m: m.tensor([1.0, 5000.0]), _INT_MODE_SCI),
    "nan-with-integral": (lambda m: m.tensor([float("nan"), 1.0, 2.0]), _WIDTH),
    "negative-zero": (lambda m: m.tensor([-0.0, 1.0]), _WIDTH),
    "2d-rows-wrap": (
        lambda m: m.from_numpy(np.linspace(-1, 1, 36, dtype=np.float32).reshape(3, 12)), _WRAP),
    "2d-rows-wrap-grad": (
        lambda m: m.from_numpy(np.linspace(-1, 1, 18, dtype=np.float32).reshape(2, 9))
        .requires_grad_(), _WRAP),
    "3d-suffix-same-line": (
        lambda m: m.from_numpy(np.linspace(-1, 1, 66, dtype=np.float32).reshape(2, 3, 11))
        .requires_grad_(), _SUFFIX),
}


def _torch_repr(fn):
    return repr(fn(torch)).replace("torch.", "ember.")


@requires_torch
@pytest.mark.parametrize("name", list(REPR_CASES))
def test_repr_matches_torch(name):
    fn = REPR_CASES[name]
    assert repr(fn(ember)) == _torch_repr(fn)


@requires_torch
@pytest.mark.parametrize("name", [
    pytest.param(n) for n in REPR_BUGS])
def test_repr_matches_torch_formerly_different(name):
    fn = REPR_BUGS[name][0]
    assert repr(fn(ember)) == _torch_repr(fn)


def test_repr_examples_without_torch():
    assert repr(ember.tensor([1.5, 2.0])) == "tensor([1.5000, 2.0000])"
    assert repr(ember.tensor([1, 2], dtype=ember.int32)) == "tensor([1, 2], dtype=ember.int32)"
    assert repr(ember.tensor(2.0, requires_grad=True)) == "tensor(2., requires_grad=True)"
    assert repr(ember.zeros(0, 2)) == "tensor([], size=(0, 2))"
    assert str(ember.tensor([True])) == "tensor([True])"


def test_set_printoptions_precision():
    try:
        ember.set_printoptions(precision=2)
        assert repr(ember.tensor([1.23456])) == "tensor([1.23])"
    finally:
        ember.set_printoptions(profile="default")
    assert repr(ember.tensor([1.23456])) == "tensor([1.2346])"


# -- ember.Size --------------------------------------------------------------------------------

def test_size_behaves_like_a_tuple():
    s = ember.Size([2, 3, 4])
    assert isinstance(s, tuple) and s == (2, 3, 4) and s == ember.Size((2, 3, 4))
    assert repr(s) == "ember.Size([2, 3, 4])" and str(s) == "ember.Size([2, 3, 4])"
    assert s[0] == 2 and s[-1] == 4 and len(s) == 3 and list(s) == [2, 3, 4]
    assert s.numel() == 24 and ember.Size([]).numel() == 1 and ember.Size([3, 0]).numel() == 0
    assert repr(ember.Size()) == "ember.Size([])"
    a, b, c = s
    assert (a, b, c) == (2, 3, 4)
    assert hash(s) == hash((2, 3, 4))


def test_size_operations_stay_sizes():
    s = ember.Size([2, 3, 4])
    assert isinstance(s[1:], ember.Size) and repr(s[:2]) == "ember.Size([2, 3])"
    assert isinstance(s + (5,), ember.Size) and isinstance((1,) + s, ember.Size)
    assert isinstance(s * 2, ember.Size)


# -- legacy constructors -----------------------------------------------------------------------

def test_legacy_tensor_constructor():
    t = ember.Tensor([1, 2])
    assert t.dtype is ember.float32 and t.tolist() == [1.0, 2.0]
    assert ember.Tensor([[1, 2], [3, 4]]).shape == (2, 2)
    assert ember.Tensor(np.array([1, 2])).dtype is ember.float32
    u = ember.Tensor(2, 3)
    assert u.shape == (2, 3) and u.dtype is ember.float32
    assert ember.Tensor(3).shape == (3,)
    assert ember.Tensor((2, 3)).tolist() == [2.0, 3.0]  # a tuple is data, like torch
    assert isinstance(ember.Tensor([1.0]), ember.Tensor)
    assert not ember.Tensor([1.0]).requires_grad


def test_legacy_constructor_without_arguments_is_empty():
    assert ember.Tensor().shape == (0,)


def test_legacy_constructor_with_a_size():
    assert ember.Tensor(ember.Size([2, 3])).shape == (2, 3)


# -- dtypes ------------------------------------------------------------------------------------

def test_dtype_objects():
    assert repr(ember.float32) == "ember.float32" and str(ember.int64) == "ember.int64"
    assert ember.float32.is_floating_point and not ember.int32.is_floating_point
    assert not ember.bool.is_floating_point and ember.float16.is_floating_point
    sizes = dict(bool=1, uint8=1, int8=1, int16=2, int32=4, int64=8, float16=2, float32=4,
                 float64=8)
    for name, n in sizes.items():
        assert getattr(ember, name).itemsize == n
    assert ember.int8.is_signed and not ember.uint8.is_signed and not ember.bool.is_signed
    assert not ember.float32.is_complex
    assert ember.float is ember.float32 and ember.double is ember.float64
    assert ember.half is ember.float16 and ember.long is ember.int64
    assert ember.int is ember.int32 and ember.short is ember.int16
    assert isinstance(ember.float32, ember.dtype)


@requires_torch
@pytest.mark.parametrize("name", DTYPES9)
def test_dtype_flags_match_torch(name):
    e, t = getattr(ember, name), getattr(torch, name)
    assert e.is_floating_point == t.is_floating_point and e.is_signed == t.is_signed
    assert e.itemsize == t.itemsize and repr(e) == repr(t).replace("torch.", "ember.")


@requires_torch
def test_promote_types_matches_torch_for_every_pair():
    mismatches = []
    for a in DTYPES9:
        for b in DTYPES9:
            got = ember.promote_types(getattr(ember, a), getattr(ember, b))
            want = torch.promote_types(getattr(torch, a), getattr(torch, b))
            if got.name != str(want).split(".")[-1]:
                mismatches.append((a, b, got, want))
    assert not mismatches


def test_default_dtype_round_trip():
    prev = ember.get_default_dtype()
    assert prev is ember.float32
    try:
        ember.set_default_dtype(ember.float64)
        assert ember.get_default_dtype() is ember.float64
        assert ember.tensor([1.5]).dtype is ember.float64
        assert ember.ones(2).dtype is ember.float64 and ember.rand(2).dtype is ember.float64
        assert (ember.tensor([1, 2]) * 0.5).dtype is ember.float64
        assert repr(ember.tensor([1.5])) == "tensor([1.5000])"
        assert repr(ember.tensor([1.5], dtype=ember.float32)) == \
            "tensor([1.5000], dtype=ember.float32)"
    finally:
        ember.set_default_dtype(prev)
    assert ember.get_default_dtype() is ember.float32
    with pytest.raises(TypeError, match=r"set_default_dtype\(\).*float.*ember.int64"):
        ember.set_default_dtype(ember.int64)
    assert ember.get_default_dtype() is ember.float32


# -- devices -----------------------------------------------------------------------------------

def test_device_parsing_repr_str_and_equality():
    cpu, cuda, cuda1 = ember.device("cpu"), ember.device("cuda"), ember.device("cuda:1")
    assert cpu.type == "cpu" and cpu.index is None
    assert cuda.type == "cuda" and cuda.index is None
    assert cuda1.type == "cuda" and cuda1.index == 1
    assert ember.device("cuda", 1) == cuda1 and ember.device(cuda1) == cuda1
    assert repr(cpu) == "device(type='cpu')" and str(cpu) == "cpu"
    assert repr(cuda) == "device(type='cuda')" and str(cuda) == "cuda"
    assert repr(cuda1) == "device(type='cuda', index=1)" and str(cuda1) == "cuda:1"
    assert cpu != cuda and cuda1 != ember.device("cuda:0") and cpu == ember.device("cpu")
    assert hash(ember.device("cuda:1")) == hash(cuda1)
    assert len({cpu, ember.device("cpu"), cuda1}) == 2
    with pytest.raises(ValueError, match=r"device\(\): unknown device type 'tpu'"):
        ember.device("tpu")
    with pytest.raises(ValueError, match=r"device\(\): invalid device index 'x'"):
        ember.device("cuda:x")
    with pytest.raises(TypeError, match=r"device\(\): expected a string"):
        ember.device(3.5)


@requires_torch
@pytest.mark.parametrize("args", [("cpu",), ("cuda",), ("cuda:1",), ("cuda", 1), ("cuda:0",)])
def test_device_repr_and_str_match_torch(args):
    assert repr(ember.device(*args)) == repr(torch.device(*args))
    assert str(ember.device(*args)) == str(torch.device(*args))


def test_tensors_report_their_device():
    x = ember.ones(2, device="cpu")
    assert x.device == ember.device("cpu") and str(x.device) == "cpu"
    assert ember.zeros(1, device=ember.device("cpu")).is_cpu
