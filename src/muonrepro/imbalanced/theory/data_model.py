"""The data model DM, its population moments and the Lemma (spec imbalanced.md §1.1, claim 1).

x | y=c ~ N(mu_c, sigma_x^2 I_d) with orthogonal means of equal norm mu; y one-hot with priors p.
The means are ``mu * V[:, c]`` with V (d x k) orthonormal: a random orthonormal basis (QR of a
Gaussian) by default, the first k standard basis vectors with ``axis_aligned=True`` (§1.4: SignGD
and SpecGD then coincide). Everything is float64.

Population moments (§1.1): Sigma_yx = sum_c p_c e_c mu_c^T (k x d) and
Sigma_xx = sum_c p_c mu_c mu_c^T + sigma_x^2 I_d. Lemma: Sigma_yx = U diag(mu p) V^T with U = I_k,
Sigma_xx = V diag(mu^2 p + sigma_x^2) V^T + sigma_x^2 V_perp V_perp^T.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

DTYPE = torch.float64


@dataclass(frozen=True)
class DataModel:
    priors: np.ndarray  # (k,), > 0, sums to 1
    mu: float  # common norm of the class means
    sigma_x: float  # noise std
    V: torch.Tensor  # (d, k) orthonormal columns: mean directions

    @property
    def k(self) -> int:
        return len(self.priors)

    @property
    def d(self) -> int:
        return self.V.shape[0]

    @property
    def snr(self) -> float:
        return self.mu**2 / self.sigma_x**2

    @property
    def s_yx(self) -> np.ndarray:
        """Singular values of Sigma_yx in class order: mu p_c (Lemma)."""
        return self.mu * self.priors

    @property
    def s_xx(self) -> np.ndarray:
        """Eigenvalues of Sigma_xx on span(V) in class order: mu^2 p_c + sigma_x^2 (Lemma)."""
        return self.mu**2 * self.priors + self.sigma_x**2

    @property
    def r(self) -> np.ndarray:
        """r_c = s^yx_c / s^xx_c: the minimizer's components (§1.3)."""
        return self.s_yx / self.s_xx

    def means(self) -> torch.Tensor:
        """(k, d): row c is mu_c."""
        return self.mu * self.V.T

    def moments(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(Sigma_yx (k x d), Sigma_xx (d x d)) from their definitions, not from the Lemma."""
        M = self.means()
        p = torch.as_tensor(self.priors, dtype=DTYPE)
        s_yx = p[:, None] * M
        s_xx = M.T @ (p[:, None] * M) + self.sigma_x**2 * torch.eye(self.d, dtype=DTYPE)
        return s_yx, s_xx

    def project(self, W: torch.Tensor) -> torch.Tensor:
        """W_bar = U^T W V with U = I_k (§1.2): the k x k projected iterate."""
        return W @ self.V

    def perp_norm(self, W: torch.Tensor) -> float:
        """Frobenius norm of W V_perp (the part of W outside the span of the means)."""
        return float(torch.linalg.norm(W - (W @ self.V) @ self.V.T))

    def sample(self, n: int, gen: torch.Generator, priors: np.ndarray | None = None):
        """n samples (x (n, d), y (n,)); labels from ``priors`` (default: the model's)."""
        p = torch.as_tensor(self.priors if priors is None else priors, dtype=DTYPE)
        y = torch.multinomial(p, n, replacement=True, generator=gen)
        x = self.means()[y] + self.sigma_x * torch.randn(n, self.d, generator=gen, dtype=DTYPE)
        return x, y


def orthonormal_basis(d: int, k: int, seed: int, axis_aligned: bool = False) -> torch.Tensor:
    """(d, k) orthonormal columns: QR of a seeded Gaussian, or the first k standard basis vectors."""
    if d < k:
        raise ValueError(f"the data model needs d >= k for orthogonal means, got d={d}, k={k}")
    if axis_aligned:
        return torch.eye(d, k, dtype=DTYPE)
    gen = torch.Generator().manual_seed(seed)
    Q, R = torch.linalg.qr(torch.randn(d, k, generator=gen, dtype=DTYPE))
    return Q * torch.sign(torch.diagonal(R))  # unique QR: positive diagonal of R


def make_data_model(priors, mu: float, sigma_x: float, d: int, seed: int = 0, axis_aligned: bool = False) -> DataModel:
    p = np.asarray(priors, dtype=np.float64)
    if np.any(p <= 0) or abs(p.sum() - 1) > 1e-12:
        raise ValueError(f"priors must be positive and sum to 1, got {p.tolist()}")
    if mu <= 0 or sigma_x <= 0:
        raise ValueError(f"mu and sigma_x must be > 0, got mu={mu}, sigma_x={sigma_x}")
    return DataModel(p, float(mu), float(sigma_x), orthonormal_basis(d, len(p), seed, axis_aligned))


def harmonic_priors(k: int) -> np.ndarray:
    """p_c proportional to 1/c, c = 1..k (Fig. 4; spec §4.1)."""
    p = 1.0 / np.arange(1, k + 1, dtype=np.float64)
    return p / p.sum()


def lemma_errors(dm: DataModel) -> dict[str, float]:
    """Claim 1: compare the SVD / eigendecomposition of the moments with the Lemma's values.

    Returns max absolute errors: singular values of Sigma_yx vs mu p (sorted), top-k eigenvalues of
    Sigma_xx vs mu^2 p + sigma^2, the other d-k eigenvalues vs sigma^2, and the subspace errors
    ||Sigma_yx - diag(mu p) V^T|| and ||Sigma_xx V - V diag(s_xx)|| (U = I, right basis V shared).
    """
    s_yx, s_xx = dm.moments()
    sv = torch.linalg.svdvals(s_yx).numpy()
    ev = torch.linalg.eigvalsh(s_xx).numpy()[::-1]
    k = dm.k
    ref_yx = np.sort(dm.s_yx)[::-1]
    ref_xx = np.sort(dm.s_xx)[::-1]
    s_yx_ref = torch.as_tensor(dm.s_yx, dtype=DTYPE)[:, None] * dm.V.T
    s_xx_ref = torch.as_tensor(dm.s_xx, dtype=DTYPE)
    return {
        "syx_singular_values": float(np.max(np.abs(sv - ref_yx))),
        "sxx_top_eigenvalues": float(np.max(np.abs(ev[:k] - ref_xx))),
        "sxx_other_eigenvalues": float(np.max(np.abs(ev[k:] - dm.sigma_x**2))) if dm.d > k else 0.0,
        "syx_factorization": float(torch.linalg.norm(s_yx - s_yx_ref)),
        "sxx_shared_basis": float(torch.linalg.norm(s_xx @ dm.V - dm.V * s_xx_ref)),
    }
