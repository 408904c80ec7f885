"""MF problems (spec §3.1): errors, gradients, the reduced basis, spectra."""

import numpy as np
import pytest

from muonrepro.precond.optimizers import GD, SimplifiedMuon
from muonrepro.precond.problems import mf
from muonrepro.precond.problems.spectra import basis, jitter_fractions, jitter_spectrum, spectrum
from muonrepro.precond.runner import run
from muonrepro.precond.steps import StepRule


@pytest.mark.parametrize("kind", ["geometric", "linear"])
@pytest.mark.parametrize("kappa", [1.0, 10.0, 1e4])
def test_spectrum_has_kappa(kind, kappa):
    lam = spectrum(kind, 7, kappa)
    assert lam[0] == pytest.approx(1.0) and lam[0] / lam[-1] == pytest.approx(kappa)
    assert np.all(np.diff(lam) <= 0)


@pytest.mark.parametrize("kind", ["geometric", "linear"])
@pytest.mark.parametrize("kappa", [10.0, 1e4])
def test_jittered_spectrum_keeps_extremes_order_and_band(kind, kappa):
    """Interior value i moves in log space by u_i of its log-gap to the neighbour it moves towards; the
    extremes are returned bit for bit and the order stays strict (|u| < 1/2)."""
    base = spectrum(kind, 9, kappa)
    lv = np.log(base)
    for seed in range(20):
        u = jitter_fractions(np.random.default_rng(seed), 9, 0.45)
        lam = jitter_spectrum(base, u)
        assert lam[0] == base[0] and lam[-1] == base[-1] and lam[0] / lam[-1] == pytest.approx(kappa, rel=1e-15)
        assert np.all(np.diff(lam) < 0) and np.all(np.abs(u) <= 0.45) and u[0] == u[-1] == 0
        for i in range(1, 8):
            gap = lv[i - 1] - lv[i] if u[i] > 0 else lv[i] - lv[i + 1]
            assert np.log(lam[i]) - lv[i] == pytest.approx(u[i] * gap, abs=1e-12)


def test_jitter_zero_and_flat_spectra_do_not_move():
    base = spectrum("geometric", 6, 100.0)
    np.testing.assert_array_equal(jitter_spectrum(base, jitter_fractions(np.random.default_rng(0), 6, 0.0)), base)
    flat = spectrum("geometric", 6, 1.0)
    np.testing.assert_array_equal(jitter_spectrum(flat, jitter_fractions(np.random.default_rng(0), 6, 0.3)), flat)


def test_jitter_draws_the_same_stream_for_any_size_and_rejects_half_gaps():
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    jitter_fractions(a, 5, 0.0)
    jitter_fractions(b, 5, 0.4)
    assert a.random() == b.random()  # what is drawn after does not depend on the jitter
    with pytest.raises(ValueError, match="spectrum_jitter"):
        jitter_fractions(np.random.default_rng(0), 5, 0.5)
    with pytest.raises(ValueError):
        jitter_spectrum(spectrum("geometric", 4, 10.0), np.array([0.1, 0.0, 0.0, 0.0]))


def test_jitter_leaves_the_basis_and_random_start_unchanged():
    a = mf.make_symmetric_mf(2, 10, 4, 100.0, "geometric", True, "random", 1e-3)
    b = mf.make_symmetric_mf(2, 10, 4, 100.0, "geometric", True, "random", 1e-3, jitter=0.3)
    np.testing.assert_array_equal(a.V, b.V)
    np.testing.assert_array_equal(a.U0, b.U0)
    assert not np.array_equal(a.lam, b.lam) and a.lam[-1] == b.lam[-1]


def test_basis_orthonormal_and_axis_aligned():
    rng = np.random.default_rng(0)
    Q = basis(rng, 9, 4, True)
    np.testing.assert_allclose(Q.T @ Q, np.eye(4), atol=1e-14)
    np.testing.assert_array_equal(basis(rng, 9, 4, False), np.eye(9, 4))


def _sym(seed=0, d=12, r=3, kappa=50.0, init="random", scale=0.3):
    return mf.stack_symmetric([mf.make_symmetric_mf(seed, d, r, kappa, "geometric", True, init, scale)])


def test_symmetric_error_matches_dense():
    prob, (U,) = _sym()
    U = U + np.random.default_rng(1).standard_normal(U.shape)
    M = prob.V[0] @ np.diag(prob.lam[0]) @ prob.V[0].T
    dense = np.linalg.norm(U[0] @ U[0].T - M)
    assert prob.abs_error((U,))[0] == pytest.approx(dense, rel=1e-12)
    assert prob.error((U,))[0] == pytest.approx(dense / np.linalg.norm(M), rel=1e-12)
    assert prob.loss((U,))[0] == pytest.approx(0.25 * dense**2, rel=1e-12)


def test_symmetric_error_is_accurate_near_optimum():
    prob, _ = _sym()
    Ustar = prob.V * np.sqrt(prob.lam)[:, None, :]
    assert prob.error((Ustar,))[0] < 1e-15
    E = 1e-9 * np.random.default_rng(2).standard_normal(Ustar.shape)
    M = prob.V[0] @ np.diag(prob.lam[0]) @ prob.V[0].T
    dense = np.linalg.norm((Ustar + E)[0] @ (Ustar + E)[0].T - M)
    assert prob.abs_error((Ustar + E,))[0] == pytest.approx(dense, rel=1e-5)


def test_symmetric_gradient_finite_differences():
    prob, (U,) = _sym(init="random", scale=1.0)
    (G,) = prob.grads((U,))
    rng = np.random.default_rng(3)
    for _ in range(5):
        D = rng.standard_normal(U.shape)
        h = 1e-6
        fd = (prob.loss((U + h * D,)) - prob.loss((U - h * D,)))[0] / (2 * h)
        assert fd == pytest.approx((G * D).sum(), rel=1e-6)


def test_asymmetric_error_and_gradients():
    inst = mf.make_asymmetric_mf(0, 8, 6, 2, 10.0, "geometric", True, "random", 1.0)
    prob, (X, Y) = mf.stack_asymmetric([inst])
    M = inst[0] @ np.diag(inst[2]) @ inst[1].T
    assert prob.abs_error((X, Y))[0] == pytest.approx(np.linalg.norm(X[0] @ Y[0].T - M), rel=1e-12)
    gX, gY = prob.grads((X, Y))
    f = lambda X, Y: 0.5 * prob.abs_error((X, Y))[0] ** 2  # noqa: E731
    rng = np.random.default_rng(4)
    DX, DY = rng.standard_normal(X.shape), rng.standard_normal(Y.shape)
    h = 1e-6
    fd = (f(X + h * DX, Y + h * DY) - f(X - h * DX, Y - h * DY)) / (2 * h)
    assert fd == pytest.approx((gX * DX).sum() + (gY * DY).sum(), rel=1e-6)


def test_asymmetric_aligned_start_is_balanced():
    Us, Vs, sig, X0, Y0 = mf.make_asymmetric_mf(1, 8, 6, 3, 10.0, "geometric", True, "aligned", 1e-3)
    np.testing.assert_allclose(X0, 1e-3 * Us)
    np.testing.assert_allclose(Y0, 1e-3 * Vs)


def test_aligned_init_has_equal_singular_values():
    prob, (U,) = _sym(init="aligned", scale=1e-3)
    np.testing.assert_allclose(prob.sigma((U,))[0], 1e-3, rtol=1e-12)
    np.testing.assert_allclose(prob.V[0].T @ U[0] @ (prob.V[0].T @ U[0]).T, 1e-6 * np.eye(3), atol=1e-18)


@pytest.mark.parametrize("method", ["gd", "muon"])
def test_reduced_basis_gives_the_same_trajectory(method):
    """GD and Muon never leave span(U_0, V*): the reduced problem has identical errors."""
    prob, p0 = mf.stack_symmetric(
        [mf.make_symmetric_mf(s, 30, 3, 100.0, "geometric", True, "random", 1e-2) for s in (0, 1)]
    )
    red, rp0, P = prob.reduce(p0)
    np.testing.assert_allclose(P @ rp0[0], p0[0], atol=1e-15)
    make = (
        (lambda: GD(np.array([0.5, 0.5])))
        if method == "gd"
        else (
            lambda: SimplifiedMuon(StepRule("geometric", np.array([0.2, 0.2]), np.array([0.8, 0.8])), rel_cutoff=1e-12)
        )
    )
    full = run(prob, make(), p0, 60)
    small = run(red, make(), rp0, 60)
    # identical in exact arithmetic; Muon's sign decisions amplify rounding once errors are ~1e-6
    np.testing.assert_allclose(small.errors, full.errors, rtol=1e-8 if method == "gd" else 1e-4, atol=1e-13)


def test_make_symmetric_is_seeded():
    a = mf.make_symmetric_mf(5, 10, 2, 10.0, "geometric", True, "random", 1e-3)
    b = mf.make_symmetric_mf(5, 10, 2, 1e4, "geometric", True, "random", 1e-3)
    np.testing.assert_array_equal(a[0], b[0])  # same seed: same basis at every kappa (spec §6.2)
    np.testing.assert_array_equal(a[2], b[2])
