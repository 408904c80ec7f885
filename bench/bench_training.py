"""Item 1: training-loop throughput, ``muonrepro.training.loop.train`` vs a bare hand-written loop.

Both loops get the same model (same seed, fresh copy per timed run), the same optimizer (built by
``muonrepro.optim.registry.build_optimizer`` with ``energy.optimizers`` from config.yaml; the bare
loop steps its inner torch optimizers directly), the same device-resident MNIST tensors, batch size
and seeded shuffling. Ours runs as the pipeline runs it (epoch-end test accuracy and finiteness
check, tqdm bar) with no weight snapshots; the bare loop does nothing but train.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from common import paired, ratio

from muonrepro.energy.runs import MnistMLPTask, build_model
from muonrepro.optim.registry import build_optimizer
from muonrepro.training.loop import FitSpec, fit


def bare_loop(model, optimizers, x, y, batch_size: int, seed: int, epochs: int = 1) -> None:
    """The deliberately bare baseline: shuffle, forward, loss, backward, step. Nothing else."""
    gen = torch.Generator(device="cpu").manual_seed(seed)
    n = len(x)
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen).to(x.device)
        for i in range(0, n, batch_size):
            idx = perm[i : i + batch_size]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            for o in optimizers:
                o.zero_grad(set_to_none=True)
            loss.backward()
            for o in optimizers:
                o.step()


def _fresh(depth, width, bias, opt, opt_cfg, device, seed=0):
    model = build_model(depth, width, bias, seed, device)
    return model, build_optimizer(model, opt, opt_cfg, opt_cfg["lr"])


def bench_training(cfg: dict, data, *, depths, repeats: int, device, n_train: int, seed: int = 0) -> list[dict]:
    E = cfg["energy"]
    x, y, xt, yt = data
    x, y = x[:n_train], y[:n_train]
    rows = []
    for depth in depths:
        for opt, opt_cfg in E["optimizers"].items():

            def ours(xx=x, yy=y, depth=depth, opt=opt, opt_cfg=opt_cfg):
                model, optim = _fresh(depth, E["width"], E["bias"], opt, opt_cfg, device, seed)
                task = MnistMLPTask(model, xx, yy, xt, yt, "test_acc")
                fit(task, optim, FitSpec(epochs=1, batch_size=E["batch_size"], seed=seed), log=lambda msg: None)

            def bare(xx=x, yy=y, depth=depth, opt=opt, opt_cfg=opt_cfg):
                model, optim = _fresh(depth, E["width"], E["bias"], opt, opt_cfg, device, seed)
                bare_loop(model, optim.optimizers, xx, yy, E["batch_size"], seed)

            # warm-up: 20 steps of each (allocator, kernels); model/optimizer construction inside the
            # timed callables costs microseconds
            warm = 20 * E["batch_size"]
            ours(x[:warm], y[:warm])
            bare(x[:warm], y[:warm])
            t = paired({"bare": bare, "ours": ours}, repeats=repeats, warmup=0, device=device)
            r = ratio(t["bare"], t["ours"])  # ours throughput / bare throughput = t_bare / t_ours
            rows.append(
                {
                    "arch": f"mlp{depth}",
                    "optimizer": opt,
                    "n_train": len(x),
                    "batch_size": E["batch_size"],
                    "bare_samples_s_median": len(x) / t["bare"].median,
                    "ours_samples_s_median": len(x) / t["ours"].median,
                    "bare_s": t["bare"].times,
                    "ours_s": t["ours"].times,
                    "ratio_median": r["median"],
                    "ratio_min": r["min"],
                    "ratio_of_min": r["of_min"],
                    "bare_cpu_s": t["bare"].cpu,
                    "ours_cpu_s": t["ours"].cpu,
                    "ratio_cpu_of_min": r.get("cpu_of_min"),
                    "ratio_cpu_median": r.get("cpu_median"),
                }
            )
            print(
                f"  train mlp{depth} {opt}: ours/bare throughput {r['median']:.3f} (cpu {r.get('cpu_of_min', 0):.3f}) "
                f"(bare {rows[-1]['bare_samples_s_median']:.0f}/s, ours {rows[-1]['ours_samples_s_median']:.0f}/s)",
                flush=True,
            )
    return rows
