"""Full-matrix dynamics on the population square loss: hand computations, closed forms and the
equivalence of the theory's Muon with the package's Muon optimizer (spec §1.4, §2.1-2.3)."""

import numpy as np
import pytest
import torch

from muonrepro.imbalanced.theory.data_model import make_data_model
from muonrepro.imbalanced.theory.dynamics import (
    distance_to_gf_path,
    gd_closed_form,
    gf_path,
    nsd_direction,
    run_population,
    specgd_closed_form,
)
from muonrepro.optim.muon import Muon

ETA = 1e-3


@pytest.fixture()
def dm():
    return make_data_model([0.5, 0.3, 0.2], mu=1.0, sigma_x=0.5, d=8, seed=0)


def test_first_steps_by_hand(dm):
    s_yx, _ = dm.moments()
    p = dm.priors
    spec = run_population(dm, "specgd", ETA, 1)
    # G_0 = -Sigma_yx = -diag(mu p) V^T, polar(G_0) = -V^T  =>  W_1 = eta V^T, alpha(1) = eta
    assert np.allclose(spec.W[1], ETA * dm.V.T.numpy(), atol=1e-16)
    ngd = run_population(dm, "ngd", ETA, 1)
    assert np.allclose(ngd.alpha[1], ETA * p / np.linalg.norm(p), atol=1e-16)
    gd = run_population(dm, "gd", ETA, 1)
    assert np.allclose(gd.W[1], ETA * s_yx.numpy(), atol=1e-16)
    sign = run_population(dm, "signgd", ETA, 1)
    assert np.allclose(sign.W[1], ETA * np.sign(s_yx.numpy()), atol=1e-16)


def test_gd_matches_its_closed_form(dm):
    tr = run_population(dm, "gd", 0.05, 300)
    assert np.abs(tr.alpha - gd_closed_form(dm, 0.05, 300)).max() < 1e-12
    assert tr.offdiag.max() < 1e-12 and tr.perp.max() < 1e-12


def test_specgd_before_saturation_is_exactly_eta_t(dm):
    steps = int(dm.r.min() / ETA)
    tr = run_population(dm, "specgd", ETA, steps)
    assert np.abs(tr.alpha - specgd_closed_form(dm, ETA, steps)).max() < 1e-12


def test_muon_first_step_equals_specgd_first_step(dm):
    a = run_population(dm, "muon", ETA, 1, beta=0.9)
    b = run_population(dm, "specgd", ETA, 1)
    assert np.allclose(a.W, b.W, atol=1e-15)


@pytest.mark.parametrize("method", ["svd", "ns5"])
def test_theory_muon_equals_the_muon_optimizer(dm, method):
    """The theory's Muon = package Muon with momentum 0.9, no Nesterov, no shape scaling."""
    steps = 50
    ours = run_population(dm, "muon", ETA, steps, beta=0.9, muon_method=method)
    s_yx, s_xx = dm.moments()
    W = torch.zeros(dm.k, dm.d, dtype=torch.float64, requires_grad=True)
    opt = Muon([W], lr=ETA, momentum=0.9, nesterov=False, method=method, ns_dtype=torch.float64, adjust_lr_fn="none")
    for _t in range(steps):
        W.grad = W.detach() @ s_xx - s_yx
        opt.step()
    assert np.allclose(W.detach().numpy(), ours.W[-1], atol=1e-13)


def test_signgd_equals_specgd_for_axis_aligned_means():
    dma = make_data_model([0.5, 0.3, 0.2], 1.0, 0.5, 8, axis_aligned=True)
    a, b = run_population(dma, "signgd", ETA, 200), run_population(dma, "specgd", ETA, 200)
    assert np.array_equal(a.W, b.W)


def test_nsd_direction_norms():
    G = torch.randn(4, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert torch.linalg.norm(nsd_direction("ngd", G)) == pytest.approx(1.0)
    assert torch.allclose(torch.linalg.svdvals(nsd_direction("specgd", G)), torch.ones(4, dtype=G.dtype))
    assert set(nsd_direction("signgd", G).unique().tolist()) <= {-1.0, 1.0}
    assert torch.equal(nsd_direction("ngd", torch.zeros(2, 2)), torch.zeros(2, 2))
    with pytest.raises(ValueError, match="unknown"):
        nsd_direction("adam", G)


def test_distance_to_gf_path(dm):
    on = gf_path(np.array([0.0, 0.3, 2.0, 10.0]), dm)
    assert distance_to_gf_path(on, dm).max() < 1e-9
    # a point beyond the converged end of the path: its distance is to the endpoint r
    off = dm.r + np.array([0.0, 0.0, 0.01])
    assert distance_to_gf_path(off[None], dm)[0] == pytest.approx(0.01, rel=1e-6)
