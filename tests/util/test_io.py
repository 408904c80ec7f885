"""util.io: atomic writes whose bytes do not depend on the temporary file, and loads that never run code."""

from __future__ import annotations

import pickle

import pytest
import torch

from muonrepro.util.io import UnsafeFileError, atomic_torch_save, load_tensors


def _obj():
    g = torch.Generator().manual_seed(0)
    return {"train_x": torch.randint(0, 256, (50, 784), generator=g, dtype=torch.uint8), "n": 3, "name": "mnist"}


def test_atomic_torch_save_writes_the_same_bytes_every_time(tmp_path):
    """The temporary file's random name must not end up in the zip archive (it used to: torch names the
    archive's top folder after the file it writes to)."""
    a, b = tmp_path / "a" / "mnist.pt", tmp_path / "b" / "mnist.pt"
    atomic_torch_save(_obj(), a)
    first = a.read_bytes()
    atomic_torch_save(_obj(), a)  # the same path again: another temporary name
    atomic_torch_save(_obj(), b)
    assert a.read_bytes() == first == b.read_bytes()
    assert b".part" not in first and b"mnist.pt" not in first
    assert not list(tmp_path.rglob("*.part"))
    loaded = load_tensors(a)
    assert torch.equal(loaded["train_x"], _obj()["train_x"]) and loaded["name"] == "mnist"


class _Payload:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('ran')",))


@pytest.mark.parametrize("fmt", ["torch_zip", "plain_pickle"])
def test_load_tensors_refuses_a_file_that_would_run_code(tmp_path, fmt):
    marker, path = tmp_path / "marker", tmp_path / "evil.pt"
    if fmt == "torch_zip":
        torch.save({"x": torch.ones(2), "payload": _Payload(marker)}, path)
    else:  # a bare pickle (torch's legacy, non-zip path)
        path.write_bytes(pickle.dumps({"n": 2, "payload": _Payload(marker)}, protocol=2))
    with pytest.raises(UnsafeFileError) as e:
        load_tensors(path)
    msg = str(e.value)
    assert not marker.exists()
    assert f"refusing to load {path}" in msg and "GLOBAL exec" in msg and "Delete it and rerun" in msg, msg
    assert e.value.__cause__ is None  # torch's advice (weights_only=False) is not repeated


def test_a_truncated_file_is_not_called_unsafe(tmp_path):
    path = tmp_path / "t.pt"
    atomic_torch_save(_obj(), path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(Exception) as e:
        load_tensors(path)
    assert not isinstance(e.value, UnsafeFileError)
