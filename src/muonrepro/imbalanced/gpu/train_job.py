"""The job of rule imbalanced_gpu_train (a module of its own: ``train``, which ``select.tune_job`` imports too, does
not import the run metadata's code, so that editing it does not rerun the tuning jobs)."""

from __future__ import annotations

import json
import time

import pandas as pd
import torch

from muonrepro.imbalanced.gpu.train import COLUMNS, run
from muonrepro.training.checkpoint import discard_checkpoint
from muonrepro.util.device import resolve_device
from muonrepro.util.io import atomic_write_json, atomic_write_parquet, load_tensors
from muonrepro.util.meta import run_metadata


def train_job(smk) -> None:
    """Rule imbalanced_gpu_train: one (experiment, optimizer ``wildcards.ig_opt``, seed ``wildcards.seed``) run at
    the selected lr (``input.lr``) -> tidy per-group metrics (``output.metrics``) and run metadata
    (``output.meta``); a choice marked ``skipped`` gives empty metrics. The checkpoint ``params.checkpoint`` is
    matched on the package sources ``input.code`` and removed once the outputs are written."""
    torch.set_num_threads(smk.threads)
    wc, p = smk.wildcards, smk.params
    seed = int(wc.seed)
    device = resolve_device(p.device)
    choice = json.loads(open(smk.input.lr).read())
    opt_cfg = {**p.opt_cfg, "lr": choice["lr"]}
    meta = run_metadata(
        {"model": p.model, "optimizer": wc.ig_opt, "opt_cfg": opt_cfg, "lr_selection": choice, "sizes": p.sizes},
        seed=seed,
        device=str(device),
    )
    if "skipped" in choice:
        df = pd.DataFrame(columns=COLUMNS)
        meta["skipped"] = choice["skipped"]
        print(meta["skipped"])
    else:
        t0 = time.perf_counter()
        data = load_tensors(smk.input.data, mmap=True)  # mmap: CelebA at 128 px is ~10 GB
        df = run(
            data,
            p.model,
            wc.ig_opt,
            opt_cfg,
            p.sizes["epochs"],
            p.batch_size,
            p.sizes["evals_per_epoch"],
            seed,
            device,
            p.decode,
            checkpoint=p.checkpoint,
            amp=p.amp,
            channels_last=p.channels_last,
            code=smk.input.code,
            data_files=[smk.input.data],
        )
        meta["train_seconds"] = time.perf_counter() - t0
        meta["diverged"] = bool((df["metric"] == "diverged").any())
    atomic_write_parquet(df, smk.output.metrics)
    atomic_write_json(meta, smk.output.meta)
    discard_checkpoint(p.checkpoint)  # the outputs are written: the run is complete
