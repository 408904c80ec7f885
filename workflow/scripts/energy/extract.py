"""Rule energy_extract: per-mode energy, Gini and curvature bins of one run."""

import json
import sys

import torch

from muonrepro.energy.probe import run_extraction
from muonrepro.util.io import atomic_write_json, atomic_write_parquet

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
torch.set_num_threads(snakemake.threads)
p = snakemake.params
summary, per_mode, logs, seconds = run_extraction(
    snakemake.input.mnist,
    snakemake.input.snapshots,
    json.load(open(snakemake.input.meta)),
    estimator=p.estimator,
    probe_size=p.probe_size,
    device=p.device,
)
print(f"extraction: {seconds:.2f} s for {summary['n_logs']} logged steps")
atomic_write_parquet(per_mode, snakemake.output.per_mode)
atomic_write_parquet(logs, snakemake.output.logs)
atomic_write_json(summary, snakemake.output.summary)
