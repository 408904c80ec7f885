"""A GPU-scale task on the one loop (``imbalanced.gpu.train.fit_task``) and the validation view and score
of the lr selection (``imbalanced.gpu.select``).

Resuming from a checkpoint after a crash must give exactly the rows of an uninterrupted run; a
checkpoint made with other settings is ignored; a non-finite loss ends the run with a ``diverged`` row.
"""

import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from muonrepro.imbalanced.gpu.select import score, validation_view
from muonrepro.imbalanced.gpu.train import COLUMNS, fit_task
from muonrepro.models.mlp import MLP
from muonrepro.training.lr_select import select_lr


class Crash(RuntimeError):
    pass


class ToyTask:
    """A 2-layer MLP on fixed random data; ``crash_at``: raise in the loss call with this (0-based) index."""

    def __init__(self, seed=0, crash_at=None, nan_at=None):
        g = torch.Generator().manual_seed(123)
        self.x = torch.randn(96, 8, generator=g)
        self.y = (self.x[:, 0] > 0).long()
        torch.manual_seed(seed)
        self.model = MLP(2, 16, in_dim=8, n_classes=2)
        self.n_train = len(self.y)
        self.calls, self.crash_at, self.nan_at = 0, crash_at, nan_at

    def loss(self, idx, gen):
        if self.calls == self.crash_at:
            raise Crash
        self.calls += 1
        loss = F.cross_entropy(self.model(self.x[idx]), self.y[idx])
        return loss * float("nan") if self.nan_at is not None and self.calls > self.nan_at else loss

    def evaluate(self, end_of_epoch):
        acc = (self.model(self.x).argmax(1) == self.y).float().mean().item()
        return [("test_acc", "average", acc)] + ([("epoch_end", "average", 1.0)] if end_of_epoch else [])


def _fit(task, ckpt=None, opt="muon", epochs=3, settings=None):
    cfg = {"lr": 0.02, "momentum": 0.95, "aux_adamw": {"lr": 1e-3}} if opt == "muon" else {"lr": 1e-2}
    return fit_task(task, opt, cfg, epochs, 16, 2, 0, checkpoint=ckpt, settings=settings or {"m": 1})


@pytest.mark.parametrize("opt, crash_at, saved_step", [("muon", 6 + 1, 6), ("adam", 6 + 4, 9), ("muon", 12 + 5, 15)])
def test_resume_after_crash_equals_uninterrupted(tmp_path, opt, crash_at, saved_step):
    """6 batches per epoch, evaluations (and checkpoints) after batches 3 and 6: a crash resumes from the last one,
    mid-epoch included, and the resumed run's rows equal an uninterrupted run's."""
    full = _fit(ToyTask(), opt=opt)
    ckpt = tmp_path / "ck.pt"
    with pytest.raises(Crash):
        _fit(ToyTask(crash_at=crash_at), ckpt, opt=opt)
    assert torch.load(ckpt, weights_only=True)["step"] == saved_step
    resumed = _fit(ToyTask(), ckpt, opt=opt)
    pd.testing.assert_frame_equal(resumed, full)
    assert full["step"].max() == 18 and (full["metric"] == "epoch_end").sum() == 3


def test_checkpoint_of_other_settings_is_ignored(tmp_path):
    ckpt = tmp_path / "ck.pt"
    _fit(ToyTask(), ckpt, epochs=1, settings={"m": 1})
    again = _fit(ToyTask(), ckpt, epochs=1, settings={"m": 2})  # other settings: trains from scratch
    pd.testing.assert_frame_equal(again, _fit(ToyTask(), epochs=1))


def test_divergence_is_recorded_and_stops(tmp_path):
    df = _fit(ToyTask(nan_at=4), tmp_path / "ck.pt", opt="adam")
    assert df["metric"].iloc[-1] == "diverged" and df["step"].max() == 6
    assert torch.load(tmp_path / "ck.pt", weights_only=True)["step"] == 3  # the diverged evaluation is not saved


def test_validation_view_and_selection():
    data = {"name": "d", "train_y": torch.zeros(3), "val_x": 1, "val_y": torch.ones(2), "test_x": 2, "test_y": 3}
    v = validation_view(data)
    assert validation_view({"val_tokens": torch.ones(5), "test_tokens": torch.zeros(5)})["test_tokens"].sum() == 5
    assert v["test_x"] == 1 and v["test_y"].tolist() == [1, 1] and "val_x" not in v and "train_y" in v
    with pytest.raises(ValueError, match="no validation split"):
        validation_view({"name": "d", "test_y": torch.ones(1)})

    def rows(values, diverged=False):
        r = [("o", 0, 0, i, "test_loss", "average", v) for i, v in enumerate(values)]
        r += [("o", 0, 0, len(values), "diverged", "average", 1.0)] if diverged else []
        return pd.DataFrame(r, columns=COLUMNS)

    curves = {0.1: rows([3.0, 1.0]), 0.3: rows([3.0, 0.5]), 1.0: rows([3.0, 0.1], diverged=True)}
    assert score(curves[0.3], "test_loss", "average") == 0.5 and score(curves[1.0], "test_loss", "average") is None

    def scored(lr):
        return score(curves[lr], "test_loss", "average")

    out = select_lr([0.1, 0.3, 1.0], 0.2, scored, "min")
    assert out["lr"] == 0.3 and out["scores"]["1.0"] is None
    assert select_lr([0.1, 0.3], 0.2, scored, "max")["lr"] == 0.1
    assert select_lr([], 0.2, scored, "min")["lr"] == 0.2
