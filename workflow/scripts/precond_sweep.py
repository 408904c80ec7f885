"""Rule precond_sweep_<problem>: one problem's sweep over kappa x seeds x methods (spec §6.2)."""

import sys
from pathlib import Path

import torch

from muonrepro.theory.precond.layout import curve_name
from muonrepro.theory.precond.sweep import run_sweep
from muonrepro.util.io import atomic_write_csv, atomic_write_parquet

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
torch.set_num_threads(snakemake.threads)
out = run_sweep(snakemake.params.problem, snakemake.params.precond, snakemake.params.preset)
by_stem = {Path(p).stem: p for p in snakemake.output.curves}
for (method, kappa, seed), df in out.curves.items():
    atomic_write_parquet(df, by_stem.pop(curve_name(snakemake.params.problem, method, kappa, seed)))
if by_stem:
    raise RuntimeError(f"sweep produced no curve for {sorted(by_stem)}")
atomic_write_csv(out.iterations, snakemake.output.iterations)
atomic_write_csv(out.info, snakemake.output.info)
print(out.iterations.to_string())
