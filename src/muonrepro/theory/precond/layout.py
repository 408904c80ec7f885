"""File layout of the precond pipeline (the output contract of issue 4) and config slicing helpers.

Used by ``workflow/rules/precond.smk`` (which may not define functions itself), the scripts and
the figure notebook, so every part names files the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

CURVES_DIR = "results/precond/curves"
_CURVE = re.compile(r"^(?P<problem>.+)_(?P<method>muon_s1|gd|adam)_k(?P<kappa>\d+)_s(?P<seed>\d+)$")


def curve_name(problem: str, method: str, kappa: int, seed: int) -> str:
    """File stem of a curve: ``{problem}_{method}_k{kappa}_s{seed}``."""
    return f"{problem}_{method}_k{int(kappa)}_s{int(seed)}"


def parse_curve_name(path: str | Path) -> tuple[str, str, int, int]:
    """``results/precond/curves/{problem}_{method}_k{kappa}_s{seed}.parquet`` -> its key."""
    m = _CURVE.match(Path(path).stem)
    if not m:
        raise ValueError(f"{path}: not a precond curve file name {{problem}}_{{method}}_k{{kappa}}_s{{seed}}.parquet")
    return m["problem"], m["method"], int(m["kappa"]), int(m["seed"])


def curve_files(P: dict, PS: dict, problem: str, methods=None) -> list[str]:
    """Every curve file of one problem (methods default to the problem's configured methods)."""
    methods = methods or P["problems"][problem]["methods"]
    return [f"{CURVES_DIR}/{curve_name(problem, m, k, s)}.parquet"
            for m in methods for k in PS["kappas"] for s in PS["seeds"]]


def config_slice(P: dict, *keys: str, problems=()) -> dict:
    """The part of ``config["precond"]`` a rule depends on (unrelated edits do not rerun it)."""
    out = {k: P[k] for k in keys}
    if problems:
        out["problems"] = {p: P["problems"][p] for p in problems}
    return out
