"""Scalar recursions of spec §5: Lemma L1, decoupling identities, predicted counts, constant steps."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from muonrepro.precond.optimizers import SimplifiedMuon
from muonrepro.precond.problems import icl, mf
from muonrepro.precond.runner import run
from muonrepro.precond.scalar import (
    icl_recursion,
    lemma_bound,
    mf_recursion,
    sign_descent,
    t_muon_icl,
    t_muon_mf,
    t_muon_mf_kappa_free,
)
from muonrepro.precond.steps import StepRule, geometric_etas


@settings(max_examples=60, deadline=None)
@given(q=st.floats(0.5, 0.97), frac=st.floats(-1.0, 1.0), eta0=st.floats(1e-3, 10.0))
def test_lemma_l1_bound_on_sign_descent(q, frac, eta0):
    """|e_0| <= eta_0/(1-q), q in [1/2, 1)  =>  |e_t| <= eta_0 q^t/(1-q) (kappa-free, spec §5.1)."""
    e0 = frac * eta0 / (1 - q)
    etas = geometric_etas(eta0, q, 200)
    e = sign_descent(e0, etas)
    bound = eta0 * q ** np.arange(201) / (1 - q)
    assert np.all(np.abs(e) <= bound * (1 + 1e-9) + 1e-12 * eta0 / (1 - q))


@pytest.mark.parametrize("q", [0.5, 0.6, 0.8, 0.95])
def test_lemma_l1_grid_over_modes(q):
    """The MF mode recursion on a grid of modes (lam from 1e-8 to 1) stays under the bound."""
    lam = np.logspace(-8, 0, 50)
    eta0 = 1.0 - q
    etas = geometric_etas(eta0, q, 150)
    a = mf_recursion(1e-4, lam, etas)
    ratio = np.abs(np.abs(a[:-1]) - np.sqrt(lam)) / etas[:, None]
    keep = etas >= 1e-10
    assert ratio[keep].max() <= lemma_bound(q) * (1 + 1e-9)


def test_lemma_needs_budget():
    """With eta_0/(1-q) below the initial distance the error cannot reach 0 (spec §5.1 budget condition)."""
    etas = geometric_etas(0.1, 0.5, 100)  # total budget 0.2
    e = sign_descent(1.0, etas)
    assert abs(e[-1]) == pytest.approx(0.8, rel=1e-12)


def test_constant_step_cannot_converge():
    """S0: |e_{t+1}| = ||e_t| - eta| ends in a 2-cycle {r, eta - r}: no linear convergence (A13)."""
    eta, e0 = 0.01, 0.3337
    e = np.abs(sign_descent(e0, np.full(200, eta)))
    r = e0 % eta
    np.testing.assert_allclose(sorted(set(np.round(e[-10:], 12))), sorted({round(r, 12), round(eta - r, 12)}))
    assert e[-50:].min() > 0


def test_constant_step_matrix_steps_have_fixed_norm():
    """Every S0 Muon step moves U by exactly eta * sqrt(rank(grad)) in Frobenius norm (spec §4.3)."""
    prob, p0 = mf.stack_symmetric([mf.make_symmetric_mf(0, 20, 3, 10.0, "geometric", True, "random", 1e-2)])
    opt = SimplifiedMuon(StepRule("constant", np.array([1e-2])), rel_cutoff=1e-12)
    p = p0
    for t in range(30):
        new = opt.step(t, p, prob.grads(p))
        assert np.linalg.norm(new[0] - p[0]) == pytest.approx(1e-2 * np.sqrt(3), rel=1e-10)
        p = new


@pytest.mark.parametrize("kappa", [10.0, 1e3])
def test_aligned_mf_muon_equals_scalar_recursion(kappa):
    """Exact decoupling (spec §5.2): sorted sigma(U_t) follows a <- a - eta_t sign((a^2 - lam) a)."""
    prob, p0 = mf.stack_symmetric([mf.make_symmetric_mf(0, 15, 3, kappa, "geometric", True, "aligned", 1e-3)])
    q, eta0 = 0.6, 0.44
    res = run(
        prob,
        SimplifiedMuon(StepRule("geometric", np.array([eta0]), np.array([q])), rel_cutoff=1e-12),
        p0,
        40,
        record=lambda p: {"s": np.linalg.svd(p[0], compute_uv=False)},
    )
    a = mf_recursion(1e-3, prob.lam[0], geometric_etas(eta0, q, 40))
    np.testing.assert_allclose(res.records["s"][0], -np.sort(-np.abs(a), axis=1), atol=1e-12)


def test_aligned_icl_muon_equals_scalar_recursion():
    """From B_0 = 0: Q^T B_t Q = diag(b_t) with b <- b - eta_t sign(gam b - 1) (spec §5.4)."""
    p = icl.stack_icl([icl.make_icl(0, 6, 30.0, "geometric", True)], 20)
    eta0, q = 0.22 / p.gam[0].min(), 0.8
    res = run(
        p,
        SimplifiedMuon(StepRule("geometric", np.array([eta0]), np.array([q])), rel_cutoff=1e-12),
        (np.zeros((1, 6, 6)),),
        15,
        record=lambda x: {"M": p.eig_coords(x[0])},
    )
    M = res.records["M"][0]
    b = icl_recursion(0.0, p.gam[0], geometric_etas(eta0, q, 15))
    np.testing.assert_allclose(np.diagonal(M, axis1=1, axis2=2), b, atol=1e-11)
    off = M - np.einsum("tii->ti", M)[:, :, None] * np.eye(6)
    assert np.abs(off).max() < 1e-10


def test_predicted_mf_count_is_below_the_kappa_free_bound():
    for kappa in (1.0, 10.0, 1e4):
        lam = np.geomspace(1, 1 / kappa, 5)
        assert t_muon_mf(lam, 0.22, 0.8, 1e-6) <= t_muon_mf_kappa_free(5, 0.22, 0.8, 1e-6)


def test_predicted_counts_reference_values():
    """Spec §5.2 / §5.4 reference values (d = 100, r = 5; d = 20, N = 100)."""
    assert [t_muon_mf(np.geomspace(1, 1 / k, 5), 0.22, 0.8, 1e-6) for k in (1, 10, 100)] == [66, 67, 67]
    assert t_muon_mf_kappa_free(5, 0.22, 0.8, 1e-6) == 72
    got = []
    for k in (10, 100, 1000, 10000):
        lam = np.geomspace(1, 1 / k, 20)
        gam = icl.gammas(lam, 100)
        got.append(t_muon_icl(lam, gam, 0.22 / gam.min(), 0.8, 1e-10))
    assert got == [59, 64, 66, 68]


def test_predicted_icl_count_decreases_with_epsilon():
    lam = np.geomspace(1, 1e-3, 10)
    gam = icl.gammas(lam, 50)
    counts = [t_muon_icl(lam, gam, 0.22 / gam.min(), 0.8, e) for e in (1e-4, 1e-8, 1e-12)]
    assert counts == sorted(counts)
