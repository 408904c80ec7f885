"""Shared Kronecker quadratics of the energy theory tests."""

import numpy as np
import pytest

from muonrepro.energy.theory import quadratic as qd


@pytest.fixture(scope="module")
def P():
    return qd.make_quadratic(np.random.default_rng(0), n=6, m=4)


@pytest.fixture(scope="module")
def P_tall():
    return qd.make_quadratic(np.random.default_rng(5), n=3, m=5, low=0.05, high=2.0)
