"""Rule imbalanced_cmnist_train: one (depth, optimizer)'s Colored-MNIST MLPs, every seed and lr of the grid
(muonrepro.imbalanced.cmnist.cmnist_train_job)."""

import sys

from muonrepro.imbalanced.cmnist import cmnist_train_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
cmnist_train_job(snakemake)
