"""Per-layer SpecGD on deep linear models and the Delta T formula (spec §2.5)."""

import numpy as np
import pytest
import torch

from muonrepro.imbalanced.theory.data_model import make_data_model
from muonrepro.imbalanced.theory.deep_linear import (
    aligned_init,
    delta_t_formula,
    predicted_saturation,
    run_deep_specgd,
    saturation_times,
)

EPS, ETA = 1e-3, 1e-3


@pytest.fixture()
def dm():
    return make_data_model([0.5, 0.3, 0.2], mu=1.0, sigma_x=0.5, d=8, seed=0)


@pytest.mark.parametrize("L", [2, 3, 4])
def test_aligned_init_product(dm, L):
    layers = aligned_init(dm, L, hidden=6, eps=EPS)
    W = layers[0]
    for Wi in layers[1:]:
        W = Wi @ W
    assert torch.allclose(W @ dm.V, EPS**L * torch.eye(3, dtype=W.dtype), atol=1e-18)


@pytest.mark.parametrize("L", [1, 2, 3])
def test_components_grow_as_eps_plus_eta_t_to_the_L(dm, L):
    alpha = run_deep_specgd(dm, L, hidden=6, eps=EPS, eta=ETA, steps=50)
    e = 0.0 if L == 1 else EPS
    expect = (e + ETA * np.arange(51))[:, None] ** L
    assert np.allclose(alpha, np.broadcast_to(expect, alpha.shape), rtol=1e-10, atol=1e-18)


def test_delta_t_formula_reference_values():
    # spec §2.5 table (p = (0.5, 0.3, 0.2), SNR = 4)
    for L, ref in [(1, 0.5), (2, 0.2247), (3, 0.1447), (4, 0.1067)]:
        assert delta_t_formula(4.0, 0.2, 0.5, L) == pytest.approx(ref, abs=1e-4)


def test_delta_t_is_the_ratio_of_predicted_saturation_times(dm):
    for L in (1, 2, 3, 4):
        t = predicted_saturation(dm.r, L, eps=0.0, eta=ETA)
        assert t[0] / t[2] - 1 == pytest.approx(delta_t_formula(dm.snr, 0.2, 0.5, L), rel=1e-12)


def test_saturation_time_interpolation():
    t = np.arange(100, dtype=float)
    alpha = np.stack([(0.01 * t) ** 2, np.minimum((0.01 * t) ** 2, 0.1)], axis=1)
    first, cont = saturation_times(alpha, np.array([0.25, 0.5]), depth=2)
    assert first[0] == 50 and cont[0] == pytest.approx(50.0)
    assert np.isnan(first[1]) and np.isnan(cont[1])
