"""The benchmarks' goals in one table, the ``goals`` block of ``bench/results.md``, read from the JSON files of the
benches that measure them: ``loop.json`` (else ``results.json``: the training loop), ``results.json`` (the whole
default pipeline, ``run.py --e2e``), ``paper_scale.json`` and ``gpu_results.json`` (``gpu.py``). ``run.py``,
``paper_scale.py`` and ``gpu.py`` call ``update()`` when they write; goals that were measured once are in
``docs/performance-findings.md``.

    python bench/goals.py      # re-write the block
"""

from __future__ import annotations

import json
from pathlib import Path

from common import (
    BENCH,
    CMNIST_GOAL_JOB_MIN,
    DEFAULT_RUN_GOAL_S,
    LOOP_GOAL,
    PAPER_SCALE_GOAL_MIN,
    SNAPSHOT_DISK_GOAL_GB,
    cpu_papers_met,
    met,
    replace_block,
)


def section(bench: Path = BENCH) -> str:
    def load(name):
        f = bench / name
        return json.loads(f.read_text()) if f.exists() else None

    rows = []

    def row(goal: str, target: str, measured: str, ok: bool | str, details: str) -> None:
        rows.append([goal, target, measured, ok if isinstance(ok, str) else met(ok), details])

    name = next((n for n in ("loop", "results") if (load(f"{n}.json") or {}).get("train")), None)
    if name:
        items = load(f"{name}.json")
        ratios = [(r.get("ratio_cpu_of_min") or min(r["bare_s"]) / min(r["ours_s"]), r) for r in items["train"]]
        ratio, w = min(ratios, key=lambda x: x[0])
        when = f"{items['item_dates']['train']}, {items['machine']['cpu']}"
        got = f"worst {ratio:.3f} ({w['arch']} {w['optimizer']}; {when})"
        row(
            "training loop / bare loop, throughput (CPU time)",
            f">= {LOOP_GOAL}",
            got,
            ratio >= LOOP_GOAL,
            f"`{name}.md` item 1",
        )
    published = sorted((BENCH.parent / "published").glob("small-*/metadata.json"))  # the default run as published
    e2e = (load("results.json") or {}).get("e2e") or {}
    if published:
        meta = json.loads(published[-1].read_text())
        row(
            "whole default pipeline in a fresh copy, wall",
            f"<= {DEFAULT_RUN_GOAL_S / 60:.0f} min",
            f"{meta['wall_minutes']:.1f} min (the published run of {meta['date']})",
            meta["wall_minutes"] * 60 <= DEFAULT_RUN_GOAL_S,
            f"`{published[-1].relative_to(BENCH.parent)}`",
        )
    elif e2e.get("total_s") is not None:
        got = f"{e2e['total_s'] / 60:.1f} min ({e2e.get('jobs')} jobs; {load('results.json')['item_dates']['e2e']})"
        ok = e2e["rc"] == 0 and e2e["total_s"] <= DEFAULT_RUN_GOAL_S
        row(
            "whole default pipeline in a fresh copy, wall",
            f"<= {DEFAULT_RUN_GOAL_S / 60:.0f} min",
            got,
            ok,
            "`results.md` item 6",
        )
    paper = load("paper_scale.json")
    if paper:
        cores, wall = paper["cores"], paper.get("runs_wall_min") or paper["cpu_papers_wall_min"]
        how = "measured wall time of whole runs" if paper.get("runs_wall_min") else f"job time / {cores}"
        got = f"{'>= ' if paper['cpu_papers_lower_bound'] else ''}{wall:.0f} min "
        got += f"(energy's job time / {cores}: {paper['totals']['energy']['job_minutes'] / cores:.0f})"
        goal = f"CPU papers at paper scale, wall on {cores} cores ({how})"
        row(goal, f"<= {PAPER_SCALE_GOAL_MIN} min", got, cpu_papers_met(paper), "`paper_scale.md`")
        cm = paper.get("cmnist_job_min")
        if cm is not None and cm == cm:  # not NaN: some Colored-MNIST job was measured
            goal = "Colored-MNIST at paper scale, job time"
            low = any(t.get("lower_bound") for k, t in paper["totals"].items() if "Colored-MNIST" in k)
            got = f"{'>= ' if low else ''}{cm:.0f} min"
            row(goal, f"<= {CMNIST_GOAL_JOB_MIN} min", got, cm <= CMNIST_GOAL_JOB_MIN, "`paper_scale.md`")
        gb = paper["snapshot_bytes"] / 1e9
        goal = "energy snapshots on disk at paper scale"
        row(goal, f"<= {SNAPSHOT_DISK_GOAL_GB:g} GB", f"{gb:.1f} GB", gb <= SNAPSHOT_DISK_GOAL_GB, "`paper_scale.md`")
    gpu = load("gpu_results.json") or {}  # written by gpu.py on a GPU only
    worst = max((r["ours_ms_median"] / r["torch_ms_median"] for r in gpu.get("muon_step", [])), default=None)
    got = f"worst {worst:.2f} ({gpu['device']}, {gpu['date']})" if worst else "not measured: no GPU lent"
    goal = "GPU: our Muon step / torch.optim.Muon's, time per step"
    row(goal, "<= 1.1", got, worst <= 1.1 if worst else "n/a", "GPU section" if worst else "`gpu_check.sh`")
    lines = [
        "## Goals",
        "",
        "Written by `python bench/goals.py` from the benches' JSON files, each row as of its date (re-run its bench to "
        "update it; the default run measured since: `docs/performance.md`).",
        "",
        "| goal | target | measured | met? | details |",
        "|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def update() -> None:
    replace_block(BENCH / "results.md", "goals", section())


if __name__ == "__main__":
    update()
    print(section())
