"""Gini coefficient (spec energy.md §4.3, §5 item 11)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from muonrepro.energy.estimator.gini import gini, gini_pairwise

# values either exactly 0 or in a range where scaling cannot underflow/overflow
_value = st.one_of(st.just(0.0), st.floats(min_value=1e-6, max_value=1e6))
_vectors = st.lists(_value, min_size=1, max_size=40)
_positive_vectors = st.lists(st.floats(min_value=1e-6, max_value=1e6), min_size=1, max_size=40)
_hyp = settings(max_examples=150, deadline=None)


# ---- published test vectors (spec §4.3) ------------------------------------------------------


def test_spec_test_vector_constant():
    assert gini([100, 100, 100, 100, 100]) == 0.0


def test_spec_test_vector_ramp():
    assert gini([400, 100, 300, 200, 500]) == pytest.approx(0.26666666666666666, rel=1e-14)


def test_spec_test_vector_outlier():
    assert gini([1, 1, 1, 1, 10000, 1, 1, 1, 1, 1]) == pytest.approx(0.89910080927165548, rel=1e-14)


def test_spec_one_hot_example():
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75, abs=1e-15)


def test_hand_computed_small_example():
    # sum_ij |x_i - x_j| = 2 (1 + 2 + 1) = 8; 2 N^2 xbar = 2 * 9 * 2 = 36
    assert gini([1.0, 2.0, 3.0]) == pytest.approx(8.0 / 36.0, rel=1e-14)
    assert gini([1.0, 2.0, 3.0], corrected=True) == pytest.approx(8.0 / 36.0 * 1.5, rel=1e-14)


# ---- edge cases and validation ---------------------------------------------------------------


def test_all_zero_is_zero():
    assert gini(np.zeros(7)) == 0.0
    assert gini(np.zeros(7), corrected=True) == 0.0


def test_single_value_is_zero():
    assert gini([3.5]) == 0.0
    assert gini([3.5], corrected=True) == 0.0


def test_returns_python_float():
    assert isinstance(gini([1, 2, 3]), float)


def test_flattens_array_likes():
    x = [[400, 100], [300, 200], [500, 0]]
    assert gini(x) == pytest.approx(gini(np.ravel(x)), rel=1e-15)
    assert gini(tuple(np.ravel(x))) == pytest.approx(gini(np.ravel(x)), rel=1e-15)
    assert gini(np.array(x, dtype=np.int64)) == pytest.approx(gini(np.ravel(x)), rel=1e-15)


@pytest.mark.parametrize(
    "bad",
    [[], np.array([]), [1.0, -0.5, 2.0], [-1e-300], [1.0, np.nan], [np.nan], [1.0, np.inf]],
)
def test_invalid_inputs_raise(bad):
    with pytest.raises(ValueError):
        gini(bad)


def test_not_fooled_by_zero_padding():
    # adding zeros increases inequality: [1,1] -> 0, [1,1,0,0] -> 0.5
    assert gini([1, 1]) == 0.0
    assert gini([1, 1, 0, 0]) == pytest.approx(0.5, rel=1e-14)


def test_vectorised_speed_large_input():
    x = np.random.default_rng(0).exponential(size=1_000_000)
    g = gini(x)
    # Gini of an exponential distribution is exactly 1/2
    assert g == pytest.approx(0.5, abs=3e-3)


# ---- properties (hypothesis) ------------------------------------------------------------------


@_hyp
@given(_vectors, st.randoms(use_true_random=False))
def test_permutation_invariance(xs, rnd):
    ys = list(xs)
    rnd.shuffle(ys)
    assert gini(ys) == pytest.approx(gini(xs), rel=1e-12, abs=1e-14)


@_hyp
@given(_vectors, st.floats(min_value=1e-3, max_value=1e3))
def test_scale_invariance(xs, c):
    assert gini(c * np.asarray(xs)) == pytest.approx(gini(xs), rel=1e-12, abs=1e-14)


@_hyp
@given(_vectors)
def test_bounds(xs):
    n = len(xs)
    g = gini(xs)
    assert 0.0 <= g <= (n - 1) / n + 1e-12
    gc = gini(xs, corrected=True)
    assert 0.0 <= gc <= 1.0 + 1e-12


@_hyp
@given(_vectors)
def test_matches_pairwise_formula(xs):
    assert gini(xs) == pytest.approx(gini_pairwise(xs), rel=1e-10, abs=1e-12)


@_hyp
@given(_vectors)
def test_corrected_is_n_over_n_minus_1(xs):
    n = len(xs)
    if n == 1:
        assert gini(xs, corrected=True) == 0.0
    else:
        assert gini(xs, corrected=True) == pytest.approx(gini(xs) * n / (n - 1), rel=1e-14, abs=1e-15)


@_hyp
@given(st.integers(min_value=1, max_value=200), st.data())
def test_one_hot_is_maximal(n, data):
    k = data.draw(st.integers(min_value=0, max_value=n - 1))
    v = data.draw(st.floats(min_value=1e-6, max_value=1e6))
    x = np.zeros(n)
    x[k] = v
    assert gini(x) == pytest.approx((n - 1) / n, rel=1e-14, abs=1e-15)
    if n > 1:
        assert gini(x, corrected=True) == pytest.approx(1.0, rel=1e-14)


@_hyp
@given(st.integers(min_value=1, max_value=100), st.floats(min_value=1e-6, max_value=1e6))
def test_constant_is_zero(n, v):
    assert gini(np.full(n, v)) == pytest.approx(0.0, abs=1e-12)


@_hyp
@given(_positive_vectors)
def test_transfer_from_rich_to_poor_does_not_increase(xs):
    # Pigou-Dalton: moving a small amount from the largest to the smallest lowers (or keeps) G
    x = np.asarray(xs, dtype=float)
    if x.size < 2 or x.max() == x.min():
        return
    i, j = int(np.argmax(x)), int(np.argmin(x))
    d = 0.25 * (x[i] - x[j])
    y = x.copy()
    y[i] -= d
    y[j] += d
    assert gini(y) <= gini(x) + 1e-12


def test_matches_independent_lorenz_area():
    # G = 1 - 2 * (area under the Lorenz curve), trapezoid rule on the exact piecewise-linear curve
    x = np.random.default_rng(3).lognormal(size=101)
    xs = np.sort(x)
    L = np.concatenate([[0.0], np.cumsum(xs) / xs.sum()])
    area = float(np.sum((L[1:] + L[:-1]) / 2.0) / xs.size)
    assert gini(x) == pytest.approx(1.0 - 2.0 * area, rel=1e-12)
    assert math.isfinite(gini(x))
