"""Every published run (published/<scale>-<date>/): its ledger re-derived from its published inputs with the current
claims code and config equals the published ledger, its figures stay legible in the report, and the publishing
code copies what the re-derivation needs."""

import json
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml

from muonrepro import plotting
from muonrepro.ledger import publish

ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())
FOLDERS = sorted(p.parent for p in (ROOT / "published").glob("*/metadata.json"))


def test_there_is_a_published_run():
    assert FOLDERS, "published/ holds no run"


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_the_published_ledger_is_what_the_current_code_derives_from_its_inputs(folder):
    published = pd.read_csv(folder / "claims.csv", dtype=str, keep_default_na=False)
    derived = publish.rederive(folder, CONFIG)
    assert list(derived) == list(dict.fromkeys(published["paper"]))
    for paper, rows in derived.items():
        mine = published[published["paper"] == paper].reset_index(drop=True)
        assert list(rows["claim_id"]) == list(mine["claim_id"]), paper
        diff = [(r, c) for c in rows.columns for r in range(len(rows)) if rows.at[r, c] != mine.at[r, c]]
        assert not diff, (
            f"{folder.name}/{paper}: the current code derives other rows than were published, first at "
            f"{mine.at[diff[0][0], 'claim_id']}.{diff[0][1]}: republish (python -m muonrepro.ledger.publish)"
        )


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_the_published_run_is_described_and_its_figures_are_legible(folder):
    meta = json.loads((folder / "metadata.json").read_text())
    assert folder.name == f"{meta['scale']}-{meta['date']}" and len(meta["git_commit"]) == 40
    assert {"machine", "versions", "wall_minutes", "job_minutes_benchmarked_rules", "levers", "command"} <= set(meta)
    figures = sorted((folder / "figures").rglob("*.png"))
    assert figures and (folder / "report" / "index.html").is_file() and (folder / "REPRODUCTION.md").is_file()
    for f in figures:
        width, _ = plotting.png_size(f)
        assert width <= plotting.MAX_WIDTH_PX, f"{f.relative_to(folder)} is {width} px wide: illegible in the report"


def test_publish_copies_the_inputs_cuts_precond_curves_and_describes_the_run(tmp_path):
    """A hand-made run: every input of PAPER_INPUTS present (globs with two matches), precond's curves with other
    methods than the Muon-S1 runs the checks read, and a benchmark per paper."""
    root = tmp_path / "clone" / "results" / "small"
    (root / "report").mkdir(parents=True)
    pd.DataFrame({"paper": ["precond", "imbalanced", "energy"], "claim_id": ["A1", "C1", "C3"]}).to_csv(
        root / "claims.csv", index=False
    )
    (root / "REPRODUCTION.md").write_text("# r\n")
    (root / "report" / "index.html").write_text("<html></html>")
    for spec in publish.PAPER_INPUTS.values():
        for pattern in spec.values():
            for p in pattern if isinstance(pattern, list) else [pattern]:
                for name in [p.replace("*", "a"), p.replace("*", "b")] if "*" in p else [p]:
                    f = root / name
                    f.parent.mkdir(parents=True, exist_ok=True)
                    if f.suffix == ".parquet":
                        pd.DataFrame({"method": ["muon_s1", "gd", "adam"], "error": [1.0, 2.0, 3.0]}).to_parquet(f)
                    else:
                        f.write_text("x\n")
    (root / "figures" / "energy").mkdir(parents=True)
    (root / "figures" / "energy" / "gini.png").write_bytes(b"png")
    bench = root.parent.parent / "benchmarks" / "small"
    for paper, seconds in (("energy", 120), ("precond", 30)):
        (bench / paper).mkdir(parents=True)
        (bench / paper / "job.tsv").write_text(f"s\th:m:s\n{seconds}\t0:00:{seconds}\n")

    subprocess.run(["git", "init", "-q", str(root.parent.parent)], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(root.parent.parent),
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "run",
        ],
        check=True,
    )
    dest = tmp_path / "published" / "small-2026-12-07"
    publish.publish(root, dest, checkout=root.parent.parent, wall_minutes=3.5, command="snakemake", levers="none")
    assert (dest / "energy" / "lr" / "a.json").is_file() and (
        dest / "imbalanced" / "gpu" / "b" / "skipped.json"
    ).is_file()
    assert (dest / "figures" / "energy" / "gini.png").read_bytes() == b"png"
    assert set(pd.read_parquet(dest / "precond" / "sweep" / "mf_curves.parquet")["method"]) == {"muon_s1"}
    meta = json.loads((dest / "metadata.json").read_text())
    assert (
        meta["date"] == "2026-12-07"
        and meta["scale"] == "small"
        and meta["papers"] == ["precond", "imbalanced", "energy"]
    )
    assert meta["job_minutes_benchmarked_rules"] == {"all": 2.5, "energy": 2.0, "precond": 0.5}
    inputs = publish.input_files(dest, "energy")
    assert [Path(f).name for f in inputs["lr_choices"]] == ["a.json", "b.json"] and inputs["theory"].endswith(
        "energy/theory_checks.csv"
    )


def test_the_rederivation_sees_a_changed_criterion():
    """The check can fail: another interval level (a criterion of every empirical row) derives other rows."""
    folder = next(f for f in FOLDERS if f.name.startswith("small-"))
    published = pd.read_csv(folder / "claims.csv", dtype=str, keep_default_na=False)
    derived = publish.rederive(folder, {**CONFIG, "stats": {**CONFIG["stats"], "level": 0.5}})
    mine = published[published["paper"] == "energy"].reset_index(drop=True)
    assert not derived["energy"].equals(mine)


def test_every_papers_claims_job_writes_the_rows_the_rederivation_derives(tmp_path):
    """The claims rules' jobs (``<paper>...claims_job(smk)``) on the published small run's inputs with the rules'
    params: the same rows as ``publish.rederive`` (the plain-argument functions)."""
    from muonrepro.energy.claims_job import claims_job as energy_job
    from muonrepro.energy.rules import claims_params as energy_params
    from muonrepro.imbalanced.claims_job import claims_job as imbalanced_job
    from muonrepro.imbalanced.rules import claims_params as imbalanced_params
    from muonrepro.precond.claims import claims_job as precond_job
    from muonrepro.precond.layout import claims_params as precond_params

    folder = next(f for f in FOLDERS if f.name.startswith("small-"))
    meta = json.loads((folder / "metadata.json").read_text())
    scale, config = meta["scale"], {**CONFIG, "pending": meta.get("pending", [])}
    jobs = {
        "energy": (energy_job, energy_params, [tmp_path / "energy.csv"]),
        "imbalanced": (imbalanced_job, imbalanced_params, [tmp_path / "imbalanced.csv"]),
        "precond": (
            precond_job,
            precond_params,
            {"claims": tmp_path / "precond.csv", "table": tmp_path / "T1.csv", "meta": tmp_path / "meta.json"},
        ),
    }
    derived = publish.rederive(folder, CONFIG)
    for paper in publish.papers_in(folder):
        job, params, out = jobs[paper]
        job(SimpleNamespace(input=publish.input_files(folder, paper), params=params(config, scale), output=out))
        rows = pd.read_csv(tmp_path / f"{paper}.csv", dtype=str, keep_default_na=False)
        pd.testing.assert_frame_equal(rows, derived[paper], obj=paper)


def test_report_job_writes_the_three_pages(tmp_path):
    """Rule ledger_report's job on the published small run's ledger (the figures it names are there)."""
    from muonrepro.ledger.pages import report_job

    folder = next(f for f in FOLDERS if f.name.startswith("small-"))
    out = SimpleNamespace(md=tmp_path / "R.md", rst=tmp_path / "r.rst", html=tmp_path / "index.html")
    smk = SimpleNamespace(
        input=SimpleNamespace(claims=str(folder / "claims.csv"), metas=[]),
        params=SimpleNamespace(scale="small", seeds={"energy": [0, 1, 2]}),
        output=out,
    )
    report_job(smk)
    assert all(p.stat().st_size > 0 for p in vars(out).values())
    assert "figures/energy/" in out.md.read_text()
