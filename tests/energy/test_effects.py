"""Per-seed effects of the energy claims on hand-made tables, computed by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from muonrepro.energy import effects as fx


def _gini(values):
    """values: {(seed, arch, matrix): {optimizer: gini}}"""
    return pd.DataFrame(
        [
            dict(seed=s, arch=a, matrix=m, optimizer=o, gini=g)
            for (s, a, m), per in values.items()
            for o, g in per.items()
        ]
    )


def test_gini_effect_is_the_smallest_margin_over_matrices():
    df = _gini(
        {
            (0, "mlp1", "W1"): {"sgd": 0.8, "adamw": 0.7, "muon": 0.6},  # margin 0.1
            (0, "mlp2", "W1"): {"sgd": 0.5, "adamw": 0.9, "muon": 0.45},  # margin 0.05
            (1, "mlp1", "W1"): {"sgd": 0.8, "adamw": 0.5, "muon": 0.6},  # margin -0.1
            (1, "mlp2", "W1"): {"sgd": 0.9, "adamw": 0.9, "muon": 0.6},  # margin 0.3
        }
    )
    eff, margins = fx.gini_effects(df)
    assert eff == {0: pytest.approx(0.05), 1: pytest.approx(-0.1)}
    assert margins.loc[(1, "mlp2", "W1")] == pytest.approx(0.3)


def test_a_missing_or_diverged_run_makes_the_seed_unusable():
    df = _gini({(0, "mlp1", "W1"): {"sgd": 0.8, "muon": 0.6}, (1, "mlp1", "W1"): {"sgd": 0.8, "muon": 0.6}})
    df = df[~((df.seed == 1) & (df.optimizer == "sgd"))]
    eff, _ = fx.gini_effects(df)
    assert eff[0] == pytest.approx(0.2) and math.isnan(eff[1])
    df2 = _gini({(0, "mlp1", "W1"): {"sgd": 0.8, "muon": 0.6}}).assign(arch="mlp1")
    bad = fx.with_diverged_as_nan(df2, "gini", [{"arch": "mlp1", "optimizer": "muon", "seed": 0}])
    assert math.isnan(fx.gini_effects(bad)[0][0])


def test_energy_effect_is_the_kth_largest_log_ratio():
    rows = []
    # seed 0: Muon smallest on mlp1 (x2) and mlp2 (x4), not on mlp3 (x0.5) -> 2nd largest = log 2
    # seed 1: Muon smallest only on mlp1 -> 2nd largest = log 0.5
    for seed, ratios in ((0, (2.0, 4.0, 0.5)), (1, (3.0, 0.5, 0.25))):
        for arch, r in zip(("mlp1", "mlp2", "mlp3"), ratios):
            rows += [
                dict(seed=seed, arch=arch, optimizer="muon", energy=1.0),
                dict(seed=seed, arch=arch, optimizer="sgd", energy=r),
                dict(seed=seed, arch=arch, optimizer="adamw", energy=r * 10),
            ]
    eff, r = fx.energy_effects(pd.DataFrame(rows))
    assert eff == {0: pytest.approx(np.log(2.0)), 1: pytest.approx(np.log(0.5))}
    assert r.loc[(0, "mlp3")] == pytest.approx(np.log(0.5))


def test_tail_statistic_by_hand():
    rows = []
    for b in range(5):
        # log ratio per bin: log 4 in bins 0-1 (tail), log 2 elsewhere -> tail log 4, rest log 2
        other = 4.0 if b < 2 else 2.0
        rows += [
            dict(seed=0, arch="mlp1", matrix="W1", bin=b, optimizer="muon", energy=1.0),
            dict(seed=0, arch="mlp1", matrix="W1", bin=b, optimizer="sgd", energy=other),
        ]
    eff, per = fx.tail_effects(pd.DataFrame(rows), tail_bins=2)
    assert per["tail"].iloc[0] == pytest.approx(np.log(4)) and per["rest"].iloc[0] == pytest.approx(np.log(2))
    assert eff[0] == pytest.approx(min(np.log(4), np.log(4) - np.log(2)))


def test_offdiag_effect_is_the_mean_margin():
    df = pd.DataFrame(
        [
            dict(seed=0, arch="mlp1", matrix="W1", optimizer="muon", offdiag=0.90),
            dict(seed=0, arch="mlp1", matrix="W1", optimizer="sgd", offdiag=0.95),
            dict(seed=0, arch="mlp1", matrix="W1", optimizer="adamw", offdiag=0.99),
            dict(seed=0, arch="mlp2", matrix="W1", optimizer="muon", offdiag=0.99),
            dict(seed=0, arch="mlp2", matrix="W1", optimizer="sgd", offdiag=0.98),
            dict(seed=0, arch="mlp2", matrix="W1", optimizer="adamw", offdiag=0.97),
        ]
    )
    eff, _ = fx.offdiag_effects(df)
    assert eff[0] == pytest.approx((0.05 - 0.02) / 2)
