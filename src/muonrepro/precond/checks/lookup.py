"""What the precond checks share: the ledger row spec of a check, the evidence suffix, and lookups in
the pipeline's tables.

``tab`` (the argument of every check) holds: ``iterations``, ``info`` (DataFrames of the sweeps),
``curves`` (dict keyed by ``(problem, method, kappa, seed)``), ``steps`` / ``ns5`` (ablation
summaries), ``lemma_scalar``, ``lemma_matrix``, ``decoupling`` and ``mc`` (theory tables).
"""

from __future__ import annotations

import numpy as np

from muonrepro.ledger import Claim, ClaimSpec

PAPER = "precond"
OURS = "Settings are ours (spec INFERRED reconstruction; the paper's own settings are unknown): see config precond."


def spec(
    cid: str, kind: str, figures: tuple[str, ...], claim: str, metric: str, criterion: str, scale: str
) -> ClaimSpec:
    """A check's row spec; ``figures`` are names from the spec §6.2 figure set (R1-R8, X1)."""
    return ClaimSpec(PAPER, cid, kind, claim, metric, criterion, scale, figures=figures)


def judged(row: ClaimSpec, value, ok, evidence: str) -> Claim:
    """The judged row; its evidence ends with the note that the settings are ours."""
    return row.judged(value, bool(ok), f"{evidence} {OURS}")


def fmt(x) -> str:
    """4 significant digits."""
    return f"{x:.4g}"


def its(tab, problem, method, eps=None, kappas=None):
    """Iteration rows of one (problem, method) at one epsilon (default: the smallest listed first)."""
    df = tab["iterations"]
    df = df[(df.problem == problem) & (df.method == method)]
    if df.empty:
        return df
    if eps is None:
        eps = df.epsilon.iloc[0]
    df = df[np.isclose(df.epsilon, eps, rtol=1e-9, atol=0)]
    if kappas is not None:
        df = df[df.kappa.isin(kappas)]
    return df.sort_values(["seed", "kappa"])


def loglog_slope(k, y) -> float:
    return float(np.polyfit(np.log10(np.asarray(k, float)), np.log10(np.asarray(y, float)), 1)[0])


def counts_text(df) -> str:
    """Iteration counts per seed and kappa, as evidence text."""
    return "; ".join(
        f"s{s}: "
        + ", ".join(
            f"k{int(k)}={int(i)}{'' if r else '(not reached)'}" for k, i, r in zip(g.kappa, g.iterations, g.reached)
        )
        for s, g in df.groupby("seed")
    )


def sweep_kappas(tab, P, problem, lo=None, hi=None):
    """The kappas of a problem's sweep in [lo (default claims.kappa_min), hi]."""
    ks = sorted(tab["iterations"].query("problem == @problem").kappa.unique())
    lo = P["claims"]["kappa_min"] if lo is None else lo
    return [k for k in ks if k >= lo and (hi is None or k <= hi)]
