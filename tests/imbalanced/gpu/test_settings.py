"""Per-run settings of the GPU-scale experiments from the real config.yaml (scale slices, optimizer overrides)."""

from pathlib import Path

import yaml

from muonrepro.imbalanced.gpu.settings import model_config, model_note, optimizer_config

CFG = yaml.safe_load((Path(__file__).resolve().parents[3] / "config.yaml").read_text())
IG = CFG["imbalanced_gpu"]


def test_models_per_scale():
    small, paper = CFG["scales"]["small"]["imbalanced_gpu"], CFG["scales"]["paper"]["imbalanced_gpu"]
    assert model_config("multinli", IG, paper) == {"pretrained": IG["data"]["bert_dir"]}
    assert model_config("multinli", IG, small) == small["multinli"]["bert"]
    assert "from scratch" in model_note("multinli", IG, small) and "fine-tuned" in model_note("multinli", IG, paper)
    assert model_config("tinystories", IG, paper) == IG["tinystories"]["model"]
    tiny = model_config("tinystories", IG, small)
    assert (
        tiny["d_model"] == small["tinystories"]["model"]["d_model"]
        and tiny["dropout"] == IG["tinystories"]["model"]["dropout"]
    )
    assert model_config("cifar10", IG, small) == {**IG["cifar10"]["model"], "width": small["width"]}


def test_optimizer_overrides_merge_over_the_defaults():
    assert optimizer_config("cifar10", "adam", IG) == IG["optimizers"]["adam"]
    ft = optimizer_config("multinli", "muon", IG)
    assert ft["lr"] == IG["multinli"]["optimizer_overrides"]["muon"]["lr"] != IG["optimizers"]["muon"]["lr"]
    assert ft["aux_adamw"]["lr"] == 2.0e-5 and ft["ns_steps"] == 5
    sgd = {**IG, "multinli": {"optimizer_overrides": {"sgd": {"lr": 0.5}}}}
    assert optimizer_config("multinli", "sgd", sgd) == {**IG["optimizers"]["sgd"], "lr": 0.5}
