"""lr selection, curves table and the ledger logic on synthetic inputs (no paper claim is asserted)."""

import numpy as np
import pandas as pd
import pytest

from muonrepro.imbalanced.claims import build_claims
from muonrepro.imbalanced.curves import CURVE_COLUMNS, early_auc, merge_curves, select_linear_ce

LEVEL = 0.5
CFG = {
    "early_fraction": 0.25,
    "claim_depth": 2,
    "learn_level": LEVEL,
    "rules": {"C11": "interval", "C12": "interval", "C17": "every_seed"},
    "depths": [2, 4],
}
STATS = {"level": 0.95, "min_seeds": 3}
T_975_2 = 4.302652729911275  # Student t quantile, 2 degrees of freedom, 0.975 (tables)


def test_early_auc():
    s = np.arange(0, 101)
    assert early_auc(s, s / 100, 0.5) == pytest.approx(0.25)
    assert early_auc(s, np.ones_like(s, dtype=float), 0.25) == pytest.approx(1.0)


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


STEPS = 40  # Colored-MNIST curves at steps 0..39


def ramp(t_level):
    """A curve that first reaches LEVEL at step ``t_level`` (None: a plateau at 0.3, never reached)."""
    s = np.arange(STEPS)
    return np.full(STEPS, 0.3) if t_level is None else np.minimum(LEVEL * s / t_level, 0.95)


def cmnist_curves(muon_times, others=0.2, muon_early=None):
    """``muon_times``: per seed {depth: (T_minority, T_majority)} of Muon's test curves; NMD and Signum: constant
    minority accuracy ``others`` (their early AUC); ``muon_early``: per seed, a constant Muon minority curve
    instead (for claim 12)."""
    parts = []
    for seed, per_depth in enumerate(muon_times):
        for L, (t_min, t_maj) in per_depth.items():
            minority = ramp(t_min) if muon_early is None else np.full(STEPS, muon_early[seed])
            curves = {"muon": (minority, ramp(t_maj)), "nmd": (np.full(STEPS, others), ramp(2))}
            curves["signum"] = curves["nmd"]
            for opt, (mino, majo) in curves.items():
                for metric in ("test_acc", "val_acc"):
                    parts.append(cm_rows(f"cmnist_L{L}", opt, seed, 0.01, mino, majo, metric))
    return parts


def claims_of(lin=(), cm=(), cfg=CFG):
    traj = pd.DataFrame([("fig2", "gd", 0, 0, "alpha", "c1", 0.0)], columns=CURVE_COLUMNS)
    curves, _ = merge_curves(traj, list(lin), list(cm), cfg["early_fraction"])
    return {r.claim_id: r for r in build_claims(theory_checks(), curves, cfg, "small", STATS)}


def theory_checks():
    return pd.DataFrame(
        [
            ("C1:lemma:abs", 1e-16, 0.0, 1e-10, True),
            ("C2:prop1_max_abs(x):le", 5e-4, 0, 1e-3, True),
            ("C9:population_whole_run_max|dalpha|/r:le", 0.02, 0, 0.05, True),
            ("C9:finite_sample_random_init_whole_run_max|dalpha|/r:le", 0.07, 0, 0.05, False),
            ("C9:population_whole_run_max|dalpha|/eta:info", 10, 0, 0, True),
            ("C10:random_means:gt", 5, 10, 0, False),
        ],
        columns=["check", "value", "reference", "tolerance", "passed"],
    )


def test_theory_rows_follow_their_checks():
    rows = claims_of()
    assert list(rows) == [f"C{i}" for i in range(1, 13)] + ["C17"]
    assert [r.kind for r in rows.values()] == ["theorem"] * 10 + ["empirical"] * 3
    assert (
        rows["C1"].verdict == "supported" and rows["C1"].evidence == "imbalanced/theory_checks.csv: C1:lemma:abs=1e-16"
    )
    assert rows["C9"].verdict == "not_supported"  # one judged check failed; the info row does not decide
    assert rows["C9"].value == "0.02; 0.07" and "<= 0.05" in rows["C9"].criterion
    assert rows["C10"].verdict == "not_supported"
    assert rows["C3"].verdict == "not_run"  # no rows for claim 3
    assert rows["C5"].figures == "figures/imbalanced/loss_gaps.png"
    assert rows["C3"].figures == "figures/imbalanced/fig2_trajectories.png"  # not_run rows keep theirs
    assert all("figures/imbalanced" not in r.evidence for r in rows.values())


def test_claims_without_experiment_curves_are_not_run():
    rows = claims_of()
    assert rows["C11"].verdict == rows["C12"].verdict == rows["C17"].verdict == "not_run"
    assert all(rows[c].evidence for c in ("C11", "C12", "C17"))


def lin_seed_rows(test):
    """Per rule: per-seed test accuracy at the validation peak (step 25); ``test[rule] = (balanced, worst)``
    lists over seeds (balanced and majority/minority rows use the balanced value)."""
    parts = []
    for rule, (bal, worst) in test.items():
        for seed in range(len(bal)):
            df = lin_rows(rule, 0.1, seed, 0.6, bal[seed])
            df.loc[(df["group"] == "worst_class") & (df["metric"] == "test_acc"), "value"] *= worst[seed] / bal[seed]
            parts.append(df)
    return parts


@pytest.mark.parametrize(
    "specgd, effects, verdict",
    [
        # effect = min over {balanced, worst} of SpecGD - max(NGD, SignGD); NGD 0.5 / 0.3, SignGD 0.55 / 0.2
        (([0.6, 0.62, 0.61], [0.4, 0.42, 0.41]), [0.05, 0.07, 0.06], "supported"),
        (([0.5, 0.52, 0.51], [0.4, 0.42, 0.41]), [-0.05, -0.03, -0.04], "not_supported"),  # balanced fails
        (([0.6, 0.62, 0.61], [0.25, 0.26, 0.24]), [-0.05, -0.04, -0.06], "not_supported"),  # worst-class fails
    ],
)
def test_linear_ce_claim_over_seeds(specgd, effects, verdict):
    test = {"specgd": specgd, "ngd": ([0.5] * 3, [0.3] * 3), "signgd": ([0.55] * 3, [0.2] * 3)}
    row = claims_of(lin=lin_seed_rows(test))["C11"]
    e = np.array(effects)
    assert row.value == pytest.approx(e.mean()) and row.n_seeds == 3 and row.verdict == verdict
    assert row.ci_low == pytest.approx(e.mean() - T_975_2 * e.std(ddof=1) / np.sqrt(3))
    assert row.figures == "figures/imbalanced/fig4_linear_ce.png"


NO_DEPTH = [{2: (10, 2), 4: (10, 2)}] * 3


@pytest.mark.parametrize(
    "muon, effects, verdict",
    [
        ([0.5, 0.45, 0.55], [0.3, 0.25, 0.35], "supported"),  # NMD and Signum at 0.2
        ([0.1, 0.15, 0.12], [-0.1, -0.05, -0.08], "not_supported"),
        ([0.5, 0.1, 0.3], [0.3, -0.1, 0.1], "inconclusive"),
    ],
)
def test_cmnist_claim12_over_seeds(muon, effects, verdict):
    row = claims_of(cm=cmnist_curves(NO_DEPTH, others=0.2, muon_early=muon))["C12"]
    assert row.value == pytest.approx(np.mean(effects)) and row.n_seeds == 3 and row.verdict == verdict


@pytest.mark.parametrize(
    "per_seed, effects, verdict",
    [
        ({2: (20, 2), 4: (12, 2)}, [8, 8, 8], "supported"),  # the deeper net closes the gap
        ({2: (5, 12), 4: (7, 12)}, [-2, -2, -2], "not_supported"),  # the reviewer's reversed case
        ({2: (20, 2), 4: (None, 2)}, [(20 - 2) - (39 - 2)] * 3, "not_supported"),  # deeper minority never learned
        ({2: (None, 2), 4: (None, 2)}, [], "inconclusive"),  # never learned at either depth: unusable seeds
    ],
)
def test_cmnist_claim17_over_seeds(per_seed, effects, verdict):
    row = claims_of(cm=cmnist_curves([per_seed] * 3))["C17"]
    assert row.verdict == verdict and row.n_seeds == len(effects), row.evidence
    if effects:
        assert row.value == pytest.approx(np.mean(effects))
    assert f"reaches {LEVEL:g}" in row.metric and "every one of >= 3 seeds" in row.criterion


def test_cmnist_claim17_seeds_disagree():
    per_seed = [{2: (20, 2), 4: (12, 2)}, {2: (20, 2), 4: (12, 2)}, {2: (5, 12), 4: (7, 12)}]
    row = claims_of(cm=cmnist_curves(per_seed))["C17"]
    assert row.verdict == "inconclusive" and row.value == pytest.approx((8 + 8 - 2) / 3)
