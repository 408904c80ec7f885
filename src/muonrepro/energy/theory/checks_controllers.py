"""Energy theory checks, spec ``energy.md`` §5 items 7-13: the uniform-rate K-FAC controller, the
Jensen step, heavy ball, the polar step (and Muon's NS5), the Gini coefficient, the documented
Gini counter-example (an observation) and the linear-MSE estimator identities. Each function adds
its rows to a table (see ``check_rows``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from muonrepro.energy.estimator.gini import gini, gini_pairwise
from muonrepro.energy.theory import closed_forms as cf
from muonrepro.energy.theory import quadratic as qd
from muonrepro.energy.theory import simulation as sim
from muonrepro.energy.theory.check_rows import COUNTEREXAMPLE_CHECK, add_inequality, gd_etas, rel_err
from muonrepro.ledger import CheckTable


def item7_kfac(P: qd.KroneckerQuadratic, ct: CheckTable) -> None:
    eta = 0.3
    T = 40
    _, iters = sim.simulate_kfac(P.E0, P.Sx, P.Sd, eta, T, return_iterates=True)
    a_t = np.einsum("jm,tmn,ni->tji", P.R.T, iters, P.Q)
    expected = (1.0 - eta) ** np.arange(T + 1)[:, None, None] * P.a0[None]
    w = P.h * P.a0**2
    closed = cf.uniform_rate_energy(w, 1.0 - eta)
    twice_loss0 = 2.0 * qd.excess_loss(P.E0, P.Sx, P.Sd)
    T_inf = cf.horizon_for_decay(1.0 - eta, tail=1e-22)
    simulated = sim.simulate_kfac(P.E0, P.Sx, P.Sd, eta, T_inf).sum()
    A = cf.closed_loop_matrix(P.H, eta, cf.kfac_preconditioner(P.Sx, P.Sd))
    ct.add("kfac_modes_uniform_rate", "abs", rel_err(a_t, expected), 0.0, 1e-12)
    ct.add("kfac_energy_closed_form_vs_sim", "abs", simulated, twice_loss0 / (1.0 - (1.0 - eta) ** 2), 1e-10)
    ct.add("kfac_energy_lyapunov", "abs", cf.h2_energy_observability(A, P.H, qd.vec(P.E0)), closed, 1e-9)


def item8_jensen(P: qd.KroneckerQuadratic, rng: np.random.Generator, ct: CheckTable) -> None:
    grid = np.linspace(-0.8, 0.8, 17)
    step = 1e-4
    fd = (cf.jensen_f(grid + step) - 2 * cf.jensen_f(grid) + cf.jensen_f(grid - step)) / step**2
    ct.add("jensen_f_second_derivative_formula", "abs", rel_err(fd, cf.jensen_f_second_derivative(grid)), 0.0, 1e-5)
    fine = np.linspace(-0.999, 0.999, 2001)
    add_inequality(ct, "jensen_f_second_derivative_positive", float(cf.jensen_f_second_derivative(fine).min()), 0.0)
    # random weights and rates (spec §5 item 8, first bullet)
    w_r = rng.uniform(0.01, 1.0, size=50)
    rho_r = rng.uniform(0.0, 0.99, size=50)
    add_inequality(
        ct,
        "jensen_inequality_random_rates",
        cf.energy_from_rates(w_r, rho_r),
        cf.jensen_lower_bound(w_r, rho_r),
    )
    rho_c = np.full(50, 0.8)
    ct.add(
        "jensen_equality_constant_rate",
        "abs",
        cf.energy_from_rates(w_r, rho_c),
        cf.jensen_lower_bound(w_r, rho_c),
        1e-12,
    )
    # on the quadratic: W = sum w = 2 (L0 - L*)
    w = P.h * P.a0**2
    ct.add("jensen_weight_sum_twice_loss", "abs", float(w.sum()), 2.0 * qd.excess_loss(P.E0, P.Sx, P.Sd), 1e-12)
    # constrained minimum: perturb a uniform rate keeping the w-weighted mean fixed
    rho0 = 0.7
    base = cf.uniform_rate_energy(w, rho0)
    wf = w.ravel()
    perturbed = []
    for _ in range(20):
        d = rng.standard_normal(wf.size)
        d -= np.dot(wf, d) / wf.sum()  # sum w d = 0
        d *= 0.2 / np.max(np.abs(d))  # rates stay in [0.5, 0.9]
        perturbed.append(cf.energy_from_rates(wf, rho0 + d))
    add_inequality(ct, "jensen_constrained_minimum_perturbation", float(min(perturbed)), base)
    # GD versus the uniform controller with the same weighted mean |rate|
    for eta, name in zip(gd_etas(P), ("jensen_gd_vs_uniform", "jensen_gd_vs_uniform_negative_rho")):
        rho = cf.gd_rates(P.lam, P.mu, eta)
        e_gd = cf.energy_from_rates(w, rho)
        e_un = cf.uniform_rate_energy(w, cf.weighted_mean_rate(w, rho, absolute=True))
        add_inequality(ct, name, e_gd, e_un)


def item9_heavy_ball(P: qd.KroneckerQuadratic, ct: CheckTable) -> None:
    # the spec's construction-independent example (§3.6): h=0.3, eta=1, beta=0.5, a0=a_{-1}=1.3
    h, eta, beta, a0 = 0.3, 1.0, 0.5, 1.3
    closed = float(cf.heavy_ball_mode_energy(a0, h, eta, beta))
    r = cf.heavy_ball_spectral_radius(h, eta, beta)
    T1 = cf.horizon_for_decay(r, tail=1e-26)
    sim1 = sim.simulate_heavy_ball(np.array([[a0]]), np.array([[h]]), np.array([[1.0]]), eta, beta, T1).sum()
    ct.add("heavy_ball_spec_example_energy", "abs", closed, 0.845, 1e-10)
    ct.add("heavy_ball_spec_example_sim", "abs", sim1, 0.845, 1e-10)
    ct.add("heavy_ball_spec_example_spectral_radius", "abs", r, math.sqrt(0.5), 1e-12)
    eta_m, beta_m = 1.0 / float(P.h.max()), 0.5
    closed_m = float(cf.heavy_ball_mode_energy(P.a0, P.h, eta_m, beta_m).sum())
    r_max = max(cf.heavy_ball_spectral_radius(hh, eta_m, beta_m) for hh in P.h.ravel())
    T = cf.horizon_for_decay(r_max, tail=1e-26)
    simulated = sim.simulate_heavy_ball(P.E0, P.Sx, P.Sd, eta_m, beta_m, T).sum()
    ct.add("heavy_ball_lyapunov_vs_simulation", "abs", simulated, closed_m, 1e-9)


def _diag_error(P: qd.KroneckerQuadratic, values: Iterable[float]) -> np.ndarray:
    D = np.zeros((P.m, P.n))
    for k, v in enumerate(values):
        D[k, k] = v
    return D


def item10_polar(P: qd.KroneckerQuadratic, rng: np.random.Generator, ct: CheckTable) -> None:
    M = rng.standard_normal((P.m, P.n))  # full rank: polar = (M M^T)^{-1/2} M = M (M^T M)^{-1/2}
    if P.m <= P.n:
        w_, V_ = np.linalg.eigh(M @ M.T)
        ref = (V_ / np.sqrt(w_)[None, :]) @ V_.T @ M
    else:
        w_, V_ = np.linalg.eigh(M.T @ M)
        ref = M @ (V_ / np.sqrt(w_)[None, :]) @ V_.T
    ct.add("polar_svd_vs_msqrt_formula", "abs", rel_err(sim.polar(M), ref), 0.0, 1e-10)
    k = min(P.m, P.n)
    vals_full = [1.0, -0.7, 0.4, 0.25, -0.15, 0.1][:k] + [0.1] * max(0, k - 6)
    for vals, name in (
        (vals_full, "polar_eigenbasis_sign_pattern"),
        ([1.0, -0.7, 0.4][:k], "polar_eigenbasis_sign_pattern_rank_deficient"),
    ):
        D = _diag_error(P, vals)
        E = qd.from_mode_coordinates(D, P.Q, P.R)
        Pt = P.R.T @ sim.polar(qd.gradient(E, P.Sx, P.Sd)) @ P.Q
        ct.add(name, "abs", float(np.max(np.abs(Pt - np.sign(D)))), 0.0, 1e-10)
    # §3.8: exact polar, no momentum: every mode moves by exactly eta per step, whatever lam*mu
    D = _diag_error(P, vals_full)
    eta, T = 0.01, 8
    assert eta * T < min(abs(v) for v in vals_full)
    iters = sim.simulate_polar(qd.from_mode_coordinates(D, P.Q, P.R), P.Sx, P.Sd, eta, T)
    a_t = np.einsum("jm,tmn,ni->tji", P.R.T, iters, P.Q)
    expected = np.sign(D)[None] * np.clip(np.abs(D)[None] - eta * np.arange(T + 1)[:, None, None], 0, None)
    expected = np.where(D[None] != 0, expected, 0.0)
    ct.add("polar_uniform_step_per_mode", "abs", float(np.max(np.abs(a_t - expected))), 0.0, 1e-10)
    # NS5 is only approximately polar: it maps each singular value s of G to p(s / ||G||_F) with
    # p the 5-fold quintic, which lies in [0.5, 1.5] once s / ||G||_F >~ 1e-3 (smaller ones are
    # not yet amplified after 5 steps). Read off p on the directions with s / ||G||_F >= 1e-2.
    G0 = qd.gradient(P.E0, P.Sx, P.Sd)
    U, s, Vt = np.linalg.svd(G0, full_matrices=False)
    out = np.diag(U.T @ sim.newton_schulz5(G0) @ Vt.T)
    resolved = s / np.linalg.norm(G0) >= 1e-2
    add_inequality(ct, "polar_ns5_singular_values_in_band", float(np.max(np.abs(out[resolved] - 1.0))), 0.5)


def item11_gini(rng: np.random.Generator, ct: CheckTable) -> None:
    x = rng.exponential(size=40)
    N = x.size
    ct.add("gini_test_vector_constant", "abs", gini([100, 100, 100, 100, 100]), 0.0, 1e-15)
    ct.add("gini_test_vector_ramp", "abs", gini([400, 100, 300, 200, 500]), 0.26666666666666666, 1e-12)
    ct.add(
        "gini_test_vector_outlier",
        "abs",
        gini([1, 1, 1, 1, 10000, 1, 1, 1, 1, 1]),
        0.89910080927165548,
        1e-12,
    )
    ct.add("gini_one_hot", "abs", gini([0, 0, 0, 1]), 0.75, 1e-15)
    ct.add("gini_sorted_vs_pairwise", "abs", gini(x), gini_pairwise(x), 1e-12)
    ct.add("gini_permutation_invariance", "abs", gini(rng.permutation(x)), gini(x), 1e-12)
    ct.add("gini_scale_invariance", "abs", gini(37.5 * x), gini(x), 1e-12)
    ct.add("gini_corrected_factor", "abs", gini(x, corrected=True), gini(x) * N / (N - 1), 1e-12)
    add_inequality(ct, "gini_upper_bound", gini(x), (N - 1) / N)


def item12_counterexample(P: qd.KroneckerQuadratic, ct: CheckTable) -> None:
    """§3.9 (spec §5 item 12): GD (eta = 1/max h) vs the uniform-rate controller with GD's weighted
    mean rate, both infinite-horizon closed forms. An observation, not an assertion: ``value =
    Gini(uniform) - Gini(GD)`` on this seed's setup, and ``passed`` records whether the documented
    counter-example reproduces (``value > 0`` while ``E_uniform < E_GD``). Nothing here claims that
    uniform rates lower the Gini."""
    eta = gd_etas(P)[0]
    rho = cf.gd_rates(P.lam, P.mu, eta)
    w = P.h * P.a0**2
    E_gd = cf.mode_energy_closed_form(P.a0, P.h, rho)
    rbar = cf.weighted_mean_rate(w, rho, absolute=True)
    E_un = w / (1.0 - rbar**2)
    diff = gini(E_un) - gini(E_gd)
    ct.add(COUNTEREXAMPLE_CHECK, "gt", diff, 0.0, requires=bool(E_un.sum() < E_gd.sum()))


def item13_linear_mse(rng: np.random.Generator, n: int, m: int, ct: CheckTable) -> None:
    """§5.13 / §3.3: y = W x, loss 1/2 ||W x - W* x||^2 averaged over samples, Sigma_delta = I."""
    N = 500
    L = rng.standard_normal((n, n)) / math.sqrt(n) + np.diag(np.linspace(1.0, 0.2, n))
    X = rng.standard_normal((N, n)) @ L.T  # non-isotropic inputs
    W_star = rng.standard_normal((m, n))
    W = W_star + rng.standard_normal((m, n))
    delta = X @ W.T - X @ W_star.T  # dl/dy per sample, (N, m)
    loss = 0.5 * float(np.mean(np.sum(delta**2, axis=1)))
    mean_d2 = float(np.mean(np.sum(delta**2, axis=1)))
    Sx = X.T @ X / N
    G = delta.T @ X / N
    lam, Q = qd.sorted_eigh(Sx)
    mu, R = np.ones(m), np.eye(m)
    e = qd.mode_energy_estimator(qd.rotated_gradient(G, Q, R), lam, mu)
    ct.add("linear_mse_gradient_vs_kronecker", "abs", rel_err(G, qd.gradient(W - W_star, Sx, np.eye(m))), 0.0, 1e-12)
    ct.add("linear_mse_estimator_sum_vs_mean_delta_sq", "abs", float(e.sum()), mean_d2, 1e-10)
    ct.add("linear_mse_mean_delta_sq_vs_twice_loss", "abs", mean_d2, 2.0 * loss, 1e-12)
