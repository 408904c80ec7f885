"""Run metadata written next to every result: versions, seed, device, git commit, config slice."""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path

_PACKAGES = ("torch", "torchvision", "numpy", "scipy", "pandas", "snakemake", "muonrepro")


def package_versions() -> dict[str, str]:
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    out["python"] = platform.python_version()
    return out


def git_commit(cwd: str | Path | None = None) -> str:
    try:
        res = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=10)
        return res.stdout.strip() if res.returncode == 0 else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def run_metadata(config_slice: dict, seed: int | None = None, device: str | None = None) -> dict:
    return {
        "config": config_slice,
        "seed": seed,
        "device": device,
        "versions": package_versions(),
        "git_commit": git_commit(),
        "machine": platform.machine(),
    }
