"""The one training loop: schedules, the sample-weighted training loss, one divergence rule, hooks,
and checkpoints (resume equals an uninterrupted run; a foreign checkpoint is discarded)."""

import math

import pytest
import torch
import torch.nn.functional as F

from muonrepro.models import MLP
from muonrepro.optim.registry import build_optimizer
from muonrepro.training import loop
from muonrepro.training.checkpoint import Checkpoint, fingerprint
from muonrepro.training.loop import FitSpec, epoch_ends, every_and_log_spaced, fit, per_epoch
from muonrepro.training.run import train_run


class Task:
    """A small MLP classification task; evaluation = accuracy on the training data."""

    def __init__(self, n=200, seed=0, scale=1.0):
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randn(n, 20, generator=g) * scale
        self.y = self.x[:, :5].argmax(1)
        torch.manual_seed(0)
        self.model = MLP(2, 16, in_dim=20, n_classes=5)
        self.n_train = n

    def loss(self, idx, gen):
        return F.cross_entropy(self.model(self.x[idx]), self.y[idx])

    def evaluate(self, end_of_epoch):
        acc = (self.model(self.x).argmax(1) == self.y).float().mean().item()
        return [("acc", "average", acc), ("end", "average", float(end_of_epoch))]


class StepLog:
    """A hook that records the steps it saw (and is checkpointed)."""

    def __init__(self):
        self.steps = []

    def after_step(self, step, model):
        self.steps.append(step)

    def state_dict(self):
        return {"steps": list(self.steps)}

    def load_state_dict(self, state):
        self.steps = list(state["steps"])


def _opt(task, name="muon", lr=0.02):
    return build_optimizer(task.model, name, {"aux_adamw": {"lr": 1e-3}}, lr)


def test_schedules():
    assert epoch_ends(5, 3) == {5, 10, 15}
    assert per_epoch(2)(5, 2) == {0, 2, 5, 7, 10}  # batches round(5*1/2)=2 and 5 of each epoch, and step 0
    assert per_epoch(1)(4, 1) == {0, 4}
    s = every_and_log_spaced(4, 5)(10, 2)  # 20 steps
    assert {0, 4, 8, 12, 16, 20} <= s and {1, 2} <= s and max(s) == 20


def test_rows_and_sample_weighted_training_loss():
    """200 examples in batches of 64 (64, 64, 64, 8): the logged training loss is the sample-weighted mean."""
    task = Task()
    losses = []
    orig = task.loss

    def loss(idx, gen):
        v = orig(idx, gen)
        losses.append((v.item(), len(idx)))
        return v

    task.loss = loss
    res = fit(task, _opt(task), FitSpec(epochs=1, batch_size=64, seed=1, schedule=epoch_ends))
    (row,) = [r for r in res.rows if r[2] == "train_loss"]
    want = sum(v * n for v, n in losses) / sum(n for _, n in losses)
    assert row[:2] == (1.0, 4) and row[4] == pytest.approx(want, rel=1e-6)
    assert [r[2] for r in res.rows] == ["train_loss", "acc", "end"] and res.rows[-1][4] == 1.0
    assert res.steps == 4 and not res.diverged


def test_evaluations_follow_the_schedule_and_hooks_see_every_step():
    task, hook = Task(), StepLog()
    res = fit(task, _opt(task), FitSpec(epochs=2, batch_size=50, seed=1, schedule=per_epoch(2)), hooks=[hook])
    assert sorted({r[1] for r in res.rows if r[2] == "acc"}) == [0, 2, 4, 6, 8]
    assert not any(r[2] == "train_loss" for r in res.rows if r[1] == 0)  # step 0: no training loss yet
    assert hook.steps == list(range(9))
    ends = {r[1]: r[4] for r in res.rows if r[2] == "end"}
    assert ends == {0: 0.0, 2: 0.0, 4: 1.0, 6: 0.0, 8: 1.0}


def test_same_seed_same_run():
    runs = []
    for _ in range(2):
        task = Task()
        res = fit(task, _opt(task, "sgd", 0.1), FitSpec(epochs=2, batch_size=16, seed=9))
        runs.append((res.rows, [p.detach().clone() for p in task.model.parameters()]))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.mark.parametrize("case", ["nan_loss", "finite_blow_up", "nan_parameters"])
def test_one_divergence_rule(case, monkeypatch):
    """Each part of the rule stops the run: non-finite loss, a finite loss above MAX_LOSS, non-finite
    parameters with a finite loss."""
    task = Task(scale=1e6 if case == "nan_loss" else 1.0)
    if case == "nan_loss":
        opt = _opt(task, "sgd", 1e12)
    elif case == "finite_blow_up":
        opt = _opt(task, "sgd", 0.1)
        orig = task.loss
        task.loss = lambda idx, gen: orig(idx, gen) + 1e7  # finite, absurd
    else:  # a parameter off the loss's path turns NaN: the loss stays finite
        task.model.unused = torch.nn.Parameter(torch.zeros(1))
        opt = _opt(task, "sgd", 0.01)
        orig_step = opt.step

        def step():
            orig_step()
            with torch.no_grad():
                task.model.unused.fill_(float("nan"))

        opt.step = step
    res = fit(task, opt, FitSpec(epochs=3, batch_size=50, seed=0))
    assert res.diverged and res.diverged_step == 4 and res.steps == 4  # detected at the first evaluation
    assert res.rows[-1][2:] == ("diverged", "average", 1.0)
    if case == "finite_blow_up":  # the same run without the cap is not caught: the cap is what stops it
        monkeypatch.setattr(loop, "MAX_LOSS", math.inf)
        task2 = Task()
        orig2 = task2.loss
        task2.loss = lambda idx, gen: orig2(idx, gen) + 1e7
        assert not fit(task2, _opt(task2, "sgd", 0.1), FitSpec(epochs=1, batch_size=50, seed=0)).diverged


def _run(tmp_path, epochs, fp, path="ckpt.pt", hook=None, **kw):
    task = Task()
    ck = Checkpoint(tmp_path / path, fp, log=kw.pop("log", print))
    res = fit(
        task,
        _opt(task),
        FitSpec(epochs=epochs, batch_size=32, seed=4, schedule=per_epoch(3)),
        hooks=[hook] if hook else [],
        checkpoint=ck,
        **kw,
    )
    return task, res


def test_resume_mid_epoch_equals_uninterrupted(tmp_path):
    fp = fingerprint({"a": 1})
    full_task, full = _run(tmp_path, 3, fp, path="full.pt", hook=StepLog())

    class Stop(Exception):
        pass

    def stop_after(n):  # a crash right after the n-th evaluation's checkpoint
        calls = {"n": 0}

        def log(msg):
            pass

        orig = Checkpoint.save

        def save(self, state):
            orig(self, state)
            calls["n"] += 1
            if calls["n"] == n:
                raise Stop

        return save, log

    save, log = stop_after(4)  # evaluations at steps 2, 5, 7 (epoch 1: 7 batches of 32), ...: stop mid-epoch 2
    Checkpoint.save, orig = save, Checkpoint.save
    try:
        with pytest.raises(Stop):
            _run(tmp_path, 3, fp, hook=StepLog())
    finally:
        Checkpoint.save = orig
    state = torch.load(tmp_path / "ckpt.pt", weights_only=True)
    assert 0 < state["step"] % 7 and state["step"] < 21  # mid-epoch
    hook = StepLog()
    task, res = _run(tmp_path, 3, fp, hook=hook)
    assert res.resumed_at == state["step"]
    assert res.rows == full.rows and res.steps == full.steps
    assert hook.steps == list(range(22))
    for a, b in zip(full_task.model.parameters(), task.model.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.mark.parametrize("part", ["settings", "code", "data"])
def test_checkpoint_of_other_settings_code_or_data_is_discarded(tmp_path, part):
    code, data = tmp_path / "loop.py", tmp_path / "data.pt"
    code.write_text("x = 1\n")
    data.write_bytes(b"abc")
    fp = fingerprint({"a": 1}, [code], [data])
    _run(tmp_path, 1, fp)
    assert (tmp_path / "ckpt.pt").exists()
    if part == "settings":
        fp2 = fingerprint({"a": 2}, [code], [data])
    elif part == "code":
        code.write_text("x = 2\n")
        fp2 = fingerprint({"a": 1}, [code], [data])
    else:
        data.write_bytes(b"abd")
        fp2 = fingerprint({"a": 1}, [code], [data])
    assert [k for k in fp if fp[k] != fp2[k]] == [part]
    logs = []
    fresh_task, fresh = _run(tmp_path, 2, fp2, path="other.pt")
    _, res = _run(tmp_path, 2, fp2, log=logs.append)
    assert res.resumed_at is None and res.rows == fresh.rows  # trained from scratch, like a fresh run
    assert any("discarding checkpoint" in m and f"other {part}" in m for m in logs), logs


class Evil:
    def __reduce__(self):
        import pathlib

        return (pathlib.Path.write_text, (pathlib.Path(EVIL_MARK), "pwned"))


EVIL_MARK = "/tmp/muonrepro-test-evil-checkpoint"


def test_a_malicious_checkpoint_is_refused_without_running_code(tmp_path):
    import os

    if os.path.exists(EVIL_MARK):
        os.remove(EVIL_MARK)
    torch.save({"fingerprint": fingerprint({"a": 1}), "model": Evil()}, tmp_path / "ckpt.pt")
    logs = []
    _, res = _run(tmp_path, 1, fingerprint({"a": 1}), log=logs.append)
    assert not os.path.exists(EVIL_MARK)
    assert res.resumed_at is None and any("cannot be read safely" in m for m in logs)


def test_epoch_lines_in_the_log():
    task, logs = Task(), []
    fit(task, _opt(task), FitSpec(epochs=2, batch_size=100, seed=0), log=logs.append)
    assert [m.split(" (")[0] for m in logs] == ["[train] epoch 1/2", "[train] epoch 2/2"]
    assert all("train_loss" in m for m in logs)


# training.run.train_run, the one run setup: the same run as building the optimizer, the checkpoint and fit by hand
OPT_CFG = {"aux_adamw": {"lr": 1e-3}}


def _spec():
    return FitSpec(epochs=2, batch_size=32, seed=4, schedule=per_epoch(3), name="t")


def test_train_run_equals_the_hand_made_setup(tmp_path):
    code = tmp_path / "code.py"
    code.write_text("x = 1\n")
    settings = {"a": 1}
    by_hand = Task()
    ck = Checkpoint(tmp_path / "hand.pt", fingerprint(settings, [code], []))
    want = fit(by_hand, _opt(by_hand), _spec(), hooks=[StepLog()], checkpoint=ck)
    task, hook = Task(), StepLog()
    got = train_run(
        task,
        "muon",
        OPT_CFG,
        0.02,
        _spec(),
        checkpoint=tmp_path / "run.pt",
        settings=settings,
        code=[code],
        hooks=[hook],
    )
    assert got.rows == want.rows and hook.steps == list(range(got.steps + 1))
    for a, b in zip(by_hand.model.parameters(), task.model.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_a_checkpoint_of_other_settings_is_not_resumed(tmp_path):
    path = tmp_path / "ckpt.pt"
    Checkpoint(path, fingerprint({"lr": 0.5})).save({"step": 3})
    res = train_run(Task(), "muon", OPT_CFG, 0.02, _spec(), checkpoint=path, settings={"lr": 0.02})
    assert res.resumed_at is None and res.steps == 14


def test_a_checkpointed_run_needs_its_settings(tmp_path):
    with pytest.raises(ValueError, match="settings"):
        train_run(Task(), "muon", OPT_CFG, 0.02, _spec(), checkpoint=tmp_path / "c.pt")
