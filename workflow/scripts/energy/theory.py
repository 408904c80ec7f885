"""Rule energy_theory: the float64 theory checks as a table."""

import sys

import pandas as pd

from muonrepro.energy.theory.checks import run_theory_checks
from muonrepro.ledger import CHECK_COLUMNS
from muonrepro.util.io import atomic_write_csv

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
rows = run_theory_checks(seed=snakemake.params.seed)
atomic_write_csv(pd.DataFrame(rows, columns=CHECK_COLUMNS), snakemake.output[0])
