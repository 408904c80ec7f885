"""Spectra with a given condition number, their seeded jitter, and random rotations (spec §3.1, §3.2,
§6.2).

All spectra are descending with largest value 1, so ``kappa = values[0] / values[-1]``.

A seed is a replicate only if it varies something that matters at fixed kappa: ``jitter`` moves each
*interior* value of a spectrum in log space by a seeded fraction ``u_i`` in ``[-jitter, jitter]`` of its
log-gap to the neighbour it moves towards (up for ``u_i > 0``, down for ``u_i < 0``). The extremes stay
exactly ``1`` and ``1/kappa`` (kappa is unchanged), and with ``jitter < 1/2`` no two neighbours can cross
or meet, so the order stays strict. A flat spectrum (kappa = 1) has no gaps and does not move.
"""

from __future__ import annotations

import numpy as np

SPECTRA = ("geometric", "linear")
MAX_JITTER = 0.5  # exclusive: neighbours moving towards each other by < 1/2 of their gap never meet


def spectrum(kind: str, n: int, kappa: float) -> np.ndarray:
    """``geometric``: ``kappa**(-(i-1)/(n-1))``; ``linear``: ``1 - (i-1)(1-1/kappa)/(n-1)`` (§3.1). The last
    value is set to ``1/kappa`` itself (the formulas can miss it by rounding)."""
    if kappa < 1:
        raise ValueError(f"kappa must be >= 1, got {kappa}")
    if n == 1:
        return np.ones(1)
    i = np.arange(n, dtype=np.float64)
    if kind == "geometric":
        out = kappa ** (-i / (n - 1))
    elif kind == "linear":
        out = 1.0 - i * (1.0 - 1.0 / kappa) / (n - 1)
    else:
        raise ValueError(f"spectrum kind must be one of {SPECTRA}, got {kind!r}")
    out[-1] = 1.0 / kappa
    return out


def jitter_fractions(rng: np.random.Generator, n: int, jitter: float) -> np.ndarray:
    """Seeded fractions ``u`` (length n, zero at both ends) uniform in ``[-jitter, jitter]`` inside.

    ``n - 2`` uniforms are drawn whatever ``jitter`` is, so the random stream after this call does not
    depend on it."""
    if not 0.0 <= jitter < MAX_JITTER:
        raise ValueError(f"spectrum jitter must be in [0, {MAX_JITTER}), got {jitter} (config precond.spectrum_jitter)")
    u = np.zeros(n)
    if n > 2:
        u[1:-1] = jitter * rng.uniform(-1.0, 1.0, n - 2)
    return u


def jitter_spectrum(values: np.ndarray, fractions: np.ndarray) -> np.ndarray:
    """``values`` (descending, > 0) with interior value i moved in log space by ``fractions[i]`` of its
    log-gap to the upper (``> 0``) or lower (``< 0``) neighbour; the first and last values are returned
    bit for bit."""
    values = np.asarray(values, dtype=np.float64)
    u = np.asarray(fractions, dtype=np.float64)
    if u.shape != values.shape or (len(u) and (u[0] != 0 or u[-1] != 0)):
        raise ValueError("jitter fractions must match the spectrum and be 0 at both ends")
    if np.any(np.abs(u) >= MAX_JITTER):
        raise ValueError(f"jitter fractions must lie in (-{MAX_JITTER}, {MAX_JITTER})")
    out = values.copy()
    if len(values) <= 2:
        return out
    lv = np.log(values)
    up = lv[:-2] - lv[1:-1]  # gap to the upper neighbour (>= 0)
    down = lv[1:-1] - lv[2:]  # gap to the lower neighbour (>= 0)
    inner = u[1:-1]
    moved = np.exp(lv[1:-1] + np.where(inner > 0, inner * up, inner * down))
    out[1:-1] = np.where(inner == 0, values[1:-1], moved)  # u = 0: the value itself, not exp(log(value))
    return out


def random_orthonormal(rng: np.random.Generator, d: int, k: int) -> np.ndarray:
    """Q factor (numpy QR) of a d x k standard normal matrix, spec §3.1 and §6.2."""
    Q, _ = np.linalg.qr(rng.standard_normal((d, k)))
    return Q


def basis(rng: np.random.Generator, d: int, k: int, rotate: bool) -> np.ndarray:
    """Random orthonormal d x k basis, or the first k coordinate vectors when ``rotate`` is false.

    The normal draw happens in both cases, so the random stream after it is the same (§6.2 draw order).
    """
    Q = random_orthonormal(rng, d, k)
    return Q if rotate else np.eye(d, k)


def random_orthogonal_square(rng: np.random.Generator, k: int) -> np.ndarray:
    """Haar-random k x k orthogonal matrix."""
    return random_orthonormal(rng, k, k)
