"""Cross-field rules of the config: pairs of keys that are valid one by one (the JSON schema checks that)
but give meaningless numbers, silently dropped rows or a late failure together. Each rule takes the
schema-valid config (defaults filled in) and returns one line per problem, naming every key involved and
what to do. ``config_checks.check_config`` runs them all at parse time.

Every scale preset is checked, not only the selected one: a preset is a config like any other.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

LINEAR_CE_RULES = ("gd", "ngd", "signgd", "specgd")  # imbalanced.theory.dynamics.nsd_direction
MNIST_TRAIN = 60000  # images in the MNIST training set (Colored-MNIST carves train and val from it)
PRIMARY_FIXED = {  # the parts of the primary reading (energy.rules.primary_reading) not set in energy.estimator
    "mode_identity": "rank",
    "energy": "cumulative",
    "tail_binning": "time_avg",
    "gini_variant": "plain",
}


def key_path(path) -> str:
    """("energy", "optimizers", "sgd", "lr") -> "energy.optimizers.sgd.lr"; list indices as [i]."""
    out = ""
    for k in path:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else str(k))
    return out


def _v(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _per_scale(config: dict, paper: str) -> Iterator[tuple[str, dict]]:
    for name, preset in (config.get("scales") or {}).items():
        if isinstance(preset, dict) and paper in preset:
            yield name, preset[paper]


# ------------------------------------------------------------------------------------------------ energy
def energy_tail_bins(config: dict) -> list[str]:
    tail, bins = config["energy"]["claims"]["tail_bins"], config["energy"]["estimator"]["n_deciles"]
    if tail < bins:
        return []
    return [
        f"energy.claims.tail_bins = {tail} must be < energy.estimator.n_deciles = {bins} (the tail is the lowest "
        f"tail_bins of the n_deciles curvature bins, compared with the other bins; with none left the verdict "
        f"is computed from NaN): lower tail_bins or raise n_deciles"
    ]


def energy_sensitivity_retention(config: dict) -> list[str]:
    g = config["energy"].get("sensitivity")
    if g is None or g["thresholds"] or g["damping"]:
        return []
    return [
        "energy.sensitivity.thresholds and energy.sensitivity.damping are both empty: the sensitivity grid has no "
        "mode retention, so every per-mode reading (and its rows) would vanish: give at least one threshold "
        "(e.g. thresholds: [1.0e-8]) or damping value"
    ]


def energy_primary_in_sensitivity(config: dict) -> list[str]:
    """The sensitivity summary reports the primary reading's verdict next to the grid's: the grid must hold it."""
    E = config["energy"]
    g = E.get("sensitivity")
    if g is None:
        return []
    est, out = E["estimator"], []
    if est["sigma_delta"] not in g["sigma_delta"]:
        out.append(
            f"energy.estimator.sigma_delta = {est['sigma_delta']} is not in energy.sensitivity.sigma_delta = "
            f"{g['sigma_delta']}: the primary reading must be one of the sensitivity grid's (add it there)"
        )
    if f"{est['rel_threshold']:g}" not in {f"{t:g}" for t in g["thresholds"]}:
        out.append(
            f"energy.estimator.rel_threshold = {est['rel_threshold']:g} is not in energy.sensitivity.thresholds = "
            f"[{', '.join(_v(t) for t in g['thresholds'])}]: the primary reading must be one of the sensitivity "
            f"grid's (add it there)"
        )
    for key, value in PRIMARY_FIXED.items():
        if value not in g[key]:
            out.append(
                f"energy.sensitivity.{key} = {g[key]} lacks {value!r}, part of the primary reading "
                f"(energy.estimator): add it"
            )
    return out


def energy_validation_split(config: dict) -> list[str]:
    out = []
    for s, ES in _per_scale(config, "energy"):
        if ES["val_size"] >= ES["n_train"]:
            out.append(
                f"scales.{s}.energy.val_size = {ES['val_size']} must be < scales.{s}.energy.n_train = "
                f"{ES['n_train']} (the validation split is carved from the first n_train training images)"
            )
    return out


def energy_snapshots(config: dict) -> list[str]:
    """More snapshots than a run has steps would silently become every step (``log_spaced_steps``)."""
    out = []
    batch = config["energy"]["batch_size"]
    for s, ES in _per_scale(config, "energy"):
        steps = ES["epochs"] * math.ceil(ES["n_train"] / batch)
        if ES["n_snapshots"] > steps + 1:
            out.append(
                f"scales.{s}.energy.n_snapshots = {ES['n_snapshots']} is more than the {steps + 1} steps (0 .. "
                f"{steps}) a run of scales.{s}.energy.epochs = {ES['epochs']} x ceil(n_train / energy.batch_size) "
                f"has: the run would silently log every step instead; lower n_snapshots or train longer"
            )
    return out


def stats_min_seeds(config: dict) -> list[str]:
    """A seeds list shorter than stats.min_seeds makes every verdict it feeds inconclusive, whatever it measures."""
    need, out = config["stats"]["min_seeds"], []
    for name, preset in (config.get("scales") or {}).items():
        for where, seeds in _seed_lists(preset):
            if len(seeds) < need:
                out.append(
                    f"scales.{name}.{where}.seeds = {seeds} has {len(seeds)} seed(s), fewer than stats.min_seeds = "
                    f"{need}: every verdict judged over these seeds would be inconclusive whatever it measures; add "
                    f"seeds, or lower stats.min_seeds for a deliberate smoke run"
                )
    return out


def _seed_lists(preset: dict) -> Iterator[tuple[str, list]]:
    """(key path, seeds) of every seeds list in a scale preset (a paper's, or one level down)."""
    for paper, sub in preset.items():
        if not isinstance(sub, dict):
            continue
        if isinstance(sub.get("seeds"), list):
            yield paper, sub["seeds"]
        for part, inner in sub.items():
            if isinstance(inner, dict) and isinstance(inner.get("seeds"), list):
                yield f"{paper}.{part}", inner["seeds"]


def energy_lr_grid(config: dict) -> list[str]:
    """An lr grid names configured optimizers; a grid of >= 2 lrs is tuned (tune_epochs >= 1) on a
    validation split (val_size >= 1; with 0 the lr would be chosen on the test set)."""
    out, opts = [], list(config["energy"]["optimizers"])
    for s, ES in _per_scale(config, "energy"):
        grid = ES.get("lr_grid") or {}
        unknown = [o for o in grid if o not in opts]
        if unknown:
            out.append(
                f"scales.{s}.energy.lr_grid names {unknown}, not among energy.optimizers {opts}: its grid would "
                f"be silently unused; rename or remove it"
            )
        tuned = [o for o, lrs in grid.items() if o in opts and len(lrs) >= 2]
        if tuned and ES["tune_epochs"] == 0:
            out.append(
                f"scales.{s}.energy.lr_grid has several lrs for {tuned} but scales.{s}.energy.tune_epochs = 0: "
                f"nothing would be tuned (the smallest lr would be taken): set tune_epochs >= 1 or give one lr"
            )
        elif tuned and ES["val_size"] == 0:
            out.append(
                f"scales.{s}.energy.lr_grid tunes {tuned} with scales.{s}.energy.val_size = 0: the lr would be "
                f"chosen on the test set; set val_size >= 1 (a validation split carved from the training images)"
            )
    return out


# ------------------------------------------------------------------------------------------------ precond
def precond_kappas(config: dict) -> list[str]:
    P, out = config.get("precond"), []
    if P is None:
        return out
    plot, a6 = P["ablation"]["kappa_plot"], P["claims"]["A6"]["kappa"]
    for s, PS in _per_scale(config, "precond"):
        if plot not in PS["ablation_kappas"]:
            out.append(
                f"precond.ablation.kappa_plot = {plot} is not in scales.{s}.precond.ablation_kappas = "
                f"{PS['ablation_kappas']}: the R7 figure would silently show another kappa; pick one of them"
            )
        if a6 not in PS["kappas"]:
            out.append(
                f"precond.claims.A6.kappa = {_v(a6)} is not in scales.{s}.precond.kappas = {PS['kappas']}: "
                f"claim A6 would never be judged (not_run); pick one of the swept kappas"
            )
    return out


def precond_ranks(config: dict) -> list[str]:
    out = []
    for s, PS in _per_scale(config, "precond"):
        for name in ("mf", "ns5", "decouple_mf"):
            if PS[name]["r"] > PS[name]["d"]:
                out.append(
                    f"scales.{s}.precond.{name}.r = {PS[name]['r']} must be <= scales.{s}.precond.{name}.d = "
                    f"{PS[name]['d']} (a rank-r target in d dimensions)"
                )
        a = PS["mf_asym"]
        if a["r"] > min(a["d1"], a["d2"]):
            out.append(
                f"scales.{s}.precond.mf_asym.r = {a['r']} must be <= min(scales.{s}.precond.mf_asym.d1, d2) = "
                f"{min(a['d1'], a['d2'])}"
            )
    return out


def precond_ranges(config: dict) -> list[str]:
    P, out = config.get("precond"), []
    if P is None:
        return out
    for claim, lo, hi in (("A1", "err_lo", "err_hi"), ("A5", "ratio_lo", "ratio_hi")):
        c = P["claims"][claim]
        if not c[lo] < c[hi]:
            out.append(
                f"precond.claims.{claim}.{lo} = {_v(c[lo])} must be < precond.claims.{claim}.{hi} = {_v(c[hi])} "
                f"(the two ends of one range)"
            )
    return out


# ------------------------------------------------------------------------------------------------ imbalanced
def imbalanced_cmnist(config: dict) -> list[str]:
    imb, out = config.get("imbalanced"), []
    if imb is None:
        return out
    depths, opts = imb["cmnist"]["depths"], list(imb["cmnist"]["optimizers"])
    depth = imb["claims"]["claim_depth"]
    if depth not in depths:
        out.append(
            f"imbalanced.claims.claim_depth = {depth} is not in imbalanced.cmnist.depths = {depths}: claim 12 "
            f"would have no runs to judge; pick one of the trained depths"
        )
    unknown = [r for r in imb["linear_ce"]["lr_grid"] if r not in LINEAR_CE_RULES]
    if unknown:
        out.append(
            f"imbalanced.linear_ce.lr_grid names {unknown}: the linear model's update rules are {list(LINEAR_CE_RULES)}"
        )
    for s, IS in _per_scale(config, "imbalanced"):
        c = IS["cmnist"]
        if c["n_train"] + c["n_val"] > MNIST_TRAIN:
            out.append(
                f"scales.{s}.imbalanced.cmnist.n_train + n_val = {c['n_train']} + {c['n_val']} exceeds the "
                f"{MNIST_TRAIN} MNIST training images both are drawn from: lower one of them"
            )
        unknown = [o for o in c.get("lr_grid") or {} if o not in opts]
        if unknown:
            out.append(
                f"scales.{s}.imbalanced.cmnist.lr_grid names {unknown}, not among imbalanced.cmnist.optimizers "
                f"{opts}: its grid would be silently unused; rename or remove it"
            )
        window = imb["claims"]["early_fraction"] * c["epochs"]
        if c.get("tune_seeds", "all") == "first" and (abs(window - round(window)) > 1e-9 or round(window) < 1):
            out.append(
                f"scales.{s}.imbalanced.cmnist.tune_seeds = first tunes over the early window, "
                f"imbalanced.claims.early_fraction x epochs = {window:g} epochs: make it a whole number >= 1"
            )
    return out


def imbalanced_gpu(config: dict) -> list[str]:
    IG, out = config.get("imbalanced_gpu"), []
    if IG is None:
        return out
    n_buckets, claims = IG["tinystories"]["n_buckets"], IG["claims"]
    for key in ("rare_buckets", "frequent_buckets"):
        bad = [b for b in claims[key] if b >= n_buckets]
        if bad:
            out.append(
                f"imbalanced_gpu.claims.{key} = {claims[key]} has buckets {bad} >= imbalanced_gpu.tinystories."
                f"n_buckets = {n_buckets} (buckets are numbered 0 .. n_buckets - 1)"
            )
    both = sorted(set(claims["rare_buckets"]) & set(claims["frequent_buckets"]))
    if both:
        out.append(
            f"imbalanced_gpu.claims.rare_buckets and frequent_buckets share {both}: a bucket is rare or frequent"
        )
    big = [c for c in IG["cifar10"]["minority"] if c >= 10]
    if big:
        out.append(f"imbalanced_gpu.cifar10.minority = {IG['cifar10']['minority']} has classes {big} >= 10 (CIFAR-10)")
    for key in ("cifar_classes", "digits"):
        pair = IG["dominoes"][key]
        if pair[0] == pair[1]:
            out.append(f"imbalanced_gpu.dominoes.{key} = {pair}: the two classes must differ")
    for s, IGS in _per_scale(config, "imbalanced_gpu"):
        for exp, grid in (IGS.get("lr_grid") or {}).items():
            tuned = [o for o, lrs in grid.items() if o in IG[exp]["optimizers"] and len(lrs) >= 2]
            if tuned and IGS["tune_epochs"] == 0:
                out.append(
                    f"scales.{s}.imbalanced_gpu.lr_grid.{exp} has several lrs for {tuned} but scales.{s}."
                    f"imbalanced_gpu.tune_epochs = 0: the lr would be chosen on untrained models; set tune_epochs >= 1"
                )
            if tuned and exp in ("cifar10", "cifar100") and IGS[exp].get("n_val_per_class", 0) == 0:
                out.append(
                    f"scales.{s}.imbalanced_gpu.lr_grid.{exp} tunes {tuned} but scales.{s}.imbalanced_gpu.{exp}."
                    f"n_val_per_class = 0: there is no validation split to choose the lr on; set it >= 1"
                )
    return out


RULES: tuple[Callable[[dict], list[str]], ...] = (
    energy_tail_bins,
    energy_sensitivity_retention,
    energy_primary_in_sensitivity,
    energy_validation_split,
    energy_snapshots,
    energy_lr_grid,
    precond_kappas,
    precond_ranks,
    precond_ranges,
    imbalanced_cmnist,
    imbalanced_gpu,
    stats_min_seeds,
)


def cross_field_problems(config: dict) -> list[str]:
    return [p for rule in RULES for p in rule(config)]
