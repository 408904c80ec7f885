"""``bench/gpu.py``, the timings of the GPU check (``bench/gpu_check.sh``), runs on CPU with ``--smoke`` at tiny sizes
and writes nothing: while no GPU is lent the script cannot rot unnoticed. (The check's CUDA code paths are the tests
marked ``gpu``, ``tests/imbalanced/gpu/test_cuda_paths.py``.)"""

import subprocess
import sys
from pathlib import Path

from muonrepro.pipeline.data import SHARED_MNIST

REPO = Path(__file__).resolve().parents[2]
WRITES = [REPO / "bench" / "gpu_results.json", REPO / "bench" / "results.md"]


def _bytes(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def test_the_gpu_bench_runs_on_cpu_and_writes_nothing():
    mnist = (REPO / SHARED_MNIST).resolve()
    args = ["--mnist", str(mnist)] if mnist.exists() else ["--skip", "energy"]  # energy: the real MNIST files
    before = [_bytes(f) for f in WRITES]
    p = subprocess.run(
        [sys.executable, "bench/gpu.py", "--smoke", *args], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    assert "| 256x784 (W1) |" in p.stdout
    assert ("Paper-scale energy run" in p.stdout) == mnist.exists()
    assert [_bytes(f) for f in WRITES] == before
