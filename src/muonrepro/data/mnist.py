"""Real MNIST through ``torchvision.datasets.MNIST``, checked against the canonical md5 sums.

``prepare_mnist(root, out)`` reads the four IDX files (gzip or not) from ``root`` (a folder holding
``raw/`` or ``MNIST/raw/``), verifies the md5 of the uncompressed bytes, lays them out where
torchvision expects them and saves uint8 tensors once. With ``download=True`` and no files,
torchvision downloads them (same bytes).
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import tempfile
import zlib
from pathlib import Path

import torch

from muonrepro.util.io import atomic_torch_save, atomic_write_json

# md5 of the UNCOMPRESSED IDX files (canonical MNIST values; also in ../shared/data/mnist/MD5SUMS)
MNIST_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
MEAN, STD = 0.1307, 0.3081
FETCH_HINT = (
    "Put the four MNIST IDX files (gzipped or not) in <data.mnist_root>/raw/, or set data.mnist_root in "
    'config.yaml to a folder that has them, or fetch them with python -c "import torchvision; '
    "torchvision.datasets.MNIST('<data.mnist_root>', download=True)\" (it writes <data.mnist_root>/MNIST/raw)."
)


class DatasetError(RuntimeError):
    pass


def _raw_dir(root: Path) -> Path | None:
    for cand in (root / "raw", root / "MNIST" / "raw", root):
        if any((cand / f).exists() or (cand / f"{f}.gz").exists() for f in MNIST_MD5):
            return cand
    return None


def _uncompressed_bytes(raw: Path, name: str) -> bytes:
    if (raw / name).exists():
        return (raw / name).read_bytes()
    if (raw / f"{name}.gz").exists():
        try:
            with gzip.open(raw / f"{name}.gz", "rb") as fh:
                return fh.read()
        except (OSError, EOFError, zlib.error) as exc:  # truncated or corrupted gzip stream
            raise DatasetError(f"MNIST file {raw / name}.gz is damaged ({exc}). {FETCH_HINT}") from exc
    raise DatasetError(f"MNIST file {name}(.gz) is missing in {raw}. {FETCH_HINT}")


def stage_verified(root: str | Path, staging: str | Path) -> Path:
    """Verify the four files in ``root`` and write them uncompressed to ``staging/MNIST/raw``."""
    root, staging = Path(root), Path(staging)
    raw = _raw_dir(root) if root.exists() else None
    if raw is None:
        raise DatasetError(f"no MNIST files found under data.mnist_root={root}. {FETCH_HINT}")
    dest = staging / "MNIST" / "raw"
    dest.mkdir(parents=True, exist_ok=True)
    for name, md5 in MNIST_MD5.items():
        data = _uncompressed_bytes(raw, name)
        got = hashlib.md5(data).hexdigest()
        if got != md5:
            raise DatasetError(
                f"MNIST file {raw / name}: md5 {got} != canonical {md5}; the copy is corrupt or not "
                f"MNIST. Replace it (same bytes as torchvision's download). {FETCH_HINT}"
            )
        (dest / name).write_bytes(data)
    return staging


def prepare_mnist(root: str | Path, staging: str | Path, download: bool = False) -> dict[str, torch.Tensor]:
    """Tensors ``train_x`` (60000x784 uint8), ``train_y``, ``test_x``, ``test_y`` from real MNIST."""
    from torchvision.datasets import MNIST

    root = Path(root)
    if download and (not root.exists() or _raw_dir(root) is None):
        try:
            MNIST(str(root), train=True, download=True)
            MNIST(str(root), train=False, download=True)
        except Exception as exc:  # network errors come in many types
            raise DatasetError(f"downloading MNIST into data.mnist_root={root} failed ({exc}). {FETCH_HINT}") from None
    stage_verified(root, staging)
    tr = MNIST(str(staging), train=True, download=False)
    te = MNIST(str(staging), train=False, download=False)
    shutil.rmtree(Path(staging) / "MNIST" / "processed", ignore_errors=True)
    return {
        "train_x": tr.data.reshape(len(tr.data), -1).contiguous(),
        "train_y": tr.targets.clone(),
        "test_x": te.data.reshape(len(te.data), -1).contiguous(),
        "test_y": te.targets.clone(),
    }


def to_device_float(x_uint8: torch.Tensor, device) -> torch.Tensor:
    """uint8 pixels -> normalised float32 on ``device`` ((x/255 - mean)/std)."""
    return ((x_uint8.to(device=device, dtype=torch.float32) / 255.0) - MEAN) / STD


def mnist_job(smk) -> None:
    """Rule data_mnist: verify and load real MNIST from ``params.root`` (``params.download``: fetch it when
    absent), save the uint8 tensors (``output.tensors``) and what was found (``output.meta``)."""
    p = smk.params
    with tempfile.TemporaryDirectory() as staging:
        d = prepare_mnist(p.root, staging, download=p.download)
    atomic_torch_save(d, smk.output.tensors)
    atomic_write_json(
        {"root": p.root, "md5_verified": True, "sizes": {k: list(v.shape) for k, v in d.items()}}, smk.output.meta
    )
