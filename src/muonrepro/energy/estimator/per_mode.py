"""Per-mode energy of a training trajectory (spec energy.md §4.2).

At each logged step t, with Sigma_x = Q diag(lambda) Q^T and Sigma_delta = R diag(mu) R^T
(eigh in float64, eigenvalues sorted descending so modes are indexed by eigenvalue RANK):
  Gt = R^T G Q,   e_ij(t) = Gt_ji^2 / (lambda_i mu_j)   for modes with lambda_i mu_j >= eps * max,
and the cumulative energy E_ij = sum_t w_t e_ij(t) with the trapezoid weights w_t of the logged steps
(``quadrature``). Which modes enter a statistic is a reading (``mode_sets``). On the quadratic model
sum_ij e_ij equals 2 (L - L*) exactly (tests check this).
"""

from __future__ import annotations

import torch


def eigh_desc(S: torch.Tensor):
    """Eigenpairs of a symmetric float64 matrix, eigenvalues descending."""
    w, V = torch.linalg.eigh(S)
    return w.flip(0), V.flip(1)


def threshold_energy(gt2, curv, rel_threshold: float):
    """e_ij = Gt_ji^2 / (lambda_i mu_j) on the modes with lambda_i mu_j >= rel_threshold * max (else 0),
    and that mask. ``gt2`` and ``curv`` are (m x n) with entry [j, i] for mode (i, j)."""
    keep = curv >= rel_threshold * curv.max()
    e = torch.where(keep, gt2 / curv.clamp(min=torch.finfo(curv.dtype).tiny), torch.zeros_like(gt2))
    return e, keep


def mode_energy(G, lam, Q, mu, R, rel_threshold: float):
    """(m x n) array of e_ij placed at [j, i] (row = output mode j, column = input mode i), the mask,
    and the curvatures lambda_i mu_j."""
    Gt = R.T @ G @ Q  # (m, n): entry [j, i] = Gt_ji
    curv = mu[:, None] * lam[None, :]  # (m, n): lambda_i mu_j at [j, i]
    e, keep = threshold_energy(Gt.square(), curv, rel_threshold)
    return e, keep, curv
