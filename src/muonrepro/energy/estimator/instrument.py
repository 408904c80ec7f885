"""Instrument check of the K-FAC per-mode estimator (issue 25, item 1): does the curvature the estimator
divides by, Sigma_x kron Sigma_delta, read the layer's true Gauss-Newton curvature right?

The per-mode sum of the estimator at one log is a Newton decrement under the K-FAC curvature,
sum_ij Gt_ji^2 / (lambda_i mu_j) = g^T (Sigma_x kron Sigma_delta)^-1 g (spec energy.md §4.2). This module
compares it, on the same probe images, with the same decrement under the EXACT generalized Gauss-Newton
(GGN) block of the layer, both with the same damping gamma:

- exact GGN of layer W (m x n, input x_n, pre-activation y_n) for the cross-entropy, expectation over
  classes: G = (1/N) sum_n (x_n x_n^T) kron C_n, C_n = J_n^T H_n J_n, J_n = d logits / d y_n,
  H_n = diag(p_n) - p_n p_n^T. With S_n = [sqrt(p_na) (p_n - e_a)]_a (S_n S_n^T = H_n, the ``exact_ggn``
  factor of ``factors.probe_factors``), L_n = J_n^T S_n (m x C) gives C_n = L_n L_n^T and
  G = Phi Phi^T / N, Phi's columns vec(L_n[:, a] x_n^T) = x_n kron L_n[:, a] (column-major vec).
- the real-label gradient g = (1/N) sum_n x_n kron J_n^T (p_n - y_n) lies in span(Phi): S_n v_n = p_n - y_n
  has the minimum-norm solution v_na = (delta_{a y_n} - p_na) / sqrt(p_na) (p - y is orthogonal to the
  ones vector, H_n's null space), so g = Phi w with w_(n,a) = v_na / N.
- push-through: Phi^T (Phi Phi^T / N + gamma I)^-1 = (K / N + gamma I)^-1 Phi^T with the Gram
  K = Phi^T Phi, K[(n,a),(m,b)] = (x_n . x_m) (L_n^T L_m)[a,b], so the exact damped decrement is
  D_exact = g^T (G + gamma I)^-1 g = w^T K (K / N + gamma I)^-1 w, an (N C) x (N C) solve; no CG.
  (With gamma -> 0 and K of full rank it tends to (1/N) sum_n (1 - p_n,y_n) / p_n,y_n.)
- K-FAC: D_kfac = sum_ij Gt_ji^2 / (lambda_i mu_j + gamma), Gt = R^T g Q, with Sigma_x, Sigma_delta
  computed by the estimator's own factor code (``probe_factors``, the primary reading's Sigma_delta) on
  the same images; gamma = damping x max_ij lambda_i mu_j, the same absolute gamma on both sides. A sampled
  Sigma_delta (``sampled<k>``) is drawn with as many labels on the subsample as the estimator draws on the whole
  probe set (``subsample_variant``: sampled1 on 1000 probe images -> sampled8 on 128): with fewer sampled
  gradients than the layer's width it is singular, and D_kfac would measure the subsample's size instead of
  the estimator (``kfac_literal_decrement`` keeps that number, for the record).

Also per cell, diagnostics that do not enter the criterion: D_kfac with the class-expectation Sigma_delta
(``exact_ggn``: no label-sampling noise, only the Kronecker factorization), the eigenbasis-diagonal decrement
sum_ij Gt_ji^2 / (s_ij + gamma) with the exact curvature along each K-FAC eigen-direction
s_ij = (q_i kron r_j)^T G (q_i kron r_j) = (1/N) sum_n (q_i^T x_n)^2 ||L_n^T r_j||^2, the ratios
s_ij / (lambda_i mu_j), the production per-mode sum at this log (thresholded, undamped) and the direct
energy (1/N) sum_n ||delta_n||^2, both on the same images.

The check (config ``energy.instrument``, fixed before any reading): for every optimizer the geometric mean
over its (seed, arch, matrix, snapshot) cells of D_kfac / D_exact lies in [1 / F, F]. The curvature source is
pluggable: the comparison (``compare_layer``) takes per-example (x_n, L_n, v_n), so a test can feed an
MSE layer (L_n = I) where K-FAC is exact.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from muonrepro.energy.estimator.factors import SIGMA_DELTA, class_vjps, probe_factors
from muonrepro.energy.estimator.per_mode import eigh_desc, threshold_energy

TINY_P = 1e-300  # softmax probabilities are clamped here (an underflowed class would divide by 0)


# ----------------------------------------------------------------------------------------- the two decrements
def gram(X: torch.Tensor, L: torch.Tensor) -> torch.Tensor:
    """K = Phi^T Phi, (N a) x (N a): K[(n,a),(m,b)] = (x_n . x_m) (L_n^T L_m)[a,b]. ``X`` (N, n), ``L`` (N, m, a)."""
    N, _, a = L.shape
    Lf = L.transpose(1, 2).reshape(N * a, -1)  # row (n, a) = L_n[:, a]
    K = Lf @ Lf.T
    K.view(N, a, N, a).mul_((X @ X.T)[:, None, :, None])
    return K


def phi_times(X: torch.Tensor, L: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """The (m x n) matrix of Phi w = (1/N) sum_n x_n kron L_n v_n, i.e. (1/N) sum_n (L_n v_n) x_n^T."""
    return torch.einsum("nma,na->nm", L, V).T @ X / len(X)


def exact_decrement(X: torch.Tensor, L: torch.Tensor, V: torch.Tensor, gamma: float) -> float:
    """g^T (G + gamma I)^-1 g for G = (1/N) sum_n (x_n x_n^T) kron (L_n L_n^T) and g = (1/N) sum_n x_n kron
    L_n v_n, in closed form: w^T K (K/N + gamma I)^-1 w, w = vec(V) / N (``gram``). ``gamma`` > 0."""
    if not gamma > 0:
        raise ValueError(f"the damping gamma must be > 0, got {gamma}")
    N = len(X)
    K = gram(X, L)
    w = V.reshape(-1) / N
    Kw = K @ w
    A = K.div_(N)  # K is not needed any more: A = K / N + gamma I in its place
    A.diagonal().add_(gamma)
    chol, info = torch.linalg.cholesky_ex(A)
    if int(info) == 0:
        z = torch.cholesky_solve(Kw.unsqueeze(1), chol).squeeze(1)
    else:  # not positive definite in floating point (gamma far below round-off of K): eigh, eigenvalues clamped
        A.diagonal().sub_(gamma)
        k, U = torch.linalg.eigh(A)  # eigenpairs of K / N
        k = k.clamp(min=0)
        c = U.T @ w
        return float((c.square() * N * k / (k + gamma)).sum())
    return float(w @ z)


def kfac_decrement(Gt2: torch.Tensor, curv: torch.Tensor, gamma: float) -> float:
    """sum_ij Gt_ji^2 / (lambda_i mu_j + gamma) = g^T (Sigma_x kron Sigma_delta + gamma I)^-1 g."""
    return float((Gt2 / (curv + gamma)).sum())


def mode_curvatures(X: torch.Tensor, L: torch.Tensor, Q: torch.Tensor, R: torch.Tensor) -> torch.Tensor:
    """s[j, i] = (q_i kron r_j)^T G (q_i kron r_j) = (1/N) sum_n (q_i^T x_n)^2 ||L_n^T r_j||^2: the exact GGN's
    curvature along K-FAC mode (i, j) (layout [j, i] as in ``per_mode``)."""
    A = (X @ Q).square()  # (N, n)
    LR = torch.einsum("nma,mj->naj", L, R)
    B = LR.square().sum(1)  # (N, m)
    return B.T @ A / len(X)


def _ratio_stats(s: torch.Tensor, curv: torch.Tensor, keep: torch.Tensor, tail_share: float) -> dict:
    """log10 quantiles of s / (lambda mu) over the modes ``keep``, and the median in the low-curvature tail
    (the ``tail_share`` of those modes with the smallest lambda mu)."""
    c, r = curv[keep], (s[keep] / curv[keep]).clamp(min=1e-300)
    lr = torch.log10(r)
    order = torch.argsort(c)
    n_tail = max(1, int(math.ceil(tail_share * len(c))))
    return {
        "s_ratio_log10_min": float(lr.min()),
        "s_ratio_log10_median": float(lr.median()),
        "s_ratio_log10_max": float(lr.max()),
        "s_ratio_log10_tail_median": float(lr[order[:n_tail]].median()),
    }


def compare_layer(
    X, L, V, G, Sx, Sd, *, damping: float, rel_threshold: float, Sd_alt=None, tail_share: float = 0.3, eig_x=None
) -> dict:
    """One cell of the check: a layer's K-FAC factors (``Sx``, ``Sd``) and gradient ``G`` (m x n) against its exact
    curvature given per example by ``X`` (N, n), ``L`` (N, m, a) (C_n = L_n L_n^T) and ``V`` (N, a)
    (g = (1/N) sum_n x_n kron L_n v_n). ``damping``: gamma relative to max lambda_i mu_j (of ``Sx``, ``Sd``);
    ``rel_threshold``: the estimator's mode retention (for the production per-mode sum at this log); ``Sd_alt``:
    {name: another Sigma_delta} for diagnostics, each giving ``kfac_<name>_decrement`` with the same gamma;
    ``eig_x``: ``eigh_desc(Sx)`` when the caller has it."""
    lam, Q = eig_x if eig_x is not None else eigh_desc(Sx)
    mu, R = eigh_desc(Sd)
    lam, mu = lam.clamp(min=0), mu.clamp(min=0)
    Gt2 = (R.T @ G @ Q).square()
    curv = mu[:, None] * lam[None, :]
    cmax = float(curv.max())
    gamma = damping * cmax
    d_exact = exact_decrement(X, L, V, gamma)
    d_kfac = kfac_decrement(Gt2, curv, gamma)
    s = mode_curvatures(X, L, Q, R)
    keep = curv >= damping * cmax
    e_thr, _ = threshold_energy(Gt2, curv, rel_threshold)
    g_phi = phi_times(X, L, V)
    row = {
        "n_probe": len(X),
        "gamma": gamma,
        "curv_max": cmax,
        "n_modes_above_gamma": int(keep.sum()),
        "kfac_decrement": d_kfac,
        "exact_decrement": d_exact,
        "ratio": d_kfac / d_exact if d_exact > 0 else math.nan,
        "ekfac_decrement": float((Gt2 / (s + gamma)).sum()),
        "kfac_thr_sum": float(e_thr.sum()),
        "grad_residual": float((g_phi - G).norm() / G.norm().clamp(min=1e-300)),
        **_ratio_stats(s, curv, keep, tail_share),
    }
    GQ = G @ Q
    for name, S in (Sd_alt or {}).items():
        mu2, R2 = eigh_desc(S)
        row[f"kfac_{name}_decrement"] = kfac_decrement((R2.T @ GQ).square(), mu2.clamp(min=0)[:, None] * lam, gamma)
    return row


# ------------------------------------------------------------------------------ cross-entropy curvature source
def ce_terms(model, x: torch.Tensor, y: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Per monitored layer (X, L, V) of the cross-entropy GGN (module docstring): X (N, n) the layer inputs,
    L (N, m, C) with L_n[:, a] = sqrt(p_na) J_n^T (p_n - e_a), V (N, C) the minimum-norm v_n with
    S_n v_n = p_n - e_{y_n}: v_na = -sqrt(p_na) (a != y_n), (1 - p_n,y_n) / sqrt(p_n,y_n) (a = y_n), where
    1 - p_y is summed from the other classes (no cancellation)."""
    with torch.enable_grad():
        probs, inputs, vjps = class_vjps(model, x)
    p = probs.double().clamp(min=TINY_P)
    N, C = p.shape
    sq = p.sqrt()
    onehot = torch.nn.functional.one_hot(y, C).to(p)
    one_minus_py = (p * (1 - onehot)).sum(1)
    V = torch.where(onehot.bool(), (one_minus_py / sq.gather(1, y[:, None]).squeeze(1))[:, None], -sq)
    out = []
    for xin, jte in zip(inputs, vjps):
        jte = jte.double()  # (C, N, m): J_n^T e_c
        jp = torch.einsum("nc,cnm->nm", probs.double(), jte)
        L = (jp.unsqueeze(0) - jte).permute(1, 2, 0) * sq.unsqueeze(1)  # (N, m, C)
        out.append((xin.detach().double(), L, V))
    return out


# ------------------------------------------------------------------------------------------------ one run
def snapshot_indices(n: int, count: int) -> list[int]:
    """``count`` indices evenly spaced over a list of ``n`` snapshots, the first and the last included."""
    return sorted({int(round(v)) for v in np.linspace(0, n - 1, min(count, n))})


def load_snapshots(snapshots_pt, count: int, device):
    """The float64 model of a run and its snapshots at ``snapshot_indices`` ({"index", "step", "state"}); the
    file is memory-mapped, so only those snapshots are read. A snapshot with non-finite weights is refused
    (a run keeps its finite snapshots only: ``runs.Snapshots.finite``)."""
    from muonrepro.models import MLP
    from muonrepro.util.io import load_tensors

    blob = load_tensors(snapshots_pt, mmap=True)
    m = blob["model"]
    model = MLP(m["depth"], m["width"], bias=m["bias"]).to(device, torch.float64)
    snaps = []
    for k in snapshot_indices(len(blob["snapshots"]), count):
        s = blob["snapshots"][k]
        state = {name: v.to(device, torch.float64) for name, v in s["state"].items()}
        if not all(bool(torch.isfinite(v).all()) for v in state.values()):
            raise ValueError(f"{snapshots_pt}: snapshot {k} (step {s['step']}) has non-finite weights")
        snaps.append({"index": k, "step": int(s["step"]), "state": state})
    return model, snaps


def subsample_variant(sigma_delta: str, probe_size: int, n_sub: int) -> str:
    """The primary reading's Sigma_delta on a subsample of ``n_sub`` of the ``probe_size`` probe images, with at least
    as many sampled gradients as the estimator has on the whole probe set: ``sampled<k>`` ->
    ``sampled<k * ceil(probe_size / n_sub)>`` (with fewer sampled gradients than the layer's width, Sigma_delta is
    singular, and the decrement would measure the subsample, not the estimator); other variants unchanged."""
    m = SIGMA_DELTA.fullmatch(sigma_delta)
    if not m:
        raise ValueError(f"unknown Sigma_delta variant {sigma_delta!r}")
    return f"sampled{int(m['k']) * math.ceil(probe_size / n_sub)}" if m["k"] else sigma_delta


def instrument_run(
    model,
    snapshots: list[dict],
    x,
    y,
    *,
    estimator: dict,
    instrument: dict,
    probe_size: int,
    tail_share: float = 0.3,
    cache=None,
):
    """Rows (one per snapshot, ``{"index", "step", "state"}``, and monitored matrix) of the check on one run;
    ``x``, ``y`` the probe subsample (the first images of the ``probe_size`` of the probe set). The K-FAC factors are
    the estimator's (``probe_factors``), drawn with the extraction's seed rule (probe_seed + step): Sigma_delta of
    the primary reading with its draws scaled to the probe set's count (``subsample_variant``; the criterion's
    ``kfac_decrement``), and for diagnostics the primary reading as is (``kfac_literal_decrement``) and the class
    expectation (``kfac_exact_ggn_decrement``). ``cache``: a dict kept between the runs of one probe subsample (the
    eigenpairs of layer 1's Sigma_x, the same for every run)."""
    names = model.matrix_names()
    sd = subsample_variant(estimator["sigma_delta"], probe_size, len(x))
    variants = tuple(dict.fromkeys((sd, estimator["sigma_delta"], "exact_ggn")))
    rows = []
    # layer 1's Sigma_x is the probe pixels' gram, one tensor for every snapshot (factors._input_gram): eigh once
    fixed = {} if cache is None else cache
    for snap in snapshots:
        model.load_state_dict(snap["state"])
        gen = torch.Generator().manual_seed(estimator["probe_seed"] + snap["step"])
        factors, _ = probe_factors(model, x, y, variants, gen)
        terms = ce_terms(model, x, y)
        for name, f, (X, L, V) in zip(names, factors, terms):
            if name == names[0] and fixed.get("Sx") is not f["Sx"]:
                fixed.update(Sx=f["Sx"], eig=eigh_desc(f["Sx"]))
            row = compare_layer(
                X,
                L,
                V,
                f["G"],
                f["Sx"],
                f["Sd"][sd],
                Sd_alt={"literal": f["Sd"][estimator["sigma_delta"]], "exact_ggn": f["Sd"]["exact_ggn"]},
                damping=instrument["damping"],
                rel_threshold=estimator["rel_threshold"],
                tail_share=tail_share,
                eig_x=fixed["eig"] if fixed.get("Sx") is f["Sx"] else None,
            )
            rows.append(
                {
                    "snapshot": snap["index"],
                    "step": snap["step"],
                    "matrix": name,
                    "sigma_delta": sd,
                    "direct_energy": f["direct"],
                    **row,
                }
            )
    return rows


# ------------------------------------------------------------------------------------------------ the check
def _geomean_vs_exact(g: pd.DataFrame, col: str) -> float:
    """Geometric mean of ``col`` / exact_decrement over the rows of ``g`` (NaN if absent or not positive)."""
    v = (g[col] / g["exact_decrement"]).to_numpy(float) if col in g else np.array([np.nan])
    return float(np.exp(np.mean(np.log(v)))) if np.all(v > 0) else math.nan


def check(table: pd.DataFrame, max_factor: float) -> pd.DataFrame:
    """Per optimizer: the geometric mean of ``ratio`` over its cells, the cells' count, the geometric means of
    the diagnostics, and ``ok`` = the geometric mean lies in [1 / max_factor, max_factor] (a non-finite or
    non-positive ratio in any cell fails its optimizer)."""
    if not max_factor >= 1:
        raise ValueError(f"energy.instrument.max_factor must be >= 1, got {max_factor}")
    rows = []
    for opt, g in table.groupby("optimizer", sort=True):
        r = g["ratio"].to_numpy(float)
        finite = bool(np.all(np.isfinite(r)) and np.all(r > 0))
        gm = float(np.exp(np.mean(np.log(r)))) if finite else math.nan
        rows.append(
            {
                "optimizer": opt,
                "n_cells": len(g),
                "geomean_ratio": gm,
                "min_ratio": float(np.nanmin(r)),
                "max_ratio": float(np.nanmax(r)),
                "geomean_literal_ratio": _geomean_vs_exact(g, "kfac_literal_decrement"),
                "geomean_exact_sd_ratio": _geomean_vs_exact(g, "kfac_exact_ggn_decrement"),
                "geomean_ekfac_ratio": _geomean_vs_exact(g, "ekfac_decrement"),
                "median_s_ratio_log10": float(g["s_ratio_log10_median"].median()),
                "ok": bool(finite and 1 / max_factor <= gm <= max_factor),
            }
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------ the job
def instrument_job(smk) -> None:
    """Rule energy_instrument: every run's cells in one table (``output[0]``), sorted, no wall-clock times."""
    from muonrepro.energy.aggregate import run_key
    from muonrepro.energy.probe import probe_set
    from muonrepro.util.device import resolve_device
    from muonrepro.util.io import atomic_write_csv

    torch.set_num_threads(smk.threads)
    p = smk.params
    dev = resolve_device(p.device)
    n_sub = p.instrument["probe_subsample"]
    if n_sub > p.probe_size:
        raise ValueError(
            f"energy.instrument.probe_subsample ({n_sub}) exceeds the probe set (scales.<scale>.energy.probe_size "
            f"= {p.probe_size}): lower it"
        )
    x_all, y_all = probe_set(smk.input.mnist, p.probe_size, p.estimator["probe_seed"], dev)
    x, y = x_all[:n_sub].double(), y_all[:n_sub]
    frames, cache = [], {}
    for path, meta in zip(smk.input.snapshots, smk.input.metas, strict=True):
        if json.loads(Path(meta).read_text()).get("diverged"):
            # a diverged run is unusable for every claim the check stands behind; its weights say nothing of the estimator
            print(f"{Path(path).parent.name}: diverged, not checked", flush=True)
            continue
        model, snaps = load_snapshots(path, p.instrument["snapshots"], dev)
        rows = instrument_run(
            model,
            snaps,
            x,
            y,
            estimator=p.estimator,
            instrument=p.instrument,
            probe_size=p.probe_size,
            tail_share=p.tail_share,
            cache=cache,
        )
        frames.append(pd.DataFrame(rows).assign(**run_key(Path(path).parent)))
        print(f"{Path(path).parent.name}: {len(rows)} cells", flush=True)
    first = ["arch", "optimizer", "seed", "matrix", "snapshot", "step"]
    if not frames:  # every run diverged: nothing to check (the ledger row says so)
        atomic_write_csv(pd.DataFrame(columns=[*first, "ratio", "n_probe"]), smk.output[0])
        return
    table = pd.concat(frames, ignore_index=True)
    table = table[first + [c for c in table.columns if c not in first]]
    table = table.sort_values(first, ignore_index=True)
    print(check(table, p.instrument["max_factor"]).to_string(), flush=True)
    atomic_write_csv(table, smk.output[0])
