"""Rule imbalanced_cmnist_train: one (depth, optimizer)'s Colored-MNIST MLPs, every seed and lr of the grid."""

import sys

import torch

from muonrepro.imbalanced.stages import cmnist_train_stage

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
torch.set_num_threads(snakemake.threads)
wc, p = snakemake.wildcards, snakemake.params
for seed, curves, meta in zip(p.seeds, snakemake.output.curves, snakemake.output.meta, strict=True):
    cmnist_train_stage(
        snakemake.input.data,
        p.cfg,
        p.sizes,
        int(wc.layers),
        wc.imb_opt,
        int(seed),
        p.device,
        {"curves": curves, "meta": meta},
        checkpoint=f"{p.checkpoint}_seed{seed}",
        code=snakemake.input.code,
    )
