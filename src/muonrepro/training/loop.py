"""The device-resident training loop: batches by seeded permutation, no DataLoader.

It keeps the whole (MNIST-size) training set on the device, logs test accuracy per epoch, keeps
weight snapshots at step 0 and every ``log_every`` steps (the raw material of the energy
extraction), writes a resumable checkpoint at each epoch end and stops, marked ``diverged``, at the
first non-finite loss.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm import tqdm

from muonrepro.util.io import atomic_torch_save

# A cross-entropy above this (chance level is ln(10) = 2.3 nats) is a blow-up, even while still finite:
# such a run is recorded as diverged like one whose loss became NaN.
MAX_LOSS = 1e6


@dataclass
class TrainSpec:
    epochs: int
    batch_size: int
    seed: int
    log_every: int = 0  # 0: no snapshots
    desc: str = "train"

    def fingerprint(self, extra: dict) -> str:
        blob = json.dumps({"spec": self.__dict__, **extra}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass
class TrainResult:
    history: list[dict] = field(default_factory=list)  # epoch, train_loss, test_acc
    snapshots: list[dict] = field(default_factory=list)  # {"step": int, "state": state_dict}
    diverged: bool = False
    diverged_step: int | None = None
    steps: int = 0
    train_seconds: float = 0.0


@torch.no_grad()
def accuracy(model, x, y, batch: int = 4096) -> float:
    model.eval()
    correct = 0
    for i in range(0, len(x), batch):
        correct += (model(x[i : i + batch]).argmax(1) == y[i : i + batch]).sum().item()
    model.train()
    return correct / len(x)


def _snapshot(model, step):
    return {
        "step": step,
        "state": {k: v.detach().to("cpu", torch.float32).clone() for k, v in model.state_dict().items()},
    }


def train(
    model,
    optimizer,
    x,
    y,
    x_test,
    y_test,
    spec: TrainSpec,
    checkpoint: str | Path | None = None,
    fingerprint: str = "",
    progress: bool = True,
) -> TrainResult:
    """Train in place. ``x``/``y`` and ``x_test``/``y_test`` are tensors already on the model's device."""
    res = TrainResult()
    gen = torch.Generator(device="cpu").manual_seed(spec.seed)
    start_epoch = 0
    ckpt = Path(checkpoint) if checkpoint else None
    if ckpt is not None and ckpt.exists():
        state = torch.load(ckpt, map_location=x.device, weights_only=False)
        if state.get("fingerprint") == fingerprint:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            gen.set_state(state["generator"])
            res = state["result"]
            start_epoch = state["epoch"]
            print(f"[{spec.desc}] resumed from {ckpt} at epoch {start_epoch}, step {res.steps}")
        else:
            print(f"[{spec.desc}] ignoring checkpoint {ckpt}: made with other settings")
    n = len(x)
    steps_per_epoch = math.ceil(n / spec.batch_size)
    if spec.log_every and res.steps == 0 and not res.snapshots:
        res.snapshots.append(_snapshot(model, 0))
    model.train()
    t0 = time.perf_counter()
    for epoch in range(start_epoch, spec.epochs):
        perm = torch.randperm(n, generator=gen).to(x.device)
        total, count = torch.zeros((), device=x.device), 0
        bar = tqdm(
            range(steps_per_epoch),
            desc=f"{spec.desc} ep{epoch + 1}/{spec.epochs}",
            disable=not progress,
            mininterval=5,
            leave=False,
        )
        for b in bar:
            idx = perm[b * spec.batch_size : (b + 1) * spec.batch_size]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            res.steps += 1
            total += loss.detach() * len(idx)
            count += len(idx)
            if spec.log_every and res.steps % spec.log_every == 0:
                if not torch.isfinite(loss) or loss.item() > MAX_LOSS:
                    break
                res.snapshots.append(_snapshot(model, res.steps))
        train_loss = (total / count).item()
        if (
            not math.isfinite(train_loss)
            or train_loss > MAX_LOSS
            or not all(torch.isfinite(p).all() for p in model.parameters())
        ):
            res.diverged, res.diverged_step = True, res.steps
            res.history.append({"epoch": epoch + 1, "train_loss": float("nan"), "test_acc": float("nan")})
            print(
                f"[{spec.desc}] diverged (loss {train_loss:.3g}: non-finite or > {MAX_LOSS:g}) in epoch "
                f"{epoch + 1}, step {res.steps}"
            )
            break
        res.history.append({"epoch": epoch + 1, "train_loss": train_loss, "test_acc": accuracy(model, x_test, y_test)})
        res.train_seconds += time.perf_counter() - t0
        t0 = time.perf_counter()
        if ckpt is not None:
            atomic_torch_save(
                {
                    "fingerprint": fingerprint,
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "generator": gen.get_state(),
                    "result": res,
                    "epoch": epoch + 1,
                },
                ckpt,
            )
    # snapshots after divergence hold NaNs; drop those (the step at which it diverged is recorded)
    res.snapshots = [s for s in res.snapshots if all(torch.isfinite(v).all() for v in s["state"].values())]
    return res
