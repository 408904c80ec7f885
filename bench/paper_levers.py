"""What the energy paper's paper-scale levers do to its numbers, on runs made at ``scale: paper``.

    python bench/paper_levers.py RUN_DIR... --mnist results/data/mnist.pt --probe-size 10000

The lever "fewer snapshots": the primary reading (``energy.estimator`` of config.yaml,
``extract.extract_run``) on every snapshot of each run, on every 2nd and on every 4th (the last always kept, the
trapezoid weights recomputed): per monitored matrix, the direct energy (C6b's number) and the Gini of the per-mode
cumulative energy over the modes retained at every log (C6a's, on the run's own mode set), and their relative
change against all snapshots.

Writes ``bench/paper_levers_snapshots.{md,json}``; one torch thread throughout.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml

from muonrepro.energy.estimator.gini import gini
from muonrepro.energy.extract import every_kth, extract_run
from muonrepro.energy.probe import load_run
from muonrepro.util.threads import one_thread

BENCH = Path(__file__).parent
CONFIG = yaml.safe_load((BENCH.parent / "config.yaml").read_text())
ESTIMATOR = CONFIG["energy"]["estimator"]
STRIDES = (1, 2, 4)


def snapshot_rows(run: Path, mnist: str, probe_size: int) -> list[dict]:
    model, snaps, x, y, _ = load_run(mnist, run / "snapshots.pt", probe_size, ESTIMATOR["probe_seed"], "cpu")
    rows = []
    for stride in STRIDES:
        kept = every_kth(snaps, stride)
        summary, per_mode, _, seconds = extract_run(
            model, kept, x, y, estimator=ESTIMATOR, probe_seed=ESTIMATOR["probe_seed"]
        )
        for m in summary["matrices"]:
            pm = per_mode[(per_mode["matrix"] == m["matrix"]) & per_mode["retained"]]
            rows.append(
                {
                    "run": run.name,
                    "snapshots": len(kept),
                    "matrix": m["matrix"],
                    "direct_energy": m["direct_energy"],
                    "gini": gini(pm["energy"].to_numpy()),
                    "seconds": seconds,
                }
            )
    for r in rows:
        ref = next(
            q for q in rows if q["run"] == r["run"] and q["matrix"] == r["matrix"] and q["snapshots"] == len(snaps)
        )
        r["direct_rel_change"] = abs(r["direct_energy"] / ref["direct_energy"] - 1)
        r["gini_rel_change"] = abs(r["gini"] / ref["gini"] - 1)
    return rows


def write(what: str, title: str, header: list[str], rows: list[dict], fmt: dict) -> None:
    lines = [f"# {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt.get(k, "{}").format(r[k]) for k in header) + " |" for r in rows]
    (BENCH / f"paper_levers_{what}.md").write_text("\n".join(lines) + "\n")
    (BENCH / f"paper_levers_{what}.json").write_text(json.dumps(rows, indent=1) + "\n")
    print("\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--mnist", required=True)
    ap.add_argument("--probe-size", type=int, required=True)
    a = ap.parse_args()
    num = {"direct_energy": "{:.6g}", "gini": "{:.6f}", "direct_rel_change": "{:.2e}", "gini_rel_change": "{:.2e}"}
    with one_thread():
        rows = [r for run in a.runs for r in snapshot_rows(run, a.mnist, a.probe_size)]
    header = ["run", "snapshots", "matrix", "direct_energy", "direct_rel_change", "gini", "gini_rel_change"]
    write("snapshots", "Energy: the trapezoid sums against the number of snapshots", header, rows, num)


if __name__ == "__main__":
    main()
