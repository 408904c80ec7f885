"""The one place a verdict about data is computed: per-seed effects -> summary -> verdict.

An empirical claim is measured as one *effect* per seed, signed so that a positive effect means the
claim holds in that seed (e.g. "best other optimizer's Gini minus Muon's"). Over the seeds:

- ``mean`` and a two-sided ``level`` (95%) **t-interval** for the mean effect: mean +- t_{n-1} sd / sqrt(n),
  which assumes the seed effects are roughly normal; with 3 seeds it is wide (t_2 = 4.30), and with one
  seed there is no interval (NaN bounds);
- ``holds``: the number of seeds whose effect is > 0.

The criterion (a config value written before the run) picks one of two rules:

- ``interval``: ``supported`` if the interval lies above 0, ``not_supported`` if it lies below 0,
  else ``inconclusive``;
- ``every_seed`` (for effects whose spread across seeds is not meaningful, e.g. counts or pass/fail per
  seed): ``supported`` if the effect holds in every seed, ``not_supported`` if it fails in most seeds,
  else ``inconclusive``.

Either way, fewer than ``min_seeds`` usable seeds give ``inconclusive`` (the row says why), never a
verdict from too little evidence; a seed whose effect is NaN (a run that diverged or is missing) is not
usable and the row names it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

RULES = ("interval", "every_seed")
LEVEL = 0.95


@dataclass(frozen=True)
class SeedEffects:
    """The per-seed effects of one claim, summarised."""

    effects: dict  # seed -> effect (> 0: the claim holds in that seed)
    n: int
    mean: float
    ci_low: float
    ci_high: float
    holds: int
    unusable: tuple = field(default_factory=tuple)  # seeds whose effect is NaN
    level: float = LEVEL
    causes: dict = field(default_factory=dict)  # unusable seed -> why (e.g. "diverged: mlp2/muon"), where known

    def unusable_text(self) -> str:
        """The unusable seeds with their causes, e.g. ``1 (diverged: mlp2/muon), 2``."""
        return ", ".join(f"{s} ({self.causes[s]})" if s in self.causes else str(s) for s in self.unusable)

    def describe(self, fmt: str = ".4g") -> str:
        per = ", ".join(f"s{s}: {v:{fmt}}" for s, v in self.effects.items())
        ci = (
            "no interval (< 2 seeds)"
            if math.isnan(self.ci_low)
            else (f"{self.level:.0%} t-interval [{self.ci_low:{fmt}}, {self.ci_high:{fmt}}]")
        )
        out = f"effect per seed {per}; mean {self.mean:{fmt}}, {ci}; holds in {self.holds}/{self.n} seeds"
        if self.unusable:
            out += f"; unusable seeds (no effect measurable): {self.unusable_text()}"
        return out


def summarize(effects: Mapping, level: float = LEVEL, causes: Mapping | None = None) -> SeedEffects:
    """``effects``: seed -> effect (NaN: that seed's runs are unusable); ``causes``: seed -> why a seed is
    unusable (kept for the unusable seeds only, and named in every row they drop from)."""
    items = {k: float(v) for k, v in sorted(effects.items())}
    usable = {k: v for k, v in items.items() if math.isfinite(v)}
    bad = tuple(k for k, v in items.items() if not math.isfinite(v))
    x = np.array(list(usable.values()), dtype=float)
    n = len(x)
    mean = float(x.mean()) if n else math.nan
    if n >= 2:
        from scipy import stats  # here: the workflow imports the ledger as it parses, and scipy.stats costs ~0.7 s

        half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
        lo, hi = mean - half, mean + half
    else:
        lo = hi = math.nan
    why = {k: str(v) for k, v in (causes or {}).items() if k in bad}
    return SeedEffects(usable, n, mean, lo, hi, int((x > 0).sum()), bad, level, why)


def verdict(s: SeedEffects, rule: str, min_seeds: int) -> tuple[str, str]:
    """(verdict, reason) of summarised seed effects under ``rule`` (see the module docstring)."""
    if rule not in RULES:
        raise ValueError(f"verdict rule must be one of {RULES}, got {rule!r}")
    if s.n < min_seeds:
        why = f"{s.n} usable seed(s), fewer than the {min_seeds} the criterion needs"
        if s.unusable:
            why += f" (no effect measurable in seed(s) {s.unusable_text()})"
        return "inconclusive", why
    if rule == "interval" and s.n < 2:
        return "inconclusive", f"{s.n} usable seed: a t-interval needs at least 2"
    if rule == "interval":
        ci = f"the {s.level:.0%} t-interval of the mean effect over {s.n} seeds, [{s.ci_low:.3g}, {s.ci_high:.3g}],"
        if s.ci_low > 0:
            return "supported", f"{ci} lies above 0"
        if s.ci_high < 0:
            return "not_supported", f"{ci} lies below 0"
        return "inconclusive", f"{ci} contains 0 (the effect holds in {s.holds}/{s.n} seeds)"
    if s.holds == s.n:
        return "supported", f"the effect holds in every one of {s.n} seeds"
    if s.holds < s.n / 2:
        return "not_supported", f"the effect fails in {s.n - s.holds} of {s.n} seeds"
    return "inconclusive", f"the seeds disagree: the effect holds in {s.holds} of {s.n}"


def criterion_text(rule: str, min_seeds: int, what: str = "effect", level: float = LEVEL) -> str:
    """The criterion of a row judged by ``rule``, in words (for the ledger's ``criterion`` column)."""
    if rule == "interval":
        return (
            f"{what} > 0: the {level:.0%} t-interval over >= {min_seeds} seeds lies above 0 (below 0: "
            f"not supported; contains 0: inconclusive)"
        )
    return (
        f"{what} > 0 in every one of >= {min_seeds} seeds (fails in most seeds: not supported; otherwise inconclusive)"
    )
