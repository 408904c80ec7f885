"""Optimizers: the shared ``orthogonalize``, Muon and the normalized family, and a registry."""

from .orthogonalize import orthogonalize, newton_schulz, polar_svd
from .muon import Muon
from .normalized import NMD, Signum
from .registry import build_optimizer, OPTIMIZERS

__all__ = ["orthogonalize", "newton_schulz", "polar_svd", "Muon", "NMD", "Signum", "build_optimizer", "OPTIMIZERS"]
