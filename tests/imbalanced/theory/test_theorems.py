"""Flows and loss gaps of Theorems 1-2 (spec §2.1-2.4): formulas, the RK4 NGF integrator against
scipy, the samplers, and the spec's reference values for hand cases."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from muonrepro.imbalanced.theory.losses import per_class_loss
from muonrepro.imbalanced.theory.theorems import (
    gap_ratios,
    gf,
    losses,
    make_cases,
    ngf,
    sample_inside,
    sample_outside,
    specgf,
    time_grid,
)


@pytest.fixture()
def cases():
    return make_cases([1.0, 2.0], [0.5, 1.0], [[0.5, 0.3, 0.2], [0.4, 0.3, 0.2, 0.1]])


def test_padding_and_derived_quantities(cases):
    assert cases.k.tolist() == [3, 4]
    assert cases.minority.tolist() == [2, 3]
    assert cases.t_star[0] == pytest.approx(0.2 / 0.45)
    assert cases.t_star[1] == pytest.approx(2 * 0.1 / (4 * 0.1 + 1))


def test_flows_closed_forms(cases):
    t = np.array([[0.1, 0.2], [0.1, 0.2]])
    a = gf(t, cases)
    assert a[0, 1, 0] == pytest.approx(cases.r[0, 0] * (1 - np.exp(-0.75 * 0.2)))
    assert np.all(a[0, :, 3] == 0)  # padded class stays 0
    s = specgf(np.array([[0.1, 10.0]]), cases.subset([0]))
    assert np.allclose(s[0, 0, :3], 0.1) and np.allclose(s[0, 1, :3], cases.r[0, :3])


def test_ngf_rk4_matches_scipy(cases):
    c = cases.subset([1])
    t = time_grid(c, 20)
    ours = ngf(t, c, substeps=10)[0, :, :4]
    s_yx, s_xx = c.s_yx[0], c.s_xx[0]

    def f(_, a):
        g = s_yx - a * s_xx
        return g / np.linalg.norm(g)

    ref = solve_ivp(f, (0, t[0, -1]), np.zeros(4), t_eval=t[0], rtol=1e-11, atol=1e-13).y.T
    assert np.abs(ours - ref).max() < 1e-9


def test_losses_by_hand(cases):
    c = cases.subset([0])
    alpha = np.array([[[0.3, 0.2, 0.1, 0.0]]])  # padded to the batch width 4
    Lm, Lb = losses(alpha, c)
    L = per_class_loss(alpha[0, 0, :3], 1.0, 0.5)
    assert Lm[0, 0] == pytest.approx(L[2]) and Lb[0, 0] == pytest.approx(L.mean())


def test_samplers_respect_the_conditions():
    rng = np.random.default_rng(0)
    inside = sample_inside(200, rng, (1, 5), (0.1, 5), 39)
    assert inside.conditions().all()
    assert np.allclose(np.where(inside.mask, inside.p, 0).sum(1), 1)
    outside = sample_outside(100, rng, (0.25, 5), (0.1, 5), (2, 39))
    assert not outside.conditions().any()


def test_reference_values_of_the_spec():
    # spec §2.4: "Thm 1 without conditions, e.g. mu=3, k=3: minority 0.234, balanced 0.003"
    hand = make_cases([3.0], [1.0], [[0.5, 0.3, 0.2]])
    r = gap_ratios(hand, 200, "gf")
    assert r["min_minority"][0] == pytest.approx(0.234, abs=1e-3)
    assert r["min_balanced"][0] == pytest.approx(0.003, abs=1e-3)
    # spec §2.4: NGF balanced hand case mu = sigma = 1, p = (0.5, 0.5 - 1/23, 1/23): 0.453
    hand2 = make_cases([1.0], [1.0], [[0.5, 0.5 - 1 / 23, 1 / 23]])
    assert gap_ratios(hand2, 200, "ngf", 10)["min_balanced"][0] == pytest.approx(0.453, abs=1e-3)


def test_gap_at_small_t_follows_the_linearisation():
    """For t -> 0: L^GF_m - L^Spec_m ~ mu t (1 - mu p_m) (first order), so gap/(mu t) -> 1 - mu p_m."""
    c = make_cases([1.0], [1.0], [[0.6, 0.3, 0.1]])
    t = np.array([[1e-6]])
    Lm_g, _ = losses(gf(t, c), c)
    Lm_s, _ = losses(specgf(t, c), c)
    assert (Lm_g - Lm_s)[0, 0] / 1e-6 == pytest.approx(1 - 0.1, rel=1e-4)
