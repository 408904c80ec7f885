"""Data model, moments, Lemma values and the DM loss / accuracy formulas (spec §1.1, §1.3)."""

import numpy as np
import pytest
import torch

from muonrepro.imbalanced.theory.data_model import harmonic_priors, lemma_errors, make_data_model, orthonormal_basis
from muonrepro.imbalanced.theory.losses import (
    monte_carlo_accuracy,
    per_class_accuracy,
    per_class_loss,
    per_class_loss_full,
    population_loss,
)


@pytest.fixture()
def dm():
    return make_data_model([0.5, 0.3, 0.2], mu=1.0, sigma_x=0.5, d=8, seed=0)


def test_basis_is_orthonormal_and_not_axis_aligned():
    V = orthonormal_basis(8, 3, seed=1)
    assert torch.allclose(V.T @ V, torch.eye(3, dtype=V.dtype), atol=1e-14)
    assert (V.abs() > 1e-3).sum() > 3  # random, not the standard basis
    assert torch.equal(orthonormal_basis(8, 3, seed=1), V)  # seeded
    A = orthonormal_basis(8, 3, seed=1, axis_aligned=True)
    assert torch.equal(A, torch.eye(8, 3, dtype=A.dtype))


def test_moments_match_their_definition_by_sampling(dm):
    gen = torch.Generator().manual_seed(0)
    x, y = dm.sample(400_000, gen)
    Y = torch.nn.functional.one_hot(y, 3).to(x.dtype)
    s_yx, s_xx = dm.moments()
    assert torch.allclose(Y.T @ x / len(x), s_yx, atol=5e-3)
    assert torch.allclose(x.T @ x / len(x), s_xx, atol=1e-2)


def test_lemma_values(dm):
    # the Lemma's spectra (worked example of spec §3 Fig. 2: s_xx = (0.75, 0.55, 0.45), r = (.667, .545, .444))
    assert np.allclose(dm.s_xx, [0.75, 0.55, 0.45])
    assert np.allclose(dm.r, [2 / 3, 0.3 / 0.55, 0.2 / 0.45])
    assert max(lemma_errors(dm).values()) < 1e-12


def test_harmonic_priors_reference_values():
    p = harmonic_priors(20)
    assert p.sum() == pytest.approx(1.0)
    assert p[0] == pytest.approx(0.2780, abs=1e-4) and p[-1] == pytest.approx(0.0139, abs=1e-4)
    assert p[0] / p[-1] == pytest.approx(20.0)


def test_bad_priors_are_rejected():
    with pytest.raises(ValueError, match="priors"):
        make_data_model([0.5, 0.6], 1.0, 1.0, 4)
    with pytest.raises(ValueError, match="d >= k"):
        make_data_model([0.5, 0.5], 1.0, 1.0, 1)


def test_per_class_loss_formula_matches_the_full_matrix_loss(dm):
    alpha = np.array([0.3, 0.2, 0.1])
    W = torch.as_tensor(np.diag(alpha)) @ dm.V.T  # W_bar = diag(alpha), W V_perp = 0
    Lc = per_class_loss_full(W, dm)
    assert np.allclose(Lc, per_class_loss(alpha, dm.mu, dm.sigma_x), atol=1e-14)
    assert population_loss(W, dm) == pytest.approx(float(dm.priors @ Lc), abs=1e-14)
    # hand value: L_1 = 1/2[(1 - 0.3)^2 + 0.25 * (0.09 + 0.04 + 0.01)]
    assert Lc[0] == pytest.approx(0.5 * (0.49 + 0.25 * 0.14))


def test_population_loss_minimizer(dm):
    s_yx, s_xx = dm.moments()
    W_star = s_yx @ torch.linalg.inv(s_xx)
    assert np.allclose(torch.diagonal(dm.project(W_star)).numpy(), dm.r, atol=1e-12)
    G = W_star @ s_xx - s_yx
    assert float(torch.linalg.norm(G)) < 1e-12


@pytest.mark.parametrize("alpha", [[0.2, 0.2, 0.2], [0.6, 0.3, 0.05], [0.5, 0.0, 0.1], [0.0, 0.5, 0.0, 0.1]])
def test_quadrature_accuracy_matches_monte_carlo(alpha):
    quad = per_class_accuracy(alpha, 1.0, 0.8)
    mc = monte_carlo_accuracy(alpha, 1.0, 0.8, n=200_000, seed=0)
    assert np.allclose(quad, mc, atol=6e-3)


def test_equal_weights_give_equal_class_accuracy():
    acc = per_class_accuracy(np.full(5, 0.1), 1.0, 0.5)
    assert np.ptp(acc) < 1e-12
    assert np.all(np.isnan(per_class_accuracy(np.zeros(3), 1.0, 0.5)))
