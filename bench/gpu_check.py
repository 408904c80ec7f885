"""The GPU check of the performance issue, run by ``bench/gpu_check.sh`` as one call on one GPU (<= 8 min):

1. the CUDA-only code paths that never run on CPU (bf16 autocast, channels-last, SDPA under autocast) in
   the GPU-scale tasks, on tiny fixtures in the real data formats (the test fakes): a ResNet on CIFAR-10
   STEP, a BERT on MultiNLI, a GPT on TinyStories, one epoch each with Muon and Adam; each must finish with
   finite losses and accuracies in [0, 1];
2. our Muon step against ``torch.optim.Muon`` on CUDA (the goal: ours <= 1.1x torch's time per step);
3. one paper-scale energy training run (3 hidden layers, width 256, Muon, all 60k images, the paper
   scale's epochs and snapshot schedule), timed.

Writes ``bench/gpu_results.json`` and the "GPU check" section of ``bench/results.md`` (between the
``<!-- gpu-check -->`` markers). ``--mnist DIR``: a folder with MNIST's raw IDX files (``raw/``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import torch
import yaml
from common import replace_block

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests" / "imbalanced" / "gpu"))


def _config() -> dict:
    from snakemake.utils import validate

    cfg = yaml.safe_load((REPO / "config.yaml").read_text())
    validate(cfg, str(REPO / "workflow" / "schemas" / "config.schema.yaml"))
    return cfg


def cuda_paths(cfg: dict, tmp: Path, device: str = "cuda") -> list[dict]:
    """Item 1: each GPU-scale task for one epoch on CUDA with bf16 autocast (and channels-last images)."""
    import fakes
    import fakes_lm
    import fakes_nli

    from muonrepro.imbalanced.gpu import settings
    from muonrepro.imbalanced.gpu.datasets import build
    from muonrepro.imbalanced.gpu.train import run

    ig = cfg["imbalanced_gpu"]
    igs = cfg["scales"]["small"]["imbalanced_gpu"]
    fakes.make_cifar10(tmp / "cifar", per_class_train=40, per_class_test=10)
    fakes_nli.make_multinli(tmp / "multinli", n_train=160, n_test=60)
    fakes_nli.make_bert_vocab(tmp / "bert")
    fakes_lm.make_tinystories(tmp / "ts", n_train_stories=120, n_valid_stories=30)
    data_cfg = {
        **ig["data"],
        "cifar_root": str(tmp / "cifar"),
        "multinli_root": str(tmp / "multinli"),
        "tinystories_root": str(tmp / "ts"),
        "bert_dir": str(tmp / "bert"),
        "verify_md5": False,
    }
    sizes = {
        "cifar10": {"epochs": 1, "n_max": 40, "n_val_per_class": 4},
        "multinli": {
            "epochs": 1,
            "max_len": 32,
            "n_train": 100,
            "n_val": 16,
            "n_test": 60,
            "bert": {"hidden": 32, "layers": 1, "heads": 2, "intermediate": 64},
        },
        "tinystories": {
            "epochs": 1,
            "n_train_tokens": 3000,
            "n_test_tokens": 600,
            "model": {"context": 32, "n_layers": 1, "d_model": 32, "n_heads": 2},
        },
    }
    rows = []
    for exp, s in sizes.items():
        method = {
            k: v
            for k, v in ig[exp].items()
            if k not in ("model", "optimizers", "batch_size", "select_by", "optimizer_overrides")
        }
        data = build(exp, data_cfg, method if exp != "tinystories" else {**method, "vocab_size": 64}, s, 0)
        scale_view = {**igs, exp: {**igs[exp], **s}, "width": 8}
        model = settings.model_config(exp, ig, scale_view)
        for opt in ("muon", "adam"):
            opt_cfg = settings.optimizer_config(exp, opt, ig)
            t0 = time.perf_counter()
            try:
                df = run(data, model, opt, opt_cfg, 1, 16, 2, 0, device, ig["decode"], amp=True, channels_last=True)
                loss = df[df["metric"] == "train_loss"]["value"]
                acc = df[df["metric"].str.endswith("acc")]["value"].dropna()
                ok = bool(
                    len(loss)
                    and loss.notna().all()
                    and torch.isfinite(torch.tensor(loss.values)).all()
                    and acc.between(0, 1).all()
                    and not (df["metric"] == "diverged").any()
                )
                rows.append(
                    {
                        "task": exp,
                        "optimizer": opt,
                        "ok": ok,
                        "seconds": time.perf_counter() - t0,
                        "final_train_loss": float(loss.iloc[-1]) if len(loss) else None,
                    }
                )
            except Exception as e:  # report every path, not only the first failure
                rows.append({"task": exp, "optimizer": opt, "ok": False, "error": f"{type(e).__name__}: {e}"})
            print(rows[-1], flush=True)
    return rows


def muon_step(cfg: dict, device: str = "cuda") -> list[dict]:
    """Item 2: per-step time of our Muon and torch.optim.Muon on CUDA (same shapes, gradient, settings)."""
    from bench_optim import bench_muon_step

    return bench_muon_step(cfg, repeats=5, device=torch.device(device), steps_ours=20, steps_torch=20)


def energy_run_paper(cfg: dict, mnist_root: Path, tmp: Path, device: str = "cuda", smoke: bool = False) -> dict:
    """Item 3: one paper-scale energy training run on CUDA, timed."""
    from muonrepro.data.mnist import prepare_mnist
    from muonrepro.energy.runs import energy_run
    from muonrepro.util.io import atomic_torch_save

    E, ES = cfg["energy"], cfg["scales"]["paper"]["energy"]
    mnist_pt = tmp / "mnist.pt"
    atomic_torch_save(prepare_mnist(mnist_root, tmp / "stage"), mnist_pt)
    if smoke:
        ES = {**ES, "n_train": 1000, "epochs": 1}
    t0 = time.perf_counter()
    res, _ = energy_run(
        mnist_pt,
        depth=3,
        width=E["width"],
        bias=E["bias"],
        opt="muon",
        opt_cfg=E["optimizers"]["muon"],
        lr=E["optimizers"]["muon"]["lr"],
        n_train=ES["n_train"],
        epochs=ES["epochs"],
        batch_size=E["batch_size"],
        seed=0,
        n_snapshots=ES["n_snapshots"],
        device=device,
    )
    if device == "cuda":
        torch.cuda.synchronize()
    return {
        "arch": "mlp3",
        "optimizer": "muon",
        "epochs": ES["epochs"],
        "seconds": time.perf_counter() - t0,
        "train_seconds": res.seconds,
        "snapshots": len(res.snapshots),
        "final_test_acc": res.history[-1]["test_acc"],
        "diverged": res.diverged,
        "device": device,
    }


def render(results: dict) -> str:
    lines = [
        "## GPU check (`bench/gpu_check.sh`)",
        "",
        f"Device: {results.get('device', 'n/a')}; torch {results.get('torch')}; {results.get('date')}.",
        "",
    ]
    lines += [
        "CUDA code paths (bf16 autocast; channels-last images; SDPA under autocast), one epoch on tiny fixtures:",
        "",
        "| task | optimizer | ok | seconds | note |",
        "|---|---|---|---|---|",
    ]
    for r in results.get("cuda_paths", []):
        lines.append(
            f"| {r['task']} | {r['optimizer']} | {r['ok']} | {r.get('seconds', float('nan')):.1f} | "
            f"{r.get('error', '')} |"
        )
    lines += [
        "",
        "Muon step on CUDA, ours vs torch.optim.Muon (goal: ours <= 1.1x torch's time per step):",
        "",
        "| parameters | ours ms (median) | torch ms (median) | time ratio ours/torch |",
        "|---|---|---|---|",
    ]
    for r in results.get("muon_step", []):
        lines.append(
            f"| {r['params']} | {r['ours_ms_median']:.3f} | {r['torch_ms_median']:.3f} | "
            f"{r['ours_ms_median'] / r['torch_ms_median']:.2f} |"
        )
    e = results.get("energy_run")
    if e:
        lines += [
            "",
            f"Paper-scale energy training run (mlp3, Muon, {e['epochs']} epochs, 60k images, "
            f"{e['snapshots']} snapshots): {e['seconds']:.0f} s wall ({e['train_seconds']:.0f} s in the loop), "
            f"final test accuracy {e['final_test_acc']:.4f}, diverged: {e['diverged']}.",
        ]
    return "\n".join(lines + [""])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mnist", default=str(REPO / ".data" / "mnist"), help="folder with raw/ MNIST IDX files")
    ap.add_argument("--skip", default="", help="comma list of items to skip: paths,muon,energy")
    ap.add_argument(
        "--smoke", action="store_true", help="on CPU, tiny energy run, results not written (checks the script)"
    )
    args = ap.parse_args()
    device = "cpu" if args.smoke else "cuda"
    if not args.smoke and not torch.cuda.is_available():
        sys.exit("gpu_check: torch sees no CUDA device")
    cfg = _config()
    skip = set(filter(None, args.skip.split(",")))
    name = "cpu (smoke run)" if args.smoke else torch.cuda.get_device_name()
    out = {"device": name, "torch": torch.__version__, "date": time.strftime("%Y-%m-%d")}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        items = (
            ("paths", "cuda_paths", lambda: cuda_paths(cfg, tmp, device)),
            ("muon", "muon_step", lambda: muon_step(cfg, device)),
            ("energy", "energy_run", lambda: energy_run_paper(cfg, Path(args.mnist), tmp, device, args.smoke)),
        )
        for short, key, fn in items:
            if short in skip:
                continue
            t0 = time.perf_counter()
            out[key] = fn()
            print(f"{key}: {time.perf_counter() - t0:.0f} s", flush=True)
            if not args.smoke:
                (REPO / "bench" / "gpu_results.json").write_text(json.dumps(out, indent=1, default=str))
    if args.smoke:
        print(render(out))
        return
    block = render(out)
    replace_block(REPO / "bench" / "results.md", "gpu-check", block)
    print(block)


if __name__ == "__main__":
    main()
