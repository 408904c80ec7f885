"""orthogonalize_np: the float64 numpy entry point of the shared orthogonalize (msgn = exact polar factor of the
preconditioning paper, spec §4.1; NS5, §5.7), used by the theory code of every paper."""

import numpy as np
import torch

from muonrepro.optim.orthogonalize import REL_CUTOFF, orthogonalize, orthogonalize_np
from muonrepro.precond.steps import singular_values


def msgn(G):
    return orthogonalize_np(G, "svd", rel_cutoff=1e-12)


def ns5(G):
    return orthogonalize_np(G, "ns5")


def test_msgn_is_the_polar_factor():
    G = np.random.default_rng(0).standard_normal((3, 7, 4))
    P = msgn(G)
    for g, p in zip(G, P):
        np.testing.assert_allclose(p.T @ p, np.eye(4), atol=1e-13)
        S = p.T @ g  # symmetric positive definite when p is the polar factor
        np.testing.assert_allclose(S, S.T, atol=1e-12)
        assert np.linalg.eigvalsh((S + S.T) / 2).min() > 0


def test_msgn_of_symmetric_is_sign_of_eigenvalues():
    rng = np.random.default_rng(1)
    Q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    D = np.array([3.0, -1.0, 0.5, -2e-3, 1e-5])
    np.testing.assert_allclose(msgn((Q * D) @ Q.T), (Q * np.sign(D)) @ Q.T, atol=1e-12)


def test_msgn_rank_cut_and_zero():
    assert np.all(msgn(np.zeros((2, 4, 3))) == 0)
    rng = np.random.default_rng(2)
    u, v = rng.standard_normal((6, 1)), rng.standard_normal((4, 1))
    P = msgn((u @ v.T + 1e-14 * rng.standard_normal((6, 4)))[None])[0]
    np.testing.assert_allclose(P, (u / np.linalg.norm(u)) @ (v / np.linalg.norm(v)).T, atol=1e-10)


def test_msgn_is_rotation_equivariant():
    rng = np.random.default_rng(3)
    G = rng.standard_normal((6, 3))
    L, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    R, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    np.testing.assert_allclose(msgn((L @ G @ R)[None])[0], L @ msgn(G[None])[0] @ R, atol=1e-12)


def test_wrappers_call_the_shared_orthogonalize():
    G = np.random.default_rng(4).standard_normal((2, 5, 3))
    ref = orthogonalize(torch.from_numpy(G), method="ns5", dtype=torch.float64).numpy()
    np.testing.assert_array_equal(ns5(G), ref)
    s = np.linalg.svd(ns5(G), compute_uv=False)
    assert s.min() > 0.3 and s.max() < 1.5  # NS5 is only approximately orthogonal


def test_non_finite_runs_are_isolated():
    G = np.random.default_rng(5).standard_normal((3, 4, 2))
    G[1, 0, 0] = np.nan
    out = msgn(G)
    assert np.isnan(out[1]).all() and np.isfinite(out[[0, 2]]).all()
    assert np.isnan(singular_values(G)[1]).all()


def test_one_default_cutoff():
    """The exact polar factor's default cutoff is REL_CUTOFF for torch and numpy callers alike."""
    G = np.diag([1.0, 0.5 * REL_CUTOFF, 2.0 * REL_CUTOFF])
    P = orthogonalize_np(G)
    np.testing.assert_allclose(np.diag(P), [1.0, 0.0, 1.0], atol=1e-15)
    np.testing.assert_array_equal(P, orthogonalize(torch.from_numpy(G), method="svd").numpy())
