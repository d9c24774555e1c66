"""The UCI optical recognition of handwritten digits data: 1,797 8x8 images of the digits 0-9,
bundled with ember (``digits.csv.gz``, 57 KB), so it needs no download and no network.

Source: E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine
Learning Repository (1998),
https://archive.ics.uci.edu/ml/datasets/Optical+Recognition+of+Handwritten+Digits, licensed
under CC BY 4.0
(https://creativecommons.org/licenses/by/4.0/). This is the test part of that data (43 writers'
32x32 bitmaps, each 4x4 block counted into one pixel, 0-16), as scikit-learn ships it in
``sklearn/datasets/data/digits.csv.gz`` (each row: 64 pixel values, then the label); the
file is copied unchanged from scikit-learn 1.9.1.
"""

from __future__ import annotations

import functools

import numpy as np

from ... import ops as _ops
from ..dataset import Dataset

__all__ = ["Digits"]

N_SAMPLES = 1797


@functools.lru_cache(maxsize=1)
def _load() -> tuple[np.ndarray, np.ndarray]:
    import gzip
    import io
    from importlib import resources

    raw = resources.files(__package__).joinpath("digits.csv.gz").read_bytes()
    table = np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",", dtype=np.float32)
    if table.shape != (N_SAMPLES, 65):
        raise ValueError(f"digits.csv.gz: expected {N_SAMPLES} rows of 65 values, got "
                         f"{table.shape}; the packaged file is damaged")
    images = table[:, :64].reshape(-1, 8, 8)
    labels = table[:, 64].astype(np.int64)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def _split_indices(labels: np.ndarray, split: float, train: bool) -> np.ndarray:
    """Row indices of the stratified, seeded train or test part (in file order)."""
    rng = np.random.Generator(np.random.PCG64(0))
    chosen = []
    for c in range(10):
        rows = rng.permutation(np.flatnonzero(labels == c))
        n_train = int(np.floor(split * len(rows) + 0.5))
        chosen.append(rows[:n_train] if train else rows[n_train:])
    return np.sort(np.concatenate(chosen))


class Digits(Dataset):
    """The bundled 8x8 handwritten digits (see the module docstring for the source).

    The split is fixed and stratified: within each class the rows are shuffled once with
    NumPy's PCG64 seeded 0, and the first ``split`` share of each class (rounded half up)
    trains, the rest tests (1,438 / 359 with the default 0.8). A random split like
    scikit-learn's ``train_test_split`` is what most digits tutorials use; the file's own order
    groups writers, so "the last 20%" would test on writers never seen in training.
    Items are ``(image, target)``: an 8x8 float32 NumPy array with values 0-16 (``ToTensor``
    keeps them; divide by 16 for [0, 1]) and an int. ``.data`` is a float32 tensor
    (N, 8, 8), ``.targets`` an int64 tensor. ``root`` is accepted and ignored.

    >>> train, test = Digits(), Digits(train=False)
    >>> len(train), len(test), train[0][0].shape
    (1438, 359, (8, 8))
    """

    classes = [str(d) for d in range(10)]

    def __init__(self, train: bool = True, transform=None, target_transform=None,
                 split: float = 0.8, *, root=None):
        if not isinstance(train, bool):
            raise TypeError(f"Digits(train=...) takes a bool, got {train!r}; the data ships "
                            "with ember, so there is no root argument to pass first")
        if not 0 < split < 1:
            raise ValueError(f"Digits: split must be a fraction in (0, 1), got {split}")
        images, labels = _load()
        part = _split_indices(labels, split, train)
        self.root = root
        self.train = train
        self.split = split
        self.transform = transform
        self.target_transform = target_transform
        self.data = _ops.from_numpy(images[part].copy())
        self.targets = _ops.from_numpy(labels[part].copy())

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

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

    def __repr__(self):
        return (f"Dataset Digits\n    Number of datapoints: {len(self)}\n"
                f"    Split: {'Train' if self.train else 'Test'} ({self.split:g} of "
                f"{N_SAMPLES})")
