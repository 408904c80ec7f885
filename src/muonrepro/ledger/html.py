"""The reproduction report as one standalone page, ``report/index.html`` under the scale's output root: what
a reader opens in a browser. The header says what ran (scale, commit, devices, each paper's seeds), then a table of
contents, the verdict summary (counts per paper; empirical claims, theorem checks and the rest apart), then one
section per paper and, within it, per kind of claim: each claim's value, seeds, interval, criterion and verdict (with
the reason when it is not supported), its metric, full value and evidence in an expandable row under it, and the
figures that show its rows, each once (after the table of the first rows it shows), opening at full size on click.

Plain HTML and inline CSS in normal document flow (nothing positioned, no script): tables have a fixed layout with
wrapping cells, so a long value can never widen a column past the page; on narrow screens (a media query) each claim
becomes a stacked card with labelled fields; images are scaled to the page width.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

from muonrepro.ledger.report import (
    COUNTED,
    PAPER_TITLES,
    SECTIONS,
    counts,
    fmt_number,
    interval,
    judged_over_seeds,
    seeds_in_words,
)
from muonrepro.ledger.rows import figure_list

# what each figure shows, by file name (without .png); a figure not named here gets its file name made readable
FIGURE_TITLES = {
    "theory_checks": "Theory checks: relative error of each float64 identity, and inequality margins",
    "gini": "Gini of per-mode cumulative energy, per monitored matrix and optimizer",
    "cumulative_energy": "Cumulative energy per architecture and optimizer (log scale)",
    "energy_trajectory": "Direct energy at each logged step",
    "per_mode_heatmap": "Per-mode energy by eigenvalue rank (heat maps, deepest architecture)",
    "curvature_deciles": "Energy per curvature bin (bin 0 = lowest curvature)",
    "offdiag": "Off-diagonal fraction of each update in the Kronecker eigenbasis",
    "training_curves": "Training curves: test accuracy per epoch",
    "reading_robustness": "Does one change of the estimator's reading flip a verdict? (effect and interval per reading)",
    "R1_mf_convergence": "R1: matrix factorization, convergence curves",
    "R2_mf_iterations": "R2: matrix factorization, iterations to epsilon against kappa",
    "R3_mf_modes": "R3: matrix factorization, per-mode trajectories (median and min-max over seeds)",
    "R4_icl_convergence": "R4: in-context learning, convergence curves",
    "R5_icl_iterations": "R5: in-context learning, iterations to epsilon against kappa",
    "R6_icl_modes": "R6: in-context learning, per-mode trajectories (median and min-max over seeds)",
    "R7_step_rules": "R7: step-size rules",
    "R8_orthogonalizer": "R8: exact matrix sign against Newton-Schulz",
    "R8b_adam_rotation": "R8b: Adam in rotated and axis-aligned bases",
    "X1_extensions": "Extensions: asymmetric matrix factorization and the two-factor ICL model",
    "fig2_trajectories": "Fig. 2: component trajectories (d = k = 3, p = (0.5, 0.3, 0.2))",
    "loss_gaps": "Theorems 1 and 2: loss gaps against the bounds",
    "depth": "Depth: per-layer SpecGD and Delta T",
    "dm_accuracy": "Balanced and worst-class accuracy along SpecGF and GF (population, k = 20)",
    "fig4_linear_ce": "Fig. 4: linear model with cross-entropy",
    "cmnist_groups": "Colored-MNIST: minority- and majority-group test accuracy",
    "fig6_depth": "Fig. 6: depth on Colored-MNIST (Muon)",
    "e2_cifar_step": "E2: CIFAR-10/100 with STEP-20 imbalance",
    "e3_dominoes": "E3: MNIST-CIFAR dominoes",
    "e4_multinli": "E4: MultiNLI",
    "e5_celeba": "E5: CelebA",
    "e6_tinystories": "E6: TinyStories",
}
# a value or reason longer than this (characters) shows its start in the table, and in full under the row
LONG_VALUE = 48
LONG_REASON = 120

CSS = r"""
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1b1b1b; background: #fff;
  line-height: 1.4; }
main { max-width: 1320px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 1.6em; margin: 0.4em 0 0.2em; }
h2 { font-size: 1.3em; margin: 1.6em 0 0.4em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; margin: 1.4em 0 0.4em; }
a { color: #0b57d0; }
a.up { font-size: 0.7em; font-weight: normal; margin-left: 0.6em; }
p { max-width: 62em; }
p.meta { color: #444; margin: 0.2em 0 0.6em; }
p.warning { background: #fff4d6; border: 1px solid #e0b84c; padding: 6px 8px; }
nav#contents { background: #f7f7f7; border: 1px solid #e2e2e2; padding: 4px 12px; margin: 0.8em 0; }
nav#contents h2 { font-size: 1.05em; border: 0; margin: 0.4em 0; }
nav#contents ol { margin: 0.2em 0 0.4em; padding-left: 1.4em; }
nav#contents li { margin: 0.15em 0; }
nav#contents span.sections { color: #555; font-size: 0.92em; }
table { border-collapse: collapse; width: 100%; margin: 0.4em 0 1em; font-size: 0.9em; table-layout: fixed; }
th, td { border: 1px solid #ddd; padding: 4px 6px; vertical-align: top; text-align: left; overflow-wrap: break-word; }
th { background: #f3f3f3; }
td.num { font-variant-numeric: tabular-nums; }
table#summary { max-width: 960px; }
table#summary th.n, table#summary td.num { width: 14%; text-align: right; }
table#summary th.sec { width: 26%; }
table.claims th.id { width: 11%; } table.claims th.stmt { width: 30%; } table.claims th.val { width: 15%; }
table.claims th.crit { width: 27%; } table.claims th.verdict { width: 17%; }
table.claims.seeds th.stmt { width: 22%; } table.claims.seeds th.val { width: 10%; }
table.claims.seeds th.n { width: 7%; } table.claims.seeds th.ci { width: 10%; }
table.claims.seeds th.crit { width: 24%; } table.claims.seeds th.verdict { width: 16%; }
td.id { font-weight: 600; }
tbody.claim > tr.row > td { border-bottom: 0; }
tr.more > td { border-top: 0; padding: 0 6px 4px; font-size: 0.92em; }
details > summary { cursor: pointer; color: #555; font-size: 0.92em; }
details[open] > summary { margin-bottom: 0.3em; }
dl.more { margin: 0 0 0.4em; display: grid; grid-template-columns: 7em minmax(0, 1fr); gap: 0.2em 0.8em; }
dl.more dt { font-weight: 600; color: #444; }
dl.more dd { margin: 0; overflow-wrap: anywhere; }
.verdict { font-weight: 600; }
.supported { color: #1a7f37; } .not_supported { color: #b3261e; }
.inconclusive { color: #8a6d00; } .not_run { color: #666; }
.reason { font-weight: normal; color: #333; font-size: 0.9em; margin-top: 0.2em; }
figure { margin: 0.8em 0 1.8em; max-width: 100%; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid #eee; }
figure a.full { display: inline-block; max-width: 100%; }
figcaption { color: #444; font-size: 0.88em; margin-top: 0.3em; max-width: 62em; }
figcaption b { color: #1b1b1b; }
@media (max-width: 999px) {
  main { padding: 8px 12px 32px; }
  h1 { font-size: 1.35em; }
  table.claims, table.claims > tbody, table.claims tr, table.claims td { display: block; width: auto; }
  table.claims > thead { display: none; }
  table.claims { border: 0; }
  table.claims > tbody.claim { border: 1px solid #ccc; border-radius: 4px; margin: 0 0 0.8em; }
  table.claims td { border: 0; padding: 2px 8px; }
  table.claims tr.row > td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; color: #555; }
  table.claims td.id { background: #f3f3f3; padding: 4px 8px; }
  table.claims td:empty { display: none; }
  tr.more > td { padding: 2px 8px 6px; }
  dl.more { grid-template-columns: minmax(0, 1fr); }
  dl.more dd { margin: 0 0 0.3em; }
  table#summary, table#summary > tbody, table#summary tr { display: block; width: auto; border: 0; }
  table#summary > thead { display: none; }
  table#summary tr { border-bottom: 1px solid #ddd; padding: 4px 0; }
  table#summary td { display: inline; border: 0; padding: 0; }
  table#summary td.paper::before { content: " \00b7  "; }
  table#summary td.paper::after { content: "\A"; white-space: pre; }
  table#summary td.num { display: inline-block; width: auto; text-align: left; margin-right: 1em; }
  table#summary td.num::after { content: " " attr(data-label); }
}
"""


def _e(x) -> str:
    return html.escape(str(x))


def _id(*parts) -> str:
    """An element id from names (letters, digits, - and _ kept)."""
    return "-".join(re.sub(r"[^A-Za-z0-9_-]+", "-", str(p)) for p in parts)


def _section_key(kinds) -> str:
    return kinds[0]


def _short(title: str) -> str:
    """A section's name without its parenthesis: "Theorem checks (closed forms ...)" -> "Theorem checks"."""
    return title.split(" (")[0]


def figure_title(path: str) -> str:
    """What a figure shows (:data:`FIGURE_TITLES`), or its file name made readable."""
    stem = Path(path).stem
    if stem in FIGURE_TITLES:
        return FIGURE_TITLES[stem]
    words = stem.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def _page_order(claims: pd.DataFrame) -> list[tuple[str, str, str, pd.DataFrame]]:
    """(paper, section title, section key, rows) in the order the page shows them."""
    out = []
    for paper, g in claims.groupby("paper", sort=False):
        for title, kinds in SECTIONS:
            rows = g[g["kind"].isin(kinds)]
            if not rows.empty:
                out.append((paper, title, _section_key(kinds), rows))
    return out


def _figure_places(order) -> tuple[dict, dict]:
    """Each figure's rows ((paper, claim_id), page order) and the (paper, section key) it is shown under: that of
    the first row naming it."""
    rows_of: dict[str, list[tuple[str, str]]] = {}
    place: dict[str, tuple[str, str]] = {}
    for paper, _, key, rows in order:
        for r in rows.itertuples():
            for f in figure_list(r.figures):
                rows_of.setdefault(f, []).append((paper, r.claim_id))
                place.setdefault(f, (paper, key))
    return rows_of, place


def _header(env: dict) -> list[str]:
    seeds = env.get("seeds") or {}
    seed_items = " &middot; ".join(f"<b>{_e(p)}</b> {_e(seeds_in_words(v))}" for p, v in seeds.items()) or "n/a"
    return [
        "<h1>Reproduction report</h1>",
        f'<p class="meta">Scale <b>{_e(env["scale"])}</b> &middot; git commit <code>{_e(env["git_commit"])}</code> '
        f"&middot; device(s): {_e(', '.join(env['devices']) or 'n/a')}</p>",
        f'<p class="meta">Seeds per paper: {seed_items}</p>',
        *([f'<p class="warning"><b>Warning</b>: {_e(env["dirty"])}.</p>'] if env.get("dirty") else []),
        f'<p class="meta">Paths in the ledger (<code>claims.csv</code>: figures, evidence) are relative to this '
        f"scale's output folder <code>{_e(env['root'])}</code>.</p>",
    ]


def _contents(order) -> list[str]:
    out = ['<nav id="contents">', "<h2>Contents</h2>", "<ol>", '<li><a href="#verdicts">Verdicts at a glance</a></li>']
    papers: dict[str, list] = {}
    for paper, title, key, rows in order:
        papers.setdefault(paper, []).append((title, key, len(rows)))
    for paper, sections in papers.items():
        links = " &middot; ".join(
            f'<a href="#{_id("sec", paper, key)}">{_e(_short(title))}</a> ({n})' for title, key, n in sections
        )
        out.append(
            f'<li><a href="#{_id(paper)}"><b>{_e(paper)}</b>: {_e(PAPER_TITLES.get(paper, paper))}</a><br>'
            f'<span class="sections">{links}</span></li>'
        )
    return out + ["</ol>", "</nav>"]


def _counts_table(claims: pd.DataFrame) -> list[str]:
    c = counts(claims)
    keys = {title: _section_key(kinds) for title, kinds in SECTIONS}
    labels = [v.replace("_", " ") for v in COUNTED]
    out = [
        '<table id="summary">',
        '<thead><tr><th class="sec">claims</th><th>paper</th>'
        + "".join(f'<th class="n">{v}</th>' for v in labels)
        + "</tr></thead>",
        "<tbody>",
    ]
    for (section, paper), r in c.iterrows():
        cells = "".join(
            f'<td class="num {v}" data-label="{label}">{int(r[v])}</td>' for v, label in zip(COUNTED, labels)
        )
        out.append(
            f'<tr><td class="sec"><a href="#{_id("sec", paper, keys[section])}">{_e(_short(section))}</a></td>'
            f'<td class="paper"><a href="#{_id(paper)}">{_e(paper)}</a></td>{cells}</tr>'
        )
    return out + ["</tbody>", "</table>"]


def _cut(text: str, limit: int) -> tuple[str, str | None]:
    """Text as a table cell shows it (escaped), and the full text when that is cut (longer than ``limit``): the cut
    keeps whole words, ends in an ellipsis and carries the full text as a tooltip."""
    if len(text) <= limit:
        return _e(text), None
    head = text[:limit]
    cut = head.rsplit(" ", 1)[0] if " " in head else head
    return f'<span title="{_e(text)}">{_e(cut)} …</span>', text


def _more(r, full: dict, fig_ids: dict) -> str:
    """The row's metric, evidence and figures, and the full value and reason where the table cuts them: an
    expandable block."""
    items = [("Metric", _e(r.metric or "n/a"))]
    items += [(k, _e(v)) for k, v in full.items() if v is not None]
    items.append(("Evidence", _e(r.evidence or "n/a")))
    figs = figure_list(r.figures)
    if figs:
        items.append(
            ("Figures", ", ".join(f'<a href="#{fig_ids[f]}">{_e(figure_title(f))}</a>' for f in figs if f in fig_ids))
        )
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items)
    what = ", ".join(["metric", *(k.lower() for k, v in full.items() if v is not None), "evidence"])
    what = what.replace(", evidence", " and evidence") if not figs else what + " and figures"
    return f'<details><summary>{what}</summary><dl class="more">{body}</dl></details>'


def _rows_table(paper: str, rows: pd.DataFrame, fig_ids: dict) -> list[str]:
    seeds = judged_over_seeds(rows)
    head = [
        ("id", "claim"),
        ("stmt", "statement"),
        ("val", "value"),
        *([("n", "seeds"), ("ci", "95% interval")] if seeds else []),
        ("crit", "criterion"),
        ("verdict", "verdict"),
    ]
    out = [
        f'<table class="claims{" seeds" if seeds else ""}">',
        "<thead><tr>" + "".join(f'<th class="{k}">{h}</th>' for k, h in head) + "</tr></thead>",
    ]
    for r in rows.itertuples():
        value, full_value = _cut(fmt_number(r.value), LONG_VALUE)
        reason, full_reason = _cut(r.reason, LONG_REASON)
        seed_cells = (
            f'<td class="num" data-label="seeds">{_e(fmt_number(r.n_seeds))}</td>'
            f'<td class="num" data-label="95% interval">{_e(interval(r))}</td>'
            if seeds
            else ""
        )
        why = f'<div class="reason">{reason}</div>' if r.reason else ""
        out += [
            f'<tbody class="claim" id="{_id(paper, r.claim_id)}">',
            f'<tr class="row"><td class="id">{_e(r.claim_id)}</td><td data-label="statement">{_e(r.claim)}</td>'
            f'<td class="num" data-label="value">{value}</td>{seed_cells}'
            f'<td data-label="criterion">{_e(r.criterion)}</td>'
            f'<td class="verdict {_e(r.verdict)}" data-label="verdict">{_e(r.verdict.replace("_", " "))}{why}</td></tr>',
            f'<tr class="more"><td colspan="{len(head)}">{_more(r, {"Value": full_value, "Reason": full_reason}, fig_ids)}</td></tr>',
            "</tbody>",
        ]
    return out + ["</table>"]


def _figure(f: str, rows: list[tuple[str, str]], paper: str, fig_id: str, figure_href) -> str:
    href = _e(figure_href(f))
    title = figure_title(f)
    links = ", ".join(
        f'<a href="#{_id(p, cid)}">{_e(cid if p == paper else f"{p} {cid}")}</a>' for p, cid in dict.fromkeys(rows)
    )
    return (
        f'<figure id="{fig_id}"><a class="full" href="{href}" title="open {_e(Path(f).name)} at full size">'
        f'<img src="{href}" alt="{_e(title)}"></a>'
        f"<figcaption><b>{_e(title)}</b> &mdash; row{'s' if len(set(rows)) > 1 else ''} {links}. "
        f'<a href="{href}">Full size</a> (<code>{_e(Path(f).name)}</code>)</figcaption></figure>'
    )


def to_html(claims: pd.DataFrame, env: dict, figure_href) -> str:
    """The page; ``figure_href`` maps a ledger figure path (``figures/...``, relative to the output root) to its
    link from the page (``report.figure_href``)."""
    order = _page_order(claims)
    rows_of, place = _figure_places(order)
    fig_ids = {f: _id("fig", *place[f][:1], Path(f).stem) for f in rows_of}
    body = [
        *_header(env),
        *_contents(order),
        '<h2 id="verdicts">Verdicts at a glance</h2>',
        *_counts_table(claims),
        "<p>A verdict about data is a statistic over seeds: the effect per seed, its mean with a 95% t-interval, "
        "judged by a criterion fixed in config before the run; seeds that disagree give <i>inconclusive</i>. "
        "Theorem checks (float64 closed forms) are counted apart. Settings the papers do not give are ours "
        "(<code># ours:</code> in config.yaml). Under each claim, <i>metric and evidence</i> opens what was measured "
        "and where it comes from; a figure opens at full size on click.</p>",
    ]
    current = None
    for paper, title, key, rows in order:
        if paper != current:
            current = paper
            body.append(
                f'<h2 id="{_id(paper)}">{_e(paper)}: {_e(PAPER_TITLES.get(paper, paper))} '
                '<a class="up" href="#contents">&uarr; contents</a></h2>'
            )
        body += [f'<h3 id="{_id("sec", paper, key)}">{_e(title)}</h3>', *_rows_table(paper, rows, fig_ids)]
        body += [_figure(f, rows_of[f], paper, fig_ids[f], figure_href) for f in rows_of if place[f] == (paper, key)]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            "<title>muon-repro: reproduction report</title>",
            f"<style>{CSS}</style></head>",
            "<body><main>",
            *body,
            "</main></body></html>",
            "",
        ]
    )
