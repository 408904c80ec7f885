"""Rule precond_montecarlo: closed-form ICL population loss against Monte Carlo (A14)
(muonrepro.precond.theory.montecarlo_job)."""

import sys

from muonrepro.precond.theory import montecarlo_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
montecarlo_job(snakemake)
