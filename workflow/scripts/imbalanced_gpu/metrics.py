"""Rule imbalanced_gpu_metrics: the runs of one experiment -> metrics.parquet (+ the optimizers that were skipped)."""

import json
import sys

import pandas as pd

from muonrepro.util.io import atomic_write_json, atomic_write_parquet

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
frames = [pd.read_parquet(f) for f in snakemake.input.runs]
df = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else frames[0]
skipped = {}
for f in snakemake.input.metas:
    m = json.loads(open(f).read())
    if "skipped" in m:
        skipped[m["config"]["optimizer"]] = m["skipped"]
print(f"{len(df)} rows; skipped: {skipped}")
atomic_write_parquet(df, snakemake.output.metrics)
atomic_write_json(skipped, snakemake.output.skipped)
