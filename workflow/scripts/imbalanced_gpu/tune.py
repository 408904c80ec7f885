"""Rule imbalanced_gpu_tune: one lr of one (experiment, optimizer)'s grid, trained for the tuning epochs and scored
on the validation split (never on test) (muonrepro.imbalanced.gpu.select.tune_job)."""

import sys

from muonrepro.imbalanced.gpu.select import tune_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
tune_job(snakemake)
