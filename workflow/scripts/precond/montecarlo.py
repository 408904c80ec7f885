"""Rule precond_montecarlo: closed-form ICL population loss against Monte Carlo (A14)."""

import sys

from muonrepro.precond.theory import icl_monte_carlo
from muonrepro.util.io import atomic_write_csv

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
df = icl_monte_carlo(snakemake.params.precond, snakemake.params.preset)
atomic_write_csv(df, snakemake.output[0])
print(df.to_string())
