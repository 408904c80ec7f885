"""The imbalanced paper's claim table against the code, the config, the notebooks, the rules and the published
ledgers."""

import csv
import importlib
import re
from pathlib import Path

import pytest
import yaml

from muonrepro.imbalanced.claim_table import TABLE
from muonrepro.ledger.rows import FIGURE_SEP

ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())
NOTEBOOKS = {
    False: (ROOT / "workflow/notebooks/imbalanced_figures.py").read_text(),
    True: (ROOT / "workflow/notebooks/imbalanced_gpu_figures.py").read_text(),
}
PUBLISHED = sorted(ROOT.glob("published/*/claims.csv"))


def _resolve(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("entry", TABLE.entries, ids=lambda e: e.claim_id)
def test_computed_by_resolves_to_a_callable(entry):
    assert callable(_resolve(entry.computed_by))


def _config_key(path: str):
    """The value at a dotted key path of config.yaml; ids such as C13-cifar100 hold no dots."""
    block, _, claim_id = path.partition(".claims.rules.")
    return CONFIG[block]["claims"]["rules"][claim_id]


def test_verdict_rules_are_the_config_rules_each_named_once():
    named = [e.verdict_rule for e in TABLE.entries if e.verdict_rule]
    for key in named:
        assert _config_key(key) in ("interval", "every_seed"), key
    in_config = [
        f"{block}.claims.rules.{k}"
        for block in ("imbalanced", "imbalanced_gpu")
        for k in CONFIG[block]["claims"]["rules"]
    ]
    assert sorted(named) == sorted(in_config)


PART = {False: "muonrepro.imbalanced.claims", True: "muonrepro.imbalanced.gpu"}  # as in the two rule files


@pytest.mark.parametrize("gpu", [False, True])
def test_every_figure_is_saved_by_its_notebook(gpu):
    """``nb.save(fig, "<name>", ...)`` in the CPU notebook; ``curves("<name>", ...)`` (which saves it) in the GPU one."""
    for name in TABLE.figures(computed_in=PART[gpu]):
        assert re.search(rf'(nb\.save\(\s*fig,|curves\()\s*"{name}"', NOTEBOOKS[gpu]), name


def test_the_two_figure_lists_split_the_tables_figures():
    cpu, gpu = TABLE.figures(computed_in=PART[False]), TABLE.figures(computed_in=PART[True])
    assert not set(cpu) & set(gpu)
    assert sorted(cpu + gpu) == sorted(TABLE.figures())
    assert gpu == ["e2_cifar_step", "e3_dominoes", "e4_multinli", "e5_celeba", "e6_tinystories"]


@pytest.mark.parametrize("ledger", PUBLISHED, ids=lambda p: p.parent.name)
def test_published_ledger_ids_are_the_table_ids_in_order(ledger):
    """Every scale produces every row (a row without its data is ``not_run``), so the ids are the same list."""
    with ledger.open(newline="") as f:
        ids = [r["claim_id"] for r in csv.DictReader(f) if r["paper"] == "imbalanced"]
    assert ids == TABLE.ids


@pytest.mark.parametrize("ledger", PUBLISHED, ids=lambda p: p.parent.name)
def test_published_statements_kinds_and_figures_are_the_tables(ledger):
    with ledger.open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["paper"] == "imbalanced"]
    for r in rows:
        e = TABLE[r["claim_id"]]
        assert (r["kind"], r["claim"]) == (e.kind, e.statement)
        assert r["figures"] == FIGURE_SEP.join(f"figures/imbalanced/{name}.png" for name in e.figures), r["claim_id"]


def test_every_rule_is_defined_in_the_rule_files():
    defined = set()
    for smk in (ROOT / "workflow/rules").glob("*.smk"):
        defined |= set(re.findall(r"^(?:rule|checkpoint) (\w+):", smk.read_text(), re.M))
    assert {e.rule for e in TABLE.entries} <= defined
