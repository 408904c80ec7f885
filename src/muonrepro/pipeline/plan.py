"""What a run asks a cluster for: ``python -m muonrepro.pipeline.plan [--scale paper] [--profile
profiles/slurm] [-- snakemake args]`` dry-runs the workflow with that profile and prints, per rule and
in total, the jobs and the requested GPU-hours and CPU-hours (each job's ``runtime`` request, its first
attempt, times its GPUs, or times its CPUs: ``cpus_per_gpu`` per GPU for GPU jobs, ``threads`` for the
rest). Requests are upper bounds the rules set (``muonrepro.pipeline.resources``), not measured times.

The dry run plans from scratch in a fresh working directory in which every GPU-scale dataset is assumed
present (empty placeholder files stand in for the raw files, so that those experiments get their jobs).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

JOB = re.compile(r"^\s*(?:local)?rule (\w+):\n((?:[ \t]+\S.*\n)*)", re.M)


def _resources(block: str) -> dict:
    m = re.search(r"^\s+resources: (.*)$", block, re.M)
    out = {}
    for item in m[1].split(", ") if m else []:
        k, _, v = item.partition("=")
        out[k] = float(v) if re.fullmatch(r"-?\d+(\.\d+)?", v) else v
    t = re.search(r"^\s+threads: (\d+)$", block, re.M)
    out["threads"] = int(t[1]) if t else 1
    return out


def _field(block: str, name: str) -> str:
    m = re.search(rf"^\s+{name}: (.*)$", block, re.M)
    return m[1] if m else ""


def parse_jobs(dry_run: str) -> pd.DataFrame:
    """One row per job block of a Snakemake dry run: rule, gpu, cpus, runtime (minutes), mem_mb, and
    the job's wildcards (``{name: value}``), benchmark and log files ("" where the rule has none)."""
    rows = []
    for m in JOB.finditer(dry_run):
        if m[1] == "all":
            continue
        r = _resources(m[2])
        gpu = float(r.get("gpu", 0) or 0)
        cpus = gpu * float(r.get("cpus_per_gpu", 1)) if gpu else float(r["threads"])
        wildcards = dict(w.split("=", 1) for w in _field(m[2], "wildcards").split(", ") if "=" in w)
        rows.append(
            {
                "rule": m[1],
                "gpu": gpu,
                "cpus": cpus,
                "runtime": float(r.get("runtime", 0) or 0),
                "mem_mb": float(r.get("mem_mb", 0) or 0),
                "wildcards": wildcards,
                "benchmark": _field(m[2], "benchmark"),
                "log": _field(m[2], "log"),
            }
        )
    return pd.DataFrame(rows, columns=["rule", "gpu", "cpus", "runtime", "mem_mb", "wildcards", "benchmark", "log"])


def dry_run(args: list[str], cwd: str | Path) -> pd.DataFrame:
    """The jobs (``parse_jobs``) of ``snakemake -n <args>`` run in ``cwd``; a failed dry run raises with its output."""
    res = subprocess.run([sys.executable, "-m", "snakemake", "-n", *args], capture_output=True, text=True, cwd=cwd)
    if res.returncode != 0:
        raise RuntimeError(f"the dry run failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    return parse_jobs(res.stdout)  # a dry run logs to stdout


def summarize(jobs: pd.DataFrame) -> pd.DataFrame:
    """Per rule and in total: jobs, requested GPU-hours and CPU-hours, the largest memory request (GB)."""
    j = jobs.assign(gpu_hours=jobs.gpu * jobs.runtime / 60, cpu_hours=jobs.cpus * jobs.runtime / 60)
    per = j.groupby("rule", sort=False).agg(
        jobs=("rule", "size"),
        gpu_hours=("gpu_hours", "sum"),
        cpu_hours=("cpu_hours", "sum"),
        max_mem_gb=("mem_mb", "max"),
    )
    per["max_mem_gb"] /= 1000
    per = per.sort_values(["gpu_hours", "cpu_hours"], ascending=False)
    total = pd.DataFrame(
        {
            "jobs": [len(j)],
            "gpu_hours": [j.gpu_hours.sum()],
            "cpu_hours": [j.cpu_hours.sum()],
            "max_mem_gb": [j.mem_mb.max() / 1000 if len(j) else 0.0],
        },
        index=["total"],
    )
    return pd.concat([per, total])


def to_markdown(table: pd.DataFrame) -> str:
    lines = ["| rule | jobs | GPU-hours | CPU-hours | largest memory request (GB) |", "|---|---|---|---|---|"]
    for rule, r in table.iterrows():
        name = f"**{rule}**" if rule == "total" else f"`{rule}`"
        lines.append(f"| {name} | {int(r.jobs)} | {r.gpu_hours:.1f} | {r.cpu_hours:.1f} | {r.max_mem_gb:.0f} |")
    return "\n".join(lines)


def placeholder_data(workdir: Path, data_cfg: dict) -> None:
    """Empty stand-ins for every GPU-scale experiment's raw files (relative roots resolve under ``workdir``)."""
    from muonrepro.imbalanced.gpu.status import EXPERIMENTS, requirements

    for exp in EXPERIMENTS:
        for _, paths, _ in requirements(exp, data_cfg, pretrained=True):
            for path in paths:
                path = path if path.is_absolute() else workdir / path
                if path.suffix:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.touch()
                else:
                    path.mkdir(parents=True, exist_ok=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="paper")
    ap.add_argument("--profile", default="profiles/slurm")
    ap.add_argument("--directory", default=None, help="working directory of the dry run (default: a fresh one)")
    ap.add_argument("extra", nargs="*", help="more snakemake arguments (after --)")
    a = ap.parse_args(argv)
    import yaml

    repo = Path(__file__).resolve().parents[3]
    workdir = Path(a.directory or tempfile.mkdtemp(prefix="muonrepro-plan-"))
    placeholder_data(workdir, yaml.safe_load((repo / "config.yaml").read_text())["imbalanced_gpu"]["data"])
    args = ["-s", str(repo / "Snakefile"), "--profile", a.profile, "--directory", str(workdir)]
    try:
        jobs = dry_run([*args, "--config", f"scale={a.scale}", *a.extra], cwd=repo)
    except RuntimeError as e:
        sys.exit(str(e))
    print(to_markdown(summarize(jobs)))


if __name__ == "__main__":
    main()
