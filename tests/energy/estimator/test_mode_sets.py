"""Mode sets (every / any / common) and per-bin sums and means on hand-made masks and energies."""

import math

import numpy as np
import pytest

from muonrepro.energy.estimator.gini import gini
from muonrepro.energy.estimator.mode_sets import Ranked, bin_stats, common_mask, mode_set_rows, mode_set_stats


def test_common_mask_is_the_intersection():
    a = np.array([[1, 1, 0], [1, 0, 1]], bool)
    b = np.array([[1, 0, 0], [1, 1, 1]], bool)
    c = np.array([[1, 1, 1], [0, 1, 1]], bool)
    np.testing.assert_array_equal(common_mask([a, b, c]), [[1, 0, 0], [0, 0, 1]])
    with pytest.raises(ValueError, match="shapes"):
        common_mask([a, np.ones((3, 2), bool)])


def test_bin_sums_and_means_by_hand():
    curv = np.array([3.0, 1.0, 2.0, 4.0, 5.0])
    energy = np.array([30.0, 10.0, 20.0, 40.0, 50.0])
    s, m, n = bin_stats(curv, energy, np.ones(5, bool), 2)  # sorted: 10, 20, 30 | 40, 50
    np.testing.assert_allclose(s, [60.0, 90.0])
    np.testing.assert_allclose(m, [20.0, 45.0])
    np.testing.assert_array_equal(n, [3, 2])
    keep = np.array([True, False, True, True, False])  # 30, 20, 40 -> sorted 20, 30 | 40
    s, m, n = bin_stats(curv, energy, keep, 2)
    np.testing.assert_allclose(s, [50.0, 40.0])
    np.testing.assert_allclose(m, [25.0, 40.0])


def test_a_bin_sum_grows_with_its_size_its_mean_does_not():
    """Two runs with the same per-mode energy 1 but 4 vs 8 modes in the lowest bin."""
    curv = np.arange(10.0)
    e = np.ones(10)
    small = np.array([1, 1, 1, 1, 0, 0, 0, 0, 1, 1], bool)  # 6 modes: bins of 3 and 3
    big = np.ones(10, bool)  # 10 modes: bins of 5 and 5
    s1, m1, _ = bin_stats(curv, e, small, 2)
    s2, m2, _ = bin_stats(curv, e, big, 2)
    assert s1[0] != s2[0] and m1[0] == m2[0] == 1.0


def test_mode_set_stats():
    e = np.array([[1.0, 2.0], [3.0, 100.0]])
    curv = np.array([[4.0, 3.0], [2.0, 1.0]])
    mask = np.array([[True, True], [True, False]])
    st = mode_set_stats(e, mask, curv, 3)
    assert st["n_modes"] == 3 and st["total"] == 6.0
    assert st["gini"] == pytest.approx(gini([1.0, 2.0, 3.0]))
    assert st["gini_corrected"] == pytest.approx(gini([1.0, 2.0, 3.0]) * 3 / 2)
    assert st["bin_sum"] == [3.0, 2.0, 1.0]  # curvature 2, 3, 4
    nan = mode_set_stats(np.array([1.0, np.inf]), np.ones(2, bool), np.arange(2.0), 2)
    assert math.isnan(nan["gini"]) and math.isnan(nan["total"])


def test_mode_set_rows_every_any_common():
    """Optimizer a retained modes 0-2 at every log (3 at some log), b modes 1-3: common = modes 1, 2."""
    curv = np.array([1.0, 2.0, 3.0, 4.0])
    runs = {
        "a": {
            "energies": {"cumulative": np.array([1.0, 2.0, 3.0, 4.0])},
            "every": np.array([1, 1, 1, 0], bool),
            "any": np.array([1, 1, 1, 1], bool),
            "curv": curv,
        },
        "b": {
            "energies": {"cumulative": np.array([10.0, 20.0, 30.0, 40.0])},
            "every": np.array([0, 1, 1, 1], bool),
            "any": np.array([0, 1, 1, 1], bool),
            "curv": curv,
        },
    }
    rows = {(r["optimizer"], r["mode_set"]): r for r in mode_set_rows(runs, 2)}
    assert rows[("a", "every")]["total"] == 6.0 and rows[("a", "any")]["total"] == 10.0
    assert rows[("a", "common")]["total"] == 5.0 and rows[("b", "common")]["total"] == 50.0
    assert rows[("b", "every")]["n_modes"] == rows[("b", "any")]["n_modes"] == 3
    assert rows[("a", "common")]["bin_sum"] == [2.0, 3.0] and rows[("b", "common")]["bin_mean"] == [20.0, 30.0]
    assert rows[("a", "common")]["gini"] == pytest.approx(gini([2.0, 3.0]))


def test_ranked_restricted_to_a_mask_is_the_subsets_own_sort():
    """One sort per array serves every mode set: restricting the (stable) order within a superset to a mask
    gives exactly the mask's own stable argsort, ties included, and the statistics equal those of the subset
    sorted on its own."""
    rng = np.random.default_rng(3)
    curv = rng.integers(0, 6, size=(7, 9)).astype(float)  # many ties
    energy = rng.random((7, 9))
    within = rng.random((7, 9)) < 0.8
    mask = within & (rng.random((7, 9)) < 0.6)
    flat_c, flat_m = curv.ravel(), mask.ravel()
    expected = np.flatnonzero(flat_m)[np.argsort(flat_c[flat_m], kind="stable")]
    np.testing.assert_array_equal(Ranked.of(curv, within=within).positions(flat_m), expected)
    values = Ranked.of(energy, within=within, stable=False)
    np.testing.assert_array_equal(energy.ravel()[values.positions(flat_m)], np.sort(energy.ravel()[flat_m]))
    st = mode_set_stats(energy, mask, curv, 3)
    assert st["gini"] == gini(energy[mask]) and st["total"] == float(energy[mask].sum())
    by_curv = energy.ravel()[expected]
    assert st["bin_sum"] == [float(p.sum()) for p in np.array_split(by_curv, 3)]
