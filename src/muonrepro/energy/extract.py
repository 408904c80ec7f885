"""Energy extraction for one training run under the PRIMARY reading (config ``energy.estimator``):
per-mode cumulative energy with the masks of the modes retained at every log and at any log, the
direct energies, and the off-diagonal fraction of the logged updates. It is the one-reading case of
``readings.accumulate``; the sensitivity analysis runs the same code over the whole grid. Statistics
over mode sets (Gini, bins) are taken in ``aggregate``, where the ``common`` mode set of the
optimizers' runs is known.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from muonrepro.energy.estimator.readings import Grid, accumulate, retention_name


def primary_grid(estimator: dict) -> Grid:
    return Grid(
        sigma_delta=(estimator["sigma_delta"],),
        thresholds=(estimator["rel_threshold"],),
        mode_identity=("rank",),
        n_bins=estimator["n_deciles"],
    )


def extract_run(model, snapshots: list[dict], probe_x, probe_y, *, estimator: dict, probe_seed: int):
    """Returns (summary dict, per-mode DataFrame, per-log DataFrame, seconds)."""
    grid = primary_grid(estimator)
    arrays, direct, logs, seconds = accumulate(model, snapshots, probe_x, probe_y, grid, probe_seed)
    retention = retention_name("thr", estimator["rel_threshold"])
    rows, per_mode = [], []
    for name in model.matrix_names():
        a = arrays[(grid.sigma_delta[0], "rank", name)]
        r = a["retentions"][retention]
        E = r["cumulative"]
        m, n = E.shape
        rows.append(
            {
                "matrix": name,
                "shape": [m, n],
                "n_modes_every": int(r["every"].sum()),
                "n_modes_any": int(r["any"].sum()),
                "direct_energy": direct["preact"][name],
                "offdiag": a["offdiag"],
            }
        )
        jj, ii = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
        per_mode.append(
            pd.DataFrame(
                {
                    "matrix": name,
                    "i": ii.ravel(),
                    "j": jj.ravel(),
                    "lambda": np.broadcast_to(a["lam"][None, :], E.shape).ravel(),
                    "mu": np.broadcast_to(a["mu"][:, None], E.shape).ravel(),
                    "energy": E.ravel(),
                    "retained": r["every"].ravel(),
                    "retained_any": r["any"].ravel(),
                }
            )
        )
    summary = {
        "matrices": rows,
        "direct_logits": direct["logits"],
        "log_steps": direct["steps"],
        "log_weights": direct["weights"],
    }
    return summary, pd.concat(per_mode, ignore_index=True), pd.DataFrame(logs), seconds
