"""The imbalanced theory table: check ids carry claim and relation; the relation decides ``passed``."""

import math
from pathlib import Path

import yaml

from muonrepro.imbalanced.claims import theory_claim
from muonrepro.imbalanced.theory.checks import add_check, muon_checks
from muonrepro.ledger import CheckTable

CONFIG = Path(__file__).resolve().parents[3] / "config.yaml"


def test_check_id_and_relation():
    ct = CheckTable()
    add_check(ct, 3, "gd_max_abs(x)", "le", 2e-10, 0.0, 1e-10)
    add_check(ct, 8, "margin", "gt", 0.01, 0.0)
    add_check(ct, 9, "whole_run", "info", math.nan, 0.0)
    df = ct.frame()
    assert df["check"].tolist() == ["C3:gd_max_abs(x):le", "C8:margin:gt", "C9:whole_run:info"]
    assert df["passed"].tolist() == [False, True, True]


def claim9(beta):
    cfg = yaml.safe_load(CONFIG.read_text())["imbalanced"]["theory"]
    ct = CheckTable()
    muon_checks({**cfg, "muon_beta": beta}, ct)
    return ct.frame().set_index("check")


def test_claim9_is_an_identity_at_beta_zero():
    """Muon with beta = 0 is SpecGD: zero deviation in both settings (population, App. C finite sample)."""
    checks = claim9(0.0)
    judged = checks[~checks.index.str.endswith(":info")]
    assert len(judged) == 2 and (judged["value"] == 0.0).all() and judged["passed"].all()


def test_claim9_fails_for_a_long_momentum_memory():
    """beta = 0.99: the momentum carries Muon past saturation (about 100 eta, ~20% of r_c): both judged checks
    fail, so the ledger row is not_supported, while the before-saturation deviation stays ~0 (why it is info)."""
    checks = claim9(0.99)
    judged = checks[~checks.index.str.endswith(":info")]
    assert not judged["passed"].any() and (judged["value"] > judged["tolerance"]).all()
    before = checks.loc[checks.index.str.contains("before_saturation"), "value"]
    assert before.iloc[0] < 1e-9
    row = theory_claim(9, checks.reset_index(), "small")
    assert row.verdict == "not_supported" and row.kind == "theorem"
