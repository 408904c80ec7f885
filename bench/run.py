"""Run the product benchmarks and write bench/results.md (+ the raw numbers in bench/results.json).

    python bench/run.py                 # items 1-5 (about 20 min on 2 CPU cores)
    python bench/run.py --e2e           # + item 6: the whole pipeline in a copy of the checkout
    python bench/run.py --quick         # smoke run: small sizes, 1 repeat (under a minute)
    python bench/run.py --render        # re-write the md from the json, measuring nothing

See bench/README.md for what each ratio means.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import goals  # noqa: E402
import torch  # noqa: E402
from common import (  # noqa: E402
    DEFAULT_RUN_GOAL_S,
    LOOP_GOAL,
    REPO,
    bf16_hardware,
    keep_blocks,
    load_config,
    machine_facts,
    mnist_pt,
    now_utc,
)

ITEMS = ("train", "energy", "muon", "polar", "pipeline")
NO_GPU = "not measured: no GPU in this environment"


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes and 1 repeat (a smoke run, not a result)")
    ap.add_argument("--e2e", action="store_true", help="also run item 6: snakemake --cores all in a copy (minutes)")
    ap.add_argument("--repeats", type=int, default=None, help="timed repeats per measurement (default 3, quick 1)")
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch.set_num_threads for items 1-4 (default 1: what each pipeline job gets)",
    )
    ap.add_argument("--only", default=",".join(ITEMS), help=f"comma list of items to run, of {ITEMS}")
    ap.add_argument("--papers", default="energy,precond,imbalanced", help="papers for the end-to-end run")
    ap.add_argument("--e2e-dir", default="/tmp/bench/main", help="where the end-to-end copy is made (wiped)")
    ap.add_argument(
        "--mnist-pt",
        default=None,
        help="prepared MNIST tensors (default: results/data/mnist.pt, else prepared from data.mnist_root)",
    )
    ap.add_argument("--out", default=str(REPO / "bench" / "results.md"))
    ap.add_argument(
        "--render",
        action="store_true",
        help="only re-render results.md from the existing results.json (no measurement)",
    )
    ap.add_argument(
        "--merge",
        action="store_true",
        help="keep the items of the existing results.json that this invocation does not run",
    )
    return ap.parse_args(argv)


# ------------------------------------------------------------------------------------------ report


def _machine_label(m: dict) -> str:
    """What makes two machines' timings incomparable: the CPU, its cores and its bfloat16 matmul hardware."""
    return f"{m['cpu']} ({m['cores']} cores, bfloat16 hardware: {m.get('bf16_hardware', '?')})"


def table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def columns(rows: list[dict], cols: dict) -> str:
    """A table of ``rows``, one column per ``{header: cell(row)}``."""
    return table(list(cols), [[cell(r) for cell in cols.values()] for r in rows])


def _gpu_col(gpu_rows, field: str, keys=("arch", "optimizer"), head="GPU") -> dict:
    """The GPU column of a detail table: present only where the item ran on a GPU."""
    if not gpu_rows:
        return {}
    match = lambda r: next((f"{g[field]:.2f}" for g in gpu_rows if all(g[k] == r[k] for k in keys)), "-")  # noqa: E731
    return {head: match}


def section(title: str, caption: str, *tables: str) -> list[str]:
    """A report section: heading, a one-line caption, its tables (bench/README.md says what each measures)."""
    return [f"## {title}", "", caption, ""] + [x for t in tables if t for x in (t, "")]


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**met**" if ok else "**missed**")


def _cpu_wall(r: dict, cpu: str, wall: str) -> str:
    return f"{min(r.get(cpu) or [float('nan')]):.2f}; {min(r[wall]):.2f}"


def _headlines(res: dict) -> None:
    """Into the rows: the ratio each goal is judged on (CPU time of the fastest repeats where measured, else wall)."""
    for r in res.get("train", []):
        r["ratio_of_min"] = min(r["bare_s"]) / min(r["ours_s"])
        r["headline"] = r.get("ratio_cpu_of_min") or r["ratio_of_min"]
    energy = res.get("energy", [])
    cpu = all(r.get("train_cpu_s") for r in energy)
    tk, ek = ("train_cpu_s", "extract_cpu_s") if cpu else ("train_s", "extract_wall_s")
    for r in energy:
        r["fraction_of_min"] = min(r["extract_wall_s"]) / min(r["train_s"])
        r["headline"] = min(r[ek]) / min(r[tk])
    if energy:
        res["energy_total"] = sum(min(r[ek]) for r in energy) / sum(min(r[tk]) for r in energy)
        res["energy_total_wall"] = sum(min(r["extract_wall_s"]) for r in energy) / sum(
            min(r["train_s"]) for r in energy
        )
        res["energy_how"] = "CPU time" if cpu else "wall time"
    for r in res.get("muon", []) + (res.get("muon_no_bf16") or {}).get("rows", []):
        r["headline"] = r.get("speedup_cpu_of_min") or r["speedup_of_min"]


def _summary(res: dict) -> list[list]:
    """One row per item: what it is, its goal, what was measured, met?, the GPU's number."""
    rows = []
    if "train" in res:
        t = res["train"]
        w, med = min(t, key=lambda r: r["headline"]), statistics.median(r["headline"] for r in t)
        got = f"worst {w['headline']:.3f} ({w['arch']} {w['optimizer']}), median {med:.3f} (CPU time); wall: worst "
        got += f"{min(r['ratio_of_min'] for r in t):.3f}"
        gpu = "see §1" if res.get("train_gpu") else NO_GPU
        rows.append(
            [
                "1. training loop throughput, ours / bare loop",
                f">= {LOOP_GOAL}",
                got,
                verdict(w["headline"] >= LOOP_GOAL),
                gpu,
            ]
        )
    if "energy" in res:
        en = res["energy"]
        w, logs = max(en, key=lambda r: r["headline"]), min(r["n_logs"] for r in en)
        got = f"{res['energy_total']:.3f} ({res['energy_how']}; wall {res['energy_total_wall']:.3f})"
        item = f"2a. energy extraction / training time, all {len(en)} runs ({logs} logs each)"
        rows.append([item, "<= 0.5 (CPU)", got, verdict(res["energy_total"] <= 0.5), "-"])
        got = f"{w['headline']:.3f} ({w['arch']} {w['optimizer']}; wall {w['fraction_of_min']:.3f}); "
        got += f"{min(r['per_log_ms_min'] for r in en):.0f}-{max(r['per_log_ms_min'] for r in en):.0f} ms per log"
        rows.append(["2b. the same, worst single run", "(report)", got, "n/a", "-"])
    nob = (res.get("muon_no_bf16") or {}).get("rows")
    if nob:
        w = min(nob, key=lambda r: r["headline"])
        got = f"worst {w['headline']:.1f}x ({w['params']}; ours {w['ours_cpu_ms_min']:.1f} ms, torch "
        got += f"{w['torch_cpu_ms_min']:.0f} ms, CPU time)"
        item = "3. Muon step, torch.optim.Muon time / ours, no bfloat16 matmul units (oneDNN capped at AVX2)"
        rows.append([item, ">= 10 (CPU)", got, verdict(w["headline"] >= 10), "-"])
    if "muon" in res:
        w, gpu = min(res["muon"], key=lambda r: r["headline"]), res.get("muon_gpu")
        item = "3. the same on this CPU as it is" if nob else "3. Muon step, torch.optim.Muon time / ours"
        got = f"worst {w['headline']:.2f}x ({w['params']}; CPU time; wall {w['speedup_of_min']:.2f}x)"
        ok = verdict(w["headline"] >= 10) + (" (float32 NS kept on purpose: bench/README.md)" if nob else "")
        gpu = f"worst {min(r['speedup_of_min'] for r in gpu):.2f}x" if gpu else NO_GPU
        rows.append([item, ">= 10 (CPU); GPU: ours <= 1.1x torch", got, ok, gpu])
    if "polar" in res:
        ratios = [r["svd_over_ns5_f32"] for r in res["polar"]]
        got = f"{min(ratios):.2f}x to {max(ratios):.2f}x"
        rows.append(["4. exact polar (SVD, f64) / NS5 (f32)", "(report)", got, "n/a", "-"])
    if "theory_rules" in res:
        th = res["theory_rules"]
        got = ", ".join(f"{r['rule']} {r['total_s']:.1f} s" for r in th["rules"]) or th.get("note", "not measured")
        rows.append(["5. theory-sweep rules, wall time", "(report)", got, "n/a", "-"])
    goal, e = f"<= {DEFAULT_RUN_GOAL_S / 60:.0f} min", res.get("e2e")
    if e and e.get("total_s") is not None:
        item = f"6. end to end `snakemake --cores all` (papers: {','.join(e['papers'])})"
        ok = verdict(e["rc"] == 0 and e["total_s"] <= DEFAULT_RUN_GOAL_S)
        ok += "" if set(e["papers"]) == set(e["requested"]) else " (not all papers: see §6)"
        rows.append([item, goal, f"{e['total_s'] / 60:.1f} min, {e.get('jobs')} jobs, rc {e['rc']}", ok, "-"])
        rer = e.get("rerun_s")
        if rer:
            ok = verdict(max(e["rerun_planned"]) == 0 and statistics.median(rer) <= 5)
            got = f"{min(rer):.1f} s min / {statistics.median(rer):.1f} s median, planned {e['rerun_planned']}"
            rows.append(["6. no-change rerun", "0 jobs in <= 5 s", got, ok, "-"])
    else:
        got, ok = (e.get("error", "failed"), "**not measured**") if e else ("not run (pass `--e2e`)", "n/a")
        rows.append(["6. end to end", goal, got, ok, "-"])
    return rows


def render(res: dict) -> str:
    m, cfg = res["machine"], res["config"]
    _headlines(res)
    quick = " (**--quick: smoke sizes, not a result**)" if "--quick" in res["command"] else ""
    dates = ", ".join(f"{k} {v}" for k, v in res.get("item_dates", {}).items())
    out = [
        "# Benchmarks",
        "",
        f"Written by `{res['command']}` on {res['date']} ({res['bench_seconds'] / 60:.1f} min){quick}; "
        f"{res['repeats']} repeats; items measured at: {dates}. Method: `bench/README.md`.",
        "",
    ]
    machine = [
        ["CPU", f"{m['cpu']} ({m['cores']} cores)"],
        ["bfloat16 matmul hardware", m.get("bf16_hardware", "?")],
        ["memory", m["memory"]],
        ["GPU", m["gpu"]],
        ["torch threads (items 1-4)", m["torch_threads"]],
        ["platform", m["platform"]],
        ["load average at start (1/5/15 min)", m["load_average_at_start"]],
        ["git commit", m["git_commit"] + " (plus the working tree's uncommitted changes)"],
        ["versions", ", ".join(f"{k} {v}" for k, v in m["versions"].items())],
    ]
    out += section("Machine", "Shared with other sessions: the load average says how much.", table(["", ""], machine))
    out += section(
        "Summary",
        "Goals of items 1-3 judged on CPU-time ratios of the fastest repeats.",
        table(["item", "goal", "measured (CPU)", "met?", "GPU"], _summary(res)),
    )
    if "train" in res:
        r0, n = res["train"][0], lambda r: r["n_train"]
        cols = {
            "arch": lambda r: r["arch"],
            "optimizer": lambda r: r["optimizer"],
            "bare samples/s": lambda r: f"{n(r) / min(r['bare_s']):.0f}",
            "ours samples/s": lambda r: f"{n(r) / min(r['ours_s']):.0f}",
            "ratio, CPU": lambda r: f"{r.get('ratio_cpu_of_min') or float('nan'):.3f}",
            "ratio, wall": lambda r: f"{r['ratio_of_min']:.3f}",
            "wall, paired median": lambda r: f"{r['ratio_median']:.3f}",
        }
        out += section(
            "1. Training loop throughput",
            f"One epoch of {r0['n_train']} images, batch {r0['batch_size']}, width {cfg['energy']['width']}, "
            f"snapshots off, {m['torch_threads']} thread(s); ratio = ours / bare throughput, fastest repeats.",
            columns(res["train"], cols | _gpu_col(res.get("train_gpu"), "ratio_of_min")),
        )
    if "energy" in res:
        ES, sz, p = cfg["scales"][res["scale"]]["energy"], res.get("energy_sizes") or {}, res.get("energy_profile")
        cols = {
            "arch": lambda r: r["arch"],
            "optimizer": lambda r: r["optimizer"],
            "logs": lambda r: r["n_logs"],
            "ms/log (wall min / median)": lambda r: f"{r['per_log_ms_min']:.0f} / {r['per_log_ms_median']:.0f}",
            "train s (CPU; wall)": lambda r: _cpu_wall(r, "train_cpu_s", "train_s"),
            "extract s (CPU; wall)": lambda r: _cpu_wall(r, "extract_cpu_s", "extract_wall_s"),
            "extract/train, CPU": lambda r: f"{r['headline']:.3f}",
            "wall": lambda r: f"{r['fraction_of_min']:.3f}",
            "wall, paired median": lambda r: f"{r['fraction_median']:.3f}",
        }
        prof = p and table(
            ["part", "seconds", "share"],
            [[k, f"{v['s']:.3f}", f"{100 * v['share']:.0f}%"] for k, v in p["buckets"].items()],
        )
        out += section(
            "2. Energy extraction",
            f"Scale `{res['scale']}`: {sz.get('n_train') or ES['n_train']} images, {sz.get('epochs') or ES['epochs']} "
            f"epochs, probe set {ES['probe_size']}, float64, {m['torch_threads']} thread(s); fastest repeats."
            + (f" Profile: `extract_run` of {p['arch']} {p['optimizer']}, {p['seconds']:.2f} s." if p else ""),
            columns(res["energy"], cols),
            prof,
        )
    if "muon" in res:

        def cols(fmt=".2f"):
            return {
                "parameters": lambda r: r["params"],
                "ours ms (CPU; wall)": lambda r: (
                    f"{r.get('ours_cpu_ms_min', float('nan')):.2f}; {r['ours_ms_min']:.2f}"
                ),
                "torch ms (CPU; wall)": lambda r: (
                    f"{r.get('torch_cpu_ms_min', float('nan')):.2f}; {r['torch_ms_min']:.2f}"
                ),
                "speed-up, CPU": lambda r: f"{r['headline']:{fmt}}x",
                "wall": lambda r: f"{r['speedup_of_min']:{fmt}}x",
                "wall, paired median": lambda r: f"{r['speedup_median']:{fmt}}x",
            }

        md, nob = res.get("matmul_dtypes"), res.get("muon_no_bf16")
        mm = (
            f" A 256x784 @ 784x256 matmul: float32 {md['f32_ms']:.3f} ms, bfloat16 {md['bf16_ms']:.3f} ms."
            if md
            else ""
        )
        out += section(
            "3. Muon step: ours vs torch.optim.Muon",
            f"Speed-up = torch time / ours per `step()`, same shapes and gradient; ours NS in float32 on CPU.{mm}",
            columns(res["muon"], cols() | _gpu_col(res.get("muon_gpu"), "speedup_median", ("params",), "GPU speed-up")),
        )
        if nob:
            env, mdn = " ".join(f"{k}={v}" for k, v in nob["env"].items()), nob["matmul_dtypes"]
            out += section(
                "3'. The same with oneDNN capped at AVX2 (no bfloat16 matmul units)",
                f"A child process with `{env}`; its matmul: float32 {mdn['f32_ms']:.3f} ms, bfloat16 "
                f"{mdn['bf16_ms']:.3f} ms.",
                columns(nob["rows"], cols(".1f")),
            )
    if "polar" in res:
        rows = [
            [r["used_for"], r["shape"]]
            + [f"{r[k]:.3f}" for k in ("svd_f64_ms", "ns5_f32_ms", "ns5_f64_ms")]
            + [f"{r[k]:.2f}" for k in ("svd_over_ns5_f32", "svd_over_ns5_f64")]
            for r in res["polar"]
        ]
        out += section(
            "4. Exact polar factor (SVD) vs Newton-Schulz (NS5), per matrix",
            '`orthogonalize(G, "svd")` (float64) vs `"ns5"` in float32 and float64; a random Gaussian G; ms per call.',
            table(["used for", "shape", "SVD f64", "NS5 f32", "NS5 f64", "SVD / NS5 f32", "SVD / NS5 f64"], rows),
        )
    if "theory_rules" in res:
        th = res["theory_rules"]
        rows = [[r["rule"], r["jobs"]] + [f"{r[k]:.1f}" for k in ("total_s", "max_s", "cpu_s")] for r in th["rules"]]
        head = ["rule (benchmark folder)", "jobs", "wall s (sum)", "wall s (max job)", "cpu s (sum)"]
        out += section("5. Theory sweeps: wall time per rule", th["source"], rows and table(head, rows), th.get("note"))
    return "\n".join(out + _e2e_section(res.get("e2e"))) + "\n"


def _e2e_section(e: dict | None) -> list[str]:
    if not e:
        return section("6. End to end", "Not run in this invocation (`--e2e`).")
    caption = (
        f"`snakemake --cores all --config papers=[{','.join(e.get('papers', []))}]` at the default scale in a fresh "
        f"copy (`{e['workdir']}`), then again unchanged."
    )
    if e.get("total_s") is not None:
        caption += f" Total **{e['total_s'] / 60:.1f} min** ({e['total_s']:.0f} s), {e.get('jobs')} jobs, rc {e['rc']}"
        caption += f"; CPU time of the jobs {e['cpu_s']:.0f} s" if e.get("cpu_s") else ""
        if e.get("load_before"):
            caption += f"; load average before {' '.join(f'{v:.1f}' for v in e['load_before'])}, after "
            caption += " ".join(f"{v:.1f}" for v in e["load_after"])
        caption += "."
    if e.get("rerun_s"):
        caption += f" No-change reruns: {', '.join(f'{t:.1f} s' for t in e['rerun_s'])}, planned {e['rerun_planned']}."
    skipped = [f"- `{k}` left out (its DAG did not build): {v}" for k, v in (e.get("skipped") or {}).items()]
    out = section("6. End to end", caption, "\n".join(skipped), e.get("error") and f"```\n{e['error']}\n```")
    from bench_pipeline import per_rule

    if e.get("log_jobs"):
        rows = [[r["rule"], r["jobs"], f"{r['total_s']:.0f}", f"{r['max_s']:.0f}"] for r in per_rule(e["log_jobs"])]
        out += [
            "Per rule, from the Snakemake log's job stamps (1 s resolution; jobs overlap):",
            "",
            table(["rule", "jobs", "wall s (sum)", "wall s (max job)"], rows),
            "",
        ]
    if e.get("benchmarks"):
        rows = [
            [r["rule"], r["jobs"]] + [f"{r[k]:.1f}" for k in ("total_s", "max_s", "cpu_s")]
            for r in per_rule(e["benchmarks"])
        ]
        out += [
            "Per `benchmark:` folder (Snakemake's `s` and `cpu_time`):",
            "",
            table(["benchmark folder", "jobs", "wall s (sum)", "wall s (max job)", "cpu s (sum)"], rows),
            "",
        ]
    return out


# ------------------------------------------------------------------------------------------ main


def write_md(out: str, text: str) -> None:
    """The report, keeping the blocks other benches wrote into it; results.md's goals table re-read."""
    keep_blocks(Path(out), text)
    if Path(out) == REPO / "bench" / "results.md":
        goals.update()


def main(argv=None):
    args = parse_args(argv)
    repeats = args.repeats or (1 if args.quick else 3)
    items = set(args.only.split(","))
    unknown = items - set(ITEMS)
    if unknown:
        sys.exit(f"--only: unknown items {sorted(unknown)}; known {ITEMS}")
    torch.set_num_threads(args.threads)
    cfg = load_config()
    scale = cfg["scale"]
    out_json = Path(args.out).with_suffix(".json")
    if args.render:
        res = json.loads(out_json.read_text())
        res["machine"].setdefault("bf16_hardware", bf16_hardware())
        write_md(args.out, render({**res, "config": cfg}))
        print(f"re-rendered {args.out} from {out_json}")
        return
    res = json.loads(out_json.read_text()) if args.merge and out_json.exists() else {}
    machine = machine_facts(args.threads)
    if res.get("machine") and _machine_label(res["machine"]) != _machine_label(machine):
        sys.exit(
            f"--merge: the items in {out_json} were measured on {_machine_label(res['machine'])}, this machine is "
            f"{_machine_label(machine)}; one report holds one machine's measurements: write this run to another "
            "report with --out FILE (or re-measure every item here)"
        )
    res.update(
        {
            "command": "python bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv),
            "date": now_utc(),
            "repeats": repeats,
            "machine": machine,
            "scale": scale,
        }
    )
    res.setdefault("item_dates", {})
    t_start = time.perf_counter()

    def save(item=None):
        if item:
            res["item_dates"][item] = now_utc()
        res["bench_seconds"] = time.perf_counter() - t_start
        out_json.write_text(json.dumps(res, indent=1, default=str))
        write_md(args.out, render({**res, "config": cfg}))

    gpu = torch.cuda.is_available()
    cpu = torch.device("cpu")
    workdir = Path(tempfile.gettempdir()) / "muonrepro-bench"
    workdir.mkdir(exist_ok=True)
    data = mp = None
    if items & {"train", "energy"}:
        from muonrepro.energy.runs import load_split

        mp = mnist_pt(args.mnist_pt, cfg, workdir)
        data = load_split(mp, 60000, 0, cpu)
    depths = cfg["energy"]["depths"][:1] if args.quick else cfg["energy"]["depths"]

    if "train" in items:
        from bench_training import bench_training

        print("1. training loop throughput", flush=True)
        n = 6400 if args.quick else cfg["scales"][scale]["energy"]["n_train"]
        res["train"] = bench_training(cfg, data, depths=depths, repeats=repeats, device=cpu, n_train=n)
        res.pop("train_gpu", None)
        if gpu:
            dev = torch.device("cuda")
            res["train_gpu"] = bench_training(
                cfg, tuple(t.to(dev) for t in data), depths=depths, repeats=repeats, device=dev, n_train=n
            )
        save("train")
    if "energy" in items:
        from bench_energy import bench_energy, profile_extraction

        print("2. energy extraction", flush=True)
        sizes = dict(n_train=6400, epochs=1) if args.quick else dict(n_train=None, epochs=None)
        res["energy_sizes"] = sizes
        res["energy"] = bench_energy(cfg, scale, data, mp, depths=depths, repeats=repeats, device=cpu, **sizes)
        res["energy_profile"] = profile_extraction(
            cfg, scale, data, mp, depth=max(depths), opt="sgd", device=cpu, **sizes
        )
        save("energy")
    if "muon" in items:
        from bench_optim import bench_muon_step

        print("3. Muon step", flush=True)
        res["muon"] = bench_muon_step(
            cfg, repeats=repeats, device=cpu, steps_ours=2 if args.quick else 10, steps_torch=1 if args.quick else 2
        )
        from bench_optim import bench_muon_no_bf16_units, matmul_dtypes

        res["matmul_dtypes"] = matmul_dtypes(repeats=repeats, device=cpu)
        print("3'. Muon step, oneDNN capped at AVX2 (no bfloat16 matmul units)", flush=True)
        res["muon_no_bf16"] = bench_muon_no_bf16_units(repeats=repeats, threads=args.threads, quick=args.quick)
        res.pop("muon_gpu", None)
        if gpu:
            res["muon_gpu"] = bench_muon_step(
                cfg, repeats=repeats, device=torch.device("cuda"), steps_ours=20, steps_torch=20
            )
        save("muon")
    if "polar" in items:
        from bench_optim import bench_polar

        print("4. exact polar vs NS5", flush=True)
        res["polar"] = bench_polar(cfg, repeats=repeats, device=cpu, inner=1 if args.quick else 5)
        save("polar")
    if "pipeline" in items:
        from bench_pipeline import THEORY, per_rule, read_benchmarks, run_e2e

        if args.e2e:
            print("6. end to end", flush=True)
            try:
                res["e2e"] = run_e2e(Path(args.e2e_dir), args.papers.split(","), scale)
            except Exception as exc:  # a broken pipeline copy is a result to report, not a crash
                res["e2e"] = {
                    "workdir": args.e2e_dir,
                    "requested": args.papers.split(","),
                    "papers": [],
                    "error": f"{type(exc).__name__}: {exc}",
                }
            save("e2e")
            src, jobs = Path(args.e2e_dir), res["e2e"].get("benchmarks", [])
            source = f"From the `benchmark:` files of the end-to-end run of §6 (`{src}/benchmarks/{scale}`)."
        else:
            jobs = read_benchmarks(REPO, scale)
            source = (
                f"From `{REPO}/benchmarks/{scale}/**.tsv` as found (the last pipeline run in this checkout; not "
                "re-measured by this invocation: run with `--e2e` for a fresh measurement)."
            )
        rules = [r for r in per_rule(jobs) if THEORY.search(r["rule"])]
        note = None
        have = {r["rule"].split("/")[0] for r in rules}
        missing = [p for p in ("energy", "imbalanced", "precond") if p not in have]
        if missing:
            note = (
                f"Not measured: {', '.join(missing)} (no theory benchmark file in `benchmarks/{scale}`: run the "
                "pipeline, then `--only pipeline`, or `--e2e`)."
            )
        res["theory_rules"] = {"source": source, "rules": rules, "note": note}
        save("theory_rules")
    save()
    print(f"wrote {args.out} ({res['bench_seconds'] / 60:.1f} min)")


if __name__ == "__main__":
    main()
