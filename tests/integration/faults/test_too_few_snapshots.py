"""A run with fewer than two finite weight snapshots that did not diverge has no energy to extract:
energy_extract (primary reading and sensitivity grid) and energy_robust_extract (primary reading) refuse it, naming the run and the config keys (the parse-time
check in muonrepro.pipeline.config_rules normally stops such a config before any job runs). A diverged run
keeps its own handling: its finite snapshots are extracted and the run is reported as diverged."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from muonrepro.energy.rules import sensitivity_grid


def _extract_jobs(train, fake_mnist, config_defaults, d: Path) -> dict[str, SimpleNamespace]:
    E = config_defaults["energy"]
    (d / "arrays").mkdir(parents=True, exist_ok=True)  # Snakemake creates output folders before a job starts
    primary = dict(per_mode=str(d / "per_mode.parquet"), summary=str(d / "summary.json"), logs=str(d / "logs.parquet"))
    common = dict(
        input=SimpleNamespace(mnist=str(fake_mnist), snapshots=train.output.snapshots, meta=train.output.meta),
        threads=1,
    )
    params = dict(estimator=E["estimator"], probe_size=100, device="cpu")
    return {
        "energy_extract": SimpleNamespace(
            **common,
            output=SimpleNamespace(
                **primary, arrays=str(d / "arrays" / f"{Path(train.output.snapshots).parent.name}.npz")
            ),
            params=SimpleNamespace(**params, grid=sensitivity_grid(E)),
            log=[str(d.parent / "extract.log")],
        ),
        "energy_robust_extract": SimpleNamespace(
            **common,
            output=SimpleNamespace(**primary),
            params=SimpleNamespace(**params),
            log=[str(d.parent / "robust_extract.log")],
        ),
    }


@pytest.mark.parametrize("script", ["energy_extract", "energy_robust_extract"])
def test_one_snapshot_of_a_sane_run_is_refused(jobs, fake_mnist, config_defaults, tmp_path, script):
    import torch

    cfg = config_defaults["energy"]["optimizers"]["muon"]
    train = jobs.train_job(fake_mnist, tmp_path / "train", opt="muon", opt_cfg=cfg, lr=cfg["lr"], width=16, epochs=1)
    jobs.run("energy_train", train)
    assert json.loads(Path(train.output.meta).read_text())["diverged"] is False
    # a snapshots file of a sane run that holds step 0 only (a config cannot ask for it: n_snapshots >= 2;
    # a file left by other code can hold it)
    blob = torch.load(train.output.snapshots, weights_only=True)
    blob["snapshots"] = blob["snapshots"][:1]
    torch.save(blob, train.output.snapshots)
    smk = _extract_jobs(train, fake_mnist, config_defaults, tmp_path / "extract")[script]
    with pytest.raises(AssertionError) as e:
        jobs.run(script, smk)
    msg = str(e.value)
    assert "TooFewSnapshotsError: run mlp2_muon_s0" in msg and "1 finite weight snapshot(s)" in msg, msg
    assert "did not diverge" in msg and "scales.<scale>.energy.n_snapshots" in msg and "energy.batch_size" in msg, msg
    assert not any(Path(o).exists() for o in vars(smk.output).values())


def test_a_diverged_run_with_one_snapshot_is_still_extracted(jobs, fake_mnist, config_defaults, tmp_path):
    import torch

    cfg = config_defaults["energy"]["optimizers"]["sgd"]
    train = jobs.train_job(fake_mnist, tmp_path / "train", opt="sgd", opt_cfg=cfg, lr=1.0e6, width=16, epochs=2)
    jobs.run("energy_train", train)
    assert json.loads(Path(train.output.meta).read_text())["diverged"] is True
    # log-spaced snapshots keep steps 0 and 1 before this run blows up; a run whose first update is already
    # non-finite keeps step 0 only, which is what the file is cut to here
    blob = torch.load(train.output.snapshots, weights_only=True)
    blob["snapshots"] = blob["snapshots"][:1]
    torch.save(blob, train.output.snapshots)
    for script, smk in _extract_jobs(train, fake_mnist, config_defaults, tmp_path / "extract").items():
        jobs.run(script, smk)
    summary = json.loads((tmp_path / "extract" / "summary.json").read_text())
    assert summary["diverged"] is True and summary["n_logs"] < 2, summary
