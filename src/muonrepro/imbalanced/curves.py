"""Learning-rate selection and the tidy ``curves.parquet`` (spec §3 Figs. 2, 4, 6, E1; §6 per-rule lr grids).

Per-run tables carry an ``lr`` column; ``curves.parquet`` keeps the contract columns
``experiment, optimizer, seed, step, metric, group, value`` for the selected learning rate only, and
``lr_selection.csv`` says which lr was kept and why:

- Fig. 4 (``linear_ce``): for each rule and each of the two claim metrics (balanced, worst-class
  accuracy) the lr AND the stopping step at which the seed-mean *validation* curve peaks (the claim is
  about each rule's best stopping point; both are chosen on the validation split, never on test); the
  table records the seed-mean test accuracy there. The per-class rows (majority_class,
  minority_class) follow the balanced choice.
- Colored-MNIST (``cmnist_L*``): for each depth and optimizer the lr with the largest seed-mean
  early-window area under the *validation* minority-group accuracy (validation colours are
  independent of the class, like the test set; ours).

Every choice is the one lr selection, ``training.lr_select.choose`` (ties -> the smaller lr, the earlier step);
the training jobs extend a grid whose choice lies at its edge (``training.lr_select.extend_grid``, with the choice
functions here), and ``lr_selection.csv`` records the lrs trained (``grid``) and whether the choice is interior
(``edge``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from muonrepro.training.lr_select import choose, edge_status
from muonrepro.util.io import atomic_write_csv, atomic_write_parquet

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


LINEAR_CE_GROUPS = ("balanced", "worst_class")


def _score(v) -> float | None:
    return float(v) if np.isfinite(v) else None


def linear_ce_choice(df: pd.DataFrame, rule: str, group: str) -> dict:
    """The (lr, stopping step) of ``rule`` at which the seed-mean validation ``group`` accuracy peaks, the
    seed-mean test accuracy there (``test``) and each seed's (``test_by_seed``: seed -> accuracy, NaN for a
    seed without that evaluation, e.g. a diverged run). ``df``: linear_ce curves with ``lr``, ``val_acc`` and
    ``test_acc`` rows."""
    d = df[(df["optimizer"] == rule) & (df["group"] == group)]
    mean = d.groupby(["metric", "lr", "step"])["value"].mean()
    val = mean.loc["val_acc"]
    (lr, step), _ = choose({k: _score(v) for k, v in val.items()}, "max", (np.nan, np.nan))
    test = mean.loc["test_acc"].get((lr, step), np.nan)
    at = d[(d["metric"] == "test_acc") & (d["lr"] == lr) & (d["step"] == step)].set_index("seed")["value"]
    by_seed = {int(s): float(at.get(s, np.nan)) for s in sorted(d["seed"].unique())}
    return {
        "lr": float(lr),
        "step": step,
        "score": float(val.get((lr, step), np.nan)),
        "test": float(test),
        "test_by_seed": by_seed,
    }


def _grid_text(lrs) -> str:
    return "; ".join(f"{lr:g}" for lr in sorted(set(lrs)))


def select_linear_ce(df: pd.DataFrame, max_extensions: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    sel_rows, parts = [], []
    for opt in sorted(df["optimizer"].unique()):
        grid = sorted(df.loc[df["optimizer"] == opt, "lr"].unique())
        for group in LINEAR_CE_GROUPS:
            c = linear_ce_choice(df, opt, group)
            sel_rows.append(
                (
                    "linear_ce",
                    opt,
                    group,
                    c["lr"],
                    c["step"],
                    c["score"],
                    c["test"],
                    "(lr, stopping step) at the peak of the seed-mean validation curve",
                    _grid_text(grid),
                    edge_status(grid, None if np.isnan(c["lr"]) else c["lr"], max_extensions),
                )
            )
            groups = [group] + (["majority_class", "minority_class"] if group == "balanced" else [])
            parts.append(df[(df["optimizer"] == opt) & (df["lr"] == c["lr"]) & df["group"].isin(groups)])
    return pd.concat(parts, ignore_index=True), pd.DataFrame(sel_rows, columns=SELECTION_COLUMNS)


def cmnist_choice(df: pd.DataFrame, early_fraction: float) -> tuple[float | None, dict]:
    """(chosen lr or None, lr -> score) of one (depth, optimizer)'s Colored-MNIST runs: the largest seed-mean
    early-window area under the validation minority-group accuracy. Runs marked ``tuning`` (the first seed's runs
    under ``tune_seeds: first``, ``cmnist_schedule.cmnist_tuning``) last the early window: where there are any, the choice is
    theirs, over their whole length."""
    if "tuning" in df and df["tuning"].any():
        df, early_fraction = df[df["tuning"]], 1.0
    val = df[(df["metric"] == "val_acc") & (df["group"] == "minority")]
    mean = val.groupby(["lr", "step"])["value"].mean().reset_index()
    scores = {
        float(lr): _score(early_auc(h["step"].to_numpy(), h["value"].to_numpy(), early_fraction))
        for lr, h in mean.groupby("lr")
    }
    lr, _ = choose(scores, "max", None)
    return lr, scores


def select_cmnist(
    df: pd.DataFrame, early_fraction: float, max_extensions: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    sel_rows, parts = [], []
    for (exp, opt), g in df.groupby(["experiment", "optimizer"]):
        lr, scores = cmnist_choice(g, early_fraction)
        if lr is None:
            continue
        grid = sorted(scores)
        tuned_on = sorted(g.loc[g["tuning"], "seed"].unique()) if "tuning" in g else []
        seeds = f"seed {tuned_on[0]}'s (its runs stopped at the window's end)" if tuned_on else "seed-mean"
        sel_rows.append(
            (
                exp,
                opt,
                "minority",
                float(lr),
                np.nan,
                scores[lr],
                np.nan,
                f"{seeds} val minority-group accuracy, mean over the first {early_fraction:g} of steps",
                _grid_text(grid),
                edge_status(grid, lr, max_extensions),
            )
        )
        whole = ~g["tuning"] if "tuning" in g else True
        parts.append(g[(g["lr"] == lr) & whole])
    return pd.concat(parts, ignore_index=True), pd.DataFrame(sel_rows, columns=SELECTION_COLUMNS)


SELECTION_COLUMNS = ["experiment", "optimizer", "group", "lr", "step", "score", "test", "criterion", "grid", "edge"]


def merge_curves(
    trajectories: pd.DataFrame,
    linear_ce: list[pd.DataFrame],
    cmnist: list[pd.DataFrame],
    early_fraction: float,
    max_extensions: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(curves with the contract columns, lr selection table)."""
    parts, sels = [trajectories[CURVE_COLUMNS]], []
    if linear_ce:
        cur, sel = select_linear_ce(pd.concat(linear_ce, ignore_index=True), max_extensions)
        parts.append(cur[CURVE_COLUMNS])
        sels.append(sel)
    if cmnist:
        cur, sel = select_cmnist(pd.concat(cmnist, ignore_index=True), early_fraction, max_extensions)
        parts.append(cur[CURVE_COLUMNS])
        sels.append(sel)
    curves = pd.concat(parts, ignore_index=True)
    curves["seed"] = curves["seed"].astype("int64")
    curves["step"] = curves["step"].astype("int64")
    curves["value"] = curves["value"].astype("float64")
    selection = pd.concat(sels, ignore_index=True) if sels else pd.DataFrame(columns=SELECTION_COLUMNS)
    return curves, selection


def curves_job(smk) -> None:
    """Rule imbalanced_curves: lr selection (``params.early_fraction``, ``params.max_extensions``) and the tidy
    curves of the theory trajectories, the linear cross-entropy and the Colored-MNIST runs. Outputs: curves,
    selection."""
    i, p = smk.input, smk.params
    curves, selection = merge_curves(
        pd.read_parquet(i.trajectories),
        [pd.read_parquet(f) for f in i.linear_ce],
        [pd.read_parquet(f) for f in i.cmnist],
        p.early_fraction,
        p.max_extensions,
    )
    atomic_write_parquet(curves, smk.output.curves)
    atomic_write_csv(selection, smk.output.selection)
