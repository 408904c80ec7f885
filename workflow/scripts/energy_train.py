"""Rule energy_train: one monitored MNIST-MLP run (snapshots, history, metadata)."""

import json
import os
import sys

import pandas as pd
import torch

from muonrepro.energy.experiment import energy_run
from muonrepro.util.io import atomic_torch_save, atomic_write_csv, atomic_write_json
from muonrepro.util.meta import run_metadata

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
torch.set_num_threads(snakemake.threads)
p, wc = snakemake.params, snakemake.wildcards
lr = json.load(open(snakemake.input.lr))["lr"]
seed = int(wc.seed)
res, model = energy_run(snakemake.input.mnist, **p.model, opt=wc.opt, opt_cfg=p.opt_cfg, lr=lr, n_train=p.n_train,
                        epochs=p.epochs, batch_size=p.batch_size, seed=seed, log_every=p.log_every,
                        checkpoint=p.checkpoint, device=p.device)
atomic_torch_save({"snapshots": res.snapshots, "total_steps": res.steps, "model": p.model}, snakemake.output.snapshots)
atomic_write_csv(pd.DataFrame(res.history), snakemake.output.history)
meta = run_metadata({"model": p.model, "opt": wc.opt, "opt_cfg": p.opt_cfg, "lr": lr, "n_train": p.n_train,
                     "epochs": p.epochs, "batch_size": p.batch_size, "log_every": p.log_every},
                    seed=seed, device=str(next(model.parameters()).device))
meta.update(diverged=res.diverged, diverged_step=res.diverged_step, steps=res.steps, train_seconds=res.train_seconds)
atomic_write_json(meta, snakemake.output.meta)
if os.path.exists(p.checkpoint):
    os.remove(p.checkpoint)
