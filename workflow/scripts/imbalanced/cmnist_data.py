"""Rule imbalanced_cmnist_data: Colored-MNIST subsets and colour draws from the prepared MNIST tensors
(muonrepro.data.colored_mnist.cmnist_data_job)."""

import sys

from muonrepro.data.colored_mnist import cmnist_data_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
cmnist_data_job(snakemake)
