"""The one way to build a ledger row: a :class:`ClaimSpec` fixes what a claim is and how it is judged
(text, metric, criterion, kind, figures) before any number is measured; the measured value then turns
it into a :class:`~muonrepro.ledger.rows.Claim` through :meth:`ClaimSpec.judge_effects` (an empirical
claim: per-seed effects summarized and judged by ``stats.verdict``, the one way every paper judges over seeds;
:meth:`ClaimSpec.over_seeds` when the effects are already summarized), :meth:`ClaimSpec.judged` (a theorem check, an
instrument check or a sanity row: one pass/fail), :meth:`ClaimSpec.inconclusive` (nothing the row can
judge: an instrument it rests on failed, or no usable seed) or, when the inputs are absent,
:meth:`ClaimSpec.not_run`. Every row that is not supported carries a one-sentence ``reason``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from muonrepro.ledger.rows import FIGURE_SEP, KINDS, Claim
from muonrepro.stats.verdict import SeedEffects, summarize, verdict


def check_kind_and_figures(claim_id: str, kind: str, figures) -> None:
    """A row's kind is one of ``KINDS`` and its figures a tuple of bare names (no path, no .png): checked where a
    row is defined (a claim table's entry) and where its spec is built."""
    if kind not in KINDS:
        raise ValueError(f"claim {claim_id}: kind {kind!r} not in {KINDS}")
    if isinstance(figures, str):
        raise TypeError(f"claim {claim_id}: figures must be a tuple of names, got the string {figures!r}")
    for name in figures:
        if not name or "/" in name or name.endswith(".png"):
            raise ValueError(f"claim {claim_id}: figure {name!r} must be a bare name (no path, no .png)")


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
        check_kind_and_figures(self.claim_id, self.kind, self.figures)

    @property
    def figure_paths(self) -> list[str]:
        return [f"figures/{self.paper}/{name}.png" for name in self.figures]

    def _row(self, value, verdict: str, evidence: str, seeds: SeedEffects | None = None, reason: str = "") -> Claim:
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
            reason="" if verdict == "supported" else reason,
            scale=self.scale,
            figures=FIGURE_SEP.join(self.figure_paths),
            evidence=evidence,
        )

    def judged(self, value, ok: bool, evidence: str, reason: str | None = None) -> Claim:
        """The row with its measured ``value``: ``supported`` if ``ok`` (the criterion holds), else
        ``not_supported`` with ``reason`` (one sentence; by default: the value fails the criterion). ``ok``
        must be a bool (numpy's included), ``value`` not NaN."""
        if not isinstance(ok, (bool, np.bool_)):
            raise TypeError(f"claim {self.claim_id}: ok must be a bool, got {type(ok).__name__}")
        if ok:
            return self._row(value, "supported", evidence)
        return self._row(value, "not_supported", evidence, reason=reason or self._fails(value))

    def _fails(self, value) -> str:
        return f"the measured value {value} fails the criterion ({self.criterion})"

    def over_seeds(
        self, value, seeds: SeedEffects, rule: str, min_seeds: int, evidence: str, reason: str | None = None
    ) -> Claim:
        """The row of an empirical claim from its per-seed effects: the verdict of ``stats.verdict`` under
        ``rule`` (``interval`` or ``every_seed``, the criterion's), with ``n_seeds`` and the interval; the
        evidence starts with the effects per seed and the reason of the verdict. A row that is not supported
        gets ``reason`` if given (a more specific sentence from the caller), else the statistic's."""
        v, why = verdict(seeds, rule, min_seeds)
        return self._row(value, v, f"{v}: {why}; {seeds.describe()}; {evidence}", seeds, reason=reason or why)

    def judge_effects(
        self,
        effects: Mapping,
        rule: str,
        level: float,
        min_seeds: int,
        evidence: str,
        causes: Mapping | None = None,
        reason: str | Callable[[SeedEffects], str] | None = None,
    ) -> Claim:
        """The row of an empirical claim from its per-seed ``effects`` (seed -> effect, > 0: the claim holds in that
        seed; NaN: the seed is unusable, ``causes`` seed -> why): summarized (``stats.verdict.summarize`` at
        ``level``) and judged under ``rule`` with ``min_seeds``; the value is the mean effect over the usable seeds,
        or the words 'no usable seed'. ``reason``: the sentence of a row that is not supported (a callable gets the
        summary); None: the statistic's own."""
        s = summarize(effects, level, causes)
        value = s.mean if math.isfinite(s.mean) else "no usable seed"
        return self.over_seeds(value, s, rule, min_seeds, evidence, reason=reason(s) if callable(reason) else reason)

    def inconclusive(self, value, reason: str, evidence: str, seeds: SeedEffects | None = None) -> Claim:
        """A row that cannot be judged, whatever its measured ``value`` says: an instrument it rests on failed
        its check, or nothing usable was measured. ``reason`` says which, in one sentence."""
        if not reason or not reason.strip():
            raise ValueError(f"claim {self.claim_id}: an inconclusive row needs a reason")
        return self._row(value, "inconclusive", f"inconclusive: {reason}; {evidence}", seeds, reason=reason)

    def not_run(self, why: str) -> Claim:
        """The row of a claim whose inputs are absent from this run; ``why`` says what is missing."""
        if not why or not why.strip():
            raise ValueError(f"claim {self.claim_id}: not_run needs a reason")
        return self._row(math.nan, "not_run", why, reason=why)


def overruled(row: Claim, reason: str, note: str) -> Claim:
    """``row`` made ``inconclusive`` by something outside its own measurement (an instrument it rests on failed its
    check): its value, seeds and interval stay, ``note`` and its own verdict lead the evidence, ``reason`` says why."""
    if not reason or not reason.strip():
        raise ValueError(f"claim {row.claim_id}: overruling a row needs a reason")
    own = f"own verdict without it: {row.verdict}" + (f" ({row.reason})" if row.reason else "")
    return replace(
        row, verdict="inconclusive", reason=reason, evidence=f"inconclusive: {reason}; {note}; {own}; {row.evidence}"
    )
