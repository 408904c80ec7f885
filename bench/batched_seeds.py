"""Would seeds trained as one batched model be cheaper on a CPU core? (issue 16, goals 1 and 3)

    python bench/batched_seeds.py            # about 2 min on one core; writes bench/batched_seeds.md (+ .json)

Measured side by side (``common.paired``: interleaved repeats, order alternating, one torch thread, the
ratio of the CPU times of the fastest repeats, as in ``bench/run.py``), per training step of the energy
paper's largest network (3 hidden layers, width ``energy.width``, batch ``energy.batch_size``), for
``S`` seeds (``--seeds``, default 3):

- ``sequential``: S separate models, each stepped by the one training loop's work (forward, backward,
  ``build_optimizer``'s step) one after the other: what S jobs, or S seeds in one process, cost;
- ``batched``: the same S models as ONE batched model (``torch.func.stack_module_state`` + ``vmap`` of
  ``functional_call``: one batched matmul per layer for all seeds), stepped by hand with the same update
  rule on the stacked parameters (SGD with momentum by ``torch._foreach``; Muon's momentum and
  Newton-Schulz on the stacked (S, m, n) hidden matrices, ``optim.orthogonalize.newton_schulz`` with its
  batch dimension). This is the "bare" batched step: the ceiling of what batching can save.

A ratio batched / sequential near 1 means the step is compute-bound (the matmuls and Newton-Schulz cost
per seed what they cost alone), and batching cannot make an extra seed cheaper than the first on a CPU
core; a ratio well below 1 means per-call overhead dominated and batching pays.
"""

from __future__ import annotations

import math

import issue16
import torch
import torch.nn.functional as F
from common import (
    BATCHING_PAYS_BELOW,
    SEEDS_RATIO_GOAL,
    bench_parser,
    load_config,
    machine_facts,
    now_utc,
    paired,
    ratio,
    write_report,
)
from torch.func import functional_call, grad, stack_module_state, vmap

from muonrepro.models import MLP
from muonrepro.optim import Muon
from muonrepro.optim.orthogonalize import newton_schulz
from muonrepro.optim.registry import build_optimizer


def _models(seeds: int, depth: int, width: int) -> list[torch.nn.Module]:
    out = []
    for s in range(seeds):
        torch.manual_seed(s)
        out.append(MLP(depth, width, bias=True))
    return out


def _batch(batch: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 784, generator=g), torch.randint(0, 10, (batch,), generator=g)


def sequential_step(models, opts, x, y):
    def f():
        for m, o in zip(models, opts):
            loss = F.cross_entropy(m(x), y)
            o.zero_grad(set_to_none=True)
            loss.backward()
            o.step()

    return f


def batched_step(models, opt: str, cfg: dict, x, y):
    """The bare batched step: one vmapped forward/backward for all seeds, the update on stacked tensors."""
    params, buffers = stack_module_state(models)
    base = models[0]
    names = list(params)
    hidden = [n for n in names if n.startswith("hidden.") and n.endswith(".weight")]

    def loss(p, b, x, y):
        return F.cross_entropy(functional_call(base, (p, b), (x,)), y)

    grads_of = vmap(grad(loss), in_dims=(0, 0, None, None))
    mom = {n: torch.zeros_like(p) for n, p in params.items()}

    def f():
        g = grads_of(params, buffers, x, y)
        with torch.no_grad():
            if opt == "sgd":
                ps, ms, gs = [params[n] for n in names], [mom[n] for n in names], [g[n] for n in names]
                torch._foreach_mul_(ms, cfg["momentum"])
                torch._foreach_add_(ms, gs)
                torch._foreach_add_(ps, ms, alpha=-cfg["lr"])
            else:  # muon on the hidden matrices (the AdamW part on head and biases is left out of both)
                for n in hidden:
                    mom[n].lerp_(g[n], 1 - cfg["momentum"])
                    upd = g[n].lerp(mom[n], cfg["momentum"]) if cfg["nesterov"] else mom[n]
                    o = newton_schulz(upd, steps=cfg["ns_steps"])
                    m, k = o.shape[-2:]
                    params[n].add_(o, alpha=-cfg["lr"] * max(1.0, m / k) ** 0.5)

    return f


def muon_hidden_only(models, cfg: dict):
    """Muon's step on the hidden matrices alone (``build_optimizer`` adds AdamW for the rest): the same
    split as the batched candidate, so that both do the same work."""
    kw = {k: cfg[k] for k in ("lr", "momentum", "nesterov", "ns_steps", "weight_decay")}
    return [Muon(list(m.hidden_matrices()), adjust_lr_fn="original", **kw) for m in models]


def measure(opt: str, seeds: int, repeats: int, steps: int) -> dict:
    cfg_all = load_config()
    E = cfg_all["energy"]
    depth, width, batch = max(E["depths"]), E["width"], E["batch_size"]
    cfg = E["optimizers"][opt]
    x, y = _batch(batch)
    seq_models = _models(seeds, depth, width)
    opts = (
        muon_hidden_only(seq_models, cfg)
        if opt == "muon"
        else [build_optimizer(m, opt, cfg, cfg["lr"]) for m in seq_models]
    )
    seq, bat = sequential_step(seq_models, opts, x, y), batched_step(_models(seeds, depth, width), opt, cfg, x, y)

    def times(f):
        def run():
            for _ in range(steps):
                f()

        return run

    t = paired({"sequential": times(seq), "batched": times(bat)}, repeats=repeats, warmup=1)
    r = ratio(t["batched"], t["sequential"])
    return {
        "optimizer": opt,
        "seeds": seeds,
        "network": f"mlp{depth} width {width}, batch {batch}",
        "sequential_ms_per_step": 1e3 * t["sequential"].cpu_min / steps,
        "batched_ms_per_step": 1e3 * t["batched"].cpu_min / steps,
        "ratio_cpu_of_min": r.get("cpu_of_min", math.nan),
        "ratio_wall_median": r["median"],
    }


def render(res: dict) -> str:
    lines = [
        "# Seeds as one batched model on a CPU core (issue 16, goals 1 and 3)",
        "",
        f"Written by `python bench/batched_seeds.py` on {res['date']} ({res['machine']['cpu']}, "
        f"{res['machine']['threads']} torch thread). Per training step, {res['rows'][0]['network']}, "
        f"{res['rows'][0]['seeds']} seeds; CPU time of the fastest of {res['repeats']} interleaved repeats of "
        f"{res['steps']} steps (the module docstring says what each candidate does).",
        "",
        "| optimizer | sequential (ms/step, all seeds) | batched (ms/step, all seeds) | batched / sequential (CPU) | "
        "(wall, median) |",
        "|---|---|---|---|---|",
    ]
    for r in res["rows"]:
        lines.append(
            f"| {r['optimizer']} | {r['sequential_ms_per_step']:.1f} | {r['batched_ms_per_step']:.1f} | "
            f"{r['ratio_cpu_of_min']:.2f} | {r['ratio_wall_median']:.2f} |"
        )
    pays = [r["optimizer"] for r in res["rows"] if r["ratio_cpu_of_min"] < BATCHING_PAYS_BELOW]
    if pays:
        reading = (
            f"Reading: batching pays for {', '.join(pays)} here (ratio < {BATCHING_PAYS_BELOW}): per-call overhead, "
            "not arithmetic, dominated the step, and seeds trained as one batched model would make extra seeds cheaper."
        )
    else:
        reading = (
            f"Reading: every ratio is >= {BATCHING_PAYS_BELOW}: the step costs per seed what it costs alone "
            "(compute-bound matmuls and Newton-Schulz), so batching cannot make an extra seed cheaper than the first "
            f"on a CPU core, and goal 1 (three seeds for <= {SEEDS_RATIO_GOAL}x one) is out of reach without cutting per-seed work, which the issue rules out. "
            "On a GPU, where one seed's small matmuls leave the device idle, the same batching is what would pay."
        )
    lines += ["", reading, ""]
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = bench_parser("batched_seeds", __doc__, copies=False)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--steps", type=int, default=20)
    a = ap.parse_args(argv)
    res = None
    if not a.render:
        torch.set_num_threads(1)
        rows = [measure(o, a.seeds, a.repeats, a.steps) for o in ("sgd", "muon")]
        res = {
            "date": now_utc(),
            "machine": {**machine_facts(1), "threads": 1},
            "repeats": a.repeats,
            "steps": a.steps,
            "rows": rows,
        }
    md = write_report("batched_seeds", render, res)
    issue16.update()
    print(md)


if __name__ == "__main__":
    main()
