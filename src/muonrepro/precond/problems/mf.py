"""Matrix factorization problems (spec §3.1), batched over a leading run axis.

- ``SymmetricMF``: ``f(U) = 1/4 ||U U^T - M*||_F^2``, ``M* = V* diag(lam) V*^T``, ``U`` (d x r).
- ``AsymmetricMF``: ``f(X, Y) = 1/2 ||X Y^T - M*||_F^2``, ``M* = U* diag(sig) V*^T``.

Parameters are tuples of arrays of shape (B, rows, cols). Gradients and errors use the low-rank
structure (cost O(d r^2)); the error is a sum of non-negative terms (no cancellation), so the
relative error is accurate down to ~1e-16.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from muonrepro.precond.problems.spectra import (
    basis,
    jitter_fractions,
    jitter_spectrum,
    random_orthogonal_square,
    spectrum,
)


def _t(A):
    return np.swapaxes(A, -1, -2)


def _sq(A):
    return (A * A).sum(axis=(-2, -1))


@dataclass
class SymmetricMF:
    V: np.ndarray  # (B, d, r) orthonormal columns
    lam: np.ndarray  # (B, r) descending, lam[:, 0] = 1

    @property
    def norm_M(self) -> np.ndarray:
        return np.linalg.norm(self.lam, axis=-1)

    def grads(self, params):
        (U,) = params
        A = _t(self.V) @ U
        return (U @ (_t(U) @ U) - self.V @ (self.lam[:, :, None] * A),)

    def loss(self, params) -> np.ndarray:
        return 0.25 * self.abs_error(params) ** 2

    def abs_error(self, params) -> np.ndarray:
        """``||U U^T - M*||_F`` via ``U = V* A + W`` with ``V*^T W = 0`` (orthogonal blocks)."""
        (U,) = params
        A = _t(self.V) @ U
        W = U - self.V @ A
        D = A @ _t(A)
        r = self.lam.shape[-1]
        D[:, np.arange(r), np.arange(r)] -= self.lam
        WtW = _t(W) @ W
        sq = _sq(D) + 2.0 * ((_t(A) @ A) * WtW).sum(axis=(-2, -1)) + _sq(WtW)
        return np.sqrt(np.maximum(sq, 0.0))

    def error(self, params) -> np.ndarray:
        """Relative error ``||U U^T - M*||_F / ||M*||_F`` (spec §3.1 metric)."""
        return self.abs_error(params) / self.norm_M

    def sigma(self, params) -> np.ndarray:
        """Singular values of U, descending (B, r)."""
        return np.linalg.svd(params[0], compute_uv=False)

    def mode_errors(self, params) -> np.ndarray:
        """Per-mode error ``|sigma_i(U) - sqrt(lam_i)|`` with sorted singular values (B, r)."""
        return np.abs(self.sigma(params) - np.sqrt(self.lam))

    def reduce(self, params):
        """The same problem in an orthonormal basis P of span(U_0, V*) (B, d, 2r).

        For rotation-equivariant methods (GD, Muon with msgn or NS5) the iterates never leave this
        span, so running on ``(P^T V*, P^T U_0)`` gives the same errors at a fraction of the cost.
        Adam is not equivariant and must not be reduced.
        """
        (U,) = params
        P, _ = np.linalg.qr(np.concatenate([U, self.V], axis=-1))
        return SymmetricMF(_t(P) @ self.V, self.lam.copy()), (_t(P) @ U,), P


class SymmetricInstance(NamedTuple):
    V: np.ndarray  # (d, r) orthonormal columns
    lam: np.ndarray  # (r,) descending, lam[0] = 1, lam[-1] = 1/kappa
    U0: np.ndarray  # (d, r)
    a0: np.ndarray | None  # (r,) per-mode start of an aligned init (mode i pairs with lam_i); None if random


def make_symmetric_mf(
    seed: int,
    d: int,
    r: int,
    kappa: float,
    spectrum_kind: str,
    rotate: bool,
    init: str,
    init_scale: float,
    *,
    jitter: float = 0.0,
    init_jitter: float = 0.0,
) -> SymmetricInstance:
    """One instance, drawn from ``default_rng(seed)`` in the order of spec §6.2 (V* first, then U_0's
    randomness), then the spectrum's jitter fractions and, for an aligned init, the per-mode scales.

    ``init="random"``: ``U_0 = alpha G / sqrt(d)`` (I-b). ``init="aligned"``: ``U_0 = V* diag(a_0) R``
    with R a random r x r rotation and ``a_0,i = init_scale exp(init_jitter v_i)``, ``v_i ~ U(-1, 1)``
    (I-a; ``init_jitter = 0``: the spec's equal scales). ``jitter``: see ``spectra.jitter_spectrum``.
    """
    rng = np.random.default_rng(seed)
    V = basis(rng, d, r, rotate)
    if init == "random":
        U0 = init_scale * rng.standard_normal((d, r)) / np.sqrt(d)
    elif init == "aligned":
        R = random_orthogonal_square(rng, r)
    else:
        raise ValueError(f"init must be 'random' or 'aligned', got {init!r}")
    lam = jitter_spectrum(spectrum(spectrum_kind, r, kappa), jitter_fractions(rng, r, jitter))
    a0 = None
    if init == "aligned":
        a0 = init_scale * np.exp(init_jitter * rng.uniform(-1.0, 1.0, r))
        U0 = V @ (a0[:, None] * R)
    return SymmetricInstance(V, lam, U0, a0)


def stack_symmetric(instances) -> tuple[SymmetricMF, tuple]:
    V, lam, U0 = (np.stack(x) for x in zip(*((i[0], i[1], i[2]) for i in instances)))
    return SymmetricMF(V, lam), (U0,)


@dataclass
class AsymmetricMF:
    Us: np.ndarray  # (B, d1, r)
    Vs: np.ndarray  # (B, d2, r)
    sig: np.ndarray  # (B, r) descending, sig[:, 0] = 1

    def grads(self, params):
        X, Y = params
        gX = X @ (_t(Y) @ Y) - self.Us @ (self.sig[:, :, None] * (_t(self.Vs) @ Y))
        gY = Y @ (_t(X) @ X) - self.Vs @ (self.sig[:, :, None] * (_t(self.Us) @ X))
        return gX, gY

    def abs_error(self, params) -> np.ndarray:
        """``||X Y^T - M*||_F`` via ``X = U* A + W1``, ``Y = V* C + W2`` (orthogonal blocks)."""
        X, Y = params
        A = _t(self.Us) @ X
        C = _t(self.Vs) @ Y
        W1 = X - self.Us @ A
        W2 = Y - self.Vs @ C
        D = A @ _t(C)
        r = self.sig.shape[-1]
        D[:, np.arange(r), np.arange(r)] -= self.sig
        G1, G2 = _t(W1) @ W1, _t(W2) @ W2
        sq = (
            _sq(D)
            + ((_t(A) @ A) * G2).sum(axis=(-2, -1))
            + ((_t(C) @ C) * G1).sum(axis=(-2, -1))
            + (G1 * G2).sum(axis=(-2, -1))
        )
        return np.sqrt(np.maximum(sq, 0.0))

    def error(self, params) -> np.ndarray:
        return self.abs_error(params) / np.linalg.norm(self.sig, axis=-1)

    def mode_errors(self, params) -> np.ndarray:
        """Per-mode errors of both factors against the balanced target ``sqrt(sig_i)`` (spec §3.1), sorted
        singular values: ``|sigma_i(X) - sqrt(sig_i)|`` then ``|sigma_i(Y) - sqrt(sig_i)|`` (B, 2r)."""
        root = np.sqrt(self.sig)
        return np.concatenate([np.abs(np.linalg.svd(W, compute_uv=False) - root) for W in params], axis=-1)


def make_asymmetric_mf(
    seed: int,
    d1: int,
    d2: int,
    r: int,
    kappa: float,
    spectrum_kind: str,
    rotate: bool,
    init: str,
    init_scale: float,
    *,
    jitter: float = 0.0,
):
    """One instance (U*, V*, sig, X_0, Y_0); U*, V* drawn first, then X_0, Y_0's randomness, then the
    spectrum's jitter fractions (``spectra.jitter_spectrum``).

    ``init="random"``: ``X_0 = alpha G_1 / sqrt(d1)``, ``Y_0 = alpha G_2 / sqrt(d2)``;
    ``init="aligned"``: the balanced start ``X_0 = a_0 U*``, ``Y_0 = a_0 V*`` of spec §3.1.
    """
    rng = np.random.default_rng(seed)
    Us = basis(rng, d1, r, rotate)
    Vs = basis(rng, d2, r, rotate)
    if init == "random":
        X0 = init_scale * rng.standard_normal((d1, r)) / np.sqrt(d1)
        Y0 = init_scale * rng.standard_normal((d2, r)) / np.sqrt(d2)
    elif init == "aligned":
        X0, Y0 = init_scale * Us, init_scale * Vs
    else:
        raise ValueError(f"init must be 'random' or 'aligned', got {init!r}")
    sig = jitter_spectrum(spectrum(spectrum_kind, r, kappa), jitter_fractions(rng, r, jitter))
    return Us, Vs, sig, X0, Y0


def stack_asymmetric(instances) -> tuple[AsymmetricMF, tuple]:
    Us, Vs, sig, X0, Y0 = (np.stack(x) for x in zip(*instances))
    return AsymmetricMF(Us, Vs, sig), (X0, Y0)
