"""Gini coefficient of a nonnegative sample (spec ``energy.md`` §4.3).

For values x_1..x_N >= 0 with mean xbar, sorted ascending as x_(1) <= ... <= x_(N),

    G = sum_i (2 i - N - 1) x_(i) / (N^2 xbar)          (i = 1..N)

which equals the mean-absolute-difference form sum_i sum_j |x_i - x_j| / (2 N^2 xbar) and lies in
[0, (N-1)/N]. The ``corrected`` (unbiased) variant multiplies by N/(N-1), so its range is [0, 1].

Which variant the paper used is UNKNOWN (spec §2); the default is the uncorrected one, which
reproduces the spec's published test vectors.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["gini", "gini_of_sorted", "gini_pairwise"]


def _validated(x: ArrayLike) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64).ravel()
    if arr.size == 0:
        raise ValueError("gini: empty input")
    if np.isnan(arr).any():
        raise ValueError("gini: input contains NaN")
    if np.isinf(arr).any():
        raise ValueError("gini: input contains inf")
    if (arr < 0).any():
        raise ValueError("gini: input must be nonnegative")
    return arr


def gini(x: ArrayLike, corrected: bool = False) -> float:
    """Gini coefficient of nonnegative values (spec §4.3, sorted-ascending formula).

    Any array-like is accepted and flattened. Raises ``ValueError`` for empty input, NaN, inf or
    negative entries; returns 0.0 for an all-zero input (and for a single value). With
    ``corrected=True`` the result is multiplied by N/(N-1).
    """
    arr = _validated(x)
    return gini_of_sorted(np.sort(arr), float(arr.sum()), corrected)


def gini_of_sorted(xs: np.ndarray, total: float, corrected: bool = False) -> float:
    """``gini`` of finite nonnegative values already sorted ascending (``xs``) whose sum is ``total`` (summed
    in the values' own order, as ``gini`` does): for callers that sort once and take the Gini of many subsets."""
    n = xs.size
    if total == 0.0 or n == 1:
        return 0.0
    coeff = 2.0 * np.arange(1, n + 1, dtype=np.float64) - n - 1.0
    g = float(np.dot(coeff, xs)) / (n * total)
    g = max(g, 0.0)  # the formula is >= 0 exactly; only rounding can push it below
    if corrected:
        g *= n / (n - 1.0)
    return g


def gini_pairwise(x: ArrayLike, corrected: bool = False) -> float:
    """Reference O(N^2) form sum_ij |x_i - x_j| / (2 N^2 xbar) (spec §4.3); for cross-checks."""
    arr = _validated(x)
    n = arr.size
    total = float(arr.sum())
    if total == 0.0 or n == 1:
        return 0.0
    g = float(np.abs(arr[:, None] - arr[None, :]).sum()) / (2.0 * n * total)
    if corrected:
        g *= n / (n - 1.0)
    return g
