"""Checkpoint imbalanced_gpu_lr_round: one round of the grid-edge rule on the lrs tuned so far: the choice, and the
lr one step past the grid's edge when the choice lies on it (else null)
(muonrepro.imbalanced.gpu.lr_choice.lr_round_job)."""

import sys

from muonrepro.imbalanced.gpu.lr_choice import lr_round_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
lr_round_job(snakemake)
