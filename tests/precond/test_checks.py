"""Ledger plumbing and the theorem rows: checks compute the right numbers from given tables (no claim
asserted). The empirical criteria (pass and fail on hand-made tables) are in test_criteria.py."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from muonrepro.ledger import VERDICTS
from muonrepro.precond import checks
from muonrepro.precond.checks import Setup
from muonrepro.precond.checks.lookup import OURS
from muonrepro.precond.layout import config_slice, curves_table, split_curves
from muonrepro.precond.table import table_t1

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


@pytest.fixture(scope="module")
def P(config):
    return config["precond"]


@pytest.fixture(scope="module")
def S(config):
    return Setup.from_config(config["precond"], config["scales"]["small"]["precond"], "small", config["stats"])


def _its(problem, method, counts, eps=1e-6, reached=None):
    rows = []
    for seed, per_k in enumerate(counts):
        for k, n in per_k.items():
            rows.append(
                dict(
                    problem=problem,
                    method=method,
                    kappa=k,
                    seed=seed,
                    epsilon=eps,
                    iterations=n,
                    reached=True if reached is None else reached,
                    setting="x",
                    source="run",
                )
            )
    return pd.DataFrame(rows)


def test_curves_table_round_trip(tmp_path):
    """One sweep's curves -> one tidy parquet -> the same curves, each with only the columns it recorded."""
    curves = {
        ("muon_s1", 10, 0): pd.DataFrame(
            {
                "iteration": [0, 1, 2],
                "error": [1.0, 0.5, 1e-17],
                "mode_1": [0.3, 0.2, 0.1],
                "scalar_diff": [0.0, 1e-18, 2e-18],
            }
        ),
        ("gd", 10000, 12): pd.DataFrame({"iteration": np.array([0, 10], dtype=np.int64), "error": [1.0, 0.9]}),
    }
    path = tmp_path / "mf_curves.parquet"
    curves_table("mf_aligned", curves).to_parquet(path, index=False)
    back = split_curves([pd.read_parquet(path)])
    assert set(back) == {("mf_aligned", "muon_s1", 10, 0), ("mf_aligned", "gd", 10000, 12)}
    for (m, k, s), df in curves.items():
        pd.testing.assert_frame_equal(back[("mf_aligned", m, k, s)], df, check_dtype=False)
        assert list(back[("mf_aligned", m, k, s)].columns) == list(df.columns)


def test_config_slice(P):
    sl = config_slice(P, "adam", problems=["mf"])
    assert set(sl) == {"adam", "problems"} and set(sl["problems"]) == {"mf"}


def test_missing_inputs_give_not_run(S):
    empty = {"iterations": _its("mf", "muon_s1", [{1: 50}]), "curves": {}, "info": pd.DataFrame()}
    for fn in (checks.a1, checks.a2, checks.a4, checks.a10, checks.a11, checks.a13, checks.a14, checks.a15):
        row = fn(empty, S)
        assert row.verdict == "not_run" and row.evidence and math.isnan(row.value)


def test_lemma_rows(S):
    tab = {
        "lemma_scalar": pd.DataFrame(
            [
                dict(q=0.5, bound=2.0, sup_ratio=1.9999, expect="bounded"),
                dict(q=0.3, bound=1 / 0.7, sup_ratio=1e9, expect="unbounded"),
            ]
        ),
        "lemma_matrix": pd.DataFrame([dict(q=0.8, bound=5.0, max_ratio=4.5, violations=0, checked=10)]),
    }
    assert checks.a11(tab, S).verdict == "supported"
    assert checks.a10(tab, S).value == pytest.approx(0.9)
    tab["lemma_scalar"].loc[0, "sup_ratio"] = 1.5
    assert checks.a11(tab, S).verdict == "not_supported"
    tab["lemma_matrix"].loc[0, "violations"] = 1
    assert checks.a10(tab, S).verdict == "not_supported"


def test_theorem_rows_stay_judged_and_can_fail(S):
    """A12: measured counts against the per-seed predicted bound; one seed over its bound fails the row."""
    tab = {
        "iterations": pd.concat(
            [
                _its("mf_aligned", "muon_s1", [{10: 50, 100: 52}, {10: 55, 100: 51}]),
                _its("icl", "muon_s1", [{10: 40, 100: 45}, {10: 41, 100: 44}], eps=1e-10),
            ]
        ),
        "info": pd.DataFrame(
            [
                dict(problem=p, kappa=k, seed=s, epsilon=e, muon_bound=60)
                for p, e in (("mf_aligned", 1e-6), ("icl", 1e-10))
                for k in (10, 100)
                for s in (0, 1)
            ]
        ),
    }
    row = checks.a12(tab, S)
    assert row.verdict == "supported" and row.n_seeds == "" and row.kind == "theorem"
    tab["info"].loc[(tab["info"].problem == "icl") & (tab["info"].seed == 1), "muon_bound"] = 43
    assert checks.a12(tab, S).verdict == "not_supported"


def test_evaluate_gives_every_check_once(S):
    tab = {"iterations": _its("mf", "muon_s1", [{1: 5}]), "info": pd.DataFrame(columns=["problem"]), "curves": {}}
    rows = checks.evaluate(tab, S)
    ids = [r.claim_id for r in rows]
    assert [i for i in ids if i.startswith("A") and i[1:].isdigit()] == [f"A{i}" for i in range(1, 16)]
    assert "A8-R3" in ids and len(set(ids)) == len(ids)
    assert all(r.verdict in VERDICTS and r.paper == "precond" for r in rows)
    kind = {r.claim_id: r.kind for r in rows}
    assert {i for i, k in kind.items() if k == "extension"} == {"E1", "E2", "E3"}
    assert {i for i, k in kind.items() if k == "theorem"} == {"A8", "A8-R3", "A9", "A10", "A11", "A12", "A14"}
    for r in rows:  # every row links the figure(s) that show it, not_run rows included
        figs = r.figures.split("; ")
        assert figs and all(f.startswith("figures/precond/") and f.endswith(".png") for f in figs), r
        assert "figures/precond" not in r.evidence


def test_row_evidence_says_settings_are_ours(S):
    tab = {"iterations": _its("mf", "muon_s1", [{10: 50, 100: 60}] * 3)}
    row = checks.a2(tab, S)
    assert row.evidence.endswith(OURS) and row.figures == "figures/precond/R2_mf_iterations.png"
    tab = {"lemma_matrix": pd.DataFrame([dict(q=0.8, bound=5.0, max_ratio=4.5, violations=0, checked=10)])}
    assert checks.a10(tab, S).evidence.endswith(OURS)


def test_table_t1_cells():
    df = pd.concat(
        [_its("mf", "gd", [{10: 100, 100: 1000}, {10: 120, 100: 1100}]), _its("mf", "muon_s1", [{10: 50, 100: 50}])]
    )
    df.loc[(df.method == "gd") & (df.kappa == 100) & (df.seed == 1), "reached"] = False
    t = table_t1(df, 10)
    gd = t[t.method == "gd"].iloc[0]
    assert gd["kappa=10"] == "110 [100-120]" and gd["kappa=100"].startswith(">= 1100")
    assert np.isnan(gd.loglog_slope)
    assert t[t.method == "muon_s1"].iloc[0].loglog_slope == pytest.approx(0.0, abs=1e-12)
