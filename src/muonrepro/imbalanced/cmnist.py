"""Colored-MNIST training with per-group accuracy curves (spec §3 E1 / Fig. 6, §6; claims 12, 17).

An "L-layer MLP" has L linear layers (spec §6): ``MLP(depth=L - 1, width, in_dim=3*784)``. Optimizers
come from the shared registry (``muon``, ``sgd``, ``adamw``) plus ``nmd`` and ``signum``
(``optim.normalized``); our name ``adam`` is the registry's ``adamw`` (set its weight_decay to 0 for
Adam). Muon, NMD and Signum act on the hidden matrices with AdamW on the head and biases.

The loop keeps the data on the device and draws batches by a seeded permutation, like
``train.loop.train``, but evaluates the per-group accuracies on the validation and test sets
(majority groups: colour = class colour; minority: the other 90) at ``eval_schedule`` steps: every
``eval_every`` steps plus ``log_evals`` log-spaced steps (dense early, where the groups separate).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from muonrepro.data.colored_mnist import N_CLASSES, colorize
from muonrepro.models import MLP
from muonrepro.optim.registry import build_optimizer

REGISTRY_NAME = {"adam": "adamw"}
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


def eval_schedule(total: int, eval_every: int, log_evals: int) -> set[int]:
    """Steps (>= 1) at which to evaluate: multiples of ``eval_every``, ``log_evals`` log-spaced steps, the last."""
    steps = set(range(eval_every, total + 1, eval_every)) | {total}
    if log_evals > 0:
        steps |= set(np.unique(np.round(np.geomspace(1, total, log_evals)).astype(int)).tolist())
    return steps


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
) -> pd.DataFrame:
    """Train one MLP; tidy rows (step, metric in {val_acc, test_acc, train_loss}, group, value)."""
    dev = torch.device(device)
    tr, va, te = Split(data, "train", dev), Split(data, "val", dev), Split(data, "test", dev)
    torch.manual_seed(seed)
    model = MLP(depth=layers - 1, width=width, in_dim=tr.x.shape[1], n_classes=N_CLASSES, bias=bias).to(dev)
    opt = build_optimizer(model, REGISTRY_NAME.get(optimizer, optimizer), opt_cfg, lr)
    gen = torch.Generator().manual_seed(seed)
    n = len(tr.y)
    per_epoch = math.ceil(n / batch_size)
    eval_at = eval_schedule(epochs * per_epoch, eval_every, log_evals)
    rows, step, loss_sum, loss_n = [], 0, torch.zeros((), device=dev), 0

    def log():
        for name, split in (("val_acc", va), ("test_acc", te)):
            rows.extend((step, name, g, v) for g, v in group_metrics(model, split).items())

    log()
    diverged = False
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen).to(dev)
        for b in range(per_epoch):
            idx = perm[b * batch_size : (b + 1) * batch_size]
            loss = F.cross_entropy(model(tr.x[idx]), tr.y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            loss_sum += loss.detach()
            loss_n += 1
            if step in eval_at:
                mean_loss = (loss_sum / loss_n).item()
                rows.append((step, "train_loss", "average", mean_loss))
                loss_sum.zero_()
                loss_n = 0
                if not math.isfinite(mean_loss):
                    diverged = True
                    break
                log()
        if diverged:
            break
    return pd.DataFrame(rows, columns=["step", "metric", "group", "value"])


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
) -> pd.DataFrame:
    """Every lr of the grid for one (depth, optimizer, seed): tidy curves with an ``lr`` column."""
    frames = []
    for lr in lrs:
        df = train_one(
            data, layers, width, optimizer, opt_cfg, lr, epochs, batch_size, seed, eval_every, device, bias, log_evals
        )
        df.insert(0, "lr", float(lr))
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "experiment", f"cmnist_L{layers}")
    out.insert(1, "optimizer", optimizer)
    out.insert(2, "seed", seed)
    return out
