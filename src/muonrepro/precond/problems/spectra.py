"""Spectra with a given condition number and random rotations (spec §3.1, §3.2, §6.2).

All spectra are descending with largest value 1, so ``kappa = values[0] / values[-1]``.
"""

from __future__ import annotations

import numpy as np

SPECTRA = ("geometric", "linear")


def spectrum(kind: str, n: int, kappa: float) -> np.ndarray:
    """``geometric``: ``kappa**(-(i-1)/(n-1))``; ``linear``: ``1 - (i-1)(1-1/kappa)/(n-1)`` (§3.1)."""
    if kappa < 1:
        raise ValueError(f"kappa must be >= 1, got {kappa}")
    if n == 1:
        return np.ones(1)
    i = np.arange(n, dtype=np.float64)
    if kind == "geometric":
        return kappa ** (-i / (n - 1))
    if kind == "linear":
        return 1.0 - i * (1.0 - 1.0 / kappa) / (n - 1)
    raise ValueError(f"spectrum kind must be one of {SPECTRA}, got {kind!r}")


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
