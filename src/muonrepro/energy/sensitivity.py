"""Sensitivity of the energy paper's empirical claims to the reading of its estimator (issue 10).

Per run, ``readings.run_units`` turns the grid accumulated by ``readings.accumulate`` into a tidy table (one
row per reading x matrix). ``analyse`` then evaluates, for every reading and each claim, the
per-unit winners (unit = arch x matrix x seed; arch x seed for the energy claim) and the reading's
verdict, using the SAME verdict functions as the primary ledger rows (``energy.claims``), so the
primary reading reproduces the primary verdicts exactly.

Which reading dimensions apply to which claim:
- C6a (Gini): sigma_delta x retention x identity x energy in {cumulative, closed_form, gain} x gini_variant;
- C6b (cumulative energy): sigma_delta x retention x identity x energy in {cumulative, closed_form},
  plus the direct energy sum_t mean||delta||^2 (no per-mode reading);
- C6c (tail): sigma_delta x retention x identity x {cumulative with time_avg or per_log bins,
  closed_form with time_avg bins}.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from muonrepro.energy.claims import energy_claim, gini_claim, tail_claim
from muonrepro.energy.estimator.readings import NA

COLUMNS = [
    "sigma_delta",
    "threshold",
    "mode_identity",
    "energy",
    "tail_binning",
    "gini_variant",
    "claim",
    "arch",
    "matrix",
    "seed",
    "winner",
    "muon_value",
    "best_other_value",
    "verdict",
]
CLAIMS = {"gini": "C6a", "energy": "C6b", "tail": "C6c"}


def _winner_rows(df, value, reading, claim):
    out = []
    for (arch, matrix, seed), g in df.groupby(["arch", "matrix", "seed"]):
        g = g.set_index("optimizer")[value]
        if "muon" not in g or len(g) < 2:
            continue
        others = g.drop("muon")
        out.append(
            {
                **reading,
                "claim": CLAIMS[claim],
                "arch": arch,
                "matrix": matrix,
                "seed": seed,
                "winner": g.idxmin(),
                "muon_value": g["muon"],
                "best_other_value": others.min(),
                "verdict": "supported" if g["muon"] < others.min() else "not_supported",
            }
        )
    return out


def _tail_rows(bins, reading, tail_bins):
    out = []
    for (arch, matrix, seed), g in bins.groupby(["arch", "matrix", "seed"]):
        p = g.pivot(index="bin", columns="optimizer", values="energy")
        if "muon" not in p or p.shape[1] < 2:
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.log(p.drop(columns="muon").min(axis=1) / p["muon"])
        tail, rest = r.iloc[:tail_bins].mean(), r.iloc[tail_bins:].mean()
        ok = bool(tail > 0 and tail > rest)
        out.append(
            {
                **reading,
                "claim": CLAIMS["tail"],
                "arch": arch,
                "matrix": matrix,
                "seed": seed,
                "winner": "tail" if ok else "not_tail",
                "muon_value": tail,
                "best_other_value": rest,
                "verdict": "supported" if ok else "not_supported",
            }
        )
    return out


def _explode_bins(units, column):
    rows = []
    for u in units.itertuples():
        for b, e in enumerate(getattr(u, column)):
            rows.append(
                {"arch": u.arch, "optimizer": u.optimizer, "seed": u.seed, "matrix": u.matrix, "bin": b, "energy": e}
            )
    return pd.DataFrame(rows)


def analyse(units: pd.DataFrame, grid: dict, *, tail_bins: int, scale: str):
    """Returns (per-unit rows as in COLUMNS, per-reading verdicts DataFrame)."""
    units = units[~units["diverged"]]
    health = units.groupby(["arch", "optimizer", "seed"], as_index=False).size().assign(diverged=False)
    unit_rows, readings = [], []
    keys = list(
        itertools.product(grid["sigma_delta"], sorted(units["threshold"].unique().tolist()), grid["mode_identity"])
    )
    keys = [k for k in keys if k[1] != NA]
    for (sd, thr, mi), energy in itertools.product(keys, grid["energy"]):
        if energy == "direct":
            continue
        sel = units[
            (units.sigma_delta == sd)
            & (units.threshold == thr)
            & (units.mode_identity == mi)
            & (units.energy == energy)
        ]
        base = {"sigma_delta": sd, "threshold": thr, "mode_identity": mi, "energy": energy}
        for variant in grid["gini_variant"]:
            col = "gini" if variant == "plain" else "gini_corrected"
            reading = {**base, "tail_binning": NA, "gini_variant": variant}
            unit_rows += _winner_rows(sel, col, reading, "gini")
            c = gini_claim(sel.assign(gini=sel[col], diverged=False), scale, "")
            readings.append({**reading, "claim": "C6a", "value": c.value, "verdict": c.verdict})
        if energy in ("cumulative", "closed_form"):
            reading = {**base, "tail_binning": NA, "gini_variant": NA}
            per_arch = sel.groupby(["arch", "optimizer", "seed"], as_index=False)["total"].sum().assign(matrix="all")
            unit_rows += _winner_rows(per_arch, "total", reading, "energy")
            c = energy_claim(
                sel.assign(cumulative_energy=sel["total"], direct_energy=sel["total"], diverged=False), scale, ""
            )
            readings.append({**reading, "claim": "C6b", "value": c.value, "verdict": c.verdict})
        for binning in grid["tail_binning"]:
            column = {"time_avg": "bins_time_avg", "per_log": "bins_per_log"}[binning]
            if energy == "gain" or (energy != "cumulative" and binning == "per_log"):
                continue
            reading = {**base, "tail_binning": binning, "gini_variant": NA}
            bins = _explode_bins(sel, column)
            unit_rows += _tail_rows(bins, reading, tail_bins)
            c = tail_claim(bins, health, scale, tail_bins, "")
            readings.append({**reading, "claim": "C6c", "value": c.value, "verdict": c.verdict})
    if "direct" in grid["energy"]:
        sel = units[units.energy == "direct"]
        reading = {
            "sigma_delta": NA,
            "threshold": NA,
            "mode_identity": NA,
            "energy": "direct",
            "tail_binning": NA,
            "gini_variant": NA,
        }
        per_arch = sel.groupby(["arch", "optimizer", "seed"], as_index=False)["total"].sum().assign(matrix="all")
        unit_rows += _winner_rows(per_arch, "total", reading, "energy")
        c = energy_claim(
            sel.assign(cumulative_energy=sel["total"], direct_energy=sel["total"], diverged=False), scale, ""
        )
        readings.append({**reading, "claim": "C6b", "value": c.value, "verdict": c.verdict})
    return pd.DataFrame(unit_rows, columns=COLUMNS), pd.DataFrame(readings)


def summary(readings: pd.DataFrame, primary: dict) -> pd.DataFrame:
    """Per claim: the number of readings under which it holds, and the primary reading's verdict."""
    rows = []
    for claim, g in readings.groupby("claim"):
        p = g
        for k, v in primary.items():
            p = p[(p[k] == v) | (p[k] == NA)]
        rows.append(
            {
                "claim": claim,
                "holds": int((g["verdict"] == "supported").sum()),
                "readings": len(g),
                "primary_verdict": p["verdict"].iloc[0] if len(p) else NA,
            }
        )
    return pd.DataFrame(rows)
