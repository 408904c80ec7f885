"""Rule energy_train: one monitored MNIST-MLP run (snapshots, history, metadata; wall-clock
timing and where it ran in timing.json, so that the other three files are byte-identical for the
same config and seed on CPU, also after an interrupted run resumed from its checkpoint)."""

import json
import os
import platform
import sys

import pandas as pd
import torch

from muonrepro.energy.runs import energy_run
from muonrepro.training.checkpoint import discard_checkpoint
from muonrepro.util.io import atomic_path, atomic_write_csv, atomic_write_json
from muonrepro.util.meta import run_metadata

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
torch.set_num_threads(snakemake.threads)
p, wc = snakemake.params, snakemake.wildcards
lr = json.load(open(snakemake.input.lr))["lr"] * p.lr_factor  # lr_factor: 1 except in the robustness runs
seed = int(wc.seed)
res, model = energy_run(
    snakemake.input.mnist,
    **p.model,
    opt=wc.opt,
    opt_cfg=p.opt_cfg,
    lr=lr,
    n_train=p.n_train,
    epochs=p.epochs,
    batch_size=p.batch_size,
    seed=seed,
    n_snapshots=p.n_snapshots,
    checkpoint=p.checkpoint,
    code=snakemake.input.code,
    device=p.device,
)
# Byte-identical snapshots.pt, also after a resume: torch.save names the zip archive after the file
# it writes to, so save through a file object (atomic_path's temporary name is random); and pickle
# shares repeated objects by identity, so rebuild the list with one object per distinct key (the
# snapshots restored from a checkpoint carry their own copies of the key strings).
snapshots = [
    {
        "step": int(s["step"]),
        "state": {sys.intern(k): v for k, v in s["state"].items()},
        **({"update": {sys.intern(k): v for k, v in s["update"].items()}} if "update" in s else {}),
    }
    for s in res.snapshots
]
with atomic_path(snakemake.output.snapshots) as tmp, open(tmp, "wb") as fh:
    torch.save({"snapshots": snapshots, "total_steps": res.steps, "model": dict(p.model)}, fh)
atomic_write_csv(pd.DataFrame(res.history), snakemake.output.history)
meta = run_metadata(
    {
        "model": p.model,
        "opt": wc.opt,
        "opt_cfg": p.opt_cfg,
        "lr": lr,
        "n_train": p.n_train,
        "epochs": p.epochs,
        "batch_size": p.batch_size,
        "n_snapshots": p.n_snapshots,
        "log_steps": res.log_steps,
    },
    seed=seed,
    device=str(next(model.parameters()).device),
)
meta.update(diverged=res.diverged, diverged_step=res.diverged_step, steps=res.steps)
atomic_write_json(meta, snakemake.output.meta)
env = {k: os.environ.get(k) for k in ("CUDA_VISIBLE_DEVICES", "SLURM_JOB_ID", "SLURM_RESTART_COUNT")}
print(f"host {platform.node()}, {env}")
atomic_write_json({"train_seconds": res.seconds, "host": platform.node(), **env}, snakemake.output.timing)
discard_checkpoint(p.checkpoint)  # the outputs are written: the run is complete
