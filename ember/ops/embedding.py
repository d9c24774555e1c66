"""Embedding lookups: ``embedding`` (rows of a table by index), ``embedding_bag`` (per-bag
sums, means or maxima of looked-up rows) and ``embedding_renorm_`` (the in-place max_norm).

The weight gradient of a lookup is a scatter-add of the output gradient's rows into a zero table:
repeated indices accumulate, the padding_idx row gets nothing, and scale_grad_by_freq divides
each row's contribution by the index's count in the batch. Sparse gradients are not supported:
``sparse=True`` is accepted and gives the (equal) dense gradient.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import state as grad_state
from ..tensor import Tensor
from ._util import check_same_device, check_tensor

__all__ = ["embedding", "embedding_renorm_"]
TENSOR_METHODS: tuple = ()


def _add_rows(xp, out, idx, rows, zeroed=False):
    """out[idx[i]] += rows[i] for every i; repeated indices accumulate.

    NumPy's ``add.at`` on rows is slow; instead the indices are sorted, indices repeated more
    than 16 times are summed group by group, and the rest are added in rounds in which every
    index occurs at most once (so plain fancy-index ``+=`` is exact). When ``out`` is known to
    be all zeros (``zeroed``), the first round assigns instead of adding: half its work (W3's
    5120 lookups into 20000 rows: 0.35 ms instead of 0.67).
    """
    n = idx.shape[0]
    if n == 0:
        return out
    if xp is not np:  # cupy
        import cupyx

        cupyx.scatter_add(out, idx, rows)
        return out
    order = np.argsort(idx, kind="stable")
    s = idx[order]
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    if starts.shape[0] == n:  # every index distinct
        if zeroed:
            out[idx] = rows
        else:
            out[idx] += rows
        return out
    counts = np.diff(np.append(starts, n))
    heavy = counts > 16
    for st, c in zip(starts[heavy].tolist(), counts[heavy].tolist()):
        out[s[st]] += rows[order[st:st + c]].sum(axis=0)
    group = np.cumsum(new) - 1
    rank = np.arange(n) - starts[group]
    light = ~heavy[group]
    rounds = int(counts[~heavy].max()) if (~heavy).any() else 0
    for r in range(rounds):
        sel = light & (rank == r)
        if r == 0 and zeroed:  # these rows are untouched so far (heavy rows are others)
            out[s[sel]] = rows[order[sel]]
        else:
            out[s[sel]] += rows[order[sel]]
    return out


def _row_factor(xp, flat, num, padding_idx, scale_grad_by_freq, dtype):
    """Per-position multipliers of the gradient rows (None when all are 1)."""
    factor = None
    if scale_grad_by_freq and flat.shape[0]:
        counts = xp.bincount(flat, minlength=num)
        factor = (1.0 / counts[flat]).astype(dtype)
    if padding_idx is not None and padding_idx >= 0:
        keep = (flat != padding_idx).astype(dtype)
        factor = keep if factor is None else factor * keep
    return factor


class Embedding(Function):
    """out[..., :] = weight[index[...], :]; ∂L/∂weight = scatter-add of ∂L/∂out by index."""

    @staticmethod
    def forward(ctx, weight, index, padding_idx, scale_grad_by_freq):
        w = weight._data
        idx = index._data
        ctx.idx, ctx.padding_idx, ctx.scale = idx, padding_idx, scale_grad_by_freq
        ctx.wshape = w.shape
        return weight.xp.take(w, idx, axis=0)

    @staticmethod
    def backward(ctx, g):
        num, dim = ctx.wshape
        xp = g.xp
        flat = ctx.idx.reshape(-1)
        factor = _row_factor(xp, flat, num, ctx.padding_idx, ctx.scale, g._data.dtype)
        if grad_state.enabled:
            from .creation import zeros

            rows = g.reshape(-1, dim)
            if factor is not None:
                rows = rows * Tensor._make(factor[:, None])
            table = zeros(num, dim, dtype=g.dtype, device=g.device)
            return table.index_add(0, Tensor._make(flat), rows), None, None, None
        rows = g._data.reshape(-1, dim)
        if factor is not None:
            rows = rows * factor[:, None]
        table = xp.zeros((num, dim), dtype=g._data.dtype)
        return Tensor._make(_add_rows(xp, table, flat, rows, zeroed=True)), None, None, None


def _check_indices(op, index, num):
    check_tensor(index, op, "input")
    if index._data.dtype not in (np.int64, np.int32):
        raise RuntimeError(
            f"{op}(): Expected tensor for argument #1 'indices' to have one of the following "
            f"scalar types: Long, Int; but got {index.dtype} instead (pass integer row indices; "
            "the table is the second argument)"
        )
    d = index._data
    if d.size:
        lo, hi = int(d.min()), int(d.max())
        if lo < 0 or hi >= num:
            bad = lo if lo < 0 else hi
            raise IndexError(
                f"{op}(): index {bad} is out of range for an embedding table with {num} rows "
                f"(valid indices are 0 to {num - 1})"
            )


def _check_weight(op, weight, exc=RuntimeError):
    check_tensor(weight, op, "weight")
    if weight.ndim != 2:
        raise exc(f"{op}(): 'weight' must be 2-D (num_embeddings, embedding_dim), got weight "
                  f"of shape {tuple(weight.shape)}")


def _padding(op, padding_idx, num):
    if padding_idx is None:
        return None
    if padding_idx > 0 and padding_idx >= num or padding_idx < -num:
        raise AssertionError(f"Padding_idx must be within num_embeddings ({op}(): got "
                             f"padding_idx={padding_idx} for {num} embeddings)")
    return int(padding_idx) % num if padding_idx < 0 else int(padding_idx)


def _renorm(weight: Tensor, idx, max_norm: float, norm_type: float) -> None:
    """Scale the rows of ``weight`` named in ``idx`` whose p-norm exceeds max_norm down to
    max_norm/(norm + 1e-7) times themselves, in place (no autograd)."""
    xp = weight.xp
    w = weight._data
    rows = xp.unique(idx.reshape(-1))
    if rows.shape[0] == 0:
        return
    sub = w[rows].astype(np.float64)
    p = float(norm_type)
    a = xp.abs(sub)
    if p == float("inf"):
        norms = a.max(axis=1)
    elif p == float("-inf"):
        norms = a.min(axis=1)
    elif p == 0:
        norms = (a != 0).sum(axis=1).astype(np.float64)
    elif p == 1:
        norms = a.sum(axis=1)
    elif p == 2:
        norms = xp.sqrt((a * a).sum(axis=1))
    else:
        norms = (a ** p).sum(axis=1) ** (1.0 / p)
    over = norms > max_norm
    if bool(over.any()):
        scale = max_norm / (norms[over] + 1e-7)
        w[rows[over]] = (sub[over] * scale[:, None]).astype(w.dtype)
        weight._vc[0] += 1


def embedding_renorm_(input, indices, max_norm: float, norm_type: float) -> Tensor:
    """Renormalise, in place, the rows of ``input`` named by ``indices`` whose ``norm_type``-norm
    exceeds ``max_norm``: row ← row · max_norm / (‖row‖ + 1e-7). Returns ``input``.

    >>> import ember
    >>> from ember.ops.embedding import embedding_renorm_
    >>> w = ember.tensor([[3.0, 4.0], [0.3, 0.4]])
    >>> embedding_renorm_(w, ember.tensor([0, 1]), 1.0, 2.0).tolist()[1]
    [0.30000001192092896, 0.4000000059604645]
    """
    op = "embedding_renorm_"
    _check_weight(op, input)
    _check_indices(op, indices, input.shape[0])
    _renorm(input, indices._data, float(max_norm), float(norm_type))
    return input


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of the table ``weight`` (num_embeddings, embedding_dim): out[i] = weight[input[i]].

    The padding_idx row receives no gradient; with ``max_norm`` the looked-up rows whose
    ``norm_type``-norm exceeds it are first scaled down to it in place. ``torch.embedding(weight,
    indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False)`` — table first — is
    recognised by the argument dtypes and gives the same lookup.

    >>> import ember
    >>> from ember.ops.embedding import embedding
    >>> w = ember.tensor([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]])
    >>> embedding(ember.tensor([2, 1, 2]), w)
    tensor([[3., 4.],
            [1., 2.],
            [3., 4.]])
    """
    if (isinstance(input, Tensor) and isinstance(weight, Tensor) and input.is_floating_point()
            and not weight.is_floating_point()):
        # torch.embedding(weight, indices, padding_idx, scale_grad_by_freq, sparse)
        input, weight = weight, input
        scale_grad_by_freq = bool(scale_grad_by_freq or (max_norm is not None and max_norm))
        if padding_idx is not None and padding_idx < 0:
            padding_idx = None
        max_norm, norm_type = None, 2.0
    op = "embedding"
    _check_weight(op, weight)
    check_tensor(input, op, "input")
    check_same_device(op, input, weight)
    num = weight.shape[0]
    pad = _padding(op, padding_idx, num)
    _check_indices(op, input, num)
    if max_norm is not None:
        _renorm(weight, input._data, float(max_norm), float(norm_type))
    return Embedding.apply(weight, input, pad, bool(scale_grad_by_freq))


# -- embedding_bag -----------------------------------------------------------------------------


class _BagMax(Function):
    """Per-bag, per-column maximum of ``rows`` (bags are contiguous runs of rows, in order).

    Empty bags give 0; the gradient goes to the first row holding each maximum."""

    @staticmethod
    def forward(ctx, rows, starts, nonempty, nbags):
        r = rows._data
        xp = rows.xp
        d = r.shape[1]
        out = xp.zeros((nbags, d), dtype=r.dtype)
        ctx.nrows, ctx.nonempty = r.shape[0], nonempty
        if r.shape[0] == 0:
            ctx.first = None
            return out
        n = r.shape[0]
        owner = xp.repeat(xp.arange(starts.shape[0]), xp.diff(xp.append(starts, n)))
        if xp is np:
            # torch's running max keeps a nan first row and skips later nan rows
            best = np.fmax.reduceat(r, starts, axis=0)
            best[np.isnan(r[starts])] = np.nan
        else:  # cupy has no reduceat
            import cupyx

            best = xp.full((starts.shape[0], d), -xp.inf, dtype=r.dtype)
            cupyx.scatter_max(best, owner, r)
        match = (r == best[owner]) | xp.isnan(best[owner])
        pos = xp.where(match, xp.arange(n)[:, None], n)
        if xp is np:
            ctx.first = np.minimum.reduceat(pos, starts, axis=0)
        else:
            ctx.first = xp.full((starts.shape[0], d), n, dtype=pos.dtype)
            cupyx.scatter_min(ctx.first, owner, pos)
        out[nonempty] = best
        return out

    @staticmethod
    def backward(ctx, g):
        from .creation import zeros

        grad = zeros(ctx.nrows, g.shape[1], dtype=g.dtype, device=g.device)
        if ctx.first is None:
            return grad, None, None, None
        gsel = g[Tensor._make(ctx.nonempty)]
        return grad.scatter_add(0, Tensor._make(ctx.first), gsel), None, None, None


_MODES = {"sum": 0, "mean": 1, "max": 2}


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights=None, include_last_offset: bool = False,
                  padding_idx=None) -> Tensor:
    """Sums, means or maxima over bags of looked-up embedding rows.

    A 2-D ``input`` (B, L) is B bags of L indices; a 1-D ``input`` is cut into bags starting at
    ``offsets`` (``include_last_offset``: offsets[-1] ends the last bag). Entries equal to
    ``padding_idx`` are left out (also from a mean's count); empty bags give zeros.
    ``per_sample_weights`` (mode='sum' only) scale each looked-up row.

    >>> import ember
    >>> from ember.ops.embedding import embedding_bag
    >>> w = ember.tensor([[1.0, 1.0], [2.0, 4.0], [0.0, 6.0]])
    >>> embedding_bag(ember.tensor([[0, 1], [1, 2]]), w, mode="sum")
    tensor([[ 3.,  5.],
            [ 2., 10.]])
    """
    op = "embedding_bag"
    if (isinstance(weight, Tensor) and isinstance(input, Tensor)
            and weight._data.dtype == np.int64 and input.is_floating_point()):
        warnings.warn(
            "Argument order of nn.functional.embedding_bag was changed. Usage "
            "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
            "`embedding_bag(input, weight, ...)`.", stacklevel=2)
        weight, input = input, weight
    check_tensor(input, op, "input")
    check_tensor(weight, op, "weight")
    if per_sample_weights is not None:
        check_tensor(per_sample_weights, op, "per_sample_weights")
        if tuple(input.shape) != tuple(per_sample_weights.shape):
            raise ValueError(
                f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not "
                f"None, then it must have the same shape as the input ({input.shape})")
    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.ndim} (shape {tuple(weight.shape)})")
    num, dim = weight.shape
    xp = input.xp
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a "
                "mini-batch of fixed length sequences. However, found offsets of type "
                f"{type(offsets)}")
        nbags, length = input.shape
        offs = xp.arange(nbags, dtype=np.int64) * length
        include_last_offset = False
        flat_idx = input._data.reshape(-1)
        psw = per_sample_weights.reshape(-1) if per_sample_weights is not None else None
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        check_tensor(offsets, op, "offsets")
        if offsets.ndim != 1:
            raise ValueError(f"offsets has to be a 1D Tensor, got offsets of shape "
                             f"{tuple(offsets.shape)}")
        offs = offsets._data.astype(np.int64)
        flat_idx = input._data
        psw = per_sample_weights
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.ndim} (shape {tuple(input.shape)})")
    if mode not in _MODES:
        raise ValueError(f"mode has to be one of sum, mean or max, got {mode!r}")
    if mode == "max":
        if scale_grad_by_freq:
            raise ValueError("max mode does not support scaling the gradient by the frequency")
        if sparse:
            raise ValueError("max mode does not support sparse weights")
    check_same_device(op, input, weight, offsets, per_sample_weights)
    index = Tensor._make(flat_idx)
    _check_indices(op, index, num)
    if max_norm is not None:
        _renorm(weight, flat_idx, float(max_norm), float(norm_type))
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            "GitHub.")
    if per_sample_weights is not None and per_sample_weights.dtype is not weight.dtype:
        raise RuntimeError(f"{op}(): per_sample_weights is {per_sample_weights.dtype} but "
                           f"weight is {weight.dtype}; they must share one dtype")
    n = flat_idx.shape[0]
    if offs.shape[0]:
        if int(offs[0]) != 0:
            raise RuntimeError(
                "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
                f"from position 0. However, got {int(offs[0])}")
        if int(offs[-1]) > n:
            raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but "
                               f"got offsets[-1] of {int(offs[-1])}")
        if offs.shape[0] > 1 and bool((offs[1:] < offs[:-1]).any()):
            raise RuntimeError(f"{op}(): offsets must be non-decreasing, got "
                               f"{offs.tolist()}")
    if include_last_offset:
        nbags = max(offs.shape[0] - 1, 0)
        end = int(offs[-1]) if offs.shape[0] else 0
        starts = offs[:nbags]
    else:
        nbags = offs.shape[0]
        end = n if nbags else 0
        starts = offs
    pad = _padding(op, padding_idx, num)
    positions = xp.arange(end)
    bag = xp.searchsorted(starts, positions, side="right") - 1
    keep = flat_idx[:end] != pad if pad is not None else None
    if keep is not None and not bool(keep.all()):
        positions, bag = positions[keep], bag[keep]
    used = Tensor._make(flat_idx[positions])
    rows = Embedding.apply(weight, used, None, bool(scale_grad_by_freq))
    if psw is not None:
        rows = rows * psw[Tensor._make(positions)].unsqueeze(1)
    from .creation import zeros

    if mode == "max":
        counts = xp.bincount(bag, minlength=nbags)
        nonempty = xp.flatnonzero(counts)
        seg_starts = xp.searchsorted(bag, nonempty, side="left")
        return _BagMax.apply(rows, seg_starts, nonempty, nbags)
    out = zeros(nbags, dim, dtype=weight.dtype, device=weight.device)
    out = out.index_add(0, Tensor._make(bag), rows)
    if mode == "mean":
        counts = xp.bincount(bag, minlength=nbags).astype(weight._data.dtype)
        out = out / Tensor._make(xp.maximum(counts, 1)[:, None])
    return out
