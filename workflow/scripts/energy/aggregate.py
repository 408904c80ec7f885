"""Rule energy_aggregate: the tidy tables of all runs under the primary reading (muonrepro.energy.aggregate)."""

import sys

from muonrepro.energy.aggregate import aggregate
from muonrepro.util.io import atomic_write_csv

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
i, p = snakemake.input, snakemake.params
tables = aggregate(i.summaries, i.per_modes, i.logs, i.histories, i.metas, mode_set=p.mode_set, n_bins=p.n_bins)
for name, df in tables.items():
    atomic_write_csv(df, snakemake.output[name])
