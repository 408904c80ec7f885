"""When the weights are logged, and how the logged values become a sum over training steps.

The energy of a run is a sum over its training steps, sum_{t<T} e(t); e(t) is measured only at the
logged steps. Logs are log-spaced (dense early in training, where e(t) changes fastest) and always
include step 0 and the last step T, and the sum is read as the integral of e over [0, T] by the
trapezoid rule on the logged steps: with logs t_0 = 0 < t_1 < ... < t_K = T,

    sum_t e(t) ~= sum_k w_k e(t_k),   w_0 = (t_1 - t_0)/2,  w_k = (t_{k+1} - t_{k-1})/2,  w_K = (t_K - t_{K-1})/2,

so the weights sum to T and step 0 (the same initialisation for every optimizer) stands for half a
step when step 1 is logged. The rule is exact for e linear in t between logs.
"""

from __future__ import annotations

import numpy as np


def log_spaced_steps(total_steps: int, n_snapshots: int) -> list[int]:
    """``n_snapshots`` distinct integer steps in [0, total_steps]: step 0, then log-spaced steps from 1 to
    ``total_steps`` (both included). Every step when ``n_snapshots > total_steps``."""
    if n_snapshots < 2:
        raise ValueError(f"n_snapshots must be >= 2 (step 0 and the last step), got {n_snapshots}")
    if total_steps < 1:
        return [0]
    if n_snapshots > total_steps:
        return list(range(total_steps + 1))
    want = n_snapshots - 1  # steps in [1, total_steps]
    k = want
    while True:  # rounding merges early steps: ask for more points until `want` distinct ones remain
        steps = np.unique(np.rint(np.geomspace(1, total_steps, k)).astype(int))
        if len(steps) >= want:
            break
        k += 1
    if len(steps) > want:  # keep the last one (total_steps); drop the largest surplus from the middle
        keep = np.rint(np.linspace(0, len(steps) - 1, want)).astype(int)
        steps = steps[keep]
    return [0, *steps.tolist()]


def trapezoid_weights(steps) -> np.ndarray:
    """Trapezoid weights of the logged ``steps`` (strictly increasing): they sum to ``steps[-1] - steps[0]``.
    A single log gets weight 1 (a run with one usable snapshot stands for one step)."""
    s = np.asarray(steps, dtype=float)
    if s.ndim != 1 or len(s) == 0:
        raise ValueError("trapezoid_weights: need at least one logged step")
    if len(s) == 1:
        return np.ones(1)
    if (np.diff(s) <= 0).any():
        raise ValueError(f"trapezoid_weights: logged steps must increase strictly, got {s.tolist()}")
    gaps = np.diff(s)
    w = np.zeros_like(s)
    w[:-1] += gaps / 2
    w[1:] += gaps / 2
    return w


def time_average(values, steps) -> float:
    """The trapezoid time average of ``values`` logged at ``steps`` (a single log: its value)."""
    v = np.asarray(values, dtype=float)
    w = trapezoid_weights(steps)
    return float(v @ w / w.sum())
