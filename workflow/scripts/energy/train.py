"""Rule energy_train: one monitored MNIST-MLP run (muonrepro.energy.runs.train_job)."""

import sys

from muonrepro.energy.runs import train_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
train_job(snakemake)
