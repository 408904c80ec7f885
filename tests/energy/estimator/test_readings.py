"""Accumulators of the reading grid on synthetic trajectories with known answers."""

import numpy as np
import pytest
import torch

from muonrepro.energy.estimator.readings import Grid, _Acc


def _trajectory(rho, steps, lam, mu, a0):
    """Exact mode coordinates a_ij(t) = a0 rho^t in a fixed eigenbasis: Gt_ji = lambda_i mu_j a_ij."""
    curv = mu[:, None] * lam[None, :]
    return [(t, curv * a0 * rho**t) for t in steps]


def test_rate_fit_closed_form_and_cumulative_sum():
    lam = torch.tensor([1.0, 0.3, 0.01], dtype=torch.float64)
    mu = torch.tensor([2.0, 0.5], dtype=torch.float64)
    a0 = torch.tensor([[1.0, -2.0, 0.5], [0.3, 1.0, -1.0]], dtype=torch.float64)
    rho = torch.tensor([[0.99, 0.95, 0.999], [0.9, 0.98, 1.0]], dtype=torch.float64)
    steps, total = [0, 10, 20, 30], 40
    acc = _Acc(Grid(thresholds=(1e-12,), n_bins=2))
    for t, Gt in _trajectory(rho, steps, lam, mu, a0):
        acc.add(Gt, lam, mu, t, 10.0)
    torch.testing.assert_close(acc.rates(), rho, rtol=1e-10, atol=0)
    res = acc.results(total, T=40.0)["thr1e-12"]
    curv = (mu[:, None] * lam[None, :]).numpy()
    w = curv * a0.numpy() ** 2
    r2 = rho.numpy() ** 2
    horizon = np.where(r2 < 1, (1 - r2**total) / np.where(r2 < 1, 1 - r2, 1), total)
    E_closed = w * horizon
    assert res["energies"]["closed_form"]["total"] == pytest.approx(E_closed.sum(), rel=1e-10)
    cum = sum(10.0 * curv * (a0.numpy() * rho.numpy() ** t) ** 2 for t in steps)
    np.testing.assert_allclose(res["E"].numpy(), cum, rtol=1e-12)
    assert res["energies"]["cumulative"]["total"] == pytest.approx(cum.sum(), rel=1e-12)
    # per-mode gain = E / w = sum_{t<T} rho^(2t): a uniform rate would give gain Gini 0
    assert res["energies"]["gain"]["total"] == pytest.approx(horizon.sum(), rel=1e-10)


def test_uniform_rate_gives_zero_gain_gini_and_thresholds_drop_modes():
    lam = torch.tensor([1.0, 1e-3, 1e-9], dtype=torch.float64)
    mu = torch.tensor([1.0, 0.1], dtype=torch.float64)
    a0 = torch.ones(2, 3, dtype=torch.float64)
    rho = torch.full((2, 3), 0.9, dtype=torch.float64)
    acc = _Acc(Grid(thresholds=(1e-6,), damping=(1e-6,), n_bins=2))
    for t, Gt in _trajectory(rho, [0, 1, 2, 3], lam, mu, a0):
        acc.add(Gt, lam, mu, t, 1.0)
    res = acc.results(4, T=4.0)
    thr = res["thr1e-06"]
    assert thr["energies"]["gain"]["n_modes"] == 4  # lambda=1e-9 column is below 1e-6 * max
    assert thr["energies"]["gain"]["gini"] == pytest.approx(0.0, abs=1e-12)
    assert res["damp1e-06"]["energies"]["gain"]["n_modes"] == 6  # damping keeps every positive mode
    # damped energies are smaller than undamped ones mode by mode
    kept = torch.tensor(res["thr1e-06"]["mask"])
    assert (res["damp1e-06"]["E"][kept] < res["thr1e-06"]["E"][kept]).all()
