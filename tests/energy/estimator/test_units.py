"""The per-run arrays survive the disk, and become one units row per reading x optimizer x matrix (rule
energy_sensitivity_units: ``sensitivity_units_job``, with each run's key and divergence)."""

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from muonrepro.energy.estimator.readings import Grid, _Acc
from muonrepro.energy.estimator.store import load_arrays, save_arrays
from muonrepro.energy.estimator.units import group_units, sensitivity_units_job


def _run(scale):
    grid = Grid(sigma_delta=("sampled1",), thresholds=(1e-3,), mode_identity=("rank",), n_bins=2)
    acc = _Acc(grid)
    lam = torch.tensor([1.0, 0.1, 1e-5], dtype=torch.float64)
    mu = torch.tensor([1.0, 0.5], dtype=torch.float64)
    for t in (0, 1, 3):
        Gt = scale * torch.ones(2, 3, dtype=torch.float64) * 0.9**t
        acc.add(Gt, lam, mu, t, 1.0, offdiag=0.5 * scale)
    arrays = {("sampled1", "rank", "W1"): acc.arrays(3)}
    direct = {"steps": [0, 1, 3], "weights": [0.5, 1.5, 1.0], "preact": {"W1": 2.0 * scale}, "logits": 3.0 * scale}
    return arrays, direct


def test_store_round_trip(tmp_path):
    arrays, direct = _run(1.0)
    save_arrays(tmp_path / "a.npz", arrays, direct)
    back, d = load_arrays(tmp_path / "a.npz")
    assert d == {**direct, "preact": {"W1": 2.0}}
    a, b = arrays[("sampled1", "rank", "W1")], back[("sampled1", "rank", "W1")]
    assert b["offdiag"] == a["offdiag"]
    np.testing.assert_array_equal(b["gain"], a["gain"])
    for k, v in a["retentions"]["thr0.001"].items():
        np.testing.assert_array_equal(b["retentions"]["thr0.001"][k], v)


def test_group_units_rows():
    units, off = group_units({"sgd": _run(2.0), "muon": _run(1.0)}, n_bins=2)
    per_mode = units[units["binning"] == "time_avg"]
    assert len(per_mode) == 2 * 3 * 3  # optimizers x mode sets x energies
    assert set(units.loc[units["binning"] == "per_log", "optimizer"]) == {"sgd", "muon"}
    cum = per_mode[(per_mode["energy"] == "cumulative") & (per_mode["mode_set"] == "common")].set_index("optimizer")
    assert cum.loc["sgd", "total"] == pytest.approx(4 * cum.loc["muon", "total"])  # energy ~ Gt^2
    assert cum.loc["sgd", "n_modes"] == 4  # the lambda = 1e-5 column is below 1e-3 * max
    direct = units[units["energy"].str.startswith("direct")].set_index(["optimizer", "energy"])["total"]
    assert direct[("muon", "direct_logits")] == 3.0 and direct[("sgd", "direct_preact")] == 4.0
    assert off.set_index("optimizer")["offdiag"].to_dict() == {"sgd": 1.0, "muon": 0.5}


def test_sensitivity_units_job_keys_the_rows_by_run(tmp_path):
    arrays, metas = [], []
    for opt, scale, diverged in (("sgd", 2.0, False), ("muon", 1.0, True)):
        arrays.append(tmp_path / f"mlp2_{opt}_s1.npz")
        save_arrays(arrays[-1], *_run(scale))
        metas.append(tmp_path / f"mlp2_{opt}_s1.json")
        metas[-1].write_text(json.dumps({"diverged": diverged}))
    out = SimpleNamespace(units=tmp_path / "units.parquet", offdiag=tmp_path / "offdiag.parquet")
    smk = SimpleNamespace(
        input=SimpleNamespace(arrays=arrays, metas=metas), params=SimpleNamespace(n_bins=2), output=out
    )
    sensitivity_units_job(smk)
    units, off = group_units({"sgd": _run(2.0), "muon": _run(1.0)}, n_bins=2)
    for path, want in ((out.units, units), (out.offdiag, off)):
        got = pd.read_parquet(path)
        assert len(got) == len(want) and (got["arch"] == "mlp2").all() and (got["seed"] == 1).all()
        assert got.groupby("optimizer")["diverged"].first().to_dict() == {"muon": True, "sgd": False}
