"""Rule imbalanced_gpu_tune: one lr of one (experiment, optimizer)'s grid, trained for the tuning epochs and scored
on the validation split (never on test)."""

import sys

import torch

from muonrepro.imbalanced.gpu.select import score, validation_view
from muonrepro.imbalanced.gpu.train import run
from muonrepro.optim.registry import shampoo_available
from muonrepro.util.device import resolve_device
from muonrepro.util.io import atomic_write_json, load_tensors

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
torch.set_num_threads(snakemake.threads)
opt, p, lr = snakemake.wildcards.ig_opt, snakemake.params, float(snakemake.wildcards.lr)
metric, group = p.select_by["metric"], p.select_by["group"]
out = {"lr": lr, "score": None, "metric": f"validation {metric}/{group} after {p.epochs} epoch(s)"}
if opt == "shampoo" and not shampoo_available():
    out["skipped"] = "the optional package pytorch-optimizer is not installed (pip install 'muonrepro[shampoo]')"
else:
    data = validation_view(load_tensors(snakemake.input.data, mmap=True))
    rows = run(
        data,
        p.model,
        opt,
        {**p.opt_cfg, "lr": lr},
        p.epochs,
        p.batch_size,
        1,
        0,
        resolve_device(p.device),
        p.decode,
        amp=p.amp,
        channels_last=p.channels_last,
    )
    out["score"] = score(rows, metric, group)  # None: the run diverged
print(out)
atomic_write_json(out, snakemake.output[0])
