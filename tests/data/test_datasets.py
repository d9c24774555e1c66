"""MNIST / FashionMNIST / Digits and the IDX reader (real data skips cleanly when absent)."""

from __future__ import annotations

import gzip
import os
import pathlib

import numpy as np
import pytest

import ember
from ember.data import DataLoader
from ember.data import transforms as T
from ember.data.datasets import MNIST, Digits, FashionMNIST, read_idx

from .idx_files import gz, idx_bytes, mnist_like

SHARED_MNIST = pathlib.Path(__file__).resolve().parents[3] / "shared" / "datasets" / "mnist"
DEBIAN_FASHION = pathlib.Path("/usr/share/datasets/fashion-mnist")


# -- the IDX reader ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["uint8", "int8", ">i2", ">i4", ">f4", ">f8"])
@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_roundtrip(tmp_path, dtype, compress):
    arr = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    data = idx_bytes(arr)
    path = tmp_path / "a.idx"
    path.write_bytes(gz(data) if compress else data)
    got = read_idx(path)
    assert got.shape == (2, 3, 4) and got.dtype == arr.dtype.newbyteorder("=")
    np.testing.assert_array_equal(got, arr)
    got[0, 0, 0] = 1  # writable


def test_read_idx_errors(tmp_path):
    good = idx_bytes(np.zeros((3, 2), np.uint8))
    cases = {
        "magic.idx": (b"\x01" + good[1:], "two zero bytes"),
        "code.idx": (good[:2] + b"\x07" + good[3:], "unknown IDX type code 0x07"),
        "short.idx": (good[:-1], "truncated"),
        "long.idx": (good + b"\x00", "trailing bytes"),
        "tiny.idx": (b"\x00\x00", "only 2 bytes"),
        "header.idx": (good[:6], "truncated IDX header"),
        "trunc.gz": (gz(good)[:-6], "corrupt or truncated gzip"),
    }
    for name, (data, msg) in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        with pytest.raises(ValueError, match=msg) as err:
            read_idx(p)
        assert name in str(err.value)


# -- MNIST-style datasets on synthetic files --------------------------------------------------


def _write(folder, files, compress=True):
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        if compress:
            (folder / name).write_bytes(data)
        else:
            (folder / name[:-3]).write_bytes(gzip.decompress(data))


@pytest.mark.parametrize("layout", ["root", "raw", "raw-uncompressed"])
def test_mnist_reads_root_or_raw_folder(tmp_path, layout):
    files = mnist_like()
    folder = tmp_path if layout == "root" else tmp_path / "MNIST" / "raw"
    _write(folder, files, compress=layout != "raw-uncompressed")
    train = MNIST(tmp_path)
    test = MNIST(str(tmp_path), train=False)
    assert len(train) == 12 and len(test) == 5
    assert train.data.dtype == ember.uint8 and train.data.shape == (12, 28, 28)
    assert train.targets.dtype == ember.int64 and train.targets.tolist()[:3] == [0, 1, 2]
    img, target = train[3]
    assert isinstance(img, np.ndarray) and img.shape == (28, 28) and img.dtype == np.uint8
    assert isinstance(target, int) and target == 3
    ref = read_idx(folder / ("train-images-idx3-ubyte" + (".gz" if layout != "raw-uncompressed"
                                                           else "")))
    np.testing.assert_array_equal(img, ref[3])
    assert train.class_to_idx["3 - three"] == 3 and len(train.classes) == 10
    assert "Split: Test" in repr(test) and "Number of datapoints: 5" in repr(test)


def test_mnist_transforms_and_loader(tmp_path):
    _write(tmp_path, mnist_like())
    ds = MNIST(tmp_path, transform=T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))]),
               target_transform=lambda y: y * 10)
    x, y = ds[1]
    assert x.shape == (1, 28, 28) and x.dtype == ember.float32 and y == 10
    assert -1.0 <= float(x.min()) and float(x.max()) <= 1.0
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert xb.shape == (4, 1, 28, 28) and yb.tolist() == [0, 10, 20, 30]
    assert "Transform: Compose(" in repr(ds)


def test_mnist_missing_files_error(tmp_path):
    with pytest.raises(RuntimeError, match="download=True") as err:
        MNIST(tmp_path)
    assert "train-images-idx3-ubyte.gz" in str(err.value) and str(tmp_path) in str(err.value)


def test_mnist_corrupt_local_file_is_named(tmp_path):
    files = mnist_like()
    files["train-labels-idx1-ubyte.gz"] = gz(idx_bytes(np.zeros(11, np.uint8)))
    _write(tmp_path, files)
    with pytest.raises(ValueError, match="12 images but .* 11 labels"):
        MNIST(tmp_path)
    files["train-labels-idx1-ubyte.gz"] = gz(idx_bytes(np.zeros((12, 2), np.uint8)))
    _write(tmp_path, files)
    with pytest.raises(ValueError, match="1-d uint8 labels"):
        MNIST(tmp_path)


def test_local_files_need_no_canonical_checksum(tmp_path):
    _write(tmp_path, mnist_like())  # synthetic files: their MD5s match nothing canonical
    assert len(MNIST(tmp_path, download=True)) == 12  # present, so nothing is downloaded


# -- the real data, where this machine has it -------------------------------------------------


@pytest.fixture(scope="module")
def mnist_train():
    if not (SHARED_MNIST / "train-images-idx3-ubyte.gz").exists():
        pytest.skip(f"MNIST is not at {SHARED_MNIST}")
    return MNIST(SHARED_MNIST)


def test_real_mnist(mnist_train):
    assert len(mnist_train) == 60000
    assert mnist_train.targets[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    pixels = mnist_train.data.numpy().astype(np.float64) / 255
    assert abs(pixels.mean() - 0.1307) < 5e-4 and abs(pixels.std() - 0.3081) < 5e-4
    assert np.bincount(mnist_train.targets.numpy()).tolist()[:2] == [5923, 6742]
    test = MNIST(SHARED_MNIST, train=False)
    assert len(test) == 10000 and test.targets[:5].tolist() == [7, 2, 1, 0, 4]


def test_real_mnist_loader_normalized(mnist_train):
    mnist_train.transform = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
    try:
        x, y = next(iter(DataLoader(mnist_train, batch_size=1000)))
    finally:
        mnist_train.transform = None
    assert x.shape == (1000, 1, 28, 28) and abs(float(x.mean())) < 0.05
    assert 0.9 < float(x.std()) < 1.1


@pytest.mark.skipif(not (DEBIAN_FASHION / "t10k-images-idx3-ubyte.gz").exists(),
                    reason="dataset-fashion-mnist is not installed")
def test_fashion_mnist_from_debian_package(tmp_path):
    test = FashionMNIST(tmp_path, train=False)  # root lacks the files: the system folder
    assert len(test) == 10000 and test.data.shape == (10000, 28, 28)
    assert test.classes[test[0][1]] == "Ankle boot"
    assert np.bincount(test.targets.numpy()).tolist() == [1000] * 10
    assert len(FashionMNIST(None)) == 60000
    with pytest.raises(RuntimeError, match="dataset not found"):
        MNIST(tmp_path)  # MNIST does not look there


# -- Digits -----------------------------------------------------------------------------------


def test_digits():
    train, test = Digits(), Digits(train=False)
    assert len(train) + len(test) == 1797 and (len(train), len(test)) == (1438, 359)
    assert train.data.shape == (1438, 8, 8) and train.data.dtype == ember.float32
    assert train.targets.dtype == ember.int64
    assert sorted(set(train.targets.tolist())) == list(range(10)) == sorted(
        set(test.targets.tolist()))
    assert min(np.bincount(test.targets.numpy())) >= 30
    img, y = train[0]
    assert img.shape == (8, 8) and img.dtype == np.float32 and y == int(train.targets[0])
    assert img.min() >= 0 and img.max() <= 16 and float(train.data.max()) == 16.0
    # stratified: every class splits 80/20 to within one image, and the parts are disjoint
    for c in range(10):
        n_tr, n_te = int((train.targets == c).sum()), int((test.targets == c).sum())
        assert abs(n_tr - 0.8 * (n_tr + n_te)) <= 1
    rows = {r.tobytes() for r in train.data.numpy()}
    assert sum(r.tobytes() in rows for r in test.data.numpy()) < 5  # a few digits repeat exactly
    x = T.ToTensor()(img)
    assert x.shape == (1, 8, 8)
    assert len(Digits(split=0.5)) + len(Digits(False, split=0.5)) == 1797
    assert len(train.classes) == 10 and train.class_to_idx["7"] == 7
    before = train.data.numpy().copy()
    img[:] = 0  # items are copies: the dataset is not changed through them
    np.testing.assert_array_equal(train.data.numpy(), before)
    with pytest.raises(TypeError, match="takes a bool"):
        Digits("data")
    with pytest.raises(ValueError, match="split"):
        Digits(split=1.0)


def test_digits_file_is_package_data():
    path = pathlib.Path(ember.data.datasets.__file__).parent / "digits.csv.gz"
    assert path.is_file() and 40_000 < os.path.getsize(path) < 80_000
