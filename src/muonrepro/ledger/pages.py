"""The reproduction report's three pages, written together by rule ledger_report: ``REPRODUCTION.md`` and the
first page of ``snakemake --report`` (:mod:`muonrepro.ledger.report`) and ``report/index.html``
(:mod:`muonrepro.ledger.html`), from the merged ledger and the runs' metadata (versions, provenance, devices)."""

from __future__ import annotations

import json
from pathlib import Path

from muonrepro.ledger.html import to_html
from muonrepro.ledger.report import check_evidence, figure_href, to_markdown, to_rst
from muonrepro.ledger.rows import read_claims
from muonrepro.util.io import atomic_path
from muonrepro.util.meta import dirty_note, package_versions, provenance


def environment(scale: str, seeds: dict, metas: list[str | Path], root: str | Path) -> dict:
    """Versions, provenance and devices for the report (devices and dirty-tree flags read from the runs'
    metadata); ``root`` is the scale's output root, which the ledger's paths are relative to."""
    runs = [json.loads(Path(m).read_text()) for m in metas]
    here = provenance()
    devices = sorted({r.get("device") or "n/a" for r in runs})
    return {
        "scale": scale,
        "root": Path(root).as_posix() + "/",
        "seeds": seeds,
        "devices": devices,
        "git_commit": here["git_commit"],
        "dirty": dirty_note(runs + [here]),
        "versions": package_versions(),
    }


def seed_lists(config: dict, scale: str, papers) -> dict:
    """The seed lists each paper ran with at ``scale``, as the report prints them (imbalanced: per experiment
    family); the ``seeds`` param of rule ledger_report."""
    S = config["scales"][scale]

    def imbalanced():
        return {
            "linear_ce": S["imbalanced"]["linear_ce"].get("seeds", "n/a"),
            "cmnist": S["imbalanced"]["cmnist"].get("seeds", "n/a"),
            "gpu": S["imbalanced_gpu"].get("seeds", "n/a"),
        }

    return {p: imbalanced() if p == "imbalanced" else S[p].get("seeds", "n/a") for p in papers}


def write_summary(claims_csv, metas, *, scale: str, seeds: dict, root: str | Path, md_out, rst_out, html_out) -> None:
    """The three pages of the ledger at ``claims_csv``, whose paths are relative to the output root ``root``."""
    claims = read_claims(claims_csv)
    check_evidence(claims, root)
    env = environment(scale, seeds, metas, root)
    pages = (
        (to_markdown(claims, env, figure_href(root, md_out)), md_out),
        (to_rst(claims, env, html_out, md_out), rst_out),
        (to_html(claims, env, figure_href(root, html_out)), html_out),
    )
    for text, out in pages:
        with atomic_path(out) as tmp:
            tmp.write_text(text)


def report_job(smk) -> None:
    """Rule ledger_report: REPRODUCTION.md (``output.md``), report/index.html (``output.html``) and the first page
    of ``snakemake --report`` (``output.rst``) from the merged ledger ``input.claims`` and the run metadata
    ``input.metas``; the ledger's folder is the scale's output root. Fails on missing evidence figures."""
    write_summary(
        smk.input.claims,
        list(smk.input.metas),
        scale=smk.params.scale,
        seeds=smk.params.seeds,
        root=Path(smk.input.claims).parent,  # the merged ledger's folder: the scale's output root
        md_out=smk.output.md,
        rst_out=smk.output.rst,
        html_out=smk.output.html,
    )
