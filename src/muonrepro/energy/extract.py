"""Energy extraction for one training run under the PRIMARY reading (config ``energy.estimator``):
per-mode cumulative energy, Gini, direct energy, curvature-bin energies. It is the one-reading
case of ``readings.accumulate``; the sensitivity analysis runs the same code over the whole grid.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from muonrepro.energy.estimator.readings import Grid, accumulate


def primary_grid(estimator: dict) -> Grid:
    return Grid(
        sigma_delta=(estimator["sigma_delta"],),
        thresholds=(estimator["rel_threshold"],),
        mode_identity=("rank",),
        n_bins=estimator["n_deciles"],
    )


def extract_run(model, snapshots: list[dict], probe_x, probe_y, total_steps: int, *, estimator: dict, probe_seed: int):
    """Returns (summary rows per matrix, per-mode DataFrame, per-log DataFrame, seconds)."""
    grid = primary_grid(estimator)
    results, direct, logs, seconds = accumulate(model, snapshots, probe_x, probe_y, total_steps, grid, probe_seed)
    retention = grid.retentions[0][0]
    rows, per_mode = [], []
    for name in model.matrix_names():
        r = results[(grid.sigma_delta[0], "rank", name)][retention]
        s = r["energies"]["cumulative"]
        rows.append(
            {
                "matrix": name,
                "n_modes": s["n_modes"],
                "gini": s["gini"],
                "gini_corrected": s["gini_corrected"],
                "cumulative_energy": s["total"],
                "direct_energy": direct[name],
                "bin_energy": s["bins_time_avg"],
            }
        )
        E = r["E"].cpu().numpy()
        m, n = E.shape
        jj, ii = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
        per_mode.append(
            pd.DataFrame(
                {
                    "matrix": name,
                    "i": ii.ravel(),
                    "j": jj.ravel(),
                    "lambda": np.broadcast_to(r["lam"][None, :], E.shape).ravel(),
                    "mu": np.broadcast_to(r["mu"][:, None], E.shape).ravel(),
                    "energy": E.ravel(),
                    "retained": r["mask"].ravel(),
                }
            )
        )
    return rows, pd.concat(per_mode, ignore_index=True), pd.DataFrame(logs), seconds
