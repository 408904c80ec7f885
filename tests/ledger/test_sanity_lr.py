"""The shared ``sanity-lr`` row (``ledger.sanity_lr``): judged from the papers' lr choice records."""

import math

from muonrepro.ledger.claim_table import ClaimTable
from muonrepro.ledger.sanity_lr import EDGE_CLAIM_ID, EDGE_STATEMENT, edge_claim, edge_entry
from muonrepro.training.lr_select import select_lr

TABLE = ClaimTable("energy", (edge_entry("energy_claims"),))


def _peaked(best):
    """A validation accuracy that peaks at ``best`` (log-distance)."""
    return lambda lr: 1.0 - abs(math.log10(lr / best))


def test_the_entry_is_the_same_for_every_paper():
    e = TABLE[EDGE_CLAIM_ID]
    assert (e.kind, e.statement, e.figures, e.computed_by) == (
        "sanity",
        EDGE_STATEMENT,
        (),
        "muonrepro.ledger.sanity_lr.edge_claim",
    )
    assert edge_entry("precond_claims", "muonrepro.precond.claims.lr_edge_claim").computed_by.endswith("lr_edge_claim")


def test_edge_claim_reports_edges_and_extensions_and_can_fail():
    inner = select_lr([0.01, 0.03, 0.1], 0.03, _peaked(0.03), max_extensions=2)
    moved = select_lr([0.01, 0.03, 0.1], 0.03, _peaked(0.5), max_extensions=2)
    stuck = select_lr([0.01, 0.03, 0.1], 0.03, _peaked(1e-6), max_extensions=2)
    ok = edge_claim(TABLE, "small", {"a": inner, "b": moved}, 2, "energy/lr/*.json")
    assert ok.verdict == "supported" and ok.value == 0 and "grids extended: b to [0.01, 0.03, 0.1, 0.333" in ok.evidence
    assert (ok.paper, ok.claim) == ("energy", EDGE_STATEMENT)
    bad = edge_claim(TABLE, "small", {"a": inner, "c": stuck}, 2, "energy/lr/*.json")
    assert bad.verdict == "not_supported" and bad.value == 1 and "(c)" in bad.reason
    assert "still at an edge: c" in bad.evidence
    none = edge_claim(TABLE, "small", {"a": select_lr([], 0.1, None)}, 2, "energy/lr/*.json")
    assert none.verdict == "not_run" and "no learning rate is tuned" in none.reason
