"""Checks A1-A15 of spec §7 (and two extension rows E1, E2), each turned into a ledger row.

Every check measures a number from the pipeline's tables, compares it with the criterion of
spec §7 (thresholds in ``config precond.claims``) and returns a ``Claim`` whose verdict is
``supported`` / ``not_supported`` (or ``not_run`` with the reason when the inputs needed are
absent, e.g. a kappa that the scale preset does not include). Criteria are applied to *every*
seed: the reported value is the worst case over seeds. Each check's row spec names its kind and
the figures that show it.

- ``convergence``: A1-A3 (linear, kappa-free convergence) and the extensions E1, E2;
- ``baselines``: A4-A7 (GD's growth with kappa; Muon against GD and Adam);
- ``theory_rows``: A8, A8-R3, A9-A12, A14 (decoupling, Lemma L1, iteration bound, closed-form loss);
- ``ablations``: A13, A15 (constant step, NS5);
- ``lookup``: the row spec helper and the table lookups they share.
"""

from __future__ import annotations

from muonrepro.ledger import Claim
from muonrepro.precond.checks.ablations import a13, a15
from muonrepro.precond.checks.baselines import a4, a5, a6, a7
from muonrepro.precond.checks.convergence import a1, a2, a3, e1, e2
from muonrepro.precond.checks.theory_rows import a8, a8_r3, a9, a10, a11, a12, a14

__all__ = [
    "evaluate",
    *("a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a8_r3", "a9", "a10"),
    *("a11", "a12", "a13", "a14", "a15", "e1", "e2"),
]


def evaluate(tab: dict, P: dict, PS: dict, scale: str) -> list[Claim]:
    """All ledger rows, A1-A15 then the extensions."""
    return [
        a1(tab, P, scale),
        a2(tab, P, scale),
        a3(tab, P, scale),
        a4(tab, P, scale),
        a5(tab, P, scale),
        a6(tab, P, scale),
        a7(tab, P, scale),
        a8(tab, P, PS, scale),
        a8_r3(tab, P, PS, scale),
        a9(tab, P, PS, scale),
        a10(tab, P, scale),
        a11(tab, P, scale),
        a12(tab, P, scale),
        a13(tab, P, scale),
        a14(tab, P, scale),
        a15(tab, P, PS, scale),
        e1(tab, P, scale),
        e2(tab, P, scale),
    ]
