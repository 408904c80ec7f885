"""Muon (and SpecGD as its exact-polar, momentum-free special case).

Numerically the recipe of ``torch.optim.Muon`` (torch >= 2.9): EMA momentum with Nesterov, NS5 with
the same coefficients and Frobenius normalisation, decoupled weight decay, and the "original"
shape scaling ``sqrt(max(1, rows/cols))``. Differences, all options:

- ``ns_dtype``: NS working precision. torch hard-codes bfloat16, which on CPU is ~28x slower than
  float32; our default is float32 on CPU and bfloat16 on CUDA (``orthogonalize.default_ns_dtype``).
- ``method="svd"``: the exact polar factor (SpecGD when ``momentum=0``).
- tensors with ndim > 2 (conv kernels) are flattened to ``(C_out, -1)``.
"""

from __future__ import annotations

import math

import torch

from muonrepro.optim.momentum import MomentumNormalized
from muonrepro.optim.orthogonalize import NS5_COEFFICIENTS, NS_EPS, orthogonalize

ADJUST_LR_FNS = ("original", "match_rms_adamw", "none")


class Muon(MomentumNormalized):
    def __init__(
        self,
        params,
        lr: float = 0.02,
        momentum: float = 0.95,
        nesterov: bool = True,
        weight_decay: float = 0.0,
        ns_steps: int = 5,
        ns_coefficients: tuple[float, float, float] = NS5_COEFFICIENTS,
        eps: float = NS_EPS,
        method: str = "ns5",
        ns_dtype: torch.dtype | None = None,
        adjust_lr_fn: str = "original",
    ):
        if adjust_lr_fn not in ADJUST_LR_FNS:
            raise ValueError(f"adjust_lr_fn must be one of {ADJUST_LR_FNS}, got {adjust_lr_fn!r}")
        self.ns = dict(method=method, dtype=ns_dtype, steps=ns_steps, coefficients=tuple(ns_coefficients), eps=eps)
        self.adjust_lr_fn = adjust_lr_fn
        super().__init__(params, lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim < 2:
                    raise ValueError(
                        f"Muon takes matrices (or conv kernels); got a parameter of shape {tuple(p.shape)}"
                    )

    def direction(self, update, group):
        return orthogonalize(update, **self.ns)

    def lr_scale(self, shape, group):
        rows, cols = shape[0], shape[1]
        if self.adjust_lr_fn == "original":
            return math.sqrt(max(1.0, rows / cols))
        if self.adjust_lr_fn == "match_rms_adamw":
            return 0.2 * math.sqrt(max(rows, cols))
        return 1.0
