"""ember.keras.datasets: mnist / fashion_mnist load_data from local files (synthetic files
here; the real ones when present, skipping cleanly otherwise)."""

from __future__ import annotations

import gzip
import os
import struct

import numpy as np
import pytest

from ember.keras.datasets import fashion_mnist, mnist

MNIST_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "datasets",
                         "mnist")
FASHION_DIR = "/usr/share/datasets/fashion-mnist"


def _idx(arr: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + arr.astype(np.uint8).tobytes()


def _write_idx(folder, n_train=7, n_test=3, compress=True, seed=0):
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    arrays = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        arrays[prefix] = (images, labels)
        for kind, arr in (("images-idx3", images), ("labels-idx1", labels)):
            name = f"{prefix}-{kind}-ubyte"
            data = _idx(arr)
            if compress:
                name, data = name + ".gz", gzip.compress(data, mtime=0)
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
    return arrays


def _check_split(got, expected):
    (x_train, y_train), (x_test, y_test) = got
    np.testing.assert_array_equal(x_train, expected["train"][0])
    np.testing.assert_array_equal(y_train, expected["train"][1])
    np.testing.assert_array_equal(x_test, expected["t10k"][0])
    np.testing.assert_array_equal(y_test, expected["t10k"][1])
    for arr in (x_train, y_train, x_test, y_test):
        assert isinstance(arr, np.ndarray) and arr.dtype == np.uint8


@pytest.mark.parametrize("compress", [True, False])
def test_load_from_a_folder_of_idx_files(tmp_path, compress):
    expected = _write_idx(tmp_path / "digits", compress=compress)
    _check_split(mnist.load_data(path=tmp_path / "digits"), expected)
    _check_split(fashion_mnist.load_data(path=str(tmp_path / "digits")), expected)


def test_torchvision_raw_layout(tmp_path):
    expected = _write_idx(tmp_path / "MNIST" / "raw")
    _check_split(mnist.load_data(path=tmp_path / "MNIST"), expected)


def test_load_keras_npz_and_the_cache_folder(tmp_path, monkeypatch):
    expected = _write_idx(tmp_path / "src")
    (x_train, y_train), (x_test, y_test) = mnist.load_data(path=tmp_path / "src")
    cache = tmp_path / "home" / "datasets"
    cache.mkdir(parents=True)
    np.savez(cache / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test,
             y_test=y_test)
    _check_split(mnist.load_data(path=cache / "mnist.npz"), expected)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    _check_split(mnist.load_data(), expected)  # $KERAS_HOME/datasets/mnist.npz
    _check_split(mnist.load_data(path="mnist.npz"), expected)  # Keras's cache-relative name
    fashion = _write_idx(cache / "fashion-mnist", seed=3)
    _check_split(fashion_mnist.load_data(), fashion)


def test_missing_files_say_where_they_were_looked_for(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match=r"mnist.load_data\(\): dataset files not "
                                                r"found.*mnist.npz.*train-images-idx3-ubyte"
                                                r".*nowhere.*mnist.npz into ~/.keras/datasets"):
        mnist.load_data()
    (tmp_path / "half").mkdir()
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        fashion_mnist.load_data(path=tmp_path / "half")


def test_a_bad_npz_is_named(tmp_path):
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match=r"other.npz: not a Keras dataset file"):
        mnist.load_data(path=tmp_path / "other.npz")


@pytest.mark.skipif(not os.path.isdir(MNIST_DIR), reason="the shared MNIST files are absent")
def test_real_mnist():
    (x_train, y_train), (x_test, y_test) = mnist.load_data(path=MNIST_DIR)
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    np.testing.assert_array_equal(y_train[:5], [5, 0, 4, 1, 9])


@pytest.mark.skipif(not os.path.isdir(FASHION_DIR),
                    reason="dataset-fashion-mnist is not installed")
def test_real_fashion_mnist(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # no cache: the Debian folder is used
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.dtype == np.uint8 and set(np.unique(y_test)) == set(range(10))
    np.testing.assert_array_equal(y_test[:3], [9, 2, 1])
