"""The precond claim table against what it names: the functions that compute the rows, the verdict rules in
config.yaml, the figures the notebook saves, the rules of the workflow and the rows of the published ledgers."""

import importlib
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from muonrepro.ledger.sanity_lr import EDGE_CLAIM_ID, edge_claim
from muonrepro.precond.claim_table import TABLE

ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())
NOTEBOOKS = sorted((ROOT / "workflow" / "notebooks").glob("precond*.py"))
PUBLISHED = sorted((ROOT / "published").glob("*/claims.csv"))
SAVE = re.compile(r"\bnb\.save\(\s*\w+,\s*\"(?P<name>[^\"]+)\"")  # nb.save(fig, "R1_mf_convergence", ...)
RULE = re.compile(r"^(?:rule|checkpoint)\s+(?P<name>\w+)\s*:", re.M)


def resolve(dotted: str):
    module, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("entry", TABLE.entries, ids=lambda e: e.claim_id)
def test_computed_by_is_a_function(entry):
    assert callable(resolve(entry.computed_by))


def config_key(path: str):
    node = CONFIG
    for part in path.split("."):
        node = node[part]
    return node


def test_verdict_rules_are_the_config_rules():
    named = [e.verdict_rule for e in TABLE.entries if e.verdict_rule]
    for key in named:
        assert config_key(key) in ("interval", "every_seed"), key
    rules = [f"precond.claims.rules.{k}" for k in CONFIG["precond"]["claims"]["rules"]]
    assert sorted(named) == sorted(rules)  # each config rule named by exactly one entry, and no other


def test_every_figure_is_saved_by_the_notebook():
    saved = {m["name"] for nb in NOTEBOOKS for m in SAVE.finditer(nb.read_text())}
    assert NOTEBOOKS and set(TABLE.figures()) <= saved, set(TABLE.figures()) - saved
    assert saved <= set(TABLE.figures()), f"figures drawn that the table does not name: {saved - set(TABLE.figures())}"


@pytest.mark.parametrize("path", PUBLISHED, ids=lambda p: p.parent.name)
def test_published_rows_are_the_table_in_order(path):
    """Every scale produces every row (a row without its inputs is ``not_run``, not absent)."""
    df = pd.read_csv(path, keep_default_na=False)
    rows = df[df.paper == "precond"]
    assert list(rows.claim_id) == TABLE.ids
    for r in rows.itertuples():
        e = TABLE[r.claim_id]
        assert r.kind == e.kind
        figures = "; ".join(f"figures/precond/{f}.png" for f in e.figures)
        assert r.figures == figures, r.claim_id
        assert re.fullmatch(re.escape(e.statement).replace(r"\{slack\}", r"\S+"), r.claim), r.claim_id


def test_rules_are_workflow_rules():
    rules = {m["name"] for p in (ROOT / "workflow" / "rules").glob("*.smk") for m in RULE.finditer(p.read_text())}
    assert {e.rule for e in TABLE.entries} <= rules


def test_the_sanity_row_is_the_shared_edge_claim():
    """``sanity-lr`` is written by ``sanity_lr.edge_claim`` (shared by the papers) from the table's entry."""
    row = edge_claim(TABLE, "small", {}, 0, "")
    e = TABLE[EDGE_CLAIM_ID]
    assert (row.claim_id, row.kind, row.claim, e.figures) == (e.claim_id, e.kind, e.statement, ())


def test_e3_quotes_the_configured_slack():
    slack = CONFIG["precond"]["l1_budget"]["slack_unaligned"]
    claim = TABLE.spec("E3", "m", "c", "small", slack=f"{slack:g}").claim
    assert f"slack {slack:g})" in claim and "{" not in claim
