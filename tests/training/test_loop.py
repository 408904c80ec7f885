"""Device-resident training loop: resume equals uninterrupted run, divergence is recorded."""

import torch

from muonrepro.models import MLP
from muonrepro.optim.registry import build_optimizer
from muonrepro.training.loop import TrainSpec, train


def _data(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 20, generator=g)
    y = x[:, :5].argmax(1)
    return x, y


def _fresh(opt="muon", lr=0.02):
    torch.manual_seed(0)
    model = MLP(2, 16, in_dim=20, n_classes=5)
    return model, build_optimizer(model, opt, {"aux_adamw": {"lr": 1e-3}}, lr)


def test_resume_from_checkpoint_equals_uninterrupted(tmp_path):
    x, y = _data()
    spec = TrainSpec(epochs=3, batch_size=32, seed=4, log_every=5)
    m_full, o_full = _fresh()
    full = train(m_full, o_full, x, y, x, y, spec, progress=False)

    ckpt = tmp_path / "ckpt.pt"
    m1, o1 = _fresh()
    train(
        m1,
        o1,
        x,
        y,
        x,
        y,
        TrainSpec(epochs=1, batch_size=32, seed=4, log_every=5),
        checkpoint=ckpt,
        fingerprint="fp",
        progress=False,
    )
    assert ckpt.exists()
    m2, o2 = _fresh()  # a new process: fresh model, resumes
    resumed = train(m2, o2, x, y, x, y, spec, checkpoint=ckpt, fingerprint="fp", progress=False)
    for a, b in zip(m_full.parameters(), m2.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert [s["step"] for s in resumed.snapshots] == [s["step"] for s in full.snapshots]
    assert [h["test_acc"] for h in resumed.history] == [h["test_acc"] for h in full.history]


def test_checkpoint_with_other_settings_is_ignored(tmp_path):
    x, y = _data()
    ckpt = tmp_path / "ckpt.pt"
    m1, o1 = _fresh()
    train(
        m1, o1, x, y, x, y, TrainSpec(epochs=1, batch_size=32, seed=4), checkpoint=ckpt, fingerprint="a", progress=False
    )
    m2, o2 = _fresh()
    res = train(
        m2, o2, x, y, x, y, TrainSpec(epochs=1, batch_size=32, seed=4), checkpoint=ckpt, fingerprint="b", progress=False
    )
    assert len(res.history) == 1 and res.steps == 8  # trained from scratch


def test_divergence_is_recorded_not_dropped():
    x, y = _data()
    model, opt = _fresh("sgd", lr=1e12)
    res = train(model, opt, x * 1e6, y, x, y, TrainSpec(epochs=3, batch_size=32, seed=0, log_every=2), progress=False)
    assert res.diverged and res.diverged_step is not None
    finite = [all(torch.isfinite(v).all() for v in s["state"].values()) for s in res.snapshots]
    assert all(finite) and res.snapshots[0]["step"] == 0


def test_batches_are_a_seeded_permutation():
    x, y = _data(64)
    runs = []
    for _ in range(2):
        model, opt = _fresh("sgd", lr=0.1)
        train(model, opt, x, y, x, y, TrainSpec(epochs=2, batch_size=16, seed=9), progress=False)
        runs.append([p.detach().clone() for p in model.parameters()])
    for a, b in zip(*runs):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_a_finite_blow_up_counts_as_divergence(monkeypatch):
    import muonrepro.training.loop as loop

    x, y = _data()
    spec = TrainSpec(epochs=3, batch_size=32, seed=0, log_every=2)
    model, opt = _fresh("sgd", lr=10.0)  # epoch-1 loss ~6e15: finite, absurd
    res = train(model, opt, x * 10, y, x, y, spec, progress=False)
    assert res.diverged and res.diverged_step <= 8 and len(res.history) == 1
    monkeypatch.setattr(loop, "MAX_LOSS", float("inf"))  # the same run is not NaN: only the cap catches it
    model, opt = _fresh("sgd", lr=10.0)
    assert not train(model, opt, x * 10, y, x, y, spec, progress=False).diverged
