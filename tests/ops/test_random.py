"""Random ops. Exact parity with PyTorch's random streams isn't expected (different generators),
so the table covers the deterministic corners (zero spread, probabilities 0 and 1, empty
shapes) where values, dtypes and the zero gradients must match torch; the rest checks
distributions (moments of large samples), ranges, dtypes, reproducibility, generator
independence, in-place semantics and error messages."""

import numpy as np
import pytest

import ember
from tests.helpers import OpCase, parametrize_cases

OTHER_TESTS = ("rand", "randn", "randint", "randperm", "rand_like", "randn_like",
               "randint_like", "multinomial", "poisson")

N = 200_000  # samples for moment checks: the standard error of a mean is ~0.2% of sigma


def _zero01(a):
    """Probabilities that are exactly 0 or 1 (so a Bernoulli draw is deterministic)."""
    return (a > 0).astype(a.dtype)


CASES = [
    # sampling ops whose draw is deterministic; PyTorch defines their gradients as zero
    OpCase("normal", lambda m, mu: m.normal(mu, m.zeros_like(mu)), [(2, 3)], gradcheck=False),
    OpCase("normal", lambda m, mu, s: m.normal(mu, s * 0), [(2, 1), (3,)], gradcheck=False),
    OpCase("normal", lambda m, mu: m.normal(mu, 0.0), [(4,)], gradcheck=False),
    OpCase("normal", lambda m, s: m.normal(1.5, s * 0), [(2, 2)], gradcheck=False),
    OpCase("normal", lambda m, mu: m.normal(mu, 0.0), [(0, 3)], gradcheck=False),
    OpCase("bernoulli", lambda m, p: m.bernoulli(p), [(3, 4)], domain=_zero01,
           gradcheck=False),
    # with a float p torch's backward raises "not implemented"; ember's gives zeros
    OpCase("bernoulli", lambda m, x: m.bernoulli(x, 1.0), [(5,)], grad=False),
    OpCase("bernoulli", lambda m, x: x.bernoulli(0.0), [(2, 2)], grad=False),
    OpCase("bernoulli", lambda m, x: m.bernoulli(x, p=1.0), [(3,)], int_inputs=(0,),
           grad=False),
    OpCase("poisson", lambda m, x: m.poisson(x), [(2, 3)], domain=lambda a: a * 0,
           gradcheck=False),
    OpCase("multinomial", lambda m: m.multinomial(m.tensor([[0.0, 3.0, 0.0],
                                                                [0.0, 0.0, 0.5]]), 4, True),
           [], grad=False, dtypes=("float32",), id="multinomial-one-hot-rows"),
    OpCase("multinomial", lambda m: m.multinomial(m.tensor([0.0, 0.0, 2.0]), 1), [],
           grad=False, dtypes=("float32",), id="multinomial-one-hot-1d"),
    OpCase("randint", lambda m: m.randint(3, 4, (2, 3)), [], grad=False, dtypes=("float32",),
           id="randint-single-value"),
    OpCase("randint", lambda m: m.randint(1, (2,), dtype=m.float64), [], grad=False,
           dtypes=("float32",), id="randint-float-dtype"),
    OpCase("randperm", lambda m: m.randperm(1), [], grad=False, dtypes=("float32",),
           id="randperm-1"),
    OpCase("randperm", lambda m: m.randperm(0, dtype=m.int32), [], grad=False,
           dtypes=("float32",), id="randperm-0"),
    OpCase("rand", lambda m: m.rand(2, 0), [], grad=False, dtypes=("float32",), id="rand-empty"),
    OpCase("randn", lambda m: m.randn(0, dtype=m.float64), [], grad=False, dtypes=("float32",),
           id="randn-empty"),
    OpCase("rand_like", lambda m, x: m.rand_like(x), [(0, 2)], grad=False),
    OpCase("randn_like", lambda m, x: m.randn_like(x), [(3, 0)], grad=False),
    # in-place fills: deterministic parameters; through a non-leaf the gradient is zero
    OpCase("uniform_", lambda m, x: (x * 1).uniform_(2.0, 2.0), [(2, 3)]),
    OpCase("normal_", lambda m, x: (x * 1).normal_(-1.5, 0.0), [(3,)]),
    OpCase("bernoulli_", lambda m, x: (x * 1).bernoulli_(1.0), [(2, 2)]),
    OpCase("bernoulli_", lambda m, x, p: (x * 1).bernoulli_(p), [(2, 3), (3,)],
           domain=_zero01, gradcheck=False),
    OpCase("random_", lambda m, x: (x * 1).random_(4, 5), [(3,)]),
    OpCase("random_", lambda m, x: x.random_(1), [(2, 2)], int_inputs=(0,), grad=False),
]

test_parity, test_gradcheck = parametrize_cases(CASES)


def _moments(t):
    a = t.numpy().astype(np.float64)
    return a.mean(), a.var()


# -- factories ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16])
def test_rand_is_uniform_on_0_1(dtype):
    x = ember.rand(N, dtype=dtype)
    assert x.dtype is dtype and x.shape == (N,)
    a = x.numpy()
    assert a.min() >= 0 and a.max() < 1
    mean, var = _moments(x)
    assert abs(mean - 0.5) < 0.005 and abs(var - 1 / 12) < 0.002


def test_float32_draws_are_made_in_float32():
    # Drawn as float32 (not float64 rounded): every value is a multiple of 2**-24.
    a = ember.rand(1000).numpy().astype(np.float64) * 2**24
    assert np.array_equal(a, np.round(a))
    b = ember.rand(1000, dtype=ember.float64).numpy() * 2**24
    assert not np.array_equal(b, np.round(b))


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_randn_is_standard_normal(dtype):
    x = ember.randn(N, dtype=dtype)
    assert x.dtype is dtype
    mean, var = _moments(x)
    assert abs(mean) < 0.01 and abs(var - 1) < 0.02
    assert abs(float(np.mean(np.abs(x.numpy()) < 1)) - 0.6827) < 0.005


def test_factories_accept_size_forms_and_options():
    for f in (ember.rand, ember.randn):
        assert f(2, 3).shape == (2, 3) == f((2, 3)).shape == f([2, 3]).shape
        assert f(size=(2, 3)).shape == (2, 3)
        assert f(ember.Size([4])).shape == (4,)
        assert f(()).shape == ()
        assert f(2, requires_grad=True).requires_grad
        assert f(2).device == ember.device("cpu")


def test_randint_forms_range_and_dtype():
    assert ember.randint(10, (3,)).dtype is ember.int64
    x = ember.randint(-3, 4, (N,))
    a = x.numpy()
    assert a.min() == -3 and a.max() == 3
    counts = np.bincount(a + 3, minlength=7) / N
    assert np.abs(counts - 1 / 7).max() < 0.005
    assert ember.randint(high=5, size=(2, 2)).shape == (2, 2)
    assert ember.randint(2, 5, size=(3,)).numpy().min() >= 2
    assert ember.randint(0, 2, (8,), dtype=ember.bool).dtype is ember.bool
    f = ember.randint(0, 3, (100,), dtype=ember.float32)
    assert f.dtype is ember.float32 and set(f.tolist()) <= {0.0, 1.0, 2.0}
    u = ember.randint(0, 256, (1000,), dtype=ember.uint8)
    assert u.dtype is ember.uint8 and u.numpy().max() > 200


def test_like_forms_follow_the_input():
    x = ember.zeros(2, 3, dtype=ember.float64)
    assert ember.rand_like(x).dtype is ember.float64 and ember.rand_like(x).shape == (2, 3)
    assert ember.randn_like(x, dtype=ember.float32).dtype is ember.float32
    i = ember.zeros(5, dtype=ember.int32)
    r = ember.randint_like(i, 10)
    assert r.dtype is ember.int32 and r.shape == (5,) and r.numpy().max() < 10
    r = ember.randint_like(ember.zeros(1000), 5, 7)
    assert r.dtype is ember.float32 and set(r.tolist()) == {5.0, 6.0}
    assert ember.rand_like(ember.zeros(2), requires_grad=True).requires_grad


def test_randperm_is_a_permutation():
    p = ember.randperm(1000)
    assert p.dtype is ember.int64 and sorted(p.tolist()) == list(range(1000))
    assert p.tolist() != list(range(1000))
    f = ember.randperm(5, dtype=ember.float32)
    assert f.dtype is ember.float32 and sorted(f.tolist()) == [0.0, 1.0, 2.0, 3.0, 4.0]
    # every position sees every value about equally often
    firsts = [ember.randperm(4).tolist()[0] for _ in range(4000)]
    assert np.abs(np.bincount(firsts) / 4000 - 0.25).max() < 0.03


# -- reproducibility and generators ------------------------------------------------------------

def test_manual_seed_makes_every_draw_reproducible():
    def draws():
        return (ember.rand(5).tolist(), ember.randn(3, dtype=ember.float64).tolist(),
                ember.randint(0, 100, (4,)).tolist(), ember.randperm(6).tolist(),
                ember.normal(ember.zeros(3), 1.0).tolist(),
                ember.multinomial(ember.ones(5), 3).tolist(),
                ember.empty(4).uniform_().tolist(), ember.empty(2).normal_().tolist())

    ember.manual_seed(1234)
    first = draws()
    ember.manual_seed(1234)
    assert draws() == first
    ember.manual_seed(4321)
    assert draws() != first


def test_explicit_generator_is_independent_of_the_global_one():
    g = ember.Generator().manual_seed(7)
    a = ember.rand(4, generator=g).tolist()
    ember.manual_seed(0)
    before = ember.rand(3).tolist()
    g.manual_seed(7)
    ember.manual_seed(0)
    b = ember.rand(4, generator=g).tolist()  # drawing from g ...
    after = ember.rand(3).tolist()           # ... doesn't advance the global generator
    assert a == b and before == after
    g2 = ember.Generator().manual_seed(7)
    assert ember.empty(4).uniform_(generator=g2).tolist() == a
    g3 = ember.Generator().manual_seed(7)
    assert ember.randn(2, generator=g3).tolist() != ember.randn(2, generator=g3).tolist()


def test_every_sampler_takes_a_generator():
    def with_gen(f):
        return f(ember.Generator().manual_seed(3)), f(ember.Generator().manual_seed(3))

    fns = [
        lambda g: ember.rand(3, generator=g),
        lambda g: ember.randn(3, generator=g),
        lambda g: ember.randint(0, 9, (3,), generator=g),
        lambda g: ember.randperm(9, generator=g),
        lambda g: ember.rand_like(ember.zeros(3), generator=g),
        lambda g: ember.randn_like(ember.zeros(3), generator=g),
        lambda g: ember.randint_like(ember.zeros(3), 9, generator=g),
        lambda g: ember.normal(0.0, 1.0, (3,), generator=g),
        lambda g: ember.normal(ember.zeros(3), ember.ones(3), generator=g),
        lambda g: ember.bernoulli(ember.full((9,), 0.5), generator=g),
        lambda g: ember.poisson(ember.full((3,), 4.0), generator=g),
        lambda g: ember.multinomial(ember.ones(9), 3, generator=g),
        lambda g: ember.empty(3).uniform_(generator=g),
        lambda g: ember.empty(3).normal_(generator=g),
        lambda g: ember.empty(9).bernoulli_(0.5, generator=g),
        lambda g: ember.empty(3).random_(generator=g),
        lambda g: ember.empty(3).exponential_(generator=g),
        lambda g: ember.empty(3).geometric_(0.3, generator=g),
        lambda g: ember.empty(3).log_normal_(generator=g),
        lambda g: ember.empty(3).cauchy_(generator=g),
    ]
    for f in fns:
        a, b = with_gen(f)
        assert a.tolist() == b.tolist()


def test_generator_argument_is_checked():
    with pytest.raises(TypeError, match=r"rand\(\): generator must be an ember.Generator, not int"):
        ember.rand(2, generator=3)


# -- distributions with tensor parameters ------------------------------------------------------

def test_normal_forms_shapes_and_moments():
    x = ember.normal(2.0, 3.0, (N,))
    mean, var = _moments(x)
    assert x.dtype is ember.float32 and abs(mean - 2) < 0.03 and abs(var - 9) < 0.15
    assert ember.normal(0, 1, size=(2,), dtype=ember.float64).dtype is ember.float64
    mu = ember.tensor([[-10.0], [10.0]])
    sd = ember.tensor([0.5, 1.0, 2.0], dtype=ember.float64)
    y = ember.normal(mu, sd)
    assert y.shape == (2, 3) and y.dtype is ember.float64
    big = ember.normal(ember.full((N,), 5.0), ember.full((N,), 0.5))
    m, v = _moments(big)
    assert abs(m - 5) < 0.01 and abs(v - 0.25) < 0.005
    m, v = _moments(ember.normal(ember.full((N,), -1.0), 2.0))
    assert abs(m + 1) < 0.02 and abs(v - 4) < 0.08
    m, v = _moments(ember.normal(3.0, ember.full((N,), 1.0, dtype=ember.float64)))
    assert abs(m - 3) < 0.01 and abs(v - 1) < 0.02


def test_normal_gradient_is_zero_like_torch():
    mu = ember.zeros(3, requires_grad=True)
    sd = ember.ones(3, requires_grad=True)
    y = ember.normal(mu, sd)
    assert y.requires_grad and y.grad_fn.name() == "NormalBackward0"
    y.sum().backward()
    assert mu.grad.tolist() == [0.0] * 3 and sd.grad.tolist() == [0.0] * 3
    with ember.no_grad():
        assert not ember.normal(mu, sd).requires_grad


def test_normal_errors():
    with pytest.raises(RuntimeError, match=r"normal\(\): normal expects std >= 0.0.*-1"):
        ember.normal(0.0, -1.0, (2,))
    with pytest.raises(RuntimeError, match=r"normal\(\): normal expects all elements of std"):
        ember.normal(ember.zeros(2), -ember.ones(2))
    with pytest.raises(NotImplementedError, match=r"normal\(\): mean must be a floating.*int64"):
        ember.normal(ember.zeros(2, dtype=ember.int64), 1.0)
    with pytest.raises(TypeError, match=r"normal\(\): with float mean and std the size"):
        ember.normal(0.0, 1.0)
    with pytest.raises(RuntimeError, match=r"normal\(\).*\(2,\) and \(3,\)"):
        ember.normal(ember.zeros(2), ember.ones(3))


def test_bernoulli_frequencies_dtype_and_forms():
    probs = np.repeat(np.array([[0.0], [0.2], [0.7], [1.0]]), 50_000, axis=1)
    x = ember.bernoulli(ember.from_numpy(probs))
    assert x.dtype is ember.float64 and x.shape == probs.shape
    freq = x.numpy().mean(axis=1)
    assert freq[0] == 0 and freq[3] == 1 and abs(freq[1] - 0.2) < 0.01
    assert abs(freq[2] - 0.7) < 0.01
    y = ember.bernoulli(ember.zeros(N), 0.3)
    assert y.dtype is ember.float32 and abs(y.numpy().mean() - 0.3) < 0.005
    i = ember.bernoulli(ember.zeros(1000, dtype=ember.int64), p=0.5)
    assert i.dtype is ember.int64 and set(i.tolist()) == {0, 1}
    t = ember.full((N,), 0.25).bernoulli()
    assert abs(t.numpy().mean() - 0.25) < 0.005


def test_bernoulli_resolves_small_probabilities():
    # float64 uniforms: probabilities far below float32's 2**-24 resolution are honoured
    x = ember.bernoulli(ember.full((2_000_000,), 1e-9, dtype=ember.float64))
    assert x.numpy().sum() <= 2


def test_bernoulli_errors():
    with pytest.raises(RuntimeError, match=r"bernoulli\(\): expected every probability.*\[0, 1\]"):
        ember.bernoulli(ember.tensor([1.5]))
    with pytest.raises(RuntimeError, match=r"bernoulli\(\).*\[0, 1\].*nan"):
        ember.bernoulli(ember.tensor([float("nan")]))
    with pytest.raises(RuntimeError, match=r"bernoulli\(\).*p to be in \[0, 1\], but got p=1.5"):
        ember.bernoulli(ember.tensor([0.5]), 1.5)
    with pytest.raises(NotImplementedError, match=r"bernoulli\(\).*floating point.*int64.*p="):
        ember.bernoulli(ember.zeros(2, dtype=ember.int64))


def test_poisson_moments_and_errors():
    x = ember.poisson(ember.full((N,), 4.0, dtype=ember.float64))
    mean, var = _moments(x)
    assert x.dtype is ember.float64 and abs(mean - 4) < 0.03 and abs(var - 4) < 0.1
    assert np.array_equal(x.numpy(), np.round(x.numpy()))
    lam = ember.tensor([0.5, 2.0], requires_grad=True)
    s = ember.poisson(lam)
    s.sum().backward()
    assert lam.grad.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match=r"poisson\(\): invalid Poisson rate.*non-negative"):
        ember.poisson(ember.tensor([-1.0]))
    with pytest.raises(NotImplementedError, match=r"poisson\(\).*floating.*int64"):
        ember.poisson(ember.tensor([1, 2]))


def test_multinomial_with_replacement_matches_probabilities():
    w = ember.tensor([[1.0, 0.0, 3.0, 4.0], [0.0, 5.0, 0.0, 5.0]])
    s = ember.multinomial(w, 50_000, replacement=True)
    assert s.dtype is ember.int64 and s.shape == (2, 50_000)
    f0 = np.bincount(s.numpy()[0], minlength=4) / 50_000
    f1 = np.bincount(s.numpy()[1], minlength=4) / 50_000
    assert np.abs(f0 - [0.125, 0, 0.375, 0.5]).max() < 0.01 and f0[1] == 0
    assert np.abs(f1 - [0, 0.5, 0, 0.5]).max() < 0.01 and f1[0] == f1[2] == 0
    one = ember.multinomial(ember.tensor([0.2, 0.8], dtype=ember.float64), 20_000, True)
    assert one.shape == (20_000,) and abs(one.numpy().mean() - 0.8) < 0.01
    many_rows = ember.multinomial(ember.from_numpy(np.eye(300)[:, ::-1].copy()), 5, True)
    assert many_rows.tolist() == [[299 - r] * 5 for r in range(300)]


def test_multinomial_without_replacement():
    w = ember.tensor([1.0, 2.0, 0.0, 7.0])
    rows = [ember.multinomial(w, 3).tolist() for _ in range(3000)]
    assert all(sorted(r) == [0, 1, 3] for r in rows)  # distinct, zero weight never drawn
    first = np.bincount([r[0] for r in rows], minlength=4) / 3000
    assert np.abs(first - [0.1, 0.2, 0.0, 0.7]).max() < 0.03
    full = ember.multinomial(ember.ones(3, 6), 6)
    assert full.shape == (3, 6) and all(sorted(r) == list(range(6)) for r in full.tolist())
    assert ember.multinomial(ember.tensor([1.0, 0.0, 0.0]), 2).tolist()[0] == 0
    assert ember.multinomial(ember.ones(0, 3), 2).shape == (0, 2)


def test_multinomial_errors():
    with pytest.raises(RuntimeError, match=r"multinomial\(\): cannot sample n_sample > "
                                           r"prob_dist.size\(-1\).*3 > 2"):
        ember.multinomial(ember.tensor([1.0, 2.0]), 3)
    with pytest.raises(RuntimeError, match=r"multinomial\(\): probability tensor contains.*< 0"):
        ember.multinomial(ember.tensor([-1.0, 2.0]), 1)
    with pytest.raises(RuntimeError, match=r"multinomial\(\): probability tensor contains.*inf"):
        ember.multinomial(ember.tensor([1.0, float("inf")]), 1)
    with pytest.raises(RuntimeError, match=r"multinomial\(\): invalid multinomial distribution "
                                           r"\(sum of probabilities <= 0\)"):
        ember.multinomial(ember.tensor([[1.0, 1.0], [0.0, 0.0]]), 1, True)
    with pytest.raises(RuntimeError, match=r"multinomial\(\): cannot sample n_sample <= 0"):
        ember.multinomial(ember.tensor([1.0, 2.0]), 0)
    with pytest.raises(RuntimeError, match=r"multinomial\(\).*floating-point.*int64"):
        ember.multinomial(ember.tensor([1, 2]), 1)
    with pytest.raises(RuntimeError, match=r"multinomial\(\): prob_dist must be 1 or 2 dim.*"
                                           r"\(2, 2, 2\)"):
        ember.multinomial(ember.ones(2, 2, 2), 1)


# -- in-place fills ----------------------------------------------------------------------------

def test_inplace_fills_write_into_the_same_memory_and_bump_the_version():
    x = ember.zeros(4, 5)
    arr = x.numpy()
    for fill in (lambda t: t.uniform_(), lambda t: t.normal_(), lambda t: t.bernoulli_(),
                 lambda t: t.random_(), lambda t: t.exponential_(), lambda t: t.geometric_(0.5),
                 lambda t: t.log_normal_(), lambda t: t.cauchy_()):
        v = x._version
        assert fill(x) is x
        assert x.numpy() is arr and x._version == v + 1


def test_inplace_fills_write_through_views_and_non_contiguous_tensors():
    base = ember.zeros(4, 6)
    view = base.T  # non-contiguous view sharing memory
    view.uniform_(5.0, 6.0)
    a = base.numpy()
    assert a.min() >= 5 and a.max() < 6 and base._version == view._version
    half = ember.zeros(1000, dtype=ember.float16).normal_(2.0, 0.5)
    assert half.dtype is ember.float16 and abs(_moments(half)[0] - 2) < 0.1


def test_uniform_and_normal_fill_moments():
    u = ember.empty(N, dtype=ember.float64).uniform_(-2.0, 4.0)
    a = u.numpy()
    assert a.min() >= -2 and a.max() < 4
    mean, var = _moments(u)
    assert abs(mean - 1) < 0.02 and abs(var - 3) < 0.03
    assert ember.ones(3).uniform_(2, 2).tolist() == [2.0, 2.0, 2.0]
    assert ember.empty(3).uniform_(**{"from": 7.0, "to": 7.0}).tolist() == [7.0] * 3
    n = ember.empty(N).normal_(std=2.0, mean=-1.0)
    mean, var = _moments(n)
    assert abs(mean + 1) < 0.02 and abs(var - 4) < 0.08


def test_bernoulli_inplace_with_scalar_and_tensor_p():
    x = ember.empty(N).bernoulli_(0.25)
    assert set(np.unique(x.numpy())) <= {0.0, 1.0} and abs(x.numpy().mean() - 0.25) < 0.005
    p = ember.tensor([0.0, 1.0, 1.0])
    y = ember.empty(1000, 3).bernoulli_(p)
    assert y.numpy()[:, 0].max() == 0 and y.numpy()[:, 1:].min() == 1
    i = ember.zeros(1000, dtype=ember.int32).bernoulli_()
    assert i.dtype is ember.int32 and set(i.tolist()) == {0, 1}
    with pytest.raises(RuntimeError, match=r"bernoulli_\(\).*p to be in \[0, 1\], but got p=2"):
        ember.zeros(2).bernoulli_(2.0)
    with pytest.raises(RuntimeError, match=r"bernoulli_\(\).*\(3,\) and \(2,\)"):
        ember.zeros(3).bernoulli_(ember.tensor([0.5, 0.5]))
    with pytest.raises(RuntimeError, match=r"bernoulli_\(\): p of shape \(2, 3\) must "
                                           r"broadcast to self's shape \(3,\)"):
        ember.zeros(3).bernoulli_(ember.full((2, 3), 0.5))


def test_random_fill_ranges():
    assert set(ember.zeros(1000, dtype=ember.int64).random_(5).tolist()) == set(range(5))
    assert set(ember.zeros(1000, dtype=ember.int8).random_(-2, 2).tolist()) == {-2, -1, 0, 1}
    assert set(ember.zeros(1000).random_(**{"from": 3, "to": 5}).tolist()) == {3.0, 4.0}
    u8 = ember.zeros(5000, dtype=ember.uint8).random_().numpy()
    assert u8.min() < 10 and u8.max() > 245
    f = ember.zeros(5000).random_().numpy()
    assert f.max() <= 2**24 and f.max() > 2**23 and np.array_equal(f, np.round(f))
    b = ember.zeros(100, dtype=ember.bool).random_()
    assert set(b.tolist()) == {False, True}
    with pytest.raises(RuntimeError, match=r"random_\(\).*'from' to be less than 'to'.*from=0 "
                                           r">= to=0"):
        ember.zeros(3).random_(0)
    with pytest.raises(RuntimeError, match=r"random_\(\): to - 1 = 299 is out of bounds for "
                                           r"ember.int8"):
        ember.zeros(3, dtype=ember.int8).random_(0, 300)


def test_other_distribution_fills():
    e = ember.empty(N, dtype=ember.float64).exponential_(2.0)
    mean, var = _moments(e)
    assert e.numpy().min() >= 0 and abs(mean - 0.5) < 0.01 and abs(var - 0.25) < 0.01
    g = ember.empty(N).geometric_(0.25)
    mean, _ = _moments(g)
    assert g.numpy().min() == 1 and abs(mean - 4) < 0.05
    gi = ember.zeros(100, dtype=ember.int64).geometric_(0.5)
    assert gi.dtype is ember.int64 and min(gi.tolist()) >= 1
    ln = ember.empty(N).log_normal_(1.0, 0.5).numpy()
    assert ln.min() > 0 and abs(np.median(ln) - np.e) < 0.05
    c = ember.empty(N, dtype=ember.float64).cauchy_(2.0, 3.0).numpy()
    q1, q2, q3 = np.percentile(c, [25, 50, 75])
    assert abs(q2 - 2) < 0.1 and abs((q3 - q1) / 2 - 3) < 0.1


@pytest.mark.parametrize("op, args, msg", [
    ("uniform_", (2.0, 1.0), r"uniform_\(\).*\[from, to\) range, but found from=2.0 > to=1.0"),
    ("normal_", (0.0, -1.0), r"normal_\(\): normal expects std >= 0.0, but found std -1.0"),
    ("exponential_", (0.0,), r"exponential_\(\).*lambda > 0.0, but found lambda=0.0"),
    ("geometric_", (1.0,), r"geometric_\(\).*p to be in \(0, 1\), but got p=1.0"),
    ("log_normal_", (0.0, 0.0), r"log_normal_\(\).*std > 0.0, but found std=0.0"),
    ("cauchy_", (0.0, -1.0), r"cauchy_\(\).*sigma > 0.0, but found sigma=-1.0"),
])
def test_inplace_fill_parameter_errors(op, args, msg):
    with pytest.raises(RuntimeError, match=msg):
        getattr(ember.zeros(2), op)(*args)


@pytest.mark.parametrize("op", ["uniform_", "normal_", "exponential_", "log_normal_", "cauchy_"])
def test_continuous_fills_need_floating_tensors(op):
    with pytest.raises(NotImplementedError, match=op + r"\(\).*floating point.*ember.int64"):
        getattr(ember.zeros(2, dtype=ember.int64), op)()


@pytest.mark.parametrize("op, args", [("uniform_", ()), ("normal_", ()), ("bernoulli_", ()),
                                      ("random_", (3,)), ("exponential_", ()),
                                      ("geometric_", (0.5,)), ("log_normal_", ()),
                                      ("cauchy_", ())])
def test_inplace_fill_on_leaf_requiring_grad(op, args):
    w = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=op + r"\(\): a leaf Variable that requires grad is "
                                      r"being used in an in-place"):
        getattr(w, op)(*args)
    with ember.no_grad():  # initialising a weight
        getattr(w, op)(*args)
    assert w.requires_grad and w.is_leaf and w.grad_fn is None and w._version == 1


def test_inplace_fill_on_non_leaf_records_a_zero_gradient():
    a = ember.ones(3, requires_grad=True)
    x = a * 2
    x.uniform_()
    assert x.grad_fn.name() == "UniformBackward0"
    (x * 3).sum().backward()
    assert a.grad.tolist() == [0.0, 0.0, 0.0]
    p = ember.full((3,), 0.5, requires_grad=True)
    z = ember.zeros(3)
    z.bernoulli_(p)
    assert z.requires_grad and z.grad_fn.name() == "BernoulliBackward0"
    z.sum().backward()
    assert p.grad.tolist() == [0.0, 0.0, 0.0]


def test_double_backward_through_random_nodes():
    x = ember.tensor([0.3, -1.2, 2.0], dtype=ember.float64, requires_grad=True)
    zero = ember.zeros(3, dtype=ember.float64)
    # normal(x, 0) equals x but contributes no gradient: the first derivative is 2x, not 2x + 1
    f = lambda t: t * t + ember.normal(t, zero)  # noqa: E731
    (g,) = ember.autograd.grad(f(x).sum(), x, create_graph=True)
    assert np.allclose(g.detach().numpy(), 2 * x.detach().numpy())
    assert ember.autograd.gradgradcheck(f, (x,))
    h = lambda t: (t * 1).uniform_(2.0, 2.0) * t  # noqa: E731
    assert ember.autograd.gradcheck(h, (x,))
    assert ember.autograd.gradgradcheck(h, (x,))
    k = lambda t: ember.bernoulli(t * 0 + 1.0) * t * t  # noqa: E731
    assert ember.autograd.gradgradcheck(k, (x,))
