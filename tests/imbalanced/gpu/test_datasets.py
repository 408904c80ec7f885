"""Builders on tiny files in the real on-disk formats; the parameter split; claims bookkeeping."""

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))
import fakes  # noqa: E402

from muonrepro.data.celeba import build_celeba
from muonrepro.data.cifar import build_cifar_step, load_cifar, step_indices
from muonrepro.data.dominoes import build_dominoes
from muonrepro.imbalanced.gpu.groups import summarize
from muonrepro.imbalanced.gpu.status import data_status
from muonrepro.imbalanced.gpu.vision import augment
from muonrepro.models.resnet import resnet


def test_cifar_loaders_and_step(tmp_path):
    ytr, yte = fakes.make_cifar10(tmp_path, per_class_train=40, per_class_test=5)
    raw = load_cifar(tmp_path, "cifar10", verify_md5=False)
    assert raw["train_x"].shape == (400, 3, 32, 32) and raw["train_x"].dtype == torch.uint8
    assert raw["train_y"].tolist() == ytr.tolist() and raw["classes"][9] == "truck"
    with pytest.raises(RuntimeError):  # the real md5 sums reject fake files
        load_cifar(tmp_path, "cifar10", verify_md5=True)
    d = build_cifar_step(tmp_path, "cifar10", [5, 6, 7, 8, 9], 20, None, None, 0, verify_md5=False)
    counts = torch.bincount(d["train_group"], minlength=10).tolist()
    assert counts == [40] * 5 + [2] * 5 and d["minority_groups"] == [5, 6, 7, 8, 9]
    assert torch.bincount(d["test_y"]).tolist() == [5] * 10
    idx = step_indices(torch.arange(10).repeat(100), [0], ratio=20, n_max=60, seed=1)
    assert torch.bincount(torch.arange(10).repeat(100)[idx]).tolist() == [3] + [60] * 9
    fakes.make_cifar100(tmp_path)
    assert load_cifar(tmp_path, "cifar100", verify_md5=False)["train_x"].shape == (300, 3, 32, 32)


@pytest.mark.parametrize("name", ["cifar10", "cifar100"])
def test_unverified_reader_reads_what_torchvision_reads(tmp_path, name):
    from torchvision.datasets import CIFAR10, CIFAR100

    (fakes.make_cifar10 if name == "cifar10" else fakes.make_cifar100)(tmp_path)
    cls = {"cifar10": CIFAR10, "cifar100": CIFAR100}[name]
    no_md5 = {k: [[f, None] for f, _ in getattr(cls, k)] for k in ("train_list", "test_list")}
    plain = type("NoMd5", (cls,), {**no_md5, "meta": {**cls.meta, "md5": None}})
    ours = load_cifar(tmp_path, name, verify_md5=False)
    tv = plain(str(tmp_path), train=True, download=False)  # torchvision's own reading, md5 sums dropped
    assert torch.equal(ours["train_x"], torch.from_numpy(tv.data.transpose(0, 3, 1, 2).copy()))
    assert ours["train_y"].tolist() == list(tv.targets) and ours["classes"] == list(tv.classes)


class _Plant:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))  # would create the marker file when unpickled


def test_a_planted_cifar_pickle_is_refused_without_md5_checks(tmp_path):
    import pickle

    from muonrepro.data.cifar import UnsafePickleError

    fakes.make_cifar10(tmp_path)
    marker = tmp_path / "ran"
    batch = tmp_path / "cifar-10-batches-py" / "data_batch_3"
    batch.write_bytes(pickle.dumps({"labels": [0], "data": _Plant(marker)}))
    with pytest.raises(UnsafePickleError, match="data_batch_3: refusing global io.open"):
        load_cifar(tmp_path, "cifar10", verify_md5=False)
    assert not marker.exists()  # nothing in it ran


def test_cifar_validation_split_is_balanced_disjoint_and_keeps_the_ratio(tmp_path):
    fakes.make_cifar10(tmp_path, per_class_train=40, per_class_test=5)
    raw = load_cifar(tmp_path, "cifar10", verify_md5=False)
    d = build_cifar_step(tmp_path, "cifar10", [5, 6, 7, 8, 9], 20, None, None, 0, verify_md5=False, n_val_per_class=4)
    assert torch.bincount(d["val_y"]).tolist() == [4] * 10 and d["decode"] is False
    assert torch.bincount(d["train_group"], minlength=10).tolist() == [36] * 5 + [1] * 5  # 36 // 20 = 1

    def flat(x):
        return {bytes(v.numpy().tobytes()) for v in x}  # images as keys

    assert not flat(d["val_x"]) & flat(d["train_x"]) and flat(d["val_x"]) <= flat(raw["train_x"])
    assert (d["val_group"] == d["val_y"]).all()


def test_dominoes(tmp_path):
    fakes.make_cifar10(tmp_path, per_class_train=100, per_class_test=20)
    mnist = fakes.make_mnist_pt(tmp_path / "mnist.pt")
    d = build_dominoes(tmp_path, mnist, spurious=1.0, n_val_per_class=10, seed=0, verify_md5=False)
    assert d["train_x"].shape[1:] == (3, 64, 32)
    assert set(d["train_group"].tolist()) == {0, 3}  # spurious 1.0: only digit-agrees groups
    assert torch.bincount(d["val_group"]).tolist() == [5] * 4 and torch.bincount(d["test_group"]).tolist() == [10] * 4
    top = d["test_x"][:, 0, :32].float().mean((1, 2))  # fake MNIST: digit 1 is brighter
    digit = d["test_group"] % 2
    assert top[digit == 1].mean() > top[digit == 0].mean()


def test_celeba(tmp_path):
    names, part, attrs = fakes.make_celeba(tmp_path, n=(8, 4, 4))
    d = build_celeba(tmp_path, image_size=16, verify_md5=False)
    assert d["train_x"].shape == (8, 3, 16, 16) and len(d["val_y"]) == 4 and len(d["test_y"]) == 4
    exp = [(a[1] + 1) // 2 * 2 + (a[2] + 1) // 2 for a, p in zip(attrs, part) if p == 0]
    assert d["train_group"].tolist() == exp


def test_status_and_resnet_split(tmp_path):
    st = data_status("cifar10", {"cifar_root": str(tmp_path / "nope")})
    assert not st["present"] and "imbalanced_gpu.data.cifar_root" in st["message"] and "download=True" in st["message"]
    m = resnet(18, 10, width=4)
    hidden, other = m.hidden_matrices(), m.other_params()
    ids = {id(p) for p in other}
    assert id(m.conv1.weight) in ids and id(m.fc.weight) in ids and all(p.ndim == 4 for p in hidden)
    assert len(hidden) + len(other) == len(list(m.parameters()))


def test_metrics_helpers():
    s = summarize(torch.tensor([1.0, 3.0, 0.0]), torch.tensor([2.0, 4.0, 0.0]), ["a", "b", "c"], [0], [1, 2])
    assert s["a"] == 0.5 and s["worst_group"] == 0.5 and s["balanced"] == 0.625 and "c" not in s
    assert abs(s["average"] - 4 / 6) < 1e-6
    x = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).reshape(2, 3, 8, 8)
    y = augment(x, torch.Generator().manual_seed(0), pad=2)
    assert y.shape == x.shape


def test_augment_returns_contiguous_nchw():
    """The random crop + flip gathers through an NHWC view: its output must be made contiguous NCHW again (on
    the channels-last layout the gather leaves, torch 2.14's CPU conv backward aborted the process for some
    batch sizes, e.g. 9 images through a width-8 ResNet-18)."""
    import torch

    from muonrepro.imbalanced.gpu.vision import augment

    x = torch.randint(0, 255, (9, 3, 32, 32), dtype=torch.uint8)
    out = augment(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and out.is_contiguous()
    # each image is a shifted and possibly flipped copy: its pixels come from the padded original
    assert set(out[0].unique().tolist()) <= set(x[0].unique().tolist()) | {0}
