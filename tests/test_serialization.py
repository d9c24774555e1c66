"""ember.save / ember.load: safetensors files, no pickle, atomic writes."""

import io
import json
import os
import pickle
import struct

import numpy as np
import pytest

import ember


def test_round_trip_of_every_kind_of_object(tmp_path):
    obj = {
        "model": {"fc.weight": ember.randn(3, 2), "fc.bias": ember.zeros(3)},
        "optimizer": {"state": {0: {"step": ember.tensor(7.0), "exp_avg": ember.ones(3)}},
                      "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1]}]},
        "epoch": 4, "loss": float("nan"), "name": "run-1", "done": False, "none": None,
        "ints": ember.tensor([1, 2, 3]), "mask": ember.tensor([True, False]),
        "half": ember.ones(2, dtype=ember.float16), "array": np.arange(4, dtype=np.int32),
        "nested": [ember.tensor(1.5), (2, ember.zeros(0, 3))],
    }
    path = tmp_path / "ckpt.pt"
    ember.save(obj, path)
    back = ember.load(path)
    assert back["optimizer"]["state"][0]["step"].shape == ()
    assert back["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert back["epoch"] == 4 and np.isnan(back["loss"]) and back["name"] == "run-1"
    assert back["done"] is False and back["none"] is None
    assert back["ints"].dtype is ember.int64 and back["mask"].dtype is ember.bool
    assert back["half"].dtype is ember.float16
    assert isinstance(back["array"], np.ndarray) and back["array"].dtype == np.int32
    assert isinstance(back["nested"][1], tuple) and back["nested"][1][1].shape == (0, 3)
    np.testing.assert_array_equal(back["model"]["fc.weight"].numpy(),
                                  obj["model"]["fc.weight"].numpy())


def test_file_objects_work(tmp_path):
    buf = io.BytesIO()
    ember.save({"x": ember.arange(3)}, buf)
    buf.seek(0)
    assert ember.load(buf)["x"].tolist() == [0, 1, 2]


def test_unsupported_objects_are_refused_with_a_reason():
    with pytest.raises(TypeError, match="state_dict"):
        ember.save({"model": ember.nn.Linear(2, 2)}, io.BytesIO())


def test_a_pickle_file_is_refused_without_running_it(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps(Evil()))
    with pytest.raises(ValueError, match="not a valid safetensors"):
        ember.load(path)
    assert not (tmp_path / "pwned").exists()


def test_truncated_and_corrupt_files_are_rejected(tmp_path):
    path = tmp_path / "a.pt"
    ember.save({"w": ember.ones(100)}, path)
    data = path.read_bytes()
    (tmp_path / "short.pt").write_bytes(data[:-10])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        ember.load(tmp_path / "short.pt")
    header = json.dumps({"w": {"dtype": "F32", "shape": [10**9], "data_offsets": [0, 4]}}).encode()
    (tmp_path / "bogus.pt").write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * 4)
    with pytest.raises(ValueError, match="truncated or corrupt"):
        ember.load(tmp_path / "bogus.pt")


def test_a_crash_during_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    ember.save({"version": 1}, path)

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        ember.save({"version": 2, "w": ember.ones(10)}, path)
    monkeypatch.undo()
    assert ember.load(path) == {"version": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]


def test_map_location_cpu(tmp_path):
    ember.save({"w": ember.ones(2)}, tmp_path / "a.pt")
    assert ember.load(tmp_path / "a.pt", map_location="cpu")["w"].device == ember.device("cpu")


def test_state_dicts_cross_to_and_from_pytorch(tmp_path):
    torch = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    model = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.ReLU(), ember.nn.Linear(3, 2))
    ember.save(model.state_dict(), tmp_path / "ember.safetensors")
    loaded = st.load_file(str(tmp_path / "ember.safetensors"))
    assert sorted(loaded) == sorted(model.state_dict())
    tmodel = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    tmodel.load_state_dict(loaded)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(tmodel(torch.from_numpy(x)).detach().numpy(),
                               model(ember.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)

    st.save_file(tmodel.state_dict(), str(tmp_path / "torch.safetensors"))
    fresh = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.ReLU(), ember.nn.Linear(3, 2))
    fresh.load_state_dict(ember.load(tmp_path / "torch.safetensors"))
    np.testing.assert_allclose(fresh(ember.from_numpy(x)).detach().numpy(),
                               tmodel(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
