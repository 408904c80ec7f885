"""Items 3 and 4: the Muon step (ours vs ``torch.optim.Muon``) and exact polar (SVD) vs NS5.

Item 3: the same parameter shapes, the same fixed gradient, the same hyperparameters (lr 0.02,
momentum 0.95, Nesterov, 5 NS steps, no weight decay, "original" shape scaling) for
``muonrepro.optim.Muon`` (float32 NS on CPU, bfloat16 on CUDA: ``default_ns_dtype``) and
``torch.optim.Muon`` (bfloat16 NS, hard-coded). Time per ``step()``.

Item 4: ``muonrepro.optim.orthogonalize(G, "svd")`` (exact polar U V^T, float64 working precision,
its default) against ``orthogonalize(G, "ns5")`` in float32 (Muon's CPU default) and in float64
(what the precond theory code uses), per matrix shape used in the papers.
"""

from __future__ import annotations

import torch
from common import paired, ratio

from muonrepro.optim import Muon
from muonrepro.optim.orthogonalize import orthogonalize

MUON_KW = dict(lr=0.02, momentum=0.95, nesterov=True, weight_decay=0.0, ns_steps=5, adjust_lr_fn="original")


def muon_shapes(cfg: dict) -> dict[str, list[tuple[int, int]]]:
    w = cfg["energy"]["width"]
    return {
        f"{w}x784 (W1)": [(w, 784)],
        f"{w}x{w} (W2)": [(w, w)],
        f"mlp3 hidden set ({w}x784 + 2x {w}x{w})": [(w, 784), (w, w), (w, w)],
    }


def _params(shapes, device, seed=0):
    g = torch.Generator().manual_seed(seed)
    ps = []
    for s in shapes:
        p = torch.nn.Parameter((torch.randn(*s, generator=g) / s[1] ** 0.5).to(device))
        p.grad = torch.randn(*s, generator=g).to(device)
        ps.append(p)
    return ps


def bench_muon_step(cfg: dict, *, repeats: int, device, steps_ours: int = 10, steps_torch: int = 2) -> list[dict]:
    rows = []
    for label, shapes in muon_shapes(cfg).items():
        ours = Muon(_params(shapes, device), **MUON_KW)
        theirs = torch.optim.Muon(_params(shapes, device), **MUON_KW)

        def run(opt, k):
            def f():
                for _ in range(k):
                    opt.step()

            return f

        t = paired(
            {"ours": run(ours, steps_ours), "torch": run(theirs, steps_torch)}, repeats=repeats, warmup=1, device=device
        )
        for name, k in (("ours", steps_ours), ("torch", steps_torch)):  # per step
            t[name].times = [v / k for v in t[name].times]
            t[name].cpu = [v / k for v in t[name].cpu]
        r = ratio(t["torch"], t["ours"])  # speed-up of ours
        rows.append(
            {
                "params": label,
                "device": str(device),
                "ours_ms_min": 1e3 * t["ours"].min,
                "ours_ms_median": 1e3 * t["ours"].median,
                "torch_ms_min": 1e3 * t["torch"].min,
                "torch_ms_median": 1e3 * t["torch"].median,
                "speedup_median": r["median"],
                "speedup_min": r["min"],
                "speedup_of_min": r["of_min"],
                "ours_cpu_ms_min": 1e3 * t["ours"].cpu_min,
                "torch_cpu_ms_min": 1e3 * t["torch"].cpu_min,
                "speedup_cpu_of_min": r.get("cpu_of_min"),
                "speedup_cpu_median": r.get("cpu_median"),
            }
        )
        print(
            f"  muon step {label} [{device}]: ours {rows[-1]['ours_ms_median']:.2f} ms, torch "
            f"{rows[-1]['torch_ms_median']:.2f} ms, speed-up {r['median']:.1f}x",
            flush=True,
        )
    return rows


def matmul_dtypes(*, repeats: int, device, inner: int = 50) -> dict:
    """A 256x784 @ 784x256 product in float32 and bfloat16: what decides item 3 on CPU."""
    g = torch.Generator().manual_seed(0)
    A, B = torch.randn(256, 784, generator=g).to(device), torch.randn(784, 256, generator=g).to(device)

    def run(dt):
        a, b = A.to(dt), B.to(dt)

        def f():
            for _ in range(inner):
                a @ b

        return f

    t = paired({"f32": run(torch.float32), "bf16": run(torch.bfloat16)}, repeats=repeats, warmup=1, device=device)
    r = ratio(t["f32"], t["bf16"])
    return {"f32_ms": 1e3 * t["f32"].min / inner, "bf16_ms": 1e3 * t["bf16"].min / inner, "f32_over_bf16": r["of_min"]}


def polar_shapes(cfg: dict) -> list[tuple[str, tuple[int, int]]]:
    """(where it is used, shape) for the papers' matrices, read from config.yaml; each shape once."""
    w, imb, scale = cfg["energy"]["width"], cfg["imbalanced"], cfg["scales"][cfg["scale"]]
    cw = scale["imbalanced"]["cmnist"].get("width", w)
    out = [
        ("energy: W1 of the MNIST MLPs", (w, 784)),
        ("energy: W2, W3", (w, w)),
        ("energy: 10-way head (not on Muon; SpecGD-sized)", (10, w)),
        ("imbalanced: linear CE model W (k x d), SpecGD", (imb["linear_ce"]["k"], imb["linear_ce"]["d"])),
        ("imbalanced: Colored-MNIST W1 (3x784 inputs)", (cw, 3 * 784)),
        ("imbalanced: Colored-MNIST hidden", (cw, cw)),
        ("imbalanced: theory (k x d)", (len(imb["theory"]["priors"]), imb["theory"]["d"])),
    ]
    # precond: the factor matrices of matrix factorisation (d x r) and the d x d in-context regression weights
    for name, sub in scale["precond"].items():
        if isinstance(sub, dict) and isinstance(sub.get("r"), int) and isinstance(sub.get("d"), int):
            out.append((f"precond {name}: factor d x r", (sub["d"], sub["r"])))
        elif isinstance(sub, dict) and isinstance(sub.get("r"), int) and isinstance(sub.get("d1"), int):
            out += [(f"precond {name}: factors d1 x r, d2 x r", (sub["d1"], sub["r"]))]
            out += [(f"precond {name}: d2 x r", (sub["d2"], sub["r"]))]
        elif name == "icl" and isinstance(sub, dict) and isinstance(sub.get("d"), int):
            out.append((f"precond {name}: d x d weights", (sub["d"], sub["d"])))
    first = {}
    for label, shape in out:
        first.setdefault(shape, label)
    return [(label, shape) for shape, label in first.items()]


def bench_polar(cfg: dict, *, repeats: int, device, inner: int = 5) -> list[dict]:
    rows = []
    for label, shape in polar_shapes(cfg):
        G = torch.randn(*shape, generator=torch.Generator().manual_seed(0)).to(device)

        def run(**kw):
            def f():
                for _ in range(inner):
                    orthogonalize(G, **kw)  # noqa: B023 (timed at once)

            return f

        t = paired(
            {
                "svd_f64": run(method="svd"),
                "ns5_f32": run(method="ns5", dtype=torch.float32),
                "ns5_f64": run(method="ns5", dtype=torch.float64),
            },
            repeats=repeats,
            warmup=1,
            device=device,
        )
        for v in t.values():
            v.times = [s / inner for s in v.times]
        r32, r64 = ratio(t["svd_f64"], t["ns5_f32"]), ratio(t["svd_f64"], t["ns5_f64"])
        rows.append(
            {
                "used_for": label,
                "shape": f"{shape[0]}x{shape[1]}",
                "svd_f64_ms": 1e3 * t["svd_f64"].median,
                "ns5_f32_ms": 1e3 * t["ns5_f32"].median,
                "ns5_f64_ms": 1e3 * t["ns5_f64"].median,
                "svd_over_ns5_f32": r32["median"],
                "svd_over_ns5_f64": r64["median"],
                "svd_f64_ms_min": 1e3 * t["svd_f64"].min,
                "ns5_f32_ms_min": 1e3 * t["ns5_f32"].min,
            }
        )
        print(
            f"  polar {shape}: svd {rows[-1]['svd_f64_ms']:.3f} ms, ns5 f32 {rows[-1]['ns5_f32_ms']:.3f} ms "
            f"-> svd/ns5 {r32['median']:.2f}",
            flush=True,
        )
    return rows


NO_BF16_ENV = {"ONEDNN_MAX_CPU_ISA": "AVX2"}


def bench_muon_no_bf16_units(*, repeats: int, threads: int, quick: bool) -> dict:
    """Item 3 again in a child process whose oneDNN may use no ISA above AVX2 (no AVX512-BF16, no AMX).

    That is the premise of item 3's goal (a CPU without bfloat16 matmul units, where torch's
    bfloat16 Newton-Schulz is emulated and slow: ~413 ms vs our ~15 ms were measured on one): oneDNN
    honours ``ONEDNN_MAX_CPU_ISA`` for its bfloat16 kernels, while float32 matmuls (MKL) keep this
    CPU's AVX-512, so our side is, if anything, faster than on a real AVX2-only CPU.
    """
    import json
    import os
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "muon.json"
        cmd = [sys.executable, __file__, "--muon-json", str(out), "--repeats", str(repeats), "--threads", str(threads)]
        subprocess.run(cmd + (["--quick"] if quick else []), check=True, env={**os.environ, **NO_BF16_ENV})
        return {"env": NO_BF16_ENV, **json.loads(out.read_text())}


if __name__ == "__main__":  # the child process of bench_muon_no_bf16_units
    import argparse
    import json
    from pathlib import Path

    from common import load_config

    ap = argparse.ArgumentParser()
    ap.add_argument("--muon-json", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    cpu = torch.device("cpu")
    rows = bench_muon_step(load_config(), repeats=a.repeats, device=cpu, steps_ours=2 if a.quick else 10, steps_torch=1)
    Path(a.muon_json).write_text(
        json.dumps({"rows": rows, "matmul_dtypes": matmul_dtypes(repeats=a.repeats, device=cpu)})
    )
