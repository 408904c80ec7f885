"""Rule energy_sensitivity_units: statistics of every reading for the runs of one architecture and seed
(the ``common`` mode set needs every optimizer's run)."""

import json
import sys

from muonrepro.energy.aggregate import run_key
from muonrepro.energy.estimator.store import load_arrays
from muonrepro.energy.estimator.units import group_units
from muonrepro.util.io import atomic_write_parquet

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
runs, diverged = {}, {}
for npz, meta in zip(snakemake.input.arrays, snakemake.input.metas):
    key = run_key(npz)
    runs[key["optimizer"]] = load_arrays(npz)
    diverged[key["optimizer"]] = bool(json.load(open(meta))["diverged"])
units, offdiag = group_units(runs, snakemake.params.n_bins)
key = {k: v for k, v in run_key(snakemake.input.arrays[0]).items() if k != "optimizer"}
for name, df in (("units", units), ("offdiag", offdiag)):
    df = df.assign(**key, diverged=df["optimizer"].map(diverged))
    atomic_write_parquet(df, snakemake.output[name])
