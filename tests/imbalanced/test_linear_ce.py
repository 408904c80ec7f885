"""Fig. 4 linear cross-entropy experiment: gradient, update rules and accuracy rows against independent numpy
computations (per-example loops, numpy SVD), and the data's sampling law."""

import numpy as np
import pytest
import torch

from muonrepro.imbalanced.linear_ce import (
    accuracy_rows,
    ce_gradient,
    class_accuracies,
    eval_steps,
    make_problem,
    run_linear_ce,
    run_rule,
)
from muonrepro.imbalanced.theory.data_model import harmonic_priors
from muonrepro.imbalanced.theory.dynamics import nsd_direction


def small_problem(seed=0, n_val=60):
    return make_problem(d=12, k=4, mu=3.0, sigma_x=1.0, n_train=80, n_test=40, seed=seed, n_val=n_val)


def test_ce_gradient_matches_autograd():
    prob = small_problem()
    W = torch.randn(4, 12, dtype=torch.float64, generator=torch.Generator().manual_seed(1), requires_grad=True)
    torch.nn.functional.cross_entropy(prob.x @ W.T, prob.y).backward()
    assert torch.allclose(ce_gradient(W.detach(), prob.x, prob.y, 4), W.grad, atol=1e-14)


def np_gradient(W, x, y, k):
    """Mean cross-entropy gradient, one example at a time: (softmax(W x_i) - e_{y_i}) x_i^T / n."""
    G = np.zeros_like(W)
    for xi, yi in zip(x, y):
        z = W @ xi
        p = np.exp(z - z.max())
        p /= p.sum()
        p[yi] -= 1
        G += np.outer(p, xi)
    return G / len(y)


def np_direction(rule, G):
    if rule == "gd":
        return G
    if rule == "ngd":
        return G / np.linalg.norm(G)
    if rule == "signgd":
        return np.sign(G)
    U, s, Vt = np.linalg.svd(G, full_matrices=False)  # specgd: truncated polar factor, nonzero singular values -> 1
    r = int((s > 1e-10 * s.max()).sum())
    return U[:, :r] @ Vt[:r]


def np_accuracies(W, x, y, k):
    """Per-class accuracy, one example at a time."""
    hits, counts = np.zeros(k), np.zeros(k)
    for xi, yi in zip(x, y):
        hits[yi] += int(np.argmax(W @ xi) == yi)
        counts[yi] += 1
    return np.where(counts > 0, hits / np.maximum(counts, 1), np.nan)


@pytest.mark.parametrize("rule, lr", [("gd", 0.5), ("ngd", 0.05), ("signgd", 0.005), ("specgd", 0.05)])
def test_run_rule_against_an_independent_numpy_loop(rule, lr):
    """Six full-batch steps from W = 0 of each rule (SpecGD's step = -lr polar(G)), re-done in numpy: the
    logged validation and test accuracy rows at every step agree."""
    prob, steps = small_problem(), 6
    rows = run_rule(prob, rule, lr, steps, np.arange(steps + 1))
    got = {(s, m, g): v for s, m, g, v in rows}
    x, y = prob.x.numpy(), prob.y.numpy()
    W = np.zeros((4, 12))
    for step in range(steps + 1):
        for metric, xs, ys in (("val_acc", prob.x_val, prob.y_val), ("test_acc", prob.x_test, prob.y_test)):
            acc = np_accuracies(W, xs.numpy(), ys.numpy(), 4)
            assert got[(step, metric, "balanced")] == pytest.approx(np.nanmean(acc))
            assert got[(step, metric, "worst_class")] == pytest.approx(np.nanmin(acc))
            assert got[(step, metric, "majority_class")] == pytest.approx(acc[0])
            assert got[(step, metric, "minority_class")] == pytest.approx(acc[-1])
        W = W - lr * np_direction(rule, np_gradient(W, x, y, 4))
    assert got[(steps, "test_acc", "balanced")] > 0.25  # the steps moved W off the all-ties start


def test_specgd_step_is_the_truncated_polar_factor():
    """The cross-entropy gradient's rows sum to 0 (softmax rows sum to 1), so it has rank k - 1: SpecGD's
    direction keeps its k - 1 nonzero singular values, set to 1, and no component along the all-ones class
    direction."""
    prob = small_problem()
    W = torch.randn(4, 12, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    D = nsd_direction("specgd", ce_gradient(W, prob.x, prob.y, 4)).numpy()
    assert np.allclose(D, np_direction("specgd", np_gradient(W.numpy(), prob.x.numpy(), prob.y.numpy(), 4)))
    assert np.allclose(np.linalg.svd(D, compute_uv=False), [1.0, 1.0, 1.0, 0.0])
    assert np.allclose(D.sum(0), 0.0)


def test_class_accuracies_and_rows_by_hand():
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.1], [0.2, 1.0]], dtype=torch.float64)
    y = torch.tensor([0, 1, 1, 2])
    acc = class_accuracies(torch.eye(3, 2, dtype=torch.float64), x, y, 3)
    assert acc.tolist() == [1.0, 0.5, 0.0]  # row 2 of W is 0: class 2 never wins
    assert class_accuracies(torch.eye(3, 2, dtype=torch.float64), x[:3], y[:3], 3)[2] != 0  # NaN: no example
    rows = {g: v for _, _, g, v in accuracy_rows(7, "test_acc", np.array([0.9, 0.5, np.nan, 0.2]))}
    assert rows == pytest.approx(
        {"balanced": (0.9 + 0.5 + 0.2) / 3, "worst_class": 0.2, "majority_class": 0.9, "minority_class": 0.2}
    )


def test_problem_sampling_law():
    """Labels follow p_c ~ 1/c (chi-square), the test set is balanced, and x - class mean is N(0, sigma^2 I)."""
    k, n = 5, 20000
    prob = make_problem(d=30, k=k, mu=2.0, sigma_x=1.5, n_train=n, n_test=5000, seed=3)
    counts = torch.bincount(prob.y, minlength=k).numpy()
    expected = n * harmonic_priors(k)
    assert ((counts - expected) ** 2 / expected).sum() < 20.5  # chi-square, 4 dof: P(> 20.5) < 0.001
    assert torch.bincount(prob.y_test).tolist() == [1000] * k
    means = torch.stack([prob.x_test[prob.y_test == c].mean(0) for c in range(k)])  # 1000 samples per class
    resid = prob.x_test - means[prob.y_test]
    assert resid.std().item() == pytest.approx(1.5, rel=0.01)
    train_means = torch.stack([prob.x[prob.y == c].mean(0) for c in range(k)])
    assert (train_means - means).abs().max().item() < 6 * 1.5 / np.sqrt(counts.min())  # same class means
    again = make_problem(d=30, k=k, mu=2.0, sigma_x=1.5, n_train=n, n_test=5000, seed=3)
    assert torch.equal(again.x, prob.x)
    with pytest.raises(ValueError, match="multiple"):
        make_problem(30, 5, 2.0, 1.0, 400, 101, 0)


def test_eval_steps_and_tidy_run():
    s = eval_steps(1000, 20)
    assert s[0] == 0 and s[-1] == 1000 and np.all(np.diff(s) > 0) and len(s) <= 21
    df = run_linear_ce(20, 4, 2.0, 1.0, 200, 40, 30, 8, {"gd": [0.5], "specgd": [0.01, 0.03]}, seed=0, n_val=40)
    assert df.groupby(["optimizer", "lr"]).ngroups == 3 and set(df["metric"]) == {"val_acc", "test_acc"}
    start = df[(df["step"] == 0) & (df["group"] == "balanced")]["value"]
    assert np.allclose(start, 1 / 4)  # W = 0: every logit ties, argmax = class 0
