"""Rule energy_theory: the float64 theory checks as a table (muonrepro.energy.theory.checks.theory_job)."""

import sys

from muonrepro.energy.theory.checks import theory_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
theory_job(snakemake)
