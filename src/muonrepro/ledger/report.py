"""Per-paper summary of the claims ledger, as Markdown (results/REPRODUCTION.md) and reStructuredText
(the first page of the HTML report).

The figures named in a row's ``figures`` column must exist: a claim that is not ``not_run`` and
names a missing figure fails the report with the claim's name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from muonrepro.ledger.rows import figure_list

PAPER_TITLES = {
    "energy": "Spectral Equalization Minimizes Total Training Energy (HiLD @ ICML 2026)",
    "precond": "Preconditioning Benefits of Spectral Orthogonalization in Muon (arXiv 2601.13474)",
    "imbalanced": "How Muon's Spectral Design Benefits Generalization: A Study on Imbalanced Data (ICLR 2026)",
}


class MissingEvidenceError(RuntimeError):
    pass


def check_evidence(claims: pd.DataFrame, root: str | Path = ".") -> None:
    """Every figure in the ``figures`` column of a row that ran exists under ``root``."""
    missing = []
    for row in claims.itertuples():
        if row.verdict == "not_run":
            continue
        for fig in figure_list(row.figures):
            if not (Path(root) / fig).exists():
                missing.append(f"{row.paper}/{row.claim_id}: {fig}")
    if missing:
        raise MissingEvidenceError("claim rows point at evidence figures that do not exist: " + "; ".join(missing))


def counts(claims: pd.DataFrame) -> pd.DataFrame:
    c = claims.groupby(["paper", "verdict"]).size().unstack(fill_value=0)
    for v in ("supported", "not_supported", "not_run"):
        if v not in c:
            c[v] = 0
    return c[["supported", "not_supported", "not_run"]]


def _cell(text, limit=160) -> str:
    text = str(text).replace("|", "/").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _md_links(figures: str) -> str:
    return ", ".join(f"[{Path(f).name}]({f.removeprefix('results/')})" for f in figure_list(figures)) or "-"


def to_markdown(claims: pd.DataFrame, env: dict) -> str:
    lines = [
        "# Reproduction report",
        "",
        f"Scale: **{env['scale']}**. Git commit: `{env['git_commit']}`. Device(s): {', '.join(env['devices']) or 'n/a'}.",
        "",
        "Verdicts come from numbers measured in this run against the stated criterion; settings the papers do "
        "not give are ours (`# ours:` in config.yaml) and are named in each row's evidence.",
        "",
        "| paper | supported | not supported | not run |",
        "|---|---|---|---|",
    ]
    for paper, r in counts(claims).iterrows():
        lines.append(f"| {paper} | {r['supported']} | {r['not_supported']} | {r['not_run']} |")
    for paper, g in claims.groupby("paper", sort=False):
        lines += [
            "",
            f"## {paper}: {PAPER_TITLES.get(paper, paper)}",
            "",
            "| claim | kind | claim text | value | criterion | verdict | figures |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in g.itertuples():
            lines.append(
                f"| {r.claim_id} | {r.kind} | {_cell(r.claim)} | {_cell(r.value, 40)} | {_cell(r.criterion, 100)} | "
                f"**{r.verdict}** | {_md_links(r.figures)} |"
            )
    lines += [
        "",
        "## Environment",
        "",
        f"- seeds: {env['seeds']}",
        *[f"- {k}: {v}" for k, v in sorted(env["versions"].items())],
        "",
    ]
    return "\n".join(lines)


def _rst_escape(text: str) -> str:
    text = re.sub(r"([*`|\\])", r"\\\1", str(text))
    return re.sub(r"_(?=\W|$)", r"\\_", text)  # a trailing underscore would be a reference


def _rst_table(header, rows) -> list[str]:
    out = [".. list-table::", "   :header-rows: 1", ""]
    for row in [header] + rows:
        out.append(f"   * - {_rst_escape(row[0])}")
        out += [f"     - {c if c.startswith('**') else _rst_escape(c)}" for c in row[1:]]
    return out + [""]


def to_rst(claims: pd.DataFrame, env: dict) -> str:
    lines = [
        "Claims ledger",
        "-------------",
        "",
        f"Scale **{env['scale']}**, git commit ``{env['git_commit']}``, seeds {env['seeds']}.",
        "",
    ]
    c = counts(claims)
    lines += _rst_table(
        ["paper", "supported", "not supported", "not run"],
        [[p, str(r["supported"]), str(r["not_supported"]), str(r["not_run"])] for p, r in c.iterrows()],
    )
    for paper, g in claims.groupby("paper", sort=False):
        title = f"{paper}: {PAPER_TITLES.get(paper, paper)}"
        lines += [title, "~" * len(title), ""]
        rows = [
            [
                r.claim_id,
                r.kind,
                _cell(r.claim, 120),
                _cell(r.value, 40),
                _cell(r.criterion, 90),
                f"**{r.verdict}**",
                ", ".join(Path(f).name for f in figure_list(r.figures)) or "none",
            ]
            for r in g.itertuples()
        ]
        lines += _rst_table(["claim", "kind", "text", "value", "criterion", "verdict", "figures"], rows)
    return "\n".join(lines)


def environment(scale: str, seeds: dict, metas: list[str | Path]) -> dict:
    """Versions, git commit and devices for the report (devices read from the runs' metadata)."""
    import json

    from muonrepro.util.meta import git_commit, package_versions

    devices = sorted({json.loads(Path(m).read_text()).get("device") or "n/a" for m in metas})
    return {
        "scale": scale,
        "seeds": seeds,
        "devices": devices,
        "git_commit": git_commit(),
        "versions": package_versions(),
    }


def write_summary(claims_csv, metas, *, scale: str, seeds: dict, md_out, rst_out) -> None:
    from muonrepro.ledger import read_claims
    from muonrepro.util.io import atomic_path

    claims = read_claims(claims_csv)
    check_evidence(claims)
    env = environment(scale, seeds, metas)
    for text, out in ((to_markdown(claims, env), md_out), (to_rst(claims, env), rst_out)):
        with atomic_path(out) as tmp:
            tmp.write_text(text)
