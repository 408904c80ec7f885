"""A finished run published in the repository, and its ledger re-derived from what was published.

``published/<scale>-<date>/`` holds small files only: the ledger (``claims.csv``), ``REPRODUCTION.md``, the HTML
report with its figures, the input files of every paper's claims rule (``PAPER_INPUTS``: the contract tables;
precond's curve files cut to the Muon-S1 runs its checks read), the energy training-settings robustness table
when the run made it, and ``metadata.json`` (commit, versions, machine, wall and job time per paper, levers).

``rederive(folder, config)`` rebuilds every paper's rows from the published inputs with the current claims code
and config; a test keeps each published ledger equal to it.

    python -m muonrepro.ledger.publish results/small published/small-2026-12-07 --wall-minutes 16.1 \\
        --command "snakemake --cores all" --levers "none"
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import tempfile
from importlib import metadata as importlib_metadata
from pathlib import Path

import pandas as pd

from muonrepro.energy.rules import CLAIMS_TABLE_FILES
from muonrepro.precond.layout import CURVE_PROBLEMS

# claims-rule input name -> file under the scale's output root; a list: every file matching the glob, sorted
PAPER_INPUTS = {
    "energy": {
        **{name: f"energy/{f}" for name, f in CLAIMS_TABLE_FILES.items()},
        "theory": "energy/theory_checks.csv",
        "robustness": "energy/reading_robustness.csv",
        "instrument": "energy/instrument.csv",
        "lr_choices": ["energy/lr/*.json"],
    },
    "imbalanced": {
        "checks": "imbalanced/theory_checks.csv",
        "curves": "imbalanced/curves.parquet",
        "selection": "imbalanced/lr_selection.csv",
        "gpu_status": "imbalanced/gpu/data_status.json",
        "gpu_metrics": ["imbalanced/gpu/*/metrics.parquet"],
        "gpu_skipped": ["imbalanced/gpu/*/skipped.json"],
    },
    "precond": {
        "iterations": "precond/iterations.csv",
        "info": "precond/problem_info.csv",
        "curves": [f"precond/sweep/{p}_curves.parquet" for p in CURVE_PROBLEMS],
        "steps": "precond/ablation/steps.csv",
        "ns5": "precond/ablation/ns5.csv",
        "lemma_scalar": "precond/theory/lemma_scalar.csv",
        "lemma_matrix": "precond/theory/lemma_matrix.csv",
        "decoupling": "precond/theory/decoupling_mf.csv",
        "mc": "precond/theory/icl_montecarlo.csv",
    },
}
REPORT = ["claims.csv", "REPRODUCTION.md", "report/index.html"]
OPTIONAL = ["energy/robustness.csv"]  # made by the `energy_robustness_figures` target, outside rule all
PRECOND_CURVE_METHODS = ("muon_s1",)  # the only curves precond's checks read: the rest stay out (megabytes)
VERSIONED = ("torch", "torchvision", "numpy", "scipy", "pandas", "snakemake", "muonrepro")


def input_files(root: Path, paper: str) -> dict[str, str | list[str]]:
    """The claims rule's inputs of ``paper`` under ``root``: name -> path, or a sorted list for a glob / list."""
    out: dict[str, str | list[str]] = {}
    for name, spec in PAPER_INPUTS[paper].items():
        if isinstance(spec, list):
            out[name] = [str(p) for s in spec for p in sorted(root.glob(s))]
        else:
            out[name] = str(root / spec)
    return out


def papers_in(root: Path) -> list[str]:
    """The papers of the run (those with a ``<paper>/claims.csv``), in the ledger's order."""
    claims = pd.read_csv(root / "claims.csv", keep_default_na=False)
    return list(dict.fromkeys(claims["paper"]))


def _copy(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    if src.suffix == ".parquet" and src.parent.name == "sweep" and src.parent.parent.name == "precond":
        df = pd.read_parquet(src)
        df[df["method"].isin(PRECOND_CURVE_METHODS)].to_parquet(dest, index=False)
    else:
        shutil.copyfile(src, dest)


def job_minutes(bench: Path) -> dict[str, float]:
    """Benchmarked job time per paper (``benchmarks/<scale>/<paper>/...tsv``, column ``s``; the energy training-settings
    robustness apart, as ``energy_robustness``: it is outside rule all) and in all, minutes."""
    per: dict[str, float] = {}
    for tsv in sorted(bench.rglob("*.tsv")):
        parts = tsv.relative_to(bench).parts
        paper = parts[0] + ("_robustness" if parts[1:2] == ("robustness",) else "")
        per[paper] = per.get(paper, 0.0) + float(pd.read_csv(tsv, sep="\t")["s"].sum()) / 60
    return {"all": round(sum(per.values()), 1), **{k: round(v, 1) for k, v in sorted(per.items())}}


def _machine() -> dict:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in ln),
        platform.processor(),
    )
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem), "gpu": None}


def _versions() -> dict:
    out = {}
    for name in VERSIONED:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = None
    return {**out, "python": platform.python_version()}


def publish(
    root: Path, dest: Path, *, checkout: Path, wall_minutes: float, command: str, levers: str, pending=()
) -> list[Path]:
    """Copy the run under ``root`` (``results/<scale>``) to ``dest`` and write ``metadata.json``; returns the
    files written. ``checkout``: the clone that ran it (its commit and ``benchmarks/<scale>/``); ``pending``: the
    run's config ``pending`` (experiments left out; their rows say so, and ``rederive`` uses it too)."""
    root, dest = Path(root), Path(dest)
    papers = papers_in(root)
    figures = [p.relative_to(root) for p in sorted((root / "figures").rglob("*.png"))]
    names = [Path(f) for f in REPORT] + figures + [Path(f) for f in OPTIONAL if (root / f).exists()]
    for paper in papers:
        for files in input_files(root, paper).values():
            names += [Path(f).relative_to(root) for f in ([files] if isinstance(files, str) else files)]
    if dest.exists():
        shutil.rmtree(dest)
    for name in names:
        _copy(root / name, dest / name)
    scale = root.name
    commit = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    meta = {
        "scale": scale,
        "date": "-".join(dest.name.split("-")[-3:]),
        "git_commit": commit,
        "command": command,
        "machine": _machine(),
        "wall_minutes": wall_minutes,
        "job_minutes_benchmarked_rules": job_minutes(Path(checkout) / "benchmarks" / scale),
        "papers": papers,
        "versions": _versions(),
        "levers": levers,
        "pending": list(pending),
        "files": "claims.csv (the ledger), REPRODUCTION.md and report/index.html (the report), figures/, and the "
        "input files of every paper's claims rule, from which tests/ledger/test_published.py re-derives the ledger",
    }
    (dest / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n")
    return [dest / n for n in names] + [dest / "metadata.json"]


def rederive(folder: Path, config: dict) -> dict[str, pd.DataFrame]:
    """Every paper's rows rebuilt from the published inputs under ``folder`` with the current claims code and
    ``config`` (at the published scale), as the ledger writes them: paper -> rows (strings, as in the CSV)."""
    from muonrepro.energy.claims_job import ledger_rows
    from muonrepro.energy.rules import claims_params as energy_params
    from muonrepro.imbalanced.claims_job import claims_from_inputs as imbalanced_ledger
    from muonrepro.imbalanced.rules import claims_params as imbalanced_params
    from muonrepro.ledger import write_claims
    from muonrepro.precond.claims import claims_from_inputs as precond_ledger
    from muonrepro.precond.layout import claims_params as precond_params

    folder = Path(folder)
    meta = json.loads((folder / "metadata.json").read_text())
    scale, config = meta["scale"], {**config, "pending": meta.get("pending", [])}
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for paper in papers_in(folder):
            inputs, path = input_files(folder, paper), tmp / f"{paper}.csv"
            if paper == "energy":
                write_claims(ledger_rows(inputs, energy_params(config, scale)), path)
            elif paper == "imbalanced":
                imbalanced_ledger(inputs, imbalanced_params(config, scale), path)
            else:
                outs = {"claims": path, "table": tmp / "T1.csv", "meta": tmp / "meta.json"}
                precond_ledger(inputs, precond_params(config, scale), outs)
            out[paper] = pd.read_csv(path, dtype=str, keep_default_na=False)
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", type=Path, help="the run's output root, results/<scale> of the clone that ran it")
    ap.add_argument("dest", type=Path, help="published/<scale>-<YYYY-MM-DD>")
    ap.add_argument("--checkout", type=Path, help="the clone that ran it (default: two levels above root)")
    ap.add_argument("--wall-minutes", type=float, required=True)
    ap.add_argument("--command", required=True, help="the command that made the run")
    ap.add_argument("--levers", required=True, help="what was changed from the committed config, in words")
    ap.add_argument("--pending", nargs="*", default=[], help="the run's config pending (experiments left out)")
    a = ap.parse_args(argv)
    checkout = a.checkout or a.root.resolve().parents[1]
    files = publish(
        a.root,
        a.dest,
        checkout=checkout,
        wall_minutes=a.wall_minutes,
        command=a.command,
        levers=a.levers,
        pending=a.pending,
    )
    size = sum(f.stat().st_size for f in files) / 2**20
    print(f"published {len(files)} files, {size:.1f} MiB, to {a.dest}")


if __name__ == "__main__":
    main()
