"""Per-seed effects of the imbalanced paper's empirical claims, and the one way they become a ledger row.

Every empirical row (C11, C12, C17 here; C13-C16 in ``gpu/claims.py``) is measured as one effect per seed,
signed so that > 0 means the claim holds in that seed (NaN: that seed cannot be judged), and judged by
``stats.verdict`` under the row's rule (``imbalanced.claims.rules`` / ``imbalanced_gpu.claims.rules``)
with the top-level ``stats`` settings (``level``, ``min_seeds``): :func:`seed_row`.

Claim 17's learning time of a group (:func:`group_time`) is the first evaluated step at which the group's
test accuracy has covered a fixed fraction ``f`` of its own way from chance to its final accuracy in that run
(:func:`learning_level`: level = chance + f x (final - chance), ``imbalanced.claims.learn_fraction``): one
definition for both groups and both depths, fixed before any result, each level computed from the run's own
curve. A group whose final accuracy is not above chance has learned nothing: it never reaches a level, and
its seed is unusable. :func:`depth_effect` turns the four learning times of a seed into its effect.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from muonrepro.data.colored_mnist import N_CLASSES
from muonrepro.ledger import Claim, ClaimSpec
from muonrepro.stats.verdict import criterion_text

CHANCE = 1.0 / N_CLASSES  # Colored-MNIST: 10 classes, chance accuracy 0.1


def criterion(rule: str, stats: dict, what: str) -> str:
    """The criterion column of a row judged over seeds (``stats``: the top-level ``stats`` block)."""
    return criterion_text(rule, stats["min_seeds"], what, stats["level"])


def seed_row(
    spec: ClaimSpec, effects: Mapping, rule: str, stats: dict, evidence: str, reason: str | None = None
) -> Claim:
    """The row of ``spec`` from its per-seed ``effects`` (seed -> effect, NaN = unusable seed): value = the
    mean effect over the usable seeds (the text 'no usable seed' when there is none). ``reason``: the
    sentence of a row that is not supported (None: the statistic's own, e.g. 'the seeds disagree')."""
    return spec.judge_effects(effects, rule, stats["level"], stats["min_seeds"], evidence, reason=reason)


def learning_time(steps, values, level: float) -> tuple[float, bool]:
    """(T, reached): T = the first evaluated step at which the curve reaches ``level``; a curve that never
    reaches it gives (its last evaluated step, False): not learned within the run, T a lower bound."""
    order = np.argsort(steps)
    s, v = np.asarray(steps, float)[order], np.asarray(values, float)[order]
    hit = np.flatnonzero(v >= level)
    return (float(s[hit[0]]), True) if len(hit) else (float(s[-1]), False)


def learning_level(final: float, fraction: float, chance: float = CHANCE) -> float:
    """The accuracy a group must reach to count as learned: ``fraction`` of its way from ``chance`` to its
    ``final`` accuracy, chance + fraction x (final - chance)."""
    return chance + fraction * (final - chance)


class GroupTime(NamedTuple):
    """One group's learning time in one run: ``t`` (the first evaluated step at ``level``; the last step when
    not ``reached``), its ``final`` accuracy (the value at the last evaluated step) and ``level``."""

    t: float
    reached: bool
    final: float
    level: float

    def describe(self) -> str:
        if not self.reached:
            return f"final {self.final:.3f} <= chance {CHANCE:g}: never reaches a level (not learned)"
        return f"final {self.final:.3f}, level {self.level:.3f}, T={self.t:g}"


def group_time(steps, values, fraction: float, chance: float = CHANCE) -> GroupTime:
    """The learning time of one group's curve (``steps``, ``values``) at ``fraction`` of its own way from
    ``chance`` to its final accuracy. A final accuracy not above chance: the group learned nothing in the run,
    so it never reaches a level (``reached`` False, ``level`` NaN, ``t`` the last step)."""
    order = np.argsort(steps)
    s, v = np.asarray(steps, float)[order], np.asarray(values, float)[order]
    final = float(v[-1])
    if not final > chance:
        return GroupTime(float(s[-1]), False, final, math.nan)
    level = learning_level(final, fraction, chance)
    t, reached = learning_time(s, v, level)
    return GroupTime(t, reached, final, level)


def depth_effect(times: Mapping) -> tuple[float, str]:
    """Claim 17's effect of one seed: (T_min - T_maj) at the shallower depth minus at the deeper one (> 0: the
    deeper net learns the minority groups closer to the majority's time), and a note ('' if none).

    ``times``: {"shallow"/"deep": {"minority"/"majority": (T, reached, ...)}} (e.g. :class:`GroupTime`). A group
    that never reaches its level has no learning time: the seed is unusable (NaN) and the note says which."""
    missing = [
        f"the {net} net's {group} group"
        for net in ("shallow", "deep")
        for group in ("minority", "majority")
        if not times[net][group][1]
    ]
    if missing:
        return math.nan, f"{' and '.join(missing)} never reach(es) the level: unusable"
    (t_min_s, t_maj_s), (t_min_d, t_maj_d) = (
        (times[net]["minority"][0], times[net]["majority"][0]) for net in ("shallow", "deep")
    )
    return (t_min_s - t_maj_s) - (t_min_d - t_maj_d), ""
