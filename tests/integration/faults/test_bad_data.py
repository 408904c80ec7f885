"""Corrupted or truncated MNIST files: a checksum error that names the file, and nothing trained."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from muonrepro.data.mnist import MNIST_MD5, DatasetError, stage_verified

ROOT = Path(__file__).resolve().parents[3]
MNIST = (ROOT / ".." / "shared" / "data" / "mnist").resolve()
RAW = MNIST / "raw"

pytestmark = pytest.mark.skipif(not RAW.exists(), reason=f"real MNIST not found at {RAW}")


def _copy_with(tmp: Path, name: str, damage: str) -> Path:
    """A copy of the MNIST folder (links) whose file ``name`` is damaged; returns the root."""
    raw = tmp / "mnist" / "raw"
    raw.mkdir(parents=True)
    for f in RAW.iterdir():
        if not f.name.startswith(name):
            os.symlink(f, raw / f.name)
    gz = (RAW / f"{name}.gz").read_bytes()
    if damage.endswith("_gz"):
        out, data = raw / f"{name}.gz", gz
    else:  # an uncompressed copy (read before the .gz of the same name)
        out, data = raw / name, gzip.decompress(gz)
    if damage.startswith("truncated"):
        data = data[: len(data) // 2]
    else:  # one flipped byte in the middle, same size
        i = len(data) // 2
        data = data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1 :]
    out.write_bytes(data)
    return tmp / "mnist"


@pytest.mark.parametrize("name", ["train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"])
@pytest.mark.parametrize("damage", ["truncated", "flipped", "truncated_gz", "flipped_gz"])
def test_damaged_file_fails_its_checksum_naming_it(tmp_path, name, damage):
    root = _copy_with(tmp_path, name, damage)
    with pytest.raises(DatasetError) as e:
        stage_verified(root, tmp_path / "stage")
    msg = str(e.value)
    assert name in msg, msg
    assert damage.endswith("_gz") or "md5" in msg, msg
    assert name in MNIST_MD5


@pytest.mark.workflow
def test_truncated_dataset_stops_the_workflow_before_any_training(tmp_path):
    """The whole tiny workflow on a MNIST copy with a truncated training-image file: data_mnist fails
    with the md5 error naming the file, and no job downstream of the data runs."""
    root = _copy_with(tmp_path, "train-images-idx3-ubyte", "truncated")
    wd = tmp_path / "wd"
    wd.mkdir()
    tiny = yaml.safe_load((ROOT / "tests" / "config" / "tiny.yaml").read_text())
    tiny["papers"] = ["energy"]
    tiny["data"] = {"mnist_root": str(root), "download": False}
    tiny["energy"]["depths"] = [1]
    cfg = wd / "tiny.yaml"
    cfg.write_text(yaml.safe_dump(tiny))
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "-s",
            str(ROOT / "Snakefile"),
            "--directory",
            str(wd),
            "--cores",
            "2",
            "--configfile",
            str(cfg),
            "--keep-going",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = res.stdout + res.stderr
    assert res.returncode != 0, out[-3000:]
    log = (wd / "logs" / "data" / "mnist.log").read_text()
    assert "train-images-idx3-ubyte" in log and "md5" in log, log[-2000:]
    assert "Error in rule data_mnist" in out, out[-3000:]
    # nothing that needs the data ran (with --keep-going, the independent theory checks may)
    assert not (wd / "results" / "data" / "mnist.pt").exists()
    assert not (wd / "results" / "small" / "energy" / "lr").exists()
    assert not (wd / "results" / "small" / "energy" / "runs").exists()
    assert not (wd / "results" / "small" / "claims.csv").exists()


def test_first_run_without_mnist_fails_at_once_with_one_message(tmp_path):
    """No MNIST under the configured root and no download: the run stops at parse time, in seconds, before
    any job, with one message naming the folder and a command that fetches the data."""
    import time

    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml.safe_dump({"data": {"mnist_root": str(tmp_path / "m"), "download": False}}))
    t0 = time.monotonic()
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "-s",
            str(ROOT / "Snakefile"),
            "--directory",
            str(tmp_path),
            "--cores",
            "1",
            "--configfile",
            str(cfg),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = res.stdout + res.stderr
    assert res.returncode != 0 and time.monotonic() - t0 < 60, out[-2000:]
    assert out.count("MNIST is missing") == 1 and str((tmp_path / "m").resolve()) in out
    assert "torchvision.datasets.MNIST(" in out and not (tmp_path / "results").exists()
    assert "rule " not in out  # no job was planned or started
