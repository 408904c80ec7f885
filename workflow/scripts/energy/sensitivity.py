"""Rule energy_sensitivity: winners and verdicts of each claim under each reading."""

import sys

import pandas as pd

from muonrepro.energy.sensitivity import analyse, summary
from muonrepro.util.io import atomic_write_csv

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
p = snakemake.params
units = pd.concat([pd.read_parquet(f) for f in snakemake.input.units], ignore_index=True)
rows, readings = analyse(units, p.grid, tail_bins=p.tail_bins, scale=p.scale)
atomic_write_csv(rows, snakemake.output.units)
atomic_write_csv(readings, snakemake.output.readings)
atomic_write_csv(summary(readings, p.primary), snakemake.output.summary)
