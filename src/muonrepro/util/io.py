"""Atomic file writes: a result file either exists complete or not at all; and the one way to read a
torch file (``load_tensors``), which never runs code.

Every writer goes to a temporary file in the same directory and renames it into place, so an
interrupted job never leaves a file that looks complete.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside ``path``; rename it to ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; results are ordinary files
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_csv(df, path):
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)


def atomic_write_parquet(df, path):
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False)


def atomic_write_json(obj, path):
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def atomic_torch_save(obj, path):
    """``torch.save`` through an open file object: given a path, torch names the zip archive's top folder
    after the file it writes to, and the temporary file's name is random, so the bytes would differ from
    run to run. Through a file object the folder is always ``archive``: the same object gives the same bytes."""
    import torch

    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        torch.save(obj, fh)


class UnsafeFileError(ValueError):
    """A torch file that holds more than tensors and plain containers; nothing in it was run."""


def load_tensors(path, **kwargs):
    """``torch.load(path, weights_only=True, **kwargs)``: tensors and plain containers only, so that loading
    a file never runs code, whoever made it. A file that needs more (a pickled object with a reduce
    step, e.g. one planted to run code) raises ``UnsafeFileError`` naming the file and what to do."""
    import torch

    try:
        return torch.load(path, weights_only=True, **kwargs)
    except pickle.UnpicklingError as e:
        found = re.search(r"(Unsupported global: GLOBAL \S+|Unsupported operand \S+)", str(e))
        raise UnsafeFileError(
            f"refusing to load {path}: it holds objects other than tensors and plain containers "
            f"({found.group(1) if found else type(e).__name__}). This pipeline never writes such files: it "
            f"comes from elsewhere or was altered, and nothing in it was run. Delete it and rerun the rule that "
            f"makes it (do not load it with weights_only=False)"
        ) from None
