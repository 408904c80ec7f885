"""Rule precond_sweep: one problem's sweep over kappa x seeds x methods (spec §6.2)."""

import sys

import torch

from muonrepro.precond.layout import curves_table
from muonrepro.precond.sweep import run_sweep
from muonrepro.util.io import atomic_write_csv, atomic_write_parquet

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
torch.set_num_threads(snakemake.threads)
problem = snakemake.wildcards.problem
out = run_sweep(problem, snakemake.params.precond, snakemake.params.preset)
atomic_write_parquet(curves_table(problem, out.curves), snakemake.output.curves)
atomic_write_csv(out.iterations, snakemake.output.iterations)
atomic_write_csv(out.info, snakemake.output.info)
print(out.iterations.to_string())
