"""Config views of the energy paper's rules."""

import pytest

from muonrepro.pipeline import energy

E = {
    "width": 64,
    "bias": False,
    "optimizers": {"sgd": {"lr": 0.1}, "muon": {"lr": 0.02}},
    "estimator": {"sigma_delta": "sampled", "rel_threshold": 1e-8, "probe": 100},
    "sensitivity": {
        "sigma_delta": ["sampled", "ggn"],
        "thresholds": [1e-4, 1e-8],
        "damping": [1e-3],
        "mode_identity": ["rank", "frozen"],
        "energy": ["cumulative"],
        "gini_variant": ["plain"],
    },
}


@pytest.mark.parametrize("arch, depth", [("mlp1", 1), ("mlp3", 3), ("mlp12", 12)])
def test_arch_depth(arch, depth):
    assert energy.arch_depth(arch) == depth


def test_model_reads_depth_from_the_arch_and_the_rest_from_config():
    assert energy.model(E, "mlp2") == {"depth": 2, "width": 64, "bias": False}


def test_lr_grid_of_the_scale():
    assert energy.lr_grid(E, {"lr_grid": {"sgd": [0.01, 0.1]}}, "sgd") == [0.01, 0.1]


@pytest.mark.parametrize("ES", [{}, {"lr_grid": {"sgd": [0.01, 0.1]}}])
def test_lr_grid_without_one_is_the_configured_lr(ES):
    assert energy.lr_grid(E, ES, "muon") == [0.02]


def test_sensitivity_grid_keeps_what_extraction_reads():
    assert energy.sensitivity_grid(E) == {
        "sigma_delta": ["sampled", "ggn"],
        "thresholds": [1e-4, 1e-8],
        "damping": [1e-3],
        "mode_identity": ["rank", "frozen"],
    }


def test_primary_reading_in_the_sensitivity_tables_terms():
    assert energy.primary_reading(E) == {
        "sigma_delta": "sampled",
        "threshold": "thr1e-08",
        "mode_identity": "rank",
        "energy": "cumulative",
        "tail_binning": "time_avg",
        "gini_variant": "plain",
    }
