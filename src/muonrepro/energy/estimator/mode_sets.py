"""Which modes a statistic of per-mode energy is taken over, and the statistics themselves.

A mode (i, j) is *retained* at a log when its curvature lambda_i mu_j passes the retention rule
there (``per_mode.threshold_energy``). Three mode sets follow (config ``energy.sensitivity.mode_set``):

- ``every``: retained at every log of the run;
- ``any``: retained at one log at least (its energy counts only the logs where it was retained);
- ``common``: retained at every log of every optimizer's run of the same architecture and seed, so
  that the optimizers are compared on the same modes (like for like).

Over a mode set, ``mode_set_stats`` gives the Gini coefficient (plain and n/(n-1)-corrected), the
total, and the energy per curvature bin: equal-count bins of the modes sorted by curvature (bin 0 =
lowest), as the bin's sum and as its mean (a bin's sum grows with its number of modes; its mean
does not).

Each array is sorted once (``Ranked``), over the run's ``any`` set, which holds the other mode sets: a
mode set's values in ascending order, and its energies in curvature order, are those orders restricted to
the set (for a stable sort the restriction IS the subset's stable sort), so the mode sets (and, in
``units``, the retentions of a reading) share their sorts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import reduce

import numpy as np

from muonrepro.energy.estimator.gini import gini_of_sorted

MODE_SETS = ("every", "any", "common")


def common_mask(masks) -> np.ndarray:
    """Modes retained in every one of ``masks`` (boolean arrays of one shape)."""
    masks = [np.asarray(m, dtype=bool) for m in masks]
    if not masks:
        raise ValueError("common_mask: no masks")
    shapes = {m.shape for m in masks}
    if len(shapes) != 1:
        raise ValueError(f"common_mask: masks of different shapes {sorted(shapes)}")
    return reduce(np.logical_and, masks)


@dataclass(frozen=True)
class Ranked:
    """A flat float array and the ascending order of its entries in a superset mask ``within`` (all entries
    by default), sorted once; ``stable``: ties keep their index order (what the curvature bins need)."""

    values: np.ndarray
    order: np.ndarray

    @classmethod
    def of(cls, a, within=None, stable: bool = True) -> Ranked:
        if isinstance(a, Ranked):
            return a
        v = np.asarray(a, dtype=float).ravel()
        idx = np.arange(v.size) if within is None else np.flatnonzero(np.asarray(within, dtype=bool).ravel())
        return cls(v, idx[np.argsort(v[idx], kind="stable" if stable else None)])

    def positions(self, mask: np.ndarray) -> np.ndarray:
        """Flat indices of the entries in ``mask`` (flat boolean, inside ``within``), in ascending order."""
        return self.order[mask[self.order]]


def bin_stats(curv, energy, mask, n_bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sum, mean, count) of ``energy`` per curvature bin over the modes in ``mask``: the masked modes
    sorted by ``curv`` (stable), split into ``n_bins`` equal-count bins (``np.array_split``: the
    first bins get one more mode when the count does not divide), bin 0 = lowest curvature. An empty
    bin has sum 0 and mean NaN."""
    m = np.asarray(mask, dtype=bool).ravel()
    e = np.asarray(energy, dtype=float).ravel()
    return _bins(e[Ranked.of(curv).positions(m)], n_bins)


def _bins(sorted_energy: np.ndarray, n_bins: int):
    parts = np.array_split(sorted_energy, n_bins)
    counts = np.array([len(p) for p in parts])
    sums = np.array([p.sum() for p in parts])
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return sums, means, counts


def _stats(energy: Ranked, curv: Ranked, mask: np.ndarray, n_bins: int) -> dict:
    """The statistics of ``energy`` over the modes in ``mask`` (flat boolean)."""
    kept = energy.values[mask]
    n = int(kept.size)
    if not np.isfinite(kept).all():  # a run that blew up: NaN statistics, not an error
        nan = [math.nan] * n_bins
        return {
            "n_modes": n,
            "gini": math.nan,
            "gini_corrected": math.nan,
            "total": math.nan,
            "bin_sum": nan,
            "bin_mean": nan,
        }
    if n and kept.min() < 0:
        raise ValueError("gini: input must be nonnegative")
    total = float(kept.sum())
    g = gini_of_sorted(energy.values[energy.positions(mask)], total) if n else math.nan
    sums, means, _ = _bins(energy.values[curv.positions(mask)], n_bins)
    return {
        "n_modes": n,
        "gini": g,
        "gini_corrected": g * n / (n - 1) if n > 1 else math.nan,
        "total": total,
        "bin_sum": [float(v) for v in sums],
        "bin_mean": [float(v) for v in means],
    }


def mode_set_stats(energy, mask, curv, n_bins: int) -> dict:
    """Gini (plain, corrected), total, and per-bin sum and mean of ``energy`` over the modes in ``mask``,
    bins of ``curv`` as in ``bin_stats``. A non-finite energy (a run that blew up) gives NaN statistics."""
    return _stats(Ranked.of(energy), Ranked.of(curv), np.asarray(mask, dtype=bool).ravel(), n_bins)


def mode_set_rows(runs: dict, n_bins: int) -> list[dict]:
    """The statistics of every per-mode energy over every mode set, for the runs of ONE matrix of one
    architecture and seed, one run per optimizer. ``runs``: {optimizer: {"energies": {name: array},
    "every": mask, "any": mask, "curv": array}} (all arrays of one shape; an array may be given as its
    ``Ranked``, to share its sort between calls). Rows: optimizer, mode_set, energy and the
    ``mode_set_stats`` keys. ``common`` = the modes every optimizer retained at every log."""
    common = common_mask([r["every"] for r in runs.values()])
    rows = []
    for opt, r in runs.items():
        # every mode set lies in the run's ``any`` (common <= every <= any): sort within it
        curv = Ranked.of(r["curv"], within=r["any"])
        energies = {name: Ranked.of(E, within=r["any"], stable=False) for name, E in r["energies"].items()}
        for mode_set, mask in (("every", r["every"]), ("any", r["any"]), ("common", common)):
            flat = np.asarray(mask, dtype=bool).ravel()
            for name, E in energies.items():
                rows.append({"optimizer": opt, "mode_set": mode_set, "energy": name, **_stats(E, curv, flat, n_bins)})
    return rows
