"""The code paths the GPU-scale tasks take only on CUDA (bf16 autocast, channels-last images, SDPA under autocast): a
ResNet on CIFAR-10 STEP, a BERT on MultiNLI and a GPT on TinyStories, one epoch each with Muon and Adam on tiny
fixtures in the real data formats, must finish with finite losses and accuracies in [0, 1]. Marked ``gpu`` and
skipped without CUDA (``bench/gpu_check.sh`` runs them on a GPU machine); each task also runs on CPU, where autocast
and channels-last are off, so that the test itself cannot rot while no GPU is lent."""

from pathlib import Path

import fakes
import fakes_lm
import fakes_nli
import pytest
import torch
import yaml

from muonrepro.imbalanced.gpu import settings
from muonrepro.imbalanced.gpu.datasets import build
from muonrepro.imbalanced.gpu.train import run

CFG = yaml.safe_load((Path(__file__).resolve().parents[3] / "config.yaml").read_text())
NO_CUDA = not torch.cuda.is_available()
SIZES = {
    "cifar10": {"epochs": 1, "n_max": 40, "n_val_per_class": 4},
    "multinli": {
        "epochs": 1,
        "max_len": 32,
        "n_train": 100,
        "n_val": 16,
        "n_test": 60,
        "bert": {"hidden": 32, "layers": 1, "heads": 2, "intermediate": 64},
    },
    "tinystories": {
        "epochs": 1,
        "n_train_tokens": 3000,
        "n_test_tokens": 600,
        "model": {"context": 32, "n_layers": 1, "d_model": 32, "n_heads": 2},
    },
}


@pytest.fixture(scope="module")
def data_cfg(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("gpu_data")
    fakes.make_cifar10(tmp / "cifar", per_class_train=40, per_class_test=10)
    fakes_nli.make_multinli(tmp / "multinli", n_train=160, n_test=60)
    fakes_nli.make_bert_vocab(tmp / "bert")
    fakes_lm.make_tinystories(tmp / "ts", n_train_stories=120, n_valid_stories=30)
    roots = {"cifar_root": "cifar", "multinli_root": "multinli", "tinystories_root": "ts", "bert_dir": "bert"}
    return {**CFG["imbalanced_gpu"]["data"], **{k: str(tmp / v) for k, v in roots.items()}, "verify_md5": False}


def one_epoch(data_cfg: dict, exp: str, opt: str, device: str):
    """The task's rows after one epoch with bf16 autocast and channels-last requested (both on only on CUDA)."""
    if exp == "multinli":
        pytest.importorskip("transformers")
    ig, igs, s = CFG["imbalanced_gpu"], CFG["scales"]["small"]["imbalanced_gpu"], SIZES[exp]
    skip = ("model", "optimizers", "batch_size", "select_by", "optimizer_overrides")
    method = {k: v for k, v in ig[exp].items() if k not in skip}
    data = build(exp, data_cfg, method if exp != "tinystories" else {**method, "vocab_size": 64}, s, 0)
    model = settings.model_config(exp, ig, {**igs, exp: {**igs[exp], **s}, "width": 8})
    opt_cfg = settings.optimizer_config(exp, opt, ig)
    return run(data, model, opt, opt_cfg, 1, 16, 2, 0, device, ig["decode"], amp=True, channels_last=True)


def assert_sane(df) -> None:
    loss = df.loc[df["metric"] == "train_loss", "value"]
    acc = df.loc[df["metric"].str.endswith("acc"), "value"].dropna()
    assert len(loss) and torch.isfinite(torch.tensor(loss.to_numpy())).all(), loss
    assert acc.between(0, 1).all(), acc
    assert not (df["metric"] == "diverged").any()


@pytest.mark.gpu
@pytest.mark.skipif(NO_CUDA, reason="needs a CUDA device")
@pytest.mark.parametrize("opt", ["muon", "adam"])
@pytest.mark.parametrize("exp", list(SIZES))
def test_one_epoch_on_cuda_with_bf16_autocast(data_cfg, exp, opt):
    assert_sane(one_epoch(data_cfg, exp, opt, "cuda"))


# each task once, each optimizer at least once (the ResNet's Muon epoch is the slow one on CPU: its Adam epoch)
@pytest.mark.parametrize(("exp", "opt"), [("cifar10", "adam"), ("multinli", "muon"), ("tinystories", "muon")])
def test_the_same_epoch_runs_on_cpu(data_cfg, exp, opt):
    assert_sane(one_epoch(data_cfg, exp, opt, "cpu"))
