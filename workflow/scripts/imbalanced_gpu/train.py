"""Rule imbalanced_gpu_train: one (experiment, optimizer, seed) run at the selected lr -> tidy per-group metrics
(muonrepro.imbalanced.gpu.train_job.train_job)."""

import sys

from muonrepro.imbalanced.gpu.train_job import train_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
train_job(snakemake)
