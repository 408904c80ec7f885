"""Per-mode energy under a grid of readings of the estimator (spec energy.md §4; issue "sensitivity").

The paper does not say how its per-mode energy is estimated on a nonlinear net. A reading is
(Sigma_delta variant, mode retention, mode identity); from each reading's accumulators three
per-mode energies follow (cumulative sum, closed form with fitted rates, per-mode gain), each
summarised by a plain and a corrected Gini, a total, and energy per curvature bin (bins of the
time-averaged curvature, and, for the cumulative sum, bins of each log's curvature).

All readings come from ONE pass over a run's weight snapshots: the factors of every Sigma_delta
variant come from one batched backward pass (``factors.layer_factors``), and G Q is shared.

- retention ``thr<eps>``: modes with lambda_i mu_j >= eps * max at every log enter the statistics;
  ``damp<gamma>``: every mode with positive curvature, energies e_ij = Gt_ji^2 / (lambda_i mu_j + gamma max).
- identity ``rank``: mode (i, j) = i-th largest eigenvalue of Sigma_x, j-th of Sigma_delta at each log;
  ``frozen``: the eigenbases of the first log, curvatures = Rayleigh quotients at each log.
- ``cumulative``: E_ij = sum_t e_ij(t) dt_t; ``closed_form``: E_ij = w_ij sum_{t<T} rho_ij^(2t) with
  w_ij = e_ij(0) and rho_ij = exp(slope of log|a_ij(t)| over the logs), a_ij = Gt_ji / curvature,
  capped at 1 (a non-decaying mode counts as w_ij T); ``gain``: E_ij / w_ij (spec §3.9).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from muonrepro.energy.estimator.factors import layer_factors
from muonrepro.energy.estimator.gini import gini
from muonrepro.energy.estimator.per_mode import eigh_desc, log_weights, sorted_bin_energy, threshold_energy

ENERGIES = ("cumulative", "closed_form", "gain")
NA = "n/a"  # a reading dimension that does not apply (the direct energy has no per-mode reading)


@dataclass(frozen=True)
class Grid:
    sigma_delta: tuple[str, ...] = ("sampled1",)
    thresholds: tuple[float, ...] = (1e-8,)
    damping: tuple[float, ...] = ()
    mode_identity: tuple[str, ...] = ("rank",)
    n_bins: int = 10

    @property
    def retentions(self) -> list[tuple[str, str, float]]:
        return [(f"thr{t:g}", "thr", t) for t in self.thresholds] + [(f"damp{g:g}", "damp", g) for g in self.damping]


class _Acc:
    """Accumulators of one (Sigma_delta variant, mode identity, layer)."""

    def __init__(self, grid: Grid):
        self.grid = grid
        self.lam = self.mu = 0.0
        self.E = {r: 0.0 for r, _, _ in grid.retentions}
        self.mask = {r: None for r, _, _ in grid.retentions}
        self.perlog = {r: np.zeros(grid.n_bins) for r, _, _ in grid.retentions}
        self.Gt0 = self.curv0 = None
        self.K, self.St, self.Stt, self.Sy, self.Sty = 0, 0.0, 0.0, 0.0, 0.0
        self.frozen = None

    def add(self, Gt, lam, mu, t, dt):
        curv = mu[:, None] * lam[None, :]
        cmax = curv.max()
        self.lam, self.mu = self.lam + lam * dt, self.mu + mu * dt
        gt2 = Gt.square()
        order = np.argsort(curv.cpu().numpy().ravel(), kind="stable")  # one sort serves every retention
        for name, kind, v in self.grid.retentions:
            if kind == "thr":
                e, keep = threshold_energy(gt2, curv, v)
            else:
                keep = curv > 0
                e = torch.where(keep, gt2 / (curv + v * cmax), torch.zeros_like(gt2))
            self.E[name] = self.E[name] + e * dt
            self.mask[name] = keep if self.mask[name] is None else self.mask[name] & keep
            self.perlog[name] += dt * sorted_bin_energy(
                order, keep.cpu().numpy().ravel(), e.cpu().numpy().ravel(), self.grid.n_bins
            )
        if self.Gt0 is None:
            self.Gt0, self.curv0 = Gt.clone(), curv.clone()
        y = torch.log(Gt.abs() / curv.abs().clamp(min=1e-300) + 1e-300)
        self.K += 1
        self.St, self.Stt = self.St + t, self.Stt + t * t
        self.Sy, self.Sty = self.Sy + y, self.Sty + t * y

    def rates(self):
        den = self.K * self.Stt - self.St**2
        if self.K < 2 or den <= 0:
            return torch.ones_like(self.Gt0)
        slope = (self.K * self.Sty - self.St * self.Sy) / den
        return torch.exp(slope).clamp(max=1.0)

    def results(self, total_steps: int, T: float):
        rho = self.rates()
        r2 = rho.square()
        horizon = torch.where(
            r2 < 1, (1 - r2.pow(total_steps)) / (1 - r2).clamp(min=1e-300), torch.full_like(r2, float(total_steps))
        )
        lam, mu = (self.lam / T).cpu().numpy(), (self.mu / T).cpu().numpy()
        curv_avg = mu[:, None] * lam[None, :]
        cmax0 = self.curv0.max()
        order = np.argsort(curv_avg.ravel(), kind="stable")
        out = {}
        for name, kind, v in self.grid.retentions:
            mask = self.mask[name].cpu().numpy()
            denom = self.curv0 if kind == "thr" else self.curv0 + v * cmax0
            w = self.Gt0.square() / denom.clamp(min=1e-300)
            energies = {"cumulative": self.E[name], "closed_form": w * horizon, "gain": horizon}
            per_energy = {}
            for ename, E in energies.items():
                E = E.cpu().numpy() if torch.is_tensor(E) else np.zeros(mask.shape)
                kept = E[mask]
                # an energy that overflowed (a blown-up run) has no Gini; NaN, not a crash
                g = gini(kept) if kept.size and np.isfinite(kept).all() else math.nan
                per_energy[ename] = {
                    "n_modes": int(mask.sum()),
                    "gini": g,
                    "gini_corrected": g * kept.size / (kept.size - 1) if kept.size > 1 else math.nan,
                    "total": float(kept.sum()),
                    "bins_time_avg": sorted_bin_energy(order, mask.ravel(), E.ravel(), self.grid.n_bins).tolist(),
                    "bins_per_log": self.perlog[name].tolist() if ename == "cumulative" else None,
                }
            out[name] = {"energies": per_energy, "E": self.E[name], "mask": mask, "lam": lam, "mu": mu}
        return out


def accumulate(model, snapshots: list[dict], x, y, total_steps: int, grid: Grid, probe_seed: int):
    """One pass over the snapshots. Returns (results, direct, logs, seconds) where
    results[(sigma_delta, mode_identity, layer_name)][retention] = {"energies": {...}, "E", "mask", "lam", "mu"}."""
    if not snapshots:
        raise ValueError("no finite weight snapshots to extract energy from")
    t0 = time.perf_counter()
    names = model.matrix_names()
    dts = log_weights([s["step"] for s in snapshots], total_steps)
    accs = {(sd, mi, n): _Acc(grid) for sd in grid.sigma_delta for mi in grid.mode_identity for n in names}
    direct = {n: 0.0 for n in names}
    fixed_input = None  # layer 1's input is the fixed probe pixels: its Sigma_x never changes
    logs = []
    for snap, dt in zip(snapshots, dts):
        model.load_state_dict(snap["state"])
        gen = torch.Generator().manual_seed(probe_seed + snap["step"])
        factors = layer_factors(model, x, y, grid.sigma_delta, gen)
        for li, (name, f) in enumerate(zip(names, factors)):
            if li == 0:
                fixed_input = fixed_input or eigh_desc(f["Sx"])
                lam, Q = fixed_input
            else:
                lam, Q = eigh_desc(f["Sx"])
            direct[name] += f["direct"] * dt
            GQ = f["G"] @ Q
            for sd in grid.sigma_delta:
                mu, R = eigh_desc(f["Sd"][sd])
                for mi in grid.mode_identity:
                    acc = accs[(sd, mi, name)]
                    if mi == "rank":
                        acc.add(R.T @ GQ, lam, mu, snap["step"], dt)
                    else:
                        if acc.frozen is None:
                            acc.frozen = (Q, R)
                        Q0, R0 = acc.frozen
                        lam_f = ((f["Sx"] @ Q0) * Q0).sum(0)  # Rayleigh quotients q_i^T Sx q_i
                        mu_f = ((f["Sd"][sd] @ R0) * R0).sum(0)
                        acc.add(R0.T @ f["G"] @ Q0, lam_f, mu_f, snap["step"], dt)
                if sd == grid.sigma_delta[0]:
                    logs.append(
                        {
                            "step": snap["step"],
                            "matrix": name,
                            "direct_energy": f["direct"],
                            "lambda_max": float(lam[0]),
                            "mu_max": float(mu[0]),
                            "sigma_delta": sd,
                        }
                    )
    T = float(dts.sum())
    results = {key: acc.results(total_steps, T) for key, acc in accs.items()}
    return results, direct, logs, time.perf_counter() - t0


def run_units(results: dict, direct: dict) -> pd.DataFrame:
    rows = []
    for (sd, mi, matrix), per_ret in results.items():
        for retention, r in per_ret.items():
            for energy, s in r["energies"].items():
                rows.append(
                    {
                        "sigma_delta": sd,
                        "threshold": retention,
                        "mode_identity": mi,
                        "energy": energy,
                        "matrix": matrix,
                        **{k: s[k] for k in ("n_modes", "gini", "gini_corrected", "total")},
                        "bins_time_avg": s["bins_time_avg"],
                        "bins_per_log": s["bins_per_log"],
                    }
                )
    for matrix, value in direct.items():
        rows.append(
            {
                "sigma_delta": NA,
                "threshold": NA,
                "mode_identity": NA,
                "energy": "direct",
                "matrix": matrix,
                "n_modes": 0,
                "gini": np.nan,
                "gini_corrected": np.nan,
                "total": value,
                "bins_time_avg": None,
                "bins_per_log": None,
            }
        )
    return pd.DataFrame(rows)
