"""Resumable checkpoints of a training run, and the fingerprint that decides whether one may be resumed.

The fingerprint covers everything that determines the run's outputs: its settings (a JSON-able dict),
the code (the contents of the rule's declared package sources, its ``code`` input) and the data (the
contents of its data files). A checkpoint whose fingerprint differs (other settings, edited code,
rebuilt data) is discarded with a log line naming what differs, never resumed: a run must not continue
with epochs made by other code.

Checkpoints hold tensors and plain containers only and are read with ``util.io.load_tensors`` (``torch.load(weights_only=True)``):
loading a checkpoint never runs code, whoever made the file. The file is written atomically, and the
job removes it once the run's outputs are written (``Checkpoint.discard``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from muonrepro.util.io import atomic_torch_save, load_tensors


def file_digest(path: str | Path, chunk: int = 1 << 24) -> str:
    """sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def fingerprint(settings: dict, code: list[str | Path] = (), data: list[str | Path] = ()) -> dict:
    """Digests of the settings, the code files and the data files (a dict, so a mismatch can be named)."""
    blob = json.dumps(settings, sort_keys=True, default=str)
    return {
        "settings": hashlib.sha256(blob.encode()).hexdigest()[:16],
        "code": hashlib.sha256(
            "".join(f"{Path(p).name}:{file_digest(p)};" for p in sorted(map(str, code))).encode()
        ).hexdigest()[:16],
        "data": hashlib.sha256("".join(file_digest(p) for p in sorted(map(str, data))).encode()).hexdigest()[:16],
    }


class Checkpoint:
    """The checkpoint file of one run (``path`` None: no checkpointing) and the run's fingerprint."""

    def __init__(self, path: str | Path | None, fingerprint: dict, log=print):
        self.path = Path(path) if path else None
        self.fingerprint = fingerprint
        self.log = log

    def load(self, map_location=None) -> dict | None:
        """The saved state if it belongs to this run; None (and the file removed) otherwise."""
        if self.path is None or not self.path.exists():
            return None
        try:
            state = load_tensors(self.path, map_location=map_location)
        except Exception as e:  # a truncated, foreign or unsafe file: never resumed
            self.log(f"discarding checkpoint {self.path}: it cannot be read safely ({type(e).__name__}: {e})")
            self.discard()
            return None
        stored = state.get("fingerprint", {}) if isinstance(state, dict) else {}
        differ = [k for k in self.fingerprint if stored.get(k) != self.fingerprint[k]]
        if differ:
            self.log(
                f"discarding checkpoint {self.path}: made with other {', '.join(differ)} "
                f"(stored {stored}, this run {self.fingerprint}); starting fresh"
            )
            self.discard()
            return None
        return state

    def save(self, state: dict) -> None:
        if self.path is not None:
            atomic_torch_save({**state, "fingerprint": self.fingerprint}, self.path)

    def discard(self) -> None:
        discard_checkpoint(self.path)


def discard_checkpoint(path: str | Path | None) -> None:
    """Remove a run's checkpoint once its outputs are written (the end of the checkpoint's life)."""
    if path and Path(path).exists():
        Path(path).unlink()
