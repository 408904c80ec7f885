"""Each paper's claim table against what it names: the functions that compute its rows, the verdict rules in
config.yaml, the figures its notebooks save, the workflow's rules and the rows of every published ledger.
Paper-specific checks stay beside the paper (tests/imbalanced/test_claim_table.py, tests/precond/...)."""

import csv
import importlib
import re
from pathlib import Path

import pytest
import yaml

from muonrepro.energy.claim_table import TABLE as ENERGY
from muonrepro.imbalanced.claim_table import TABLE as IMBALANCED
from muonrepro.ledger.rows import FIGURE_SEP
from muonrepro.ledger.sanity_lr import EDGE_CLAIM_ID, edge_claim
from muonrepro.precond.claim_table import TABLE as PRECOND

ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())
TABLES = [ENERGY, IMBALANCED, PRECOND]
CONFIG_BLOCKS = {"energy": ("energy",), "imbalanced": ("imbalanced", "imbalanced_gpu"), "precond": ("precond",)}
PUBLISHED = sorted(ROOT.glob("published/*/claims.csv"))
# a figure is saved by ``nb.save(fig, "<name>", ...)``, ``nb.save(<drawing>, "<name>")`` on one line, or the GPU
# notebook's ``curves("<name>", ...)``
SAVE = re.compile(r'nb\.save\(\s*[\w.]+,\s*"(\w+)"|nb\.save\(.*"(\w+)"\)\s*$|\bcurves\(\s*"(\w+)"', re.M)
RULE = re.compile(r"^(?:rule|checkpoint)\s+(\w+)\s*:", re.M)
by_paper = pytest.mark.parametrize("table", TABLES, ids=lambda t: t.paper)


def resolve(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def verdict_rule(key: str):
    """The value at ``<block>.claims.rules.<id>`` of config.yaml (ids such as C13-cifar100 hold no dots)."""
    block, _, claim_id = key.partition(".claims.rules.")
    return CONFIG[block]["claims"]["rules"][claim_id]


def statement_pattern(statement: str) -> re.Pattern:
    """The statement as a ledger writes it: a ``{name}`` field is either replaced by the run (``ClaimTable.spec``'s
    keyword) or text (``{E_ij}``)."""
    parts = re.split(r"\{(\w+)\}", statement)
    return re.compile("".join(re.escape(p) if i % 2 == 0 else rf"(?:\{{{p}\}}|\S+)" for i, p in enumerate(parts)), re.S)


@pytest.mark.parametrize("entry", [e for t in TABLES for e in t.entries], ids=lambda e: e.claim_id)
def test_computed_by_is_a_function(entry):
    assert callable(resolve(entry.computed_by))


@by_paper
def test_verdict_rules_are_the_config_rules_each_named_once(table):
    named = [e.verdict_rule for e in table.entries if e.verdict_rule]
    for key in named:
        assert verdict_rule(key) in ("interval", "every_seed"), key
    in_config = [f"{b}.claims.rules.{k}" for b in CONFIG_BLOCKS[table.paper] for k in CONFIG[b]["claims"]["rules"]]
    assert sorted(named) == sorted(in_config)


@by_paper
def test_the_figures_are_those_the_notebooks_save(table):
    notebooks = sorted((ROOT / "workflow" / "notebooks").glob(f"{table.paper}*.py"))
    saved = {name for nb in notebooks for names in SAVE.findall(nb.read_text()) for name in names if name}
    assert saved and set(table.figures()) == saved


@by_paper
def test_rules_are_defined_in_the_rule_files(table):
    rules = {m for p in (ROOT / "workflow" / "rules").glob("*.smk") for m in RULE.findall(p.read_text())}
    assert {e.rule for e in table.entries} <= rules


@by_paper
@pytest.mark.parametrize("ledger", PUBLISHED, ids=lambda p: p.parent.name)
def test_published_ledgers_hold_exactly_the_tables_rows(table, ledger):
    """Every published ledger holds all the table's rows in its order (a row without its inputs is ``not_run``,
    not absent), with its kinds, statements and figures."""
    with ledger.open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["paper"] == table.paper]
    assert [r["claim_id"] for r in rows] == table.ids
    for r in rows:
        e = table[r["claim_id"]]
        assert r["kind"] == e.kind and statement_pattern(e.statement).fullmatch(r["claim"]), r["claim_id"]
        assert r["figures"] == FIGURE_SEP.join(f"figures/{table.paper}/{f}.png" for f in e.figures), r["claim_id"]


@by_paper
def test_the_sanity_row_is_the_shared_edge_claim(table):
    row = edge_claim(table, "small", {}, 2, f"{table.paper}/lr")
    e = table[EDGE_CLAIM_ID]
    assert (row.paper, row.claim_id, row.kind, row.claim, row.figures) == (
        table.paper,
        e.claim_id,
        e.kind,
        e.statement,
        "",
    )


def test_a_run_time_field_matches_any_value_and_a_literal_brace_only_itself():
    """The statement check on hand-made cases: it accepts a filled field and fails a changed word."""
    p = statement_pattern("E_{ij} within slack {slack}) of {E_ij}")
    assert p.fullmatch("E_{ij} within slack 1.5) of {E_ij}")
    assert p.fullmatch("E_{ij} within slack {slack}) of 0.3")
    assert not p.fullmatch("E_{ij} beyond slack 1.5) of {E_ij}")
