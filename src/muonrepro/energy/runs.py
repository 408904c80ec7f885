"""MNIST-MLP runs of the energy paper on the one training loop (``training.loop.fit``): the
learning-rate selection on a validation split and the monitored runs (weight snapshots, the raw
material of the energy extraction); ``train_job`` is the body of rules energy_train and
energy_robust_train."""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from dataclasses import dataclass, field

import pandas as pd
import torch
import torch.nn.functional as F

from muonrepro.data.mnist import to_device_float
from muonrepro.energy.estimator.quadrature import log_spaced_steps
from muonrepro.models import MLP
from muonrepro.training.checkpoint import discard_checkpoint
from muonrepro.training.loop import FitSpec, epoch_ends
from muonrepro.training.lr_select import select_lr
from muonrepro.training.run import train_run
from muonrepro.util.device import resolve_device
from muonrepro.util.io import atomic_torch_save, atomic_write_csv, atomic_write_json, load_tensors
from muonrepro.util.meta import run_metadata


def load_split(mnist_pt, n_train: int, val_size: int, device):
    """(x_train, y_train, x_eval, y_eval) on device. With val_size > 0 the eval split is the last
    ``val_size`` of the first ``n_train`` training images (a held-out validation split); else the test set."""
    d = load_tensors(mnist_pt)
    xs, ys = d["train_x"][:n_train], d["train_y"][:n_train]
    if val_size:
        if val_size >= n_train:
            raise ValueError(f"val_size {val_size} must be < n_train {n_train}")
        xe, ye = xs[-val_size:], ys[-val_size:]
        xs, ys = xs[:-val_size], ys[:-val_size]
    else:
        xe, ye = d["test_x"], d["test_y"]
    return to_device_float(xs, device), ys.to(device), to_device_float(xe, device), ye.to(device)


def build_model(depth: int, width: int, bias: bool, seed: int, device):
    torch.manual_seed(seed)
    return MLP(depth, width, bias=bias).to(device)


@torch.no_grad()
def accuracy(model, x, y, batch: int = 4096) -> float:
    correct = 0
    for i in range(0, len(x), batch):
        correct += (model(x[i : i + batch]).argmax(1) == y[i : i + batch]).sum().item()
    return correct / len(x)


class MnistMLPTask:
    """An MLP on device-resident MNIST tensors; evaluation = accuracy on ``(x_eval, y_eval)``, reported as
    ``eval_metric`` (``test_acc`` for the monitored runs, ``val_acc`` for the lr selection)."""

    def __init__(self, model, x, y, x_eval, y_eval, eval_metric: str):
        self.model, self.x, self.y, self.x_eval, self.y_eval = model, x, y, x_eval, y_eval
        self.n_train, self.eval_metric = len(x), eval_metric

    def loss(self, idx, gen):
        return F.cross_entropy(self.model(self.x[idx]), self.y[idx])

    def evaluate(self, end_of_epoch: bool):
        return [(self.eval_metric, "average", accuracy(self.model, self.x_eval, self.y_eval))]


@dataclass
class Snapshots:
    """Training hook: float32 CPU copies of the weights at the steps where ``at(step)`` holds (step 0 is
    before training) and, with ``updates``, the update the optimizer makes right after each of them
    (``"update"``: {matrix name: W_{step+1} - W_step} for the monitored hidden matrices; absent for
    the last step). Checkpointed with the run, so a resumed run ends with the same list."""

    at: object
    items: list = field(default_factory=list)
    updates: bool = True
    pending: dict | None = None  # the monitored weights at the last logged step, until the next step

    def after_step(self, step: int, model) -> None:
        if self.pending is not None:
            if step == self.pending["step"] + 1 and self.items and self.items[-1]["step"] == self.pending["step"]:
                now = _monitored(model)
                self.items[-1]["update"] = {k: now[k] - v for k, v in self.pending["weights"].items()}
            self.pending = None
        if self.at(step):
            state = {k: v.detach().to("cpu", torch.float32).clone() for k, v in model.state_dict().items()}
            self.items.append({"step": step, "state": state})
            if self.updates:
                self.pending = {"step": step, "weights": _monitored(model)}

    def state_dict(self) -> dict:
        return {"items": self.items, "pending": self.pending}

    def load_state_dict(self, state: dict) -> None:
        self.items = state["items"]
        self.pending = state.get("pending")

    def finite(self) -> list:
        """The snapshots without non-finite weights (those after a divergence); a non-finite update is dropped."""
        out = []
        for s in self.items:
            if not all(torch.isfinite(v).all() for v in s["state"].values()):
                continue
            upd = s.get("update")
            if upd is not None and not all(torch.isfinite(v).all() for v in upd.values()):
                s = {k: v for k, v in s.items() if k != "update"}
            out.append(s)
        return out


def _monitored(model) -> dict:
    """float32 CPU copies of the monitored hidden weight matrices, by matrix name (W1, W2, ...)."""
    return {
        n: w.detach().to("cpu", torch.float32).clone() for n, w in zip(model.matrix_names(), model.hidden_matrices())
    }


def at_steps(steps) -> object:
    """The predicate "step is one of ``steps``"."""
    wanted = frozenset(int(s) for s in steps)
    return wanted.__contains__


def select_mlp_lr(
    mnist_pt,
    *,
    depth,
    width,
    bias,
    opt,
    opt_cfg,
    grid,
    n_train,
    val_size,
    epochs,
    batch_size,
    seed,
    max_extensions=0,
    device="auto",
):
    """The lr of one MLP (depth x optimizer) on MNIST: the lr of ``grid`` with the best validation accuracy after
    ``epochs``, by the one lr selection (``training.lr_select.select_lr``:
    ties -> the smaller lr, diverged runs excluded, a choice at an edge extends the grid up to ``max_extensions``
    times). The validation split is carved from the training images."""
    if len(grid) <= 1 or epochs == 0:
        return select_lr(sorted(grid)[:1], opt_cfg["lr"], lambda lr: None)
    dev = resolve_device(device)
    x, y, xv, yv = load_split(mnist_pt, n_train, val_size, dev)

    def train(lr):
        model = build_model(depth, width, bias, seed, dev)
        task = MnistMLPTask(model, x, y, xv, yv, "val_acc")
        res = train_run(
            task,
            opt,
            opt_cfg,
            lr,
            FitSpec(epochs=epochs, batch_size=batch_size, seed=seed, name=f"tune {opt} lr={lr:g}"),
        )
        return None if res.diverged else res.rows[-1][4]

    return select_lr(grid, opt_cfg["lr"], train, mode="max", max_extensions=max_extensions)


@dataclass
class EnergyRun:
    history: list  # per epoch: epoch, train_loss, test_acc (NaN for the epoch a run diverged in)
    snapshots: list  # finite weight snapshots {"step", "state", "update"}
    log_steps: list  # the steps planned for snapshots (a diverged run stops before the last ones)
    steps: int
    diverged: bool
    diverged_step: int | None
    seconds: float


def energy_run(
    mnist_pt,
    *,
    depth,
    width,
    bias,
    opt,
    opt_cfg,
    lr,
    n_train,
    epochs,
    batch_size,
    seed,
    n_snapshots,
    checkpoint=None,
    code=(),
    device="auto",
) -> tuple[EnergyRun, torch.nn.Module]:
    """Train one monitored run (test accuracy at each epoch end; ``n_snapshots`` weight snapshots at
    log-spaced steps from 0 to the last step, ``quadrature.log_spaced_steps``, each with the update made
    right after it). ``checkpoint``: a resumable checkpoint path, matched on the settings, ``code`` (the package
    sources the job declares) and the MNIST tensors."""
    dev = resolve_device(device)
    x, y, xt, yt = load_split(mnist_pt, n_train, 0, dev)
    model = build_model(depth, width, bias, seed, dev)
    spec = FitSpec(
        epochs=epochs, batch_size=batch_size, seed=seed, schedule=epoch_ends, name=f"mlp{depth} {opt} s{seed}"
    )
    settings = {
        "depth": depth,
        "width": width,
        "bias": bias,
        "opt": opt,
        "opt_cfg": opt_cfg,
        "lr": lr,
        "n_train": n_train,
        "epochs": epochs,
        "batch_size": batch_size,
        "seed": seed,
        "n_snapshots": n_snapshots,
        "device": str(dev),
    }
    per_epoch = math.ceil(len(x) / batch_size)
    log_steps = log_spaced_steps(per_epoch * epochs, n_snapshots)
    snaps = Snapshots(at_steps(log_steps))
    task = MnistMLPTask(model, x, y, xt, yt, "test_acc")
    res = train_run(
        task,
        opt,
        opt_cfg,
        lr,
        spec,
        checkpoint=checkpoint,
        settings=settings,
        code=code,
        data_files=[mnist_pt],
        hooks=[snaps],
    )
    by_step = {}
    for _, step, metric, _, value in res.rows:
        by_step.setdefault(step, {})[metric] = value
    history = [
        {"epoch": step // per_epoch, "train_loss": v["train_loss"], "test_acc": v["test_acc"]}
        for step, v in sorted(by_step.items())
        if "test_acc" in v
    ]
    if res.diverged:
        history.append(
            {"epoch": math.ceil(res.diverged_step / per_epoch), "train_loss": float("nan"), "test_acc": float("nan")}
        )
    run = EnergyRun(history, snaps.finite(), log_steps, res.steps, res.diverged, res.diverged_step, res.seconds)
    return run, model


def select_lr_job(smk) -> None:
    """Rule energy_select_lr: the lr of the grid (``select_mlp_lr``) for one architecture (``params.model``) and
    optimizer (``wildcards.opt``) on a held-out validation split."""
    torch.set_num_threads(smk.threads)
    p = smk.params
    choice = select_mlp_lr(
        smk.input.mnist,
        **p.model,
        opt=smk.wildcards.opt,
        opt_cfg=p.opt_cfg,
        grid=p.grid,
        n_train=p.n_train,
        val_size=p.val_size,
        epochs=p.epochs,
        batch_size=p.batch_size,
        max_extensions=p.max_extensions,
        seed=0,
        device=p.device,
    )
    atomic_write_json(choice, smk.output[0])


def train_job(smk) -> None:
    """One monitored MNIST-MLP run (snapshots, history, metadata; wall-clock timing and where it ran in
    timing.json, so that the other three files are byte-identical for the same config and seed on CPU, also
    after an interrupted run resumed from its checkpoint). The lr is the selected one x ``params.lr_factor``."""
    torch.set_num_threads(smk.threads)
    p, wc = smk.params, smk.wildcards
    lr = json.load(open(smk.input.lr))["lr"] * p.lr_factor
    seed = int(wc.seed)
    res, model = energy_run(
        smk.input.mnist,
        **p.model,
        opt=wc.opt,
        opt_cfg=p.opt_cfg,
        lr=lr,
        n_train=p.n_train,
        epochs=p.epochs,
        batch_size=p.batch_size,
        seed=seed,
        n_snapshots=p.n_snapshots,
        checkpoint=p.checkpoint,
        code=smk.input.code,
        device=p.device,
    )
    # Byte-identical snapshots.pt, also after a resume (atomic_torch_save's bytes do not depend on the
    # temporary file's name): pickle shares repeated objects by identity, so rebuild the list with one object
    # per distinct key (the snapshots restored from a checkpoint carry their own copies of the key strings).
    snapshots = [
        {
            "step": int(s["step"]),
            "state": {sys.intern(k): v for k, v in s["state"].items()},
            **({"update": {sys.intern(k): v for k, v in s["update"].items()}} if "update" in s else {}),
        }
        for s in res.snapshots
    ]
    atomic_torch_save({"snapshots": snapshots, "total_steps": res.steps, "model": dict(p.model)}, smk.output.snapshots)
    atomic_write_csv(pd.DataFrame(res.history), smk.output.history)
    config = {
        "model": p.model,
        "opt": wc.opt,
        "opt_cfg": p.opt_cfg,
        "lr": lr,
        "n_train": p.n_train,
        "epochs": p.epochs,
        "batch_size": p.batch_size,
        "n_snapshots": p.n_snapshots,
        "log_steps": res.log_steps,
    }
    meta = run_metadata(config, seed=seed, device=str(next(model.parameters()).device))
    meta.update(diverged=res.diverged, diverged_step=res.diverged_step, steps=res.steps)
    atomic_write_json(meta, smk.output.meta)
    env = {k: os.environ.get(k) for k in ("CUDA_VISIBLE_DEVICES", "SLURM_JOB_ID", "SLURM_RESTART_COUNT")}
    print(f"host {platform.node()}, {env}")
    atomic_write_json({"train_seconds": res.seconds, "host": platform.node(), **env}, smk.output.timing)
    discard_checkpoint(p.checkpoint)  # the outputs are written: the run is complete
