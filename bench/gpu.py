"""Timings on one GPU, run by ``bench/gpu_check.sh`` after the CUDA tests (``pytest -m gpu``):

1. our Muon step against ``torch.optim.Muon`` on CUDA (the goal: ours <= 1.1x torch's time per step);
2. one paper-scale energy training run (3 hidden layers, width 256, Muon, all 60k images, the paper scale's epochs
   and snapshot schedule), timed.

Writes ``bench/gpu_results.json`` and the ``gpu`` block of ``bench/results.md``. ``--mnist DIR``: a folder with
MNIST's raw IDX files (``raw/``). ``--smoke``: on CPU at tiny sizes, writes nothing (checks the script).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import goals
import torch
from bench_optim import bench_muon_step
from common import BENCH, REPO, load_config, replace_block


def energy_run_paper(cfg: dict, mnist_root: Path, tmp: Path, device: str, smoke: bool = False) -> dict:
    """One paper-scale energy training run, timed."""
    from muonrepro.data.mnist import prepare_mnist
    from muonrepro.energy.runs import energy_run
    from muonrepro.util.io import atomic_torch_save

    E, ES = cfg["energy"], cfg["scales"]["paper"]["energy"]
    if smoke:
        ES = {**ES, "n_train": 1000, "epochs": 1}
    mnist_pt = tmp / "mnist.pt"
    atomic_torch_save(prepare_mnist(mnist_root, tmp / "stage"), mnist_pt)
    t0 = time.perf_counter()
    muon = E["optimizers"]["muon"]
    kw = dict(width=E["width"], bias=E["bias"], opt_cfg=muon, lr=muon["lr"], batch_size=E["batch_size"], seed=0)
    kw |= dict(n_train=ES["n_train"], epochs=ES["epochs"], n_snapshots=ES["n_snapshots"], device=device)
    res, _ = energy_run(mnist_pt, depth=3, opt="muon", **kw)
    if device == "cuda":
        torch.cuda.synchronize()
    return {
        "epochs": ES["epochs"],
        "seconds": time.perf_counter() - t0,
        "train_seconds": res.seconds,
        "snapshots": len(res.snapshots),
        "final_test_acc": res.history[-1]["test_acc"],
        "diverged": res.diverged,
    }


def render(r: dict) -> str:
    lines = [
        "## GPU",
        "",
        f"`bench/gpu_check.sh` on {r['device']}, torch {r['torch']}, {r['date']}. Muon step, ours vs torch.optim.Muon:",
        "",
        "| parameters | ours ms (median) | torch ms (median) | ours / torch |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {s['params']} | {s['ours_ms_median']:.3f} | {s['torch_ms_median']:.3f} | "
        f"{s['ours_ms_median'] / s['torch_ms_median']:.2f} |"
        for s in r.get("muon_step", [])
    ]
    e = r.get("energy_run")
    if e:
        lines += [
            "",
            f"Paper-scale energy run (mlp3, Muon, {e['epochs']} epochs, {e['snapshots']} snapshots): {e['seconds']:.0f} s "
            f"({e['train_seconds']:.0f} s in the loop), test accuracy {e['final_test_acc']:.4f}, diverged {e['diverged']}.",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mnist", default=str(REPO / ".data" / "mnist"), help="folder with raw/ MNIST IDX files")
    ap.add_argument("--skip", default="", help="comma list of items to skip: muon,energy")
    ap.add_argument("--smoke", action="store_true", help="on CPU at tiny sizes, nothing written (checks the script)")
    args = ap.parse_args()
    device = "cpu" if args.smoke else "cuda"
    if not args.smoke and not torch.cuda.is_available():
        sys.exit("bench/gpu.py: torch sees no CUDA device")
    cfg, skip = load_config(), set(args.skip.split(","))
    name = "cpu (smoke run)" if args.smoke else torch.cuda.get_device_name()
    out = {"device": name, "torch": torch.__version__, "date": time.strftime("%Y-%m-%d")}
    n, reps = (1, 1) if args.smoke else (20, 5)
    with tempfile.TemporaryDirectory() as d:
        items = {
            "muon_step": lambda: bench_muon_step(
                cfg, repeats=reps, device=torch.device(device), steps_ours=n, steps_torch=n
            ),
            "energy_run": lambda: energy_run_paper(cfg, Path(args.mnist), Path(d), device, args.smoke),
        }
        for key, fn in items.items():
            if key.split("_")[0] in skip:
                continue
            t0 = time.perf_counter()
            out[key] = fn()
            print(f"{key}: {time.perf_counter() - t0:.0f} s", flush=True)
            if not args.smoke:
                (BENCH / "gpu_results.json").write_text(json.dumps(out, indent=1, default=str))
    if not args.smoke:
        replace_block(BENCH / "results.md", "gpu", render(out))
        goals.update()
    print(render(out))


if __name__ == "__main__":
    main()
