"""Report summary: evidence check naming the claim, Markdown and reStructuredText that parse cleanly."""

import docutils.core
import docutils.utils
import pandas as pd
import pytest

from muonrepro.ledger.report import MissingEvidenceError, check_evidence, counts, to_markdown, to_rst

ENV = {"scale": "small", "seeds": {"energy": [0]}, "devices": ["cpu"], "git_commit": "abc", "versions": {"torch": "2"}}


def _claims(figures="results/figures/energy/gini.png", verdict="not_supported"):
    return pd.DataFrame(
        [
            dict(
                paper="energy",
                claim_id="C6a",
                kind="empirical",
                claim="Muon has the smallest Gini of {E_ij} *every* `matrix`",
                metric="m",
                value="0/6",
                criterion="k = n",
                verdict=verdict,
                scale="small",
                figures=figures,
                evidence="results/energy/gini.csv",
            ),
            dict(
                paper="energy",
                claim_id="C3",
                kind="theorem",
                claim="identity rho_ij",
                metric="m",
                value="20/20",
                criterion="all",
                verdict="supported",
                scale="small",
                figures="",
                evidence="results/energy/theory_checks.csv",
            ),
        ]
    )


def test_missing_figure_names_the_claim(tmp_path):
    with pytest.raises(MissingEvidenceError, match="energy/C6a: results/figures/energy/gini.png"):
        check_evidence(_claims(), root=tmp_path)
    (tmp_path / "results/figures/energy").mkdir(parents=True)
    (tmp_path / "results/figures/energy/gini.png").write_bytes(b"png")
    check_evidence(_claims(), root=tmp_path)
    two = "results/figures/energy/gini.png; results/figures/energy/absent.png"
    with pytest.raises(MissingEvidenceError, match="energy/C6a: results/figures/energy/absent.png"):
        check_evidence(_claims(two), root=tmp_path)
    check_evidence(_claims(two, verdict="not_run"), root=tmp_path)  # not_run: no figure needed


def test_figures_come_from_the_figures_column_only(tmp_path):
    c = _claims(figures="")
    c.loc[0, "evidence"] = "results/figures/energy/absent.png"  # a path in evidence is not a figure link
    check_evidence(c, root=tmp_path)
    assert "absent.png" not in to_markdown(c, ENV)


def test_counts_and_markdown():
    c = _claims()
    assert counts(c).loc["energy"].tolist() == [1, 1, 0]
    md = to_markdown(c, ENV)
    assert "| energy | 1 | 1 | 0 |" in md and "[gini.png](figures/energy/gini.png)" in md and "**not_supported**" in md
    assert "| C6a | empirical |" in md and "| C3 | theorem |" in md


def test_rst_parses_without_warnings():
    rst = to_rst(_claims(), ENV)
    settings = {
        "report_level": docutils.utils.Reporter.WARNING_LEVEL,
        "halt_level": docutils.utils.Reporter.WARNING_LEVEL,
    }
    html = docutils.core.publish_parts(rst, writer_name="html", settings_overrides=settings)["html_body"]
    assert "C6a" in html and "not_supported" in html and "<table" in html and "gini.png" in html
