"""The reproduction report as one standalone page, ``report/index.html`` under the scale's output root: what
a reader opens in a browser. The verdict summary comes first (counts per paper; empirical claims, theorem checks and the
rest apart), then one section per paper with each claim's value, seeds, interval, criterion and
verdict, and the figures that show its rows, inline. Plain HTML and inline CSS in normal document flow
(nothing positioned, images scaled to the page width), so nothing overlaps at any window size.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from muonrepro.ledger.report import COUNTED, PAPER_TITLES, SECTIONS, counts, fmt_number, interval, judged_over_seeds
from muonrepro.ledger.rows import figure_list

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1b1b1b; background: #fff; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 1.6em; margin: 0.4em 0 0.2em; }
h2 { font-size: 1.3em; margin: 1.6em 0 0.4em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.4em; }
p.meta { color: #555; margin: 0.2em 0 1em; }
table { border-collapse: collapse; width: 100%; margin: 0.4em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 4px 6px; vertical-align: top; text-align: left; overflow-wrap: anywhere; }
th { background: #f3f3f3; }
td.num { white-space: nowrap; font-variant-numeric: tabular-nums; }
.verdict { font-weight: 600; white-space: nowrap; }
.supported { color: #1a7f37; } .not_supported { color: #b3261e; }
.inconclusive { color: #8a6d00; } .not_run { color: #666; }
p.warning { background: #fff4d6; border: 1px solid #e0b84c; padding: 6px 8px; }
.reason { font-weight: normal; white-space: normal; color: #333; font-size: 0.9em; margin-top: 0.2em; }
figure { margin: 0.8em 0 1.6em; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.85em; margin-top: 0.3em; }
"""


def _e(x) -> str:
    return html.escape(str(x))


def _counts_table(claims: pd.DataFrame) -> list[str]:
    c = counts(claims)
    out = [
        '<table id="summary">',
        "<tr><th>claims</th><th>paper</th>" + "".join(f"<th>{v.replace('_', ' ')}</th>" for v in COUNTED) + "</tr>",
    ]
    for (section, paper), r in c.iterrows():
        cells = "".join(f'<td class="num {v}">{int(r[v])}</td>' for v in COUNTED)
        out.append(f"<tr><td>{_e(section)}</td><td>{_e(paper)}</td>{cells}</tr>")
    return out + ["</table>"]


def _rows_table(rows: pd.DataFrame, seeds: bool) -> list[str]:
    head = ["claim", "statement", "value", *(["seeds", "95% interval"] if seeds else []), "criterion", "verdict"]
    out = ['<table class="claims">', "<tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for r in rows.itertuples():
        seed_cells = (
            f'<td class="num">{_e(fmt_number(r.n_seeds))}</td><td class="num">{_e(interval(r))}</td>' if seeds else ""
        )
        why = f'<div class="reason">{_e(r.reason)}</div>' if r.reason else ""
        out.append(
            f'<tr id="{_e(r.paper)}-{_e(r.claim_id)}"><td>{_e(r.claim_id)}</td><td>{_e(r.claim)}</td>'
            f'<td class="num">{_e(fmt_number(r.value))}</td>{seed_cells}<td>{_e(r.criterion)}</td>'
            f'<td class="verdict {_e(r.verdict)}">{_e(r.verdict.replace("_", " "))}{why}</td></tr>'
        )
    return out + ["</table>"]


def _figures(rows: pd.DataFrame, figure_href) -> list[str]:
    seen: dict[str, list[str]] = {}
    for r in rows.itertuples():
        for f in figure_list(r.figures):
            seen.setdefault(f, []).append(r.claim_id)
    out = []
    for f, ids in seen.items():
        out.append(
            f'<figure><img src="{_e(figure_href(f))}" alt="{_e(Path(f).name)}">'
            f"<figcaption>{_e(Path(f).name)}: rows {_e(', '.join(ids))}</figcaption></figure>"
        )
    return out


def to_html(claims: pd.DataFrame, env: dict, figure_href) -> str:
    """The page; ``figure_href`` maps a ledger figure path (``figures/...``, relative to the output root) to its
    link from the page (``report.figure_href``)."""
    body = [
        "<h1>Reproduction report</h1>",
        f'<p class="meta">Scale <b>{_e(env["scale"])}</b> &middot; git commit <code>{_e(env["git_commit"])}</code> '
        f"&middot; device(s) {_e(', '.join(env['devices']) or 'n/a')} &middot; seeds {_e(env['seeds'])}</p>",
        *([f'<p class="warning"><b>Warning</b>: {_e(env["dirty"])}.</p>'] if env.get("dirty") else []),
        f'<p class="meta">Paths in the ledger (<code>claims.csv</code>: figures, evidence) are relative to this '
        f"scale's output folder <code>{_e(env['root'])}</code>.</p>",
        "<p>A verdict about data is a statistic over seeds: the effect per seed, its mean with a 95% t-interval, "
        "judged by a criterion fixed in config before the run; seeds that disagree give <i>inconclusive</i>. "
        "Theorem checks (float64 closed forms) are counted apart. Settings the papers do not give are ours "
        "(<code># ours:</code> in config.yaml).</p>",
        "<h2>Verdicts at a glance</h2>",
        *_counts_table(claims),
    ]
    for paper, g in claims.groupby("paper", sort=False):
        body.append(f'<h2 id="{_e(paper)}">{_e(paper)}: {_e(PAPER_TITLES.get(paper, paper))}</h2>')
        for title, kinds in SECTIONS:
            rows = g[g["kind"].isin(kinds)]
            if rows.empty:
                continue
            body += [f"<h3>{_e(title)}</h3>", *_rows_table(rows, judged_over_seeds(rows)), *_figures(rows, figure_href)]
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
