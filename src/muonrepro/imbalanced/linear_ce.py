"""Fig. 4: a bias-free linear model Wx with cross-entropy on finite imbalanced samples (spec §3 Fig. 4,
§4.1, §6; claim 11).

Data (§4.1, line-173 variant): class means mu_c ~ N(0, (mu^2/d) I_d) (only nearly orthogonal),
labels with priors p_c proportional to 1/c, x = mu_y + sigma_x z. The training set is drawn from the
priors; the test set is class-balanced; the validation set (ours: the lr and stopping step are chosen on
it, never on test) is a held-out sample of the training distribution, drawn after the test set so that the
training and test sets do not depend on its size. Full-batch steps from W = 0 with the momentum-free rules of
``dynamics.nsd_direction`` (GD, NGD, SignGD, SpecGD) on the mean cross-entropy, float64.
Balanced and worst-class test accuracy are logged on a log-spaced step grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from muonrepro.imbalanced.curves import LINEAR_CE_GROUPS, linear_ce_choice
from muonrepro.imbalanced.theory.data_model import DTYPE, harmonic_priors
from muonrepro.imbalanced.theory.dynamics import nsd_direction
from muonrepro.training.lr_select import extend_grid
from muonrepro.util.io import atomic_write_json, atomic_write_parquet
from muonrepro.util.meta import run_metadata


@dataclass
class Problem:
    x: torch.Tensor
    y: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    k: int
    x_val: torch.Tensor
    y_val: torch.Tensor


def make_problem(
    d: int, k: int, mu: float, sigma_x: float, n_train: int, n_test: int, seed: int, n_val: int = 0
) -> Problem:
    gen = torch.Generator().manual_seed(seed)
    means = mu / np.sqrt(d) * torch.randn(k, d, generator=gen, dtype=DTYPE)
    p = torch.as_tensor(harmonic_priors(k), dtype=DTYPE)
    y = torch.multinomial(p, n_train, replacement=True, generator=gen)
    x = means[y] + sigma_x * torch.randn(n_train, d, generator=gen, dtype=DTYPE)
    if n_test % k:
        raise ValueError(f"n_test={n_test} must be a multiple of k={k} (class-balanced test set)")
    y_test = torch.arange(k).repeat_interleave(n_test // k)
    x_test = means[y_test] + sigma_x * torch.randn(n_test, d, generator=gen, dtype=DTYPE)
    y_val = torch.multinomial(p, n_val, replacement=True, generator=gen) if n_val else torch.zeros(0, dtype=torch.long)
    x_val = means[y_val] + sigma_x * torch.randn(n_val, d, generator=gen, dtype=DTYPE)
    return Problem(x, y, x_test, y_test, k, x_val, y_val)


def eval_steps(steps: int, n_eval: int) -> np.ndarray:
    """0 plus about n_eval log-spaced steps in [1, steps] (always including ``steps``)."""
    grid = np.unique(np.round(np.geomspace(1, steps, n_eval)).astype(int))
    return np.concatenate([[0], grid])


def class_accuracies(W: torch.Tensor, x: torch.Tensor, y: torch.Tensor, k: int) -> np.ndarray:
    """Accuracy per class; NaN for a class with no example in ``y``."""
    pred = (x @ W.T).argmax(1)
    correct = torch.zeros(k, dtype=DTYPE).index_add_(0, y, (pred == y).to(DTYPE))
    count = torch.bincount(y, minlength=k)
    return torch.where(count > 0, correct / count.clamp(min=1), torch.nan).numpy()


def accuracy_rows(step: int, metric: str, acc: np.ndarray) -> list[tuple]:
    """Balanced (mean over the classes present) and worst-class accuracy, and those of class 1 (the largest)
    and class k (the smallest)."""
    return [
        (step, metric, "balanced", float(np.nanmean(acc))),
        (step, metric, "worst_class", float(np.nanmin(acc))),
        (step, metric, "majority_class", float(acc[0])),
        (step, metric, "minority_class", float(acc[-1])),
    ]


def ce_gradient(W: torch.Tensor, x: torch.Tensor, y: torch.Tensor, k: int) -> torch.Tensor:
    """Gradient of the mean cross-entropy of logits x W^T: (softmax - onehot)^T x / n."""
    P = torch.softmax(x @ W.T, dim=1)
    P[torch.arange(len(y)), y] -= 1
    return P.T @ x / len(y)


def run_rule(prob: Problem, rule: str, lr: float, steps: int, log_at: np.ndarray) -> list[tuple]:
    """(step, metric, group, value) rows: balanced / worst-class / majority- / minority-class accuracy on the
    validation split (``val_acc``, if any) and on the test split (``test_acc``)."""
    W = torch.zeros(prob.k, prob.x.shape[1], dtype=DTYPE)
    log_at = set(int(s) for s in log_at)
    rows = []
    for step in range(steps + 1):
        if step in log_at:  # at W = 0 every logit ties: class 0
            if len(prob.y_val):
                rows += accuracy_rows(step, "val_acc", class_accuracies(W, prob.x_val, prob.y_val, prob.k))
            rows += accuracy_rows(step, "test_acc", class_accuracies(W, prob.x_test, prob.y_test, prob.k))
        if step == steps:
            break
        W = W - lr * nsd_direction(rule, ce_gradient(W, prob.x, prob.y, prob.k))
        if not torch.isfinite(W).all():
            break
    return rows


def run_linear_ce(
    d: int,
    k: int,
    mu: float,
    sigma_x: float,
    n_train: int,
    n_test: int,
    steps: int,
    n_eval: int,
    lr_grid: dict[str, list[float]],
    seed: int,
    n_val: int = 0,
) -> pd.DataFrame:
    """All rules x learning rates of the grid for one seed: tidy curves with an ``lr`` column."""
    prob = make_problem(d, k, mu, sigma_x, n_train, n_test, seed, n_val)
    log_at = eval_steps(steps, n_eval)
    frames = []
    for rule, lrs in lr_grid.items():
        for lr in lrs:
            df = pd.DataFrame(run_rule(prob, rule, lr, steps, log_at), columns=["step", "metric", "group", "value"])
            df.insert(0, "lr", float(lr))
            df.insert(0, "optimizer", rule)
            frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "experiment", "linear_ce")
    out.insert(2, "seed", seed)
    return out


def linear_ce_job(smk) -> None:
    """Rule imbalanced_linear_ce: the Fig. 4 linear cross-entropy model (``params.cfg`` at ``params.sizes``), every
    rule x lr of ``cfg.lr_grid`` for every seed of ``params.seeds``; a rule whose choice
    (``curves.linear_ce_choice``, either claim metric) lies at its grid's edge gets one more lr past it, for every
    seed, up to ``params.max_extensions`` times (``training.lr_select.extend_grid``). Outputs: curves, meta (one
    path per seed)."""
    torch.set_num_threads(smk.threads)
    p = smk.params
    cfg, sizes, seeds, max_extensions = p.cfg, p.sizes, [int(s) for s in p.seeds], p.max_extensions
    frames: dict[int, list[pd.DataFrame]] = {s: [] for s in seeds}
    trained: dict[str, list[float]] = {}
    for rule, grid in cfg["lr_grid"].items():
        trained[rule] = []

        def train(lrs, rule=rule):
            new = [lr for lr in lrs if lr not in trained[rule]]
            for seed in seeds if new else []:
                frames[seed].append(
                    run_linear_ce(
                        cfg["d"],
                        cfg["k"],
                        cfg["mu"],
                        cfg["sigma_x"],
                        sizes["n_train"],
                        sizes["n_test"],
                        sizes["steps"],
                        sizes["n_eval"],
                        {rule: new},
                        seed,
                        sizes["n_val"],
                    )
                )
            trained[rule] += new

        for group in LINEAR_CE_GROUPS:

            def chosen(lrs, rule=rule, group=group):
                df = pd.concat([f for fs in frames.values() for f in fs], ignore_index=True)
                lr = linear_ce_choice(df[df["lr"].isin(lrs)], rule, group)["lr"]
                return None if np.isnan(lr) else lr

            grid, _ = extend_grid(grid, train, chosen, max_extensions)  # one lr: nothing to extend
    for seed, curves, meta in zip(seeds, smk.output.curves, smk.output.meta, strict=True):
        atomic_write_parquet(pd.concat(frames[seed], ignore_index=True), curves)
        config = {"linear_ce": cfg, "sizes": sizes, "lrs_trained": {r: sorted(v) for r, v in trained.items()}}
        atomic_write_json(run_metadata(config, seed, "cpu"), meta)
