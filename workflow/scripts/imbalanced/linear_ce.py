"""Rule imbalanced_linear_ce: Fig. 4 linear cross-entropy model, every rule x lr for one seed."""

import sys

import torch

from muonrepro.imbalanced.stages import linear_ce_stage

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
torch.set_num_threads(snakemake.threads)
linear_ce_stage(
    snakemake.params.cfg, snakemake.params.sizes, int(snakemake.wildcards.seed), dict(snakemake.output.items())
)
