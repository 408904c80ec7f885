"""The jobs of the imbalanced paper's CPU rules: ``<what>_job(smk)`` is rule ``imbalanced_<what>``'s (its script
``workflow/scripts/imbalanced/<what>.py`` calls it with the ``snakemake`` object; ``smk``: anything with its
``input``, ``output``, ``params``, ``wildcards``, ``threads``). Each runs one stage and writes its files atomically,
with run metadata (config slice, seed, versions, git commit). ``claims_from_inputs`` and ``claims_stage`` are the
ledger's from plain arguments (also for a published ledger's re-derivation, ``ledger.publish``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from muonrepro.data.colored_mnist import build_colored_mnist
from muonrepro.imbalanced.claims import build_claims
from muonrepro.imbalanced.cmnist import run_cmnist
from muonrepro.imbalanced.curves import LINEAR_CE_GROUPS, cmnist_choice, linear_ce_choice, merge_curves
from muonrepro.imbalanced.gpu.claims import build_claims as build_gpu_claims
from muonrepro.imbalanced.linear_ce import run_linear_ce
from muonrepro.imbalanced.theory.checks import run_theory
from muonrepro.ledger import write_claims
from muonrepro.training.checkpoint import discard_checkpoint
from muonrepro.training.lr_select import edge_claim, extend_grid
from muonrepro.util.device import resolve_device
from muonrepro.util.io import (
    atomic_torch_save,
    atomic_write_csv,
    atomic_write_json,
    atomic_write_parquet,
    load_tensors,
)
from muonrepro.util.meta import run_metadata


def theory_job(smk) -> None:
    """Rule imbalanced_theory: every theory check (claims 1-10, float64) of ``params.cfg`` at ``params.sizes``.
    Outputs: checks, depth, trajectories, paths, sweep, meta."""
    torch.set_num_threads(smk.threads)
    cfg, sizes, out = smk.params.cfg, smk.params.sizes, smk.output
    res = run_theory(cfg, sizes)
    atomic_write_csv(res["checks"], out.checks)
    atomic_write_csv(res["depth"], out.depth)
    for key in ("trajectories", "paths", "sweep"):
        atomic_write_parquet(res[key], getattr(out, key))
    atomic_write_json(run_metadata({"theory": cfg, "sizes": sizes}, cfg["seed"], "cpu"), out.meta)


def linear_ce_job(smk) -> None:
    """Rule imbalanced_linear_ce: the Fig. 4 linear cross-entropy model (``params.cfg`` at ``params.sizes``), every
    rule x lr of ``cfg.lr_grid`` for every seed of ``params.seeds``; a rule whose choice
    (``curves.linear_ce_choice``, either claim metric) lies at its grid's edge gets one more lr past it, for every
    seed, up to ``params.max_extensions`` times (``training.lr_select.extend_grid``). Outputs: curves, meta (one
    path per seed)."""
    torch.set_num_threads(smk.threads)
    p = smk.params
    cfg, sizes, seeds, max_extensions = p.cfg, p.sizes, [int(s) for s in p.seeds], p.max_extensions
    frames: dict[int, list[pd.DataFrame]] = {s: [] for s in seeds}
    trained: dict[str, list[float]] = {}
    for rule, grid in cfg["lr_grid"].items():
        trained[rule] = []

        def train(lrs, rule=rule):
            new = [lr for lr in lrs if lr not in trained[rule]]
            for seed in seeds if new else []:
                frames[seed].append(
                    run_linear_ce(
                        cfg["d"],
                        cfg["k"],
                        cfg["mu"],
                        cfg["sigma_x"],
                        sizes["n_train"],
                        sizes["n_test"],
                        sizes["steps"],
                        sizes["n_eval"],
                        {rule: new},
                        seed,
                        sizes["n_val"],
                    )
                )
            trained[rule] += new

        for group in LINEAR_CE_GROUPS:

            def chosen(lrs, rule=rule, group=group):
                df = pd.concat([f for fs in frames.values() for f in fs], ignore_index=True)
                lr = linear_ce_choice(df[df["lr"].isin(lrs)], rule, group)["lr"]
                return None if np.isnan(lr) else lr

            grid, _ = extend_grid(grid, train, chosen, max_extensions)  # one lr: nothing to extend
    for seed, curves, meta in zip(seeds, smk.output.curves, smk.output.meta, strict=True):
        atomic_write_parquet(pd.concat(frames[seed], ignore_index=True), curves)
        config = {"linear_ce": cfg, "sizes": sizes, "lrs_trained": {r: sorted(v) for r, v in trained.items()}}
        atomic_write_json(run_metadata(config, seed, "cpu"), meta)


def cmnist_data_job(smk) -> None:
    """Rule imbalanced_cmnist_data: the Colored-MNIST subsets and colour draws (``params.cfg`` at ``params.sizes``)
    from the prepared MNIST tensors ``input.mnist``."""
    cfg, sizes = smk.params.cfg, smk.params.sizes
    mnist = load_tensors(smk.input.mnist, map_location="cpu")
    data = build_colored_mnist(
        mnist,
        sizes["n_train"],
        sizes["n_val"],
        sizes["n_test"],
        cfg["correlation"],
        cfg["data_seed"],
        cfg.get("palette"),
    )
    atomic_torch_save(data, smk.output[0])


def cmnist_train_job(smk) -> None:
    """Rule imbalanced_cmnist_train: one (depth ``wildcards.layers``, optimizer ``wildcards.imb_opt``)'s
    Colored-MNIST MLPs (``params.cfg`` at ``params.sizes``) on ``input.data``, every seed of ``params.seeds``
    and lr of the grid, on ``params.device``. Outputs: curves, meta (one path per seed).

    The lr grid is ``sizes.lr_grid[optimizer]`` or the optimizer's configured lr; a choice at the grid's edge
    (``curves.cmnist_choice`` over the first ``params.early_fraction`` of the run) gets one more lr past it, up to
    ``params.max_extensions`` times (``training.lr_select.extend_grid``). ``sizes.tune_seeds``: ``all`` (every seed
    trains every lr for the whole run), or ``first`` (``cmnist_tuning``: the first seed trains every lr for the
    early window only, rows marked ``tuning``; then every seed trains the chosen lr). ``params.checkpoint``: path
    prefix of the runs' resumable checkpoints (None: none; removed once the outputs are written), matched on the
    package sources ``input.code``."""
    torch.set_num_threads(smk.threads)
    wc, p = smk.wildcards, smk.params
    data_path, code, cfg, sizes = smk.input.data, smk.input.code, p.cfg, p.sizes
    layers, optimizer, seeds = int(wc.layers), wc.imb_opt, [int(s) for s in p.seeds]
    checkpoint, early_fraction, max_extensions = p.checkpoint, p.early_fraction, p.max_extensions
    dev = resolve_device(p.device)
    data = load_tensors(data_path, map_location="cpu")
    opt_cfg = cfg["optimizers"][optimizer]
    grid = sizes.get("lr_grid", {}).get(optimizer) or [opt_cfg["lr"]]
    frames: dict[int, list[pd.DataFrame]] = {s: [] for s in seeds}

    def ckpt(seed):
        return f"{checkpoint}_seed{seed}" if checkpoint else None

    tune_epochs = cmnist_tuning(sizes, grid, early_fraction)

    def run(seed, lrs, epochs):
        tuning = epochs != sizes["epochs"]
        df = run_cmnist(
            data,
            layers,
            sizes["width"],
            optimizer,
            opt_cfg,
            lrs,
            epochs,
            cfg["batch_size"],
            seed,
            sizes["eval_every"],
            dev,
            cfg["bias"],
            sizes.get("log_evals", 0),
            checkpoint=ckpt(seed) + ("_tuning" if tuning else "") if checkpoint else None,
            code=code,
            data_files=[data_path],
        )
        df["tuning"] = tuning
        frames[seed].append(df)

    def train(lrs):
        for seed in seeds[:1] if tune_epochs else seeds:
            run(seed, lrs, tune_epochs or sizes["epochs"])

    def chosen(lrs):
        df = pd.concat([f for fs in frames.values() for f in fs], ignore_index=True)
        return cmnist_choice(df[df["lr"].isin(lrs)], early_fraction)[0]

    lrs, _ = extend_grid(grid, train, chosen, max_extensions)  # one lr: nothing to extend
    if tune_epochs and (lr := chosen(lrs)) is not None:
        for seed in seeds:
            run(seed, [lr], sizes["epochs"])
    for seed, curves, meta in zip(seeds, smk.output.curves, smk.output.meta, strict=True):
        atomic_write_parquet(pd.concat(frames[seed], ignore_index=True), curves)
        config = {"cmnist": cfg, "sizes": sizes, "layers": layers, "optimizer": optimizer, "lrs": lrs}
        atomic_write_json(run_metadata(config, seed, str(dev)), meta)
        for lr in lrs if checkpoint else []:
            discard_checkpoint(f"{ckpt(seed)}_lr{lr:g}.pt")
            discard_checkpoint(f"{ckpt(seed)}_tuning_lr{lr:g}.pt")


def cmnist_tuning(sizes: dict, grid: list[float], early_fraction: float) -> int:
    """Epochs of the first seed's tuning runs under ``sizes.tune_seeds: first`` (0: every seed trains every lr for the
    whole run, as under ``all`` or with one lr). They last the early window the choice scores (the first
    ``early_fraction`` of the whole run's steps), so their score is the whole run's; the window must be whole epochs."""
    if sizes.get("tune_seeds", "all") == "all" or len(grid) < 2:
        return 0
    epochs = early_fraction * sizes["epochs"]
    if abs(epochs - round(epochs)) > 1e-9 or round(epochs) < 1:
        raise ValueError(
            f"tune_seeds: first needs the early window (imbalanced.claims.early_fraction {early_fraction:g} x "
            f"epochs {sizes['epochs']}) to be a whole number of epochs, got {epochs:g}"
        )
    return round(epochs)


def cmnist_job_epochs(sizes: dict, grid: list[float], early_fraction: float) -> int:
    """Epochs one (depth, optimizer) job trains before any grid extension (its runtime estimate)."""
    tune = cmnist_tuning(sizes, grid, early_fraction)
    seeds = len(sizes["seeds"])
    return tune * len(grid) + sizes["epochs"] * seeds if tune else sizes["epochs"] * seeds * len(grid)


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


def claims_job(smk) -> None:
    """Rule imbalanced_claims: the paper's ledger (``claims_from_inputs``), printed to the log."""
    print(claims_from_inputs(smk.input, dict(smk.params), smk.output[0]).to_string())


def claims_from_inputs(inputs, p: dict, out: str | Path) -> pd.DataFrame:
    """The claims rule's ledger from its input files (``checks``, ``curves``, ``selection``, ``gpu_status``, ``gpu_metrics``,
    ``gpu_skipped``) and ``rules.claims_params``."""
    gpu = {
        "status": inputs["gpu_status"],
        "metrics": inputs["gpu_metrics"],
        "skipped": inputs["gpu_skipped"],
        "cfg": p["gpu_cfg"],
        "model_notes": p["model_notes"],
    }
    return claims_stage(
        inputs["checks"],
        inputs["curves"],
        p["cfg"],
        p["scale"],
        p["stats"],
        gpu,
        out,
        inputs["selection"],
        p["max_extensions"],
    )


def claims_stage(
    checks: str,
    curves: str,
    cfg: dict,
    scale: str,
    stats: dict,
    gpu: dict,
    out: str | Path,
    selection: str | None = None,
    max_extensions: int = 0,
) -> pd.DataFrame:
    """The paper's ledger: theory and CPU rows (items 1-12, 17), the sanity row of the tuned lrs (``selection``:
    lr_selection.csv), then the GPU-scale rows (13-16); the empirical rows judged over seeds with ``stats`` (the
    top-level block: ``level``, ``min_seeds``).
    ``gpu``: ``status`` (data_status.json), ``metrics`` / ``skipped`` (per experiment that ran: files in
    ``imbalanced/gpu/<exp>/`` under the output root), ``cfg`` (``imbalanced_gpu.claims``) and ``model_notes``."""
    rows = build_claims(pd.read_csv(checks), pd.read_parquet(curves), cfg, scale, stats)
    if selection is not None:
        sel = pd.read_csv(selection, keep_default_na=False)
        choices = {
            f"{r.experiment}/{r.optimizer}/{r.group}": {
                "tuned": r.edge != "not tuned",
                "edge": r.edge,
                "grid": [float(x) for x in str(r.grid).split("; ")],
            }
            for r in sel.itertuples()
        }
        rows.append(edge_claim("imbalanced", scale, choices, max_extensions, "imbalanced/lr_selection.csv"))
    status = json.loads(Path(gpu["status"]).read_text())
    metrics = {Path(f).parent.name: pd.read_parquet(f) for f in gpu["metrics"]}
    skipped = {Path(f).parent.name: json.loads(Path(f).read_text()) for f in gpu["skipped"]}
    rows += build_gpu_claims(status, metrics, skipped, gpu["cfg"], scale, stats, gpu["model_notes"])
    return write_claims(rows, out)
