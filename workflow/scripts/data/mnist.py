"""Rule data_mnist: verify and load real MNIST, save uint8 tensors."""

import sys
import tempfile

from muonrepro.data.mnist import prepare_mnist
from muonrepro.util.io import atomic_torch_save, atomic_write_json

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
with tempfile.TemporaryDirectory() as staging:
    d = prepare_mnist(snakemake.params.root, staging, download=snakemake.params.download)
atomic_torch_save(d, snakemake.output.tensors)
atomic_write_json(
    {"root": snakemake.params.root, "md5_verified": True, "sizes": {k: list(v.shape) for k, v in d.items()}},
    snakemake.output.meta,
)
