"""Creation ops: parity with PyTorch (values and dtypes) from one table, then dtype inference,
memory sharing (``as_tensor``, ``from_numpy``, DLPack), size arguments and error messages."""

import re
import warnings

import numpy as np
import pytest

import ember
from tests.helpers import OpCase, parametrize_cases, requires_torch, torch

# Values of ``empty*`` are whatever memory held: they get shape/dtype tests instead of parity.
OTHER_TESTS = ("empty", "empty_like", "empty_strided", "from_dlpack")

F32 = ("float32",)  # cases without tensor inputs don't depend on the input dtype


def _c(name, fn, id, **kw):
    """A case without tensor inputs (the op builds its result from Python arguments)."""
    return OpCase(name, fn, [], grad=False, dtypes=F32, id=id, **kw)


def _copy_construct(m, x, **kw):
    """``tensor(a_tensor)``: torch warns that ``clone().detach()`` is the idiom; it still works."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return m.tensor(x, **kw)


CASES = [
    # tensor(): dtype inference and explicit dtypes
    _c("tensor", lambda m: m.tensor([1.5, -2.0, 3.25]), "tensor-floats"),
    _c("tensor", lambda m: m.tensor([1, -2, 3]), "tensor-ints"),
    _c("tensor", lambda m: m.tensor([True, False]), "tensor-bools"),
    _c("tensor", lambda m: m.tensor([[1, 2], [3.5, 4]]), "tensor-mixed-int-float"),
    _c("tensor", lambda m: m.tensor([True, 2]), "tensor-mixed-bool-int"),
    _c("tensor", lambda m: m.tensor(2.5), "tensor-0d-float"),
    _c("tensor", lambda m: m.tensor(7), "tensor-0d-int"),
    _c("tensor", lambda m: m.tensor([]), "tensor-empty"),
    _c("tensor", lambda m: m.tensor([[]]), "tensor-empty-2d"),
    _c("tensor", lambda m: m.tensor(((1, 2), (3, 4))), "tensor-tuples"),
    _c("tensor", lambda m: m.tensor([[[1.0], [2.0]]]), "tensor-3d"),
    _c("tensor", lambda m: m.tensor([1, 2], dtype=m.float64), "tensor-dtype-f64"),
    _c("tensor", lambda m: m.tensor([1.7, -1.7], dtype=m.int32), "tensor-truncates"),
    _c("tensor", lambda m: m.tensor([0.0, 0.5], dtype=m.bool), "tensor-to-bool"),
    _c("tensor", lambda m: m.tensor([-1], dtype=m.uint8), "tensor-uint8-wraps"),
    _c("tensor", lambda m: m.tensor(np.arange(3, dtype=np.int32)), "tensor-np-int32"),
    _c("tensor", lambda m: m.tensor(np.float64(2.5)), "tensor-np-scalar"),
    _c("tensor", lambda m: m.tensor([np.float64(1.0), 2.0]), "tensor-np-f64-in-list"),
    _c("tensor", lambda m: m.tensor([np.float32(1.0), 2.0]), "tensor-np-f32-in-list"),
    _c("tensor", lambda m: m.tensor([np.int32(1), 2]), "tensor-np-int32-in-list"),
    _c("tensor", lambda m: m.tensor([m.tensor(1), m.tensor(2.5)]), "tensor-list-of-0d"),
    _c("tensor", lambda m: m.tensor([m.tensor(1.5, dtype=m.float64), 2.0]), "tensor-0d-f64"),
    _c("tensor", lambda m: m.tensor(range(4)), "tensor-range"),
    OpCase("tensor", lambda m, x: _copy_construct(m, x), [(2, 3)], grad=False),
    OpCase("tensor", lambda m, x: _copy_construct(m, x, dtype=m.float16), [(3,)], grad=False,
           rtol=1e-3, atol=1e-3),
    OpCase("as_tensor", lambda m, x: m.as_tensor(x), [(2, 3)], grad=False),
    OpCase("as_tensor", lambda m, x: m.as_tensor(x, dtype=m.float64), [(4,)], grad=False),
    _c("as_tensor", lambda m: m.as_tensor([1, 2]), "as_tensor-list"),
    _c("as_tensor", lambda m: m.as_tensor(np.arange(4.0)), "as_tensor-numpy"),
    _c("from_numpy", lambda m: m.from_numpy(np.arange(6.0).reshape(2, 3)), "from_numpy"),
    _c("from_numpy", lambda m: m.from_numpy(np.array([True, False])), "from_numpy-bool"),
    _c("from_numpy", lambda m: m.from_numpy(np.arange(4, dtype=np.uint8)[::2]),
       "from_numpy-strided"),
    # filled
    _c("zeros", lambda m: m.zeros(2, 3), "zeros-varargs"),
    _c("zeros", lambda m: m.zeros((2, 3)), "zeros-tuple"),
    _c("zeros", lambda m: m.zeros([2, 3]), "zeros-list"),
    _c("zeros", lambda m: m.zeros(m.Size([2, 3])), "zeros-Size"),
    _c("zeros", lambda m: m.zeros(0), "zeros-0"),
    _c("zeros", lambda m: m.zeros(()), "zeros-0d"),
    _c("zeros", lambda m: m.zeros(size=(2, 1)), "zeros-size-kw"),
    _c("zeros", lambda m: m.zeros(2, 0, 3, dtype=m.int32), "zeros-int32-empty"),
    _c("ones", lambda m: m.ones(3, dtype=m.int64), "ones-int64"),
    _c("ones", lambda m: m.ones((2, 2), dtype=m.bool), "ones-bool"),
    _c("ones", lambda m: m.ones(2, 1, dtype=m.float64), "ones-f64"),
    _c("full", lambda m: m.full((2, 3), 1.5), "full-float"),
    _c("full", lambda m: m.full((2,), 7), "full-int"),
    _c("full", lambda m: m.full([2], True), "full-bool"),
    _c("full", lambda m: m.full((), 2), "full-0d"),
    _c("full", lambda m: m.full((2,), 2.5, dtype=m.int64), "full-float-to-int"),
    _c("full", lambda m: m.full((2,), -1, dtype=m.uint8), "full-uint8-wraps"),
    _c("full", lambda m: m.full((3,), m.tensor(2.5)), "full-tensor-value"),
    _c("full", lambda m: m.full((2,), float("inf")), "full-inf"),
    _c("eye", lambda m: m.eye(3), "eye-square"),
    _c("eye", lambda m: m.eye(2, 4), "eye-wide"),
    _c("eye", lambda m: m.eye(3, 2, dtype=m.int64), "eye-tall-int"),
    _c("eye", lambda m: m.eye(2, dtype=m.bool), "eye-bool"),
    _c("eye", lambda m: m.eye(0), "eye-0"),
    OpCase("zeros_like", lambda m, x: m.zeros_like(x), [(2, 3)], grad=False),
    OpCase("zeros_like", lambda m, x: m.zeros_like(x, dtype=m.int64), [(3,)], grad=False),
    OpCase("ones_like", lambda m, x: m.ones_like(x), [(0, 2)], grad=False),
    OpCase("ones_like", lambda m, x: m.ones_like(x), [(2,)], int_inputs=(0,), grad=False),
    OpCase("full_like", lambda m, x: m.full_like(x, 2.5), [(2, 2)], grad=False),
    OpCase("full_like", lambda m, x: m.full_like(x, 3.7), [(3,)], int_inputs=(0,),
           grad=False),
    OpCase("full_like", lambda m, x: m.full_like(x, 1, dtype=m.bool), [(2,)], grad=False),
    # ranges
    _c("arange", lambda m: m.arange(5), "arange-end"),
    _c("arange", lambda m: m.arange(2, 9, 3), "arange-int-step"),
    _c("arange", lambda m: m.arange(0, 1, 0.1), "arange-float-step"),
    _c("arange", lambda m: m.arange(1, 0, -0.25), "arange-negative-step"),
    _c("arange", lambda m: m.arange(-3.2, 7.9, 0.37), "arange-inexact"),
    _c("arange", lambda m: m.arange(0.5, 3), "arange-float-start"),
    _c("arange", lambda m: m.arange(10, 0, -3), "arange-int-negative"),
    _c("arange", lambda m: m.arange(3, 3), "arange-empty"),
    _c("arange", lambda m: m.arange(end=4), "arange-end-kw"),
    _c("arange", lambda m: m.arange(0, 5, dtype=m.float64), "arange-f64"),
    _c("arange", lambda m: m.arange(0, 1, 0.1, dtype=m.float16), "arange-f16", rtol=1e-3),
    _c("arange", lambda m: m.arange(0, 5, 1.5, dtype=m.int32), "arange-int32-float-step"),
    _c("arange", lambda m: m.arange(0, 5, 1.5, dtype=m.int64), "arange-int64-truncates"),
    _c("arange", lambda m: m.arange(1.5, dtype=m.int64), "arange-int64-end"),
    _c("arange", lambda m: m.arange(m.tensor(3)), "arange-0d-int-tensor"),
    _c("arange", lambda m: m.arange(m.tensor(3.0)), "arange-0d-float-tensor"),
    _c("arange", lambda m: m.arange(np.int64(4)), "arange-np-int"),
    _c("linspace", lambda m: m.linspace(0, 1, 5), "linspace"),
    _c("linspace", lambda m: m.linspace(-3.3, 7.1, 7), "linspace-odd"),
    _c("linspace", lambda m: m.linspace(2, -1, 8, dtype=m.float64), "linspace-f64-down"),
    _c("linspace", lambda m: m.linspace(0, 1, 1), "linspace-1"),
    _c("linspace", lambda m: m.linspace(0, 1, 0), "linspace-0"),
    _c("linspace", lambda m: m.linspace(0, 10, 4, dtype=m.int64), "linspace-int"),
    _c("linspace", lambda m: m.linspace(2.7, -7.1, 6, dtype=m.int32), "linspace-int-down"),
    _c("linspace", lambda m: m.linspace(m.tensor(1.0), 2, 3), "linspace-tensor-start"),
    _c("linspace", lambda m: m.linspace(0, 1, 100), "linspace-100"),
    _c("logspace", lambda m: m.logspace(0, 3, 4), "logspace"),
    _c("logspace", lambda m: m.logspace(-2, 2, 5, base=2), "logspace-base2"),
    _c("logspace", lambda m: m.logspace(-2, 3, 11, base=3.3), "logspace-base-float"),
    _c("logspace", lambda m: m.logspace(0, 1, 4, dtype=m.float64), "logspace-f64"),
    _c("logspace", lambda m: m.logspace(0, 3, 4, dtype=m.int64), "logspace-int"),
    _c("logspace", lambda m: m.logspace(0.5, 2.5, 5, base=2.5, dtype=m.int32),
       "logspace-int-float-base"),
    _c("logspace", lambda m: m.logspace(1, 2, 1), "logspace-1"),
]

test_parity, test_gradcheck = parametrize_cases(CASES)


# -- tensor(): inference and errors ------------------------------------------------------------

def test_tensor_infers_dtypes_like_torch():
    assert ember.tensor([1.0, 2.0]).dtype is ember.float32
    assert ember.tensor([1, 2]).dtype is ember.int64
    assert ember.tensor([True]).dtype is ember.bool
    assert ember.tensor([[1, 2], [3, 4.0]]).dtype is ember.float32
    assert ember.tensor(np.zeros(2, np.float16)).dtype is ember.float16
    assert ember.tensor(np.zeros(2, np.uint8)).dtype is ember.uint8
    assert ember.tensor([]).shape == (0,)


def test_tensor_follows_default_dtype():
    prev = ember.get_default_dtype()
    try:
        ember.set_default_dtype(ember.float64)
        assert ember.tensor([1.5]).dtype is ember.float64
        assert ember.tensor([1]).dtype is ember.int64
        assert ember.tensor([np.float32(1.0), 2.0]).dtype is ember.float64
        assert ember.zeros(2).dtype is ember.float64
        assert ember.arange(0.0, 2.0).dtype is ember.float64
        assert ember.full((1,), 0.5).dtype is ember.float64
    finally:
        ember.set_default_dtype(prev)
    assert ember.tensor([1.5]).dtype is ember.float32


def test_tensor_copies_its_data():
    a = np.arange(3.0)
    t = ember.tensor(a)
    a[0] = 9.0
    assert t.tolist() == [0.0, 1.0, 2.0]
    src = ember.tensor([1.0, 2.0], requires_grad=True)
    c = ember.tensor(src)
    assert not c.requires_grad and c.is_leaf
    c.numpy()[0] = 5.0
    assert src.tolist() == [1.0, 2.0]


def test_tensor_requires_grad_only_for_floats():
    assert ember.tensor([1.0], requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match=r"floating point.*int64"):
        ember.tensor([1, 2], requires_grad=True)


def test_tensor_ragged_lists_raise_value_error():
    with pytest.raises(ValueError, match=r"expected sequence of length 2 at dim 1 \(got 1\)"):
        ember.tensor([[1, 2], [3]])
    with pytest.raises(ValueError, match=r"rectangular"):
        ember.tensor([[1, 2], 3])
    with pytest.raises(ValueError, match=r"rectangular"):
        ember.tensor([1, [2, 3]])
    with pytest.raises(ValueError, match=r"length 0 at dim 1 \(got 1\)"):
        ember.tensor([[], [1]])


def test_tensor_bad_elements_name_the_type():
    with pytest.raises(TypeError, match=r"tensor\(\).*str"):
        ember.tensor([1, "a"])
    with pytest.raises(TypeError, match=r"tensor\(\).*None"):
        ember.tensor(None)
    with pytest.raises(TypeError, match=r"tensor\(\).*complex128.*supported"):
        ember.tensor(np.zeros(2, np.complex128))
    with pytest.raises(ValueError, match=r"one-element tensors.*shape \(2,\).*stack"):
        ember.tensor([ember.ones(2), ember.ones(2)])
    with pytest.raises(RuntimeError, match=r"overflow"):
        ember.tensor([2**64])


def test_tensor_keeps_device_of_tensor_input():
    t = ember.tensor(ember.ones(2, dtype=ember.float64), dtype=ember.float32)
    assert t.dtype is ember.float32 and t.device == ember.device("cpu")


# -- memory sharing ----------------------------------------------------------------------------

def test_as_tensor_shares_numpy_memory_when_possible():
    a = np.arange(4.0)
    t = ember.as_tensor(a)
    assert t.dtype is ember.float64
    a[0] = 7.0
    assert t.tolist()[0] == 7.0
    same = ember.as_tensor(a, dtype=ember.float64)
    a[1] = 8.0
    assert same.tolist()[1] == 8.0
    cast = ember.as_tensor(a, dtype=ember.float32)  # a conversion: a copy
    a[2] = 9.0
    assert cast.tolist()[2] == 2.0 and cast.dtype is ember.float32


def test_as_tensor_returns_tensors_unchanged():
    x = ember.ones(2)
    assert ember.as_tensor(x) is x
    assert ember.as_tensor(x, dtype=ember.float64).dtype is ember.float64


def test_from_numpy_shares_memory_both_ways():
    a = np.zeros(3, dtype=np.int32)
    t = ember.from_numpy(a)
    assert t.dtype is ember.int32
    a[0] = 4
    t.numpy()[1] = 5
    assert t.tolist() == [4, 5, 0] and a.tolist() == [4, 5, 0]
    assert t.numpy() is a


@pytest.mark.parametrize("npd", [np.complex64, np.complex128, object, "U3", np.uint16])
def test_from_numpy_unsupported_dtype_names_it_and_the_supported_list(npd):
    with pytest.raises(TypeError, match=r"from_numpy\(\).*dtype " + re.escape(str(np.dtype(npd)))
                       + r";.*bool, uint8.*float64"):
        ember.from_numpy(np.zeros(2, dtype=npd))


def test_non_native_byte_order_is_converted_when_copying():
    a = np.array([1.5, 2.0], dtype=">f4")
    for t in (ember.tensor(a), ember.as_tensor(a)):
        assert t.dtype is ember.float32 and t.tolist() == [1.5, 2.0]
    with pytest.raises(TypeError, match=r"from_numpy\(\).*>f4 has a non-native byte order.*"
                                        r"newbyteorder"):
        ember.from_numpy(a)


def test_from_numpy_rejects_non_arrays():
    with pytest.raises(TypeError, match=r"from_numpy\(\): expected np.ndarray \(got list\)"):
        ember.from_numpy([1, 2])


def test_from_dlpack_numpy_round_trip_shares_memory():
    a = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    t = ember.from_dlpack(a)
    assert t.shape == (2, 3) and t.dtype is ember.float32
    a[0, 0] = 42.0
    assert t.tolist()[0][0] == 42.0
    back = np.from_dlpack(t)
    back[1, 2] = -1.0
    assert t.tolist()[1][2] == -1.0 and a[1, 2] == -1.0


@requires_torch
def test_from_dlpack_torch_round_trip_shares_memory():
    tt = torch.arange(4.0)
    e = ember.from_dlpack(tt)
    assert e.dtype is ember.float32
    tt[1] = 50.0
    assert e.tolist() == [0.0, 50.0, 2.0, 3.0]
    e2 = ember.tensor([[1, 2], [3, 4]], dtype=ember.int32)
    t2 = torch.from_dlpack(e2)
    assert t2.dtype == torch.int32 and t2.tolist() == [[1, 2], [3, 4]]
    t2[0, 0] = 9
    assert e2.tolist()[0][0] == 9
    nc = ember.from_numpy(np.arange(6.0).reshape(2, 3).T)  # non-contiguous strides survive
    assert torch.from_dlpack(nc).tolist() == nc.tolist()
    b = ember.from_dlpack(torch.tensor([True, False]))
    assert b.dtype is ember.bool and b.tolist() == [True, False]


@requires_torch
def test_from_dlpack_accepts_a_legacy_capsule():
    from torch.utils import dlpack

    e = ember.from_dlpack(dlpack.to_dlpack(torch.ones(2, dtype=torch.int16)))
    assert e.dtype is ember.int16 and e.tolist() == [1, 1]


@requires_torch
def test_from_dlpack_refuses_complex_and_non_dlpack_objects():
    with pytest.raises(TypeError, match=r"from_dlpack\(\).*complex64.*supported"):
        ember.from_dlpack(torch.ones(2, dtype=torch.complex64))
    with pytest.raises(TypeError, match=r"from_dlpack\(\).*__dlpack__.*list"):
        ember.from_dlpack([1, 2])


def test_dlpack_export_refuses_tensors_requiring_grad():
    with pytest.raises(RuntimeError, match=r"detach\(\)"):
        np.from_dlpack(ember.ones(2, requires_grad=True))


# -- filled tensors ----------------------------------------------------------------------------

@pytest.mark.parametrize("args", [(2, 3), ((2, 3),), ([2, 3],), (ember.Size([2, 3]),)])
def test_size_arguments_all_mean_the_same(args):
    for f in (ember.zeros, ember.ones, ember.empty):
        t = f(*args)
        assert t.shape == (2, 3) and t.dtype is ember.float32


def test_empty_forms_have_shape_dtype_and_device():
    assert ember.empty(0).shape == (0,)
    assert ember.empty(()).shape == ()
    assert ember.empty(2, dtype=ember.int16).dtype is ember.int16
    e = ember.empty_like(ember.zeros(2, 3, dtype=ember.float64))
    assert e.shape == (2, 3) and e.dtype is ember.float64
    assert ember.empty_like(ember.zeros(2), dtype=ember.int64).dtype is ember.int64
    assert ember.empty(2, requires_grad=True).requires_grad


def test_empty_strided_has_the_requested_strides():
    t = ember.empty_strided((2, 3), (1, 2))
    assert t.shape == (2, 3) and t.stride() == (1, 2) and not t.is_contiguous()
    assert ember.empty_strided((2, 3), (3, 1)).is_contiguous()
    assert ember.empty_strided((0, 4), (4, 1), dtype=ember.int64).shape == (0, 4)
    with pytest.raises(RuntimeError, match=r"empty_strided\(\).*stride \(1,\).*\(2, 3\)"):
        ember.empty_strided((2, 3), (1,))


def test_filled_requires_grad_and_dtype_kwargs():
    z = ember.zeros(2, requires_grad=True)
    assert z.requires_grad and z.is_leaf
    assert ember.ones(2, dtype="float64").dtype is ember.float64
    assert ember.full((2,), 1, dtype=ember.float16).dtype is ember.float16
    with pytest.raises(RuntimeError, match=r"floating point"):
        ember.zeros(2, dtype=ember.int64, requires_grad=True)


def test_like_forms_keep_dtype_unless_told():
    x = ember.tensor([1, 2], dtype=ember.int32)
    assert ember.zeros_like(x).dtype is ember.int32
    assert ember.ones_like(x, dtype=ember.float64).dtype is ember.float64
    assert ember.full_like(x, 2.9).tolist() == [2, 2]
    assert ember.zeros_like(x, dtype=ember.float32, requires_grad=True).requires_grad
    with pytest.raises(TypeError, match=r"zeros_like\(\): argument 'input' must be a Tensor"):
        ember.zeros_like([1, 2])


def test_out_argument_is_written_and_returned():
    out = ember.empty(2, 3)
    r = ember.zeros(2, 3, out=out)
    assert r is out and out.tolist() == [[0.0] * 3] * 2 and out._version == 1
    out = ember.empty(1, dtype=ember.int64)
    ember.arange(4, out=out)  # resized like torch
    assert out.tolist() == [0, 1, 2, 3]
    with pytest.raises(RuntimeError, match=r"dtype ember.float64 does not match.*ember.int64"):
        ember.zeros(2, dtype=ember.float64, out=ember.empty(2, dtype=ember.int64))
    with pytest.raises(RuntimeError, match=r"out=.*requires grad"):
        ember.ones(2, out=ember.zeros(2, requires_grad=True))


def test_size_errors_name_the_op_and_the_size():
    with pytest.raises(RuntimeError, match=r"zeros\(\).*negative dimension -1: \[2, -1\]"):
        ember.zeros(2, -1)
    with pytest.raises(TypeError, match=r"ones\(\): size must be a tuple of ints.*float"):
        ember.ones(2.5)
    with pytest.raises(TypeError, match=r"empty\(\): size must be a tuple of ints.*bool"):
        ember.empty(True)
    with pytest.raises(TypeError, match=r"zeros\(\) got unexpected keyword.*shape"):
        ember.zeros(shape=(2,))
    with pytest.raises(TypeError, match=r"zeros\(\): got the size both"):
        ember.zeros(2, size=(2,))


def test_full_errors_and_value_checks():
    with pytest.raises(RuntimeError, match=r"full\(\): value 300 .*ember.uint8.*overflow"):
        ember.full((2,), 300, dtype=ember.uint8)
    with pytest.raises(RuntimeError, match=r"full\(\): value nan .*ember.int64"):
        ember.full((2,), float("nan"), dtype=ember.int64)
    with pytest.raises(TypeError, match=r"full\(\): fill_value must be a real number.*complex"):
        ember.full((2,), 1 + 2j)
    with pytest.raises(RuntimeError, match=r"full\(\): fill_value .*one-element.*\(2,\)"):
        ember.full((2,), ember.ones(2))
    with pytest.raises(RuntimeError, match=r"full_like\(\): value 300 .*ember.uint8"):
        ember.full_like(ember.zeros(2, dtype=ember.uint8), 300)


def test_eye_errors():
    with pytest.raises(RuntimeError, match=r"eye\(\): n must be greater or equal to 0, got -1"):
        ember.eye(-1)
    with pytest.raises(RuntimeError, match=r"eye\(\): m must be greater or equal to 0, got -2"):
        ember.eye(2, -2)
    with pytest.raises(TypeError, match=r"eye\(\): argument 'n' must be int, not float"):
        ember.eye(2.5)


# -- ranges ------------------------------------------------------------------------------------

def test_arange_dtype_rules():
    assert ember.arange(5).dtype is ember.int64
    assert ember.arange(0, 5, 1).dtype is ember.int64
    assert ember.arange(0, 5.0).dtype is ember.float32
    assert ember.arange(0, 5, 0.5).shape == (10,)
    assert ember.arange(0, 1, 0.3).shape == (4,)  # ceil((1 - 0) / 0.3)
    assert ember.arange(5, dtype=ember.float64).dtype is ember.float64
    assert ember.arange(4, requires_grad=True, dtype=ember.float32).requires_grad


def test_arange_errors():
    with pytest.raises(RuntimeError, match=r"arange\(\): step must be nonzero"):
        ember.arange(0, 5, 0)
    with pytest.raises(RuntimeError, match=r"arange\(\): step must be nonzero"):
        ember.arange(0, 5, 0.5, dtype=ember.int64)  # the step truncates to 0, as in torch
    with pytest.raises(RuntimeError, match=r"arange\(\): upper bound and lower bound "
                                           r"inconsistent with step sign.*start=5, end=0"):
        ember.arange(5, 0, 1)
    with pytest.raises(RuntimeError, match=r"arange\(\): unsupported range: 0 -> inf"):
        ember.arange(0, float("inf"))
    with pytest.raises(TypeError, match=r"arange\(\): argument 'end' must be a number, not str"):
        ember.arange("5")
    with pytest.raises(RuntimeError, match=r"arange\(\).*ember.bool"):
        ember.arange(3, dtype=ember.bool)


def test_linspace_logspace_errors_and_endpoints():
    x = ember.linspace(-1.7, 3.9, 50).tolist()
    assert x[0] == np.float32(-1.7) and x[-1] == np.float32(3.9)
    with pytest.raises(RuntimeError, match=r"linspace\(\): number of steps must be "
                                           r"non-negative, got -1"):
        ember.linspace(0, 1, -1)
    with pytest.raises(TypeError, match=r"linspace\(\): argument 'steps' must be int, not float"):
        ember.linspace(0, 1, 2.5)
    with pytest.raises(RuntimeError, match=r"logspace\(\): number of steps"):
        ember.logspace(0, 1, -3)
    assert ember.logspace(0, 2, 3, dtype=ember.float64).tolist() == [1.0, 10.0, 100.0]
