"""Rule imbalanced_linear_ce: Fig. 4 linear cross-entropy model, every rule x lr for every seed."""

import sys

import torch

from muonrepro.imbalanced.stages import linear_ce_stage

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
torch.set_num_threads(snakemake.threads)
p = snakemake.params
out = {"curves": list(snakemake.output.curves), "meta": list(snakemake.output.meta)}
linear_ce_stage(p.cfg, p.sizes, [int(s) for s in p.seeds], out, p.max_extensions)
