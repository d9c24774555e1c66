"""Linear algebra: parity with PyTorch (values, dtypes, gradients) and float64 gradcheck from one
table, plus double backward, error messages and edge cases."""

import math

import numpy as np
import pytest

import ember
from tests.helpers import OpCase, parametrize_cases, requires_torch

try:
    import torch
except ImportError:
    torch = None

INF = math.inf


def well_conditioned(a):
    """Square matrices made diagonally dominant, so inverses and solves are well-conditioned
    (other inputs, e.g. the right-hand sides of solve, are left alone)."""
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        return a
    return a + 4.0 * np.eye(a.shape[-1])


def away_from_zero(a):
    return a + 0.5 * np.sign(a)


def sym(m, x):
    return x + x.mT


CASES = [
    # -- matmul in all its shapes (1-D operands, batches, broadcasting, empty) ------------------
    OpCase("matmul", lambda m, x, y: m.matmul(x, y), [(3, 4), (4, 5)]),
    OpCase("matmul", lambda m, x, y: x @ y, [(4,), (4,)]),
    OpCase("matmul", lambda m, x, y: x @ y, [(3, 4), (4,)]),
    OpCase("matmul", lambda m, x, y: x @ y, [(4,), (4, 5)]),
    OpCase("matmul", lambda m, x, y: x @ y, [(2, 3, 4), (4, 5)]),
    OpCase("matmul", lambda m, x, y: x @ y, [(2, 3, 4), (4,)]),
    OpCase("matmul", lambda m, x, y: x @ y, [(4,), (2, 4, 5)]),
    OpCase("matmul", lambda m, x, y: x @ y, [(2, 3, 4), (2, 4, 5)]),
    OpCase("matmul", lambda m, x, y: x @ y, [(2, 1, 3, 4), (3, 4, 2)]),
    OpCase("matmul", lambda m, x, y: x @ y, [(3, 4), (2, 4, 5)]),
    OpCase("matmul", lambda m, x, y: x @ y, [(1, 3, 4), (2, 4, 5)]),
    OpCase("matmul", lambda m, x, y: x.matmul(y), [(0, 4), (4, 3)]),
    OpCase("matmul", lambda m, x, y: x @ y, [(3, 0), (0, 2)]),
    OpCase("matmul", lambda m, x, y: x @ y, [(2, 3), (3, 2)], int_inputs=(0, 1), grad=False),
    OpCase("matmul", lambda m, x, y: x @ y.mT, [(4, 3), (5, 3)]),
    OpCase("mm", lambda m, x, y: m.mm(x, y), [(3, 4), (4, 2)]),
    OpCase("mm", lambda m, x, y: x.mm(y), [(0, 3), (3, 2)]),
    OpCase("bmm", lambda m, x, y: m.bmm(x, y), [(2, 3, 4), (2, 4, 5)]),
    OpCase("bmm", lambda m, x, y: x.bmm(y), [(3, 1, 4), (3, 4, 2)]),
    OpCase("mv", lambda m, x, y: m.mv(x, y), [(3, 4), (4,)]),
    OpCase("mv", lambda m, x, y: x.mv(y), [(0, 4), (4,)]),
    OpCase("dot", lambda m, x, y: m.dot(x, y), [(5,), (5,)]),
    OpCase("dot", lambda m, x, y: x.dot(y), [(0,), (0,)]),
    OpCase("vdot", lambda m, x, y: m.vdot(x, y), [(5,), (5,)]),
    OpCase("inner", lambda m, x, y: m.inner(x, y), [(2, 3), (4, 3)]),
    OpCase("inner", lambda m, x, y: x.inner(y), [(3,), (3,)]),
    OpCase("inner", lambda m, x, y: m.inner(x, y), [(), (2, 3)]),
    OpCase("outer", lambda m, x, y: m.outer(x, y), [(3,), (4,)]),
    OpCase("ger", lambda m, x, y: x.ger(y), [(2,), (3,)]),
    OpCase("addmm", lambda m, c, x, y: m.addmm(c, x, y), [(4,), (3, 5), (5, 4)]),
    OpCase("addmm", lambda m, c, x, y: m.addmm(c, x, y, beta=0.5, alpha=-2.0),
           [(3, 4), (3, 5), (5, 4)]),
    OpCase("addmm", lambda m, c, x, y: c.addmm(x, y, beta=0), [(1, 4), (3, 5), (5, 4)]),
    OpCase("addmm", lambda m, c, x, w: m.addmm(c, x, w.mT), [(4,), (3, 5), (4, 5)]),
    OpCase("addmm", lambda m, c, x, y: m.addmm(c, x, y), [(), (2, 3), (3, 2)]),
    OpCase("addmm_", lambda m, c, x, y: c.clone().addmm_(x, y, alpha=2.0),
           [(3, 4), (3, 5), (5, 4)]),
    OpCase("addmv", lambda m, c, x, y: m.addmv(c, x, y, beta=0.5, alpha=2.0),
           [(3,), (3, 4), (4,)]),
    OpCase("addmv_", lambda m, c, x, y: c.clone().addmv_(x, y), [(3,), (3, 4), (4,)]),
    OpCase("baddbmm", lambda m, c, x, y: m.baddbmm(c, x, y), [(2, 3, 4), (2, 3, 5), (2, 5, 4)]),
    OpCase("baddbmm", lambda m, c, x, y: c.baddbmm(x, y, beta=2.0, alpha=0.5),
           [(4,), (2, 3, 5), (2, 5, 4)]),
    OpCase("baddbmm_", lambda m, c, x, y: c.clone().baddbmm_(x, y), [(2, 3, 4), (2, 3, 5),
                                                                     (2, 5, 4)]),
    OpCase("addbmm", lambda m, c, x, y: m.addbmm(c, x, y, alpha=1.5), [(3, 4), (2, 3, 5),
                                                                       (2, 5, 4)]),
    OpCase("addbmm_", lambda m, c, x, y: c.clone().addbmm_(x, y), [(3, 4), (2, 3, 5), (2, 5, 4)]),
    # -- tensordot and einsum -------------------------------------------------------------------
    OpCase("tensordot", lambda m, x, y: m.tensordot(x, y), [(2, 3, 4), (3, 4, 5)]),
    OpCase("tensordot", lambda m, x, y: m.tensordot(x, y, dims=1), [(2, 3), (3, 4)]),
    OpCase("tensordot", lambda m, x, y: m.tensordot(x, y, dims=([1, 0], [0, 2])),
           [(3, 2, 4), (2, 5, 3)]),
    OpCase("tensordot", lambda m, x, y: m.tensordot(x, y, dims=([-1], [0])), [(2, 3), (3, 2)]),
    OpCase("tensordot", lambda m, x, y: m.tensordot(x, y, dims=0), [(2, 2), (3,)]),
    OpCase("einsum", lambda m, x, y: m.einsum("ij,jk->ik", x, y), [(3, 4), (4, 5)]),
    OpCase("einsum", lambda m, x, y: m.einsum("bij,bjk->bik", x, y), [(2, 3, 4), (2, 4, 5)]),
    OpCase("einsum", lambda m, x, y: m.einsum("i,i->", x, y), [(5,), (5,)]),
    OpCase("einsum", lambda m, x: m.einsum("ij->ji", x), [(3, 4)]),
    OpCase("einsum", lambda m, x: m.einsum("ii->", x), [(4, 4)]),
    OpCase("einsum", lambda m, x: m.einsum("ii->i", x), [(4, 4)]),
    OpCase("einsum", lambda m, x: m.einsum("iij->ji", x), [(3, 3, 2)]),
    OpCase("einsum", lambda m, x: m.einsum("ij->", x), [(3, 4)]),
    OpCase("einsum", lambda m, x: m.einsum("ij->j", x), [(3, 4)]),
    OpCase("einsum", lambda m, x, y: m.einsum("bhqd,bhkd->bhqk", x, y),
           [(2, 2, 3, 4), (2, 2, 5, 4)]),
    OpCase("einsum", lambda m, x, y: m.einsum("bhqk,bhkd->bhqd", x, y),
           [(2, 2, 3, 5), (2, 2, 5, 4)]),
    OpCase("einsum", lambda m, x, y: m.einsum("...ij,...jk->...ik", x, y), [(2, 3, 4), (4, 5)]),
    OpCase("einsum", lambda m, x, y: m.einsum("...ij,...jk->...ik", x, y),
           [(2, 1, 3, 4), (3, 4, 2)]),
    OpCase("einsum", lambda m, x, y: m.einsum("...i,...i->...", x, y), [(2, 1, 3), (4, 3)]),
    OpCase("einsum", lambda m, x: m.einsum("i...->...", x), [(3, 2, 2)]),
    OpCase("einsum", lambda m, x, y: m.einsum("ij,jk", x, y), [(3, 4), (4, 2)]),
    OpCase("einsum", lambda m, x, y: m.einsum("ba,cb", x, y), [(3, 2), (4, 3)]),
    OpCase("einsum", lambda m, x, y: m.einsum("i,j->ij", x, y), [(3,), (4,)]),
    OpCase("einsum", lambda m, x, y: m.einsum("ij,ij->ij", x, y), [(3, 4), (3, 4)]),
    OpCase("einsum", lambda m, x, y: m.einsum("ij,jk->ik", x, y), [(3, 1), (4, 5)]),
    OpCase("einsum", lambda m, x, y, z: m.einsum("ijk,jl,kl->il", x, y, z),
           [(2, 3, 4), (3, 5), (4, 5)]),
    OpCase("einsum", lambda m, x, a, y: m.einsum("bn,anm,bm->ba", x, a, y),
           [(2, 3), (4, 3, 5), (2, 5)]),
    OpCase("einsum", lambda m, x, y: m.einsum("ij,jk->ik", [x, y]), [(2, 3), (3, 2)]),
    OpCase("einsum", lambda m, x, y: m.einsum(x, [0, 1], y, [1, 2], [0, 2]), [(2, 3), (3, 2)]),
    OpCase("einsum", lambda m, x, y: m.einsum("ij,jk->ik", x, y), [(0, 3), (3, 2)]),
    OpCase("einsum", lambda m, x, y: m.einsum("ij,jk->ik", x, y), [(2, 3), (3, 2)],
           int_inputs=(0, 1), grad=False),
    # -- diagonals, trace, kron, cross ----------------------------------------------------------
    OpCase("diag", lambda m, x: m.diag(x), [(4,)]),
    OpCase("diag", lambda m, x: m.diag(x, 1), [(3,)]),
    OpCase("diag", lambda m, x: x.diag(-2), [(3,)]),
    OpCase("diag", lambda m, x: m.diag(x), [(3, 4)]),
    OpCase("diag", lambda m, x: m.diag(x, 1), [(3, 4)]),
    OpCase("diag", lambda m, x: m.diag(x, -2), [(3, 4)]),
    OpCase("diag", lambda m, x: m.diag(x, 5), [(3, 4)]),
    OpCase("diagonal", lambda m, x: m.diagonal(x), [(3, 4)]),
    OpCase("diagonal", lambda m, x: x.diagonal(1), [(3, 4)]),
    OpCase("diagonal", lambda m, x: m.diagonal(x, -1, 0, 2), [(3, 2, 4)]),
    OpCase("diagonal", lambda m, x: m.diagonal(x, offset=1, dim1=-1, dim2=0), [(3, 2, 4)]),
    OpCase("diagonal", lambda m, x: m.linalg.diagonal(x), [(2, 3, 3)]),
    OpCase("diag_embed", lambda m, x: m.diag_embed(x), [(2, 3)]),
    OpCase("diag_embed", lambda m, x: x.diag_embed(1, 0, 2), [(2, 3)]),
    OpCase("diag_embed", lambda m, x: m.diag_embed(x, -1, dim1=-1, dim2=0), [(2, 3)]),
    OpCase("trace", lambda m, x: m.trace(x), [(3, 4)]),
    OpCase("trace", lambda m, x: x.trace(), [(4, 4)]),
    OpCase("trace", lambda m, x: m.trace(x), [(3, 3)], int_inputs=(0,), grad=False),
    OpCase("kron", lambda m, x, y: m.kron(x, y), [(2, 3), (2, 2)]),
    OpCase("kron", lambda m, x, y: x.kron(y), [(3,), (2, 2)]),
    OpCase("cross", lambda m, x, y: m.cross(x, y, dim=1), [(4, 3), (4, 3)]),
    OpCase("cross", lambda m, x, y: x.cross(y, 0), [(3, 4), (3, 4)]),
    OpCase("cross", lambda m, x, y: m.linalg.cross(x, y), [(2, 3), (1, 3)]),
    OpCase("cross", lambda m, x, y: m.linalg.cross(x, y, dim=0), [(3, 2, 2), (3, 2, 2)]),
    # -- norms ----------------------------------------------------------------------------------
    OpCase("vector_norm", lambda m, x: m.linalg.vector_norm(x), [(3, 4)]),
    OpCase("vector_norm", lambda m, x: m.linalg.vector_norm(x, 1, dim=1), [(3, 4)]),
    OpCase("vector_norm", lambda m, x: m.linalg.vector_norm(x, INF, dim=(0, 2), keepdim=True),
           [(2, 3, 4)]),
    OpCase("vector_norm", lambda m, x: m.linalg.vector_norm(x, -INF, dim=-1), [(3, 4)]),
    OpCase("vector_norm", lambda m, x: m.linalg.vector_norm(x, 0, dim=0), [(3, 4)]),
    OpCase("vector_norm", lambda m, x: m.linalg.vector_norm(x, 3, dim=1, keepdim=True), [(3, 4)]),
    OpCase("vector_norm", lambda m, x: m.linalg.vector_norm(x, 1.5), [(3, 4)],
           domain=away_from_zero),
    OpCase("vector_norm", lambda m, x: m.linalg.vector_norm(x, 0.5, dim=0), [(3, 4)],
           domain=away_from_zero),
    OpCase("vector_norm", lambda m, x: m.linalg.vector_norm(x, -1.5, dim=1), [(3, 4)],
           domain=away_from_zero),
    OpCase("vector_norm", lambda m, x: m.linalg.vector_norm(x, 2, dim=1), [(3, 4)]),
    OpCase("vector_norm", lambda m, x: m.linalg.vector_norm(x, dtype=m.float64), [(3, 4)],
           dtypes=("float32",)),
    OpCase("vector_norm", lambda m, x: m.linalg.vector_norm(x), [()]),
    OpCase("vector_norm", lambda m, x: m.linalg.vector_norm(x, dim=1), [(0, 3)]),
    OpCase("matrix_norm", lambda m, x: m.linalg.matrix_norm(x), [(3, 4)]),
    OpCase("matrix_norm", lambda m, x: m.linalg.matrix_norm(x, "nuc"), [(3, 4)]),
    OpCase("matrix_norm", lambda m, x: m.linalg.matrix_norm(x, 2), [(2, 3, 4)]),
    OpCase("matrix_norm", lambda m, x: m.linalg.matrix_norm(x, -2, dim=(0, 2), keepdim=True),
           [(3, 2, 4)]),
    OpCase("matrix_norm", lambda m, x: m.linalg.matrix_norm(x, 1), [(2, 3, 4)]),
    OpCase("matrix_norm", lambda m, x: m.linalg.matrix_norm(x, -1, keepdim=True), [(3, 4)]),
    OpCase("matrix_norm", lambda m, x: m.linalg.matrix_norm(x, INF, dim=(2, 0)), [(3, 2, 4)]),
    OpCase("matrix_norm", lambda m, x: m.linalg.matrix_norm(x, -INF), [(3, 4)]),
    OpCase("norm", lambda m, x: m.linalg.norm(x), [(2, 3, 4)]),
    OpCase("norm", lambda m, x: m.linalg.norm(x, 1), [(3, 4)]),
    OpCase("norm", lambda m, x: m.linalg.norm(x, INF, dim=1), [(3, 4)]),
    OpCase("norm", lambda m, x: m.linalg.norm(x, "fro", dim=(0, 1), keepdim=True), [(3, 4, 2)]),
    OpCase("norm", lambda m, x: m.linalg.norm(x, 3), [(5,)]),
    OpCase("norm", lambda m, x: m.norm(x), [(2, 3, 4)]),
    OpCase("norm", lambda m, x: x.norm(p=1, dim=1), [(2, 3, 4)]),
    OpCase("norm", lambda m, x: x.norm(p="fro", dim=(0, 2), keepdim=True), [(2, 3, 4)]),
    OpCase("norm", lambda m, x: m.norm(x, p="nuc"), [(3, 4)]),
    OpCase("norm", lambda m, x: m.norm(x, p=INF), [(3, 4)]),
    OpCase("norm", lambda m, x: x.norm(3, -1, True), [(3, 4)]),
    OpCase("dist", lambda m, x, y: m.dist(x, y), [(3, 4), (4,)]),
    OpCase("dist", lambda m, x, y: x.dist(y, 1), [(3, 4), (3, 4)]),
    OpCase("dist", lambda m, x, y: m.dist(x, y, INF), [(5,), (5,)]),
    OpCase("vecdot", lambda m, x, y: m.linalg.vecdot(x, y), [(2, 3), (3,)]),
    OpCase("vecdot", lambda m, x, y: m.linalg.vecdot(x, y, dim=0), [(3, 2), (3, 2)]),
    OpCase("multi_dot", lambda m, x, y, z: m.linalg.multi_dot([x, y, z]), [(3,), (3, 4), (4, 2)]),
    OpCase("multi_dot", lambda m, x, y: m.linalg.multi_dot([x, y]), [(2, 3), (3, 4)]),
    # -- inverse, solve, determinants -----------------------------------------------------------
    OpCase("inv", lambda m, a: m.linalg.inv(a), [(3, 3)], domain=well_conditioned),
    OpCase("inv", lambda m, a: m.linalg.inv(a), [(2, 3, 3)], domain=well_conditioned),
    OpCase("inverse", lambda m, a: a.inverse(), [(3, 3)], domain=well_conditioned),
    OpCase("solve", lambda m, a, b: m.linalg.solve(a, b), [(3, 3), (3,)], domain=well_conditioned),
    OpCase("solve", lambda m, a, b: m.linalg.solve(a, b), [(3, 3), (3, 2)],
           domain=well_conditioned),
    OpCase("solve", lambda m, a, b: m.linalg.solve(a, b), [(2, 3, 3), (2, 3)],
           domain=well_conditioned),
    OpCase("solve", lambda m, a, b: m.linalg.solve(a, b), [(2, 3, 3), (3,)],
           domain=well_conditioned),
    OpCase("solve", lambda m, a, b: m.linalg.solve(a, b), [(2, 3, 3), (2, 1, 3, 2)],
           domain=well_conditioned),
    OpCase("solve", lambda m, a, b: m.linalg.solve(a, b, left=False), [(3, 3), (2, 3)],
           domain=well_conditioned),
    OpCase("det", lambda m, a: m.linalg.det(a), [(3, 3)]),
    OpCase("det", lambda m, a: a.det(), [(2, 3, 3)]),
    OpCase("det", lambda m, a: m.det(a), [(1, 1)]),
    OpCase("slogdet", lambda m, a: tuple(m.linalg.slogdet(a)), [(3, 3)]),
    OpCase("slogdet", lambda m, a: tuple(a.slogdet()), [(2, 3, 3)]),
    OpCase("logdet", lambda m, a: m.logdet(a @ a.mT), [(3, 3)], domain=well_conditioned),
    OpCase("logdet", lambda m, a: a.logdet(), [(2, 2)], domain=lambda a: a - 3 * np.eye(2)),
    OpCase("matrix_power", lambda m, a: m.linalg.matrix_power(a, 3), [(3, 3)], high=1.0),
    OpCase("matrix_power", lambda m, a: a.matrix_power(1), [(2, 3, 3)]),
    OpCase("matrix_power", lambda m, a: m.matrix_power(a, -2), [(3, 3)], domain=well_conditioned),
    OpCase("matrix_power", lambda m, a: m.linalg.matrix_power(a, 0), [(2, 3, 3)]),
    # -- decompositions (compared through quantities that do not depend on sign choices) ---------
    OpCase("cholesky", lambda m, a: m.linalg.cholesky(a @ a.mT), [(3, 3)],
           domain=well_conditioned),
    OpCase("cholesky", lambda m, a: m.linalg.cholesky(a @ a.mT, upper=True), [(2, 3, 3)],
           domain=well_conditioned),
    OpCase("qr", lambda m, a: tuple(m.linalg.qr(a)), [(4, 3)]),
    OpCase("qr", lambda m, a: tuple(m.linalg.qr(a)), [(3, 4)]),
    OpCase("qr", lambda m, a: tuple(m.linalg.qr(a, mode="complete")), [(2, 3, 3)]),
    OpCase("eigh", lambda m, a: (lambda r: (r[0], r[1] * r[1]))(m.linalg.eigh(sym(m, a))),
           [(3, 3)]),
    OpCase("eigh", lambda m, a: (lambda r: (r[0], r[1] * r[1]))(m.linalg.eigh(sym(m, a), "U")),
           [(2, 3, 3)]),
    OpCase("eigh", lambda m, a: m.linalg.eigh(sym(m, a)).eigenvalues, [(4, 4)]),
    OpCase("eigvalsh", lambda m, a: m.linalg.eigvalsh(sym(m, a)), [(3, 3)]),
    OpCase("svd", lambda m, a: (lambda r: (r.S, r.U @ r.Vh, r.U * r.U))(
        m.linalg.svd(a, full_matrices=False)), [(4, 3)]),
    OpCase("svd", lambda m, a: (lambda r: (r.S, r.U @ r.Vh, r.Vh * r.Vh))(
        m.linalg.svd(a, full_matrices=False)), [(3, 4)]),
    OpCase("svd", lambda m, a: (lambda r: (r.S, r.U @ r.Vh))(m.linalg.svd(a)), [(2, 3, 3)]),
    OpCase("svd", lambda m, a: (lambda r: (r.S, r.U[:, :3] @ r.Vh))(m.linalg.svd(a)), [(4, 3)]),
    OpCase("svd", lambda m, a: m.linalg.svd(a).S, [(3, 5)]),
    OpCase("svd", lambda m, a: (lambda r: (r.S, r.U @ r.V.mT))(a.svd()), [(4, 3)]),
    OpCase("svdvals", lambda m, a: m.linalg.svdvals(a), [(2, 3, 4)]),
]

test_parity, test_gradcheck = parametrize_cases(CASES)


def f64(*shape, seed=0, low=-2.0, high=2.0):
    rng = np.random.default_rng(seed)
    return ember.from_numpy(rng.uniform(low, high, size=shape)).requires_grad_()


# -- double backward ---------------------------------------------------------------------------


@pytest.mark.parametrize("fn, shapes", [
    (lambda x, y: x @ y, [(2, 3), (3, 2)]),
    (lambda x, y: x @ y, [(2, 2, 3), (3, 2)]),
    (lambda x, y: x @ y, [(3,), (2, 3, 2)]),
    (lambda x, y: x @ y, [(2, 3), (3,)]),
    (lambda x, y: ember.mm(x, y), [(2, 3), (3, 2)]),
    (lambda x, y: ember.bmm(x, y), [(2, 2, 3), (2, 3, 2)]),
    (lambda x, y: ember.dot(x, y), [(4,), (4,)]),
    (lambda x, y: ember.outer(x, y), [(3,), (2,)]),
    (lambda c, x, y: ember.addmm(c, x, y, beta=0.5, alpha=2.0), [(2,), (3, 2), (2, 2)]),
    (lambda x, y: ember.einsum("bij,bjk->bik", x, y), [(2, 2, 3), (2, 3, 2)]),
    (lambda x, y: ember.einsum("ii,ij->j", x, y), [(3, 3), (3, 2)]),
    (lambda x, y: ember.tensordot(x, y, dims=([0], [1])), [(3, 2), (2, 3)]),
    (lambda x: ember.diag_embed(ember.diagonal(x, 1) * 2.0), [(3, 4)]),
    (lambda x, y: ember.cross(x, y, dim=0), [(3, 2), (3, 2)]),
])
def test_gradgradcheck_products(fn, shapes):
    inputs = tuple(f64(*s, seed=i) for i, s in enumerate(shapes))
    assert ember.autograd.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("fn", [
    lambda a: ember.linalg.inv(a),
    lambda a: ember.linalg.det(a),
    lambda a: ember.linalg.slogdet(a).logabsdet,
    lambda a: ember.linalg.solve(a, a.sum(-1)),
    lambda a: ember.linalg.vector_norm(a),
    lambda a: ember.linalg.vector_norm(a, 3, dim=0),
    lambda a: ember.linalg.matrix_norm(a, "nuc"),
    lambda a: ember.linalg.cholesky(a @ a.mT),
    lambda a: ember.linalg.eigh(a + a.mT).eigenvalues,
])
def test_gradgradcheck_linalg(fn):
    a = ember.from_numpy(np.random.default_rng(3).uniform(-1, 1, (3, 3)) + 3 * np.eye(3))
    assert ember.autograd.gradgradcheck(fn, (a.requires_grad_(),))


# -- semantics beyond the table ----------------------------------------------------------------


def test_vector_norm_gradient_at_zero_is_zero():
    for ord_ in (2, 3, 1.5):
        x = ember.zeros(4, requires_grad=True)
        ember.linalg.vector_norm(x, ord_).backward()
        assert x.grad.tolist() == [0.0] * 4


def test_vector_norm_inf_gradient_splits_ties_like_torch():
    x = ember.tensor([3.0, -3.0, 1.0], requires_grad=True)
    ember.linalg.vector_norm(x, INF).backward()
    assert x.grad.tolist() == [0.5, -0.5, 0.0]


def test_float32_stays_float32():
    a = ember.ones(4, 4)
    for out in (a @ a, ember.addmm(ember.ones(4), a, a), ember.linalg.inv(a + ember.eye(4)),
                ember.einsum("ij,jk->ik", a, a), ember.linalg.vector_norm(a), ember.norm(a),
                ember.linalg.det(a), ember.linalg.solve(a + ember.eye(4), a[0])):
        assert out.dtype is ember.float32


def test_matmul_forward_does_not_copy_contiguous_inputs_and_folds_batches():
    x = ember.from_numpy(np.arange(24.0).reshape(2, 3, 4))
    w = ember.from_numpy(np.ones((4, 5)))
    out = ember.ops.linalg._fold_mm(x._data, w._data)
    np.testing.assert_array_equal(out, x._data @ w._data)
    assert np.shares_memory(x._data.reshape(6, 4), x._data)  # the fold is a free reshape


def test_addmm_beta_zero_ignores_nan_in_input():
    c = ember.tensor([math.nan, math.nan])
    out = ember.addmm(c, ember.ones(1, 2), ember.ones(2, 2), beta=0)
    assert out.tolist() == [[2.0, 2.0]]


def test_cross_default_dim_is_the_first_dim_of_size_3():
    x, y = ember.randn(2, 3, 3), ember.randn(2, 3, 3)
    np.testing.assert_array_equal(ember.cross(x, y).numpy(), ember.cross(x, y, dim=1).numpy())


def test_diagonal_is_a_writeable_view():
    x = ember.zeros(3, 3)
    d = x.diagonal()
    d[...] = 1.0
    assert x.tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]


def test_diag_of_matrix_is_a_copy():
    x = ember.zeros(2, 2)
    d = ember.diag(x)
    d[0] = 5.0
    assert x.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_einsum_results_match_numpy_for_many_equations():
    rng = np.random.default_rng(0)
    cases = [("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("iij->j", [(3, 3, 2)]),
             ("ijk->kji", [(2, 3, 4)]), ("ij,ij->", [(2, 3), (2, 3)]),
             ("...j,j...->...", [(2, 3), (3, 2)]), ("abc,cd,a->bd", [(2, 3, 4), (4, 5), (2,)])]
    for eq, shapes in cases:
        arrs = [rng.standard_normal(s) for s in shapes]
        got = ember.einsum(eq, *[ember.from_numpy(a) for a in arrs]).numpy()
        np.testing.assert_allclose(got, np.einsum(eq, *arrs), rtol=1e-12, atol=1e-12)


def test_namedtuple_results():
    a = ember.tensor([[2.0, 1.0], [1.0, 3.0]])
    assert ember.linalg.slogdet(a).logabsdet.item() == pytest.approx(math.log(5.0))
    assert ember.linalg.eigh(a).eigenvectors.shape == (2, 2)
    r = ember.linalg.svd(a)
    assert (r.U.shape, r.S.shape, r.Vh.shape) == ((2, 2), (2,), (2, 2))
    q, r_ = ember.linalg.qr(ember.ones(3, 2))
    assert q.shape == (3, 2) and r_.shape == (2, 2)
    q, r_ = ember.linalg.qr(ember.ones(3, 2), mode="r")
    assert q.shape == (0,) and r_.shape == (2, 2)


def test_det_gradient_of_singular_matrix_is_the_cofactor_matrix():
    # d det(A) / dA is the cofactor matrix, also where A is singular (PyTorch 2.x returns zeros
    # for this exactly singular input; ember returns the true derivative).
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    e = ember.from_numpy(a.copy()).requires_grad_()
    ember.linalg.det(e).backward()
    cofactors = [[4.0, 4.0, -4.0], [-2.0, -2.0, 2.0], [0.0, 0.0, 0.0]]
    np.testing.assert_allclose(e.grad.numpy(), cofactors, atol=1e-10)


def test_legacy_cholesky_qr_svd_match_linalg():
    a = ember.from_numpy(np.array([[4.0, 2.0], [2.0, 3.0]]))
    np.testing.assert_allclose(ember.cholesky(a).numpy(), ember.linalg.cholesky(a).numpy())
    np.testing.assert_allclose(a.cholesky(upper=True).numpy(),
                               ember.linalg.cholesky(a, upper=True).numpy())
    m = ember.from_numpy(np.arange(6.0).reshape(3, 2) ** 2)
    q, r = m.qr()
    q2, r2 = ember.linalg.qr(m)
    np.testing.assert_allclose(q.numpy(), q2.numpy())
    assert ember.qr(m, some=False).Q.shape == (3, 3)
    u, s, v = ember.svd(m, some=False)
    assert (u.shape, s.shape, v.shape) == ((3, 3), (2,), (2, 2))
    np.testing.assert_allclose((u[:, :2] * s) @ v.mT, m.numpy(), atol=1e-12)
    u, s, v = ember.svd(m, compute_uv=False)
    assert float(u.abs().sum()) == 0.0 and s.shape == (2,)


@requires_torch
def test_svdvals_gradient_with_repeated_singular_values_is_finite():
    e = ember.eye(3, dtype=ember.float64).requires_grad_()
    t = torch.eye(3, dtype=torch.float64).requires_grad_()
    ember.linalg.svdvals(e).sum().backward()
    torch.linalg.svdvals(t).sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), atol=1e-12)


def test_norm_and_tensor_method_signatures():
    x = ember.tensor([[3.0, 4.0], [0.0, 0.0]])
    assert x.norm().item() == 5.0
    assert x.norm(dim=1).tolist() == [5.0, 0.0]
    assert ember.norm(x, 1, 1, True).shape == (2, 1)
    assert ember.linalg.norm(x, ord=INF).item() == 7.0


def test_linalg_namespace_exports():
    for name in ("vector_norm", "matrix_norm", "norm", "inv", "solve", "det", "slogdet",
                 "matrix_power", "cholesky", "qr", "eigh", "eigvalsh", "svd", "svdvals", "cross",
                 "diagonal", "vecdot", "multi_dot", "matmul", "LinAlgError"):
        assert hasattr(ember.linalg, name), name
        if torch is not None:
            assert hasattr(torch.linalg, name), name
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)


# -- error messages ----------------------------------------------------------------------------


def test_matmul_error_names_shapes_and_inner_dims():
    with pytest.raises(RuntimeError, match=r"matmul\(\).*\(64, 784\) and \(128, 10\).*784 and 128"):
        ember.ones(64, 784) @ ember.ones(128, 10)


def test_matmul_error_suggests_transpose():
    with pytest.raises(RuntimeError, match=r"\(3, 4\) and \(5, 4\).*transpose other"):
        ember.ones(3, 4) @ ember.ones(5, 4)


def test_matmul_errors_for_scalars_dtypes_and_batches():
    with pytest.raises(RuntimeError, match=r"matmul\(\).*0D"):
        ember.ones(()) @ ember.ones(3)
    with pytest.raises(RuntimeError, match=r"matmul\(\).*float32.*float64"):
        ember.ones(2, 2) @ ember.ones(2, 2, dtype=ember.float64)
    with pytest.raises(RuntimeError, match=r"matmul \(batch dims\).*\(2,\) and \(3,\)"):
        ember.ones(2, 3, 4) @ ember.ones(3, 4, 5)
    with pytest.raises(TypeError, match=r"matmul\(\).*other.*list"):
        ember.matmul(ember.ones(2), [1.0, 2.0])


@pytest.mark.parametrize("call, pattern", [
    (lambda: ember.mm(ember.ones(3), ember.ones(3, 2)), r"mm\(\).*\(3,\).*1-D"),
    (lambda: ember.mm(ember.ones(2, 3), ember.ones(4, 2)),
     r"mm\(\).*\(2, 3\) and \(4, 2\).*3 and 4"),
    (lambda: ember.bmm(ember.ones(3, 4), ember.ones(2, 4, 5)), r"bmm\(\).*3-D.*\(3, 4\)"),
    (lambda: ember.bmm(ember.ones(2, 3, 4), ember.ones(3, 4, 5)), r"bmm\(\).*2 matrices.*3"),
    (lambda: ember.mv(ember.ones(3, 4), ember.ones(5)), r"mv\(\).*\(3, 4\) and \(5,\).*4 and 5"),
    (lambda: ember.dot(ember.ones(3), ember.ones(4)), r"dot\(\).*3 elements.*4"),
    (lambda: ember.dot(ember.ones(3, 1), ember.ones(3)), r"dot\(\).*1-D.*\(3, 1\)"),
    (lambda: ember.dot(ember.ones(3), ember.ones(3, dtype=ember.float64)),
     r"dot\(\).*float32.*float64"),
    (lambda: ember.outer(ember.ones(3, 2), ember.ones(3)), r"outer\(\).*1-D.*\(3, 2\)"),
    (lambda: ember.inner(ember.ones(2, 3), ember.ones(4)), r"inner\(\).*\(2, 3\) and \(4,\)"),
    (lambda: ember.addmm(ember.ones(4), ember.ones(2, 3), ember.ones(3, 3)),
     r"addmm\(\).*\(4,\).*\(2, 3\)"),
    (lambda: ember.addmm(ember.ones(3, dtype=ember.float64), ember.ones(2, 3), ember.ones(3, 3)),
     r"addmm\(\).*float64.*float32"),
    (lambda: ember.baddbmm(ember.ones(4), ember.ones(2, 2, 3), ember.ones(2, 3, 3)),
     r"baddbmm\(\).*\(4,\).*\(2, 2, 3\)"),
    (lambda: ember.tensordot(ember.ones(2, 3), ember.ones(4, 4), dims=1),
     r"tensordot\(\).*size 3 in dim 1.*size 4 in dim 0"),
    (lambda: ember.tensordot(ember.ones(2, 3), ember.ones(3), dims=-1), r"tensordot\(\).*>= 0"),
    (lambda: ember.tensordot(ember.ones(2, 3), ember.ones(3), dims=([0, 1], [0])),
     r"tensordot\(\).*same length"),
    (lambda: ember.diag(ember.ones(2, 2, 2)), r"diag\(\).*1D or 2D.*3D"),
    (lambda: ember.diagonal(ember.ones(3, 3), 0, 1, 1), r"diagonal\(\).*identical"),
    (lambda: ember.trace(ember.ones(2, 3, 3)), r"trace\(\).*matrix.*\(2, 3, 3\)"),
    (lambda: ember.cross(ember.ones(2, 2), ember.ones(2, 2)), r"cross\(\).*no dimension of size 3"),
    (lambda: ember.linalg.cross(ember.ones(2, 3), ember.ones(3)), r"cross\(\).*same number"),
    (lambda: ember.linalg.cross(ember.ones(2, 2), ember.ones(2, 2)),
     r"cross\(\).*length 3. Got 2 and 2"),
])
def test_product_errors(call, pattern):
    with pytest.raises(RuntimeError, match=pattern):
        call()


@pytest.mark.parametrize("call, pattern", [
    (lambda: ember.einsum("ij->k", ember.ones(2, 3)), r"einsum\(\).*output subscript k"),
    (lambda: ember.einsum("ij->ii", ember.ones(2, 3)), r"einsum\(\).*more than once"),
    (lambda: ember.einsum("ii->i", ember.ones(2, 3)), r"einsum\(\).*repeated.*3 != 2"),
    (lambda: ember.einsum("ij->i", ember.ones(2, 3, 4)),
     r"einsum\(\).*subscripts.*\(2\).*dimensions \(3\).*operand 0"),
    (lambda: ember.einsum("ij->i", ember.ones(2, 3), ember.ones(2)), r"einsum\(\).*more operands"),
    (lambda: ember.einsum("ij,j->i", ember.ones(2, 3)), r"einsum\(\).*fewer operands"),
    (lambda: ember.einsum("ij,jk->ik", ember.ones(2, 3), ember.ones(4, 5)),
     r"einsum\(\).*subscript j has size 4 for operand 1.*size 3"),
    (lambda: ember.einsum("i1->i", ember.ones(2, 3)), r"einsum\(\).*invalid subscript '1'"),
    (lambda: ember.einsum("i,i->", ember.ones(2), ember.ones(2, dtype=ember.float64)),
     r"einsum\(\).*float32.*float64"),
])
def test_einsum_errors(call, pattern):
    with pytest.raises(RuntimeError, match=pattern):
        call()


@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: ember.linalg.inv(ember.zeros(3, 3)), ember.linalg.LinAlgError,
     r"linalg.inv\(\).*singular.*\(3, 3\)"),
    (lambda: ember.linalg.inv(ember.ones(2, 3)), RuntimeError,
     r"linalg.inv\(\).*square.*2 by 3"),
    (lambda: ember.linalg.inv(ember.ones(3)), RuntimeError,
     r"linalg.inv\(\).*2 dimensions.*\(3,\)"),
    (lambda: ember.linalg.inv(ember.ones(2, 2, dtype=ember.int64)), RuntimeError,
     r"linalg.inv\(\).*floating.*int64"),
    (lambda: ember.linalg.solve(ember.eye(3), ember.ones(4)), RuntimeError,
     r"linalg.solve\(\).*3x3 and 4x1"),
    (lambda: ember.linalg.solve(ember.eye(3, dtype=ember.float64), ember.ones(3)), RuntimeError,
     r"linalg.solve\(\).*float64.*float32"),
    (lambda: ember.linalg.solve(ember.zeros(3, 3), ember.ones(3)), ember.linalg.LinAlgError,
     r"linalg.solve\(\).*singular"),
    (lambda: ember.linalg.det(ember.ones(2, 3)), RuntimeError, r"linalg.det\(\).*2 by 3"),
    (lambda: ember.linalg.cholesky(-ember.eye(2)), ember.linalg.LinAlgError,
     r"linalg.cholesky\(\).*positive-definite"),
    (lambda: ember.linalg.matrix_power(ember.ones(2, 3), 2), RuntimeError,
     r"matrix_power\(\).*square.*\(2, 3\)"),
    (lambda: ember.linalg.vector_norm(ember.ones(3, dtype=ember.int64)), RuntimeError,
     r"vector_norm\(\).*floating.*int64"),
    (lambda: ember.linalg.vector_norm(ember.ones(0), INF), RuntimeError,
     r"vector_norm\(\).*inf norm on an empty tensor"),
    (lambda: ember.linalg.vector_norm(ember.ones(2, 0), -1, dim=1), RuntimeError,
     r"vector_norm\(\).*dimension 1.*empty"),
    (lambda: ember.linalg.vector_norm(ember.ones(3, dtype=ember.float64), dtype=ember.float32),
     RuntimeError, r"vector_norm\(\).*float64.*narrowing.*float32"),
    (lambda: ember.linalg.vector_norm(ember.ones(3), "fro"), TypeError,
     r"vector_norm\(\).*ord.*str"),
    (lambda: ember.linalg.matrix_norm(ember.ones(3)), RuntimeError,
     r"matrix_norm\(\).*2 dimensions.*\(3,\)"),
    (lambda: ember.linalg.matrix_norm(ember.ones(3, 3), 3), RuntimeError,
     r"matrix_norm\(\).*Order 3 not supported"),
    (lambda: ember.linalg.matrix_norm(ember.ones(3, 3), dim=(0, 0)), RuntimeError,
     r"matrix_norm\(\).*dims must be different"),
    (lambda: ember.linalg.norm(ember.ones(2, 3, 4), ord=2), RuntimeError,
     r"linalg.norm\(\).*1D or 2D. Got 3D"),
    (lambda: ember.linalg.norm(ember.ones(2, 3, 4), dim=(0, 1, 2)), RuntimeError,
     r"linalg.norm\(\).*length 1 or 2"),
    (lambda: ember.norm(ember.ones(2, 3), p="abc"), RuntimeError, r"Order abc not supported"),
    (lambda: ember.dist(ember.ones(3, dtype=ember.int64), ember.zeros(3, dtype=ember.int64)),
     RuntimeError, r"dist\(\).*floating.*int64"),
])
def test_linalg_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
