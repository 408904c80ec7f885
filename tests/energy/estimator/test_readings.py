"""Accumulators of the reading grid on synthetic trajectories with known answers."""

import numpy as np
import pytest
import torch

from muonrepro.energy.estimator.gini import gini
from muonrepro.energy.estimator.readings import Grid, _Acc, per_mode_energies


def _trajectory(rho, steps, lam, mu, a0):
    """Exact mode coordinates a_ij(t) = a0 rho^t in a fixed eigenbasis: Gt_ji = lambda_i mu_j a_ij."""
    curv = mu[:, None] * lam[None, :]
    return [(t, curv * a0 * rho**t) for t in steps]


def test_rate_fit_closed_form_and_cumulative_sum():
    lam = torch.tensor([1.0, 0.3, 0.01], dtype=torch.float64)
    mu = torch.tensor([2.0, 0.5], dtype=torch.float64)
    a0 = torch.tensor([[1.0, -2.0, 0.5], [0.3, 1.0, -1.0]], dtype=torch.float64)
    rho = torch.tensor([[0.99, 0.95, 0.999], [0.9, 0.98, 1.0]], dtype=torch.float64)
    steps, weights, total = [0, 10, 20, 40], [5.0, 10.0, 15.0, 10.0], 40
    acc = _Acc(Grid(thresholds=(1e-12,), n_bins=2))
    for (t, Gt), w in zip(_trajectory(rho, steps, lam, mu, a0), weights):
        acc.add(Gt, lam, mu, t, w)
    torch.testing.assert_close(acc.rates(), rho, rtol=1e-10, atol=0)
    a = acc.arrays(total)
    res = {**a["retentions"]["thr1e-12"], **per_mode_energies(a, "thr1e-12")}
    curv = (mu[:, None] * lam[None, :]).numpy()
    w0 = curv * a0.numpy() ** 2
    r2 = rho.numpy() ** 2
    horizon = np.where(r2 < 1, (1 - r2**total) / np.where(r2 < 1, 1 - r2, 1), total)
    np.testing.assert_allclose(res["closed_form"], w0 * horizon, rtol=1e-10)
    cum = sum(w * curv * (a0.numpy() * rho.numpy() ** t) ** 2 for t, w in zip(steps, weights))
    np.testing.assert_allclose(res["cumulative"], cum, rtol=1e-12)
    # per-mode gain = E / w = sum_{t<T} rho^(2t): a uniform rate would give gain Gini 0
    np.testing.assert_allclose(res["gain"], horizon, rtol=1e-10)
    assert res["every"].all() and res["any"].all()


def test_uniform_rate_gives_zero_gain_gini_and_thresholds_drop_modes():
    lam = torch.tensor([1.0, 1e-3, 1e-9], dtype=torch.float64)
    mu = torch.tensor([1.0, 0.1], dtype=torch.float64)
    a0 = torch.ones(2, 3, dtype=torch.float64)
    rho = torch.full((2, 3), 0.9, dtype=torch.float64)
    acc = _Acc(Grid(thresholds=(1e-6,), damping=(1e-6,), n_bins=2))
    for t, Gt in _trajectory(rho, [0, 1, 2, 3], lam, mu, a0):
        acc.add(Gt, lam, mu, t, 1.0)
    a = acc.arrays(4)
    res = {k: {**a["retentions"][k], **per_mode_energies(a, k)} for k in a["retentions"]}
    thr = res["thr1e-06"]
    assert thr["every"].sum() == 4  # lambda=1e-9 column is below 1e-6 * max
    assert gini(thr["gain"][thr["every"]]) == pytest.approx(0.0, abs=1e-12)
    assert res["damp1e-06"]["every"].sum() == 6  # damping keeps every positive mode
    kept = thr["every"]
    assert (res["damp1e-06"]["cumulative"][kept] < thr["cumulative"][kept]).all()  # damped energies are smaller


def test_every_and_any_masks_and_per_log_bins():
    """A mode whose curvature falls below the threshold at one log is in `any`, not in `every`, and its
    energy counts only the logs where it was retained."""
    acc = _Acc(Grid(thresholds=(0.01,), n_bins=2))
    mu = torch.tensor([1.0], dtype=torch.float64)
    Gt = torch.tensor([[1.0, 1.0]], dtype=torch.float64)
    acc.add(Gt, torch.tensor([1.0, 0.5], dtype=torch.float64), mu, 0, 1.0, offdiag=0.2)  # both retained
    acc.add(Gt, torch.tensor([1.0, 0.001], dtype=torch.float64), mu, 1, 3.0, offdiag=0.6)  # mode 1 dropped
    a = acc.arrays(1)
    r = a["retentions"]["thr0.01"]
    np.testing.assert_array_equal(r["every"], [[True, False]])
    np.testing.assert_array_equal(r["any"], [[True, True]])
    np.testing.assert_allclose(r["cumulative"], [[1.0 + 3.0, 1.0 / 0.5]])  # e = Gt^2 / curv, weighted
    # per-log bins over that log's retained modes, sorted by its curvature: log 0 -> [2 | 1], log 1 -> [1 | -]
    np.testing.assert_allclose(r["perlog_sum"], [1.0 * 2.0 + 3.0 * 1.0, 1.0 * 1.0])
    np.testing.assert_allclose(r["perlog_mean"], [5.0, 1.0])
    assert a["offdiag"] == pytest.approx(0.4)  # trapezoid time average over steps 0 and 1
    np.testing.assert_allclose(a["lam"], [1.0, (0.5 + 3 * 0.001) / 4])  # weight-averaged eigenvalues
