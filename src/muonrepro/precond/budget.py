"""Lemma L1's budget condition and the outcome of a run (spec §5.1, §8; issue 25).

Lemma L1 (spec §5.1): with ``eta_t = eta_0 q^t``, ``q in [1/2, 1)`` and ``|e_0| <= eta_0 / (1 - q)``, every mode's
error obeys ``|e_t| <= eta_0 q^t / (1 - q)``. The whole step budget ``sum_t eta_t = eta_0 / (1 - q)`` must cover the
largest initial per-mode distance ``D0 = max_i |e_0,i|``; unaligned or random starts need extra slack (spec §8:
about 2x). Here:

- ``D0`` is measured in the units of L1's scalar recursion (``mode_distance`` of each problem): symmetric MF
  ``max_i |sigma_i(U) - sqrt(lam_i)|`` (sorted singular values), asymmetric MF the same over both factors with
  target ``sqrt(sig_i)``, ICL ``max_i |(Q^T B Q)_ii - 1/gam_i|``; the two-factor ICL model has no L1 statement
  (its modes are coupled through ``u``, spec §5.5): its condition is not applicable (NA) and its distance is U's
  per-mode distance given the current ``u``.
- the condition holds iff ``eta_0 / (1 - q) >= slack * D0`` (config ``precond.l1_budget``: ``slack_aligned`` for
  aligned starts, where L1 is proved, ``slack_unaligned`` for random ones), up to a relative ``L1_RTOL`` so that
  ``eta_0 = slack * D0 * (1 - q)`` (config ``eta0: l1``) meets it despite rounding;
- a run that did not reach its target is ``stalled`` when at its cap ``T`` the remaining budget
  ``sum_{s >= T} eta_s = eta_0 q^T / (1 - q)`` is below its remaining distance (each step moves every singular
  value by at most ``eta_t``, Weyl: the run can never close that distance), else ``budget`` (it ran out of
  iterations while still able to converge). Methods without a finite step budget (GD, Adam) are ``reached`` or
  ``budget``, with the L1 columns NA.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

L1_RTOL = 1e-12  # relative rounding allowance of the condition (eta_0 / (1 - q) vs slack * D0)
OUTCOMES = ("reached", "stalled", "budget")
L1_COLUMNS = ("l1_distance", "l1_budget", "l1_slack", "l1_condition", "remaining_budget", "remaining_distance")


def slack(P: dict, aligned: bool) -> float:
    """The slack of ``config precond.l1_budget`` for an aligned or an unaligned (random) start."""
    B = P["l1_budget"]
    return float(B["slack_aligned"] if aligned else B["slack_unaligned"])


def eta0_of(muon: dict, unit, D0, q: float, slack_: float) -> np.ndarray:
    """Each run's eta_0 from ``config ...muon.eta0``: a number (in units of ``unit``, per run) or ``"l1"``:
    ``slack * D0 * (1 - q)``, the smallest eta_0 that meets L1's condition with the slack."""
    D0 = np.asarray(D0, dtype=np.float64)
    if muon["eta0"] == "l1":
        return slack_ * D0 * (1.0 - q)
    return float(muon["eta0"]) * np.broadcast_to(np.asarray(unit, dtype=np.float64), D0.shape).copy()


def remaining_budget(eta0, q: float, t) -> np.ndarray:
    """``sum_{s >= t} eta_0 q^s = eta_0 q^t / (1 - q)``."""
    return np.asarray(eta0, dtype=np.float64) * q ** np.asarray(t, dtype=np.float64) / (1.0 - q)


def l1_condition(D0, eta0, q: float, slack_: float) -> np.ndarray:
    """Whether ``eta_0 / (1 - q) >= slack * D0`` (relative rounding ``L1_RTOL``)."""
    return remaining_budget(eta0, q, 0) >= slack_ * np.asarray(D0, dtype=np.float64) * (1.0 - L1_RTOL)


def outcome(reached: bool, rem_budget=math.nan, rem_distance=math.nan) -> str:
    """``reached``; else ``stalled`` if the remaining budget is below the remaining distance, else ``budget``
    (also for a run with no step budget: NaN)."""
    if reached:
        return "reached"
    return "stalled" if float(rem_budget) < float(rem_distance) else "budget"


def s1_columns(eta0, q: float, D0, slack_, T: int, D_T, applicable: bool = True) -> list[dict]:
    """The L1 columns of each Muon-S1 run (one dict per run): its initial distance, budget, slack and
    condition, and at the cap ``T`` the remaining budget and distance. ``applicable=False`` (no L1
    statement for the problem): the initial columns and the condition are NA."""
    eta0, D0, D_T = (np.asarray(x, dtype=np.float64) for x in (eta0, D0, D_T))
    cond = l1_condition(D0, eta0, q, slack_) if applicable else None
    rem = remaining_budget(eta0, q, T)
    return [
        dict(
            l1_distance=float(D0[i]) if applicable else math.nan,
            l1_budget=float(remaining_budget(eta0[i], q, 0)),
            l1_slack=float(slack_) if applicable else math.nan,
            l1_condition=bool(cond[i]) if applicable else pd.NA,
            remaining_budget=float(rem[i]),
            remaining_distance=float(D_T[i]),
        )
        for i in range(len(eta0))
    ]


def na_columns() -> dict:
    """The L1 columns of a run with no finite step budget (GD, Adam): all NA."""
    return dict(
        l1_distance=math.nan,
        l1_budget=math.nan,
        l1_slack=math.nan,
        l1_condition=pd.NA,
        remaining_budget=math.nan,
        remaining_distance=math.nan,
    )


def condition_values(col) -> pd.Series:
    """The ``l1_condition`` column as a nullable boolean (a CSV gives True / False / empty)."""
    s = pd.Series(col)
    m = {"True": True, "False": False, "true": True, "false": False, True: True, False: False}
    return s.map(lambda v: m.get(v, pd.NA) if not (isinstance(v, float) and math.isnan(v)) else pd.NA).astype("boolean")
