"""Rule energy_select_lr: choose the lr of the grid on a held-out validation split."""

import sys

import torch

from muonrepro.energy.runs import select_mlp_lr
from muonrepro.util.io import atomic_write_json

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
torch.set_num_threads(snakemake.threads)
p = snakemake.params
choice = select_mlp_lr(
    snakemake.input.mnist,
    **p.model,
    opt=snakemake.wildcards.opt,
    opt_cfg=p.opt_cfg,
    grid=p.grid,
    n_train=p.n_train,
    val_size=p.val_size,
    epochs=p.epochs,
    batch_size=p.batch_size,
    max_extensions=p.max_extensions,
    seed=0,
    device=p.device,
)
atomic_write_json(choice, snakemake.output[0])
