"""Malformed configs are rejected at parse time, before any job runs, naming the key.

Each case is a --configfile overlay, written as a user would write it (so YAML itself reads `.nan`,
`1.0e+400` and `1e-3`), merged over config.yaml by Snakemake; `snakemake -n` must fail while parsing
the workflow (before the DAG is built), with the key in the message, and create no results. The fast,
in-process versions of these checks (and many more cases) are in tests/test_config.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

# (overlay YAML, text the error must contain: the key, as the schema or muonrepro.pipeline.config_checks names it)
CASES = {
    # the schema
    "unknown_key": ("energy:\n  widht: 3\n", "'widht' was unexpected"),
    "unknown_scale": ("scale: huge\n", "'huge' is not one of"),
    "n_train_too_small": ("scales:\n  small:\n    energy: {n_train: 50}\n", "['scales']['small']['energy']['n_train']"),
    # non-finite numbers (the schema's bounds let NaN through)
    "lr_nan": ("energy:\n  optimizers:\n    sgd: {lr: .nan}\n", "energy.optimizers.sgd.lr = nan"),
    "lr_inf": ("energy:\n  optimizers:\n    adamw: {lr: .inf}\n", "energy.optimizers.adamw.lr = inf"),
    "lr_overflowing_literal": ("energy:\n  optimizers:\n    muon: {lr: 1.0e+400}\n", "energy.optimizers.muon.lr = inf"),
    "nan_in_an_lr_grid": (
        "scales:\n  paper:\n    energy:\n      lr_grid: {sgd: [0.01, .nan, 0.1]}\n",
        "scales.paper.energy.lr_grid.sgd[1] = nan",
    ),
    "nan_where_an_integer_goes": ("energy:\n  width: .nan\n", "energy.width = nan"),
    "minus_inf_eps": ("precond:\n  adam: {eps: -.inf}\n", "precond.adam.eps = -inf"),
    # numbers that YAML 1.1 reads as strings
    "lr_1e-3": ("energy:\n  optimizers:\n    adamw: {lr: 1e-3}\n", "write 1.0e-3, not 1e-3"),
    "eta_5e-4": ("imbalanced:\n  theory: {eta: 5e-4}\n", "imbalanced.theory.eta = '5e-4'"),
    # a key written twice: YAML keeps the last one without a word
    "duplicate_key_in_an_overlay": (
        "energy:\n  width: 256\n  batch_size: 64\n  width: 128\n",
        "key 'width' at line 4 (first at line 2): the later one would silently win",
    ),
    # cross-field rules
    "min_seeds_above_every_seeds_list": ("stats: {min_seeds: 5}\n", "fewer than stats.min_seeds = 5"),
    "more_snapshots_than_steps": (
        "scales:\n  small:\n    energy: {n_train: 1280, epochs: 1, n_snapshots: 12}\n",
        "scales.small.energy.n_snapshots = 12 is more than the 11 steps",
    ),
    "one_snapshot_per_run": (
        "scales:\n  small:\n    energy: {n_snapshots: 1}\n",
        "n_snapshots",
    ),
    "tail_bins_beyond_n_deciles": (
        "energy:\n  claims: {tail_bins: 12}\n",
        "energy.claims.tail_bins = 12 must be < energy.estimator.n_deciles",
    ),
    "no_sensitivity_retention": (
        "energy:\n  sensitivity: {thresholds: [], damping: []}\n",
        "energy.sensitivity.thresholds and energy.sensitivity.damping are both empty",
    ),
    "primary_threshold_outside_the_grid": (
        "energy:\n  estimator: {rel_threshold: 1.0e-9}\n",
        "energy.estimator.rel_threshold = 1e-09 is not in energy.sensitivity.thresholds",
    ),
    "val_size_not_below_n_train": (
        "scales:\n  paper:\n    energy: {val_size: 60000}\n",
        "scales.paper.energy.val_size = 60000 must be < scales.paper.energy.n_train",
    ),
    "lr_grid_never_tuned": (
        "scales:\n  paper:\n    energy: {tune_epochs: 0}\n",
        "scales.paper.energy.tune_epochs = 0",
    ),
    "kappa_plot_not_an_ablation_kappa": (
        "precond:\n  ablation: {kappa_plot: 10000}\n",
        "precond.ablation.kappa_plot = 10000 is not in scales.small.precond.ablation_kappas",
    ),
    "a6_kappa_not_swept": (
        "precond:\n  claims:\n    A6: {kappa: 500}\n",
        "precond.claims.A6.kappa = 500 is not in scales",
    ),
    "mf_rank_above_dimension": (
        "scales:\n  small:\n    precond:\n      mf: {d: 100, r: 200}\n",
        "scales.small.precond.mf.r = 200 must be <= scales.small.precond.mf.d",
    ),
    "claim_depth_not_trained": (
        "imbalanced:\n  claims: {claim_depth: 3}\n",
        "imbalanced.claims.claim_depth = 3 is not in imbalanced.cmnist.depths",
    ),
    "cmnist_splits_beyond_mnist": (
        "scales:\n  paper:\n    imbalanced:\n      cmnist: {n_val: 10000}\n",
        "scales.paper.imbalanced.cmnist.n_train + n_val",
    ),
    "rare_bucket_out_of_range": (
        "imbalanced_gpu:\n  claims: {rare_buckets: [7]}\n",
        "imbalanced_gpu.claims.rare_buckets = [7] has buckets [7] >= imbalanced_gpu.tinystories.n_buckets",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_malformed_config_is_rejected_before_any_job_naming_the_key(tmp_path, case):
    overlay, key = CASES[case]
    cfg = tmp_path / "overlay.yaml"
    cfg.write_text(overlay)
    res = subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory", str(tmp_path)]
        + ["--cores", "1", "-n", "--configfile", str(cfg)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = res.stdout + res.stderr
    assert res.returncode != 0, out[-3000:]
    assert key in out, out[-3000:]
    assert "common.smk" in out and "Building DAG of jobs" not in out, out[-3000:]  # failed while parsing
    assert not (tmp_path / "results").exists()
