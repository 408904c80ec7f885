"""The goals of issue 16 (seeds at a fraction of their price; paper scale measured) in one table, the
``issue-16`` block of ``bench/results.md``, from the JSON files of the benches that measure them:
``seed_cost.py`` (goals 1, 2), ``batched_seeds.py`` (goals 1, 3: would batching pay), ``paper_scale.py``
(goal 4), ``gpu_check.sh`` (goal 5). Each of them calls ``update()`` when it finishes.

    python bench/issue16.py      # re-write the block
"""

from __future__ import annotations

import json
from pathlib import Path

from common import job_minutes, replace_block

BENCH = Path(__file__).resolve().parent


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def section(bench: Path = BENCH) -> str:
    """Goals 1-5 of the seeds / paper-scale issue, from the JSON files of the benches that measure them
    (each has its own md with the profile: seed_cost, batched_seeds, paper_scale; gpu_check)."""

    def load(name):
        f = bench / name
        return json.loads(f.read_text()) if f.exists() else None

    seeds, batched, paper = load("seed_cost.json"), load("batched_seeds.json"), load("paper_scale.json")
    rows = []
    if seeds:
        one, three = seeds["runs"]["one_seed"]["total_s"], seeds["runs"]["three_seeds"]["total_s"]
        jobs = [sum(job_minutes(seeds["runs"][k]).values()) for k in ("one_seed", "three_seeds")]
        rows.append(
            [
                "1. three seeds / one seed, default pipeline, wall",
                "<= 2.2",
                f"{three / one:.2f} (in job time {jobs[1] / jobs[0]:.2f}; {seeds['date']})",
                "met in wall time only" if three / one <= 2.2 < jobs[1] / jobs[0] else verdict(three / one <= 2.2),
                "`seed_cost.md`",
            ]
        )
        rows.append(
            [
                "2. whole default pipeline, 3 seeds, fresh copy, 2 cores",
                "<= 10 min",
                f"{three / 60:.1f} min",
                verdict(three <= 600),
                "`seed_cost.md`",
            ]
        )
    if batched:
        worst = min(r["ratio_cpu_of_min"] for r in batched["rows"])
        rows.append(
            [
                "1, 3. seeds as one batched model / as separate models, per step (CPU)",
                "< 1 to pay",
                ", ".join(f"{r['optimizer']} {r['ratio_cpu_of_min']:.2f}" for r in batched["rows"]),
                "no gain: not built" if worst >= 0.9 else "pays",
                "`batched_seeds.md`",
            ]
        )
    rows.append(
        [
            "3. training loop / bare loop",
            ">= 0.9",
            "item 1 above (one seed per process: no batched path, row 1, 3)",
            "item 1",
            "item 1",
        ]
    )
    if paper:
        wall, gb = paper["cpu_papers_wall_min"], paper["snapshot_bytes"] / 1e9
        rows.append(
            [
                "4. CPU papers at paper scale, wall on 2 cores (job time / 2)",
                "<= 90 min",
                f"{'>= ' if paper['cpu_papers_lower_bound'] else ''}{wall:.0f} min "
                f"(energy {paper['totals']['energy']['job_minutes'] / 2:.0f})",
                verdict(wall <= 90),
                "`paper_scale.md`",
            ]
        )
        rows.append(["4. energy snapshots on disk", "<= 1 GB", f"{gb:.1f} GB", verdict(gb <= 1), "`paper_scale.md`"])
    gpu = load("gpu_results.json")
    gpu = gpu if gpu and "cuda" in str(gpu.get("device", "")).lower() else None  # not a CPU smoke run
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
