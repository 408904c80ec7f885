"""The imbalanced theory table: check ids carry claim and relation; the relation decides ``passed``."""

import math

from muonrepro.imbalanced.theory.checks import add_check
from muonrepro.ledger import CheckTable


def test_check_id_and_relation():
    ct = CheckTable()
    add_check(ct, 3, "gd_max_abs(x)", "le", 2e-10, 0.0, 1e-10)
    add_check(ct, 8, "margin", "gt", 0.01, 0.0)
    add_check(ct, 9, "whole_run", "info", math.nan, 0.0)
    df = ct.frame()
    assert df["check"].tolist() == ["C3:gd_max_abs(x):le", "C8:margin:gt", "C9:whole_run:info"]
    assert df["passed"].tolist() == [False, True, True]
