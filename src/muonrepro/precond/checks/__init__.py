"""Checks A1-A15 of spec §7 (and two extension rows E1, E2), each turned into a ledger row.

Every check measures numbers from the pipeline's tables and compares them with the criterion of
spec §7 (thresholds in ``config precond.claims``), returning a ``Claim`` (``not_run`` with the reason
when the inputs needed are absent, e.g. a kappa that the scale preset does not include):

- empirical rows (A1-A7, A13, A15) and the extensions (E1, E2): the criterion applied to each seed's
  runs gives one signed *effect* per seed (> 0: it holds in that seed); ``stats.verdict`` judges the
  effects under the row's rule (``config precond.claims.rules.<row>``, ``every_seed``) and ``config
  stats``; the value is the mean effect, the evidence lists the per-seed numbers, and a row that is not
  supported names the failing and unusable seeds in its ``reason``. Count effects use only runs that
  reached their target inside Lemma L1's budget condition (``lookup.usable``, ``muonrepro.precond.budget``);
- theorem rows (A8, A8-R3, A9-A12, A14): one float64 pass/fail over every kappa and seed, with
  tolerances derived from float64 round-off and the step sizes where float64 limits the comparison;
- extension E3: the runs with the spec's tight budget (outside L1's condition), their stall rate.

Each check's row spec (kind, statement, figures) comes from the paper's claim table
(``muonrepro.precond.claim_table.TABLE.spec``).

- ``convergence``: A1-A3 (linear, kappa-free convergence) and the extensions E1-E3;
- ``baselines``: A4-A7 (GD's growth with kappa; Muon against GD and Adam);
- ``theory_rows``: A8, A8-R3, A9-A12, A14 (decoupling, Lemma L1, iteration bound, closed-form loss);
- ``ablations``: A13, A15 (constant step, NS5);
- ``lookup``: the verdict helpers and the table lookups they share.
"""

from __future__ import annotations

from muonrepro.ledger import Claim
from muonrepro.precond.checks.ablations import a13, a15
from muonrepro.precond.checks.baselines import a4, a5, a6, a7
from muonrepro.precond.checks.convergence import a1, a2, a3, e1, e2, e3
from muonrepro.precond.checks.lookup import Setup
from muonrepro.precond.checks.theory_rows import a8, a8_r3, a9, a10, a11, a12, a14

__all__ = [
    "evaluate",
    "Setup",
    *("a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a8_r3", "a9", "a10"),
    *("a11", "a12", "a13", "a14", "a15", "e1", "e2", "e3"),
]


CHECKS = (a1, a2, a3, a4, a5, a6, a7, a8, a8_r3, a9, a10, a11, a12, a13, a14, a15, e1, e2, e3)


def evaluate(tab: dict, setup: Setup) -> list[Claim]:
    """All ledger rows, A1-A15 then the extensions."""
    return [check(tab, setup) for check in CHECKS]
