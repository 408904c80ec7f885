"""The energy ledger rows on hand-made tables: each empirical criterion can pass, fail and be inconclusive;
theory rows carry the computed numbers; the sensitivity rows fail when a reading flips a verdict."""

import math

import numpy as np
import pandas as pd
import pytest

from muonrepro.energy.claims import (
    Criteria,
    accuracy_claim,
    energy_claim,
    gini_claim,
    metric_note,
    offdiag_claim,
    primary_claims,
    primary_effects,
    sensitivity_claims,
    tail_claim,
    theory_claims,
)

ARCHS = ("mlp1", "mlp2", "mlp3")
SEEDS = (0, 1, 2)
RULES = {"C6a": "every_seed", "C6b": "every_seed", "C6c": "interval", "C5-runs": "interval"}
CRIT = Criteria(rules=RULES, min_seeds=3, level=0.95, tail_bins=2)
EST = {
    "sigma_delta": "sampled1",
    "rel_threshold": 1e-8,
    "mode_set": "common",
    "direct_at": "direct_preact",
    "bin_stat": "sum",
}


def _gini(muon_by_seed, diverged=()):
    """Muon's Gini per seed on every matrix; SGD 0.6, AdamW 0.7."""
    rows = []
    for s in SEEDS:
        for a in ARCHS:
            for o, g in (("sgd", 0.6), ("adamw", 0.7), ("muon", muon_by_seed[s])):
                rows.append(
                    dict(
                        arch=a,
                        matrix="W1",
                        optimizer=o,
                        seed=s,
                        gini=g,
                        mode_set="common",
                        diverged=(a, o, s) in diverged,
                    )
                )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("rule", ["every_seed", "interval"])
def test_gini_criterion_passes_and_fails(rule):
    crit = Criteria({**RULES, "C6a": rule}, 3, 0.95, 2)
    assert gini_claim(_gini({0: 0.5, 1: 0.52, 2: 0.49}), crit, "small", "o").verdict == "supported"
    fail = gini_claim(_gini({0: 0.65, 1: 0.66, 2: 0.64}), crit, "small", "o")
    assert fail.verdict == "not_supported" and fail.value == pytest.approx(-0.05)
    assert gini_claim(_gini({0: 0.5, 1: 0.65, 2: 0.5}), crit, "small", "o").verdict == "inconclusive"


def test_a_claim_with_no_usable_seed_is_inconclusive():
    every = {(a, "muon", s) for a in ARCHS for s in SEEDS}
    c = gini_claim(_gini({0: 0.5, 1: 0.5, 2: 0.5}, diverged=every), CRIT, "small", "o")
    assert (c.verdict, c.value, c.n_seeds) == ("inconclusive", "no usable seed", 0)


def test_gini_row_names_unusable_seeds_and_fills_the_interval():
    c = gini_claim(_gini({0: 0.5, 1: 0.5, 2: 0.5}, diverged={("mlp2", "muon", 1)}), CRIT, "small", "o")
    assert c.verdict == "inconclusive" and c.n_seeds == 2 and "unusable seeds" in c.evidence
    # the unusable seed's cause reaches the row's reason
    assert c.reason.endswith("(no effect measurable in seed(s) 1 (diverged: mlp2/muon))"), c.reason
    c = gini_claim(_gini({0: 0.5, 1: 0.52, 2: 0.49}), CRIT, "small", "o")
    assert (c.kind, c.n_seeds) == ("empirical", 3) and c.ci_low < c.value < c.ci_high
    assert c.figures == "figures/energy/gini.png" and "every one of >= 3 seeds" in c.criterion


def _energy(muon_wins_per_seed):
    """Muon's energy 1 on the first k architectures of each seed (others 2), 3 on the rest."""
    rows = []
    for s in SEEDS:
        for i, a in enumerate(ARCHS):
            e_muon = 1.0 if i < muon_wins_per_seed[s] else 3.0
            for o, e in (("sgd", 2.0), ("adamw", 2.5), ("muon", e_muon)):
                rows.append(
                    dict(
                        arch=a,
                        optimizer=o,
                        seed=s,
                        direct_preact=e,
                        direct_logits=e * 4,
                        per_mode_sum=1.0 if o == "muon" else 5.0,
                        diverged=False,
                    )
                )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("rule", ["every_seed", "interval"])
def test_energy_criterion_is_two_of_three(rule):
    crit = Criteria({**RULES, "C6b": rule}, 3, 0.95, 2)
    ok = energy_claim(_energy({0: 2, 1: 2, 2: 3}), crit, "small", "o")
    assert ok.verdict == "supported"
    if rule == "every_seed":
        assert ok.value == pytest.approx((np.log(2) + np.log(2) + np.log(2)) / 3)
    fail = energy_claim(_energy({0: 1, 1: 1, 2: 1}), crit, "small", "o")  # one of three in every seed
    assert fail.verdict == "not_supported" and fail.value == pytest.approx(np.log(2 / 3))
    assert "2-th largest" not in fail.metric and "k = 2" in fail.metric


def test_energy_row_reports_the_other_readings_of_e():
    c = energy_claim(_energy({0: 1, 1: 1, 2: 1}), CRIT, "small", "o")
    assert "direct_logits (the network output (logits))" in c.evidence and "per_mode_sum" in c.evidence
    assert "pre-activation" in c.metric


def _bins(tail_ratio_by_seed, rest_ratio=2.0, bins=5):
    rows = []
    for s in SEEDS:
        for a in ARCHS:
            for b in range(bins):
                other = tail_ratio_by_seed[s] if b < 2 else rest_ratio
                rows += [
                    dict(arch=a, matrix="W1", optimizer="muon", seed=s, bin=b, energy_sum=1.0, mode_set="common"),
                    dict(arch=a, matrix="W1", optimizer="sgd", seed=s, bin=b, energy_sum=other, mode_set="common"),
                ]
    return pd.DataFrame(rows).assign(diverged=False)


@pytest.mark.parametrize("rule", ["every_seed", "interval"])
def test_tail_criterion_passes_and_fails(rule):
    crit = Criteria({**RULES, "C6c": rule}, 3, 0.95, 2)
    assert tail_claim(_bins({0: 8.0, 1: 9.0, 2: 10.0}), crit, "small", "o").verdict == "supported"
    # Muon's advantage larger outside the tail than in it: min(tail, tail - rest) < 0 in every seed
    fail = tail_claim(_bins({0: 1.1, 1: 1.2, 2: 1.3}), crit, "small", "o")
    assert fail.verdict == "not_supported" and fail.value < 0


def _offdiag(margin_by_seed):
    rows = []
    for s in SEEDS:
        for a in ARCHS:
            rows += [
                dict(arch=a, matrix="W1", optimizer="muon", seed=s, offdiag=0.9 - margin_by_seed[s], baseline=0.99),
                dict(arch=a, matrix="W1", optimizer="sgd", seed=s, offdiag=0.9, baseline=0.99),
                dict(arch=a, matrix="W1", optimizer="adamw", seed=s, offdiag=0.95, baseline=0.99),
            ]
    return pd.DataFrame(rows).assign(diverged=False)


@pytest.mark.parametrize("rule", ["every_seed", "interval"])
def test_offdiag_criterion_passes_and_fails(rule):
    crit = Criteria({**RULES, "C5-runs": rule}, 3, 0.95, 2)
    ok = offdiag_claim(_offdiag({0: 0.01, 1: 0.012, 2: 0.011}), crit, "small", "o")
    assert ok.verdict == "supported" and ok.claim_id == "C5-runs" and ok.kind == "extension"
    fail = offdiag_claim(_offdiag({0: -0.02, 1: -0.03, 2: -0.025}), crit, "small", "o")
    assert fail.verdict == "not_supported" and fail.value == pytest.approx(-0.025)
    assert "i.i.d. baseline" in fail.evidence


def test_interval_rule_is_inconclusive_when_seeds_disagree():
    c = offdiag_claim(_offdiag({0: 0.02, 1: -0.02, 2: 0.001}), CRIT, "small", "o")
    assert c.verdict == "inconclusive" and c.ci_low < 0 < c.ci_high


def test_primary_claims_use_the_primary_reading():
    tables = {
        "gini": pd.concat([_gini({0: 0.5, 1: 0.5, 2: 0.5}), _gini({0: 0.9, 1: 0.9, 2: 0.9}).assign(mode_set="every")]),
        "energy": _energy({0: 1, 1: 1, 2: 1}),
        "bins": _bins({0: 8.0, 1: 9.0, 2: 10.0}),
        "offdiag": _offdiag({0: 0.01, 1: 0.012, 2: 0.011}),
    }
    rows = primary_claims(tables, CRIT, scale="small", estimator=EST)
    assert [(r.claim_id, r.verdict) for r in rows] == [
        ("C6a", "supported"),  # the 'common' rows; the 'every' rows would fail
        ("C6b", "not_supported"),
        ("C6c", "supported"),
        ("C5-runs", "supported"),
    ]
    eff = primary_effects(tables, CRIT, EST)
    assert [r.value for r in rows] == pytest.approx([np.mean(list(eff[c].values())) for c in eff])
    c6b = primary_claims(tables, CRIT, scale="small", estimator={**EST, "direct_at": "direct_logits"})[1]
    assert c6b.verdict == "not_supported" and "logits" in c6b.metric


def test_criteria_need_a_rule_per_claim():
    with pytest.raises(KeyError, match="C6c"):
        Criteria({"C6a": "interval"}, 3, 0.95, 2).rule("C6c")


def test_theory_rows_report_the_computed_values():
    group = {
        "checks": ["a", "b"],
        "n_checks": 2,
        "n_passed": 1,
        "missing": [],
        "max_rel_error": 1e-3,
        "min_margin": None,
        "all_passed": False,
    }
    summary = {k: dict(group) for k in ("decomposition_h2", "jensen_uniform", "polar_uniform_steps")}
    summary["jensen_uniform"].update(n_passed=2, all_passed=True)
    metric = {
        "output_metric_estimator_sum_vs_twice_loss": {"value": 10.0, "reference": 10.0},
        "output_metric_mean_delta_sq_vs_mode_formula": {"value": 17.0, "reference": 17.0},
    }
    rows = theory_claims(summary, "small", metric)
    assert [(r.claim_id, r.kind, r.verdict, r.value) for r in rows] == [
        ("C3", "theorem", "not_supported", "1/2"),
        ("C4", "theorem", "supported", "2/2"),
        ("C5", "theorem", "not_supported", "1/2"),
    ]
    assert "2(L - L*) = 10" in rows[0].evidence and "= 17 (ratio 1.7)" in rows[0].evidence
    assert "ratio" not in rows[1].evidence
    assert metric_note({}) == "output-metric checks missing"


def test_accuracy_claim_flags_divergence():
    acc = pd.DataFrame(
        [
            dict(arch="mlp1", optimizer="sgd", seed=0, epoch=1, test_acc=0.99, diverged=False),
            dict(arch="mlp1", optimizer="muon", seed=0, epoch=1, test_acc=float("nan"), diverged=True),
        ]
    )
    c = accuracy_claim(acc, "small", 0.9)
    assert c.verdict == "not_supported" and "diverged runs: mlp1/muon/s0" in c.evidence
    assert c.reason == "1 run(s) diverged"
    low = accuracy_claim(acc.iloc[:1], "small", 0.995)
    assert low.reason == "the lowest final test accuracy 0.9900 is below 0.995 (ours, small scale)"
    assert accuracy_claim(acc.iloc[:1], "small", 0.9).verdict == "supported"


def _robust(flips_for, n_seeds=3, primary="supported"):
    rows = [dict(claim="C6a", dimension="primary", value="", n_seeds=n_seeds, verdict=primary, flips=False)]
    for dim, value in (("sigma_delta", "empirical"), ("mode_set", "any")):
        flip = (dim, value) in flips_for
        v = ("inconclusive" if primary == "supported" else "supported") if flip else primary
        rows.append(dict(claim="C6a", dimension=dim, value=value, n_seeds=n_seeds, verdict=v, flips=flip))
    return pd.DataFrame(rows)


def test_sensitivity_row_fails_when_one_change_flips_the_verdict():
    (ok,) = sensitivity_claims(_robust(set()), "small", 3)
    assert (ok.claim_id, ok.kind, ok.value, ok.verdict) == ("C6a-sensitivity", "extension", 0, "supported")
    assert "flipped by: none" in ok.evidence and "out of 2" in ok.metric and ok.reason == ""
    (bad,) = sensitivity_claims(_robust({("mode_set", "any")}), "small", 3)
    assert bad.verdict == "not_supported" and bad.value == 1
    assert "flipped by: mode_set=any (inconclusive)" in bad.evidence
    assert bad.reason == "1 of 2 single changes of the reading flip the verdict (mode_set=any (inconclusive))"
    assert bad.figures == "figures/energy/reading_robustness.png"
    assert not math.isnan(float(bad.value))


def test_sensitivity_row_without_usable_seeds_is_never_supported():
    # every seed unusable (all diverged, or one seed): every reading is inconclusive and nothing can flip
    (row,) = sensitivity_claims(_robust(set(), n_seeds=1, primary="inconclusive"), "small", 3)
    assert row.verdict == "inconclusive" and row.value == 0
    assert row.reason.startswith("C6a's primary reading has 1 usable seed(s), fewer than the 3")
    (row,) = sensitivity_claims(_robust(set(), n_seeds=0, primary="inconclusive"), "small", 3)
    assert row.verdict == "inconclusive"


def test_a_thinned_grid_is_said_in_the_sensitivity_evidence():
    from pathlib import Path

    import yaml

    from muonrepro.energy.rules import claims_params

    config = yaml.safe_load((Path(__file__).parents[2] / "config.yaml").read_text())
    assert claims_params(config, "small")["grid_note"] == ""  # every snapshot at the small scale
    note = claims_params(config, "paper")["grid_note"]
    assert note.startswith("the grid's readings, its own primary cell included, on every 4th of the 120 snapshots")
    (row,) = sensitivity_claims(_robust(set()), "paper", 3, note)
    assert row.evidence.endswith(note)
