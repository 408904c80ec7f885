"""Rule precond_sweep: one problem's sweep over kappa x seeds x methods (spec §6.2)
(muonrepro.precond.sweep.sweep_job)."""

import sys

from muonrepro.precond.sweep import sweep_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
sweep_job(snakemake)
