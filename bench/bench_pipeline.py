"""Items 5 and 6: wall time per Snakemake rule (theory sweeps, then every rule) and end to end.

Per-job times come from the ``benchmark:`` files Snakemake writes (``benchmarks/<scale>/**.tsv``: wall
seconds ``s`` and ``cpu_time``). Rules without a ``benchmark:`` directive (aggregation, claims,
figure notebooks) are timed from the start/finish timestamps of the Snakemake log (1 s resolution).

``run_e2e`` copies the checkout (without results/, logs/, benchmarks/, .snakemake/) into a fresh
folder next to a link to ../shared (with the copy's src/ first on PYTHONPATH), runs ``snakemake --cores all`` there at the default scale with
the requested papers, then reruns it unchanged (it must plan 0 jobs) and times both.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from common import REPO

THEORY = re.compile(r"theory|sweep|linear_ce|precond")  # item 5: the theory / synthetic-sweep rules
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


def read_benchmarks(root: Path, scale: str) -> list[dict]:
    """One dict per ``benchmarks/<scale>/**.tsv``: rule (from the path), job, wall s, cpu s."""
    out = []
    base = root / "benchmarks" / scale
    for f in sorted(base.rglob("*.tsv")):
        rel = f.relative_to(base)
        with open(f) as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        if not rows:
            continue
        r = rows[-1]
        parts = rel.with_suffix("").parts  # (paper, rule-ish, job) or (paper, job)
        rule = "/".join(parts[:-1]) if len(parts) > 2 else "/".join(parts)
        out.append({"rule": rule, "job": str(rel), "s": float(r["s"]), "cpu_s": float(r.get("cpu_time") or "nan")})
    return out


def per_rule(jobs: list[dict], key="s") -> list[dict]:
    g = defaultdict(list)
    for j in jobs:
        g[j["rule"]].append(j)
    return [
        {
            "rule": rule,
            "jobs": len(js),
            "total_s": sum(j[key] for j in js),
            "max_s": max(j[key] for j in js),
            "cpu_s": sum(j.get("cpu_s", float("nan")) for j in js),
        }
        for rule, js in sorted(g.items(), key=lambda kv: -sum(j[key] for j in kv[1]))
    ]


_TS = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")


def log_job_times(log: Path) -> list[dict]:
    """Per-job wall seconds from a Snakemake log: '[timestamp]' + 'rule X:' ... 'Finished jobid: N (Rule: X)'."""
    start, out, ts, pending = {}, [], None, None
    for line in log.read_text().splitlines():
        m = _TS.match(line.strip())
        if m:
            ts = datetime.strptime(m.group(1), "%a %b %d %H:%M:%S %Y")
            continue
        s = line.strip()
        m = re.match(r"^(?:local)?(?:rule|checkpoint) (\w+):$", s)
        if m:
            pending = (m.group(1), ts)
            continue
        m = re.match(r"^jobid: (\d+)$", s)
        if m and pending:
            start[m.group(1)] = pending
            pending = None
            continue
        m = re.match(r"^Finished jobid: (\d+) \(Rule: (\w+)\)", s)
        if m and m.group(1) in start:
            rule, t0 = start.pop(m.group(1))
            out.append({"rule": rule, "job": m.group(1), "s": (ts - t0).total_seconds()})
    return out


_EXCLUDE_TOP = set("results .snakemake logs benchmarks .pytest_cache .hypothesis resources .git .venv venv".split())


def _copy_checkout(dest: Path) -> None:
    """The working tree as it is now (uncommitted changes included), without outputs and caches."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)

    def ignore(folder, names):
        top = Path(folder) == REPO
        return [
            n
            for n in names
            if (top and n in _EXCLUDE_TOP)
            or n == "__pycache__"
            or n.endswith(".egg-info")
            or (Path(folder).name == "bench" and n.startswith("results."))
        ]

    shutil.copytree(REPO, dest, ignore=ignore, symlinks=True)
    shared = REPO.parent / "shared"
    link = dest.parent / "shared"
    if shared.exists() and not (link.exists() or link.is_symlink()):
        link.symlink_to(shared)


def _smk(workdir: Path, args: list[str], log: Path) -> tuple[int, float, str]:
    # the copy's own package first on the path (the venv has this checkout's src/ installed editable)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(workdir / "src"), os.environ.get("PYTHONPATH")])),
    }
    t0 = time.perf_counter()
    with open(log, "w") as fh:
        p = subprocess.run([SNAKEMAKE, *args], cwd=workdir, stdout=fh, stderr=subprocess.STDOUT, text=True, env=env)
    dt = time.perf_counter() - t0
    return p.returncode, dt, log.read_text()


def usable_papers(workdir: Path, papers: list[str], outdir: Path) -> tuple[list[str], dict]:
    """Papers whose DAG builds (dry run), each checked alone."""
    ok, why = [], {}
    for paper in papers:
        rc, _, text = _smk(
            workdir, ["-n", "--cores", "all", "--config", f"papers=[{paper}]"], outdir / f"dryrun_{paper}.log"
        )
        if rc == 0:
            ok.append(paper)
        else:
            why[paper] = (text.strip().splitlines() or ["dry run failed"])[-1][:300]
    return ok, why


def run_e2e(workdir: Path, papers: list[str], scale: str, reruns: int = 3) -> dict:
    """The pipeline at ``scale`` (config.yaml's ``scale:``, which the run uses) in a copy of the checkout."""
    outdir = workdir.parent / "e2e_logs"
    outdir.mkdir(parents=True, exist_ok=True)
    print(f"  e2e: copying the checkout to {workdir}", flush=True)
    _copy_checkout(workdir)
    usable, why = usable_papers(workdir, papers, outdir)
    print(f"  e2e: papers {usable} (skipped: {why or 'none'})", flush=True)
    res = {"workdir": str(workdir), "requested": papers, "papers": usable, "skipped": why}
    if not usable:
        res["error"] = "no paper's DAG builds"
        return res
    cfg = ["--config", f"papers=[{','.join(usable)}]"]
    print("  e2e: snakemake --cores all ... (minutes)", flush=True)
    load0 = os.getloadavg()
    c0 = os.times()
    rc, dt, text = _smk(workdir, ["--cores", "all", *cfg], outdir / "run.log")
    c1 = os.times()
    res.update(
        rc=rc,
        total_s=dt,
        load_before=load0,
        load_after=os.getloadavg(),
        cpu_s=(c1.children_user - c0.children_user) + (c1.children_system - c0.children_system),
    )
    m = re.search(r"(\d+) of (\d+) steps \(100%\) done", text)
    res["jobs"] = int(m.group(2)) if m else None
    if rc != 0:
        res["error"] = "\n".join(line for line in text.splitlines() if "Error" in line or "error" in line)[:2000]
    smk_logs = sorted((workdir / ".snakemake" / "log").glob("*.snakemake.log"))
    res["log_jobs"] = log_job_times(smk_logs[-1]) if smk_logs else []
    res["benchmarks"] = read_benchmarks(workdir, scale)
    times, planned = [], []
    for i in range(reruns if rc == 0 else 0):
        rrc, rdt, rtext = _smk(workdir, ["--cores", "all", *cfg], outdir / f"rerun{i}.log")
        times.append(rdt)
        planned.append(
            0 if "Nothing to be done" in rtext else int((re.search(r"^total\s+(\d+)", rtext, re.M) or [None, -1])[1])
        )
    res.update(rerun_s=times, rerun_planned=planned)
    print(
        f"  e2e: rc={rc}, {dt:.0f} s; no-change reruns {[f'{t:.1f}' for t in times]} s, planned {planned}", flush=True
    )
    return res
