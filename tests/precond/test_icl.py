"""ICL closed forms (spec §3.2, §5.4): loss vs Monte Carlo, gradient, minimizer, Hessian, GD closed form."""

import numpy as np
import pytest

from muonrepro.precond.optimizers import GD
from muonrepro.precond.problems import icl
from muonrepro.precond.runner import run
from muonrepro.precond.scalar import gd_icl_gap, gd_icl_iterations, gd_icl_modes


def _prob(seed=0, d=4, N=7, kappa=20.0, rotate=True):
    return icl.stack_icl([icl.make_icl(seed, d, kappa, "geometric", rotate)], N)


def _rand(prob, seed=1):
    d = prob.d
    return np.random.default_rng(seed).standard_normal((1, d, d)) / np.sqrt(d)


def test_gamma_and_matrices():
    p = _prob()
    lam, N = p.lam[0], p.N
    np.testing.assert_allclose(p.gam[0], (1 + 1 / N) * lam + lam.sum() / N)
    np.testing.assert_allclose(p.Gam[0], (1 + 1 / N) * p.Lam[0] + np.trace(p.Lam[0]) / N * np.eye(p.d), atol=1e-14)
    np.testing.assert_allclose(p.Lam[0] @ p.Gam[0], p.Gam[0] @ p.Lam[0], atol=1e-14)


def test_closed_form_loss_matches_monte_carlo():
    p = _prob(d=3, N=5, kappa=10.0)
    Bs = [np.zeros((3, 3)), p.minimizer()[0], _rand(p)[0]]
    mc, se = icl.monte_carlo_loss(Bs, p.Lam[0], p.N, 200_000, np.random.default_rng(7))
    for Bm, m, s in zip(Bs, mc, se):
        assert abs(p.loss(Bm[None])[0] - m) < 5 * s


def test_gradient_matches_finite_differences():
    p = _prob()
    B = _rand(p)
    G = p.grad_B(B)
    rng = np.random.default_rng(2)
    for _ in range(4):
        D = rng.standard_normal(B.shape)
        h = 1e-6
        fd = (p.loss(B + h * D) - p.loss(B - h * D))[0] / (2 * h)
        assert fd == pytest.approx((G * D).sum(), rel=1e-6, abs=1e-10)


def test_minimizer_and_minimum():
    p = _prob()
    Bs = p.minimizer()
    np.testing.assert_allclose(p.grad_B(Bs), 0.0, atol=1e-13)
    assert p.loss(Bs)[0] == pytest.approx(p.loss_star()[0], rel=1e-12)
    assert p.loss(np.zeros_like(Bs))[0] - p.loss_star()[0] == pytest.approx(p.gap0()[0], rel=1e-12)


def test_gap_equals_loss_difference_and_is_hessian_quadratic():
    p = _prob()
    B = _rand(p)
    assert p.gap(B)[0] == pytest.approx(p.loss(B)[0] - p.loss_star()[0], rel=1e-10)
    assert p.error((np.zeros_like(B),))[0] == pytest.approx(1.0, rel=1e-12)


def test_hessian_eigenvalues():
    """The Hessian maps Delta -> Lam Delta Lam Gam; eigenvectors q_i q_j^T, eigenvalues lam_i lam_j gam_j."""
    p = _prob()
    Q, lam, gam = p.Q[0], p.lam[0], p.gam[0]
    for i, j in [(0, 0), (1, 3), (3, 2)]:
        D = np.outer(Q[:, i], Q[:, j])[None]
        HD = p.grad_B(p.minimizer() + D) - p.grad_B(p.minimizer())
        np.testing.assert_allclose(HD, lam[i] * lam[j] * gam[j] * D, atol=1e-12)
    np.testing.assert_allclose(p.curvatures[0], lam**2 * gam)


def test_two_factor_gradients():
    p = icl.TwoFactorICL(_prob())
    rng = np.random.default_rng(5)
    u, U = np.array([0.7]), rng.standard_normal((1, 4, 4))
    gu, gU = p.grads((u, U))
    f = lambda u, U: p.icl.loss(p.B((u, U)))[0]  # noqa: E731
    h = 1e-6
    assert (f(u + h, U) - f(u - h, U)) / (2 * h) == pytest.approx(gu[0], rel=1e-6)
    D = rng.standard_normal(U.shape)
    assert (f(u, U + h * D) - f(u, U - h * D)) / (2 * h) == pytest.approx((gU * D).sum(), rel=1e-6)


def test_gd_closed_form_matches_a_gd_run():
    p = _prob(kappa=5.0)
    h = p.curvatures[0]
    eta = 1.5 / h.max()
    res = run(p, GD(np.array([eta])), (np.zeros((1, 4, 4)),), 300)
    t = np.arange(301)
    np.testing.assert_allclose(res.errors[0], gd_icl_gap(t, h, p.lam[0] ** 2 / p.gam[0], eta), rtol=1e-7, atol=1e-300)
    # per-mode closed form
    res2 = run(
        p,
        GD(np.array([eta])),
        (np.zeros((1, 4, 4)),),
        40,
        record=lambda x: {"diag": np.diagonal(p.eig_coords(x[0]), axis1=1, axis2=2).copy()},
    )
    np.testing.assert_allclose(
        np.abs(res2.records["diag"][0] - 1 / p.gam[0]),
        gd_icl_modes(np.arange(41), h, p.gam[0], eta),
        rtol=1e-7,
        atol=1e-15,
    )


@pytest.mark.parametrize("eps", [1e-3, 1e-8, 1e-12])
def test_gd_closed_form_iterations_is_the_first_crossing(eps):
    p = _prob(kappa=30.0)
    h, w = p.curvatures[0], p.lam[0] ** 2 / p.gam[0]
    eta = 2 / (h.max() + h.min())
    T = gd_icl_iterations(h, w, eta, eps)
    assert gd_icl_gap(np.array([T]), h, w, eta)[0] <= eps < gd_icl_gap(np.array([T - 1]), h, w, eta)[0]
    assert gd_icl_iterations(h, w, 2.5 / h.max(), eps) == np.inf  # unstable step
