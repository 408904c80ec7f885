"""Per-paper summary of the claims ledger, as Markdown (``REPRODUCTION.md``) and reStructuredText
(the first page of the HTML report).

The ledger's paths (``figures``, ``evidence``) are relative to the scale's output root (``results/<scale>/``),
which the caller passes in (``root``); a page links each figure relative to where the page itself lives.
The figures named in a row's ``figures`` column must exist: a claim that is not ``not_run`` and
names a missing figure fails the report with the claim's name.
"""

from __future__ import annotations

import os
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


def check_evidence(claims: pd.DataFrame, root: str | Path) -> None:
    """Every figure in the ``figures`` column of a row that ran exists under ``root`` (the output root)."""
    missing = []
    for row in claims.itertuples():
        if row.verdict == "not_run":
            continue
        for fig in figure_list(row.figures):
            if not (Path(root) / fig).exists():
                missing.append(f"{row.paper}/{row.claim_id}: {fig}")
    if missing:
        raise MissingEvidenceError("claim rows point at evidence figures that do not exist: " + "; ".join(missing))


# the report's sections: findings about data first, then the checks of the instruments they rest on, then theorem
# checks, then the rest
SECTIONS = (
    ("Empirical claims", ("empirical",)),
    ("Instrument checks (does an estimator read right on the runs it measures?)", ("instrument",)),
    ("Theorem checks (closed forms and identities in float64)", ("theorem",)),
    ("Extensions and sanity checks (not paper claims)", ("extension", "sanity")),
)
COUNTED = ("supported", "not_supported", "inconclusive", "not_run")


def section_of(kind: str) -> str:
    return next(title for title, kinds in SECTIONS if kind in kinds)


def counts(claims: pd.DataFrame) -> pd.DataFrame:
    """Verdict counts per (section, paper), sections in report order."""
    c = claims.assign(section=claims["kind"].map(section_of))
    c = c.groupby(["section", "paper"], sort=False).verdict.value_counts().unstack(fill_value=0)
    for v in COUNTED:
        if v not in c:
            c[v] = 0
    order = [s for s, _ in SECTIONS if s in c.index.get_level_values(0)]
    return c.loc[order, list(COUNTED)]


def fmt_number(x, digits: int = 4) -> str:
    """A number for reading (``digits`` significant digits); text (a value like "3/6") as it is."""
    if x is None or (isinstance(x, str) and not x.strip()):
        return ""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    return "nan" if v != v else f"{v:.{digits}g}"


def interval(row) -> str:
    lo, hi = fmt_number(row.ci_low, 3), fmt_number(row.ci_high, 3)
    return f"[{lo}, {hi}]" if lo and hi and lo != "nan" else ""


# the experiment families a paper's seeds are given per (the ledger_report rule's ``seeds`` param), for reading
SEED_GROUPS = {
    "linear_ce": "linear model (cross-entropy)",
    "cmnist": "Colored-MNIST",
    "gpu": "GPU-scale experiments",
}


def seeds_in_words(seeds) -> str:
    """One paper's seeds for reading: ``[0, 1, 2]`` -> "3 seeds (0-2)"; a dict (seeds per experiment family)
    -> each family's, named; none -> "none configured"."""
    if isinstance(seeds, dict):
        words = {SEED_GROUPS.get(k, str(k).replace("_", " ")): seeds_in_words(v) for k, v in seeds.items()}
        if len(set(words.values())) == 1:
            return f"{next(iter(words.values()))} in each of: {', '.join(words)}"
        return ", ".join(f"{k} {v}" for k, v in words.items())
    if isinstance(seeds, (list, tuple)):
        if not seeds:
            return "none configured"
        n = f"{len(seeds)} seed{'s' if len(seeds) != 1 else ''}"
        ints = all(isinstance(s, int) for s in seeds)
        if ints and len(seeds) >= 3 and list(seeds) == list(range(seeds[0], seeds[0] + len(seeds))):
            return f"{n} ({seeds[0]}-{seeds[-1]})"
        return f"{n} ({', '.join(map(str, seeds))})"
    if seeds is None or str(seeds).strip() in ("", "n/a"):
        return "none configured"
    return str(seeds)


def seeds_summary(seeds: dict) -> str:
    """Every paper's seeds in words: "energy: 3 seeds (0-2); precond: ..."."""
    return "; ".join(f"{paper}: {seeds_in_words(v)}" for paper, v in seeds.items()) or "n/a"


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def figure_href(root: str | Path, page: str | Path):
    """The link to a figure (a ledger path, relative to ``root``) from the page written to ``page``."""
    here = Path(page).parent
    return lambda f: Path(os.path.relpath(Path(root) / f, here)).as_posix()


def _md_links(figures: str, href) -> str:
    return ", ".join(f"[{Path(f).name}]({href(f)})" for f in figure_list(figures)) or "-"


def judged_over_seeds(rows: pd.DataFrame) -> bool:
    """Whether a table of rows needs the seeds and interval columns (some row was judged over seeds)."""
    return bool(rows["n_seeds"].astype(str).str.strip().ne("").any())


def _columns(seeds: bool) -> list[str]:
    return [
        "claim",
        "claim text",
        "value",
        *(["seeds", "95% interval"] if seeds else []),
        "criterion",
        "verdict",
        "why (when not supported)",
        "figures",
    ]


def _cells(r, seeds: bool, figures) -> list[str]:
    extra = [fmt_number(r.n_seeds), interval(r)] if seeds else []
    return [r.claim_id, r.claim, fmt_number(r.value), *extra, r.criterion, r.verdict, r.reason, figures]


def to_markdown(claims: pd.DataFrame, env: dict, figure_href) -> str:
    """The report as Markdown; ``figure_href`` maps a ledger figure path to its link from the page."""
    lines = [
        "# Reproduction report",
        "",
        f"Scale: **{env['scale']}**. Git commit: `{env['git_commit']}`. Device(s): {', '.join(env['devices']) or 'n/a'}.",
        "",
        *([f"**Warning**: {env['dirty']}.", ""] if env.get("dirty") else []),
        f"Paths in the ledger (`claims.csv`: figures, evidence) are relative to this scale's output folder "
        f"`{env['root']}`.",
        "",
        "A verdict about data is a statistic over seeds (`stats.verdict`): the effect per seed, its mean with a 95% "
        "t-interval, and the criterion fixed in config before the run; seeds that disagree give `inconclusive`. "
        "Theorem checks (float64 closed forms) are reported apart. Settings the papers do not give are ours "
        "(`# ours:` in config.yaml) and are named in each row's evidence.",
    ]
    c = counts(claims)
    for title, _ in SECTIONS:
        if title not in c.index.get_level_values(0):
            continue
        lines += [
            "",
            f"**{title}**",
            "",
            "| paper | supported | not supported | inconclusive | not run |",
            "|---|---|---|---|---|",
        ]
        for paper, r in c.loc[title].iterrows():
            lines.append(
                f"| {paper} | {r['supported']} | {r['not_supported']} | {r['inconclusive']} | {r['not_run']} |"
            )
    for paper, g in claims.groupby("paper", sort=False):
        lines += ["", f"## {paper}: {PAPER_TITLES.get(paper, paper)}"]
        for title, kinds in SECTIONS:
            rows = g[g["kind"].isin(kinds)]
            if rows.empty:
                continue
            seeds = judged_over_seeds(rows)
            cols = _columns(seeds)
            lines += ["", f"### {title}", "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
            for r in rows.itertuples():
                cells = _cells(r, seeds, _md_links(r.figures, figure_href))
                cells[cols.index("verdict")] = f"**{r.verdict}**"
                lines.append("| " + " | ".join(_cell(x) for x in cells) + " |")
    lines += [
        "",
        "## Environment",
        "",
        f"- seeds: {seeds_summary(env['seeds'])}",
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


def to_rst(claims: pd.DataFrame, env: dict, html_page: str | Path, md_page: str | Path) -> str:
    """The first page of ``snakemake --report``: the verdict counts only (the whole ledger, readable, is the
    report item ``index.html`` in category "0 Summary", written to ``html_page``, and ``md_page``)."""
    lines = [
        "Verdicts at a glance",
        "--------------------",
        "",
        f"Scale **{env['scale']}**, git commit ``{env['git_commit']}``, seeds {seeds_summary(env['seeds'])}. Every claim with its "
        "value, interval, criterion, verdict and figures: **0 Summary -> index.html** (also "
        f"``{Path(html_page).as_posix()}`` and ``{Path(md_page).as_posix()}``).",
        "",
        *([f"**Warning**: {_rst_escape(env['dirty'])}.", ""] if env.get("dirty") else []),
    ]
    c = counts(claims)
    for title, _ in SECTIONS:
        if title in c.index.get_level_values(0):
            lines += [f"**{title}**", ""]
            lines += _rst_table(
                ["paper", *[v.replace("_", " ") for v in COUNTED]],
                [[p, *[str(r[v]) for v in COUNTED]] for p, r in c.loc[title].iterrows()],
            )
    return "\n".join(lines)
