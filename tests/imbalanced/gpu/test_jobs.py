"""The GPU-scale rules' jobs in the order the workflow runs them, in process on a tiny fake CIFAR-10 (``smk``: a
namespace in place of the snakemake object): data status, build, lr tuning of a two-lr grid, the grid-edge round and
the choice, one training run, the metrics table. The numbers are the package's (tested beside it); here: the files."""

import json
from pathlib import Path
from types import SimpleNamespace as NS

import fakes
import pandas as pd
import pytest
import torch
import yaml

from muonrepro.imbalanced.gpu import rules, settings
from muonrepro.imbalanced.gpu.datasets import build_job
from muonrepro.imbalanced.gpu.lr_choice import lr_round_job, select_lr_job
from muonrepro.imbalanced.gpu.metrics import metrics_job
from muonrepro.imbalanced.gpu.select import tune_job
from muonrepro.imbalanced.gpu.status import data_status, data_status_job
from muonrepro.imbalanced.gpu.train import COLUMNS
from muonrepro.imbalanced.gpu.train_job import train_job

ROOT = Path(__file__).resolve().parents[3]
EXP, OPT, GRID = "cifar10", "sgd", [0.01, 0.1]


@pytest.fixture(scope="module")
def cfg(tmp_path_factory):
    r = tmp_path_factory.mktemp("cifar")
    fakes.make_cifar10(r, per_class_train=12, per_class_test=4)
    c = yaml.safe_load((ROOT / "config.yaml").read_text())
    IG, IGS = c["imbalanced_gpu"], c["scales"]["small"]["imbalanced_gpu"]
    IG["data"] = {**IG["data"], "cifar_root": str(r), "verify_md5": False}
    IG[EXP] = {**IG[EXP], "batch_size": 32}
    IGS.update(width=4, evals_per_epoch=1, tune_epochs=1, seeds=[0], lr_grid={EXP: {OPT: GRID}})
    IGS[EXP] = {**IGS[EXP], "epochs": 1, "n_max": 12, "n_val_per_class": 2, "n_test_per_class": 4}
    return IG, IGS


def _common(IG, IGS):
    return dict(
        model=settings.model_config(EXP, IG, IGS),
        opt_cfg=settings.optimizer_config(EXP, OPT, IG),
        batch_size=IG[EXP]["batch_size"],
        decode={**IG["decode"], "max_iter": 10},
        amp=False,
        channels_last=False,
        device="cpu",
    )


def test_the_jobs_of_one_experiment(cfg, tmp_path):
    IG, IGS = cfg
    threads = torch.get_num_threads()  # as it is: the jobs set it
    status = {EXP: data_status(EXP, IG["data"])}
    data_status_job(NS(params=NS(status=status), output=[tmp_path / "data_status.json"]))
    assert json.loads((tmp_path / "data_status.json").read_text())[EXP]["present"]

    data = tmp_path / "data.pt"
    method, sizes = rules.build_config(EXP, IG, IGS)
    build_job(
        NS(
            input=NS(),
            params=NS(data=IG["data"], cfg=method, sizes=sizes, seed=0),
            wildcards=NS(exp=EXP),
            output=[data],
        )
    )
    assert data.stat().st_size > 0

    common, select_by = _common(IG, IGS), IG[EXP]["select_by"]
    tuned = []
    for lr in GRID:
        tuned.append(tmp_path / f"tune_{lr!r}.json")
        params = NS(**common, epochs=IGS["tune_epochs"], select_by=select_by)
        tune_job(
            NS(
                input=NS(data=data),
                params=params,
                wildcards=NS(ig_opt=OPT, lr=repr(lr)),
                output=[tuned[-1]],
                threads=threads,
            )
        )
        assert json.loads(tuned[-1].read_text())["lr"] == lr
    lr_round_job(NS(input=NS(tuned=tuned), params=NS(mode="max"), output=[tmp_path / "round0.json"]))
    assert json.loads((tmp_path / "round0.json").read_text())["grid"] == GRID
    params = NS(lr=common["opt_cfg"]["lr"], grid=GRID, select_by=select_by, epochs=1, max_extensions=0)
    select_lr_job(NS(input=NS(tuned=tuned), params=params, wildcards=NS(ig_opt=OPT), output=[tmp_path / "lr.json"]))
    assert json.loads((tmp_path / "lr.json").read_text())["lr"] in GRID

    out = NS(metrics=tmp_path / "run.parquet", meta=tmp_path / "run.json")
    params = NS(**common, sizes=rules.sizes(EXP, IGS), checkpoint=str(tmp_path / "ckpt.pt"))
    smk = NS(
        input=NS(data=data, lr=tmp_path / "lr.json", code=[]),
        params=params,
        wildcards=NS(ig_opt=OPT, seed="0"),
        output=out,
        threads=threads,
    )
    train_job(smk)
    assert list(pd.read_parquet(out.metrics).columns) == COLUMNS and not Path(params.checkpoint).exists()
    assert json.loads(out.meta.read_text())["config"]["optimizer"] == OPT

    empty = tmp_path / "skipped.parquet"  # a run whose optimizer was skipped: no rows
    pd.DataFrame(columns=COLUMNS).to_parquet(empty)
    (tmp_path / "skipped_meta.json").write_text(json.dumps({"config": {"optimizer": "shampoo"}, "skipped": "no"}))
    metrics = NS(metrics=tmp_path / "metrics.parquet", skipped=tmp_path / "skipped.json")
    runs = NS(runs=[out.metrics, empty], metas=[out.meta, tmp_path / "skipped_meta.json"])
    metrics_job(NS(input=runs, output=metrics))
    assert len(pd.read_parquet(metrics.metrics)) == len(pd.read_parquet(out.metrics))
    assert json.loads(metrics.skipped.read_text()) == {"shampoo": "no"}
