"""Keras normalization layers: BatchNormalization, LayerNormalization, GroupNormalization,
UnitNormalization — shapes, Keras parameter counts and initial values, PyTorch parity (values and
gradients), Keras's moving-statistics rule, masks, configs and errors."""

import numpy as np
import pytest

import ember
from ember.keras.layers import (
    BatchNormalization,
    GroupNormalization,
    Input,
    LayerNormalization,
    UnitNormalization,
)

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-5, 1e-5


def rand(*shape, seed=0):
    return np.random.RandomState(seed).randn(*shape).astype("float32")


def close(a, b, rtol=RTOL, atol=ATOL):
    a = a.detach().numpy() if isinstance(a, ember.Tensor) else np.asarray(a)
    if isinstance(b, (ember.Tensor, torch.Tensor)):
        b = b.detach().numpy()
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def roundtrip(layer, x):
    """from_config(get_config()) builds an equivalent layer (same output with same weights)."""
    clone = type(layer).from_config(layer.get_config())
    clone(x)
    clone.set_weights(layer.get_weights())
    close(clone(x), layer(x))
    return clone


# -- BatchNormalization ------------------------------------------------------------------------

def test_batchnorm_weights_counts_and_initial_values():
    bn = BatchNormalization()
    bn(rand(4, 5, 5, 32))
    assert bn.count_params() == 128
    assert [tuple(w.shape) for w in bn.trainable_weights] == [(32,), (32,)]
    assert len(bn.non_trainable_weights) == 2
    gamma, beta, mean, var = bn.get_weights()
    assert (gamma == 1).all() and (beta == 0).all() and (mean == 0).all() and (var == 1).all()
    assert bn.momentum == 0.99 and bn.epsilon == 1e-3
    nc = BatchNormalization(center=False, scale=False)
    nc(rand(4, 3))
    assert nc.count_params() == 6 and nc.trainable_weights == []


def test_batchnorm_symbolic_shape():
    assert BatchNormalization()(Input(shape=(28, 28, 3))).shape == (None, 28, 28, 3)


def _torch_bn_channels_last(x, momentum=0.01):
    tb = torch.nn.BatchNorm2d(x.shape[-1], eps=1e-3, momentum=momentum)
    return tb, tb(torch.tensor(x).permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


def test_batchnorm_training_parity_and_gradients():
    x = rand(6, 4, 5, 3)
    bn = BatchNormalization()
    bn(x)
    bn.set_weights([rand(3, seed=1), rand(3, seed=2), np.zeros(3), np.ones(3)])
    xe = ember.tensor(x, requires_grad=True)
    y = bn(xe, training=True)
    tb, ty = _torch_bn_channels_last(x)
    with torch.no_grad():
        tb.weight.copy_(torch.tensor(rand(3, seed=1)))
        tb.bias.copy_(torch.tensor(rand(3, seed=2)))
    xt = torch.tensor(x, requires_grad=True)
    ty = tb(xt.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
    close(y, ty)
    g = rand(*x.shape, seed=3)
    (y * ember.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    close(xe.grad, xt.grad)
    close(bn.gamma.grad, tb.weight.grad)
    close(bn.beta.grad, tb.bias.grad)


def test_batchnorm_moving_statistics_follow_keras_rule_with_biased_variance():
    x = rand(8, 3, 4)
    bn = BatchNormalization(momentum=0.9)
    bn(x, training=True)
    flat = x.reshape(-1, 4)
    close(bn.moving_mean, 0.1 * flat.mean(0))
    close(bn.moving_variance, 0.9 + 0.1 * flat.var(0))  # biased (ddof=0), unlike PyTorch
    bn(x, training=True)
    close(bn.moving_mean, 0.19 * flat.mean(0))


def test_batchnorm_inference_uses_moving_statistics():
    x = rand(5, 4)
    bn = BatchNormalization(epsilon=0.01)
    bn(x)
    bn.set_weights([rand(4, seed=1), rand(4, seed=2), rand(4, seed=3), np.abs(rand(4, seed=4))])
    gamma, beta, mean, var = bn.get_weights()
    close(bn(x), gamma * (x - mean) / np.sqrt(var + 0.01) + beta)
    close(bn(x, training=False), bn(x))


def test_frozen_batchnorm_runs_in_inference_mode_even_when_training():
    x = rand(8, 4)
    bn = BatchNormalization()
    bn(x)
    bn.trainable = False
    before = bn.get_weights()
    close(bn(x, training=True), bn(x, training=False))
    for a, b in zip(before, bn.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_batchnorm_channels_first_matches_torch():
    x = rand(4, 3, 5, 5)
    bn = BatchNormalization(axis=1)
    y = bn(x, training=True)
    tb = torch.nn.BatchNorm2d(3, eps=1e-3)
    close(y, tb(torch.tensor(x)))


def test_batchnorm_masked_moments():
    x = rand(4, 6, 3)
    mask = np.random.RandomState(1).rand(4, 6) > 0.4
    bn = BatchNormalization(momentum=0.0)
    y = bn(ember.tensor(x), training=True, mask=ember.tensor(mask))
    w = mask[..., None].astype("float32")
    mean = (w * x).sum((0, 1)) / w.sum()
    var = (w * (x - mean) ** 2).sum((0, 1)) / w.sum()
    close(bn.moving_mean, mean)
    close(bn.moving_variance, var)
    close(y, (x - mean) / np.sqrt(var + 1e-3))


def test_batchnorm_one_value_per_channel_gives_beta():
    bn = BatchNormalization()
    bn(rand(1, 3))
    bn.set_weights([np.ones(3), np.full(3, 0.5), np.zeros(3), np.ones(3)])
    close(bn(rand(1, 3), training=True), np.full((1, 3), 0.5))


def test_batchnorm_config_roundtrip():
    bn = BatchNormalization(axis=1, momentum=0.9, epsilon=1e-2, center=False,
                            gamma_regularizer="l2")
    x = rand(3, 4, 2)
    bn(x)
    clone = roundtrip(bn, x)
    assert clone.axis == 1 and clone.momentum == 0.9 and clone.center is False
    assert clone.gamma_regularizer is not None


def test_batchnorm_errors():
    with pytest.raises(ValueError, match=r"BatchNormalization 'bn_err' expects inputs of rank "
                                         r">= 2.*\(4,\)"):
        BatchNormalization(name="bn_err")(np.ones(4, dtype="float32"))
    bn = BatchNormalization(name="bn_ch")
    bn(rand(2, 3))
    with pytest.raises(ValueError, match=r"built for 3 features.*\(2, 5\)"):
        bn(rand(2, 5))
    with pytest.raises(ValueError, match=r"axis 3 is out of range.*rank 2"):
        BatchNormalization(axis=3)(rand(2, 3))
    with pytest.raises(ValueError, match="one dimension less"):
        bn(ember.tensor(rand(2, 3)), training=True, mask=ember.ones(2, 3, dtype=ember.bool))


# -- LayerNormalization -------------------------------------------------------------------------

def test_layernorm_parity_values_and_gradients():
    x = rand(3, 4, 6)
    ln = LayerNormalization()
    ln(x)
    ln.set_weights([rand(6, seed=1), rand(6, seed=2)])
    xe = ember.tensor(x, requires_grad=True)
    y = ln(xe)
    xt = torch.tensor(x, requires_grad=True)
    w = torch.tensor(rand(6, seed=1), requires_grad=True)
    b = torch.tensor(rand(6, seed=2), requires_grad=True)
    ty = torch.nn.functional.layer_norm(xt, (6,), w, b, eps=1e-3)
    close(y, ty)
    g = rand(*x.shape, seed=3)
    (y * ember.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    close(xe.grad, xt.grad)
    close(ln.gamma.grad, w.grad)
    close(ln.beta.grad, b.grad)


def test_layernorm_weights_and_trailing_axes():
    x = rand(2, 3, 4, 5)
    ln = LayerNormalization(axis=[1, 2, 3])
    y = ln(x)
    assert [tuple(w.shape) for w in ln.weights] == [(3, 4, 5), (3, 4, 5)]
    assert ln.count_params() == 120
    close(y, torch.nn.functional.layer_norm(torch.tensor(x), (3, 4, 5), eps=1e-3))
    assert LayerNormalization()(Input(shape=(7, 8))).shape == (None, 7, 8)


def test_layernorm_non_trailing_axis_and_rms_scaling():
    x = rand(2, 5, 3)
    ln = LayerNormalization(axis=1)
    ln(x)
    gamma = rand(5, seed=1)
    ln.set_weights([gamma, np.zeros(5)])
    m, v = x.mean(1, keepdims=True), x.var(1, keepdims=True)
    close(ln(x), (x - m) / np.sqrt(v + 1e-3) * gamma[None, :, None])
    rms = LayerNormalization(rms_scaling=True)
    rms(x)
    assert [w.shape for w in rms.get_weights()] == [(3,)]  # gamma only, as in Keras
    # Keras's rms_scaling: x * rsqrt(var + eps) * gamma (the variance, no centring of x)
    close(rms(x), x / np.sqrt(x.var(-1, keepdims=True) + 1e-3))


def test_layernorm_config_and_errors():
    x = rand(2, 3, 4)
    ln = LayerNormalization(axis=[1, 2], epsilon=1e-5, center=False)
    ln(x)
    clone = roundtrip(ln, x)
    assert clone.axis == [1, 2] and clone.epsilon == 1e-5
    with pytest.raises(TypeError, match="axis"):
        LayerNormalization(axis="last")
    with pytest.raises(ValueError, match=r"axis 4 is out of range"):
        LayerNormalization(axis=4)(x)


# -- GroupNormalization -------------------------------------------------------------------------

@pytest.mark.parametrize("groups", [1, 2, 4])
def test_groupnorm_matches_torch_channels_last(groups):
    x = rand(3, 5, 6, 4)
    gn = GroupNormalization(groups=groups)
    gn(x)
    gn.set_weights([rand(4, seed=1), rand(4, seed=2)])
    xe = ember.tensor(x, requires_grad=True)
    y = gn(xe)
    xt = torch.tensor(x, requires_grad=True)
    w = torch.tensor(rand(4, seed=1), requires_grad=True)
    b = torch.tensor(rand(4, seed=2), requires_grad=True)
    ty = torch.nn.functional.group_norm(xt.permute(0, 3, 1, 2), groups, w, b,
                                        eps=1e-3).permute(0, 2, 3, 1)
    close(y, ty)
    y.sum().backward()
    ty.sum().backward()
    close(xe.grad, xt.grad, atol=1e-4)
    close(gn.gamma.grad, w.grad, atol=1e-4)


def test_groupnorm_instance_groups_config_and_errors():
    x = rand(2, 3, 6)
    gn = GroupNormalization(groups=-1)
    gn(x)
    assert gn.groups == 6 and gn.count_params() == 12
    roundtrip(gn, x)
    assert GroupNormalization(groups=2)(Input(shape=(5, 4))).shape == (None, 5, 4)
    with pytest.raises(ValueError, match=r"number of groups \(4\) must divide the number of "
                                         r"channels \(6\)"):
        GroupNormalization(groups=4)(x)
    with pytest.raises(ValueError, match=r"cannot be more than the number of channels"):
        GroupNormalization(groups=32)(x)


# -- UnitNormalization --------------------------------------------------------------------------

def test_unit_normalization():
    x = rand(3, 4, 5)
    un = UnitNormalization()
    y = un(x).detach().numpy()
    np.testing.assert_allclose((y ** 2).sum(-1), 1.0, rtol=1e-5)
    y2 = UnitNormalization(axis=[1, 2])(x).detach().numpy()
    np.testing.assert_allclose((y2 ** 2).sum((1, 2)), 1.0, rtol=1e-5)
    assert (UnitNormalization()(np.zeros((2, 3), "float32")).numpy() == 0).all()
    assert UnitNormalization.from_config(UnitNormalization(axis=[1]).get_config()).axis == [1]
    assert un.count_params() == 0
    with pytest.raises(TypeError, match="axis"):
        UnitNormalization(axis=1.5)
