"""Per-seed effects of the energy paper's empirical claims, signed so that > 0 means the claim holds in
that seed (``stats.verdict`` turns them into a verdict). One function per claim, each on a tidy table
with columns ``arch, optimizer, seed`` (+ ``matrix``, ``bin``) and a value column; a run that diverged
or is missing makes its seed's effect NaN (an unusable seed, named in the ledger row).

- C6a ``gini_effects``: per seed, the smallest over monitored matrices of (best other optimizer's Gini
  - Muon's Gini): > 0 iff Muon has the smallest Gini on every monitored matrix in that seed.
- C6b ``energy_effects``: per seed and architecture, log(best other's energy / Muon's energy); the
  effect is the k-th largest of these over architectures, k = ceil(2 n_arch / 3) ("two of three"):
  > 0 iff Muon has the smallest energy on at least k architectures in that seed.
- C6c ``tail_effects``: per matrix, r_b = log(best other's bin energy / Muon's) per curvature bin,
  tail = mean of r_b over the lowest ``tail_bins`` bins, rest = mean over the others, and the
  matrix's statistic min(tail, tail - rest) (> 0 iff Muon's advantage is positive in the tail and
  larger there than elsewhere); the effect is its mean over monitored matrices.
- C5-runs ``offdiag_effects``: per seed, the mean over monitored matrices of (smallest other
  optimizer's off-diagonal fraction - Muon's): > 0 when Muon's updates are closer to the eigenbasis.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

MUON = "muon"


def with_diverged_as_nan(df: pd.DataFrame, value: str, diverged) -> pd.DataFrame:
    """``df`` with ``value`` set to NaN for the runs in ``diverged`` (rows with arch, optimizer, seed)."""
    bad = {(r["arch"], r["optimizer"], int(r["seed"])) for r in pd.DataFrame(diverged).to_dict("records")}
    if not bad:
        return df
    hit = [(a, o, int(s)) in bad for a, o, s in zip(df["arch"], df["optimizer"], df["seed"])]
    return df.assign(**{value: df[value].where(~np.asarray(hit, dtype=bool))})


def _by_optimizer(df: pd.DataFrame, index: list[str], value: str) -> pd.DataFrame:
    """One row per ``index`` key, one column per optimizer (NaN where a run is missing)."""
    dup = df.duplicated(index + ["optimizer"])
    if dup.any():
        raise ValueError(f"more than one {value} per {index + ['optimizer']}: {df[dup].head(3).to_dict('records')}")
    return df.set_index(index + ["optimizer"])[value].unstack("optimizer")


def _margin(p: pd.DataFrame) -> pd.Series:
    """best other optimizer's value - Muon's (NaN if Muon, or any optimizer's value, is missing)."""
    if MUON not in p or p.shape[1] < 2:
        return pd.Series(math.nan, index=p.index)
    others = p.drop(columns=MUON)
    return others.min(axis=1, skipna=False) - p[MUON]


def _log_ratio(p: pd.DataFrame) -> pd.Series:
    """log(best other's value / Muon's) (NaN if a value is missing or not positive)."""
    if MUON not in p or p.shape[1] < 2:
        return pd.Series(math.nan, index=p.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.log(p.drop(columns=MUON).min(axis=1, skipna=False) / p[MUON])
    return r.where(np.isfinite(r))


def _per_seed(units: pd.Series, reduce, seeds) -> dict:
    out = {}
    for s in seeds:
        v = units.xs(s, level="seed") if s in units.index.get_level_values("seed") else pd.Series(dtype=float)
        out[int(s)] = math.nan if v.empty or v.isna().any() else float(reduce(v.to_numpy()))
    return out


def gini_effects(df: pd.DataFrame, value: str = "gini") -> tuple[dict, pd.Series]:
    """C6a: (effects per seed, margin per (seed, arch, matrix))."""
    m = _margin(_by_optimizer(df, ["seed", "arch", "matrix"], value))
    return _per_seed(m, np.min, sorted(df["seed"].unique())), m


def energy_effects(df: pd.DataFrame, value: str = "energy") -> tuple[dict, pd.Series]:
    """C6b: (effects per seed, log ratio per (seed, arch)). ``df``: one row per arch, optimizer, seed."""
    r = _log_ratio(_by_optimizer(df, ["seed", "arch"], value))

    def kth_largest(x):
        k = math.ceil(2 * len(x) / 3)
        return np.sort(x)[::-1][k - 1]

    return _per_seed(r, kth_largest, sorted(df["seed"].unique())), r


def tail_statistic(ratios: np.ndarray, tail_bins: int) -> tuple[float, float]:
    """(tail, rest): mean log ratio over the lowest ``tail_bins`` bins and over the others."""
    return float(np.mean(ratios[:tail_bins])), float(np.mean(ratios[tail_bins:]))


def tail_effects(bins: pd.DataFrame, tail_bins: int, value: str = "energy") -> tuple[dict, pd.DataFrame]:
    """C6c: (effects per seed, per (seed, arch, matrix) the tail, rest and min(tail, tail - rest))."""
    r = _log_ratio(_by_optimizer(bins, ["seed", "arch", "matrix", "bin"], value))
    rows = []
    for (seed, arch, matrix), g in r.groupby(level=["seed", "arch", "matrix"]):
        x = g.sort_index(level="bin").to_numpy()
        tail, rest = tail_statistic(x, tail_bins) if len(x) > tail_bins else (math.nan, math.nan)
        stat = min(tail, tail - rest) if not (math.isnan(tail) or math.isnan(rest)) else math.nan
        rows.append({"seed": seed, "arch": arch, "matrix": matrix, "tail": tail, "rest": rest, "statistic": stat})
    per = pd.DataFrame(rows, columns=["seed", "arch", "matrix", "tail", "rest", "statistic"])
    stat = per.set_index(["seed", "arch", "matrix"])["statistic"]
    return _per_seed(stat, np.mean, sorted(bins["seed"].unique())), per


def offdiag_effects(df: pd.DataFrame, value: str = "offdiag") -> tuple[dict, pd.Series]:
    """C5-runs: (effects per seed, margin per (seed, arch, matrix))."""
    m = _margin(_by_optimizer(df, ["seed", "arch", "matrix"], value))
    return _per_seed(m, np.mean, sorted(df["seed"].unique())), m
