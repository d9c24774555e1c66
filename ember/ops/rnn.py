"""Fused recurrent layers: one ``Function`` runs one direction of one layer over all timesteps.

The input projection for every step is computed up front (W_ih x_t for all t, one GEMM per
gate); each step adds one GEMM ``h U`` for all gates and updates the gates in place. The
backward runs backpropagation through time on raw arrays (one GEMM per step for ``dh``) and
then gets ``dW_ih``, ``dW_hh``, the biases and ``dx`` as single GEMMs over all steps. Gate order
and equations are PyTorch's:

    LSTM (i, f, g, o):  i,f,o = σ(W_i x + b_i + U h + b_h),  g = tanh(...)
                        c' = f⊙c + i⊙g,   h' = o⊙tanh(c')   (h' = W_hr (o⊙tanh c') with proj)
    GRU  (r, z, n):     r,z = σ(W x + b + U h + b'),   n = tanh(W_n x + b_n + r⊙(U_n h + b'_n))
                        h' = (1 − z)⊙n + z⊙h
    RNN:                h' = tanh|relu(W x + b + U h + b')

The gate activations take one ``exp`` per element (σ(z) = 1/(1+e^{−z}), tanh(z) = 2σ(2z) − 1):
the weights are pre-scaled by −1 (σ gates) and −2 (the LSTM's g gate) so that one ``exp`` over
all gates serves both. The fused backward is computed on arrays: differentiating it again
(``create_graph=True`` then a second ``backward``) raises an error naming the op.

Layouts are batch-major and time-major in memory, like PyTorch's: inputs, outputs h_t and
pre-activation gradients are (T, N, F) arrays, so a step's rows are one contiguous (N, F) block,
the weight gradients are plain GEMMs over the (T·N, F) rows, and ``batch_first`` costs copies of
whole rows instead of transpositions. The forward keeps the gates as (T, G, N, H): a step's
gates are one contiguous block and each gate a contiguous (N, H) piece of it, so the elementwise
gate math never walks strided columns (on W3's shapes a strided (64, 64) multiply costs 5 us,
a contiguous one 2 us, at ~10 per step).

``batch_sizes`` (from a ``PackedSequence``, sorted by decreasing length) limits step t to the
first ``batch_sizes[t]`` sequences (rows); the layer then works on the padded layout.

Large batches are split into row ranges that run as independent recurrences on worker threads
(their number is ``ember.ops.conv.get_num_threads()``, shared with the convolution kernels).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..autograd.function import Function, once_differentiable
from ..backend.errstate import quiet
from ..tensor import Tensor

__all__: list = []  # reached through ember.nn.LSTM / GRU / RNN
TENSOR_METHODS: tuple = ()

GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _sigmoid_of_neg_(xp, a):
    """a ← 1 / (1 + e^a) in place: σ(z) when a holds −z."""
    xp.exp(a, out=a)
    a += 1
    xp.reciprocal(a, out=a)


def _steps(T, reverse):
    return range(T - 1, -1, -1) if reverse else range(T)


def _rows(xp, x):
    """x (T, N, I) as a (T·N, I) matrix of rows in (t, n) order (a copy unless time-major)."""
    T, N, In = x.shape
    if not x.flags.c_contiguous:
        x = xp.ascontiguousarray(x)  # rows of I values: a fast copy, not a transpose
    return x.reshape(T * N, In)


def _by_gate(w, gates):
    """A (G·H, F) weight as (G, F, H) blocks: ``rows (.., F) @ block k`` is gate k."""
    GH, F = w.shape
    return w.reshape(gates, GH // gates, F).transpose(0, 2, 1)


def _input_proj(xp, x2, T, N, gates, w_ih, bias, scale=None):
    """(T, G, N, H): gate k of W_ih x_t + b for every step (rows of W and b scaled by
    ``scale`` when given), from x2 (T·N, I). Each step's gates are one contiguous block.

    As T·G small GEMMs in one batched call: on W3's shapes (T 80, N 64, I 64, H 64) 3.1 ms,
    against 4.3 for one (T·N, 4H) GEMM plus the copy into this layout."""
    w = w_ih if scale is None else w_ih * scale[:, None]
    out = xp.matmul(x2.reshape(T, 1, N, x2.shape[1]), _by_gate(w, gates))
    if bias is not None:
        b = bias if scale is None else bias * scale
        out += b.reshape(1, gates, 1, -1)
    return out


def _dw_hh(xp, dZ, Y, h0, reverse, Hp):
    """Σ_t dZ_tᵀ h_{t−1}: dZ (T, N, G·H), h_{t−1} = Y[t∓1] (or h0 where the sequence starts)."""
    T, N, GH = dZ.shape
    P = Y.shape[2]
    dZ2 = dZ.reshape(T * N, GH)
    if Hp is not None:
        return dZ2.T @ Hp.reshape(T * N, P)
    Y2 = Y.reshape(T * N, P)
    if reverse:
        out = dZ2[:-N].T @ Y2[N:]
        out += dZ[-1].T @ h0
    else:
        out = dZ2[N:].T @ Y2[:-N]
        out += dZ[0].T @ h0
    return out


def _shifted(xp, dst, src, first, reverse, op):
    """dst[t] op= state before step t, the states being src[t] (T, N, F) and ``first``."""
    if reverse:
        op(dst[:-1], src[1:], out=dst[:-1])
        op(dst[-1], first, out=dst[-1])
    else:
        op(dst[1:], src[:-1], out=dst[1:])
        op(dst[0], first, out=dst[0])


# -- forward kernels -----------------------------------------------------------------------------


def _lstm_fwd(xp, x2, T, h0, c0, w_ih, w_hh, b, w_hr, reverse, bs):
    N = h0.shape[0]
    H = w_hh.shape[0] // 4
    P = w_hh.shape[1]
    dt = x2.dtype
    scale = xp.full((4 * H,), -1, dtype=dt)
    scale[2 * H:3 * H] = -2
    G = _input_proj(xp, x2, T, N, 4, w_ih, b, scale)  # −z (σ gates), −2z (g), then activations
    U = _by_gate(w_hh * scale[:, None], 4)
    whrT = w_hr.T if w_hr is not None else None
    packed = bs is not None
    alloc = xp.zeros if packed else xp.empty
    Y = alloc((T, N, P), dtype=dt)
    C = alloc((T, N, H), dtype=dt)
    TC = alloc((T, N, H), dtype=dt)
    M = alloc((T, N, H), dtype=dt) if w_hr is not None else None
    tmp = xp.empty((4, N, H), dtype=dt)
    tmp2 = xp.empty((N, H), dtype=dt)
    h, c = h0, c0
    Hp = Cp = None
    if packed:
        Hp, Cp = xp.zeros((T, N, P), dtype=dt), xp.zeros((T, N, H), dtype=dt)
        hs, cs = h0.copy(), c0.copy()
    for t in _steps(T, reverse):
        if packed:
            n = bs[t]
            h, c = Hp[t, :n], Cp[t, :n]
            h[...] = hs[:n]
            c[...] = cs[:n]
            g, tm, tm2 = G[t, :, :n], tmp[:, :n], tmp2[:n]
            ct, tc, yt = C[t, :n], TC[t, :n], Y[t, :n]
            mt = M[t, :n] if M is not None else None
        else:
            g, tm, tm2, ct, tc, yt = G[t], tmp, tmp2, C[t], TC[t], Y[t]
            mt = M[t] if M is not None else None
        xp.matmul(h, U, out=tm)
        g += tm
        _sigmoid_of_neg_(xp, g)
        gi, gf, gg, go = g  # contiguous (N, H) blocks
        gg *= 2
        gg -= 1  # σ(2z)·2 − 1 = tanh(z)
        xp.multiply(gf, c, out=ct)
        xp.multiply(gi, gg, out=tm2)
        ct += tm2
        xp.tanh(ct, out=tc)
        if mt is None:
            xp.multiply(go, tc, out=yt)
        else:
            xp.multiply(go, tc, out=mt)
            xp.matmul(mt, whrT, out=yt)
        if packed:
            hs[:n] = yt
            cs[:n] = ct
        else:
            h, c = yt, ct
    states = (hs, cs) if packed else (h.copy(), c.copy())  # not views of the saved Y and C
    return Y, states, dict(G=G, C=C, TC=TC, M=M, Hp=Hp, Cp=Cp)


def _gru_fwd(xp, x2, T, h0, w_ih, w_hh, b_ih, b_hh, reverse, bs):
    N = h0.shape[0]
    H = w_hh.shape[0] // 3
    dt = x2.dtype
    scale = xp.full((3 * H,), -1, dtype=dt)
    scale[2 * H:] = 1
    G = _input_proj(xp, x2, T, N, 3, w_ih, b_ih, scale)  # −(W_r x + b), −(W_z x + b), W_n x + b_n
    U = _by_gate(w_hh * scale[:, None], 3)
    bhh = (b_hh * scale).reshape(3, 1, H) if b_hh is not None else None
    packed = bs is not None
    alloc = xp.zeros if packed else xp.empty
    HW = alloc((T, 3, N, H), dtype=dt)  # (scaled) U h + b' per step; its n part is unscaled
    Y = alloc((T, N, H), dtype=dt)
    tmp = xp.empty((N, H), dtype=dt)
    h = h0
    Hp = None
    if packed:
        Hp = xp.zeros((T, N, H), dtype=dt)
        hs = h0.copy()
    for t in _steps(T, reverse):
        if packed:
            n = bs[t]
            h = Hp[t, :n]
            h[...] = hs[:n]
            g, hw, tm, yt = G[t, :, :n], HW[t, :, :n], tmp[:n], Y[t, :n]
        else:
            g, hw, tm, yt = G[t], HW[t], tmp, Y[t]
        xp.matmul(h, U, out=hw)
        if bhh is not None:
            hw += bhh
        rz = g[:2]
        rz += hw[:2]
        _sigmoid_of_neg_(xp, rz)
        r, z, nt = g
        xp.multiply(r, hw[2], out=tm)
        nt += tm
        xp.tanh(nt, out=nt)
        xp.subtract(h, nt, out=tm)
        tm *= z
        xp.add(tm, nt, out=yt)
        if packed:
            hs[:n] = yt
        else:
            h = yt
    return Y, ((hs if packed else h.copy()),), dict(G=G, HW=HW, Hp=Hp)


def _rnn_fwd(xp, x2, T, h0, w_ih, w_hh, b, relu, reverse, bs):
    N = h0.shape[0]
    H = w_hh.shape[0]
    dt = x2.dtype
    G = _input_proj(xp, x2, T, N, 1, w_ih, b)[:, 0]  # pre-activations
    whhT = w_hh.T
    packed = bs is not None
    Y = (xp.zeros if packed else xp.empty)((T, N, H), dtype=dt)
    tmp = xp.empty((N, H), dtype=dt)
    h = h0
    Hp = None
    if packed:
        Hp = xp.zeros((T, N, H), dtype=dt)
        hs = h0.copy()
    for t in _steps(T, reverse):
        if packed:
            n = bs[t]
            h = Hp[t, :n]
            h[...] = hs[:n]
            gt, yt, tm = G[t, :n], Y[t, :n], tmp[:n]
        else:
            gt, yt, tm = G[t], Y[t], tmp
        xp.matmul(h, whhT, out=tm)
        gt += tm
        if relu:
            xp.maximum(gt, 0, out=yt)
        else:
            xp.tanh(gt, out=yt)
        if packed:
            hs[:n] = yt
        else:
            h = yt
    return Y, ((hs if packed else h.copy()),), dict(Hp=Hp)


# -- backward kernels ----------------------------------------------------------------------------


def _lstm_bwd(xp, s, gY, ghn, gcn):
    """Pre-activation gradients dZ (T, N, 4H) and the gradients of h0, c0 (and W_hr)."""
    G, C, TC, M, Y = s["G"], s["C"], s["TC"], s["M"], s["Y"]
    w_hh, w_hr, bs, reverse = s["w_hh"], s["w_hr"], s["bs"], s["reverse"]
    T, _, N, H = G.shape
    P = Y.shape[2]
    dt = G.dtype
    i, f, g, o = G.transpose(1, 0, 2, 3)  # (T, N, H) each
    # d(loss)/d(pre-activations) = dc ⊙ Q for the i, f, g gates and dm ⊙ Pm for o, where
    # dm = d(loss)/d(o⊙tanh c) and dc = dm ⊙ K + dc_next.
    Q = xp.empty((3, T, N, H), dtype=dt)
    Qi, Qf, Qg = Q
    xp.subtract(1, i, out=Qi)
    Qi *= i
    Qi *= g
    xp.subtract(1, f, out=Qf)
    Qf *= f
    if s["Cp"] is not None:
        Qf *= s["Cp"]
    else:
        _shifted(xp, Qf, C, s["c0"], reverse, xp.multiply)
    xp.multiply(g, g, out=Qg)
    xp.subtract(1, Qg, out=Qg)
    Qg *= i
    Pm = 1 - o
    Pm *= o
    Pm *= TC
    K = TC * TC
    xp.subtract(1, K, out=K)
    K *= o
    dG = (xp.zeros if bs is not None else xp.empty)((T, N, 4 * H), dtype=dt)
    DH = xp.zeros((T, N, P), dtype=dt) if w_hr is not None else None
    dh_next = ghn.copy()
    dc_next = gcn.copy()
    dh = xp.empty_like(dh_next)
    dc = xp.empty_like(dc_next)
    dm = xp.empty_like(dc_next) if w_hr is not None else None
    for t in _steps(T, not reverse):
        cut = slice(None) if bs is None else slice(0, bs[t])
        dhn, dcn, dct = dh_next[cut], dc_next[cut], dc[cut]
        dgt = dG[t, cut]
        dg4 = dgt.reshape(-1, 4, H)
        dht = DH[t, cut] if DH is not None else dh[cut]
        if gY is not None:
            xp.add(gY[t, cut], dhn, out=dht)
        elif w_hr is not None:
            dht[...] = dhn
        else:
            dht = dhn  # consumed before dhn is overwritten below
        dmt = xp.matmul(dht, w_hr, out=dm[cut]) if w_hr is not None else dht
        xp.multiply(dmt, K[t, cut], out=dct)
        dct += dcn
        xp.multiply(dct, Qi[t, cut], out=dg4[:, 0])
        xp.multiply(dct, Qf[t, cut], out=dg4[:, 1])
        xp.multiply(dct, Qg[t, cut], out=dg4[:, 2])
        xp.multiply(dmt, Pm[t, cut], out=dg4[:, 3])
        xp.multiply(dct, f[t, cut], out=dcn)
        xp.matmul(dgt, w_hh, out=dhn)
    out = dict(dZ=dG, dZh=dG, dh0=dh_next, dc0=dc_next)
    if w_hr is not None and s["need_whr"]:
        out["dw_hr"] = DH.reshape(T * N, P).T @ M.reshape(T * N, H)
    return out


def _gru_bwd(xp, s, gY, ghn):
    G, HW, Y, w_hh, bs, reverse = s["G"], s["HW"], s["Y"], s["w_hh"], s["bs"], s["reverse"]
    T, _, N, H = G.shape
    dt = G.dtype
    r, z, nn_ = G.transpose(1, 0, 2, 3)  # (T, N, H) each
    hwn = HW[:, 2]
    # With dh = d(loss)/dh': dn_pre = dh⊙A, dz_pre = dh⊙B, dr_pre = dh⊙A⊙(U_n h + b'_n)⊙r(1−r);
    # the recurrent pre-activation of n is r⊙(U_n h + b'_n), so its gradient is dn_pre⊙r.
    W1 = xp.empty((3, T, N, H), dtype=dt)
    Wr, Wz, A = W1
    xp.multiply(nn_, nn_, out=A)
    xp.subtract(1, A, out=A)
    A *= 1 - z
    if s["Hp"] is not None:
        xp.subtract(s["Hp"], nn_, out=Wz)
    else:
        xp.negative(nn_, out=Wz)
        _shifted(xp, Wz, Y, s["h0"], reverse, xp.add)
    Wz *= z
    Wz *= 1 - z
    xp.subtract(1, r, out=Wr)
    Wr *= r
    Wr *= hwn
    Wr *= A
    W2 = W1.copy()
    W2[2] *= r
    alloc = xp.zeros if bs is not None else xp.empty
    dHW = alloc((T, N, 3 * H), dtype=dt)
    DH = alloc((T, N, H), dtype=dt)
    dh_next = ghn.copy()
    tmp = xp.empty_like(dh_next)
    for t in _steps(T, not reverse):
        cut = slice(None) if bs is None else slice(0, bs[t])
        dhn, dht, tm, dhw = dh_next[cut], DH[t, cut], tmp[cut], dHW[t, cut]
        dh3 = dhw.reshape(-1, 3, H)
        if gY is not None:
            xp.add(gY[t, cut], dhn, out=dht)
        else:
            dht[...] = dhn
        xp.multiply(dht, W2[0, t, cut], out=dh3[:, 0])
        xp.multiply(dht, W2[1, t, cut], out=dh3[:, 1])
        xp.multiply(dht, W2[2, t, cut], out=dh3[:, 2])
        xp.matmul(dhw, w_hh, out=dhn)
        xp.multiply(dht, z[t, cut], out=tm)
        dhn += tm
    # input-side pre-activation gradients, all steps at once, as (T, N, 3H)
    dXW = xp.empty((T, N, 3 * H), dtype=dt)
    xp.multiply(W1, DH, out=dXW.reshape(T, N, 3, H).transpose(2, 0, 1, 3))
    return dict(dZ=dXW, dZh=dHW, dh0=dh_next)


def _rnn_bwd(xp, s, gY, ghn):
    Y, w_hh, bs, reverse, relu = s["Y"], s["w_hh"], s["bs"], s["reverse"], s["relu"]
    T, N, H = Y.shape
    if relu:
        D = (Y > 0).astype(Y.dtype)
    else:
        D = Y * Y
        xp.subtract(1, D, out=D)
    dZ = (xp.zeros if bs is not None else xp.empty)((T, N, H), dtype=Y.dtype)
    dh_next = ghn.copy()
    for t in _steps(T, not reverse):
        cut = slice(None) if bs is None else slice(0, bs[t])
        dhn, dzt = dh_next[cut], dZ[t, cut]
        if gY is not None:
            xp.add(gY[t, cut], dhn, out=dzt)
        else:
            dzt[...] = dhn
        dzt *= D[t, cut]
        xp.matmul(dzt, w_hh, out=dhn)
    return dict(dZ=dZ, dZh=dZ, dh0=dh_next)


# -- running the kernels over batch slices in parallel ------------------------------------------

MIN_COLUMNS = 16  # fewer sequences per thread are not worth a thread
MIN_STEP_WORK = 1 << 14  # gate values per thread and step: smaller steps lose to GIL hand-offs
_executor = None


def _ranges(xp, N, gate_rows):
    """Row ranges [a, b) of the batch that run in parallel threads (NumPy and BLAS release
    the GIL): the sequences of a batch are independent, so each range is its own recurrence.
    Each step makes a dozen NumPy calls per thread, so a thread needs enough work per call."""
    from .conv import get_num_threads

    threads = get_num_threads() if xp is np else 1
    parts = min(threads, N // MIN_COLUMNS, N * gate_rows // MIN_STEP_WORK)
    if parts <= 1:
        return [(0, N)]
    cuts = [N * i // parts for i in range(parts + 1)]
    return list(zip(cuts, cuts[1:]))


def _run(body, ranges):
    """[body(a, b) for each range], the ranges after the first on worker threads."""
    global _executor
    if len(ranges) == 1:
        return [body(*ranges[0])]
    if _executor is None or _executor._max_workers < len(ranges) - 1:
        _executor = ThreadPoolExecutor(max_workers=len(ranges) - 1,
                                       thread_name_prefix="ember-rnn")
    futures = [_executor.submit(body, a, b) for a, b in ranges[1:]]
    try:
        first = body(*ranges[0])
    finally:
        rest = [f.result() for f in futures]  # wait for every part, even on an error
    return [first] + rest


def _part_sizes(bs, a, b):
    """Batch sizes of the rows [a, b) of a packed batch (sorted by decreasing length)."""
    return None if bs is None else [min(max(n - a, 0), b - a) for n in bs]


class RNNLayer(Function):
    """One direction of one recurrent layer over a time-major (T, N, I) input (any strides).

    Returns (output (T, N, P) C-contiguous, h_n (N, P)) and, for the LSTM, c_n (N, H).
    """

    @staticmethod
    def forward(ctx, mode, x, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr, reverse, batch_sizes):
        xp = x.xp
        xd = x._data
        T, N, _ = xd.shape
        dt = xd.dtype
        rows = w_hh.shape[0] // GATES[mode]
        P = w_hh.shape[1]
        h0 = hx._data if hx is not None else xp.zeros((N, P), dtype=dt)
        c0 = None
        if mode == "LSTM":
            c0 = cx._data if cx is not None else xp.zeros((N, rows), dtype=dt)
        wi, wh = w_ih._data, w_hh._data
        wr = None if w_hr is None else w_hr._data
        bi = b_ih._data if b_ih is not None else None
        bh = b_hh._data if b_hh is not None else None
        b = bi + bh if bi is not None and mode != "GRU" else None

        def body(a, c):
            q = quiet()
            q.__enter__()
            try:
                x2, hk, bsk = _rows(xp, xd[:, a:c]), h0[a:c], _part_sizes(batch_sizes, a, c)
                if mode == "LSTM":
                    return _lstm_fwd(xp, x2, T, hk, c0[a:c], wi, wh, b, wr, reverse, bsk)
                if mode == "GRU":
                    return _gru_fwd(xp, x2, T, hk, wi, wh, bi, bh, reverse, bsk)
                return _rnn_fwd(xp, x2, T, hk, wi, wh, b, mode == "RNN_RELU", reverse, bsk)
            finally:
                q.__exit__(None, None, None)

        ranges = _ranges(xp, N, w_hh.shape[0])
        parts = _run(body, ranges)
        if len(parts) == 1:
            Y, states, _ = parts[0]
        else:
            Y = xp.empty((T, N, P), dtype=dt)
            states = tuple(xp.empty((N, st.shape[1]), dtype=dt) for st in parts[0][1])
            for (a, c), (Yk, sk, _) in zip(ranges, parts):
                Y[:, a:c] = Yk
                for st, stk in zip(states, sk):
                    st[a:c] = stk
        if any(ctx.needs_input_grad):
            ctx.kernel_state = dict(
                ranges=ranges, parts=[(Yk, saved) for Yk, _, saved in parts], h0=h0, c0=c0,
                reverse=reverse, bs=batch_sizes, mode=mode, relu=mode == "RNN_RELU",
                has_bias=b_ih is not None)
            ctx.save_for_backward(x, w_ih, w_hh, w_hr, Y)
            ctx.set_materialize_grads(False)  # unused outputs: no zero arrays to add
        return (Y,) + tuple(states)

    def _free(self):
        super()._free()
        self.__dict__.pop("kernel_state", None)  # the gate arrays go with the saved tensors

    @staticmethod
    @once_differentiable
    def backward(ctx, gY, ghn, gcn=None):
        x, w_ih, w_hh, w_hr, out = ctx.saved_tensors  # (checks the versions)
        ks = ctx.kernel_state
        need = ctx.needs_input_grad
        xp = x.xp
        xd = x._data
        T, N, In = xd.shape
        dt = xd.dtype
        mode, reverse, bs = ks["mode"], ks["reverse"], ks["bs"]
        wi, wh = w_ih._data, w_hh._data
        wr = None if w_hr is None else w_hr._data
        gYd = None if gY is None else gY._data
        P = wh.shape[1]
        ghd = ghn._data if ghn is not None else xp.zeros((N, P), dtype=dt)
        gcd = None
        if mode == "LSTM":
            gcd = gcn._data if gcn is not None else xp.zeros((N, ks["c0"].shape[1]), dtype=dt)

        def body(part, a, c):
            Yk, saved = part
            s = dict(saved, Y=Yk, w_hh=wh, w_hr=wr, need_whr=need[8], reverse=reverse,
                     bs=_part_sizes(bs, a, c), relu=ks["relu"], h0=ks["h0"][a:c])
            gYf = None if gYd is None else gYd[:, a:c]  # (T, n, P), any strides
            q = quiet()
            q.__enter__()
            try:
                if mode == "LSTM":
                    s["c0"] = ks["c0"][a:c]
                    r = _lstm_bwd(xp, s, gYf, ghd[a:c], gcd[a:c])
                elif mode == "GRU":
                    r = _gru_bwd(xp, s, gYf, ghd[a:c])
                else:
                    r = _rnn_bwd(xp, s, gYf, ghd[a:c])
            finally:
                q.__exit__(None, None, None)
            dZ, dZh = r["dZ"], r["dZh"]
            n = c - a
            dZ2 = dZ.reshape(T * n, -1)
            g = {}
            if need[1]:
                g[1] = (dZ2 @ wi).reshape(T, n, In)
            if need[2]:
                g[2] = r["dh0"]
            if need[3]:
                g[3] = r["dc0"]
            if need[4]:
                g[4] = dZ2.T @ _rows(xp, xd[:, a:c])
            if need[5]:
                g[5] = _dw_hh(xp, dZh, Yk, s["h0"], reverse, s["Hp"])
            if ks["has_bias"] and (need[6] or need[7]):
                g[6] = dZ2.sum(0)
                g[7] = g[6] if dZh is dZ else dZh.reshape(T * n, -1).sum(0)
            if need[8]:
                g[8] = r["dw_hr"]
            return g

        ranges = ks["ranges"]
        by_range = dict(zip(ranges, ks["parts"]))
        results = _run(lambda a, c: body(by_range[(a, c)], a, c), ranges)
        grads = [None] * 11
        if len(results) == 1:
            grads_map = results[0]
            for i, v in grads_map.items():
                grads[i] = v
            if ks["has_bias"] and grads[7] is grads[6] and grads[6] is not None:
                grads[7] = grads[6].copy()
        else:
            for i in results[0]:
                if i in (1, 2, 3):  # per-sequence gradients: place each part's columns
                    full = xp.empty(((T, N, In) if i == 1 else (N, results[0][i].shape[1])),
                                    dtype=dt)
                    for (a, c), res in zip(ranges, results):
                        if i == 1:
                            full[:, a:c] = res[i]
                        else:
                            full[a:c] = res[i]
                    grads[i] = full
                else:  # parameter gradients: sum over the parts
                    total = results[0][i].copy()
                    for res in results[1:]:
                        total += res[i]
                    grads[i] = total
        if not need[6]:
            grads[6] = None
        if not need[7]:
            grads[7] = None
        return tuple(None if g is None else Tensor._make(g) for g in grads)


def rnn_layer(mode, x, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr=None, reverse=False,
              batch_sizes=None):
    """Run one direction of one recurrent layer (``mode`` LSTM, GRU, RNN_TANH or RNN_RELU).

    x (T, N, I) time-major; hx (N, P) or None (zeros); cx (N, H) or None for the LSTM.
    Returns (output (T, N, P), h_n) or, for the LSTM, (output, h_n, c_n).
    """
    if batch_sizes is not None:
        batch_sizes = [int(b) for b in batch_sizes]
    out = RNNLayer.apply(mode, x, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr, reverse, batch_sizes)
    return out


# -- packed <-> padded ---------------------------------------------------------------------------


def _packed_index(xp, batch_sizes, N):
    """Row indices of the packed rows inside the flattened (T·N) padded layout."""
    idx = np.concatenate([t * N + np.arange(int(b)) for t, b in enumerate(batch_sizes)])
    return xp.asarray(idx)


class PackedToPadded(Function):
    """Packed rows (Σ batch_sizes, *) scattered into a zero-padded (T, N, *) array."""

    @staticmethod
    def forward(ctx, data, batch_sizes, padding_value):
        xp = data.xp
        d = data._data
        T, N = len(batch_sizes), int(batch_sizes[0])
        idx = _packed_index(xp, batch_sizes, N)
        out = xp.full((T * N,) + d.shape[1:], padding_value, dtype=d.dtype)
        out[idx] = d
        ctx.batch_sizes = batch_sizes
        return out.reshape((T, N) + d.shape[1:])

    @staticmethod
    def backward(ctx, g):
        return PaddedToPacked.apply(g, ctx.batch_sizes), None, None


class PaddedToPacked(Function):
    """The rows of a time-major padded (T, N, *) array that the batch sizes keep, in order."""

    @staticmethod
    def forward(ctx, padded, batch_sizes):
        xp = padded.xp
        d = padded._data
        T, N = d.shape[0], d.shape[1]
        ctx.batch_sizes = batch_sizes
        ctx.T, ctx.N = T, N
        idx = _packed_index(xp, batch_sizes, N)
        return d.reshape((T * N,) + d.shape[2:])[idx]

    @staticmethod
    def backward(ctx, g):
        out = PackedToPadded.apply(g, ctx.batch_sizes, 0)
        if out.shape[0] != ctx.T or out.shape[1] != ctx.N:  # padded beyond the longest sequence
            from .shape import pad

            extra = [0, 0] * (out.ndim - 2) + [0, ctx.N - out.shape[1], 0, ctx.T - out.shape[0]]
            out = pad(out, extra)
        return out, None


def packed_to_padded(data: Tensor, batch_sizes, padding_value=0.0) -> Tensor:
    """Scatter packed rows into a padded time-major (T, N, *) tensor (differentiable)."""
    return PackedToPadded.apply(data, [int(b) for b in batch_sizes], padding_value)


def padded_to_packed(padded: Tensor, batch_sizes) -> Tensor:
    """Gather the packed rows of a padded time-major (T, N, *) tensor (differentiable)."""
    return PaddedToPacked.apply(padded, [int(b) for b in batch_sizes])
