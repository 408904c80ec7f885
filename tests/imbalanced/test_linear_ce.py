"""Fig. 4 linear cross-entropy experiment: data, gradient, evaluation grid and a tiny run."""

import numpy as np
import pytest
import torch

from muonrepro.imbalanced.linear_ce import (
    ce_gradient,
    class_accuracies,
    eval_steps,
    make_problem,
    run_linear_ce,
)


def test_problem_is_seeded_and_test_set_is_balanced():
    a = make_problem(d=30, k=5, mu=2.0, sigma_x=1.0, n_train=400, n_test=100, seed=3)
    b = make_problem(d=30, k=5, mu=2.0, sigma_x=1.0, n_train=400, n_test=100, seed=3)
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    assert torch.bincount(a.y_test).tolist() == [20] * 5
    counts = torch.bincount(a.y, minlength=5).numpy()
    assert counts[0] > counts[-1]  # p_c ~ 1/c
    with pytest.raises(ValueError, match="multiple"):
        make_problem(30, 5, 2.0, 1.0, 400, 101, 0)


def test_ce_gradient_matches_autograd():
    prob = make_problem(d=12, k=4, mu=2.0, sigma_x=1.0, n_train=50, n_test=8, seed=0)
    W = torch.randn(4, 12, dtype=torch.float64, generator=torch.Generator().manual_seed(1), requires_grad=True)
    torch.nn.functional.cross_entropy(prob.x @ W.T, prob.y).backward()
    assert torch.allclose(ce_gradient(W.detach(), prob.x, prob.y, 4), W.grad, atol=1e-14)


def test_class_accuracies_by_hand():
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.1]], dtype=torch.float64)
    y = torch.tensor([0, 1, 1])
    acc = class_accuracies(torch.eye(2, dtype=torch.float64), x, y, 2)
    assert acc.tolist() == [1.0, 0.5]


def test_eval_steps():
    s = eval_steps(1000, 20)
    assert s[0] == 0 and s[-1] == 1000 and np.all(np.diff(s) > 0)


def test_tiny_run_is_tidy():
    df = run_linear_ce(
        d=20,
        k=4,
        mu=2.0,
        sigma_x=1.0,
        n_train=200,
        n_test=40,
        steps=30,
        n_eval=8,
        lr_grid={"gd": [0.5], "specgd": [0.01, 0.03]},
        seed=0,
    )
    assert list(df.columns) == ["experiment", "optimizer", "seed", "lr", "step", "metric", "group", "value"]
    assert set(df["group"]) == {"balanced", "worst_class", "majority_class", "minority_class"}
    assert df.groupby(["optimizer", "lr"]).ngroups == 3
    assert df["value"].between(0, 1).all()
    start = df[(df["step"] == 0) & (df["group"] == "balanced")]["value"]
    assert np.allclose(start, 1 / 4)  # W = 0 predicts class 0 everywhere
