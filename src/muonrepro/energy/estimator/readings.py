"""Per-mode energy under a grid of readings of the estimator (spec energy.md §4; the sensitivity grid).

The paper does not say how its per-mode energy is estimated on a nonlinear net. A reading is
(Sigma_delta variant, mode retention, mode identity); one pass over a run's weight snapshots
(``accumulate``) gives, per reading and monitored matrix, the per-mode arrays from which every
statistic follows (``mode_sets``): three per-mode energies (cumulative sum, closed form with fitted
rates, per-mode gain), the masks of the modes retained at every log and at any log, the time-averaged
curvature, and energy per bin of each log's curvature. Also per run: the direct energies
sum_t mean ||delta_t||^2 (at each monitored layer's pre-activation and at the logits), and the
off-diagonal fraction of each logged update in the eigenbasis of that log (``eigenbasis``).

The factors of every Sigma_delta variant come from one batched backward pass
(``factors.probe_factors``), and G Q is shared. Sums over training steps use the trapezoid weights of
the logged steps (``quadrature``).

- retention ``thr<eps>``: at each log, modes with lambda_i mu_j >= eps * max are retained, with
  e_ij = Gt_ji^2 / (lambda_i mu_j), the others contribute 0; ``damp<gamma>``: every mode with positive
  curvature is retained, e_ij = Gt_ji^2 / (lambda_i mu_j + gamma max).
- identity ``rank``: mode (i, j) = i-th largest eigenvalue of Sigma_x, j-th of Sigma_delta at each log;
  ``frozen``: the eigenbases of the first log, curvatures = Rayleigh quotients at each log.
- ``cumulative``: E_ij = sum_t w_t e_ij(t); ``closed_form``: E_ij = w_ij sum_{t<T} rho_ij^(2t) with
  w_ij = e_ij(0) and rho_ij = exp(slope of log|a_ij(t)| over the logs), a_ij = Gt_ji / curvature,
  capped at 1 (a non-decaying mode counts as w_ij T); ``gain``: E_ij / w_ij (spec §3.9).
- per-log bins: at each log the retained modes sorted by that log's curvature, split into equal-count
  bins; the bin's sum and mean of e_ij(t), weighted by w_t.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from muonrepro.energy.estimator.eigenbasis import offdiag_fraction
from muonrepro.energy.estimator.factors import probe_factors
from muonrepro.energy.estimator.names import retention_name
from muonrepro.energy.estimator.per_mode import eigh_desc, threshold_energy
from muonrepro.energy.estimator.quadrature import time_average, trapezoid_weights

ENERGIES = ("cumulative", "closed_form", "gain")
NA = "n/a"  # a reading dimension that does not apply (e.g. the direct energy has no per-mode reading)


@dataclass(frozen=True)
class Grid:
    sigma_delta: tuple[str, ...] = ("sampled1",)
    thresholds: tuple[float, ...] = (1e-8,)
    damping: tuple[float, ...] = ()
    mode_identity: tuple[str, ...] = ("rank",)
    n_bins: int = 10

    @property
    def retentions(self) -> list[tuple[str, str, float]]:
        return [(retention_name("thr", t), "thr", t) for t in self.thresholds] + [
            (retention_name("damp", g), "damp", g) for g in self.damping
        ]


def _perlog_bins(order: np.ndarray, e: np.ndarray, keep: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Sum and mean of e per equal-count bin of this log's curvature, over this log's retained modes;
    ``order`` = the stable argsort of ALL curvatures of the log (one sort serves every retention)."""
    parts = np.array_split(e[order[keep[order]]], n_bins)
    sums = np.array([p.sum() for p in parts])
    means = np.array([p.mean() if len(p) else 0.0 for p in parts])
    return sums, means


class _Acc:
    """Accumulators of one (Sigma_delta variant, mode identity, layer)."""

    def __init__(self, grid: Grid):
        self.grid = grid
        self.lam = self.mu = 0.0
        self.T = 0.0
        rets = [r for r, _, _ in grid.retentions]
        self.E = dict.fromkeys(rets, 0.0)
        self.every = dict.fromkeys(rets)
        self.any = dict.fromkeys(rets)
        self.perlog_sum = {r: np.zeros(grid.n_bins) for r in rets}
        self.perlog_mean = {r: np.zeros(grid.n_bins) for r in rets}
        self.Gt0 = self.curv0 = None
        self.K, self.St, self.Stt, self.Sy, self.Sty = 0, 0.0, 0.0, 0.0, 0.0
        self.frozen_R = None  # the frozen identity: the first log's output basis R0
        self.offdiag_steps, self.offdiag_values = [], []

    def add(self, Gt, lam, mu, t, w, offdiag=None):
        """One log at step ``t`` with quadrature weight ``w``; ``offdiag``: the off-diagonal fraction of
        the update made at this step in this log's eigenbasis (None: no update logged)."""
        curv = mu[:, None] * lam[None, :]
        cmax = curv.max()
        self.lam, self.mu, self.T = self.lam + lam * w, self.mu + mu * w, self.T + w
        gt2 = Gt.square()
        order = np.argsort(curv.cpu().numpy().ravel(), kind="stable")
        for name, kind, v in self.grid.retentions:
            if kind == "thr":
                e, keep = threshold_energy(gt2, curv, v)
            else:
                keep = curv > 0
                e = torch.where(keep, gt2 / (curv + v * cmax), torch.zeros_like(gt2))
            self.E[name] = self.E[name] + e * w
            k = keep.cpu().numpy()
            self.every[name] = k if self.every[name] is None else self.every[name] & k
            self.any[name] = k if self.any[name] is None else self.any[name] | k
            s, m = _perlog_bins(order, e.cpu().numpy().ravel(), k.ravel(), self.grid.n_bins)
            self.perlog_sum[name] += w * s
            self.perlog_mean[name] += w * m
        if self.Gt0 is None:
            self.Gt0, self.curv0 = Gt.clone(), curv.clone()
        y = torch.log(Gt.abs() / curv.abs().clamp(min=1e-300) + 1e-300)
        self.K += 1
        self.St, self.Stt = self.St + t, self.Stt + t * t
        self.Sy, self.Sty = self.Sy + y, self.Sty + t * y
        if offdiag is not None:
            self.offdiag_steps.append(t)
            self.offdiag_values.append(offdiag)

    def rates(self):
        den = self.K * self.Stt - self.St**2
        if self.K < 2 or den <= 0:
            return torch.ones_like(self.Gt0)
        slope = (self.K * self.Sty - self.St * self.Sy) / den
        return torch.exp(slope).clamp(max=1.0)

    def arrays(self, total_steps: int) -> dict:
        """The per-mode arrays of this accumulator (numpy, float64; [j, i] = mode (i, j)): ``gain`` (the
        horizon sum_{t<T} rho^(2t), shared by every retention), and per retention the ``cumulative`` energy,
        ``w0`` (e_ij at the first log, so that closed_form = w0 * gain), the masks and the per-log bins."""
        r2 = self.rates().square()
        horizon = torch.where(
            r2 < 1, (1 - r2.pow(total_steps)) / (1 - r2).clamp(min=1e-300), torch.full_like(r2, float(total_steps))
        )
        lam, mu = (self.lam / self.T).cpu().numpy(), (self.mu / self.T).cpu().numpy()
        cmax0 = self.curv0.max()
        out = {
            "lam": lam,
            "mu": mu,
            "gain": horizon.cpu().numpy(),
            "offdiag": time_average(self.offdiag_values, self.offdiag_steps) if self.offdiag_values else np.nan,
            "retentions": {},
        }
        for name, kind, v in self.grid.retentions:
            denom = self.curv0 if kind == "thr" else self.curv0 + v * cmax0
            E = self.E[name]
            out["retentions"][name] = {
                "cumulative": E.cpu().numpy() if torch.is_tensor(E) else np.zeros(self.Gt0.shape),
                "w0": (self.Gt0.square() / denom.clamp(min=1e-300)).cpu().numpy(),
                "every": self.every[name],
                "any": self.any[name],
                "perlog_sum": self.perlog_sum[name],
                "perlog_mean": self.perlog_mean[name],
            }
        return out


def per_mode_energies(a: dict, retention: str) -> dict:
    """The three per-mode energies of one reading from ``_Acc.arrays``' output ``a``."""
    r = a["retentions"][retention]
    return {"cumulative": r["cumulative"], "closed_form": r["w0"] * a["gain"], "gain": a["gain"]}


def accumulate(model, snapshots: list[dict], x, y, grid: Grid, probe_seed: int, log_reading=None):
    """One pass over the snapshots (``{"step", "state"}`` and, where the update made at that step was
    logged, ``"update"``: {matrix name: W_{step+1} - W_step}). Returns (arrays, direct, logs, seconds):
    ``arrays[(sigma_delta, mode_identity, layer_name)]`` as in ``_Acc.arrays``; ``direct`` =
    {"steps", "weights", "preact": {layer: energy}, "logits": energy}; ``logs`` one row per log and layer,
    under the reading ``log_reading`` = (sigma_delta, mode_identity) (default: the grid's first of each)."""
    if not snapshots:
        raise ValueError("no finite weight snapshots to extract energy from")
    log_reading = log_reading or (grid.sigma_delta[0], grid.mode_identity[0])
    if log_reading[0] not in grid.sigma_delta or log_reading[1] not in grid.mode_identity:
        raise ValueError(f"log_reading {log_reading} is not a reading of the grid {grid}")
    t0 = time.perf_counter()
    names = model.matrix_names()
    steps = [s["step"] for s in snapshots]
    total_steps = steps[-1]
    weights = trapezoid_weights(steps)
    accs = {(sd, mi, n): _Acc(grid) for sd in grid.sigma_delta for mi in grid.mode_identity for n in names}
    direct = {"steps": steps, "weights": weights.tolist(), "preact": dict.fromkeys(names, 0.0), "logits": 0.0}
    fixed_input = None  # layer 1's input is the fixed probe pixels: its Sigma_x never changes
    frozen_Q, fixed_lam_frozen = {}, None  # the frozen identity's input bases (the first log's Q), per layer
    logs = []
    n_snaps = len(snapshots)
    for k, (snap, w) in enumerate(zip(snapshots, weights), start=1):
        model.load_state_dict(snap["state"])
        step = snap["step"]
        if k == 1 or k == n_snaps or k % max(1, n_snaps // 10) == 0:  # progress for the job's log (and the bench)
            print(f"snapshot {k}/{n_snaps} (step {step}), {time.perf_counter() - t0:.1f} s", flush=True)
        gen = torch.Generator().manual_seed(probe_seed + step)
        factors, output = probe_factors(model, x, y, grid.sigma_delta, gen)
        direct["logits"] += output["direct_logits"] * w
        update = snap.get("update") or {}
        for li, (name, f) in enumerate(zip(names, factors)):
            if li == 0:
                fixed_input = fixed_input or eigh_desc(f["Sx"])
                lam, Q = fixed_input
            else:
                lam, Q = eigh_desc(f["Sx"])
            direct["preact"][name] += f["direct"] * w
            GQ = f["G"] @ Q
            dW = update.get(name)
            dW = None if dW is None else dW.to(GQ)
            dWQ = None if dW is None else dW @ Q
            if "frozen" in grid.mode_identity:
                # what the frozen identity needs of the input basis Q0, shared by every Sigma_delta variant:
                # lambda in Q0 (Rayleigh quotients q_i^T Sx q_i; once per run for layer 1, whose Sigma_x and
                # hence Q0 = Q are fixed), G Q0 and dW Q0 (= G Q and dW Q where Q0 is Q)
                Q0 = frozen_Q.setdefault(name, Q)
                if li == 0 and fixed_lam_frozen is not None:
                    lam_frozen = fixed_lam_frozen
                else:
                    lam_frozen = ((f["Sx"] @ Q0) * Q0).sum(0)
                    fixed_lam_frozen = lam_frozen if li == 0 else fixed_lam_frozen
                GQ0, dWQ0 = (GQ, dWQ) if Q0 is Q else (f["G"] @ Q0, None if dW is None else dW @ Q0)
            for sd in grid.sigma_delta:
                mu, R = eigh_desc(f["Sd"][sd])
                for mi in grid.mode_identity:
                    acc = accs[(sd, mi, name)]
                    if mi == "rank":
                        off = None if dW is None else offdiag_fraction(dW, R, Q, dWQ)
                        acc.add(R.T @ GQ, lam, mu, step, w, off)
                    else:
                        if acc.frozen_R is None:
                            acc.frozen_R = R
                        R0 = acc.frozen_R
                        mu_f = ((f["Sd"][sd] @ R0) * R0).sum(0)
                        off = None if dW is None else offdiag_fraction(dW, R0, Q0, dWQ0)
                        acc.add(R0.T @ GQ0, lam_frozen, mu_f, step, w, off)
                    if (sd, mi) == log_reading:
                        logs.append(
                            {
                                "step": step,
                                "weight": float(w),
                                "matrix": name,
                                "direct_energy": f["direct"],
                                "direct_logits": output["direct_logits"],
                                "lambda_max": float(lam[0]),
                                "mu_max": float(mu[0]),
                                "offdiag": np.nan if off is None else off,
                                "update_norm": np.nan if dW is None else float(dW.norm()),
                                "sigma_delta": sd,
                            }
                        )
    arrays = {key: acc.arrays(total_steps) for key, acc in accs.items()}
    return arrays, direct, logs, time.perf_counter() - t0
