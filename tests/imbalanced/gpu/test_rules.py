"""Config views of the imbalanced paper's GPU-scale rules."""

from pathlib import Path
from types import SimpleNamespace

import pytest

from muonrepro.imbalanced.gpu import rules as ig
from muonrepro.pipeline import resources

IG = {
    "data": {"cifar_root": "resources/cifar"},
    "cifar10": {
        "ratio": 20,
        "minority": [5, 6],
        "model": {"depth": 18},
        "optimizers": ["sgd", "muon"],
        "batch_size": 128,
        "select_by": {"metric": "test_acc"},
    },
    "multinli": {"val_fraction": 0.1, "optimizers": ["adam"], "optimizer_overrides": {"adam": {"lr": 2e-5}}},
}
IGS = {
    "seeds": [0, 1],
    "evals_per_epoch": 4,
    "minutes_per_epoch": 5,
    "tune_epochs": 2,
    "lr_grid": {"cifar10": {"sgd": [0.05, 0.1, 0.2]}},
    "cifar10": {"epochs": 3, "n_max": 1000, "minutes_per_epoch": 7},
    "multinli": {"epochs": 2, "max_len": 64, "bert": {"layers": 2}, "model": {"x": 1}},
}


@pytest.fixture()
def raw_files(monkeypatch):
    calls = []

    def fake(exp, data, pretrained):
        calls.append((exp, data, pretrained))
        return [Path("resources/x/a.bin"), Path("resources/x/b.bin")]

    monkeypatch.setattr(ig, "_raw_files", fake)
    return calls


def test_build_inputs_are_the_raw_files(raw_files):
    assert ig.build_inputs("cifar10", IG, True, "results/data/mnist.pt") == {
        "raw": ["resources/x/a.bin", "resources/x/b.bin"]
    }
    assert raw_files == [("cifar10", IG["data"], True)]


def test_dominoes_also_reads_the_prepared_mnist(raw_files):
    assert ig.build_inputs("dominoes", IG, False, "results/data/mnist.pt") == {
        "raw": ["resources/x/a.bin", "resources/x/b.bin"],
        "mnist": "results/data/mnist.pt",
    }


def test_build_config_drops_what_the_build_does_not_read():
    method, sizes = ig.build_config("cifar10", IG, IGS)
    assert method == {"ratio": 20, "minority": [5, 6]}
    assert sizes == {"n_max": 1000}
    method, sizes = ig.build_config("multinli", IG, IGS)
    assert method == {"val_fraction": 0.1}
    assert sizes == {"max_len": 64}


def test_run_files_one_per_optimizer_and_seed():
    assert ig.run_files("cifar10", IG, IGS, "json", "results/paper/") == [
        "results/paper/imbalanced/gpu/cifar10/runs/sgd_seed0.json",
        "results/paper/imbalanced/gpu/cifar10/runs/sgd_seed1.json",
        "results/paper/imbalanced/gpu/cifar10/runs/muon_seed0.json",
        "results/paper/imbalanced/gpu/cifar10/runs/muon_seed1.json",
    ]


def test_sizes_add_the_evaluation_schedule():
    assert ig.sizes("cifar10", IGS) == {"epochs": 3, "n_max": 1000, "minutes_per_epoch": 7, "evals_per_epoch": 4}


def test_minutes_per_epoch_of_the_experiment_or_the_scale():
    assert ig.minutes_per_epoch("cifar10", IGS) == 7
    assert ig.minutes_per_epoch("multinli", IGS) == 5


@pytest.mark.parametrize("scale, gpu", [("paper", 1), ("small", 0)])
def test_train_resources(scale, gpu):
    r = ig.train_resources(scale, IGS)
    cifar, nli = SimpleNamespace(exp="cifar10"), SimpleNamespace(exp="multinli")
    assert r["gpu"] == gpu
    assert r["runtime"](cifar, 1) == 10 + 7 * 3
    assert r["runtime"](nli, 2) == 2 * (10 + 5 * 2)
    assert [r["mem_mb"](cifar, a) for a in (1, 2)] == [ig.MEM_MB[scale], 2 * ig.MEM_MB[scale]]


def test_lr_grid_of_an_experiment_and_optimizer():
    assert ig.lr_grid("cifar10", "sgd", IGS) == [0.05, 0.1, 0.2]
    assert ig.lr_grid("cifar10", "muon", IGS) == [] and ig.lr_grid("celeba", "sgd", IGS) == []


def test_tune_resources_train_one_lr_for_the_tuning_epochs():
    r = ig.tune_resources("paper", IGS)
    cifar = SimpleNamespace(exp="cifar10", ig_opt="sgd", lr="0.1")
    assert r["gpu"] == 1
    assert r["runtime"](cifar, 1) == 10 + 7 * 2
    assert r["runtime"](cifar, 3) == 3 * (10 + 7 * 2)
    assert r["mem_mb"](cifar, 2) == 2 * ig.MEM_MB["paper"]


def test_resources_keep_the_training_request_keys():
    assert set(ig.train_resources("small", IGS)) == set(resources.training("small", 1))


def test_build_memory_follows_the_dataset():
    """CelebA at 128 px, all 202,599 images: ~10 GB of uint8, so the build asks for > 20 GB; CIFAR far less."""
    igs = {"celeba": {"image_size": 128, "n_train": None}, "cifar10": {}, "tinystories": {"n_train_tokens": 1000}}
    assert 9_900 < ig.dataset_mb("celeba", igs) < 10_000
    r = ig.build_resources("paper", igs)
    assert r["gpu"] == 0 and r["mem_mb"](SimpleNamespace(exp="celeba"), 1) > 20_000
    assert r["mem_mb"](SimpleNamespace(exp="cifar10"), 1) < 5_000
    assert r["mem_mb"](SimpleNamespace(exp="celeba"), 2) == 2 * r["mem_mb"](SimpleNamespace(exp="celeba"), 1)
    small = {"celeba": {"image_size": 64, "n_train": 4000, "n_val": 1000, "n_test": 2000}}
    assert ig.dataset_mb("celeba", small) == pytest.approx(7000 * 3 * 64 * 64 / 1e6)


def test_one_tuning_job_per_lr_of_a_grid():
    out = "results/small/"
    files = ig.tune_files("cifar10", "sgd", ig.lr_grid("cifar10", "sgd", IGS), out)
    assert files == [f"results/small/imbalanced/gpu/cifar10/tune/sgd_lr{lr!r}.json" for lr in (0.05, 0.1, 0.2)]
    assert ig.tune_files("cifar10", "muon", ig.lr_grid("cifar10", "muon", IGS), out) == []  # the configured lr
    assert ig.tune_files("cifar10", "sgd", [9e-05, 1.2345678e-3], out) == [
        "results/small/imbalanced/gpu/cifar10/tune/sgd_lr9e-05.json",
        "results/small/imbalanced/gpu/cifar10/tune/sgd_lr0.0012345678.json",
    ]


def test_extended_grid_adds_each_rounds_lr_until_one_is_interior():
    asked = []

    def next_lr(r):
        asked.append(r)
        return {0: 0.025, 1: 0.0125, 2: None}[r]

    assert ig.extended_grid([0.1, 0.05, 0.2], 3, next_lr) == [0.0125, 0.025, 0.05, 0.1, 0.2]
    assert asked == [0, 1, 2]  # round 2 said interior: no round 3
    assert ig.extended_grid([0.05, 0.1], 1, next_lr) == [0.025, 0.05, 0.1]  # max_extensions rounds at most
    assert ig.extended_grid([0.1], 3, next_lr) == [0.1] and ig.extended_grid([], 3, next_lr) == []  # not tuned
    assert ig.extended_grid([0.05, 0.1], 0, next_lr) == [0.05, 0.1]
