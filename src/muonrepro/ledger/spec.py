"""The one way to build a ledger row: a :class:`ClaimSpec` fixes what a claim is and how it is judged
(text, metric, criterion, kind, figures) before any number is measured; the measured value then turns
it into a :class:`~muonrepro.ledger.rows.Claim` through :meth:`ClaimSpec.over_seeds` (an empirical
claim: per-seed effects judged by ``stats.verdict``), :meth:`ClaimSpec.judged` (a theorem check or a
sanity row: one pass/fail) or, when the inputs are absent, :meth:`ClaimSpec.not_run`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from muonrepro.ledger.rows import FIGURE_SEP, KINDS, Claim
from muonrepro.stats.verdict import SeedEffects, verdict


@dataclass(frozen=True)
class ClaimSpec:
    """``figures``: names of the figures that show the claim, drawn to ``figures/<paper>/<name>.png`` under the
    scale's output root (``results/<scale>/``); the row's ``figures`` column holds these relative paths."""

    paper: str
    claim_id: str
    kind: str
    claim: str
    metric: str
    criterion: str
    scale: str
    figures: tuple[str, ...] = ()

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"claim {self.claim_id}: kind {self.kind!r} not in {KINDS}")
        if isinstance(self.figures, str):
            raise TypeError(f"claim {self.claim_id}: figures must be a tuple of names, got the string {self.figures!r}")
        for name in self.figures:
            if not name or "/" in name or name.endswith(".png"):
                raise ValueError(f"claim {self.claim_id}: figure {name!r} must be a bare name (no path, no .png)")

    @property
    def figure_paths(self) -> list[str]:
        return [f"figures/{self.paper}/{name}.png" for name in self.figures]

    def _row(self, value, verdict: str, evidence: str, seeds: SeedEffects | None = None) -> Claim:
        return Claim(
            paper=self.paper,
            claim_id=self.claim_id,
            kind=self.kind,
            claim=self.claim,
            metric=self.metric,
            value=value,
            n_seeds=seeds.n if seeds is not None else "",
            ci_low=seeds.ci_low if seeds is not None else "",
            ci_high=seeds.ci_high if seeds is not None else "",
            criterion=self.criterion,
            verdict=verdict,
            scale=self.scale,
            figures=FIGURE_SEP.join(self.figure_paths),
            evidence=evidence,
        )

    def judged(self, value, ok: bool, evidence: str) -> Claim:
        """The row with its measured ``value``: ``supported`` if ``ok`` (the criterion holds), else
        ``not_supported``. ``ok`` must be a bool (numpy's included), ``value`` not NaN."""
        if not isinstance(ok, (bool, np.bool_)):
            raise TypeError(f"claim {self.claim_id}: ok must be a bool, got {type(ok).__name__}")
        return self._row(value, "supported" if ok else "not_supported", evidence)

    def over_seeds(self, value, seeds: SeedEffects, rule: str, min_seeds: int, evidence: str) -> Claim:
        """The row of an empirical claim from its per-seed effects: the verdict of ``stats.verdict`` under
        ``rule`` (``interval`` or ``every_seed``, the criterion's), with ``n_seeds`` and the interval; the
        evidence starts with the effects per seed and the reason of the verdict."""
        v, why = verdict(seeds, rule, min_seeds)
        return self._row(value, v, f"{v}: {why}; {seeds.describe()}; {evidence}", seeds)

    def not_run(self, why: str) -> Claim:
        """The row of a claim whose inputs are absent from this run; ``why`` says what is missing."""
        if not why or not why.strip():
            raise ValueError(f"claim {self.claim_id}: not_run needs a reason")
        return self._row(math.nan, "not_run", why)
