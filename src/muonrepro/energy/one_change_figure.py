"""The energy claims under one change at a time, drawn per claim (figures ``reading_robustness``: one change of the
estimator's reading, ``energy/reading_robustness.csv``; ``training_robustness``: one change of a training setting,
``energy/robustness.csv``): each row's mean per-seed effect with its t-interval, the seeds' effects and the row's
own verdict (before the ledger's instrument check). ``rows`` computes what is drawn, ``draw`` draws it."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from muonrepro import plotting

KINDS = {
    "reading": ("the estimator's reading", "primary reading"),
    "training": ("a training setting", "default training"),
}


def rows(table: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The table with ``label`` (the change in words), ``primary`` (the unchanged row) and numeric intervals."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}, got {kind!r}")
    t = table.copy()
    for c in ("mean", "ci_low", "ci_high"):
        t[c] = pd.to_numeric(t[c], errors="coerce")
    t["flips"] = t["flips"].astype(str).eq("True")
    if kind == "training":
        t["primary"] = t["setting"] == "default"
        t["label"] = [
            KINDS[kind][1]
            if s == "default"
            else (f"lr of {plotting.label(s[3:])} {v}" if s.startswith("lr ") else f"{s} {v}")
            for s, v in zip(t["setting"], t["value"])
        ]
    else:
        t["primary"] = t["dimension"] == "primary"
        t["label"] = [
            KINDS[kind][1] if d == "primary" else plotting.reading_label(d, v)
            for d, v in zip(t["dimension"], t["value"])
        ]
    return t


def seed_effects(text: str) -> list[float]:
    """'s0: 0.1, s1: -0.2' -> [0.1, -0.2]."""
    return [float(part.split(":")[1]) for part in text.split(",") if ":" in part]


def draw(table: pd.DataFrame, kind: str, scale: str):
    """One panel per claim, one line per row of ``rows(table, kind)``; returns the figure."""
    import matplotlib.pyplot as plt

    t = rows(table, kind)
    what, primary_name = KINDS[kind]
    colors = plotting.OUTCOME_COLORS
    claims = list(dict.fromkeys(t["claim"]))
    heights = [max(2, (t["claim"] == c).sum()) for c in claims]
    fig, axes = plt.subplots(
        len(claims),
        1,
        figsize=(9, 0.32 * sum(heights) + 1.5 * len(claims)),
        gridspec_kw={"height_ratios": heights},
        layout="constrained",
        squeeze=False,
    )
    for ax, claim in zip(axes[:, 0], claims):
        g = t[t["claim"] == claim].reset_index(drop=True)
        y = np.arange(len(g))[::-1]
        for yi, r in zip(y, g.itertuples()):
            col = colors.get(r.verdict, "0.55")
            if np.isfinite(r.ci_low):
                ax.plot([r.ci_low, r.ci_high], [yi, yi], color=col, lw=2)
            ax.plot(r.mean, yi, "o", color=col, ms=7, mec="black" if r.primary else col, mew=1.5)
            pts = seed_effects(r.effects)
            ax.plot(pts, [yi] * len(pts), "|", color="black", ms=8)
            if r.flips:
                ax.annotate(
                    "flips",
                    (1.0, yi),
                    xycoords=("axes fraction", "data"),
                    xytext=(4, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=8,
                    color=colors["not_supported"],
                )
        ax.axvline(0, color="0.3", lw=1)
        ax.set_yticks(y, g["label"], fontsize=8)
        ax.set_xscale("symlog", linthresh=1e-3)
        ax.margins(x=0.08)
        primary = g.loc[g["primary"], "verdict"]
        ax.set_title(
            f"{claim}: {primary_name}'s verdict {primary.iloc[0].replace('_', ' ') if len(primary) else 'n/a'}; "
            f"{int(g['flips'].sum())} single change(s) flip it",
            fontsize=10,
        )
        ax.set_xlabel("per-seed effect (> 0: the claim holds in that seed), symlog")
    fig.suptitle(
        f"Energy-paper claims under one change of {what} (scale={scale})\n"
        + textwrap.fill(
            "dot: mean per-seed effect, line: t-interval over seeds, ticks: seeds; "
            "green = supported, orange = not supported, grey = inconclusive (each row's own verdict, before the "
            f"ledger's instrument check); framed: {primary_name}",
            120,
        ),
        fontsize=10,
    )
    return fig
