"""Every empirical claim of the energy paper under every reading of its estimator (the full grid, kept as
data), judged over seeds exactly as the primary ledger rows (``effects`` + ``stats.verdict``), so the
primary reading reproduces the primary verdicts.

Which reading dimensions apply to which claim (others are ``n/a`` in the table):
- C6a (Gini): sigma_delta x retention x mode_identity x mode_set x energy in {cumulative, closed_form,
  gain} x gini_variant;
- C6b (energy): energy in {direct_preact, direct_logits} (no per-mode reading), and the per-mode sum:
  sigma_delta x retention x mode_identity x mode_set x energy in {cumulative, closed_form};
- C6c (tail): sigma_delta x retention x mode_identity x bin_stat x (time_avg bins: mode_set x energy in
  {cumulative, closed_form} | per_log bins of the cumulative energy, each log's retained modes);
- C5-runs (off-diagonal fraction of the updates): sigma_delta x mode_identity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from muonrepro.energy import effects as fx
from muonrepro.energy.claims import Criteria
from muonrepro.energy.estimator.readings import NA
from muonrepro.stats.verdict import verdict

DIMENSIONS = [
    "sigma_delta",
    "retention",
    "mode_identity",
    "mode_set",
    "energy",
    "tail_binning",
    "bin_stat",
    "gini_variant",
]
RESULT = ["n_seeds", "mean", "ci_low", "ci_high", "holds", "verdict", "effects"]
COLUMNS = ["claim"] + DIMENSIONS + RESULT
DIRECT = ("direct_preact", "direct_logits")
RUN = ["arch", "optimizer", "seed"]


def judge_effects(claim: str, reading: dict, effects: dict, crit: Criteria) -> dict:
    """A row of the readings table: the reading, the summary of ``effects`` and the verdict under the claim's rule."""
    s = crit.summarize(effects)
    v, _ = verdict(s, crit.rule(claim), crit.min_seeds)
    per = ", ".join(f"s{k}: {e:.4g}" for k, e in s.effects.items())
    row = {"claim": claim, **dict.fromkeys(DIMENSIONS, NA), **reading}
    return {
        **row,
        "n_seeds": s.n,
        "mean": s.mean,
        "ci_low": s.ci_low,
        "ci_high": s.ci_high,
        "holds": s.holds,
        "verdict": v,
        "effects": per,
    }


def _usable(df: pd.DataFrame, value: str) -> pd.DataFrame:
    return fx.with_diverged_as_nan(df, value, df.loc[df["diverged"].astype(bool), RUN])


def _bins(sel: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per-bin rows (arch, optimizer, seed, matrix, bin, energy, diverged) from the units' bin lists."""
    lists = sel[column].tolist()
    n = np.array([len(x) for x in lists])
    rep = sel.loc[sel.index.repeat(n), RUN + ["matrix", "diverged"]].reset_index(drop=True)
    return rep.assign(bin=np.concatenate([np.arange(k) for k in n]), energy=np.concatenate(lists))


def readings_table(units: pd.DataFrame, offdiag: pd.DataFrame, grid: dict, crit: Criteria) -> pd.DataFrame:
    """One row per (claim, reading): the per-seed effects, their summary and the verdict. ``units`` and
    ``offdiag`` are ``estimator.units.group_units``'s tables over all groups, with arch, seed and
    ``diverged`` per run; ``grid``: config ``energy.sensitivity``."""
    out = []
    energies = set(grid["energy"])
    per_mode = units[units["binning"] == "time_avg"]
    keys = ["sigma_delta", "retention", "mode_identity", "mode_set", "energy"]
    for key, sel in per_mode.groupby(keys, sort=False):
        reading = dict(zip(keys, key))
        if reading["energy"] not in energies or reading["mode_set"] not in grid["mode_set"]:
            continue
        for variant in grid["gini_variant"]:
            col = "gini" if variant == "plain" else "gini_corrected"
            eff, _ = fx.gini_effects(_usable(sel, col), col)
            out.append(judge_effects("C6a", {**reading, "gini_variant": variant}, eff, crit))
        if reading["energy"] in ("cumulative", "closed_form"):
            tot = sel.groupby(RUN, as_index=False).agg(total=("total", "sum"), diverged=("diverged", "any"))
            eff, _ = fx.energy_effects(_usable(tot, "total"), "total")
            out.append(judge_effects("C6b", reading, eff, crit))
            for stat in grid["bin_stat"]:
                bins = _bins(sel, f"bin_{stat}")
                eff, _ = fx.tail_effects(_usable(bins, "energy"), crit.tail_bins)
                out.append(judge_effects("C6c", {**reading, "tail_binning": "time_avg", "bin_stat": stat}, eff, crit))
    if "per_log" in grid["tail_binning"]:
        per_log = units[units["binning"] == "per_log"]
        for key, sel in per_log.groupby(["sigma_delta", "retention", "mode_identity"], sort=False):
            reading = {**dict(zip(["sigma_delta", "retention", "mode_identity"], key)), "energy": "cumulative"}
            for stat in grid["bin_stat"]:
                bins = _bins(sel, f"bin_{stat}")
                eff, _ = fx.tail_effects(_usable(bins, "energy"), crit.tail_bins)
                out.append(judge_effects("C6c", {**reading, "tail_binning": "per_log", "bin_stat": stat}, eff, crit))
    for energy in DIRECT:
        if energy not in energies:
            continue
        sel = units[units["energy"] == energy]
        tot = sel.groupby(RUN, as_index=False).agg(total=("total", "sum"), diverged=("diverged", "any"))
        eff, _ = fx.energy_effects(_usable(tot, "total"), "total")
        out.append(judge_effects("C6b", {"energy": energy}, eff, crit))
    for key, sel in offdiag.groupby(["sigma_delta", "mode_identity"], sort=False):
        eff, _ = fx.offdiag_effects(_usable(sel, "offdiag"))
        out.append(judge_effects("C5-runs", dict(zip(["sigma_delta", "mode_identity"], key)), eff, crit))
    return pd.DataFrame(out, columns=COLUMNS)
