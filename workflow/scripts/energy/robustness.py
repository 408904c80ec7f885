"""Rule energy_robustness: which training setting flips which claim (results/<scale>/energy/robustness.csv)
(muonrepro.energy.robustness.robustness_job)."""

import sys

from muonrepro.energy.robustness import robustness_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
robustness_job(snakemake)
