"""Sweeps over kappa, seeds and methods for one problem (spec §6.2, figures R1-R6, checks A1-A12).

``run_sweep(problem, P, PS)`` takes the method settings ``P = config["precond"]`` and the size
preset ``PS = config["scales"][scale]["precond"]`` and returns

- ``iterations``: one row per (method, kappa, seed, epsilon): the best setting's first iteration
  with error <= epsilon (``reached=False`` and ``iterations=budget`` when the budget ran out),
  its ``outcome`` (``reached``, ``stalled``: the remaining step budget at the cap is below the
  remaining distance, ``budget``: the cap was hit while still able to converge), Lemma L1's budget
  condition at the start and its ingredients (``l1_condition``, ``l1_distance``, ``l1_budget``,
  ``l1_slack``, ``remaining_budget``, ``remaining_distance``; NA for GD and Adam, and the condition NA for
  the two-factor ICL model: ``muonrepro.precond.budget``), the chosen ``setting`` and the ``source`` of
  the count (``run`` or ``closed_form``);
- ``info``: problem constants per (kappa, seed, epsilon): Muon's eta_0, q, the predicted Muon
  count (§5.2 / §5.4; aligned problems only), GD's condition number K (ICL), the smallest
  eigenvalue and (MF problems) the whole jittered spectrum ``lam_1..lam_r``;
- ``curves``: ``{(method, kappa, seed): DataFrame(iteration, error, ...)}`` of the best setting
  (per-mode columns ``mode_1..``, ``scalar_diff``, ``offdiag``, ``grad_cond`` (ICL) and ``sigma_1..``,
  ``a_1..`` (aligned MF) where the checks need them).

Every (kappa, seed) instance comes from ``muonrepro.precond.instances``: a seed draws the basis, the
start and the jitter of the spectrum's interior values, the same draws at every kappa. GD on MF runs
in the reduced basis of ``SymmetricMF.reduce``; GD on ICL is the exact closed form of §5.4.

Modules: ``common`` (the context, best-of-grid rows, curves, the Adam grid), ``mf`` (symmetric and
asymmetric MF), ``icl`` (reduced and two-factor ICL). ``sweep_job`` is rule precond_sweep's: one problem's sweep
to its files (rule precond_iterations then merges the problems' tables: ``layout.iterations_job``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch

from muonrepro.precond.layout import curves_table
from muonrepro.precond.sweep.common import Ctx
from muonrepro.precond.sweep.icl import icl_sweep, icl_two_factor_sweep
from muonrepro.precond.sweep.mf import asymmetric_sweep, symmetric_sweep
from muonrepro.util.io import atomic_write_csv, atomic_write_parquet

FAMILY = {
    "mf": "sym",
    "mf_tight": "sym",
    "mf_aligned": "sym",
    "mf_asym": "asym",
    "icl": "icl",
    "icl_axis": "icl",
    "icl_2f": "icl_2f",
}
PROBLEMS = tuple(FAMILY)
METHODS = ("muon_s1", "gd", "adam")
_RUNNERS = {"sym": symmetric_sweep, "asym": asymmetric_sweep, "icl": icl_sweep, "icl_2f": icl_two_factor_sweep}


@dataclass
class SweepOutput:
    iterations: pd.DataFrame
    info: pd.DataFrame
    curves: dict


def run_sweep(problem: str, P: dict, PS: dict) -> SweepOutput:
    if problem not in FAMILY:
        raise ValueError(f"precond: unknown problem {problem!r}; known: {PROBLEMS}")
    rows, info, curves = [], [], {}
    for kappa in PS["kappas"]:
        r_, i_, c_ = _RUNNERS[FAMILY[problem]](Ctx(problem, P, PS, kappa))
        rows += r_
        info += i_
        curves.update({(m, kappa, s): df for (m, s), df in c_.items()})
    return SweepOutput(pd.DataFrame(rows), pd.DataFrame(info), curves)


def sweep_job(smk) -> None:
    """Rule precond_sweep: problem ``wildcards.problem``'s sweep over kappa x seeds x methods (spec §6.2) for
    ``params.precond`` at ``params.preset``: its curves (``layout.curves_table``), iterations and info tables."""
    torch.set_num_threads(smk.threads)
    problem = smk.wildcards.problem
    out = run_sweep(problem, smk.params.precond, smk.params.preset)
    atomic_write_parquet(curves_table(problem, out.curves), smk.output.curves)
    atomic_write_csv(out.iterations, smk.output.iterations)
    atomic_write_csv(out.info, smk.output.info)
    print(out.iterations.to_string())
