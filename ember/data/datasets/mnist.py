"""MNIST and Fashion-MNIST (torchvision's classes and signatures), and the IDX file reader.

The four files (``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``, gzipped or not) are looked for in
``root``, then ``root/<ClassName>/raw/`` (torchvision's layout, where ``download=True`` puts
them), then, for Fashion-MNIST, ``/usr/share/datasets/fashion-mnist/`` (Debian's
``dataset-fashion-mnist`` package). Local files are trusted as they are (re-compressed copies
have other gz checksums); only downloads are checked against the canonical MD5s.

Items are ``(image, target)``: the image a 28x28 uint8 NumPy array (torchvision gives a PIL
image; ``transforms.ToTensor`` takes either to a 1x28x28 float tensor), the target an int.
"""

from __future__ import annotations

import os
import struct

import numpy as np

from ... import ops as _ops
from .._download import download_from_mirrors
from ..dataset import Dataset

__all__ = ["FashionMNIST", "MNIST", "read_idx"]

# IDX type codes (the third byte of the magic number) -> big-endian NumPy dtypes
_IDX_TYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _read_bytes(path) -> bytes:
    import gzip
    import zlib

    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x1f\x8b":  # not gzip: an uncompressed IDX file
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise ValueError(f"{path}: corrupt or truncated gzip data ({e}); delete the file and "
                         "fetch it again") from None


def read_idx(path) -> np.ndarray:
    """Read an IDX file (gzipped or not) into a NumPy array of its dtype and shape.

    The format: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64), the number of dimensions, each dimension as a big-endian
    uint32, then the data, big-endian, row-major. Raises ``ValueError`` naming the file for a
    bad magic number, an unknown type code or a data size that doesn't match the header.
    """
    path = os.fspath(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise ValueError(f"{path}: not an IDX file (only {len(data)} bytes)")
    if data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path}: not an IDX file: the magic number 0x{data[:4].hex()} must "
                         "start with two zero bytes")
    code, ndim = data[2], data[3]
    if code not in _IDX_TYPES:
        raise ValueError(f"{path}: unknown IDX type code 0x{code:02x} (known: "
                         f"{', '.join(f'0x{c:02x}' for c in _IDX_TYPES)})")
    if ndim == 0:
        raise ValueError(f"{path}: IDX header declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path}: truncated IDX header ({ndim} dimensions need {header} bytes, "
                         f"the file has {len(data)})")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    dtype = np.dtype(_IDX_TYPES[code])
    count = int(np.prod(dims, dtype=np.int64))
    expected, actual = count * dtype.itemsize, len(data) - header
    if actual != expected:
        raise ValueError(f"{path}: the IDX header promises shape {list(dims)} of {dtype.name} "
                         f"({expected} bytes) but the file holds {actual} bytes of data "
                         f"({'truncated' if actual < expected else 'trailing bytes'})")
    arr = np.frombuffer(data, dtype=dtype, count=count, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="))  # a writable copy in native byte order


class MNIST(Dataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test 28x28 grey images.

    ``MNIST(root, train=True, transform=None, target_transform=None, download=False)`` as in
    torchvision; ``.data`` is a uint8 tensor (N, 28, 28), ``.targets`` an int64 tensor.

    >>> ds = MNIST("/work/shared/datasets/mnist")  # doctest: +SKIP
    >>> img, label = ds[0]; img.shape, img.dtype, label  # doctest: +SKIP
    ((28, 28), dtype('uint8'), 5)
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]
    system_dirs: tuple[str, ...] = ()  # read-only folders searched after root

    def __init__(self, root, train: bool = True, transform=None, target_transform=None,
                 download: bool = False):
        if isinstance(root, (str, os.PathLike)):
            root = os.path.expanduser(os.fspath(root))
        self.root = root
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        if download:
            self.download()
        images, labels = self._load_data()
        self.data = _ops.from_numpy(images)
        self.targets = _ops.from_numpy(labels.astype(np.int64))

    @property
    def raw_folder(self) -> str | None:
        return None if self.root is None else os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def _search_dirs(self) -> list[str]:
        dirs = [] if self.root is None else [self.root, self.raw_folder]
        return dirs + list(self.system_dirs)

    def _find(self, filename: str) -> str | None:
        """The first readable copy of ``filename`` (or of its uncompressed form)."""
        names = [filename, filename[:-3]] if filename.endswith(".gz") else [filename]
        for d in self._search_dirs():
            for name in names:
                path = os.path.join(d, name)
                if os.path.isfile(path):
                    return path
        return None

    def _check_exists(self) -> bool:
        return all(self._find(name) is not None for name, _ in self.resources)

    def _hint(self) -> str:
        where = " or ".join(self._search_dirs()) or "a folder you pass as root"
        names = ", ".join(name for name, _ in self.resources)
        return (f"Without a network, copy the files ({names}; gzipped or not) into {where} "
                "yourself.")

    def download(self) -> None:
        """Fetch the files that are not here yet into ``raw_folder``, checking their MD5s."""
        if self.root is None:
            raise ValueError(f"{type(self).__name__}: download=True needs a root folder")
        for filename, md5 in self.resources:
            if self._find(filename) is None:
                download_from_mirrors(self.mirrors, filename, self.raw_folder, md5,
                                      hint=self._hint())

    def _load_data(self):
        prefix = "train" if self.train else "t10k"
        names = [f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz"]
        paths = [self._find(n) for n in names]
        missing = [n for n, p in zip(names, paths) if p is None]
        if missing:
            dirs = self._search_dirs()
            raise RuntimeError(
                f"{type(self).__name__}: dataset not found: {', '.join(missing)} "
                f"(gzipped or not) {'is' if len(missing) == 1 else 'are'} in none of "
                f"{dirs or '[] (root is None)'}. Pass download=True to fetch the files, or "
                "copy them into one of those folders."
            )
        images, labels = read_idx(paths[0]), read_idx(paths[1])
        if images.ndim != 3 or images.dtype != np.uint8:
            raise ValueError(f"{paths[0]}: expected uint8 images of 3 dimensions, got "
                             f"{images.dtype} of shape {list(images.shape)}")
        if labels.ndim != 1 or labels.dtype != np.uint8:
            raise ValueError(f"{paths[1]}: expected 1-d uint8 labels, got {labels.dtype} of "
                             f"shape {list(labels.shape)}")
        if len(images) != len(labels):
            raise ValueError(f"{paths[0]} holds {len(images)} images but {paths[1]} holds "
                             f"{len(labels)} labels")
        return images, labels

    def __getitem__(self, index):
        img = self.data.numpy()[index].copy()
        target = int(self.targets.numpy()[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"

    def __repr__(self):
        body = [f"Number of datapoints: {len(self)}", f"Root location: {self.root}"]
        body += self.extra_repr().splitlines()
        if self.transform is not None:
            body += _indent_first("Transform: ", repr(self.transform))
        if self.target_transform is not None:
            body += _indent_first("Target transform: ", repr(self.target_transform))
        return "\n".join([f"Dataset {type(self).__name__}"] + ["    " + line for line in body])


def _indent_first(head: str, text: str) -> list[str]:
    lines = text.splitlines()
    return [head + lines[0]] + [" " * len(head) + line for line in lines[1:]]


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 60,000 + 10,000 28x28 grey images of 10 kinds of clothing.

    As ``MNIST``; also reads ``/usr/share/datasets/fashion-mnist/`` (Debian's
    ``dataset-fashion-mnist``) when ``root`` lacks the files, and ``root`` may be None to read
    only there.

    >>> ds = FashionMNIST(None, train=False)  # doctest: +SKIP
    >>> len(ds), ds.classes[ds[0][1]]  # doctest: +SKIP
    (10000, 'Ankle boot')
    """

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
    system_dirs = ("/usr/share/datasets/fashion-mnist",)
