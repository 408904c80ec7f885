"""Rule imbalanced_cmnist_train: one (depth, optimizer, seed) Colored-MNIST MLP over the lr grid."""

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
    int(wc.seed),
    p.device,
    dict(snakemake.output.items()),
    checkpoint=p.checkpoint,
    code=snakemake.input.code,
)
