"""Claims ledger rows and their CSV file (``<paper>/claims.csv``, merged into ``claims.csv``, under the scale's
output root ``results/<scale>/``).

A row's ``kind`` says what sort of statement it checks: ``theorem`` (float64 closed-form / identity
checks), ``empirical`` (trained runs or sweeps over problems), ``sanity`` (not a paper claim) or
``extension`` (our own question beyond the paper) or ``instrument`` (a check that one of our measuring
instruments reads right on the runs it measures, before its readings decide a verdict). Its ``verdict``
is one of ``supported``, ``not_supported``, ``inconclusive`` (the seeds disagree, too few of them, or an
instrument the row rests on failed its check) or ``not_run``; it is always derived from a number measured
in the run and the criterion stated in the row. Every row that is not ``supported`` says why in
``reason``, one plain sentence (a supported row leaves it empty). A row judged over seeds (``stats.verdict``) gives ``n_seeds`` and the interval
``ci_low``, ``ci_high`` of its mean effect; the other rows leave them empty. ``figures`` lists the
figures that show the row (``figures/<paper>/<name>.png``, ``; ``-separated); ``evidence``
names the data files and numbers. Paths in both are relative to the scale's output root
(``results/<scale>/``), so a ledger reads the same at every scale. Rows are built through
:class:`muonrepro.ledger.spec.ClaimSpec`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import pandas as pd

from muonrepro.util.io import atomic_write_csv

VERDICTS = ("supported", "not_supported", "inconclusive", "not_run")
KINDS = ("theorem", "empirical", "instrument", "sanity", "extension")
FIGURE_SEP = "; "


@dataclass(frozen=True)
class Claim:
    paper: str
    claim_id: str
    kind: str
    claim: str
    metric: str
    value: float | str
    n_seeds: int | str
    ci_low: float | str
    ci_high: float | str
    criterion: str
    verdict: str
    reason: str
    scale: str
    figures: str
    evidence: str

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"claim {self.claim_id}: kind {self.kind!r} not in {KINDS}")
        if self.verdict not in VERDICTS:
            raise ValueError(f"claim {self.claim_id}: verdict {self.verdict!r} not in {VERDICTS}")
        if self.verdict != "supported" and not str(self.reason).strip():
            raise ValueError(f"claim {self.claim_id}: a {self.verdict} row must say why in 'reason'")
        if self.verdict == "supported" and self.reason:
            raise ValueError(f"claim {self.claim_id}: a supported row has no reason (got {self.reason!r})")
        if isinstance(self.value, float) and math.isnan(self.value) and self.verdict != "not_run":
            raise ValueError(f"claim {self.claim_id}: NaN value with verdict {self.verdict}")


COLUMNS = [f.name for f in fields(Claim)]


def figure_list(figures: str) -> list[str]:
    """The figure paths of a row's ``figures`` cell."""
    return [f for f in str(figures).split(FIGURE_SEP) if f]


def write_claims(rows: list[Claim], path: str | Path) -> pd.DataFrame:
    ids = [r.claim_id for r in rows]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise ValueError(f"duplicate claim_id(s) in ledger: {sorted(dup)}")
    df = pd.DataFrame([asdict(r) for r in rows], columns=COLUMNS)
    atomic_write_csv(df, path)
    return df


def read_claims(path: str | Path) -> pd.DataFrame:
    """A claims file, checked: exactly the columns of :data:`COLUMNS` in that order, known kinds and
    verdicts."""
    df = pd.read_csv(path, dtype={"value": str}, keep_default_na=False)
    if list(df.columns) != COLUMNS:
        raise ValueError(f"{path}: claims file has columns {list(df.columns)}, expected {COLUMNS}")
    for col, allowed in (("kind", KINDS), ("verdict", VERDICTS)):
        bad = set(df[col]) - set(allowed)
        if bad:
            raise ValueError(f"{path}: unknown {col}(s) {sorted(bad)}; allowed: {allowed}")
    return df


def merge_claims(paths: list[str | Path], out: str | Path) -> pd.DataFrame:
    """Concatenate per-paper ledgers into one; (paper, claim_id) must be unique."""
    df = pd.concat([read_claims(p) for p in paths], ignore_index=True)
    dup = df[df.duplicated(["paper", "claim_id"], keep=False)]
    if len(dup):
        raise ValueError(f"duplicate (paper, claim_id) rows: {dup[['paper', 'claim_id']].values.tolist()}")
    atomic_write_csv(df, out)
    return df


def merge_job(smk) -> None:
    """Rule claims_merge: the per-paper ledgers ``input.claims`` -> the scale's ``claims.csv``."""
    merge_claims(list(smk.input.claims), smk.output[0])
