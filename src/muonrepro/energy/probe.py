"""Glue for one extraction job: fixed probe set, model rebuilt from the run's snapshots; ``extract_job`` is
the body of rules energy_extract (the primary reading and, in the same pass, every reading of the
sensitivity grid) and energy_robust_extract (the primary reading only)."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from muonrepro.data.mnist import to_device_float
from muonrepro.energy.estimator.store import save_arrays
from muonrepro.energy.extract import every_kth, extract_run, extract_with_grid, extraction_grid
from muonrepro.models import MLP
from muonrepro.util.device import resolve_device
from muonrepro.util.io import atomic_write_json, atomic_write_parquet, load_tensors


def probe_set(mnist_pt, probe_size: int, probe_seed: int, device):
    """The same ``probe_size`` training images for every run (seeded choice over all 60k)."""
    d = load_tensors(mnist_pt)
    idx = torch.randperm(len(d["train_x"]), generator=torch.Generator().manual_seed(probe_seed))[:probe_size]
    return to_device_float(d["train_x"][idx], device), d["train_y"][idx].to(device)


def load_run(mnist_pt, snapshots_pt, probe_size: int, probe_seed: int, device):
    """Model, float64 snapshots (with their logged updates), probe set and step count of one run, on ``device``.

    float64 forward/backward: the estimator divides by lambda_i mu_j down to rel_threshold * max,
    where float32 round-off in G would dominate the low-curvature tail."""
    blob = load_tensors(snapshots_pt)
    m = blob["model"]
    model = MLP(m["depth"], m["width"], bias=m["bias"]).to(device, torch.float64)
    x, y = probe_set(mnist_pt, probe_size, probe_seed, device)
    snaps = [
        {
            "step": s["step"],
            "state": {k: v.to(device, torch.float64) for k, v in s["state"].items()},
            "update": {k: v.to(device, torch.float64) for k, v in (s.get("update") or {}).items()},
        }
        for s in blob["snapshots"]
    ]
    return model, snaps, x.double(), y, blob["total_steps"]


class TooFewSnapshotsError(ValueError):
    """A run that did not diverge but has fewer than two finite weight snapshots: no energy to extract."""


def require_snapshots(snaps: list[dict], meta: dict, snapshots_pt, total_steps: int) -> None:
    """Refuse a run with < 2 finite snapshots that did not diverge (the energy is a sum over the logged steps:
    one snapshot gives a number without meaning). A diverged run keeps its own handling (its finite
    snapshots, or the estimator's error when there is none)."""
    finite = [s for s in snaps if all(bool(torch.isfinite(v).all()) for v in s["state"].values())]
    if len(finite) >= 2 or meta.get("diverged"):
        return
    run = Path(snapshots_pt).parent.name
    raise TooFewSnapshotsError(
        f"run {run} ({snapshots_pt}) has {len(finite)} finite weight snapshot(s) (steps "
        f"{[s['step'] for s in finite]} of {total_steps}) and did not diverge: the energy extraction needs >= 2. "
        f"Snapshots are taken at scales.<scale>.energy.n_snapshots log-spaced steps (step 0 included) of a run of "
        f"scales.<scale>.energy.epochs x ceil(scales.<scale>.energy.n_train / energy.batch_size) steps: raise "
        f"n_snapshots (or train longer) and rerun energy_train"
    )


def run_extraction(
    mnist_pt,
    snapshots_pt,
    meta: dict,
    *,
    estimator: dict,
    probe_size: int,
    device="auto",
    sensitivity=None,
    out_npz=None,
    grid_stride: int = 1,
):
    """The primary reading's (summary, per-mode table, per-log table, seconds) of one run. With ``sensitivity``
    (``energy.rules.sensitivity_grid``), the same pass covers every reading of that grid and writes its
    per-mode arrays to ``out_npz`` (``store.save_arrays``). ``grid_stride`` = k > 1 (config
    ``scales.<scale>.energy.grid_snapshot_stride``): the grid's pass takes every k-th snapshot only
    (``extract.every_kth``), its own primary cell included, and the primary tables come from a second pass
    over every snapshot."""
    dev = resolve_device(device)
    model, snaps, x, y, total_steps = load_run(mnist_pt, snapshots_pt, probe_size, estimator["probe_seed"], dev)
    require_snapshots(snaps, meta, snapshots_pt, total_steps)
    kw = dict(estimator=estimator, probe_seed=estimator["probe_seed"])
    if sensitivity is None:
        summary, per_mode, logs, seconds = extract_run(model, snaps, x, y, **kw)
    else:
        grid = extraction_grid(estimator, sensitivity, estimator["n_deciles"])
        grid_snaps = every_kth(snaps, grid_stride)
        summary, per_mode, logs, (arrays, direct), seconds = extract_with_grid(model, grid_snaps, x, y, **kw, grid=grid)
        save_arrays(out_npz, arrays, direct)
        if grid_stride > 1:
            summary, per_mode, logs, primary_seconds = extract_run(model, snaps, x, y, **kw)
            seconds += primary_seconds
    # wall-clock times stay out of the summary (the rule's benchmark file has them), so that the summary,
    # like the run's meta.json, is byte-identical for the same config and seed
    summary = {
        **summary,
        "diverged": meta["diverged"],
        "lr": meta["config"]["lr"],
        "n_logs": len(snaps),
        "total_steps": total_steps,
        "probe_size": probe_size,
        "estimator": estimator,
    }
    return summary, per_mode, logs, seconds


def extract_job(smk) -> None:
    """Per-mode energy, direct energies and off-diagonal fractions of one run under the primary reading; with
    ``params.grid`` (rule energy_extract) also the arrays of every reading of the sensitivity grid
    (``output.arrays``), from the same pass."""
    torch.set_num_threads(smk.threads)
    p = smk.params
    grid = getattr(p, "grid", None)
    summary, per_mode, logs, seconds = run_extraction(
        smk.input.mnist,
        smk.input.snapshots,
        json.load(open(smk.input.meta)),
        estimator=p.estimator,
        probe_size=p.probe_size,
        device=p.device,
        sensitivity=grid,
        out_npz=smk.output.arrays if grid is not None else None,
        grid_stride=getattr(p, "grid_stride", 1),
    )
    what = "every reading of the sensitivity grid" if grid is not None else "the primary reading"
    print(f"extraction ({what}): {seconds:.2f} s for {summary['n_logs']} logged steps")
    atomic_write_parquet(per_mode, smk.output.per_mode)
    atomic_write_parquet(logs, smk.output.logs)
    atomic_write_json(summary, smk.output.summary)
