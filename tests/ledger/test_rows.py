"""Claims ledger: verdict vocabulary, required reasons, merging."""

import pytest

from muonrepro.ledger import COLUMNS, Claim, merge_claims, read_claims, write_claims


def _c(cid="C1", verdict="supported", paper="energy", evidence="x"):
    return Claim(
        paper=paper,
        claim_id=cid,
        claim="t",
        metric="m",
        value=1.0,
        criterion="c",
        verdict=verdict,
        scale="small",
        evidence=evidence,
    )


def test_verdict_vocabulary_and_not_run_reason():
    with pytest.raises(ValueError, match="verdict"):
        _c(verdict="passed")
    with pytest.raises(ValueError, match="why"):
        _c(verdict="not_run", evidence="")
    assert Claim.verdict_of(True) == "supported" and Claim.verdict_of(False) == "not_supported"


def test_write_read_merge(tmp_path):
    write_claims([_c("C1"), _c("C2", "not_supported")], tmp_path / "a.csv")
    write_claims([_c("A1", paper="precond")], tmp_path / "b.csv")
    df = merge_claims([tmp_path / "a.csv", tmp_path / "b.csv"], tmp_path / "all.csv")
    assert list(df.columns) == COLUMNS and len(df) == 3
    assert read_claims(tmp_path / "all.csv")["verdict"].tolist() == ["supported", "not_supported", "supported"]
    with pytest.raises(ValueError, match="duplicate"):
        write_claims([_c("C1"), _c("C1")], tmp_path / "dup.csv")
    with pytest.raises(ValueError, match="duplicate"):
        merge_claims([tmp_path / "a.csv", tmp_path / "a.csv"], tmp_path / "x.csv")


def test_with_figures_prefixes_evidence():
    from muonrepro.ledger import with_figures

    rows = with_figures([_c("C1"), _c("C2")], {"C1": ["a", "b"]}, "energy")
    assert rows[0].evidence == "results/figures/energy/a.png; results/figures/energy/b.png; x"
    assert rows[1].evidence == "x"
