"""The epoch loop every GPU-scale experiment shares: schedule, evaluation, divergence, checkpoint/resume.

A *task* (images: ``vision.VisionTask``; MultiNLI: ``nli.NLITask``; TinyStories: ``lm.LMTask``) owns its
model and device-resident data and answers three questions:

- ``task.model``: the ``nn.Module`` (with ``hidden_matrices()`` / ``other_params()`` for Muon-type splits);
- ``task.n_train``: how many training examples (or LM windows) one epoch visits;
- ``task.loss(idx, gen)``: mean training loss over the training examples ``idx`` (a device int64 tensor);
- ``task.evaluate(end_of_epoch)``: a list of ``(metric, group, value)`` measured now.

``fit`` shuffles with a seeded CPU generator, logs the mean training loss and evaluates
``evals_per_epoch`` times per epoch (and at step 0), stops at the first non-finite training loss
(a ``diverged`` row), and saves a checkpoint after every evaluation (the epoch's permutation
included, so a long epoch resumes mid-way); a rerun with the same ``fingerprint`` resumes from it
and yields the same rows as an uninterrupted run.
"""

from __future__ import annotations

import hashlib
import json
import math
from contextlib import nullcontext
from pathlib import Path

import pandas as pd
import torch

from muonrepro.optim.registry import build_optimizer
from muonrepro.util.io import atomic_torch_save

COLUMNS = ["optimizer", "seed", "epoch", "step", "metric", "group", "value"]
REGISTRY_NAME = {"adam": "adamw"}


def fingerprint(blob: dict) -> str:
    return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest()[:16]


def autocast(device: torch.device, enabled: bool):
    """bf16 autocast on CUDA when ``enabled``; a no-op elsewhere (CPU runs stay float32)."""
    return torch.autocast("cuda", dtype=torch.bfloat16) if enabled and device.type == "cuda" else nullcontext()


def eval_points(per_epoch: int, evals_per_epoch: int) -> set[int]:
    """Batch numbers (1-based, within an epoch) after which ``fit`` evaluates; always includes the last."""
    return {max(1, round(per_epoch * k / evals_per_epoch)) for k in range(1, evals_per_epoch + 1)}


def fit(
    task,
    optimizer: str,
    opt_cfg: dict,
    epochs: int,
    batch_size: int,
    evals_per_epoch: int,
    seed: int,
    settings: dict,
    checkpoint: str | Path | None = None,
) -> pd.DataFrame:
    """Train ``task.model`` with ``optimizer``; tidy rows ``optimizer, seed, epoch, step, metric, group, value``.

    ``settings``: everything else that determines the run (model, sizes, ...); with the arguments it
    forms the checkpoint fingerprint, so a checkpoint made with other settings is ignored, not resumed.
    """
    dev = next(task.model.parameters()).device
    opt = build_optimizer(task.model, REGISTRY_NAME.get(optimizer, optimizer), opt_cfg, opt_cfg["lr"])
    gen = torch.Generator().manual_seed(seed)
    n = task.n_train
    per_epoch = math.ceil(n / batch_size)
    eval_at = eval_points(per_epoch, evals_per_epoch)
    fp = fingerprint(
        {
            "opt": optimizer,
            "cfg": opt_cfg,
            "epochs": epochs,
            "bs": batch_size,
            "evals": evals_per_epoch,
            "seed": seed,
            "n": n,
            **settings,
        }
    )
    rows, step, perm = [], 0, None
    ckpt = Path(checkpoint) if checkpoint else None
    if ckpt is not None and ckpt.exists():
        state = torch.load(ckpt, map_location=dev, weights_only=False)
        if state.get("fingerprint") == fp:
            task.model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            gen.set_state(state["generator"])
            rows, step, perm = state["rows"], state["step"], state["perm"]
            print(f"resumed from {ckpt} at step {step} (epoch {step // per_epoch}, batch {step % per_epoch})")
        else:
            print(f"ignoring checkpoint {ckpt}: made with other settings")

    def record(metric_rows):
        rows.extend((optimizer, seed, step / per_epoch, step, m, g, float(v)) for m, g, v in metric_rows)

    def evaluate(end_of_epoch: bool):
        task.model.eval()
        with torch.no_grad():
            record(task.evaluate(end_of_epoch))
        task.model.train()

    if step == 0 and not rows:
        evaluate(end_of_epoch=False)
    task.model.train()
    dperm = None if perm is None else perm.to(dev)
    loss_sum, loss_n = torch.zeros((), device=dev), 0
    while step < epochs * per_epoch:
        b = step % per_epoch
        if b == 0:
            perm = torch.randperm(n, generator=gen)
            dperm = perm.to(dev)
        loss = task.loss(dperm[b * batch_size : (b + 1) * batch_size], gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        loss_sum += loss.detach().float()
        loss_n += 1
        if b + 1 in eval_at:
            mean_loss = (loss_sum / loss_n).item()
            record([("train_loss", "average", mean_loss)])
            loss_sum.zero_()
            loss_n = 0
            if not math.isfinite(mean_loss):
                record([("diverged", "average", 1.0)])
                break
            evaluate(end_of_epoch=b + 1 == per_epoch)
            if ckpt is not None:  # at every evaluation: a long epoch (a TinyStories run is one) resumes mid-epoch
                atomic_torch_save(
                    {
                        "fingerprint": fp,
                        "model": task.model.state_dict(),
                        "optimizer": opt.state_dict(),
                        "generator": gen.get_state(),
                        "rows": rows,
                        "step": step,
                        "perm": perm,
                    },
                    ckpt,
                )
    return pd.DataFrame(rows, columns=COLUMNS)
