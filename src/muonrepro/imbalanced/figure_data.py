"""What the imbalanced-data figures show (``workflow/notebooks/imbalanced_figures.py`` draws it), computed from
the pipeline's tables and the theory's own definitions: the minimizer's components r_c, the random sweep's
ratios, the validation-chosen stopping points of Fig. 4 and claim 17's learning times of Fig. 6.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from muonrepro.imbalanced.effects import group_time
from muonrepro.imbalanced.theory.data_model import DTYPE, DataModel
from muonrepro.plotting import seed_spread

SWEEP_BOUNDS = ("thm1_minority", "thm1_balanced", "thm2_minority")  # the sweep's ratios, in the figure's order


def class_r(mu: float, priors, sigma_x: float) -> np.ndarray:
    """r_c per class (:attr:`DataModel.r`, §1.3): the minimizer's components, where the trajectories of
    Fig. 2 and the per-layer products of the depth figure go (r_c does not depend on the mean directions)."""
    priors = np.asarray(priors, float)
    return DataModel(priors, mu, sigma_x, torch.eye(len(priors), dtype=DTYPE)).r


def sweep_ratios(sweep: pd.DataFrame) -> pd.DataFrame:
    """The random sweep (``imbalanced/theory_sweep.parquet``, one row per case) long: per case and bound of
    :data:`SWEEP_BOUNDS` its ``min ratio`` (min over t of gap / (mu t)) and ``inside`` (whether the case meets
    the theorems' conditions); a bound a case has no ratio for is left out."""
    return sweep.melt(
        id_vars=["inside"], value_vars=list(SWEEP_BOUNDS), var_name="bound", value_name="min ratio"
    ).dropna()


def stopping_points(curves: pd.DataFrame, selection: pd.DataFrame) -> pd.DataFrame:
    """Claim 11's points: each selected optimizer's test accuracy at its validation-chosen step, mean and
    min-max over seeds. ``curves``: one group's test-accuracy curves (``optimizer, step, seed, value``);
    ``selection``: that group's ``lr_selection.csv`` rows (``optimizer, step, lr``). One row per selected
    optimizer with curves at its step: ``optimizer, step, mean, lo, hi``."""
    rows = []
    for opt, step in zip(selection["optimizer"], selection["step"]):
        at = curves[(curves["optimizer"] == opt) & (curves["step"] == step)]
        if len(at):
            st = seed_spread(at, "optimizer", "value").iloc[0]
            rows.append({"optimizer": opt, "step": step, "mean": st["mean"], "lo": st["lo"], "hi": st["hi"]})
    return pd.DataFrame(rows, columns=["optimizer", "step", "mean", "lo", "hi"])


def learning_times(curves: pd.DataFrame, depths, fraction: float) -> pd.DataFrame:
    """Claim 17's learning time of each group in each Muon Colored-MNIST run (:func:`effects.group_time`, the
    claim's own definition: the first evaluated step at ``fraction`` of the group's way from chance to its final
    accuracy) at the depths ``depths``: one row per (experiment, seed, group) that reaches its level after step
    0, ``experiment, depth, seed, group, t, level`` (``depth``: ``"<L>-layer"``)."""
    c17 = curves[
        curves["experiment"].isin([f"cmnist_L{L}" for L in depths])
        & (curves["optimizer"] == "muon")
        & (curves["metric"] == "test_acc")
        & curves["group"].isin(["minority", "majority"])
    ]
    rows = []
    for (exp, seed, group), h in c17.groupby(["experiment", "seed", "group"]):
        g = group_time(h["step"].to_numpy(), h["value"].to_numpy(), fraction)
        if g.reached and g.t > 0:
            depth = exp.removeprefix("cmnist_L") + "-layer"
            rows.append({"experiment": exp, "depth": depth, "seed": seed, "group": group, "t": g.t, "level": g.level})
    return pd.DataFrame(rows, columns=["experiment", "depth", "seed", "group", "t", "level"])
