"""In-context linear regression with a linear transformer (spec §3.2), batched over runs.

Reduced model: the prediction is ``y_q = x_q^T B h`` with ``h = (1/N) sum_i y_i x_i``, tasks
``w ~ N(0, I_d)``, inputs ``x ~ N(0, Lam)``, noiseless labels. Closed-form population loss
``L(B) = 1/2 [tr(B^T Lam B Lam Gam) - 2 tr(Lam B Lam) + tr(Lam)]`` with
``Gam = (1 + 1/N) Lam + (tr(Lam)/N) I``, gradient ``Lam (B Gam - I) Lam``, minimizer
``B* = Gam^{-1}``, Hessian eigenvalues ``lam_i lam_j gam_j``; from ``B_0 = 0`` only the diagonal
modes with curvature ``h_i = lam_i^2 gam_i`` are excited.

Two-factor ZFB variant (extension, §5.5): ``B = u U^T`` with a scalar ``u`` and ``U`` (d x d).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from muonrepro.precond.problems.spectra import basis, jitter_fractions, jitter_spectrum, spectrum


def _t(A):
    return np.swapaxes(A, -1, -2)


def gammas(lam: np.ndarray, N: int) -> np.ndarray:
    """``gam_i = (1 + 1/N) lam_i + tr(Lam)/N`` (eigenvalues of Gam)."""
    return (1.0 + 1.0 / N) * lam + lam.sum(axis=-1, keepdims=True) / N


@dataclass
class ICL:
    Q: np.ndarray  # (B, d, d) eigenbasis of Lam
    lam: np.ndarray  # (B, d) descending eigenvalues of Lam
    N: int
    gam: np.ndarray = field(init=False)
    Lam: np.ndarray = field(init=False)
    Gam: np.ndarray = field(init=False)

    def __post_init__(self):
        self.gam = gammas(self.lam, self.N)
        self.Lam = self._from_eig(self.lam)
        self.Gam = self._from_eig(self.gam)

    def _from_eig(self, vals):
        return (self.Q * vals[:, None, :]) @ _t(self.Q)

    @property
    def d(self) -> int:
        return self.lam.shape[-1]

    @property
    def curvatures(self) -> np.ndarray:
        """Diagonal-mode curvatures ``h_i = lam_i^2 gam_i`` (B, d)."""
        return self.lam**2 * self.gam

    @property
    def K(self) -> np.ndarray:
        """GD's effective condition number ``h_max / h_min``."""
        h = self.curvatures
        return h.max(axis=-1) / h.min(axis=-1)

    def minimizer(self) -> np.ndarray:
        return self._from_eig(1.0 / self.gam)

    def loss(self, Bm: np.ndarray) -> np.ndarray:
        """Closed-form population loss ``L(B)``."""
        LG = self.Lam @ self.Gam
        t1 = np.einsum("bij,bij->b", Bm, self.Lam @ Bm @ LG)
        t2 = np.einsum("bij,bji->b", self.Lam @ Bm, self.Lam)
        return 0.5 * (t1 - 2.0 * t2 + self.lam.sum(axis=-1))

    def loss_star(self) -> np.ndarray:
        return 0.5 * (self.lam.sum(axis=-1) - (self.lam**2 / self.gam).sum(axis=-1))

    def gap0(self) -> np.ndarray:
        """``L(0) - L* = 1/2 sum_i lam_i^2 / gam_i``."""
        return 0.5 * (self.lam**2 / self.gam).sum(axis=-1)

    def grad_B(self, Bm: np.ndarray) -> np.ndarray:
        """``Lam (B Gam - I) Lam`` (B Gam - I formed first: no cancellation of the small modes)."""
        R = Bm @ self.Gam
        R[:, np.arange(self.d), np.arange(self.d)] -= 1.0
        return self.Lam @ R @ self.Lam

    def grads(self, params):
        return (self.grad_B(params[0]),)

    def eig_coords(self, Bm: np.ndarray) -> np.ndarray:
        """``Q^T B Q`` (B, d, d)."""
        return _t(self.Q) @ Bm @ self.Q

    def gap(self, Bm: np.ndarray) -> np.ndarray:
        """``L(B) - L* = 1/2 sum_ij lam_i lam_j gam_j E_ij^2`` with ``E = Q^T B Q - diag(1/gam)``."""
        E = self.eig_coords(Bm)
        E[:, np.arange(self.d), np.arange(self.d)] -= 1.0 / self.gam
        w = self.lam[:, :, None] * (self.lam * self.gam)[:, None, :]
        return 0.5 * (w * E * E).sum(axis=(-2, -1))

    def error(self, params) -> np.ndarray:
        """Normalized loss gap ``(L(B) - L*) / (L(0) - L*)`` (spec §3.2 metric)."""
        return self.gap(params[0]) / self.gap0()

    def mode_errors(self, Bm: np.ndarray) -> np.ndarray:
        """Per-mode errors ``|(Q^T B Q)_ii - 1/gam_i|`` of L1's recursion (spec §5.4) (B, d)."""
        return np.abs(np.diagonal(self.eig_coords(Bm), axis1=1, axis2=2) - 1.0 / self.gam)


def make_icl(seed: int, d: int, kappa: float, spectrum_kind: str, rotate: bool, *, jitter: float = 0.0):
    """One instance (Q, lam): Q drawn first from ``default_rng(seed)`` (spec §6.2), then the spectrum's
    jitter fractions (``spectra.jitter_spectrum``; the start B_0 = 0 of spec §3.2 has nothing to draw)."""
    rng = np.random.default_rng(seed)
    Q = basis(rng, d, d, rotate)
    return Q, jitter_spectrum(spectrum(spectrum_kind, d, kappa), jitter_fractions(rng, d, jitter))


def stack_icl(instances, N: int) -> ICL:
    Q, lam = (np.stack(x) for x in zip(*instances))
    return ICL(Q, lam, N)


@dataclass
class TwoFactorICL:
    """``B = u U^T``: ``dL/dU = u (grad_B L)^T``, ``dL/du = <grad_B L, U^T>`` (spec §5.5)."""

    icl: ICL

    def B(self, params) -> np.ndarray:
        u, U = params
        return u[:, None, None] * _t(U)

    def grads(self, params):
        u, U = params
        G = self.icl.grad_B(self.B(params))
        return (G * _t(U)).sum(axis=(-2, -1)), u[:, None, None] * _t(G)

    def error(self, params) -> np.ndarray:
        return self.icl.error((self.B(params),))

    def mode_errors(self, params) -> np.ndarray:
        """U's per-mode errors given the current u: ``|(Q^T U Q)_ii - 1/(gam_i u)|`` (B, d); the decoupling is
        exact only given u_t (spec §5.5). Infinite where u = 0."""
        u, U = params
        diag = np.diagonal(self.icl.eig_coords(U), axis1=1, axis2=2)
        with np.errstate(divide="ignore"):
            return np.abs(diag - 1.0 / (self.icl.gam * u[:, None]))


def monte_carlo_loss(
    Bms: list[np.ndarray], Lam: np.ndarray, N: int, prompts: int, rng: np.random.Generator, chunk: int = 50_000
) -> tuple[np.ndarray, np.ndarray]:
    """Monte-Carlo estimate of ``1/2 E[(y_hat_q - y_q)^2]`` for each B, with its standard error.

    Prompts are drawn exactly as in the model: ``w ~ N(0, I)``, ``x_1..x_N, x_q ~ N(0, Lam)``,
    ``y_i = <w, x_i>``, ``h = (1/N) sum_i y_i x_i``, ``y_hat_q = x_q^T B h``.
    """
    d = Lam.shape[0]
    root = np.linalg.cholesky(Lam)
    s1 = np.zeros(len(Bms))
    s2 = np.zeros(len(Bms))
    done = 0
    while done < prompts:
        c = min(chunk, prompts - done)
        w = rng.standard_normal((c, d))
        X = rng.standard_normal((c, N + 1, d)) @ root.T
        y = np.einsum("cnd,cd->cn", X, w)
        h = np.einsum("cn,cnd->cd", y[:, :N], X[:, :N]) / N
        xq, yq = X[:, N], y[:, N]
        for k, Bm in enumerate(Bms):
            r = 0.5 * (np.einsum("cd,de,ce->c", xq, Bm, h) - yq) ** 2
            s1[k] += r.sum()
            s2[k] += (r * r).sum()
        done += c
    mean = s1 / prompts
    se = np.sqrt(np.maximum(s2 / prompts - mean**2, 0.0) / prompts)
    return mean, se
