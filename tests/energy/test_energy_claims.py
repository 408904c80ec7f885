"""Verdict logic of the energy ledger rows on constructed tables with known answers."""

import pandas as pd

from muonrepro.energy.claims import (
    accuracy_claim,
    energy_claim,
    gini_claim,
    sensitivity_claims,
    tail_claim,
    theory_claims,
)


def _gini(values, energy=None, diverged=()):
    rows = []
    for (arch, mat, opt, seed), g in values.items():
        e = (energy or {}).get((arch, opt), 1.0)
        rows.append(
            dict(
                arch=arch,
                matrix=mat,
                optimizer=opt,
                seed=seed,
                gini=g,
                cumulative_energy=e,
                direct_energy=e,
                diverged=(arch, opt, seed) in diverged,
            )
        )
    return pd.DataFrame(rows)


def test_gini_claim_needs_every_matrix():
    vals = {("mlp1", "W1", o, 0): g for o, g in [("sgd", 0.8), ("adamw", 0.7), ("muon", 0.6)]}
    vals.update({("mlp2", "W1", o, 0): g for o, g in [("sgd", 0.8), ("adamw", 0.7), ("muon", 0.6)]})
    vals.update({("mlp2", "W2", o, 0): g for o, g in [("sgd", 0.8), ("adamw", 0.5), ("muon", 0.6)]})
    c = gini_claim(_gini(vals), "small", "ours")
    assert c.value == "2/3" and c.verdict == "not_supported"
    vals[("mlp2", "W2", "adamw", 0)] = 0.9
    c = gini_claim(_gini(vals), "small", "ours")
    assert c.value == "3/3" and c.verdict == "supported"


def test_gini_claim_averages_seeds_and_skips_diverged():
    vals = {("mlp1", "W1", "muon", s): g for s, g in [(0, 0.5), (1, 0.9)]}
    vals.update({("mlp1", "W1", "sgd", s): 0.6 for s in (0, 1)})
    assert gini_claim(_gini(vals), "paper", "o").verdict == "not_supported"  # mean 0.7 > 0.6
    c = gini_claim(_gini(vals, diverged={("mlp1", "muon", 1)}), "paper", "o")  # diverged seed dropped
    assert c.verdict == "supported"


def test_energy_claim_two_of_three():
    vals = {(a, "W1", o, 0): 0.5 for a in ("mlp1", "mlp2", "mlp3") for o in ("sgd", "muon")}
    energy = {
        ("mlp1", "muon"): 1.0,
        ("mlp1", "sgd"): 2.0,
        ("mlp2", "muon"): 1.0,
        ("mlp2", "sgd"): 2.0,
        ("mlp3", "muon"): 3.0,
        ("mlp3", "sgd"): 2.0,
    }
    c = energy_claim(_gini(vals, energy), "small", "o")
    assert c.value == "2/3" and c.verdict == "supported"
    energy[("mlp2", "muon")] = 5.0
    assert energy_claim(_gini(vals, energy), "small", "o").verdict == "not_supported"


def test_tail_claim():
    rows = []
    for b in range(10):
        rows.append(dict(arch="mlp1", matrix="W1", optimizer="sgd", seed=0, bin=b, energy=10.0 if b < 3 else 1.0))
        rows.append(dict(arch="mlp1", matrix="W1", optimizer="muon", seed=0, bin=b, energy=1.0))
    g = pd.DataFrame([dict(arch="mlp1", optimizer=o, seed=0, diverged=False) for o in ("sgd", "muon")])
    c = tail_claim(pd.DataFrame(rows), g, "small", 3, "o")
    assert c.value == "1/1" and c.verdict == "supported"
    flipped = pd.DataFrame(rows).assign(energy=lambda d: d["energy"].where(d["optimizer"] == "muon", 1.0))
    flipped.loc[(flipped.optimizer == "sgd") & (flipped.bin >= 3), "energy"] = 10.0
    assert tail_claim(flipped, g, "small", 3, "o").verdict == "not_supported"


def test_accuracy_claim_flags_divergence():
    acc = pd.DataFrame(
        [
            dict(arch="mlp1", optimizer="sgd", seed=0, epoch=1, test_acc=0.99, diverged=False),
            dict(arch="mlp1", optimizer="muon", seed=0, epoch=1, test_acc=float("nan"), diverged=True),
        ]
    )
    c = accuracy_claim(acc, "small", 0.9)
    assert c.verdict == "not_supported" and "diverged runs: mlp1/muon/s0" in c.evidence
    assert accuracy_claim(acc.iloc[:1], "small", 0.9).verdict == "supported"


def test_kinds_and_figures():
    vals = {("mlp1", "W1", o, 0): g for o, g in [("sgd", 0.8), ("muon", 0.6)]}
    c = gini_claim(_gini(vals), "small", "o")
    assert c.kind == "empirical" and c.figures == "results/figures/energy/gini.png"
    assert c.evidence.startswith("results/energy/gini.csv; ") and "figures/" not in c.evidence
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
    rows = theory_claims(summary, "small")
    assert [(r.claim_id, r.kind, r.verdict, r.value) for r in rows] == [
        ("C3", "theorem", "not_supported", "1/2"),
        ("C4", "theorem", "supported", "2/2"),
        ("C5", "theorem", "not_supported", "1/2"),
    ]
    assert {r.figures for r in rows} == {"results/figures/energy/theory_checks.png"}
    assert rows[0].evidence.startswith("results/energy/theory_checks.csv: a, b; max rel. error 0.001")
    acc = pd.DataFrame([dict(arch="mlp1", optimizer="sgd", seed=0, epoch=1, test_acc=0.99, diverged=False)])
    a = accuracy_claim(acc, "small", 0.9)
    assert a.kind == "sanity" and a.figures == "results/figures/energy/training_curves.png"
    sens = pd.DataFrame([dict(claim="C6a", holds=3, readings=4, primary_verdict="supported")])
    (s,) = sensitivity_claims(sens, "small")
    assert (s.claim_id, s.kind, s.value, s.verdict) == ("C6a-sensitivity", "empirical", "3/4", "supported")
    assert s.figures == "results/figures/energy/sensitivity_heatmap.png" and "figures/" not in s.evidence
