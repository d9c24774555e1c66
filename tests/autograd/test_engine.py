"""The backward engine: accumulation, graph freeing, hooks, grad modes, custom Functions,
double backward, in-place version checks and deep graphs."""

import numpy as np
import pytest

import ember
from ember.autograd import Function


def leaf(values, dtype=ember.float64):
    return ember.tensor(values, dtype=dtype, requires_grad=True)


# -- accumulation and graph lifetime ---------------------------------------------------------


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3 + 2, 3 + 4])


def test_second_backward_without_retain_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_one_tensor_used_twice_gets_the_sum_of_both_paths():
    x = leaf([2.0])
    y = x * x + x
    y.backward(ember.ones(1, dtype=ember.float64))
    np.testing.assert_allclose(x.grad.numpy(), [5.0])


def test_leaf_grads_never_alias_each_other():
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (x + y).sum().backward()
    x.grad.mul_(10)
    np.testing.assert_allclose(y.grad.numpy(), [1.0, 1.0])


def test_user_gradient_is_not_aliased_into_grad():
    x = leaf([1.0, 2.0])
    g = ember.ones(2, dtype=ember.float64)
    x.backward(g)
    x.grad.zero_()
    np.testing.assert_allclose(g.numpy(), [1.0, 1.0])


def test_non_scalar_backward_explains_what_to_pass():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"scalar outputs.*shape \(2,\).*gradient="):
        (x * 2).backward()


def test_backward_on_a_tensor_without_grad_explains():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ember.ones(2).sum().backward()


def test_gradient_shape_mismatch_is_an_error():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\).*\(2,\)"):
        (x * 2).backward(ember.ones(3, dtype=ember.float64))


def test_ten_thousand_op_chain_needs_no_recursion():
    x = leaf([1.0])
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0001**10_000], rtol=1e-9)


# -- autograd.grad ---------------------------------------------------------------------------


def test_grad_returns_and_leaves_dot_grad_alone():
    x = leaf([1.0, 2.0])
    w = leaf([3.0, 4.0])
    (gx,) = ember.autograd.grad((x * w).sum(), x)
    np.testing.assert_allclose(gx.numpy(), [3.0, 4.0])
    assert x.grad is None and w.grad is None


def test_grad_wrt_non_leaf():
    x = leaf([1.0, 2.0])
    h = x * 2
    y = (h * h).sum()
    (gh,) = ember.autograd.grad(y, h)
    np.testing.assert_allclose(gh.numpy(), [4.0, 8.0])


def test_grad_unused_input():
    x, z = leaf([1.0]), leaf([2.0])
    with pytest.raises(RuntimeError, match="not used"):
        ember.autograd.grad((x * 2).sum(), [x, z])
    gx, gz = ember.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert gz is None and gx.item() == 2.0


# -- hooks -----------------------------------------------------------------------------------


def test_leaf_hook_can_replace_the_gradient_and_be_removed():
    x = leaf([1.0, 2.0])
    h = x.register_hook(lambda g: g * 10)
    (x * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [10.0, 10.0])
    h.remove()
    x.grad = None
    (x * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])


def test_non_leaf_hook_sees_and_changes_its_gradient():
    x = leaf([1.0, 2.0])
    h = x * 2
    seen = []
    h.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 0)
    (h * 3).sum().backward()
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0])


def test_retain_grad_keeps_non_leaf_grad():
    x = leaf([1.0, 2.0])
    h = x * 2
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [4.0, 8.0])
    assert h.retains_grad


# -- grad modes ------------------------------------------------------------------------------


def test_no_grad_and_enable_grad_nest():
    x = leaf([1.0])
    with ember.no_grad():
        assert not (x * 2).requires_grad
        with ember.enable_grad():
            assert (x * 2).requires_grad
        assert not ember.is_grad_enabled()
    assert ember.is_grad_enabled()


def test_grad_modes_as_decorators_and_set_grad_enabled():
    x = leaf([1.0])

    @ember.no_grad()
    def f():
        return x * 2

    assert not f().requires_grad
    ember.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        ember.set_grad_enabled(True)
    with ember.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    with ember.inference_mode():
        assert not (x * 2).requires_grad


# -- custom Functions ------------------------------------------------------------------------


class Cube(Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x * x * x * scale

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x * ctx.scale, None


def test_custom_function_forward_backward_and_name():
    x = leaf([1.0, 2.0])
    y = Cube.apply(x, 2.0)
    assert y.grad_fn.name() == "CubeBackward0"
    assert "grad_fn=<CubeBackward0>" in repr(y)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 24.0])
    assert ember.autograd.gradcheck(lambda t: Cube.apply(t, 2.0), (leaf([0.5, -1.5]),))
    assert ember.autograd.gradgradcheck(lambda t: Cube.apply(t, 2.0), (leaf([0.5, -1.5]),))


def test_needs_input_grad_and_non_differentiable_outputs():
    seen = {}

    class SplitArgmax(Function):
        @staticmethod
        def forward(ctx, x, y):
            seen["needs"] = ctx.needs_input_grad
            idx = x._data.argmax(keepdims=True)
            ctx.mark_non_differentiable(idx)
            return x._data * 2, idx

        @staticmethod
        def backward(ctx, g, gidx):
            return g * 2, None

    x = leaf([1.0, 5.0])
    out, idx = SplitArgmax.apply(x, ember.ones(1))
    assert seen["needs"] == (True, False)
    assert out.requires_grad and not idx.requires_grad
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_gradcheck_catches_a_wrong_backward():
    class Wrong(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x  # should be 2 * x

    with pytest.raises(ember.autograd.GradcheckError, match="Jacobian mismatch"):
        ember.autograd.gradcheck(Wrong.apply, (leaf([1.0, 2.0]),))


def test_once_differentiable_refuses_double_backward():
    class Sq(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x._data**2

        @staticmethod
        @ember.autograd.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return ember.Tensor._make(2 * x._data * g._data)

    x = leaf([3.0])
    (g,) = ember.autograd.grad(Sq.apply(x).sum(), x, create_graph=True)
    assert g.item() == 6.0
    with pytest.raises(RuntimeError, match="does not support double backward"):
        g.sum().backward()


# -- higher order ----------------------------------------------------------------------------


def test_hessian_vector_product():
    x = leaf([1.0, 2.0, 3.0])
    y = (x * x * x).sum()
    (g,) = ember.autograd.grad(y, x, create_graph=True)
    v = ember.tensor([1.0, 0.5, 2.0], dtype=ember.float64)
    (hv,) = ember.autograd.grad((g * v).sum(), x)
    np.testing.assert_allclose(hv.numpy(), 6 * x.detach().numpy() * v.numpy())


def test_gradient_penalty_trains_through_the_gradient_norm():
    w = leaf([[0.5, -1.0], [2.0, 1.5]])
    x = leaf([[1.0, 2.0]])
    out = (x @ w).sum()
    (gx,) = ember.autograd.grad(out, x, create_graph=True)
    penalty = ((gx * gx).sum() - 1.0) ** 2
    penalty.backward()
    # d/dw of (|w.sum(1)|^2 - 1)^2 with r = w.sum(1): 4 (|r|^2 - 1) r_i for each column
    r = w.detach().numpy().sum(1)
    expected = 4 * ((r**2).sum() - 1) * np.repeat(r[:, None], 2, axis=1)
    np.testing.assert_allclose(w.grad.numpy(), expected)


# -- in-place operations ---------------------------------------------------------------------


def test_modifying_a_saved_tensor_raises_instead_of_a_wrong_gradient():
    x = leaf([1.0, 2.0])
    y = x.exp()
    z = y * 1
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*version 1"):
        (z * y).sum().backward()


def test_modifying_an_input_saved_by_mul_raises():
    a = leaf([1.0, 2.0])
    h = a * 1
    w = leaf([3.0, 4.0])
    out = h * w
    h.mul_(2)
    with pytest.raises(RuntimeError, match="inplace"):
        out.sum().backward()


def test_inplace_on_leaf_requiring_grad_is_refused_but_allowed_under_no_grad():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with ember.no_grad():
        x.add_(1)
    np.testing.assert_allclose(x.detach().numpy(), [2.0, 3.0])
    assert x._version == 1


def test_inplace_ops_on_non_leaves_are_differentiated_correctly():
    x = leaf([1.0, 2.0])
    a = x * 2
    a.mul_(3)
    a.add_(x)
    a.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [7.0, 7.0])


def test_setitem_is_differentiable_for_value_and_target():
    x = leaf([1.0, 2.0, 3.0])
    v = leaf([10.0])
    y = x * 1
    y[1] = v[0] * 2
    (y * ember.tensor([1.0, 2.0, 3.0], dtype=ember.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 0.0, 3.0])
    np.testing.assert_allclose(v.grad.numpy(), [4.0])


def test_views_share_the_version_counter():
    x = ember.ones(2, 3)
    v = x[0]
    v.mul_(2)
    assert x._version == v._version == 1
    np.testing.assert_allclose(x.numpy()[0], [2.0, 2.0, 2.0])


# -- anomaly detection -----------------------------------------------------------------------


def test_detect_anomaly_names_the_op_and_its_forward_line():
    x = leaf([0.0, 1.0])
    with ember.autograd.detect_anomaly():
        y = ember.sqrt(x) * 0
        with pytest.raises(RuntimeError, match=r"(?s)SqrtBackward0.*nan.*test_engine\.py"):
            y.sum().backward()
    assert not ember.autograd.is_anomaly_enabled()


def test_recorded_inplace_write_into_a_view_is_refused_not_silently_lost():
    buf = ember.zeros(2, 3)
    w = leaf([5.0], dtype=ember.float32)
    with pytest.raises(RuntimeError, match=r"view.*x\[0, 1\] = v"):
        buf[0][1] = w[0]
    buf[0, 1] = w[0]
    buf.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [1.0])
