"""aggregate: the primary tables of hand-made run files; the common mode set is taken across optimizers. The jobs
that aggregate (rules energy_aggregate, energy_robust_verdicts) write the same tables."""

import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml

from muonrepro.energy.aggregate import aggregate, aggregate_job
from muonrepro.energy.rules import criteria

CONFIG = yaml.safe_load((Path(__file__).resolve().parents[2] / "config.yaml").read_text())


def _write_run(tmp_path, opt, energy, retained, diverged=False):
    run = f"mlp1_{opt}_s0"
    summary = {
        "matrices": [{"matrix": "W1", "shape": [2, 2], "direct_energy": 5.0, "offdiag": 0.9}],
        "direct_logits": 7.0,
        "lr": 0.1,
        "diverged": diverged,
    }
    (tmp_path / f"{run}.json").write_text(json.dumps(summary))
    pm = pd.DataFrame(
        {
            "matrix": "W1",
            "i": [0, 1, 0, 1],
            "j": [0, 0, 1, 1],
            "lambda": [4.0, 1.0, 4.0, 1.0],
            "mu": [1.0, 1.0, 0.5, 0.5],
            "energy": energy,
            "retained": retained,
            "retained_any": [True] * 4,
        }
    )
    pm.to_parquet(tmp_path / f"{run}.parquet")
    pd.DataFrame({"step": [0], "matrix": ["W1"], "direct_energy": [1.0]}).to_parquet(tmp_path / f"{run}_logs.parquet")
    pd.DataFrame({"epoch": [1], "train_loss": [0.3], "test_acc": [0.9]}).to_csv(tmp_path / f"{run}.csv", index=False)
    (tmp_path / f"{run}_meta.json").write_text(json.dumps({"config": {"lr": 0.1}, "diverged": diverged}))
    return run


def test_aggregate_tables(tmp_path):
    runs = [
        _write_run(tmp_path, "sgd", [1.0, 2.0, 3.0, 4.0], [True, True, True, False]),
        _write_run(tmp_path, "muon", [1.0, 1.0, 1.0, 1.0], [False, True, True, True], diverged=True),
    ]
    t = aggregate(
        [tmp_path / f"{r}.json" for r in runs],
        [tmp_path / f"{r}.parquet" for r in runs],
        [tmp_path / f"{r}_logs.parquet" for r in runs],
        [tmp_path / f"{r}.csv" for r in runs],
        [tmp_path / f"{r}_meta.json" for r in runs],
        mode_set="common",
        n_bins=2,
    )
    g = t["gini"].set_index(["optimizer", "mode_set"])
    assert g.loc[("sgd", "every"), "n_modes"] == 3 and g.loc[("sgd", "any"), "n_modes"] == 4
    assert g.loc[("sgd", "common"), "per_mode_energy"] == 5.0  # modes (i=1, j=0) and (i=0, j=1)
    assert g.loc[("muon", "common"), "per_mode_energy"] == 2.0
    e = t["energy"].set_index("optimizer")
    assert e.loc["sgd", "per_mode_sum"] == 5.0 and e.loc["sgd", "direct_preact"] == 5.0
    assert e.loc["muon", "direct_logits"] == 7.0 and bool(e.loc["muon", "diverged"])
    for name in ("gini", "bins", "offdiag"):
        assert t[name].groupby("optimizer")["diverged"].first().to_dict() == {"muon": True, "sgd": False}
    b = t["bins"][(t["bins"]["optimizer"] == "sgd") & (t["bins"]["mode_set"] == "common")]
    # common modes sorted by curvature lambda * mu: (i=1, j=0) -> 1 with energy 2; (i=0, j=1) -> 2 with energy 3
    assert b["energy_sum"].tolist() == [2.0, 3.0] and b["share"].tolist() == pytest.approx([0.4, 0.6])
    assert t["offdiag"]["baseline"].iloc[0] == pytest.approx(0.5)


def _inputs(tmp_path, runs) -> SimpleNamespace:
    return SimpleNamespace(
        summaries=[tmp_path / f"{r}.json" for r in runs],
        per_modes=[tmp_path / f"{r}.parquet" for r in runs],
        logs=[tmp_path / f"{r}_logs.parquet" for r in runs],
        histories=[tmp_path / f"{r}.csv" for r in runs],
        metas=[tmp_path / f"{r}_meta.json" for r in runs],
    )


def test_aggregate_job_writes_every_table(tmp_path):
    runs = [
        _write_run(tmp_path, "sgd", [1.0, 2.0, 3.0, 4.0], [True, True, True, False]),
        _write_run(tmp_path, "muon", [1.0, 1.0, 1.0, 1.0], [False, True, True, True]),
    ]
    i = _inputs(tmp_path, runs)
    tables = aggregate(i.summaries, i.per_modes, i.logs, i.histories, i.metas, mode_set="common", n_bins=2)
    out = SimpleNamespace(**{name: tmp_path / "out" / f"{name}.csv" for name in tables})
    aggregate_job(SimpleNamespace(input=i, params=SimpleNamespace(mode_set="common", n_bins=2), output=out))
    for name, df in tables.items():
        assert getattr(out, name).read_text() == df.to_csv(index=False), name


def test_robust_verdicts_job_writes_one_row_per_claim_with_the_variant(tmp_path):
    from muonrepro.energy.robustness import robust_verdicts_job

    runs = [
        _write_run(tmp_path, "sgd", [1.0, 2.0, 3.0, 4.0], [True, True, True, False]),
        _write_run(tmp_path, "adamw", [1.0, 2.0, 2.0, 1.0], [True, True, True, True]),
        _write_run(tmp_path, "muon", [1.0, 1.0, 1.0, 1.0], [False, True, True, True]),
    ]
    params = SimpleNamespace(
        setting="lr sgd", value="x2", criteria=criteria(CONFIG), estimator=CONFIG["energy"]["estimator"]
    )
    out = tmp_path / "verdicts.csv"
    robust_verdicts_job(SimpleNamespace(input=_inputs(tmp_path, runs), params=params, output=[out]))
    v = pd.read_csv(out, keep_default_na=False)
    assert len(v) and v["claim"].is_unique and (v["setting"] == "lr sgd").all() and (v["value"] == "x2").all()
    assert {"verdict", "min_test_acc", "diverged_runs"} <= set(v.columns)
