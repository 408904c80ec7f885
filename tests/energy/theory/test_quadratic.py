"""Construction, vec / Kronecker conventions, modes and the per-mode energy estimator of the Kronecker
quadratic (spec energy.md §3.1-§3.2, §5 items 1-3)."""

from __future__ import annotations

import numpy as np
import pytest

from muonrepro.energy.theory import quadratic as qd

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
