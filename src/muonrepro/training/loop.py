"""The one training loop: ``fit(task, spec, ...)`` for every trained network of the three papers
(the energy paper's MNIST MLPs, Colored-MNIST, and every GPU-scale task of the imbalanced paper).

A *task* owns its model and device-resident data and answers:

- ``task.model``: the ``nn.Module`` (built and seeded by the task);
- ``task.n_train``: how many training examples (or LM windows) one epoch visits;
- ``task.loss(idx, gen)``: mean training loss over the examples ``idx`` (a device int64 tensor);
  ``gen`` is the loop's seeded CPU generator (data augmentation draws from it);
- ``task.evaluate(end_of_epoch)``: a list of ``(metric, group, value)`` measured now (called in eval
  mode under ``torch.no_grad``).

``fit`` shuffles with a seeded CPU generator (one permutation per epoch), evaluates at the steps of
``spec.eval_steps`` (the task's schedule: see ``epoch_ends``, ``per_epoch`` and ``log_spaced``), logs
the sample-weighted mean training loss since the previous evaluation, and calls each hook after
step 0 and after every optimizer step (the energy paper's weight snapshots).

Divergence, one rule for every task: at an evaluation, a run whose mean training loss since the
previous evaluation is non-finite or above ``MAX_LOSS``, or whose parameters are not all finite, is
stopped and recorded as diverged (a ``("diverged", "average", 1.0)`` row).

Checkpoints (``training.checkpoint``): after every evaluation, at most every
``spec.checkpoint_seconds``, with the epoch's permutation, so a long epoch resumes mid-way; a rerun
whose fingerprint (settings, code, data) matches resumes from it and yields the same rows as an
uninterrupted run; one that does not match is discarded with a log line saying why.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import torch

from muonrepro.training.checkpoint import Checkpoint

# A mean training loss above this is a blow-up even while still finite (cross-entropy at chance is
# ln(#classes), about 2.3 nats for 10 classes and 9 for an 8k vocabulary).
MAX_LOSS = 1e6
COLUMNS = ["epoch", "step", "metric", "group", "value"]


# ------------------------------------------------------------------------------------------------
# evaluation schedules: (steps per epoch, epochs) -> the global steps (0 = before training) to evaluate at


def epoch_ends(per_epoch: int, epochs: int) -> set[int]:
    """At the end of every epoch."""
    return {per_epoch * e for e in range(1, epochs + 1)}


def per_epoch(n: int) -> Callable[[int, int], set[int]]:
    """Before training, then ``n`` times per epoch (evenly spaced batches; always the epoch's last)."""

    def steps(per_epoch_: int, epochs: int) -> set[int]:
        within = {max(1, round(per_epoch_ * k / n)) for k in range(1, n + 1)}
        return {0} | {e * per_epoch_ + b for e in range(epochs) for b in within}

    return steps


def every_and_log_spaced(every: int, log_evals: int) -> Callable[[int, int], set[int]]:
    """Before training, every ``every`` steps, at ``log_evals`` log-spaced steps (dense early, where the
    groups of Colored-MNIST separate), and at the last step."""

    def steps(per_epoch_: int, epochs: int) -> set[int]:
        total = per_epoch_ * epochs
        out = {0, total} | set(range(every, total + 1, every))
        if log_evals > 0:
            out |= set(np.unique(np.round(np.geomspace(1, total, log_evals)).astype(int)).tolist())
        return out

    return steps


@dataclass(frozen=True)
class FitSpec:
    epochs: int
    batch_size: int
    seed: int
    schedule: Callable[[int, int], set[int]] = epoch_ends
    checkpoint_seconds: float = 0.0  # at most one checkpoint per this many seconds (0: at every evaluation)
    name: str = "train"  # for log lines

    def eval_steps(self, n_train: int) -> set[int]:
        return self.schedule(math.ceil(n_train / self.batch_size), self.epochs)


@dataclass
class FitResult:
    rows: list[tuple] = field(default_factory=list)  # (epoch, step, metric, group, value)
    diverged: bool = False
    diverged_step: int | None = None
    steps: int = 0
    seconds: float = 0.0
    resumed_at: int | None = None


def finite_parameters(model: torch.nn.Module) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in model.parameters())


def fit(
    task,
    optimizer,
    spec: FitSpec,
    *,
    hooks: Iterable = (),
    checkpoint: Checkpoint | None = None,
    log: Callable[[str], None] = print,
) -> FitResult:
    """Train ``task.model`` with ``optimizer`` (``zero_grad``/``step``/``state_dict``/``load_state_dict``).

    ``hooks``: objects with ``after_step(step, model)`` (called after step 0, i.e. before training,
    and after every optimizer step), ``state_dict()`` and ``load_state_dict(state)`` (checkpointed).
    """
    model, hooks = task.model, list(hooks)
    dev = next(model.parameters()).device
    n = task.n_train
    per_epoch_ = math.ceil(n / spec.batch_size)
    total = per_epoch_ * spec.epochs
    eval_at = spec.eval_steps(n)
    gen = torch.Generator().manual_seed(spec.seed)
    res, perm = FitResult(), None
    state = checkpoint.load(map_location=dev) if checkpoint is not None else None
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        gen.set_state(state["generator"])
        for h, s in zip(hooks, state["hooks"]):
            h.load_state_dict(s)
        res.rows, res.steps, perm = [tuple(r) for r in state["rows"]], state["step"], state["perm"]
        res.seconds, res.resumed_at = state["seconds"], state["step"]
        log(
            f"[{spec.name}] resumed from {checkpoint.path} at step {res.steps} (epoch {res.steps // per_epoch_}, "
            f"batch {res.steps % per_epoch_})"
        )

    def record(metric_rows):
        res.rows.extend((res.steps / per_epoch_, res.steps, m, g, float(v)) for m, g, v in metric_rows)

    def evaluate(end_of_epoch: bool):
        model.eval()
        with torch.no_grad():
            record(task.evaluate(end_of_epoch))
        model.train()

    if res.steps == 0 and not res.rows:
        for h in hooks:
            h.after_step(0, model)
        if 0 in eval_at:
            evaluate(end_of_epoch=False)
    model.train()
    dperm = None if perm is None else perm.to(dev)
    loss_sum, loss_n = torch.zeros((), device=dev), 0
    epoch_sum, epoch_n = torch.zeros((), device=dev), 0
    t0, last_save = time.perf_counter(), time.perf_counter()
    while res.steps < total:
        b = res.steps % per_epoch_
        if b == 0:
            perm = torch.randperm(n, generator=gen)
            dperm = perm.to(dev)
        idx = dperm[b * spec.batch_size : (b + 1) * spec.batch_size]
        loss = task.loss(idx, gen)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        res.steps += 1
        weighted = loss.detach().float() * len(idx)
        loss_sum += weighted
        loss_n += len(idx)
        epoch_sum += weighted
        epoch_n += len(idx)
        for h in hooks:
            h.after_step(res.steps, model)
        end_of_epoch = b + 1 == per_epoch_
        if res.steps in eval_at:
            mean_loss = (loss_sum / loss_n).item()
            record([("train_loss", "average", mean_loss)])
            loss_sum.zero_()
            loss_n = 0
            if not math.isfinite(mean_loss) or mean_loss > MAX_LOSS or not finite_parameters(model):
                res.diverged, res.diverged_step = True, res.steps
                record([("diverged", "average", 1.0)])
                log(
                    f"[{spec.name}] diverged at step {res.steps} (mean training loss {mean_loss:.4g}: non-finite or > "
                    f"{MAX_LOSS:g}, or non-finite parameters)"
                )
                break
            evaluate(end_of_epoch)
            now = time.perf_counter()
            if checkpoint is not None and (now - last_save >= spec.checkpoint_seconds or res.steps == total):
                checkpoint.save(
                    {
                        "model": model.state_dict(),
                        "optimizer": optimizer.state_dict(),
                        "generator": gen.get_state(),
                        "hooks": [h.state_dict() for h in hooks],
                        "rows": [list(r) for r in res.rows],
                        "step": res.steps,
                        "perm": perm,
                        "seconds": res.seconds + now - t0,
                    }
                )
                last_save = time.perf_counter()
        if end_of_epoch:
            last = {
                f"{m}/{g}": v for _, s, m, g, v in res.rows if m != "train_loss" and g in ("average", "worst_group")
            }
            shown = ", ".join(f"{k} {v:.4g}" for k, v in list(last.items())[-4:])
            log(
                f"[{spec.name}] epoch {res.steps // per_epoch_}/{spec.epochs} (step {res.steps}): train_loss "
                f"{(epoch_sum / max(epoch_n, 1)).item():.4g}" + (f"; last evaluation: {shown}" if shown else "")
            )
            epoch_sum.zero_()
            epoch_n = 0
    res.seconds += time.perf_counter() - t0
    return res
