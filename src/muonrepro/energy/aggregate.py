"""Tidy tables over all runs of the energy paper."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

_RUN = re.compile(r"(?P<arch>mlp\d+)_(?P<optimizer>[a-z0-9]+)_s(?P<seed>\d+)")


def run_key(path) -> dict:
    """arch/optimizer/seed from a run's file or folder name (``mlp2_muon_s0``)."""
    for part in reversed(Path(path).parts):
        m = _RUN.fullmatch(Path(part).stem.removesuffix("_logs")) or _RUN.fullmatch(part)
        if m:
            d = m.groupdict()
            return {"arch": d["arch"], "optimizer": d["optimizer"], "seed": int(d["seed"])}
    raise ValueError(f"cannot read arch/optimizer/seed from {path}")


def aggregate(summaries, histories, metas):
    gini_rows, bin_rows, acc = [], [], []
    for path in summaries:
        key, s = run_key(path), json.loads(Path(path).read_text())
        for r in s["matrices"]:
            gini_rows.append(
                {
                    **key,
                    "matrix": r["matrix"],
                    "n_modes": r["n_modes"],
                    "gini": r["gini"],
                    "cumulative_energy": r["cumulative_energy"],
                    "direct_energy": r["direct_energy"],
                    "gini_corrected": r["gini_corrected"],
                    "lr": s["lr"],
                    "diverged": s["diverged"],
                }
            )
            tot = sum(r["bin_energy"])
            for b, e in enumerate(r["bin_energy"]):
                bin_rows.append(
                    {**key, "matrix": r["matrix"], "bin": b, "energy": e, "share": e / tot if tot else float("nan")}
                )
    for hpath, mpath in zip(histories, metas):
        key, meta = run_key(hpath), json.loads(Path(mpath).read_text())
        h = pd.read_csv(hpath)
        acc.append(h.assign(**key, lr=meta["config"]["lr"], diverged=meta["diverged"]))
    cols = ["arch", "optimizer", "seed", "lr", "epoch", "test_acc", "train_loss", "diverged"]
    return pd.DataFrame(gini_rows), pd.concat(acc, ignore_index=True)[cols], pd.DataFrame(bin_rows)
