"""Resuming from a checkpoint continues bit for bit like the uninterrupted run."""

import numpy as np

import ember
from ember import nn
from ember.data import DataLoader, TensorDataset, datasets


def _setup():
    train = datasets.Digits()
    x = train.data.reshape(-1, 64)[:256] / 16.0
    loader = DataLoader(TensorDataset(x, train.targets[:256]), batch_size=32, shuffle=True)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 10))
    opt = ember.optim.Adam(model.parameters(), lr=1e-2)
    sched = ember.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    return loader, model, opt, sched


def _epoch(loader, model, opt, sched):
    model.train()
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
    sched.step()


def test_resume_matches_the_uninterrupted_run(tmp_path):
    ember.manual_seed(123)
    loader, model, opt, sched = _setup()
    for _ in range(3):
        _epoch(loader, model, opt, sched)
    expected = {k: v.numpy().copy() for k, v in model.state_dict().items()}

    ember.manual_seed(123)
    loader, model, opt, sched = _setup()
    _epoch(loader, model, opt, sched)
    ember.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict(), "rng": ember.get_rng_state(), "epoch": 1},
               tmp_path / "ckpt.pt")

    ember.manual_seed(999)  # a different process state: everything must come from the file
    loader, model, opt, sched = _setup()
    ckpt = ember.load(tmp_path / "ckpt.pt")
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optimizer"])
    sched.load_state_dict(ckpt["scheduler"])
    ember.set_rng_state(ckpt["rng"])
    for _ in range(ckpt["epoch"], 3):
        _epoch(loader, model, opt, sched)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), expected[k], err_msg=k)
