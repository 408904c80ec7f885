"""Energy theory checks, spec ``energy.md`` §5 items 1-6: the vec / Kronecker conventions, the
rotated gradient and the per-mode energy estimator, GD's closed-form energy against simulation
(finite and infinite horizon, with and without negative rates), the H2 / Lyapunov identities and
GD's simplified per-mode energy. Each function adds its rows to a table (see ``check_rows``).
"""

from __future__ import annotations

import numpy as np

from muonrepro.energy.theory import closed_forms as cf
from muonrepro.energy.theory import quadratic as qd
from muonrepro.energy.theory import simulation as sim
from muonrepro.energy.theory.check_rows import add_inequality, gd_etas, rel_err
from muonrepro.ledger import CheckTable


def item1_vec_kron(P: qd.KroneckerQuadratic, rng: np.random.Generator, ct: CheckTable) -> None:
    H = P.H
    lhs = qd.vec(qd.gradient(P.E0, P.Sx, P.Sd))
    ct.add("vec_kron_gradient_convention", "abs", rel_err(lhs, H @ qd.vec(P.E0)), 0.0, 1e-12)
    A = rng.standard_normal((3, P.m))
    X = rng.standard_normal((P.m, P.n))
    B = rng.standard_normal((P.n, 5))
    ct.add(
        "vec_column_major_identity",
        "abs",
        rel_err(qd.vec(A @ X @ B), np.kron(B.T, A) @ qd.vec(X)),
        0.0,
        1e-12,
    )
    V = np.kron(P.Q, P.R)  # column i*m + j = q_i kron r_j = vec(r_j q_i^T)
    ct.add("kron_eigenvectors_are_modes", "abs", rel_err(H @ V, V * qd.vec(P.h)[None, :]), 0.0, 1e-12)


def item2_rotated_gradient(P: qd.KroneckerQuadratic, ct: CheckTable) -> None:
    G = qd.gradient(P.E0, P.Sx, P.Sd)
    Gt = qd.rotated_gradient(G, P.Q, P.R)
    a = P.a0
    ct.add("rotated_gradient_entries", "abs", rel_err(Gt, P.h * a), 0.0, 1e-12)
    ct.add(
        "excess_loss_mode_sum",
        "abs",
        0.5 * float(np.sum(P.h * a**2)),
        0.5 * float(qd.vec(P.E0) @ P.H @ qd.vec(P.E0)),
        1e-12,
    )


def item3_estimator(P: qd.KroneckerQuadratic, ct: CheckTable) -> None:
    G = qd.gradient(P.E0, P.Sx, P.Sd)
    e = qd.mode_energy_estimator(qd.rotated_gradient(G, P.Q, P.R), P.lam, P.mu)
    nd = qd.newton_decrement_sq(G, P.H)
    twice_loss = float(qd.vec(P.E0) @ P.H @ qd.vec(P.E0))
    ct.add("estimator_sum_vs_newton_decrement", "abs", float(e.sum()), nd, 1e-10)
    ct.add("newton_decrement_vs_twice_excess_loss", "abs", nd, twice_loss, 1e-10)
    ct.add("estimator_elementwise_mode_loss", "abs", rel_err(e, P.h * P.a0**2), 0.0, 1e-12)


def item4_gd_closed_vs_sim(P: qd.KroneckerQuadratic, ct: CheckTable) -> None:
    eta, eta_neg = gd_etas(P)
    rho = cf.gd_rates(P.lam, P.mu, eta)
    for T in (1, 7, 50):
        simulated = sim.simulate_gd(P.E0, P.Sx, P.Sd, eta, T).sum()
        closed = cf.mode_energy_closed_form(P.a0, P.h, rho, T).sum()
        ct.add(f"gd_finite_horizon_t{T}", "abs", simulated, closed, 1e-10)
    T_inf = cf.horizon_for_decay(np.max(np.abs(rho)), tail=1e-22)
    ct.add(
        "gd_infinite_horizon_closed_vs_sim",
        "abs",
        sim.simulate_gd(P.E0, P.Sx, P.Sd, eta, T_inf).sum(),
        cf.mode_energy_closed_form(P.a0, P.h, rho).sum(),
        1e-10,
    )
    rho_n = cf.gd_rates(P.lam, P.mu, eta_neg)
    add_inequality(ct, "gd_negative_rho_present", float(rho_n.min()), 0.0)
    ct.add(
        "gd_negative_rho_finite_horizon_t50",
        "abs",
        sim.simulate_gd(P.E0, P.Sx, P.Sd, eta_neg, 50).sum(),
        cf.mode_energy_closed_form(P.a0, P.h, rho_n, 50).sum(),
        1e-10,
    )
    T_inf_n = cf.horizon_for_decay(np.max(np.abs(rho_n)), tail=1e-22)
    ct.add(
        "gd_negative_rho_infinite_horizon",
        "abs",
        sim.simulate_gd(P.E0, P.Sx, P.Sd, eta_neg, T_inf_n).sum(),
        cf.mode_energy_closed_form(P.a0, P.h, rho_n).sum(),
        1e-10,
    )


def item5_h2(P: qd.KroneckerQuadratic, ct: CheckTable) -> None:
    import scipy.linalg

    H = P.H
    e0 = qd.vec(P.E0)
    for eta, suffix in zip(gd_etas(P), ("", "_negative_rho")):
        A = cf.closed_loop_matrix(H, eta)
        closed = cf.mode_energy_closed_form(P.a0, P.h, cf.gd_rates(P.lam, P.mu, eta)).sum()
        obs = cf.h2_energy_observability(A, H, e0)
        ctr = cf.h2_energy_controllability(A, H, e0)
        if suffix:
            ct.add("h2_observability_negative_rho", "abs", obs, closed, 1e-9)
            ct.add("h2_controllability_negative_rho", "abs", ctr, closed, 1e-9)
        else:
            ct.add("h2_observability_vs_closed_form", "abs", obs, closed, 1e-9)
            ct.add("h2_controllability_vs_closed_form", "abs", ctr, closed, 1e-9)
    eta = gd_etas(P)[0]
    A = cf.closed_loop_matrix(H, eta)
    X = scipy.linalg.solve_discrete_lyapunov(A.T, H)
    V = np.kron(P.Q, P.R)
    rho = cf.gd_rates(P.lam, P.mu, eta)
    diag = qd.vec(P.h / (1.0 - rho**2))
    ct.add("h2_gramian_diagonal_in_eigenbasis", "abs", rel_err(V.T @ X @ V, np.diag(diag)), 0.0, 1e-9)
    ct.add(
        "h2_expected_energy_isotropic",
        "abs",
        cf.h2_expected_energy(A, H, np.eye(H.shape[0])),
        float(diag.sum()),
        1e-9,
    )


def item6_gd_simplification(P: qd.KroneckerQuadratic, ct: CheckTable) -> None:
    eta, eta_neg = gd_etas(P)
    for e, name in ((eta, "gd_simplified_mode_energy"), (eta_neg, "gd_simplified_mode_energy_negative_rho")):
        closed = cf.mode_energy_closed_form(P.a0, P.h, cf.gd_rates(P.lam, P.mu, e))
        simple = cf.gd_mode_energy_simplified(P.a0, P.h, e)
        ct.add(name, "abs", rel_err(closed, simple), 0.0, 1e-12)
    # for 0 < eta h <= 1 (here eta = 1/max h) GD's E_ij / (a^2 / (2 eta)) lies in [1, 2]
    closed = cf.mode_energy_closed_form(P.a0, P.h, cf.gd_rates(P.lam, P.mu, eta))
    ratio = closed / (P.a0**2 / (2.0 * eta))
    # the top mode has eta h = 1 exactly, so the upper bound is attained: allow rounding slack
    add_inequality(ct, "gd_mode_energy_ratio_max_le_2", float(ratio.max()), 2.0, 1e-12)
    add_inequality(ct, "gd_mode_energy_ratio_min_ge_1", float(ratio.min()), 1.0, 1e-12)
