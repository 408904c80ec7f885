"""Rule energy_robust_verdicts: the primary reading's verdicts of one training-settings variant
(muonrepro.energy.robustness.robust_verdicts_job)."""

import sys

from muonrepro.energy.robustness import robust_verdicts_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
robust_verdicts_job(snakemake)
