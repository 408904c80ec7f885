"""C3 with an output metric Sigma_delta = B != I (spec energy.md §3.3).

Linear model y = W x, loss l = 1/2 (y - y*)^T B (y - y*) averaged over samples (realizable, L* = 0),
so delta = dl/dy = B E x with E = W - W*, and the Gauss-Newton Hessian is H = Sigma_x kron B
(Sigma_x = E[x x^T], Sigma_delta = B). With Sigma_x = Q diag(lambda) Q^T, B = R diag(mu) R^T and
a = R^T E Q:

- the per-mode estimator sums to sum_ij e_ij = vec(G)^T H^-1 vec(G) = tr(E^T B E Sigma_x)
  = sum_ij lambda_i mu_j a_ij^2 = 2 (L - L*);
- the abstract's mean ||delta||^2 = tr(E^T B^2 E Sigma_x) = sum_ij lambda_i mu_j^2 a_ij^2, which differs;
- the two agree in the metric B^-1: mean delta^T B^-1 delta = 2 (L - L*).

So the identity "E = sum_t ||delta_t||^2 splits into the per-mode energies" holds for Sigma_delta = I
(item 13) or with ||delta|| read in the metric B^-1, not for the plain norm.
"""

from __future__ import annotations

import numpy as np

from muonrepro.energy.theory import quadratic as qd
from muonrepro.energy.theory.check_rows import add_inequality, rel_err
from muonrepro.ledger import CheckTable


def output_metric_numbers(X: np.ndarray, B: np.ndarray, E: np.ndarray) -> dict:
    """The quantities above for samples ``X`` (N x n), metric ``B`` (m x m SPD) and error ``E`` (m x n)."""
    N = len(X)
    r = X @ E.T  # y - y*, (N, m)
    delta = r @ B  # B symmetric: delta_b = B r_b
    Sx = X.T @ X / N
    G = delta.T @ X / N
    lam, Q = qd.sorted_eigh(Sx)
    mu, R = qd.sorted_eigh(B)
    a = qd.mode_coordinates(E, Q, R)
    e = qd.mode_energy_estimator(qd.rotated_gradient(G, Q, R), lam, mu)
    return {
        "G": G,
        "G_kronecker": qd.gradient(E, Sx, B),
        "twice_loss": float(np.mean(np.sum(r * delta, axis=1))),
        "estimator_sum": float(e.sum()),
        "mean_delta_sq": float(np.mean(np.sum(delta**2, axis=1))),
        "mode_formula_delta_sq": float(np.sum(lam[None, :] * mu[:, None] ** 2 * a**2)),
        "binv_delta_sq": float(np.mean(np.sum(delta * np.linalg.solve(B, delta.T).T, axis=1))),
    }


def item14_output_metric(rng: np.random.Generator, n: int, m: int, ct: CheckTable) -> None:
    """Rows ``output_metric_*`` (§3.3): the identities above on a random case with B's eigenvalues in [0.2, 5]."""
    N = 500
    L = rng.standard_normal((n, n)) / np.sqrt(n) + np.diag(np.linspace(1.0, 0.2, n))
    X = rng.standard_normal((N, n)) @ L.T
    B = qd.random_spd(rng, m, eigvals=np.geomspace(5.0, 0.2, m))
    E = rng.standard_normal((m, n))
    v = output_metric_numbers(X, B, E)
    ct.add("output_metric_gradient_vs_kronecker", "abs", rel_err(v["G"], v["G_kronecker"]), 0.0, 1e-12)
    ct.add("output_metric_estimator_sum_vs_twice_loss", "abs", v["estimator_sum"], v["twice_loss"], 1e-10)
    ct.add("output_metric_mean_delta_sq_vs_mode_formula", "abs", v["mean_delta_sq"], v["mode_formula_delta_sq"], 1e-10)
    ct.add("output_metric_binv_norm_vs_twice_loss", "abs", v["binv_delta_sq"], v["twice_loss"], 1e-10)
    gap = abs(v["mean_delta_sq"] - v["twice_loss"]) / v["twice_loss"]
    add_inequality(ct, "output_metric_mean_delta_sq_differs_from_twice_loss", gap, 0.0)
