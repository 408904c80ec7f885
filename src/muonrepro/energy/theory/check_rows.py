"""How the energy theory checks become rows of a :class:`~muonrepro.ledger.CheckTable` (spec
``energy.md`` §5), and the settings several checks share.

- *equality* rows (relation ``abs``) pass when ``|value - reference| <= tolerance * max(1, |reference|)``
  (the table's tolerances are relative). Where a check compares whole arrays, ``value`` is already
  a relative error (:func:`rel_err`) and ``reference`` is 0.
- *inequality* rows are the checks named in :data:`INEQUALITY_CHECKS` with their sense; they pass
  when ``value <sense> reference`` holds. Their ``tolerance`` is 0 except for the two GD
  factor-of-two bounds, which are attained with equality and get a 1e-12 relative slack (a slack
  only relaxes the non-strict senses).
- :data:`COUNTEREXAMPLE_CHECK` is an observation, not an assertion (see ``checks_controllers``).
"""

from __future__ import annotations

import numpy as np

from muonrepro.energy.theory import quadratic as qd
from muonrepro.ledger import CheckTable

COUNTEREXAMPLE_CHECK = "gini_counterexample_uniform_gt_gd"

# name -> sense; passed iff ``value <sense> reference``
INEQUALITY_CHECKS: dict[str, str] = {
    "gd_negative_rho_present": "<",
    "gd_mode_energy_ratio_max_le_2": "<=",
    "gd_mode_energy_ratio_min_ge_1": ">=",
    "jensen_f_second_derivative_positive": ">",
    "jensen_inequality_random_rates": ">",
    "jensen_constrained_minimum_perturbation": ">",
    "jensen_gd_vs_uniform": ">=",
    "jensen_gd_vs_uniform_negative_rho": ">=",
    "polar_ns5_singular_values_in_band": "<=",
    "gini_upper_bound": "<=",
    "output_metric_mean_delta_sq_differs_from_twice_loss": ">",
}

RELATION_OF_SENSE = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


def new_table() -> CheckTable:
    """The energy paper's table: tolerances relative to ``max(1, |reference|)``."""
    return CheckTable(relative=True)


def add_inequality(ct: CheckTable, check: str, value: float, reference: float, tolerance: float = 0.0) -> None:
    """An inequality row, its sense taken from :data:`INEQUALITY_CHECKS`."""
    ct.add(check, RELATION_OF_SENSE[INEQUALITY_CHECKS[check]], value, reference, tolerance)


def rel_err(x: np.ndarray, ref: np.ndarray) -> float:
    """max |x - ref| / max(max |ref|, tiny): a scale-free array discrepancy."""
    x = np.asarray(x, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    scale = max(float(np.max(np.abs(ref))), np.finfo(np.float64).tiny)
    return float(np.max(np.abs(x - ref)) / scale)


def gd_etas(P: qd.KroneckerQuadratic) -> tuple[float, float]:
    """GD's two step sizes: 1 / max h, and 1.6 / max h (eta h > 1 on the top modes: rho < 0)."""
    hmax = float(P.h.max())
    return 1.0 / hmax, 1.6 / hmax
