"""Rule energy_sensitivity_extract: the per-mode arrays of every reading of the estimator for one run
(no retraining), for energy_sensitivity_units."""

import json
import sys

import torch

from muonrepro.energy.probe import run_sensitivity

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
torch.set_num_threads(snakemake.threads)
p = snakemake.params
seconds = run_sensitivity(
    snakemake.input.mnist,
    snakemake.input.snapshots,
    json.load(open(snakemake.input.meta)),
    snakemake.output[0],
    grid=p.grid,
    estimator=p.estimator,
    probe_size=p.probe_size,
    device=p.device,
)
print(f"one pass over the snapshots for every reading took {seconds:.1f} s")
