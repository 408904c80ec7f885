"""Rule imbalanced_theory: every theory check of the imbalanced paper (claims 1-10), float64."""

import sys

import torch

from muonrepro.imbalanced.stages import theory_stage

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
torch.set_num_threads(snakemake.threads)
theory_stage(snakemake.params.cfg, snakemake.params.sizes, dict(snakemake.output.items()))
