"""Paper scale measured, not estimated (issue 16, goal 4).

    python bench/paper_scale.py --dir /tmp/fresh-clone        # about 45 min on 2 cores; writes bench/paper_scale.{md,json}

1. Runs one job of every kind at ``scale: paper`` in the checkout ``--dir`` (the README's command,
   ``snakemake --cores N --config scale=paper <targets>``), a few probes in turn, each with a wall-time
   limit. Snakemake's ``benchmark:`` file of every finished job gives its wall time and peak memory
   (max RSS). A job still running when its probe's limit is reached is stopped; its time is then a
   lower bound (the time since Snakemake started it).
2. Dry-runs the whole paper-scale DAG (``--forceall``) for its job counts and gives each job the measured
   time of a job of the same rule, preferring the one that shares most wildcard values (the same
   optimizer, then the same depth; ties: the longer). Rules with no job measured at paper scale (the
   light aggregation, claim and figure rules) are counted at their small-scale time from
   ``benchmarks/small`` of the same checkout, and the table says so.
3. Totals per paper (job time summed, and wall time on ``--cores`` cores as job time / cores: a lower
   bound that assumes perfect packing); disk for the energy snapshots, every run counted at the size of
   the largest measured run of its rule (an upper bound).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pandas as pd

from muonrepro.pipeline.plan import parse_jobs

BENCH = Path(__file__).resolve().parent
OPTS = ("sgd", "adamw", "muon")
PAPER = "results/paper"
# (what the probe runs, its targets, wall limit in minutes); the order puts the cheap probes first
PROBES = [
    (
        "energy: lr selection and training, 3-hidden-layer MLP x each optimizer",
        [f"{PAPER}/energy/runs/mlp3_{o}_s0/meta.json" for o in OPTS],
        15,
    ),
    (
        "energy: primary extraction (sgd, muon)",
        [f"{PAPER}/energy/extract/mlp3_{o}_s0.json" for o in ("sgd", "muon")],
        8,
    ),
    ("energy: sensitivity pass (sgd)", [f"{PAPER}/energy/sensitivity/arrays/mlp3_sgd_s0.npz"], 6),
    ("precond: every theory rule and the sweeps", [f"{PAPER}/precond/claims.csv"], 8),
    (
        "imbalanced: theory checks and one linear cross-entropy seed",
        [f"{PAPER}/imbalanced/theory_checks.csv", f"{PAPER}/imbalanced/linear_ce/seed0.parquet"],
        6,
    ),
    (
        "imbalanced: Colored-MNIST data and one (depth, optimizer) job",
        [f"{PAPER}/imbalanced/cmnist/L1_sgd_seed0.json"],
        6,
    ),
]
STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ [\d:]+ \d{4})\]\n(?:local)?rule (\w+):\n((?:[ \t]+\S.*\n)*)", re.M)


def paper_of(rule: str) -> str:
    for p in ("energy", "precond", "imbalanced_gpu", "imbalanced"):
        if rule.startswith(p + "_"):
            return p
    return "shared"


def snakemake(checkout: Path, args: list[str], **kw) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "snakemake", "--config", "scale=paper", *args]
    return subprocess.Popen(cmd, cwd=checkout, text=True, start_new_session=True, **kw)


def run_probe(checkout: Path, cores: int, targets: list[str], limit_min: float) -> dict:
    """Run ``targets``; the jobs it started (rule, wildcards, benchmark, start) and whether it finished."""
    log = checkout / ".paper_scale_probe.log"
    t0 = time.time()
    with open(log, "w") as fh:
        p = snakemake(checkout, ["--cores", str(cores), "--rerun-incomplete", *targets], stdout=fh, stderr=fh)
        try:
            rc, finished = p.wait(timeout=limit_min * 60), True
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGINT)  # Snakemake's own shutdown: running jobs killed, outputs marked incomplete
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
            rc, finished = None, False
    stopped = time.time()
    text = log.read_text()
    jobs = []
    for m in STAMP.finditer(text):
        start = datetime.strptime(m[1], "%a %b %d %H:%M:%S %Y").timestamp()
        block = parse_jobs(f"rule {m[2]}:\n{m[3]}").iloc[0]
        jobs.append({"rule": m[2], "wildcards": block.wildcards, "benchmark": block.benchmark, "start": start})
    return {
        "rc": rc,
        "finished": finished,
        "wall_s": stopped - t0,
        "stopped": stopped,
        "jobs": jobs,
        "log": text[-2000:],
    }


def measured_jobs(checkout: Path, probes: list[dict]) -> pd.DataFrame:
    """One row per job a probe started: seconds and max RSS from its benchmark file, or a lower bound."""
    rows = []
    for pr in probes:
        for j in pr["jobs"]:
            bench = checkout / j["benchmark"] if j["benchmark"] else None
            if bench is not None and bench.exists() and bench.stat().st_mtime >= j["start"] - 1:
                b = pd.read_csv(bench, sep="\t").iloc[-1]
                rows.append({**j, "seconds": float(b["s"]), "max_rss_mb": float(b["max_rss"]), "lower_bound": False})
            elif not pr["finished"]:
                rows.append(
                    {**j, "seconds": pr["stopped"] - j["start"], "max_rss_mb": float("nan"), "lower_bound": True}
                )
    return pd.DataFrame(
        rows, columns=["rule", "wildcards", "benchmark", "start", "seconds", "max_rss_mb", "lower_bound"]
    )


def small_scale_seconds(checkout: Path, dag: pd.DataFrame) -> dict[str, float]:
    """Median benchmark seconds per rule of the small-scale run in ``checkout`` (same benchmark paths, scale folder small)."""
    out = {}
    for rule, grp in dag.groupby("rule"):
        files = [checkout / b.replace("benchmarks/paper/", "benchmarks/small/", 1) for b in grp["benchmark"] if b]
        secs = [float(pd.read_csv(f, sep="\t")["s"].iloc[-1]) for f in files if f.exists()]
        if secs:
            out[rule] = float(pd.Series(secs).median())
    return out


def match(job: pd.Series, measured: pd.DataFrame) -> pd.Series | None:
    """The measured job of the same rule sharing most wildcard values with ``job`` (ties: the longer)."""
    same = measured[measured["rule"] == job["rule"]]
    if same.empty:
        return None
    shared = same["wildcards"].map(lambda w: sum(w.get(k) == v for k, v in job["wildcards"].items()))
    best = same[shared == shared.max()]
    return best.loc[best["seconds"].idxmax()]


def estimate(dag: pd.DataFrame, measured: pd.DataFrame, small: dict[str, float]) -> pd.DataFrame:
    rows = []
    for _, job in dag.iterrows():
        m = match(job, measured)
        if m is not None:
            src = "measured (lower bound)" if m["lower_bound"] else "measured"
            rows.append({"rule": job["rule"], "seconds": m["seconds"], "source": src, "max_rss_mb": m["max_rss_mb"]})
        else:
            rows.append(
                {"rule": job["rule"], "seconds": small.get(job["rule"], float("nan")), "source": "small-scale time"}
            )
    est = pd.DataFrame(rows)
    est["paper"] = est["rule"].map(paper_of)
    return est


def per_rule(est: pd.DataFrame) -> pd.DataFrame:
    g = est.groupby("rule")
    t = pd.DataFrame(
        {
            "paper": g["paper"].first(),
            "jobs": g.size(),
            "seconds_per_job": g["seconds"].median(),
            "job_minutes": g["seconds"].sum() / 60,
            "peak_rss_gb": g["max_rss_mb"].max() / 1024,
            "source": g["source"].agg(lambda s: ", ".join(sorted(set(s)))),
        }
    )
    return t.sort_values("job_minutes", ascending=False)


def snapshot_bytes(checkout: Path, dag: pd.DataFrame, measured: pd.DataFrame) -> tuple[float, int]:
    """Bytes of all energy snapshot files at paper scale (upper bound) and how many runs that is."""
    runs = dag[dag["rule"] == "energy_train"]
    sizes = []
    for _, m in measured[(measured["rule"] == "energy_train") & ~measured["lower_bound"]].iterrows():
        w = m["wildcards"]
        f = checkout / PAPER / "energy" / "runs" / f"{w['arch']}_{w['opt']}_s{w['seed']}" / "snapshots.pt"
        if f.exists():
            sizes.append(f.stat().st_size)
    return (max(sizes) * len(runs) if sizes else float("nan")), len(runs)


def render(res: dict) -> str:
    t = pd.DataFrame.from_dict(res["per_rule"], orient="index")
    lines = [
        "# Paper scale, measured (issue 16, goal 4)",
        "",
        f"Written by `python bench/paper_scale.py` on {res['date']} in a checkout at commit {res['commit']}, "
        f"{res['cores']} cores ({res['cpu']}), load average at start {res['load']}. How: see the docstring of "
        "`bench/paper_scale.py`. Job time = Snakemake's `benchmark:` wall seconds of each job; a job stopped at "
        "its probe's limit counts with the time it had run (a lower bound, marked >=).",
        "",
        "## Probes (one job of every kind, run at `scale: paper`)",
        "",
        "| probe | limit (min) | finished? | wall (min) |",
        "|---|---|---|---|",
    ]
    for pr in res["probes"]:
        lines.append(
            f"| {pr['name']} | {pr['limit_min']} | {'yes' if pr['finished'] else '**no: stopped**'} | {pr['wall_s'] / 60:.1f} |"
        )
    lines += [
        "",
        "## Per rule (whole paper-scale DAG; the GPU-scale experiments are not in it: their data is absent)",
        "",
    ]
    lines += [
        "| rule | paper | jobs | s per job (median) | job minutes | peak RSS (GB) | time from |",
        "|---|---|---|---|---|---|---|",
    ]
    for rule, r in t.iterrows():
        ge = ">= " if "lower bound" in r["source"] else ""
        rss = "" if pd.isna(r["peak_rss_gb"]) else f"{r['peak_rss_gb']:.2f}"
        lines.append(
            f"| `{rule}` | {r['paper']} | {int(r['jobs'])} | {ge}{r['seconds_per_job']:.0f} | {ge}{r['job_minutes']:.1f} | {rss} | {r['source']} |"
        )
    lines += [
        "",
        "## Totals",
        "",
        f"| paper | jobs | job minutes | wall minutes on {res['cores']} cores (job time / cores) |",
        "|---|---|---|---|",
    ]
    for paper, r in res["totals"].items():
        ge = ">= " if r["lower_bound"] else ""
        lines.append(
            f"| {paper} | {r['jobs']} | {ge}{r['job_minutes']:.0f} | {ge}{r['job_minutes'] / res['cores']:.0f} |"
        )
    gb = res["snapshot_bytes"] / 1e9
    lines += [
        "",
        f"Goal: energy + precond + imbalanced (CPU parts) <= 90 min wall on 2 cores: "
        f"{'met' if res['cpu_papers_wall_min'] <= 90 and not res['cpu_papers_lower_bound'] else '**missed**'} "
        f"({'>= ' if res['cpu_papers_lower_bound'] else ''}{res['cpu_papers_wall_min']:.0f} min).",
        f"Disk for the energy snapshots ({res['snapshot_runs']} runs, each at most the largest measured run): "
        f"<= {gb:.2f} GB; goal <= 1 GB: {'met' if gb <= 1 else '**missed**'}.",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, required=True, help="a checkout with ../shared beside it (a fresh clone)")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--limit-factor", type=float, default=1.0, help="multiply every probe's wall limit")
    ap.add_argument("--render", action="store_true", help="re-write paper_scale.md from paper_scale.json")
    a = ap.parse_args(argv)
    if a.render:
        (BENCH / "paper_scale.md").write_text(render(json.loads((BENCH / "paper_scale.json").read_text())))
        return
    checkout = a.dir.resolve()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    probes = []
    for name, targets, limit in PROBES:
        print(f"probe: {name} (limit {limit * a.limit_factor:.0f} min)", flush=True)
        pr = run_probe(checkout, a.cores, targets, limit * a.limit_factor)
        probes.append({"name": name, "targets": targets, "limit_min": limit * a.limit_factor, **pr})
        print(
            f"  {'finished' if pr['finished'] else 'stopped'} after {pr['wall_s'] / 60:.1f} min, rc {pr['rc']}",
            flush=True,
        )
    dry = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--forceall", "--config", "scale=paper"],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    )
    dag = parse_jobs(dry.stdout + dry.stderr)
    measured = measured_jobs(checkout, probes)
    est = estimate(dag, measured, small_scale_seconds(checkout, dag))
    table = per_rule(est)
    totals = {}
    for paper, grp in est.groupby("paper"):
        totals[paper] = {
            "jobs": len(grp),
            "job_minutes": float(grp["seconds"].sum() / 60),
            "lower_bound": bool(grp["source"].str.contains("lower bound").any()),
        }
    cpu = list(totals)  # every job of the DAG: without GPU-scale data the imbalanced_gpu jobs are light ones
    disk, n_runs = snapshot_bytes(checkout, dag, measured)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=checkout, capture_output=True, text=True).stdout.strip()
    res = {
        "date": datetime.now().strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "cores": a.cores,
        "cpu": f"{os.cpu_count()} visible",
        "load": load,
        "probes": [{k: v for k, v in p.items() if k != "jobs"} for p in probes],
        "measured": measured.drop(columns="start").to_dict("records"),
        "per_rule": table.reset_index(names="rule").set_index("rule").to_dict("index"),
        "totals": totals,
        "cpu_papers_wall_min": sum(totals[p]["job_minutes"] for p in cpu) / a.cores,
        "cpu_papers_lower_bound": any(totals[p]["lower_bound"] for p in cpu),
        "snapshot_bytes": disk,
        "snapshot_runs": n_runs,
    }
    (BENCH / "paper_scale.json").write_text(json.dumps(res, indent=1, default=str))
    (BENCH / "paper_scale.md").write_text(render(res))
    print(render(res))


if __name__ == "__main__":
    main()
