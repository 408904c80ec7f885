"""The precond claim table, where it differs from the others (tests/ledger/test_paper_claim_tables.py checks every
table against the code, the config, the notebooks, the rules and the published ledgers): E3 quotes a config value."""

from pathlib import Path

import yaml

from muonrepro.precond.claim_table import TABLE

CONFIG = yaml.safe_load((Path(__file__).resolve().parents[2] / "config.yaml").read_text())


def test_e3_quotes_the_configured_slack():
    slack = CONFIG["precond"]["l1_budget"]["slack_unaligned"]
    claim = TABLE.spec("E3", "m", "c", "small", slack=f"{slack:g}").claim
    assert f"slack {slack:g})" in claim and "{" not in claim
