"""The job of rule imbalanced_gpu_metrics: the runs of one experiment -> one metrics table."""

from __future__ import annotations

import json

import pandas as pd

from muonrepro.util.io import atomic_write_json, atomic_write_parquet


def metrics_job(smk) -> None:
    """Rule imbalanced_gpu_metrics: the per-run tables ``input.runs`` concatenated (``output.metrics``; the first,
    empty, table where every run is empty) and the optimizers whose runs were skipped, from the run metadata
    ``input.metas`` (``output.skipped``: optimizer -> reason)."""
    frames = [pd.read_parquet(f) for f in smk.input.runs]
    df = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else frames[0]
    skipped = {}
    for f in smk.input.metas:
        m = json.loads(open(f).read())
        if "skipped" in m:
            skipped[m["config"]["optimizer"]] = m["skipped"]
    print(f"{len(df)} rows; skipped: {skipped}")
    atomic_write_parquet(df, smk.output.metrics)
    atomic_write_json(skipped, smk.output.skipped)
