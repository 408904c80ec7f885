"""The one orthogonalization used everywhere: ``orthogonalize(G, method, dtype)`` on torch tensors and
``orthogonalize_np(G, method)`` on float64 numpy arrays (the theory code of every paper).

- ``method="ns5"``: the quintic Newton-Schulz iteration of Keller Jordan's Muon and
  ``torch.optim.Muon`` (coefficients (3.4445, -4.7750, 2.0315), Frobenius pre-normalisation,
  transpose when rows > cols). It returns about U S' V^T with S'_ii in roughly [0.5, 1.5], not
  the exact polar factor.
- ``method="svd"``: the exact (truncated) polar factor U V^T, i.e. SpecGD's step. Singular values
  below ``rel_cutoff * s_max`` are dropped, so a rank-deficient G gives the partial isometry on
  its range.

``dtype`` is the working precision. ``None`` means float32 on CPU and bfloat16 on CUDA for ns5
(float32 is kept on every CPU, also where AMX-BF16 makes bfloat16 faster, so that Muon's numerics do
not depend on the machine; see the README); float64 for svd. The result is returned in G's dtype.
``REL_CUTOFF`` is the one default cutoff of the exact polar factor (a paper that states its own, like
the preconditioning paper's tau, passes it from config).
"""

from __future__ import annotations

import numpy as np
import torch

NS5_COEFFICIENTS = (3.4445, -4.7750, 2.0315)
NS_EPS = 1e-7
REL_CUTOFF = 1e-10
METHODS = ("ns5", "svd")


def default_ns_dtype(device: torch.device) -> torch.dtype:
    return torch.bfloat16 if device.type == "cuda" else torch.float32


def newton_schulz(
    G: torch.Tensor,
    steps: int = 5,
    coefficients: tuple[float, float, float] = NS5_COEFFICIENTS,
    eps: float = NS_EPS,
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """Quintic NS iteration, numerically the same recipe as ``torch.optim.Muon`` (any batch dims)."""
    if G.ndim < 2:
        raise ValueError(f"newton_schulz needs a matrix, got shape {tuple(G.shape)}")
    dtype = dtype or default_ns_dtype(G.device)
    a, b, c = coefficients
    X = G.to(dtype)
    transposed = G.size(-2) > G.size(-1)
    if transposed:
        X = X.mT
    norm = X.norm(dim=(-2, -1), keepdim=True).clamp(min=eps)
    X = X / norm
    for _ in range(steps):
        A = X @ X.mT
        B = b * A + c * (A @ A)
        X = a * X + B @ X
    if transposed:
        X = X.mT
    return X.to(G.dtype)


def polar_svd(G: torch.Tensor, rel_cutoff: float = REL_CUTOFF, dtype: torch.dtype | None = None):
    """Exact polar factor U V^T from a (truncated) SVD (any batch dims)."""
    if G.ndim < 2:
        raise ValueError(f"polar_svd needs a matrix, got shape {tuple(G.shape)}")
    dtype = dtype or (torch.float64 if G.dtype != torch.float64 else G.dtype)
    U, S, Vh = torch.linalg.svd(G.to(dtype), full_matrices=False)
    keep = S > rel_cutoff * S.amax(dim=-1, keepdim=True).clamp(min=torch.finfo(dtype).tiny)
    return ((U * keep.unsqueeze(-2).to(dtype)) @ Vh).to(G.dtype)


def orthogonalize(
    G: torch.Tensor,
    method: str = "ns5",
    dtype: torch.dtype | None = None,
    steps: int = 5,
    coefficients: tuple[float, float, float] = NS5_COEFFICIENTS,
    eps: float = NS_EPS,
    rel_cutoff: float = REL_CUTOFF,
) -> torch.Tensor:
    if method == "ns5":
        return newton_schulz(G, steps=steps, coefficients=coefficients, eps=eps, dtype=dtype)
    if method == "svd":
        return polar_svd(G, rel_cutoff=rel_cutoff, dtype=dtype)
    raise ValueError(f"orthogonalize: method must be one of {METHODS}, got {method!r}")


def orthogonalize_np(G: np.ndarray, method: str = "svd", rel_cutoff: float = REL_CUTOFF, **kw) -> np.ndarray:
    """``orthogonalize`` in float64 on a numpy array with any leading batch dimensions. Matrices with a
    non-finite entry (a diverged run of a batch) give NaN instead of an error; the others are unaffected."""
    G = np.ascontiguousarray(G, dtype=np.float64)
    ok = np.isfinite(G).all(axis=(-2, -1))

    def run(X):
        return orthogonalize(
            torch.from_numpy(X), method=method, dtype=torch.float64, rel_cutoff=rel_cutoff, **kw
        ).numpy()

    if ok.all():
        return run(G)
    out = np.full(G.shape, np.nan)
    if ok.any():
        out[ok] = run(G[ok])
    return out
