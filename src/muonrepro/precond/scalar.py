"""Scalar recursions and closed forms of spec §5 (all vectorized over modes / runs).

- §5.1 sign descent ``e <- e - eta_t sign(e)`` and Lemma L1's ratio ``|e_t| / eta_t``.
- §5.2 MF mode recursion ``a <- a - eta_t sign((a^2 - lam) a)`` and the predicted ``T_Muon(eps)``.
- §5.4 ICL mode recursion ``b <- b - eta_t sign(gam b - 1)``, ``T_Muon^ICL(eps)`` and GD's exact
  per-mode solution ``e_t = (1 - eta h_i)^t e_0`` (normalized loss gap and iterations in closed
  form, so 10^9-step GD runs are never executed).
"""

from __future__ import annotations

import math

import numpy as np


def sign_descent(e0: np.ndarray, etas: np.ndarray) -> np.ndarray:
    """``e_{t+1} = e_t - eta_t sign(e_t)``; returns (T+1, *e0.shape)."""
    out = [np.asarray(e0, dtype=np.float64)]
    for eta in etas:
        e = out[-1]
        out.append(e - eta * np.sign(e))
    return np.stack(out)


def mf_recursion(a0: np.ndarray, lam: np.ndarray, etas: np.ndarray) -> np.ndarray:
    """Aligned simplified Muon on MF, per mode: ``a <- a - eta_t sign((a^2 - lam) a)`` (§5.2)."""
    out = [np.broadcast_to(np.asarray(a0, dtype=np.float64), np.shape(lam)).copy()]
    for eta in etas:
        a = out[-1]
        out.append(a - eta * np.sign((a * a - lam) * a))
    return np.stack(out)


def icl_recursion(b0: np.ndarray, gam: np.ndarray, etas: np.ndarray) -> np.ndarray:
    """Aligned simplified Muon on ICL, per mode: ``b <- b - eta_t sign(gam b - 1)`` (§5.4)."""
    out = [np.broadcast_to(np.asarray(b0, dtype=np.float64), np.shape(gam)).copy()]
    for eta in etas:
        b = out[-1]
        out.append(b - eta * np.sign(gam * b - 1.0))
    return np.stack(out)


def lemma_bound(q: float) -> float:
    """Lemma L1: ``|e_t| <= eta_0 q^t / (1 - q)`` when ``q in [1/2, 1)`` and ``|e_0| <= eta_0/(1-q)``."""
    return 1.0 / (1.0 - q)


def _first_t(values: np.ndarray, eps: float) -> int:
    idx = np.flatnonzero(values <= eps)
    return int(idx[0]) if len(idx) else -1


def t_muon_mf(lam: np.ndarray, eta0: float, q: float, eps: float, t_max: int = 100_000) -> int:
    """``min{t : delta_t sqrt(sum_i (2 sqrt(lam_i) + delta_t)^2) <= eps ||M*||_F}`` (§5.2)."""
    delta = eta0 * q ** np.arange(t_max) / (1.0 - q)
    bound = delta * np.sqrt(((2.0 * np.sqrt(lam)[None, :] + delta[:, None]) ** 2).sum(axis=1))
    return _first_t(bound / np.linalg.norm(lam), eps)


def t_muon_mf_kappa_free(r: int, eta0: float, q: float, eps: float) -> int:
    """``ceil(ln(eta0 sqrt(r) (2 + delta_0) / ((1-q) eps)) / ln(1/q))`` with lam_1 = 1 (§5.2)."""
    d0 = eta0 / (1.0 - q)
    return math.ceil(math.log(eta0 * math.sqrt(r) * (2.0 + d0) / ((1.0 - q) * eps)) / math.log(1.0 / q))


def t_muon_icl(lam: np.ndarray, gam: np.ndarray, eta0: float, q: float, eps: float, t_max: int = 100_000) -> int:
    """``min{t : delta_t^2 tr(Lam^2 Gam) / sum_i (lam_i^2/gam_i) <= eps}`` (§5.4)."""
    delta = eta0 * q ** np.arange(t_max) / (1.0 - q)
    c = (lam**2 * gam).sum() / (lam**2 / gam).sum()
    return _first_t(delta**2 * c, eps)


def gd_icl_gap(t: np.ndarray, h: np.ndarray, w: np.ndarray, eta: float) -> np.ndarray:
    """Normalized GD loss gap from B_0 = 0: ``sum_i w_i (1 - eta h_i)^(2t) / sum_i w_i``,
    ``w_i = lam_i^2 / gam_i`` (§5.4). ``t`` may be any non-negative array (floats allowed)."""
    t = np.asarray(t, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):  # log 0 = -inf: a mode solved in one step
        logr = np.log(np.abs(1.0 - eta * h))
        terms = w[None, :] * np.exp(2.0 * t.reshape(-1, 1) * logr[None, :])
    terms = np.where(t.reshape(-1, 1) == 0, w[None, :], terms)
    return (terms.sum(axis=1) / w.sum()).reshape(t.shape)


def gd_icl_modes(t: np.ndarray, h: np.ndarray, gam: np.ndarray, eta: float) -> np.ndarray:
    """Per-mode GD error ``|b_{t,i} - 1/gam_i| = |1 - eta h_i|^t / gam_i`` (t, d)."""
    t = np.asarray(t, dtype=np.float64).reshape(-1, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.exp(t * np.log(np.abs(1.0 - eta * h))[None, :]) / gam[None, :]
    return np.where(t == 0, 1.0 / gam[None, :], out)


def gd_icl_iterations(h: np.ndarray, w: np.ndarray, eta: float, eps: float, t_cap: float = 2.0**62) -> float:
    """Smallest integer t with ``gd_icl_gap(t) <= eps`` (exact, by doubling then bisection).

    Returns ``inf`` when the step is unstable (``|1 - eta h_i| >= 1`` for some mode) or ``t_cap``
    is exceeded.
    """
    if eps >= 1.0:
        return 0.0
    if np.any(np.abs(1.0 - eta * h) >= 1.0):
        return math.inf
    gap = lambda t: float(gd_icl_gap(np.array([t]), h, w, eta)[0])  # noqa: E731
    hi = 1.0
    while gap(hi) > eps:
        hi *= 2.0
        if hi > t_cap:
            return math.inf
    lo = hi / 2.0 if hi > 1 else 0.0  # gap(lo) > eps (or lo = 0)
    while hi - lo > 1:
        mid = math.floor((lo + hi) / 2)
        if gap(mid) <= eps:
            hi = mid
        else:
            lo = mid
    return float(hi)


def gd_step(spec, L: float, optimal: float) -> float:
    """A GD step of the config grid (spec §4.4): a number c means ``c / L`` (L = lam_1 for MF,
    h_max for ICL); ``"optimal"`` means the given best-rate step (``2/(h_max + h_min)`` for ICL,
    ``1/(lam_1 + lam_r)`` for MF)."""
    if spec == "optimal":
        return float(optimal)
    return float(spec) / L
