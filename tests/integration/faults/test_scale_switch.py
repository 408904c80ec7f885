"""A scale switch and back reruns nothing and loses nothing: each scale writes under its own
results/<scale>/, logs/<scale>/ and benchmarks/<scale>/, and shares only results/data/.

Scale A (small) runs to completion, then scale B (paper, with other sizes), then A again as a dry run.
The cheapest jobs that still show the mechanism: the shared MNIST tensors (data_mnist) and one
per-scale job with a log and a benchmark (precond_lemma), run by rule name at both scales.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
MNIST = (ROOT / ".." / "shared" / "data" / "mnist").resolve()
TARGETS = ["data_mnist", "precond_lemma"]
JOB = re.compile(r"^\s*(?:local)?rule (\w+):$", re.M)

pytestmark = [pytest.mark.workflow, pytest.mark.skipif(not MNIST.exists(), reason=f"real MNIST not found at {MNIST}")]


def _tiny_precond(seed: int, d: int) -> dict:
    """A tiny precond preset; ``seed`` and ``d`` make the two scales' presets differ."""
    return {
        "kappas": [10, 1000],
        "seeds": [seed],
        "mf": {"d": d, "r": 3},
        "mf_asym": {"d1": 10, "d2": 8, "r": 3},
        "icl": {"d": 6, "N": 20},
        "icl_mc": {"d": 3, "N": 6, "prompts": 2000},
        "ns5": {"d": 10, "r": 3},
        "decouple_mf": {"d": d, "r": 3},
        "ablation_kappas": [1000],
        "iters": dict(muon=30, gd=300, adam=200, adam_icl=200, icl_2f=50, decouple=20, s0=100, steps=50, ns5=20),
    }


def smk(wd: Path, scale: str, *args) -> str:
    cfg = wd / f"{scale}.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "scale": scale,
                "papers": ["precond"],
                "stats": {"min_seeds": 1},  # one seed per preset, deliberately
                "data": {"mnist_root": str(MNIST), "download": False},
                "scales": {"small": {"precond": _tiny_precond(0, 12)}, "paper": {"precond": _tiny_precond(1, 9)}},
            }
        )
    )
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory", str(wd)]
    cmd += ["--cores", "2", "--configfile", str(cfg), *args, "--", *TARGETS]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    out = res.stdout + res.stderr
    assert res.returncode == 0, f"snakemake failed ({res.returncode}):\n{out[-5000:]}"
    return out


def files(wd: Path, scale: str) -> dict[str, tuple[str, int]]:
    """Every file of a scale's folders and of the shared data: relative path -> (sha256, mtime in ns)."""
    out = {}
    for top in (f"results/{scale}", f"logs/{scale}", f"benchmarks/{scale}", "results/data", "logs/data"):
        for p in sorted((wd / top).rglob("*")):
            if p.is_file():
                out[str(p.relative_to(wd))] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    return out


def test_scale_switch_and_back_reruns_nothing_and_loses_nothing(tmp_path):
    wd = tmp_path
    ran_a = set(JOB.findall(smk(wd, "small")))
    assert ran_a == set(TARGETS), ran_a
    a = files(wd, "small")
    for f in ("results/data/mnist.pt", "results/small/precond/theory/lemma_scalar.csv"):
        assert f in a, sorted(a)
    assert any(f.startswith("logs/small/") for f in a) and any(f.startswith("benchmarks/small/") for f in a)

    # scale B: its own job, under its own folders; the shared tensors are complete, so not rebuilt
    ran_b = set(JOB.findall(smk(wd, "paper")))
    assert ran_b == {"precond_lemma"}, ran_b
    assert files(wd, "small") == a  # scale A: same files, same bytes, same mtimes
    b = files(wd, "paper")
    own_b = {f for f in b if not f.startswith(("results/data/", "logs/data/"))}
    assert "results/paper/precond/theory/lemma_scalar.csv" in own_b
    assert own_b and all(f.split("/")[1] == "paper" for f in own_b), sorted(own_b)
    assert set(os.listdir(wd / "results")) == {"small", "paper", "data"}

    # back to scale A: nothing to do, nothing touched
    plan = smk(wd, "small", "-n")
    assert "Nothing to be done" in plan and not JOB.findall(plan), plan[-3000:]
    assert files(wd, "small") == a
