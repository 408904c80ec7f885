"""Config views of the imbalanced paper's GPU-scale rules (``workflow/rules/imbalanced_gpu.smk``)."""

from __future__ import annotations

import json
from pathlib import Path

from muonrepro.imbalanced.gpu.status import raw_files as _raw_files
from muonrepro.pipeline import resources

METHOD_ONLY = ("model", "optimizers", "batch_size", "select_by", "optimizer_overrides")  # not read by the build
RUN_ONLY = ("epochs", "minutes_per_epoch", "bert", "model")  # scale keys the dataset build does not read
# ours: host memory at paper scale holds a whole dataset (CelebA at 128 px is ~10 GB of uint8) besides the model
MEM_MB = {"paper": 48000, "small": 4000}


def build_inputs(exp: str, IG: dict, pretrained_bert: bool, mnist: str) -> dict:
    """The raw files an experiment's dataset is built from (they exist: only such experiments get jobs), and
    the prepared MNIST tensors ``mnist`` for the dominoes."""
    return {
        "raw": [str(p) for p in _raw_files(exp, IG["data"], pretrained_bert)],
        **({"mnist": mnist} if exp == "dominoes" else {}),
    }


def build_config(exp: str, IG: dict, IGS: dict) -> tuple[dict, dict]:
    """(method settings, sizes) that the dataset build reads: a change to the rest does not rebuild it."""
    return (
        {k: v for k, v in IG[exp].items() if k not in METHOD_ONLY},
        {k: v for k, v in IGS[exp].items() if k not in RUN_ONLY},
    )


def run_files(exp: str, IG: dict, IGS: dict, suffix: str, out: str) -> list[str]:
    """The training runs' files of one experiment under the output root ``out``."""
    return [f"{out}imbalanced/gpu/{exp}/runs/{o}_seed{s}.{suffix}" for o in IG[exp]["optimizers"] for s in IGS["seeds"]]


def sizes(exp: str, IGS: dict) -> dict:
    return {**IGS[exp], "evals_per_epoch": IGS["evals_per_epoch"]}


def minutes_per_epoch(exp: str, IGS: dict) -> float:
    return IGS[exp].get("minutes_per_epoch", IGS["minutes_per_epoch"])


def train_resources(scale: str, IGS: dict) -> dict:
    r = resources.training(
        scale, lambda wc: IGS[wc.exp]["epochs"], minutes_per_epoch=lambda wc: minutes_per_epoch(wc.exp, IGS)
    )
    return {**r, "mem_mb": lambda wildcards, attempt: MEM_MB[scale] * attempt}


def lr_grid(exp: str, opt: str, IGS: dict) -> list[float]:
    """The scale's lr grid of one (experiment, optimizer); [] keeps the configured lr."""
    return list(IGS.get("lr_grid", {}).get(exp, {}).get(opt, []))


def tune_files(exp: str, opt: str, grid: list[float], out: str) -> list[str]:
    """The lr-tuning jobs' outputs of one (experiment, optimizer) under the output root ``out``: one job per lr
    of ``grid`` when it has >= 2 lrs (``lr_grid``, or ``extended_grid``)."""
    return [f"{out}imbalanced/gpu/{exp}/tune/{opt}_lr{float(lr)!r}.json" for lr in grid] if len(grid) > 1 else []


def round_next(path) -> float | None:
    """The next lr a round of the grid-edge rule names in its output (``imbalanced_gpu_lr_round``), None if interior."""
    return json.loads(Path(path).read_text())["next"]


def extended_grid(grid: list[float], rounds: int, next_lr) -> list[float]:
    """``grid`` after ``rounds`` rounds of the grid-edge rule (``training.lr_select``): ``next_lr(r)`` is round r's
    lr past the edge (None: its choice is interior, and later rounds are never asked for). On Snakemake, round r is
    a checkpoint job (``imbalanced_gpu_lr_round``) that chooses among the lrs tuned so far."""
    grid = sorted(float(g) for g in grid)
    for r in range(rounds if len(grid) > 1 else 0):
        nxt = next_lr(r)
        if nxt is None:
            break
        grid = sorted([*grid, float(nxt)])
    return grid


def tune_resources(scale: str, IGS: dict) -> dict:
    """One lr of the grid for ``tune_epochs`` (one job per lr: the grid runs in parallel on a cluster)."""
    r = resources.training(scale, IGS["tune_epochs"], minutes_per_epoch=lambda wc: minutes_per_epoch(wc.exp, IGS))
    return {**r, "mem_mb": lambda wildcards, attempt: MEM_MB[scale] * attempt}


# ours: upper bounds of the tensors a dataset build holds (uint8 images, int64 tokens), in MB, from the
# sizes the build reads (None: the whole split); the build job asks for twice that plus 4 GB for Python,
# torch and the decoder
FULL = {"celeba": 202_599, "cifar": 60_000, "multinli_pairs": 412_349, "tinystories_tokens": 480_000_000}


def dataset_mb(exp: str, IGS: dict) -> float:
    s = IGS[exp]
    if exp == "celeba":
        n = sum(v for v in (s.get("n_train"), s.get("n_val"), s.get("n_test")) if v) or FULL["celeba"]
        return min(n, FULL["celeba"]) * 3 * s["image_size"] ** 2 / 1e6
    if exp in ("cifar10", "cifar100"):
        return FULL["cifar"] * 3 * 32 * 32 / 1e6
    if exp == "dominoes":
        return 2 * FULL["cifar"] * 3 * 64 * 32 / 1e6  # CIFAR over MNIST, 64x32, a bound
    if exp == "multinli":
        return FULL["multinli_pairs"] * s["max_len"] * 8 * 3 / 1e6  # ids, segments, mask (int64)
    if exp == "tinystories":
        return (s.get("n_train_tokens") or FULL["tinystories_tokens"]) * 8 * 2 / 1e6  # tokens + a copy while read
    raise ValueError(f"unknown experiment {exp!r}")


def build_resources(scale: str, IGS: dict) -> dict:
    """The dataset build: memory from the dataset's size (a CelebA build at 128 px holds ~10 GB), CPU only."""
    minutes = 120 if scale == "paper" else 30
    return {
        "gpu": 0,
        "mem_mb": lambda wildcards, attempt: int(4000 + 2 * dataset_mb(wildcards.exp, IGS)) * attempt,
        "runtime": lambda wildcards, attempt: minutes * attempt,
    }
