"""lr selection, curves table and the ledger logic on synthetic inputs (no paper claim is asserted)."""

import numpy as np
import pandas as pd
import pytest

from muonrepro.imbalanced.claims import build_claims, learning_time
from muonrepro.imbalanced.curves import CURVE_COLUMNS, early_auc, merge_curves, select_linear_ce
from muonrepro.ledger import VERDICTS

CFG = {"early_fraction": 0.25, "seed_fraction": 0.667, "claim_depth": 2, "learn_threshold": 0.9, "depths": [2, 4]}


def test_early_auc():
    s = np.arange(0, 101)
    assert early_auc(s, s / 100, 0.5) == pytest.approx(0.25)
    assert early_auc(s, np.ones_like(s, dtype=float), 0.25) == pytest.approx(1.0)


def test_learning_time():
    s = np.arange(10)
    v = np.array([0, 0.1, 0.5, 0.8, 0.95, 1.0, 1.0, 0.9, 0.9, 0.9])
    assert learning_time(s, v, 0.9) == 4


def lin_rows(opt, lr, seed, peak, test_peak=None, peak_step=25):
    """Validation curves peaking at ``peak`` (step ``peak_step``); test curves peaking at ``test_peak``."""
    steps = np.arange(0, 50, 5)
    rows = []
    for g in ("balanced", "worst_class", "majority_class", "minority_class"):
        shape = np.sin(np.pi * steps / (2 * peak_step)) ** 2
        for metric, top in (("val_acc", peak), ("test_acc", peak if test_peak is None else test_peak)):
            rows += [("linear_ce", opt, seed, lr, s, metric, g, top * v) for s, v in zip(steps, shape)]
    return pd.DataFrame(rows, columns=["experiment", "optimizer", "seed", "lr", "step", "metric", "group", "value"])


def test_select_linear_ce_chooses_lr_and_step_on_validation_never_on_test():
    """The test curves would pick the other lr: the validation curves decide, and the table reports the test
    accuracy at the chosen (lr, step)."""
    df = pd.concat(
        [
            lin_rows("specgd", lr, s, peak, test)
            for lr, peak, test in ((0.1, 0.5, 0.9), (0.2, 0.7, 0.3))
            for s in range(3)
        ]
        + [
            lin_rows("ngd", lr, s, peak, test, step)
            for lr, peak, test, step in ((0.1, 0.6, 0.1, 15), (0.2, 0.4, 0.8, 25))
            for s in range(3)
        ]
    )
    cur, sel = select_linear_ce(df)
    chosen = sel.set_index(["optimizer", "group"])
    assert chosen.loc[("specgd", "balanced"), "lr"] == 0.2 and chosen.loc[("ngd", "worst_class"), "lr"] == 0.1
    assert chosen.loc[("specgd", "balanced"), "step"] == 25 and chosen.loc[("ngd", "balanced"), "step"] == 15
    assert chosen.loc[("specgd", "balanced"), "test"] == pytest.approx(0.3)
    assert chosen.loc[("ngd", "balanced"), "score"] == pytest.approx(0.6)
    assert set(cur.groupby("optimizer")["lr"].unique().map(tuple)) == {(0.2,), (0.1,)}


def cm_rows(exp, opt, seed, lr, minority, majority, metric="test_acc"):
    rows = []
    for step, (a, b) in enumerate(zip(minority, majority)):
        rows += [(exp, opt, seed, lr, step, metric, "minority", a), (exp, opt, seed, lr, step, metric, "majority", b)]
    return pd.DataFrame(rows, columns=["experiment", "optimizer", "seed", "lr", "step", "metric", "group", "value"])


def synthetic_inputs():
    checks = pd.DataFrame(
        [
            ("C1:lemma:abs", 1e-16, 0.0, 1e-10, True),
            ("C2:prop1_max_abs(x):le", 5e-4, 0, 1e-3, True),
            ("C9:before_saturation/eta:le", 0.1, 0, 3, True),
            ("C9:whole/eta:info", 10, 0, 0, True),
            ("C10:random_means:gt", 5, 10, 0, False),
        ],
        columns=["check", "value", "reference", "tolerance", "passed"],
    )
    traj = pd.DataFrame([("fig2", "gd", 0, 0, "alpha", "c1", 0.0)], columns=CURVE_COLUMNS)
    lin = [pd.concat([lin_rows("specgd", 0.1, s, 0.6), lin_rows("ngd", 0.1, s, 0.5)]) for s in range(3)]
    fast, slow = np.linspace(0, 0.8, 20), np.linspace(0, 0.8, 20) ** 3
    maj = np.full(20, 0.99)
    cm = []
    for L, minority in ((2, fast), (4, fast)):
        for opt, curve in (("muon", minority), ("nmd", slow), ("signum", slow)):
            for metric in ("test_acc", "val_acc"):
                cm.append(cm_rows(f"cmnist_L{L}", opt, 0, 0.01, curve, maj, metric))
    return checks, traj, lin, cm


def test_claims_ledger_on_synthetic_inputs():
    checks, traj, lin, cm = synthetic_inputs()
    curves, selection = merge_curves(traj, lin, cm, 0.25)
    assert list(curves.columns) == CURVE_COLUMNS
    assert {"linear_ce", "cmnist_L2", "cmnist_L4"} <= set(selection["experiment"])
    rows = {r.claim_id: r for r in build_claims(checks, curves, CFG, "small")}
    assert list(rows) == [f"C{i}" for i in range(1, 13)] + ["C17"]
    assert all(r.verdict in VERDICTS and r.paper == "imbalanced" for r in rows.values())
    assert rows["C1"].verdict == "supported" and rows["C2"].verdict == "supported"
    assert rows["C9"].verdict == "supported"  # the info row does not decide
    assert rows["C10"].verdict == "not_supported"  # a failed check row decides
    assert rows["C3"].verdict == "not_run"  # no rows for claim 3
    assert rows["C11"].verdict == "supported" and rows["C11"].value.startswith("+0.1")
    assert rows["C12"].verdict == "supported" and rows["C12"].value == 1.0
    assert rows["C17"].verdict == "not_supported" and rows["C17"].value == 0.0  # equal gaps are not smaller
    assert [r.kind for r in rows.values()] == ["theorem"] * 10 + ["empirical"] * 3
    assert rows["C5"].figures == "results/figures/imbalanced/loss_gaps.png"
    assert rows["C3"].figures == "results/figures/imbalanced/fig2_trajectories.png"  # not_run rows keep theirs
    assert rows["C11"].figures == "results/figures/imbalanced/fig4_linear_ce.png"
    assert all("results/figures" not in r.evidence for r in rows.values())
    assert rows["C1"].evidence == "theory_checks.csv: C1:lemma:abs=1e-16"


def test_claims_without_experiment_curves_are_not_run():
    checks, traj, _, _ = synthetic_inputs()
    curves, _ = merge_curves(traj, [], [], 0.25)
    rows = {r.claim_id: r for r in build_claims(checks, curves, CFG, "small")}
    assert rows["C11"].verdict == rows["C12"].verdict == rows["C17"].verdict == "not_run"
    assert all(rows[c].evidence for c in ("C11", "C12", "C17"))
