"""Build an optimizer for a model from a config dict.

Models expose ``hidden_matrices()`` (the 2-D hidden weights Muon acts on) and ``other_params()``
(head and biases). Muon, NMD and Signum runs get the reference split: the optimizer on the hidden matrices, AdamW (the
``aux_adamw`` sub-config) on the rest (Keller Jordan's ``MuonWithAuxAdam`` recipe).
"""

from __future__ import annotations

import torch

from muonrepro.optim.muon import Muon
from muonrepro.optim.normalized import NMD, Signum


class OptimizerSet:
    """Several optimizers stepped as one (state dicts included)."""

    def __init__(self, optimizers: list[torch.optim.Optimizer]):
        self.optimizers = optimizers

    def zero_grad(self, set_to_none: bool = True):
        for o in self.optimizers:
            o.zero_grad(set_to_none=set_to_none)

    def step(self):
        for o in self.optimizers:
            o.step()

    def state_dict(self):
        return [o.state_dict() for o in self.optimizers]

    def load_state_dict(self, states):
        for o, s in zip(self.optimizers, states, strict=True):
            o.load_state_dict(s)


def _sgd(model, cfg, lr):
    return [
        torch.optim.SGD(
            model.parameters(),
            lr=lr,
            momentum=cfg.get("momentum", 0.0),
            nesterov=cfg.get("nesterov", False),
            weight_decay=cfg.get("weight_decay", 0.0),
        )
    ]


def _adamw(model, cfg, lr):
    return [
        torch.optim.AdamW(
            model.parameters(),
            lr=lr,
            betas=tuple(cfg.get("betas", (0.9, 0.999))),
            eps=cfg.get("eps", 1e-8),
            weight_decay=cfg.get("weight_decay", 0.01),
        )
    ]


def _aux_adamw(model, cfg):
    aux = cfg.get("aux_adamw", {})
    return torch.optim.AdamW(
        model.other_params(),
        lr=aux.get("lr", 3e-4),
        betas=tuple(aux.get("betas", (0.9, 0.95))),
        eps=aux.get("eps", 1e-10),
        weight_decay=aux.get("weight_decay", 0.01),
    )


def _momentum_kw(cfg):
    return dict(
        momentum=cfg.get("momentum", 0.95),
        nesterov=cfg.get("nesterov", True),
        weight_decay=cfg.get("weight_decay", 0.0),
    )


def _hidden_split(make):
    """Builder with the reference split: ``make`` on the hidden matrices, AdamW on head and biases."""

    def builder(model, cfg, lr):
        return [make(model.hidden_matrices(), cfg, lr), _aux_adamw(model, cfg)]

    return builder


def _make_muon(params, cfg, lr):
    return Muon(
        params,
        lr=lr,
        **_momentum_kw(cfg),
        ns_steps=cfg.get("ns_steps", 5),
        method=cfg.get("method", "ns5"),
        adjust_lr_fn=cfg.get("adjust_lr_fn", "original"),
    )


def _shampoo(model, cfg, lr):
    """Shampoo from ``pytorch-optimizer`` (optional extra ``shampoo``; imported only when used)."""
    try:
        from pytorch_optimizer import Shampoo
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "optimizer 'shampoo' needs the optional extra: pip install 'muonrepro[shampoo]' "
            "(the pytorch-optimizer package)"
        ) from e
    return [
        Shampoo(
            model.parameters(),
            lr=lr,
            momentum=cfg.get("momentum", 0.0),
            weight_decay=cfg.get("weight_decay", 0.0),
            preconditioning_compute_steps=cfg.get("preconditioning_compute_steps", 1),
            matrix_eps=cfg.get("matrix_eps", 1e-6),
        )
    ]


def shampoo_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("pytorch_optimizer") is not None


# why a job that needs Shampoo skips it when ``shampoo_available()`` is false
SHAMPOO_MISSING = "the optional package pytorch-optimizer is not installed (pip install 'muonrepro[shampoo]')"


OPTIMIZERS = {
    "sgd": _sgd,
    "adamw": _adamw,
    "adam": _adamw,  # Adam = AdamW with the configured weight_decay (0 for Adam proper)
    "muon": _hidden_split(_make_muon),
    "nmd": _hidden_split(lambda params, cfg, lr: NMD(params, lr=lr, **_momentum_kw(cfg))),
    "signum": _hidden_split(lambda params, cfg, lr: Signum(params, lr=lr, **_momentum_kw(cfg))),
    "shampoo": _shampoo,
}


def build_optimizer(model: torch.nn.Module, name: str, cfg: dict, lr: float) -> OptimizerSet:
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; known: {sorted(OPTIMIZERS)}")
    return OptimizerSet(OPTIMIZERS[name](model, cfg, lr))
