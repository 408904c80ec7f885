"""Claims ledger rows and their CSV file (``results/<paper>/claims.csv``, merged into
``results/claims.csv``).

A verdict is one of ``supported``, ``not_supported`` or ``not_run``. It is always derived from a
number measured in the run and a criterion stated in the row; a ``not_run`` row says why in
``evidence``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import pandas as pd

from muonrepro.util.io import atomic_write_csv

VERDICTS = ("supported", "not_supported", "not_run")


@dataclass(frozen=True)
class Claim:
    paper: str
    claim_id: str
    claim: str
    metric: str
    value: float | str
    criterion: str
    verdict: str
    scale: str
    evidence: str

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"claim {self.claim_id}: verdict {self.verdict!r} not in {VERDICTS}")
        if self.verdict == "not_run" and not self.evidence:
            raise ValueError(f"claim {self.claim_id}: a not_run row must say why in 'evidence'")
        if isinstance(self.value, float) and math.isnan(self.value) and self.verdict != "not_run":
            raise ValueError(f"claim {self.claim_id}: NaN value with verdict {self.verdict}")

    @staticmethod
    def verdict_of(ok: bool) -> str:
        return "supported" if ok else "not_supported"


COLUMNS = [f.name for f in fields(Claim)]


def with_figures(rows: list[Claim], figures: dict[str, list[str]], paper_dir: str) -> list[Claim]:
    """Prefix each row's evidence with the figures that show it (``results/figures/<paper_dir>/<name>.png``)."""
    out = []
    for r in rows:
        names = figures.get(r.claim_id, [])
        links = "; ".join(f"results/figures/{paper_dir}/{n}.png" for n in names)
        out.append(replace(r, evidence=f"{links}; {r.evidence}" if links else r.evidence))
    return out


def write_claims(rows: list[Claim], path: str | Path) -> pd.DataFrame:
    ids = [r.claim_id for r in rows]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise ValueError(f"duplicate claim_id(s) in ledger: {sorted(dup)}")
    df = pd.DataFrame([asdict(r) for r in rows], columns=COLUMNS)
    atomic_write_csv(df, path)
    return df


def read_claims(path: str | Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype={"value": str}, keep_default_na=False)
    missing = set(COLUMNS) - set(df.columns)
    if missing:
        raise ValueError(f"{path}: claims file lacks columns {sorted(missing)}")
    bad = set(df["verdict"]) - set(VERDICTS)
    if bad:
        raise ValueError(f"{path}: unknown verdict(s) {sorted(bad)}")
    return df[COLUMNS]


def merge_claims(paths: list[str | Path], out: str | Path) -> pd.DataFrame:
    """Concatenate per-paper ledgers into one; (paper, claim_id) must be unique."""
    df = pd.concat([read_claims(p) for p in paths], ignore_index=True)
    dup = df[df.duplicated(["paper", "claim_id"], keep=False)]
    if len(dup):
        raise ValueError(f"duplicate (paper, claim_id) rows: {dup[['paper', 'claim_id']].values.tolist()}")
    atomic_write_csv(df, out)
    return df
