"""Rule imbalanced_gpu_build: one experiment's dataset (uint8 tensors, groups) from the raw files
(muonrepro.imbalanced.gpu.datasets.build_job)."""

import sys

from muonrepro.imbalanced.gpu.datasets import build_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
build_job(snakemake)
