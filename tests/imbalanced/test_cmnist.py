"""Colored-MNIST training: group metrics and one training step against independent per-example computations."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from muonrepro.data.colored_mnist import MEAN, STD, build_colored_mnist
from muonrepro.imbalanced.cmnist import Split, group_metrics, run_cmnist
from muonrepro.models import MLP


def tiny_data(n=600):
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 10, (n,), generator=g)
    x = torch.randint(0, 60, (n, 784), generator=g, dtype=torch.uint8)
    x[torch.arange(n), y * 70] = 255  # a class-dependent "stroke" over noise
    mnist = {"train_x": x, "train_y": y, "test_x": x[:200].clone(), "test_y": y[:200].clone()}
    return build_colored_mnist(mnist, n_train=400, n_val=150, n_test=200, correlation=0.7, seed=0)


def features_by_hand(data, split):
    """Per example: channel ch of pixel i = (grey_i / 255 * palette[colour, ch] - MEAN) / STD, flattened."""
    pal = data["palette"].numpy().astype(np.float64)
    rows = []
    for grey, colour in zip(data[f"{split}_x"].numpy(), data[f"{split}_color"].numpy()):
        rows.append(((np.outer(pal[colour], grey / 255.0) - MEAN) / STD).reshape(-1))
    return torch.tensor(np.array(rows), dtype=torch.float32)


def group_metrics_by_hand(model, data, split):
    """Loop over the examples: per (class, colour) group accuracy; minority = mean over the groups present with
    colour != class, majority = over colour == class, worst = min over the groups present, average = all."""
    with torch.no_grad():
        pred = model(features_by_hand(data, split)).argmax(1).tolist()
    hits, counts = {}, {}
    for p, y, c in zip(pred, data[f"{split}_y"].tolist(), data[f"{split}_color"].tolist()):
        hits[(y, c)] = hits.get((y, c), 0) + (p == y)
        counts[(y, c)] = counts.get((y, c), 0) + 1
    acc = {g: hits[g] / counts[g] for g in counts}
    return {
        "minority": np.mean([a for (y, c), a in acc.items() if y != c]),
        "majority": np.mean([a for (y, c), a in acc.items() if y == c]),
        "worst_group": min(acc.values()),
        "average": sum(hits.values()) / sum(counts.values()),
    }


def mlp(seed, layers=2, width=16):
    torch.manual_seed(seed)  # as ColoredMnistTask seeds its model
    return MLP(depth=layers - 1, width=width, in_dim=3 * 784, n_classes=10, bias=True)


def test_group_metrics_against_a_per_example_loop():
    data = tiny_data()
    model = mlp(3)
    for split in ("val", "test"):
        ours = group_metrics(model, Split(data, split, "cpu"), batch=37)  # batches that do not divide n
        ref = group_metrics_by_hand(model, data, split)
        assert ours == pytest.approx(ref, abs=1e-6)


class ColourModel(torch.nn.Module):
    """Predicts the colour: the palette entry nearest to the brightest value of each channel."""

    def __init__(self, palette):
        super().__init__()
        self.palette = palette

    def forward(self, x):
        rgb = x.reshape(len(x), 3, 784).amax(2)
        return -torch.cdist(rgb, (self.palette - MEAN) / STD)


def test_group_metrics_of_a_colour_classifier():
    data = tiny_data()
    m = group_metrics(ColourModel(data["palette"]), Split(data, "test", "cpu"))
    assert m["majority"] == pytest.approx(1.0) and m["minority"] == 0.0 and m["worst_group"] == 0.0
    assert m["average"] == pytest.approx((data["test_y"] == data["test_color"]).float().mean().item())


def test_one_full_batch_sgd_step_against_autograd():
    """Batch = the whole training set, SGD without momentum: the step-1 evaluation is that of
    W - lr grad(mean cross-entropy) at the seeded init, and the logged training loss is the loss at init."""
    data, seed, lr = tiny_data(), 5, 0.5
    df = run_cmnist(
        data,
        layers=2,
        width=16,
        optimizer="sgd",
        opt_cfg={"lr": lr, "momentum": 0.0, "weight_decay": 0.0},
        lrs=[lr],
        epochs=1,
        batch_size=400,
        seed=seed,
        eval_every=1,
        device="cpu",
    )
    model = mlp(seed)
    got = df.set_index(["step", "metric", "group"])["value"]
    for split in ("val", "test"):
        for g, v in group_metrics_by_hand(model, data, split).items():
            assert got[(0, f"{split}_acc", g)] == pytest.approx(v, abs=1e-6)
    loss = F.cross_entropy(model(features_by_hand(data, "train")), data["train_y"])
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
    assert got[(1, "train_loss", "average")] == pytest.approx(loss.item(), rel=1e-5)
    for split in ("val", "test"):
        for g, v in group_metrics_by_hand(model, data, split).items():
            assert got[(1, f"{split}_acc", g)] == pytest.approx(v, abs=1e-6)
    assert sorted(df["step"].unique()) == [0, 1] and (df["experiment"] == "cmnist_L2").all()


def test_runs_are_seeded():
    kw = dict(
        layers=3,
        width=8,
        optimizer="muon",
        opt_cfg={"lr": 0.02, "momentum": 0.95, "aux_adamw": {"lr": 1e-3}},
        lrs=[0.02],
        epochs=1,
        batch_size=64,
        eval_every=4,
        device="cpu",
    )
    a, b = run_cmnist(tiny_data(), seed=1, **kw), run_cmnist(tiny_data(), seed=1, **kw)
    assert a.equals(b)
    assert not a.equals(run_cmnist(tiny_data(), seed=2, **kw))
