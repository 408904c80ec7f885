"""``bench/gpu_check.py``, the GPU check prepared for a GPU machine (``bench/gpu_check.sh``), runs end to end on
CPU with ``--smoke``: while no GPU is lent the script itself cannot rot unnoticed (its CUDA kernels need the
GPU), and a smoke run writes no result file."""

import subprocess
import sys
from pathlib import Path

from muonrepro.pipeline.data import SHARED_MNIST

REPO = Path(__file__).resolve().parents[2]
WRITES = [REPO / "bench" / "gpu_results.json", REPO / "bench" / "results.md"]


def _bytes(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def test_the_gpu_check_runs_on_cpu_and_writes_nothing():
    mnist = (REPO / SHARED_MNIST).resolve()
    args = ["--mnist", str(mnist)] if mnist.exists() else ["--skip", "energy"]  # energy: the real MNIST files
    before = [_bytes(f) for f in WRITES]
    p = subprocess.run(
        [sys.executable, "bench/gpu_check.py", "--smoke", *args], cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    rows = [line for line in p.stdout.splitlines() if line.startswith(("| cifar10", "| multinli", "| tinystories"))]
    assert len(rows) == 6 and all(line.split("|")[3].strip() == "True" for line in rows), rows
    assert "Muon step on CUDA" in p.stdout
    assert [_bytes(f) for f in WRITES] == before
