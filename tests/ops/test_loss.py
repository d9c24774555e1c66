"""Class losses (``cross_entropy``, ``nll_loss``): parity with PyTorch and gradcheck from one
table, covering index and probability targets, ignore_index, class weights, label smoothing,
every reduction and (N, C, d) inputs; then the target errors."""

import numpy as np
import pytest

import ember
from tests.helpers import OpCase, parametrize_cases, torch

if torch is not None:
    import torch.nn.functional as TF


def F(m):
    return TF if m is not ember else ember.nn.functional


def W(m, like):
    """Class weights 0.5, 1.0, 1.5, 2.0 in the library and dtype of ``like``."""
    return m.tensor([0.5, 1.0, 1.5, 2.0], dtype=like.dtype)


def ce(**kw):
    return lambda m, x, y: F(m).cross_entropy(x, y, **kw)


def ce_w(**kw):
    return lambda m, x, y: F(m).cross_entropy(x, y, weight=W(m, x), **kw)


IDX = dict(int_inputs=(1,), int_high=4)
CASES = [
    OpCase("cross_entropy", ce(), [(6, 4), (6,)], id="ce-mean", **IDX),
    OpCase("cross_entropy", ce(reduction="sum"), [(6, 4), (6,)], id="ce-sum", **IDX),
    OpCase("cross_entropy", ce(reduction="none"), [(6, 4), (6,)], id="ce-none", **IDX),
    OpCase("cross_entropy", ce(ignore_index=0), [(8, 4), (8,)], id="ce-ignore", **IDX),
    OpCase("cross_entropy", ce(ignore_index=1, reduction="none"), [(8, 4), (8,)],
           id="ce-ignore-none", **IDX),
    OpCase("cross_entropy", ce_w(), [(6, 4), (6,)], id="ce-weight", **IDX),
    OpCase("cross_entropy", ce_w(ignore_index=2), [(8, 4), (8,)], id="ce-weight-ignore", **IDX),
    OpCase("cross_entropy", ce(label_smoothing=0.1), [(6, 4), (6,)], id="ce-smoothing", **IDX),
    OpCase("cross_entropy", ce_w(label_smoothing=0.2, ignore_index=3), [(8, 4), (8,)],
           id="ce-smoothing-weight-ignore", **IDX),
    OpCase("cross_entropy", ce(), [(3, 4, 5), (3, 5)], id="ce-spatial", **IDX),
    OpCase("cross_entropy", ce(), [(4,), ()], id="ce-unbatched", **IDX),
    OpCase("cross_entropy", lambda m, x, p: F(m).cross_entropy(x, p.softmax(1)),
           [(5, 4), (5, 4)], id="ce-probabilities", grad=False),
    OpCase("nll_loss", lambda m, x, y: F(m).nll_loss(x.log_softmax(1), y), [(6, 4), (6,)],
           id="nll-mean", **IDX),
    OpCase("nll_loss", lambda m, x, y: F(m).nll_loss(x.log_softmax(1), y, weight=W(m, x),
                                                     ignore_index=0), [(8, 4), (8,)],
           id="nll-weight-ignore", **IDX),
]

test_parity, test_gradcheck = parametrize_cases(CASES)


@pytest.mark.parametrize("target", [4, -1])
def test_out_of_range_target_names_the_class_range(target):
    x = ember.zeros(3, 4)
    with pytest.raises(IndexError, match=rf"target {target} is out of bounds.*\[0, 3\]"):
        ember.nn.functional.cross_entropy(x, ember.tensor([0, target, 1]))


def test_ignored_targets_may_be_out_of_range():
    x = ember.tensor([[1.0, 2.0], [3.0, 0.5]], requires_grad=True)
    loss = ember.nn.functional.cross_entropy(x, ember.tensor([-100, 1]))
    expected = -np.log(np.exp(0.5) / (np.exp(3.0) + np.exp(0.5)))
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy()[0], [0.0, 0.0])


def test_mean_loss_is_float32_for_float32_logits():
    loss = ember.nn.functional.cross_entropy(ember.zeros(5, 3), ember.tensor([0, 1, 2, 0, 1]))
    assert loss.dtype is ember.float32
    assert loss.item() == pytest.approx(np.log(3), rel=1e-6)


def test_every_target_ignored_gives_nan_and_zero_gradients_like_torch():
    x = ember.zeros(2, 3, requires_grad=True)
    loss = ember.nn.functional.cross_entropy(x, ember.tensor([-100, -100]))
    assert np.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 3)))  # as torch
    if torch is not None:
        t = torch.zeros(2, 3, requires_grad=True)
        tl = TF.cross_entropy(t, torch.tensor([-100, -100]))
        tl.backward()
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
