"""MNIST preparation: md5 verification, clear errors, the real files when present."""

import gzip
from pathlib import Path

import pytest

from muonrepro.data.mnist import MNIST_MD5, DatasetError, prepare_mnist, stage_verified

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "mnist"


def test_missing_dataset_says_where_and_how(tmp_path):
    with pytest.raises(DatasetError) as e:
        stage_verified(tmp_path / "nowhere", tmp_path / "stage")
    msg = str(e.value)
    assert "data.mnist_root" in msg and "raw/" in msg and "download" in msg


def test_corrupt_file_fails_on_md5(tmp_path):
    raw = tmp_path / "mnist" / "raw"
    raw.mkdir(parents=True)
    for name in MNIST_MD5:
        with gzip.open(raw / f"{name}.gz", "wb") as fh:
            fh.write(b"not mnist")
    with pytest.raises(DatasetError, match="md5"):
        stage_verified(tmp_path / "mnist", tmp_path / "stage")


@pytest.mark.skipif(not SHARED.exists(), reason="offline MNIST copy ../shared/data/mnist not present")
def test_real_mnist_through_torchvision(tmp_path):
    d = prepare_mnist(SHARED, tmp_path)
    assert tuple(d["train_x"].shape) == (60000, 784) and tuple(d["test_x"].shape) == (10000, 784)
    assert d["train_y"].bincount().tolist()[:3] == [5923, 6742, 5958]  # canonical class counts
    assert int(d["train_x"].max()) == 255
