"""A8 / A8-R3's precision test (docs/precond-instruments.md §6): a float64 gap above its tolerance counts as
round-off only if the float32 replay of the same run is ``10^k`` times larger (or saturated at the step size).
The test function on hand-made gap pairs (one that scales with the precision, one that does not), the float32
replay against the float64 run it replays, and the rows' plumbing. No test asserts that decoupling holds."""

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from muonrepro.optim.orthogonalize import orthogonalize_np
from muonrepro.precond import checks, instances, theory
from muonrepro.precond.checks import Setup, theory_rows
from muonrepro.precond.problems import mf as mf_mod
from muonrepro.precond.scalar import U32, U64, decoupling_gap, mf_recursion, precision_scaling
from muonrepro.precond.steps import StepRule, geometric_etas
from muonrepro.precond.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[2]
K = 3


@pytest.fixture(scope="module")
def config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


@pytest.fixture(scope="module")
def S(config):
    return Setup.from_config(config["precond"], config["scales"]["small"]["precond"], "small", config["stats"])


def _pair(T=40, t0=20):
    """A float64 gap at round-off level that drifts above its tolerance from t0 on (ratio > 1), steps eta_t."""
    t = np.arange(T + 1)
    eta = geometric_etas(0.44, 0.6, T + 1)
    g64 = 1e-15 * 1.5**t  # 1e-15 .. 1.1e-8; eta_40 = 6e-10: float64 reaches eta_t near t = 36
    ratio = np.where(t >= t0, 10.0, 0.5)
    return g64, ratio, eta


# ------------------------------------------------------------------------------------------------
# the test itself, on hand-made gap pairs


def test_a_gap_that_scales_with_precision_is_round_off():
    g64, ratio, eta = _pair(T=30)
    assert (g64 < eta).all()
    out = precision_scaling(g64, 1e8 * g64, ratio, eta, K)
    assert out["deviation"] == "roundoff" and out["roundoff_ok"]
    assert out["first_excess"] == 20 and out["excess_steps"] == 11 and out["first_not_roundoff"] == -1
    assert out["g32_at_first_excess"] == pytest.approx(1e8 * out["g64_at_first_excess"])


def test_a_gap_that_does_not_scale_with_precision_is_not_round_off():
    g64, ratio, eta = _pair(T=30)
    out = precision_scaling(g64, g64.copy(), ratio, eta, K)  # the same gap in both precisions, above tolerance
    assert out["deviation"] == "not_roundoff" and not out["roundoff_ok"]
    assert out["first_not_roundoff"] == 20 and out["g64_at_not_roundoff"] == out["g32_at_not_roundoff"] == g64[20]
    # k decades exactly pass, a hair less does not
    assert precision_scaling(g64, 10.0**K * g64, ratio, eta, K)["roundoff_ok"]
    assert not precision_scaling(g64, 0.99 * 10.0**K * g64, ratio, eta, K)["roundoff_ok"]


def test_steps_within_the_tolerance_need_no_precision_test():
    g64, ratio, eta = _pair(T=30)
    out = precision_scaling(g64, g64.copy(), np.full_like(ratio, 0.9), eta, K)
    assert out["deviation"] == "within_tolerance" and out["roundoff_ok"] and out["first_excess"] == -1


def test_float32_saturated_at_the_step_size_passes_and_float64_must_saturate_later():
    g64, _, eta = _pair(T=40)
    sat64 = int(np.argmax(g64 >= eta))  # float64's first step at the step size
    assert 20 < sat64 < 40 and (g64[sat64:] >= eta[sat64:]).all()
    ratio = np.where(np.arange(41) >= sat64, 10.0, 0.5)  # above the tolerance only where float64 is saturated

    def g32_saturated_from(t_s):  # float32 below eta_t (and not 10^k above g64) before t_s, at eta_t from t_s on
        return np.where(np.arange(41) >= t_s, eta, 0.5 * eta)

    out = precision_scaling(g64, g32_saturated_from(sat64 - 1), ratio, eta, K)
    assert out["deviation"] == "roundoff" and out["first_sat32"] == sat64 - 1
    out = precision_scaling(g64, g32_saturated_from(sat64 + 1), ratio, eta, K)  # float32 saturates after float64
    assert out["deviation"] == "not_roundoff" and out["first_not_roundoff"] == sat64
    out = precision_scaling(g64, g32_saturated_from(sat64), ratio, eta, K)  # at the same step: "after" is strict
    assert out["deviation"] == "not_roundoff" and out["first_not_roundoff"] == sat64
    out = precision_scaling(g64, 0.5 * eta, ratio, eta, K)  # float32 never saturates
    assert out["first_sat32"] == -1 and out["first_not_roundoff"] == sat64
    # below eta_t, float32 at the step size passes a step that does not scale by 10^k
    g64b, ratio_b, _ = _pair(T=30)
    out = precision_scaling(g64b, np.maximum(eta[:31], 2 * g64b), ratio_b, eta[:31], K)
    assert out["deviation"] == "roundoff"


def test_a_nan_gap_fails_the_precision_test():
    g64, ratio, eta = _pair(T=30)
    g32 = 1e8 * g64
    g32[25] = np.nan
    assert precision_scaling(g64, g32, ratio, eta, K)["first_not_roundoff"] == 25
    with pytest.raises(ValueError):
        precision_scaling(g64, g32[:-1], ratio, eta, K)


# ------------------------------------------------------------------------------------------------
# the float32 replay


def _tiny(config, d=8, r=3, kappa=100.0, seeds=(0, 1)):
    P = config["precond"]
    inst = instances.symmetric_mf(P, "mf_aligned", list(seeds), d, r, kappa, init="aligned")
    prob, p0 = mf_mod.stack_symmetric(inst)
    return P, inst, prob, p0


def test_msgn_in_keeps_the_precision_and_matches_float64():
    rng = np.random.default_rng(0)
    G = rng.standard_normal((2, 8, 3))
    m64 = theory.msgn_in(G, 1e-12)
    m32 = theory.msgn_in(G.astype(np.float32), 1e-12)
    assert m64.dtype == np.float64 and m32.dtype == np.float32
    np.testing.assert_array_equal(m64, orthogonalize_np(G, "svd", rel_cutoff=1e-12))  # the same code path
    np.testing.assert_allclose(m32, m64, atol=50 * U32)


def test_float64_replay_is_the_judged_run(config):
    """The replay loop in float64 is the same computation as the A8 run (SimplifiedMuon + run)."""
    P, PS = config["precond"], copy.deepcopy(config["scales"]["small"]["precond"])
    PS["seeds"] = [0, 1]
    q, eta0, T = 0.6, 0.44, 30
    prob, _, sig = theory._aligned_mf_sigmas(P, PS, 8, 3, 100.0, eta0, q, T)
    _, p0 = mf_mod.stack_symmetric(instances.symmetric_mf(P, "mf_aligned", [0, 1], 8, 3, 100.0, init="aligned"))
    rule = StepRule("geometric", np.full(2, eta0), np.full(2, q))
    np.testing.assert_array_equal(theory.replay_symmetric_mf(prob, p0, rule, T, P["msgn_rel_cutoff"]), sig)


def test_float32_replay_starts_equal_and_its_first_gap_is_float32_round_off(config):
    P, inst, prob, p0 = _tiny(config)
    q, eta0, T = 0.6, 0.44, 5
    rule = StepRule("geometric", np.full(2, eta0), np.full(2, q))
    s64 = theory.replay_symmetric_mf(prob, p0, rule, T, P["msgn_rel_cutoff"], np.float64)
    s32 = theory.replay_symmetric_mf(prob, p0, rule, T, P["msgn_rel_cutoff"], np.float32)
    assert s32.shape == s64.shape == (2, T + 1, 3)
    for i, x in enumerate(inst):
        # starts from the same matrix, cast: its singular values are those of float32(U_0)
        cast = x.U0.astype(np.float32).astype(np.float64)
        np.testing.assert_allclose(s32[i, 0], np.linalg.svd(cast, compute_uv=False), rtol=1e-14, atol=0)
        a = mf_recursion(x.a0, x.lam, geometric_etas(eta0, q, T))
        g64, g32 = decoupling_gap(s64[i], a), decoupling_gap(s32[i], a)
        s = float(np.abs(x.a0).max())
        assert g64[0] <= 10 * U64 * s  # float64 round-off
        assert 10 * U64 * s < g32[0] <= 3 * 3 * U32 * s  # float32-sized: ||U_0 - fl32(U_0)||_2 <= sqrt(d r) u32 max a_0


def test_a8_decoupling_table_has_the_precision_columns(config):
    P = copy.deepcopy(config["precond"])
    PS = copy.deepcopy(config["scales"]["small"]["precond"])
    PS.update(kappas=[10], seeds=[0], decouple_mf={"d": 6, "r": 2})
    PS["iters"] = dict(PS["iters"], decouple=12)
    df = theory.decoupling_mf(P, PS)
    cols = {"roundoff_ok", "deviation", "first_excess", "g32_at_first_excess", "first_sat32", "max_g32"}
    assert cols <= set(df.columns) and (df.precision_decades == P["claims"]["A8"]["precision_decades"]).all()
    assert df.max_diff.iloc[0] == df.max_g64.iloc[0]
    assert df.max_g32.iloc[0] > 0  # the float32 replay ran (its start alone is off by float32 round-off)


# ------------------------------------------------------------------------------------------------
# the rows


def _dec_row(g32_factor, **base):
    g64, ratio, eta = _pair(T=30)
    row = (
        dict(kappa=10, seed=0, q=0.6, eta0=0.44, d=30, r=4, iterations=30, max_diff=g64.max(), final_eta=eta[-2]) | base
    )
    return dict(
        row,
        max_tol_ratio=float(ratio.max()),
        first_unresolved=40,
        precision_decades=K,
        **precision_scaling(g64, g32_factor * g64, ratio, eta, K),
    )


def test_a8_row_passes_round_off_and_fails_a_gap_that_does_not_scale(S):
    assert S.P["claims"]["A8"]["precision_decades"] == K
    ok = pd.DataFrame([_dec_row(1e8), _dec_row(1e8, seed=1)])
    row = checks.a8({"decoupling": ok}, S)
    assert (
        row.verdict == "supported"
        and "0/2 runs within" in row.value
        and "2/2 excess shown to be round-off" in row.value
    )
    bad = pd.DataFrame([_dec_row(1e8), _dec_row(1.0, seed=1)])
    row = checks.a8({"decoupling": bad}, S)
    assert row.verdict == "not_supported" and "1/2 not round-off" in row.value
    assert "k10 s1 at t = 20" in row.reason and "g32 = " in row.reason
    old = bad.drop(columns=["deviation"])
    assert checks.a8({"decoupling": old}, S).verdict == "not_run"


def _r3_tab(S, shift):
    lam, a0, q = np.array([1.0, 0.3, 0.01]), np.array([1e-3, 2e-3, 5e-4]), S.P["problems"]["mf_aligned"]["muon"]["q"]
    eta0, T = 0.22, S.PS["iters"]["decouple"]
    a = mf_recursion(a0, lam, geometric_etas(eta0, q, T))
    sig = -np.sort(-np.abs(a), axis=1)
    sig[5:, 0] += shift  # a gap above the float64 tolerance from t = 5 on
    df = pd.DataFrame({"iteration": np.arange(len(a)), "error": 0.0})
    for i in range(3):
        df[f"sigma_{i + 1}"], df[f"a_{i + 1}"] = sig[:, i], a[:, i]
    info = pd.DataFrame(
        [dict(problem="mf_aligned", kappa=10, seed=0, eta0=eta0, **{f"lam_{i + 1}": lam[i] for i in range(3)})]
    )
    return {"curves": {("mf_aligned", "muon_s1", 10, 0): df}, "info": info}, decoupling_gap(sig, a)


def test_a8_r3_row_reads_the_float32_replay(S, monkeypatch):
    tab, g64 = _r3_tab(S, 1e-12)
    monkeypatch.setattr(theory_rows, "r3_float32", lambda P, PS, res: {(10, 0): 1e8 * g64})
    assert checks.a8_r3(tab, S).verdict == "supported"
    monkeypatch.setattr(theory_rows, "r3_float32", lambda P, PS, res: {(10, 0): g64.copy()})
    row = checks.a8_r3(tab, S)
    assert row.verdict == "not_supported" and "k10 s0 at t = 5" in row.reason


def test_a8_r3_replays_the_real_runs_of_a_tiny_sweep(config):
    """The claims-time replay rebuilds each mf_aligned run's instance (checked against the run's spectrum and
    starts) and is judged, whatever the verdict; a run that is not the rebuilt instance gives not_run."""
    P = copy.deepcopy(config["precond"])
    PS = copy.deepcopy(config["scales"]["small"]["precond"])
    P["problems"]["mf_aligned"]["methods"] = ["muon_s1"]
    PS.update(kappas=[10], seeds=[0, 1], mf={"d": 8, "r": 3})
    PS["iters"] = dict(PS["iters"], muon=30, decouple=30)
    out = run_sweep("mf_aligned", P, PS)
    info = out.info.assign(problem="mf_aligned") if "problem" not in out.info else out.info
    tab = {"curves": {("mf_aligned",) + k: v for k, v in out.curves.items()}, "info": info}
    s = Setup.from_config(P, PS, "small", config["stats"])
    row = checks.a8_r3(tab, s)
    assert row.verdict in ("supported", "not_supported") and "float32 replay" in row.evidence
    wrong = copy.deepcopy(tab)
    wrong["info"].loc[:, "lam_2"] *= 1.01
    assert checks.a8_r3(wrong, s).verdict == "not_run"
