"""What the precond checks share: their settings (``Setup``), the two ways a row is judged (``judged``: a
theorem check, one pass/fail; ``over_seeds``: an empirical claim, one effect per seed judged by
``stats.verdict``, with a reason naming the seeds that fail or are unusable), the runs a count effect may use
(``usable``: reached the target, inside Lemma L1's budget condition), and lookups in the pipeline's tables.
A row's spec (kind, statement, figures) comes from ``muonrepro.precond.claim_table``.

``tab`` (the first argument of every check) holds: ``iterations``, ``info`` (DataFrames of the sweeps),
``curves`` (dict keyed by ``(problem, method, kappa, seed)``), ``steps`` / ``ns5`` (ablation
summaries), ``lemma_scalar``, ``lemma_matrix``, ``decoupling`` and ``mc`` (theory tables).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from muonrepro.ledger import Claim, ClaimSpec
from muonrepro.precond.budget import condition_values
from muonrepro.stats.verdict import LEVEL, criterion_text, verdict

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
        """The verdict rule of the row ``key`` (its ledger id): ``config precond.claims.rules.<key>``."""
        return self.P["claims"]["rules"][key]

    def criterion(self, key: str, effect: str) -> str:
        """The criterion text of an empirical row: what its per-seed effect is, and the rule."""
        return f"effect per seed = {effect}; " + criterion_text(self.rule(key), self.min_seeds, "effect", self.level)


def judged(row: ClaimSpec, value, ok, evidence: str, reason: str | None = None) -> Claim:
    """The judged row; its evidence ends with the note that the settings are ours; ``reason``: the one
    sentence a failing row gives."""
    return row.judged(value, bool(ok), f"{evidence} {OURS}", reason=reason)


def over_seeds(
    row: ClaimSpec,
    s: Setup,
    key: str,
    effects: dict,
    evidence: str,
    notes: dict | None = None,
    reason: str | None = None,
) -> Claim:
    """The row of an empirical claim from its effects ``{seed: effect}`` (NaN: an unusable seed), judged
    by ``stats.verdict`` under ``config precond.claims.rules.<key>``; the value is the mean effect.
    ``notes``: ``{seed: why}`` for seeds that fail or are unusable; a row that is not supported gets
    ``reason`` if given, else one built from the statistic's reason and these notes (``seeds_reason``)."""
    if reason is None:

        def reason(summary):
            return seeds_reason(summary, verdict(summary, s.rule(key), s.min_seeds)[1], notes or {})

    return row.judge_effects(effects, s.rule(key), s.level, s.min_seeds, f"{evidence} {OURS}", reason=reason)


def seeds_reason(summary, why: str, notes: dict) -> str:
    """One sentence: the statistic's reason, then the failing seeds and the unusable ones with their notes."""

    def said(seeds):
        return "; ".join(f"s{k}: {notes[k]}" if k in notes else f"s{k}" for k in seeds)

    fails = [k for k, v in summary.effects.items() if v <= 0]
    parts = [why]
    if fails:
        parts.append(f"fails in {len(fails)}/{summary.n} usable seed(s) ({said(fails)})")
    if summary.unusable:
        parts.append(f"{len(summary.unusable)} seed(s) unusable ({said(summary.unusable)})")
    return "; ".join(parts) + "."


def usable(df, what: str = "epsilon") -> str | None:
    """Why one seed's runs ``df`` (one row per kappa) cannot give a count effect, or None when they can: a
    run outside Lemma L1's budget condition (reported apart: it says nothing against the claim) or a run
    that did not reach ``what`` (its count is a cap, not a count)."""
    if "l1_condition" in df:
        outside = (condition_values(df["l1_condition"]) == False).fillna(False).to_numpy(bool)  # noqa: E712
        if outside.any():
            return (
                f"outside Lemma L1's budget condition at kappa {_ks(df[outside])} (eta0/(1-q) < slack x initial "
                "distance; reported apart)"
            )
    miss = df[~df.reached.astype(bool)]
    if len(miss):
        return f"did not reach {what} at " + ", ".join(_miss_text(r) for _, r in miss.iterrows())
    return None


def _miss_text(r) -> str:
    """A run that did not reach its target: kappa, outcome, and (Muon-S1) its budget against its distance."""
    o = r.get("outcome", "budget")
    where = ""
    cond = condition_values([r["l1_condition"]]).iloc[0] if "l1_condition" in r else pd.NA
    if cond is not pd.NA and bool(cond):
        where = " inside L1's condition"
    rb, rd = r.get("remaining_budget", math.nan), r.get("remaining_distance", math.nan)
    nums = "" if not (np.isfinite(rb) and np.isfinite(rd)) else f": remaining budget {rb:.2g} vs distance {rd:.2g}"
    return f"kappa {int(r['kappa'])} ({o}{where}{nums})"


def _ks(df) -> str:
    return ", ".join(str(int(k)) for k in df.kappa)


def outcome_text(df) -> str:
    """Outcome counts of some runs, as evidence text (e.g. ``reached 14, stalled 1 (k10000 s0)``)."""
    if "outcome" not in df:
        return f"reached {int(df.reached.sum())}/{len(df)}"
    parts = []
    for o in ("reached", "stalled", "budget"):
        g = df[df.outcome == o]
        if len(g):
            where = "" if o == "reached" else " (" + ", ".join(f"k{int(k)} s{s}" for k, s in zip(g.kappa, g.seed)) + ")"
            parts.append(f"{o} {len(g)}{where}")
    return ", ".join(parts)


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


def fmt(x) -> str:
    """4 significant digits."""
    return f"{x:.4g}"


def its(tab, problem, method, eps=None, kappas=None):
    """Iteration rows of one (problem, method) at one epsilon (default: the smallest listed first)."""
    df = tab.get("iterations")
    if df is None:  # no sweep table at all
        df = pd.DataFrame(columns=["problem", "method", "kappa", "seed", "epsilon", "iterations", "reached"])
    df = df[(df.problem == problem) & (df.method == method)]
    if df.empty:
        return df
    if eps is None:
        eps = df.epsilon.iloc[0]
    df = df[np.isclose(df.epsilon, eps, rtol=1e-9, atol=0)]
    if kappas is not None:
        df = df[df.kappa.isin(kappas)]
    if "outcome" not in df:  # a table from before the outcome columns: no budget information
        df = df.assign(outcome=np.where(df.reached, "reached", "budget"))
    if "l1_condition" not in df:
        df = df.assign(l1_condition=pd.NA)
    return df.sort_values(["seed", "kappa"])


def loglog_slope(k, y) -> float:
    return float(np.polyfit(np.log10(np.asarray(k, float)), np.log10(np.asarray(y, float)), 1)[0])


def counts_text(df) -> str:
    """Iteration counts per seed and kappa, as evidence text (a run that did not reach: its outcome)."""
    oc = df.outcome if "outcome" in df else np.where(df.reached, "reached", "not reached")
    return "; ".join(
        f"s{s}: "
        + ", ".join(
            f"k{int(k)}={int(i)}{'' if r else f'({o}, not reached)'}"
            for k, i, r, o in zip(g.kappa, g.iterations, g.reached, g.oc)
        )
        for s, g in df.assign(oc=list(oc)).groupby("seed")
    )


def sweep_kappas(tab, P, problem, lo=None, hi=None):
    """The kappas of a problem's sweep in [lo (default claims.kappa_min), hi]."""
    ks = sorted(tab["iterations"].query("problem == @problem").kappa.unique())
    lo = P["claims"]["kappa_min"] if lo is None else lo
    return [k for k in ks if k >= lo and (hi is None or k <= hi)]
