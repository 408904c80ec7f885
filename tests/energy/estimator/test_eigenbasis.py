"""The off-diagonal fraction of an update in the Kronecker eigenbasis (claim C5 on the runs)."""

import math

import numpy as np
import pytest
import torch

from muonrepro.energy.estimator.eigenbasis import offdiag_fraction, random_offdiag_fraction


def _orth(k, seed):
    q, _ = torch.linalg.qr(torch.randn(k, k, generator=torch.Generator().manual_seed(seed), dtype=torch.float64))
    return q


def test_an_update_diagonal_in_the_eigenbasis_has_fraction_zero():
    R, Q = _orth(3, 0), _orth(5, 1)
    U = torch.zeros(3, 5, dtype=torch.float64)
    U[0, 0], U[1, 1], U[2, 2] = 2.0, -0.5, 0.1
    dW = R @ U @ Q.T
    assert offdiag_fraction(dW, R, Q) == pytest.approx(0.0, abs=1e-14)


def test_a_hand_made_update():
    """U = [[3, 4], [0, 0]]: diagonal mass 9, total 25 -> 16/25 off the diagonal."""
    R, Q = _orth(2, 2), _orth(2, 3)
    U = torch.tensor([[3.0, 4.0], [0.0, 0.0]], dtype=torch.float64)
    assert offdiag_fraction(R @ U @ Q.T, R, Q) == pytest.approx(16 / 25, rel=1e-12)
    # with dW Q given (shared by the Sigma_delta variants of one input basis): the same fraction
    assert offdiag_fraction(R @ U @ Q.T, R, Q, (R @ U @ Q.T) @ Q) == pytest.approx(16 / 25, rel=1e-12)
    # the same matrix seen in another basis is not diagonal-free: the basis matters
    assert offdiag_fraction(R @ U @ Q.T, torch.eye(2, dtype=torch.float64), torch.eye(2, dtype=torch.float64)) != (
        pytest.approx(16 / 25)
    )


def test_zero_update_is_nan_and_iid_baseline():
    assert math.isnan(offdiag_fraction(torch.zeros(2, 3), torch.eye(2), torch.eye(3)))
    assert random_offdiag_fraction(4, 10) == pytest.approx(1 - 4 / 40)
    g = torch.Generator().manual_seed(0)
    fr = [offdiag_fraction(torch.randn(8, 20, generator=g), torch.eye(8), torch.eye(20)) for _ in range(400)]
    assert np.mean(fr) == pytest.approx(random_offdiag_fraction(8, 20), abs=0.01)
