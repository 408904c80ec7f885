"""Exact linear theory of the energy paper on a Kronecker-factored quadratic (spec ``energy.md`` §3).

Everything is float64 numpy/scipy. Conventions (spec §3.1):

- A linear layer ``y = W x`` has ``W`` of shape (m, n) (out, in), like ``nn.Linear.weight``.
- ``vec`` stacks columns (column-major), so ``vec(A X B) = (B^T kron A) vec(X)`` and the Hessian
  of ``L = 1/2 vec(E)^T H vec(E)`` is ``H = Sigma_x kron Sigma_delta`` (K-FAC's ``A kron G``).
- ``Sigma_x = Q diag(lam) Q^T`` (n x n), ``Sigma_delta = R diag(mu) R^T`` (m x m); eigenvalues
  are returned in *descending* order (mode index = eigenvalue rank, spec §4.2).
- Mode (i, j) is the rank-one direction ``r_j q_i^T``. Per-mode arrays are stored in the (m, n)
  layout of ``W``: entry ``[j, i]`` belongs to mode (i, j). In particular
  ``a = R^T E Q`` has ``a[j, i] = a_ij`` and ``curvatures(lam, mu)[j, i] = lam_i mu_j``, and the
  column-major ``vec`` of such an array lines up with the eigenvectors ``kron(Q, R)`` of ``H``.

Error ``E = W - W*``; per-step energy ``e_t = vec(E_t)^T H vec(E_t) = 2 (L_t - L*)`` (spec §3.3).

The closed forms that the theory states are in :mod:`closed_forms`, the simulators they are checked
against in :mod:`simulation`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "KroneckerQuadratic",
    "random_orthogonal",
    "random_spd",
    "sorted_eigh",
    "make_quadratic",
    "vec",
    "unvec",
    "kron_hessian",
    "gradient",
    "per_step_energy",
    "excess_loss",
    "mode_coordinates",
    "from_mode_coordinates",
    "curvatures",
    "rotated_gradient",
    "mode_energy_estimator",
    "newton_decrement_sq",
]


# ---------------------------------------------------------------------------------------------
# Construction (spec §5 preamble: random SPD factors with non-aligned eigenvectors)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KroneckerQuadratic:
    """A quadratic ``L(W) = L* + 1/2 vec(E)^T (Sx kron Sd) vec(E)`` with its eigendecompositions.

    ``lam``/``Q`` diagonalise ``Sx`` (n x n), ``mu``/``R`` diagonalise ``Sd`` (m x m), both with
    descending eigenvalues; ``E0`` (m x n) is the initial error ``W_0 - W*`` (spec §3.1-3.2).
    """

    Sx: np.ndarray
    Sd: np.ndarray
    E0: np.ndarray
    lam: np.ndarray
    Q: np.ndarray
    mu: np.ndarray
    R: np.ndarray

    @property
    def n(self) -> int:
        return self.Sx.shape[0]

    @property
    def m(self) -> int:
        return self.Sd.shape[0]

    @property
    def H(self) -> np.ndarray:
        """The (n m) x (n m) Hessian ``Sx kron Sd`` (spec §3.1)."""
        return kron_hessian(self.Sx, self.Sd)

    @property
    def h(self) -> np.ndarray:
        """Per-mode curvatures ``lam_i mu_j`` in (m, n) layout."""
        return curvatures(self.lam, self.mu)

    @property
    def a0(self) -> np.ndarray:
        """Initial mode coordinates ``R^T E0 Q`` in (m, n) layout."""
        return mode_coordinates(self.E0, self.Q, self.R)


def random_orthogonal(rng: np.random.Generator, k: int) -> np.ndarray:
    """Haar-random k x k orthogonal matrix (QR of a Gaussian with the sign fix of Mezzadri)."""
    Z = rng.standard_normal((k, k))
    Qm, Rm = np.linalg.qr(Z)
    return Qm * np.sign(np.diag(Rm))[None, :]


def random_spd(
    rng: np.random.Generator,
    k: int,
    low: float = 0.1,
    high: float = 1.0,
    eigvals: ArrayLike | None = None,
) -> np.ndarray:
    """Random SPD k x k matrix ``V diag(ev) V^T`` with Haar-random (non-axis-aligned) ``V``.

    Eigenvalues are log-uniform in ``[low, high]`` unless ``eigvals`` is given (spec §5 preamble).
    """
    if eigvals is None:
        if not 0 < low <= high:
            raise ValueError("need 0 < low <= high")
        ev = np.exp(rng.uniform(np.log(low), np.log(high), size=k))
    else:
        ev = np.asarray(eigvals, dtype=np.float64).ravel()
        if ev.shape != (k,) or (ev <= 0).any():
            raise ValueError("eigvals must be k positive numbers")
    V = random_orthogonal(rng, k)
    S = (V * ev[None, :]) @ V.T
    return 0.5 * (S + S.T)


def sorted_eigh(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigendecomposition of a symmetric matrix with eigenvalues in descending order."""
    w, V = np.linalg.eigh(np.asarray(S, dtype=np.float64))
    order = np.argsort(w)[::-1]
    return w[order], V[:, order]


def make_quadratic(
    rng: np.random.Generator | int,
    n: int = 6,
    m: int = 4,
    low: float = 0.1,
    high: float = 1.0,
    E0: np.ndarray | None = None,
) -> KroneckerQuadratic:
    """Seeded random Kronecker quadratic: draws ``Sx`` (n x n), then ``Sd`` (m x m), then a Gaussian
    ``E0`` (m x n) unless given (spec §3.2, §5 preamble)."""
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    Sx = random_spd(rng, n, low, high)
    Sd = random_spd(rng, m, low, high)
    if E0 is None:
        E0 = rng.standard_normal((m, n))
    E0 = np.asarray(E0, dtype=np.float64)
    if E0.shape != (m, n):
        raise ValueError(f"E0 must have shape {(m, n)}, got {E0.shape}")
    lam, Q = sorted_eigh(Sx)
    mu, R = sorted_eigh(Sd)
    return KroneckerQuadratic(Sx=Sx, Sd=Sd, E0=E0, lam=lam, Q=Q, mu=mu, R=R)


# ---------------------------------------------------------------------------------------------
# vec / Kronecker / modes (spec §3.1-3.3, §4.2)
# ---------------------------------------------------------------------------------------------


def vec(X: ArrayLike) -> np.ndarray:
    """Column-major vectorisation (stack columns), spec §3.1."""
    return np.asarray(X, dtype=np.float64).reshape(-1, order="F")


def unvec(v: ArrayLike, shape: tuple[int, int]) -> np.ndarray:
    """Inverse of :func:`vec` for a matrix of the given (rows, cols) shape."""
    return np.asarray(v, dtype=np.float64).reshape(shape, order="F")


def kron_hessian(Sx: np.ndarray, Sd: np.ndarray) -> np.ndarray:
    """``H = Sx kron Sd``: Hessian of ``1/2 vec(E)^T H vec(E)`` in column-major vec (spec §3.1)."""
    return np.kron(np.asarray(Sx, dtype=np.float64), np.asarray(Sd, dtype=np.float64))


def gradient(E: np.ndarray, Sx: np.ndarray, Sd: np.ndarray) -> np.ndarray:
    """``G = Sd E Sx`` = dL/dW of the quadratic (spec §3.2)."""
    return Sd @ E @ Sx


def per_step_energy(E: np.ndarray, Sx: np.ndarray, Sd: np.ndarray) -> float:
    """``e = vec(E)^T H vec(E) = tr(E^T Sd E Sx) = 2 (L - L*)`` (spec §3.3), without forming H."""
    return float(np.sum(E * (Sd @ E @ Sx)))


def excess_loss(E: np.ndarray, Sx: np.ndarray, Sd: np.ndarray) -> float:
    """``L - L* = 1/2 vec(E)^T H vec(E)`` (spec §3.2)."""
    return 0.5 * per_step_energy(E, Sx, Sd)


def mode_coordinates(E: np.ndarray, Q: np.ndarray, R: np.ndarray) -> np.ndarray:
    """``a = R^T E Q`` with ``a[j, i] = a_ij = r_j^T E q_i`` (spec §3.2)."""
    return R.T @ E @ Q


def from_mode_coordinates(a: np.ndarray, Q: np.ndarray, R: np.ndarray) -> np.ndarray:
    """``E = R a Q^T = sum_ij a_ij r_j q_i^T`` (spec §3.2)."""
    return R @ a @ Q.T


def curvatures(lam: ArrayLike, mu: ArrayLike) -> np.ndarray:
    """Per-mode Hessian eigenvalues ``h[j, i] = lam_i mu_j`` (spec §3.1)."""
    return np.outer(np.asarray(mu, dtype=np.float64), np.asarray(lam, dtype=np.float64))


def rotated_gradient(G: np.ndarray, Q: np.ndarray, R: np.ndarray) -> np.ndarray:
    """``Gtilde = R^T G Q``; on the quadratic ``Gtilde[j, i] = lam_i mu_j a_ij`` (spec §3.2)."""
    return R.T @ G @ Q


def mode_energy_estimator(Gtilde: np.ndarray, lam: ArrayLike, mu: ArrayLike) -> np.ndarray:
    """Per-mode energy estimator ``e_ij = Gtilde_ji^2 / (lam_i mu_j)`` in (m, n) layout (spec §4.2).

    On the quadratic this equals ``lam_i mu_j a_ij^2`` exactly. No thresholding or damping is
    applied here: every ``lam_i mu_j`` must be positive.
    """
    h = curvatures(lam, mu)
    if h.shape != Gtilde.shape:
        raise ValueError(f"Gtilde shape {Gtilde.shape} does not match (len(mu), len(lam)) {h.shape}")
    if (h <= 0).any():
        raise ValueError("mode_energy_estimator needs lam_i mu_j > 0 for every mode")
    return Gtilde**2 / h


def newton_decrement_sq(G: np.ndarray, H: np.ndarray) -> float:
    """``vec(G)^T H^{-1} vec(G)`` (spec §4.2 built-in check; = 2 (L - L*) on the quadratic)."""
    g = vec(G)
    return float(g @ np.linalg.solve(H, g))
