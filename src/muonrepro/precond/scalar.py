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


# ------------------------------------------------------------------------------------------------
# float64 tolerances of the decoupling checks (A8, A8-R3, A9; issue 25, docs/precond-instruments.md)

U64 = 2.0**-53  # unit round-off of float64


def decoupling_tolerance(a, lam, eta0: float, q: float, d: int, tau: float, c_round: float):
    """Per (t, mode) tolerance of ``|sigma_(i)(U_t) - |a_t|_(i)|`` (both sorted descending) on aligned MF, for
    the scalar recursion ``a`` (T+1, r) (mode i pairs with ``lam_i``), and each mode's first step whose
    gradient sign float64 cannot resolve (T+1 when none).

    - ``r_t = c_round u s (d + (t + 1) sqrt(r))``: round-off of the compared singular values (a backward-stable
      SVD, ``d u s``, and one rounding per entry per update, ``sqrt(r) u s``), ``s = max(sqrt(lam_1), max a_0)``;
    - the sign of mode i at step t is unresolved when ``|g| <= 5 s^2 r_t + tau max_j |g_j|``, ``g = (a^2 - lam) a``
      (forming the gradient, ``2 s^2 r_t``, the iterate's own deviation through ``dg/da <= 3 s^2``, and msgn's
      relative cutoff ``tau``);
    - after mode i's first such step ``s_i`` (for t > s_i) the tolerance adds ``(2/q) eta_t``: a wrong sign at
      ``s_i`` moves the two sequences ``2 eta_s = (2/q) eta_{s+1}`` apart, after which both stay in Lemma L1's
      set ``|e| <= eta_t / q`` (q >= 1/2), so they differ by at most ``2 eta_t / q``.
    Returns ``(tol (T+1, r) in the order of |a_t| sorted descending, first (r,))``."""
    a = np.asarray(a, dtype=np.float64)
    lam = np.asarray(lam, dtype=np.float64)
    T1, r = a.shape
    t = np.arange(T1, dtype=np.float64)
    s = max(math.sqrt(float(lam.max())), float(np.abs(a[0]).max()))
    rt = c_round * U64 * s * (d + (t + 1.0) * math.sqrt(r))
    g = (a * a - lam) * a
    unresolved = np.abs(g) <= 5.0 * s * s * rt[:, None] + tau * np.abs(g).max(axis=1, keepdims=True)
    first = np.where(unresolved.any(axis=0), unresolved.argmax(axis=0), T1)
    eta = eta0 * q**t
    tol = rt[:, None] + np.where(t[:, None] > first[None, :], (2.0 / q) * eta[:, None], 0.0)
    order = np.argsort(-np.abs(a), axis=1, kind="stable")
    return np.take_along_axis(tol, order, axis=1), first


def decoupling_ratio(sigma, a, lam, eta0: float, q: float, d: int, tau: float, c_round: float):
    """``max_i |sigma_(i)(U_t) - |a_t|_(i)| / tol_t,i`` per t (T+1,) (``decoupling_tolerance``; <= 1: the
    iterates follow the recursion up to float64) and the first unresolved step over the modes."""
    tol, first = decoupling_tolerance(a, lam, eta0, q, d, tau, c_round)
    gap = np.abs(np.asarray(sigma, dtype=np.float64) - -np.sort(-np.abs(np.asarray(a, dtype=np.float64)), axis=1))
    return (gap / tol).max(axis=1), int(first.min())


def decoupling_gap(sigma, a) -> np.ndarray:
    """``max_i |sigma_(i)(U_t) - |a_t|_(i)|`` per t (T+1,), both sorted descending (A8's gap ``g(t)``)."""
    a = np.asarray(a, dtype=np.float64)
    return np.abs(np.asarray(sigma, dtype=np.float64) - -np.sort(-np.abs(a), axis=1)).max(axis=1)


U32 = 2.0**-24  # unit round-off of float32 (2^29 ~ 5.4e8 times U64)


def precision_scaling(g64, g32, ratio, eta, k: float) -> dict:
    """A8 / A8-R3's precision test of one run (docs/precond-instruments.md §6): is the float64 gap's excess over
    its tolerance round-off?

    ``g64``, ``g32`` (T+1,): the gap ``max_i |sigma_(i)(U_t) - |a_t|_(i)|`` of the float64 run and of its float32
    replay (same instance and schedule; the recursion ``a_t`` in float64 for both); ``ratio`` (T+1,): the float64
    gap over its tolerance (``decoupling_ratio``; a step is an *excess* step unless ``ratio <= 1``); ``eta``
    (T+1,): ``eta_t``; ``k``: decades (``claims.A8.precision_decades``).

    The excess is round-off iff every excess step t passes: if ``g64(t) < eta_t``, ``g32(t) >= 10^k g64(t)`` or
    ``g32(t) >= eta_t`` (float32 saturated at the step size); if ``g64(t) >= eta_t`` (float64 saturated), t comes
    after float32's first step with ``g32 >= eta_t``. Steps within the tolerance need no test. A NaN fails.

    Returns the run's columns: ``deviation`` (``within_tolerance`` | ``roundoff`` | ``not_roundoff``),
    ``roundoff_ok`` (False only for ``not_roundoff``), ``excess_steps``, ``first_excess`` and the two gaps
    there, ``first_sat32`` (float32's first saturated step), the first failing step with its gaps and
    ``eta_t`` (-1 / NaN when none), ``max_g64``, ``max_g32``."""
    g64, g32, eta = (np.asarray(x, dtype=np.float64) for x in (g64, g32, eta))
    ratio = np.asarray(ratio, dtype=np.float64)
    if not (g64.shape == g32.shape == ratio.shape == eta.shape) or g64.ndim != 1:
        raise ValueError(f"precision_scaling: shapes differ {g64.shape}, {g32.shape}, {ratio.shape}, {eta.shape}")
    t = np.arange(len(g64))
    excess = ~(ratio <= 1.0)
    sat32 = g32 >= eta
    first_sat32 = int(np.argmax(sat32)) if sat32.any() else -1
    with np.errstate(invalid="ignore", over="ignore"):
        scales = (g32 >= 10.0**k * g64) | sat32
    small, big = g64 < eta, g64 >= eta
    after = (t > first_sat32) if first_sat32 >= 0 else np.zeros(len(t), dtype=bool)
    passes = (small & scales) | (big & after)
    fail = excess & ~passes
    fe = int(np.argmax(excess)) if excess.any() else -1
    fn = int(np.argmax(fail)) if fail.any() else -1
    nan = float("nan")
    return dict(
        deviation="within_tolerance" if fe < 0 else ("not_roundoff" if fn >= 0 else "roundoff"),
        roundoff_ok=fn < 0,
        excess_steps=int(excess.sum()),
        first_excess=fe,
        g64_at_first_excess=float(g64[fe]) if fe >= 0 else nan,
        g32_at_first_excess=float(g32[fe]) if fe >= 0 else nan,
        first_sat32=first_sat32,
        first_not_roundoff=fn,
        g64_at_not_roundoff=float(g64[fn]) if fn >= 0 else nan,
        g32_at_not_roundoff=float(g32[fn]) if fn >= 0 else nan,
        eta_at_not_roundoff=float(eta[fn]) if fn >= 0 else nan,
        max_g64=float(np.max(g64)),
        max_g32=float(np.max(g32)),
    )


def icl_early_tolerances(etas, cond, d: int, c_round: float):
    """A9's float64 tolerances of the reduced ICL run at t = 0..T (each (T+1,)), from the steps ``etas``
    (eta_0 .. eta_{T-1}) and ``cond`` (T+1,) = ``||G_t||_F / sigma_min(G_t)`` over the singular values msgn
    keeps (NaN: G_t = 0, no step). With ``S_t = sum_{s<t} eta_s`` (>= ||B_t||_2, each msgn has norm <= 1):

    - off-diagonal of Q^T B_t Q: ``c u (2 d^1.5 S_t + d sum_{s<t} eta_s cond_s)``: msgn's float64 error per
      step is at most ``||dG||_F / sigma_min(G)`` (Li's bound for the polar factor) with ``||dG||_F <=
      d u ||G||_F`` (forming G and the SVD), plus evaluating Q^T B Q (two products, ``2 d^1.5 u S_t``);
    - diagonal difference from the recursion: ``c u S_t (2 d^1.5 + t) + sum_{s<t} eta_s (c d u cond_s)^2``: the
      polar factor's first-order error is skew in its own basis (no diagonal in Lam's eigenbasis), so only
      its second order, the evaluation and one rounding per update reach the diagonal."""
    etas = np.asarray(etas, dtype=np.float64)
    cond = np.nan_to_num(np.asarray(cond, dtype=np.float64)[: len(etas)], nan=0.0)
    t = np.arange(len(etas) + 1, dtype=np.float64)
    S = np.concatenate([[0.0], np.cumsum(etas)])
    A = np.concatenate([[0.0], np.cumsum(etas * cond)])
    Q2 = np.concatenate([[0.0], np.cumsum(etas * (c_round * d * U64 * cond) ** 2)])
    d15 = d**1.5
    off = c_round * U64 * (2.0 * d15 * S + d * A)
    diag = c_round * U64 * S * (2.0 * d15 + t) + Q2
    return off, diag
