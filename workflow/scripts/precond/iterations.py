"""Rule precond_iterations: concatenate the per-problem sweep tables (output contract columns first)."""

import sys

import pandas as pd

from muonrepro.util.io import atomic_write_csv

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
COLS = ["problem", "method", "kappa", "seed", "epsilon", "iterations", "reached", "outcome", "l1_condition"]
its = pd.concat([pd.read_csv(p) for p in snakemake.input.iterations], ignore_index=True)
its = its[COLS + [c for c in its.columns if c not in COLS]]
atomic_write_csv(its, snakemake.output.iterations)
atomic_write_csv(pd.concat([pd.read_csv(p) for p in snakemake.input.info], ignore_index=True), snakemake.output.info)
print(f"{len(its)} iteration rows")
