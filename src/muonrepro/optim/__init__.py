"""Optimizers: the shared ``orthogonalize``, Muon and the normalized family, and a registry."""

from muonrepro.optim.muon import Muon
from muonrepro.optim.normalized import NMD, Signum
from muonrepro.optim.orthogonalize import newton_schulz, orthogonalize, orthogonalize_np, polar_svd
from muonrepro.optim.registry import OPTIMIZERS, build_optimizer

__all__ = [
    "orthogonalize",
    "orthogonalize_np",
    "newton_schulz",
    "polar_svd",
    "Muon",
    "NMD",
    "Signum",
    "build_optimizer",
    "OPTIMIZERS",
]
