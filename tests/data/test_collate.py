"""default_collate / default_convert: every kind of item, against PyTorch's when installed."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import ember
from ember.data import TensorDataset, default_collate, default_convert
from ember.data.collate import collate, default_collate_fn_map

try:
    import torch
    from torch.utils.data import default_collate as torch_collate
    from torch.utils.data import default_convert as torch_convert
except ImportError:
    torch = None

Point = collections.namedtuple("Point", ["x", "y"])


def _plain(obj):
    """Tensors (either library) -> (dtype name, nested list); containers recursively."""
    if isinstance(obj, ember.Tensor):
        return ("T", str(obj.dtype).split(".")[-1], obj.tolist())
    if torch is not None and isinstance(obj, torch.Tensor):
        return ("T", str(obj.dtype).split(".")[-1], obj.tolist())
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return (type(obj).__name__, [_plain(v) for v in obj])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [_plain(v) for v in obj])
    return obj


def _batches(lib):
    t = (lambda a: ember.tensor(a)) if lib == "ember" else (lambda a: torch.tensor(a))
    return {
        "tensors": [t([1.0, 2.0]), t([3.0, 4.0])],
        "int tensors 0-d": [t(1), t(2)],
        "uint8 arrays": [np.array([1, 2], np.uint8), np.array([3, 4], np.uint8)],
        "float32 arrays": [np.zeros((2, 2), np.float32), np.ones((2, 2), np.float32)],
        "ints": [1, 2, 3],
        "floats": [1.5, 2.5],
        "bools": [True, False],
        "np float32 scalars": [np.float32(1.5), np.float32(2.0)],
        "np int32 scalars": [np.int32(1), np.int32(7)],
        "np bools": [np.bool_(True), np.bool_(False)],
        "strings": ["a", "bc"],
        "bytes": [b"a", b"b"],
        "tuples": [(t([1.0]), 0, "a"), (t([2.0]), 1, "b")],
        "lists": [[1, 2.5], [3, 4.5]],
        "namedtuples": [Point(1, 2.0), Point(3, 4.0)],
        "dicts": [{"img": np.zeros(2, np.float32), "label": 1, "meta": {"id": "x"}},
                  {"img": np.ones(2, np.float32), "label": 0, "meta": {"id": "y"}}],
    }


@pytest.mark.parametrize("kind", list(_batches("ember")))
def test_default_collate_matches_torch(kind):
    got = default_collate(_batches("ember")[kind])
    if torch is None:
        pytest.skip("PyTorch is not installed")
    assert _plain(got) == _plain(torch_collate(_batches("torch")[kind]))


def test_default_collate_expectations_without_torch():
    assert default_collate([1, 2]).dtype == ember.int64
    f = default_collate([1.5, 2.5])
    assert f.dtype == ember.float64 and f.tolist() == [1.5, 2.5]
    assert default_collate([True, False]).dtype == ember.bool
    assert default_collate([np.float32(1), np.float32(2)]).dtype == ember.float32
    a = default_collate([np.array([1, 2], np.uint8)] * 3)
    assert a.dtype == ember.uint8 and a.shape == (3, 2)
    assert default_collate(["x", "y"]) == ["x", "y"]
    out = default_collate([(ember.tensor([1.0]), 0), (ember.tensor([2.0]), 1)])
    assert isinstance(out, list) and out[0].tolist() == [[1.0], [2.0]] and out[1].tolist() == [0, 1]
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(p, Point) and p.x.tolist() == [1, 3] and p.y.dtype == ember.float64
    d = default_collate([{"a": 1, "b": "s"}, {"a": 2, "b": "t"}])
    assert d["a"].tolist() == [1, 2] and d["b"] == ["s", "t"]


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match=r"item 0 has shape \[3\] but item 1 has shape \[4\]"):
        default_collate([ember.zeros(3), ember.zeros(4)])
    with pytest.raises(RuntimeError, match=r"shape \[2, 2\].*shape \[2, 3\]"):
        default_collate([np.zeros((2, 2)), np.zeros((2, 3))])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="found <class 'object'>"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(KeyError, match="lacks the key"):
        default_collate([{"a": 1, "b": 2}, {"a": 1}])


def test_default_collate_of_tensor_dataset_columns_is_the_per_item_result():
    ds = TensorDataset(ember.arange(20.0).view(10, 2), ember.arange(10))
    idx = [7, 2, 2, 9]
    fast = default_collate(ds.__getitems__(idx))
    slow = collate([ds[i] for i in idx], collate_fn_map=default_collate_fn_map)
    assert isinstance(fast, list) and len(fast) == 2
    for a, b in zip(fast, slow):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tolist() == b.tolist()


def test_collate_with_custom_map():
    fn_map = dict(default_collate_fn_map)
    fn_map[str] = lambda batch, collate_fn_map=None: "".join(batch)
    assert collate([("a", 1), ("b", 2)], collate_fn_map=fn_map)[0] == "ab"


def test_default_convert():
    out = default_convert({"a": np.arange(3), "b": (np.float32(2), "s"), "c": [1, 2]})
    assert out["a"].tolist() == [0, 1, 2] and out["a"].dtype == ember.int64
    assert isinstance(out["b"], list) and out["b"][0].dtype == ember.float32 and out["b"][1] == "s"
    assert out["c"] == [1, 2]  # Python numbers stay as they are
    t = ember.ones(2)
    assert default_convert(t) is t
    strs = np.array(["a"])
    assert default_convert(strs) is strs
    p = default_convert(Point(np.int32(1), "y"))
    assert isinstance(p, Point) and p.x.dtype == ember.int32
    if torch is not None:
        sample = [np.array([1, 2]), (np.float64(1.0), "a"), {"k": np.bool_(True)}]
        assert _plain(default_convert(sample)) == _plain(torch_convert(sample))
