"""Rule energy_robust_extract: per-mode energy, direct energies and update alignment of one run
(muonrepro.energy.probe.extract_job)."""

import sys

from muonrepro.energy.probe import extract_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
extract_job(snakemake)
