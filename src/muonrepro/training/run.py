"""The one run setup every paper uses: build the optimizer by name (``optim.registry``), fingerprint the run
(settings, code, data: ``training.checkpoint``) for its checkpoint, resume from that checkpoint when the fingerprint
matches, and fit on the one loop (``training.loop.fit``)."""

from __future__ import annotations

from collections.abc import Iterable

from muonrepro.optim.registry import build_optimizer
from muonrepro.training.checkpoint import Checkpoint, fingerprint
from muonrepro.training.loop import FitResult, FitSpec, fit


def train_run(
    task,
    optimizer: str,
    opt_cfg: dict,
    lr: float,
    spec: FitSpec,
    *,
    checkpoint=None,
    settings: dict | None = None,
    code: Iterable = (),
    data_files: Iterable = (),
    hooks: Iterable = (),
) -> FitResult:
    """Train ``task.model`` with optimizer ``optimizer`` (``opt_cfg`` at learning rate ``lr``) under ``spec``.
    ``checkpoint``: the run's resumable checkpoint path (None: none), matched on ``settings`` (everything that
    decides the run's outputs, JSON-able), the contents of the ``code`` files and of the ``data_files``."""
    if checkpoint and settings is None:
        raise ValueError(f"[{spec.name}] a checkpointed run needs its settings for the fingerprint")
    ckpt = Checkpoint(checkpoint, fingerprint(settings, list(code), list(data_files))) if checkpoint else None
    return fit(task, build_optimizer(task.model, optimizer, opt_cfg, lr), spec, hooks=hooks, checkpoint=ckpt)
