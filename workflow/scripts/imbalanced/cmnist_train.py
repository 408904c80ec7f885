"""Rule imbalanced_cmnist_train: one (depth, optimizer)'s Colored-MNIST MLPs, every seed and lr of the grid."""

import sys

import torch

from muonrepro.imbalanced.stages import cmnist_train_stage

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
torch.set_num_threads(snakemake.threads)
wc, p = snakemake.wildcards, snakemake.params
cmnist_train_stage(
    snakemake.input.data,
    p.cfg,
    p.sizes,
    int(wc.layers),
    wc.imb_opt,
    [int(s) for s in p.seeds],
    p.device,
    {"curves": list(snakemake.output.curves), "meta": list(snakemake.output.meta)},
    checkpoint=p.checkpoint,
    code=snakemake.input.code,
    early_fraction=p.early_fraction,
    max_extensions=p.max_extensions,
)
