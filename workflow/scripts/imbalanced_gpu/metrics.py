"""Rule imbalanced_gpu_metrics: the runs of one experiment -> metrics.parquet (+ the optimizers that were skipped)
(muonrepro.imbalanced.gpu.metrics.metrics_job)."""

import sys

from muonrepro.imbalanced.gpu.metrics import metrics_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
metrics_job(snakemake)
