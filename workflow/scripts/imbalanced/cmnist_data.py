"""Rule imbalanced_cmnist_data: Colored-MNIST subsets and colour draws from the prepared MNIST tensors."""

import sys

from muonrepro.imbalanced.stages import cmnist_data_stage

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
cmnist_data_stage(snakemake.input.mnist, snakemake.params.cfg, snakemake.params.sizes, snakemake.output[0])
