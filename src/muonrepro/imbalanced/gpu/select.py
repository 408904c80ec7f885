"""Per-optimizer learning-rate selection on the held-out validation split (spec imbalanced.md §6: "tune lr per
optimizer on a small grid"; grid, budget and criterion are ours).

Each lr of the grid trains for ``tune_epochs`` on the training split and is scored on ``val`` (the task
evaluates its ``test`` split, so the run sees a view of the data whose ``test_*`` entries are the
``val_*`` ones; the real test split is never looked at). The score is the last evaluation's
``(metric, group)`` value (``score``), maximised for accuracies and minimised for losses (``mode``); a run
that diverges scores nothing. The choice itself is the one lr selection, ``training.lr_select`` (the rules'
jobs: ``lr_choice``); ``tune_job`` is the job of one lr's tuning run (rule imbalanced_gpu_tune).
"""

from __future__ import annotations

import pandas as pd
import torch

from muonrepro.imbalanced.gpu.train import run
from muonrepro.optim.registry import SHAMPOO_MISSING, shampoo_available
from muonrepro.util.device import resolve_device
from muonrepro.util.io import atomic_write_json, load_tensors


def validation_view(data: dict) -> dict:
    """The dataset with its ``val_*`` entries in place of ``test_*`` (and no ``val_*`` left)."""
    if not any(len(data.get(k, [])) for k in ("val_y", "val_tokens")):
        raise ValueError(
            f"dataset {data.get('name', '?')!r} has no validation split (val_y / val_tokens) to select "
            f"the lr on: give it one (CIFAR: scales.<scale>.imbalanced_gpu.<exp>.n_val_per_class > 0) "
            f"or remove the experiment from scales.<scale>.imbalanced_gpu.lr_grid"
        )
    view = {k: v for k, v in data.items() if not k.startswith(("val_", "test_"))}
    view.update({"test_" + k[4:]: v for k, v in data.items() if k.startswith("val_")})
    return view


def score(df: pd.DataFrame, metric: str, group: str) -> float | None:
    """The ``(metric, group)`` value at the run's last evaluation; None for a diverged run or no such rows."""
    if (df["metric"] == "diverged").any():
        return None
    d = df[(df["metric"] == metric) & (df["group"] == group)]
    return float(d.loc[d["step"].idxmax(), "value"]) if len(d) else None


def tune_job(smk) -> None:
    """Rule imbalanced_gpu_tune: lr ``wildcards.lr`` of one (experiment, optimizer ``wildcards.ig_opt``)'s grid,
    trained for ``params.epochs`` on the training split and scored on the validation split (``validation_view``,
    ``score`` of ``params.select_by``; never on test). Shampoo without its package: no score, ``skipped``."""
    torch.set_num_threads(smk.threads)
    opt, p, lr = smk.wildcards.ig_opt, smk.params, float(smk.wildcards.lr)
    metric, group = p.select_by["metric"], p.select_by["group"]
    out = {"lr": lr, "score": None, "metric": f"validation {metric}/{group} after {p.epochs} epoch(s)"}
    if opt == "shampoo" and not shampoo_available():
        out["skipped"] = SHAMPOO_MISSING
    else:
        data = validation_view(load_tensors(smk.input.data, mmap=True))
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
    atomic_write_json(out, smk.output[0])
