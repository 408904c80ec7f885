"""Colored-MNIST lr choice on the first seed's early window (``tune_seeds: first``, the paper-scale lever of
``cmnist.cmnist_train_job``): the tuning runs are the first seed's whole runs cut at the window, the choice is
theirs, and every seed then trains the chosen lr only."""

import json
from pathlib import Path
from types import SimpleNamespace as NS

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from muonrepro.data.colored_mnist import cmnist_data_job
from muonrepro.imbalanced import cmnist, cmnist_schedule
from muonrepro.imbalanced.curves import early_auc, select_cmnist

ROOT = Path(__file__).resolve().parents[2]
I = yaml.safe_load((ROOT / "config.yaml").read_text())["imbalanced"]  # noqa: E741
SIZES = {"n_train": 300, "n_val": 100, "n_test": 200, "width": 16, "epochs": 4, "eval_every": 2, "seeds": [0, 1]}
GRID = [0.003, 0.01, 0.03]


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    r = tmp_path_factory.mktemp("tuning")
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 10, (700,), generator=g)
    x = torch.zeros(700, 784, dtype=torch.uint8)
    x[torch.arange(700), y * 70] = 255
    torch.save({"train_x": x[:500], "train_y": y[:500], "test_x": x[500:], "test_y": y[500:]}, r / "mnist.pt")
    cmnist_data_job(
        NS(input=NS(mnist=str(r / "mnist.pt")), params=NS(cfg=I["cmnist"], sizes=SIZES), output=[str(r / "cmnist.pt")])
    )
    out = NS(curves=[r / f"s{s}.parquet" for s in (0, 1)], meta=[r / f"s{s}.json" for s in (0, 1)])
    sizes = {**SIZES, "lr_grid": {"muon": GRID}, "tune_seeds": "first"}
    params = NS(cfg=I["cmnist"], sizes=sizes, seeds=[0, 1], device="cpu", checkpoint=None, early_fraction=0.25)
    cmnist.cmnist_train_job(
        NS(
            input=NS(data=str(r / "cmnist.pt"), code=[]),
            params=NS(**vars(params), max_extensions=0),
            wildcards=NS(layers="2", imb_opt="muon"),
            output=out,
            threads=torch.get_num_threads(),  # as it is: the job sets it
        )
    )
    frames = [pd.read_parquet(p) for p in out.curves]
    return frames, json.loads(out.meta[0].read_text())


def test_first_seed_tunes_over_the_window_and_every_seed_trains_the_chosen_lr(tuned):
    (s0, s1), meta = tuned
    tuning = s0[s0["tuning"]]
    assert sorted(tuning["lr"].unique()) == GRID and not s1["tuning"].any()
    whole_steps = s1["step"].max()
    assert tuning.groupby("lr")["step"].max().eq(whole_steps // 4).all()  # the first quarter of the whole run
    val = tuning[(tuning["metric"] == "val_acc") & (tuning["group"] == "minority")]
    scores = {lr: early_auc(h["step"].to_numpy(), h["value"].to_numpy(), 1.0) for lr, h in val.groupby("lr")}
    best = max(scores, key=scores.get)
    for df in (s0[~s0["tuning"]], s1):
        assert set(df["lr"]) == {best} and df["step"].max() == whole_steps
    assert meta["config"]["lrs"] == GRID  # interior choice or extended: the lrs the job trained


def test_the_tuning_run_is_the_whole_run_cut_at_the_window(tuned):
    (s0, _), _ = tuned
    lr = s0.loc[~s0["tuning"], "lr"].iloc[0]
    key = ["step", "metric", "group"]
    cut = s0[s0["tuning"] & (s0["lr"] == lr)].set_index(key)["value"]
    whole = s0[~s0["tuning"]].set_index(key)["value"]
    common = cut.index.intersection(whole.index)
    evals = common[common.get_level_values("metric") != "train_loss"]
    assert len(evals) >= 4
    np.testing.assert_array_equal(cut[evals].to_numpy(), whole[evals].to_numpy())


def test_selection_keeps_the_whole_runs_and_says_which_seed_chose(tuned):
    (s0, s1), _ = tuned
    df = pd.concat([s0, s1], ignore_index=True)
    curves, sel = select_cmnist(df, 0.25)
    assert not curves["tuning"].any() and sorted(curves["seed"].unique()) == [0, 1]
    assert sel["criterion"].iloc[0].startswith("seed 0's (its runs stopped at the window's end)")
    assert sel["grid"].iloc[0] == "; ".join(f"{lr:g}" for lr in GRID)


def test_tuning_epochs_and_job_size():
    sizes = {"epochs": 20, "seeds": [0, 1, 2], "tune_seeds": "first"}
    assert cmnist_schedule.cmnist_tuning(sizes, [0.1, 0.2], 0.25) == 5
    assert cmnist_schedule.cmnist_job_epochs(sizes, [0.1, 0.2, 0.3, 0.4], 0.25) == 4 * 5 + 3 * 20
    assert cmnist_schedule.cmnist_tuning(sizes, [0.1], 0.25) == 0  # one lr: nothing to tune
    assert cmnist_schedule.cmnist_job_epochs({**sizes, "tune_seeds": "all"}, [0.1, 0.2], 0.25) == 2 * 3 * 20
    with pytest.raises(ValueError, match="whole number of epochs, got 6.6"):
        cmnist_schedule.cmnist_tuning(sizes, [0.1, 0.2], 0.33)
