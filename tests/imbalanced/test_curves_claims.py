"""lr selection, curves table and the ledger logic on synthetic inputs (no paper claim is asserted)."""

import numpy as np
import pandas as pd
import pytest

from muonrepro.imbalanced.claims import build_claims
from muonrepro.imbalanced.curves import CURVE_COLUMNS, early_auc, merge_curves, select_linear_ce
from muonrepro.imbalanced.effects import CHANCE, learning_level

FRACTION = 0.5
CFG = {
    "early_fraction": 0.25,
    "claim_depth": 2,
    "learn_fraction": FRACTION,
    "learn_fractions": [0.25, 0.5, 0.75],
    "rules": {"C11": "interval", "C12": "interval", "C17": "every_seed"},
    "depths": [2, 4],
    "lr_grid": {},
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


STEPS = 60  # Colored-MNIST curves at steps 0..59
FINAL = {"minority": 0.45, "majority": 0.98}  # each group's final accuracy (its level is relative to it)


def curve(times, final):
    """A curve from chance at step 0 that reaches the level of fraction f (relative to ``final``) exactly at step
    ``times[f]`` (an int: the primary fraction), then rises to ``final`` and stays; ``None``: a group that never
    rises above chance (it falls to 0.02, as a colour-only classifier's minority accuracy does)."""
    s = np.arange(STEPS)
    if times is None:
        return np.interp(s, [0, 5], [CHANCE, 0.02])
    times = {FRACTION: times} if isinstance(times, int) else times
    knots = sorted(times.items())
    xs = [0] + [t for _, t in knots] + [knots[-1][1] + 5]
    ys = [CHANCE] + [learning_level(final, f) for f, _ in knots] + [final]
    return np.interp(s, xs, ys)


def cmnist_curves(muon_times, others=0.2, muon_early=None):
    """``muon_times``: per seed {depth: (minority times, majority times)} of Muon's test curves (see ``curve``);
    NMD and Signum: constant minority accuracy ``others`` (their early AUC); ``muon_early``: per seed, a constant
    Muon minority curve instead (for claim 12)."""
    parts = []
    for seed, per_depth in enumerate(muon_times):
        for L, (t_min, t_maj) in per_depth.items():
            majority = curve(t_maj, FINAL["majority"])
            minority = curve(t_min, FINAL["minority"]) if muon_early is None else np.full(STEPS, muon_early[seed])
            curves = {"muon": (minority, majority), "nmd": (np.full(STEPS, others), curve(2, FINAL["majority"]))}
            curves["signum"] = curves["nmd"]
            for opt, (mino, majo) in curves.items():
                for metric in ("test_acc", "val_acc"):
                    parts.append(cm_rows(f"cmnist_L{L}", opt, seed, 0.01, mino, majo, metric))
    return parts


def test_hand_made_curves_reach_their_levels_where_stated():
    c = curve({0.25: 4, 0.5: 10, 0.75: 30}, 0.45)
    for f, t in ((0.25, 4), (0.5, 10), (0.75, 30)):
        level = learning_level(0.45, f)
        assert c[t] >= level > c[t - 1]
    assert c[-1] == 0.45 and curve(None, 0.45)[-1] <= CHANCE


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
    assert list(rows) == [f"C{i}" for i in range(1, 13)] + ["C17", "C17-levels"]
    assert [r.kind for r in rows.values()] == ["theorem"] * 10 + ["empirical"] * 3 + ["extension"]
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
    assert rows["C17-levels"].verdict == "not_run"
    assert all(rows[c].evidence and rows[c].reason for c in ("C11", "C12", "C17", "C17-levels"))


def test_pending_cmnist_rows_say_pending():
    rows = claims_of(cfg={**CFG, "pending": ["cmnist"]})
    for c in ("C12", "C17", "C17-levels"):
        assert rows[c].verdict == "not_run" and rows[c].reason.startswith("pending: Colored-MNIST was left out")
    assert not rows["C11"].reason.startswith("pending")  # only the pending experiment's rows


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


def test_cmnist_claim12_says_how_the_lrs_were_set():
    cm = cmnist_curves(NO_DEPTH, others=0.2, muon_early=[0.5, 0.45, 0.55])
    row = claims_of(cm=cm)["C12"]
    assert "configured lr" in row.metric and "no lr was tuned at the small scale" in row.metric
    assert "none tuned" in row.evidence
    row = claims_of(cm=cm, cfg={**CFG, "lr_grid": {"muon": [0.01], "nmd": [0.01], "signum": [0.01]}})["C12"]
    assert "chosen on the seed-mean early validation" in row.metric and "configured" not in row.metric
    row = claims_of(cm=cm, cfg={**CFG, "lr_grid": {"muon": [0.01]}})["C12"]
    assert "for muon; the configured lr, not tuned, for nmd, signum" in row.metric


@pytest.mark.parametrize(
    "per_seed, effects, verdict",
    [
        ({2: (20, 2), 4: (12, 2)}, [8, 8, 8], "supported"),  # the deeper net closes the gap
        ({2: (5, 12), 4: (7, 12)}, [-2, -2, -2], "not_supported"),  # the reviewer's reversed case
        ({2: (20, 2), 4: (12, 6)}, [12, 12, 12], "supported"),  # the majority's time counts too: (20-2) - (12-6)
        ({2: (20, 2), 4: (30, 2)}, [-10, -10, -10], "not_supported"),  # the deeper net learns the minority later
    ],
)
def test_cmnist_claim17_over_seeds(per_seed, effects, verdict):
    row = claims_of(cm=cmnist_curves([per_seed] * 3))["C17"]
    assert row.verdict == verdict and row.n_seeds == len(effects), row.evidence
    assert row.value == pytest.approx(np.mean(effects))
    assert f"{FRACTION:g} of its way from chance (0.1) to its final test accuracy" in row.metric
    assert "every one of >= 3 seeds" in row.criterion
    assert "level 0.275" in row.evidence and "level 0.54" in row.evidence  # 0.1 + 0.5 (0.45 - 0.1), (0.98 - 0.1)


def test_cmnist_claim17_seeds_disagree():
    per_seed = [{2: (20, 2), 4: (12, 2)}, {2: (20, 2), 4: (12, 2)}, {2: (5, 12), 4: (7, 12)}]
    row = claims_of(cm=cmnist_curves(per_seed))["C17"]
    assert row.verdict == "inconclusive" and row.value == pytest.approx((8 + 8 - 2) / 3)
    assert "disagree" in row.reason
    # the reason also says how finely the evaluation grid resolves the learning times
    assert "so the effects are at the resolution of the evaluation grid" in row.reason
    assert "evaluations are up to" in row.reason


def test_cmnist_claim17_a_group_never_reaching_its_level_makes_the_seed_unusable():
    """Seed 1's 4-layer minority never rises above chance: no level, the seed is unusable and the row says so."""
    per_seed = [{2: (20, 2), 4: (12, 2)}, {2: (20, 2), 4: (None, 2)}, {2: (20, 2), 4: (12, 2)}]
    row = claims_of(cm=cmnist_curves(per_seed))["C17"]
    assert row.verdict == "inconclusive" and row.n_seeds == 2 and row.value == pytest.approx(8)
    assert "2 usable seed(s)" in row.reason
    assert "seed 1 is unusable because the 4-layer net's minority group never rose above chance" in row.reason
    row = claims_of(cm=cmnist_curves([{2: (None, 2), 4: (None, 2)}] * 3))["C17"]
    assert row.verdict == "inconclusive" and row.value == "no usable seed" and row.n_seeds == 0
    assert all(f"seed {s} is unusable" in row.reason for s in range(3))


LEVELS = {0.25: 0, 0.5: 1, 0.75: 2}


def at_levels(t_min_shallow, t_min_deep):
    """Minority times per fraction at 2 and 4 layers; the majority at times 1, 2, 3 at both depths."""
    maj = {0.25: 1, 0.5: 2, 0.75: 3}
    return {2: (dict(zip(LEVELS, t_min_shallow)), maj), 4: (dict(zip(LEVELS, t_min_deep)), maj)}


def test_cmnist_claim17_levels_same_verdict_at_every_level():
    # effects: f=0.25: (8-1)-(4-1) = 4; f=0.5: (16-2)-(8-2) = 8; f=0.75: (24-3)-(12-3) = 12
    rows = claims_of(cm=cmnist_curves([at_levels((8, 16, 24), (4, 8, 12))] * 3))
    row = rows["C17-levels"]
    assert row.kind == "extension" and row.verdict == "supported" and row.reason == ""
    assert row.value == "f=0.25: +4 (supported, 3 usable seeds); f=0.5: +8 (supported, 3 usable seeds); " + (
        "f=0.75: +12 (supported, 3 usable seeds)"
    )
    assert rows["C17"].value == pytest.approx(8) and rows["C17"].verdict == "supported"  # C17 is the f = 0.5 case


def test_cmnist_claim17_levels_verdict_depends_on_the_level():
    # effects: f=0.25: (4-1)-(8-1) = -4; f=0.5: (10-2)-(12-2) = -2; f=0.75: (30-3)-(16-3) = +14
    row = claims_of(cm=cmnist_curves([at_levels((4, 10, 30), (8, 12, 16))] * 3))["C17-levels"]
    assert row.verdict == "not_supported"
    assert row.reason == "the verdict depends on the level: not_supported at f = 0.25, 0.5; supported at f = 0.75"
    assert "f=0.75: +14 (supported" in row.value and "f=0.25: -4 (not_supported" in row.value


def test_cmnist_claim17_levels_too_few_usable_seeds_is_inconclusive():
    per_seed = [at_levels((8, 16, 24), (4, 8, 12))] * 2 + [{2: (None, 2), 4: (12, 2)}]
    row = claims_of(cm=cmnist_curves(per_seed))["C17-levels"]
    assert row.verdict == "inconclusive" and "at f = 0.25 only 2 seed(s) are usable" in row.reason
