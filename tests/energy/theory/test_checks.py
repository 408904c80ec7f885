"""run_theory_checks / theory_claim_summary (spec energy.md §5 items 1-13, and C3 with Sigma_delta != I)."""

from __future__ import annotations

import copy
import math
import re
from types import SimpleNamespace

import numpy as np
import pytest

from muonrepro.energy.theory import checks as tc
from muonrepro.energy.theory import closed_forms as cf
from muonrepro.energy.theory import quadratic as qd
from muonrepro.energy.theory import simulation as sim
from muonrepro.energy.theory.checks import (
    CLAIM_GROUPS,
    COUNTEREXAMPLE_CHECK,
    INEQUALITY_CHECKS,
    run_theory_checks,
    theory_claim_summary,
)

KEYS = {"check", "value", "reference", "tolerance", "passed"}

# at least one named check per spec §5 item
ITEM_CHECKS = {
    1: ["vec_kron_gradient_convention", "vec_column_major_identity"],
    2: ["rotated_gradient_entries"],
    3: ["estimator_sum_vs_newton_decrement", "newton_decrement_vs_twice_excess_loss"],
    4: [
        "gd_finite_horizon_t50",
        "gd_infinite_horizon_closed_vs_sim",
        "gd_negative_rho_present",
        "gd_negative_rho_infinite_horizon",
    ],
    5: ["h2_observability_vs_closed_form", "h2_controllability_vs_closed_form"],
    6: ["gd_simplified_mode_energy"],
    7: ["kfac_modes_uniform_rate", "kfac_energy_closed_form_vs_sim"],
    8: [
        "jensen_inequality_random_rates",
        "jensen_equality_constant_rate",
        "jensen_constrained_minimum_perturbation",
        "jensen_gd_vs_uniform",
    ],
    9: ["heavy_ball_spec_example_energy", "heavy_ball_lyapunov_vs_simulation"],
    10: ["polar_eigenbasis_sign_pattern", "polar_uniform_step_per_mode"],
    11: [
        "gini_test_vector_constant",
        "gini_test_vector_ramp",
        "gini_test_vector_outlier",
        "gini_one_hot",
        "gini_permutation_invariance",
        "gini_scale_invariance",
    ],
    12: [COUNTEREXAMPLE_CHECK],
    13: ["linear_mse_estimator_sum_vs_mean_delta_sq", "linear_mse_mean_delta_sq_vs_twice_loss"],
    14: [
        "output_metric_estimator_sum_vs_twice_loss",
        "output_metric_mean_delta_sq_vs_mode_formula",
        "output_metric_binv_norm_vs_twice_loss",
        "output_metric_mean_delta_sq_differs_from_twice_loss",
    ],
}


@pytest.fixture(scope="module")
def rows():
    return run_theory_checks()


def _recompute_passed(r: dict) -> bool:
    v, ref, tol = r["value"], r["reference"], r["tolerance"]
    if r["check"] == COUNTEREXAMPLE_CHECK:
        return r["passed"]  # compound observation, checked separately
    if r["check"] in INEQUALITY_CHECKS:
        slack = tol * max(1.0, abs(ref))
        return {
            "<": v < ref,
            "<=": v <= ref + slack,
            ">": v > ref,
            ">=": v >= ref - slack,
        }[INEQUALITY_CHECKS[r["check"]]]
    return abs(v - ref) <= tol * max(1.0, abs(ref))


def test_row_schema(rows):
    assert len(rows) >= 40
    for r in rows:
        assert set(r) == KEYS
        assert isinstance(r["check"], str)
        assert isinstance(r["value"], float) and isinstance(r["reference"], float)
        assert isinstance(r["tolerance"], float) and r["tolerance"] >= 0
        assert isinstance(r["passed"], bool)
        assert math.isfinite(r["value"]) and math.isfinite(r["reference"])


def test_names_unique_snake_case(rows):
    names = [r["check"] for r in rows]
    assert len(names) == len(set(names))
    for nm in names:
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", nm), nm


def test_every_spec_item_has_checks(rows):
    names = {r["check"] for r in rows}
    for item, expected in ITEM_CHECKS.items():
        missing = set(expected) - names
        assert not missing, f"spec §5 item {item}: missing {missing}"


def test_passed_is_computed_honestly(rows):
    for r in rows:
        assert r["passed"] == _recompute_passed(r), r


def test_tolerances_are_tight(rows):
    # no check hides behind a loose tolerance; only the finite-difference f'' check uses 1e-5
    for r in rows:
        if r["check"] == "jensen_f_second_derivative_formula":
            assert r["tolerance"] <= 1e-5
        else:
            assert r["tolerance"] <= 1e-9, r


@pytest.mark.parametrize("seed,n,m", [(0, 6, 4), (1, 6, 4), (2, 5, 5), (3, 3, 7), (11, 8, 3), (4, 2, 2)])
def test_all_checks_pass_except_the_observation(seed, n, m):
    rows_ = run_theory_checks(seed=seed, n=n, m=m)
    failed = [r for r in rows_ if not r["passed"] and r["check"] != COUNTEREXAMPLE_CHECK]
    assert not failed, failed


def test_counterexample_row_is_an_observation(rows):
    # spec §5 item 12: computed and reported, never asserted to go either way
    (r,) = [r for r in rows if r["check"] == COUNTEREXAMPLE_CHECK]
    assert math.isfinite(r["value"])
    assert -1.0 < r["value"] < 1.0  # a difference of two Gini coefficients
    assert r["reference"] == 0.0
    if r["passed"]:
        assert r["value"] > 0.0
    # its value is what it says: Gini(uniform) - Gini(GD) on this seed's closed forms
    from muonrepro.energy.estimator.gini import gini

    P = qd.make_quadratic(np.random.default_rng(0), n=6, m=4)
    eta = 1.0 / P.h.max()
    rho = cf.gd_rates(P.lam, P.mu, eta)
    w = P.h * P.a0**2
    E_gd = cf.mode_energy_closed_form(P.a0, P.h, rho)
    E_un = w / (1.0 - cf.weighted_mean_rate(w, rho, absolute=True) ** 2)
    assert r["value"] == pytest.approx(gini(E_un) - gini(E_gd), abs=1e-15)
    assert r["passed"] == bool(gini(E_un) > gini(E_gd) and E_un.sum() < E_gd.sum())


def test_counterexample_not_part_of_claim_groups():
    for names in CLAIM_GROUPS.values():
        assert COUNTEREXAMPLE_CHECK not in names


def test_spec_construction_independent_numbers(rows):
    by = {r["check"]: r for r in rows}
    assert by["gini_test_vector_ramp"]["reference"] == 0.26666666666666666
    assert by["gini_test_vector_outlier"]["reference"] == 0.89910080927165548
    assert by["heavy_ball_spec_example_energy"]["reference"] == 0.845
    assert by["heavy_ball_spec_example_spectral_radius"]["value"] == pytest.approx(0.7071, abs=5e-5)


def test_linear_mse_identity_values(rows):
    by = {r["check"]: r for r in rows}
    a = by["linear_mse_estimator_sum_vs_mean_delta_sq"]
    b = by["linear_mse_mean_delta_sq_vs_twice_loss"]
    assert a["reference"] == b["value"]  # both are mean ||delta||^2
    assert a["value"] > 0


def test_deterministic(rows):
    again = run_theory_checks()
    assert [r["check"] for r in again] == [r["check"] for r in rows]
    assert [r["value"] for r in again] == [r["value"] for r in rows]


def test_bad_sizes_raise():
    with pytest.raises(ValueError):
        run_theory_checks(n=1, m=4)


# ---- the checks can fail ------------------------------------------------------------------------


def test_checks_detect_a_wrong_gd_simplification(monkeypatch):
    monkeypatch.setattr(cf, "gd_mode_energy_simplified", lambda a0, h, eta: a0**2 / (eta * (2.0 - h)))
    by = {r["check"]: r for r in run_theory_checks()}
    assert not by["gd_simplified_mode_energy"]["passed"]
    assert not theory_claim_summary(list(by.values()))["decomposition_h2"]["all_passed"]


def test_checks_detect_a_wrong_vec_convention(monkeypatch):
    monkeypatch.setattr(qd, "vec", lambda X: np.asarray(X, dtype=np.float64).reshape(-1))  # row-major
    by = {r["check"]: r for r in run_theory_checks()}
    assert not by["vec_kron_gradient_convention"]["passed"]


def test_checks_detect_a_non_polar_step(monkeypatch):
    monkeypatch.setattr(sim, "polar", lambda M, rel_cutoff=1e-10: M / np.linalg.norm(M))
    by = {r["check"]: r for r in run_theory_checks()}
    assert not by["polar_eigenbasis_sign_pattern"]["passed"]
    assert not by["polar_uniform_step_per_mode"]["passed"]


# ---- summary ------------------------------------------------------------------------------------


def test_claim_groups_refer_to_real_checks(rows):
    names = {r["check"] for r in rows}
    assert set(CLAIM_GROUPS) == {"decomposition_h2", "jensen_uniform", "polar_uniform_steps"}
    for group, members in CLAIM_GROUPS.items():
        assert members and set(members) <= names, group
    assert "polar_uniform_step_per_mode" in CLAIM_GROUPS["polar_uniform_steps"]
    assert set(INEQUALITY_CHECKS) <= names


def test_summary_values(rows):
    s = theory_claim_summary(rows)
    assert set(s) == set(CLAIM_GROUPS)
    by = {r["check"]: r for r in rows}
    for group, info in s.items():
        assert info["all_passed"] is True
        assert info["missing"] == []
        assert info["n_checks"] == info["n_passed"] == len(CLAIM_GROUPS[group])
        eq = [by[c] for c in CLAIM_GROUPS[group] if c not in INEQUALITY_CHECKS]
        expected_err = max(abs(r["value"] - r["reference"]) / max(1.0, abs(r["reference"])) for r in eq)
        assert info["max_rel_error"] == pytest.approx(expected_err, rel=1e-12, abs=1e-300)
        assert info["max_rel_error"] <= 1e-5
        assert info["min_margin"] is not None and info["min_margin"] >= 0.0
    assert s["decomposition_h2"]["max_rel_error"] < 1e-9
    assert s["polar_uniform_steps"]["max_rel_error"] < 1e-9
    assert s["jensen_uniform"]["min_margin"] > 0.0  # the Jensen inequalities hold strictly


def test_summary_flags_failures_and_missing(rows):
    bad = copy.deepcopy(rows)
    for r in bad:
        if r["check"] == "kfac_energy_lyapunov":
            r["value"] *= 1.01
            r["passed"] = False
    bad = [r for r in bad if r["check"] != "polar_uniform_step_per_mode"]
    s = theory_claim_summary(bad)
    assert s["decomposition_h2"]["all_passed"] is True
    assert s["jensen_uniform"]["all_passed"] is False
    assert s["jensen_uniform"]["max_rel_error"] > 1e-3
    assert s["polar_uniform_steps"]["all_passed"] is False
    assert s["polar_uniform_steps"]["missing"] == ["polar_uniform_step_per_mode"]


def test_summary_margin_sign(rows):
    bad = copy.deepcopy(rows)
    for r in bad:
        if r["check"] == "jensen_gd_vs_uniform":
            r["value"], r["reference"] = r["reference"] - 1.0, r["reference"]
            r["passed"] = False
    s = theory_claim_summary(bad)
    assert s["jensen_uniform"]["min_margin"] < 0
    assert s["jensen_uniform"]["all_passed"] is False
    assert tc.theory_claim_summary(rows)["jensen_uniform"]["all_passed"] is True


def test_summary_survives_csv_round_trip(rows, tmp_path):
    # the workflow writes the rows to CSV and summarises what it reads back
    import pandas as pd

    path = tmp_path / "theory_checks.csv"
    pd.DataFrame(rows, columns=sorted(KEYS)).to_csv(path, index=False)
    back = pd.read_csv(path).to_dict("records")
    s_back, s = theory_claim_summary(back), theory_claim_summary(rows)
    for group in CLAIM_GROUPS:
        assert s_back[group]["all_passed"] is True
        assert s_back[group]["n_passed"] == s[group]["n_passed"]
        assert s_back[group]["max_rel_error"] == pytest.approx(s[group]["max_rel_error"], rel=1e-12, abs=1e-300)


def test_theory_job_writes_the_rows_as_the_ledger_check_table(rows, tmp_path):
    """Rule energy_theory's job: the rows of ``run_theory_checks`` (seed 0) in the ledger's check columns."""
    import pandas as pd

    from muonrepro.energy.theory.checks import theory_job
    from muonrepro.ledger import CHECK_COLUMNS

    out = tmp_path / "theory_checks.csv"
    theory_job(SimpleNamespace(params=SimpleNamespace(seed=0), output=[out]))
    got = pd.read_csv(out)
    assert list(got.columns) == CHECK_COLUMNS and got["check"].tolist() == [r["check"] for r in rows]
