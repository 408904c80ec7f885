"""Checkpoint imbalanced_gpu_lr_round: one round of the grid-edge rule (``training.lr_select``) on the lrs tuned so
far: the choice, and the lr one step past the grid's edge when the choice lies on it (else null)."""

import json

from muonrepro.training.lr_select import choose, past_edge
from muonrepro.util.io import atomic_write_json

scores = {float(t["lr"]): t["score"] for t in (json.loads(open(f).read()) for f in snakemake.input.tuned)}
lr, _ = choose(scores, snakemake.params.mode, None)
atomic_write_json({"grid": sorted(scores), "lr": lr, "next": past_edge(sorted(scores), lr)}, snakemake.output[0])
