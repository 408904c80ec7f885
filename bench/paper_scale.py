"""Paper scale measured, not estimated: the CPU papers' wall time, Colored-MNIST's job time, the snapshots' disk.

    python bench/paper_scale.py --dir /tmp/fresh-clone        # about 30 min on 2 cores; writes bench/paper_scale.{md,json}
    python bench/paper_scale.py --dir /tmp/fresh-clone --only 2,5   # re-run probes 2 and 5, keep the others' jobs
    python bench/paper_scale.py --dir CLONE --runs .snakemake/log/A.log /OTHER/.snakemake/log/B.log --only 5
        # whole runs made with the README's command (in CLONE or other clones), measured job by job,
        # plus the Colored-MNIST probe

0. ``--runs``: every job of those whole runs is measured from its ``benchmark:`` file; their wall times (first job
   start to last job end in each log) are summed, and that sum is what the wall-time goal is judged on.

1. Runs one job of every kind at ``scale: paper`` in the checkout ``--dir`` (the README's command,
   ``snakemake --cores N --config scale=paper <targets>``), a few probes in turn, each with a wall-time
   limit. Snakemake's ``benchmark:`` file of every finished job gives its wall time and peak memory
   (max RSS). A job still running when its probe's limit is reached is stopped; its whole time is then
   extrapolated from the progress lines of its log (energy extractions: one line per tenth of the
   snapshots with the seconds so far; Colored-MNIST: one line per finished epoch), linearly in the units done, or
   else counted as a lower bound (the time since Snakemake started it). Colored-MNIST's first epochs carry most of
   its log-spaced evaluations, and a job of another optimizer or depth gets the time of the measured (Muon,
   4-layer) job: its total is an upper bound. The energy extraction's snapshots cost the same each.
2. Dry-runs the whole paper-scale DAG (``--forceall``) for its job counts and gives each job the time of
   a measured job of the same rule, preferring the one that shares most wildcard values (the same
   optimizer, the same depth; ties: the longer); the table names the wildcards where they differ.
   Rules with no job run at paper scale are counted at their small-scale time from
   ``benchmarks/small`` of the same checkout, or as 0 where they have no ``benchmark:`` file (the
   light claim, figure and merge rules), and the table says which.
3. Totals per paper (job time summed, and wall time on ``--cores`` cores as job time / cores: a lower
   bound that assumes perfect packing); disk for the energy snapshots, every run counted at the size of
   the largest measured run of its rule (an upper bound: the measured runs are the 3-hidden-layer MLPs).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import goals
import pandas as pd
import yaml
from common import (
    BENCH,
    CMNIST_GOAL_JOB_MIN,
    PAPER_SCALE_GOAL_MIN,
    SNAPSHOT_DISK_GOAL_GB,
    bench_parser,
    cpu_papers_met,
    met,
    now_utc,
    write_report,
)

from muonrepro.imbalanced.cmnist_schedule import cmnist_job_epochs
from muonrepro.pipeline.plan import JOB, dry_run, parse_jobs

OPTS = ("sgd", "adamw", "muon")
PAPER = "results/paper"
# (what the probe runs, its targets, wall limit in minutes); the cheap probes first
PROBES = [
    (
        "energy: lr selection and training, 3-hidden-layer MLP x each optimizer",
        [f"{PAPER}/energy/runs/mlp3_{o}_s0/meta.json" for o in OPTS],
        15,
    ),
    (
        "energy: extraction, one pass for the primary reading and the sensitivity grid (sgd)",
        [f"{PAPER}/energy/extract/mlp3_sgd_s0.json"],
        8,
    ),
    ("precond: every theory rule and the sweeps", [f"{PAPER}/precond/claims.csv"], 8),
    (
        "imbalanced: theory checks and one linear cross-entropy seed",
        [f"{PAPER}/imbalanced/theory_checks.csv", f"{PAPER}/imbalanced/linear_ce/seed0.parquet"],
        6,
    ),
    (
        "imbalanced: Colored-MNIST data and two (depth, optimizer) jobs side by side (4 layers Muon; 2 layers Adam)",
        [f"{PAPER}/imbalanced/cmnist/L4_muon_seed0.json", f"{PAPER}/imbalanced/cmnist/L2_adam_seed0.json"],
        6,
    ),
]
STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ [\d:]+ \d{4})\]$", re.M)
SNAPSHOT = re.compile(r"^snapshot (\d+)/(\d+) \(step \d+\), ([\d.]+) s$", re.M)  # energy.estimator.readings
EPOCH = re.compile(r"^\[cmnist .*\] epoch \d+/\d+", re.M)  # imbalanced.cmnist: one line per finished epoch


CMNIST = "imbalanced (Colored-MNIST)"  # its own goal (job time), apart from the CPU papers' wall time


def paper_of(rule: str) -> str:
    if rule.startswith("imbalanced_cmnist"):
        return CMNIST
    for p in ("energy", "precond", "imbalanced_gpu", "imbalanced"):
        if rule.startswith(p + "_"):
            return p
    return "shared"


def run_probe(checkout: Path, cores: int, targets: list[str], limit_min: float) -> dict:
    """Run ``targets`` at paper scale; the jobs Snakemake started (rule, wildcards, benchmark, log, start)."""
    log = checkout / ".paper_scale_probe.log"
    cmd = [sys.executable, "-m", "snakemake", "--config", "scale=paper", "--cores", str(cores), "--rerun-incomplete"]
    t0 = time.time()
    with open(log, "w") as fh:
        p = subprocess.Popen([*cmd, *targets], cwd=checkout, stdout=fh, stderr=fh, start_new_session=True)
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
    return {
        "rc": rc,
        "finished": finished,
        "wall_s": stopped - t0,
        "stopped": stopped,
        "jobs": jobs_of(log.read_text()),
    }


def _time(stamp: str) -> float:
    return datetime.strptime(stamp, "%a %b %d %H:%M:%S %Y").timestamp()


def completed_run(log: Path) -> dict:
    """A whole run already made (``--runs``): its jobs and wall time (first job start to last job end) from its
    Snakemake log."""
    text = log.read_text()
    stamps = [_time(s) for s in STAMP.findall(text)]
    done = "steps (100%) done" in text
    return {"rc": 0 if done else None, "finished": done, "wall_s": stamps[-1] - stamps[0], "jobs": jobs_of(text)}


def jobs_of(text: str) -> list[dict]:
    """The jobs Snakemake started, from its log (a job block, ``plan.parse_jobs``, right after a time stamp): rule,
    wildcards, benchmark and log files, start time."""
    jobs = []
    for m in STAMP.finditer(text):
        block = JOB.match(text, m.end() + 1)  # the line after the stamp
        for _, job in parse_jobs(block[0] if block else "").iterrows():  # none for rule all
            jobs.append({**job[["rule", "wildcards", "benchmark", "log"]].to_dict(), "start": _time(m[1])})
    return jobs


def extrapolate(rule: str, wildcards: dict, log_text: str, elapsed: float, config: dict) -> tuple[float, str] | None:
    """Whole-job seconds of a job stopped after ``elapsed`` s, from the progress lines of its log."""
    if rule == "energy_extract":
        lines = [(int(k), int(n), float(t)) for k, n, t in SNAPSHOT.findall(log_text)]
        if len(lines) >= 2 and lines[-1][0] > lines[0][0]:
            (k0, n, t0), (k1, _, t1) = lines[0], lines[-1]
            rate = (t1 - t0) / (k1 - k0)
            return elapsed + (n - k1) * rate, f"extrapolated from {k1 - 1} of {n} snapshots done in {elapsed:.0f} s"
    if rule == "imbalanced_cmnist_train":
        done = len(EPOCH.findall(log_text))
        c = config["scales"]["paper"]["imbalanced"]["cmnist"]
        grid = c["lr_grid"].get(wildcards.get("imb_opt"), [None])
        total = cmnist_job_epochs(c, grid, config["imbalanced"]["claims"]["early_fraction"])
        if done:
            return elapsed * total / done, f"extrapolated from {done} of {total} epochs done in {elapsed:.0f} s"
    return None


def measure(checkout: Path, probe: dict, config: dict) -> list[dict]:
    """One row per timed job the probe started: seconds and max RSS from its benchmark file, or (stopped) the
    extrapolated whole time, or a lower bound. Rules without a ``benchmark:`` file are left out (not timed)."""
    rows = []
    for j in probe["jobs"]:
        bench = checkout / j["benchmark"] if j["benchmark"] else None
        if bench is not None and bench.exists() and bench.stat().st_mtime >= j["start"] - 1:
            b = pd.read_csv(bench, sep="\t").iloc[-1]
            rows.append({**j, "seconds": float(b["s"]), "max_rss_mb": float(b["max_rss"]), "how": "measured"})
        elif bench is None:  # a light rule without a benchmark: file (not timed; it may well have finished)
            continue
        elif not probe["finished"] and probe["limit_min"] is not None:  # a whole run's interrupted job reruns later
            elapsed = probe["stopped"] - j["start"]
            log = checkout / j["log"] if j["log"] else None
            text = log.read_text() if log is not None and log.exists() else ""
            ex = extrapolate(j["rule"], j["wildcards"], text, elapsed, config)
            seconds, how = ex or (elapsed, f"lower bound: stopped after {elapsed:.0f} s")
            rows.append({**j, "seconds": seconds, "max_rss_mb": float("nan"), "how": how})
    return rows


def small_scale_seconds(checkout: Path, dag: pd.DataFrame) -> dict[str, float]:
    """Median benchmark seconds per rule of the small-scale run in ``checkout`` (the same paths under benchmarks/small)."""
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
    """Every job of the paper-scale DAG with its seconds and where they come from."""
    rows = []
    for _, job in dag.iterrows():
        m = match(job, measured)
        if m is not None:
            other = any(job["wildcards"].get(k) != v for k, v in m["wildcards"].items())
            rows.append(
                {
                    "rule": job["rule"],
                    "seconds": m["seconds"],
                    "source": m["how"],
                    "proxy": other,
                    "max_rss_mb": m["max_rss_mb"],
                }
            )
        elif job["rule"] in small:
            rows.append(
                {"rule": job["rule"], "seconds": small[job["rule"]], "source": "small-scale time", "proxy": True}
            )
        else:
            rows.append({"rule": job["rule"], "seconds": 0.0, "source": "not timed (no benchmark: file; light)"})
    est = pd.DataFrame(rows, columns=["rule", "seconds", "source", "proxy", "max_rss_mb"])
    est["proxy"] = est["proxy"].fillna(False).astype(bool)
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
            "source": g["source"].agg(lambda s: "; ".join(sorted(set(s)))),
            "proxied": g["proxy"].sum(),
        }
    )
    measured = ~t["source"].str.startswith(("small-scale", "not timed"))
    t.loc[measured & (t["proxied"] > 0), "source"] += t["proxied"].map(
        " ({} of the jobs timed on another configuration)".format
    )
    t = t.drop(columns="proxied")
    return t.sort_values("job_minutes", ascending=False)


def snapshot_bytes(checkouts: list[Path], dag: pd.DataFrame) -> tuple[float, int, bool]:
    """Bytes of all energy snapshot files at paper scale, how many runs that is, and whether it is exact (every run's
    file on disk, in the first of ``checkouts`` that has it) or an upper bound (the largest file on disk times the
    runs)."""
    runs = dag[dag["rule"] == "energy_train"]
    names = [
        Path(PAPER) / "energy" / "runs" / f"{w['arch']}_{w['opt']}_s{w['seed']}" / "snapshots.pt"
        for w in runs["wildcards"]
    ]
    files = [next((c / n for c in checkouts if (c / n).exists()), checkouts[0] / n) for n in names]
    sizes = [f.stat().st_size for f in files if f.exists()]
    if sizes and len(sizes) == len(files):
        return float(sum(sizes)), len(files), True
    return (max(sizes) * len(files) if sizes else float("nan")), len(files), False


def render(res: dict) -> str:
    t = pd.DataFrame.from_dict(res["per_rule"], orient="index")
    lines = [
        "# Paper scale, measured",
        "",
        f"Written by `python bench/paper_scale.py` on {res['date']} at commit {res['commit']}, {res['cores']} cores "
        f"({res['cpu']}), load average {res['load']}; job time from the `benchmark:` files (method: the docstring).",
        "",
        "## Probes (one job of every kind, run at `scale: paper`)",
        "",
        "| # | probe | limit (min) | finished? | wall (min) | run at |",
        "|---|---|---|---|---|---|",
    ]
    for i, pr in enumerate(res["probes"], start=1):
        done = (
            "yes" if pr["finished"] and pr["rc"] == 0 else ("**failed**" if pr["finished"] else "stopped at the limit")
        )
        if pr["limit_min"] is None and not pr["finished"]:
            done = "interrupted (the next run resumed it)"
        at = f"{pr.get('date', res['date'])}, {pr.get('commit', res['commit'])[:7]}"
        limit = "" if pr["limit_min"] is None else f"{pr['limit_min']:.0f}"
        lines.append(f"| {i} | {pr['name']} | {limit} | {done} | {pr['wall_s'] / 60:.1f} | {at} |")
    lines += [
        "",
        "## Per rule (the whole paper-scale DAG; without their data the GPU-scale experiments are not in it)",
        "",
        "| rule | paper | jobs | s per job (median) | job minutes | peak RSS (GB) | time from |",
        "|---|---|---|---|---|---|---|",
    ]
    for rule, r in t.iterrows():
        ge = ">= " if "lower bound" in r["source"] else ""
        rss = "" if pd.isna(r["peak_rss_gb"]) else f"{r['peak_rss_gb']:.2f}"
        lines.append(
            f"| `{rule}` | {r['paper']} | {int(r['jobs'])} | {ge}{r['seconds_per_job']:.0f} | "
            f"{ge}{r['job_minutes']:.1f} | {rss} | {r['source']} |"
        )
    lines += [
        "",
        "## Totals",
        "",
        f"| paper | jobs | job minutes | wall minutes on {res['cores']} cores (job time / cores, a lower bound) |",
        "|---|---|---|---|",
    ]
    for paper, r in res["totals"].items():
        ge = ">= " if r["lower_bound"] else ""
        lines.append(
            f"| {paper} | {r['jobs']} | {ge}{r['job_minutes']:.0f} | {ge}{r['job_minutes'] / res['cores']:.0f} |"
        )
    gb, cm = res["snapshot_bytes"] / 1e9, res.get("cmnist_job_min", float("nan"))  # cm: NaN if not measured
    ge = ">= " if res["cpu_papers_lower_bound"] else ""
    ok = cpu_papers_met(res)
    lines += [
        "",
        f"- Goal: energy + precond + imbalanced (CPU parts) <= {PAPER_SCALE_GOAL_MIN} min wall on 2 cores: "
        f"{met(ok)} ({ge}{res['cpu_papers_wall_min']:.0f} min of job time / cores"
        + (
            f"; the whole runs above took {res['runs_wall_min']:.0f} min of wall time"
            if res.get("runs_wall_min")
            else ""
        )
        + ").",
        f"- Goal: Colored-MNIST <= {CMNIST_GOAL_JOB_MIN} job minutes: "
        + (f"{met(cm <= CMNIST_GOAL_JOB_MIN)} ({cm:.0f} job minutes)." if cm == cm else "not measured."),
        f"- Disk for the energy snapshots ({res['snapshot_runs']} runs, "
        + ("every file measured" if res.get("snapshot_exact") else "each counted at the largest file on disk")
        + f"): {'' if res.get('snapshot_exact') else '<= '}{gb:.2f} GB; goal <= {SNAPSHOT_DISK_GOAL_GB:g} GB: "
        f"{met(gb <= SNAPSHOT_DISK_GOAL_GB)}.",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = bench_parser("paper_scale", __doc__)
    ap.add_argument("--dir", type=Path, help="a checkout with ../shared beside it (a fresh clone)")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument(
        "--only",
        default="",
        help="comma list of probe numbers to (re)run (0: none); the others' jobs come from paper_scale.json "
        "(with --runs: the others are left out)",
    )
    ap.add_argument(
        "--runs",
        nargs="*",
        type=Path,
        default=[],
        help="Snakemake logs (CLONE/.snakemake/log/*.log) of whole paper-scale runs made with the README's command, in "
        "--dir or other clones (one paper each, say): every job they ran is measured from its benchmark file in its "
        "clone, and their wall times are summed",
    )
    a = ap.parse_args(argv)
    out_json = BENCH / "paper_scale.json"
    if a.render:
        write_report("paper_scale", render)
        goals.update()
        return
    if a.dir is None:
        sys.exit("--dir: the checkout to run the paper-scale jobs in")
    checkout = a.dir.resolve()
    config = yaml.safe_load((checkout / "config.yaml").read_text())
    only = {int(x) for x in a.only.split(",") if x}
    saved = json.loads(out_json.read_text()) if only else {}
    # a kept probe says when and at which commit it ran (older files: the file's own date and commit)
    old = {p["name"]: {"date": saved["date"], "commit": saved["commit"], **p} for p in saved.get("probes", [])}
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=checkout, capture_output=True, text=True).stdout.strip()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    probes, clones = [], []
    for log in a.runs:
        log = (log if log.is_absolute() else checkout / log).resolve()
        clone = log.parents[2]  # CLONE/.snakemake/log/X.log
        clones.append(clone)
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True).stdout.strip()
        pr = {"name": f"whole run, {clone.name}/.snakemake/log/{log.name}", "targets": [], "limit_min": None}
        pr = {**pr, "commit": head, "date": now_utc(), **completed_run(log)}
        pr["measured"] = measure(clone, pr, config)
        probes.append(pr)
    for i, (name, targets, limit) in enumerate(PROBES, start=1):
        if only and i not in only:
            if a.runs:
                continue
            if name not in old:
                sys.exit(f"--only: probe {i} ({name}) has no saved result in {out_json}: run it too")
            probes.append(old[name])
            continue
        print(f"probe {i}: {name} (limit {limit} min)", flush=True)
        pr = run_probe(checkout, a.cores, targets, limit)
        pr = {"name": name, "targets": targets, "limit_min": limit, "date": now_utc(), "commit": commit, **pr}
        pr["measured"] = measure(checkout, pr, config)
        probes.append(pr)
        print(
            f"  {'finished' if pr['finished'] else 'stopped'} after {pr['wall_s'] / 60:.1f} min, rc {pr['rc']}",
            flush=True,
        )
    dag = dry_run(["--forceall", "--config", "scale=paper"], cwd=checkout)
    measured = pd.DataFrame([m for pr in probes for m in pr["measured"]])
    est = estimate(dag, measured, small_scale_seconds(checkout, dag))
    totals = {
        paper: {
            "jobs": len(grp),
            "job_minutes": float(grp["seconds"].sum() / 60),
            "lower_bound": bool(grp["source"].str.contains("lower bound").any()),
        }
        for paper, grp in est.groupby("paper")
    }
    disk, n_runs, exact = snapshot_bytes([checkout, *clones], dag)
    res = {
        "date": now_utc(),
        "commit": commit,
        "cores": a.cores,
        "cpu": f"{os.cpu_count()} visible",
        "load": load,
        "probes": probes,
        "per_rule": per_rule(est).to_dict("index"),
        "totals": totals,
        # every job of the DAG but Colored-MNIST's: without GPU-scale data the imbalanced_gpu jobs are light ones
        "cpu_papers_wall_min": sum(t["job_minutes"] for p, t in totals.items() if p != CMNIST) / a.cores,
        "cmnist_job_min": totals.get(CMNIST, {}).get("job_minutes", float("nan")),
        "cpu_papers_lower_bound": any(t["lower_bound"] for p, t in totals.items() if p != CMNIST),
        "runs_wall_min": sum(pr["wall_s"] for pr in probes if pr["limit_min"] is None) / 60,
        "snapshot_bytes": disk,
        "snapshot_runs": n_runs,
        "snapshot_exact": exact,
    }
    md = write_report("paper_scale", render, res)
    goals.update()
    print(md)


if __name__ == "__main__":
    main()
