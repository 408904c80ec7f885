"""The instrument check of the K-FAC estimator (``estimator.instrument``): the closed-form exact decrement
equals a dense (G + gamma I)^-1 computation on a tiny network; the K-FAC decrement and the per-mode exact
curvatures equal their dense forms; the check passes where K-FAC is exact (a linear MSE layer: C_n = I) and
fails where the per-example output curvature is correlated with the input."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from muonrepro.energy.estimator.factors import probe_factors
from muonrepro.energy.estimator.instrument import (
    ce_terms,
    check,
    compare_layer,
    exact_decrement,
    instrument_run,
    kfac_decrement,
    mode_curvatures,
    phi_times,
    snapshot_indices,
    subsample_variant,
)
from muonrepro.energy.estimator.per_mode import eigh_desc
from muonrepro.models import MLP


def _tiny(seed=0, depth=2, n=9):
    torch.manual_seed(seed)
    model = MLP(depth, 5, in_dim=4, n_classes=3).double()
    x = torch.randn(n, 4, dtype=torch.float64)
    y = torch.randint(0, 3, (n,))
    return model, x, y


def _dense(model, x, y, layer: int):
    """Dense GGN and gradient of hidden layer ``layer``'s weight (row-major vec), straight from autograd:
    G = (1/N) sum_n J_n^T H_n J_n with J_n = d logits_n / d vec(W), g = d mean CE / d vec(W)."""
    W = model.hidden[layer].weight
    params = dict(model.named_parameters())
    key = f"hidden.{layer}.weight"

    def logits_of(w, xn):
        return torch.func.functional_call(model, {**params, key: w}, (xn.unsqueeze(0),)).squeeze(0)

    rows = []
    for xn in x:
        J = torch.func.jacrev(logits_of)(W.detach(), xn).reshape(3, -1)  # (C, m n)
        p = torch.softmax(logits_of(W.detach(), xn), 0)
        H = torch.diag(p) - torch.outer(p, p)
        rows.append(J.T @ H @ J)
    G = torch.stack(rows).mean(0)
    loss = F.cross_entropy(model(x), y)
    g = torch.autograd.grad(loss, W)[0].reshape(-1)
    return G.detach(), g.detach()


@pytest.mark.parametrize("rel_gamma", [1e-2, 1e-6, 1e-10])
@pytest.mark.parametrize("layer", [0, 1])
def test_closed_form_decrement_equals_dense(layer, rel_gamma):
    model, x, y = _tiny()
    G, g = _dense(model, x, y, layer)
    gamma = rel_gamma * float(torch.linalg.eigvalsh(G.detach()).max())
    dense = float(g @ torch.linalg.solve(G + gamma * torch.eye(len(g), dtype=G.dtype), g))
    X, L, V = ce_terms(model, x, y)[layer]
    assert torch.allclose(phi_times(X, L, V).reshape(-1), g, rtol=1e-10, atol=1e-14)  # g = Phi w
    assert exact_decrement(X, L, V, gamma) == pytest.approx(dense, rel=1e-7)


def test_exact_decrement_tends_to_the_output_space_decrement():
    """With the layer's Gram K of full rank and gamma -> 0, D_exact -> (1/N) sum_n (1 - p_y) / p_y."""
    model, x, y = _tiny(n=4)
    X, L, V = ce_terms(model, x, y)[0]  # 4 examples x 3 classes in a 5 x 4 = 20-dim weight space
    p = torch.softmax(model(x), 1).gather(1, y[:, None]).squeeze(1).detach()
    assert exact_decrement(X, L, V, 1e-15) == pytest.approx(float(((1 - p) / p).mean()), rel=1e-5)


def test_ce_terms_gradient_is_the_factor_codes():
    model, x, y = _tiny(depth=3)
    factors, _ = probe_factors(model, x, y, ("exact_ggn",), torch.Generator().manual_seed(0))
    for f, (X, L, V) in zip(factors, ce_terms(model, x, y)):
        assert torch.allclose(phi_times(X, L, V), f["G"], rtol=1e-10, atol=1e-14)
        Cmean = torch.einsum("nma,nka->mk", L, L) / len(X)  # (1/N) sum_n C_n = the exact_ggn Sigma_delta
        assert torch.allclose(Cmean, f["Sd"]["exact_ggn"], rtol=1e-10, atol=1e-14)


def _kfac_inputs(seed=1, n=4, m=3):
    g = torch.Generator().manual_seed(seed)
    A = torch.randn(n, n, generator=g, dtype=torch.float64)
    B = torch.randn(m, m, generator=g, dtype=torch.float64)
    Sx, Sd = A @ A.T + 0.1 * torch.eye(n), B @ B.T + 0.1 * torch.eye(m)
    Gm = torch.randn(m, n, generator=g, dtype=torch.float64)
    return Sx, Sd, Gm


def test_kfac_decrement_equals_dense():
    Sx, Sd, Gm = _kfac_inputs()
    lam, Q = eigh_desc(Sx)
    mu, R = eigh_desc(Sd)
    curv = mu[:, None] * lam[None, :]
    gamma = 0.3
    vec = Gm.T.reshape(-1)  # column-major vec: (Sigma_x kron Sigma_delta) vec(E) = vec(Sd E Sx)
    dense = float(vec @ torch.linalg.solve(torch.kron(Sx, Sd) + gamma * torch.eye(len(vec), dtype=Sx.dtype), vec))
    assert kfac_decrement((R.T @ Gm @ Q).square(), curv, gamma) == pytest.approx(dense, rel=1e-10)


def test_mode_curvatures_equal_dense_rayleigh_quotients():
    gen = torch.Generator().manual_seed(2)
    N, n, m, a = 6, 4, 3, 2
    X = torch.randn(N, n, generator=gen, dtype=torch.float64)
    L = torch.randn(N, m, a, generator=gen, dtype=torch.float64)
    G = sum(torch.kron(torch.outer(X[k], X[k]), L[k] @ L[k].T) for k in range(N)) / N  # column-major vec
    _, Q = eigh_desc(X.T @ X / N)
    _, R = eigh_desc(torch.einsum("nma,nka->mk", L, L) / N)
    s = mode_curvatures(X, L, Q, R)
    for i in range(n):
        for j in range(m):
            v = torch.kron(Q[:, i], R[:, j])
            assert float(s[j, i]) == pytest.approx(float(v @ G @ v), rel=1e-10)


def _mse_layer(seed=3, N=50, n=6, m=4):
    """One linear layer with loss 0.5 ||W x_n - t_n||^2: J_n = I, H_n = I, so L_n = I, v_n = the residual."""
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(N, n, generator=gen, dtype=torch.float64) * torch.linspace(0.1, 3, n, dtype=torch.float64)
    resid = torch.randn(N, m, generator=gen, dtype=torch.float64)
    L = torch.eye(m, dtype=torch.float64).expand(N, m, m).clone()
    G = resid.T @ X / N
    return X, L, resid, G


def _table(ratios: dict) -> pd.DataFrame:
    rows = []
    for opt, rs in ratios.items():
        for k, r in enumerate(rs):
            rows.append(
                {
                    "optimizer": opt,
                    "seed": k,
                    "ratio": r,
                    "exact_decrement": 1.0,
                    "kfac_decrement": r,
                    "s_ratio_log10_median": 0.0,
                }
            )
    return pd.DataFrame(rows)


def test_check_passes_where_kfac_is_exact():
    X, L, V, G = _mse_layer()
    N = len(X)
    row = compare_layer(X, L, V, G, X.T @ X / N, torch.eye(4, dtype=torch.float64), damping=1e-8, rel_threshold=1e-8)
    assert row["ratio"] == pytest.approx(1.0, rel=1e-8)
    assert row["ekfac_decrement"] == pytest.approx(row["exact_decrement"], rel=1e-8)
    assert row["s_ratio_log10_median"] == pytest.approx(0.0, abs=1e-10)
    assert row["grad_residual"] < 1e-12
    res = check(_table({o: [row["ratio"]] * 3 for o in ("adamw", "muon", "sgd")}), 3.0)
    assert res["ok"].all() and len(res) == 3


def test_check_fails_where_output_curvature_follows_the_input():
    """Half the examples point along e1 with C_n = 100 I, half along e2 with C_n = 0.01 I (and residuals 100x
    larger, so that the gradient has weight along e2): the exact GGN is (sum_n c_n^2 x_n x_n^T / N) kron I,
    K-FAC's Sigma_x kron mean(c^2) I puts 5000x too much curvature along e2."""
    gen = torch.Generator().manual_seed(4)
    N, n, m = 40, 3, 2
    X = 0.05 * torch.randn(N, n, generator=gen, dtype=torch.float64)
    X[: N // 2, 0] += 1.0
    X[N // 2 :, 1] += 1.0
    c = torch.where(torch.arange(N) < N // 2, 10.0, 0.1).double()
    L = c[:, None, None] * torch.eye(m, dtype=torch.float64)
    V = torch.randn(N, m, generator=gen, dtype=torch.float64)
    V[N // 2 :] *= 100.0
    G = phi_times(X, L, V)
    Sd = torch.einsum("nma,nka->mk", L, L) / N
    row = compare_layer(X, L, V, G, X.T @ X / N, Sd, damping=1e-8, rel_threshold=1e-8)
    assert row["ratio"] < 1 / 30
    assert not check(_table({"muon": [row["ratio"]] * 3, "sgd": [1.0] * 3}), 3.0).set_index("optimizer")["ok"]["muon"]


def test_check_geometric_mean_and_bounds():
    res = check(_table({"a": [2.9, 2.9], "b": [0.1, 10.0], "c": [4.0, 4.0], "d": [1.0, math.nan]}), 3.0)
    res = res.set_index("optimizer")
    assert res.loc["a", "ok"] and res.loc["b", "ok"]  # geometric mean 1.0: within [1/3, 3]
    assert res.loc["b", "geomean_ratio"] == pytest.approx(1.0)
    assert not res.loc["c", "ok"] and not res.loc["d", "ok"]  # outside; a non-finite cell
    with pytest.raises(ValueError, match="max_factor"):
        check(_table({"a": [1.0]}), 0.5)


def test_snapshot_indices():
    assert snapshot_indices(24, 3) == [0, 12, 23]
    assert snapshot_indices(2, 3) == [0, 1]
    assert snapshot_indices(24, 2) == [0, 23]


def test_instrument_run_rows():
    model, x, y = _tiny(depth=2, n=12)
    snaps = [{"index": 0, "step": 0, "state": {k: v.clone() for k, v in model.state_dict().items()}}]
    est = {"sigma_delta": "sampled1", "probe_seed": 7, "rel_threshold": 1e-8}
    rows = instrument_run(
        model, snaps, x, y, estimator=est, instrument={"damping": 1e-8, "snapshots": 3}, probe_size=30
    )
    assert [r["matrix"] for r in rows] == ["W1", "W2"]
    for r in rows:
        assert np.isfinite(r["ratio"]) and r["ratio"] > 0 and r["grad_residual"] < 1e-10
        assert r["n_probe"] == 12 and r["sigma_delta"] == "sampled3"
        assert r["kfac_literal_decrement"] > 0 and r["kfac_exact_ggn_decrement"] > 0


def test_subsample_variant_keeps_the_probe_sets_count_of_sampled_gradients():
    assert subsample_variant("sampled1", 1000, 128) == "sampled8"
    assert subsample_variant("sampled10", 1000, 1000) == "sampled10"
    assert subsample_variant("sampled2", 10000, 256) == "sampled80"
    assert subsample_variant("exact_ggn", 1000, 128) == "exact_ggn"
    assert subsample_variant("empirical", 1000, 128) == "empirical"
