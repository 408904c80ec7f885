"""Rule energy_sensitivity_extract: every reading of the estimator for one run (no retraining)."""

import json
import sys

import torch

from muonrepro.energy.aggregate import run_key
from muonrepro.energy.probe import run_sensitivity
from muonrepro.util.io import atomic_write_parquet

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
torch.set_num_threads(snakemake.threads)
p = snakemake.params
units, seconds = run_sensitivity(
    snakemake.input.mnist,
    snakemake.input.snapshots,
    json.load(open(snakemake.input.meta)),
    grid=p.grid,
    estimator=p.estimator,
    probe_size=p.probe_size,
    device=p.device,
)
print(f"extraction of {len(units)} reading x matrix rows took {seconds:.1f} s")
atomic_write_parquet(units.assign(**run_key(snakemake.output[0])), snakemake.output[0])
