"""Resource requests of the rules: a GPU only at paper scale, runtime from the epochs, memory and
runtime doubling with each retry."""

from types import SimpleNamespace

import pytest

from muonrepro.pipeline import resources

WC = SimpleNamespace(exp="cifar10", opt="muon")


@pytest.mark.parametrize("scale, gpu", [("paper", 1), ("small", 0)])
def test_training_asks_for_a_gpu_only_at_paper_scale(scale, gpu):
    r = resources.training(scale, 3)
    assert r["gpu"] == gpu
    assert r["cpus_per_gpu"] == 2


@pytest.mark.parametrize("scale", ["paper", "small"])
def test_training_runtime_is_start_plus_minutes_per_epoch_times_epochs(scale):
    r = resources.training(scale, 7)
    assert r["runtime"](WC, 1) == 10 + resources.MINUTES_PER_EPOCH[scale] * 7
    assert r["mem_mb"](WC, 1) == resources.TRAIN_MEM_MB[scale]


def test_training_epochs_and_minutes_may_be_functions_of_the_wildcards():
    epochs = {"cifar10": 4, "celeba": 2}
    minutes = {"cifar10": 5, "celeba": 30}
    r = resources.training("paper", lambda wc: epochs[wc.exp], minutes_per_epoch=lambda wc: minutes[wc.exp])
    assert r["runtime"](SimpleNamespace(exp="cifar10"), 1) == 10 + 5 * 4
    assert r["runtime"](SimpleNamespace(exp="celeba"), 1) == 10 + 30 * 2


def test_training_memory_and_minutes_overrides():
    r = resources.training("small", 2, mem_mb=1234, minutes_per_epoch=0.5)
    assert r["mem_mb"](WC, 1) == 1234
    assert r["runtime"](WC, 1) == 10 + 0.5 * 2


@pytest.mark.parametrize("job", [resources.training("paper", 5), resources.extraction("paper")])
@pytest.mark.parametrize("attempt", [2, 3])
def test_memory_and_runtime_grow_with_each_attempt(job, attempt):
    assert job["mem_mb"](WC, attempt) == attempt * job["mem_mb"](WC, 1)
    assert job["runtime"](WC, attempt) == attempt * job["runtime"](WC, 1)


@pytest.mark.parametrize("scale", ["paper", "small"])
def test_extraction_is_a_cpu_job_of_the_scale(scale):
    r = resources.extraction(scale)
    mem, minutes = resources.EXTRACT[scale]
    assert r["gpu"] == 0
    assert (r["mem_mb"](WC, 1), r["runtime"](WC, 1)) == (mem, minutes)


@pytest.mark.parametrize("tune_epochs, grid, epochs", [(3, 4, 12), (3, 2, 6), (3, 1, 0), (3, 0, 0), (0, 5, 0)])
def test_tuning_epochs_train_every_lr_of_a_grid_and_none_without_one(tune_epochs, grid, epochs):
    assert resources.tuning_epochs(tune_epochs, grid) == epochs
