"""Rule energy_sensitivity: every claim under every reading (the full grid), and the one-change-at-a-time
robustness table of each claim's primary reading."""

import sys

import pandas as pd

from muonrepro.energy.claims import Criteria
from muonrepro.energy.robustness import one_at_a_time
from muonrepro.energy.sensitivity import readings_table
from muonrepro.util.io import atomic_write_csv

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
p, i = snakemake.params, snakemake.input
units = pd.concat([pd.read_parquet(f) for f in i.units], ignore_index=True)
offdiag = pd.concat([pd.read_parquet(f) for f in i.offdiag], ignore_index=True)
readings = readings_table(units, offdiag, p.grid, Criteria(**p.criteria))
atomic_write_csv(readings, snakemake.output.readings)
atomic_write_csv(one_at_a_time(readings, p.primary), snakemake.output.robustness)
