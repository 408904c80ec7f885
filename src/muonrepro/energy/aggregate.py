"""Tidy tables over all runs of the energy paper, under the primary reading (config ``energy.estimator``).

From each run's extraction (summary JSON, per-mode parquet, per-log parquet), its history and metadata:

- ``gini``: arch, optimizer, seed, matrix, mode_set, n_modes, gini, gini_corrected, per_mode_energy,
  direct_energy (at the matrix's pre-activation), lr, diverged: every mode set (``mode_sets``), the
  ``common`` one computed over the optimizers' runs of the same architecture and seed;
- ``energy``: per run the direct energy sum_t mean ||delta_t||^2 at the monitored pre-activations
  (summed over monitored matrices) and at the logits, and the per-mode sum over the primary mode set;
- ``bins``: per run, matrix, mode set and curvature bin the energy's sum and mean;
- ``offdiag``: per run and matrix the time-averaged off-diagonal fraction of the logged updates, and the
  i.i.d. baseline 1 - 1/max(m, n);
  (``gini``, ``energy``, ``bins`` and ``offdiag`` carry each run's ``lr`` and ``diverged``)
- ``logs``: every run's per-log rows (step, quadrature weight, direct energies, off-diagonal fraction);
- ``accuracy``: per-epoch test accuracy.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from muonrepro.energy.estimator.eigenbasis import random_offdiag_fraction
from muonrepro.energy.estimator.mode_sets import mode_set_rows
from muonrepro.util.io import atomic_write_csv

_RUN = re.compile(r"(?P<arch>mlp\d+)_(?P<optimizer>[a-z0-9]+)_s(?P<seed>\d+)")


def run_key(path) -> dict:
    """arch/optimizer/seed from a run's file or folder name (``mlp2_muon_s0``)."""
    for part in reversed(Path(path).parts):
        m = _RUN.fullmatch(Path(part).stem.removesuffix("_logs")) or _RUN.fullmatch(part)
        if m:
            d = m.groupdict()
            return {"arch": d["arch"], "optimizer": d["optimizer"], "seed": int(d["seed"])}
    raise ValueError(f"cannot read arch/optimizer/seed from {path}")


def _mode_arrays(per_mode: pd.DataFrame, matrix: str) -> dict:
    d = per_mode[per_mode["matrix"] == matrix].sort_values(["j", "i"])
    m, n = int(d["j"].max()) + 1, int(d["i"].max()) + 1
    shape = lambda col: d[col].to_numpy().reshape(m, n)  # noqa: E731
    return {
        "energies": {"cumulative": shape("energy")},
        "every": shape("retained").astype(bool),
        "any": shape("retained_any").astype(bool),
        "curv": shape("lambda") * shape("mu"),
    }


def _group_rows(summaries: dict, per_modes: dict, n_bins: int) -> tuple[list, list]:
    """Gini and bin rows of the runs of ONE architecture and seed ({optimizer: ...})."""
    gini_rows, bin_rows = [], []
    first = next(iter(summaries.values()))
    for mat in [r["matrix"] for r in first["matrices"]]:
        runs = {o: _mode_arrays(pm, mat) for o, pm in per_modes.items()}
        for r in mode_set_rows(runs, n_bins):
            direct = next(x["direct_energy"] for x in summaries[r["optimizer"]]["matrices"] if x["matrix"] == mat)
            gini_rows.append(
                {
                    "optimizer": r["optimizer"],
                    "matrix": mat,
                    "mode_set": r["mode_set"],
                    "n_modes": r["n_modes"],
                    "gini": r["gini"],
                    "gini_corrected": r["gini_corrected"],
                    "per_mode_energy": r["total"],
                    "direct_energy": direct,
                }
            )
            tot = np.nansum(r["bin_sum"])
            for b, (s, m) in enumerate(zip(r["bin_sum"], r["bin_mean"])):
                bin_rows.append(
                    {
                        "optimizer": r["optimizer"],
                        "matrix": mat,
                        "mode_set": r["mode_set"],
                        "bin": b,
                        "energy_sum": s,
                        "energy_mean": m,
                        "share": s / tot if tot else np.nan,
                    }
                )
    return gini_rows, bin_rows


def aggregate(summaries, per_modes, logs, histories, metas, *, mode_set: str, n_bins: int) -> dict:
    """The tables above as DataFrames (keys gini, energy, bins, offdiag, logs, accuracy). ``mode_set``:
    the primary mode set of the per-mode sum in ``energy``."""
    keys = [run_key(p) for p in summaries]
    groups: dict = {}
    for key, s_path, pm_path in zip(keys, summaries, per_modes):
        g = groups.setdefault((key["arch"], key["seed"]), ({}, {}))
        g[0][key["optimizer"]] = json.loads(Path(s_path).read_text())
        g[1][key["optimizer"]] = pd.read_parquet(pm_path)
    gini_rows, bin_rows, off_rows, energy_rows = [], [], [], []
    for (arch, seed), (sums, pms) in groups.items():
        g, b = _group_rows(sums, pms, n_bins)
        key = {"arch": arch, "seed": seed}
        gini_rows += [{**key, **r} for r in g]
        bin_rows += [{**key, **r} for r in b]
        for opt, s in sums.items():
            meta = {"lr": s["lr"], "diverged": s["diverged"]}
            run = {"arch": arch, "optimizer": opt, "seed": seed}
            for r in s["matrices"]:
                off_rows.append(
                    {
                        **run,
                        "matrix": r["matrix"],
                        "offdiag": r["offdiag"],
                        "baseline": random_offdiag_fraction(*r["shape"]),
                    }
                )
            pm_sum = sum(r["per_mode_energy"] for r in g if r["optimizer"] == opt and r["mode_set"] == mode_set)
            energy_rows.append(
                {
                    **run,
                    "direct_preact": sum(r["direct_energy"] for r in s["matrices"]),
                    "direct_logits": s["direct_logits"],
                    "per_mode_sum": pm_sum,
                    **meta,
                }
            )
    runs = pd.DataFrame(energy_rows)
    health = runs[["arch", "optimizer", "seed", "lr", "diverged"]]
    key = ["arch", "optimizer", "seed"]
    gini = pd.DataFrame(gini_rows).merge(health, on=key)
    bins = pd.DataFrame(bin_rows).merge(health, on=key)
    offdiag = pd.DataFrame(off_rows).merge(health, on=key)
    log_frames = [pd.read_parquet(p).assign(**run_key(p)) for p in logs]
    acc = []
    for hpath, mpath in zip(histories, metas):
        key, meta = run_key(hpath), json.loads(Path(mpath).read_text())
        acc.append(pd.read_csv(hpath).assign(**key, lr=meta["config"]["lr"], diverged=meta["diverged"]))
    cols = ["arch", "optimizer", "seed", "lr", "epoch", "test_acc", "train_loss", "diverged"]
    order = ["arch", "optimizer", "seed"]
    return {
        "gini": gini.sort_values(order + ["matrix", "mode_set"], ignore_index=True),
        "energy": runs.sort_values(order, ignore_index=True),
        "bins": bins.sort_values(order + ["matrix", "mode_set", "bin"], ignore_index=True),
        "offdiag": offdiag.sort_values(order + ["matrix"], ignore_index=True),
        "logs": pd.concat(log_frames, ignore_index=True).sort_values(order + ["matrix", "step"], ignore_index=True),
        "accuracy": pd.concat(acc, ignore_index=True)[cols],
    }


def aggregate_job(smk) -> None:
    """Rule energy_aggregate: the tidy tables of all runs under the primary reading (``params.mode_set``,
    ``params.n_bins``), one output per table name."""
    i, p = smk.input, smk.params
    tables = aggregate(i.summaries, i.per_modes, i.logs, i.histories, i.metas, mode_set=p.mode_set, n_bins=p.n_bins)
    for name, df in tables.items():
        atomic_write_csv(df, getattr(smk.output, name))
