"""One (experiment, optimizer, seed) run: the dataset's task (``data["task"]``) trained by ``loop.fit``.

Tasks: ``vision`` (ResNets on CIFAR STEP, dominoes, CelebA: ``vision.VisionTask``), ``nli`` (BERT on
MultiNLI: ``nli.NLITask``), ``lm`` (a small GPT on TinyStories: ``lm.LMTask``). The NLP tasks import
their modules only when used.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch

from muonrepro.imbalanced.gpu.loop import fit


def make_task(data: dict, model_cfg: dict, seed: int, device, decode: dict, amp: bool, channels_last: bool):
    kind = data.get("task", "vision")
    if kind == "vision":
        from muonrepro.imbalanced.gpu.vision import VisionTask

        return VisionTask(data, model_cfg, seed, device, decode, amp=amp, channels_last=channels_last)
    if kind == "nli":
        from muonrepro.imbalanced.gpu.nli import NLITask

        return NLITask(data, model_cfg, seed, device, amp=amp)
    if kind == "lm":
        from muonrepro.imbalanced.gpu.lm import LMTask

        return LMTask(data, model_cfg, seed, device, amp=amp)
    raise ValueError(f"dataset task {kind!r} unknown; known: vision, nli, lm")


def run(
    data: dict,
    model_cfg: dict,
    optimizer: str,
    opt_cfg: dict,
    epochs: int,
    batch_size: int,
    evals_per_epoch: int,
    seed: int,
    device: str | torch.device,
    decode: dict,
    checkpoint: str | Path | None = None,
    amp: bool = True,
    channels_last: bool = True,
) -> pd.DataFrame:
    """Train one model; tidy rows ``optimizer, seed, epoch, step, metric, group, value`` (``loop.COLUMNS``)."""
    dev = torch.device(device)
    task = make_task(data, model_cfg, seed, dev, decode, amp, channels_last)
    settings = {
        "model": model_cfg,
        "decode": decode,
        "amp": amp and dev.type == "cuda",
        "task": data.get("task", "vision"),
    }
    return fit(task, optimizer, opt_cfg, epochs, batch_size, evals_per_epoch, seed, settings, checkpoint)
