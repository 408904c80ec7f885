"""A run whose loss becomes NaN/Inf is stopped and recorded as diverged (unit level; the workflow-level
check, with the ledger, is tests/integration/workflow/test_rerun.py::test_diverging_lr_reruns_one_optimizer_...)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import torch

from muonrepro.energy.runs import energy_run


def test_training_stops_at_the_first_non_finite_loss(fake_mnist, config_defaults):
    cfg = config_defaults["energy"]["optimizers"]["sgd"]
    res, model = energy_run(
        fake_mnist,
        depth=2,
        width=32,
        bias=True,
        opt="sgd",
        opt_cfg=cfg,
        lr=1.0e6,
        n_train=1200,
        epochs=3,
        batch_size=50,
        seed=0,
        n_snapshots=8,
        device="cpu",
    )
    full = 3 * math.ceil(1200 / 50)
    assert res.diverged and res.diverged_step == res.steps < full  # stopped, long before the end
    assert len(res.history) == 1 and math.isnan(res.history[0]["train_loss"])
    # the snapshots kept are finite (the ones after the blow-up are dropped): extraction can read them
    assert res.snapshots and all(torch.isfinite(v).all() for s in res.snapshots for v in s["state"].values())
    assert res.snapshots[0]["step"] == 0 and all(s["step"] < res.diverged_step for s in res.snapshots)


def test_a_sane_run_is_not_marked_diverged(fake_mnist, config_defaults):
    cfg = config_defaults["energy"]["optimizers"]["muon"]
    res, _ = energy_run(
        fake_mnist,
        depth=1,
        width=32,
        bias=True,
        opt="muon",
        opt_cfg=cfg,
        lr=cfg["lr"],
        n_train=1200,
        epochs=2,
        batch_size=50,
        seed=0,
        n_snapshots=8,
        device="cpu",
    )
    assert not res.diverged and res.diverged_step is None and res.steps == 2 * 24
    assert all(math.isfinite(h["train_loss"]) for h in res.history)


def test_the_training_job_records_divergence(jobs, fake_mnist, config_defaults, tmp_path):
    """energy_train.py finishes normally for a diverged run, with diverged/diverged_step in meta.json
    and NaN in history.csv, so that the rest of the pipeline runs and reports it."""
    cfg = config_defaults["energy"]["optimizers"]["sgd"]
    smk = jobs.train_job(fake_mnist, tmp_path, opt="sgd", opt_cfg=cfg, lr=1.0e6, epochs=2)
    jobs.run("energy_train", smk)
    meta = json.loads(Path(smk.output.meta).read_text())
    hist = pd.read_csv(smk.output.history)
    assert meta["diverged"] is True and meta["diverged_step"] == meta["steps"]
    assert hist["train_loss"].isna().iloc[-1]
    assert "train_seconds" in json.loads(Path(smk.output.timing).read_text())
    assert "train_seconds" not in meta  # wall time is not a result
    assert not Path(smk.params.checkpoint).exists()
