"""Transforms: values against NumPy references and, when installed, torch's interpolate/pad."""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.data import transforms as T

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = None

requires_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _img(h=5, w=7, c=None, seed=0):
    rng = np.random.default_rng(seed)
    shape = (h, w) if c is None else (h, w, c)
    return rng.integers(0, 256, shape, dtype=np.uint8)


def test_to_tensor_gray_and_color():
    a = _img()
    t = T.ToTensor()(a)
    assert t.shape == (1, 5, 7) and t.dtype == ember.float32
    np.testing.assert_array_equal(t.numpy()[0], a.astype(np.float32) / np.float32(255))
    c = _img(c=3)
    tc = T.ToTensor()(c)
    assert tc.shape == (3, 5, 7)
    np.testing.assert_array_equal(tc.numpy(), c.transpose(2, 0, 1).astype(np.float32) / 255)
    assert 0.0 <= float(tc.min()) and float(tc.max()) <= 1.0
    f = np.full((2, 2), 16.0, dtype=np.float32)  # not uint8: values kept, like torchvision
    assert T.ToTensor()(f).tolist() == [[[16.0, 16.0], [16.0, 16.0]]]
    x = ember.ones(1, 2, 2)
    assert T.ToTensor()(x) is x
    with pytest.raises(ValueError, match="2/3 dimensional"):
        T.ToTensor()(np.zeros(3, np.uint8))
    with pytest.raises(TypeError, match="NumPy array"):
        T.ToTensor()([[1, 2]])


@requires_torch
def test_to_tensor_matches_torch_div():
    a = _img(c=3, seed=4)
    ref = torch.from_numpy(a.transpose(2, 0, 1).copy()).to(torch.float32).div(255)
    np.testing.assert_array_equal(T.ToTensor()(a).numpy(), ref.numpy())


def test_normalize_values_and_checks():
    x = ember.from_numpy(np.random.default_rng(1).random((3, 4, 4), dtype=np.float32))
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    out = T.Normalize(mean, std)(x)
    m = np.array(mean, np.float32).reshape(3, 1, 1)
    s = np.array(std, np.float32).reshape(3, 1, 1)
    np.testing.assert_array_equal(out.numpy(), (x.numpy() - m) / s)
    assert out is not x and out.dtype == ember.float32
    y = x.clone()
    assert T.Normalize(mean, std, inplace=True)(y) is y
    np.testing.assert_allclose(y.numpy(), out.numpy(), rtol=1e-6)
    batch = ember.stack([x, x])  # (N, C, H, W) works too
    np.testing.assert_array_equal(T.Normalize(mean, std)(batch).numpy()[1], out.numpy())
    d = x.double()
    assert T.Normalize(mean, std)(d).dtype == ember.float64
    with pytest.raises(TypeError, match="float tensor"):
        T.Normalize(mean, std)(ember.ones(3, 2, 2, dtype=ember.uint8))
    with pytest.raises(ValueError, match=r"\(\.\.\., C, H, W\)"):
        T.Normalize(mean, std)(ember.ones(2, 2))
    with pytest.raises(ValueError, match="division by zero"):
        T.Normalize(mean, (1.0, 0.0, 1.0))(x)
    with pytest.raises(ValueError, match="3 channels"):
        T.Normalize((0.1, 0.2), (1.0, 1.0))(x)
    with pytest.raises(TypeError, match="Tensor Image"):
        T.Normalize(mean, std)(np.zeros((3, 2, 2)))


def test_normalize_keeps_autograd():
    x = ember.ones(1, 2, 2, requires_grad=True)
    T.Normalize((0.5,), (0.25,))(x).sum().backward()
    assert x.grad.tolist() == [[[4.0, 4.0], [4.0, 4.0]]]


def test_compose_lambda_repr():
    t = T.Compose([T.ToTensor(), T.Lambda(lambda x: x * 2)])
    assert float(t(np.full((1, 1), 255, np.uint8)).item()) == 2.0
    assert repr(t) == "Compose(\n    ToTensor()\n    Lambda()\n)"
    with pytest.raises(TypeError, match="callable"):
        T.Lambda(3)


def test_flips_tensor_and_numpy():
    a = _img(c=2)
    t = T.ToTensor()(a)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(t).numpy(), t.numpy()[:, :, ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(1.0)(t).numpy(), t.numpy()[:, ::-1, :])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(a), a[:, ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(1.0)(a), a[::-1])
    assert T.RandomHorizontalFlip(0.0)(t) is t


def test_random_flip_probability_and_seed():
    t = ember.arange(2.0).view(1, 1, 2)

    def flips(seed):
        ember.manual_seed(seed)
        f = T.RandomHorizontalFlip(0.3)
        return [f(t)[0, 0, 0].item() == 1.0 for _ in range(400)]

    a = flips(0)
    assert a == flips(0) and a != flips(1)
    assert 0.2 < sum(a) / len(a) < 0.4


def _np_pad(a, left, top, right, bottom, mode, fill=0):
    widths = [(0, 0)] * (a.ndim - 2) + [(top, bottom), (left, right)]
    if mode == "constant":
        return np.pad(a, widths, mode="constant", constant_values=fill)
    return np.pad(a, widths, mode=mode)


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad_modes(mode):
    x = ember.arange(24.0).view(2, 3, 4)
    out = T.Pad((1, 2, 3, 1), fill=7, padding_mode=mode)(x)
    np.testing.assert_array_equal(out.numpy(), _np_pad(x.numpy(), 1, 2, 3, 1, mode, 7))
    assert T.Pad(2)(x).shape == (2, 7, 8)
    assert T.Pad([1, 2])(x).shape == (2, 7, 6)  # (left/right, top/bottom)
    a = _img(c=3)
    assert T.Pad(1, padding_mode=mode)(a).shape == (7, 9, 3)


@requires_torch
@pytest.mark.parametrize("mode, torch_mode", [("edge", "replicate"), ("reflect", "reflect"),
                                              ("constant", "constant")])
def test_pad_matches_torch(mode, torch_mode):
    x = np.random.default_rng(0).random((2, 4, 5)).astype(np.float32)
    got = T.pad(ember.from_numpy(x), [2, 1, 1, 3], padding_mode=mode).numpy()
    ref = F.pad(torch.from_numpy(x)[None], (2, 1, 1, 3), mode=torch_mode)[0].numpy()
    np.testing.assert_array_equal(got, ref)


def test_pad_negative_crops_and_errors():
    x = ember.arange(16.0).view(1, 4, 4)
    np.testing.assert_array_equal(T.pad(x, [-1, 0, 0, -1]).numpy(), x.numpy()[:, :3, 1:])
    with pytest.raises(ValueError, match="Padding mode"):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(ValueError, match="1, 2, or 4 element"):
        T.Pad((1, 2, 3))


def test_center_crop():
    x = ember.arange(35.0).view(1, 5, 7)
    np.testing.assert_array_equal(T.CenterCrop(3)(x).numpy(), x.numpy()[:, 1:4, 2:5])
    np.testing.assert_array_equal(T.CenterCrop((2, 4))(x).numpy(),
                                  x.numpy()[:, 2:4, 2:6])  # round((5-2)/2)=2, round(1.5)=2
    big = T.CenterCrop((7, 8))(x)  # larger than the image: zero padding around it
    assert big.shape == (1, 7, 8)
    np.testing.assert_array_equal(big.numpy(), _np_pad(x.numpy(), 0, 1, 1, 1, "constant"))
    a = _img(5, 7, 3)
    np.testing.assert_array_equal(T.CenterCrop(3)(a), a[1:4, 2:5])


def test_random_crop_values_and_reproducibility():
    x = ember.arange(30.0).view(1, 5, 6)
    crop = T.RandomCrop((3, 4))
    ember.manual_seed(0)
    outs = [crop(x).numpy() for _ in range(40)]
    windows = {(int(o[0, 0, 0]) // 6, int(o[0, 0, 0]) % 6) for o in outs}
    for o in outs:
        i, j = int(o[0, 0, 0]) // 6, int(o[0, 0, 0]) % 6
        np.testing.assert_array_equal(o, x.numpy()[:, i:i + 3, j:j + 4])
    assert windows == {(i, j) for i in range(3) for j in range(3)}
    ember.manual_seed(0)
    again = [crop(x).numpy() for _ in range(40)]
    assert all(np.array_equal(a, b) for a, b in zip(outs, again))
    assert T.RandomCrop((5, 6))(x) is not None and T.RandomCrop((5, 6))(x).shape == (1, 5, 6)
    with pytest.raises(ValueError, match="larger than input image size"):
        T.RandomCrop(6)(x)


def test_random_crop_padding_and_pad_if_needed():
    x = ember.ones(1, 4, 4)
    ember.manual_seed(1)
    out = T.RandomCrop(4, padding=4, fill=0)(x)
    assert out.shape == (1, 4, 4)
    padded = T.RandomCrop(12, padding=4, fill=5)(x)  # the whole padded image
    np.testing.assert_array_equal(padded.numpy(), _np_pad(x.numpy(), 4, 4, 4, 4, "constant", 5))
    grown = T.RandomCrop((6, 8), pad_if_needed=True, fill=2)(x)
    assert grown.shape == (1, 6, 8) and float(grown.sum()) == 16 + 2 * (48 - 16)
    a = _img(4, 4)
    assert T.RandomCrop(2, padding=1, padding_mode="reflect")(a).shape == (2, 2)


@requires_torch
@pytest.mark.parametrize("size", [(3, 4), (9, 13), (5, 7), (2, 11), (14, 3), (1, 1)])
@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_resize_bilinear_matches_torch_interpolate(size, antialias, dtype):
    x = np.random.default_rng(2).random((2, 3, 5, 7)).astype(dtype)
    got = T.Resize(size, antialias=antialias)(ember.from_numpy(x)).numpy()
    ref = F.interpolate(torch.from_numpy(x), size=size, mode="bilinear", align_corners=False,
                        antialias=antialias).numpy()
    assert got.shape == ref.shape and got.dtype == ref.dtype
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(got, ref, rtol=tol, atol=tol)


@requires_torch
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
@pytest.mark.parametrize("size", [(3, 4), (10, 14), (7, 5), (11, 3), (28, 28)])
def test_resize_nearest_matches_torch(mode, size):
    x = np.random.default_rng(3).random((1, 2, 9, 6)).astype(np.float32)
    got = T.Resize(size, interpolation=mode)(ember.from_numpy(x)).numpy()
    ref = F.interpolate(torch.from_numpy(x), size=size, mode=mode).numpy()
    np.testing.assert_array_equal(got, ref)


def test_resize_bilinear_numpy_reference():
    # 2x upscaling of a 2x2 image, align_corners=False: the classic 0.25/0.75 weights
    x = ember.tensor([[[0.0, 4.0], [8.0, 12.0]]])
    out = T.Resize((4, 4), antialias=False)(x).numpy()[0]
    row = np.array([0.0, 1.0, 3.0, 4.0])
    np.testing.assert_allclose(out, row[None, :] + 2 * row[:, None], atol=1e-6)


def test_resize_sizes_ints_and_numpy():
    x = ember.zeros(3, 20, 10)
    assert T.Resize(5)(x).shape == (3, 10, 5)  # smaller edge -> 5, aspect kept
    assert T.Resize([5])(x).shape == (3, 10, 5)
    assert T.Resize(5, max_size=8)(x).shape == (3, 8, 4)
    assert T.Resize((20, 10))(x) is x
    u = ember.from_numpy(_img(6, 6)[None])
    out = T.Resize((3, 3))(u)
    ref = T.Resize((3, 3))(u.float()).numpy()
    assert out.dtype == ember.uint8
    np.testing.assert_array_equal(out.numpy(), np.clip(np.round(ref), 0, 255).astype(np.uint8))
    a = _img(6, 8, 3)
    r = T.Resize((3, 4))(a)
    assert r.shape == (3, 4, 3) and r.dtype == np.uint8
    chw = T.Resize((3, 4))(ember.from_numpy(a.transpose(2, 0, 1).copy()))
    np.testing.assert_array_equal(r, chw.numpy().transpose(1, 2, 0))
    assert T.Resize((3, 4), interpolation=T.InterpolationMode.NEAREST)(a).shape == (3, 4, 3)
    with pytest.raises(ValueError, match="not supported"):
        T.Resize(3, interpolation="bicubic")
    with pytest.raises(ValueError, match="1 or 2 values"):
        T.Resize((1, 2, 3))
    with pytest.raises(ValueError, match="max_size"):
        T.Resize((4, 4), max_size=5)(x)
