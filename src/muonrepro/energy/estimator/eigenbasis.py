"""How far an update is from the Kronecker eigenbasis (claim C5 on real runs; spec energy.md §3.8).

With Sigma_delta = R diag(mu) R^T and Sigma_x = Q diag(lambda) Q^T (eigenvalues descending, so modes
are indexed by eigenvalue rank), an update dW (m x n) has mode coordinates U = R^T dW Q; it is
*diagonal in the eigenbasis* when only U_kk (the k-th output mode paired with the k-th input mode)
are non-zero. The off-diagonal fraction is the share of the squared (Frobenius) mass off that
diagonal:

    offdiag(dW) = 1 - sum_k U_kk^2 / ||U||_F^2,     ||U||_F = ||dW||_F  (R, Q orthogonal).

0 for an update diagonal in the eigenbasis; for a matrix with i.i.d. entries in that basis its
expectation is 1 - min(m, n) / (m n) = 1 - 1 / max(m, n) (``random_offdiag_fraction``).
"""

from __future__ import annotations

import math

import torch


def offdiag_fraction(dW: torch.Tensor, R: torch.Tensor, Q: torch.Tensor, dWQ: torch.Tensor | None = None) -> float:
    """Off-diagonal share of the squared mass of R^T dW Q (NaN for a zero update); ``dWQ``: dW @ Q when the
    caller already has it (it is shared by every output basis R of one input basis Q)."""
    U = R.T @ (dW @ Q if dWQ is None else dWQ)
    total = float(U.square().sum())
    if total == 0.0 or not math.isfinite(total):
        return math.nan
    return 1.0 - float(torch.diagonal(U).square().sum()) / total


def random_offdiag_fraction(m: int, n: int) -> float:
    """Expected off-diagonal fraction of an m x n matrix with i.i.d. entries (the no-alignment baseline)."""
    return 1.0 - min(m, n) / (m * n)
