"""Rule precond_iterations: concatenate the per-problem sweep tables (output contract columns first)
(muonrepro.precond.layout.iterations_job)."""

import sys

from muonrepro.precond.layout import iterations_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
iterations_job(snakemake)
