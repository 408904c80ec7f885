"""NMD and Signum: the Frobenius and entrywise (l_inf) counterparts of Muon (spec imbalanced.md §1.4).

Both share Muon's momentum code (``MomentumNormalized``: EMA buffer, optional Nesterov, decoupled
weight decay) and differ only in how the momentum update is normalised:

- ``NMD`` (normalized momentum descent): ``M / ||M||_F`` (zero stays zero). With ``momentum=0`` it is NGD.
- ``Signum``: ``sign(M)`` entrywise. With ``momentum=0`` it is SignGD.

Neither rescales the learning rate by shape (``lr_scale`` = 1): the step has Frobenius norm ``lr``
(NMD) or ``lr * sqrt(numel)`` (Signum); tune lr per optimizer.

``optim.registry`` builds them with Muon's parameter split (hidden matrices; AdamW on the rest).
"""

from __future__ import annotations

import torch

from muonrepro.optim.momentum import MomentumNormalized


class NMD(MomentumNormalized):
    def __init__(
        self,
        params,
        lr: float,
        momentum: float = 0.95,
        nesterov: bool = True,
        weight_decay: float = 0.0,
        eps: float = 1e-12,
    ):
        self.eps = eps
        super().__init__(params, lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)

    def direction(self, update: torch.Tensor, group: dict) -> torch.Tensor:
        norm = torch.linalg.vector_norm(update)
        return update / norm if norm > self.eps else torch.zeros_like(update)


class Signum(MomentumNormalized):
    def direction(self, update: torch.Tensor, group: dict) -> torch.Tensor:
        return torch.sign(update)
