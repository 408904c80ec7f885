"""Rule precond_ablation: step-rule (R7, A13) and orthogonalizer (R8, A15) ablations on MF."""

import sys

import torch

from muonrepro.precond.ablation import orthogonalizer_ablation, step_ablation
from muonrepro.util.io import atomic_write_csv, atomic_write_parquet

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
torch.set_num_threads(snakemake.threads)
P, PS = snakemake.params.precond, snakemake.params.preset
curves, summary = step_ablation(P, PS)
atomic_write_parquet(curves, snakemake.output.steps_curves)
atomic_write_csv(summary, snakemake.output.steps)
curves, summary = orthogonalizer_ablation(P, PS)
atomic_write_parquet(curves, snakemake.output.ns5_curves)
atomic_write_csv(summary, snakemake.output.ns5)
print(summary.to_string())
