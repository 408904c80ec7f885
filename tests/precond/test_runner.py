"""The batched loop (first-reach counts, early stopping) and Adam against torch.optim.Adam."""

import numpy as np
import pytest
import torch

from muonrepro.precond.optimizers import GD, Adam
from muonrepro.precond.runner import dense_then_strided, run


class Quadratic:
    """f(x) = 1/2 h x^2 per run; error = |x| (so GD's error is |1 - eta h|^t |x_0|)."""

    def __init__(self, h):
        self.h = np.asarray(h, float)

    def grads(self, params):
        return (self.h[:, None, None] * params[0],)

    def error(self, params):
        return np.abs(params[0][:, 0, 0])


def test_first_reach_counts_are_exact():
    h = np.array([1.0, 0.5, 0.1])
    eta = 0.5
    res = run(Quadratic(h), GD(np.full(3, eta)), (np.ones((3, 1, 1)),), 500, [1e-3, 1e-6])
    for b in range(3):
        rho = abs(1 - eta * h[b])
        for j, eps in enumerate([1e-3, 1e-6]):
            expect = 1 if rho == 0 else int(np.ceil(np.log(eps) / np.log(rho) - 1e-12))
            assert res.first[b, j] == expect


def test_early_stop_keeps_best_of_group():
    h = np.array([1.0, 0.5, 0.1, 0.05])
    groups = np.array([0, 0, 1, 1])
    full = run(Quadratic(h), GD(np.full(4, 0.5)), (np.ones((4, 1, 1)),), 2000, [1e-2, 1e-8])
    stop = run(Quadratic(h), GD(np.full(4, 0.5)), (np.ones((4, 1, 1)),), 2000, [1e-2, 1e-8], stop=True, groups=groups)
    assert stop.iterations_run < full.iterations_run
    for g in (0, 1):
        idx = groups == g
        for j in range(2):
            f_full = np.where(full.first[idx, j] < 0, np.inf, full.first[idx, j]).min()
            f_stop = np.where(stop.first[idx, j] < 0, np.inf, stop.first[idx, j]).min()
            assert f_full == f_stop


def test_unreached_is_minus_one_and_records():
    res = run(
        Quadratic([0.01]),
        GD(np.array([0.1])),
        (np.ones((1, 1, 1)),),
        30,
        [1e-9],
        record=lambda p: {"x": p[0][:, 0, 0]},
        record_when=dense_then_strided(5, 10),
    )
    assert res.first[0, 0] == -1 and res.errors.shape == (1, 31)
    assert list(res.record_t) == [0, 1, 2, 3, 4, 10, 20, 30]


@pytest.mark.parametrize("decay", [1.0, 0.99])
def test_adam_matches_torch(decay):
    rng = np.random.default_rng(0)
    W0 = rng.standard_normal((1, 3, 2))
    A = rng.standard_normal((3, 2))
    grads = lambda W: (2 * (W - A),)  # noqa: E731
    lr0 = 0.05
    ours = Adam(np.array([lr0]), np.array([decay]), 0.9, 0.999, 1e-8)
    W = (W0.copy(),)
    p = torch.tensor(W0[0], requires_grad=True)
    opt = torch.optim.Adam([p], lr=lr0, betas=(0.9, 0.999), eps=1e-8)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=decay)
    for t in range(25):
        W = ours.step(t, W, grads(W[0]))
        opt.zero_grad()
        ((p - torch.from_numpy(A)) ** 2).sum().backward()
        opt.step()
        sched.step()
    np.testing.assert_allclose(W[0][0], p.detach().numpy(), rtol=1e-10, atol=1e-12)
