"""The batched iteration loop shared by every experiment (spec §6: iterations-to-epsilon, curves).

``run`` applies an update rule to a batch of runs for at most ``budget`` iterations, records the
error after every iteration, the first iteration at which each run's error is ``<= epsilon`` for
each target, and optional extra per-iteration quantities. With ``stop=True`` the loop ends once
every *group* of runs (e.g. all grid points of one (kappa, seed)) has one run that reached the
smallest target: later iterations cannot change a best-of-group count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass
class RunResult:
    errors: np.ndarray  # (B, T + 1): error before the first step and after each of T steps
    first: np.ndarray  # (B, n_eps): first iteration with error <= eps, -1 if never within budget
    budget: int
    params: tuple
    record_t: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    records: dict = field(default_factory=dict)  # name -> (B, n_record, ...)

    @property
    def iterations_run(self) -> int:
        return self.errors.shape[1] - 1


def dense_then_strided(dense_until: int, stride: int) -> Callable[[int], bool]:
    """Record every iteration below ``dense_until``, then every ``stride``-th one."""
    return lambda t: t < dense_until or t % stride == 0


def run(
    problem,
    opt,
    params: tuple,
    budget: int,
    epsilons=(),
    *,
    stop: bool = False,
    groups: np.ndarray | None = None,
    record: Callable | None = None,
    record_when: Callable[[int], bool] | None = None,
) -> RunResult:
    eps = np.asarray(list(epsilons), dtype=np.float64).reshape(-1)
    j_min = int(np.argmin(eps)) if len(eps) else -1
    err = problem.error(params)
    B = err.shape[0]
    errors = np.full((B, budget + 1), np.nan)
    errors[:, 0] = err
    first = np.where(err[:, None] <= eps[None, :], 0, -1)
    groups = np.arange(B) if groups is None else np.asarray(groups)
    n_groups = groups.max() + 1
    rec_t, recs = [], {}
    want = record_when or (lambda t: True)

    def _record(t, p):
        if record is not None and want(t):
            rec_t.append(t)
            for k, v in record(p).items():
                recs.setdefault(k, []).append(v)

    _record(0, params)
    t = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, budget + 1):
            params = opt.step(t - 1, params, problem.grads(params))
            err = problem.error(params)
            errors[:, t] = err
            new = (first < 0) & (err[:, None] <= eps[None, :])
            first[new] = t
            _record(t, params)
            if stop and len(eps):
                done = np.bincount(groups, weights=first[:, j_min] >= 0, minlength=n_groups) > 0
                if done.all():
                    break
    return RunResult(
        errors[:, : t + 1],
        first,
        budget,
        params,
        np.asarray(rec_t, dtype=int),
        {k: np.stack(v, axis=1) for k, v in recs.items()},
    )
