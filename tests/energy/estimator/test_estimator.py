"""The MLP energy estimator (factors, per-mode energy) against independent computations."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from muonrepro.energy.estimator.factors import layer_factors, output_direct_energy, probe_factors, sample_labels
from muonrepro.energy.estimator.per_mode import eigh_desc, mode_energy
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
    vecE = E.T.reshape(-1)  # column-major vec
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
    (delta,) = torch.autograd.grad(loss * N, y)  # per-sample delta (batch-mean loss x N)
    G = delta.T @ x / N
    Sx = x.T @ x / N
    lam, Q = eigh_desc(Sx)
    e, keep, _ = mode_energy(G.detach(), lam, Q, torch.ones(m), torch.eye(m), rel_threshold=1e-14)
    mean_delta_sq = (delta**2).sum(1).mean()
    torch.testing.assert_close(e.sum(), mean_delta_sq, rtol=1e-10, atol=0)
    torch.testing.assert_close(mean_delta_sq, 2 * loss.detach(), rtol=1e-12, atol=0)


def _per_sample_grads(model, x, labels, li):
    """d CE(x_b, label_b) / d y_l for each sample, by a fresh forward per sample (independent of
    the batched vector-Jacobian products of layer_factors)."""
    out = []
    for b in range(len(x)):
        logits, _, pre = model.forward_with_activations(x[b : b + 1])
        out.append(torch.autograd.grad(F.cross_entropy(logits, labels[b : b + 1]), pre[li])[0][0])
    return torch.stack(out)


def test_layer_factors_match_per_sample_autograd():
    """Every Sigma_delta variant, G and the direct energy against per-sample autograd."""
    torch.manual_seed(0)
    model = MLP(2, 5, in_dim=4, n_classes=3)
    x = torch.randn(9, 4)
    y = torch.randint(0, 3, (9,))
    f = layer_factors(model, x, y, ("empirical", "sampled1", "sampled4", "exact_ggn"), torch.Generator().manual_seed(3))
    probs = torch.softmax(model(x), 1).detach()
    g = torch.Generator().manual_seed(3)
    draws = {1: sample_labels(probs, 1, g), 4: sample_labels(probs, 4, g)}  # same order as layer_factors
    for li in range(2):
        d = _per_sample_grads(model, x, y, li)
        torch.testing.assert_close(f[li]["Sd"]["empirical"], d.T @ d / 9)
        torch.testing.assert_close(f[li]["direct"], float((d**2).sum() / 9))
        for k, s in draws.items():
            gs = torch.cat([_per_sample_grads(model, x, s[:, r], li) for r in range(k)])
            torch.testing.assert_close(f[li]["Sd"][f"sampled{k}"], gs.T @ gs / (9 * k))
        ggn = (
            sum(
                (_per_sample_grads(model, x, torch.full((9,), c), li) * probs[:, c : c + 1].sqrt()).T
                @ (_per_sample_grads(model, x, torch.full((9,), c), li) * probs[:, c : c + 1].sqrt())
                for c in range(3)
            )
            / 9
        )
        torch.testing.assert_close(f[li]["Sd"]["exact_ggn"], ggn)
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    torch.testing.assert_close(f[0]["G"], model.hidden[0].weight.grad)
    torch.testing.assert_close(f[1]["G"], model.hidden[1].weight.grad)
    torch.testing.assert_close(f[0]["Sx"], x.T @ x / 9)


def test_exact_ggn_is_the_mean_of_many_samples():
    torch.manual_seed(1)
    model = MLP(1, 4, in_dim=3, n_classes=4)
    x, y = torch.randn(6, 3), torch.randint(0, 4, (6,))
    f = layer_factors(model, x, y, ("sampled4000", "exact_ggn"), torch.Generator().manual_seed(0))[0]["Sd"]
    assert (f["sampled4000"] - f["exact_ggn"]).norm() / f["exact_ggn"].norm() < 0.05


def test_sampled_labels_are_seeded_and_follow_softmax():
    probs = torch.tensor([[0.2, 0.5, 0.3]]).expand(20000, 3)
    a = sample_labels(probs, 1, torch.Generator().manual_seed(7))
    b = sample_labels(probs, 1, torch.Generator().manual_seed(7))
    assert torch.equal(a, b) and a.shape == (20000, 1)
    freq = torch.bincount(a[:, 0], minlength=3) / len(a)
    assert (freq - probs[0]).abs().max() < 0.015


def test_per_label_path_equals_all_class_path():
    """Without exact_ggn, layer_factors back-propagates one cotangent per label set only; it must give
    the same factors as the all-class path."""
    torch.manual_seed(0)
    model = MLP(2, 5, in_dim=4, n_classes=10)
    x, y = torch.randn(9, 4), torch.randint(0, 10, (9,))
    fast = layer_factors(model, x, y, ("empirical", "sampled1", "sampled4"), torch.Generator().manual_seed(3))
    slow = layer_factors(
        model, x, y, ("empirical", "sampled1", "sampled4", "exact_ggn"), torch.Generator().manual_seed(3)
    )
    for a, b in zip(fast, slow):
        for k in ("Sx", "G", "direct"):
            torch.testing.assert_close(a[k], b[k])
        for v in ("empirical", "sampled1", "sampled4"):
            torch.testing.assert_close(a["Sd"][v], b["Sd"][v])


def test_direct_energy_at_the_logits_by_hand():
    """Two samples, 3 classes: logits 0 -> p = 1/3 each; ||p - e_y||^2 = (2/3)^2 + 2 (1/3)^2 = 2/3. Logits
    (log 2, 0, 0) -> p = (1/2, 1/4, 1/4); label 1: ||(1/2, -3/4, 1/4)||^2 = 14/16."""
    logits = torch.tensor([[0.0, 0.0, 0.0], [np.log(2.0), 0.0, 0.0]])
    y = torch.tensor([2, 1])
    assert output_direct_energy(logits, y) == pytest.approx((2 / 3 + 14 / 16) / 2, rel=1e-12)


def test_direct_energies_match_per_sample_autograd():
    """The abstract's E integrand mean_b ||dl_b/dy||^2 at each monitored pre-activation and at the logits,
    against one forward/backward per sample (the gradient of sample b's own loss)."""
    torch.manual_seed(2)
    model = MLP(2, 6, in_dim=5, n_classes=4)
    x, y = torch.randn(7, 5), torch.randint(0, 4, (7,))
    layers, out = probe_factors(model, x, y, ("sampled1",), torch.Generator().manual_seed(0))
    d_logits, d_pre = [], [[], []]
    for b in range(7):
        logits, _, pre = model.forward_with_activations(x[b : b + 1])
        grads = torch.autograd.grad(F.cross_entropy(logits, y[b : b + 1]), [logits, *pre])
        d_logits.append(grads[0][0].square().sum())
        for li in range(2):
            d_pre[li].append(grads[1 + li][0].square().sum())
    assert out["direct_logits"] == pytest.approx(float(torch.stack(d_logits).mean()), rel=1e-10)
    for li in range(2):
        assert layers[li]["direct"] == pytest.approx(float(torch.stack(d_pre[li]).mean()), rel=1e-10)
