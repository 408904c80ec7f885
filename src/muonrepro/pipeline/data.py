"""Where the raw data is, decided at parse time (the rules' ``input:`` lists the files that exist)."""

from __future__ import annotations

from pathlib import Path

SHARED_MNIST = Path("../shared/data/mnist")  # the offline copy, relative to the checkout


def mnist_root(configured: str, checkout: str | Path = ".") -> str:
    """``data.mnist_root``; ``auto``: the offline copy beside the checkout (``checkout``: the workflow's base
    folder, whatever the working directory) if present, else resources/mnist (under the working directory)."""
    if configured != "auto":
        return configured
    shared = Path(checkout) / SHARED_MNIST
    return str(shared.resolve()) if shared.exists() else "resources/mnist"


def mnist_raw_files(root: str) -> list[str]:
    """The raw MNIST files under ``root`` that exist now; none when torchvision is to download them."""
    for raw in (Path(root) / "raw", Path(root) / "MNIST" / "raw"):
        files = sorted(str(f) for f in raw.glob("*-ubyte*")) if raw.is_dir() else []
        if files:
            return files
    return []


# the first file torchvision's MNIST download fetches (its primary mirror)
MNIST_PROBE_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz"


class DataMissingError(RuntimeError):
    """Raised at parse time, before any job starts, with one message saying what to do."""


def reachable(url: str, timeout: float = 5.0) -> bool:
    """Whether an HTTP HEAD request to ``url`` answers within ``timeout`` seconds."""
    import urllib.request

    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return True
    except Exception:  # no network, DNS, proxy, HTTP error: all mean "cannot download now"
        return False


def require_mnist(root: str, download: bool, probe=reachable) -> None:
    """Fail at parse time, in one message, when MNIST is neither under ``root`` nor downloadable now: what
    is missing, the exact folder, and a command that fetches it. With the files present, or with
    ``download: true`` and the download mirror answering, the ``data_mnist`` job proceeds."""
    if mnist_raw_files(root):
        return
    folder = Path(root).resolve()
    if download and probe(MNIST_PROBE_URL):
        return
    why = (
        "data.download is false"
        if not download
        else f"data.download is true, but the download mirror does not answer ({MNIST_PROBE_URL})"
    )
    raise DataMissingError(
        f"MNIST is missing: no IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
        f"t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]) under {folder}/raw or {folder}/MNIST/raw, and "
        f'{why}. Fetch it on a machine with network: python -c "import torchvision; '
        f"torchvision.datasets.MNIST('{folder}', download=True)\" (it writes {folder}/MNIST/raw), or put the four "
        f"files in {folder}/raw, or set data.mnist_root in config.yaml to a folder that has them."
    )
