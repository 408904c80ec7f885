"""What the precond checks share: their settings (``Setup``), the ledger row spec of a check, the two
ways a row is judged (``judged``: a theorem check, one pass/fail; ``over_seeds``: an empirical claim, one
effect per seed judged by ``stats.verdict``), and lookups in the pipeline's tables.

``tab`` (the first argument of every check) holds: ``iterations``, ``info`` (DataFrames of the sweeps),
``curves`` (dict keyed by ``(problem, method, kappa, seed)``), ``steps`` / ``ns5`` (ablation
summaries), ``lemma_scalar``, ``lemma_matrix``, ``decoupling`` and ``mc`` (theory tables).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from muonrepro.ledger import Claim, ClaimSpec
from muonrepro.stats.verdict import LEVEL, criterion_text, summarize

PAPER = "precond"
OURS = "Settings are ours (spec INFERRED reconstruction; the paper's own settings are unknown): see config precond."


@dataclass(frozen=True)
class Setup:
    """What every check reads besides the tables: ``P = config["precond"]``, the scale preset
    ``PS = config["scales"][scale]["precond"]``, the scale name and the ``config stats`` values."""

    P: dict
    PS: dict
    scale: str
    level: float = LEVEL
    min_seeds: int = 3

    @classmethod
    def from_config(cls, P: dict, PS: dict, scale: str, stats: dict) -> Setup:
        return cls(P, PS, scale, float(stats["level"]), int(stats["min_seeds"]))

    def rule(self, key: str) -> str:
        """The verdict rule of ``config precond.claims.<key>``."""
        return self.P["claims"][key]["rule"]

    def criterion(self, key: str, effect: str) -> str:
        """The criterion text of an empirical row: what its per-seed effect is, and the rule."""
        return f"effect per seed = {effect}; " + criterion_text(self.rule(key), self.min_seeds, "effect", self.level)


def spec(
    cid: str, kind: str, figures: tuple[str, ...], claim: str, metric: str, criterion: str, scale: str
) -> ClaimSpec:
    """A check's row spec; ``figures`` are names from the spec §6.2 figure set (R1-R8, X1)."""
    return ClaimSpec(PAPER, cid, kind, claim, metric, criterion, scale, figures=figures)


def judged(row: ClaimSpec, value, ok, evidence: str) -> Claim:
    """The judged row; its evidence ends with the note that the settings are ours."""
    return row.judged(value, bool(ok), f"{evidence} {OURS}")


def over_seeds(row: ClaimSpec, s: Setup, key: str, effects: dict, evidence: str) -> Claim:
    """The row of an empirical claim from its effects ``{seed: effect}`` (NaN: an unusable seed), judged
    by ``stats.verdict`` under ``config precond.claims.<key>.rule``; the value is the mean effect."""
    summary = summarize(effects, s.level)
    value = summary.mean if summary.n else "no usable seed"
    return row.over_seeds(value, summary, s.rule(key), s.min_seeds, f"{evidence} {OURS}")


def certain(effect: float, lower: bool = False, upper: bool = False) -> float:
    """An effect computed with some counts at their budget, so that it is only a bound: a *lower* bound
    (the true effect is >= it) is kept when it is > 0, an *upper* bound when it is <= 0; otherwise its
    sign is unknown and the seed is unusable (NaN). Both bounds at once: always NaN."""
    if lower and upper:
        return math.nan
    if lower:
        return effect if effect > 0 else math.nan
    if upper:
        return effect if effect <= 0 else math.nan
    return effect


def min_certain(values) -> float:
    """The smallest of several effects that must all hold (NaN: unknown): a known failure (<= 0) decides
    even when another part is unknown; otherwise an unknown part makes the whole unknown."""
    v = np.asarray(list(values), dtype=float)
    known = v[np.isfinite(v)]
    if len(known) and known.min() <= 0:
        return float(known.min())
    return float(v.min()) if len(known) == len(v) and len(v) else math.nan


def slope_is_lower_bound(kappas, unreached) -> bool:
    """Whether raising the counts of the ``unreached`` kappas can only raise the least-squares log-log
    slope, i.e. every unreached kappa lies above the mean log kappa (its weight in the slope is > 0)."""
    x = np.log10(np.asarray(kappas, float))
    return bool(np.all(x[np.asarray(unreached, bool)] > x.mean()))


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
