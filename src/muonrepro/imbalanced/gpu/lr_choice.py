"""One (experiment, optimizer)'s lr from the validation scores of its tuning jobs (``select.tune_job``'s files), by
the one lr selection (``training.lr_select``): the jobs of checkpoint imbalanced_gpu_lr_round (``lr_round_job``: one
round of the grid-edge rule on the lrs tuned so far) and of rule imbalanced_gpu_select_lr (``select_lr_job``: the
grid-edge rule replayed on the tuned scores, whose extension lrs are the ones the rounds had tuned)."""

from __future__ import annotations

import json

from muonrepro.optim.registry import SHAMPOO_MISSING, shampoo_available
from muonrepro.training.lr_select import choose, past_edge, select_lr
from muonrepro.util.io import atomic_write_json


def _tuned(files) -> list[dict]:
    return [json.loads(open(f).read()) for f in files]


def lr_round_job(smk) -> None:
    """Checkpoint imbalanced_gpu_lr_round: the choice (``params.mode``) among the lrs tuned so far
    (``input.tuned``), and the lr one step past the grid's edge when the choice lies on it (else null)."""
    scores = {float(t["lr"]): t["score"] for t in _tuned(smk.input.tuned)}
    lr, _ = choose(scores, smk.params.mode, None)
    atomic_write_json({"grid": sorted(scores), "lr": lr, "next": past_edge(sorted(scores), lr)}, smk.output[0])


def select_lr_job(smk) -> None:
    """Rule imbalanced_gpu_select_lr: the lr of ``params.grid`` (extended up to ``params.max_extensions`` times)
    with the best tuned score (``params.select_by``); without a grid, the configured ``params.lr``. Shampoo without
    its package: ``skipped`` (the training job then writes empty metrics)."""
    p, opt = smk.params, smk.wildcards.ig_opt
    tuned = {float(t["lr"]): t for t in _tuned(smk.input.tuned)}
    choice = select_lr(p.grid, p.lr, lambda lr: tuned[lr]["score"], p.select_by["mode"], p.max_extensions)
    choice["criterion"] = (
        f"validation {p.select_by['metric']}/{p.select_by['group']} at the end of {p.epochs} tuning "
        f"epoch(s), {p.select_by['mode']}"
    )
    if opt == "shampoo" and not shampoo_available():
        choice["skipped"] = SHAMPOO_MISSING
    print(choice)
    atomic_write_json(choice, smk.output[0])
