"""Claims ledger rows: the row builder (kind, verdict, reasons, NaN), the figures column, the CSV
round trip and merging."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from muonrepro.ledger import COLUMNS, Claim, ClaimSpec, figure_list, merge_claims, read_claims, write_claims
from muonrepro.ledger.rows import merge_job
from muonrepro.stats.verdict import summarize


def _spec(cid="C1", kind="theorem", paper="energy", figures=()):
    return ClaimSpec(paper, cid, kind, "t", "m", "c", "small", figures=figures)


def _c(cid="C1", ok=True, paper="energy", evidence="x", figures=()):
    return _spec(cid, paper=paper, figures=figures).judged(1.0, ok, evidence)


def test_columns_in_ledger_order():
    assert COLUMNS == [
        "paper",
        "claim_id",
        "kind",
        "claim",
        "metric",
        "value",
        "n_seeds",
        "ci_low",
        "ci_high",
        "criterion",
        "verdict",
        "reason",
        "scale",
        "figures",
        "evidence",
    ]


def test_judged_and_not_run():
    s = _spec("A1", kind="empirical", paper="precond", figures=("R1_a", "R2_b"))
    ok, bad = s.judged(0.5, True, "e"), s.judged("1/2", np.bool_(False), "e")
    assert (ok.verdict, bad.verdict) == ("supported", "not_supported")
    assert ok.kind == "empirical" and ok.paper == "precond" and ok.claim_id == "A1" and ok.value == 0.5
    # relative to the scale's output root, so the ledger reads the same at every scale
    assert ok.figures == "figures/precond/R1_a.png; figures/precond/R2_b.png"
    nr = s.not_run("no inputs")
    assert nr.verdict == "not_run" and math.isnan(nr.value) and nr.evidence == "no inputs"
    assert nr.figures == ok.figures  # the spec's figures, whatever the verdict
    # every row that is not supported says why in one sentence; a supported row does not
    assert ok.reason == "" and nr.reason == "no inputs"
    assert bad.reason.startswith("the measured value 1/2 fails the criterion")
    assert s.judged(0.1, False, "e", reason="stalls at kappa 1e4").reason == "stalls at kappa 1e4"
    assert s.judged(0.1, True, "e", reason="ignored when it holds").reason == ""


def test_inconclusive_rows_need_a_reason():
    s = _spec("C6a", kind="empirical")
    row = s.inconclusive(0.3, "instrument check failed: K-FAC off by 40x for muon", "energy/instrument.csv")
    assert row.verdict == "inconclusive" and row.value == 0.3
    assert row.reason.startswith("instrument check failed") and "energy/instrument.csv" in row.evidence
    with pytest.raises(ValueError, match="reason"):
        s.inconclusive(0.3, " ", "e")
    with pytest.raises(ValueError, match="reason"):
        Claim("energy", "C1", "empirical", "t", "m", 1.0, "", "", "", "c", "inconclusive", "", "small", "", "e")
    with pytest.raises(ValueError, match="supported row has no reason"):
        Claim("energy", "C1", "theorem", "t", "m", 1.0, "", "", "", "c", "supported", "why", "small", "", "e")


def test_over_seeds_reason_names_the_statistic_or_the_callers_sentence():
    s = _spec("C6b", kind="empirical")
    mixed = summarize({0: 1.0, 1: -1.0, 2: 0.5})
    row = s.over_seeds(0.17, mixed, "interval", 3, "e")
    assert row.verdict == "inconclusive" and "contains 0" in row.reason and "2/3 seeds" in row.reason
    assert s.over_seeds(0.17, mixed, "interval", 3, "e", reason="why, specifically").reason == "why, specifically"
    few = summarize({0: 1.0, 1: float("nan"), 2: float("nan")})
    row = s.over_seeds(1.0, few, "every_seed", 3, "e")
    assert row.verdict == "inconclusive" and "1 usable seed(s)" in row.reason and "1, 2" in row.reason
    assert s.over_seeds(1.0, summarize({0: 1.0, 1: 2.0, 2: 3.0}), "every_seed", 3, "e").reason == ""


def test_builder_validation():
    with pytest.raises(ValueError, match="kind"):
        _spec(kind="lemma")
    with pytest.raises(ValueError, match="reason"):
        _spec().not_run("")
    with pytest.raises(ValueError, match="reason"):
        _spec().not_run("  ")
    with pytest.raises(ValueError, match="NaN"):
        _spec().judged(float("nan"), True, "e")
    with pytest.raises(ValueError, match="NaN"):
        _spec().judged(np.float64("nan"), False, "e")
    with pytest.raises(TypeError, match="bool"):
        _spec().judged(1.0, 1, "e")
    with pytest.raises(TypeError, match="bool"):
        _spec().judged(1.0, np.array([True, False]), "e")
    with pytest.raises(TypeError, match="tuple"):
        _spec(figures="gini")
    with pytest.raises(ValueError, match="bare name"):
        _spec(figures=("figures/energy/gini.png",))


def test_claim_vocabulary():
    kw = dict(
        paper="p",
        claim_id="X",
        claim="t",
        metric="m",
        value=1.0,
        n_seeds="",
        ci_low="",
        ci_high="",
        criterion="c",
        reason="",
        scale="s",
        figures="",
    )
    with pytest.raises(ValueError, match="verdict"):
        Claim(kind="theorem", verdict="passed", evidence="x", **kw)
    with pytest.raises(ValueError, match="kind"):
        Claim(kind="other", verdict="supported", evidence="x", **kw)
    with pytest.raises(ValueError, match="why"):
        Claim(kind="theorem", verdict="not_run", evidence="", **{**kw, "value": float("nan")})


def test_figures_column_round_trip(tmp_path):
    rows = [_c("C1", figures=("gini", "cumulative_energy")), _c("C2"), _spec("C3").not_run("absent")]
    write_claims(rows, tmp_path / "a.csv")
    back = read_claims(tmp_path / "a.csv")
    assert list(back.columns) == COLUMNS
    assert back["figures"].tolist() == [rows[0].figures, "", rows[2].figures]
    assert figure_list(back["figures"][0]) == [
        "figures/energy/gini.png",
        "figures/energy/cumulative_energy.png",
    ]
    assert figure_list(back["figures"][1]) == []
    assert back["kind"].tolist() == ["theorem"] * 3 and back["evidence"].tolist() == ["x", "x", "absent"]


def test_read_claims_checks_columns_kind_and_verdict(tmp_path):
    write_claims([_c("C1")], tmp_path / "a.csv")
    df = read_claims(tmp_path / "a.csv")
    df.drop(columns="kind").to_csv(tmp_path / "no_kind.csv", index=False)
    with pytest.raises(ValueError, match="columns"):
        read_claims(tmp_path / "no_kind.csv")
    df[list(reversed(COLUMNS))].to_csv(tmp_path / "order.csv", index=False)
    with pytest.raises(ValueError, match="columns"):
        read_claims(tmp_path / "order.csv")
    df.assign(kind="lemma").to_csv(tmp_path / "kind.csv", index=False)
    with pytest.raises(ValueError, match="kind"):
        read_claims(tmp_path / "kind.csv")
    df.assign(verdict="passed").to_csv(tmp_path / "verdict.csv", index=False)
    with pytest.raises(ValueError, match="verdict"):
        read_claims(tmp_path / "verdict.csv")


def test_write_read_merge(tmp_path):
    write_claims([_c("C1"), _c("C2", False)], tmp_path / "a.csv")
    write_claims([_c("A1", paper="precond")], tmp_path / "b.csv")
    df = merge_claims([tmp_path / "a.csv", tmp_path / "b.csv"], tmp_path / "all.csv")
    assert list(df.columns) == COLUMNS and len(df) == 3
    assert read_claims(tmp_path / "all.csv")["verdict"].tolist() == ["supported", "not_supported", "supported"]
    with pytest.raises(ValueError, match="duplicate"):
        write_claims([_c("C1"), _c("C1")], tmp_path / "dup.csv")
    with pytest.raises(ValueError, match="duplicate"):
        merge_claims([tmp_path / "a.csv", tmp_path / "a.csv"], tmp_path / "x.csv")


def test_over_seeds_rows_carry_the_statistic():
    s = _spec("C6a", kind="empirical")
    row = s.over_seeds("+0.0123", summarize({0: 0.01, 1: 0.012, 2: 0.014}), "interval", 3, "gini.csv")
    assert row.verdict == "supported" and row.n_seeds == 3 and 0 < row.ci_low < 0.012 < row.ci_high
    assert row.evidence.startswith(
        "supported: the 95% t-interval of the mean effect over 3 seeds, [0.00703, 0.017], lies above 0; effect per seed s0: 0.01"
    )
    assert row.evidence.endswith("gini.csv")
    mixed = s.over_seeds("x", summarize({0: 0.01, 1: -0.02, 2: 0.03}), "interval", 3, "e")
    assert mixed.verdict == "inconclusive" and "contains 0" in mixed.evidence
    few = s.over_seeds("x", summarize({0: 0.01, 1: float("nan")}), "every_seed", 3, "e")
    assert few.verdict == "inconclusive" and few.n_seeds == 1 and "unusable seeds" in few.evidence
    assert _c().n_seeds == "" and _c().ci_low == ""  # a theorem row has no seeds


def test_judge_effects_summarizes_then_judges_with_the_callers_causes_and_reason():
    s = _spec("C6a", kind="empirical")
    effects = {0: 0.01, 1: 0.012, 2: 0.014}
    row = s.judge_effects(effects, "interval", 0.95, 3, "gini.csv")
    assert row == s.over_seeds(row.value, summarize(effects), "interval", 3, "gini.csv")
    assert row.value == pytest.approx(0.012)
    none = s.judge_effects({0: float("nan"), 1: float("nan")}, "every_seed", 0.95, 3, "e", causes={1: "diverged: sgd"})
    assert none.value == "no usable seed" and none.verdict == "inconclusive" and "diverged: sgd" in none.evidence
    mixed = s.judge_effects({0: -0.01, 1: -0.02, 2: -0.03}, "every_seed", 0.95, 3, "e", reason=lambda m: f"{m.n} seeds")
    assert mixed.verdict == "not_supported" and mixed.reason == "3 seeds"


def test_merge_job(tmp_path):
    """Rule ledger_merge's job: the per-paper ledgers -> one."""
    write_claims([_c("C1")], tmp_path / "a.csv")
    write_claims([_c("A1", paper="precond")], tmp_path / "b.csv")
    merge_job(
        SimpleNamespace(
            input=SimpleNamespace(claims=[tmp_path / "a.csv", tmp_path / "b.csv"]), output=[tmp_path / "all.csv"]
        )
    )
    assert read_claims(tmp_path / "all.csv")["claim_id"].tolist() == ["C1", "A1"]
