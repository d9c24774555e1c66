"""Image transforms in torchvision's style (``torchvision.transforms``), without PIL.

An image is either a NumPy array laid out like a PIL image, ``HxW`` or ``HxWxC`` (what ember's
datasets return), or a tensor ``(..., C, H, W)`` (what ``ToTensor`` makes). Geometric
transforms accept both and return the same kind; ``Normalize`` needs a float tensor.

Random transforms draw from ember's global generator, so ``ember.manual_seed`` makes them
reproducible; inside a DataLoader worker thread they draw from that worker's generator.

>>> import numpy as np
>>> t = Compose([ToTensor(), Normalize((0.5,), (0.5,))])
>>> t(np.array([[0, 255]], dtype=np.uint8))
tensor([[[-1.,  1.]]])
"""

from __future__ import annotations

import enum
import functools
import numbers
from collections.abc import Sequence

import numpy as np

from .. import backend as B
from .. import ops as _ops
from ..tensor import Tensor
from ._worker import worker_generator

__all__ = ["CenterCrop", "Compose", "InterpolationMode", "Lambda", "Normalize", "Pad",
           "RandomCrop", "RandomHorizontalFlip", "RandomVerticalFlip", "Resize", "ToTensor",
           "center_crop", "crop", "get_dimensions", "hflip", "normalize", "pad", "resize",
           "to_tensor", "vflip"]


class InterpolationMode(enum.Enum):
    """Interpolation methods for ``Resize`` (the ones ember implements)."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"


def _interpolation(mode) -> InterpolationMode:
    if isinstance(mode, InterpolationMode):
        return mode
    if hasattr(mode, "value") and isinstance(mode.value, str):  # e.g. torchvision's enum
        mode = mode.value
    try:
        return InterpolationMode(mode)
    except ValueError:
        raise ValueError(f"interpolation {mode!r} is not supported; use one of "
                         f"{[m.value for m in InterpolationMode]}") from None


def _check_image(img, name):
    if isinstance(img, Tensor):
        if img.ndim < 2:
            raise TypeError(f"{name}: a tensor image needs at least 2 dimensions (..., H, W), "
                            f"got shape {list(img.shape)}")
    elif isinstance(img, np.ndarray):
        if img.ndim not in (2, 3):
            raise TypeError(f"{name}: a NumPy image must be HxW or HxWxC, got shape "
                            f"{list(img.shape)}")
    else:
        raise TypeError(f"{name}: img should be a tensor or a NumPy array. Got {type(img)}")


def get_dimensions(img) -> list[int]:
    """``[channels, height, width]`` of a tensor ``(..., C, H, W)`` or a NumPy ``HxW(xC)``.

    >>> get_dimensions(ember.zeros(3, 4, 5)), get_dimensions(np.zeros((4, 5), np.uint8))
    ([3, 4, 5], [1, 4, 5])
    """
    _check_image(img, "get_dimensions")
    if isinstance(img, Tensor):
        c = 1 if img.ndim == 2 else img.shape[-3]
        return [c, img.shape[-2], img.shape[-1]]
    c = img.shape[2] if img.ndim == 3 else 1
    return [c, img.shape[0], img.shape[1]]


def _hw_axes(img):
    return (-2, -1) if isinstance(img, Tensor) else (0, 1)


def _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size."):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if not isinstance(size, Sequence) or len(size) != 2:
        raise ValueError(error_msg)
    return int(size[0]), int(size[1])


def _rand() -> float:
    return _ops.rand(1, generator=worker_generator()).item()


def _randint(high: int) -> int:
    return int(_ops.randint(0, high, (1,), generator=worker_generator()).item())


# -- conversion and normalisation ------------------------------------------------------------


def to_tensor(pic) -> Tensor:
    """A NumPy ``HxW`` or ``HxWxC`` image as a ``CxHxW`` tensor; uint8 is scaled to float in
    [0, 1] (the default dtype), other dtypes keep their values. A tensor passes through."""
    if isinstance(pic, Tensor):
        return pic
    if not isinstance(pic, np.ndarray):
        raise TypeError(f"pic should be a NumPy array (HxW or HxWxC) or a tensor. Got {type(pic)}")
    if pic.ndim not in (2, 3):
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    if pic.ndim == 2:
        pic = pic[:, :, None]
    chw = pic.transpose(2, 0, 1)
    if pic.dtype == np.uint8:
        dt = np.dtype(B.to_numpy_dtype(B.get_default_dtype())).type
        return _ops.from_numpy(np.divide(chw, dt(255), dtype=dt))  # a new contiguous array
    return _ops.from_numpy(np.ascontiguousarray(chw))


class ToTensor:
    """Convert a NumPy image (``HxW`` or ``HxWxC``, uint8 -> float in [0, 1]) to a ``CxHxW``
    tensor, like torchvision's ``ToTensor`` (which takes PIL images). Tensors pass through.

    >>> ToTensor()(np.full((2, 3), 255, dtype=np.uint8)).shape
    ember.Size([1, 2, 3])
    """

    def __call__(self, pic):
        return to_tensor(pic)

    def __repr__(self):
        return f"{type(self).__name__}()"


def normalize(tensor: Tensor, mean, std, inplace: bool = False) -> Tensor:
    """``(tensor - mean) / std`` per channel of a float tensor image ``(..., C, H, W)``."""
    return Normalize(mean, std, inplace)(tensor)


class Normalize:
    """Normalise each channel: ``out[c] = (in[c] - mean[c]) / std[c]``; a new tensor unless
    ``inplace``.

    >>> Normalize([1.0, 2.0], [2.0, 4.0])(ember.ones(2, 1, 1)).flatten()
    tensor([ 0.0000, -0.2500])
    """

    def __init__(self, mean, std, inplace: bool = False):
        self.mean = mean
        self.std = std
        self.inplace = inplace
        self._cache = {}

    def _stats(self, np_dtype):
        stats = self._cache.get(np_dtype)
        if stats is None:
            mean = np.asarray(self.mean, dtype=np_dtype)
            std = np.asarray(self.std, dtype=np_dtype)
            if (std == 0).any():
                raise ValueError(f"std evaluated to zero after conversion to "
                                 f"{B.from_numpy_dtype(np.dtype(np_dtype))}, leading to "
                                 "division by zero.")
            if mean.ndim == 1:
                mean = mean.reshape(-1, 1, 1)
            if std.ndim == 1:
                std = std.reshape(-1, 1, 1)
            stats = self._cache[np_dtype] = (mean, std)
        return stats

    def __call__(self, tensor):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
        # the common case, a CPU tensor without grad and not in place, runs in NumPy: the same
        # float arithmetic as sub then div, 5x faster than the ops
        fast = not self.inplace and tensor.is_cpu and not tensor.requires_grad
        arr = tensor.numpy() if fast else None
        np_dtype = arr.dtype if fast else np.dtype(B.to_numpy_dtype(tensor.dtype))
        if np_dtype.kind != "f":
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        shape = arr.shape if fast else tuple(tensor.shape)
        if len(shape) < 3:
            raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got "
                             f"tensor.size() = {tensor.size()}")
        mean, std = self._stats(np_dtype)
        for name, s in (("mean", mean), ("std", std)):
            if s.ndim == 3 and s.shape[0] not in (1, shape[-3]):
                raise ValueError(f"Normalize: {name} has {s.shape[0]} values but the image has "
                                 f"{shape[-3]} channels")
        if fast:
            out = arr - mean
            out /= std
            return _ops.from_numpy(out)
        m = _ops.from_numpy(mean).to(tensor.device)
        s = _ops.from_numpy(std).to(tensor.device)
        if self.inplace:
            return tensor.sub_(m).div_(s)
        return tensor.sub(m).div(s)

    def __repr__(self):
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Lambda:
    """Apply a user function as a transform.

    >>> Lambda(lambda x: x * 2)(ember.tensor([1.0]))
    tensor([2.])
    """

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return f"{type(self).__name__}()"


class Compose:
    """Apply transforms one after another.

    >>> Compose([Lambda(lambda x: x + 1), Lambda(lambda x: x * 10)])(1)
    20
    """

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        lines = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({lines}\n)"


# -- flips, crops and padding -----------------------------------------------------------------


def hflip(img):
    """The image mirrored left-right (its width axis)."""
    _check_image(img, "hflip")
    if isinstance(img, Tensor):
        return img.flip(-1)
    return np.ascontiguousarray(img[:, ::-1])


def vflip(img):
    """The image mirrored top-bottom (its height axis)."""
    _check_image(img, "vflip")
    if isinstance(img, Tensor):
        return img.flip(-2)
    return np.ascontiguousarray(img[::-1])


class RandomHorizontalFlip:
    """Mirror the image left-right with probability ``p``.

    >>> RandomHorizontalFlip(p=1.0)(ember.tensor([[[1, 2, 3]]]))
    tensor([[[3, 2, 1]]])
    """

    def __init__(self, p: float = 0.5):
        self.p = p

    def __call__(self, img):
        return hflip(img) if _rand() < self.p else img

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror the image top-bottom with probability ``p``."""

    def __call__(self, img):
        return vflip(img) if _rand() < self.p else img


def crop(img, top: int, left: int, height: int, width: int):
    """The ``height x width`` window at (``top``, ``left``); parts outside the image are
    zero-padded, as in torchvision."""
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        img = img[..., max(top, 0):min(bottom, h), max(left, 0):min(right, w)] \
            if isinstance(img, Tensor) else img[max(top, 0):min(bottom, h),
                                                max(left, 0):min(right, w)]
        pads = [max(-left, 0), max(-top, 0), max(right - w, 0), max(bottom - h, 0)]
        return pad(img, pads, fill=0)
    if isinstance(img, Tensor):
        return img[..., top:bottom, left:right]
    return img[top:bottom, left:right]


def center_crop(img, output_size):
    """The centred ``output_size`` window, zero-padding an image smaller than it."""
    crop_h, crop_w = _setup_size(output_size)
    _, h, w = get_dimensions(img)
    if crop_w > w or crop_h > h:
        img = pad(img, [(crop_w - w) // 2 if crop_w > w else 0,
                        (crop_h - h) // 2 if crop_h > h else 0,
                        (crop_w - w + 1) // 2 if crop_w > w else 0,
                        (crop_h - h + 1) // 2 if crop_h > h else 0], fill=0)
        _, h, w = get_dimensions(img)
        if crop_w == w and crop_h == h:
            return img
    top = int(round((h - crop_h) / 2.0))
    left = int(round((w - crop_w) / 2.0))
    return crop(img, top, left, crop_h, crop_w)


class CenterCrop:
    """Crop the centre ``size`` (int or ``(h, w)``) of the image.

    >>> CenterCrop(2)(ember.arange(16).view(1, 4, 4))
    tensor([[[ 5,  6],
             [ 9, 10]]])
    """

    def __init__(self, size):
        self.size = _setup_size(size)

    def __call__(self, img):
        return center_crop(img, self.size)

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size})"


_PAD_MODES = ("constant", "edge", "reflect", "symmetric")


def _padding_ltrb(padding):
    if isinstance(padding, numbers.Number):
        p = int(padding)
        return [p, p, p, p]
    if not isinstance(padding, Sequence) or len(padding) not in (1, 2, 4):
        raise ValueError("Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding) if isinstance(padding, Sequence) else padding!r}"
                         " element tuple")
    p = [int(v) for v in padding]
    if len(p) == 1:
        return p * 4
    if len(p) == 2:
        return [p[0], p[1], p[0], p[1]]
    return p


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad the image's borders: ``padding`` is an int (all sides), ``(left/right, top/bottom)``
    or ``(left, top, right, bottom)``; modes constant (with ``fill``), edge, reflect,
    symmetric as in torchvision. Negative padding crops."""
    _check_image(img, "pad")
    if padding_mode not in _PAD_MODES:
        raise ValueError(f"Padding mode should be either {', '.join(_PAD_MODES)}; "
                         f"got {padding_mode!r}")
    if not isinstance(fill, numbers.Number):
        raise TypeError(f"pad: fill must be a number, got {type(fill).__name__}")
    left, top, right, bottom = _padding_ltrb(padding)
    if min(left, top, right, bottom) < 0:  # negative padding crops
        _, h, w = get_dimensions(img)
        sl = (slice(max(-top, 0), h - max(-bottom, 0)), slice(max(-left, 0), w - max(-right, 0)))
        img = img[(Ellipsis, *sl)] if isinstance(img, Tensor) else img[sl]
        left, top, right, bottom = (max(v, 0) for v in (left, top, right, bottom))
    is_tensor = isinstance(img, Tensor)
    arr = img.detach().numpy(force=True) if is_tensor else img
    widths = [(0, 0)] * arr.ndim
    h_ax, w_ax = (arr.ndim - 2, arr.ndim - 1) if is_tensor else (0, 1)
    widths[h_ax], widths[w_ax] = (top, bottom), (left, right)
    if padding_mode == "constant":
        out = np.pad(arr, widths, mode="constant", constant_values=fill)
    else:
        out = np.pad(arr, widths, mode=padding_mode)
    if not is_tensor:
        return out
    return _ops.from_numpy(out).to(img.device)


class Pad:
    """Pad the image's borders (see ``pad``).

    >>> Pad(1)(ember.ones(1, 1, 1, dtype=ember.int64))
    tensor([[[0, 0, 0],
             [0, 1, 0],
             [0, 0, 0]]])
    """

    def __init__(self, padding, fill=0, padding_mode: str = "constant"):
        _padding_ltrb(padding)
        if padding_mode not in _PAD_MODES:
            raise ValueError(f"Padding mode should be either {', '.join(_PAD_MODES)}")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img):
        return pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self):
        return (f"{type(self).__name__}(padding={self.padding}, fill={self.fill}, "
                f"padding_mode={self.padding_mode})")


class RandomCrop:
    """Crop a random ``size`` window (after optional ``padding``; ``pad_if_needed`` pads an
    image smaller than ``size``), like torchvision.

    >>> RandomCrop(2)(ember.zeros(3, 5, 5)).shape
    ember.Size([3, 2, 2])
    """

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0,
                 padding_mode: str = "constant"):
        self.size = _setup_size(size)
        if padding is not None:
            _padding_ltrb(padding)
        if padding_mode not in _PAD_MODES:
            raise ValueError(f"Padding mode should be either {', '.join(_PAD_MODES)}")
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    @staticmethod
    def get_params(img, output_size):
        """``(top, left, height, width)`` of a random crop of ``output_size``."""
        _, h, w = get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size "
                             f"{(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        return _randint(h - th + 1), _randint(w - tw + 1), th, tw

    def __call__(self, img):
        if self.padding is not None:
            img = pad(img, self.padding, self.fill, self.padding_mode)
        _, h, w = get_dimensions(img)
        if self.pad_if_needed and w < self.size[1]:
            img = pad(img, [self.size[1] - w, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and h < self.size[0]:
            img = pad(img, [0, self.size[0] - h], self.fill, self.padding_mode)
        return crop(img, *self.get_params(img, self.size))

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


# -- resizing ---------------------------------------------------------------------------------


def _output_size(h, w, size, max_size):
    if isinstance(size, numbers.Number) or len(size) == 1:
        req = int(size) if isinstance(size, numbers.Number) else int(size[0])
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = req, int(req * long / short)
        if max_size is not None:
            if max_size <= req:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the "
                                 f"requested size for the smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_long, new_short) if w <= h else (new_short, new_long)
    if max_size is not None:
        raise ValueError("max_size should only be passed if size specifies the length of the "
                         "smaller edge, i.e. size should be an int or a sequence of length 1")
    return int(size[0]), int(size[1])


@functools.lru_cache(maxsize=64)
def _nearest_index(n_in: int, n_out: int, exact: bool) -> np.ndarray:
    # PyTorch computes these in float32: src = floor(dst * in/out) (or (dst + 0.5) * in/out)
    scale = np.float32(n_in) / np.float32(n_out)
    dst = np.arange(n_out, dtype=np.float32) + (np.float32(0.5) if exact else np.float32(0))
    return np.minimum(np.floor(dst * scale).astype(np.int64), n_in - 1)


@functools.lru_cache(maxsize=64)
def _linear_weights(n_in: int, n_out: int, antialias: bool, dtype: str) -> np.ndarray:
    """The ``(n_out, n_in)`` matrix of PyTorch's bilinear (align_corners=False) weights along
    one axis, computed in ``dtype`` like its kernels; with ``antialias`` and downscaling, the
    triangle filter stretched over the scale (``interpolate(..., antialias=True)``)."""
    t = np.dtype(dtype).type
    scale = t(n_in) / t(n_out)
    w = np.zeros((n_out, n_in), dtype=dtype)
    if antialias and scale > 1:
        support = scale  # bilinear's support (1) times the scale
        for i in range(n_out):
            center = scale * (t(i) + t(0.5))
            lo = max(int(center - support + t(0.5)), 0)
            hi = min(int(center + support + t(0.5)), n_in)
            j = np.arange(lo, hi)
            f = np.maximum(t(0), t(1) - np.abs((j - center + t(0.5)) / scale)).astype(dtype)
            total = f.sum(dtype=dtype)
            w[i, lo:hi] = f / total if total != 0 else f
        return w
    src = (scale * (np.arange(n_out, dtype=dtype) + t(0.5)) - t(0.5)).astype(dtype)
    src = np.maximum(src, t(0))
    i0 = np.floor(src).astype(np.int64)
    i0 = np.minimum(i0, n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam1 = np.clip(src - i0, 0, 1).astype(dtype)
    rows = np.arange(n_out)
    np.add.at(w, (rows, i0), t(1) - lam1)
    np.add.at(w, (rows, i1), lam1)
    return w


def resize(img, size, interpolation="bilinear", max_size=None, antialias: bool = True):
    """Resize a tensor ``(..., H, W)`` or a NumPy ``HxW(xC)`` image to ``size`` (``(h, w)``, or
    an int for the smaller edge, keeping the aspect ratio). Bilinear matches PyTorch's
    ``interpolate(mode="bilinear", align_corners=False, antialias=antialias)``; integer images
    are computed in float32, rounded and clipped back, as torchvision does."""
    _check_image(img, "resize")
    if not isinstance(size, (numbers.Number, Sequence)):
        raise TypeError(f"Size should be int or sequence. Got {type(size)}")
    if isinstance(size, Sequence) and len(size) not in (1, 2):
        raise ValueError("If size is a sequence, it should have 1 or 2 values")
    mode = _interpolation(interpolation)
    _, h, w = get_dimensions(img)
    oh, ow = _output_size(h, w, size, max_size)
    if (oh, ow) == (h, w):
        return img
    is_tensor = isinstance(img, Tensor)
    if mode is not InterpolationMode.BILINEAR:
        exact = mode is InterpolationMode.NEAREST_EXACT
        ih, iw = _nearest_index(h, oh, exact), _nearest_index(w, ow, exact)
        if is_tensor:
            dev = img.device
            out = img.index_select(-2, _ops.from_numpy(ih).to(dev))
            return out.index_select(-1, _ops.from_numpy(iw).to(dev))
        return np.ascontiguousarray(img[ih][:, iw])
    if is_tensor:
        src_dtype = img.dtype
        x = img if img.is_floating_point() else img.to(B.dtypes.float32)
        npd = B.to_numpy_dtype(x.dtype).name
        wh = _ops.from_numpy(_linear_weights(h, oh, antialias, npd)).to(x.device)
        ww = _ops.from_numpy(_linear_weights(w, ow, antialias, npd).T.copy()).to(x.device)
        out = wh @ x @ ww
        if out.dtype != src_dtype:
            info = np.iinfo(B.to_numpy_dtype(src_dtype)) if src_dtype != B.dtypes.bool_ else None
            out = out.round()
            if info is not None:
                out = out.clamp(info.min, info.max)
            out = out.to(src_dtype)
        return out
    arr = img if img.ndim == 3 else img[:, :, None]
    x = arr.transpose(2, 0, 1)
    xf = x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float32)
    npd = xf.dtype.name
    out = _linear_weights(h, oh, antialias, npd) @ xf @ _linear_weights(w, ow, antialias, npd).T
    if out.dtype != arr.dtype:
        if np.issubdtype(arr.dtype, np.integer):
            info = np.iinfo(arr.dtype)
            out = np.clip(np.round(out), info.min, info.max)
        out = out.astype(arr.dtype)
    out = out.transpose(1, 2, 0)
    return np.ascontiguousarray(out if img.ndim == 3 else out[:, :, 0])


class Resize:
    """Resize the image to ``size`` (see ``resize``); ``interpolation`` is ``"bilinear"``
    (default), ``"nearest"`` or ``"nearest-exact"`` (or an ``InterpolationMode``).

    >>> Resize((2, 2), antialias=False)(ember.arange(16.0).view(1, 4, 4))
    tensor([[[ 2.5000,  4.5000],
             [10.5000, 12.5000]]])
    >>> Resize((2, 2))(ember.arange(16.0).view(1, 4, 4))  # antialiased, as torchvision
    tensor([[[ 3.5714,  5.1429],
             [ 9.8571, 11.4286]]])
    """

    def __init__(self, size, interpolation="bilinear", max_size=None, antialias: bool = True):
        if not isinstance(size, (numbers.Number, Sequence)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size = size
        self.interpolation = _interpolation(interpolation)
        self.max_size = max_size
        self.antialias = antialias

    def __call__(self, img):
        return resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, "
                f"interpolation={self.interpolation.value}, max_size={self.max_size}, "
                f"antialias={self.antialias})")
