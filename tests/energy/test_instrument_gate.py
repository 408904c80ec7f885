"""The ledger row of the K-FAC instrument check and its gate: a failed check turns C6a, C6c and their sensitivity
rows inconclusive (their own verdict kept in the evidence); a passed check leaves every row alone."""

import pandas as pd
import pytest

from muonrepro.energy.claims import GATED, instrument_claim, instrument_gate
from muonrepro.ledger import ClaimSpec

OPTS = ("adamw", "muon", "sgd")


def _table(ratio: dict) -> pd.DataFrame:
    rows = []
    for opt in OPTS:
        for seed in (0, 1, 2):
            for snap in (0, 12, 23):
                r = ratio[opt]
                rows.append(
                    dict(
                        arch="mlp1",
                        optimizer=opt,
                        seed=seed,
                        matrix="W1",
                        snapshot=snap,
                        n_probe=128,
                        exact_decrement=2.0,
                        kfac_decrement=2.0 * r,
                        ratio=r,
                        kfac_exact_ggn_decrement=2.0,
                        kfac_literal_decrement=2.0,
                        ekfac_decrement=2.0,
                        s_ratio_log10_median=0.1,
                    )
                )
    return pd.DataFrame(rows)


ENERGY = pd.DataFrame(
    [
        dict(arch="mlp1", optimizer=o, seed=s, per_mode_sum=100.0 * (s + 1), direct_preact=1.0)
        for o in OPTS
        for s in (0, 1, 2)
    ]
)


def _rows():
    def spec(cid, kind="empirical"):
        return ClaimSpec("energy", cid, kind, f"claim {cid}", "metric", "criterion", "small", figures=("gini",))

    return [
        spec("C6a").judged(0.1, True, "ev a"),
        spec("C6b").judged(0.2, False, "ev b", reason="b fails"),
        spec("C6c").judged(-0.3, False, "ev c", reason="c fails"),
        spec("C5-runs").judged(0.4, True, "ev d"),
        spec("C6a-sensitivity", "extension").judged(0, True, "ev e"),
        spec("C6c-sensitivity", "extension").judged(2, False, "ev f", reason="two readings flip it"),
        spec("C6b-sensitivity", "extension").judged(0, True, "ev g"),
    ]


def test_instrument_row_passes_within_the_factor():
    row = instrument_claim(_table({"adamw": 1.2, "muon": 0.4, "sgd": 2.0}), ENERGY, "small", 3.0)
    assert row.kind == "instrument" and row.claim_id == "instrument-kfac"
    assert row.verdict == "supported" and row.reason == ""
    assert row.value == pytest.approx(0.4)  # the geometric mean farthest from 1 (|log 0.4| > |log 2|)
    assert "muon: 0.4 over 9 cells" in row.evidence and "100-300" in row.evidence  # per-mode sum / direct range


def test_instrument_row_fails_outside_the_factor():
    row = instrument_claim(_table({"adamw": 1.0, "muon": 3.1, "sgd": 1.0}), ENERGY, "small", 3.0)
    assert row.verdict == "not_supported"
    assert "muon (x3.1)" in row.reason and "adamw" not in row.reason
    assert row.value == pytest.approx(3.1)


def test_gate_leaves_rows_alone_when_the_check_passes():
    inst = instrument_claim(_table({o: 1.0 for o in OPTS}), ENERGY, "small", 3.0)
    rows = _rows()
    assert instrument_gate(rows, inst) == rows


def test_gate_turns_the_estimator_rows_inconclusive_when_the_check_fails():
    inst = instrument_claim(_table({"adamw": 100.0, "muon": 1e4, "sgd": 100.0}), ENERGY, "small", 3.0)
    rows = _rows()
    out = {r.claim_id: r for r in instrument_gate(rows, inst)}
    before = {r.claim_id: r for r in rows}
    for cid in GATED:
        r = out[cid]
        assert r.verdict == "inconclusive"
        assert r.reason.startswith("instrument check failed: ")
        assert f"own verdict without it: {before[cid].verdict}" in r.evidence and before[cid].evidence in r.evidence
        assert (r.n_seeds, r.ci_low, r.ci_high) == (before[cid].n_seeds, before[cid].ci_low, before[cid].ci_high)
        assert (r.value, r.claim, r.criterion, r.figures, r.kind) == (
            before[cid].value,
            before[cid].claim,
            before[cid].criterion,
            before[cid].figures,
            before[cid].kind,
        )
    for cid in ("C6b", "C5-runs", "C6b-sensitivity"):
        assert out[cid] == before[cid]
    assert list(out) == [r.claim_id for r in rows]  # order kept


def test_gate_keeps_not_run_rows():
    inst = instrument_claim(_table({"adamw": 100.0, "muon": 1.0, "sgd": 1.0}), ENERGY, "small", 3.0)
    nr = ClaimSpec("energy", "C6a", "empirical", "c", "m", "k", "small").not_run("no runs")
    assert instrument_gate([nr], inst) == [nr]


def test_instrument_row_with_no_run_checked_is_inconclusive():
    from muonrepro.energy.claims import instrument_claim

    empty = pd.DataFrame(columns=["arch", "optimizer", "seed", "matrix", "snapshot", "step", "ratio", "n_probe"])
    row = instrument_claim(empty, pd.DataFrame(columns=["optimizer", "per_mode_sum", "direct_preact"]), "small", 3.0)
    assert row.verdict == "inconclusive" and row.reason.startswith("every energy run diverged")
