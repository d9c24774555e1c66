"""Losses. Cross-entropy is one fused, numerically stable op; the rest are compositions of ops.

Cross-entropy and NLL share one formulation: with effective target weights Q (one-hot × class
weight, plus label smoothing, zero where ignored), each sample's loss is −Σ_c Q_c log p_c and
its gradient w.r.t. the logits is (Σ_c Q_c)·softmax − Q.
"""

from __future__ import annotations

from ..autograd.function import Function
from ..autograd.grad_mode import state as grad_state
from ..backend.errstate import quiet
from ..tensor import Tensor
from ._util import check_same_device, check_tensor

__all__: list = []  # reached through ember.nn.functional
TENSOR_METHODS: tuple = ()

_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(op, reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}(): {reduction} is not a valid value for reduction; "
                         f"expected one of {_REDUCTIONS}")


def _classes_last(x: Tensor):
    """(N, C, d1, ...) -> (N·d1·…, C); (C,) -> (1, C). Returns the 2-D array and the rest shape."""
    d = x._data
    if d.ndim == 1:
        return d.reshape(1, -1), ()
    if d.ndim == 2:
        return d, (d.shape[0],)
    moved = x.xp.moveaxis(d, 1, -1)
    return moved.reshape(-1, d.shape[1]), moved.shape[:-1]


def _log_softmax_rows(xp, x2):
    shifted = x2 - x2.max(axis=1, keepdims=True)
    lse = xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
    shifted -= lse
    return shifted


class _ClassLoss(Function):
    """Shared by cross_entropy (from logits) and nll_loss (from log-probabilities)."""

    from_logits = True

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction, smoothing):
        cls = type(ctx)
        xp = x.xp
        x2, rest = _classes_last(x)
        M, C = x2.shape
        logp = _log_softmax_rows(xp, x2) if cls.from_logits else x2
        probs_target = target._data.dtype.kind == "f"
        w = weight._data if weight is not None else None
        if probs_target:
            t2, _ = _classes_last(target)
            q = t2 * (1 - smoothing) + smoothing / C if smoothing else t2
            if w is not None:
                q = q * w
            sparse = None
            denom = M
        else:
            y = target._data.reshape(-1)
            # Checks by count_nonzero: ``.all()``/``.any()`` go through NumPy's Python-level
            # reduction wrappers, ~3 us each on W1's 128 targets.
            valid = y != ignore_index
            all_valid = xp.count_nonzero(valid) == M
            if not all_valid:
                y = xp.where(valid, y, 0)
            bad = (y < 0) | (y >= C)
            if xp.count_nonzero(bad):
                raise IndexError(
                    f"{cls.op}(): target {int(y[bad][0])} is out of bounds: targets must be class "
                    f"indices in [0, {C - 1}] (or ignore_index={ignore_index})"
                )
            if w is None and all_valid:
                wy = None  # every weight is 1: Σ w[y] = M
                denom = x2.dtype.type(M)
            else:
                wy = w[y] if w is not None else xp.ones(M, dtype=x2.dtype)
                wy = wy if all_valid else wy * valid
                denom = wy.sum()
            if smoothing:
                q = xp.full((M, C), smoothing / C, dtype=x2.dtype)  # float32 stays float32
                if w is not None:
                    q *= w
                q *= valid[:, None]
                q[xp.arange(M), y] += (1 - smoothing) * (1 if wy is None else wy)
                sparse = None
            else:
                q = None
                sparse = (y, wy)  # Q is one-hot scaled by w[y]: never materialised
        if sparse is not None:
            y, wy = sparse
            per = -logp[xp.arange(M), y]
            if wy is not None:
                per *= wy
        else:
            per = -(q * logp).sum(axis=1)
        ctx.saved = (logp, q, sparse, M, rest, x._data.shape, x._data.ndim)
        ctx.save_for_backward(x)
        ctx.reduction = reduction
        ctx.denom = denom
        if reduction == "none":
            return per.reshape(rest) if rest else per.reshape(())
        total = per.sum()
        if reduction != "mean":
            return total
        with quiet():  # every target ignored: 0 / 0 is nan, silently, as in PyTorch
            return total / denom

    @staticmethod
    def backward(ctx, g):
        if grad_state.enabled:
            return _ClassLoss._backward_with_graph(ctx, g)
        logp, q, sparse, M, rest, shape, ndim = ctx.saved
        xp = g.xp
        scale = g._data.reshape(-1, 1) if ctx.reduction == "none" else g._data
        if ctx.reduction == "mean" and ctx.denom != 0:  # all ignored: zero gradients, as torch
            scale = scale / ctx.denom
        from_logits = type(ctx).from_logits
        if sparse is not None:
            y, wy = sparse
            if not from_logits:
                grad = xp.zeros_like(logp)
            elif wy is None:
                grad = xp.exp(logp)
            else:
                grad = xp.exp(logp) * wy[:, None]
            grad[xp.arange(M), y] -= 1 if wy is None else wy
        else:
            grad = xp.exp(logp) * q.sum(axis=1, keepdims=True) - q if from_logits else -q
        grad *= scale
        gx = Tensor._make(_classes_back(xp, grad, rest, shape, ndim))
        return gx, None, None, None, None, None

    @staticmethod
    def _backward_with_graph(ctx, g):
        """The same gradient from ember ops, so that create_graph=True can differentiate it."""
        from .. import ops

        logp, q, sparse, M, rest, shape, ndim = ctx.saved
        (x,) = ctx.saved_tensors
        xp = g.xp
        if sparse is not None:
            y, wy = sparse
            q = xp.zeros(logp.shape, dtype=logp.dtype)
            q[xp.arange(M), y] = 1 if wy is None else wy
        Q = Tensor._make(q)
        x2 = x.reshape(1, -1) if ndim == 1 else x if ndim == 2 else \
            ops.movedim(x, 1, -1).reshape(-1, shape[1])
        if type(ctx).from_logits:
            grad = Q.sum(1, keepdim=True) * ops.softmax(x2, 1) - Q
        else:
            grad = -Q
        scale = g.reshape(-1, 1) if ctx.reduction == "none" else g
        if ctx.reduction == "mean" and ctx.denom != 0:
            scale = scale / float(ctx.denom)
        grad = grad * scale
        if ndim == 1:
            grad = grad.reshape(shape)
        elif ndim > 2:
            grad = ops.movedim(grad.reshape(tuple(rest) + (shape[1],)), -1, 1)
        return grad, None, None, None, None, None


def _classes_back(xp, grad, rest, shape, ndim):
    """Undo ``_classes_last`` on a gradient."""
    if ndim == 1:
        return grad.reshape(shape)
    if ndim > 2:
        return xp.ascontiguousarray(xp.moveaxis(grad.reshape(tuple(rest) + (shape[1],)), -1, 1))
    return grad


class CrossEntropy(_ClassLoss):
    op = "cross_entropy"
    from_logits = True


class NLLLoss(_ClassLoss):
    op = "nll_loss"
    from_logits = False


def _check_class_inputs(op, input, target, weight):
    check_tensor(input, op)
    check_tensor(target, op, "target")
    check_same_device(op, input, target, weight)
    if not input.is_floating_point():
        raise RuntimeError(f"{op}(): expected floating point input (logits), got {input.dtype}")
    C = input.shape[0] if input.ndim == 1 else input.shape[1] if input.ndim >= 2 else None
    if C is None:
        raise RuntimeError(f"{op}(): input must have at least 1 dimension, got a 0-d tensor")
    if target.is_floating_point():
        if tuple(target.shape) != tuple(input.shape):
            raise RuntimeError(
                f"{op}(): class-probability targets must have the input's shape "
                f"{tuple(input.shape)}, got {tuple(target.shape)}"
            )
    else:
        if target._data.dtype.kind not in "iu":
            raise RuntimeError(f"{op}(): target must be int64 class indices or float "
                               f"probabilities, got {target.dtype}")
        expect = () if input.ndim == 1 else (input.shape[0],) + tuple(input.shape[2:])
        if tuple(target.shape) != expect:
            raise RuntimeError(
                f"{op}(): input of shape {tuple(input.shape)} (N, C, ...) needs class-index "
                f"targets of shape {expect}, got {tuple(target.shape)}. For one-hot or "
                "probability targets pass a float tensor of the input's shape."
            )
    if weight is not None and tuple(weight.shape) != (C,):
        raise RuntimeError(f"{op}(): weight must have shape ({C},) (one per class), got "
                           f"{tuple(weight.shape)}")
    return C


def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100,
                  reduce=None, reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy from logits: −Σ_c q_c log softmax(x)_c, fused and stable.

    Targets are class indices (N,) / (N, d1, ...) or class probabilities shaped like ``input``.

    >>> import ember
    >>> logits = ember.tensor([[2.0, 0.0, 0.0]])
    >>> round(ember.nn.functional.cross_entropy(logits, ember.tensor([0])).item(), 4)
    0.2395
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("cross_entropy", reduction)
    _check_class_inputs("cross_entropy", input, target, weight)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(
            f"cross_entropy(): label_smoothing must be in [0, 1], got {label_smoothing}"
        )
    if weight is not None and weight.dtype is not input.dtype:
        weight = weight.to(input.dtype)
    if target.is_floating_point() and target.dtype is not input.dtype:
        target = target.to(input.dtype)
    if target.requires_grad:
        return _cross_entropy_composite(input, target, weight, reduction, label_smoothing)
    return CrossEntropy.apply(input, target, weight, ignore_index, reduction, label_smoothing)


def _cross_entropy_composite(input, target, weight, reduction, smoothing):
    """Probability targets that require grad: built from ops so both sides get gradients."""
    from .. import ops

    logp = ops.log_softmax(input, 1 if input.ndim > 1 else 0)
    C = input.shape[1] if input.ndim > 1 else input.shape[0]
    q = target * (1 - smoothing) + smoothing / C if smoothing else target
    if weight is not None:
        shape = [1] * input.ndim
        shape[1 if input.ndim > 1 else 0] = C
        q = q * weight.reshape(shape)
    per = -(q * logp).sum(1 if input.ndim > 1 else 0)
    return _reduce(per, reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100,
             reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood from log-probabilities: −w[y]·input[y], averaged over Σ w[y]."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("nll_loss", reduction)
    _check_class_inputs("nll_loss", input, target, weight)
    if target.is_floating_point():
        raise RuntimeError("nll_loss(): target must hold class indices (int64), got float")
    if weight is not None and weight.dtype is not input.dtype:
        weight = weight.to(input.dtype)
    return NLLLoss.apply(input, target, weight, ignore_index, reduction, 0.0)


def _legacy_reduction(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _reduce(per: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return per.mean()
    if reduction == "sum":
        return per.sum()
    return per


def _check_same_shape(op, input, target):
    check_tensor(input, op)
    check_tensor(target, op, "target")
    if tuple(input.shape) != tuple(target.shape):
        from ._util import broadcast_shapes_for

        broadcast_shapes_for(op, tuple(input.shape), tuple(target.shape))


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
             weight=None) -> Tensor:
    """Mean squared error: (input − target)², reduced."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("mse_loss", reduction)
    _check_same_shape("mse_loss", input, target)
    d = input - target
    per = d * d
    if weight is not None:
        per = per * weight
    return _reduce(per, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Mean absolute error: |input − target|, reduced."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("l1_loss", reduction)
    _check_same_shape("l1_loss", input, target)
    return _reduce((input - target).abs(), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """0.5 d²/β where |d| < β, else |d| − β/2 (d = input − target)."""
    from .. import ops

    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("smooth_l1_loss", reduction)
    _check_same_shape("smooth_l1_loss", input, target)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss(): beta must be non-negative")
    d = input - target
    a = d.abs()
    if beta == 0:
        return _reduce(a, reduction)
    per = ops.where(a < beta, d * d * (0.5 / beta), a - 0.5 * beta)
    return _reduce(per, reduction)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0, weight=None) -> Tensor:
    """0.5 d² where |d| < δ, else δ(|d| − δ/2)."""
    from .. import ops

    _check_reduction("huber_loss", reduction)
    _check_same_shape("huber_loss", input, target)
    d = input - target
    a = d.abs()
    per = ops.where(a < delta, d * d * 0.5, (a - 0.5 * delta) * delta)
    if weight is not None:
        per = per * weight
    return _reduce(per, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """−[t log x + (1 − t) log(1 − x)] for probabilities x; each log is clamped at −100 like
    PyTorch so that x = 0 or 1 gives a finite loss."""
    from .. import ops

    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("binary_cross_entropy", reduction)
    _check_same_shape("binary_cross_entropy", input, target)
    if input.numel() and (float(input.detach().min()) < 0 or float(input.detach().max()) > 1):
        raise RuntimeError(
            "binary_cross_entropy(): all elements of input should be between 0 and 1 "
            "(they are probabilities: apply sigmoid first, or use binary_cross_entropy_with_logits)"
        )
    log_x = ops.clamp(ops.log(input), min=-100)
    log_1mx = ops.clamp(ops.log(1 - input), min=-100)
    per = -(target * log_x + (1 - target) * log_1mx)
    if weight is not None:
        per = per * weight
    return _reduce(per, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight=None) -> Tensor:
    """BCE on logits, stable for any x:
    (1 − t)x + (1 + (pw − 1)t)·(log(1 + e^−|x|) + max(−x, 0))."""
    from .. import ops

    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    check_tensor(input, "binary_cross_entropy_with_logits")
    check_tensor(target, "binary_cross_entropy_with_logits", "target")
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"binary_cross_entropy_with_logits(): target size {tuple(target.shape)} must be the "
            f"same as input size {tuple(input.shape)}"
        )
    softplus_neg = ops.log1p(ops.exp(-input.abs())) + ops.clamp(-input, min=0)
    if pos_weight is not None:
        per = (1 - target) * input + (1 + (pos_weight - 1) * target) * softplus_neg
    else:
        per = (1 - target) * input + softplus_neg
    if weight is not None:
        per = per * weight
    return _reduce(per, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Σ target·(log target − input), with ``input`` log-probabilities (0·log 0 = 0).

    ``reduction='batchmean'`` divides the sum by the batch size (the true KL divergence);
    'mean' divides by the number of elements, as PyTorch does.
    """
    from .. import ops

    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"kl_div(): {reduction} is not a valid value for reduction")
    if log_target:
        per = ops.exp(target) * (target - input)
    else:
        safe = ops.where(target > 0, target, 1.0)
        per = ops.where(target > 0, target * (ops.log(safe) - input), -target * input * 0)
    if reduction == "batchmean":
        return per.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(per, reduction)


def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, size_average=None,
                          reduce=None, reduction: str = "mean") -> Tensor:
    """1 − cos(x1, x2) for target 1; max(0, cos(x1, x2) − margin) for target −1."""
    from .. import ops

    reduction = _legacy_reduction(size_average, reduce, reduction)
    eps = 1e-12
    dim = input1.ndim - 1
    prod = (input1 * input2).sum(dim)
    m1 = (input1 * input1).sum(dim) + eps
    m2 = (input2 * input2).sum(dim) + eps
    cos = prod / ops.sqrt(m1 * m2)
    zeros = cos * 0
    pos = 1 - cos
    neg = ops.clamp(cos - margin, min=0)
    per = ops.where(target == 1, pos, zeros) + ops.where(target == -1, neg, zeros)
    return _reduce(per, reduction)


def margin_ranking_loss(input1, input2, target, margin: float = 0.0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, −y·(x1 − x2) + margin)."""
    from .. import ops

    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _reduce(ops.clamp(-target * (input1 - input2) + margin, min=0), reduction)


def hinge_embedding_loss(input, target, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """x where y = 1; max(0, margin − x) where y = −1."""
    from .. import ops

    reduction = _legacy_reduction(size_average, reduce, reduction)
    zeros = input * 0
    per = ops.where(target == 1, input, zeros) + ops.where(
        target == -1, ops.clamp(margin - input, min=0), zeros)
    return _reduce(per, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """log(1 + e^(−y·x))."""
    from .. import ops

    reduction = _legacy_reduction(size_average, reduce, reduction)
    z = -target * input
    per = ops.clamp(z, min=0) + ops.log1p(ops.exp(-z.abs()))
    return _reduce(per, reduction)


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """‖x1 − x2 + eps‖_p over the last dimension."""
    from .. import ops

    d = x1 - x2 + eps
    if p == 2:
        return ops.sqrt((d * d).sum(-1, keepdim=keepdim))
    return (d.abs() ** p).sum(-1, keepdim=keepdim) ** (1.0 / p)


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """max(d(a, p) − d(a, n) + margin, 0) with d the p-norm distance."""
    from .. import ops

    reduction = _legacy_reduction(size_average, reduce, reduction)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ops.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(ops.clamp(d_pos - d_neg + margin, min=0), reduction)


def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """e^x − t·x (log_input) or x − t·log(x + eps); ``full`` adds Stirling's term."""
    from .. import ops

    reduction = _legacy_reduction(size_average, reduce, reduction)
    if log_input:
        per = ops.exp(input) - target * input
    else:
        per = input - target * ops.log(input + eps)
    if full:
        import math

        stirling = target * ops.log(ops.where(target > 1, target, 1.0)) - target + 0.5 * ops.log(
            2 * math.pi * ops.where(target > 1, target, 1.0))
        per = per + ops.where(target > 1, stirling, target * 0)
    return _reduce(per, reduction)


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """0.5·(log max(var, eps) + (input − target)² / max(var, eps)) (+ 0.5 log 2π if full)."""
    from .. import ops

    v = ops.clamp(var, min=eps)
    per = 0.5 * (ops.log(v) + (input - target) ** 2 / v)
    if full:
        import math

        per = per + 0.5 * math.log(2 * math.pi)
    return _reduce(per, reduction)
