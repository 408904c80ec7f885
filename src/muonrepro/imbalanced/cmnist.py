"""Colored-MNIST training with per-group accuracy curves (spec §3 E1 / Fig. 6, §6; claims 12, 17).

An "L-layer MLP" has L linear layers (spec §6): ``MLP(depth=L - 1, width, in_dim=3*784)``. Optimizers
come from the shared registry (``muon``, ``sgd``, ``adam``, ``nmd``, ``signum``); Muon, NMD and Signum act
on the hidden matrices with AdamW on the head and biases.

Training runs on the one loop (``training.loop.fit``) with ``ColoredMnistTask``: per-group accuracies on
the validation and test sets (majority groups: colour = class colour; minority: the other 90) before
training, every ``eval_every`` steps and at ``log_evals`` log-spaced steps (dense early).
"""

from __future__ import annotations

import pandas as pd
import torch
import torch.nn.functional as F

from muonrepro.data.colored_mnist import N_CLASSES, colorize
from muonrepro.imbalanced.cmnist_schedule import cmnist_tuning
from muonrepro.imbalanced.curves import cmnist_choice
from muonrepro.models import MLP
from muonrepro.training.checkpoint import discard_checkpoint
from muonrepro.training.loop import FitSpec, every_and_log_spaced
from muonrepro.training.lr_select import extend_grid
from muonrepro.training.run import train_run
from muonrepro.util.device import resolve_device
from muonrepro.util.io import atomic_write_json, atomic_write_parquet, load_tensors
from muonrepro.util.meta import run_metadata

CHECKPOINT_SECONDS = 60.0  # ours: at most one checkpoint a minute (evaluations are frequent)
METRIC_GROUPS = ("minority", "majority", "worst_group", "average")


class Split:
    """Features, labels and group bookkeeping of one split, on the device."""

    def __init__(self, data: dict, split: str, device):
        self.x = colorize(data[f"{split}_x"], data[f"{split}_color"], data["palette"], device)
        self.y = data[f"{split}_y"].to(device)
        self.g = data[f"{split}_group"].to(device)
        self.count = torch.bincount(self.g, minlength=N_CLASSES**2)
        maj = torch.zeros(N_CLASSES**2, dtype=torch.bool, device=device)
        maj[torch.arange(N_CLASSES, device=device) * (N_CLASSES + 1)] = True
        self.majority, self.present = maj, self.count > 0


@torch.no_grad()
def group_metrics(model, split: Split, batch: int = 8192) -> dict[str, float]:
    """Mean accuracy over minority and over majority groups, worst-group and sample accuracy."""
    was = model.training
    model.eval()
    correct = torch.zeros(N_CLASSES**2, device=split.y.device)
    for i in range(0, len(split.y), batch):
        ok = (model(split.x[i : i + batch]).argmax(1) == split.y[i : i + batch]).float()
        correct.index_add_(0, split.g[i : i + batch], ok)
    model.train(was)
    acc = correct / split.count.clamp(min=1)
    mino, majo = split.present & ~split.majority, split.present & split.majority
    return {
        "minority": acc[mino].mean().item() if mino.any() else float("nan"),
        "majority": acc[majo].mean().item() if majo.any() else float("nan"),
        "worst_group": acc[split.present].min().item(),
        "average": (correct.sum() / split.count.sum()).item(),
    }


class ColoredMnistTask:
    """An L-layer MLP on device-resident Colored-MNIST; evaluation = per-group accuracy on the validation
    and the test split (``val_acc`` rows, then ``test_acc`` rows)."""

    def __init__(self, data: dict, layers: int, width: int, seed: int, device, bias: bool = True):
        dev = torch.device(device)
        self.tr, self.va, self.te = Split(data, "train", dev), Split(data, "val", dev), Split(data, "test", dev)
        torch.manual_seed(seed)
        self.model = MLP(depth=layers - 1, width=width, in_dim=self.tr.x.shape[1], n_classes=N_CLASSES, bias=bias)
        self.model = self.model.to(dev)
        self.n_train = len(self.tr.y)

    def loss(self, idx, gen):
        return F.cross_entropy(self.model(self.tr.x[idx]), self.tr.y[idx])

    def evaluate(self, end_of_epoch: bool):
        return [
            (name, g, v)
            for name, split in (("val_acc", self.va), ("test_acc", self.te))
            for g, v in group_metrics(self.model, split).items()
        ]


def train_one(
    data: dict,
    layers: int,
    width: int,
    optimizer: str,
    opt_cfg: dict,
    lr: float,
    epochs: int,
    batch_size: int,
    seed: int,
    eval_every: int,
    device,
    bias: bool = True,
    log_evals: int = 0,
    checkpoint=None,
    code=(),
    data_files=(),
) -> pd.DataFrame:
    """Train one MLP on the one loop; tidy rows (step, metric in {val_acc, test_acc, train_loss, diverged},
    group, value). Evaluations before training, every ``eval_every`` steps, at ``log_evals`` log-spaced
    steps (dense early, where the groups separate) and at the end."""
    task = ColoredMnistTask(data, layers, width, seed, device, bias)
    spec = FitSpec(
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        schedule=every_and_log_spaced(eval_every, log_evals),
        checkpoint_seconds=CHECKPOINT_SECONDS,
        name=f"cmnist L{layers} {optimizer} lr={lr:g} s{seed}",
    )
    settings = {
        "layers": layers,
        "width": width,
        "optimizer": optimizer,
        "opt_cfg": opt_cfg,
        "lr": lr,
        "epochs": epochs,
        "batch_size": batch_size,
        "seed": seed,
        "eval_every": eval_every,
        "bias": bias,
        "log_evals": log_evals,
        "device": str(device),
    }
    res = train_run(
        task, optimizer, opt_cfg, lr, spec, checkpoint=checkpoint, settings=settings, code=code, data_files=data_files
    )
    return pd.DataFrame([r[1:] for r in res.rows], columns=["step", "metric", "group", "value"])


def run_cmnist(
    data: dict,
    layers: int,
    width: int,
    optimizer: str,
    opt_cfg: dict,
    lrs: list[float],
    epochs: int,
    batch_size: int,
    seed: int,
    eval_every: int,
    device,
    bias: bool = True,
    log_evals: int = 0,
    checkpoint=None,
    code=(),
    data_files=(),
) -> pd.DataFrame:
    """Every lr of the grid for one (depth, optimizer, seed): tidy curves with an ``lr`` column.
    ``checkpoint``: a path prefix; each lr's run checkpoints to ``<prefix>_lr<lr>.pt``."""
    frames = []
    for lr in lrs:
        df = train_one(
            data,
            layers,
            width,
            optimizer,
            opt_cfg,
            lr,
            epochs,
            batch_size,
            seed,
            eval_every,
            device,
            bias,
            log_evals,
            checkpoint=f"{checkpoint}_lr{lr:g}.pt" if checkpoint else None,
            code=code,
            data_files=data_files,
        )
        df.insert(0, "lr", float(lr))
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "experiment", f"cmnist_L{layers}")
    out.insert(1, "optimizer", optimizer)
    out.insert(2, "seed", seed)
    return out


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
