"""Rule imbalanced_gpu_build: one experiment's dataset (uint8 tensors, groups) from the raw files."""

import json
import sys

from muonrepro.imbalanced.gpu.datasets import build, summary
from muonrepro.util.io import atomic_torch_save

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
p = snakemake.params
data = build(snakemake.wildcards.exp, p.data, p.cfg, p.sizes, p.seed, snakemake.input.get("mnist"))
print(json.dumps(summary(data), indent=1))
atomic_torch_save(data, snakemake.output[0])
