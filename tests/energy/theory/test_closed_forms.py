"""Closed forms of the linear theory on the Kronecker quadratic against simulation (spec energy.md
§3.4-§3.7, §5 items 4-9).

The spec's seed-0 numbers (82.10..., 30.72, Gini 0.641/0.817) come from an unpublished random
construction that ``make_quadratic`` does not claim to reproduce, so they are not asserted here;
these tests check closed forms and identities instead. The construction-independent heavy-ball
example of the spec (0.845 / 0.7071) is asserted as published.
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
