"""Early-stopped balanced and worst-class accuracy along the SpecGF and GF paths (spec §2.7a; claim 8).

Population accuracies of the argmax classifier (``losses.per_class_accuracy``) for the component
paths alpha(t): GF r_c (1 - exp(-s^xx_c t)) and SpecGF min(t, r_c) (unit step), on a log-spaced
time grid. The claim compares the best stopping time of each flow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from muonrepro.imbalanced.theory.losses import per_class_accuracy


def flow_alpha(flow: str, t: float, priors: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    s_yx = mu * priors
    s_xx = mu**2 * priors + sigma**2
    r = s_yx / s_xx
    if flow == "gf":
        return r * (1 - np.exp(-s_xx * t))
    if flow == "specgf":
        return np.minimum(t, r)
    raise ValueError(f"unknown flow {flow!r}; known: gf, specgf")


def accuracy_paths(priors, mu: float, sigma: float, t_grid) -> pd.DataFrame:
    """Tidy rows (flow, t, metric in {balanced, worst_class}, value) along both flows."""
    p = np.asarray(priors, dtype=np.float64)
    rows = []
    for flow in ("specgf", "gf"):
        for t in t_grid:
            acc = per_class_accuracy(flow_alpha(flow, t, p, mu, sigma), mu, sigma)
            rows.append((flow, float(t), "balanced", float(acc.mean())))
            rows.append((flow, float(t), "worst_class", float(acc.min())))
    df = pd.DataFrame(rows, columns=["flow", "t", "metric", "value"])
    df["sigma_x"] = sigma
    return df


def best_stopping(paths: pd.DataFrame) -> pd.DataFrame:
    """Max over t of each (sigma_x, flow, metric) curve, with the argmax time."""
    idx = paths.groupby(["sigma_x", "flow", "metric"])["value"].idxmax()
    return paths.loc[idx, ["sigma_x", "flow", "metric", "t", "value"]].reset_index(drop=True)
