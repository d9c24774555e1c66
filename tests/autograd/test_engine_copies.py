"""A fresh gradient array becomes a leaf's ``.grad`` without a copy (copies are only for
gradients someone else can see), even when Python reuses the ids of freed tensors."""

import numpy as np

import ember
from ember.autograd import engine


def test_fresh_gradients_are_kept_not_copied(monkeypatch):
    copied = []
    store = engine._store_leaf_grad

    def spy(leaf, grad, create_graph, handed):
        fresh = leaf._grad is None
        store(leaf, grad, create_graph, handed)
        if fresh and leaf._grad._data is not grad._data:
            copied.append(tuple(leaf.shape))

    monkeypatch.setattr(engine, "_store_leaf_grad", spy)
    ember.manual_seed(0)
    model = ember.nn.Sequential(ember.nn.Linear(6, 5), ember.nn.ReLU(), ember.nn.Linear(5, 4),
                                ember.nn.ReLU(), ember.nn.Linear(4, 3))
    x = ember.randn(8, 6)
    y = ember.tensor(np.arange(8) % 3)
    for _ in range(5):  # several steps: freed gradient tensors' ids get reused
        model.zero_grad()
        ember.nn.functional.cross_entropy(model(x), y).backward()
    assert copied == []
