"""Our Muon against torch.optim.Muon (same convention: EMA momentum, Nesterov lerp, decoupled wd,
"original" shape scaling sqrt(max(1, rows/cols))) and against a hand-written reference step."""

import math

import pytest
import torch

from muonrepro.models import MLP
from muonrepro.optim import Muon, orthogonalize
from muonrepro.optim.registry import build_optimizer


def _params(shapes, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.nn.Parameter(torch.randn(*s, generator=g)) for s in shapes]


def _run(opt_cls, shapes, steps=3, **kw):
    params = _params(shapes)
    opt = opt_cls(params, **kw)
    g = torch.Generator().manual_seed(99)
    for _ in range(steps):
        for p in params:
            p.grad = torch.randn(p.shape, generator=g)
        opt.step()
    return [p.detach().clone() for p in params]


SHAPES = [(64, 32), (32, 64), (48, 48)]
KW = dict(lr=0.02, momentum=0.95, nesterov=True, weight_decay=0.1)


def test_same_update_as_torch_muon_in_bf16():
    ours = _run(Muon, SHAPES, ns_dtype=torch.bfloat16, **KW)
    ref = _run(torch.optim.Muon, SHAPES, **KW)
    for a, b in zip(ours, ref):
        # per-entry step is lr * scale * O(1/sqrt(n)); bf16 NS differs only by rounding
        assert (a - b).abs().max() < 2e-3


def test_float32_update_close_to_torch_muon():
    ours = _run(Muon, SHAPES, ns_dtype=torch.float32, **KW)
    ref = _run(torch.optim.Muon, SHAPES, **KW)
    start = [p.detach() for p in _params(SHAPES)]
    for a, b, p0 in zip(ours, ref, start):
        rel = (a - b).norm() / (b - p0).norm()
        assert rel < 0.05  # bf16 vs float32 Newton-Schulz


@pytest.mark.parametrize("nesterov", [True, False])
def test_matches_reference_formula(nesterov):
    p0 = _params([(6, 4)])[0]
    p = torch.nn.Parameter(p0.detach().clone())
    opt = Muon([p], lr=0.1, momentum=0.9, nesterov=nesterov, weight_decay=0.05, ns_dtype=torch.float64)
    g = torch.Generator().manual_seed(5)
    grads = [torch.randn(6, 4, generator=g) for _ in range(3)]
    w, buf = p0.detach().clone().double(), torch.zeros(6, 4, dtype=torch.float64)
    for gr in grads:
        p.grad = gr.clone()
        opt.step()
        buf = 0.9 * buf + 0.1 * gr.double()  # EMA momentum
        u = 0.1 * gr.double() + 0.9 * buf if nesterov else buf  # Nesterov lerp
        w = w * (1 - 0.1 * 0.05) - 0.1 * math.sqrt(max(1, 6 / 4)) * orthogonalize(u, "ns5", dtype=torch.float64)
    torch.testing.assert_close(p.detach().double(), w, atol=1e-5, rtol=0)


def test_specgd_step_is_exact_polar():
    p = torch.nn.Parameter(torch.zeros(5, 3, dtype=torch.float64))
    opt = Muon([p], lr=1.0, momentum=0.0, method="svd", adjust_lr_fn="none")
    G = torch.randn(5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    p.grad = G
    opt.step()
    U, S, Vh = torch.linalg.svd(G, full_matrices=False)
    torch.testing.assert_close(p.detach(), -(U @ Vh))


def test_conv_kernels_are_flattened():
    p = torch.nn.Parameter(torch.zeros(8, 3, 3, 3, dtype=torch.float64))
    opt = Muon([p], lr=1.0, momentum=0.0, method="svd", adjust_lr_fn="none")
    p.grad = torch.randn(8, 3, 3, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    opt.step()
    M = p.detach().reshape(8, -1)
    torch.testing.assert_close(M @ M.T, torch.eye(8, dtype=torch.float64))


def test_rejects_vectors():
    with pytest.raises(ValueError, match="matrices"):
        Muon([torch.nn.Parameter(torch.zeros(3))])


def test_registry_muon_split():
    model = MLP(2, 16)
    opt = build_optimizer(model, "muon", {"aux_adamw": {"lr": 1e-3}}, lr=0.02)
    muon, adam = opt.optimizers
    assert isinstance(muon, Muon) and isinstance(adam, torch.optim.AdamW)
    muon_ids = {id(p) for g in muon.param_groups for p in g["params"]}
    adam_ids = {id(p) for g in adam.param_groups for p in g["params"]}
    assert muon_ids == {id(model.hidden[0].weight), id(model.hidden[1].weight)}
    assert muon_ids.isdisjoint(adam_ids) and len(muon_ids | adam_ids) == len(list(model.parameters()))
    with pytest.raises(ValueError, match="unknown optimizer"):
        build_optimizer(model, "lion", {}, lr=1.0)
