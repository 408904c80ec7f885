"""Exact-polar descent and Muon's NS5 on the Kronecker quadratic (spec energy.md §3.8, §5 item 10):
the polar factor, its sign pattern in the eigenbasis, uniform per-mode steps; the spec's polar example
(1, -1, 1) is asserted as published."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from muonrepro.energy.theory import quadratic as qd
from muonrepro.energy.theory import simulation as sim

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
