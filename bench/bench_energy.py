"""Item 2: energy extraction cost against the training it monitors, at the default scale.

Per (architecture, optimizer) and repeat: train as the pipeline's ``energy_train`` does (the
package's ``train`` with ``n_snapshots`` log-spaced snapshots, ``scales.<scale>.energy`` sizes),
write the snapshots as that rule does, then run ``muonrepro.energy.probe.run_extraction`` for the primary
reading alone (rule ``energy_robust_extract``'s code path: load snapshots, float64 model, fixed probe set,
``extract_run``; ``energy_extract`` adds the sensitivity grid to the same pass, timed by ``paper_scale.py``).
Reported: seconds per log step (``extract_run`` only), and extraction wall time (incl. loading
the snapshots and probe set) as a fraction of the training wall time.

``profile_extraction`` runs ``extract_run`` under cProfile once and splits its time by where it
goes (forward, per-sample backward, grams and gradient, eigh, rotations and accumulators).
"""

from __future__ import annotations

import cProfile
import math
import pstats
import statistics
import tempfile
import time
from pathlib import Path

from muonrepro.energy.estimator.quadrature import log_spaced_steps
from muonrepro.energy.extract import extract_run
from muonrepro.energy.probe import load_run, run_extraction
from muonrepro.energy.runs import MnistMLPTask, Snapshots, at_steps, build_model
from muonrepro.optim.registry import build_optimizer
from muonrepro.training.loop import FitSpec, fit
from muonrepro.util.io import atomic_torch_save


def _train_run(cfg, scale, data, depth, opt, device, seed=0, n_train=None, epochs=None):
    E, ES = cfg["energy"], cfg["scales"][scale]["energy"]
    x, y, xt, yt = data
    n = n_train or ES["n_train"]
    model = build_model(depth, E["width"], E["bias"], seed, device)
    optim = build_optimizer(model, opt, E["optimizers"][opt], E["optimizers"][opt]["lr"])
    spec = FitSpec(epochs=epochs or ES["epochs"], batch_size=E["batch_size"], seed=seed, name="bench")
    spec_steps = math.ceil(n / E["batch_size"]) * (epochs or ES["epochs"])
    snaps = Snapshots(at_steps(log_spaced_steps(spec_steps, ES["n_snapshots"])))
    c0, t0 = time.process_time(), time.perf_counter()
    res = fit(MnistMLPTask(model, x[:n], y[:n], xt, yt, "test_acc"), optim, spec, hooks=[snaps], log=lambda m: None)
    res.snapshots = snaps.finite()
    return res, time.perf_counter() - t0, time.process_time() - c0


def _save_snapshots(res, depth, E, tmp: Path) -> Path:
    """What the energy_train rule writes (snapshots.pt)."""
    snap_pt = tmp / "snapshots.pt"
    atomic_torch_save(
        {
            "snapshots": res.snapshots,
            "total_steps": res.steps,
            "model": {"depth": depth, "width": E["width"], "bias": E["bias"]},
        },
        snap_pt,
    )
    return snap_pt


def bench_energy(
    cfg: dict,
    scale: str,
    data,
    mnist_path: Path,
    *,
    depths,
    repeats: int,
    device,
    n_train=None,
    epochs=None,
    seed: int = 0,
) -> list[dict]:
    E, ES = cfg["energy"], cfg["scales"][scale]["energy"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for depth in depths:
            for opt in E["optimizers"]:
                tr, ex, core, per_log, frac, tr_cpu, ex_cpu = [], [], [], [], [], [], []
                for _ in range(repeats):
                    res, t_train, c_train = _train_run(cfg, scale, data, depth, opt, device, seed, n_train, epochs)
                    snap_pt = _save_snapshots(res, depth, E, Path(tmp))
                    meta = {
                        "train_seconds": res.seconds,
                        "diverged": res.diverged,
                        "config": {"lr": E["optimizers"][opt]["lr"]},
                    }
                    c0, t0 = time.process_time(), time.perf_counter()
                    summary, _, _, seconds = run_extraction(
                        mnist_path,
                        snap_pt,
                        meta,
                        estimator=E["estimator"],
                        probe_size=ES["probe_size"],
                        device=str(device),
                    )
                    t_ex, c_ex = time.perf_counter() - t0, time.process_time() - c0
                    tr_cpu.append(c_train)
                    ex_cpu.append(c_ex)
                    tr.append(t_train)
                    ex.append(t_ex)
                    core.append(seconds)
                    per_log.append(seconds / summary["n_logs"])
                    frac.append(t_ex / t_train)
                rows.append(
                    {
                        "arch": f"mlp{depth}",
                        "optimizer": opt,
                        "steps": res.steps,
                        "n_logs": len(res.snapshots),
                        "train_s": tr,
                        "extract_wall_s": ex,
                        "extract_run_s": core,
                        "train_cpu_s": tr_cpu,
                        "extract_cpu_s": ex_cpu,
                        "per_log_ms_min": 1e3 * min(per_log),
                        "per_log_ms_median": 1e3 * statistics.median(per_log),
                        "fraction_median": statistics.median(frac),
                        "fraction_min": min(frac),
                        "fraction_max": max(frac),
                    }
                )
                print(
                    f"  energy mlp{depth} {opt}: {rows[-1]['per_log_ms_median']:.0f} ms/log, "
                    f"extract/train {rows[-1]['fraction_median']:.3f} "
                    f"(train {statistics.median(tr):.1f}s, extract {statistics.median(ex):.1f}s)",
                    flush=True,
                )
    return rows


# where the time goes -------------------------------------------------------------------------


def _cum(stats, file_suffix: str, name: str, key: int = 3) -> float:
    """Cumulative (key 3) or self (key 2) time of the functions ``name`` in files ending ``file_suffix``."""
    return sum(v[key] for (f, _l, n), v in stats.items() if f.endswith(file_suffix) and n == name)


def _buckets(stats, total: float) -> dict:
    fwd = _cum(stats, "mlp.py", "forward_with_activations")
    bwd = _cum(stats, "__init__.py", "grad")  # torch.autograd.grad (batched or not)
    lab = _cum(stats, "factors.py", "sample_labels")
    lf = _cum(stats, "factors.py", "layer_factors")
    eig = sum(v[2] for (f, _l, n), v in stats.items() if "linalg_eigh" in n)
    parts = {
        "forward pass (float64)": fwd,
        "per-sample backward (autograd.grad)": bwd,
        "label sampling": lab,
        "grams Sx, Sd, gradient G, per-sample deltas (rest of layer_factors)": max(lf - fwd - bwd - lab, 0.0),
        "eigh (float64)": eig,
    }
    parts["rotations R^T G Q, energies, accumulators, bins, gini"] = max(total - sum(parts.values()), 0.0)
    return {k: {"s": v, "share": v / total} for k, v in parts.items()}


def profile_extraction(
    cfg: dict, scale: str, data, mnist_path: Path, *, depth: int, opt: str, device, n_train=None, epochs=None
) -> dict:
    E, ES = cfg["energy"], cfg["scales"][scale]["energy"]
    res, _, _ = _train_run(cfg, scale, data, depth, opt, device, 0, n_train, epochs)
    with tempfile.TemporaryDirectory() as tmp:
        snap_pt = _save_snapshots(res, depth, E, Path(tmp))
        model, snaps, x, y, total_steps = load_run(
            mnist_path, snap_pt, ES["probe_size"], E["estimator"]["probe_seed"], device
        )
    kw = dict(estimator=E["estimator"], probe_seed=E["estimator"]["probe_seed"])
    extract_run(model, snaps[:2], x, y, **kw)  # warm-up
    prof = cProfile.Profile()
    prof.enable()
    *_, seconds = extract_run(model, snaps, x, y, **kw)
    prof.disable()
    stats = pstats.Stats(prof).stats
    return {
        "arch": f"mlp{depth}",
        "optimizer": opt,
        "n_logs": len(snaps),
        "seconds": seconds,
        "buckets": _buckets(stats, seconds),
    }
