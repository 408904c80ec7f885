"""Config views of the energy paper's rules (``workflow/rules/energy.smk``, its robustness rules included)."""

from __future__ import annotations

import copy
import re

from muonrepro.energy.estimator.names import retention_name

# the energy_aggregate rule's tables: name -> file under energy/; the claims rule reads all but the logs
TABLE_FILES = {
    "gini": "gini.csv",
    "energy": "energy.csv",
    "bins": "curvature_bins.csv",
    "offdiag": "offdiag.csv",
    "logs": "logs.csv",
    "accuracy": "accuracy.csv",
}
CLAIMS_TABLE_FILES = {t: f for t, f in TABLE_FILES.items() if t != "logs"}


def arch_depth(arch: str) -> int:
    """``mlp3`` -> 3 (hidden layers)."""
    return int(arch.removeprefix("mlp"))


def model(E: dict, arch: str, width: int | None = None) -> dict:
    return {"depth": arch_depth(arch), "width": width or E["width"], "bias": E["bias"]}


def lr_grid(E: dict, ES: dict, opt: str) -> list[float]:
    """The scale's lr grid of ``opt``, or its configured lr alone."""
    return ES.get("lr_grid", {}).get(opt, [E["optimizers"][opt]["lr"]])


def sensitivity_grid(E: dict) -> dict:
    """The part of the sensitivity grid that the per-run extraction needs (the rest is post-processing)."""
    g = E["sensitivity"]
    return {k: g[k] for k in ("sigma_delta", "thresholds", "damping", "mode_identity")}


def primary_readings(E: dict) -> dict:
    """The primary reading (``energy.estimator``) of each empirical claim, in the sensitivity table's terms."""
    est = E["estimator"]
    per_mode = {
        "sigma_delta": est["sigma_delta"],
        "retention": retention_name("thr", est["rel_threshold"]),
        "mode_identity": "rank",
        "mode_set": est["mode_set"],
        "energy": "cumulative",
    }
    return {
        "C6a": {**per_mode, "gini_variant": "plain"},
        "C6b": {**per_mode, "energy": est["direct_at"]},
        "C6c": {**per_mode, "tail_binning": "time_avg", "bin_stat": est["bin_stat"]},
        "C5-runs": {"sigma_delta": est["sigma_delta"], "mode_identity": "rank"},
    }


def criteria(config: dict) -> dict:
    """What ``energy.claims.Criteria`` needs: the rule per claim, min_seeds, level, tail bins."""
    c = config["energy"]["claims"]
    return {
        "rules": dict(c["rules"]),
        "min_seeds": config["stats"]["min_seeds"],
        "level": config["stats"]["level"],
        "tail_bins": c["tail_bins"],
    }


def claims_params(config: dict, scale: str) -> dict:
    """The ``energy_claims`` rule's params (config slices), also used to re-derive a published ledger."""
    E, ES = config["energy"], config["scales"][scale]["energy"]
    stride = ES.get("grid_snapshot_stride", 1)
    return {
        "scale": scale,
        "min_acc": E["claims"]["min_test_acc"][scale],
        "criteria": criteria(config),
        "estimator": E["estimator"],
        "max_factor": E["instrument"]["max_factor"],
        "max_extensions": config["lr_selection"]["max_extensions"],
        "grid_note": (
            f"the grid's readings, its own primary cell included, on every {stride}th of the {ES['n_snapshots']} "
            f"snapshots (scales.{scale}.energy.grid_snapshot_stride; the primary rows above on all of them)"
            if stride > 1
            else ""
        ),
    }


# ------------------------------------------------------------------ training robustness (one change at a time)
DEFAULT = "default"


def robustness_variants(E: dict) -> dict:
    """name -> {setting, value, retrain (optimizers whose runs are retrained; all for a width change),
    lr_factor {opt: f}, opt_cfg {opt: cfg}, width, probe_factor}. The default (no change) is included."""
    R, opts = E["robustness"], list(E["optimizers"])
    base = {"retrain": [], "lr_factor": {}, "opt_cfg": {}, "width": E["width"], "probe_factor": 1}
    out = {DEFAULT: {**base, "setting": DEFAULT, "value": ""}}
    for opt in opts:
        for f in R["lr_factors"]:
            out[f"lr_{opt}_x{f:g}"] = {
                **base,
                "setting": f"lr {opt}",
                "value": f"x{f:g}",
                "retrain": [opt],
                "lr_factor": {opt: f},
            }
    if "muon" in opts:
        for b in R["muon_aux_betas"]:
            cfg = copy.deepcopy(E["optimizers"]["muon"])
            cfg.setdefault("aux_adamw", {})["betas"] = list(b)
            out[f"muon_aux_betas_{b[0]:g}_{b[1]:g}"] = {
                **base,
                "setting": "muon aux AdamW betas",
                "value": f"({b[0]:g}, {b[1]:g})",
                "retrain": ["muon"],
                "opt_cfg": {"muon": cfg},
            }
    for k in R["probe_size_factors"]:
        out[f"probe_x{k:g}"] = {**base, "setting": "probe size", "value": f"x{k:g}", "probe_factor": k}
    for w in R["widths"]:
        out[f"width_{w}"] = {**base, "setting": "width", "value": str(w), "retrain": opts, "width": w}
    return out


def variant_prefix(variant: dict, name: str, opt: str, stage: str, out: str) -> str:
    """The results folder of a variant's ``stage`` ("train" or "extract") of ``opt``'s runs: the variant's own
    (``<out>energy/robustness/<name>``) where the change touches that stage, else the default runs'
    (``<out>energy``); ``out`` is the scale's output root (``OUT`` of workflow/rules/common.smk)."""
    if stage not in ("train", "extract"):
        raise ValueError(f"stage must be train or extract, got {stage!r}")
    changed = opt in variant["retrain"] or (stage == "extract" and variant["probe_factor"] != 1)
    return f"{out}energy/robustness/{name}" if changed else f"{out}energy"


def variant_inputs(variants: dict, name: str, runs, out: str) -> dict:
    """The per-run files a variant's verdicts are computed from (``runs``: (arch, optimizer, seed) triples):
    summaries, per_modes, logs (extraction), histories, metas (training), each from ``variant_prefix``
    under the output root ``out``."""
    v = variants[name]
    files = {"summaries": [], "per_modes": [], "logs": [], "histories": [], "metas": []}
    for arch, opt, seed in runs:
        run = f"{arch}_{opt}_s{seed}"
        x, t = variant_prefix(v, name, opt, "extract", out), variant_prefix(v, name, opt, "train", out)
        files["summaries"].append(f"{x}/extract/{run}.json")
        files["per_modes"].append(f"{x}/per_mode/{run}.parquet")
        files["logs"].append(f"{x}/extract/{run}_logs.parquet")
        files["histories"].append(f"{t}/runs/{run}/history.csv")
        files["metas"].append(f"{t}/runs/{run}/meta.json")
    return files


def variant_pattern(variants: dict) -> str:
    """The ``{variant}`` wildcard's regex: exactly the variant names."""
    return "|".join(re.escape(v) for v in variants)


def variant_file(variants: dict, wildcards, stage: str, name: str, out: str) -> str:
    """A file of the run (``wildcards``: variant, arch, opt, seed) that a variant's ``stage`` reads from, under
    the output root ``out``."""
    w = wildcards
    prefix = variant_prefix(variants[w.variant], w.variant, w.opt, stage, out)
    return f"{prefix}/runs/{w.arch}_{w.opt}_s{w.seed}/{name}"


def variant_train_params(E: dict, variants: dict, wildcards) -> dict:
    """Rule energy_robust_train's per-job params (``wildcards``: variant, arch, opt): the model (the variant's
    width), the optimizer's config (the variant's where it changes it) and the lr factor (1 where it does not)."""
    v, opt = variants[wildcards.variant], wildcards.opt
    return {
        "model": model(E, wildcards.arch, v["width"]),
        "opt_cfg": v["opt_cfg"].get(opt, E["optimizers"][opt]),
        "lr_factor": v["lr_factor"].get(opt, 1.0),
    }


def variant_probe_size(ES: dict, variants: dict, wildcards) -> int:
    """Rule energy_robust_extract's probe size: the scale's, times the variant's factor."""
    return round(ES["probe_size"] * variants[wildcards.variant]["probe_factor"])
