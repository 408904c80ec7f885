"""Config views of the energy paper's rules (``workflow/rules/energy.smk``)."""

from __future__ import annotations


def arch_depth(arch: str) -> int:
    """``mlp3`` -> 3 (hidden layers)."""
    return int(arch.removeprefix("mlp"))


def model(E: dict, arch: str) -> dict:
    return {"depth": arch_depth(arch), "width": E["width"], "bias": E["bias"]}


def lr_grid(E: dict, ES: dict, opt: str) -> list[float]:
    """The scale's lr grid of ``opt``, or its configured lr alone."""
    return ES.get("lr_grid", {}).get(opt, [E["optimizers"][opt]["lr"]])


def sensitivity_grid(E: dict) -> dict:
    """The part of the sensitivity grid that the per-run extraction needs (the rest is post-processing)."""
    g = E["sensitivity"]
    return {k: g[k] for k in ("sigma_delta", "thresholds", "damping", "mode_identity")}


def primary_reading(E: dict) -> dict:
    """The primary reading (``energy.estimator``), in the sensitivity table's terms."""
    est = E["estimator"]
    return {
        "sigma_delta": est["sigma_delta"],
        "threshold": f"thr{est['rel_threshold']:g}",
        "mode_identity": "rank",
        "energy": "cumulative",
        "tail_binning": "time_avg",
        "gini_variant": "plain",
    }
