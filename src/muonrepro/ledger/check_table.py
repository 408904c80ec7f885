"""Theory-check tables (``theory_checks.csv``): one row ``check, value, reference, tolerance, passed``
per float64 check. The ledger's theorem rows are decided from them.

A row's ``relation`` says how ``passed`` is decided from ``value`` v, ``reference`` r and the slack s:

- ``abs``: |v - r| <= s
- ``le``: v <= r + s
- ``ge``: v >= r - s
- ``lt``: v < r  (strict; no slack)
- ``gt``: v > r  (strict; no slack)
- ``info``: always passed; the row only reports a number and decides no verdict.

The slack s is the row's ``tolerance`` (``relative=False``) or ``tolerance * max(1, |r|)``
(``relative=True``). A non-finite value fails every relation but ``info``. ``requires`` is a further
condition the row needs (an observation that holds only together with another comparison).
"""

from __future__ import annotations

import math

import pandas as pd

CHECK_COLUMNS = ["check", "value", "reference", "tolerance", "passed"]

RELATIONS = {
    "abs": lambda v, r, s: abs(v - r) <= s,
    "le": lambda v, r, s: v <= r + s,
    "ge": lambda v, r, s: v >= r - s,
    "lt": lambda v, r, s: v < r,
    "gt": lambda v, r, s: v > r,
    "info": lambda v, r, s: True,
}


def holds(relation: str, value: float, reference: float, tolerance: float = 0.0, relative: bool = False) -> bool:
    """Whether ``value <relation> reference`` holds with the given tolerance (see module docstring)."""
    if relation not in RELATIONS:
        raise ValueError(f"unknown relation {relation!r}; one of {sorted(RELATIONS)}")
    if relation == "info":
        return True
    slack = tolerance * max(1.0, abs(reference)) if relative else tolerance
    return bool(math.isfinite(value) and RELATIONS[relation](value, reference, slack))


class CheckTable:
    """Rows added one check at a time; check ids must be unique."""

    def __init__(self, relative: bool = False):
        self.relative = relative
        self.rows: list[tuple[str, float, float, float, bool]] = []
        self._ids: set[str] = set()

    def add(
        self,
        check: str,
        relation: str,
        value: float,
        reference: float,
        tolerance: float = 0.0,
        requires: bool = True,
    ) -> bool:
        """Add one row and return its ``passed``."""
        if check in self._ids:
            raise ValueError(f"duplicate check id {check!r}")
        if tolerance < 0:
            raise ValueError(f"check {check!r}: tolerance must be >= 0, got {tolerance}")
        value, reference, tolerance = float(value), float(reference), float(tolerance)
        ok = holds(relation, value, reference, tolerance, self.relative) and bool(requires)
        self.rows.append((check, value, reference, tolerance, ok))
        self._ids.add(check)
        return ok

    def records(self) -> list[dict]:
        return [dict(zip(CHECK_COLUMNS, r)) for r in self.rows]

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=CHECK_COLUMNS)
