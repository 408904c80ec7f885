"""Entry points of the workflow scripts ``workflow/scripts/imbalanced_*.py``: each runs one stage
and writes its files atomically, with run metadata (config slice, seed, versions, git commit)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from muonrepro.data.colored_mnist import build_colored_mnist
from muonrepro.imbalanced.claims import build_claims
from muonrepro.imbalanced.cmnist import run_cmnist
from muonrepro.imbalanced.curves import merge_curves
from muonrepro.imbalanced.gpu.claims import build_claims as build_gpu_claims
from muonrepro.imbalanced.linear_ce import run_linear_ce
from muonrepro.imbalanced.theory.checks import run_theory
from muonrepro.ledger import write_claims
from muonrepro.training.checkpoint import discard_checkpoint
from muonrepro.util.device import resolve_device
from muonrepro.util.io import (
    atomic_torch_save,
    atomic_write_csv,
    atomic_write_json,
    atomic_write_parquet,
    load_tensors,
)
from muonrepro.util.meta import run_metadata


def theory_stage(cfg: dict, sizes: dict, out: dict) -> None:
    """out: checks, depth, trajectories, paths, sweep, meta."""
    res = run_theory(cfg, sizes)
    atomic_write_csv(res["checks"], out["checks"])
    atomic_write_csv(res["depth"], out["depth"])
    for key in ("trajectories", "paths", "sweep"):
        atomic_write_parquet(res[key], out[key])
    atomic_write_json(run_metadata({"theory": cfg, "sizes": sizes}, cfg["seed"], "cpu"), out["meta"])


def linear_ce_stage(cfg: dict, sizes: dict, seed: int, out: dict) -> None:
    """out: curves, meta."""
    df = run_linear_ce(
        cfg["d"],
        cfg["k"],
        cfg["mu"],
        cfg["sigma_x"],
        sizes["n_train"],
        sizes["n_test"],
        sizes["steps"],
        sizes["n_eval"],
        cfg["lr_grid"],
        seed,
        sizes["n_val"],
    )
    atomic_write_parquet(df, out["curves"])
    atomic_write_json(run_metadata({"linear_ce": cfg, "sizes": sizes}, seed, "cpu"), out["meta"])


def cmnist_data_stage(mnist_path: str, cfg: dict, sizes: dict, out: str) -> None:
    mnist = load_tensors(mnist_path, map_location="cpu")
    data = build_colored_mnist(
        mnist,
        sizes["n_train"],
        sizes["n_val"],
        sizes["n_test"],
        cfg["correlation"],
        cfg["data_seed"],
        cfg.get("palette"),
    )
    atomic_torch_save(data, out)


def cmnist_train_stage(
    data_path: str,
    cfg: dict,
    sizes: dict,
    layers: int,
    optimizer: str,
    seed: int,
    device: str,
    out: dict,
    checkpoint: str | None = None,
    code=(),
) -> None:
    """out: curves, meta. The lr grid is ``sizes.lr_grid[optimizer]`` or the optimizer's configured lr.
    ``checkpoint``: path prefix of the runs' resumable checkpoints (removed once the outputs are written)."""
    dev = resolve_device(device)
    data = load_tensors(data_path, map_location="cpu")
    opt_cfg = cfg["optimizers"][optimizer]
    lrs = sizes.get("lr_grid", {}).get(optimizer) or [opt_cfg["lr"]]
    df = run_cmnist(
        data,
        layers,
        sizes["width"],
        optimizer,
        opt_cfg,
        lrs,
        sizes["epochs"],
        cfg["batch_size"],
        seed,
        sizes["eval_every"],
        dev,
        cfg["bias"],
        sizes.get("log_evals", 0),
        checkpoint=checkpoint,
        code=code,
        data_files=[data_path],
    )
    atomic_write_parquet(df, out["curves"])
    meta = run_metadata(
        {"cmnist": cfg, "sizes": sizes, "layers": layers, "optimizer": optimizer, "lrs": lrs}, seed, str(dev)
    )
    atomic_write_json(meta, out["meta"])
    for lr in lrs if checkpoint else []:
        discard_checkpoint(f"{checkpoint}_lr{lr:g}.pt")


def curves_stage(trajectories: str, linear_ce: list[str], cmnist: list[str], early_fraction: float, out: dict) -> None:
    """out: curves, selection."""
    curves, selection = merge_curves(
        pd.read_parquet(trajectories),
        [pd.read_parquet(p) for p in linear_ce],
        [pd.read_parquet(p) for p in cmnist],
        early_fraction,
    )
    atomic_write_parquet(curves, out["curves"])
    atomic_write_csv(selection, out["selection"])


def claims_stage(
    checks: str, curves: str, cfg: dict, scale: str, stats: dict, gpu: dict, out: str | Path
) -> pd.DataFrame:
    """The paper's ledger: theory and CPU rows (items 1-12, 17), then the GPU-scale rows (13-16); the empirical
    rows judged over seeds with ``stats`` (the top-level block: ``level``, ``min_seeds``).
    ``gpu``: ``status`` (data_status.json), ``metrics`` / ``skipped`` (per experiment that ran: files in
    ``imbalanced/gpu/<exp>/`` under the output root), ``cfg`` (``imbalanced_gpu.claims``) and ``model_notes``."""
    rows = build_claims(pd.read_csv(checks), pd.read_parquet(curves), cfg, scale, stats)
    status = json.loads(Path(gpu["status"]).read_text())
    metrics = {Path(f).parent.name: pd.read_parquet(f) for f in gpu["metrics"]}
    skipped = {Path(f).parent.name: json.loads(Path(f).read_text()) for f in gpu["skipped"]}
    rows += build_gpu_claims(status, metrics, skipped, gpu["cfg"], scale, stats, gpu["model_notes"])
    return write_claims(rows, out)
