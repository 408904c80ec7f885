"""Update rules, batched over runs (every run has its own hyperparameters): spec §4.2, §4.4.

- ``SimplifiedMuon``: simplified Muon ``W <- W - eta_t msgn(grad)`` (exact polar factor, no momentum) and,
  for the §5.7 ablation, NS5 in place of msgn and an optional momentum buffer (EMA convention of
  ``muonrepro.optim.momentum``: ``m <- beta m + (1-beta) g``, Nesterov direction
  ``(1-beta) g + beta m``). A scalar parameter (two-factor ICL's ``u``) gets ``sign``.
- ``GD``: ``W <- W - eta grad``, constant eta per run.
- ``Adam``: full-batch Adam with bias correction and ``lr_t = lr_0 q_a^t`` per run.

``step(t, params, grads)`` returns the new parameter tuple (t = 0 for the first step).
"""

from __future__ import annotations

import numpy as np

from muonrepro.optim.orthogonalize import orthogonalize_np
from muonrepro.precond.steps import StepRule


def _bcast(x: np.ndarray, like: np.ndarray) -> np.ndarray:
    return np.asarray(x).reshape((-1,) + (1,) * (like.ndim - 1))


class SimplifiedMuon:
    def __init__(
        self,
        rule: StepRule,
        *,
        rel_cutoff: float,
        orth: str = "svd",
        momentum: float = 0.0,
        nesterov: bool = False,
    ):
        self.rule = rule
        if orth not in ("svd", "ns5"):
            raise ValueError(f"orthogonalizer must be 'svd' (msgn) or 'ns5', got {orth!r}")
        self.orth, self.rel_cutoff = orth, rel_cutoff
        self.momentum = momentum
        self.nesterov = nesterov
        self.buf = None

    def direction(self, G: np.ndarray) -> np.ndarray:
        return np.sign(G) if G.ndim == 1 else orthogonalize_np(G, self.orth, rel_cutoff=self.rel_cutoff)

    def step(self, t, params, grads):
        if self.momentum > 0:
            beta = self.momentum
            if self.buf is None:
                self.buf = [np.zeros_like(g) for g in grads]
            upd = []
            for k, g in enumerate(grads):
                self.buf[k] = beta * self.buf[k] + (1 - beta) * g
                upd.append((1 - beta) * g + beta * self.buf[k] if self.nesterov else self.buf[k])
        else:
            upd = grads
        out = []
        for p, g, u in zip(params, grads, upd):
            eta = self.rule(t, g)
            out.append(p - _bcast(eta, p) * self.direction(u))
        return tuple(out)


class GD:
    def __init__(self, eta: np.ndarray):
        self.eta = np.asarray(eta, dtype=np.float64)

    def step(self, t, params, grads):
        return tuple(p - _bcast(self.eta, p) * g for p, g in zip(params, grads))


class Adam:
    def __init__(self, lr0: np.ndarray, qa: np.ndarray, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-12):
        self.lr0 = np.asarray(lr0, dtype=np.float64)
        self.qa = np.asarray(qa, dtype=np.float64)
        self.b1, self.b2, self.eps = beta1, beta2, eps
        self.m = self.v = None

    def step(self, t, params, grads):
        if self.m is None:
            self.m = [np.zeros_like(g) for g in grads]
            self.v = [np.zeros_like(g) for g in grads]
        lr = self.lr0 * self.qa**t
        c1, c2 = 1.0 - self.b1 ** (t + 1), 1.0 - self.b2 ** (t + 1)
        out = []
        for k, (p, g) in enumerate(zip(params, grads)):
            m, v = self.m[k], self.v[k]  # in place: m <- b1 m + (1-b1) g, v <- b2 v + (1-b2) g^2
            m *= self.b1
            m += (1 - self.b1) * g
            v *= self.b2
            v += (1 - self.b2) * (g * g)
            den = np.sqrt(v)  # the operation order of torch.optim.Adam (single-tensor path)
            den /= np.sqrt(c2)
            den += self.eps
            upd = np.divide(m, den, out=den)
            upd *= _bcast(lr / c1, p)  # lr_t / c1 * m / (sqrt(v) / sqrt(c2) + eps)
            out.append(p - upd)
        return tuple(out)
