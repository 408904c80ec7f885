"""NMD and Signum: the Frobenius and entrywise (l_inf) counterparts of Muon (spec imbalanced.md §1.4).

Both share Muon's momentum code (``MomentumNormalized``: EMA buffer, optional Nesterov, decoupled
weight decay) and differ only in how the momentum update is normalised:

- ``NMD`` (normalized momentum descent): ``M / ||M||_F`` (zero stays zero). With ``momentum=0`` it is NGD.
- ``Signum``: ``sign(M)`` entrywise. With ``momentum=0`` it is SignGD.

Neither rescales the learning rate by shape (``lr_scale`` = 1): the step has Frobenius norm ``lr``
(NMD) or ``lr * sqrt(numel)`` (Signum); tune lr per optimizer.

``BUILDERS`` holds registry builders (the ``optim.registry`` signature ``(model, cfg, lr) -> list``)
with Muon's parameter split: NMD / Signum on ``model.hidden_matrices()``, AdamW (``aux_adamw``) on
``model.other_params()``. ``register(optimizers)`` adds them to a registry dict.
"""

from __future__ import annotations

import torch

from .momentum import MomentumNormalized


class NMD(MomentumNormalized):
    def __init__(self, params, lr: float, momentum: float = 0.95, nesterov: bool = True, weight_decay: float = 0.0,
                 eps: float = 1e-12):
        self.eps = eps
        super().__init__(params, lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)

    def direction(self, update: torch.Tensor, group: dict) -> torch.Tensor:
        norm = torch.linalg.vector_norm(update)
        return update / norm if norm > self.eps else torch.zeros_like(update)


class Signum(MomentumNormalized):
    def direction(self, update: torch.Tensor, group: dict) -> torch.Tensor:
        return torch.sign(update)


def _aux_adamw(model, cfg):
    aux = cfg.get("aux_adamw", {})
    return torch.optim.AdamW(model.other_params(), lr=aux.get("lr", 1e-3), betas=tuple(aux.get("betas", (0.9, 0.95))),
                             eps=aux.get("eps", 1e-10), weight_decay=aux.get("weight_decay", 0.0))


def _build(cls):
    def builder(model, cfg, lr):
        main = cls(model.hidden_matrices(), lr=lr, momentum=cfg.get("momentum", 0.95),
                   nesterov=cfg.get("nesterov", True), weight_decay=cfg.get("weight_decay", 0.0))
        return [main, _aux_adamw(model, cfg)]
    builder.__name__ = f"_{cls.__name__.lower()}"
    return builder


BUILDERS = {"nmd": _build(NMD), "signum": _build(Signum)}


def register(optimizers: dict) -> dict:
    """Add ``nmd`` and ``signum`` to a registry dict (e.g. ``optim.registry.OPTIMIZERS``); idempotent."""
    for name, fn in BUILDERS.items():
        optimizers.setdefault(name, fn)
    return optimizers
