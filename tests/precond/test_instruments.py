"""The precond instruments of issue 25 (docs/precond-instruments.md), each on hand-made cases where it
fails and where it passes: run outcomes (reached / stalled / budget), Lemma L1's budget condition and the
eta0 rule, the usable-run filter of the count rows, the float64 decoupling tolerance of A8 / A8-R3,
A9's early-window tolerances, A15's decades against the SVD reference, the extension row E3 and A12's
condition filter. Tests check that the code computes what the criteria say; no empirical claim is
asserted."""

import copy
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from snakemake.utils import validate

from muonrepro.precond import budget, checks, instances
from muonrepro.precond.checks import Setup
from muonrepro.precond.checks.ablations import ns5_effect
from muonrepro.precond.checks.lookup import usable
from muonrepro.precond.problems import mf as mf_mod
from muonrepro.precond.scalar import (
    U64,
    decoupling_ratio,
    decoupling_tolerance,
    icl_early_tolerances,
    mf_recursion,
    precision_scaling,
)
from muonrepro.precond.steps import geometric_etas, kept_cond_F
from muonrepro.precond.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[2]
SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def config():
    c = yaml.safe_load((ROOT / "config.yaml").read_text())
    validate(c, str(ROOT / "workflow/schemas/config.schema.yaml"))
    return c


@pytest.fixture(scope="module")
def S(config):
    return Setup.from_config(config["precond"], config["scales"]["small"]["precond"], "small", config["stats"])


@pytest.fixture(scope="module")
def tiny(config):
    P = copy.deepcopy(config["precond"])
    PS = copy.deepcopy(config["scales"]["small"]["precond"])
    PS.update(kappas=[10, 100], seeds=list(SEEDS), mf={"d": 8, "r": 3}, icl={"d": 4, "N": 10})
    PS["iters"] = dict(PS["iters"], muon=80, gd=20000, adam=50, adam_icl=50)
    return P, PS


def rows(problem, method, per_seed, eps=1e-6, **cols):
    """Iteration rows; ``per_seed`` = [{kappa: count}, ...]; ``cols``: {column: {(seed, kappa): value}} with
    defaults reached=True, outcome from reached, l1_condition=True."""
    out = []
    for s, per_k in enumerate(per_seed):
        for k, n in per_k.items():
            r = dict(problem=problem, method=method, kappa=k, seed=s, epsilon=eps, iterations=n, setting="x")
            r["reached"] = cols.get("reached", {}).get((s, k), True)
            r["outcome"] = cols.get("outcome", {}).get((s, k), "reached" if r["reached"] else "stalled")
            r["l1_condition"] = cols.get("l1_condition", {}).get((s, k), True)
            for c in ("remaining_budget", "remaining_distance", "l1_distance", "l1_budget"):
                r[c] = cols.get(c, {}).get((s, k), math.nan)
            out.append(r)
    return pd.DataFrame(out)


# ------------------------------------------------------------------------------------------------
# outcomes and Lemma L1's budget condition


def test_outcome_classifies_reached_stalled_and_budget():
    assert budget.outcome(True, 1e-30, 1.0) == "reached"
    assert budget.outcome(False, 1e-20, 1e-3) == "stalled"  # cannot close 1e-3 with 1e-20 left
    assert budget.outcome(False, 0.5, 1e-3) == "budget"  # still able to converge at the cap
    assert budget.outcome(False) == "budget"  # no step budget (GD, Adam)


def test_remaining_budget_is_the_geometric_tail():
    eta0, q, T = 0.4, 0.8, 37
    assert budget.remaining_budget(eta0, q, T) == pytest.approx(geometric_etas(eta0, q, 5000)[T:].sum(), rel=1e-12)


def test_l1_condition_fails_below_slack_times_distance_and_passes_at_the_l1_rule():
    q, D0 = 0.8, np.array([0.999, 0.5])
    assert not budget.l1_condition(D0, 0.22, q, 2.0)[0]  # 1.1 < 2 * 0.999: the spec's eta0 from a random start
    assert budget.l1_condition(D0, 0.22, q, 1.0)[0]  # 1.1 >= 0.999 without slack
    eta0 = budget.eta0_of({"eta0": "l1"}, 1.0, D0, q, 2.0)
    np.testing.assert_allclose(eta0, 2.0 * D0 * (1 - q))
    assert budget.l1_condition(D0, eta0, q, 2.0).all()  # exactly at the condition, despite rounding
    assert not budget.l1_condition(D0, eta0 * (1 - 1e-9), q, 2.0).any()
    np.testing.assert_allclose(budget.eta0_of({"eta0": 0.22}, np.array([1.0, 2.0]), D0, q, 2.0), [0.22, 0.44])


def test_s1_columns_and_na_where_l1_does_not_apply():
    cols = budget.s1_columns([0.4, 0.2], 0.8, [0.999, 0.999], 2.0, 200, [1e-9, 3e-3])
    assert cols[0]["l1_condition"] and not cols[1]["l1_condition"]
    assert cols[0]["remaining_budget"] == pytest.approx(0.4 * 0.8**200 / 0.2)
    na = budget.s1_columns([0.4], 0.8, [math.nan], math.nan, 200, [1e-9], applicable=False)[0]
    assert na["l1_condition"] is pd.NA and math.isnan(na["l1_distance"]) and na["remaining_distance"] == 1e-9
    assert budget.condition_values([True, "False", math.nan, "True"]).tolist() == [True, False, pd.NA, True]


def test_initial_distance_is_l1s_per_mode_distance(config):
    inst = instances.symmetric_mf(config["precond"], "mf", [1], 8, 3, 100.0)
    prob, p0 = mf_mod.stack_symmetric(inst)
    by_hand = np.abs(np.linalg.svd(inst[0].U0, compute_uv=False) - np.sqrt(inst[0].lam)).max()
    assert prob.mode_errors(p0).max() == pytest.approx(by_hand, rel=1e-14)


def test_mf_tight_draws_the_same_instances_as_mf(config):
    P = config["precond"]
    a, b = P["problems"]["mf"], P["problems"]["mf_tight"]
    assert all(a[k] == b[k] for k in ("rotate", "init", "init_scale", "epsilon"))
    x = instances.symmetric_mf(P, "mf", [2], 8, 3, 1e3)[0]
    y = instances.symmetric_mf(P, "mf_tight", [2], 8, 3, 1e3)[0]
    np.testing.assert_array_equal(x.U0, y.U0)
    np.testing.assert_array_equal(x.lam, y.lam)


def test_sweep_rows_carry_outcome_and_l1_columns(tiny):
    P, PS = tiny
    out = run_sweep("mf", P, PS).iterations
    mu, other = out[out.method == "muon_s1"], out[out.method != "muon_s1"]
    assert set(budget.L1_COLUMNS) <= set(out.columns) and set(out.outcome) <= set(budget.OUTCOMES)
    assert mu.l1_condition.astype(bool).all()  # eta0: l1 rule, slack 2
    np.testing.assert_allclose(mu.l1_budget, 2.0 * mu.l1_distance, rtol=1e-12)
    assert other.l1_condition.isna().all() and other.l1_distance.isna().all()
    assert ((other.outcome == "reached") == other.reached).all()
    tight = run_sweep("mf_tight", P, PS).iterations
    assert not tight.l1_condition.astype(bool).any()  # 1.1 < 2 D0
    np.testing.assert_allclose(tight.l1_budget, 0.22 / 0.2)


def test_sweep_outcome_stalled_and_budget_on_hand_made_budgets(tiny):
    """A tiny eta0 cannot cover the distance (stalled); a huge step budget cut after 5 iterations is still
    converging (budget)."""
    P, PS = tiny
    P = copy.deepcopy(P)
    P["problems"]["mf_tight"]["muon"] = {"q": 0.8, "eta0": 1e-3}
    out = run_sweep("mf_tight", P, PS).iterations
    assert (out.outcome == "stalled").all() and not out.reached.any()
    assert (out.remaining_budget < out.remaining_distance).all()
    P["problems"]["mf_tight"]["muon"] = {"q": 0.99, "eta0": 0.05}
    PS = dict(PS, iters=dict(PS["iters"], muon=5))
    out = run_sweep("mf_tight", P, PS).iterations
    assert (out.outcome == "budget").all() and (out.remaining_budget >= out.remaining_distance).all()


# ------------------------------------------------------------------------------------------------
# which runs a count effect may use


def test_usable_names_runs_outside_the_condition_and_runs_that_missed():
    ok = rows("mf", "muon_s1", [{10: 50, 100: 52}])
    assert usable(ok) is None
    out = rows("mf", "muon_s1", [{10: 50, 100: 52}], l1_condition={(0, 100): False})
    assert "outside Lemma L1's budget condition at kappa 100" in usable(out)
    miss = rows(
        "mf",
        "muon_s1",
        [{10: 50, 100: 200}],
        reached={(0, 100): False},
        remaining_budget={(0, 100): 4.6e-20},
        remaining_distance={(0, 100): 2.6e-3},
    )
    assert usable(miss) == (
        "did not reach epsilon at kappa 100 (stalled inside L1's condition: remaining budget 4.6e-20 vs distance 0.0026)"
    )


def test_kappa_free_row_drops_a_seed_outside_the_condition_and_says_why(S):
    flat = [{10: 50, 100: 52, 1000: 51}] * 3
    row = checks.a2({"iterations": rows("mf", "muon_s1", flat)}, S)
    assert row.verdict == "supported"
    row = checks.a2({"iterations": rows("mf", "muon_s1", flat, l1_condition={(1, 1000): False})}, S)
    assert row.verdict == "inconclusive" and row.n_seeds == 2
    assert "s1: outside Lemma L1's budget condition at kappa 1000" in row.reason


def test_a1_judges_runs_inside_the_condition_and_drops_seeds_outside(S):
    q = S.P["problems"]["mf"]["muon"]["q"]
    t = np.arange(200)
    curves = {
        ("mf", "muon_s1", k, s): pd.DataFrame({"iteration": t, "error": np.maximum(0.5 * q**t, 1e-17)})
        for k in (10, 1000)
        for s in SEEDS
    }
    its = rows("mf", "muon_s1", [{10: 60, 1000: 60}] * 3)
    assert checks.a1({"curves": curves, "iterations": its}, S).verdict == "supported"
    stalled = dict(curves)
    stalled[("mf", "muon_s1", 1000, 0)] = pd.DataFrame({"iteration": t, "error": np.maximum(0.5 * q**t, 1e-4)})
    row = checks.a1({"curves": stalled, "iterations": its}, S)  # inside the condition: a failure in seed 0
    assert row.verdict == "inconclusive" and "fails in 1/3" in row.reason and "kappa 1000" in row.reason
    its_out = rows("mf", "muon_s1", [{10: 60, 1000: 60}] * 3, l1_condition={(0, 1000): False})
    row = checks.a1({"curves": stalled, "iterations": its_out}, S)  # outside: reported apart, seed unusable
    assert row.verdict == "inconclusive" and row.n_seeds == 2 and "outside" in row.reason


def test_a7_uses_adams_budget_as_a_lower_bound_only_where_it_decides(S):
    ks = (1000, 10000)
    mu = rows("mf", "muon_s1", [{k: 50 for k in ks}] * 3)
    icl_mu = rows("icl", "muon_s1", [{k: 52 for k in ks}] * 3, eps=1e-10)
    icl_ad = rows(
        "icl", "adam", [{k: 8000 for k in ks}] * 3, eps=1e-6, reached={(s, k): False for s in SEEDS for k in ks}
    )
    B = S.PS["iters"]["adam"]
    adam = rows("mf", "adam", [{1000: 1500, 10000: B}] * 3, reached={(s, 10000): False for s in SEEDS})
    row = checks.a7({"iterations": pd.concat([adam, mu, icl_ad, icl_mu])}, S)
    assert row.verdict == "supported" and "shown not to" in row.evidence and f">= {B / 50:.4g}" in row.evidence
    mu_miss = rows("mf", "muon_s1", [{k: 50 for k in ks}] * 3, reached={(s, 10000): False for s in SEEDS})
    row = checks.a7({"iterations": pd.concat([adam, mu_miss, icl_ad, icl_mu])}, S)
    assert row.verdict == "inconclusive" and "MF Muon did not reach" in row.reason


# ------------------------------------------------------------------------------------------------
# A8 / A8-R3: float64 decoupling tolerance


def _aligned(q=0.8, T=60):
    lam, a0 = np.array([1.0, 0.3, 0.01]), np.array([1e-3, 2e-3, 5e-4])
    eta0 = 1.1 * (1 - q)
    a = mf_recursion(a0, lam, geometric_etas(eta0, q, T))
    return lam, a, eta0, q


def test_decoupling_tolerance_is_round_off_before_any_unresolved_sign():
    lam, a, eta0, q = _aligned()
    tol, first = decoupling_tolerance(a, lam, eta0, q, 30, 1e-12, 1.0)
    t = np.arange(len(a))
    r_t = U64 * 1.0 * (30 + (t + 1) * math.sqrt(3))
    early = t <= first.min()
    np.testing.assert_allclose(tol[early], np.repeat(r_t[early, None], 3, axis=1))
    exact = -np.sort(-np.abs(a), axis=1)
    ratio, _ = decoupling_ratio(exact, a, lam, eta0, q, 30, 1e-12, 1.0)
    assert ratio.max() == 0.0  # passes
    off = exact.copy()
    off[10, 1] += 10 * r_t[10]  # ten times the round-off, at a step whose signs are all resolved
    assert first.min() > 10
    ratio, _ = decoupling_ratio(off, a, lam, eta0, q, 30, 1e-12, 1.0)
    assert ratio.max() == pytest.approx(10.0, rel=1e-2)  # fails (> 1); rel: the shift is rounded on sigma ~ 0.5


def test_decoupling_tolerance_allows_one_flip_at_an_unresolved_sign_and_not_at_a_resolved_one():
    q, lam = 0.5, np.array([0.25])
    etas = geometric_etas(0.25, q, 6)  # 0.25, 0.125, ...
    a = mf_recursion(np.array([0.25]), lam, etas)  # a_1 = 0.5 = sqrt(lam) exactly: g = 0 at t = 1
    assert a[1, 0] == 0.5 and (a[1:, 0] == 0.5).all()
    tol, first = decoupling_tolerance(a, lam, 0.25, q, 4, 1e-12, 1.0)
    assert first[0] == 1
    flipped = a.copy()  # the float64 iterate took a step up at t = 1
    for t in range(1, len(a) - 1):
        e = flipped[t, 0] - 0.5
        flipped[t + 1, 0] = flipped[t, 0] - etas[t] * (np.sign(e) if t > 1 else -1.0)
    ratio, _ = decoupling_ratio(np.abs(flipped), a, lam, 0.25, q, 4, 1e-12, 1.0)
    assert 0.4 < ratio.max() <= 1.0  # passes: within (2/q) eta_t
    b = mf_recursion(np.array([0.3]), lam, etas)  # never at the target: every sign resolved
    _, first_b = decoupling_tolerance(b, lam, 0.25, q, 4, 1e-12, 1.0)
    assert first_b[0] == len(b)
    moved = b.copy()
    moved[2:, 0] += 2 * etas[1]  # the same gap, without an unresolved sign
    ratio, _ = decoupling_ratio(np.abs(moved), b, lam, 0.25, q, 4, 1e-12, 1.0)
    assert ratio.max() > 1e10  # fails


def test_a8_rows_judge_the_tolerance_ratio(S):
    """Within the tolerance: supported; above it, with a float32 replay whose gap does not scale with the
    precision: not supported (the precision test itself: tests/precond/test_precision.py)."""
    k = S.P["claims"]["A8"]["precision_decades"]
    base = dict(kappa=10, seed=0, q=0.6, eta0=0.44, d=30, r=4, iterations=80, max_diff=1e-12, final_eta=1e-18)
    base["precision_decades"] = k
    t, eta, g = np.arange(81), geometric_etas(0.44, 0.6, 81), np.full(81, 1e-12)
    within = precision_scaling(g, g, np.full(81, 0.7), eta, k)
    tab = {"decoupling": pd.DataFrame([dict(base, max_tol_ratio=0.7, first_unresolved=40, **within)])}
    assert checks.a8(tab, S).verdict == "supported"
    excess = precision_scaling(g, g, np.where(t >= 31, 86.0, 0.7), eta, k)
    tab = {"decoupling": pd.DataFrame([dict(base, max_tol_ratio=86.0, first_unresolved=40, **excess)])}
    row = checks.a8(tab, S)
    assert row.verdict == "not_supported" and "k10 s0 at t = 31" in row.reason


def _r3_tab(S, shift=0.0):
    lam, a, eta0, q = _aligned(q=S.P["problems"]["mf_aligned"]["muon"]["q"], T=S.PS["iters"]["decouple"])
    sig = -np.sort(-np.abs(a), axis=1)
    sig[5, 0] += shift
    df = pd.DataFrame(
        {"iteration": np.arange(len(a)), "error": 0.0, "scalar_diff": np.abs(sig - -np.sort(-np.abs(a), 1)).max(1)}
    )
    for i in range(3):
        df[f"sigma_{i + 1}"], df[f"a_{i + 1}"] = sig[:, i], a[:, i]
    info = pd.DataFrame(
        [dict(problem="mf_aligned", kappa=10, seed=0, eta0=eta0, **{f"lam_{i + 1}": lam[i] for i in range(3)})]
    )
    return {"curves": {("mf_aligned", "muon_s1", 10, 0): df}, "info": info}


def test_a8_r3_passes_the_recursion_and_fails_a_resolved_gap(S, monkeypatch):
    """The float32 replay is replaced by a gap equal to the float64 one (no precision scaling), so that a gap above
    the tolerance fails (the replay itself: tests/precond/test_precision.py)."""

    def same_gap(P, PS, res):
        return {key: np.abs(v[2]) for key, v in res.items()}

    monkeypatch.setattr(checks.theory_rows, "r3_float32", same_gap)
    assert checks.a8_r3(_r3_tab(S), S).verdict == "supported"
    row = checks.a8_r3(_r3_tab(S, shift=1e-9), S)
    assert row.verdict == "not_supported" and "1/1 not round-off" in row.value and "t = 5" in row.reason


# ------------------------------------------------------------------------------------------------
# A9: early-window tolerances from each step's gradient


def test_kept_cond_f_uses_the_singular_values_msgn_keeps():
    G = np.diag([2.0, 1e-3, 1e-15])[None]
    assert kept_cond_F(G, 1e-12)[0] == pytest.approx(math.sqrt(4 + 1e-6 + 1e-30) / 1e-3)
    assert math.isnan(kept_cond_F(np.zeros((1, 3, 3)), 1e-12)[0])


def test_icl_early_tolerances_by_hand():
    etas, cond, d = np.array([1.0, 0.5]), np.array([10.0, 100.0, 7.0]), 4
    off, diag = icl_early_tolerances(etas, cond, d, 1.0)
    S = np.array([0.0, 1.0, 1.5])
    A = np.array([0.0, 10.0, 10.0 + 50.0])
    Q2 = np.array([0.0, (d * U64 * 10) ** 2, (d * U64 * 10) ** 2 + 0.5 * (d * U64 * 100) ** 2])
    np.testing.assert_allclose(off, U64 * (2 * d**1.5 * S + d * A))
    np.testing.assert_allclose(diag, U64 * S * (2 * d**1.5 + np.arange(3)) + Q2)


def _a9_tab(S, off_factor=0.5, diag_factor=0.5, late=1e-9):
    c = S.P["claims"]["A9"]
    q, d = S.P["problems"]["icl"]["muon"]["q"], S.PS["icl"]["d"]
    eta0, T = 8.0, S.PS["iters"]["decouple"]
    cond = np.full(T + 1, 1e8)
    off_tol, diag_tol = icl_early_tolerances(eta0 * q ** np.arange(T), cond, d, c["c_round"])
    off, dd = off_factor * off_tol, diag_factor * diag_tol
    off[c["t_early"] :] = dd[c["t_early"] :] = late
    df = pd.DataFrame(
        {"iteration": np.arange(T + 1), "error": 0.0, "offdiag": off, "scalar_diff": dd, "grad_cond": cond}
    )
    info = pd.DataFrame([dict(problem="icl", kappa=10, seed=0, eta0=eta0)])
    return {"curves": {("icl", "muon_s1", 10, 0): df}, "info": info}


def test_a9_passes_within_the_tolerances_and_fails_above_them(S):
    assert checks.a9(_a9_tab(S), S).verdict == "supported"
    row = checks.a9(_a9_tab(S, off_factor=2.0), S)
    assert row.verdict == "not_supported" and "early off-diagonal at 2 x" in row.reason
    assert checks.a9(_a9_tab(S, diag_factor=3.0), S).verdict == "not_supported"
    assert checks.a9(_a9_tab(S, late=1.0), S).verdict == "not_supported"  # whole-run bound (unchanged)


# ------------------------------------------------------------------------------------------------
# A15: decades above what SVD reaches


def test_ns5_effect_counts_decades_above_max_of_target_and_svd():
    assert ns5_effect([6.1e-3], [1.6e-15], 1e-6, 2) == pytest.approx(math.log10(6.1e-3 / 1e-6) - 2)  # passes
    assert ns5_effect([5e-5], [1e-15], 1e-6, 2) < 0  # 1.7 decades: fails
    assert ns5_effect([5e-2], [1e-3], 1e-6, 2) == pytest.approx(math.log10(50) - 2)  # SVD's own error is the ref
    assert ns5_effect([1.0, 1e-5], [1e-15, 1e-15], 1e-6, 2) == pytest.approx(-1.0)  # worst kappa decides


# ------------------------------------------------------------------------------------------------
# E3 and A12


def test_e3_passes_when_every_miss_is_a_budget_stall_and_fails_otherwise(S):
    per = [{1: 55, 10000: 200}, {1: 53, 10000: 200}, {1: 55, 10000: 55}]
    miss = {(0, 10000): False, (1, 10000): False}
    common = dict(
        l1_condition={(s, k): False for s in SEEDS for k in (1, 10000)},
        l1_budget={(s, k): 1.1 for s in SEEDS for k in (1, 10000)},
        l1_distance={(s, k): 0.999 for s in SEEDS for k in (1, 10000)},
    )
    tab = {"iterations": rows("mf_tight", "muon_s1", per, reached=miss, **common)}
    row = checks.e3(tab, S)
    assert row.verdict == "supported" and row.value == "stalled 2/6 runs" and "6/6 runs outside" in row.evidence
    tab = {"iterations": rows("mf_tight", "muon_s1", per, reached=miss, outcome={(0, 10000): "budget"}, **common)}
    row = checks.e3(tab, S)
    assert row.verdict == "not_supported" and "1 of the 2 runs" in row.reason


def test_a12_judges_only_runs_inside_the_condition(S):
    its = pd.concat(
        [
            rows("mf_aligned", "muon_s1", [{10: 50}, {10: 70}], l1_condition={(1, 10): False}),
            rows("icl", "muon_s1", [{10: 40}, {10: 41}], eps=1e-10),
        ]
    )
    info = pd.DataFrame(
        [
            dict(problem=p, kappa=10, seed=s, epsilon=e, muon_bound=60)
            for p, e in (("mf_aligned", 1e-6), ("icl", 1e-10))
            for s in (0, 1)
        ]
    )
    row = checks.a12({"iterations": its, "info": info}, S)
    assert row.verdict == "supported" and "1 run(s) outside L1's condition not judged" in row.value
    its.loc[(its.problem == "mf_aligned") & (its.seed == 1), "l1_condition"] = True
    assert checks.a12({"iterations": its, "info": info}, S).verdict == "not_supported"
