"""Rule energy_extract's one pass (``extract_with_grid``): the primary tables from the sensitivity grid's cell
agree with the primary reading extracted alone (``extract_run``) up to round-off, and the grid's arrays hold
that cell exactly."""

import numpy as np
import pandas as pd
import pytest
import torch

from muonrepro.energy.estimator.names import retention_name
from muonrepro.energy.extract import extract_run, extract_with_grid, extraction_grid
from muonrepro.models import MLP

ESTIMATOR = {"sigma_delta": "sampled1", "rel_threshold": 1e-8, "n_deciles": 4, "probe_seed": 7}
SENSITIVITY = {
    "sigma_delta": ["sampled10", "sampled1", "exact_ggn", "empirical"],  # the primary is not the first variant
    "thresholds": [1e-4, 1e-8],
    "damping": [1e-6],
    "mode_identity": ["frozen", "rank"],  # nor the first identity
}


def _run():
    """A 2-hidden-layer MLP and 5 snapshots along a short random walk, each with its update; a probe set."""
    torch.manual_seed(0)
    model = MLP(2, 12, bias=True).double()
    x, y = torch.randn(60, 784, dtype=torch.float64), torch.randint(0, 10, (60,))
    snaps, state = [], {k: v.clone() for k, v in model.state_dict().items()}
    for step in (0, 1, 3, 7, 15):
        nxt = {k: v + 0.05 * torch.randn_like(v) for k, v in state.items()}
        update = {
            n: nxt[f"hidden.{i}.weight"] - state[f"hidden.{i}.weight"] for i, n in enumerate(model.matrix_names())
        }
        snaps.append({"step": step, "state": state, "update": update})
        state = nxt
    return model, snaps, x, y


def test_primary_tables_of_the_one_pass_match_the_primary_reading_alone():
    model, snaps, x, y = _run()
    kw = dict(estimator=ESTIMATOR, probe_seed=ESTIMATOR["probe_seed"])
    s1, pm1, logs1, _ = extract_run(model, snaps, x, y, **kw)
    grid = extraction_grid(ESTIMATOR, SENSITIVITY, ESTIMATOR["n_deciles"])
    s2, pm2, logs2, (arrays, _), _ = extract_with_grid(model, snaps, x, y, **kw, grid=grid)
    # the same modes, masks and shapes; the numbers differ by round-off only (one cotangent per class
    # instead of one per label set in the backward pass)
    same = ["matrix", "i", "j", "retained", "retained_any"]
    pd.testing.assert_frame_equal(pm1[same], pm2[same])
    for col in ("lambda", "mu", "energy"):
        np.testing.assert_allclose(pm2[col], pm1[col], rtol=1e-9, atol=1e-300)
    pd.testing.assert_frame_equal(logs1, logs2, rtol=1e-9)
    for a, b in zip(s1["matrices"], s2["matrices"]):
        assert {k: a[k] for k in ("matrix", "shape", "n_modes_every", "n_modes_any")} == {
            k: b[k] for k in ("matrix", "shape", "n_modes_every", "n_modes_any")
        }
        np.testing.assert_allclose([b["direct_energy"], b["offdiag"]], [a["direct_energy"], a["offdiag"]], rtol=1e-9)
    assert s1["log_steps"] == s2["log_steps"] and s1["log_weights"] == s2["log_weights"]
    # the per-log rows are the primary reading's, not the grid's first cell
    assert set(logs2["sigma_delta"]) == {"sampled1"}
    # the grid's arrays hold the primary cell the tables were taken from, exactly
    ret = retention_name("thr", ESTIMATOR["rel_threshold"])
    for name in model.matrix_names():
        cell = arrays[("sampled1", "rank", name)]["retentions"][ret]
        rows = pm2[pm2["matrix"] == name]
        np.testing.assert_array_equal(cell["cumulative"].ravel(), rows["energy"].to_numpy())
        np.testing.assert_array_equal(cell["every"].ravel(), rows["retained"].to_numpy())


@pytest.mark.parametrize(
    "field, value",
    [("sigma_delta", ["exact_ggn"]), ("thresholds", [1e-4]), ("mode_identity", ["frozen"])],
)
def test_a_grid_without_the_primary_reading_is_refused(field, value):
    with pytest.raises(ValueError, match="lacks the primary reading"):
        extraction_grid(ESTIMATOR, {**SENSITIVITY, field: value}, 4)


def test_a_grid_stride_reads_the_grid_on_every_kth_snapshot_and_the_primary_on_all(tmp_path):
    """``grid_snapshot_stride`` = 2 (``probe.run_extraction``): the grid's arrays are the one pass over snapshots 0, 2, 4
    (steps 0, 3, 15), its primary cell included; the primary tables are the primary reading alone over all five."""
    from muonrepro.energy.estimator.store import load_arrays
    from muonrepro.energy.probe import load_run, run_extraction

    model, snaps, _, _ = _run()
    g = torch.Generator().manual_seed(0)
    mnist = {"train_x": torch.randint(0, 256, (80, 784), generator=g, dtype=torch.uint8)}
    torch.save({**mnist, "train_y": torch.randint(0, 10, (80,), generator=g)}, tmp_path / "mnist.pt")
    blob = {"model": {"depth": 2, "width": 12, "bias": True}, "snapshots": snaps, "total_steps": 15}
    torch.save(blob, tmp_path / "snapshots.pt")
    meta = {"diverged": False, "config": {"lr": 0.1}}
    kw = dict(estimator=ESTIMATOR, probe_size=60, sensitivity=SENSITIVITY, device="cpu")
    summary, per_mode, logs, _ = run_extraction(
        tmp_path / "mnist.pt", tmp_path / "snapshots.pt", meta, **kw, out_npz=tmp_path / "a.npz", grid_stride=2
    )
    model, snaps, x, y, _ = load_run(
        tmp_path / "mnist.pt", tmp_path / "snapshots.pt", 60, ESTIMATOR["probe_seed"], "cpu"
    )
    pkw = dict(estimator=ESTIMATOR, probe_seed=ESTIMATOR["probe_seed"])
    s1, pm1, logs1, _ = extract_run(model, snaps, x, y, **pkw)
    pd.testing.assert_frame_equal(per_mode, pm1)
    pd.testing.assert_frame_equal(logs, logs1)
    assert summary["log_steps"] == [0, 1, 3, 7, 15]
    grid = extraction_grid(ESTIMATOR, SENSITIVITY, ESTIMATOR["n_deciles"])
    *_, (want, direct), _ = extract_with_grid(model, snaps[::2], x, y, **pkw, grid=grid)
    arrays, stored = load_arrays(tmp_path / "a.npz")
    assert stored["steps"] == [0, 3, 15] == direct["steps"]
    ret = retention_name("thr", ESTIMATOR["rel_threshold"])
    for key, a in want.items():
        np.testing.assert_array_equal(arrays[key]["retentions"][ret]["cumulative"], a["retentions"][ret]["cumulative"])
