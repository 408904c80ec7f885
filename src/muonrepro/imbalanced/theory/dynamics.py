"""Full-matrix optimizer dynamics on the population square loss (spec §1.4, §2.1-2.3; claims 2-4, 9, 10).

Update rules (NSD, Eq. (1), and the table of §1.4), all from W_0 = 0 unless given:

- ``gd``: W <- W - eta G
- ``ngd``: W <- W - eta G / ||G||_F
- ``signgd``: W <- W - eta sign(G)
- ``specgd``: W <- W - eta polar(G), polar = the shared ``orthogonalize(G, method="svd")``
  (truncated SVD, singular values -> 1)
- ``muon``: M <- beta M + (1 - beta) G, W <- W - eta polar(M) (no Nesterov, no shape scaling: the
  theory's Muon); polar by ``orthogonalize(M, method=muon_method, dtype=float64)``.

G = W Sigma_xx - Sigma_yx, with the population moments of the DM or, for the finite-sample setting of
the paper's Appendix C, the empirical moments of a sample (``empirical_moments``). ``nsd_direction`` is
shared with the finite-sample cross-entropy experiment. Closed forms: GD (§2.1), Prop. 1 SpecGD (§2.2),
and the GF path used for the NGD reparametrisation check (§2.3). ``muon_relative_deviation``: claim 9.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.optimize import minimize_scalar

from muonrepro.imbalanced.theory.data_model import DTYPE, DataModel
from muonrepro.imbalanced.theory.losses import gradient
from muonrepro.optim.orthogonalize import orthogonalize

RULES = ("gd", "ngd", "signgd", "specgd", "muon")


def nsd_direction(rule: str, G: torch.Tensor) -> torch.Tensor:
    """The momentum-free steepest-descent direction of ``rule`` for gradient G (§1.4 table)."""
    if rule == "gd":
        return G
    if rule == "ngd":
        n = torch.linalg.norm(G)
        return G / n if n > 0 else torch.zeros_like(G)
    if rule == "signgd":
        return torch.sign(G)
    if rule == "specgd":
        return orthogonalize(G, method="svd")
    raise ValueError(f"unknown momentum-free rule {rule!r}; known: gd, ngd, signgd, specgd")


@dataclass
class Trajectory:
    rule: str
    eta: float
    alpha: np.ndarray  # (steps+1, k): diagonal of W_bar_t = W_t V
    offdiag: np.ndarray  # (steps+1,): max |off-diagonal entry| of W_bar_t
    perp: np.ndarray  # (steps+1,): ||W_t V_perp||_F
    W: np.ndarray  # (steps+1, k, d) iterates (kept: small problems only)


def run_population(
    dm: DataModel,
    rule: str,
    eta: float,
    steps: int,
    beta: float = 0.9,
    muon_method: str = "svd",
    W0: torch.Tensor | None = None,
    moments: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> Trajectory:
    """Iterate ``rule`` on the square loss of ``dm`` for ``steps`` steps (float64): the population loss, or
    the loss with the given ``moments`` (Sigma_yx, Sigma_xx), e.g. ``empirical_moments`` of a sample."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; known: {RULES}")
    s_yx, s_xx = dm.moments() if moments is None else moments
    W = torch.zeros(dm.k, dm.d, dtype=DTYPE) if W0 is None else W0.clone().to(DTYPE)
    M = torch.zeros_like(W)
    Ws = [W.clone()]
    for _ in range(steps):
        G = gradient(W, s_yx, s_xx)
        if rule == "muon":
            M = beta * M + (1 - beta) * G
            D = orthogonalize(M, method=muon_method, dtype=DTYPE)
        else:
            D = nsd_direction(rule, G)
        W = W - eta * D
        Ws.append(W.clone())
    Wt = torch.stack(Ws)  # (T+1, k, d)
    Wbar = Wt @ dm.V  # (T+1, k, k)
    alpha = torch.diagonal(Wbar, dim1=-2, dim2=-1)
    off = (Wbar - torch.diag_embed(alpha)).abs().amax(dim=(-2, -1))
    perp = torch.linalg.norm(Wt - Wbar @ dm.V.T, dim=(-2, -1))
    return Trajectory(rule, eta, alpha.numpy(), off.numpy(), perp.numpy(), Wt.numpy())


def gd_closed_form(dm: DataModel, eta: float, steps: int) -> np.ndarray:
    """alpha_c(t) = r_c (1 - (1 - eta s^xx_c)^t), t = 0..steps (§2.1)."""
    t = np.arange(steps + 1)[:, None]
    return dm.r * (1 - (1 - eta * dm.s_xx) ** t)


def specgd_closed_form(dm: DataModel, eta: float, steps: int) -> np.ndarray:
    """Prop. 1: alpha_c(t) = min(eta t, r_c), t = 0..steps (§2.2)."""
    t = np.arange(steps + 1)[:, None]
    return np.minimum(eta * t, dm.r)


def gf_path(tau, dm: DataModel) -> np.ndarray:
    """Gradient-flow components r_c (1 - exp(-s^xx_c tau)) (§2.1), tau of any shape -> (..., k)."""
    tau = np.asarray(tau, dtype=np.float64)[..., None]
    return dm.r * (1 - np.exp(-dm.s_xx * tau))


def distance_to_gf_path(alpha: np.ndarray, dm: DataModel, n_grid: int = 20000) -> np.ndarray:
    """For each row of ``alpha`` (n, k), min over tau >= 0 of ||alpha - gf_path(tau)||_2 (§2.3, claim 4).

    A log-spaced tau grid out to 40 / min s^xx (the path has converged there) locates the nearest
    point; a bounded scalar minimisation between the neighbouring grid points refines it.
    """
    tau_max = 40.0 / dm.s_xx.min()
    grid = np.concatenate([[0.0], np.geomspace(1e-6, tau_max, n_grid)])
    path = gf_path(grid, dm)  # (n_grid+1, k)
    out = np.empty(len(alpha))
    for i, a in enumerate(alpha):
        d2 = ((path - a) ** 2).sum(1)
        j = int(np.argmin(d2))
        lo, hi = grid[max(j - 1, 0)], grid[min(j + 1, len(grid) - 1)]
        if hi > lo:
            res = minimize_scalar(
                lambda s: float(((gf_path(s, dm) - a) ** 2).sum()),  # noqa: B023 (called at once)
                bounds=(lo, hi),
                method="bounded",
                options={"xatol": 1e-12},
            )
            out[i] = np.sqrt(min(res.fun, d2[j]))
        else:
            out[i] = np.sqrt(d2[j])
    return out


def empirical_moments(x: torch.Tensor, y: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(Y^T X / n, X^T X / n) of a sample (x (n, d), labels y): the moments of its empirical square loss."""
    Y = torch.nn.functional.one_hot(y, k).to(x.dtype)
    return Y.T @ x / len(y), x.T @ x / len(y)


def muon_relative_deviation(
    dm: DataModel,
    eta: float,
    steps: int,
    beta: float,
    muon_method: str = "svd",
    W0: torch.Tensor | None = None,
    moments: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> np.ndarray:
    """Claim 9: (steps+1, k) |alpha^Muon_c(t) - alpha^SpecGD_c(t)| / r_c, both rules from the same start
    ``W0`` (default 0) on the same loss (population, or ``moments``), with the same step ``eta``."""
    kw = {"W0": W0, "moments": moments}
    muon = run_population(dm, "muon", eta, steps, beta=beta, muon_method=muon_method, **kw)
    spec = run_population(dm, "specgd", eta, steps, **kw)
    return np.abs(muon.alpha - spec.alpha) / dm.r
