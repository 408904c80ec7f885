"""One (experiment, optimizer, seed) run: the dataset's task (``data["task"]``) trained by the one loop
(``training.loop.fit``): evaluations before training and ``evals_per_epoch`` times per epoch, a checkpoint
after each (the epoch's permutation included, so a long epoch resumes mid-way).

Tasks: ``vision`` (ResNets on CIFAR STEP, dominoes, CelebA: ``vision.VisionTask``), ``nli`` (BERT on
MultiNLI: ``nli.NLITask``), ``lm`` (a small GPT on TinyStories: ``lm.LMTask``). The NLP tasks import
their modules only when used.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch

from muonrepro.training.loop import FitSpec, per_epoch
from muonrepro.training.run import train_run

COLUMNS = ["optimizer", "seed", "epoch", "step", "metric", "group", "value"]


def make_task(data: dict, model_cfg: dict, seed: int, device, decode: dict, amp: bool, channels_last: bool):
    kind = data.get("task", "vision")
    if kind == "vision":
        from muonrepro.imbalanced.gpu.vision import VisionTask

        return VisionTask(data, model_cfg, seed, device, decode, amp=amp, channels_last=channels_last)
    if kind == "nli":
        from muonrepro.imbalanced.gpu.nli import NLITask

        return NLITask(data, model_cfg, seed, device, amp=amp)
    if kind == "lm":
        from muonrepro.imbalanced.gpu.lm import LMTask

        return LMTask(data, model_cfg, seed, device, amp=amp)
    raise ValueError(f"dataset task {kind!r} unknown; known: vision, nli, lm")


def run(
    data: dict,
    model_cfg: dict,
    optimizer: str,
    opt_cfg: dict,
    epochs: int,
    batch_size: int,
    evals_per_epoch: int,
    seed: int,
    device: str | torch.device,
    decode: dict,
    checkpoint: str | Path | None = None,
    amp: bool = True,
    channels_last: bool = True,
    code=(),
    data_files=(),
) -> pd.DataFrame:
    """Train one model; tidy rows ``optimizer, seed, epoch, step, metric, group, value`` (``COLUMNS``).
    ``checkpoint`` is matched on the settings, ``code`` (the job's package sources) and ``data_files``."""
    dev = torch.device(device)
    task = make_task(data, model_cfg, seed, dev, decode, amp, channels_last)
    settings = {
        "model": model_cfg,
        "decode": decode,
        "amp": amp and dev.type == "cuda",
        "task": data.get("task", "vision"),
    }
    name = f"{data.get('name', settings['task'])} {optimizer} s{seed}"
    return fit_task(
        task,
        optimizer,
        opt_cfg,
        epochs,
        batch_size,
        evals_per_epoch,
        seed,
        checkpoint=checkpoint,
        settings=settings,
        code=code,
        data_files=data_files,
        name=name,
    )


def fit_task(
    task,
    optimizer: str,
    opt_cfg: dict,
    epochs: int,
    batch_size: int,
    evals_per_epoch: int,
    seed: int,
    *,
    checkpoint=None,
    settings: dict | None = None,
    code=(),
    data_files=(),
    name: str = "train",
) -> pd.DataFrame:
    """``task`` trained with ``optimizer`` at ``opt_cfg["lr"]`` on the one loop; tidy rows (``COLUMNS``)."""
    spec = FitSpec(epochs=epochs, batch_size=batch_size, seed=seed, schedule=per_epoch(evals_per_epoch), name=name)
    settings = {
        **(settings or {}),
        "optimizer": optimizer,
        "opt_cfg": opt_cfg,
        "epochs": epochs,
        "batch_size": batch_size,
        "evals_per_epoch": evals_per_epoch,
        "seed": seed,
        "n_train": task.n_train,
    }
    res = train_run(
        task,
        optimizer,
        opt_cfg,
        opt_cfg["lr"],
        spec,
        checkpoint=checkpoint,
        settings=settings,
        code=code,
        data_files=data_files,
    )
    return pd.DataFrame([(optimizer, seed, *r) for r in res.rows], columns=COLUMNS)
