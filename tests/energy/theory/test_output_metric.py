"""C3 with an output metric Sigma_delta = B != I (spec energy.md §3.3), against a case computed by hand."""

import numpy as np
import pytest

from muonrepro.energy.theory.checks import run_theory_checks
from muonrepro.energy.theory.output_metric import output_metric_numbers

# Two samples x1 = (sqrt 2, 0), x2 = (0, sqrt 6): Sigma_x = diag(1, 3); B = diag(2, 1/2); E = [[1, 1], [1, -1]].
# 2L = tr(E^T B E Sigma_x):   E^T B E = [[2.5, 1.5], [1.5, 2.5]]     -> 2.5 * 1 + 2.5 * 3 = 10
# mean ||delta||^2 = tr(E^T B^2 E Sigma_x): E^T B^2 E = [[4.25, 3.75], [3.75, 4.25]] -> 4.25 + 12.75 = 17
X = np.array([[np.sqrt(2.0), 0.0], [0.0, np.sqrt(6.0)]])
B = np.diag([2.0, 0.5])
E = np.array([[1.0, 1.0], [1.0, -1.0]])


def test_hand_case():
    v = output_metric_numbers(X, B, E)
    assert v["twice_loss"] == pytest.approx(10.0, rel=1e-14)
    assert v["estimator_sum"] == pytest.approx(10.0, rel=1e-12)  # sum_ij e_ij = 2(L - L*)
    assert v["mean_delta_sq"] == pytest.approx(17.0, rel=1e-14)  # the abstract's mean ||delta||^2 differs
    assert v["mode_formula_delta_sq"] == pytest.approx(17.0, rel=1e-12)  # = sum lambda_i mu_j^2 a_ij^2
    assert v["binv_delta_sq"] == pytest.approx(10.0, rel=1e-12)  # agrees in the metric B^-1
    np.testing.assert_allclose(v["G"], B @ E @ np.diag([1.0, 3.0]), rtol=1e-14)


def test_with_b_equal_identity_the_readings_agree():
    v = output_metric_numbers(X, np.eye(2), E)
    assert v["mean_delta_sq"] == pytest.approx(v["twice_loss"]) == pytest.approx(v["estimator_sum"])


def test_check_rows_carry_the_numbers():
    rows = {r["check"]: r for r in run_theory_checks(seed=0)}
    est = rows["output_metric_estimator_sum_vs_twice_loss"]
    d2 = rows["output_metric_mean_delta_sq_vs_mode_formula"]
    assert est["value"] == pytest.approx(est["reference"], rel=1e-10)
    assert d2["value"] == pytest.approx(d2["reference"], rel=1e-10)
    gap = rows["output_metric_mean_delta_sq_differs_from_twice_loss"]["value"]
    assert gap == pytest.approx(abs(d2["value"] - est["reference"]) / est["reference"], rel=1e-12) and gap > 0.1
