"""Rule energy_sensitivity: every claim under every reading (the full grid), and the one-change-at-a-time robustness
table of each claim's primary reading (muonrepro.energy.robustness.sensitivity_job)."""

import sys

from muonrepro.energy.robustness import sensitivity_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
sensitivity_job(snakemake)
