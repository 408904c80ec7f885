"""orthogonalize: exact polar factor (svd) and the NS5 recipe of torch.optim.Muon (ns5)."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.optim._muon import _zeropower_via_newtonschulz

from muonrepro.optim.orthogonalize import NS5_COEFFICIENTS, orthogonalize


def _rand(m, n, seed=0, dtype=torch.float64):
    return torch.randn(m, n, generator=torch.Generator().manual_seed(seed), dtype=dtype)


@settings(max_examples=25, deadline=None)
@given(m=st.integers(1, 12), n=st.integers(1, 12), seed=st.integers(0, 10_000))
def test_svd_is_polar_factor(m, n, seed):
    G = _rand(m, n, seed)
    P = orthogonalize(G, method="svd")
    # independent formula: G (G^T G)^{-1/2} (full column rank) or (G G^T)^{-1/2} G (full row rank)
    Gn = G.numpy()
    if m >= n:
        w, V = np.linalg.eigh(Gn.T @ Gn)
        ref = Gn @ V @ np.diag(w**-0.5) @ V.T
    else:
        w, V = np.linalg.eigh(Gn @ Gn.T)
        ref = V @ np.diag(w**-0.5) @ V.T @ Gn
    np.testing.assert_allclose(P.numpy(), ref, atol=1e-8)
    # partial isometry: all singular values are one
    np.testing.assert_allclose(torch.linalg.svdvals(P).numpy(), 1.0, atol=1e-10)


def test_svd_truncates_rank_deficient():
    u, v = _rand(6, 1, 1), _rand(4, 1, 2)
    G = 3.0 * u @ v.T  # rank one
    P = orthogonalize(G, method="svd")
    ref = (u / u.norm()) @ (v / v.norm()).T
    torch.testing.assert_close(P, ref, atol=1e-12, rtol=0)


@pytest.mark.parametrize("shape", [(256, 784), (784, 256), (32, 32), (10, 64)])
def test_ns5_bf16_matches_torch_muon(shape):
    G = _rand(*shape, seed=3, dtype=torch.float32)
    ours = orthogonalize(G, method="ns5", dtype=torch.bfloat16)
    ref = _zeropower_via_newtonschulz(G, NS5_COEFFICIENTS, 5, 1e-7).float()
    # the same recipe in the same precision: only bf16 rounding of the summation order differs
    assert (ours - ref).abs().max() < 0.02


@pytest.mark.parametrize("shape", [(256, 784), (784, 256), (64, 64)])
def test_ns5_float32_is_near_polar(shape):
    G = _rand(*shape, seed=4, dtype=torch.float32)
    X = orthogonalize(G, method="ns5", dtype=torch.float32)
    # NS5 is an odd polynomial in G: X = U p(S) V^T with G's singular vectors, so U^T X V is diagonal
    U, S, Vh = torch.linalg.svd(G.double(), full_matrices=False)
    D = U.T @ X.double() @ Vh.T
    off = D - torch.diag(torch.diagonal(D))
    assert off.norm() / torch.diagonal(D).norm() < 1e-3
    # Keller Jordan's coefficients give singular values in about [0.7, 1.2], not exactly 1
    d = torch.diagonal(D)
    assert 0.5 < d.min() and d.max() < 1.3 and (d - 1).abs().max() > 0.05


def test_unknown_method():
    with pytest.raises(ValueError, match="method"):
        orthogonalize(torch.eye(2), method="qr")
