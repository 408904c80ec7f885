"""Energy extraction for one training run under the PRIMARY reading (config ``energy.estimator``):
per-mode cumulative energy with the masks of the modes retained at every log and at any log, the
direct energies, and the off-diagonal fraction of the logged updates. The primary reading is one cell
of the sensitivity grid, so rule energy_extract makes ONE pass over a run's snapshots for the whole grid
(``extract_with_grid``) and takes the primary tables from its cell; the training-settings robustness runs
need the primary reading only (``extract_run``). Statistics over mode sets (Gini, bins) are taken in
``aggregate``, where the ``common`` mode set of the optimizers' runs is known.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from muonrepro.energy.estimator.names import retention_name
from muonrepro.energy.estimator.readings import Grid, accumulate


def every_kth(items: list, k: int) -> list:
    """Every ``k``-th of ``items`` from the first, and the last one always (a thinned snapshot list keeps the run's whole time span)."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    kept = items[::k]
    return kept if (len(items) - 1) % k == 0 else [*kept, items[-1]]


def primary_grid(estimator: dict) -> Grid:
    return Grid(
        sigma_delta=(estimator["sigma_delta"],),
        thresholds=(estimator["rel_threshold"],),
        mode_identity=("rank",),
        n_bins=estimator["n_deciles"],
    )


def extraction_grid(estimator: dict, sensitivity: dict, n_bins: int) -> Grid:
    """The grid of rule energy_extract's one pass: the per-run part of config ``energy.sensitivity``
    (``energy.rules.sensitivity_grid``), which holds the primary reading (``energy.estimator``; the
    config check ``energy_primary_in_sensitivity`` says so at parse time, and this refuses a grid without it)."""
    grid = Grid(
        sigma_delta=tuple(sensitivity["sigma_delta"]),
        thresholds=tuple(sensitivity["thresholds"]),
        damping=tuple(sensitivity["damping"]),
        mode_identity=tuple(sensitivity["mode_identity"]),
        n_bins=n_bins,
    )
    primary = primary_grid(estimator)
    missing = [
        f"{field} {value!r}"
        for field in ("sigma_delta", "thresholds", "mode_identity")
        for value in getattr(primary, field)
        if value not in getattr(grid, field)
    ]
    if missing:
        raise ValueError(f"the sensitivity grid lacks the primary reading's {', '.join(missing)}: {grid}")
    return grid


def extract_run(model, snapshots: list[dict], probe_x, probe_y, *, estimator: dict, probe_seed: int):
    """The primary reading alone. Returns (summary dict, per-mode DataFrame, per-log DataFrame, seconds)."""
    grid = primary_grid(estimator)
    arrays, direct, logs, seconds = accumulate(model, snapshots, probe_x, probe_y, grid, probe_seed)
    return (*primary_tables(model.matrix_names(), arrays, direct, logs, estimator), seconds)


def extract_with_grid(model, snapshots: list[dict], probe_x, probe_y, *, estimator: dict, probe_seed: int, grid: Grid):
    """One pass over the snapshots for every reading of ``grid`` (``extraction_grid``). Returns (summary,
    per-mode DataFrame, per-log DataFrame) of the primary reading, the grid's (arrays, direct) for
    ``store.save_arrays``, and the seconds of the pass.

    Against ``extract_run`` the primary numbers differ by round-off only: with ``exact_ggn`` in the grid the
    backward pass takes one cotangent per class instead of one per label set (``factors.probe_factors``)."""
    log_reading = (estimator["sigma_delta"], "rank")
    arrays, direct, logs, seconds = accumulate(model, snapshots, probe_x, probe_y, grid, probe_seed, log_reading)
    summary, per_mode, log_rows = primary_tables(model.matrix_names(), arrays, direct, logs, estimator)
    return summary, per_mode, log_rows, (arrays, direct), seconds


def primary_tables(names: list[str], arrays: dict, direct: dict, logs: list[dict], estimator: dict):
    """(summary dict, per-mode DataFrame, per-log DataFrame) of the primary reading's cell of ``accumulate``'s
    output (``logs``: its per-log rows, taken under the primary reading)."""
    retention = retention_name("thr", estimator["rel_threshold"])
    rows, per_mode = [], []
    for name in names:
        a = arrays[(estimator["sigma_delta"], "rank", name)]
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
    return summary, pd.concat(per_mode, ignore_index=True), pd.DataFrame(logs)
