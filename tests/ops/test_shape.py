"""Shape ops: parity with PyTorch and float64 gradcheck from one table, plus views, errors and
double backward."""

import numpy as np
import pytest

import ember
from tests.helpers import OpCase, parametrize_cases, torch

OTHER_TESTS = ("broadcast_shapes",)


def _pad(m, *args, **kwargs):
    """``F.pad`` in torch, ``ember.pad`` here."""
    f = torch.nn.functional.pad if m is torch else m.pad
    return f(*args, **kwargs)


CASES = [
    # reshape / view family
    OpCase("reshape", lambda m, x: m.reshape(x, (3, -1)), [(2, 3)]),
    OpCase("reshape", lambda m, x: x.reshape(-1), [(2, 3, 2)]),
    OpCase("reshape", lambda m, x: x.reshape(3, 0, 2), [(2, 0, 3)]),
    OpCase("reshape", lambda m, x: x.reshape(()), [(1, 1)]),
    OpCase("view", lambda m, x: x.view(2, -1), [(2, 6)]),
    OpCase("view", lambda m, x: x.view((4, 3)), [(2, 6)]),
    OpCase("view", lambda m, x: x.view(-1, 3), [(0, 3)]),
    OpCase("view_as", lambda m, x, y: x.view_as(y), [(2, 3), (3, 2)]),
    OpCase("reshape_as", lambda m, x, y: x.reshape_as(y), [(2, 3), (6,)]),
    OpCase("flatten", lambda m, x: m.flatten(x), [(2, 3, 2)]),
    OpCase("flatten", lambda m, x: x.flatten(1), [(2, 3, 2)]),
    OpCase("flatten", lambda m, x: x.flatten(-2, -1), [(2, 3, 2)]),
    OpCase("flatten", lambda m, x: x.flatten(0, 1), [(2, 3, 2)]),
    OpCase("flatten", lambda m, x: x.flatten(), [()]),
    OpCase("unflatten", lambda m, x: x.unflatten(1, (2, -1)), [(3, 4)]),
    OpCase("unflatten", lambda m, x: m.unflatten(x, -1, (2, 1, 2)), [(2, 4)]),
    OpCase("ravel", lambda m, x: m.ravel(x), [(2, 3)]),
    OpCase("ravel", lambda m, x: x.ravel(), [(2, 1, 3)]),
    OpCase("squeeze", lambda m, x: x.squeeze(), [(1, 3, 1)]),
    OpCase("squeeze", lambda m, x: x.squeeze(0), [(1, 3, 1)]),
    OpCase("squeeze", lambda m, x: m.squeeze(x, -1), [(1, 3, 1)]),
    OpCase("squeeze", lambda m, x: m.squeeze(x, (0, 2)), [(1, 3, 1)]),
    OpCase("squeeze", lambda m, x: x.squeeze(1), [(1, 3, 1)]),
    OpCase("squeeze", lambda m, x: x.squeeze(), [()]),
    OpCase("unsqueeze", lambda m, x: x.unsqueeze(0), [(2, 3)]),
    OpCase("unsqueeze", lambda m, x: m.unsqueeze(x, -1), [(2, 3)]),
    OpCase("unsqueeze", lambda m, x: x.unsqueeze(1), [(2, 3)]),
    OpCase("unsqueeze", lambda m, x: x.unsqueeze(0), [()]),
    # reordering dimensions
    OpCase("permute", lambda m, x: x.permute(2, 0, 1), [(2, 3, 4)]),
    OpCase("permute", lambda m, x: m.permute(x, (1, 0)), [(2, 3)]),
    OpCase("permute", lambda m, x: x.permute([-1, 0, 1]), [(2, 3, 2)]),
    OpCase("transpose", lambda m, x: x.transpose(0, 1), [(2, 3)]),
    OpCase("transpose", lambda m, x: m.transpose(x, -1, 0), [(2, 3, 4)]),
    OpCase("swapaxes", lambda m, x: m.swapaxes(x, 0, 2), [(2, 3, 4)]),
    OpCase("swapdims", lambda m, x: x.swapdims(1, -1), [(2, 3, 4)]),
    OpCase("movedim", lambda m, x: m.movedim(x, 0, -1), [(2, 3, 4)]),
    OpCase("movedim", lambda m, x: x.movedim((0, 1), (2, 0)), [(2, 3, 4)]),
    OpCase("moveaxis", lambda m, x: m.moveaxis(x, -1, 1), [(2, 3, 4)]),
    OpCase("t", lambda m, x: x.t(), [(2, 3)]),
    OpCase("t", lambda m, x: m.t(x), [(3,)]),
    OpCase("adjoint", lambda m, x: x.adjoint(), [(2, 3, 2)]),
    # broadcasting
    OpCase("expand", lambda m, x: x.expand(2, 3, 4), [(3, 1)]),
    OpCase("expand", lambda m, x: x.expand(-1, 4), [(3, 1)]),
    OpCase("expand", lambda m, x: x.expand((2, -1, -1)), [(3, 1)]),
    OpCase("expand", lambda m, x: x.expand(3, 2), [(3, 2)]),
    OpCase("expand_as", lambda m, x, y: x.expand_as(y), [(3, 1), (2, 3, 4)]),
    OpCase("broadcast_to", lambda m, x: m.broadcast_to(x, (2, 3)), [(3,)]),
    OpCase("broadcast_to", lambda m, x: x.broadcast_to((2, -1, 3)), [(4, 1)]),
    OpCase("broadcast_tensors", lambda m, x, y: m.broadcast_tensors(x, y), [(2, 1), (3,)]),
    # repetition
    OpCase("repeat", lambda m, x: x.repeat(2, 3), [(2, 3)]),
    OpCase("repeat", lambda m, x: x.repeat(2, 1, 2), [(2, 3)]),
    OpCase("repeat", lambda m, x: x.repeat((0, 1)), [(2, 3)]),
    OpCase("repeat", lambda m, x: x.repeat(1, 1), [(2, 3)]),
    OpCase("repeat", lambda m, x: x.repeat(3), [()]),
    OpCase("tile", lambda m, x: m.tile(x, (2,)), [(2, 3)]),
    OpCase("tile", lambda m, x: x.tile(2, 1, 1), [(2, 3)]),
    OpCase("repeat_interleave", lambda m, x: m.repeat_interleave(x, 2), [(2, 3)]),
    OpCase("repeat_interleave", lambda m, x: x.repeat_interleave(2, dim=0), [(2, 3)]),
    OpCase("repeat_interleave", lambda m, x: x.repeat_interleave(3, -1), [(2, 2)]),
    OpCase("repeat_interleave",
           lambda m, x: m.repeat_interleave(x, m.tensor([1, 0, 2]), dim=1), [(2, 3)]),
    OpCase("repeat_interleave",
           lambda m, x: x.repeat_interleave(m.tensor([2, 1]), dim=0, output_size=3), [(2, 3)]),
    OpCase("repeat_interleave",
           lambda m, x: x.repeat_interleave(m.tensor([0, 0]), dim=0), [(2, 3)]),
    OpCase("repeat_interleave", lambda m, x: x.repeat_interleave(m.tensor(2), 1), [(2, 3)]),
    OpCase("repeat_interleave", lambda m, x: m.repeat_interleave(x, 3), [()]),
    # joining
    OpCase("cat", lambda m, x, y: m.cat([x, y]), [(2, 3), (1, 3)]),
    OpCase("cat", lambda m, x, y: m.cat((x, y), dim=1), [(2, 3), (2, 1)]),
    OpCase("cat", lambda m, x, y, z: m.cat([x, y, z], -1), [(2, 1, 2), (2, 1, 3), (2, 1, 1)]),
    OpCase("cat", lambda m, x, y: m.cat([x, y]), [(0,), (2, 3)]),
    OpCase("cat", lambda m, x, y: m.cat([x, y], 0), [(0, 3), (2, 3)]),
    OpCase("cat", lambda m, x, y: m.cat([x, y.double()], 1), [(2, 2), (2, 1)]),
    OpCase("cat", lambda m, x: m.cat([x, m.ones(2, 1, dtype=m.int64)], 1), [(2, 2)]),
    OpCase("cat", lambda m, x: m.cat([x]), [(2, 2)]),
    OpCase("concat", lambda m, x, y: m.concat([x, y], dim=0), [(1, 2), (2, 2)]),
    OpCase("concatenate", lambda m, x, y: m.concatenate([x, y], 1), [(2, 1), (2, 2)]),
    OpCase("stack", lambda m, x, y: m.stack([x, y]), [(2, 3), (2, 3)]),
    OpCase("stack", lambda m, x, y: m.stack((x, y), dim=-1), [(2, 3), (2, 3)]),
    OpCase("stack", lambda m, x, y, z: m.stack([x, y, z], 1), [(2, 2), (2, 2), (2, 2)]),
    OpCase("stack", lambda m, x, y: m.stack([x, y]), [(), ()]),
    OpCase("stack", lambda m, x: m.stack([x, m.ones(3, dtype=m.int64)]), [(3,)]),
    OpCase("hstack", lambda m, x, y: m.hstack([x, y]), [(3,), (2,)]),
    OpCase("hstack", lambda m, x, y: m.hstack((x, y)), [(2, 1), (2, 3)]),
    OpCase("vstack", lambda m, x, y: m.vstack([x, y]), [(3,), (2, 3)]),
    OpCase("dstack", lambda m, x, y: m.dstack([x, y]), [(3,), (1, 3)]),
    OpCase("dstack", lambda m, x, y: m.dstack([x, y]), [(2, 2), (2, 2, 2)]),
    OpCase("column_stack", lambda m, x, y: m.column_stack([x, y]), [(3,), (3, 2)]),
    OpCase("column_stack", lambda m, x, y: m.column_stack([x, y]), [(), (1, 2)]),
    OpCase("atleast_1d", lambda m, x: m.atleast_1d(x), [()]),
    OpCase("atleast_1d", lambda m, x, y: m.atleast_1d(x, y), [(), (2, 2)]),
    OpCase("atleast_2d", lambda m, x: m.atleast_2d(x), [(3,)]),
    OpCase("atleast_2d", lambda m, x, y: m.atleast_2d([x, y]), [(), (2, 3, 1)]),
    OpCase("atleast_3d", lambda m, x, y, z: m.atleast_3d((x, y, z)), [(), (3,), (2, 3)]),
    # splitting and slicing
    OpCase("split", lambda m, x: m.split(x, 2), [(5, 3)]),
    OpCase("split", lambda m, x: x.split([1, 3, 1], dim=0), [(5, 2)]),
    OpCase("split", lambda m, x: x.split(2, dim=-1), [(2, 5)]),
    OpCase("split", lambda m, x: x.split(3), [(2, 2)]),
    OpCase("split", lambda m, x: x.split([2, 0, 1], 1), [(2, 3)]),
    OpCase("split", lambda m, x: x.split(split_size=2, dim=1), [(2, 3)]),
    OpCase("tensor_split", lambda m, x: m.tensor_split(x, 3), [(5, 2)]),
    OpCase("tensor_split", lambda m, x: x.tensor_split([1, 4], dim=1), [(2, 5)]),
    OpCase("tensor_split", lambda m, x: x.tensor_split((1, 7, 3)), [(5,)]),
    OpCase("tensor_split", lambda m, x: x.tensor_split((-2, 4)), [(5,)]),
    OpCase("tensor_split", lambda m, x: x.tensor_split(m.tensor(2), 1), [(2, 3)]),
    OpCase("chunk", lambda m, x: x.chunk(3), [(5, 2)]),
    OpCase("chunk", lambda m, x: m.chunk(x, 4, dim=1), [(2, 6)]),
    OpCase("chunk", lambda m, x: x.chunk(4, -1), [(2, 5)]),
    OpCase("chunk", lambda m, x: x.chunk(2), [(0, 3)]),
    OpCase("unbind", lambda m, x: x.unbind(1), [(2, 3)]),
    OpCase("unbind", lambda m, x: m.unbind(x), [(3, 2)]),
    OpCase("narrow", lambda m, x: x.narrow(0, 1, 2), [(4, 2)]),
    OpCase("narrow", lambda m, x: m.narrow(x, -1, -3, 2), [(2, 4)]),
    OpCase("narrow", lambda m, x: x.narrow(1, 4, 0), [(2, 4)]),
    OpCase("select", lambda m, x: x.select(0, 1), [(3, 2)]),
    OpCase("select", lambda m, x: m.select(x, -1, -1), [(2, 3, 2)]),
    # reordering elements
    OpCase("flip", lambda m, x: x.flip(0), [(3, 2)]),
    OpCase("flip", lambda m, x: m.flip(x, (0, -1)), [(2, 3, 2)]),
    OpCase("flip", lambda m, x: x.flip([1]), [(2, 3)]),
    OpCase("flip", lambda m, x: m.flip(x, dims=(0,)), [(0, 2)]),
    OpCase("fliplr", lambda m, x: m.fliplr(x), [(2, 3)]),
    OpCase("flipud", lambda m, x: x.flipud(), [(3, 2)]),
    OpCase("roll", lambda m, x: m.roll(x, 1), [(2, 3)]),
    OpCase("roll", lambda m, x: x.roll((1, -2), (0, 1)), [(2, 3)]),
    OpCase("roll", lambda m, x: x.roll(-1, -1), [(2, 3)]),
    OpCase("roll", lambda m, x: m.roll(x, shifts=5, dims=0), [(3, 2)]),
    OpCase("roll", lambda m, x: x.roll((1, 1), (1, 1)), [(2, 3)]),
    OpCase("rot90", lambda m, x: m.rot90(x), [(2, 3)]),
    OpCase("rot90", lambda m, x: x.rot90(2), [(2, 3)]),
    OpCase("rot90", lambda m, x: x.rot90(3, (1, 2)), [(2, 3, 2)]),
    OpCase("rot90", lambda m, x: x.rot90(-1, [2, 0]), [(2, 3, 2)]),
    OpCase("rot90", lambda m, x: x.rot90(0), [(2, 3)]),
    OpCase("tril", lambda m, x: m.tril(x), [(3, 3)]),
    OpCase("tril", lambda m, x: x.tril(-1), [(2, 3, 4)]),
    OpCase("tril", lambda m, x: m.tril(x, diagonal=2), [(3, 4)]),
    OpCase("triu", lambda m, x: m.triu(x), [(3, 3)]),
    OpCase("triu", lambda m, x: x.triu(1), [(2, 4, 3)]),
    OpCase("triu", lambda m, x: m.triu(x, diagonal=-2), [(4, 3)]),
    OpCase("triu", lambda m, x: x.triu(), [(0, 3)]),
    # padding
    OpCase("pad", lambda m, x: _pad(m, x, (1, 2)), [(2, 3)]),
    OpCase("pad", lambda m, x: _pad(m, x, (1, -1, -1, 1), value=1.5), [(2, 3)]),
    OpCase("pad", lambda m, x: _pad(m, x, (0, 0, 1, 0, 2, 1)), [(1, 2, 3)]),
    OpCase("pad", lambda m, x: _pad(m, x, (-3, 0)), [(2, 3)]),
    OpCase("pad", lambda m, x: _pad(m, x, (1, 2), mode="reflect"), [(2, 2, 4)]),
    OpCase("pad", lambda m, x: _pad(m, x, (2, 1), mode="reflect"), [(2, 3)]),
    OpCase("pad", lambda m, x: _pad(m, x, (1, 1, 2, 1), mode="reflect"), [(1, 1, 3, 4)]),
    OpCase("pad", lambda m, x: _pad(m, x, (-1, 2), mode="reflect"), [(1, 2, 4)]),
    OpCase("pad", lambda m, x: _pad(m, x, (2, 3), mode="replicate"), [(2, 2, 3)]),
    OpCase("pad", lambda m, x: _pad(m, x, (1, 1, 1, 0, 0, 2), mode="replicate"),
           [(1, 2, 2, 2)]),
    OpCase("pad", lambda m, x: _pad(m, x, (0, 2, -1, 1), mode="replicate"), [(1, 3, 3)]),
    OpCase("pad", lambda m, x: _pad(m, x, (2, 1), mode="circular"), [(2, 2, 3)]),
    OpCase("pad", lambda m, x: _pad(m, x, (1, 2, 3, 1), mode="circular"), [(1, 1, 3, 3)]),
    OpCase("pad", lambda m, x: _pad(m, x, (1, 1, 0, 1, 1, 0), mode="circular"),
           [(1, 2, 2, 2, 2)]),
    OpCase("pad", lambda m, x: _pad(m, x, (1, -2), mode="circular"), [(1, 2, 3)]),
    OpCase("pad", lambda m, x: _pad(m, x, (-1, 2), mode="reflect"), [(2, 1, 3)]),
    OpCase("pad", lambda m, x: _pad(m, x, (1, -1, -1, 2), mode="reflect"), [(1, 2, 3, 3)]),
    OpCase("pad", lambda m, x: _pad(m, x, (-3, 1), mode="replicate"), [(2, 1, 3)]),
    OpCase("pad", lambda m, x: _pad(m, x, (2, -1, 1, -2), mode="replicate"), [(2, 3, 3)]),
    # grids
    OpCase("meshgrid", lambda m, x, y: m.meshgrid(x, y, indexing="ij"), [(2,), (3,)]),
    OpCase("meshgrid", lambda m, x, y, z: m.meshgrid([x, y, z], indexing="xy"),
           [(2,), (3,), (2,)]),
    OpCase("meshgrid", lambda m, x, y: m.meshgrid(x, y, indexing="ij"), [(), (3,)]),
]

# Integer and bool inputs: values and dtypes only.
INT_CASES = [
    OpCase("cat", lambda m, x, y: m.cat([x, y], 1), [(2, 2), (2, 1)], int_inputs=(0, 1),
           grad=False, id="cat-int"),
    OpCase("cat", lambda m, x, y: m.cat([x, y]), [(2, 2), (1, 2)], int_inputs=(0,),
           grad=False, id="cat-int-float"),
    OpCase("cat", lambda m, x, y: m.cat([x, y]), [(2, 2), (1, 2)], bool_inputs=(0, 1),
           grad=False, id="cat-bool"),
    OpCase("cat", lambda m, x, y: m.cat([x, y]), [(2, 2), (1, 2)], bool_inputs=(0,),
           int_inputs=(1,), grad=False, id="cat-bool-int"),
    OpCase("stack", lambda m, x, y: m.stack([x, y]), [(2,), (2,)], int_inputs=(0,),
           grad=False, id="stack-int-float"),
    OpCase("tril", lambda m, x: x.tril(1), [(3, 3)], int_inputs=(0,), grad=False,
           id="tril-int"),
    OpCase("triu", lambda m, x: x.triu(), [(2, 3, 3)], bool_inputs=(0,), grad=False,
           id="triu-bool"),
    OpCase("pad", lambda m, x: _pad(m, x, (1, 1), value=2.7), [(2, 2)], int_inputs=(0,),
           grad=False, id="pad-int-value"),
    OpCase("pad", lambda m, x: _pad(m, x, (1, 1), mode="reflect"), [(2, 3)], int_inputs=(0,),
           grad=False, id="pad-int-reflect"),
    OpCase("repeat_interleave", lambda m, x: m.repeat_interleave(x, m.tensor([1, 3])),
           [(2,)], int_inputs=(0,), grad=False, id="repeat_interleave-int"),
    OpCase("repeat_interleave", lambda m, x: m.repeat_interleave(x), [(4,)], int_inputs=(0,),
           grad=False, id="repeat_interleave-counts"),
    OpCase("flip", lambda m, x: x.flip(0, 1), [(2, 3)], int_inputs=(0,), grad=False,
           id="flip-int"),
    OpCase("roll", lambda m, x: x.roll(2), [(2, 3)], bool_inputs=(0,), grad=False,
           id="roll-bool"),
    OpCase("repeat", lambda m, x: x.repeat(2, 2), [(2, 3)], int_inputs=(0,), grad=False,
           id="repeat-int"),
    OpCase("meshgrid", lambda m, x, y: m.meshgrid(x, y, indexing="xy"), [(2,), (3,)],
           int_inputs=(0, 1), grad=False, id="meshgrid-int"),
    OpCase("broadcast_tensors", lambda m, x, y: m.broadcast_tensors(x, y), [(2, 1), (3,)],
           int_inputs=(1,), grad=False, id="broadcast_tensors-int"),
]

test_parity, test_gradcheck = parametrize_cases(CASES + INT_CASES)


def E(*shape, dtype=ember.float64):
    n = int(np.prod(shape)) if shape else 1
    return ember.from_numpy(np.asarray(np.arange(n, dtype=dtype.np).reshape(shape) + 1))


# -- views share memory and the version counter; copies don't -------------------------------

VIEW_OPS = {
    "reshape": lambda x: x.reshape(6, 4),
    "view": lambda x: x.view(-1),
    "flatten": lambda x: x.flatten(1),
    "unflatten": lambda x: x.unflatten(2, (2, 2)),
    "squeeze": lambda x: x[:1].squeeze(0),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "permute": lambda x: x.permute(2, 0, 1),
    "transpose": lambda x: x.transpose(0, 2),
    "movedim": lambda x: x.movedim(0, 2),
    "t": lambda x: x[0].t(),
    "expand": lambda x: x[:, :1].expand(3, 2, 4),
    "narrow": lambda x: x.narrow(1, 1, 1),
    "select": lambda x: x.select(2, 3),
    "split": lambda x: x.split(2)[1],
    "chunk": lambda x: x.chunk(2, dim=2)[1],
    "tensor_split": lambda x: x.tensor_split(2, dim=1)[0],
    "unbind": lambda x: x.unbind(1)[1],
}

COPY_OPS = {
    "cat": lambda x: ember.cat([x, x]),
    "cat1": lambda x: ember.cat([x]),
    "stack": lambda x: ember.stack([x]),
    "repeat": lambda x: x.repeat(1, 1, 1),
    "repeat_interleave": lambda x: x.repeat_interleave(1, dim=0),
    "flip": lambda x: x.flip(0),
    "roll": lambda x: x.roll(1),
    "rot90": lambda x: x.rot90(0),
    "pad": lambda x: ember.pad(x, (0, 0)),
    "pad-crop": lambda x: ember.pad(x, (-1, 0)),
    "tril": lambda x: x.tril(5),
    "reshape-noncontig": lambda x: x.transpose(0, 1).reshape(-1),
}


@pytest.mark.parametrize("name", sorted(VIEW_OPS))
def test_views_share_memory_and_version(name):
    x = E(3, 2, 4)
    v = VIEW_OPS[name](x)
    assert np.shares_memory(v._data, x._data), f"{name} should return a view"
    before = v._version
    x.add_(1.0)
    assert v._version == before + 1, f"{name}: the view must share the version counter"


@pytest.mark.parametrize("name", sorted(COPY_OPS))
def test_copies_do_not_share_memory(name):
    x = E(3, 2, 4)
    out = COPY_OPS[name](x)
    assert not np.shares_memory(out._data, x._data), f"{name} must not alias its input"
    before = out._version
    x.add_(1.0)
    assert out._version == before


def test_view_modification_reaches_the_base():
    x = E(2, 3)
    x.view(6)[0] = 100.0
    assert x[0, 0].item() == 100.0
    x.t()[2, 1] = -1.0
    assert x[1, 2].item() == -1.0


def test_inplace_on_base_invalidates_saved_view():
    x = E(2, 3).requires_grad_()
    y = x * 1.0
    v = y.transpose(0, 1)
    z = (v * v).sum()
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_reshape_of_noncontiguous_copies_and_backprops():
    x = E(2, 3).requires_grad_()
    y = x.t().reshape(6)
    assert y.tolist() == [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]
    (y * ember.from_numpy(np.arange(6.0))).sum().backward()
    assert x.grad.tolist() == [[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]]


def test_hot_paths_give_views_and_contiguous_outputs():
    x = E(2, 3, 4)
    assert x.permute(2, 0, 1)._data.base is not None
    assert x.flatten(1)._data.base is not None
    assert x.reshape(4, 6).is_contiguous()
    c = ember.cat([x, x], dim=1)
    assert c.is_contiguous() and c.shape == (2, 6, 4)
    s = ember.stack([x, x], dim=-1)
    assert s.is_contiguous() and s.shape == (2, 3, 4, 2)
    f32 = E(2, 2, dtype=ember.float32)
    assert ember.cat([f32, f32]).dtype is ember.float32
    assert f32.repeat(2, 2).dtype is ember.float32
    assert ember.pad(f32, (1, 1), mode="reflect").dtype is ember.float32


# -- promotion, legacy rules and small semantics --------------------------------------------


def test_cat_promotes_like_torch_and_skips_1d_empties():
    i = ember.tensor([[1, 2]])
    f = ember.tensor([[0.5, 1.5]], dtype=ember.float64)
    assert ember.cat([i, f]).dtype is ember.float64
    assert ember.cat([i, ember.ones(1, 2)]).dtype is ember.float32
    e = ember.zeros(0, dtype=ember.float64)
    out = ember.cat([e, ember.ones(2, 3)])
    assert out.shape == (2, 3) and out.dtype is ember.float64
    out = ember.cat([ember.ones(2, 3), e, ember.ones(1, 3)])
    assert out.shape == (3, 3)
    both = ember.cat([e, ember.zeros(0, dtype=ember.int64)])
    assert both.shape == (0,) and both.dtype is ember.float64


def test_cat_skipped_empty_gets_empty_gradient():
    e = ember.zeros(0, dtype=ember.float64).requires_grad_()
    x = E(2, 3).requires_grad_()
    ember.cat([e, x]).sum().backward()
    assert e.grad.shape == (0,)
    assert x.grad.tolist() == [[1.0] * 3] * 2


def test_cat_gradient_keeps_each_input_dtype():
    a = E(2, dtype=ember.float32).requires_grad_()
    b = E(1, dtype=ember.float64).requires_grad_()
    out = ember.cat([a, b])
    assert out.dtype is ember.float64
    (out * 2).sum().backward()
    assert a.grad.dtype is ember.float32 and b.grad.dtype is ember.float64
    assert a.grad.tolist() == [2.0, 2.0]


def test_cat_and_stack_out_argument():
    out = ember.zeros(1)
    r = ember.cat([ember.ones(2), ember.zeros(1)], out=out)
    assert r is out and out.tolist() == [1.0, 1.0, 0.0]
    out = ember.empty(2, 2)
    ember.stack([ember.ones(2), ember.zeros(2)], out=out)
    assert out.tolist() == [[1.0, 1.0], [0.0, 0.0]]


def test_chunk_size_rule():
    sizes = [p.shape[0] for p in E(6).chunk(4)]
    assert sizes == [2, 2, 2]  # fewer chunks than asked, like torch
    assert [p.shape[0] for p in E(5).chunk(4)] == [2, 2, 1]
    assert [tuple(p.shape) for p in ember.zeros(0, 2).chunk(3)] == [(0, 2)] * 3


def test_split_of_empty_and_zero_size():
    assert [tuple(p.shape) for p in ember.zeros(0).split(2)] == [(0,)]
    assert [tuple(p.shape) for p in ember.zeros(0).split(0)] == [(0,)]


def test_broadcast_shapes_returns_size():
    s = ember.broadcast_shapes((2, 1), (3,), 1)
    assert isinstance(s, ember.Size) and s == (2, 3)
    assert ember.broadcast_shapes() == ()
    assert ember.broadcast_shapes(2, (3, 1)) == (3, 2)
    if torch is not None:
        assert tuple(torch.broadcast_shapes((5, 1, 4), (3, 1))) == ember.broadcast_shapes(
            (5, 1, 4), (3, 1))


def test_repeat_interleave_counts_form():
    out = ember.repeat_interleave(ember.tensor([1, 0, 3]))
    assert out.tolist() == [0, 2, 2, 2] and out.dtype is ember.int64
    out = ember.repeat_interleave(ember.tensor([2, 1], dtype=ember.int32), output_size=3)
    assert out.tolist() == [0, 0, 1] and out.dtype is ember.int32


def test_meshgrid_defaults_to_ij():
    a, b = ember.meshgrid(ember.tensor([1, 2]), ember.tensor([3, 4, 5]))
    assert a.shape == (2, 3) and b.tolist() == [[3, 4, 5], [3, 4, 5]]


def test_view_dtype_reinterprets_bytes():
    x = ember.tensor([1.0, -2.0])
    v = x.view(ember.int32)
    assert v.dtype is ember.int32
    assert v.tolist() == np.array([1.0, -2.0], dtype=np.float32).view(np.int32).tolist()
    with pytest.raises(RuntimeError, match="view"):
        x.requires_grad_().view(ember.int32)


def test_atleast_shapes():
    assert ember.atleast_3d(E(3)).shape == (1, 3, 1)
    assert ember.atleast_3d(E(2, 3)).shape == (2, 3, 1)
    assert ember.atleast_2d(E(2, 3, 4)).shape == (2, 3, 4)
    assert isinstance(ember.atleast_1d([E()]), tuple)


def test_tril_inplace():
    x = E(3, 3)
    x.tril_()
    assert x.tolist() == [[1.0, 0.0, 0.0], [4.0, 5.0, 0.0], [7.0, 8.0, 9.0]]
    x.triu_(1)
    assert x.tolist() == [[0.0] * 3] * 3


# -- double backward -------------------------------------------------------------------------

DOUBLE = {
    "cat": (lambda x, y: ember.cat([x, y], 1), [(2, 2), (2, 1)]),
    "stack": (lambda x, y: ember.stack([x, y], -1), [(2, 2), (2, 2)]),
    "split": (lambda x: x.split([1, 2], 1), [(2, 3)]),
    "chunk": (lambda x: x.chunk(2), [(3, 2)]),
    "unbind": (lambda x: x.unbind(1), [(2, 3)]),
    "narrow": (lambda x: x.narrow(1, 1, 2), [(2, 4)]),
    "select": (lambda x: x.select(0, 1), [(3, 2)]),
    "permute": (lambda x: x.permute(1, 2, 0), [(2, 3, 2)]),
    "expand": (lambda x: x.expand(2, 3, 2), [(3, 1)]),
    "repeat": (lambda x: x.repeat(2, 1, 2), [(2, 3)]),
    "repeat_interleave": (lambda x: x.repeat_interleave(2, dim=1), [(2, 3)]),
    "repeat_interleave_tensor":
        (lambda x: x.repeat_interleave(ember.tensor([2, 0, 1]), dim=1), [(2, 3)]),
    "flip": (lambda x: x.flip(0, 1), [(2, 3)]),
    "roll": (lambda x: x.roll((1, 2), (0, 1)), [(2, 3)]),
    "rot90": (lambda x: x.rot90(1), [(2, 3)]),
    "tril": (lambda x: x.tril(), [(3, 3)]),
    "pad-constant": (lambda x: ember.pad(x, (1, -1, 2, 0)), [(2, 3)]),
    "pad-reflect": (lambda x: ember.pad(x, (2, 1), mode="reflect"), [(1, 2, 4)]),
    "pad-replicate": (lambda x: ember.pad(x, (1, 2, 0, 1), mode="replicate"), [(1, 2, 3)]),
    "pad-circular": (lambda x: ember.pad(x, (-1, 2), mode="circular"), [(1, 2, 3)]),
}


@pytest.mark.parametrize("name", sorted(DOUBLE))
def test_gradgradcheck(name):
    fn, shapes = DOUBLE[name]
    rng = np.random.default_rng(3)
    xs = tuple(ember.from_numpy(rng.standard_normal(s)).requires_grad_() for s in shapes)

    def f(*args):
        out = fn(*args)
        out = out if isinstance(out, tuple) else (out,)
        return tuple(o * o for o in out)  # nonlinear so that second derivatives aren't zero

    assert ember.autograd.gradgradcheck(f, xs)


# -- errors ------------------------------------------------------------------------------------


def test_cat_mismatch_names_every_shape_and_the_dim():
    with pytest.raises(RuntimeError, match=r"cat\(\).*dimension 0.*\(2, 3\), \(2, 4\), \(1, 3\)"):
        ember.cat([ember.zeros(2, 3), ember.zeros(2, 4), ember.zeros(1, 3)])
    with pytest.raises(RuntimeError, match=r"cat\(\).*same number of dimensions.*\(2, 3, 1\)"):
        ember.cat([ember.zeros(2, 3), ember.zeros(2, 3, 1)], dim=1)
    with pytest.raises(RuntimeError, match=r"cat\(\): zero-dimensional tensor \(at position 1\)"):
        ember.cat([ember.zeros(2), ember.zeros(())])
    with pytest.raises(ValueError, match=r"cat\(\).*non-empty"):
        ember.cat([])
    with pytest.raises(IndexError, match=r"cat\(\).*\[-2, 1\].*got 2"):
        ember.cat([ember.zeros(2, 3)], dim=2)
    with pytest.raises(TypeError, match=r"cat\(\).*single Tensor"):
        ember.cat(ember.zeros(2, 3))


def test_stack_mismatch_names_shapes():
    with pytest.raises(RuntimeError,
                       match=r"stack\(\).*\[2, 3\] at entry 0 and \[2, 4\] at entry 1"):
        ember.stack([ember.zeros(2, 3), ember.zeros(2, 4)])
    with pytest.raises(RuntimeError, match=r"stack\(\).*non-empty"):
        ember.stack([])


def test_view_error_names_shape_and_size():
    with pytest.raises(RuntimeError, match=r"view\(\).*\[4, 2\].*size 6"):
        ember.zeros(2, 3).view(4, 2)
    with pytest.raises(RuntimeError, match=r"reshape\(\).*\[-1, 4\].*size 6"):
        ember.zeros(2, 3).reshape(-1, 4)
    with pytest.raises(RuntimeError, match=r"only one dimension can be inferred"):
        ember.zeros(2, 3).view(-1, -1)
    with pytest.raises(RuntimeError, match=r"invalid shape dimension -2"):
        ember.zeros(2, 3).view(-2, 3)
    with pytest.raises(RuntimeError, match=r"0 elements.*ambiguous"):
        ember.zeros(0, 3).view(-1, 0)


def test_squeeze_unsqueeze_range_errors():
    with pytest.raises(IndexError, match=r"squeeze\(\).*\[-2, 1\].*got 5"):
        ember.zeros(2, 3).squeeze(5)
    with pytest.raises(IndexError, match=r"unsqueeze\(\).*\[-3, 2\].*got 3"):
        ember.zeros(2, 3).unsqueeze(3)
    with pytest.raises(RuntimeError, match=r"squeeze\(\).*multiple times"):
        ember.zeros(1, 3).squeeze((0, 0))


def test_other_argument_errors():
    x = ember.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"permute\(\).*\(2, 3\).*\(1, 0, 2\)"):
        x.permute(1, 0, 2)
    with pytest.raises(RuntimeError, match=r"permute\(\).*repeated"):
        x.permute(0, 0)
    with pytest.raises(RuntimeError, match=r"expand\(\).*\(2\).*existing size \(3\).*\[2, 3\]"):
        x.expand(2, 2)
    with pytest.raises(RuntimeError, match=r"expand\(\).*leading, non-existing dimension 0"):
        x.expand(-1, 2, 3)
    with pytest.raises(RuntimeError, match=r"repeat\(\).*\(1\).*\(2, shape \(2, 3\)\)"):
        x.repeat(2)
    with pytest.raises(RuntimeError, match=r"flatten\(\).*start_dim.*end_dim"):
        ember.zeros(2, 3, 4).flatten(2, 1)
    with pytest.raises(RuntimeError, match=r"unflatten\(\).*\[4, 2\].*\(3\)"):
        x.unflatten(1, (4, 2))
    with pytest.raises(RuntimeError, match=r"t\(\).*3D"):
        ember.zeros(2, 3, 4).t()
    with pytest.raises(RuntimeError, match=r"adjoint\(\).*1-D"):
        ember.zeros(3).adjoint()
    with pytest.raises(RuntimeError, match=r"movedim\(\).*repeated dim in `source`"):
        ember.zeros(2, 3, 4).movedim((0, 0), (1, 2))
    with pytest.raises(RuntimeError, match=r"split\(\).*sum exactly to 3.*\[1, 1\]"):
        x.split([1, 1], dim=1)
    with pytest.raises(RuntimeError, match=r"chunk\(\).*greater than 0"):
        x.chunk(0)
    with pytest.raises(RuntimeError, match=r"narrow\(\).*start \(2\) \+ length \(2\).*\(3\)"):
        x.narrow(1, 2, 2)
    with pytest.raises(IndexError, match=r"select\(\).*index 3.*\[2, 3\].*dimension 1"):
        x.select(1, 3)
    with pytest.raises(RuntimeError, match=r"roll\(\).*shifts: 2, dims: 1"):
        x.roll((1, 2), 0)
    with pytest.raises(RuntimeError, match=r"flip\(\).*multiple times"):
        x.flip(0, 0)
    with pytest.raises(RuntimeError, match=r"fliplr\(\).*>= 2-d"):
        ember.zeros(3).fliplr()
    with pytest.raises(RuntimeError, match=r"rot90\(\).*different"):
        x.rot90(1, (0, 0))
    with pytest.raises(RuntimeError, match=r"tril\(\).*at least 2 dimensions.*\(3,\)"):
        ember.zeros(3).tril()
    with pytest.raises(RuntimeError, match=r"repeat_interleave\(\).*repeats.size\(0\) = 2.*= 3"):
        x.repeat_interleave(ember.tensor([1, 2]), dim=1)
    with pytest.raises(RuntimeError, match=r"repeat_interleave\(\).*non-negative"):
        x.repeat_interleave(-1)
    with pytest.raises(RuntimeError, match=r"repeat_interleave\(\).*expected 4 but got 5"):
        x.repeat_interleave(2, dim=0, output_size=5)
    with pytest.raises(RuntimeError, match=r"broadcast_tensors\(\).*\(2, 2\) and \(3,\)"):
        ember.broadcast_tensors(ember.zeros(2, 2), ember.zeros(3))
    with pytest.raises(RuntimeError, match=r"meshgrid\(\).*same dtype"):
        ember.meshgrid(ember.zeros(2), ember.tensor([1, 2]), indexing="ij")
    with pytest.raises(RuntimeError, match=r"meshgrid\(\).*\"xy\" or \"ij\""):
        ember.meshgrid(ember.zeros(2), indexing="ab")


def test_pad_errors():
    x = ember.zeros(1, 2, 3)
    with pytest.raises(RuntimeError, match=r"pad\(\).*divisible by 2"):
        ember.pad(x, (1,))
    with pytest.raises(RuntimeError, match=r"pad\(\).*padding length 8.*dimension 3"):
        ember.pad(x, (1,) * 8)
    with pytest.raises(RuntimeError, match=r"pad\(\).*\(-2, -2\) at dimension 2.*\(1, 2, 3\)"):
        ember.pad(x, (-2, -2))
    with pytest.raises(RuntimeError, match=r"pad\(\).*reflect.*less than.*\(3, 1\)"):
        ember.pad(x, (3, 1), mode="reflect")
    with pytest.raises(RuntimeError, match=r"pad\(\).*circular.*\(4, 3\)"):
        ember.pad(x, (4, 3), mode="circular")
    with pytest.raises(NotImplementedError, match=r"pad\(\).*size 2.*4D"):
        ember.pad(ember.zeros(1, 1, 2, 3), (1, 1), mode="replicate")
    with pytest.raises(RuntimeError, match=r"pad\(\).*too small.*replicate.*\[-2, -1\]"):
        ember.pad(x, (-2, -1), mode="replicate")
    with pytest.raises(NotImplementedError, match=r"pad\(\).*'foo'"):
        ember.pad(x, (1, 1), mode="foo")
    with pytest.raises(RuntimeError, match=r"pad\(\).*\"reflect\" doesn't take in value"):
        ember.pad(x, (1, 1), mode="reflect", value=3.0)


def test_circular_pad_wrapping_past_a_cropped_centre():
    # PyTorch computes this with an overlapping in-place copy: its values are these, but its
    # gradient misses the twice-wrapped element. Ours is the adjoint of the values.
    x = E(1, 2, 3).requires_grad_()
    out = ember.pad(x, (-1, 3), mode="circular")
    assert out.tolist() == [[[2.0, 3.0, 2.0, 3.0, 2.0], [5.0, 6.0, 5.0, 6.0, 5.0]]]
    out.sum().backward()
    assert x.grad.tolist() == [[[0.0, 3.0, 2.0], [0.0, 3.0, 2.0]]]
    assert ember.autograd.gradcheck(lambda t: ember.pad(t, (-1, 3), mode="circular"),
                                    (E(1, 2, 3).requires_grad_(),))
