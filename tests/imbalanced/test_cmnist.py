"""Colored-MNIST training loop: per-group metrics by hand and a tiny run of every optimizer."""

import pytest
import torch

from muonrepro.data.colored_mnist import build_colored_mnist
from muonrepro.imbalanced.cmnist import Split, group_metrics, run_cmnist

OPT_CFG = {
    "muon": {"lr": 0.02, "momentum": 0.95, "aux_adamw": {"lr": 1e-3}},
    "nmd": {"lr": 0.3, "momentum": 0.95, "aux_adamw": {"lr": 1e-3}},
    "signum": {"lr": 3e-4, "momentum": 0.95, "aux_adamw": {"lr": 1e-3}},
    "sgd": {"lr": 0.1, "momentum": 0.9},
    "adam": {"lr": 1e-3, "weight_decay": 0.0},
}


def tiny_data(n=600):
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 10, (n,), generator=g)
    x = torch.zeros(n, 784, dtype=torch.uint8)
    x[torch.arange(n), y * 70] = 255  # a class-dependent "stroke"
    mnist = {"train_x": x, "train_y": y, "test_x": x[:200].clone(), "test_y": y[:200].clone()}
    return build_colored_mnist(mnist, n_train=400, n_val=150, n_test=200, correlation=0.99, seed=0)


class ColourModel(torch.nn.Module):
    """Predicts the colour: the sum of the features of each colour's channel profile."""

    def __init__(self, palette):
        super().__init__()
        self.palette = palette

    def forward(self, x):
        rgb = x.reshape(len(x), 3, 784).amax(2)  # brightest value per channel ~ the colour
        return -torch.cdist(rgb, (self.palette - 0.1307) / 0.3081)


def test_group_metrics_of_a_colour_classifier():
    data = tiny_data()
    split = Split(data, "test", "cpu")
    m = group_metrics(ColourModel(data["palette"]), split)
    assert m["majority"] == pytest.approx(1.0)  # colour = class on majority groups
    assert m["minority"] == pytest.approx(0.0) and m["worst_group"] == 0.0
    maj = (data["test_y"] == data["test_color"]).float().mean().item()
    assert m["average"] == pytest.approx(maj)


@pytest.mark.parametrize("opt", sorted(OPT_CFG))
def test_tiny_run_every_optimizer(opt):
    df = run_cmnist(
        tiny_data(),
        layers=2,
        width=16,
        optimizer=opt,
        opt_cfg=OPT_CFG[opt],
        lrs=[OPT_CFG[opt]["lr"]],
        epochs=2,
        batch_size=64,
        seed=0,
        eval_every=3,
        device="cpu",
    )
    assert list(df.columns) == ["experiment", "optimizer", "seed", "lr", "step", "metric", "group", "value"]
    assert set(df["metric"]) == {"val_acc", "test_acc", "train_loss"}
    acc = df[df["metric"] != "train_loss"]
    assert set(acc["group"]) == {"minority", "majority", "worst_group", "average"}
    assert acc["value"].between(0, 1).all()
    assert df["step"].max() == 2 * 7  # ceil(400 / 64) steps per epoch
    assert (df["experiment"] == "cmnist_L2").all()


def test_runs_are_seeded():
    kw = dict(
        layers=3,
        width=8,
        optimizer="muon",
        opt_cfg=OPT_CFG["muon"],
        lrs=[0.02],
        epochs=1,
        batch_size=64,
        eval_every=4,
        device="cpu",
    )
    a, b = run_cmnist(tiny_data(), seed=1, **kw), run_cmnist(tiny_data(), seed=1, **kw)
    assert a.equals(b)
