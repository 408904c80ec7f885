"""The claim table: one entry per ledger row, specs and figure lists built from it."""

import pytest

from muonrepro.ledger import ClaimSpec
from muonrepro.ledger.claim_table import ClaimTable, Entry


def entry(cid, figures=("fig_a",), computed_by="muonrepro.paper.claims.f", **kw):
    kind, statement = kw.pop("kind", "empirical"), kw.pop("statement", f"{cid} holds")
    return Entry(cid, kind, statement, figures, computed_by, "paper_claims", **kw)


TABLE = ClaimTable(
    "paper",
    (
        entry("A1", ("fig_a", "fig_b")),
        entry("A2", ("fig_b",)),
        entry("G1", ("fig_g",), computed_by="muonrepro.paper.gpu.claims.g"),
    ),
    other_figures=("extra",),
)


def test_spec_takes_kind_statement_and_figures_from_the_table():
    s = TABLE.spec("A1", "the metric", "the criterion", "small")
    assert s == ClaimSpec(
        "paper", "A1", "empirical", "A1 holds", "the metric", "the criterion", "small", ("fig_a", "fig_b")
    )
    assert s.figure_paths == ["figures/paper/fig_a.png", "figures/paper/fig_b.png"]


def test_statement_fields_are_filled_by_the_caller_and_other_braces_are_text():
    t = ClaimTable("paper", (entry("A1", statement="{E_ij} below {tol}"),))
    assert t.spec("A1", "m", "c", "small", tol="1e-10").claim == "{E_ij} below 1e-10"
    assert t.spec("A1", "m", "c", "small").claim == "{E_ij} below {tol}"  # no arguments: the text as written
    with pytest.raises(KeyError, match="A1: the statement has no field {slack}"):
        t.spec("A1", "m", "c", "small", slack=2)


def test_figures_in_table_order_each_once_then_the_others():
    assert TABLE.figures() == ["fig_a", "fig_b", "fig_g", "extra"]
    assert TABLE.figures(computed_in="muonrepro.paper.claims") == ["fig_a", "fig_b"]
    assert TABLE.figures(computed_in="muonrepro.paper.gpu") == ["fig_g"]
    assert TABLE.figures(computed_in="muonrepro.paper.gp") == []  # a package, not a name prefix


def test_unknown_id_names_the_paper_and_its_ids():
    with pytest.raises(KeyError, match="paper: no claim 'A9'.*A1, A2, G1"):
        TABLE.spec("A9", "m", "c", "small")


def test_duplicate_ids_bad_kind_and_string_figures_fail_at_definition():
    with pytest.raises(ValueError, match="duplicate claim ids \\['A1'\\]"):
        ClaimTable("paper", (entry("A1"), entry("A1")))
    with pytest.raises(ValueError, match="kind 'claim'"):
        entry("A1", kind="claim")
    with pytest.raises(TypeError, match="tuple of names"):
        entry("A1", figures="fig_a")
    with pytest.raises(ValueError, match="dotted name"):
        Entry("A1", "empirical", "s", (), "energy.claims.f", "paper_claims")
