"""How many weight snapshots the energy's trapezoid sums need (issue 26, lever "fewer snapshots").

    python bench/snapshot_convergence.py RUN_DIR... --mnist results/data/mnist.pt --probe-size 10000

For each run (a ``results/<scale>/energy/runs/<run>/`` folder with ``snapshots.pt``), the primary reading
(``energy.estimator`` of config.yaml, ``extract.extract_run``) on every snapshot, on every 2nd and on every
4th (the last always kept, the trapezoid weights recomputed for the thinned steps). Printed and written to
``bench/snapshot_convergence.{md,json}``: per monitored matrix, the direct energy (C6b's number) and the Gini
of the per-mode cumulative energy over the modes retained at every log (C6a's, on the run's own mode set),
and their relative change against all snapshots.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml

from muonrepro.energy.estimator.gini import gini
from muonrepro.energy.extract import extract_run
from muonrepro.energy.probe import load_run
from muonrepro.util.threads import one_thread

BENCH = Path(__file__).parent
STRIDES = (1, 2, 4)


def readings(run: Path, mnist: str, probe_size: int, estimator: dict) -> list[dict]:
    model, snaps, x, y, _ = load_run(mnist, run / "snapshots.pt", probe_size, estimator["probe_seed"], "cpu")
    rows = []
    for stride in STRIDES:
        kept = snaps[::stride] if (len(snaps) - 1) % stride == 0 else [*snaps[::stride], snaps[-1]]
        summary, per_mode, _, seconds = extract_run(
            model, kept, x, y, estimator=estimator, probe_seed=estimator["probe_seed"]
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--mnist", required=True)
    ap.add_argument("--probe-size", type=int, required=True)
    a = ap.parse_args()
    estimator = yaml.safe_load((BENCH.parent / "config.yaml").read_text())["energy"]["estimator"]
    with one_thread():
        rows = [r for run in a.runs for r in readings(run, a.mnist, a.probe_size, estimator)]
    lines = [
        "# Snapshot convergence of the energy's trapezoid sums (issue 26)",
        "",
        f"Written by `python bench/snapshot_convergence.py` (probe of {a.probe_size} images, primary reading). "
        "Relative change against all snapshots of the run; Gini over the modes the run retained at every log.",
        "",
        "| run | snapshots | matrix | direct energy | rel. change | Gini | rel. change | extraction (s) |",
        "|---|---|---|---|---|---|---|---|",
        *(
            f"| {r['run']} | {r['snapshots']} | {r['matrix']} | {r['direct_energy']:.6g} | {r['direct_rel_change']:.2e} "
            f"| {r['gini']:.6f} | {r['gini_rel_change']:.2e} | {r['seconds']:.0f} |"
            for r in rows
        ),
    ]
    (BENCH / "snapshot_convergence.md").write_text("\n".join(lines) + "\n")
    (BENCH / "snapshot_convergence.json").write_text(json.dumps(rows, indent=1) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
