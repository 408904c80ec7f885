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


def msgn(G: np.ndarray, rel_cutoff: float = MSGN_REL_CUTOFF) -> np.ndarray:
    """Exact polar factor ``P Q^T`` of ``G = P S Q^T`` (rank cut at ``rel_cutoff * s_max``)."""
    return orthogonalize(_torch(G), method="svd", dtype=torch.float64, rel_cutoff=rel_cutoff).numpy()


def ns5(G: np.ndarray) -> np.ndarray:
    """Five quintic Newton-Schulz steps (3.4445, -4.7750, 2.0315), Frobenius-normalised, float64."""
    return orthogonalize(_torch(G), method="ns5", dtype=torch.float64).numpy()


def orthogonalizer(name: str, rel_cutoff: float = MSGN_REL_CUTOFF):
    """``"svd"`` -> msgn, ``"ns5"`` -> ns5."""
    if name == "svd":
        return lambda G: msgn(G, rel_cutoff)
    if name == "ns5":
        return ns5
    raise ValueError(f"orthogonalizer must be 'svd' or 'ns5', got {name!r}")
