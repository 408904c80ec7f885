"""Population square loss, per-class losses and accuracies in the data model (spec §1.3).

- ``population_loss(W, dm)``: L(W) = 1/2 E||y - W x||^2 for any k x d matrix W.
- ``per_class_loss_full(W, dm)``: L_c(W) = 1/2 (||e_c - W mu_c||^2 + sigma^2 ||W||_F^2), any W.
- ``per_class_loss(alpha, mu, sigma)``: the diagonal formula 1/2[(1 - mu a_c)^2 + sigma^2 sum_j a_j^2]
  (vectorised over leading axes; trailing axis = classes). Both agree for diagonal W_bar, W V_perp = 0.
- ``per_class_accuracy(alpha, mu, sigma)``: P(argmax_j (Wx)_j = c | y = c) for a diagonal W_bar with
  alpha >= 0, where (Wx)_c = a_c (mu + sigma z_c), (Wx)_j = a_j sigma z_j; computed by a 1-D quadrature
  over z_c of prod_{j != c} Phi(a_c (mu + sigma z_c) / (a_j sigma)) (deterministic, no Monte Carlo).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.special import log_ndtr

from muonrepro.imbalanced.theory.data_model import DataModel


def population_loss(W: torch.Tensor, dm: DataModel) -> float:
    s_yx, s_xx = dm.moments()
    return float(0.5 * (torch.trace(W @ s_xx @ W.T) - 2 * torch.trace(W @ s_yx.T) + 1.0))


def gradient(W: torch.Tensor, s_yx: torch.Tensor, s_xx: torch.Tensor) -> torch.Tensor:
    """Gradient of the population square loss: W Sigma_xx - Sigma_yx (§1.3)."""
    return W @ s_xx - s_yx


def per_class_loss_full(W: torch.Tensor, dm: DataModel) -> np.ndarray:
    M = dm.means()
    E = torch.eye(dm.k, dtype=W.dtype) - (W @ M.T).T  # row c: e_c - W mu_c
    return (0.5 * ((E**2).sum(1) + dm.sigma_x**2 * (W**2).sum())).numpy()


def per_class_loss(alpha, mu: float, sigma: float, mask=None) -> np.ndarray:
    """Diagonal per-class loss. ``mask`` (bool, same trailing shape) marks real classes when padded."""
    a = np.asarray(alpha, dtype=np.float64)
    a2 = a**2 if mask is None else np.where(mask, a**2, 0.0)
    return 0.5 * ((1 - mu * a) ** 2 + sigma**2 * a2.sum(-1, keepdims=True))


_Z = np.linspace(-9.0, 9.0, 2401)
_WZ = np.exp(-0.5 * _Z**2) / np.sqrt(2 * np.pi) * (_Z[1] - _Z[0])


def per_class_accuracy(alpha, mu: float, sigma: float) -> np.ndarray:
    """Per-class accuracy of argmax_j (W x)_j for diagonal W_bar = diag(alpha), alpha >= 0, not all 0.

    A competitor with alpha_j = 0 scores exactly 0 and is beaten when the class score is > 0. A class
    with alpha_c = 0 scores 0: it wins when every positive-alpha score is < 0 (probability 2^-#positive)
    and it has the lowest index among the zero-alpha classes (argmax takes the first of tied maxima).
    All alpha = 0 is undefined (NaN).
    """
    a = np.asarray(alpha, dtype=np.float64)
    if np.any(a < 0):
        raise ValueError("per_class_accuracy needs alpha >= 0 (the GD/SpecGD paths from zero init)")
    if not np.any(a > 0):
        return np.full(len(a), np.nan)
    k = len(a)
    out = np.zeros(k)
    pos = a > 0
    zero = np.flatnonzero(~pos)
    if len(zero):
        out[zero[0]] = 0.5 ** pos.sum()
    for c in np.flatnonzero(pos):
        score = a[c] * (mu + sigma * _Z)  # class-c score as a function of z_c
        others = np.flatnonzero(pos & (np.arange(k) != c))
        logp = log_ndtr(score[None, :] / (a[others, None] * sigma)).sum(0)
        if np.any(~pos):  # competitors with score exactly 0
            logp = np.where(score > 0, logp, -np.inf)
        out[c] = float(np.sum(_WZ * np.exp(logp)))
    return out


def monte_carlo_accuracy(alpha, mu: float, sigma: float, n: int, seed: int) -> np.ndarray:
    """Reference Monte Carlo estimate of ``per_class_accuracy`` (used by the tests)."""
    a = np.asarray(alpha, dtype=np.float64)
    k = len(a)
    rng = np.random.default_rng(seed)
    out = np.zeros(k)
    for c in range(k):
        z = rng.standard_normal((n, k))
        scores = a * sigma * z
        scores[:, c] += a[c] * mu
        out[c] = np.mean(scores.argmax(1) == c)
    return out
