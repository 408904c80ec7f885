"""The goals of issue 16 (seeds at a fraction of their price; paper scale measured) in one table, the
``issue-16`` block of ``bench/results.md``, from the JSON files of the benches that measure them:
``seed_cost.py`` (goals 1, 2), ``grid_share.py`` (goal 2's gap), ``batched_seeds.py`` (goals 1, 3: would
batching pay), ``run.py --only train --out bench/loop.md`` (goal 3), ``paper_scale.py`` (goal 4), ``gpu_check.sh``
(goal 5). Each of them but ``run.py`` calls ``update()`` when it finishes.

    python bench/issue16.py      # re-write the block
"""

from __future__ import annotations

import json
from pathlib import Path

from common import (
    BATCHING_PAYS_BELOW,
    BENCH,
    DEFAULT_RUN_GOAL_S,
    LOOP_GOAL,
    PAPER_SCALE_GOAL_MIN,
    SEEDS_RATIO_GOAL,
    SNAPSHOT_DISK_GOAL_GB,
    cpu_papers_met,
    job_minutes,
    met,
    replace_block,
)


def section(bench: Path = BENCH) -> str:
    """Goals 1-5 of the seeds / paper-scale issue, from the JSON files of the benches that measure them
    (each has its own md with the profile: seed_cost, batched_seeds, paper_scale; gpu_check)."""

    def load(name):
        f = bench / name
        return json.loads(f.read_text()) if f.exists() else None

    seeds, grid = load("seed_cost.json"), load("grid_share.json")
    batched, paper = load("batched_seeds.json"), load("paper_scale.json")
    rows = []
    if seeds:
        one, three = seeds["runs"]["one_seed"]["total_s"], seeds["runs"]["three_seeds"]["total_s"]
        jobs = [sum(job_minutes(seeds["runs"][k]).values()) for k in ("one_seed", "three_seeds")]
        rows.append(
            [
                "1. three seeds / one seed, default pipeline, wall",
                f"<= {SEEDS_RATIO_GOAL}",
                f"{three / one:.2f} (in job time {jobs[1] / jobs[0]:.2f}; {seeds['date']})",
                "met in wall time only"
                if three / one <= SEEDS_RATIO_GOAL < jobs[1] / jobs[0]
                else met(three / one <= SEEDS_RATIO_GOAL),
                "`seed_cost.md`",
            ]
        )
        rows.append(
            [
                "2. whole default pipeline, 3 seeds, fresh copy, 2 cores",
                f"<= {DEFAULT_RUN_GOAL_S / 60:.0f} min",
                f"{three / 60:.1f} min",
                met(three <= DEFAULT_RUN_GOAL_S),
                "`seed_cost.md`",
            ]
        )
    if grid:
        e = grid["estimate"]
        rows.append(
            [
                "2. the same without the sensitivity grid (estimate; not taken: the grid is evidence)",
                f"<= {DEFAULT_RUN_GOAL_S / 60:.0f} min",
                f"about {e['without_wall_min']:.1f} min (job time {e['job_min']:.1f} -> {e['without_job_min']:.1f} "
                f"min; floor {e['without_floor_min']:.1f})",
                "within reach" if e["without_wall_min"] <= DEFAULT_RUN_GOAL_S / 60 else "still missed",
                "`grid_share.md`",
            ]
        )
    if batched:
        worst = min(r["ratio_cpu_of_min"] for r in batched["rows"])
        rows.append(
            [
                "1, 3. seeds as one batched model / as separate models, per step (CPU)",
                f"< {BATCHING_PAYS_BELOW} to pay",
                ", ".join(f"{r['optimizer']} {r['ratio_cpu_of_min']:.2f}" for r in batched["rows"]),
                "no gain: not built" if worst >= BATCHING_PAYS_BELOW else "pays",
                "`batched_seeds.md`",
            ]
        )
    # item 1 of bench/run.py: its own report on the current loop (loop.md), else results.md's
    name = next((n for n in ("loop", "results") if (load(f"{n}.json") or {}).get("train")), None)
    if name:
        items = load(f"{name}.json")
        worst = min(items["train"], key=lambda r: r["headline"])
        rows.append(
            [
                "3. training loop / bare loop (one seed per process: no batched path, row 1, 3)",
                f">= {LOOP_GOAL}",
                f"worst {worst['headline']:.3f} ({worst['arch']} {worst['optimizer']}, CPU time; "
                f"{items['item_dates']['train']}, {items['machine']['cpu']})",
                met(worst["headline"] >= LOOP_GOAL),
                f"`{name}.md` item 1",
            ]
        )
    if paper:
        gb, cores = paper["snapshot_bytes"] / 1e9, paper["cores"]
        measured = paper.get("runs_wall_min")
        wall = measured or paper["cpu_papers_wall_min"]
        how = "measured wall time of whole runs" if measured else f"job time / {cores}"
        rows.append(
            [
                f"4. CPU papers at paper scale, wall on {cores} cores ({how})",
                f"<= {PAPER_SCALE_GOAL_MIN} min",
                f"{'>= ' if paper['cpu_papers_lower_bound'] else ''}{wall:.0f} min "
                f"(energy's job time / {cores}: {paper['totals']['energy']['job_minutes'] / cores:.0f})",
                met(cpu_papers_met(paper)),
                "`paper_scale.md`",
            ]
        )
        rows.append(
            [
                "4. energy snapshots on disk",
                f"<= {SNAPSHOT_DISK_GOAL_GB:g} GB",
                f"{gb:.1f} GB",
                met(gb <= SNAPSHOT_DISK_GOAL_GB),
                "`paper_scale.md`",
            ]
        )
    gpu = load("gpu_results.json")  # written by gpu_check.sh on a GPU only (its CPU --smoke run writes nothing)
    rows.append(
        [
            "5. GPU: our Muon step / torch.optim.Muon; one paper-scale energy run",
            "<= 1.1",
            "measured (GPU check section)" if gpu else "not measured: no GPU lent (`bench/gpu_check.sh` ready)",
            "see below" if gpu else "n/a",
            "`gpu_check.sh`",
        ]
    )
    lines = [
        "## Seeds and paper scale (issue 16)",
        "",
        "Written by `python bench/issue16.py` (the benches below call it when they finish) from their JSON "
        "files; each md named in the last column has the profile that explains a missed goal.",
        "",
        "| goal | target | measured | met? | profile |",
        "|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def update() -> None:
    replace_block(BENCH / "results.md", "issue-16", section())


if __name__ == "__main__":
    update()
    print(section())
