"""Where the raw data is, decided at parse time (the rules' ``input:`` lists the files that exist)."""

from __future__ import annotations

from pathlib import Path

SHARED_MNIST = Path("../shared/data/mnist")


def mnist_root(configured: str) -> str:
    """``data.mnist_root``; ``auto``: the offline copy beside the checkout if present, else resources/mnist."""
    if configured != "auto":
        return configured
    return str(SHARED_MNIST) if SHARED_MNIST.exists() else "resources/mnist"


def mnist_raw_files(root: str) -> list[str]:
    """The raw MNIST files under ``root`` that exist now (inputs of data_mnist, so replacing one reruns
    everything downstream); none when torchvision is to download them."""
    for raw in (Path(root) / "raw", Path(root) / "MNIST" / "raw"):
        files = sorted(str(f) for f in raw.glob("*-ubyte*")) if raw.is_dir() else []
        if files:
            return files
    return []
