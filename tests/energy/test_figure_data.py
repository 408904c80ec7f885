"""What the energy figures show (muonrepro.energy.figure_data), on small hand-made tables with known answers."""

import numpy as np
import pandas as pd
import pytest

from muonrepro.energy import figure_data as fd
from muonrepro.energy.theory.checks import COUNTEREXAMPLE_CHECK, theory_claim_summary


def test_theory_points_split_identities_from_inequalities_with_the_ledgers_margin():
    th = pd.DataFrame(
        {
            "check": [
                "an_identity",
                "exact_identity",
                "gini_upper_bound",
                "jensen_gd_vs_uniform",
                COUNTEREXAMPLE_CHECK,
            ],
            "value": [1.5, 3.0, 0.4, 9.0, 1.0],
            "reference": [1.0, 3.0, 0.5, 10.0, 0.0],
            "tolerance": [1e-9, 1e-9, 0.0, 0.0, 0.0],
            "passed": [False, True, True, False, True],
        }
    )
    eq, ineq = fd.theory_points(th)
    assert eq["check"].tolist() == ["an_identity", "exact_identity"]  # the counterexample is no check
    assert eq["status"].tolist() == ["failed", "passed"]
    # |value - reference| / max(1, |reference|), an exact identity at the floor
    assert eq["rel_error"].tolist() == pytest.approx([0.5, fd.REL_FLOOR])
    assert ineq["check"].tolist() == ["gini_upper_bound", "jensen_gd_vs_uniform"]
    # "<=" 0.4 vs 0.5: room 0.1 (scaled by max(1, 0.5)); ">=" 9 vs 10: violated by 1 / 10
    assert ineq["margin"].tolist() == pytest.approx([0.1, -0.1])
    assert ineq["status"].tolist() == ["passed", "failed"]


def test_theory_points_margin_is_the_one_the_ledger_summarizes():
    rows = [
        {"check": "gini_upper_bound", "value": 0.4, "reference": 0.5, "tolerance": 0.0, "passed": True},
        {"check": "jensen_gd_vs_uniform", "value": 12.0, "reference": 10.0, "tolerance": 0.0, "passed": True},
    ]
    _, ineq = fd.theory_points(pd.DataFrame(rows))
    summary = theory_claim_summary(rows)["jensen_uniform"]  # the claim group of jensen_gd_vs_uniform
    shown = ineq[ineq["check"].isin(summary["checks"])]["margin"]
    assert shown.tolist() == [summary["min_margin"]] == [pytest.approx(0.2)]


def test_per_log_energy_sums_the_matrices_at_each_logged_step():
    logs = pd.DataFrame(
        {
            "arch": ["mlp1"] * 4,
            "optimizer": ["muon"] * 4,
            "seed": [0] * 4,
            "step": [0, 0, 10, 10],
            "matrix": ["W1", "W2", "W1", "W2"],
            "direct_energy": [1.0, 2.0, 0.5, 0.25],
            "direct_logits": [7.0, 7.0, 3.0, 3.0],  # one value per log, repeated on each matrix's row
        }
    )
    long = fd.per_log_energy(logs)
    got = long.set_index(["y", "step_plus_1"])["energy"].to_dict()
    assert got == {
        ("direct_preact", 1): 3.0,
        ("direct_preact", 11): 0.75,
        ("direct_logits", 1): 7.0,
        ("direct_logits", 11): 3.0,
    }
    assert set(long.columns) == {"arch", "optimizer", "seed", "step_plus_1", "y", "energy"}


def _per_mode(energy, retained=None, mat="W1"):
    m, n = energy.shape
    j, i = np.meshgrid(range(m), range(n), indexing="ij")
    retained = np.ones_like(energy, bool) if retained is None else retained
    return pd.DataFrame(
        {"matrix": mat, "j": j.ravel(), "i": i.ravel(), "energy": energy.ravel(), "retained": retained.ravel()}
    ).sample(frac=1, random_state=0)  # row order does not matter


def test_block_log_energy_sums_retained_modes_over_blocks_of_ranks():
    E = np.arange(1.0, 17.0).reshape(4, 4)
    kept = np.ones((4, 4), bool)
    kept[:2, :2] = False  # the top-left block has no retained mode: blank
    kept[2, 2] = False  # one mode of the bottom-right block is dropped
    le, size = fd.block_log_energy(_per_mode(E, kept), "W1", max_blocks=2)
    assert size == (2, 2)
    expected = np.log10(np.array([[np.nan, 3 + 4 + 7 + 8], [9 + 10 + 13 + 14, 12 + 15 + 16]]) + 1e-30)
    np.testing.assert_allclose(le, expected)


def test_heatmap_blocks_mean_and_range_over_seeds():
    a, b = _per_mode(np.full((2, 2), 10.0)), _per_mode(np.full((2, 2), 1000.0))
    mean_log, spread, blocks_of = fd.heatmap_blocks({"muon": [a, b], "sgd": [a]}, ["W1"], ["sgd", "muon"])
    np.testing.assert_allclose(mean_log[("W1", "muon")], np.full((2, 2), 2.0))  # mean of log10 10 and log10 1000
    np.testing.assert_allclose(spread[("W1", "muon")], np.full((2, 2), 2.0))
    assert spread[("W1", "sgd")] is None  # one seed: no range
    assert blocks_of == {"W1": (1, 1)}


def test_per_mode_runs_groups_the_tables_by_optimizer(tmp_path):
    paths = []
    for opt, seed in (("sgd", 0), ("muon", 0), ("sgd", 1)):
        paths.append(str(tmp_path / f"mlp3_{opt}_s{seed}.parquet"))
        _per_mode(np.full((1, 1), float(seed))).to_parquet(paths[-1])
    arch, frames = fd.per_mode_runs(paths)
    assert arch == "mlp3" and sorted(frames) == ["muon", "sgd"]
    assert [f["energy"].iloc[0] for f in frames["sgd"]] == [0.0, 1.0]
