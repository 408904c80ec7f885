"""The snapshot hook of the monitored runs: log-spaced steps, and the update made right after each log."""

import torch

from muonrepro.energy.estimator.quadrature import log_spaced_steps
from muonrepro.energy.runs import Snapshots, at_steps
from muonrepro.models import MLP


def _step(model, scale):
    with torch.no_grad():
        for p in model.parameters():
            p.add_(scale * torch.ones_like(p))


def test_snapshots_record_the_update_after_each_logged_step():
    torch.manual_seed(0)
    model = MLP(2, 4, in_dim=3, n_classes=2)
    hook = Snapshots(at_steps([0, 1, 3]))
    weights = {}
    for step in range(5):
        if step:
            _step(model, 0.1 * step)  # the update of step `step` adds 0.1 * step
        weights[step] = {n: w.detach().clone() for n, w in zip(model.matrix_names(), model.hidden_matrices())}
        hook.after_step(step, model)
    assert [s["step"] for s in hook.items] == [0, 1, 3]
    for s in hook.items:
        t = s["step"]
        assert set(s["update"]) == {"W1", "W2"}
        for name, dW in s["update"].items():
            torch.testing.assert_close(dW, weights[t + 1][name] - weights[t][name])
            torch.testing.assert_close(dW, torch.full_like(dW, 0.1 * (t + 1)))
        torch.testing.assert_close(s["state"]["hidden.0.weight"], weights[t]["W1"])


def test_the_last_log_has_no_update_and_a_checkpoint_keeps_the_pending_one():
    model = MLP(1, 3, in_dim=2, n_classes=2)
    hook = Snapshots(at_steps([0, 2]))
    for step in range(3):
        if step:
            _step(model, 1.0)
        hook.after_step(step, model)
    assert "update" in hook.items[0] and "update" not in hook.items[-1]  # step 2 is the last step
    resumed = Snapshots(at_steps([0, 2]))
    resumed.load_state_dict(hook.state_dict())
    _step(model, 1.0)
    resumed.after_step(3, model)  # a step after the (pending) log at 2 completes its update
    torch.testing.assert_close(resumed.items[-1]["update"]["W1"], torch.ones(3, 2))


def test_a_non_finite_update_is_dropped_but_the_finite_snapshot_kept():
    model = MLP(1, 3, in_dim=2, n_classes=2)
    hook = Snapshots(at_steps([0]))
    hook.after_step(0, model)
    _step(model, float("inf"))
    hook.after_step(1, model)
    (s,) = hook.finite()
    assert s["step"] == 0 and "update" not in s


def test_log_spaced_steps_of_a_run():
    steps = log_spaced_steps(938, 24)
    assert len(steps) == 24 and steps[0] == 0 and steps[-1] == 938
    assert steps[:5] == [0, 1, 2, 3, 4] and all(b > a for a, b in zip(steps, steps[1:]))


def test_select_lr_job_with_one_lr_takes_it_without_training(tmp_path):
    """Rule energy_select_lr's job; a grid of one lr trains nothing (the MNIST file is not read)."""
    import json
    from types import SimpleNamespace

    from muonrepro.energy.runs import select_lr_job

    params = SimpleNamespace(
        model={"depth": 1, "width": 8, "bias": False},
        opt_cfg={"lr": 0.05},
        grid=[0.05],
        n_train=100,
        val_size=10,
        epochs=1,
        batch_size=10,
        max_extensions=0,
        device="cpu",
    )
    out = tmp_path / "lr.json"
    smk = SimpleNamespace(
        input=SimpleNamespace(mnist=str(tmp_path / "absent.pt")),
        params=params,
        wildcards=SimpleNamespace(opt="sgd"),
        output=[out],
        threads=torch.get_num_threads(),
    )
    select_lr_job(smk)
    assert json.loads(out.read_text())["lr"] == 0.05
