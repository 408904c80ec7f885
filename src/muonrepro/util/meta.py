"""Run metadata written next to every result: versions, seed, device, provenance of the code, config slice.

Provenance (``provenance``) is read from the checkout the running ``muonrepro`` package comes from, not from
the working directory, so it is right under ``snakemake --directory`` elsewhere and on SLURM nodes: the
commit, whether tracked files differ from it (and a hash of that difference, so two dirty trees are told
apart), the checkout and working directory, and the SLURM job id when there is one.
"""

from __future__ import annotations

import hashlib
import os
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


def checkout_root() -> Path:
    """The folder holding ``src/muonrepro`` that this code was imported from (the checkout, for an editable
    install or the pipeline's PYTHONPATH)."""
    return Path(__file__).resolve().parents[3]


def _git(args: list[str], cwd: str | Path) -> bytes | None:
    try:
        res = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout if res.returncode == 0 else None


def git_commit(cwd: str | Path | None = None) -> str:
    """The commit of the checkout at ``cwd`` (default: the one this code comes from), or ``unknown``."""
    out = _git(["rev-parse", "HEAD"], cwd or checkout_root())
    return out.decode().strip() if out else "unknown"


def provenance(root: str | Path | None = None) -> dict:
    """Where the code that runs comes from: ``git_commit``, ``git_dirty`` (tracked files differ from the
    commit; None when unknown), ``git_diff_sha256`` (of ``git diff HEAD``, empty when clean), ``checkout``,
    ``workdir`` and ``slurm_job_id``."""
    root = Path(root) if root is not None else checkout_root()
    status = _git(["status", "--porcelain", "--untracked-files=no"], root)
    dirty = None if status is None else bool(status.strip())
    diff = _git(["diff", "HEAD", "--binary"], root) if dirty else None
    return {
        "git_commit": git_commit(root),
        "git_dirty": dirty,
        "git_diff_sha256": hashlib.sha256(diff).hexdigest() if diff else "",
        "checkout": str(root),
        "workdir": os.getcwd(),
        "slurm_job_id": os.environ.get("SLURM_JOB_ID", ""),
    }


def run_metadata(config_slice: dict, seed: int | None = None, device: str | None = None) -> dict:
    return {
        "config": config_slice,
        "seed": seed,
        "device": device,
        "versions": package_versions(),
        **provenance(),
        "machine": platform.machine(),
    }


def dirty_note(metas: list[dict]) -> str:
    """A warning for the report when any result came from a tree with uncommitted changes (else empty)."""
    dirty = [m for m in metas if m.get("git_dirty")]
    if not dirty:
        return ""
    hashes = sorted({m.get("git_diff_sha256", "")[:12] for m in dirty})
    return (
        f"{len(dirty)} of {len(metas)} results came from a tree with uncommitted changes to tracked files "
        f"(diff sha256 {', '.join(hashes)}): the commit alone does not say which code made them"
    )
