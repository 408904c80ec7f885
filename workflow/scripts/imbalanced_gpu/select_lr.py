"""Rule imbalanced_gpu_select_lr: one (experiment, optimizer)'s lr, chosen on the validation split."""

import sys

import torch

from muonrepro.imbalanced.gpu.select import score, validation_view
from muonrepro.imbalanced.gpu.train import run
from muonrepro.optim.registry import shampoo_available
from muonrepro.training.lr_select import select_lr
from muonrepro.util.device import resolve_device
from muonrepro.util.io import atomic_write_json, load_tensors

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
torch.set_num_threads(snakemake.threads)
opt, p = snakemake.wildcards.ig_opt, snakemake.params
if opt == "shampoo" and not shampoo_available():
    choice = {
        "lr": p.opt_cfg["lr"],
        "scores": {},
        "skipped": "the optional package pytorch-optimizer is not installed (pip install 'muonrepro[shampoo]')",
    }
else:
    device = resolve_device(p.device)
    data = None if len(p.grid) < 2 else validation_view(load_tensors(snakemake.input.data, mmap=True))
    metric, group, mode = p.select_by["metric"], p.select_by["group"], p.select_by["mode"]

    def train(lr):
        rows = run(
            data,
            p.model,
            opt,
            {**p.opt_cfg, "lr": lr},
            p.epochs,
            p.batch_size,
            1,
            0,
            device,
            p.decode,
            amp=p.amp,
            channels_last=p.channels_last,
        )
        return score(rows, metric, group)

    choice = select_lr(p.grid, p.opt_cfg["lr"], train, mode)
    choice["criterion"] = f"validation {metric}/{group} at the end of {p.epochs} tuning epoch(s), {mode}"
print(choice)
atomic_write_json(choice, snakemake.output[0])
