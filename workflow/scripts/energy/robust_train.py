"""Rule energy_robust_train: one MNIST-MLP run with one training setting changed (muonrepro.energy.runs.train_job)."""

import sys

from muonrepro.energy.runs import train_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
train_job(snakemake)
