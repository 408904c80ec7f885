"""Report summary: evidence check naming the claim, Markdown and reStructuredText that parse cleanly."""

import re

import docutils.core
import docutils.utils
import pandas as pd
import pytest

from muonrepro.ledger.html import to_html
from muonrepro.ledger.report import (
    MissingEvidenceError,
    check_evidence,
    counts,
    figure_href,
    seeds_in_words,
    to_markdown,
    to_rst,
)

ENV = {
    "scale": "small",
    "root": "results/small/",
    "seeds": {"energy": [0]},
    "devices": ["cpu"],
    "git_commit": "abc",
    "versions": {"torch": "2"},
}
MD_HREF = figure_href("results/small/", "results/small/REPRODUCTION.md")
HTML_HREF = figure_href("results/small/", "results/small/report/index.html")


def _claims(figures="figures/energy/gini.png", verdict="not_supported"):
    return pd.DataFrame(
        [
            dict(
                paper="energy",
                claim_id="C6a",
                kind="empirical",
                claim="Muon has the smallest Gini of {E_ij} *every* `matrix`",
                metric="m",
                value="0.01969937535184165",
                n_seeds=3,
                ci_low=-0.0123456,
                ci_high=0.0456789,
                criterion="effect > 0 where |x| is the mean",
                verdict=verdict,
                reason="" if verdict == "supported" else "the interval [-0.0123, 0.0457] contains 0",
                scale="small",
                figures=figures,
                evidence="energy/gini.csv",
            ),
            dict(
                paper="energy",
                claim_id="C3",
                kind="theorem",
                claim="identity rho_ij",
                metric="m",
                value="20/20",
                n_seeds="",
                ci_low="",
                ci_high="",
                criterion="all",
                verdict="supported",
                reason="",
                scale="small",
                figures="",
                evidence="energy/theory_checks.csv",
            ),
        ]
    )


def test_missing_figure_names_the_claim(tmp_path):
    with pytest.raises(MissingEvidenceError, match="energy/C6a: figures/energy/gini.png"):
        check_evidence(_claims(), root=tmp_path)
    (tmp_path / "figures/energy").mkdir(parents=True)
    (tmp_path / "figures/energy/gini.png").write_bytes(b"png")
    check_evidence(_claims(), root=tmp_path)
    two = "figures/energy/gini.png; figures/energy/absent.png"
    with pytest.raises(MissingEvidenceError, match="energy/C6a: figures/energy/absent.png"):
        check_evidence(_claims(two), root=tmp_path)
    check_evidence(_claims(two, verdict="not_run"), root=tmp_path)  # not_run: no figure needed


def test_figures_come_from_the_figures_column_only(tmp_path):
    c = _claims(figures="")
    c.loc[0, "evidence"] = "figures/energy/absent.png"  # a path in evidence is not a figure link
    check_evidence(c, root=tmp_path)
    assert "absent.png" not in to_markdown(c, ENV, MD_HREF)


def test_figure_links_resolve_from_the_page(tmp_path):
    """A page links a figure (a path relative to the output root) relative to where the page is written."""
    root = tmp_path / "results" / "paper"
    (root / "figures" / "energy").mkdir(parents=True)
    (root / "figures" / "energy" / "gini.png").write_bytes(b"png")
    for page in (root / "REPRODUCTION.md", root / "report" / "index.html", tmp_path / "elsewhere" / "x.md"):
        href = figure_href(root, page)("figures/energy/gini.png")
        assert not href.startswith("/") and (page.parent / href).resolve() == (root / "figures/energy/gini.png")
    assert MD_HREF("figures/energy/gini.png") == "figures/energy/gini.png"
    assert HTML_HREF("figures/energy/gini.png") == "../figures/energy/gini.png"


def test_pages_say_what_the_ledger_paths_are_relative_to():
    assert "relative to this scale's output folder `results/small/`" in to_markdown(_claims(), ENV, MD_HREF)
    assert "<code>results/small/</code>" in to_html(_claims(), ENV, HTML_HREF)


def test_counts_and_markdown_keep_theorems_apart():
    c = _claims()
    n = counts(c)
    assert n.loc[("Empirical claims", "energy")].tolist() == [0, 1, 0, 0]
    assert n.loc[("Theorem checks (closed forms and identities in float64)", "energy")].tolist() == [1, 0, 0, 0]
    md = to_markdown(c, ENV, MD_HREF)
    emp, theo = md.index("### Empirical claims"), md.index("### Theorem checks")
    assert emp < md.index("| C6a |") < theo < md.index("| C3 |")
    assert "[gini.png](figures/energy/gini.png)" in md and "**not_supported**" in md
    # readable numbers, the interval, |x| kept (escaped for the table), nothing cut
    assert "| 0.0197 | 3 | [-0.0123, 0.0457] |" in md
    assert "where \\|x\\| is the mean" in md and "…" not in md
    # a row that is not supported shows why, beside its verdict
    assert "| **not_supported** | the interval [-0.0123, 0.0457] contains 0 |" in md


def test_rst_parses_without_warnings():
    rst = to_rst(_claims(), ENV, "results/small/report/index.html", "results/small/REPRODUCTION.md")
    settings = {
        "report_level": docutils.utils.Reporter.WARNING_LEVEL,
        "halt_level": docutils.utils.Reporter.WARNING_LEVEL,
    }
    html = docutils.core.publish_parts(rst, writer_name="html", settings_overrides=settings)["html_body"]
    assert "Verdicts at a glance" in html and "<table" in html and "index.html" in html
    assert "C6a" not in html  # the report's first page holds the counts; the ledger is the index.html item
    assert "results/small/report/index.html" in html and "results/small/REPRODUCTION.md" in html


def test_html_page_summary_first_and_figures_inline():
    from html.parser import HTMLParser

    page = to_html(_claims(), ENV, HTML_HREF)
    assert page.index('id="summary"') < page.index('id="energy-C6a"') < page.index('id="energy-C3"')
    assert '<img src="../figures/energy/gini.png"' in page and "[-0.0123, 0.0457]" in page
    assert "|x|" in page and "…" not in page
    assert 'not supported<div class="reason">the interval [-0.0123, 0.0457] contains 0</div>' in page

    class Check(HTMLParser):
        def __init__(self):
            super().__init__()
            self.stack = []

        def handle_starttag(self, tag, attrs):
            if tag not in ("meta", "img", "br"):
                self.stack.append(tag)

        def handle_endtag(self, tag):
            assert self.stack.pop() == tag

    c = Check()
    c.feed(page)
    assert c.stack == []  # well nested


def test_a_dirty_tree_is_a_warning_on_every_page():
    env = {**ENV, "dirty": "1 of 3 results came from a tree with uncommitted changes to tracked files"}
    assert "**Warning**: 1 of 3 results" in to_markdown(_claims(), env, MD_HREF)
    assert '<p class="warning"><b>Warning</b>: 1 of 3 results' in to_html(_claims(), env, HTML_HREF)
    assert "**Warning**: 1 of 3 results" in to_rst(_claims(), env, "index.html", "REPRODUCTION.md")
    assert "Warning" not in to_markdown(_claims(), ENV, MD_HREF)  # a clean run says nothing


def test_seeds_in_words_not_a_python_dict():
    assert seeds_in_words([0, 1, 2]) == "3 seeds (0-2)"
    assert seeds_in_words([0, 4]) == "2 seeds (0, 4)" and seeds_in_words("n/a") == "none configured"
    both = seeds_in_words({"linear_ce": [0, 1, 2], "cmnist": [0, 1, 2]})
    assert both == "3 seeds (0-2) in each of: linear model (cross-entropy), Colored-MNIST"
    assert seeds_in_words({"linear_ce": [0], "gpu": [0, 1, 2]}) == (
        "linear model (cross-entropy) 1 seed (0), GPU-scale experiments 3 seeds (0-2)"
    )
    env = {**ENV, "seeds": {"energy": [0, 1, 2], "imbalanced": {"linear_ce": [0, 1, 2], "cmnist": [0, 1, 2]}}}
    assert (
        '<p class="meta">Seeds per paper: <b>energy</b> 3 seeds (0-2) &middot; <b>imbalanced</b> 3 seeds (0-2) in '
        "each of: linear model (cross-entropy), Colored-MNIST</p>"
    ) in to_html(_claims(), env, HTML_HREF)
    assert "- seeds: energy: 3 seeds (0-2); imbalanced: 3 seeds (0-2) in each of" in to_markdown(
        _claims(), env, MD_HREF
    )


def test_html_page_navigation_figures_once_and_row_details():
    c = pd.concat([_claims(), _claims()], ignore_index=True)
    c.loc[2:, "claim_id"] = ["C6a-sensitivity", "C4"]
    c.loc[3, "figures"] = "figures/energy/gini.png; figures/energy/my_new_plot.png"
    c.loc[3, "value"] = "mf_aligned (epsilon=1e-06): measured 49-57 vs predicted 66-67, max excess -9; icl: more text"
    page = to_html(c, ENV, HTML_HREF)
    # a table of contents whose links all land: papers, sections, the summary
    targets = set(re.findall(r'href="#([^"]+)"', page))
    assert {"verdicts", "energy", "sec-energy-empirical", "sec-energy-theorem"} <= targets
    assert targets <= set(re.findall(r'id="([^"]+)"', page)), targets - set(re.findall(r'id="([^"]+)"', page))
    # each figure once, in the section of its first row (C6a: empirical), opening at full size, captioned in words
    assert page.count('<img src="../figures/energy/gini.png"') == 1
    assert '<a class="full" href="../figures/energy/gini.png"' in page
    gini = page.index('<img src="../figures/energy/gini.png"')
    assert page.index('id="energy-C6a-sensitivity"') < gini < page.index('id="sec-energy-theorem"')
    assert re.search(
        r"<b>Gini of per-mode [^<]*</b> &mdash; rows <a href=\"#energy-C6a\">C6a</a>, "
        r'<a href="#energy-C6a-sensitivity">C6a-sensitivity</a>',
        page,
    )
    assert '<b>My new plot</b> &mdash; row <a href="#energy-C4">C4</a>' in page  # no title: the file name
    assert "gini.png: rows" not in page
    # each row's metric and evidence in an expandable block under it; a long value cut in the table, whole below
    assert page.count("<details>") == len(c) and "<dt>Metric</dt><dd>m</dd>" in page
    assert "<dt>Evidence</dt><dd>energy/gini.csv</dd>" in page
    assert "<dt>Value</dt><dd>mf_aligned (epsilon=1e-06): measured 49-57 vs predicted 66-67, max excess -9" in page
    assert 'title="mf_aligned (epsilon=1e-06): measured 49-57 vs predicted' in page


def test_seed_lists_are_each_papers_seeds_at_the_scale():
    from muonrepro.ledger.pages import seed_lists

    S = {
        "energy": {"seeds": [0, 1]},
        "precond": {"seeds": [0]},
        "imbalanced": {"linear_ce": {"seeds": [0, 1, 2]}, "cmnist": {"seeds": [3]}},
        "imbalanced_gpu": {},
    }
    got = seed_lists({"scales": {"small": S}}, "small", ["energy", "imbalanced"])
    assert got == {"energy": [0, 1], "imbalanced": {"linear_ce": [0, 1, 2], "cmnist": [3], "gpu": "n/a"}}
