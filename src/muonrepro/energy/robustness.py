"""Robustness tables: does one change of a choice that is ours flip an empirical claim's verdict?

- Readings of the estimator (``one_at_a_time``): from the full grid of ``sensitivity.readings_table``,
  per claim the primary reading's verdict and, for each reading dimension, each other value of that
  dimension with every other dimension at its primary value (or ``n/a`` where it does not apply);
  a row ``flips`` when its verdict differs from the primary one.
- Training settings (``training_table``): the primary reading's verdicts of runs trained (or probed)
  with one setting changed (``energy.rules.robustness_variants``), against the default runs'.

The jobs of the rules that write them: ``sensitivity_job`` (energy_sensitivity: the full grid and the readings'
table), ``robust_verdicts_job`` (energy_robust_verdicts: one variant's verdicts) and ``robustness_job``
(energy_robustness: the training settings' table).
"""

from __future__ import annotations

import pandas as pd

from muonrepro.energy.aggregate import aggregate
from muonrepro.energy.claims import Criteria, primary_effects
from muonrepro.energy.estimator.readings import NA
from muonrepro.energy.sensitivity import DIMENSIONS, RESULT, judge_effects, readings_table
from muonrepro.util.io import atomic_write_csv

TABLE = ["claim", "dimension", "value", *RESULT, "primary_verdict", "flips"]


def _match(readings: pd.DataFrame, target: dict, varied: str | None) -> pd.DataFrame:
    ok = pd.Series(True, index=readings.index)
    for d in DIMENSIONS:
        if d == varied:
            ok &= readings[d] == target[d]
        elif d in target:
            ok &= (readings[d] == target[d]) | (readings[d] == NA)
    return readings[ok]


def one_at_a_time(readings: pd.DataFrame, primary: dict) -> pd.DataFrame:
    """``primary``: {claim: {dimension: primary value}}. Rows as in ``TABLE``, ``dimension == "primary"``
    first for each claim. A claim whose primary reading is absent from ``readings`` is left out."""
    rows = []
    for claim, p in primary.items():
        r = readings[readings["claim"] == claim]
        base = _match(r, p, None)
        if len(base) == 0:
            continue
        if len(base) > 1:
            raise ValueError(f"{claim}: the primary reading {p} matches {len(base)} readings")
        b = base.iloc[0]
        rows.append({"claim": claim, "dimension": "primary", "value": "", **b[RESULT].to_dict()})
        for d in DIMENSIONS:
            if d not in p:
                continue
            for v in sorted(set(r[d]) - {NA, p[d]}):
                hit = _match(r, {**p, d: v}, d)
                if len(hit) == 0:
                    continue  # the dimension does not apply with the others at their primary values
                if len(hit) > 1:
                    raise ValueError(f"{claim}: {d}={v} with the rest primary matches {len(hit)} readings")
                rows.append({"claim": claim, "dimension": d, "value": v, **hit.iloc[0][RESULT].to_dict()})
    out = pd.DataFrame(rows, columns=[c for c in TABLE if c not in ("primary_verdict", "flips")])
    prim = out[out["dimension"] == "primary"].set_index("claim")["verdict"]
    out["primary_verdict"] = out["claim"].map(prim)
    out["flips"] = out["verdict"] != out["primary_verdict"]
    return out[TABLE]


def variant_verdicts(tables: dict, crit: Criteria, estimator: dict) -> list[dict]:
    """The primary reading's verdict of each empirical claim on one variant's tables (``aggregate``), with
    its lowest final test accuracy and number of diverged runs."""
    acc = tables["accuracy"].sort_values("epoch").groupby(["arch", "optimizer", "seed"]).tail(1)
    extra = {"min_test_acc": float(acc["test_acc"].min()), "diverged_runs": int(acc["diverged"].astype(bool).sum())}
    rows = []
    for claim, eff in primary_effects(tables, crit, estimator).items():
        r = judge_effects(claim, {}, eff, crit)
        rows.append({"claim": claim, **{k: r[k] for k in RESULT}, **extra})
    return rows


def training_table(verdicts: pd.DataFrame, default: str = "default") -> pd.DataFrame:
    """``verdicts``: one row per (setting, value, claim) with ``RESULT`` columns, including the default
    setting (``setting == default``). Adds the default's verdict and ``flips``."""
    base = verdicts[verdicts["setting"] == default].set_index("claim")["verdict"]
    out = verdicts.assign(default_verdict=verdicts["claim"].map(base))
    out["flips"] = (out["setting"] != default) & (out["verdict"] != out["default_verdict"])
    return out


def sensitivity_job(smk) -> None:
    """Rule energy_sensitivity: every claim under every reading of ``params.grid`` (``output.readings``) from the
    units and off-diagonal tables of every (architecture, seed), and the one-change-at-a-time table of each claim's
    primary reading ``params.primary`` (``output.robustness``)."""
    p, i = smk.params, smk.input
    units = pd.concat([pd.read_parquet(f) for f in i.units], ignore_index=True)
    offdiag = pd.concat([pd.read_parquet(f) for f in i.offdiag], ignore_index=True)
    readings = readings_table(units, offdiag, p.grid, Criteria(**p.criteria))
    atomic_write_csv(readings, smk.output.readings)
    atomic_write_csv(one_at_a_time(readings, p.primary), smk.output.robustness)


def robust_verdicts_job(smk) -> None:
    """Rule energy_robust_verdicts: the primary reading's verdicts of one training-settings variant's runs
    (``params.setting`` = ``params.value``), under ``params.estimator`` and ``params.criteria``."""
    i, p = smk.input, smk.params
    est = p.estimator
    tables = aggregate(
        i.summaries, i.per_modes, i.logs, i.histories, i.metas, mode_set=est["mode_set"], n_bins=est["n_deciles"]
    )
    rows = variant_verdicts(tables, Criteria(**p.criteria), est)
    atomic_write_csv(pd.DataFrame(rows).assign(setting=p.setting, value=p.value), smk.output[0])


def robustness_job(smk) -> None:
    """Rule energy_robustness: which training setting flips which claim, from every variant's verdicts."""
    verdicts = pd.concat([pd.read_csv(f, keep_default_na=False) for f in smk.input.verdicts], ignore_index=True)
    atomic_write_csv(training_table(verdicts), smk.output[0])
