"""Learning-rate selection and the tidy ``curves.parquet`` (spec §3 Figs. 2, 4, 6, E1; §6 per-rule lr grids).

Per-run tables carry an ``lr`` column; ``curves.parquet`` keeps the contract columns
``experiment, optimizer, seed, step, metric, group, value`` for the selected learning rate only, and
``lr_selection.csv`` says which lr was kept and why:

- Fig. 4 (``linear_ce``): for each rule and each of the two claim metrics (balanced, worst-class
  test accuracy) the lr whose seed-mean curve has the highest maximum over steps: the claim is
  about the best stopping point of each rule, so each rule gets its best lr by the same oracle.
  The per-class rows (majority_class, minority_class) follow the balanced choice.
- Colored-MNIST (``cmnist_L*``): for each depth and optimizer the lr with the largest seed-mean
  early-window area under the *validation* minority-group accuracy (validation colours are
  independent of the class, like the test set; ours).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CURVE_COLUMNS = ["experiment", "optimizer", "seed", "step", "metric", "group", "value"]


def early_auc(steps: np.ndarray, values: np.ndarray, fraction: float) -> float:
    """Mean value over [0, fraction * max step] (trapezoid area / window length)."""
    order = np.argsort(steps)
    s, v = np.asarray(steps, float)[order], np.asarray(values, float)[order]
    end = fraction * s.max()
    keep = s <= end
    if keep.sum() < 2:
        keep[: min(2, len(s))] = True
        end = s[keep].max()
    if end <= s[keep].min():
        return float(v[keep].mean())
    return float(np.trapezoid(v[keep], s[keep]) / (s[keep].max() - s[keep].min()))


def select_linear_ce(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    test = df[df["metric"] == "test_acc"]
    mean = test.groupby(["optimizer", "lr", "group", "step"])["value"].mean().reset_index()
    best = mean.groupby(["optimizer", "lr", "group"])["value"].max().reset_index()
    sel_rows, parts = [], []
    for (opt, group), g in best[best["group"].isin(["balanced", "worst_class"])].groupby(["optimizer", "group"]):
        lr = float(g.loc[g["value"].idxmax(), "lr"])
        sel_rows.append(
            ("linear_ce", opt, group, lr, float(g["value"].max()), "max over steps of seed-mean test curve")
        )
        groups = [group] + (["majority_class", "minority_class"] if group == "balanced" else [])
        parts.append(df[(df["optimizer"] == opt) & (df["lr"] == lr) & df["group"].isin(groups)])
    return pd.concat(parts, ignore_index=True), pd.DataFrame(sel_rows, columns=SELECTION_COLUMNS)


def select_cmnist(df: pd.DataFrame, early_fraction: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    val = df[(df["metric"] == "val_acc") & (df["group"] == "minority")]
    mean = val.groupby(["experiment", "optimizer", "lr", "step"])["value"].mean().reset_index()
    sel_rows, parts = [], []
    for (exp, opt), g in mean.groupby(["experiment", "optimizer"]):
        scores = {
            lr: early_auc(h["step"].to_numpy(), h["value"].to_numpy(), early_fraction) for lr, h in g.groupby("lr")
        }
        scores = {lr: s for lr, s in scores.items() if np.isfinite(s)}
        if not scores:
            continue
        lr = max(scores, key=scores.get)
        sel_rows.append(
            (
                exp,
                opt,
                "minority",
                float(lr),
                scores[lr],
                f"seed-mean val minority-group accuracy, mean over the first {early_fraction:g} of steps",
            )
        )
        parts.append(df[(df["experiment"] == exp) & (df["optimizer"] == opt) & (df["lr"] == lr)])
    return pd.concat(parts, ignore_index=True), pd.DataFrame(sel_rows, columns=SELECTION_COLUMNS)


SELECTION_COLUMNS = ["experiment", "optimizer", "group", "lr", "score", "criterion"]


def merge_curves(
    trajectories: pd.DataFrame, linear_ce: list[pd.DataFrame], cmnist: list[pd.DataFrame], early_fraction: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(curves with the contract columns, lr selection table)."""
    parts, sels = [trajectories[CURVE_COLUMNS]], []
    if linear_ce:
        cur, sel = select_linear_ce(pd.concat(linear_ce, ignore_index=True))
        parts.append(cur[CURVE_COLUMNS])
        sels.append(sel)
    if cmnist:
        cur, sel = select_cmnist(pd.concat(cmnist, ignore_index=True), early_fraction)
        parts.append(cur[CURVE_COLUMNS])
        sels.append(sel)
    curves = pd.concat(parts, ignore_index=True)
    curves["seed"] = curves["seed"].astype("int64")
    curves["step"] = curves["step"].astype("int64")
    curves["value"] = curves["value"].astype("float64")
    selection = pd.concat(sels, ignore_index=True) if sels else pd.DataFrame(columns=SELECTION_COLUMNS)
    return curves, selection
