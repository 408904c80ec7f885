"""Colored-MNIST builder: colour assignment, correlation, group counts, colouring (spec §4.2)."""

from pathlib import Path

import pytest
import torch

from muonrepro.data.colored_mnist import (
    DEFAULT_PALETTE,
    MEAN,
    STD,
    assign_colors,
    build_colored_mnist,
    colorize,
    group_counts,
    group_ids,
    is_majority,
)

MNIST_ROOT = Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist"


def fake_mnist(n_train=30000, n_test=5000, seed=0):
    g = torch.Generator().manual_seed(seed)
    return {
        "train_x": torch.randint(0, 256, (n_train, 784), generator=g, dtype=torch.uint8),
        "train_y": torch.randint(0, 10, (n_train,), generator=g),
        "test_x": torch.randint(0, 256, (n_test, 784), generator=g, dtype=torch.uint8),
        "test_y": torch.randint(0, 10, (n_test,), generator=g),
    }


@pytest.fixture(scope="module")
def data():
    return build_colored_mnist(fake_mnist(), n_train=20000, n_val=2000, n_test=5000, correlation=0.99, seed=0)


def test_training_correlation_and_minority_colours(data):
    y, c = data["train_y"], data["train_color"]
    frac = is_majority(y, c).float().mean().item()
    n = len(y)
    assert abs(frac - 0.99) < 4 * (0.99 * 0.01 / n) ** 0.5  # binomial, 4 sigma
    counts = group_counts(y, c)
    assert counts.sum().item() == n


def test_minority_colours_are_uniform_over_the_other_nine():
    g = torch.Generator().manual_seed(1)
    y = torch.randint(0, 10, (200_000,), generator=g)
    c = assign_colors(y, 0.5, g)
    counts = group_counts(y, c).float()
    share = counts / counts.sum(1, keepdim=True)
    assert torch.allclose(torch.diagonal(share), torch.full((10,), 0.5), atol=0.015)
    off = share[~torch.eye(10, dtype=torch.bool)]
    assert (off - 0.5 / 9).abs().max() < 0.008  # ~5 binomial sigma per cell


def test_assign_colors_extremes():
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 10, (1000,), generator=g)
    assert torch.equal(assign_colors(y, 1.0, g), y)
    c0 = assign_colors(y, 0.0, g)
    assert not (c0 == y).any()
    with pytest.raises(ValueError, match="correlation"):
        assign_colors(y, 1.5, g)


def test_test_colours_are_independent_of_the_class(data):
    y, c = data["test_y"], data["test_color"]
    frac = is_majority(y, c).float().mean().item()
    assert abs(frac - 0.1) < 4 * (0.09 / len(y)) ** 0.5
    assert torch.bincount(c, minlength=10).min().item() > 0.08 * len(y)


def test_splits_groups_and_shapes(data):
    assert data["train_x"].shape == (20000, 784) and data["train_x"].dtype == torch.uint8
    assert data["val_x"].shape == (2000, 784) and data["test_x"].shape == (5000, 784)
    assert torch.equal(data["train_group"], group_ids(data["train_y"], data["train_color"]))
    assert data["palette"].shape == (10, 3)
    again = build_colored_mnist(fake_mnist(), 20000, 2000, 5000, 0.99, seed=0)
    assert torch.equal(again["train_color"], data["train_color"])
    with pytest.raises(ValueError, match="exceeds"):
        build_colored_mnist(fake_mnist(), 29000, 2000, 10, 0.99, 0)


def test_train_and_val_are_disjoint():
    m = fake_mnist(3000, 100)
    m["train_x"] = torch.arange(3000).repeat_interleave(784).reshape(3000, 784).to(torch.uint8)
    # make every image unique through its first 2 pixels
    m["train_x"][:, 0] = (torch.arange(3000) % 256).to(torch.uint8)
    m["train_x"][:, 1] = (torch.arange(3000) // 256).to(torch.uint8)
    d = build_colored_mnist(m, 2000, 1000, 50, 0.99, 0)

    def key(x):
        return set((x[:, 0].long() + 256 * x[:, 1].long()).tolist())

    assert not key(d["train_x"]) & key(d["val_x"])


def test_colorize_by_hand():
    x = torch.zeros(2, 784, dtype=torch.uint8)
    x[0, 5] = 255
    x[1, 7] = 51
    pal = torch.tensor(DEFAULT_PALETTE)
    f = colorize(x, torch.tensor([3, 9]), pal, "cpu").reshape(2, 3, 784)
    assert torch.allclose(f[0, :, 5], (pal[3] - MEAN) / STD)
    assert torch.allclose(f[1, :, 7], (0.2 * pal[9] - MEAN) / STD)
    assert torch.allclose(f[0, :, 0], torch.full((3,), -MEAN / STD))


@pytest.mark.skipif(not (MNIST_ROOT / "raw").exists(), reason="real MNIST copy not available")
def test_real_mnist_build(tmp_path):
    from muonrepro.data.mnist import prepare_mnist

    d = build_colored_mnist(prepare_mnist(MNIST_ROOT, tmp_path), 2000, 500, 1000, 0.99, seed=0)
    assert torch.bincount(d["train_y"], minlength=10).min() > 100
    assert is_majority(d["train_y"], d["train_color"]).float().mean() > 0.97
