"""Rule energy_aggregate: the tidy tables of all runs under the primary reading
(muonrepro.energy.aggregate.aggregate_job)."""

import sys

from muonrepro.energy.aggregate import aggregate_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
aggregate_job(snakemake)
