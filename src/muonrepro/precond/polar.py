"""numpy wrappers of the shared ``muonrepro.optim.orthogonalize`` (spec §4.1, §5.7).

``msgn`` is the exact truncated polar factor (``method="svd"``): singular values at or below
``rel_cutoff * s_max`` are dropped, so ``msgn(0) = 0`` and modes already at their target get no
step. ``ns5`` is the quintic Newton-Schulz iteration of practical Muon, run in float64.
Both accept any leading batch dimensions. There is no second polar implementation here.
"""

from __future__ import annotations

import numpy as np
import torch

from muonrepro.optim.orthogonalize import orthogonalize

MSGN_REL_CUTOFF = 1e-12  # spec §4.1 tau


def _torch(G: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(G, dtype=np.float64))


def _finite_only(fn, G: np.ndarray) -> np.ndarray:
    """Apply ``fn`` to the matrices of a batch that are finite; diverged runs get NaN."""
    ok = np.isfinite(G).all(axis=(-2, -1))
    if ok.all():
        return fn(G)
    out = np.full(G.shape, np.nan)
    if ok.any():
        out[ok] = fn(G[ok])
    return out


def msgn(G: np.ndarray, rel_cutoff: float = MSGN_REL_CUTOFF) -> np.ndarray:
    """Exact polar factor ``P Q^T`` of ``G = P S Q^T`` (rank cut at ``rel_cutoff * s_max``)."""
    fn = lambda X: orthogonalize(_torch(X), method="svd", dtype=torch.float64, rel_cutoff=rel_cutoff).numpy()  # noqa: E731
    return _finite_only(fn, G)


def ns5(G: np.ndarray) -> np.ndarray:
    """Five quintic Newton-Schulz steps (3.4445, -4.7750, 2.0315), Frobenius-normalised, float64."""
    return _finite_only(lambda X: orthogonalize(_torch(X), method="ns5", dtype=torch.float64).numpy(), G)


def singular_values(G: np.ndarray) -> np.ndarray:
    """Singular values (descending) of a batch; NaN for non-finite matrices."""
    ok = np.isfinite(G).all(axis=(-2, -1))
    out = np.full(G.shape[:-2] + (min(G.shape[-2:]),), np.nan)
    if ok.any():
        out[ok] = np.linalg.svd(G[ok], compute_uv=False)
    return out


def orthogonalizer(name: str, rel_cutoff: float = MSGN_REL_CUTOFF):
    """``"svd"`` -> msgn, ``"ns5"`` -> ns5."""
    if name == "svd":
        return lambda G: msgn(G, rel_cutoff)
    if name == "ns5":
        return ns5
    raise ValueError(f"orthogonalizer must be 'svd' or 'ns5', got {name!r}")
