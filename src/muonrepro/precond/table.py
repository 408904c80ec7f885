"""Table T1 (spec §6.2): theoretical iteration complexities next to the measured counts.

One row per (problem, method, epsilon) of the primary problems (MF, ICL): the spec's inferred
complexity, the log-log slope of the median count against kappa (kappa >= kappa_min, only when
every run reached epsilon) and one column per kappa with ``median [min-max]`` over seeds
(``>= budget`` when some seed ran out of budget).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

THEORY = {
    ("mf", "gd"): "Theta(kappa log(1/eps)), plus kappa log(1/alpha) from a small init",
    ("mf", "muon_s1"): "O(log(1/eps)/log(1/q)), no kappa",
    ("mf", "adam"): "UNKNOWN in the paper; kappa-dependent in a rotated basis (empirical)",
    ("icl", "gd"): "Theta(K log(1/eps)), K = lam_max^2 gam_max/(lam_min^2 gam_min), about kappa^2 to kappa^3",
    ("icl", "muon_s1"): "O(log(1/eps)/log(1/q)), no kappa",
    ("icl", "adam"): "UNKNOWN in the paper; kappa-dependent in a rotated basis (empirical)",
}


def _cell(g: pd.DataFrame) -> str:
    it = g.iterations.to_numpy()
    if not g.reached.all():
        return f">= {int(it.max())} ({int(g.reached.sum())}/{len(g)} reached)"
    med = float(np.median(it))
    return f"{med:.4g}" if it.min() == it.max() else f"{med:.4g} [{int(it.min())}-{int(it.max())}]"


def table_t1(iterations: pd.DataFrame, kappa_min: float) -> pd.DataFrame:
    rows = []
    for (prob, method), theory in THEORY.items():
        df = iterations[(iterations.problem == prob) & (iterations.method == method)]
        for eps, g in df.groupby("epsilon", sort=False):
            row = {
                "problem": prob,
                "method": method,
                "epsilon": eps,
                "theory (spec T1, INFERRED)": theory,
                "source": ",".join(sorted(g.source.unique())),
            }
            big = g[g.kappa >= kappa_min]
            med = big.groupby("kappa").iterations.median()
            row["loglog_slope"] = (
                float(np.polyfit(np.log10(med.index.to_numpy(float)), np.log10(med.to_numpy(float)), 1)[0])
                if big.reached.all() and len(med) >= 2
                else np.nan
            )
            for k, gk in g.groupby("kappa"):
                row[f"kappa={int(k)}"] = _cell(gk)
            rows.append(row)
    return pd.DataFrame(rows)
