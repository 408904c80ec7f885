"""Rule data_mnist: verify and load real MNIST, save uint8 tensors (muonrepro.data.mnist.mnist_job)."""

import sys

from muonrepro.data.mnist import mnist_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
mnist_job(snakemake)
