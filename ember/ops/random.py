"""Random tensors (``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ``bernoulli``,
``multinomial``, ``poisson``) and the in-place fills (``uniform_``, ``normal_``, ...).

Every draw comes from ``ember.backend.generator_for(device, generator).rng``: the device's
default generator (seeded by ``ember.manual_seed``) or an explicit ``ember.Generator``. Float32
samples are drawn in float32 directly. As in PyTorch, the gradient of a sample with respect to
the distribution's parameters is defined as zero (these ops are not reparameterised).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import backend as B
from ..autograd.function import Function
from ..autograd.grad_mode import state as grad_state
from ..tensor import Tensor
from ._util import broadcast_shapes_for, inplace
from .creation import _finish, _varargs_size, size_arg

__all__ = ["rand", "randn", "randint", "rand_like", "randn_like", "randint_like", "randperm",
           "normal", "bernoulli", "multinomial", "poisson"]
TENSOR_METHODS = ("bernoulli", "multinomial", "uniform_", "normal_", "bernoulli_", "random_",
                  "exponential_", "geometric_", "log_normal_", "cauchy_")

_F16, _F32, _F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)


# -- helpers -----------------------------------------------------------------------------------

def _gen(op: str, device, generator) -> B.Generator:
    """The generator to draw from, checked against the device."""
    if generator is not None:
        if not isinstance(generator, B.Generator):
            raise TypeError(
                f"{op}(): generator must be an ember.Generator, not {type(generator).__name__}")
        dev = B.as_device(device)
        if generator.device.type != dev.type:
            raise RuntimeError(
                f"{op}(): Expected a '{dev.type}' device type for generator but found "
                f"'{generator.device.type}'; create it with ember.Generator('{dev.type}')")
    return B.generator_for(device, generator)


def _float_dtype(op: str, dtype, hint: str = "") -> B.dtype:
    dt = B.as_dtype(dtype) if dtype is not None else B.get_default_dtype()
    if not dt.is_floating_point:
        raise NotImplementedError(
            f"{op}(): expected a floating point dtype (float16, float32 or float64), got "
            f"{dt}{hint}")
    return dt


def _on(dev):
    """A context that makes ``dev`` current (CUDA) or does nothing (CPU)."""
    if dev.type == "cpu":
        return _NullCtx
    return B.cupy().cuda.Device(dev.index or 0)


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_NullCtx = _Null()


def _uniform(rng, shape, npd):
    """U[0, 1) samples of ``npd``, drawn in float32/float64 directly; float16 as multiples of
    2**-11 (rounding a float32 draw could give 1.0)."""
    if npd == _F32 or npd == _F64:
        return rng.random(shape, dtype=npd)
    out = rng.integers(0, 2048, size=shape, dtype=np.int16).astype(npd)
    out *= npd.type(2.0 ** -11)
    return out


def _standard_normal(rng, shape, npd):
    if npd == _F32 or npd == _F64:
        return rng.standard_normal(shape, dtype=npd)
    return rng.standard_normal(shape, dtype=_F32).astype(npd)


def _into(a, draw):
    """Run ``draw(shape, dtype, out)`` writing straight into ``a`` when the generator can
    (a contiguous float32/float64 array), else through a temporary."""
    if (a.dtype == _F32 or a.dtype == _F64) and (a.flags.c_contiguous or a.flags.f_contiguous):
        draw(None, a.dtype, a)
    else:
        ct = a.dtype if a.dtype == _F64 else _F32
        a[...] = draw(a.shape, ct, None)


def _into_uniform(rng, a):
    """U[0, 1) samples written into ``a``."""
    if a.dtype == _F16:
        a[...] = _uniform(rng, a.shape, _F16)
    else:
        _into(a, lambda shape, dt, out: rng.random(shape, dtype=dt, out=out))


def _int_arg(op: str, name: str, v) -> int:
    if isinstance(v, Tensor) and v._data.size == 1 and v._data.dtype.kind in "iu":
        v = v.item()
    if not isinstance(v, (int, np.integer)) or isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{op}(): argument '{name}' must be int, not {type(v).__name__}")
    return int(v)


def _real_arg(op: str, name: str, v) -> float:
    if isinstance(v, Tensor) and v._data.size == 1:
        v = v.item()
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{op}(): argument '{name}' must be a number, not {type(v).__name__}")
    return v


def _int_range(op: str, low: int, high: int, dt: B.dtype) -> None:
    """PyTorch's bounds check for integer draws in [low, high) into ``dt``."""
    if low >= high:
        raise RuntimeError(
            f"{op}(): random_ expects 'from' to be less than 'to', but got from={low} >= "
            f"to={high}")
    if dt.is_floating_point:
        return
    if dt is B.as_dtype("bool"):
        lo, hi = 0, 1
    else:
        info = np.iinfo(dt.np)
        lo, hi = int(info.min), int(info.max)
    if not lo <= low <= hi:
        raise RuntimeError(f"{op}(): from={low} is out of bounds for {dt} (range [{lo}, {hi}])")
    if not lo <= high - 1 <= hi:
        raise RuntimeError(
            f"{op}(): to - 1 = {high - 1} is out of bounds for {dt} (range [{lo}, {hi}])")


def _integers(rng, low, high, shape, npd):
    """Integers uniform in [low, high) as ``npd`` (drawn directly for integer dtypes)."""
    if npd.kind in "iub":
        return rng.integers(low, high, size=shape, dtype=npd)
    return rng.integers(low, high, size=shape, dtype=np.int64).astype(npd)


class _Draw(Function):
    """A sample from a distribution with tensor parameters. PyTorch defines the gradient of a
    sample with respect to its parameters as zero, so ``backward`` returns zeros."""

    @staticmethod
    def forward(ctx, sample, *params):
        ctx.params = tuple((p.shape, p.dtype) if isinstance(p, Tensor) else None for p in params)
        return sample

    @staticmethod
    def backward(ctx, g):
        from .creation import zeros

        grads = [None]
        for need, meta in zip(ctx.needs_input_grad[1:], ctx.params):
            grads.append(zeros(meta[0], dtype=meta[1], device=g.device) if need else None)
        return tuple(grads)


class Normal(_Draw):
    pass


class Bernoulli(_Draw):
    pass


class Poisson(_Draw):
    pass


class Uniform(_Draw):
    pass


class Random(_Draw):
    pass


class Exponential(_Draw):
    pass


class Geometric(_Draw):
    pass


class LogNormal(_Draw):
    pass


class Cauchy(_Draw):
    pass


def _sampled(fn, sample, requires_grad, *params) -> Tensor:
    """Wrap ``sample``: through ``fn`` (zero gradient) when a parameter tensor requires grad."""
    if grad_state.enabled and any(isinstance(p, Tensor) and p._requires_grad for p in params):
        return fn.apply(sample, *params)
    return _finish(sample, requires_grad)


# -- factories ---------------------------------------------------------------------------------

def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False, **kwargs) -> Tensor:
    """Samples from the uniform distribution on [0, 1): ``rand(2, 3)`` or ``rand((2, 3))``.

    >>> g = ember.Generator().manual_seed(0)
    >>> x = rand(2, 3, generator=g)
    >>> x.shape, x.dtype, all(0 <= v < 1 for row in x.tolist() for v in row)
    (ember.Size([2, 3]), ember.float32, True)
    """
    shape = _varargs_size("rand", size, kwargs)
    dt = _float_dtype("rand", dtype if dtype is not None or out is None else out.dtype,
                      "; use randint() for integers")
    dev = B.as_device(device)
    rng = _gen("rand", dev, generator).rng
    with _on(dev):
        data = _uniform(rng, shape, B.to_numpy_dtype(dt))
    return _finish(data, requires_grad, out, "rand")


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False, **kwargs) -> Tensor:
    """Samples from the standard normal distribution N(0, 1).

    >>> _ = ember.manual_seed(0)
    >>> randn(4).shape
    ember.Size([4])
    """
    shape = _varargs_size("randn", size, kwargs)
    dt = _float_dtype("randn", dtype if dtype is not None or out is None else out.dtype)
    dev = B.as_device(device)
    rng = _gen("randn", dev, generator).rng
    with _on(dev):
        data = _standard_normal(rng, shape, B.to_numpy_dtype(dt))
    return _finish(data, requires_grad, out, "randn")


def _randint_bounds(op, low, high, size):
    """``(high, size)``, ``(low, high, size)`` and keyword forms as (low, high, size)."""
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if size is None:
        raise TypeError(f"{op}(): missing the required argument 'size' (a tuple of ints)")
    if not isinstance(size, (tuple, list)):
        raise TypeError(
            f"{op}(): argument 'size' must be tuple of ints, not {type(size).__name__}; "
            f"e.g. {op}(0, 10, (3,))")
    return _int_arg(op, "low", low), _int_arg(op, "high", high), size_arg((size,), op)


def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None,
            device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """Integers drawn uniformly from [``low``, ``high``): ``randint(high, size)`` or
    ``randint(low, high, size)``; int64 unless ``dtype`` says otherwise.

    >>> x = randint(3, 7, (5,))
    >>> x.dtype, all(3 <= v < 7 for v in x.tolist())
    (ember.int64, True)
    """
    low, high, shape = _randint_bounds("randint", low, high, size)
    dt = B.as_dtype(dtype) if dtype is not None else (
        out.dtype if isinstance(out, Tensor) else B.as_dtype("int64"))
    _int_range("randint", low, high, dt)
    dev = B.as_device(device)
    rng = _gen("randint", dev, generator).rng
    with _on(dev):
        data = _integers(rng, low, high, shape, B.to_numpy_dtype(dt))
    return _finish(data, requires_grad, out, "randint")


def _like_args(op, input, dtype, device):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, not {type(input).__name__}")
    dt = B.as_dtype(dtype) if dtype is not None else input.dtype
    dev = B.as_device(device) if device is not None else input.device
    return input._data.shape, dt, dev


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None,
              requires_grad=False, memory_format=None) -> Tensor:
    """``rand`` with the shape (and by default dtype and device) of ``input``.

    >>> rand_like(ember.zeros(2, dtype=ember.float64)).dtype
    ember.float64
    """
    shape, dt, dev = _like_args("rand_like", input, dtype, device)
    return rand(shape, generator=generator, dtype=dt, device=dev, requires_grad=requires_grad)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None,
               requires_grad=False, memory_format=None) -> Tensor:
    """``randn`` with the shape (and by default dtype and device) of ``input``.

    >>> randn_like(ember.zeros(2, 3)).shape
    ember.Size([2, 3])
    """
    shape, dt, dev = _like_args("randn_like", input, dtype, device)
    return randn(shape, generator=generator, dtype=dt, device=dev, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None,
                 device=None, requires_grad=False, memory_format=None) -> Tensor:
    """``randint`` with the shape (and by default dtype and device) of ``input``:
    ``randint_like(x, high)`` or ``randint_like(x, low, high)``.

    >>> randint_like(ember.zeros(3, dtype=ember.int32), 10).dtype
    ember.int32
    """
    shape, dt, dev = _like_args("randint_like", input, dtype, device)
    if high is None:
        low, high = 0, low
    return randint(low, high, shape, generator=generator, dtype=dt, device=dev,
                   requires_grad=requires_grad)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 by default).

    >>> sorted(randperm(5).tolist())
    [0, 1, 2, 3, 4]
    """
    n = _int_arg("randperm", "n", n)
    if n < 0:
        raise RuntimeError(f"randperm(): n must be non-negative, got {n}")
    dt = B.as_dtype(dtype) if dtype is not None else (
        out.dtype if isinstance(out, Tensor) else B.as_dtype("int64"))
    if dt is B.as_dtype("bool"):
        raise NotImplementedError("randperm(): not implemented for ember.bool; use an integer "
                                  "or floating dtype")
    if not dt.is_floating_point and n > 0 and n - 1 > np.iinfo(dt.np).max:
        raise RuntimeError(
            f"randperm(): n={n} is too large for {dt} (its largest value is "
            f"{np.iinfo(dt.np).max}); use dtype=ember.int64")
    dev = B.as_device(device)
    rng = _gen("randperm", dev, generator).rng
    with _on(dev):
        # CuPy's Generator has no permutation: ranking uniform keys gives the same law
        data = rng.permutation(n) if dev.type == "cpu" else B.array_module(dev).argsort(
            rng.random(n))
        data = data.astype(B.to_numpy_dtype(dt), copy=False)
    return _finish(data, requires_grad, out, "randperm")


# -- distributions with tensor parameters ------------------------------------------------------

def _check_float_tensor(op: str, t: Tensor, name: str, hint: str = "") -> None:
    if t._data.dtype.kind != "f":
        raise NotImplementedError(
            f"{op}(): {name} must be a floating point tensor, got {t.dtype}{hint}")


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """Samples from N(``mean``, ``std``²), in PyTorch's forms: tensor ``mean`` and/or tensor
    ``std`` (broadcast together; the other may be a float), or float ``mean`` and ``std`` with
    ``size``. The gradient with respect to ``mean``/``std`` is zero, as in PyTorch.

    >>> normal(ember.zeros(2, 3), 1.0).shape
    ember.Size([2, 3])
    >>> normal(0.0, 2.0, size=(4,)).dtype
    ember.float32
    """
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mt and not st:
        mean, std = _real_arg("normal", "mean", mean), _real_arg("normal", "std", std)
        if size is None:
            raise TypeError(
                "normal(): with float mean and std the size is required: normal(mean, std, size)"
                ", or pass mean/std as tensors")
        if std < 0:
            raise RuntimeError(f"normal(): normal expects std >= 0.0, but found std {std}")
        shape = size_arg(size if isinstance(size, (tuple, list)) else (size,), "normal")
        dt = _float_dtype("normal", dtype if dtype is not None or out is None else out.dtype)
        dev = B.as_device(device)
        rng = _gen("normal", dev, generator).rng
        with _on(dev):
            data = _standard_normal(rng, shape, B.to_numpy_dtype(dt))
            if std != 1:
                data *= std
            if mean != 0:
                data += mean
        return _finish(data, requires_grad, out, "normal")
    if size is not None:
        raise TypeError("normal(): size is only accepted with float mean and std; tensor "
                        "parameters give the shape")
    if mt:
        _check_float_tensor("normal", mean, "mean")
    else:
        mean = _real_arg("normal", "mean", mean)
    if st:
        _check_float_tensor("normal", std, "std")
        if std._data.size and bool((std._data < 0).any()):
            raise RuntimeError("normal(): normal expects all elements of std >= 0.0")
    else:
        std = _real_arg("normal", "std", std)
        if std < 0:
            raise RuntimeError(f"normal(): normal expects std >= 0.0, but found std {std}")
    if mt and st:
        if type(mean._data) is not type(std._data) or mean.device != std.device:
            raise RuntimeError(
                f"normal(): Expected all tensors to be on the same device, but found "
                f"{mean.device} and {std.device}")
        shape = broadcast_shapes_for("normal", mean._data.shape, std._data.shape)
        dt = B.promote_types(mean.dtype, std.dtype)
    else:
        like = mean if mt else std
        shape, dt = like._data.shape, like.dtype
    dev = (mean if mt else std).device
    npd = B.to_numpy_dtype(dt)
    rng = _gen("normal", dev, generator).rng
    with _on(dev):
        data = _standard_normal(rng, shape, npd)
        data *= std._data if st else std
        data += mean._data if mt else mean
    sample = _sampled(Normal, data, False, mean, std)
    if out is not None:
        from .creation import _write_out

        return _write_out("normal", out, sample._data)
    return sample


def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    """0/1 samples: 1 with probability ``input`` (elementwise), or with probability ``p`` for
    every element when ``p`` is given; the result has ``input``'s shape and dtype.

    >>> bernoulli(ember.tensor([0.0, 1.0, 1.0]))
    tensor([0., 1., 1.])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli(): argument 'input' must be a Tensor, not "
                        f"{type(input).__name__}")
    a = input._data
    rng = _gen("bernoulli", input.device, generator).rng
    if p is None:
        _check_float_tensor("bernoulli", input, "input (the probabilities)",
                            "; pass p= to sample an integer tensor's shape")
        if a.size and not bool(((a >= 0) & (a <= 1)).all()):
            raise RuntimeError(
                "bernoulli(): expected every probability in input to be in [0, 1] (found values "
                "outside it or nan)")
        with _on(input.device):
            data = (rng.random(a.shape) < a).astype(a.dtype)
    else:
        p = _real_arg("bernoulli", "p", p)
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli(): bernoulli_ expects p to be in [0, 1], but got p={p}")
        with _on(input.device):
            data = (rng.random(a.shape) < p).astype(a.dtype)
    sample = _sampled(Bernoulli, data, False, input)
    if out is not None:
        from .creation import _write_out

        return _write_out("bernoulli", out, sample._data)
    return sample


def poisson(input, generator=None) -> Tensor:
    """Samples from the Poisson distribution with rates ``input`` (elementwise), same dtype.

    >>> poisson(ember.zeros(3))
    tensor([0., 0., 0.])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"poisson(): argument 'input' must be a Tensor, not {type(input).__name__}")
    _check_float_tensor("poisson", input, "input (the rates)")
    a = input._data
    if a.size and not bool((a >= 0).all()):
        raise RuntimeError("poisson(): invalid Poisson rate, expected every rate to be "
                           "non-negative (found a negative value or nan)")
    rng = _gen("poisson", input.device, generator).rng
    with _on(input.device):
        data = rng.poisson(a).astype(a.dtype)
    return _sampled(Poisson, data, False, input)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None) -> Tensor:
    """Category indices drawn from each row of ``input`` (non-negative weights, 1-D or 2-D):
    ``num_samples`` per row, with or without replacement. Returns int64 of shape
    ``(num_samples,)`` or ``(rows, num_samples)``.

    >>> multinomial(ember.tensor([0.0, 1.0, 0.0]), 2, replacement=True)
    tensor([1, 1])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial(): argument 'input' must be a Tensor, not "
                        f"{type(input).__name__}")
    n = _int_arg("multinomial", "num_samples", num_samples)
    a = input._data
    if a.ndim not in (1, 2):
        raise RuntimeError(
            f"multinomial(): prob_dist must be 1 or 2 dim, got shape {tuple(a.shape)}")
    if a.dtype.kind != "f":
        raise RuntimeError(
            f"multinomial(): multinomial only supports floating-point dtypes for input, got: "
            f"{input.dtype}; convert the weights with .float()")
    k = a.shape[-1]
    if n <= 0:
        raise RuntimeError(f"multinomial(): cannot sample n_sample <= 0 samples (got {n})")
    if not replacement and n > k:
        raise RuntimeError(
            f"multinomial(): cannot sample n_sample > prob_dist.size(-1) samples without "
            f"replacement ({n} > {k}); pass replacement=True or ask for at most {k}")
    xp = input.xp
    rows = a.reshape(-1, k) if a.ndim == 2 else a.reshape(1, k)
    if rows.shape[0] == 0:
        return _finish(xp.zeros((0, n), dtype=np.int64), False, out, "multinomial")
    if not bool((rows >= 0).all()) or not bool(xp.isfinite(rows).all()):
        raise RuntimeError(
            "multinomial(): probability tensor contains either `inf`, `nan` or element < 0")
    w = rows.astype(np.float64)
    sums = w.sum(axis=1)
    if k == 0 or not bool((sums > 0).all()):
        raise RuntimeError("multinomial(): invalid multinomial distribution (sum of "
                           "probabilities <= 0)")
    rng = _gen("multinomial", input.device, generator).rng
    with _on(input.device):
        if replacement:
            idx = _with_replacement(xp, rng, w, n)
        else:
            idx = _without_replacement(xp, rng, w, n)
    if a.ndim == 1:
        idx = idx.reshape(n)
    return _finish(idx, False, out, "multinomial")


def _with_replacement(xp, rng, w, n):
    """``n`` i.i.d. draws per row by inverse CDF: ``searchsorted(cdf, u)`` with every row
    offset into its own unit interval so that one search serves all rows."""
    r, k = w.shape
    cdf = xp.cumsum(w, axis=1)
    cdf /= cdf[:, -1:]  # the last entry is exactly 1, so u in [0, 1) never runs past the row
    u = rng.random((r, n))
    if r == 1:
        return xp.searchsorted(cdf[0], u[0], side="right").astype(np.int64)[None]
    off = xp.arange(r, dtype=np.float64)[:, None]
    u += off
    # u + i can round up to i + 1; keep it inside row i (below its last positive category).
    xp.minimum(u, xp.nextafter(off + 1.0, off), out=u)
    idx = xp.searchsorted((cdf + off).ravel(), u.ravel(), side="right").reshape(r, n)
    idx -= (xp.arange(r, dtype=np.int64) * k)[:, None]
    return idx.astype(np.int64, copy=False)


def _without_replacement(xp, rng, w, n):
    """Sequential sampling without replacement as one sort: the ``n`` largest keys
    ``w / E`` with ``E ~ Exp(1)`` (the first is distributed as ``w / w.sum()``, and so on)."""
    keys = w / rng.standard_exponential(w.shape)
    if n == 1:
        return xp.argmax(keys, axis=1)[:, None].astype(np.int64)
    neg = -keys
    k = w.shape[1]
    if n < k:
        part = xp.argpartition(neg, n - 1, axis=1)[:, :n]
        order = xp.argsort(xp.take_along_axis(neg, part, axis=1), axis=1, kind="stable")
        return xp.take_along_axis(part, order, axis=1).astype(np.int64)
    return xp.argsort(neg, axis=1, kind="stable")[:, :n].astype(np.int64)


# -- in-place fills ----------------------------------------------------------------------------

def _fill_(op: str, self, fn, draw, *params) -> Tensor:
    """Fill ``self`` with ``draw(array)``: straight into its memory when autograd isn't
    recording; otherwise through ``inplace`` (the graph gets ``fn``, whose gradient is zero)."""
    if not isinstance(self, Tensor):
        raise TypeError(f"{op}(): expected a Tensor, got {type(self).__name__}")
    if grad_state.enabled and (self._requires_grad or any(
            isinstance(p, Tensor) and p._requires_grad for p in params)):
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError(
                f"{op}(): a leaf Variable that requires grad is being used in an in-place "
                "operation. Do it under `with ember.no_grad():` (e.g. initialising a weight).")

        def out_of_place(old, *ps):
            sample = old.xp.empty_like(old._data)
            with _on(self.device):
                draw(sample)
            return fn.apply(sample, old, *ps)

        return inplace(op, self, out_of_place, *params)
    with _on(self.device):
        draw(self._data)
    self._vc[0] += 1
    return self


def _float_self(op: str, self) -> None:
    if not isinstance(self, Tensor):
        raise TypeError(f"{op}(): expected a Tensor, got {type(self).__name__}")
    if self._data.dtype.kind != "f":
        raise NotImplementedError(
            f"{op}(): expected a floating point tensor, got {self.dtype}; this distribution is "
            "continuous (convert with .float() first)")


def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kwargs) -> Tensor:
    """Fill ``self`` with samples from the uniform distribution on [``from``, ``to``).
    (``from`` is a Python keyword: pass it positionally, as ``from_=`` or ``**{"from": a}``.)

    >>> x = ember.empty(1000).uniform_(-2, 3)
    >>> all(-2 <= v < 3 for v in x.tolist())
    True
    """
    if "from" in kwargs:
        from_ = kwargs.pop("from")
    if kwargs:
        raise TypeError(f"uniform_() got unexpected keyword argument(s) {sorted(kwargs)}")
    _float_self("uniform_", self)
    a, b = _real_arg("uniform_", "from", from_), _real_arg("uniform_", "to", to)
    if a > b:
        raise RuntimeError(
            f"uniform_(): uniform_ expects to return a [from, to) range, but found from={a} > "
            f"to={b}")
    rng = _gen("uniform_", self.device, generator).rng

    def draw(x):
        _into_uniform(rng, x)
        if b - a != 1:
            x *= b - a
        if a != 0:
            x += a

    return _fill_("uniform_", self, Uniform, draw)


def normal_(self, mean=0.0, std=1.0, *, generator=None) -> Tensor:
    """Fill ``self`` with samples from N(``mean``, ``std``²).

    >>> ember.zeros(2, 3).normal_(0.0, 0.5).shape
    ember.Size([2, 3])
    """
    _float_self("normal_", self)
    m, s = _real_arg("normal_", "mean", mean), _real_arg("normal_", "std", std)
    if s < 0:
        raise RuntimeError(f"normal_(): normal expects std >= 0.0, but found std {s}")
    rng = _gen("normal_", self.device, generator).rng

    def draw(x):
        _into(x, lambda shape, dt, out: rng.standard_normal(shape, dtype=dt, out=out))
        if s != 1:
            x *= s
        if m != 0:
            x += m

    return _fill_("normal_", self, Normal, draw)


def bernoulli_(self, p=0.5, *, generator=None) -> Tensor:
    """Fill ``self`` with 0/1 samples that are 1 with probability ``p`` (a float, or a tensor
    that broadcasts to ``self``'s shape).

    >>> ember.zeros(3).bernoulli_(1.0)
    tensor([1., 1., 1.])
    """
    if not isinstance(self, Tensor):
        raise TypeError(f"bernoulli_(): expected a Tensor, got {type(self).__name__}")
    rng = _gen("bernoulli_", self.device, generator).rng
    if isinstance(p, Tensor):
        _check_float_tensor("bernoulli_", p, "p")
        shape = broadcast_shapes_for("bernoulli_", self._data.shape, p._data.shape)
        if shape != self._data.shape:
            raise RuntimeError(
                f"bernoulli_(): p of shape {tuple(p.shape)} must broadcast to self's shape "
                f"{tuple(self.shape)}")
        pa = p._data
        if pa.size and not bool(((pa >= 0) & (pa <= 1)).all()):
            raise RuntimeError("bernoulli_(): expected every probability in p to be in [0, 1]")

        def draw(x):
            x[...] = rng.random(x.shape) < pa

        return _fill_("bernoulli_", self, Bernoulli, draw, p)
    q = _real_arg("bernoulli_", "p", p)
    if not 0 <= q <= 1:
        raise RuntimeError(f"bernoulli_(): bernoulli_ expects p to be in [0, 1], but got p={q}")

    def draw_scalar(x):
        x[...] = rng.random(x.shape) < q

    return _fill_("bernoulli_", self, Bernoulli, draw_scalar)


def random_(self, *args, generator=None, **kwargs) -> Tensor:
    """``random_(from=0, to=None, *, generator=None)``: fill ``self`` with integers uniform in
    [``from``, ``to`` - 1]. ``random_(to)`` and ``random_(from, to)`` as in PyTorch;
    ``random_()`` covers [0, the dtype's largest value] (for floats its largest exact
    integer: 2^24 for float32, 2^53 for float64).

    >>> x = ember.zeros(100, dtype=ember.int64).random_(2, 5)
    >>> sorted(set(x.tolist())) <= [2, 3, 4]
    True
    """
    if not isinstance(self, Tensor):
        raise TypeError(f"random_(): expected a Tensor, got {type(self).__name__}")
    from_, to = kwargs.pop("from", None), kwargs.pop("to", None)
    if kwargs or len(args) > 2:
        raise TypeError(f"random_() takes random_(from=0, to=None, *, generator=None), got "
                        f"{len(args)} positional and {sorted(kwargs)} keyword arguments")
    if len(args) == 2:
        from_, to = args
    elif len(args) == 1:
        if to is None:
            to = args[0]
        else:
            from_ = args[0]
    dt = self.dtype
    low = 0 if from_ is None else _int_arg("random_", "from", from_)
    if to is not None:
        high = _int_arg("random_", "to", to)
    elif dt.is_floating_point:
        high = 2 ** {2: 11, 4: 24, 8: 53}[self._data.itemsize] + 1
    elif dt is B.as_dtype("bool"):
        high = 2
    else:
        high = int(np.iinfo(dt.np).max) + 1
    _int_range("random_", low, high, dt)
    rng = _gen("random_", self.device, generator).rng

    def draw(x):
        if x.dtype.kind in "iub":
            x[...] = rng.integers(low, high, size=x.shape, dtype=x.dtype)
        else:
            x[...] = rng.integers(low, high, size=x.shape, dtype=np.int64)

    return _fill_("random_", self, Random, draw)


def exponential_(self, lambd=1.0, *, generator=None) -> Tensor:
    """Fill ``self`` with samples from the exponential distribution with rate ``lambd``
    (density ``lambd * exp(-lambd * x)``).

    >>> min(ember.empty(10).exponential_(2.0).tolist()) >= 0
    True
    """
    _float_self("exponential_", self)
    lam = _real_arg("exponential_", "lambd", lambd)
    if not lam > 0:
        raise RuntimeError(f"exponential_(): exponential_ expects lambda > 0.0, but found "
                           f"lambda={lam}")
    rng = _gen("exponential_", self.device, generator).rng

    def draw(x):
        _into(x, lambda shape, dt, out: rng.standard_exponential(shape, dtype=dt, out=out))
        if lam != 1:
            x /= lam

    return _fill_("exponential_", self, Exponential, draw)


def geometric_(self, p, *, generator=None) -> Tensor:
    """Fill ``self`` with samples from the geometric distribution: the number of Bernoulli(p)
    trials up to and including the first success (values 1, 2, ...).

    >>> min(ember.empty(10).geometric_(0.5).tolist()) >= 1
    True
    """
    if not isinstance(self, Tensor):
        raise TypeError(f"geometric_(): expected a Tensor, got {type(self).__name__}")
    q = _real_arg("geometric_", "p", p)
    if not 0 < q < 1:
        raise RuntimeError(f"geometric_(): geometric_ expects p to be in (0, 1), but got p={q}")
    rng = _gen("geometric_", self.device, generator).rng

    def draw(x):
        x[...] = rng.geometric(q, size=x.shape)

    return _fill_("geometric_", self, Geometric, draw)


def log_normal_(self, mean=1.0, std=2.0, *, generator=None) -> Tensor:
    """Fill ``self`` with ``exp(N(mean, std²))`` samples (the log-normal distribution).

    >>> min(ember.empty(10).log_normal_(0.0, 0.5).tolist()) > 0
    True
    """
    _float_self("log_normal_", self)
    m, s = _real_arg("log_normal_", "mean", mean), _real_arg("log_normal_", "std", std)
    if not s > 0:
        raise RuntimeError(f"log_normal_(): log_normal_ expects std > 0.0, but found std={s}")
    rng = _gen("log_normal_", self.device, generator).rng
    xp = self.xp

    def draw(x):
        _into(x, lambda shape, dt, out: rng.standard_normal(shape, dtype=dt, out=out))
        x *= s
        if m != 0:
            x += m
        xp.exp(x, out=x)

    return _fill_("log_normal_", self, LogNormal, draw)


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None) -> Tensor:
    """Fill ``self`` with samples from the Cauchy distribution
    ``median + sigma * tan(pi * (U - 1/2))``.

    >>> ember.empty(2, 2).cauchy_().shape
    ember.Size([2, 2])
    """
    _float_self("cauchy_", self)
    med, s = _real_arg("cauchy_", "median", median), _real_arg("cauchy_", "sigma", sigma)
    if not s > 0:
        raise RuntimeError(f"cauchy_(): cauchy_ expects sigma > 0.0, but found sigma={s}")
    rng = _gen("cauchy_", self.device, generator).rng
    xp = self.xp

    def draw(x):
        _into_uniform(rng, x)
        x -= 0.5
        x *= math.pi
        xp.tan(x, out=x)
        if s != 1:
            x *= s
        if med != 0:
            x += med

    return _fill_("cauchy_", self, Cauchy, draw)
