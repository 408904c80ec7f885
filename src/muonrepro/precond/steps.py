"""Step-size rules for simplified Muon (spec §4.3), batched: every run has its own (eta, q).

- S0 ``constant``: ``eta_t = eta``.
- S1 ``geometric`` (primary): ``eta_t = eta q^t``.
- S2 ``op``: ``eta_t = eta ||grad||_op``.
- S3 ``nuclear``: ``eta_t = eta ||grad||_*`` (spectral-norm steepest descent).

With several parameter matrices (asymmetric MF) S2/S3 use each matrix's own norm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def singular_values(G: np.ndarray) -> np.ndarray:
    """Singular values (descending) of a batch; NaN for non-finite matrices."""
    ok = np.isfinite(G).all(axis=(-2, -1))
    out = np.full(G.shape[:-2] + (min(G.shape[-2:]),), np.nan)
    if ok.any():
        out[ok] = np.linalg.svd(G[ok], compute_uv=False)
    return out


RULES = {"S0": "constant", "S1": "geometric", "S2": "op", "S3": "nuclear"}


@dataclass
class StepRule:
    kind: str  # constant | geometric | op | nuclear
    eta: np.ndarray  # (B,)
    q: np.ndarray | None = None  # (B,), geometric only

    def __post_init__(self):
        if self.kind not in RULES.values():
            raise ValueError(f"step rule must be one of {sorted(RULES.values())}, got {self.kind!r}")
        self.eta = np.asarray(self.eta, dtype=np.float64)
        if self.kind == "geometric":
            if self.q is None:
                raise ValueError("geometric step rule needs q")
            self.q = np.asarray(self.q, dtype=np.float64)

    def __call__(self, t: int, G: np.ndarray) -> np.ndarray:
        """Step size of every run at iteration t (B,), given that parameter's gradient."""
        if self.kind == "constant":
            return self.eta
        if self.kind == "geometric":
            return self.eta * self.q**t
        if G.ndim == 1:  # scalar parameter: both norms are |g|
            return self.eta * np.abs(G)
        s = singular_values(G)
        return self.eta * (s[..., 0] if self.kind == "op" else s.sum(axis=-1))


def geometric_etas(eta0: float, q: float, T: int) -> np.ndarray:
    """``eta_0 q^t`` for t = 0..T-1."""
    return eta0 * q ** np.arange(T, dtype=np.float64)


def kept_cond_F(G: np.ndarray, rel_cutoff: float) -> np.ndarray:
    """``||G||_F / sigma_min`` of a batch (B,), with sigma_min the smallest singular value msgn keeps
    (``> rel_cutoff * sigma_max``, spec §4.1): the factor by which a backward error of G is amplified in
    msgn(G) (A9's round-off tolerance). NaN where G = 0 or is not finite."""
    s = singular_values(G)
    smax = s[..., :1]
    kept = np.where(s > rel_cutoff * smax, s, np.inf).min(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.sqrt((s * s).sum(axis=-1)) / kept
    return np.where(np.isfinite(out) & (kept < np.inf), out, np.nan)
