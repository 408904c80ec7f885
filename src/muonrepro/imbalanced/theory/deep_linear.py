"""Deep linear model W = W_L ... W_1 under per-layer SpecGD (spec §2.5; Prop. 2, claim 7).

Aligned init (INFERRED, §1.4/§2.5): W_1(0) = eps [V^T; 0] (h x d), middle layers eps I_h,
W_L(0) = eps [I_k 0] (k x h); depth 1 starts from W = 0. Each layer steps
W_i <- W_i - eta polar(dL/dW_i) with dL/dW_i = (W_L..W_{i+1})^T G (W_{i-1}..W_1)^T, G = W Sigma_xx - Sigma_yx,
polar = the shared ``orthogonalize(., method="svd")``. Then alpha_c(t) = (eps + eta t)^L until
alpha_c reaches r_c, so component c saturates at t_c = (r_c^{1/L} - eps) / eta, and the relative
spread t_M / t_m - 1 is Delta T = ((SNR + 1/p_m) / (SNR + 1/p_M))^{1/L} - 1 (eps -> 0).
"""

from __future__ import annotations

from functools import reduce

import numpy as np
import torch

from muonrepro.imbalanced.theory.data_model import DTYPE, DataModel
from muonrepro.imbalanced.theory.losses import gradient
from muonrepro.optim.orthogonalize import orthogonalize


def aligned_init(dm: DataModel, depth: int, hidden: int, eps: float) -> list[torch.Tensor]:
    """Layers W_1..W_L (W_1 first). Depth 1: [zeros(k, d)]."""
    k, d = dm.k, dm.d
    if depth == 1:
        return [torch.zeros(k, d, dtype=DTYPE)]
    if hidden < k:
        raise ValueError(f"hidden width {hidden} must be >= k = {k}")
    W1 = torch.zeros(hidden, d, dtype=DTYPE)
    W1[:k] = eps * dm.V.T
    WL = torch.zeros(k, hidden, dtype=DTYPE)
    WL[:, :k] = eps * torch.eye(k, dtype=DTYPE)
    mids = [eps * torch.eye(hidden, dtype=DTYPE) for _ in range(depth - 2)]
    return [W1, *mids, WL]


def _prod(mats: list[torch.Tensor], n: int) -> torch.Tensor:
    """W_j ... W_1 for mats = [W_1, ..., W_j]; identity of size n when empty."""
    return reduce(lambda acc, W: W @ acc, mats, torch.eye(n, dtype=DTYPE))


def run_deep_specgd(dm: DataModel, depth: int, hidden: int, eps: float, eta: float, steps: int) -> np.ndarray:
    """Per-layer SpecGD; returns the diagonal of W_bar_t = (W_L..W_1) V, shape (steps+1, k)."""
    s_yx, s_xx = dm.moments()
    layers = aligned_init(dm, depth, hidden, eps)
    alphas = []
    for t in range(steps + 1):
        W = _prod(layers, dm.d)
        alphas.append(torch.diagonal(W @ dm.V).clone())
        if t == steps:
            break
        G = gradient(W, s_yx, s_xx)
        new = []
        for i, Wi in enumerate(layers):
            below = _prod(layers[:i], dm.d)  # W_{i-1}..W_1  (rows = input of W_i)
            above = _prod(layers[i + 1 :], Wi.shape[0])  # W_L..W_{i+1}
            gi = above.T @ G @ below.T
            new.append(Wi - eta * orthogonalize(gi, method="svd"))
        layers = new
    return torch.stack(alphas).numpy()


def saturation_times(alpha: np.ndarray, r: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """(first step with alpha_c >= r_c, interpolated crossing time) per component.

    The interpolation is linear in alpha^{1/L}, which grows linearly in t before saturation, so it
    recovers the continuous crossing time t_c. NaN where a component never reaches r_c.
    """
    k = alpha.shape[1]
    first = np.full(k, np.nan)
    cont = np.full(k, np.nan)
    for c in range(k):
        hit = np.flatnonzero(alpha[:, c] >= r[c])
        if len(hit) == 0:
            continue
        t = hit[0]
        first[c] = t
        if t == 0:
            cont[c] = 0.0
            continue
        lo, hi = np.sign(alpha[t - 1, c]) * abs(alpha[t - 1, c]) ** (1 / depth), alpha[t, c] ** (1 / depth)
        target = r[c] ** (1 / depth)
        cont[c] = t - 1 + (target - lo) / (hi - lo)
    return first, cont


def predicted_saturation(r: np.ndarray, depth: int, eps: float, eta: float) -> np.ndarray:
    """t_c = (r_c^{1/L} - eps) / eta; depth 1 starts at zero (eps = 0)."""
    e = 0.0 if depth == 1 else eps
    return (r ** (1 / depth) - e) / eta


def delta_t_formula(snr: float, p_min: float, p_max: float, depth: int) -> float:
    """Delta T = ((SNR + 1/p_m) / (SNR + 1/p_M))^{1/L} - 1 (§2.5)."""
    return ((snr + 1 / p_min) / (snr + 1 / p_max)) ** (1 / depth) - 1
