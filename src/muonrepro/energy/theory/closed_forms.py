"""Closed forms of the energy paper's linear theory on the Kronecker quadratic (spec ``energy.md``
§3.4-§3.7): per-mode rates and energies, heavy-ball per-mode energy (2x2 Lyapunov), the H2 /
Lyapunov identities, and the Jensen step. Float64; layout conventions as in :mod:`quadratic`.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike

from muonrepro.energy.theory.quadratic import curvatures

__all__ = [
    "gd_rates",
    "preconditioned_rates",
    "kfac_rates",
    "mode_energy_closed_form",
    "gd_mode_energy_simplified",
    "horizon_for_decay",
    "heavy_ball_mode_matrix",
    "heavy_ball_spectral_radius",
    "heavy_ball_mode_energy",
    "kfac_preconditioner",
    "closed_loop_matrix",
    "spd_sqrt",
    "h2_energy_observability",
    "h2_energy_controllability",
    "h2_expected_energy",
    "jensen_f",
    "jensen_f_second_derivative",
    "weighted_mean_rate",
    "energy_from_rates",
    "jensen_lower_bound",
    "uniform_rate_energy",
]


# ---------------------------------------------------------------------------------------------
# Per-mode rates and closed-form energies (spec §3.4, §3.6)
# ---------------------------------------------------------------------------------------------


def gd_rates(lam: ArrayLike, mu: ArrayLike, eta: float) -> np.ndarray:
    """GD contraction rates ``rho_ij = 1 - eta lam_i mu_j`` in (m, n) layout (spec §3.4)."""
    return 1.0 - eta * curvatures(lam, mu)


def preconditioned_rates(lam: ArrayLike, mu: ArrayLike, pi: ArrayLike, p: ArrayLike, eta: float) -> np.ndarray:
    """Rates of ``dW = -eta P_d G P_x`` with eigen-aligned preconditioners (eigenvalues ``p_j`` of
    ``P_d``, ``pi_i`` of ``P_x``): ``rho_ij = 1 - eta p_j pi_i lam_i mu_j`` (spec §3.6)."""
    return 1.0 - eta * curvatures(pi, p) * curvatures(lam, mu)


def kfac_rates(shape: tuple[int, int], eta: float) -> np.ndarray:
    """Undamped K-FAC / natural gradient: ``rho_ij = 1 - eta`` for every mode (spec §3.6)."""
    return np.full(shape, 1.0 - eta, dtype=np.float64)


def mode_energy_closed_form(a0: ArrayLike, h: ArrayLike, rho: ArrayLike, T: int | None = None) -> np.ndarray:
    """Per-mode energy of a geometric mode ``a(t) = rho^t a0`` with output weight ``h``.

    ``T=None``: infinite horizon ``h a0^2 / (1 - rho^2)`` (needs |rho| < 1), spec §3.4 / C3.
    ``T`` given: steps ``t = 0..T-1``, ``h a0^2 (1 - rho^{2T}) / (1 - rho^2)`` (= ``h a0^2 T`` when
    ``rho^2 = 1``), spec §3.4.
    """
    a0 = np.asarray(a0, dtype=np.float64)
    h = np.asarray(h, dtype=np.float64)
    rho = np.asarray(rho, dtype=np.float64)
    w = h * a0**2
    r2 = rho**2
    if T is None:
        if (r2 >= 1.0).any():
            raise ValueError("infinite-horizon energy needs |rho| < 1 for every mode")
        return w / (1.0 - r2)
    if T < 0:
        raise ValueError("T must be >= 0")
    # sum_{t<T} r2^t = (1 - r2^T) / (1 - r2), and T where r2 == 1 (a non-contracting mode).
    with np.errstate(divide="ignore", invalid="ignore"):
        geo = np.where(r2 == 1.0, float(T), (1.0 - r2**T) / (1.0 - r2))
    return w * geo


def gd_mode_energy_simplified(a0: ArrayLike, h: ArrayLike, eta: float) -> np.ndarray:
    """GD infinite-horizon per-mode energy ``a0^2 / (eta (2 - eta h))`` (spec §3.4)."""
    a0 = np.asarray(a0, dtype=np.float64)
    h = np.asarray(h, dtype=np.float64)
    return a0**2 / (eta * (2.0 - eta * h))


def horizon_for_decay(rho_max_abs: float, tail: float = 1e-18) -> int:
    """Smallest T with ``rho_max_abs^{2T} <= tail``: a horizon after which the remaining
    infinite-horizon energy is negligible (relative ``tail``)."""
    r = abs(float(rho_max_abs))
    if r >= 1.0:
        raise ValueError("need |rho| < 1")
    if r == 0.0:
        return 1
    return max(1, int(math.ceil(math.log(tail) / (2.0 * math.log(r)))))


# ---------------------------------------------------------------------------------------------
# Heavy ball, per mode (spec §3.6)
# ---------------------------------------------------------------------------------------------


def heavy_ball_mode_matrix(h: float, eta: float, beta: float) -> np.ndarray:
    """Per-mode heavy-ball transition ``[[1 + beta - eta h, -beta], [1, 0]]`` acting on
    ``[a_t, a_{t-1}]`` (spec §3.6)."""
    return np.array([[1.0 + beta - eta * h, -beta], [1.0, 0.0]], dtype=np.float64)


def heavy_ball_spectral_radius(h: float, eta: float, beta: float) -> float:
    """Spectral radius of :func:`heavy_ball_mode_matrix` (spec §3.6)."""
    return float(np.max(np.abs(np.linalg.eigvals(heavy_ball_mode_matrix(h, eta, beta)))))


def heavy_ball_mode_energy(a0: ArrayLike, h: ArrayLike, eta: float, beta: float) -> np.ndarray:
    """Heavy-ball per-mode energy ``sum_{t>=0} h a_t^2`` with ``a_{-1} = a_0`` via the 2x2 discrete
    Lyapunov equation ``M^T X M - X + C^T C = 0``, ``C = [sqrt(h), 0]`` (spec §3.6, §5 item 9).

    Vectorised over modes by broadcasting ``a0`` and ``h``. Raises if a mode is unstable.
    """
    a0 = np.asarray(a0, dtype=np.float64)
    h = np.asarray(h, dtype=np.float64)
    a0b, hb = np.broadcast_arrays(a0, h)
    out = np.empty(a0b.shape, dtype=np.float64)
    for idx in np.ndindex(a0b.shape):
        M = heavy_ball_mode_matrix(hb[idx], eta, beta)
        if np.max(np.abs(np.linalg.eigvals(M))) >= 1.0:
            raise ValueError(f"heavy-ball mode with h={hb[idx]} is not stable")
        CtC = np.array([[hb[idx], 0.0], [0.0, 0.0]])
        X = scipy.linalg.solve_discrete_lyapunov(M.T, CtC)
        s0 = np.array([a0b[idx], a0b[idx]])
        out[idx] = float(s0 @ X @ s0)
    return out


# ---------------------------------------------------------------------------------------------
# H2 / Lyapunov (spec §3.5)
# ---------------------------------------------------------------------------------------------


def kfac_preconditioner(Sx: np.ndarray, Sd: np.ndarray) -> np.ndarray:
    """Full preconditioner ``P = H^{-1} = Sx^{-1} kron Sd^{-1}`` of undamped K-FAC (spec §3.6)."""
    return np.kron(np.linalg.inv(Sx), np.linalg.inv(Sd))


def closed_loop_matrix(H: np.ndarray, eta: float, P: np.ndarray | None = None) -> np.ndarray:
    """``A = I - eta P H`` (``P = I`` gives GD's ``I - eta H``), spec §3.5."""
    PH = H if P is None else P @ H
    return np.eye(H.shape[0]) - eta * PH


def spd_sqrt(S: np.ndarray) -> np.ndarray:
    """Symmetric PSD square root via ``eigh`` (negative rounding eigenvalues clipped to 0)."""
    w, V = np.linalg.eigh(S)
    return (V * np.sqrt(np.clip(w, 0.0, None))[None, :]) @ V.T


def h2_energy_observability(A: np.ndarray, H: np.ndarray, e0: np.ndarray) -> float:
    """``E = e0^T X e0`` with ``A^T X A - X + H = 0`` (observability Gramian, ``C = H^{1/2}``),
    i.e. ``X = solve_discrete_lyapunov(A.T, H)`` (spec §3.5)."""
    X = scipy.linalg.solve_discrete_lyapunov(A.T, H)
    e0 = np.asarray(e0, dtype=np.float64).ravel()
    return float(e0 @ X @ e0)


def h2_energy_controllability(A: np.ndarray, H: np.ndarray, e0: np.ndarray) -> float:
    """``E = tr(H^{1/2} W_c H^{1/2})`` with ``A W_c A^T - W_c + e0 e0^T = 0``, i.e.
    ``W_c = solve_discrete_lyapunov(A, e0 e0^T)``: squared H2 norm of ``(A, B=e0, C=H^{1/2})``
    (spec §3.5)."""
    e0 = np.asarray(e0, dtype=np.float64).ravel()
    Wc = scipy.linalg.solve_discrete_lyapunov(A, np.outer(e0, e0))
    C = spd_sqrt(H)
    return float(np.trace(C @ Wc @ C.T))


def h2_expected_energy(A: np.ndarray, H: np.ndarray, Sigma0: np.ndarray) -> float:
    """``E[E] = tr(Sigma0^{1/2} X Sigma0^{1/2})`` for random ``e0`` with second moment ``Sigma0``
    (spec §3.5)."""
    X = scipy.linalg.solve_discrete_lyapunov(A.T, H)
    S = spd_sqrt(Sigma0)
    return float(np.trace(S @ X @ S))


# ---------------------------------------------------------------------------------------------
# Jensen (spec §3.7)
# ---------------------------------------------------------------------------------------------


def jensen_f(rho: ArrayLike) -> np.ndarray:
    """``f(rho) = 1 / (1 - rho^2)`` (spec §3.7)."""
    rho = np.asarray(rho, dtype=np.float64)
    return 1.0 / (1.0 - rho**2)


def jensen_f_second_derivative(rho: ArrayLike) -> np.ndarray:
    """``f''(rho) = (2 + 6 rho^2) / (1 - rho^2)^3`` (> 0 on (-1, 1)), spec §3.7."""
    rho = np.asarray(rho, dtype=np.float64)
    return (2.0 + 6.0 * rho**2) / (1.0 - rho**2) ** 3


def weighted_mean_rate(w: ArrayLike, rho: ArrayLike, absolute: bool = False) -> float:
    """``rho_bar = sum w rho / sum w`` with the *energy weights* ``w_ij = lam_i mu_j a_ij(0)^2``
    (spec §3.7 caveat (a)); ``absolute=True`` averages ``|rho|`` (caveat (b))."""
    w = np.asarray(w, dtype=np.float64).ravel()
    rho = np.asarray(rho, dtype=np.float64).ravel()
    if absolute:
        rho = np.abs(rho)
    W = w.sum()
    if W <= 0:
        raise ValueError("weights must have a positive sum")
    return float(np.dot(w, rho) / W)


def energy_from_rates(w: ArrayLike, rho: ArrayLike) -> float:
    """``E = sum w f(rho)`` (spec §3.7)."""
    w = np.asarray(w, dtype=np.float64)
    return float(np.sum(w * jensen_f(rho)))


def jensen_lower_bound(w: ArrayLike, rho: ArrayLike, absolute: bool = True) -> float:
    """Jensen bound ``W f(rho_bar) <= sum w f(rho)``, ``W = sum w = 2 (L0 - L*)`` (spec §3.7).

    By default uses the weighted mean of ``|rho|`` (caveat (b)); this bound is at least as tight
    as the signed one because ``f`` depends on ``rho^2`` only.
    """
    w = np.asarray(w, dtype=np.float64)
    rbar = weighted_mean_rate(w, rho, absolute=absolute)
    return float(w.sum() * jensen_f(rbar))


def uniform_rate_energy(w: ArrayLike, rho: float) -> float:
    """Energy of a uniform-rate controller ``sum w / (1 - rho^2) = 2 (L0 - L*) / (1 - rho^2)``
    (spec §3.7, constrained minimum; §5 item 7)."""
    return float(np.sum(np.asarray(w, dtype=np.float64)) * jensen_f(rho))
