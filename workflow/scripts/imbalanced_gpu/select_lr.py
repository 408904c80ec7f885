"""Rule imbalanced_gpu_select_lr: one (experiment, optimizer)'s lr from the validation scores of its tuning jobs (the
grid-edge rule replayed on them); without a grid, the configured lr
(muonrepro.imbalanced.gpu.lr_choice.select_lr_job)."""

import sys

from muonrepro.imbalanced.gpu.lr_choice import select_lr_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
select_lr_job(snakemake)
