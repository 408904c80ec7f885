"""What the imbalanced-data figures show (muonrepro.imbalanced.figure_data), on small hand-made tables with
known answers."""

import numpy as np
import pandas as pd
import pytest

from muonrepro.imbalanced import figure_data as fd


def test_class_r_is_the_minimizers_components():
    # r_c = mu p_c / (mu^2 p_c + sigma_x^2): mu = 2, sigma_x = 1, p = (0.5, 0.25) -> 1 / 3, 0.5 / 2
    np.testing.assert_allclose(fd.class_r(2.0, [0.5, 0.25], 1.0), [1 / 3, 0.25])


def test_sweep_ratios_long_without_missing_ratios():
    sweep = pd.DataFrame(
        {
            "inside": [True, False],
            "thm1_minority": [0.3, 0.1],
            "thm1_balanced": [0.6, 0.2],
            "thm2_minority": [0.7, np.nan],  # no NGF ratio for the second case
            "other": [1.0, 1.0],
        }
    )
    s = fd.sweep_ratios(sweep)
    assert list(s.columns) == ["inside", "bound", "min ratio"]
    assert s["bound"].tolist() == ["thm1_minority", "thm1_minority", "thm1_balanced", "thm1_balanced", "thm2_minority"]
    assert s["min ratio"].tolist() == [0.3, 0.1, 0.6, 0.2, 0.7]
    assert s["inside"].tolist() == [True, False, True, False, True]


def test_stopping_points_spread_the_seeds_at_each_chosen_step():
    d = pd.DataFrame(
        {
            "optimizer": ["gd"] * 4 + ["muon"] * 2,
            "step": [10, 10, 10, 20, 5, 5],
            "seed": [0, 1, 2, 0, 0, 1],
            "value": [0.5, 0.7, 0.6, 0.9, 0.8, 0.8],
        }
    )
    sel = pd.DataFrame({"optimizer": ["gd", "muon", "ngd"], "step": [10, 40, 10], "lr": [0.1, 0.01, 1.0]})
    pts = fd.stopping_points(d, sel)  # muon has no curve at its step 40, ngd no curve at all: no point
    assert pts.to_dict("records") == [{"optimizer": "gd", "step": 10, "mean": pytest.approx(0.6), "lo": 0.5, "hi": 0.7}]
    assert list(fd.stopping_points(d, sel.iloc[1:]).columns) == ["optimizer", "step", "mean", "lo", "hi"]


def test_learning_times_are_claim_17s_per_run_and_group():
    def run(exp, seed, group, values, optimizer="muon", metric="test_acc"):
        return pd.DataFrame(
            {
                "experiment": exp,
                "optimizer": optimizer,
                "metric": metric,
                "group": group,
                "seed": seed,
                "step": [0, 10, 20, 30],
                "value": values,
            }
        )

    curves = pd.concat(
        [
            # final 0.9, level at fraction 0.5: 0.1 + 0.5 (0.9 - 0.1) = 0.5, first reached at step 20
            run("cmnist_L2", 0, "minority", [0.1, 0.3, 0.6, 0.9]),
            run("cmnist_L2", 0, "majority", [0.1, 0.6, 0.8, 0.9]),  # level 0.5 at step 10
            run("cmnist_L4", 0, "minority", [0.1, 0.1, 0.1, 0.05]),  # never above chance: no time
            run("cmnist_L4", 0, "majority", [0.95, 0.95, 0.95, 0.9]),  # reached at step 0: not drawn
            run("cmnist_L2", 0, "minority", [0.1, 0.9, 0.9, 0.9], optimizer="sgd"),  # not Muon
            run("cmnist_L2", 0, "minority", [0.1, 0.9, 0.9, 0.9], metric="train_acc"),  # not test accuracy
            run("cmnist_L8", 0, "minority", [0.1, 0.9, 0.9, 0.9]),  # a depth not asked for
        ]
    )
    t = fd.learning_times(curves, [2, 4], 0.5)
    assert t[["depth", "group", "t"]].to_dict("records") == [
        {"depth": "2-layer", "group": "majority", "t": 10.0},
        {"depth": "2-layer", "group": "minority", "t": 20.0},
    ]
    assert t["level"].tolist() == pytest.approx([0.5, 0.5])
    assert fd.learning_times(curves, [16], 0.5).empty
