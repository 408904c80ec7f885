"""Rule energy_extract: per-mode energy, direct energies and update alignment of one run under the primary
reading, and in the same pass the arrays of every reading of the sensitivity grid
(muonrepro.energy.probe.extract_job)."""

import sys

from muonrepro.energy.probe import extract_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
extract_job(snakemake)
