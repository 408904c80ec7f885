"""Flows and the early-stopping loss-gap bounds of Theorems 1 and 2 (spec §2.1-2.4; claims 5, 6).

Component flows (unit step, Condition 1, zero init), vectorised over cases with classes padded
(``mask`` marks real classes; padded classes have p = 0 and stay at alpha = 0):

- GF: alpha_c(t) = r_c (1 - exp(-s^xx_c t))
- SpecGF: alpha_c(t) = min(t, r_c)
- NGF: d alpha/dt = (s^yx - alpha * s^xx) / ||s^yx - alpha * s^xx||_2, integrated by classical RK4.

Theorem 1: for t in (0, t*], t* = r_m, L^GF_m - L^Spec_m >= mu t / 4 and L^GF_bal - L^Spec_bal >= mu t / 2.
Theorem 2: L^NGF_m - L^Spec_m >= mu t / 2 (balanced constant unknown, reported).
Stated conditions: mu >= 1, k >= 3 mu, p_m <= 1 / (5 SNR + 6 k). L_bal is the mean over classes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from muonrepro.imbalanced.theory.losses import per_class_loss


@dataclass
class Cases:
    """A batch of data-model parameter settings, classes padded to a common width."""

    mu: np.ndarray  # (n,)
    sigma: np.ndarray  # (n,)
    p: np.ndarray  # (n, K) priors, 0 on padded classes
    mask: np.ndarray  # (n, K) bool, real classes

    @property
    def k(self) -> np.ndarray:
        return self.mask.sum(1)

    @property
    def snr(self) -> np.ndarray:
        return self.mu**2 / self.sigma**2

    @property
    def s_yx(self) -> np.ndarray:
        return self.mu[:, None] * self.p

    @property
    def s_xx(self) -> np.ndarray:
        return self.mu[:, None] ** 2 * self.p + self.sigma[:, None] ** 2

    @property
    def r(self) -> np.ndarray:
        return self.s_yx / self.s_xx

    @property
    def minority(self) -> np.ndarray:
        return np.where(self.mask, self.p, np.inf).argmin(1)

    @property
    def t_star(self) -> np.ndarray:
        return self.r[np.arange(len(self.mu)), self.minority]

    def conditions(self) -> np.ndarray:
        """Bool (n,): the stated conditions mu >= 1, k >= 3 mu, p_m <= 1/(5 SNR + 6k) all hold."""
        p_m = self.p[np.arange(len(self.mu)), self.minority]
        return (self.mu >= 1) & (self.k >= 3 * self.mu) & (p_m <= 1 / (5 * self.snr + 6 * self.k))

    def subset(self, idx) -> Cases:
        return Cases(self.mu[idx], self.sigma[idx], self.p[idx], self.mask[idx])


def make_cases(mu, sigma, priors_list) -> Cases:
    K = max(len(p) for p in priors_list)
    P = np.zeros((len(priors_list), K))
    mask = np.zeros((len(priors_list), K), bool)
    for i, p in enumerate(priors_list):
        P[i, : len(p)] = p
        mask[i, : len(p)] = True
    return Cases(np.asarray(mu, float), np.asarray(sigma, float), P, mask)


def sample_inside(n: int, rng: np.random.Generator, mu_range, sigma_range, k_max: int) -> Cases:
    """Random cases meeting the conditions: mu, sigma uniform; k uniform in [ceil(3 mu), k_max];
    p_m = u / (5 SNR + 6 k) with u ~ U(0, 1]; the other priors (1 - p_m) Dirichlet(1)."""
    mus = rng.uniform(*mu_range, n)
    sig = rng.uniform(*sigma_range, n)
    pri = []
    for mu, s in zip(mus, sig):
        k = int(rng.integers(int(np.ceil(3 * mu)), k_max + 1))
        p_m = (1 - rng.uniform(0, 1)) / (5 * mu**2 / s**2 + 6 * k)
        rest = (1 - p_m) * rng.dirichlet(np.ones(k - 1))
        pri.append(np.concatenate([rest, [p_m]]))
    return make_cases(mus, sig, pri)


def sample_outside(n: int, rng: np.random.Generator, mu_range, sigma_range, k_range) -> Cases:
    """Random cases violating at least one condition: mu, sigma uniform, k uniform, p ~ Dirichlet(1)."""
    out_mu, out_s, out_p = [], [], []
    while len(out_mu) < n:
        mu, s = rng.uniform(*mu_range), rng.uniform(*sigma_range)
        k = int(rng.integers(k_range[0], k_range[1] + 1))
        p = rng.dirichlet(np.ones(k))
        c = make_cases([mu], [s], [p])
        if not c.conditions()[0] and p.min() > 1e-6:
            out_mu.append(mu), out_s.append(s), out_p.append(p)
    return make_cases(out_mu, out_s, out_p)


def gf(t, cases: Cases) -> np.ndarray:
    """(n, T, K) GF components at times t (n, T)."""
    return cases.r[:, None] * (1 - np.exp(-cases.s_xx[:, None] * np.asarray(t)[..., None]))


def specgf(t, cases: Cases) -> np.ndarray:
    return np.minimum(np.asarray(t)[..., None], cases.r[:, None])


def ngf(t_grid: np.ndarray, cases: Cases, substeps: int = 10) -> np.ndarray:
    """(n, T, K) NGF components at t_grid (n, T) (equally spaced from 0 per case), RK4 from alpha = 0."""
    n, T = t_grid.shape
    h = (t_grid[:, 1] - t_grid[:, 0]) / substeps if T > 1 else t_grid[:, 0] / substeps
    start = t_grid[:, 0] - h * substeps  # grid is t_i = i * dt, start = 0
    s_yx, s_xx = cases.s_yx, cases.s_xx

    def f(a):
        g = s_yx - a * s_xx
        return g / np.linalg.norm(g, axis=1, keepdims=True)

    a = np.zeros_like(s_yx)
    if np.any(np.abs(start) > 1e-12 * np.abs(t_grid[:, -1])):
        raise ValueError("ngf: t_grid must be i * dt, i = 1..T")
    out = np.empty((n, T, s_yx.shape[1]))
    hh = h[:, None]
    for i in range(T):
        for _ in range(substeps):
            k1 = f(a)
            k2 = f(a + 0.5 * hh * k1)
            k3 = f(a + 0.5 * hh * k2)
            k4 = f(a + hh * k3)
            a = a + hh / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        out[:, i] = a
    return out


def losses(alpha: np.ndarray, cases: Cases) -> tuple[np.ndarray, np.ndarray]:
    """(minority loss, balanced mean loss), each (n, T), from components (n, T, K)."""
    mask = cases.mask[:, None, :]
    L = per_class_loss(alpha, cases.mu[:, None, None], cases.sigma[:, None, None], mask=mask)
    L_m = L[np.arange(len(cases.mu)), :, cases.minority]
    L_bal = np.where(mask, L, 0.0).sum(-1) / cases.k[:, None]
    return L_m, L_bal


def time_grid(cases: Cases, n_t: int) -> np.ndarray:
    """(n, n_t): t_i = t* i / n_t, i = 1..n_t (the interval (0, t*])."""
    return cases.t_star[:, None] * np.arange(1, n_t + 1)[None] / n_t


def gap_ratios(cases: Cases, n_t: int, flow: str, substeps: int = 10) -> dict[str, np.ndarray]:
    """Per-case gap / (mu t) curves of ``flow`` (gf or ngf) against SpecGF over (0, t*].

    Returns t (n, T), minority and balanced ratio curves (n, T) and their minima over t (n,).
    """
    t = time_grid(cases, n_t)
    a_other = gf(t, cases) if flow == "gf" else ngf(t, cases, substeps)
    a_spec = specgf(t, cases)
    Lm_o, Lb_o = losses(a_other, cases)
    Lm_s, Lb_s = losses(a_spec, cases)
    mt = cases.mu[:, None] * t
    rm, rb = (Lm_o - Lm_s) / mt, (Lb_o - Lb_s) / mt
    return {"t": t, "minority": rm, "balanced": rb, "min_minority": rm.min(1), "min_balanced": rb.min(1)}


def sweep_table(cases: Cases, res_gf: dict, res_ngf: dict | None, inside: bool) -> pd.DataFrame:
    """One row per case: parameters and the minimum ratios (NaN where NGF was not run)."""
    df = pd.DataFrame(
        {
            "inside": inside,
            "mu": cases.mu,
            "sigma_x": cases.sigma,
            "k": cases.k,
            "p_min": cases.p[np.arange(len(cases.mu)), cases.minority],
            "t_star": cases.t_star,
            "thm1_minority": res_gf["min_minority"],
            "thm1_balanced": res_gf["min_balanced"],
        }
    )
    df["thm2_minority"] = np.nan
    df["thm2_balanced"] = np.nan
    if res_ngf is not None:
        n = len(res_ngf["min_minority"])
        df.loc[: n - 1, "thm2_minority"] = res_ngf["min_minority"]
        df.loc[: n - 1, "thm2_balanced"] = res_ngf["min_balanced"]
    return df
