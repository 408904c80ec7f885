"""Sensitivity analysis: every reading of the grid is judged, with the same verdict functions as the
primary ledger rows, on a units table with known winners."""

import itertools

import pandas as pd

from muonrepro.energy.sensitivity import analyse, summary

GRID = {
    "sigma_delta": ["sampled1", "empirical"],
    "mode_identity": ["rank", "frozen"],
    "energy": ["cumulative", "closed_form", "gain", "direct"],
    "tail_binning": ["time_avg", "per_log"],
    "gini_variant": ["plain", "corrected"],
}
PRIMARY = {
    "sigma_delta": "sampled1",
    "threshold": "thr1e-08",
    "mode_identity": "rank",
    "energy": "cumulative",
    "tail_binning": "time_avg",
    "gini_variant": "plain",
}


def _units(muon_gini_wins_for):
    """Muon has the lowest Gini exactly for Sigma_delta variants in ``muon_gini_wins_for``; energies
    are lower for Muon everywhere; the tail holds nowhere (uniform bins)."""
    rows = []
    for arch, opt, sd, thr, mi, energy in itertools.product(
        ["mlp1", "mlp2", "mlp3"],
        ["sgd", "muon"],
        GRID["sigma_delta"],
        ["thr1e-08", "damp1e-06"],
        GRID["mode_identity"],
        ["cumulative", "closed_form", "gain"],
    ):
        win = opt == "muon" and sd in muon_gini_wins_for
        g = 0.5 if win else 0.7 if opt == "muon" else 0.6
        total = 1.0 if opt == "muon" else 2.0
        rows.append(
            dict(
                arch=arch,
                optimizer=opt,
                seed=0,
                diverged=False,
                sigma_delta=sd,
                threshold=thr,
                mode_identity=mi,
                energy=energy,
                matrix="W1",
                n_modes=10,
                gini=g,
                gini_corrected=g * 1.1,
                total=total,
                bins_time_avg=[total] * 10,
                bins_per_log=[total] * 10 if energy == "cumulative" else None,
            )
        )
    for arch, opt in itertools.product(["mlp1", "mlp2", "mlp3"], ["sgd", "muon"]):
        rows.append(
            dict(
                arch=arch,
                optimizer=opt,
                seed=0,
                diverged=False,
                sigma_delta="n/a",
                threshold="n/a",
                mode_identity="n/a",
                energy="direct",
                matrix="W1",
                n_modes=0,
                gini=float("nan"),
                gini_corrected=float("nan"),
                total=3.0 if opt == "muon" else 1.0,
                bins_time_avg=None,
                bins_per_log=None,
            )
        )
    return pd.DataFrame(rows)


def test_every_reading_is_judged_once():
    rows, readings = analyse(_units({"empirical"}), GRID, tail_bins=3, scale="small")
    n = readings.groupby("claim").size().to_dict()
    # C6a: 2 sd x 2 retention x 2 identity x 3 energies x 2 Gini variants; C6b: 2x2x2x2 + direct;
    # C6c: 2x2x2 x (cumulative x 2 binnings + closed_form x time_avg)
    assert n == {"C6a": 48, "C6b": 17, "C6c": 24}
    assert not readings.duplicated(
        ["sigma_delta", "threshold", "mode_identity", "energy", "tail_binning", "gini_variant", "claim"]
    ).any()
    c6a = readings[readings.claim == "C6a"]
    assert c6a.set_index("sigma_delta")["verdict"].groupby(level=0).agg(set).to_dict() == {
        "empirical": {"supported"},
        "sampled1": {"not_supported"},
    }
    c6b = readings[readings.claim == "C6b"].set_index("energy")["verdict"]
    assert set(c6b.drop("direct")) == {"supported"} and c6b["direct"] == "not_supported"
    assert set(readings[readings.claim == "C6c"]["verdict"]) == {"not_supported"}
    # per-unit rows: one per (reading, arch, matrix, seed), Muon the winner where it has the lowest Gini
    unit = rows[(rows.claim == "C6a") & (rows.sigma_delta == "empirical")]
    assert set(unit["winner"]) == {"muon"} and len(unit) == 24 * 3


def test_summary_counts_and_primary_verdict():
    _, readings = analyse(_units({"sampled1"}), GRID, tail_bins=3, scale="small")
    s = summary(readings, PRIMARY).set_index("claim")
    assert s.loc["C6a", "holds"] == 24 and s.loc["C6a", "readings"] == 48
    assert s.loc["C6a", "primary_verdict"] == "supported" and s.loc["C6c", "primary_verdict"] == "not_supported"
