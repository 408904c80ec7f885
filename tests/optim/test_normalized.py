"""NMD and Signum against hand computations; their registry builders (spec §1.4)."""

import pytest
import torch

from muonrepro.models import MLP
from muonrepro.optim.normalized import NMD, Signum
from muonrepro.optim.registry import build_optimizer


def step_with(opt, p, grads):
    for g in grads:
        p.grad = g.clone()
        opt.step()
    return p.detach().clone()


G1 = torch.tensor([[3.0, -4.0], [0.0, 0.0]])
G2 = torch.tensor([[1.0, 1.0], [-2.0, 0.0]])


def test_nmd_by_hand_no_nesterov():
    p = torch.nn.Parameter(torch.ones(2, 2))
    opt = NMD([p], lr=0.1, momentum=0.9, nesterov=False)
    out = step_with(opt, p, [G1])
    assert torch.allclose(out, torch.ones(2, 2) - 0.1 * G1 / 5.0)  # buf = 0.1 G1, normalised = G1/||G1||
    buf = 0.9 * 0.1 * G1 + 0.1 * G2
    out2 = step_with(opt, p, [G2])
    assert torch.allclose(out2, out - 0.1 * buf / buf.norm(), atol=1e-7)


def test_nmd_nesterov_and_weight_decay():
    p = torch.nn.Parameter(torch.ones(2, 2))
    opt = NMD([p], lr=0.1, momentum=0.5, nesterov=True, weight_decay=0.2)
    out = step_with(opt, p, [G2])
    buf = 0.5 * G2
    upd = G2 + 0.5 * (buf - G2)  # g.lerp(buf, beta)
    assert torch.allclose(out, torch.ones(2, 2) * (1 - 0.1 * 0.2) - 0.1 * upd / upd.norm(), atol=1e-7)


def test_signum_by_hand():
    p = torch.nn.Parameter(torch.zeros(2, 2))
    opt = Signum([p], lr=0.01, momentum=0.9, nesterov=False)
    out = step_with(opt, p, [G1, G2])
    buf = 0.9 * 0.1 * G1 + 0.1 * G2  # [[.37, -.26], [-.2, 0]]
    first = -0.01 * torch.sign(G1)
    assert torch.allclose(out, first - 0.01 * torch.sign(buf))
    assert out[1, 1] == 0.0  # sign(0) = 0: no move


def test_momentum_free_variants_are_ngd_and_signgd():
    from muonrepro.imbalanced.theory.dynamics import nsd_direction

    g = torch.randn(3, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    for cls, rule in ((NMD, "ngd"), (Signum, "signgd")):
        p = torch.nn.Parameter(torch.zeros(3, 5, dtype=torch.float64))
        out = step_with(cls([p], lr=0.3, momentum=0.0), p, [g])
        assert torch.allclose(out, -0.3 * nsd_direction(rule, g))


def test_nmd_zero_gradient_does_not_move():
    p = torch.nn.Parameter(torch.ones(2, 3))
    assert torch.equal(step_with(NMD([p], lr=1.0, momentum=0.0), p, [torch.zeros(2, 3)]), torch.ones(2, 3))


def test_conv_kernels_are_normalised_as_matrices():
    p = torch.nn.Parameter(torch.zeros(4, 2, 3, 3))
    g = torch.randn(4, 2, 3, 3, generator=torch.Generator().manual_seed(0))
    out = step_with(NMD([p], lr=1.0, momentum=0.0), p, [g])
    assert out.shape == p.shape and out.norm().item() == pytest.approx(1.0, rel=1e-6)


@pytest.mark.parametrize("name", ["nmd", "signum"])
def test_registry_builders_split_parameters_like_muon(name):
    model = MLP(depth=2, width=8, in_dim=12, n_classes=3)
    opt = build_optimizer(model, name, {"momentum": 0.9, "aux_adamw": {"lr": 1e-3}}, 0.05)
    main, aux = opt.optimizers

    def ids(o):
        return [id(p) for g in o.param_groups for p in g["params"]]

    assert ids(main) == [id(p) for p in model.hidden_matrices()]
    assert sorted(ids(main) + ids(aux)) == sorted(id(p) for p in model.parameters())
    assert isinstance(aux, torch.optim.AdamW) and isinstance(main, {"nmd": NMD, "signum": Signum}[name])
