"""MNIST-MLP runs of the energy paper: learning-rate selection and the monitored training runs."""

from __future__ import annotations

import torch

from muonrepro.data.mnist import to_device_float
from muonrepro.models import MLP
from muonrepro.optim.registry import build_optimizer
from muonrepro.training.loop import TrainSpec, accuracy, train
from muonrepro.util.device import resolve_device


def load_split(mnist_pt, n_train: int, val_size: int, device):
    """(x_train, y_train, x_eval, y_eval) on device. With val_size > 0 the eval split is the last
    ``val_size`` of the first ``n_train`` training images (a held-out validation split); else the test set."""
    d = torch.load(mnist_pt, weights_only=True)
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


def select_lr(
    mnist_pt, *, depth, width, bias, opt, opt_cfg, grid, n_train, val_size, epochs, batch_size, seed, device="auto"
):
    """Pick the lr of ``grid`` with the best validation accuracy (ties -> smaller lr; diverged = 0)."""
    grid = sorted(grid)
    if len(grid) == 1 or epochs == 0:
        return {"lr": grid[0], "tuned": False, "grid": grid, "val_acc": {}}
    dev = resolve_device(device)
    x, y, xv, yv = load_split(mnist_pt, n_train, val_size, dev)
    scores = {}
    for lr in grid:
        model = build_model(depth, width, bias, seed, dev)
        res = train(
            model,
            build_optimizer(model, opt, opt_cfg, lr),
            x,
            y,
            xv,
            yv,
            TrainSpec(epochs=epochs, batch_size=batch_size, seed=seed, desc=f"tune {opt} lr={lr}"),
        )
        scores[lr] = 0.0 if res.diverged else accuracy(model, xv, yv)
    best = max(grid, key=lambda lr: (scores[lr], -lr))
    return {"lr": best, "tuned": True, "grid": grid, "val_acc": {str(k): v for k, v in scores.items()}}


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
    log_every,
    checkpoint=None,
    device="auto",
):
    """Train one monitored run; returns (TrainResult, model) with snapshots every ``log_every`` steps."""
    dev = resolve_device(device)
    x, y, xt, yt = load_split(mnist_pt, n_train, 0, dev)
    model = build_model(depth, width, bias, seed, dev)
    optimizer = build_optimizer(model, opt, opt_cfg, lr)
    spec = TrainSpec(
        epochs=epochs, batch_size=batch_size, seed=seed, log_every=log_every, desc=f"mlp{depth} {opt} s{seed}"
    )
    fp = spec.fingerprint(
        {
            "depth": depth,
            "width": width,
            "bias": bias,
            "opt": opt,
            "opt_cfg": opt_cfg,
            "lr": lr,
            "n_train": n_train,
            "device": str(dev),
        }
    )
    res = train(model, optimizer, x, y, xt, yt, spec, checkpoint=checkpoint, fingerprint=fp)
    return res, model
