"""Per-seed effects of the imbalanced paper's empirical claims, and the one way they become a ledger row.

Every empirical row (C11, C12, C17 here; C13-C16 in ``gpu/claims.py``) is measured as one effect per seed,
signed so that > 0 means the claim holds in that seed (NaN: that seed cannot be judged), and judged by
``stats.verdict`` under the row's rule (``imbalanced.claims.rules`` / ``imbalanced_gpu.claims.rules``)
with the top-level ``stats`` settings (``level``, ``min_seeds``): :func:`seed_row`.

Claim 17's effect (:func:`depth_effect`) compares learning times at one fixed accuracy level
(:func:`learning_time`), shared by both groups and both depths.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from muonrepro.ledger import Claim, ClaimSpec
from muonrepro.stats.verdict import criterion_text, summarize


def criterion(rule: str, stats: dict, what: str) -> str:
    """The criterion column of a row judged over seeds (``stats``: the top-level ``stats`` block)."""
    return criterion_text(rule, stats["min_seeds"], what, stats["level"])


def seed_row(spec: ClaimSpec, effects: Mapping, rule: str, stats: dict, evidence: str) -> Claim:
    """The row of ``spec`` from its per-seed ``effects`` (seed -> effect, NaN = unusable seed): value = the
    mean effect over the usable seeds (the text 'no usable seed' when there is none)."""
    s = summarize(effects, stats["level"])
    value = s.mean if math.isfinite(s.mean) else "no usable seed"
    return spec.over_seeds(value, s, rule, stats["min_seeds"], evidence)


def learning_time(steps, values, level: float) -> tuple[float, bool]:
    """(T, reached): T = the first evaluated step at which the curve reaches ``level``; a curve that never
    reaches it gives (its last evaluated step, False): not learned within the run, T a lower bound."""
    order = np.argsort(steps)
    s, v = np.asarray(steps, float)[order], np.asarray(values, float)[order]
    hit = np.flatnonzero(v >= level)
    return (float(s[hit[0]]), True) if len(hit) else (float(s[-1]), False)


def depth_effect(times: Mapping) -> tuple[float, str]:
    """Claim 17's effect of one seed: (T_min - T_maj) at the shallower depth minus at the deeper one (> 0: the
    deeper net learns the minority groups closer to the majority's time), and a note ('' if none).

    ``times``: {"shallow"/"deep": {"minority"/"majority": (T, reached)}} from :func:`learning_time`. A curve
    that never reaches the level counts as not learned, T = the run's last evaluated step (a lower bound on
    its learning time). Then: a majority curve not learned, or the minority learned at neither depth, makes
    the seed unusable (NaN: no time to compare); the minority not learned by the deeper net only cannot
    support the claim (the effect is capped at 0: the computed value would be an upper bound)."""
    (t_min_s, ok_min_s), (t_maj_s, ok_maj_s) = times["shallow"]["minority"], times["shallow"]["majority"]
    (t_min_d, ok_min_d), (t_maj_d, ok_maj_d) = times["deep"]["minority"], times["deep"]["majority"]
    if not (ok_maj_s and ok_maj_d):
        return math.nan, "a majority curve never reaches the level: unusable"
    if not (ok_min_s or ok_min_d):
        return math.nan, "the minority curve reaches the level at neither depth: unusable"
    effect = (t_min_s - t_maj_s) - (t_min_d - t_maj_d)
    if not ok_min_d:
        return min(effect, 0.0), "the deeper net's minority curve never reaches the level: effect capped at 0"
    if not ok_min_s:
        return effect, "the shallower net's minority curve never reaches the level (T = last step, a lower bound)"
    return effect, ""
