"""Energy extraction for one training run: per-mode cumulative energy, Gini, direct energy,
curvature-bin shares. Reads the weight snapshots the training loop kept; no retraining.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import torch

from .factors import layer_factors, sample_labels
from .gini import gini
from .per_mode import curvature_deciles, eigh_desc, log_weights, mode_energy


def extract_run(model, snapshots: list[dict], probe_x, probe_y, total_steps: int, *, sigma_delta: str,
                rel_threshold: float, probe_seed: int, n_bins: int):
    """Returns (summary rows per matrix, per-mode DataFrame, per-log DataFrame, seconds)."""
    if not snapshots:
        raise ValueError("no finite weight snapshots to extract energy from")
    t0 = time.perf_counter()
    names = model.matrix_names()
    dts = log_weights([s["step"] for s in snapshots], total_steps)
    acc = None
    fixed_input_eig = None   # layer 1's input is the fixed probe pixels: its Sigma_x never changes
    logs = []
    for snap, dt in zip(snapshots, dts):
        model.load_state_dict(snap["state"])
        sampled = None
        if sigma_delta == "model_sampled":
            gen = torch.Generator().manual_seed(probe_seed + snap["step"])
            sampled = sample_labels(model, probe_x, gen)
        factors = layer_factors(model, probe_x, probe_y, sampled)
        if acc is None:
            acc = [dict(E=0.0, mask=True, lam=0.0, mu=0.0, direct=0.0) for _ in factors]
        for li, (f, a) in enumerate(zip(factors, acc)):
            if li == 0:
                fixed_input_eig = fixed_input_eig or eigh_desc(f["Sx"])
                lam, Q = fixed_input_eig
            else:
                lam, Q = eigh_desc(f["Sx"])
            mu, R = eigh_desc(f["Sd"])
            e, keep, curv = mode_energy(f["G"], lam, Q, mu, R, rel_threshold)
            a["E"] = a["E"] + e * dt
            a["mask"] = keep & a["mask"] if isinstance(a["mask"], torch.Tensor) else keep
            a["lam"] = a["lam"] + lam * dt
            a["mu"] = a["mu"] + mu * dt
            a["direct"] += f["direct"] * dt
            logs.append({"step": snap["step"], "matrix": names[li], "mode_energy": float(e.sum()),
                         "direct_energy": f["direct"], "n_retained": int(keep.sum()),
                         "lambda_max": float(lam[0]), "mu_max": float(mu[0])})
    T = float(dts.sum())
    rows, per_mode = [], []
    for name, a in zip(names, acc):
        E = a["E"].cpu().numpy()
        mask = a["mask"].cpu().numpy()
        lam = (a["lam"] / T).cpu().numpy()
        mu = (a["mu"] / T).cpu().numpy()
        m, n = E.shape
        jj, ii = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
        curv = mu[:, None] * lam[None, :]
        kept = E[mask]
        shares = curvature_deciles(curv[mask], kept, n_bins)
        rows.append({"matrix": name, "n_modes": int(mask.sum()), "gini": gini(kept),
                     "gini_corrected": gini(kept, corrected=True), "cumulative_energy": float(kept.sum()),
                     "direct_energy": a["direct"], "bin_energy": (shares * kept.sum()).tolist()})
        per_mode.append(pd.DataFrame({"matrix": name, "i": ii.ravel(), "j": jj.ravel(),
                                      "lambda": np.broadcast_to(lam[None, :], E.shape).ravel(),
                                      "mu": np.broadcast_to(mu[:, None], E.shape).ravel(),
                                      "energy": E.ravel(), "retained": mask.ravel()}))
    return rows, pd.concat(per_mode, ignore_index=True), pd.DataFrame(logs), time.perf_counter() - t0
