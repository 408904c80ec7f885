"""Claim 17's learning times and per-seed effect, and the ledger row built from per-seed effects: hand-made
cases with known answers, including the ones where the claim must fail."""

import math

import numpy as np
import pytest

from muonrepro.imbalanced.effects import depth_effect, learning_time, seed_row
from muonrepro.ledger import ClaimSpec

STATS = {"level": 0.95, "min_seeds": 3}
SPEC = ClaimSpec("imbalanced", "Cx", "empirical", "claim", "metric", "criterion", "small")


def test_learning_time_first_step_at_the_level():
    s = np.array([0, 10, 20, 30, 40])
    assert learning_time(s, np.array([0.1, 0.3, 0.5, 0.4, 0.7]), 0.5) == (20.0, True)  # reached exactly, dips later
    assert learning_time(s[::-1], np.array([0.7, 0.4, 0.5, 0.3, 0.1]), 0.5) == (20.0, True)  # order of the input
    assert learning_time(s, np.array([0.1, 0.3, 0.45, 0.45, 0.45]), 0.5) == (40.0, False)  # plateau below: horizon


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


def test_depth_effect_plateau_cases():
    # the deeper net's minority never reaches the level (T = horizon 235): fails, and is capped at 0
    effect, note = depth_effect(times(((50, True), (5, True)), ((235, False), (5, True))))
    assert effect == (50 - 5) - (235 - 5) and "capped" in note
    effect, note = depth_effect(times(((200, True), (5, True)), ((235, False), (60, True))))
    assert effect == 0.0 and "capped" in note  # computed 20 would only be an upper bound
    # the shallower net's minority never reaches it: T = horizon, a lower bound on its gap
    effect, note = depth_effect(times(((235, False), (5, True)), ((40, True), (5, True))))
    assert effect == (235 - 5) - (40 - 5) and "lower bound" in note
    # minority reached at neither depth, or a majority not reached: unusable
    assert math.isnan(depth_effect(times(((235, False), (5, True)), ((235, False), (5, True))))[0])
    assert math.isnan(depth_effect(times(((50, True), (235, False)), ((30, True), (5, True))))[0])


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
