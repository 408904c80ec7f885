"""The MLP energy estimator (factors, per-mode energy) against independent computations."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from muonrepro.energy.factors import layer_factors, sample_labels
from muonrepro.energy.per_mode import curvature_deciles, eigh_desc, log_weights, mode_energy
from muonrepro.models import MLP



@pytest.fixture(autouse=True)
def float64_default():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def _spd(n, rng):
    A = rng.standard_normal((n, n))
    Q, _ = np.linalg.qr(A)
    return torch.tensor(Q @ np.diag(np.logspace(0, -2, n)) @ Q.T)


def test_mode_energy_quadratic_identity():
    """G = Sd E Sx on the quadratic: sum e_ij = vec(E)^T (Sx kron Sd) vec(E) = 2 (L - L*)."""
    rng = np.random.default_rng(0)
    n, m = 7, 5
    Sx, Sd = _spd(n, rng), _spd(m, rng)
    E = torch.tensor(rng.standard_normal((m, n)))
    G = Sd @ E @ Sx
    lam, Q = eigh_desc(Sx)
    mu, R = eigh_desc(Sd)
    e, keep, curv = mode_energy(G, lam, Q, mu, R, rel_threshold=1e-14)
    assert keep.all()
    vecE = E.T.reshape(-1)                                # column-major vec
    H = torch.kron(Sx, Sd)
    torch.testing.assert_close(e.sum(), vecE @ H @ vecE, rtol=1e-10, atol=0)
    # per mode: e_ij = lambda_i mu_j a_ij^2 with a = R^T E Q
    a = R.T @ E @ Q
    torch.testing.assert_close(e, curv * a**2, rtol=1e-9, atol=1e-14)
    assert (torch.diff(lam) <= 0).all() and (torch.diff(mu) <= 0).all()


def test_threshold_drops_low_curvature_modes():
    lam, mu = torch.tensor([1.0, 1e-3, 1e-9]), torch.tensor([1.0, 1e-2])
    G = torch.ones(2, 3)
    e, keep, _ = mode_energy(G, lam, torch.eye(3), mu, torch.eye(2), rel_threshold=1e-6)
    assert keep.tolist() == [[True, True, False], [True, True, False]]
    assert (e[~keep] == 0).all()


def test_linear_mse_identity_sum_e_equals_mean_delta_sq_equals_2L():
    """Spec energy.md §5.13: realizable linear regression, Sigma_delta = I."""
    g = torch.Generator().manual_seed(1)
    N, n, m = 400, 6, 3
    x = torch.randn(N, n, generator=g) @ torch.diag(torch.logspace(0, -1, n))
    W, Wstar = torch.randn(m, n, generator=g), torch.randn(m, n, generator=g)
    W.requires_grad_(True)
    y = x @ W.T
    loss = 0.5 * ((y - x @ Wstar.T) ** 2).sum(1).mean()
    (delta,) = torch.autograd.grad(loss * N, y)             # per-sample delta (batch-mean loss x N)
    G = delta.T @ x / N
    Sx = x.T @ x / N
    lam, Q = eigh_desc(Sx)
    e, keep, _ = mode_energy(G.detach(), lam, Q, torch.ones(m), torch.eye(m), rel_threshold=1e-14)
    mean_delta_sq = (delta ** 2).sum(1).mean()
    torch.testing.assert_close(e.sum(), mean_delta_sq, rtol=1e-10, atol=0)
    torch.testing.assert_close(mean_delta_sq, 2 * loss.detach(), rtol=1e-12, atol=0)


def test_layer_factors_match_per_sample_autograd():
    """One backward with a summed loss gives per-sample pre-activation gradients: compare with a
    per-sample loop, for every layer, and the full-probe gradient with autograd's weight gradient."""
    torch.manual_seed(0)
    model = MLP(2, 5, in_dim=4, n_classes=3)
    x = torch.randn(9, 4)
    y = torch.randint(0, 3, (9,))
    ys = torch.randint(0, 3, (9,))
    f = layer_factors(model, x, y, ys)
    for li in range(2):
        gs, ds = [], []
        for b in range(9):                                     # a fresh forward per sample and label set
            for labels, out in ((ys, gs), (y, ds)):
                logits, _, pre = model.forward_with_activations(x[b:b + 1])
                out.append(torch.autograd.grad(F.cross_entropy(logits, labels[b:b + 1]), pre[li])[0][0])
        g, d = torch.stack(gs), torch.stack(ds)
        torch.testing.assert_close(f[li]["Sd"], g.T @ g / 9)
        torch.testing.assert_close(f[li]["direct"], float((d ** 2).sum() / 9))
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    torch.testing.assert_close(f[0]["G"], model.hidden[0].weight.grad)
    torch.testing.assert_close(f[1]["G"], model.hidden[1].weight.grad)
    torch.testing.assert_close(f[0]["Sx"], x.T @ x / 9)


def test_sampled_labels_are_seeded_and_follow_softmax():
    torch.manual_seed(0)
    model = MLP(1, 4, in_dim=3, n_classes=3)
    x = torch.zeros(20000, 3)                                    # one input: labels ~ softmax(model(0))
    a = sample_labels(model, x, torch.Generator().manual_seed(7))
    b = sample_labels(model, x, torch.Generator().manual_seed(7))
    assert torch.equal(a, b)
    p = torch.softmax(model(x[:1]), 1)[0]
    freq = torch.bincount(a, minlength=3) / len(a)
    assert (freq - p).abs().max() < 0.015


def test_log_weights_and_bins():
    np.testing.assert_array_equal(log_weights([0, 50, 100], 120), [50, 50, 20])
    np.testing.assert_array_equal(log_weights([0, 50, 100], 100), [50, 50, 1])
    shares = curvature_deciles(np.array([3.0, 1.0, 2.0, 4.0]), np.array([30.0, 10.0, 20.0, 40.0]), 2)
    np.testing.assert_allclose(shares, [0.3, 0.7])
