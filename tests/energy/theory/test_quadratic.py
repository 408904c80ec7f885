"""Exact linear theory on the Kronecker quadratic (spec energy.md §3, §5 items 1-10).

The spec's seed-0 numbers (82.10..., 30.72, Gini 0.641/0.817) come from an unpublished random
construction that ``make_quadratic`` does not claim to reproduce, so they are not asserted here;
these tests check closed forms and identities instead. Construction-independent numbers of the
spec (heavy-ball example 0.845 / 0.7071, polar example (1, -1, 1)) are asserted as published.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from muonrepro.energy.theory import closed_forms as cf
from muonrepro.energy.theory import quadratic as qd
from muonrepro.energy.theory import simulation as sim


@pytest.fixture(scope="module")
def P():
    return qd.make_quadratic(np.random.default_rng(0), n=6, m=4)


@pytest.fixture(scope="module")
def P_tall():
    return qd.make_quadratic(np.random.default_rng(5), n=3, m=5, low=0.05, high=2.0)


# ---- construction ------------------------------------------------------------------------------


def test_random_orthogonal_is_orthogonal():
    V = qd.random_orthogonal(np.random.default_rng(1), 7)
    np.testing.assert_allclose(V.T @ V, np.eye(7), atol=1e-13)


def test_random_spd_properties():
    rng = np.random.default_rng(2)
    S = qd.random_spd(rng, 6, low=0.2, high=3.0)
    np.testing.assert_array_equal(S, S.T)
    w = np.linalg.eigvalsh(S)
    assert w.min() >= 0.2 - 1e-12 and w.max() <= 3.0 + 1e-12
    # eigenvectors are not axis aligned (a diagonal S would make every check trivial)
    assert np.max(np.abs(S - np.diag(np.diag(S)))) > 1e-2


def test_random_spd_given_eigvals():
    S = qd.random_spd(np.random.default_rng(3), 4, eigvals=[4.0, 3.0, 2.0, 1.0])
    np.testing.assert_allclose(np.linalg.eigvalsh(S), [1.0, 2.0, 3.0, 4.0], rtol=1e-13)
    with pytest.raises(ValueError):
        qd.random_spd(np.random.default_rng(3), 4, eigvals=[1.0, 0.0, 2.0, 3.0])


def test_make_quadratic_seeded_and_consistent(P):
    P2 = qd.make_quadratic(0, n=6, m=4)
    np.testing.assert_array_equal(P.Sx, P2.Sx)
    np.testing.assert_array_equal(P.E0, P2.E0)
    assert P.E0.shape == (4, 6) and P.Sx.shape == (6, 6) and P.Sd.shape == (4, 4)
    assert np.all(np.diff(P.lam) <= 0) and np.all(np.diff(P.mu) <= 0)
    np.testing.assert_allclose(P.Q @ np.diag(P.lam) @ P.Q.T, P.Sx, atol=1e-14)
    np.testing.assert_allclose(P.R @ np.diag(P.mu) @ P.R.T, P.Sd, atol=1e-14)
    assert not np.allclose(qd.make_quadratic(1).Sx, P.Sx)


# ---- §3.1 vec / Kronecker convention (item 1) ---------------------------------------------------


def test_vec_is_column_major():
    np.testing.assert_array_equal(qd.vec([[1, 2], [3, 4]]), [1, 3, 2, 4])
    X = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(qd.unvec(qd.vec(X), X.shape), X)


def test_vec_kron_identity():
    rng = np.random.default_rng(4)
    A, X, B = rng.standard_normal((3, 4)), rng.standard_normal((4, 5)), rng.standard_normal((5, 2))
    np.testing.assert_allclose(qd.vec(A @ X @ B), np.kron(B.T, A) @ qd.vec(X), rtol=1e-12, atol=1e-12)


def test_kron_hessian_acts_as_gradient(P):
    np.testing.assert_allclose(P.H @ qd.vec(P.E0), qd.vec(qd.gradient(P.E0, P.Sx, P.Sd)), rtol=1e-12, atol=1e-14)
    # the other ordering (Sd kron Sx) is NOT the Hessian in column-major vec
    assert not np.allclose(np.kron(P.Sd, P.Sx) @ qd.vec(P.E0), P.H @ qd.vec(P.E0))


def test_modes_are_hessian_eigenvectors(P):
    V = np.kron(P.Q, P.R)
    np.testing.assert_allclose(V.T @ P.H @ V, np.diag(qd.vec(P.h)), atol=1e-13)
    i, j = 2, 1  # mode (i, j) = r_j q_i^T with eigenvalue lam_i mu_j
    v = qd.vec(np.outer(P.R[:, j], P.Q[:, i]))
    np.testing.assert_allclose(P.H @ v, P.lam[i] * P.mu[j] * v, atol=1e-14)
    assert P.h[j, i] == P.lam[i] * P.mu[j]


# ---- §3.2 modes, rotated gradient, estimator (items 2-3) ----------------------------------------


def test_mode_coordinates_roundtrip(P):
    np.testing.assert_allclose(qd.from_mode_coordinates(P.a0, P.Q, P.R), P.E0, atol=1e-14)


def test_rotated_gradient_entries(P):
    Gt = qd.rotated_gradient(qd.gradient(P.E0, P.Sx, P.Sd), P.Q, P.R)
    for j in range(P.m):
        for i in range(P.n):
            assert Gt[j, i] == pytest.approx(P.lam[i] * P.mu[j] * P.a0[j, i], rel=1e-11, abs=1e-14)


def test_excess_loss_mode_sum(P):
    assert qd.excess_loss(P.E0, P.Sx, P.Sd) == pytest.approx(0.5 * float(np.sum(P.h * P.a0**2)), rel=1e-13)
    assert qd.per_step_energy(P.E0, P.Sx, P.Sd) == pytest.approx(float(qd.vec(P.E0) @ P.H @ qd.vec(P.E0)), rel=1e-13)


@pytest.mark.parametrize("fixture", ["P", "P_tall"])
def test_estimator_identity(fixture, request):
    Q_ = request.getfixturevalue(fixture)
    G = qd.gradient(Q_.E0, Q_.Sx, Q_.Sd)
    e = qd.mode_energy_estimator(qd.rotated_gradient(G, Q_.Q, Q_.R), Q_.lam, Q_.mu)
    np.testing.assert_allclose(e, Q_.h * Q_.a0**2, rtol=1e-10)
    nd = qd.newton_decrement_sq(G, Q_.H)
    assert e.sum() == pytest.approx(nd, rel=1e-10)
    assert nd == pytest.approx(2.0 * qd.excess_loss(Q_.E0, Q_.Sx, Q_.Sd), rel=1e-10)


def test_estimator_rejects_bad_shapes_and_zero_curvature():
    with pytest.raises(ValueError):
        qd.mode_energy_estimator(np.ones((2, 3)), [1.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError):
        qd.mode_energy_estimator(np.ones((2, 2)), [1.0, 0.0], [1.0, 1.0])


# ---- §3.4 closed forms (items 4, 6) --------------------------------------------------------------


def test_closed_form_small_horizons():
    a0, h, rho = np.array([2.0, -1.0]), np.array([0.5, 0.1]), np.array([0.3, -0.9])
    np.testing.assert_array_equal(cf.mode_energy_closed_form(a0, h, rho, 0), [0.0, 0.0])
    np.testing.assert_allclose(cf.mode_energy_closed_form(a0, h, rho, 1), h * a0**2)
    np.testing.assert_allclose(cf.mode_energy_closed_form(a0, h, rho, 2), h * a0**2 * (1 + rho**2))
    direct = sum(h * a0**2 * rho ** (2 * t) for t in range(10_000))
    np.testing.assert_allclose(cf.mode_energy_closed_form(a0, h, rho), direct, rtol=1e-12)


def test_closed_form_unit_rate():
    np.testing.assert_allclose(cf.mode_energy_closed_form([1.0, 1.0], [2.0, 2.0], [1.0, -1.0], 5), [10.0, 10.0])
    with pytest.raises(ValueError):
        cf.mode_energy_closed_form([1.0], [1.0], [1.0])


def test_gd_rates_values(P):
    eta = 0.7
    np.testing.assert_allclose(cf.gd_rates(P.lam, P.mu, eta), 1 - eta * np.outer(P.mu, P.lam))
    pi, p = np.full(P.n, 2.0), np.full(P.m, 0.5)
    np.testing.assert_allclose(
        cf.preconditioned_rates(P.lam, P.mu, pi, p, eta), cf.gd_rates(P.lam, P.mu, eta), rtol=1e-15
    )
    np.testing.assert_allclose(
        cf.preconditioned_rates(P.lam, P.mu, 1 / P.lam, 1 / P.mu, eta), cf.kfac_rates((P.m, P.n), eta)
    )


@pytest.mark.parametrize("eta_scale", [0.3, 1.0, 1.6, 1.95])  # 1.6, 1.95: some rho < 0
@pytest.mark.parametrize("T", [1, 3, 40])
def test_gd_simulation_matches_finite_horizon(P, eta_scale, T):
    eta = eta_scale / P.h.max()
    rho = cf.gd_rates(P.lam, P.mu, eta)
    energies = sim.simulate_gd(P.E0, P.Sx, P.Sd, eta, T)
    assert energies.shape == (T,)
    assert energies.sum() == pytest.approx(cf.mode_energy_closed_form(P.a0, P.h, rho, T).sum(), rel=1e-10)


def test_gd_negative_rho_case_is_exercised(P):
    assert cf.gd_rates(P.lam, P.mu, 1.6 / P.h.max()).min() < 0


@pytest.mark.parametrize("eta_scale", [1.0, 1.6])
def test_gd_simulation_matches_infinite_horizon(P, eta_scale):
    eta = eta_scale / P.h.max()
    rho = cf.gd_rates(P.lam, P.mu, eta)
    T = cf.horizon_for_decay(np.abs(rho).max(), tail=1e-22)
    closed = cf.mode_energy_closed_form(P.a0, P.h, rho).sum()
    assert sim.simulate_gd(P.E0, P.Sx, P.Sd, eta, T).sum() == pytest.approx(closed, rel=1e-10)
    # and a short horizon is visibly short of it (the check can fail)
    assert sim.simulate_gd(P.E0, P.Sx, P.Sd, eta, 3).sum() < closed * (1 - 1e-3)


def test_gd_iterates_contract_per_mode(P):
    eta = 1.0 / P.h.max()
    _, iters = sim.simulate_gd(P.E0, P.Sx, P.Sd, eta, 6, return_iterates=True)
    rho = cf.gd_rates(P.lam, P.mu, eta)
    for t in range(7):
        np.testing.assert_allclose(qd.mode_coordinates(iters[t], P.Q, P.R), rho**t * P.a0, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("eta_scale", [0.2, 1.0, 1.7])
def test_gd_simplification(P, eta_scale):
    eta = eta_scale / P.h.max()
    closed = cf.mode_energy_closed_form(P.a0, P.h, cf.gd_rates(P.lam, P.mu, eta))
    np.testing.assert_allclose(cf.gd_mode_energy_simplified(P.a0, P.h, eta), closed, rtol=1e-12)


def test_gd_factor_two_band(P):
    eta = 1.0 / P.h.max()
    ratio = cf.gd_mode_energy_simplified(P.a0, P.h, eta) / (P.a0**2 / (2 * eta))
    assert ratio.min() >= 1.0 and ratio.max() <= 2.0 + 1e-12


def test_horizon_for_decay():
    T = cf.horizon_for_decay(0.9, tail=1e-10)
    assert 0.9 ** (2 * T) <= 1e-10 < 0.9 ** (2 * (T - 1))
    with pytest.raises(ValueError):
        cf.horizon_for_decay(1.0)


# ---- §3.5 H2 / Lyapunov (item 5) -----------------------------------------------------------------


@pytest.mark.parametrize("eta_scale", [0.5, 1.0, 1.6])
def test_h2_both_ways_match_closed_form(P, eta_scale):
    eta = eta_scale / P.h.max()
    A = cf.closed_loop_matrix(P.H, eta)
    closed = cf.mode_energy_closed_form(P.a0, P.h, cf.gd_rates(P.lam, P.mu, eta)).sum()
    e0 = qd.vec(P.E0)
    assert cf.h2_energy_observability(A, P.H, e0) == pytest.approx(closed, rel=1e-9)
    assert cf.h2_energy_controllability(A, P.H, e0) == pytest.approx(closed, rel=1e-9)


def test_h2_lyapunov_residual_and_diagonal(P):
    eta = 1.0 / P.h.max()
    A = cf.closed_loop_matrix(P.H, eta)
    X = scipy.linalg.solve_discrete_lyapunov(A.T, P.H)
    np.testing.assert_allclose(A.T @ X @ A - X + P.H, 0.0, atol=1e-12)
    V = np.kron(P.Q, P.R)
    rho = cf.gd_rates(P.lam, P.mu, eta)
    np.testing.assert_allclose(V.T @ X @ V, np.diag(qd.vec(P.h / (1 - rho**2))), atol=1e-10)


def test_h2_expected_energy(P):
    eta = 0.8 / P.h.max()
    A = cf.closed_loop_matrix(P.H, eta)
    X = scipy.linalg.solve_discrete_lyapunov(A.T, P.H)
    rng = np.random.default_rng(9)
    B = rng.standard_normal((P.n * P.m, P.n * P.m))
    Sigma0 = B @ B.T / B.shape[0]
    assert cf.h2_expected_energy(A, P.H, Sigma0) == pytest.approx(float(np.trace(X @ Sigma0)), rel=1e-10)


def test_spd_sqrt():
    S = qd.random_spd(np.random.default_rng(6), 5)
    R = cf.spd_sqrt(S)
    np.testing.assert_allclose(R @ R, S, atol=1e-13)
    np.testing.assert_allclose(R, scipy.linalg.sqrtm(S).real, atol=1e-12)


# ---- §3.6 K-FAC uniform-rate controller (item 7) ---------------------------------------------------


@pytest.mark.parametrize("eta", [0.1, 0.5, 1.0, 1.5])
def test_kfac_uniform_rate(P, eta):
    T = 12
    _, iters = sim.simulate_kfac(P.E0, P.Sx, P.Sd, eta, T, return_iterates=True)
    for t in (0, 1, 5, T):
        np.testing.assert_allclose(
            qd.mode_coordinates(iters[t], P.Q, P.R), (1 - eta) ** t * P.a0, rtol=1e-9, atol=1e-12
        )


def test_kfac_energy(P):
    eta = 0.4
    twice_loss0 = 2 * qd.excess_loss(P.E0, P.Sx, P.Sd)
    expected = twice_loss0 / (1 - (1 - eta) ** 2)
    T = cf.horizon_for_decay(1 - eta, tail=1e-22)
    assert sim.simulate_kfac(P.E0, P.Sx, P.Sd, eta, T).sum() == pytest.approx(expected, rel=1e-10)
    A = cf.closed_loop_matrix(P.H, eta, cf.kfac_preconditioner(P.Sx, P.Sd))
    np.testing.assert_allclose(A, (1 - eta) * np.eye(P.n * P.m), atol=1e-12)
    assert cf.h2_energy_observability(A, P.H, qd.vec(P.E0)) == pytest.approx(expected, rel=1e-9)
    assert cf.uniform_rate_energy(P.h * P.a0**2, 1 - eta) == pytest.approx(expected, rel=1e-12)


# ---- §3.6 heavy ball (item 9) ------------------------------------------------------------------------


def test_heavy_ball_spec_example():
    # spec §3.6: h=0.3, eta=1, beta=0.5, a0=a_{-1}=1.3 -> 0.845, spectral radius 0.7071
    assert float(cf.heavy_ball_mode_energy(1.3, 0.3, 1.0, 0.5)) == pytest.approx(0.845, rel=1e-12)
    assert cf.heavy_ball_spectral_radius(0.3, 1.0, 0.5) == pytest.approx(0.7071, abs=5e-5)
    # direct scalar recursion
    a_prev, a, tot = 1.3, 1.3, 0.0
    for _ in range(300):
        tot += 0.3 * a * a
        a, a_prev = a - 1.0 * 0.3 * a + 0.5 * (a - a_prev), a
    assert tot == pytest.approx(0.845, rel=1e-12)
    # not of the geometric 1/(1 - r^2) form with the spectral radius r
    assert abs(0.3 * 1.3**2 / (1 - 0.5) - 0.845) > 0.1


def test_heavy_ball_beta_zero_is_gd(P):
    eta = 0.9 / P.h.max()
    np.testing.assert_allclose(
        cf.heavy_ball_mode_energy(P.a0, P.h, eta, 0.0),
        cf.gd_mode_energy_simplified(P.a0, P.h, eta),
        rtol=1e-10,
    )


@pytest.mark.parametrize("beta", [0.5, 0.9])
def test_heavy_ball_lyapunov_vs_simulation(P, beta):
    eta = 1.0 / P.h.max()
    closed = cf.heavy_ball_mode_energy(P.a0, P.h, eta, beta).sum()
    r = max(cf.heavy_ball_spectral_radius(h, eta, beta) for h in P.h.ravel())
    T = cf.horizon_for_decay(r, tail=1e-26)
    assert sim.simulate_heavy_ball(P.E0, P.Sx, P.Sd, eta, beta, T).sum() == pytest.approx(closed, rel=1e-9)


def test_heavy_ball_unstable_raises():
    with pytest.raises(ValueError):
        cf.heavy_ball_mode_energy(1.0, 1.0, 3.5, 0.5)  # eta h > 2 (1 + beta)


# ---- §3.7 Jensen (item 8) ------------------------------------------------------------------------------


def test_jensen_f_and_second_derivative():
    rho = np.linspace(-0.9, 0.9, 19)
    np.testing.assert_allclose(cf.jensen_f(rho), 1 / (1 - rho**2))
    step = 1e-4
    fd = (cf.jensen_f(rho + step) - 2 * cf.jensen_f(rho) + cf.jensen_f(rho - step)) / step**2
    np.testing.assert_allclose(cf.jensen_f_second_derivative(rho), fd, rtol=1e-5)
    assert cf.jensen_f_second_derivative(0.0) == 2.0


def test_weighted_mean_rate():
    assert cf.weighted_mean_rate([1, 3], [0.2, 0.6]) == pytest.approx(0.5)
    assert cf.weighted_mean_rate([1, 1], [-0.4, 0.6]) == pytest.approx(0.1)
    assert cf.weighted_mean_rate([1, 1], [-0.4, 0.6], absolute=True) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        cf.weighted_mean_rate([0, 0], [0.1, 0.2])


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=1, max_value=30).flatmap(
        lambda k: st.tuples(
            arrays(np.float64, k, elements=st.floats(1e-3, 10.0)),
            arrays(np.float64, k, elements=st.floats(-0.99, 0.99)),
        )
    )
)
def test_jensen_inequality_property(w_rho):
    w, rho = w_rho
    E = cf.energy_from_rates(w, rho)
    assert E >= cf.jensen_lower_bound(w, rho, absolute=True) * (1 - 1e-12)
    # the |rho| bound is at least as tight as the signed one
    assert cf.jensen_lower_bound(w, rho, absolute=True) >= cf.jensen_lower_bound(w, rho, absolute=False) * (1 - 1e-12)


def test_jensen_equality_iff_constant():
    w = np.array([0.5, 2.0, 1.0])
    assert cf.energy_from_rates(w, [0.6] * 3) == pytest.approx(cf.jensen_lower_bound(w, [0.6] * 3), rel=1e-14)
    assert cf.energy_from_rates(w, [0.5, 0.6, 0.7]) > cf.jensen_lower_bound(w, [0.5, 0.6, 0.7]) * (1 + 1e-6)


def test_unweighted_mean_is_not_the_right_constraint():
    # spec §3.7 caveat (a): at a fixed *unweighted* mean, uniform rates are not optimal
    w = np.array([10.0, 0.1])
    uniform = cf.energy_from_rates(w, [0.5, 0.5])
    skewed = cf.energy_from_rates(w, [0.3, 0.7])  # same unweighted mean 0.5
    assert skewed < uniform


def test_gd_vs_uniform_on_quadratic(P):
    w = P.h * P.a0**2
    assert w.sum() == pytest.approx(2 * qd.excess_loss(P.E0, P.Sx, P.Sd), rel=1e-13)
    for eta_scale in (0.5, 1.0, 1.6):
        rho = cf.gd_rates(P.lam, P.mu, eta_scale / P.h.max())
        rbar = cf.weighted_mean_rate(w, rho, absolute=True)
        assert cf.energy_from_rates(w, rho) > cf.uniform_rate_energy(w, rbar)


# ---- §3.8 polar (item 10) -----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(4, 6), (6, 4), (5, 5)])
def test_polar_matches_scipy(shape):
    M = np.random.default_rng(7).standard_normal(shape)
    U = sim.polar(M)
    ref, _ = scipy.linalg.polar(M, side="right")
    np.testing.assert_allclose(U, ref, atol=1e-12)
    k = min(shape)
    np.testing.assert_allclose(np.linalg.svd(U, compute_uv=False), np.ones(k), atol=1e-12)


def test_polar_zero_and_rank_deficient():
    np.testing.assert_array_equal(sim.polar(np.zeros((3, 4))), np.zeros((3, 4)))
    u, v = np.array([1.0, 2.0, 2.0]) / 3, np.array([0.0, 0.6, 0.8, 0.0])
    np.testing.assert_allclose(sim.polar(5.0 * np.outer(u, v)), np.outer(u, v), atol=1e-14)


def test_polar_in_eigenbasis_spec_example(P):
    # spec §3.8: a diagonal (1, -0.7, 0.4) -> R^T polar(G) Q has diagonal (1, -1, 1), zeros elsewhere
    D = np.zeros((P.m, P.n))
    D[0, 0], D[1, 1], D[2, 2] = 1.0, -0.7, 0.4
    E = qd.from_mode_coordinates(D, P.Q, P.R)
    Pt = P.R.T @ sim.polar(qd.gradient(E, P.Sx, P.Sd)) @ P.Q
    np.testing.assert_allclose(Pt, np.sign(D), atol=1e-10)
    np.testing.assert_allclose(np.diag(Pt)[:3], [1.0, -1.0, 1.0], atol=1e-10)


def test_polar_in_eigenbasis_permuted_modes(P_tall):
    # one nonzero per row and column, not on the diagonal
    Pq = P_tall
    D = np.zeros((Pq.m, Pq.n))
    D[4, 0], D[0, 2], D[2, 1] = 0.3, -2.0, 0.05
    Pt = Pq.R.T @ sim.polar(qd.gradient(qd.from_mode_coordinates(D, Pq.Q, Pq.R), Pq.Sx, Pq.Sd)) @ Pq.Q
    np.testing.assert_allclose(Pt, np.sign(D), atol=1e-10)


def test_polar_uniform_steps_vs_gd(P):
    k = min(P.m, P.n)
    D = np.zeros((P.m, P.n))
    vals = np.array([1.0, -0.7, 0.4, 0.25])[:k]
    D[np.arange(k), np.arange(k)] = vals
    eta, T = 0.02, 10
    iters = sim.simulate_polar(qd.from_mode_coordinates(D, P.Q, P.R), P.Sx, P.Sd, eta, T)
    for t in range(T + 1):
        a_t = qd.mode_coordinates(iters[t], P.Q, P.R)
        expected = np.zeros_like(D)
        expected[np.arange(k), np.arange(k)] = np.sign(vals) * (np.abs(vals) - eta * t)
        np.testing.assert_allclose(a_t, expected, atol=1e-12)
    # the curvatures of these modes differ, so GD's per-mode step would not be uniform
    h_diag = P.h[np.arange(k), np.arange(k)]
    assert h_diag.max() / h_diag.min() > 1.5
    _, gd_iters = sim.simulate_gd(qd.from_mode_coordinates(D, P.Q, P.R), P.Sx, P.Sd, eta, 1, return_iterates=True)
    gd_step = np.abs(np.diag(qd.mode_coordinates(gd_iters[0] - gd_iters[1], P.Q, P.R))[:k])
    np.testing.assert_allclose(gd_step, eta * h_diag * np.abs(vals), rtol=1e-10)


def test_newton_schulz5_is_only_approximately_polar():
    M = np.random.default_rng(8).standard_normal((4, 7))
    N = sim.newton_schulz5(M)
    s = np.linalg.svd(N, compute_uv=False)
    assert np.all((s > 0.5) & (s < 1.5))
    assert np.max(np.abs(N - sim.polar(M))) > 1e-3
    # orientation: tall input handled by transposition, same result as on M^T
    np.testing.assert_allclose(sim.newton_schulz5(M.T), N.T, atol=1e-12)
    # NS5 only reshapes the singular values: its singular vectors are those of M (and of polar(M))
    U, _, Vt = np.linalg.svd(M, full_matrices=False)
    np.testing.assert_allclose(U.T @ N @ Vt.T, np.diag(np.diag(U.T @ N @ Vt.T)), atol=1e-10)
