"""The reading grid: every reading of a hand-made units table is judged once, with the same effects and
verdict rule as the primary ledger rows; the one-change-at-a-time table names the change that flips a verdict."""

import dataclasses
import itertools
from types import SimpleNamespace

import pandas as pd
import pytest

from muonrepro.energy.claims import Criteria, gini_claim
from muonrepro.energy.estimator.readings import NA
from muonrepro.energy.robustness import one_at_a_time, robustness_job, sensitivity_job, training_table
from muonrepro.energy.sensitivity import readings_table

GRID = {
    "sigma_delta": ["sampled1", "empirical"],
    "mode_set": ["common", "every"],
    "mode_identity": ["rank"],
    "energy": ["cumulative", "closed_form", "gain", "direct_preact", "direct_logits"],
    "tail_binning": ["time_avg", "per_log"],
    "bin_stat": ["sum", "mean"],
    "gini_variant": ["plain", "corrected"],
}
CRIT = Criteria({"C6a": "every_seed", "C6b": "every_seed", "C6c": "interval", "C5-runs": "interval"}, 3, 0.95, 3)
PER_MODE = {"sigma_delta": "sampled1", "retention": "thr1e-08", "mode_identity": "rank", "mode_set": "common"}
PRIMARY = {
    "C6a": {**PER_MODE, "energy": "cumulative", "gini_variant": "plain"},
    "C6b": {**PER_MODE, "energy": "direct_preact"},
    "C6c": {**PER_MODE, "energy": "cumulative", "tail_binning": "time_avg", "bin_stat": "sum"},
    "C5-runs": {"sigma_delta": "sampled1", "mode_identity": "rank"},
}
ARCHS, SEEDS, OPTS = ("mlp1", "mlp2", "mlp3"), (0, 1, 2), ("sgd", "muon")


def _units():
    """Muon's Gini is the lowest exactly with the 'common' mode set (seed-dependent margins); its per-mode
    energy is half of SGD's; its direct energy at the pre-activations is 3x SGD's, at the logits half; bins:
    Muon's advantage x8 in the lowest 3 of 6 bins, x2 elsewhere (only in the per-log bins: flat otherwise)."""
    rows = []
    for arch, seed, opt in itertools.product(ARCHS, SEEDS, OPTS):
        run = dict(arch=arch, seed=seed, optimizer=opt, matrix="W1", diverged=False)
        muon = opt == "muon"
        for sd, ms, energy in itertools.product(
            GRID["sigma_delta"], GRID["mode_set"], ("cumulative", "closed_form", "gain")
        ):
            g = (0.5 - 0.01 * seed if ms == "common" else 0.8) if muon else 0.6
            total = 1.0 if muon else 2.0
            rows.append(
                dict(
                    run,
                    sigma_delta=sd,
                    retention="thr1e-08",
                    mode_identity="rank",
                    mode_set=ms,
                    binning="time_avg",
                    energy=energy,
                    n_modes=10,
                    gini=g,
                    gini_corrected=g * 1.1,
                    total=total,
                    bin_sum=[total] * 6,
                    bin_mean=[total / 10] * 6,
                )
            )
        for sd in GRID["sigma_delta"]:
            bins = [1.0] * 6 if muon else [8.0] * 3 + [2.0] * 3
            rows.append(
                dict(
                    run,
                    sigma_delta=sd,
                    retention="thr1e-08",
                    mode_identity="rank",
                    mode_set=NA,
                    binning="per_log",
                    energy="cumulative",
                    n_modes=0,
                    gini=float("nan"),
                    gini_corrected=float("nan"),
                    total=float("nan"),
                    bin_sum=bins,
                    bin_mean=bins,
                )
            )
        for energy, total in (("direct_preact", 3.0 if muon else 1.0), ("direct_logits", 1.0 if muon else 2.0)):
            rows.append(
                dict(
                    run,
                    sigma_delta=NA,
                    retention=NA,
                    mode_identity=NA,
                    mode_set=NA,
                    binning=NA,
                    energy=energy,
                    matrix="logits" if energy == "direct_logits" else "W1",
                    n_modes=0,
                    gini=float("nan"),
                    gini_corrected=float("nan"),
                    total=total,
                    bin_sum=None,
                    bin_mean=None,
                )
            )
    return pd.DataFrame(rows)


def _offdiag():
    rows = []
    for arch, seed, opt, sd in itertools.product(ARCHS, SEEDS, OPTS, GRID["sigma_delta"]):
        off = (0.88 - 0.001 * seed) if (opt == "muon" and sd == "empirical") else 0.95 if opt == "muon" else 0.9
        rows.append(
            dict(
                arch=arch,
                seed=seed,
                optimizer=opt,
                matrix="W1",
                sigma_delta=sd,
                mode_identity="rank",
                offdiag=off,
                diverged=False,
            )
        )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def readings():
    return readings_table(_units(), _offdiag(), GRID, CRIT)


def test_every_reading_is_judged_once(readings):
    n = readings.groupby("claim").size().to_dict()
    # C6a: 2 sd x 2 mode sets x 3 energies x 2 Gini variants; C6b: 2 x 2 x 2 per-mode energies + 2 direct;
    # C6c: 2 x 2 x 2 energies x 2 bin stats (time_avg) + 2 sd x 2 bin stats (per_log); C5-runs: 2 sd
    assert n == {"C6a": 24, "C6b": 10, "C6c": 20, "C5-runs": 2}
    dims = [
        "claim",
        "sigma_delta",
        "retention",
        "mode_identity",
        "mode_set",
        "energy",
        "tail_binning",
        "bin_stat",
        "gini_variant",
    ]
    assert not readings.duplicated(dims).any()


def test_verdicts_of_known_readings(readings):
    c6a = readings[readings.claim == "C6a"].groupby("mode_set")["verdict"].agg(set).to_dict()
    assert c6a == {"common": {"supported"}, "every": {"not_supported"}}
    c6b = readings[readings.claim == "C6b"].set_index("energy")["verdict"]
    assert c6b["direct_preact"] == "not_supported" and c6b["direct_logits"] == "supported"
    assert set(c6b[["cumulative", "closed_form"]]) == {"supported"}
    c6c = readings[readings.claim == "C6c"].groupby("tail_binning")["verdict"].agg(set).to_dict()
    assert c6c["per_log"] == {"supported"} and c6c["time_avg"] == {"inconclusive"}  # flat: effect 0 exactly
    c5 = readings[readings.claim == "C5-runs"].set_index("sigma_delta")["verdict"]
    assert c5["empirical"] == "supported" and c5["sampled1"] == "not_supported"


def test_the_primary_reading_reproduces_the_ledger_rows_verdict(readings):
    u = _units()
    sel = u[(u.sigma_delta == "sampled1") & (u.mode_set == "common") & (u.energy == "cumulative")]
    row = gini_claim(sel, CRIT, "small", "o")
    r = readings[
        (readings.claim == "C6a")
        & (readings.sigma_delta == "sampled1")
        & (readings.mode_set == "common")
        & (readings.energy == "cumulative")
        & (readings.gini_variant == "plain")
    ].iloc[0]
    assert (r["verdict"], r["mean"], r["n_seeds"]) == (row.verdict, pytest.approx(row.value), row.n_seeds)


def test_one_change_at_a_time_names_the_flipping_values(readings):
    t = one_at_a_time(readings, PRIMARY)
    c6a = t[t.claim == "C6a"].set_index(["dimension", "value"])
    assert c6a.loc[("primary", ""), "verdict"] == "supported"
    assert set(c6a.index) == {
        ("primary", ""),
        ("sigma_delta", "empirical"),
        ("mode_set", "every"),
        ("energy", "closed_form"),
        ("energy", "gain"),
        ("gini_variant", "corrected"),
    }
    assert c6a[c6a["flips"]].index.tolist() == [("mode_set", "every")]
    c6b = t[t.claim == "C6b"].set_index(["dimension", "value"])
    assert c6b.loc[("primary", ""), "verdict"] == "not_supported"
    assert sorted(c6b[c6b["flips"]].index.tolist()) == [
        ("energy", "closed_form"),
        ("energy", "cumulative"),
        ("energy", "direct_logits"),
    ]
    c6c = t[t.claim == "C6c"].set_index(["dimension", "value"])
    assert c6c[c6c["flips"]].index.tolist() == [("tail_binning", "per_log")]
    c5 = t[t.claim == "C5-runs"].set_index(["dimension", "value"])
    assert c5[c5["flips"]].index.tolist() == [("sigma_delta", "empirical")]


def test_sensitivity_job_writes_the_grid_and_the_one_change_table(readings, tmp_path):
    """Rule energy_sensitivity's job: the units and offdiag tables of each (architecture, seed) in, the tables above
    out."""
    inputs = SimpleNamespace(units=[], offdiag=[])
    for arch in ARCHS:
        for name, df in (("units", _units()), ("offdiag", _offdiag())):
            getattr(inputs, name).append(tmp_path / f"{name}_{arch}.parquet")
            df[df["arch"] == arch].to_parquet(getattr(inputs, name)[-1])
    out = SimpleNamespace(readings=tmp_path / "readings.csv", robustness=tmp_path / "robustness.csv")
    params = SimpleNamespace(grid=GRID, criteria=dataclasses.asdict(CRIT), primary=PRIMARY)
    sensitivity_job(SimpleNamespace(input=inputs, params=params, output=out))
    got = pd.read_csv(out.readings, keep_default_na=False)
    assert len(got) == len(readings) and list(got.columns) == list(readings.columns)
    assert list(got["verdict"]) == list(readings["verdict"])
    assert len(pd.read_csv(out.robustness)) == len(one_at_a_time(readings, PRIMARY))


def _verdicts():
    return pd.DataFrame(
        [
            dict(setting="default", value="", claim="C6a", verdict="supported"),
            dict(setting="lr sgd", value="x0.5", claim="C6a", verdict="supported"),
            dict(setting="lr sgd", value="x2", claim="C6a", verdict="not_supported"),
            dict(setting="default", value="", claim="C6b", verdict="inconclusive"),
            dict(setting="lr sgd", value="x2", claim="C6b", verdict="inconclusive"),
        ]
    )


def test_training_table_flags_the_settings_that_flip():
    v = _verdicts()
    t = training_table(v)
    assert t["flips"].tolist() == [False, False, True, False, False]
    assert t.loc[2, "default_verdict"] == "supported"


def test_robustness_job_joins_the_variants_verdicts(tmp_path):
    v = _verdicts()
    files = [tmp_path / "default.csv", tmp_path / "lr.csv"]
    v[v["setting"] == "default"].to_csv(files[0], index=False)
    v[v["setting"] != "default"].to_csv(files[1], index=False)
    robustness_job(SimpleNamespace(input=SimpleNamespace(verdicts=files), output=[tmp_path / "robustness.csv"]))
    got = pd.read_csv(tmp_path / "robustness.csv", keep_default_na=False)
    assert got["flips"].tolist() == training_table(pd.concat([v.iloc[[0, 3]], v.iloc[[1, 2, 4]]]))["flips"].tolist()
