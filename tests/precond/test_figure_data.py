"""What the precond figures show (muonrepro.precond.figure_data), on small hand-made tables with known answers."""

import numpy as np
import pandas as pd
import pytest

from muonrepro.precond import figure_data as fd


def _paths():
    """Two MF seeds at kappa 10 (seed 1 stopped early, at iteration 2) and one at kappa 100; one ICL seed."""
    run = lambda errs, modes=None: pd.DataFrame(  # noqa: E731
        {"iteration": range(len(errs)), "error": errs, **({"mode_1": modes} if modes else {})}
    )
    return {
        ("mf", "muon_s1", 10, 1): run([1.0, 1e-2, 1e-4], modes=[1.0, 0.1, 0.01]),
        ("mf", "muon_s1", 10, 0): run([1.0, 1e-1, 1e-2, 1e-3], modes=[1.0, 0.5, 0.25, 0.125]),
        ("mf", "muon_s1", 100, 0): run([1.0, 0.5]),
        ("mf", "gd", 10, 0): run([1.0, 0.9]),
        ("icl", "muon_s1", 10, 0): run([1.0, 0.1]),
    }


def test_seeds_kappas_and_modes_of_the_sweep_curves():
    paths = _paths()
    assert fd.seeds_of(paths, "mf", "muon_s1", 10) == [0, 1]
    assert fd.seeds_of(paths, "mf", "adam", 10) == []
    assert fd.kappas_of(paths, "mf") == [10, 100]
    assert fd.first_run(paths, "mf", "muon_s1", 10) is paths[("mf", "muon_s1", 10, 0)]
    assert fd.mode_columns(paths, "mf", "muon_s1", 10) == ["mode_1"]


def test_curve_band_is_the_mean_and_range_over_seeds_without_extending_a_stopped_seed():
    x, mean, lo, hi = fd.curve_band(_paths(), "mf", "muon_s1", 10)
    assert list(x) == [0, 1, 2, 3]
    np.testing.assert_allclose(mean, [1.0, (1e-1 + 1e-2) / 2, (1e-2 + 1e-4) / 2, 1e-3])
    np.testing.assert_allclose(lo, [1.0, 1e-2, 1e-4, 1e-3])  # at 3 only seed 0 (seed 1 stopped at 2)
    np.testing.assert_allclose(hi, [1.0, 1e-1, 1e-2, 1e-3])
    x, mean, lo, hi = fd.curve_band(_paths(), "mf", "muon_s1", 10, "mode_1")  # any recorded column
    np.testing.assert_allclose(mean, [1.0, 0.3, 0.13, 0.125])


def test_iterations_by_kappa_spreads_over_seeds_and_marks_a_kappa_where_some_seed_hit_the_budget():
    its = pd.DataFrame(
        {
            "problem": ["mf"] * 5 + ["icl"],
            "method": ["gd"] * 4 + ["adam", "gd"],
            "epsilon": [1e-6, 1e-6, 1e-6, 1e-3, 1e-6, 1e-6],
            "kappa": [10, 10, 100, 10, 10, 10],
            "seed": [0, 1, 0, 0, 0, 0],
            "iterations": [20, 40, 500, 5, 7, 9],
            "reached": [True, True, False, True, True, True],
        }
    )
    st = fd.iterations_by_kappa(its, "mf", "gd", 1e-6)
    assert list(st.index) == [10, 100]
    assert st.loc[10, ["mean", "lo", "hi", "n"]].tolist() == [30, 20, 40, 2]
    assert st["all_reached"].tolist() == [True, False]
    assert fd.iterations_by_kappa(its, "mf", "muon_s1", 1e-6).empty


def test_icl_references_and_mode_eigenvalues():
    info = pd.DataFrame(
        {
            "problem": ["icl", "icl", "icl", "mf_aligned", "mf_aligned", "mf_aligned"],
            "epsilon": [1e-10, 1e-10, 1e-6, 1e-6, 1e-6, 1e-6],
            "kappa": [10, 10, 10, 1000, 1000, 1000],
            "seed": [0, 1, 0, 0, 0, 1],
            "muon_bound": [30, 35, 20, None, None, None],
            "K": [8.0, 12.0, 8.0, None, None, None],
            "lam_1": [None, None, None, 1.0, 1.0, 1.0],
            "lam_2": [None, None, None, 0.5, 0.5, 0.3],
        }
    )
    assert fd.icl_bound(info, 1e-10).to_dict() == {10: 35}  # the largest over seeds
    assert fd.icl_K(info).to_dict() == {10: pytest.approx(28 / 3)}  # the mean over the rows
    lam = fd.mode_eigenvalues(info, "mf_aligned", 1000, ["mode_1", "mode_2"])  # one row per seed counts
    assert lam.loc["mode_1"].tolist() == [1.0, 1.0, 1.0]
    assert lam.loc["mode_2"].tolist() == pytest.approx([0.4, 0.3, 0.5])


def _steps():
    return pd.DataFrame(
        {
            "rule": ["S2"] * 6 + ["S1"] * 2,
            "setting": ["eta=0.1", "eta=0.1", "eta=0.01", "eta=0.01", "eta=1", "eta=1", "q=0.5", "q=0.8"],
            "seed": [0, 1] * 4,
            "iterations": [100, 200, 150, 150, 150, 150, 50, 60],
            "final_error": [1e-9, 1e-9, 1e-8, 1e-8, 1e-10, 1e-10, 1e-9, 1e-9],
        }
    )


def test_best_setting_has_the_fewest_mean_iterations_then_the_smallest_final_error():
    # eta=0.1, 0.01 and 1 all take 150 iterations on average; eta=1 ends lowest
    assert fd.best_setting(_steps(), "S2") == "eta=1"
    assert fd.best_setting(_steps(), "S1") == "q=0.5"


def test_shown_setting_prefers_the_given_setting_where_it_ran():
    assert fd.shown_setting(_steps(), "S1", "q=0.8") == "q=0.8"
    assert fd.shown_setting(_steps(), "S1", "q=0.9") == "q=0.5"  # not run: the best one


def test_ablation_kappa_is_the_wanted_one_if_run_else_the_largest():
    assert fd.ablation_kappa([10, 100, 10], 10) == 10
    assert fd.ablation_kappa([10, 100], 1000) == 100


def test_setting_and_orthogonalizer_bands_spread_over_seeds():
    sc = pd.DataFrame(
        {
            "rule": ["S1"] * 4 + ["S0"] * 2,
            "setting": ["q=0.8"] * 4 + ["eta=0.1"] * 2,
            "seed": [0, 0, 1, 1, 0, 0],
            "iteration": [0, 1, 0, 1, 0, 1],
            "error": [1.0, 0.2, 1.0, 0.4, 1.0, 0.5],
        }
    )
    x, mean, lo, hi = fd.setting_band(sc, "S1", "q=0.8")
    assert list(x) == [0, 1] and mean.tolist() == pytest.approx([1.0, 0.3])
    assert lo.tolist() == [1.0, 0.2] and hi.tolist() == [1.0, 0.4]
    nc = sc.rename(columns={"rule": "orthogonalizer"}).assign(kappa=[10, 10, 10, 10, 100, 100])
    nc["orthogonalizer"] = nc["orthogonalizer"].map({"S1": "ns5", "S0": "svd"})
    x, mean, lo, hi = fd.orthogonalizer_band(nc, 10, "ns5")
    assert mean.tolist() == pytest.approx([1.0, 0.3]) and hi.tolist() == [1.0, 0.4]
    assert fd.orthogonalizer_band(nc, 100, "svd")[1].tolist() == [1.0, 0.5]
