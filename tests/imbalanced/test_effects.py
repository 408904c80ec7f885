"""Claim 17's learning times and per-seed effect, and the ledger row built from per-seed effects: hand-made
cases with known answers, including the ones where the claim must fail."""

import math

import numpy as np
import pytest

from muonrepro.imbalanced.effects import CHANCE, depth_effect, group_time, learning_level, learning_time, seed_row
from muonrepro.ledger import ClaimSpec

STATS = {"level": 0.95, "min_seeds": 3}
SPEC = ClaimSpec("imbalanced", "Cx", "empirical", "claim", "metric", "criterion", "small")


def test_learning_time_first_step_at_the_level():
    s = np.array([0, 10, 20, 30, 40])
    assert learning_time(s, np.array([0.1, 0.3, 0.5, 0.4, 0.7]), 0.5) == (20.0, True)  # reached exactly, dips later
    assert learning_time(s[::-1], np.array([0.7, 0.4, 0.5, 0.3, 0.1]), 0.5) == (20.0, True)  # order of the input
    assert learning_time(s, np.array([0.1, 0.3, 0.45, 0.45, 0.45]), 0.5) == (40.0, False)  # plateau below: horizon


def test_learning_level_is_a_fraction_of_the_way_from_chance_to_the_final_accuracy():
    assert CHANCE == pytest.approx(0.1)  # 10 classes
    assert learning_level(1.0, 0.5) == pytest.approx(0.55)
    assert learning_level(0.45, 0.5) == pytest.approx(0.275)
    assert learning_level(0.45, 0.25) == pytest.approx(0.1875) and learning_level(0.45, 0.75) == pytest.approx(0.3625)
    assert learning_level(0.8, 1.0) == pytest.approx(0.8) and learning_level(0.6, 0.5, chance=0.5) == pytest.approx(
        0.55
    )


STEPS = np.arange(0, 90, 10)
# a minority curve as on Colored-MNIST: at chance at init, below chance once the colour is learned, then up to 0.45
MINORITY = np.array([0.1, 0.05, 0.0, 0.2, 0.3, 0.4, 0.46, 0.44, 0.45])
MAJORITY = np.array([0.1, 0.6, 0.9, 0.99, 1.0, 0.99, 1.0, 1.0, 0.98])


def test_group_time_on_hand_made_curves():
    """The level comes from the curve's own final value (the last evaluated step), the time is the first
    evaluated step at or above it, wherever the curve dips before."""
    g = group_time(STEPS, MINORITY, 0.5)  # level 0.1 + 0.5 * (0.45 - 0.1) = 0.275: first reached at 0.3 (step 40)
    assert g.reached and g.t == 40 and g.final == 0.45 and g.level == pytest.approx(0.275)
    assert group_time(STEPS, MINORITY, 0.25).t == 30  # level 0.1875: 0.2 at step 30
    assert group_time(STEPS, MINORITY, 0.75).t == 50  # level 0.3625: 0.4 at step 50
    assert group_time(STEPS, MINORITY, 1.0).t == 60  # level 0.45: 0.46 at step 60 (the final value itself is 0.45)
    g = group_time(STEPS, MAJORITY, 0.5)  # level 0.1 + 0.5 * (0.98 - 0.1) = 0.54
    assert g.reached and g.t == 10 and g.level == pytest.approx(0.54)
    assert group_time(STEPS[::-1], MINORITY[::-1], 0.5).t == 40  # order of the input does not matter
    # a flat curve above chance reaches its own level at the first step
    assert group_time(STEPS, np.full(len(STEPS), 0.3), 0.5).t == 0


def test_group_time_of_a_group_that_never_rises_above_chance():
    """A group whose final accuracy is not above chance learned nothing: no level, never reached."""
    for final in (0.1, 0.02):
        curve = np.array([0.1, 0.3, 0.2, 0.05, 0.0, 0.0, 0.01, 0.0, final])
        g = group_time(STEPS, curve, 0.5)
        assert not g.reached and math.isnan(g.level) and g.t == 80 and g.final == final
        assert "never reaches" in g.describe()


def times(shallow, deep):
    """shallow/deep: ((T_min, reached), (T_maj, reached))."""
    return {k: {"minority": v[0], "majority": v[1]} for k, v in (("shallow", shallow), ("deep", deep))}


def test_depth_effect_when_the_deeper_net_closes_the_gap():
    effect, note = depth_effect(times(((50, True), (5, True)), ((30, True), (5, True))))
    assert effect == 20 and note == ""


def test_depth_effect_reversed_case_fails():
    """The reviewer's case: 2 layers T_min 5, T_maj 12; 4 layers T_min 7, T_maj 12. |gap| shrinks from 7 to 5,
    but the deeper net learns the minority later relative to the majority: the signed effect is -2."""
    effect, _ = depth_effect(times(((5, True), (12, True)), ((7, True), (12, True))))
    assert effect == -2


def test_depth_effect_of_groups_on_hand_made_curves():
    """From curves to the effect: the 2-layer minority is MINORITY (T = 40), the 4-layer minority the same curve
    shifted 10 steps earlier (T = 30); both majorities MAJORITY (T = 10): effect (40 - 10) - (30 - 10) = 10."""
    earlier = np.append(MINORITY[1:], MINORITY[-1])
    shallow = {"minority": group_time(STEPS, MINORITY, 0.5), "majority": group_time(STEPS, MAJORITY, 0.5)}
    deep = {"minority": group_time(STEPS, earlier, 0.5), "majority": group_time(STEPS, MAJORITY, 0.5)}
    assert depth_effect({"shallow": shallow, "deep": deep}) == (10.0, "")
    assert depth_effect({"shallow": deep, "deep": shallow}) == (-10.0, "")  # the other way round: fails


def test_depth_effect_a_group_never_reaching_its_level_makes_the_seed_unusable():
    effect, note = depth_effect(times(((50, True), (5, True)), ((80, False), (5, True))))
    assert math.isnan(effect) and "deep net's minority group" in note and "unusable" in note
    effect, note = depth_effect(times(((80, False), (5, True)), ((40, True), (80, False))))
    assert math.isnan(effect) and "shallow net's minority group and the deep net's majority group" in note
    flat = group_time(STEPS, np.full(len(STEPS), 0.05), 0.5)  # never above chance
    effect, _ = depth_effect(
        {
            "shallow": {"minority": group_time(STEPS, MINORITY, 0.5), "majority": group_time(STEPS, MAJORITY, 0.5)},
            "deep": {"minority": flat, "majority": group_time(STEPS, MAJORITY, 0.5)},
        }
    )
    assert math.isnan(effect)


def test_seed_row_value_interval_and_verdicts():
    row = seed_row(SPEC, {0: 0.1, 1: 0.2, 2: 0.15}, "interval", STATS, "ev")
    half = 4.302652729911275 * 0.05 / math.sqrt(3)
    assert row.value == pytest.approx(0.15) and row.n_seeds == 3 and row.verdict == "supported"
    assert (row.ci_low, row.ci_high) == (pytest.approx(0.15 - half), pytest.approx(0.15 + half))
    assert row.evidence.startswith("supported: the 95% t-interval of the mean effect") and row.evidence.endswith("; ev")
    assert seed_row(SPEC, {0: -0.1, 1: -0.2, 2: -0.15}, "interval", STATS, "").verdict == "not_supported"
    assert seed_row(SPEC, {0: 1.0, 1: 2.0}, "interval", STATS, "").verdict == "inconclusive"  # 2 < min_seeds
    assert seed_row(SPEC, {0: 1.0, 1: -1.0, 2: -2.0}, "every_seed", STATS, "").verdict == "not_supported"
    row = seed_row(SPEC, {0: math.nan, 1: math.nan}, "every_seed", STATS, "")
    assert row.verdict == "inconclusive" and row.value == "no usable seed"
    row = seed_row(SPEC, {0: 1.0, 1: math.nan, 2: 2.0}, "every_seed", STATS, "", reason="seed 1 is unusable because x")
    assert row.verdict == "inconclusive" and row.reason == "seed 1 is unusable because x"
    assert seed_row(SPEC, {0: 1.0, 1: 2.0, 2: 3.0}, "every_seed", STATS, "", reason="unused").reason == ""
