"""The energy claim table against what it names: the functions exist, the verdict-rule keys are config's, the
figures are drawn by the paper's notebooks, the published ledgers hold exactly its rows (ids, kinds, statements and
figures), and the rules are the rule files'."""

import importlib
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from muonrepro.energy.claim_table import TABLE
from muonrepro.ledger.rows import FIGURE_SEP
from muonrepro.ledger.sanity_lr import edge_claim

ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())
NOTEBOOKS = sorted((ROOT / "workflow" / "notebooks").glob("energy*_figures.py"))
LEDGERS = sorted((ROOT / "published").glob("*/claims.csv"))
RULE = re.compile(r"^(?:rule|checkpoint)\s+(\w+)\s*:", re.M)


def resolve(dotted: str):
    module, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def config_key(path: str):
    node = CONFIG
    for k in path.split("."):
        node = node[k]
    return node


@pytest.mark.parametrize("entry", TABLE.entries, ids=lambda e: e.claim_id)
def test_computed_by_is_a_function(entry):
    assert callable(resolve(entry.computed_by))


def test_verdict_rules_are_config_keys_each_named_once():
    named = [e.verdict_rule for e in TABLE.entries if e.verdict_rule]
    for key in named:
        assert config_key(key) in ("interval", "every_seed"), key
    config_rules = [f"energy.claims.rules.{k}" for k in CONFIG["energy"]["claims"]["rules"]]
    assert sorted(named) == sorted(config_rules)


def test_the_figures_are_those_the_notebooks_save():
    saved = {m for nb in NOTEBOOKS for m in re.findall(r'nb\.save\(.*"(\w+)"\)\s*$', nb.read_text(), re.M)}
    assert saved and set(TABLE.figures()) == saved


def test_rules_are_defined_in_the_rule_files():
    rules = {m for p in (ROOT / "workflow" / "rules").glob("*.smk") for m in RULE.findall(p.read_text())}
    assert {e.rule for e in TABLE.entries} <= rules


@pytest.mark.parametrize("ledger", LEDGERS, ids=lambda p: p.parent.name)
def test_published_ledgers_hold_exactly_the_tables_rows(ledger):
    """Every published ledger holds all the table's rows, in its order (no row is produced at one scale only), with
    its kinds, statements (none has a run-time field) and figures."""
    rows = pd.read_csv(ledger, dtype=str, keep_default_na=False)
    rows = rows[rows["paper"] == TABLE.paper]
    assert list(rows["claim_id"]) == TABLE.ids
    for r in rows.itertuples():
        e = TABLE[r.claim_id]
        assert (r.kind, r.claim) == (e.kind, e.statement)
        assert r.figures == FIGURE_SEP.join(f"figures/energy/{f}.png" for f in e.figures)


def test_the_shared_lr_row_is_built_from_the_table():
    row = edge_claim(TABLE, "small", {}, 2, "energy/lr")
    e = TABLE["sanity-lr"]
    assert (row.paper, row.claim_id, row.kind, row.claim, row.figures) == (
        "energy",
        e.claim_id,
        e.kind,
        e.statement,
        "",
    )
