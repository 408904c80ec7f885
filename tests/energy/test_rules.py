"""Config views of the energy paper's rules."""

from types import SimpleNamespace

import pytest

from muonrepro.energy import rules as energy

E = {
    "width": 64,
    "bias": False,
    "optimizers": {"sgd": {"lr": 0.1}, "muon": {"lr": 0.02, "aux_adamw": {"betas": [0.9, 0.95]}}},
    "estimator": {
        "sigma_delta": "sampled",
        "rel_threshold": 1e-8,
        "probe": 100,
        "mode_set": "common",
        "direct_at": "direct_preact",
        "bin_stat": "sum",
    },
    "sensitivity": {
        "sigma_delta": ["sampled", "ggn"],
        "thresholds": [1e-4, 1e-8],
        "damping": [1e-3],
        "mode_identity": ["rank", "frozen"],
        "energy": ["cumulative"],
        "gini_variant": ["plain"],
    },
    "robustness": {
        "lr_factors": [0.5, 2.0],
        "muon_aux_betas": [[0.9, 0.999]],
        "probe_size_factors": [2],
        "widths": [32],
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


def test_primary_readings_in_the_sensitivity_tables_terms():
    p = energy.primary_readings(E)
    per_mode = {"sigma_delta": "sampled", "retention": "thr1e-08", "mode_identity": "rank", "mode_set": "common"}
    assert p["C6a"] == {**per_mode, "energy": "cumulative", "gini_variant": "plain"}
    assert p["C6b"] == {**per_mode, "energy": "direct_preact"}
    assert p["C6c"] == {**per_mode, "energy": "cumulative", "tail_binning": "time_avg", "bin_stat": "sum"}
    assert p["C5-runs"] == {"sigma_delta": "sampled", "mode_identity": "rank"}


def test_criteria_from_config():
    cfg = {
        "energy": {"claims": {"rules": {"C6a": "interval"}, "tail_bins": 3}},
        "stats": {"min_seeds": 3, "level": 0.9},
    }
    assert energy.criteria(cfg) == {"rules": {"C6a": "interval"}, "min_seeds": 3, "level": 0.9, "tail_bins": 3}


def test_robustness_variants_change_one_setting_each():
    v = energy.robustness_variants(E)
    assert list(v) == [
        "default",
        "lr_sgd_x0.5",
        "lr_sgd_x2",
        "lr_muon_x0.5",
        "lr_muon_x2",
        "muon_aux_betas_0.9_0.999",
        "probe_x2",
        "width_32",
    ]
    assert v["lr_sgd_x2"]["retrain"] == ["sgd"] and v["lr_sgd_x2"]["lr_factor"] == {"sgd": 2.0}
    betas = v["muon_aux_betas_0.9_0.999"]
    assert betas["retrain"] == ["muon"] and betas["opt_cfg"]["muon"]["aux_adamw"]["betas"] == [0.9, 0.999]
    assert E["optimizers"]["muon"]["aux_adamw"]["betas"] == [0.9, 0.95]  # the config is not modified
    assert v["probe_x2"]["retrain"] == [] and v["probe_x2"]["probe_factor"] == 2
    assert v["width_32"]["retrain"] == ["sgd", "muon"] and v["width_32"]["width"] == 32
    assert v["default"]["retrain"] == [] and v["default"]["probe_factor"] == 1


def test_variant_files_come_from_the_default_runs_unless_the_change_touches_them():
    v = energy.robustness_variants(E)
    out = "results/paper/"  # the scale's output root, passed in by the rules
    own = "results/paper/energy/robustness/lr_sgd_x2"
    assert energy.variant_prefix(v["lr_sgd_x2"], "lr_sgd_x2", "sgd", "train", out) == own
    assert energy.variant_prefix(v["lr_sgd_x2"], "lr_sgd_x2", "muon", "train", out) == "results/paper/energy"
    assert energy.variant_prefix(v["probe_x2"], "probe_x2", "muon", "train", out) == "results/paper/energy"
    assert (
        energy.variant_prefix(v["probe_x2"], "probe_x2", "muon", "extract", out)
        == "results/paper/energy/robustness/probe_x2"
    )
    files = energy.variant_inputs(v, "lr_sgd_x2", [("mlp1", "sgd", 0), ("mlp1", "muon", 0)], out)
    assert files["summaries"] == [f"{own}/extract/mlp1_sgd_s0.json", "results/paper/energy/extract/mlp1_muon_s0.json"]
    assert files["metas"] == [f"{own}/runs/mlp1_sgd_s0/meta.json", "results/paper/energy/runs/mlp1_muon_s0/meta.json"]
    assert energy.variant_inputs(v, "default", [("mlp1", "sgd", 0)], out)["per_modes"] == [
        "results/paper/energy/per_mode/mlp1_sgd_s0.parquet"
    ]
    w = SimpleNamespace(variant="lr_sgd_x2", arch="mlp1", opt="sgd", seed="0")
    assert energy.variant_file(v, w, "train", "meta.json", out) == f"{own}/runs/mlp1_sgd_s0/meta.json"


def test_variant_params_change_only_what_the_variant_changes():
    v = energy.robustness_variants(E)
    ES = {"probe_size": 1000}
    job = lambda variant, opt: SimpleNamespace(variant=variant, arch="mlp2", opt=opt)  # noqa: E731
    lr = energy.variant_train_params(E, v, job("lr_sgd_x2", "sgd"))
    assert lr == {"model": energy.model(E, "mlp2"), "opt_cfg": E["optimizers"]["sgd"], "lr_factor": 2.0}
    assert energy.variant_train_params(E, v, job("lr_sgd_x2", "muon"))["lr_factor"] == 1.0
    betas = energy.variant_train_params(E, v, job("muon_aux_betas_0.9_0.999", "muon"))["opt_cfg"]
    assert betas["aux_adamw"]["betas"] == [0.9, 0.999]
    assert energy.variant_train_params(E, v, job("width_32", "sgd"))["model"] == energy.model(E, "mlp2", 32)
    assert energy.variant_probe_size(ES, v, job("probe_x2", "sgd")) == 2000
    assert energy.variant_probe_size(ES, v, job("default", "sgd")) == 1000


def test_variant_pattern_matches_exactly_the_names():
    import re

    pattern = energy.variant_pattern(energy.robustness_variants(E))
    assert re.fullmatch(pattern, "lr_sgd_x0.5") and not re.fullmatch(pattern, "lr_sgd_x0x5")
