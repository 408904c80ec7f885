"""The verdict statistic: the t-interval against a hand computation, and each rule's three outcomes on
hand-made seed effects (every criterion can fail)."""

import math

import numpy as np
import pytest

from muonrepro.stats.verdict import criterion_text, summarize, verdict


def test_t_interval_by_hand():
    # effects 1, 2, 3: mean 2, sd 1, se 1/sqrt(3); t_{0.975, 2} = 4.3026527297 (tables)
    s = summarize({0: 1.0, 1: 2.0, 2: 3.0})
    half = 4.3026527297 / math.sqrt(3)
    assert s.n == 3 and s.mean == 2.0 and s.holds == 3
    assert s.ci_low == pytest.approx(2 - half, abs=1e-9) and s.ci_high == pytest.approx(2 + half, abs=1e-9)


def test_interval_matches_an_independent_formula():
    from scipy import stats

    x = np.random.default_rng(0).normal(0.3, 1.0, 7)
    s = summarize(dict(enumerate(x)), level=0.9)
    lo, hi = stats.t.interval(0.9, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert (s.ci_low, s.ci_high) == pytest.approx((lo, hi), rel=1e-12)


def test_one_seed_has_no_interval_and_nan_seeds_are_unusable():
    s = summarize({0: 0.5})
    assert s.n == 1 and math.isnan(s.ci_low) and math.isnan(s.ci_high)
    s = summarize({0: 0.5, 1: float("nan"), 2: 0.7})
    assert s.n == 2 and s.unusable == (1,) and set(s.effects) == {0, 2}


@pytest.mark.parametrize(
    "effects, expected",
    [
        ({0: 1.0, 1: 1.1, 2: 0.9}, "supported"),
        ({0: -1.0, 1: -1.1, 2: -0.9}, "not_supported"),
        ({0: 1.0, 1: -1.0, 2: 0.5}, "inconclusive"),  # the interval contains 0
        ({0: 0.1, 1: 0.2, 2: 3.0}, "inconclusive"),  # all positive, but too spread to exclude 0
    ],
)
def test_interval_rule(effects, expected):
    assert verdict(summarize(effects), "interval", 3)[0] == expected


@pytest.mark.parametrize(
    "effects, expected",
    [
        ({0: 1, 1: 2, 2: 3}, "supported"),
        ({0: 1, 1: -2, 2: -3}, "not_supported"),  # fails in most seeds
        ({0: 1, 1: 2, 2: -3}, "inconclusive"),  # the seeds disagree
        ({0: 0.0, 1: 2, 2: 3}, "inconclusive"),  # an effect of exactly 0 does not hold
    ],
)
def test_every_seed_rule(effects, expected):
    assert verdict(summarize(effects), "every_seed", 3)[0] == expected


def test_too_few_seeds_is_never_a_verdict():
    for rule in ("interval", "every_seed"):
        v, why = verdict(summarize({0: 5.0, 1: 6.0}), rule, 3)
        assert v == "inconclusive" and "fewer than the 3" in why
    with pytest.raises(ValueError, match="rule"):
        verdict(summarize({0: 1.0}), "majority", 1)


def test_criterion_text_names_the_rule():
    assert "t-interval" in criterion_text("interval", 3) and ">= 3 seeds" in criterion_text("interval", 3)
    assert "every one of >= 3 seeds" in criterion_text("every_seed", 3)


def test_one_usable_seed_gives_no_interval_verdict():
    one = summarize({0: 2.0})
    assert verdict(one, "interval", 1) == ("inconclusive", "1 usable seed: a t-interval needs at least 2")
    assert verdict(one, "every_seed", 1)[0] == "supported"


def test_unusable_seeds_carry_their_cause_into_the_reason_and_the_evidence():
    s = summarize({0: 1.0, 1: float("nan"), 2: float("nan")}, causes={1: "diverged: mlp2/muon", 0: "not unusable"})
    assert s.causes == {1: "diverged: mlp2/muon"}  # only unusable seeds keep a cause
    v, why = verdict(s, "every_seed", 3)
    assert v == "inconclusive" and why.endswith("(no effect measurable in seed(s) 1 (diverged: mlp2/muon), 2)")
    assert "unusable seeds (no effect measurable): 1 (diverged: mlp2/muon), 2" in s.describe()
