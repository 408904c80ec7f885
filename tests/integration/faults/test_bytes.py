"""results/data/mnist.pt is byte-identical from run to run: the data_mnist job (workflow/scripts/data/mnist.py)
run twice on the same raw files writes the same bytes (util.io.atomic_torch_save used to let the temporary
file's random name into the zip archive)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[3]
MNIST = (ROOT / ".." / "shared" / "data" / "mnist").resolve()


@pytest.mark.skipif(not (MNIST / "raw").exists(), reason=f"real MNIST not found at {MNIST}")
def test_mnist_tensors_are_byte_identical_across_runs(jobs, tmp_path):
    outs = []
    for i in range(2):
        d = tmp_path / f"run{i}"
        d.mkdir()
        smk = SimpleNamespace(
            input=SimpleNamespace(),
            output=SimpleNamespace(tensors=str(d / "results" / "data" / "mnist.pt"), meta=str(d / "mnist.json")),
            params=SimpleNamespace(root=str(MNIST), download=False),
            log=[str(d / "mnist.log")],
            threads=1,
        )
        jobs.run("data_mnist", smk, timeout=300)
        outs.append(Path(smk.output.tensors).read_bytes())
    assert outs[0] == outs[1]
    assert b".part" not in outs[0]
