"""From the per-mode arrays of the runs of one architecture and seed (one run per optimizer) to the
tidy tables the claims are judged on, for every reading of the estimator.

``units`` has one row per reading x optimizer x matrix: the reading's columns (``READING``; ``n/a``
where a dimension does not apply), ``n_modes``, ``gini``, ``gini_corrected``, ``total`` and the
per-bin energies ``bin_sum``, ``bin_mean`` (lists, bin 0 = lowest curvature):

- per-mode rows (``binning`` ``time_avg``): each (Sigma_delta, retention, identity) x mode set
  (every / any / common, ``mode_sets``) x energy (cumulative / closed_form / gain), bins of the
  time-averaged curvature;
- per-log rows (``binning`` ``per_log``, ``mode_set`` n/a: each log bins the modes it retains):
  the cumulative energy's per-log bins;
- direct rows (every reading dimension n/a): ``direct_preact`` per monitored matrix and
  ``direct_logits`` (matrix ``logits``), the energy sum_t mean ||delta_t||^2 in ``total``.

``offdiag`` has one row per (Sigma_delta, identity) x optimizer x matrix: the time-averaged
off-diagonal fraction of the logged updates in that reading's eigenbasis.
"""

from __future__ import annotations

import json
import math
from functools import reduce

import numpy as np
import pandas as pd

from muonrepro.energy.aggregate import run_key
from muonrepro.energy.estimator.mode_sets import Ranked, mode_set_rows
from muonrepro.energy.estimator.readings import NA, per_mode_energies
from muonrepro.energy.estimator.store import load_arrays
from muonrepro.util.io import atomic_write_parquet

READING = ["sigma_delta", "retention", "mode_identity", "mode_set", "binning", "energy"]
STATS = ["n_modes", "gini", "gini_corrected", "total", "bin_sum", "bin_mean"]
UNIT_COLUMNS = READING + ["optimizer", "matrix"] + STATS


def _direct_rows(opt: str, direct: dict) -> list[dict]:
    na = dict.fromkeys(READING[:-1], NA)
    base = {"n_modes": 0, "gini": math.nan, "gini_corrected": math.nan, "bin_sum": None, "bin_mean": None}
    rows = [
        {**na, "energy": "direct_preact", "optimizer": opt, "matrix": layer, **base, "total": v}
        for layer, v in direct["preact"].items()
    ]
    rows.append(
        {**na, "energy": "direct_logits", "optimizer": opt, "matrix": "logits", **base, "total": direct["logits"]}
    )
    return rows


def group_units(runs: dict, n_bins: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``runs``: {optimizer: (arrays, direct)} of one architecture and seed (``store.load_arrays``)."""
    rows, off = [], []
    opts = list(runs)
    keys = list(next(iter(runs.values()))[0])
    for sd, mi, layer in keys:
        per_opt = {o: runs[o][0][(sd, mi, layer)] for o in opts}
        for o, a in per_opt.items():
            off.append(
                {"sigma_delta": sd, "mode_identity": mi, "optimizer": o, "matrix": layer, "offdiag": a["offdiag"]}
            )
        # the curvature and the gain are the same for every retention of the reading: sorted once, within
        # the modes any retention keeps at any log
        kept = {o: reduce(np.logical_or, [r["any"] for r in a["retentions"].values()]) for o, a in per_opt.items()}
        curv = {o: Ranked.of(np.outer(a["mu"], a["lam"]), within=kept[o]) for o, a in per_opt.items()}
        gain = {o: Ranked.of(a["gain"], within=kept[o], stable=False) for o, a in per_opt.items()}
        for ret in per_opt[opts[0]]["retentions"]:
            reading = {"sigma_delta": sd, "retention": ret, "mode_identity": mi}
            table = {
                o: {
                    "energies": {**per_mode_energies(a, ret), "gain": gain[o]},
                    "every": a["retentions"][ret]["every"],
                    "any": a["retentions"][ret]["any"],
                    "curv": curv[o],
                }
                for o, a in per_opt.items()
            }
            for r in mode_set_rows(table, n_bins):
                rows.append({**reading, "binning": "time_avg", "matrix": layer, **r})
            for o, a in per_opt.items():
                r = a["retentions"][ret]
                rows.append(
                    {
                        **reading,
                        "mode_set": NA,
                        "binning": "per_log",
                        "energy": "cumulative",
                        "optimizer": o,
                        "matrix": layer,
                        "n_modes": 0,
                        "gini": math.nan,
                        "gini_corrected": math.nan,
                        "total": math.nan,
                        "bin_sum": [float(v) for v in r["perlog_sum"]],
                        "bin_mean": [float(v) for v in r["perlog_mean"]],
                    }
                )
    for o in opts:
        rows += _direct_rows(o, runs[o][1])
    return pd.DataFrame(rows, columns=UNIT_COLUMNS), pd.DataFrame(off)


def sensitivity_units_job(smk) -> None:
    """Rule energy_sensitivity_units: ``units`` and ``offdiag`` of the runs of one architecture and seed (their
    sensitivity arrays ``input.arrays`` and metadata ``input.metas``; the ``common`` mode set needs every
    optimizer's run), each row with the run's key and whether that optimizer's run diverged."""
    runs, diverged = {}, {}
    for npz, meta in zip(smk.input.arrays, smk.input.metas):
        key = run_key(npz)
        runs[key["optimizer"]] = load_arrays(npz)
        diverged[key["optimizer"]] = bool(json.load(open(meta))["diverged"])
    units, offdiag = group_units(runs, smk.params.n_bins)
    key = {k: v for k, v in run_key(smk.input.arrays[0]).items() if k != "optimizer"}
    for name, df in (("units", units), ("offdiag", offdiag)):
        df = df.assign(**key, diverged=df["optimizer"].map(diverged))
        atomic_write_parquet(df, getattr(smk.output, name))
