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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike

from muonrepro.optim.orthogonalize import orthogonalize_np

__all__ = [
    "KroneckerQuadratic",
    "random_orthogonal",
    "random_spd",
    "make_quadratic",
    "sorted_eigh",
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
    "gd_rates",
    "preconditioned_rates",
    "kfac_rates",
    "mode_energy_closed_form",
    "gd_mode_energy_simplified",
    "horizon_for_decay",
    "simulate_preconditioned_gd",
    "simulate_gd",
    "simulate_kfac",
    "heavy_ball_mode_matrix",
    "heavy_ball_mode_energy",
    "heavy_ball_spectral_radius",
    "simulate_heavy_ball",
    "closed_loop_matrix",
    "kfac_preconditioner",
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
    "polar",
    "newton_schulz5",
    "simulate_polar",
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
# Simulators in weight (error) space (spec §3.4, §3.6, §3.8)
# ---------------------------------------------------------------------------------------------


def simulate_preconditioned_gd(
    E0: np.ndarray,
    Sx: np.ndarray,
    Sd: np.ndarray,
    eta: float,
    T: int,
    P_d: np.ndarray | None = None,
    P_x: np.ndarray | None = None,
    return_iterates: bool = False,
):
    """Run ``E_{t+1} = E_t - eta P_d G_t P_x`` with ``G_t = Sd E_t Sx`` (spec §3.6; GD if both
    preconditioners are None).

    Returns the per-step energies ``e_t = vec(E_t)^T H vec(E_t)`` for ``t = 0..T-1`` (shape (T,)),
    and, if ``return_iterates``, also the iterates ``E_0..E_T`` (shape (T+1, m, n)).
    """
    E = np.array(E0, dtype=np.float64)
    energies = np.empty(T, dtype=np.float64)
    iters = np.empty((T + 1,) + E.shape) if return_iterates else None
    for t in range(T):
        if iters is not None:
            iters[t] = E
        G = Sd @ E @ Sx
        energies[t] = float(np.sum(E * G))
        step = G
        if P_d is not None:
            step = P_d @ step
        if P_x is not None:
            step = step @ P_x
        E = E - eta * step
    if iters is not None:
        iters[T] = E
        return energies, iters
    return energies


def simulate_gd(E0, Sx, Sd, eta: float, T: int, return_iterates: bool = False):
    """Plain GD ``W <- W - eta G`` on the quadratic (spec §3.4); see simulate_preconditioned_gd."""
    return simulate_preconditioned_gd(E0, Sx, Sd, eta, T, return_iterates=return_iterates)


def simulate_kfac(E0, Sx, Sd, eta: float, T: int, return_iterates: bool = False):
    """Undamped K-FAC ``W <- W - eta Sd^{-1} G Sx^{-1}`` (spec §3.6, §5 item 7): uniform rate
    ``1 - eta`` in every mode."""
    return simulate_preconditioned_gd(
        E0,
        Sx,
        Sd,
        eta,
        T,
        P_d=np.linalg.inv(Sd),
        P_x=np.linalg.inv(Sx),
        return_iterates=return_iterates,
    )


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


def simulate_heavy_ball(E0, Sx, Sd, eta: float, beta: float, T: int) -> np.ndarray:
    """Heavy ball ``E_{t+1} = E_t - eta G_t + beta (E_t - E_{t-1})`` with ``E_{-1} = E_0``
    (spec §3.6). Returns per-step energies for ``t = 0..T-1``."""
    E = np.array(E0, dtype=np.float64)
    E_prev = E.copy()
    energies = np.empty(T, dtype=np.float64)
    for t in range(T):
        G = Sd @ E @ Sx
        energies[t] = float(np.sum(E * G))
        E, E_prev = E - eta * G + beta * (E - E_prev), E
    return energies


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


# ---------------------------------------------------------------------------------------------
# Polar factor (spec §3.8)
# ---------------------------------------------------------------------------------------------


def polar(M: np.ndarray) -> np.ndarray:
    """Exact polar factor ``U V^T`` (spec §3.8): the shared ``optim.orthogonalize_np`` (thin SVD, singular
    values below ``REL_CUTOFF * s_max`` dropped, so a rank-deficient ``M`` gives the partial isometry on its
    range; the zero matrix maps to zero)."""
    return orthogonalize_np(M, "svd")


def newton_schulz5(M: np.ndarray) -> np.ndarray:
    """Muon's quintic Newton-Schulz iteration in float64 (the shared ``optim.orthogonalize_np``): about
    ``U S' V^T`` with ``S'`` roughly in [0.5, 1.5], not the exact polar factor (spec §3.8, §5 item 10)."""
    return orthogonalize_np(M, "ns5")


def simulate_polar(E0, Sx, Sd, eta: float, T: int) -> np.ndarray:
    """Exact-polar descent without momentum ``W <- W - eta polar(G)`` (spec §3.8).

    Returns the iterates ``E_0..E_T`` (shape (T+1, m, n)).
    """
    E = np.array(E0, dtype=np.float64)
    iters = np.empty((T + 1,) + E.shape)
    iters[0] = E
    for t in range(T):
        E = E - eta * polar(Sd @ E @ Sx)
        iters[t + 1] = E
    return iters
