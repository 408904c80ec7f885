"""What the energy figures show (``workflow/notebooks/energy_figures.py`` draws it), computed from the
pipeline's tables: the theory checks' errors and margins, the direct energy at each logged step and the per-mode
energy heat maps (log10 over blocks of eigenvalue ranks, mean and range over seeds).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from muonrepro.energy.theory.checks import COUNTEREXAMPLE_CHECK, INEQUALITY_CHECKS, _margin

REL_FLOOR = 1e-17  # an exact identity (error 0) is drawn at this relative error on the log axis


def theory_points(th: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The theory checks (``energy/theory_checks.csv``; the counterexample is an observation, not a check, and
    is left out) as (identities, inequalities), each with ``status`` (passed / failed); identities with
    ``rel_error`` = ``|value - reference| / max(1, |reference|)`` floored at :data:`REL_FLOOR`, inequalities with
    ``margin``: the ledger's signed margin to the bound (> 0: the bound holds with room;
    :func:`muonrepro.energy.theory.checks.theory_claim_summary`)."""
    th = th[th["check"] != COUNTEREXAMPLE_CHECK].copy()
    th["status"] = np.where(th["passed"], "passed", "failed")
    scale = th["reference"].abs().clip(lower=1.0)
    th["rel_error"] = ((th["value"] - th["reference"]).abs() / scale).clip(lower=REL_FLOOR)
    ineq = th["check"].isin(INEQUALITY_CHECKS)
    eq_rows, ineq_rows = th[~ineq], th[ineq].copy()
    ineq_rows["margin"] = [_margin(r) for r in ineq_rows.to_dict("records")]
    return eq_rows, ineq_rows


def per_log_energy(logs: pd.DataFrame) -> pd.DataFrame:
    """The direct energy at each logged step of each run (``energy/logs.csv``, one row per matrix and log), long:
    columns ``arch, optimizer, seed, step_plus_1, y, energy`` with ``y`` either ``direct_preact`` (the sum over
    the monitored matrices of the energy at their pre-activations) or ``direct_logits`` (at the network output)."""
    per_log = logs.groupby(["arch", "optimizer", "seed", "step"], as_index=False).agg(
        direct_preact=("direct_energy", "sum"), direct_logits=("direct_logits", "first")
    )
    per_log["step_plus_1"] = per_log["step"] + 1
    return per_log.melt(
        id_vars=["arch", "optimizer", "seed", "step_plus_1"],
        value_vars=["direct_preact", "direct_logits"],
        var_name="y",
        value_name="energy",
    )


def per_mode_runs(paths) -> tuple[str, dict[str, list[pd.DataFrame]]]:
    """The per-mode tables of one architecture's runs (``energy/per_mode/{arch}_{opt}_s{seed}.parquet``):
    (the architecture, ``{optimizer: [table per seed]}`` in the order of ``paths``)."""
    frames: dict[str, list[pd.DataFrame]] = {}
    for path in paths:
        _arch, opt, _seed = Path(path).name.removesuffix(".parquet").split("_")
        frames.setdefault(opt, []).append(pd.read_parquet(path))
    return Path(paths[0]).name.split("_")[0], frames


def block_log_energy(df: pd.DataFrame, mat: str, max_blocks: int = 64) -> tuple[np.ndarray, tuple[int, int]]:
    """log10 of one run's cumulative energy of matrix ``mat`` summed over blocks of eigenvalue ranks (so that a
    256 x 784 matrix is visible: at most ``max_blocks`` blocks a side, the remainder ranks dropped), only
    retained modes; a block with no retained mode is NaN. Returns (the block array, (rows, columns) per block)."""
    df = df[df["matrix"] == mat].sort_values(["j", "i"])
    m, n = df["j"].max() + 1, df["i"].max() + 1
    E = np.where(df["retained"].to_numpy(), df["energy"].to_numpy(), np.nan).reshape(m, n)
    bj, bi = max(1, m // max_blocks), max(1, n // max_blocks)
    blocks = E[: m // bj * bj, : n // bi * bi].reshape(m // bj, bj, n // bi, bi)
    Eb = np.nansum(blocks, axis=(1, 3))
    Eb[np.isnan(blocks).all(axis=(1, 3))] = np.nan
    return np.log10(Eb + 1e-30), (bj, bi)


def heatmap_blocks(frames: dict, mats, order) -> tuple[dict, dict, dict]:
    """Per (matrix, optimizer): the mean over seeds of :func:`block_log_energy` and its range over seeds (max -
    min per block; None with one seed), and per matrix its block size: ``(mean_log, spread, blocks_of)``."""
    mean_log, spread, blocks_of = {}, {}, {}
    for mat in mats:
        for opt in order:
            stack = []
            for df in frames[opt]:
                le, blocks_of[mat] = block_log_energy(df, mat)
                stack.append(le)
            stack = np.array(stack)
            mean_log[(mat, opt)] = np.nanmean(stack, axis=0) if len(stack) else stack
            spread[(mat, opt)] = np.nanmax(stack, axis=0) - np.nanmin(stack, axis=0) if len(stack) > 1 else None
    return mean_log, spread, blocks_of
