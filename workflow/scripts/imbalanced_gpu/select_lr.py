"""Rule imbalanced_gpu_select_lr: one (experiment, optimizer)'s lr from the validation scores of its tuning jobs
(``training.lr_select``, its grid-edge rule replayed on the tuned scores: the extension lrs are the ones the
imbalanced_gpu_lr_round checkpoints had tuned); without a grid, the configured lr."""

import json
import sys

from muonrepro.optim.registry import shampoo_available
from muonrepro.training.lr_select import select_lr
from muonrepro.util.io import atomic_write_json

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
p, opt = snakemake.params, snakemake.wildcards.ig_opt
tuned = {float(t["lr"]): t for t in (json.loads(open(f).read()) for f in snakemake.input.tuned)}
choice = select_lr(p.grid, p.lr, lambda lr: tuned[lr]["score"], p.select_by["mode"], p.max_extensions)
choice["criterion"] = (
    f"validation {p.select_by['metric']}/{p.select_by['group']} at the end of {p.epochs} tuning "
    f"epoch(s), {p.select_by['mode']}"
)
if opt == "shampoo" and not shampoo_available():
    choice["skipped"] = "the optional package pytorch-optimizer is not installed (pip install 'muonrepro[shampoo]')"
print(choice)
atomic_write_json(choice, snakemake.output[0])
