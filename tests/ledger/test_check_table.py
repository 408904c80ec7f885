"""CheckTable: each relation passing and failing on hand-made values, absolute and relative slack."""

import math

import pytest

from muonrepro.ledger import CheckTable
from muonrepro.ledger.check_table import CHECK_COLUMNS, holds

CASES = [  # relation, value, reference, tolerance, passed (absolute tolerance)
    ("abs", 1.05, 1.0, 0.1, True),
    ("abs", 0.95, 1.0, 0.1, True),
    ("abs", 1.2, 1.0, 0.1, False),
    ("abs", 0.8, 1.0, 0.1, False),
    ("le", 1.1, 1.0, 0.1, True),
    ("le", 1.2, 1.0, 0.1, False),
    ("ge", 0.9, 1.0, 0.1, True),
    ("ge", 0.8, 1.0, 0.1, False),
    ("gt", 1.0 + 1e-12, 1.0, 0.0, True),
    ("gt", 1.0, 1.0, 0.5, False),  # strict: the tolerance does not relax it
    ("lt", 1.0 - 1e-12, 1.0, 0.0, True),
    ("lt", 1.0, 1.0, 0.5, False),
    ("info", -1e9, 1.0, 0.0, True),
    ("info", math.nan, 0.0, 0.0, True),
]


@pytest.mark.parametrize("relation, value, reference, tolerance, passed", CASES)
def test_relations(relation, value, reference, tolerance, passed):
    ct = CheckTable()
    assert ct.add("x", relation, value, reference, tolerance) is passed
    (row,) = ct.records()
    assert row["check"] == "x" and row["passed"] is passed
    assert (row["reference"], row["tolerance"]) == (reference, tolerance)


@pytest.mark.parametrize("relation", ["abs", "le", "ge", "gt", "lt"])
def test_non_finite_value_fails(relation):
    for v in (math.nan, math.inf, -math.inf):
        assert not holds(relation, v, 0.0, 1e300)


def test_relative_tolerance_scales_with_reference():
    # slack = tolerance * max(1, |reference|): 1e-3 * 1000 = 1
    assert holds("abs", 1000.9, 1000.0, 1e-3, relative=True)
    assert not holds("abs", 1000.9, 1000.0, 1e-3, relative=False)
    assert not holds("abs", 1001.1, 1000.0, 1e-3, relative=True)
    assert holds("le", 1000.9, 1000.0, 1e-3, relative=True) and not holds("le", 1001.1, 1000.0, 1e-3, True)
    assert holds("ge", 999.1, 1000.0, 1e-3, relative=True) and not holds("ge", 998.9, 1000.0, 1e-3, True)
    # |reference| < 1: the slack is the tolerance itself
    assert holds("abs", 0.0105, 0.01, 1e-3, relative=True) and not holds("abs", 0.0115, 0.01, 1e-3, True)


def test_requires_and_table_shape():
    ct = CheckTable()
    assert ct.add("a", "gt", 1.0, 0.0, requires=True)
    assert not ct.add("b", "gt", 1.0, 0.0, requires=False)
    assert not ct.add("c", "gt", -1.0, 0.0, requires=True)
    df = ct.frame()
    assert list(df.columns) == CHECK_COLUMNS and df["passed"].tolist() == [True, False, False]
    assert all(isinstance(r["passed"], bool) and isinstance(r["value"], float) for r in ct.records())


def test_bad_rows_raise():
    ct = CheckTable()
    ct.add("a", "abs", 0.0, 0.0)
    with pytest.raises(ValueError, match="duplicate"):
        ct.add("a", "abs", 0.0, 0.0)
    with pytest.raises(ValueError, match="relation"):
        ct.add("b", "eq", 0.0, 0.0)
    with pytest.raises(ValueError, match="tolerance"):
        ct.add("c", "abs", 0.0, 0.0, -1.0)
