"""Glue for one extraction job: fixed probe set, model rebuilt from the run's snapshots."""

from __future__ import annotations

import torch

from muonrepro.data.mnist import to_device_float
from muonrepro.models import MLP
from muonrepro.util.device import resolve_device

from .extract import extract_run


def probe_set(mnist_pt, probe_size: int, probe_seed: int, device):
    """The same ``probe_size`` training images for every run (seeded choice over all 60k)."""
    d = torch.load(mnist_pt, weights_only=True)
    idx = torch.randperm(len(d["train_x"]), generator=torch.Generator().manual_seed(probe_seed))[:probe_size]
    return to_device_float(d["train_x"][idx], device), d["train_y"][idx].to(device)


def run_extraction(mnist_pt, snapshots_pt, meta: dict, *, estimator: dict, probe_size: int, device="auto"):
    dev = resolve_device(device)
    blob = torch.load(snapshots_pt, weights_only=False)
    m = blob["model"]
    # float64 forward/backward: the estimator divides by lambda_i mu_j down to rel_threshold * max,
    # where float32 round-off in G would dominate the low-curvature tail
    model = MLP(m["depth"], m["width"], bias=m["bias"]).to(dev, torch.float64)
    x, y = probe_set(mnist_pt, probe_size, estimator["probe_seed"], dev)
    x = x.double()
    snaps = [{"step": s["step"], "state": {k: v.to(dev, torch.float64) for k, v in s["state"].items()}}
             for s in blob["snapshots"]]
    rows, per_mode, logs, seconds = extract_run(
        model, snaps, x, y, blob["total_steps"], sigma_delta=estimator["sigma_delta"],
        rel_threshold=estimator["rel_threshold"], probe_seed=estimator["probe_seed"], n_bins=estimator["n_deciles"])
    summary = {"matrices": rows, "extract_seconds": seconds, "train_seconds": meta["train_seconds"],
               "diverged": meta["diverged"], "lr": meta["config"]["lr"], "n_logs": len(snaps),
               "total_steps": blob["total_steps"], "probe_size": probe_size, "estimator": estimator}
    return summary, per_mode, logs
