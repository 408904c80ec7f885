"""Rule energy_aggregate: tidy tables gini.csv, accuracy.csv, curvature_bins.csv from all runs."""

import sys

from muonrepro.energy.aggregate import aggregate
from muonrepro.util.io import atomic_write_csv

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
gini, acc, bins = aggregate(snakemake.input.summaries, snakemake.input.histories, snakemake.input.metas)
atomic_write_csv(gini, snakemake.output.gini)
atomic_write_csv(acc, snakemake.output.accuracy)
atomic_write_csv(bins, snakemake.output.bins)
