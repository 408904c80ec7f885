"""Rule energy_robustness: which training setting flips which claim (results/<scale>/energy/robustness.csv)."""

import sys

import pandas as pd

from muonrepro.energy.robustness import training_table
from muonrepro.util.io import atomic_write_csv

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
verdicts = pd.concat([pd.read_csv(f, keep_default_na=False) for f in snakemake.input.verdicts], ignore_index=True)
atomic_write_csv(training_table(verdicts), snakemake.output[0])
