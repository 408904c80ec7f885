"""Momentum-then-normalize optimizers: Muon, NMD, Signum share this one momentum code.

Convention (the one of ``torch.optim.Muon`` and Keller Jordan's ``muon_update``): the buffer is an
EMA, ``B <- B.lerp(g, 1 - beta)``; with Nesterov the direction is ``g.lerp(B, beta)``, else ``B``.
Weight decay is decoupled (``p *= 1 - lr * wd``) and applied before the update. Subclasses
define ``direction(update, p)``, the normalisation of the momentum update, and ``lr_scale(p)``.
Tensors with more than two dims (conv kernels) are viewed as ``(C_out, -1)`` matrices.
"""

from __future__ import annotations

import torch


class MomentumNormalized(torch.optim.Optimizer):
    def __init__(self, params, lr: float, momentum: float = 0.95, nesterov: bool = True, weight_decay: float = 0.0):
        if lr < 0:
            raise ValueError(f"lr must be >= 0, got {lr}")
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
        super().__init__(params, dict(lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay))

    def direction(self, update: torch.Tensor, group: dict) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError

    def lr_scale(self, shape: torch.Size, group: dict) -> float:
        return 1.0

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta = group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                state = self.state[p]
                if beta > 0:
                    if "momentum_buffer" not in state:
                        state["momentum_buffer"] = torch.zeros_like(g)
                    buf = state["momentum_buffer"]
                    buf.lerp_(g, 1 - beta)
                    update = g.lerp(buf, beta) if group["nesterov"] else buf
                else:
                    update = g
                mat = update.reshape(update.size(0), -1) if update.ndim > 2 else update
                d = self.direction(mat, group).view_as(p)
                if group["weight_decay"]:
                    p.mul_(1 - group["lr"] * group["weight_decay"])
                p.add_(d, alpha=-group["lr"] * self.lr_scale(mat.shape, group))
        return loss
